//! The app's processes as the system sees them (read from /proc): the app below tauri-driver and everything it
//! started (WebKit's web and network processes), whether a process is still running, and which processes run
//! a given binary. The benchmark measures the tree's memory; the package test checks that nothing of the app
//! outlives it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One process, told apart from a later one that reuses its id by its start time (clock ticks after boot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Process {
    pub pid: u32,
    started: u64,
}

impl Process {
    /// The running process `pid`, or `None` when there is none.
    pub fn of(pid: u32) -> Option<Process> {
        Some(Process {
            pid,
            started: start_time(pid)?,
        })
    }

    /// True while this very process runs (a zombie, ended but not yet reaped, counts as ended).
    pub fn is_running(&self) -> bool {
        start_time(self.pid) == Some(self.started) && state(self.pid) != Some('Z')
    }

    /// The command name (`/proc/<pid>/comm`).
    pub fn name(&self) -> String {
        name(self.pid)
    }
}

/// The fields of `/proc/<pid>/stat` after the command name (which is in parentheses and may hold spaces): the
/// state is the first of them, the parent's id the second, the start time the 20th.
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = stat.rsplit_once(')')?;
    Some(rest.split_whitespace().map(str::to_string).collect())
}

fn start_time(pid: u32) -> Option<u64> {
    stat_fields(pid)?.get(19)?.parse().ok()
}

fn state(pid: u32) -> Option<char> {
    stat_fields(pid)?.first()?.chars().next()
}

/// The command name of `pid` (`/proc/<pid>/comm`), empty once it has ended.
pub fn name(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn all_pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .expect("read /proc")
        .flatten()
        .filter_map(|entry| entry.file_name().to_string_lossy().parse().ok())
        .collect()
}

/// Parent → children, read from /proc.
pub fn children() -> HashMap<u32, Vec<u32>> {
    let mut map: HashMap<u32, Vec<u32>> = HashMap::new();
    for pid in all_pids() {
        if let Some(ppid) = stat_fields(pid).and_then(|f| f.get(1)?.parse().ok()) {
            map.entry(ppid).or_default().push(pid);
        }
    }
    map
}

/// Every process below `root` (children, their children, …).
pub fn descendants(root: u32, children: &HashMap<u32, Vec<u32>>) -> Vec<u32> {
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(pid) = stack.pop() {
        for &child in children.get(&pid).into_iter().flatten() {
            out.push(child);
            stack.push(child);
        }
    }
    out
}

/// The executable of `pid`, as the kernel names it: a binary deleted (or replaced) while it runs ends in
/// " (deleted)".
fn exe(pid: u32) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/{pid}/exe")).ok()
}

/// The app's process (launched by WebKitWebDriver below tauri-driver, running `bin`) and everything it
/// started, the app first.
pub fn app_tree(driver_pid: u32, bin: &Path) -> Vec<u32> {
    let bin = bin.canonicalize().unwrap();
    let children = children();
    let app = descendants(driver_pid, &children)
        .into_iter()
        .find(|&pid| exe(pid).as_deref() == Some(bin.as_path()))
        .unwrap_or_else(|| panic!("no process of {} under tauri-driver", bin.display()));
    let mut tree = vec![app];
    tree.extend(descendants(app, &children));
    tree
}

/// Every process on the system running `bin`, including one whose binary was deleted or replaced since it
/// started (a package removed under a running app).
pub fn running(bin: &Path) -> Vec<Process> {
    let deleted = PathBuf::from(format!("{} (deleted)", bin.display()));
    all_pids()
        .into_iter()
        .filter(|&pid| exe(pid).is_some_and(|exe| exe == bin || exe == deleted))
        .filter_map(Process::of)
        .collect()
}
