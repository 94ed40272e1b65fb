//! Where Guild keeps its data, and the lock that gives one process at a time
//! the right to use it.
//!
//! Two processes writing the same document store would each compact and
//! delete chunks the other still counts on, so the lock is taken before the
//! store is opened and held for the life of the process.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use fs4::fs_std::FileExt;

// Every name Guild uses inside the data directory (see ARCHITECTURE.md).
const LOCK: &str = "guild.lock";
const CONTROL_SOCKET: &str = "guild.sock";
const DEVICE_ID: &str = "device.id";
const SECRET_KEY: &str = "secret.key";
const PEERS: &str = "peers.json";
const NET_CONFIG: &str = "net.json";
const RELAYS: &str = "relays.json";
const PROFILE: &str = "profile.json";
const WINDOW: &str = "window.json";
const DRAFTS: &str = "drafts";
const REPO: &str = "repo";

/// Guild's data directory. Nothing is created until [`DataDir::lock`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataDir {
    root: PathBuf,
}

/// Why no data directory could be chosen.
#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    /// The OS has no per-user data directory (typically: no home directory).
    #[error("cannot find a data directory for Guild (no home directory?); use --data-dir")]
    NoDefault,
    /// The explicit path cannot be used as given.
    #[error("cannot use data directory \"{}\": {source}", path.display())]
    Invalid {
        /// The path as given.
        path: PathBuf,
        /// Why it was rejected.
        source: io::Error,
    },
}

/// Why the data directory could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the lock.
    #[error(
        "another Guild process{} is using the data directory {}; close it or use --data-dir",
        pid.map(|p| format!(" (pid {p})")).unwrap_or_default(),
        dir.display()
    )]
    Busy {
        /// The data directory.
        dir: PathBuf,
        /// The holder's process id, if it could be read.
        pid: Option<u32>,
    },
    /// The directory or its lock file could not be created or written.
    #[error("cannot use data directory {}: {source}", path.display())]
    Io {
        /// The data directory.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
}

impl DataDir {
    /// Picks the data directory: `explicit` (from `--data-dir` or
    /// `GUILD_DATA_DIR`) if given, else the OS's per-user data directory.
    pub fn resolve(explicit: Option<PathBuf>) -> Result<Self, DataDirError> {
        let root = match explicit {
            // Made absolute now so messages and a later `chdir` cannot
            // change which directory is meant.
            Some(path) => std::path::absolute(&path)
                .map_err(|source| DataDirError::Invalid { path, source })?,
            None => directories::ProjectDirs::from("org", "Guild", "Guild")
                .ok_or(DataDirError::NoDefault)?
                .data_dir()
                .to_path_buf(),
        };
        Ok(Self { root })
    }

    /// The data directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The document store, in samod's (and automerge-repo nodefs') layout.
    pub fn repo_dir(&self) -> PathBuf {
        self.root.join(REPO)
    }

    /// The lock file.
    pub fn lock_path(&self) -> PathBuf {
        self.root.join(LOCK)
    }

    /// The control socket of the process holding the lock (owner-only).
    pub fn control_socket_path(&self) -> PathBuf {
        self.root.join(CONTROL_SOCKET)
    }

    /// This device's id (the prefix of its actor ids), 32 hex digits.
    pub fn device_id_path(&self) -> PathBuf {
        self.root.join(DEVICE_ID)
    }

    /// This device's iroh secret key (mode 0600).
    pub fn secret_key_path(&self) -> PathBuf {
        self.root.join(SECRET_KEY)
    }

    /// Last known addresses of other devices.
    pub fn peers_path(&self) -> PathBuf {
        self.root.join(PEERS)
    }

    /// The port to listen on again.
    pub fn net_config_path(&self) -> PathBuf {
        self.root.join(NET_CONFIG)
    }

    /// The relay each charter's community uses (`guild relay use`).
    pub fn relays_path(&self) -> PathBuf {
        self.root.join(RELAYS)
    }

    /// The person's name and colour, as the window asked on first run.
    pub fn profile_path(&self) -> PathBuf {
        self.root.join(PROFILE)
    }

    /// Where the window was (the open charter and section), written as it
    /// changes so that a window killed without closing reopens there.
    pub fn window_path(&self) -> PathBuf {
        self.root.join(WINDOW)
    }

    /// The notes this person wrote during a charter's silent brainstorm,
    /// kept on this device until the reveal (`None` for an id that is not
    /// a plain document id).
    pub fn drafts_path(&self, doc: &str) -> Option<PathBuf> {
        let plain = !doc.is_empty() && doc.bytes().all(|b| b.is_ascii_alphanumeric());
        plain.then(|| self.root.join(DRAFTS).join(format!("{doc}.json")))
    }

    /// Writes `bytes` as the file `path` (inside this directory) so that a
    /// crash leaves the old contents or the new, never a torn mix: a temp
    /// file beside it, fsynced, renamed over it, and the directory fsynced.
    pub fn write_file(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        write_durably(&self.root, path, bytes, false)
    }

    /// As [`Self::write_file`], for a secret: the file is readable by its
    /// owner only (mode 0600 on Unix).
    pub fn write_private_file(&self, path: &Path, bytes: &[u8]) -> io::Result<()> {
        write_durably(&self.root, path, bytes, true)
    }

    /// Takes the data directory for this process, creating it if missing.
    ///
    /// Never waits: if another process (or another lock in this one) holds
    /// it, returns [`LockError::Busy`] at once.
    pub fn lock(&self) -> Result<DataDirLock, LockError> {
        let io_err = |source| LockError::Io {
            path: self.root.clone(),
            source,
        };
        std::fs::create_dir_all(&self.root).map_err(io_err)?;
        let path = self.lock_path();
        // Not truncated on open: until we hold the lock, the pid inside is
        // the holder's, and the Busy message wants it.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_err)?;
        if !FileExt::try_lock_exclusive(&file).map_err(io_err)? {
            return Err(LockError::Busy {
                dir: self.root.clone(),
                pid: read_pid(&mut file),
            });
        }
        write_pid(&mut file).map_err(io_err)?;
        Ok(DataDirLock { file, path })
    }
}

