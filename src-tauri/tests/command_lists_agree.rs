//! PAT Desk's IPC commands are named in several places that must agree: `COMMANDS` in `build.rs` (which makes
//! Tauri generate an `allow-<command>` permission for each), `generate_handler!` in `src/lib.rs`, the
//! `allow-<command>` permissions of `capabilities/main.json`, the command table of `docs/ipc.md`, the TypeScript
//! `Command` union (`ui/src/lib/backend/commands.ts`) and the `call('<command>', …)` sites of
//! `ui/src/lib/backend/TauriBackend.ts`. A command left out of one of them is a command the window cannot
//! call, or one it may call without a handler. This test reads them all as text and names what is missing
//! where.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("src-tauri lives in the repository")
        .to_path_buf()
}

fn read(path: &str) -> String {
    let full = repo_root().join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("read {}: {e}", full.display()))
}

/// The text of `text` after `start` and before the next `end`.
fn between<'a>(text: &'a str, start: &str, end: &str, file: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("{file} no longer contains `{start}`; update this test"))
        + start.len();
    let len = text[from..]
        .find(end)
        .unwrap_or_else(|| panic!("{file}: no `{end}` after `{start}`; update this test"));
    &text[from..from + len]
}

/// The strings between `quote`s in `text`, skipping `//` comments.
fn quoted(text: &str, quote: char) -> Vec<String> {
    text.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .flat_map(|line| {
            line.split(quote)
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// One place that lists the commands: what it is called in a failure message, and what it lists.
struct Place {
    name: String,
    commands: Vec<String>,
    /// Each command may be listed only once (not so for call sites).
    once: bool,
}

fn build_rs() -> Place {
    let text = read("src-tauri/build.rs");
    let list = between(
        &text,
        "const COMMANDS: &[&str] = &[",
        "];",
        "src-tauri/build.rs",
    );
    Place {
        name: "src-tauri/build.rs (COMMANDS)".into(),
        commands: quoted(list, '"'),
        once: true,
    }
}

fn lib_rs() -> Place {
    let text = read("src-tauri/src/lib.rs");
    let list = between(&text, "generate_handler![", "]", "src-tauri/src/lib.rs");
    let commands = list
        .lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .flat_map(|line| line.split(','))
        .map(str::trim)
        .filter(|path| !path.is_empty())
        .map(|path| path.rsplit("::").next().unwrap_or(path).to_string())
        .collect();
    Place {
        name: "src-tauri/src/lib.rs (generate_handler!)".into(),
        commands,
        once: true,
    }
}

fn capability() -> Place {
    let file = "src-tauri/capabilities/main.json";
    let json: serde_json::Value =
        serde_json::from_str(&read(file)).unwrap_or_else(|e| panic!("{file} is not JSON: {e}"));
    let permissions = json["permissions"]
        .as_array()
        .unwrap_or_else(|| panic!("{file} has no \"permissions\" array"));
    let mut commands = Vec::new();
    for permission in permissions {
        // Plugin permissions (`core:event:allow-listen`) have a colon; the app's own have none.
        let Some(own) = permission.as_str().filter(|p| !p.contains(':')) else {
            continue;
        };
        let command = own.strip_prefix("allow-").unwrap_or_else(|| {
            panic!("{file}: the app's own permission \"{own}\" is not an allow-<command> one")
        });
        commands.push(command.replace('-', "_"));
    }
    Place {
        name: format!("{file} (as \"allow-<command>\" in kebab-case)"),
        commands,
        once: true,
    }
}

fn docs_table() -> Place {
    let text = read("docs/ipc.md");
    // From the "## Commands" heading to the next heading or the end.
    let from = text
        .find("\n## Commands")
        .expect("docs/ipc.md no longer has a \"## Commands\" section; update this test");
    let section = &text[from + 1..];
    let section = section[3..]
        .find("\n## ")
        .map_or(section, |end| &section[..end + 3]);
    let commands = section
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|cell| cell.split('`').next())
        .map(str::to_string)
        .collect();
    Place {
        name: "docs/ipc.md (the command table)".into(),
        commands,
        once: true,
    }
}

fn ts_union() -> Place {
    let file = "ui/src/lib/backend/commands.ts";
    let text = read(file);
    let union = between(&text, "export type Command =", ";", file);
    Place {
        name: format!("{file} (the Command union)"),
        commands: quoted(union, '\''),
        once: true,
    }
}

/// The commands `TauriBackend` calls: the first argument of each `call('<command>'` or `call<T>('<command>'`.
fn ts_call_sites() -> Place {
    let file = "ui/src/lib/backend/TauriBackend.ts";
    let text = read(file);
    let commands = text
        .split("call")
        .skip(1)
        .filter_map(|after| {
            let after = match after.strip_prefix('<') {
                Some(generic) => &generic[generic.find(">(")? + 1..],
                None => after,
            };
            let name = after.strip_prefix("('")?;
            Some(name[..name.find('\'')?].to_string())
        })
        .collect();
    Place {
        name: format!("{file} (a call('<command>', …) site)"),
        commands,
        once: false,
    }
}

#[test]
fn every_place_lists_the_same_ipc_commands() {
    let places = [
        build_rs(),
        lib_rs(),
        capability(),
        docs_table(),
        ts_union(),
        ts_call_sites(),
    ];
    let mut problems = Vec::new();

    for place in &places {
        // A parser that silently matched nothing would make every comparison pass.
        assert!(
            place.commands.len() >= 10,
            "found only {:?} in {}; has its layout changed? Update this test",
            place.commands,
            place.name
        );
        let mut seen = BTreeSet::new();
        for command in &place.commands {
            let valid = !command.is_empty()
                && command
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valid {
                problems.push(format!(
                    "{}: \"{command}\" is not a snake_case command name",
                    place.name
                ));
            }
            if !seen.insert(command) && place.once {
                problems.push(format!("{}: `{command}` is listed twice", place.name));
            }
        }
    }

    // Every command named anywhere, with the places it is missing from.
    let mut missing: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for place in &places {
        for command in &place.commands {
            missing.entry(command).or_default();
        }
    }
    for (command, absent) in missing.iter_mut() {
        for place in &places {
            if !place.commands.iter().any(|c| c == command) {
                absent.push(&place.name);
            }
        }
    }
    for (command, absent) in &missing {
        if absent.is_empty() {
            continue;
        }
        let mut problem = format!(
            "`{command}` is missing from:\n      {}",
            absent.join("\n      ")
        );
        if absent.len() > places.len() / 2 {
            // Mostly absent: a typo or a leftover in the few places that do name it.
            let present: Vec<&str> = places
                .iter()
                .filter(|p| !absent.contains(&p.name.as_str()))
                .map(|p| p.name.as_str())
                .collect();
            problem.push_str(&format!("\n    (named only in {})", present.join(", ")));
        }
        problems.push(problem);
    }

    assert!(
        problems.is_empty(),
        "the IPC command lists disagree ({} commands named in all):\n  {}\n",
        missing.len(),
        problems.join("\n  ")
    );
}
