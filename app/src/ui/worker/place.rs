//! Where the window was, `DIR/window.json`: the open charter and section,
//! written as they change, so that a window killed without closing (a
//! SIGTERM at logout, a crash) reopens where the person was. eframe's own
//! memory is only written on a clean exit and every 30 s.

use guild_sync::DataDir;
use serde::{Deserialize, Serialize};

use super::super::section::Section;

/// The open charter and the section shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Place {
    pub(crate) open: Option<String>,
    pub(crate) section: Option<Section>,
}

/// The place last written; the library (nothing open) when there is none
/// or it does not read.
pub(super) fn read(data_dir: &DataDir) -> Place {
    std::fs::read(data_dir.window_path())
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

/// Writes `place`; losing it only costs reopening on the library.
pub(super) fn write(data_dir: &DataDir, place: &Place) {
    let written = serde_json::to_vec(place)
        .map_err(std::io::Error::other)
        .and_then(|bytes| data_dir.write_file(&data_dir.window_path(), &bytes));
    if let Err(e) = written {
        tracing::warn!(error = %e, "cannot remember where the window was");
    }
}
