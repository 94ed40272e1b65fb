//! What the store's handles, its loads and its writer thread share: the
//! directory, the health, the overlay of puts not yet durable, the change
//! chunks already written, and the counters. Its own file so that the
//! handle (`durable.rs`) and the writer (`writer.rs`) both read it without
//! reading each other.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use samod::storage::StorageKey;
use tokio::sync::watch;

use super::health::StoreHealth;

/// A chunk's bytes, shared by the overlay and the writer without copies.
pub(crate) type Data = Arc<Vec<u8>>;

#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) batches: AtomicU64,
    pub(crate) sync_rounds: AtomicU64,
    pub(crate) dir_syncs: AtomicU64,
    pub(crate) files_written: AtomicU64,
    pub(crate) files_deleted: AtomicU64,
}

/// The store's state, shared by the handles, the loads and the writer thread.
pub(crate) struct StoreState {
    pub(crate) root: PathBuf,
    pub(crate) health: watch::Sender<StoreHealth>,
    /// Puts not yet durable (queued, in flight, or failed), newest per key
    /// with its sequence number; loads read these over what is on disk.
    pub(crate) overlay: Mutex<HashMap<StorageKey, (u64, Data)>>,
    /// Incremental chunks this process wrote and synced, whose next put
    /// needs no write. Locked only while `overlay` is held.
    pub(crate) written: Mutex<WrittenChanges>,
    pub(crate) stats: Counters,
}

/// Every change is put twice under one key: samod saves it in the
/// background, and `Library::write_with` puts it itself to know it is
/// durable. A change's chunk is named by its hash, so once one of the two
/// has been written and synced the other is already on disk: it resolves
/// at once, with no write and no read. An entry is used up by that one
/// repeat; deletes and document removals invalidate it.
#[derive(Default)]
pub(crate) struct WrittenChanges {
    keys: HashSet<StorageKey>,
    /// The sequence number of the last delete queued: a put queued before
    /// it may have had its file deleted since, so it is not remembered.
    last_delete: Option<u64>,
}

impl WrittenChanges {
    /// Entries kept at most; repeats come within moments, so the cap only
    /// bounds what a never-repeated key would leave.
    const CAP: usize = 4096;

    /// Remembers `key`, written and synced by the put numbered `seq`.
    pub(crate) fn remember(&mut self, key: StorageKey, seq: u64) {
        if self.last_delete.is_some_and(|d| d > seq) {
            return;
        }
        if self.keys.len() >= Self::CAP {
            self.keys.clear();
        }
        self.keys.insert(key);
    }

    /// Whether a put of `key` is a repeat of a durable write (used up).
    pub(crate) fn take(&mut self, key: &StorageKey) -> bool {
        self.keys.remove(key)
    }

    /// A delete numbered `seq` was queued for the keys `gone` matches.
    pub(crate) fn forget(&mut self, seq: u64, gone: impl Fn(&StorageKey) -> bool) {
        self.last_delete = Some(seq);
        self.keys.retain(|key| !gone(key));
    }
}
