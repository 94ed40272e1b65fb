//! The person's name and colour, `DIR/profile.json`: read when the window
//! starts, written when they change it, crash-safe like every file in the
//! data directory ([`DataDir::write_file`]).

use guild_sync::DataDir;

use super::super::view_model::Identity;

/// The saved identity; `None` on first run (or if the file is unreadable,
/// so that the window asks again rather than failing).
pub(super) fn read(data_dir: &DataDir) -> Option<Identity> {
    let bytes = std::fs::read(data_dir.profile_path()).ok()?;
    serde_json::from_slice(&bytes).ok()
}

pub(super) fn write(data_dir: &DataDir, identity: &Identity) -> std::io::Result<()> {
    let bytes = serde_json::to_vec_pretty(identity)?;
    data_dir.write_file(&data_dir.profile_path(), &bytes)
}
