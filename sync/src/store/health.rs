//! The store's health: what the user must be told is not safely on disk.
//!
//! Storage errors cannot travel through samod (its `put` returns `()`), so
//! they are published here instead, for the CLI and the window to show.

use std::path::PathBuf;

use tokio::sync::watch;

/// What is currently wrong with the store, if anything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreHealth {
    /// Writes that failed and are kept in memory, being retried.
    pub unsaved_writes: usize,
    /// The most recent write error, one line, while any write is unsaved.
    pub last_write_error: Option<String>,
    /// Chunks found damaged on disk; they are left in place and not loaded.
    pub damaged: Vec<DamagedChunk>,
}

impl StoreHealth {
    /// True when nothing is unsaved and nothing was found damaged.
    pub fn is_ok(&self) -> bool {
        self.unsaved_writes == 0 && self.damaged.is_empty()
    }
}

/// A chunk on disk that could not be read or failed validation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DamagedChunk {
    /// The file, left untouched.
    pub path: PathBuf,
    /// Why it was rejected, one line.
    pub reason: String,
}

/// Records `path` as damaged, waking subscribers only if that is news.
pub(crate) fn mark_damaged(health: &watch::Sender<StoreHealth>, path: PathBuf, reason: String) {
    health.send_if_modified(|h| {
        if let Some(existing) = h.damaged.iter_mut().find(|d| d.path == path) {
            if existing.reason == reason {
                return false;
            }
            existing.reason = reason;
        } else {
            h.damaged.push(DamagedChunk { path, reason });
        }
        true
    });
}

/// Forgets damage at paths that have since been read back intact or rewritten.
pub(crate) fn clear_damaged<'a>(
    health: &watch::Sender<StoreHealth>,
    paths: impl IntoIterator<Item = &'a PathBuf>,
) {
    let paths: Vec<&PathBuf> = paths.into_iter().collect();
    if paths.is_empty() {
        return;
    }
    health.send_if_modified(|h| {
        let before = h.damaged.len();
        h.damaged.retain(|d| !paths.contains(&&d.path));
        h.damaged.len() != before
    });
}

/// Publishes the writer's view of unsaved writes.
pub(crate) fn set_unsaved(
    health: &watch::Sender<StoreHealth>,
    unsaved_writes: usize,
    last_write_error: Option<String>,
) {
    health.send_if_modified(|h| {
        if h.unsaved_writes == unsaved_writes && h.last_write_error == last_write_error {
            return false;
        }
        h.unsaved_writes = unsaved_writes;
        h.last_write_error = last_write_error;
        true
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damage_is_recorded_once_and_cleared() {
        let (tx, mut rx) = watch::channel(StoreHealth::default());
        mark_damaged(&tx, "a".into(), "bad".into());
        mark_damaged(&tx, "a".into(), "bad".into());
        assert!(rx.has_changed().expect("open"));
        assert_eq!(rx.borrow_and_update().damaged.len(), 1);
        mark_damaged(&tx, "a".into(), "bad".into());
        assert!(!rx.has_changed().expect("open"));
        clear_damaged(&tx, [&PathBuf::from("a")]);
        assert!(rx.borrow_and_update().is_ok());
    }
}
