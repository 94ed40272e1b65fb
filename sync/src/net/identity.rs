//! This device's network identity: the iroh secret key, generated once and
//! kept in the data dir (`secret.key`, owner-only), so the device has a
//! stable endpoint id that documents' access lists can name.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use iroh::SecretKey;

use crate::store::atomic::{sync_dir, write_atomic};

const FILE: &str = "secret.key";

/// The key file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("cannot use this device's key {}: {reason}", path.display())]
pub struct IdentityError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    pub reason: String,
}

/// Loads the data dir's secret key, creating it (durably, mode 0600) on first use.
pub fn load_or_create_secret_key(root: &Path) -> Result<SecretKey, IdentityError> {
    let path = root.join(FILE);
    let fail = |reason: String| IdentityError {
        path: path.clone(),
        reason,
    };
    match fs::read_to_string(&path) {
        Ok(text) => {
            let bytes: [u8; 32] = hex::decode(text.trim())
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| fail("not a 64-digit hex key".into()))?;
            Ok(SecretKey::from_bytes(&bytes))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let key = SecretKey::generate();
            let mut dirs = BTreeSet::new();
            write_atomic(
                root,
                &path,
                hex::encode(key.to_bytes()).as_bytes(),
                "key",
                &mut dirs,
            )
            .map_err(|e| fail(e.to_string()))?;
            restrict(&path).map_err(|e| fail(e.to_string()))?;
            for dir in dirs {
                sync_dir(&dir).map_err(|e| fail(e.to_string()))?;
            }
            Ok(key)
        }
        Err(e) => Err(fail(e.to_string())),
    }
}

#[cfg(unix)]
fn restrict(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict(_path: &Path) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_key_is_stable_across_opens_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let a = super::load_or_create_secret_key(dir.path()).unwrap();
        let b = super::load_or_create_secret_key(dir.path()).unwrap();
        assert_eq!(a.public(), b.public());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("secret.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
