//! Ctrl + / Ctrl − / Ctrl 0: the window's zoom, set from Rust. The window catches the keys and asks for a step;
//! the shell keeps the level and applies it to the webview, so the window needs no permission beyond PAT Desk's
//! own commands.

use std::sync::Mutex;

use patdesk_core::Error;
use serde::Deserialize;
use tauri::{Runtime, State, Webview};

/// The zoom levels a step moves between, as browsers offer them.
const LEVELS: [f64; 13] = [
    0.5, 0.67, 0.75, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0,
];
const DEFAULT_INDEX: usize = 5;

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ZoomStep {
    In,
    Out,
    Reset,
}

/// The window's current zoom level, as an index into [`LEVELS`].
pub struct Zoom(Mutex<usize>);

impl Default for Zoom {
    fn default() -> Self {
        Zoom(Mutex::new(DEFAULT_INDEX))
    }
}

/// Zoom the window one step in or out, or back to 100 %; answers the new level (1.0 = 100 %).
#[tauri::command]
pub fn zoom<R: Runtime>(
    webview: Webview<R>,
    zoom: State<'_, Zoom>,
    step: ZoomStep,
) -> Result<f64, Error> {
    let mut index = zoom.0.lock().unwrap_or_else(|e| e.into_inner());
    *index = match step {
        ZoomStep::In => (*index + 1).min(LEVELS.len() - 1),
        ZoomStep::Out => index.saturating_sub(1),
        ZoomStep::Reset => DEFAULT_INDEX,
    };
    let level = LEVELS[*index];
    webview.set_zoom(level).map_err(Error::internal)?;
    Ok(level)
}
