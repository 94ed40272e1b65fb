//! This device's identity in documents: the Automerge actor prefix that
//! every change made here carries.
//!
//! A device id (16 random bytes) is created once and kept in the data dir as
//! `device.id` (hex). Each process session edits as the device id followed
//! by 4 fresh random bytes: reusing one actor id across sessions could
//! repeat a sequence number after a crash lost an unsaved change, which
//! Automerge cannot tell from tampering. Attribution matches the prefix.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use automerge::ActorId;
use rand::RngCore;

use crate::store::atomic::{sync_dir, write_atomic};

const FILE: &str = "device.id";
const DEVICE_BYTES: usize = 16;

/// A device's stable id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceId([u8; DEVICE_BYTES]);

/// The device id file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("cannot use device identity {}: {reason}", path.display())]
pub struct DeviceIdError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    pub reason: String,
}

impl DeviceId {
    /// Loads the data dir's device id, creating it (durably) on first use.
    pub fn load_or_create(root: &Path) -> Result<Self, DeviceIdError> {
        let path = root.join(FILE);
        let fail = |reason: String| DeviceIdError {
            path: path.clone(),
            reason,
        };
        match fs::read_to_string(&path) {
            Ok(text) => Self::from_hex(text.trim())
                .ok_or_else(|| fail("not a 32-digit hex device id".into())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let mut bytes = [0u8; DEVICE_BYTES];
                rand::rng().fill_bytes(&mut bytes);
                let id = DeviceId(bytes);
                let mut dirs = BTreeSet::new();
                write_atomic(root, &path, id.to_hex().as_bytes(), "device", &mut dirs)
                    .map_err(|e| fail(e.to_string()))?;
                for dir in dirs {
                    sync_dir(&dir).map_err(|e| fail(e.to_string()))?;
                }
                Ok(id)
            }
            Err(e) => Err(fail(e.to_string())),
        }
    }

    fn from_hex(text: &str) -> Option<Self> {
        if text.len() != DEVICE_BYTES * 2 {
            return None;
        }
        let mut bytes = [0u8; DEVICE_BYTES];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(text.get(i * 2..i * 2 + 2)?, 16).ok()?;
        }
        Some(DeviceId(bytes))
    }

    /// The id as 32 lowercase hex digits (the prefix of its actor ids).
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// A fresh actor id for one session of this device.
    pub fn session_actor(&self) -> ActorId {
        let mut bytes = self.0.to_vec();
        let mut session = [0u8; 4];
        rand::rng().fill_bytes(&mut session);
        bytes.extend_from_slice(&session);
        ActorId::from(bytes)
    }
}

/// A name for this device that people recognise: `GUILD_DEVICE_NAME`, else
/// the host name.
pub fn default_label() -> String {
    std::env::var("GUILD_DEVICE_NAME")
        .ok()
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "a Guild device".into())
}

#[cfg(test)]
mod tests {
    use super::DeviceId;

    #[test]
    fn the_device_id_is_created_once_and_prefixes_session_actors() {
        let dir = tempfile::tempdir().unwrap();
        let first = DeviceId::load_or_create(dir.path()).unwrap();
        let again = DeviceId::load_or_create(dir.path()).unwrap();
        assert_eq!(first, again);
        let a = first.session_actor().to_hex_string();
        let b = first.session_actor().to_hex_string();
        assert!(a.starts_with(&first.to_hex()) && b.starts_with(&first.to_hex()));
        assert_ne!(a, b, "each session edits under its own actor");
    }

    #[test]
    fn a_damaged_device_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("device.id"), "garbage").unwrap();
        let err = DeviceId::load_or_create(dir.path()).unwrap_err();
        assert!(
            err.to_string().contains("not a 32-digit hex device id"),
            "{err}"
        );
    }
}
