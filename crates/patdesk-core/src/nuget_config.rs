//! NuGet's user configuration file (`NuGet.Config`), written by PAT Desk itself so the token never passes
//! through a command line (where every local user could read it): on Windows `%APPDATA%\NuGet\NuGet.Config`
//! with the token encrypted the way NuGet encrypts it, elsewhere the file the NuGet client reads
//! ([`crate::nuget`]) with the token as `ClearTextPassword`, the only form NuGet reads there, after the person
//! chose plain text.
//!
//! NuGet keeps a feed's credentials as
//!
//! ```xml
//! <configuration>
//!   <packageSources><add key="contoso packages" value="https://…/nuget/v3/index.json" /></packageSources>
//!   <packageSourceCredentials>
//!     <contoso_x0020_packages>
//!       <add key="Username" value="contoso" />
//!       <add key="Password" value="BASE64(DPAPI(UTF-8 password))" />   (or key="ClearTextPassword")
//!     </contoso_x0020_packages>
//!   </packageSourceCredentials>
//! </configuration>
//! ```
//!
//! where the element's name is the source's name made a valid XML name (`XmlConvert.EncodeLocalName`: a space
//! becomes `_x0020_`) and `Password` is what NuGet's own `EncryptionUtility` writes: Windows' DPAPI
//! (`CryptProtectData`) for the current user, with the entropy `"NuGet"`, in Base64. Only the same Windows
//! account on the same computer can decrypt it, which is why NuGet offers it only on Windows (and why
//! [`crate::nuget`] asks before plain text everywhere else).
//!
//! The file is read with a real XML parser (quick-xml), changed in place — everything else in it (other
//! sources, comments, settings) is written back as it was — and replaced atomically (a temporary file beside
//! it, then a rename), so NuGet never reads half a file; it ends up readable by this user only
//! ([`crate::tool_config`]). The document's text is wiped from memory when dropped.
//!
//! The XML part is plain Rust and tested on every system; the encryption is Windows only, tested under Wine
//! against its real DPAPI.

use quick_xml::events::Event;
use quick_xml::Reader;
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, ErrorCode};

/// The entropy NuGet's `EncryptionUtility` passes to DPAPI (`Encoding.UTF8.GetBytes("NuGet")`): without it
/// NuGet could not decrypt the password.
pub const NUGET_ENTROPY: &[u8] = b"NuGet";

/// One node of the file: an element PAT Desk may change, or anything else (text, comments, the declaration)
/// kept as it was written.
#[derive(Debug, Clone)]
enum Node {
    Element(Element),
    Verbatim(String),
}

#[derive(Debug, Clone)]
struct Element {
    name: String,
    /// Attribute names and their values, unescaped.
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
}

/// A password's value may be in any attribute or text: wipe them all.
impl Drop for Element {
    fn drop(&mut self) {
        for (_, value) in &mut self.attrs {
            value.zeroize();
        }
        for child in &mut self.children {
            if let Node::Verbatim(text) = child {
                text.zeroize();
            }
        }
    }
}

