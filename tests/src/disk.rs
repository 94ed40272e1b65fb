//! A tiny real disk for tests of full-disk behaviour: a size-limited tmpfs
//! mounted on a fresh directory (root only), filled up on demand and freed
//! again, unmounted when dropped.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A mounted tmpfs of a fixed size.
pub struct TinyDisk {
    dir: tempfile::TempDir,
    filler: PathBuf,
}

impl TinyDisk {
    /// Mounts a tmpfs of `size` (as `mount -o size=` takes it, e.g. `"4m"`),
    /// or says why it cannot (not root, no `mount`), so the caller can say
    /// the test was skipped.
    pub fn mount(size: &str) -> Result<Self, String> {
        let uid = std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("Uid:"))
                    .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
            })
            .unwrap_or_default();
        if uid != "0" {
            return Err("mounting a tmpfs needs root".into());
        }
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !status.success() {
            return Err(format!("mount -t tmpfs failed: {status}"));
        }
        let filler = dir.path().join("filler");
        Ok(Self { dir, filler })
    }

    /// Where the disk is mounted.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Fills every free byte; returns how many bytes that took.
    pub fn fill(&self) -> u64 {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.filler)
            .expect("create the filler file");
        let block = vec![0u8; 64 * 1024];
        let mut written = 0u64;
        // Big blocks first, then single bytes to take the last of it.
        for size in [block.len(), 4096, 1] {
            while file.write_all(&block[..size]).is_ok() {
                written += size as u64;
            }
        }
        let _ = file.sync_all();
        written
    }

    /// Fills the disk until a fill after a pause finds no room left, and
    /// returns how many bytes that took.
    ///
    /// A write in flight while the disk is filled holds pages that it gives
    /// back when it fails (its temp file is removed), so one fill can leave
    /// room behind it. The pause outlasts the store's batch window, so the
    /// writes queued before the fill have been tried by the next one.
    pub fn fill_until_full(&self, pause: std::time::Duration) -> u64 {
        let mut total = self.fill();
        // Bounded: each round only takes what a failed write gave back.
        for _ in 0..50 {
            std::thread::sleep(pause);
            let more = self.fill();
            total += more;
            if more == 0 && self.free_bytes() == 0 {
                break;
            }
        }
        total
    }

    /// The bytes still free for an unprivileged write.
    pub fn free_bytes(&self) -> u64 {
        fs4::available_space(self.path()).unwrap_or(0)
    }

    /// Frees what [`TinyDisk::fill`] took.
    pub fn free(&self) {
        std::fs::remove_file(&self.filler).expect("remove the filler file");
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}