/// The one way a file in the data directory is written: see
/// [`DataDir::write_file`]. `private` files are made owner-only before the
/// directory sync that makes them durable.
fn write_durably(root: &Path, path: &Path, bytes: &[u8], private: bool) -> io::Result<()> {
    // Tasks of one process may save the same file at once (the peer book,
    // as several peers connect): each needs a temp file of its own.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let unique = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut dirs = std::collections::BTreeSet::new();
    crate::store::write_atomic(root, path, bytes, &format!("file{unique}"), &mut dirs)?;
    if private {
        restrict(path)?;
    }
    for dir in dirs {
        crate::store::sync_dir(&dir)?;
    }
    Ok(())
}

#[cfg(unix)]
fn restrict(path: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

#[cfg(not(unix))]
fn restrict(_path: &Path) -> io::Result<()> {
    Ok(())
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

fn write_pid(file: &mut File) -> io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    writeln!(file, "{}", std::process::id())?;
    file.sync_data()
}

/// Holds the data directory for this process; released when dropped (or
/// when the process dies, since the OS drops the lock with the file).
#[derive(Debug)]
pub struct DataDirLock {
    file: File,
    path: PathBuf,
}

impl DataDirLock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for DataDirLock {
    fn drop(&mut self) {
        // Closing the file releases the lock anyway; unlocking first just
        // makes the release independent of any duplicated descriptors.
        let _ = FileExt::unlock(&self.file);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The peer book is saved by whichever task learns an address; two at
    /// once must both land (one temp file each), never fail on the other's.
    #[test]
    fn one_file_saved_by_many_threads_at_once_never_fails() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = DataDir::resolve(Some(tmp.path().to_path_buf())).expect("resolve");
        let path = dir.peers_path();
        let failures: usize = std::thread::scope(|scope| {
            let writers: Vec<_> = (0..8)
                .map(|n| {
                    let (dir, path) = (&dir, &path);
                    scope.spawn(move || {
                        (0..25)
                            .filter(|i| {
                                dir.write_file(path, format!("{n}-{i}").as_bytes()).is_err()
                            })
                            .count()
                    })
                })
                .collect();
            writers.into_iter().map(|w| w.join().expect("writer")).sum()
        });
        assert_eq!(failures, 0, "saves failed on each other's temp files");
        let last = std::fs::read_to_string(&path).expect("saved");
        assert!(last.contains('-'), "one writer's whole contents: {last}");
    }

    #[test]
    fn explicit_path_wins_and_is_absolute() {
        let dir = DataDir::resolve(Some(PathBuf::from("rel/dir"))).expect("resolve");
        assert!(dir.root().is_absolute());
        assert!(dir.root().ends_with("rel/dir"));
        assert_eq!(dir.repo_dir(), dir.root().join("repo"));
        assert_eq!(dir.lock_path(), dir.root().join("guild.lock"));
        let names = [
            dir.control_socket_path(),
            dir.device_id_path(),
            dir.secret_key_path(),
            dir.peers_path(),
            dir.net_config_path(),
            dir.relays_path(),
            dir.profile_path(),
            dir.window_path(),
        ];
        for (path, name) in names.iter().zip([
            "guild.sock",
            "device.id",
            "secret.key",
            "peers.json",
            "net.json",
            "relays.json",
            "profile.json",
            "window.json",
        ]) {
            assert_eq!(*path, dir.root().join(name));
        }
        assert!(!dir.root().exists(), "resolve must not create anything");
    }

    #[test]
    fn default_path_comes_from_the_os() {
        // CI machines have a home directory; if not, the error must say so.
        match DataDir::resolve(None) {
            Ok(dir) => assert!(dir.root().is_absolute()),
            Err(e) => assert!(e.to_string().contains("--data-dir")),
        }
    }

    #[test]
    fn second_lock_is_busy_until_the_first_is_dropped() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = DataDir::resolve(Some(tmp.path().join("data"))).expect("resolve");
        let first = dir.lock().expect("first lock");
        assert!(dir.root().is_dir());
        let pid = std::fs::read_to_string(first.path()).expect("read pid");
        assert_eq!(pid.trim(), std::process::id().to_string());

        let err = dir.lock().expect_err("second lock must fail");
        match &err {
            LockError::Busy { dir: d, pid } => {
                assert_eq!(d, dir.root());
                assert_eq!(*pid, Some(std::process::id()));
            }
            LockError::Io { .. } => panic!("expected Busy, got {err}"),
        }
        let message = err.to_string();
        assert_eq!(
            message,
            format!(
                "another Guild process (pid {}) is using the data directory {}; close it or use --data-dir",
                std::process::id(),
                dir.root().display()
            )
        );
        assert!(!message.contains('\n'));

        drop(first);
        let again = dir.lock().expect("lock after release");
        drop(again);
    }

    #[test]
    fn unusable_directory_is_an_io_error() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let blocker = tmp.path().join("file");
        std::fs::write(&blocker, b"not a directory").expect("write");
        let dir = DataDir::resolve(Some(blocker.join("data"))).expect("resolve");
        let err = dir.lock().expect_err("must fail");
        assert!(matches!(err, LockError::Io { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.starts_with(&format!(
            "cannot use data directory {}: ",
            dir.root().display()
        )));
        assert!(!message.contains('\n'));
    }
}