/// How a source's password is kept in the file.
#[derive(Debug, Clone, Copy)]
pub enum StoredPassword<'a> {
    /// `Password`: already encrypted (Windows' DPAPI, Base64), see [`store_encrypted`].
    Encrypted(&'a str),
    /// `ClearTextPassword`: the token as is (macOS, Linux; the person's choice).
    ClearText(&'a str),
}

impl Element {
    fn new(name: &str, attrs: &[(&str, &str)]) -> Element {
        Element {
            name: name.to_string(),
            attrs: attrs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            children: Vec::new(),
        }
    }

    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn set_attr(&mut self, key: &str, value: &str) {
        match self.attrs.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value.to_string(),
            None => self.attrs.push((key.to_string(), value.to_string())),
        }
    }

    fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Verbatim(_) => None,
        })
    }

    /// The child element `name`, made at the end when there is none (`depth`: this element's, for the
    /// indentation).
    fn child_mut(&mut self, name: &str, depth: usize) -> &mut Element {
        let at = self
            .children
            .iter()
            .position(|n| matches!(n, Node::Element(e) if e.name == name));
        let at = match at {
            Some(at) => at,
            None => self.append(Element::new(name, &[]), depth),
        };
        match &mut self.children[at] {
            Node::Element(e) => e,
            Node::Verbatim(_) => unreachable!("the position of an element"),
        }
    }

    /// Append `child`, indented as the children of an element at `depth` (this one's) are; answers its
    /// position.
    fn append(&mut self, child: Element, depth: usize) -> usize {
        let closing = format!("\n{}", "  ".repeat(depth));
        // The text before the closing tag stays last: the new child goes before it.
        let trailing = match self.children.last() {
            Some(Node::Verbatim(t)) if t.trim().is_empty() => self.children.pop(),
            _ => None,
        };
        self.children
            .push(Node::Verbatim(format!("\n{}", "  ".repeat(depth + 1))));
        self.children.push(Node::Element(child));
        self.children
            .push(trailing.unwrap_or(Node::Verbatim(closing)));
        self.children.len() - 2
    }

    /// Remove the child elements `drop` selects (with the indentation before each); answers whether there
    /// were any.
    fn remove_where(&mut self, drop: impl Fn(&Element) -> bool) -> bool {
        let mut kept: Vec<Node> = Vec::with_capacity(self.children.len());
        let mut removed = false;
        for node in self.children.drain(..) {
            if let Node::Element(e) = &node {
                if drop(e) {
                    if matches!(kept.last(), Some(Node::Verbatim(t)) if t.trim().is_empty()) {
                        kept.pop();
                    }
                    removed = true;
                    continue;
                }
            }
            kept.push(node);
        }
        self.children = kept;
        removed
    }

    fn write(&self, out: &mut impl Sink) {
        out.put("<");
        out.put(&self.name);
        for (k, v) in &self.attrs {
            out.put(" ");
            out.put(k);
            out.put("=\"");
            for piece in escaped(v) {
                out.put(piece);
            }
            out.put("\"");
        }
        if self.children.is_empty() {
            out.put(" />");
            return;
        }
        out.put(">");
        write_nodes(&self.children, out);
        out.put("</");
        out.put(&self.name);
        out.put(">");
    }
}

/// Where the document's text goes: first a count of its length, then a buffer of exactly that size, so no
/// reallocation leaves a copy of a password behind.
trait Sink {
    fn put(&mut self, s: &str);
}

impl Sink for usize {
    fn put(&mut self, s: &str) {
        *self += s.len();
    }
}

impl Sink for String {
    fn put(&mut self, s: &str) {
        self.push_str(s);
    }
}

/// An attribute value in pieces, with `&`, `<`, `>`, `"` and `'` as entities.
fn escaped(value: &str) -> impl Iterator<Item = &str> {
    let mut rest = value;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let at = rest.find(['&', '<', '>', '"', '\'']).unwrap_or(rest.len());
        if at > 0 {
            let (plain, tail) = rest.split_at(at);
            rest = tail;
            return Some(plain);
        }
        let entity = match rest.as_bytes()[0] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&apos;",
        };
        rest = &rest[1..];
        Some(entity)
    })
}

fn write_nodes(nodes: &[Node], out: &mut impl Sink) {
    for node in nodes {
        match node {
            Node::Element(e) => e.write(out),
            Node::Verbatim(t) => out.put(t),
        }
    }
}

/// A NuGet.Config document.
#[derive(Debug, Clone)]
pub struct NuGetConfig {
    nodes: Vec<Node>,
}

impl Drop for NuGetConfig {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            if let Node::Verbatim(text) = node {
                text.zeroize();
            }
        }
    }
}

