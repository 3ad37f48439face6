//! Signing in to a server as the person signed in to Windows, with Windows' own SSPI: the credentials of the
//! current logon session (no password typed, none kept), the `Negotiate` package (Kerberos, or NTLM when
//! Kerberos cannot be used) or `NTLM` when the server offers only that, and the target `HTTP/<host>`, the
//! service principal name Kerberos asks the domain for. Windows only.
//!
//! [`current_account`] is the name a window shows (`CONTOSO\dana`, `GetUserNameExW(NameSamCompatible)`).

use std::ptr;

use windows_sys::Win32::Foundation::{
    SEC_E_OK, SEC_I_COMPLETE_AND_CONTINUE, SEC_I_COMPLETE_NEEDED, SEC_I_CONTINUE_NEEDED,
};
use windows_sys::Win32::Security::Authentication::Identity::{
    AcquireCredentialsHandleW, CompleteAuthToken, DeleteSecurityContext, FreeContextBuffer,
    FreeCredentialsHandle, GetUserNameExW, InitializeSecurityContextW, NameSamCompatible,
    SecBuffer, SecBufferDesc, ISC_REQ_ALLOCATE_MEMORY, ISC_REQ_CONNECTION, SECBUFFER_TOKEN,
    SECBUFFER_VERSION, SECPKG_CRED_OUTBOUND, SECURITY_NATIVE_DREP,
};
use windows_sys::Win32::Security::Credentials::SecHandle;

use crate::error::{Error, ErrorCode};

/// The account of the person signed in to Windows as `DOMAIN\user`, or `None` when Windows does not say.
pub fn current_account() -> Option<String> {
    let mut size: u32 = 0;
    // SAFETY: a null buffer with size 0 only asks for the size needed (in UTF-16 units, with the NUL).
    unsafe { GetUserNameExW(NameSamCompatible, ptr::null_mut(), &mut size) };
    if size == 0 {
        return None;
    }
    let mut buffer = vec![0u16; size as usize + 1];
    let mut len = buffer.len() as u32;
    // SAFETY: `buffer` holds `len` UTF-16 units; on success `len` is the length written, without the NUL.
    let ok = unsafe { GetUserNameExW(NameSamCompatible, buffer.as_mut_ptr(), &mut len) };
    if !ok {
        return None;
    }
    let name = String::from_utf16_lossy(&buffer[..(len as usize).min(buffer.len())]);
    let name = name.trim_end_matches('\0').trim().to_string();
    (!name.is_empty()).then_some(name)
}

/// A user name, domain and password for Windows' SSPI instead of the logon session's (tests only: they
/// cannot be the person signed in to Windows, which under Wine has no domain account).
#[cfg(test)]
pub(crate) struct ExplicitIdentity {
    pub user: String,
    pub domain: String,
    pub password: crate::secret::Sensitive<String>,
}

/// One handshake through Windows' SSPI.
pub(crate) struct SspiClient {
    credentials: SecHandle,
    context: Option<SecHandle>,
    /// `HTTP/<host>`, NUL-terminated UTF-16.
    target: Vec<u16>,
    package: &'static str,
}

fn wide(s: &str) -> Vec<u16> {
    s.encode_utf16().chain(std::iter::once(0)).collect()
}

/// A failed SSPI call as a sentence for the person, the status for the log.
fn failed(call: &str, status: i32) -> Error {
    let who = current_account().unwrap_or_else(|| "your Windows account".into());
    Error::new(
        ErrorCode::SignInFailed,
        format!(
            "Windows could not sign you in to this server as {who}. Sign in with your user name and password instead, or with a personal access token."
        ),
    )
    .with_raw(format!("{call}: 0x{:08X}", status as u32))
}

impl SspiClient {
    /// A handshake as the person signed in to Windows, with `package` (`Negotiate` or `NTLM`) for `host`.
    pub fn current_user(package: &'static str, host: &str) -> Result<SspiClient, Error> {
        Self::acquire(package, host, ptr::null())
    }

    /// A handshake as `identity` (tests: Windows' SSPI, but not the logon session's account).
    #[cfg(test)]
    pub fn with_identity(
        package: &'static str,
        host: &str,
        identity: &ExplicitIdentity,
    ) -> Result<SspiClient, Error> {
        use windows_sys::Win32::System::Rpc::{
            SEC_WINNT_AUTH_IDENTITY_UNICODE, SEC_WINNT_AUTH_IDENTITY_W,
        };
        let mut user: Vec<u16> = identity.user.encode_utf16().collect();
        let mut domain: Vec<u16> = identity.domain.encode_utf16().collect();
        let mut password: Vec<u16> = identity.password.expose().encode_utf16().collect();
        let auth = SEC_WINNT_AUTH_IDENTITY_W {
            User: user.as_mut_ptr(),
            UserLength: user.len() as u32,
            Domain: domain.as_mut_ptr(),
            DomainLength: domain.len() as u32,
            Password: password.as_mut_ptr(),
            PasswordLength: password.len() as u32,
            Flags: SEC_WINNT_AUTH_IDENTITY_UNICODE,
        };
        let client = Self::acquire(package, host, &auth as *const _ as *const _);
        zeroize::Zeroize::zeroize(&mut password);
        client
    }

