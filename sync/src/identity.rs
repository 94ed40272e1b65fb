//! This device's identity, both halves, each created once and kept in the
//! data dir: the [`DeviceId`] that prefixes every Automerge actor id made
//! here (`device.id`), and the iroh [`SecretKey`] that gives the device a
//! stable endpoint id access lists can name (`secret.key`, owner-only).
//!
//! Each process session edits as the device id followed by 4 fresh random
//! bytes: reusing one actor id across sessions could repeat a sequence
//! number after a crash lost an unsaved change, which Automerge cannot tell
//! from tampering. Attribution matches the prefix.
//!
//! Owns no networking: the network layer only borrows the key.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use automerge::ActorId;
use iroh::SecretKey;
use rand::RngCore;

use crate::data_dir::DataDir;

const DEVICE_BYTES: usize = 16;

/// This device's identity: its device id and its iroh key.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The prefix of this device's actor ids.
    pub device: DeviceId,
    /// The iroh secret key (its public half is the endpoint id).
    pub secret_key: SecretKey,
}

impl Identity {
    /// Loads the data dir's identity, creating each file (durably; the key
    /// mode 0600) on first use.
    pub fn load_or_create(data_dir: &DataDir) -> Result<Self, IdentityError> {
        Ok(Self {
            device: DeviceId::load_or_create(data_dir)?,
            secret_key: load_or_create_secret_key(data_dir)?,
        })
    }

    /// This device's endpoint id, as documents' access lists name it.
    pub fn endpoint_id(&self) -> String {
        self.secret_key.public().to_string()
    }
}

/// A device's stable id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceId([u8; DEVICE_BYTES]);

/// An identity file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("cannot use {what} {}: {reason}", path.display())]
pub struct IdentityError {
    /// Which file: "device identity" or "this device's key".
    pub what: &'static str,
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    pub reason: String,
}

impl DeviceId {
    /// Loads the data dir's device id, creating it (durably) on first use.
    pub fn load_or_create(data_dir: &DataDir) -> Result<Self, IdentityError> {
        let file = IdentityFile {
            data_dir,
            path: data_dir.device_id_path(),
            what: "device identity",
            private: false,
        };
        file.load_or_create(
            |text| Self::from_hex(text).ok_or("not a 32-digit hex device id"),
            || {
                let mut bytes = [0u8; DEVICE_BYTES];
                rand::rng().fill_bytes(&mut bytes);
                DeviceId(bytes)
            },
            DeviceId::to_hex,
        )
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

/// Loads the data dir's secret key, creating it (durably, mode 0600) on first use.
pub fn load_or_create_secret_key(data_dir: &DataDir) -> Result<SecretKey, IdentityError> {
    let file = IdentityFile {
        data_dir,
        path: data_dir.secret_key_path(),
        what: "this device's key",
        private: true,
    };
    file.load_or_create(
        |text| {
            let bytes: [u8; 32] = hex::decode(text)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or("not a 64-digit hex key")?;
            Ok(SecretKey::from_bytes(&bytes))
        },
        SecretKey::generate,
        |key| hex::encode(key.to_bytes()),
    )
}

/// One identity file: read if present, else generated and written durably.
struct IdentityFile<'a> {
    data_dir: &'a DataDir,
    path: PathBuf,
    what: &'static str,
    private: bool,
}

impl IdentityFile<'_> {
    fn load_or_create<T>(
        &self,
        parse: impl FnOnce(&str) -> Result<T, &'static str>,
        generate: impl FnOnce() -> T,
        encode: impl FnOnce(&T) -> String,
    ) -> Result<T, IdentityError> {
        match fs::read_to_string(&self.path) {
            Ok(text) => parse(text.trim()).map_err(|reason| self.fail(reason)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let value = generate();
                let bytes = encode(&value);
                let written = if self.private {
                    self.data_dir
                        .write_private_file(&self.path, bytes.as_bytes())
                } else {
                    self.data_dir.write_file(&self.path, bytes.as_bytes())
                };
                written.map_err(|e| self.fail(e))?;
                Ok(value)
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    fn fail(&self, reason: impl std::fmt::Display) -> IdentityError {
        IdentityError {
            what: self.what,
            path: self.path.clone(),
            reason: reason.to_string(),
        }
    }
}

/// A name for this device that people recognise: `GUILD_DEVICE_NAME`, else
/// the host name.
pub fn default_label() -> String {
    std::env::var("GUILD_DEVICE_NAME")
        .ok()
        .or_else(|| read_trimmed(Path::new("/etc/hostname")))
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "a Guild device".into())
}

fn read_trimmed(path: &Path) -> Option<String> {
    fs::read_to_string(path).ok().map(|h| h.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::{DataDir, DeviceId, load_or_create_secret_key};

    fn data_dir(tmp: &tempfile::TempDir) -> DataDir {
        DataDir::resolve(Some(tmp.path().to_path_buf())).unwrap()
    }

    #[test]
    fn the_device_id_is_created_once_and_prefixes_session_actors() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = data_dir(&tmp);
        let first = DeviceId::load_or_create(&dir).unwrap();
        let again = DeviceId::load_or_create(&dir).unwrap();
        assert_eq!(first, again);
        let a = first.session_actor().to_hex_string();
        let b = first.session_actor().to_hex_string();
        assert!(a.starts_with(&first.to_hex()) && b.starts_with(&first.to_hex()));
        assert_ne!(a, b, "each session edits under its own actor");
    }

    #[test]
    fn a_damaged_device_file_is_a_clear_error() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = data_dir(&tmp);
        std::fs::write(dir.device_id_path(), "garbage").unwrap();
        let err = DeviceId::load_or_create(&dir).unwrap_err();
        assert!(
            err.to_string().contains("not a 32-digit hex device id"),
            "{err}"
        );
    }

    #[test]
    fn the_key_is_stable_across_opens_and_private() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = data_dir(&tmp);
        let a = load_or_create_secret_key(&dir).unwrap();
        let b = load_or_create_secret_key(&dir).unwrap();
        assert_eq!(a.public(), b.public());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.secret_key_path())
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