impl NuGetConfig {
    /// Read a NuGet.Config's text; an empty text is a new file. A file that is not XML, or has no
    /// `<configuration>`, is refused rather than overwritten.
    pub fn parse(text: &str) -> Result<NuGetConfig, Error> {
        let text = text.trim_start_matches('\u{feff}');
        if text.trim().is_empty() {
            return Ok(NuGetConfig {
                nodes: vec![
                    Node::Verbatim("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n".into()),
                    Node::Element(Element::new("configuration", &[])),
                    Node::Verbatim("\n".into()),
                ],
            });
        }
        let mut reader = Reader::from_str(text);
        let mut stack: Vec<Element> = Vec::new();
        let mut top: Vec<Node> = Vec::new();
        loop {
            let event = reader.read_event().map_err(|e| unreadable(e.to_string()))?;
            let node = match event {
                Event::Eof => break,
                Event::Start(start) => {
                    stack.push(element_from(&start)?);
                    continue;
                }
                Event::End(_) => match stack.pop() {
                    Some(done) => Node::Element(done),
                    None => return Err(unreadable("a closing tag without its opening tag")),
                },
                Event::Empty(start) => Node::Element(element_from(&start)?),
                Event::Text(t) => Node::Verbatim(t.to_string()),
                Event::GeneralRef(r) => Node::Verbatim(format!("&{};", &*r)),
                Event::CData(c) => Node::Verbatim(format!("<![CDATA[{}]]>", &*c)),
                Event::Comment(c) => Node::Verbatim(format!("<!--{}-->", &*c)),
                Event::Decl(d) => Node::Verbatim(format!("<?{}?>", &*d)),
                Event::PI(p) => Node::Verbatim(format!("<?{}?>", &*p)),
                Event::DocType(d) => Node::Verbatim(format!("<!DOCTYPE {}>", &*d)),
            };
            match stack.last_mut() {
                Some(parent) => parent.children.push(node),
                None => top.push(node),
            }
        }
        if !stack.is_empty() {
            return Err(unreadable("the file ends inside an element"));
        }
        let config = NuGetConfig { nodes: top };
        if config.root().is_none() {
            return Err(unreadable("no <configuration> element"));
        }
        Ok(config)
    }

    /// The document's text.
    pub fn to_xml(&self) -> String {
        let mut len = 0usize;
        write_nodes(&self.nodes, &mut len);
        let mut out = String::with_capacity(len);
        write_nodes(&self.nodes, &mut out);
        out
    }

    fn root(&self) -> Option<&Element> {
        self.nodes.iter().find_map(|n| match n {
            Node::Element(e) if e.name == "configuration" => Some(e),
            _ => None,
        })
    }

    fn root_mut(&mut self) -> &mut Element {
        self.nodes
            .iter_mut()
            .find_map(|n| match n {
                Node::Element(e) if e.name == "configuration" => Some(e),
                _ => None,
            })
            .expect("parse keeps only documents with <configuration>")
    }

    /// Add the package source `name` → `url` (or point the source of that name there) with the user name and
    /// the already encrypted password (`Password`); a `ClearTextPassword` kept for it before is dropped.
    pub fn set_source(&mut self, name: &str, url: &str, username: &str, encrypted_password: &str) {
        self.set_source_with(
            name,
            url,
            username,
            StoredPassword::Encrypted(encrypted_password),
        )
    }

    /// [`Self::set_source`] with the password kept as `password` says; any password kept for the source
    /// before, in either form, is dropped.
    pub fn set_source_with(
        &mut self,
        name: &str,
        url: &str,
        username: &str,
        password: StoredPassword<'_>,
    ) {
        let root = self.root_mut();
        let sources = root.child_mut("packageSources", 0);
        match sources.children.iter_mut().find_map(|n| match n {
            Node::Element(e)
                if e.name == "add"
                    && e.attr("key").is_some_and(|k| k.eq_ignore_ascii_case(name)) =>
            {
                Some(e)
            }
            _ => None,
        }) {
            Some(add) => add.set_attr("value", url),
            None => {
                sources.append(Element::new("add", &[("key", name), ("value", url)]), 1);
            }
        }
        let element_name = encode_source_name(name);
        let credentials = root.child_mut("packageSourceCredentials", 0);
        let source = credentials.child_mut_named_like(&element_name, 1);
        source.remove_where(|e| {
            e.name == "add"
                && e.attr("key").is_some_and(|k| {
                    ["Username", "Password", "ClearTextPassword"]
                        .iter()
                        .any(|x| k.eq_ignore_ascii_case(x))
                })
        });
        source.append(
            Element::new("add", &[("key", "Username"), ("value", username)]),
            2,
        );
        let (key, value) = match password {
            StoredPassword::Encrypted(v) => ("Password", v),
            StoredPassword::ClearText(v) => ("ClearTextPassword", v),
        };
        source.append(Element::new("add", &[("key", key), ("value", value)]), 2);
    }

