//! A bare Tauri 2 window showing one line of text: the baseline `make bench-app` compares PAT Desk with.
fn main() {
    tauri::Builder::default()
        .run(tauri::generate_context!())
        .expect("the hello window failed to start");
}