    fn acquire(
        package: &'static str,
        host: &str,
        auth_data: *const core::ffi::c_void,
    ) -> Result<SspiClient, Error> {
        let package_name = wide(package);
        let mut credentials = SecHandle::default();
        let mut expiry = 0i64;
        // SAFETY: every pointer is valid for the call; a null principal and (without `auth_data`) null
        // authentication data mean the current logon session's credentials.
        let status = unsafe {
            AcquireCredentialsHandleW(
                ptr::null(),
                package_name.as_ptr(),
                SECPKG_CRED_OUTBOUND,
                ptr::null(),
                auth_data,
                None,
                ptr::null(),
                &mut credentials,
                &mut expiry,
            )
        };
        if status != SEC_E_OK {
            return Err(failed("AcquireCredentialsHandleW", status));
        }
        let host = host.trim_start_matches('[').trim_end_matches(']');
        Ok(SspiClient {
            credentials,
            context: None,
            target: wide(&format!("HTTP/{host}")),
            package,
        })
    }

    fn step(&mut self, input: Option<&[u8]>) -> Result<Vec<u8>, Error> {
        let mut input_buffer = SecBuffer {
            cbBuffer: input.map_or(0, |i| i.len() as u32),
            BufferType: SECBUFFER_TOKEN,
            pvBuffer: input.map_or(ptr::null_mut(), |i| i.as_ptr() as *mut _),
        };
        let input_desc = SecBufferDesc {
            ulVersion: SECBUFFER_VERSION,
            cBuffers: 1,
            pBuffers: &mut input_buffer,
        };
        let mut output_buffer = SecBuffer {
            cbBuffer: 0,
            BufferType: SECBUFFER_TOKEN,
            pvBuffer: ptr::null_mut(),
        };
        let mut output_desc = SecBufferDesc {
            ulVersion: SECBUFFER_VERSION,
            cBuffers: 1,
            pBuffers: &mut output_buffer,
        };
        let mut context = self.context.unwrap_or_default();
        let mut attributes = 0u32;
        let mut expiry = 0i64;
        // SAFETY: the handles are this client's; the input buffer borrows `input` for the call only; SSPI
        // allocates the output token (ISC_REQ_ALLOCATE_MEMORY), freed below with FreeContextBuffer. After
        // the first call the context handle is passed in and updated in place, as the documentation allows.
        let status = unsafe {
            InitializeSecurityContextW(
                &self.credentials,
                self.context
                    .as_ref()
                    .map_or(ptr::null(), |c| c as *const SecHandle),
                self.target.as_ptr(),
                ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_CONNECTION,
                0,
                SECURITY_NATIVE_DREP,
                if input.is_some() {
                    &input_desc
                } else {
                    ptr::null()
                },
                0,
                &mut context,
                &mut output_desc,
                &mut attributes,
                &mut expiry,
            )
        };
        let succeeded = matches!(
            status,
            SEC_E_OK | SEC_I_CONTINUE_NEEDED | SEC_I_COMPLETE_NEEDED | SEC_I_COMPLETE_AND_CONTINUE
        );
        if succeeded {
            self.context = Some(context);
        }
        let mut completed = SEC_E_OK;
        if matches!(status, SEC_I_COMPLETE_NEEDED | SEC_I_COMPLETE_AND_CONTINUE) {
            // SAFETY: the context was just made and the output descriptor holds its token.
            completed = unsafe { CompleteAuthToken(&context, &output_desc) };
        }
        let token = if output_buffer.pvBuffer.is_null() || output_buffer.cbBuffer == 0 {
            Vec::new()
        } else {
            // SAFETY: SSPI wrote `cbBuffer` bytes at `pvBuffer`.
            unsafe {
                std::slice::from_raw_parts(
                    output_buffer.pvBuffer as *const u8,
                    output_buffer.cbBuffer as usize,
                )
            }
            .to_vec()
        };
        if !output_buffer.pvBuffer.is_null() {
            // SAFETY: allocated by SSPI for this call, freed once.
            unsafe { FreeContextBuffer(output_buffer.pvBuffer) };
        }
        if !succeeded {
            return Err(failed(
                &format!("InitializeSecurityContextW({})", self.package),
                status,
            ));
        }
        if completed != SEC_E_OK {
            return Err(failed("CompleteAuthToken", completed));
        }
        Ok(token)
    }
}

impl super::handshake::Handshake for SspiClient {
    fn first_token(&mut self) -> Result<Vec<u8>, Error> {
        self.step(None)
    }

    fn next_token(&mut self, challenge: &[u8]) -> Result<Vec<u8>, Error> {
        self.step(Some(challenge))
    }
}

impl Drop for SspiClient {
    fn drop(&mut self) {
        // SAFETY: both handles were made by SSPI for this client and are released once.
        unsafe {
            if let Some(context) = &self.context {
                DeleteSecurityContext(context);
            }
            FreeCredentialsHandle(&self.credentials);
        }
    }
}