    /// Remove the package source `name` and its credentials. Answers whether there was anything to remove.
    pub fn remove_source(&mut self, name: &str) -> bool {
        let mut removed = false;
        let element_name = encode_source_name(name);
        let root = self.root_mut();
        let is_source = |e: &Element| {
            e.name == "add" && e.attr("key").is_some_and(|k| k.eq_ignore_ascii_case(name))
        };
        for section in ["packageSources", "disabledPackageSources"] {
            for child in root.children.iter_mut() {
                if let Node::Element(e) = child {
                    if e.name == section {
                        removed |= e.remove_where(is_source);
                    }
                }
            }
        }
        for child in root.children.iter_mut() {
            if let Node::Element(e) = child {
                if e.name == "packageSourceCredentials" {
                    removed |= e.remove_where(|c| c.name.eq_ignore_ascii_case(&element_name));
                }
            }
        }
        removed
    }

    /// The source's URL, user name and stored `Password` (still encrypted), if the file has them.
    pub fn source(&self, name: &str) -> Option<(String, Option<String>, Option<String>)> {
        let root = self.root()?;
        let url = root
            .elements()
            .filter(|e| e.name == "packageSources")
            .flat_map(|s| s.elements())
            .find(|e| {
                e.name == "add" && e.attr("key").is_some_and(|k| k.eq_ignore_ascii_case(name))
            })?
            .attr("value")?
            .to_string();
        let element_name = encode_source_name(name);
        let credentials = root
            .elements()
            .filter(|e| e.name == "packageSourceCredentials")
            .flat_map(|s| s.elements())
            .find(|e| e.name.eq_ignore_ascii_case(&element_name));
        let value = |key: &str| {
            credentials.and_then(|c| {
                c.elements()
                    .find(|e| e.name == "add" && e.attr("key") == Some(key))
                    .and_then(|e| e.attr("value"))
                    .map(str::to_string)
            })
        };
        Some((url, value("Username"), value("Password")))
    }
}

impl Element {
    /// Like [`Element::child_mut`], matching the name without regard to case (NuGet's source names).
    fn child_mut_named_like(&mut self, name: &str, depth: usize) -> &mut Element {
        let at = self
            .children
            .iter()
            .position(|n| matches!(n, Node::Element(e) if e.name.eq_ignore_ascii_case(name)));
        let at = match at {
            Some(at) => at,
            None => self.append(Element::new(name, &[]), depth),
        };
        match &mut self.children[at] {
            Node::Element(e) => e,
            Node::Verbatim(_) => unreachable!("the position of an element"),
        }
    }
}

fn element_from(start: &quick_xml::events::BytesStart<'_>) -> Result<Element, Error> {
    let name = start.name().into_inner().to_string();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| unreadable(e.to_string()))?;
        let key = attr.key.into_inner().to_string();
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| unreadable(e.to_string()))?
            .into_owned();
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        attrs,
        children: Vec::new(),
    })
}

fn unreadable(detail: impl Into<String>) -> Error {
    Error::new(
        ErrorCode::Internal,
        "Your NuGet configuration file (NuGet.Config) could not be read, so PAT Desk left it unchanged. Open it in an editor to fix it (or rename it so NuGet makes a new one), then try again.",
    )
    .with_raw(detail.into())
}

