//! Generates the Tauri context (config, embedded `dist/`) exactly as PAT Desk's shell does.
fn main() {
    tauri_build::build();
}
