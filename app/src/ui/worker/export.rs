//! Exporting the open charter to a file: the desktop's save dialog (on its
//! own task, since it can stay open for minutes) or a typed path, and the
//! bytes from [`crate::present::export_bytes`].

use std::path::{Path, PathBuf};

use super::super::commands::ExportFormat;
use super::{Done, Worker};
use crate::present::export_bytes;

impl Worker {
    /// Asks where to save with the desktop's file dialog; [`Done::ExportTo`]
    /// brings the answer back.
    pub(super) fn choose_export_file(&mut self, doc: String, format: ExportFormat) {
        // The library list already has the title: no need to read the
        // whole charter for a file name.
        let title = self
            .vm
            .library
            .iter()
            .find(|e| e.id == doc)
            .map(|e| e.title.clone())
            .unwrap_or_default();
        let dialog = rfd::AsyncFileDialog::new()
            .set_title("Export the charter")
            .set_file_name(format!(
                "{}{}.{}",
                file_stem(&title),
                if format == ExportFormat::Workshop {
                    "-workshop"
                } else {
                    ""
                },
                format.extension()
            ))
            .add_filter(format.name(), &[format.extension()]);
        let done = self.done_tx.clone();
        tokio::spawn(async move {
            let path = dialog.save_file().await.map(|f| f.path().to_path_buf());
            let _ = done.send(Done::ExportTo { doc, format, path });
        });
    }

    /// Exports where the dialog said, or says why there was no dialog.
    pub(super) async fn export_to(
        &mut self,
        doc: &str,
        format: ExportFormat,
        path: Option<PathBuf>,
    ) {
        match path {
            Some(path) => self.export_and_report(doc, format, &path).await,
            None if !file_dialog_available() => self.toast(
                "No file dialog on this desktop (it needs xdg-desktop-portal or zenity): type a path in Export instead.".into(),
                true,
            ),
            // Cancelled.
            None => {}
        }
    }

    pub(super) async fn export_and_report(&mut self, doc: &str, format: ExportFormat, path: &Path) {
        let written = match export_bytes(self.node.library(), doc, format).await {
            Ok(bytes) => std::fs::write(path, bytes).map_err(anyhow::Error::from),
            Err(e) => Err(e),
        };
        match written {
            Ok(()) => self.toast(format!("Exported to {}", path.display()), false),
            Err(e) => self.toast(format!("cannot export: {e}"), true),
        }
    }
}

/// A file name from a charter's title: letters, digits and dashes.
fn file_stem(title: &str) -> String {
    let stem: String = title
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if stem.is_empty() {
        "charter".to_owned()
    } else {
        stem
    }
}

/// Whether rfd has a dialog to show here: the portal is reached over the
/// session bus, and zenity is its fallback.
fn file_dialog_available() -> bool {
    std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
        || std::env::var_os("PATH").is_some_and(|paths| {
            std::env::split_paths(&paths).any(|dir| dir.join("zenity").is_file())
        })
}