/// A source name as the element name NuGet gives its credentials (`XmlConvert.EncodeLocalName`): every
/// character not allowed in an XML name becomes `_xHHHH_` (a space `_x0020_`, a colon `_x003A_`), and an
/// underscore that would read as such an escape becomes `_x005F_`.
pub fn encode_source_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let looks_escaped = c == '_'
            && chars.get(i + 1) == Some(&'x')
            && chars.len() > i + 6
            && chars[i + 2..i + 6].iter().all(|h| h.is_ascii_hexdigit())
            && chars[i + 6] == '_';
        let allowed = if i == 0 {
            c.is_alphabetic() || c == '_'
        } else {
            c.is_alphanumeric() || matches!(c, '_' | '-' | '.')
        };
        if allowed && !looks_escaped {
            out.push(c);
        } else if (c as u32) > 0xFFFF {
            out.push_str(&format!("_x{:08X}_", c as u32));
        } else {
            out.push_str(&format!("_x{:04X}_", c as u32));
        }
    }
    out
}

/// Windows' DPAPI for the current user, as NuGet uses it.
#[cfg(windows)]
pub mod dpapi {
    use windows_sys::Win32::Foundation::LocalFree;
    use windows_sys::Win32::Security::Cryptography::{
        CryptProtectData, CryptUnprotectData, CRYPTPROTECT_UI_FORBIDDEN, CRYPT_INTEGER_BLOB,
    };

    use crate::error::{Error, ErrorCode};
    use crate::secret::Sensitive;

    fn blob(bytes: &[u8]) -> CRYPT_INTEGER_BLOB {
        CRYPT_INTEGER_BLOB {
            cbData: bytes.len() as u32,
            pbData: bytes.as_ptr() as *mut u8,
        }
    }

    /// Take DPAPI's output buffer, copy it out (wiping it) and free it.
    fn take(out: CRYPT_INTEGER_BLOB) -> Vec<u8> {
        if out.pbData.is_null() {
            return Vec::new();
        }
        // SAFETY: DPAPI allocated `cbData` bytes at `pbData` (LocalAlloc), owned by us until LocalFree.
        unsafe {
            let data = std::slice::from_raw_parts_mut(out.pbData, out.cbData as usize);
            let copy = data.to_vec();
            zeroize::Zeroize::zeroize(data);
            LocalFree(out.pbData as _);
            copy
        }
    }

    /// The signature CryptProtectData and CryptUnprotectData share, as this module calls them: input, entropy,
    /// flags and output (no description, reserved value or prompt).
    type Transform = unsafe fn(
        *const CRYPT_INTEGER_BLOB,
        *const CRYPT_INTEGER_BLOB,
        u32,
        *mut CRYPT_INTEGER_BLOB,
    ) -> i32;

    unsafe fn protect_call(
        input: *const CRYPT_INTEGER_BLOB,
        entropy: *const CRYPT_INTEGER_BLOB,
        flags: u32,
        out: *mut CRYPT_INTEGER_BLOB,
    ) -> i32 {
        CryptProtectData(
            input,
            std::ptr::null(),
            entropy,
            std::ptr::null(),
            std::ptr::null(),
            flags,
            out,
        )
    }

    unsafe fn unprotect_call(
        input: *const CRYPT_INTEGER_BLOB,
        entropy: *const CRYPT_INTEGER_BLOB,
        flags: u32,
        out: *mut CRYPT_INTEGER_BLOB,
    ) -> i32 {
        CryptUnprotectData(
            input,
            std::ptr::null_mut(),
            entropy,
            std::ptr::null(),
            std::ptr::null(),
            flags,
            out,
        )
    }

