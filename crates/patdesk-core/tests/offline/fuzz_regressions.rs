//! The fuzz targets' inputs on the stable toolchain: every seed of `fuzz/corpus/<target>` and every crash kept
//! in `fuzz/regressions/<target>` runs through the same entry point as the fuzzer
//! (`patdesk_core::fuzzing`), so a parser that panics again, or stops round-tripping, fails `cargo test`
//! without nightly or cargo-fuzz.

use std::path::{Path, PathBuf};

use patdesk_core::fuzzing::TARGETS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.is_file());
    files.sort();
    files
}

/// Every input of `kind` (`corpus` or `regressions`) through its target; the inputs that panicked.
fn replay(kind: &str) -> (usize, Vec<String>) {
    let mut ran = 0;
    let mut failed = Vec::new();
    for (target, run) in TARGETS {
        for file in inputs(&fuzz_dir().join(kind).join(target)) {
            let bytes = std::fs::read(&file).unwrap();
            ran += 1;
            if std::panic::catch_unwind(|| run(&bytes)).is_err() {
                failed.push(format!(
                    "{kind}/{target}/{}",
                    file.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    (ran, failed)
}

#[test]
fn every_target_has_seeds_and_they_all_pass() {
    for (target, _) in TARGETS {
        assert!(
            !inputs(&fuzz_dir().join("corpus").join(target)).is_empty(),
            "fuzz/corpus/{target} has no seed"
        );
        assert!(
            fuzz_dir()
                .join("fuzz_targets")
                .join(format!("{target}.rs"))
                .is_file(),
            "fuzz/fuzz_targets/{target}.rs is missing"
        );
    }
    let (ran, failed) = replay("corpus");
    assert!(ran >= TARGETS.len());
    assert!(failed.is_empty(), "these seeds panic: {failed:?}");
}

#[test]
fn the_crashes_the_fuzzer_found_stay_fixed() {
    let (_, failed) = replay("regressions");
    assert!(
        failed.is_empty(),
        "these crash inputs panic again: {failed:?}"
    );
}
