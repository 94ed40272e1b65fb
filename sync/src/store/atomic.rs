//! Crash-safe file replacement and directory syncing.
//!
//! A file is written under a temporary name, fsynced, then renamed over its
//! final name, so a crash leaves either the old contents or the new, never a
//! torn mix. The rename (and any directory created on the way) only survives
//! a crash once the containing directory is fsynced; that is left to the
//! caller so a batch of writes shares one directory sync.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::layout::{TMP_PREFIX, is_tmp_name};

/// Writes `data` to `path` atomically, creating missing directories up to
/// (and including) `root`.
///
/// Every directory whose entries changed is added to `dirs_to_sync`; the
/// write is durable once all of them have been synced with [`sync_dir`].
pub(crate) fn write_atomic(
    root: &Path,
    path: &Path,
    data: &[u8],
    unique: &str,
    dirs_to_sync: &mut BTreeSet<PathBuf>,
) -> io::Result<()> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a file path", path.display()),
        ));
    };
    ensure_dir(root, dir, dirs_to_sync)?;

    let mut tmp_name = std::ffi::OsString::from(TMP_PREFIX);
    tmp_name.push(name);
    tmp_name.push(format!("-{}-{unique}", std::process::id()));
    let tmp = dir.join(tmp_name);

    let result = write_and_sync(&tmp, data).and_then(|()| {
        super::crash_point::reached("before-rename");
        fs::rename(&tmp, path)
    });
    if result.is_err() {
        // Best effort: a leftover is harmless (loads skip it, open removes it).
        let _ = fs::remove_file(&tmp);
    }
    result?;
    dirs_to_sync.insert(dir.to_path_buf());
    Ok(())
}

fn write_and_sync(tmp: &Path, data: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new().write(true).create_new(true).open(tmp)?;
    file.write_all(data)?;
    file.sync_all()
}

/// Makes sure `dir` exists as a directory, creating it and its missing
/// ancestors below `root`'s parent.
fn ensure_dir(root: &Path, dir: &Path, dirs_to_sync: &mut BTreeSet<PathBuf>) -> io::Result<()> {
    match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => return Ok(()),
        Ok(_) => {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a directory", dir.display()),
            ));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let parent = dir.parent().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::NotFound,
            format!("{} has no parent directory", dir.display()),
        )
    })?;
    if dir != root {
        ensure_dir(root, parent, dirs_to_sync)?;
    }
    match fs::create_dir(dir) {
        Ok(()) => {}
        // Someone else (another store on the same directory) won the race.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => {}
        Err(e) => return Err(e),
    }
    // The new directory's own entry lives in its parent.
    dirs_to_sync.insert(parent.to_path_buf());
    Ok(())
}

/// Makes the entries of `dir` (renames, creations) durable.
#[cfg(unix)]
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Windows cannot fsync a directory; NTFS journals renames itself.
#[cfg(not(unix))]
pub(crate) fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// Creates `dir` and its ancestors, syncing each parent that gained an entry.
pub(crate) fn create_dir_durably(dir: &Path) -> io::Result<()> {
    let mut missing = Vec::new();
    let mut cursor = Some(dir);
    while let Some(d) = cursor {
        if d.as_os_str().is_empty() || d.is_dir() {
            break;
        }
        missing.push(d);
        cursor = d.parent();
    }
    for d in missing.iter().rev() {
        match fs::create_dir(d) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && d.is_dir() => {}
            Err(e) => return Err(e),
        }
        if let Some(parent) = d.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(parent)?;
        }
    }
    Ok(())
}

/// Removes `.tmp-*` files anywhere under `root`: leftovers of a crash
/// mid-write, whose real contents were never acknowledged to anyone.
///
/// Returns how many were removed; failures are logged, not fatal, since a
/// leftover only wastes space.
pub(crate) fn remove_stale_tmp_files(root: &Path) -> usize {
    let mut removed = 0;
    let mut to_visit = vec![root.to_path_buf()];
    while let Some(dir) = to_visit.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                tracing::warn!(dir = %dir.display(), error = %e, "cannot scan for stale temporary files");
                continue;
            }
        };
        for entry in entries.flatten() {
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if file_type.is_dir() {
                to_visit.push(path);
            } else if is_tmp_name(&entry.file_name()) {
                match fs::remove_file(&path) {
                    Ok(()) => {
                        tracing::info!(path = %path.display(), "removed a temporary file left by a crash");
                        removed += 1;
                    }
                    Err(e) => {
                        tracing::warn!(path = %path.display(), error = %e, "cannot remove stale temporary file");
                    }
                }
            }
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_and_report_dirs_to_sync() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().join("repo");
        fs::create_dir(&root).expect("mkdir");
        let path = root.join("ab/cdef/incremental/h1");
        let mut dirs = BTreeSet::new();
        write_atomic(&root, &path, b"one", "1", &mut dirs).expect("write");
        assert_eq!(fs::read(&path).expect("read"), b"one");
        let expected: BTreeSet<PathBuf> = [
            root.clone(),
            root.join("ab"),
            root.join("ab/cdef"),
            root.join("ab/cdef/incremental"),
        ]
        .into_iter()
        .collect();
        assert_eq!(dirs, expected);

        let mut dirs = BTreeSet::new();
        write_atomic(&root, &path, b"two", "2", &mut dirs).expect("rewrite");
        assert_eq!(fs::read(&path).expect("read"), b"two");
        assert_eq!(dirs.len(), 1);
        for d in &dirs {
            sync_dir(d).expect("sync");
        }
        let names: Vec<_> = fs::read_dir(path.parent().expect("parent"))
            .expect("ls")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("h1")]);
    }

    #[test]
    fn a_file_in_the_way_is_an_error_not_a_panic() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        fs::write(root.join("ab"), b"in the way").expect("write");
        let mut dirs = BTreeSet::new();
        let err = write_atomic(root, &root.join("ab/cd/x"), b"data", "1", &mut dirs)
            .expect_err("must fail");
        assert!(!err.to_string().is_empty());
        assert_eq!(fs::read(root.join("ab")).expect("read"), b"in the way");
    }

    #[test]
    fn stale_tmp_files_are_removed() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        fs::create_dir_all(root.join("ab/cd/incremental")).expect("mkdir");
        fs::write(root.join("ab/cd/incremental/.tmp-x-1-1"), b"torn").expect("write");
        fs::write(root.join("ab/cd/incremental/real"), b"keep").expect("write");
        assert_eq!(remove_stale_tmp_files(root), 1);
        assert!(root.join("ab/cd/incremental/real").exists());
        assert!(!root.join("ab/cd/incremental/.tmp-x-1-1").exists());
    }

    #[test]
    fn creates_nested_dirs() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("a/b/c");
        create_dir_durably(&dir).expect("create");
        assert!(dir.is_dir());
        create_dir_durably(&dir).expect("idempotent");
    }
}