    /// Run one DPAPI transform of `data` with `entropy`, without a prompt; `failure` is the sentence when
    /// Windows refuses.
    fn transform(
        call: Transform,
        data: &[u8],
        entropy: &[u8],
        failure: &str,
    ) -> Result<Vec<u8>, Error> {
        let (input, extra) = (blob(data), blob(entropy));
        let mut out = CRYPT_INTEGER_BLOB {
            cbData: 0,
            pbData: std::ptr::null_mut(),
        };
        // SAFETY: the input blobs point at live slices DPAPI only reads; `out` is filled by DPAPI.
        let ok = unsafe { call(&input, &extra, CRYPTPROTECT_UI_FORBIDDEN, &mut out) };
        if ok == 0 {
            return Err(Error::new(ErrorCode::Internal, failure)
                .with_raw(std::io::Error::last_os_error().to_string()));
        }
        Ok(take(out))
    }

    /// `plain` encrypted for the current Windows user with `entropy`.
    pub fn protect(plain: &[u8], entropy: &[u8]) -> Result<Vec<u8>, Error> {
        transform(
            protect_call,
            plain,
            entropy,
            "Windows could not encrypt the token for your account, so it was not handed to NuGet. Try again, or copy the token instead.",
        )
    }

    /// What [`protect`] encrypted (with the same `entropy`), decrypted for the current Windows user.
    pub fn unprotect(sealed: &[u8], entropy: &[u8]) -> Result<Sensitive<Vec<u8>>, Error> {
        transform(
            unprotect_call,
            sealed,
            entropy,
            "Windows could not decrypt this value for your account: it was encrypted by another Windows account or on another computer.",
        )
        .map(Sensitive::new)
    }
}

/// Keep the feed's credentials in the NuGet.Config at `path` (made when missing), the password encrypted as
/// NuGet does. The file is replaced atomically.
#[cfg(windows)]
pub fn store_encrypted(
    path: &std::path::Path,
    source_name: &str,
    url: &str,
    username: &str,
    secret: &crate::secret::Sensitive<String>,
) -> Result<(), Error> {
    use base64::Engine;
    let sealed = dpapi::protect(secret.expose().as_bytes(), NUGET_ENTROPY)?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(sealed);
    store(
        path,
        source_name,
        url,
        username,
        StoredPassword::Encrypted(&encoded),
    )
}

/// Keep the feed's credentials in the NuGet.Config at `path` (made when missing) with the token as
/// `ClearTextPassword`: what NuGet reads off Windows, where it has no encryption. Only after the person chose
/// plain text. The file is replaced atomically and is readable by this user only.
pub fn store_clear_text(
    path: &std::path::Path,
    source_name: &str,
    url: &str,
    username: &str,
    secret: &crate::secret::Sensitive<String>,
) -> Result<(), Error> {
    store(
        path,
        source_name,
        url,
        username,
        StoredPassword::ClearText(secret.expose()),
    )
}

fn store(
    path: &std::path::Path,
    source_name: &str,
    url: &str,
    username: &str,
    password: StoredPassword<'_>,
) -> Result<(), Error> {
    let mut config = NuGetConfig::parse(&read_config(path)?)?;
    config.set_source_with(source_name, url, username, password);
    write_atomically(path, &Zeroizing::new(config.to_xml()))
}

/// Remove the source `source_name` (and its credentials) from the NuGet.Config at `path`. A missing file or
/// source counts as removed.
pub fn remove_source_from(path: &std::path::Path, source_name: &str) -> Result<(), Error> {
    let text = read_config(path)?;
    if text.trim().is_empty() {
        return Ok(());
    }
    let mut config = NuGetConfig::parse(&text)?;
    if config.remove_source(source_name) {
        write_atomically(path, &Zeroizing::new(config.to_xml()))?;
    }
    Ok(())
}

/// The file's text; empty when it does not exist yet.
pub fn read_config(path: &std::path::Path) -> Result<Zeroizing<String>, Error> {
    crate::tool_config::read(path).map_err(|e| unreadable(format!("{}: {e}", path.display())))
}

/// Replace `path` with `text` atomically, readable by this user only ([`crate::tool_config::write`]).
pub fn write_atomically(path: &std::path::Path, text: &str) -> Result<(), Error> {
    crate::tool_config::write(path, text).map_err(|e| {
        Error::new(
            ErrorCode::Internal,
            "PAT Desk could not save your NuGet configuration (NuGet.Config). Check that the file is not open in another program and that your user folder is writable, then try again.",
        )
        .with_raw(format!("{}: {e}", path.display()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_names_become_nugets_element_names() {
        assert_eq!(encode_source_name("contoso-packages"), "contoso-packages");
        assert_eq!(
            encode_source_name("contoso packages"),
            "contoso_x0020_packages"
        );
        assert_eq!(encode_source_name("1feed"), "_x0031_feed");
        assert_eq!(encode_source_name("a:b"), "a_x003A_b");
        assert_eq!(encode_source_name("a_x0020_b"), "a_x005F_x0020_b");
        assert_eq!(encode_source_name("a_b"), "a_b");
    }

    #[test]
    fn a_new_file_gets_the_source_and_its_credentials() {
        let mut config = NuGetConfig::parse("").unwrap();
        config.set_source(
            "contoso packages",
            "https://f/v3/index.json",
            "contoso",
            "c2VhbGVk",
        );
        let xml = config.to_xml();
        let again = NuGetConfig::parse(&xml).unwrap();
        assert_eq!(
            again.source("Contoso Packages"),
            Some((
                "https://f/v3/index.json".into(),
                Some("contoso".into()),
                Some("c2VhbGVk".into())
            ))
        );
        assert!(xml.contains("<contoso_x0020_packages>"), "{xml}");
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <packageSources>\n    <add key=\"contoso packages\""), "{xml}");
    }

    #[test]
    fn the_rest_of_the_file_is_kept_and_an_update_replaces_plain_text() {
        let before = "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<configuration>\r\n  <!-- mine -->\r\n  <packageSources>\r\n    <add key=\"nuget.org\" value=\"https://api.nuget.org/v3/index.json\" protocolVersion=\"3\" />\r\n    <add key=\"Feed\" value=\"https://old/index.json\" />\r\n  </packageSources>\r\n  <packageSourceCredentials>\r\n    <feed>\r\n      <add key=\"Username\" value=\"old\" />\r\n      <add key=\"ClearTextPassword\" value=\"plain-old-token\" />\r\n      <add key=\"ValidAuthenticationTypes\" value=\"basic\" />\r\n    </feed>\r\n  </packageSourceCredentials>\r\n  <config><add key=\"http_proxy\" value=\"http://p?a=1&amp;b=2\" /></config>\r\n</configuration>\r\n";
        let mut config = NuGetConfig::parse(before).unwrap();
        config.set_source("feed", "https://new/index.json", "contoso", "ZW5j");
        let xml = config.to_xml();
        assert!(!xml.contains("plain-old-token"), "{xml}");
        assert!(xml.contains("<!-- mine -->"));
        assert!(xml.contains("protocolVersion=\"3\""));
        assert!(xml.contains("value=\"http://p?a=1&amp;b=2\""), "{xml}");
        assert!(xml.contains("ValidAuthenticationTypes"));
        let again = NuGetConfig::parse(&xml).unwrap();
        assert_eq!(
            again.source("feed"),
            Some((
                "https://new/index.json".into(),
                Some("contoso".into()),
                Some("ZW5j".into())
            ))
        );
        assert!(again.source("nuget.org").is_some());

        let mut removed = again.clone();
        assert!(removed.remove_source("FEED"));
        let xml = removed.to_xml();
        assert!(removed.source("feed").is_none());
        assert!(!xml.contains("<feed>") && !xml.contains("ZW5j"), "{xml}");
        assert!(xml.contains("api.nuget.org"));
        assert!(!removed.remove_source("feed"));
    }

    #[test]
    fn a_file_that_is_not_a_nuget_configuration_is_left_alone() {
        assert!(NuGetConfig::parse("<configuration><packageSources>").is_err());
        assert!(NuGetConfig::parse("<settings />").is_err());
        assert!(NuGetConfig::parse("not xml at all <").is_err());
    }
}
