//! The peer book: last known direct addresses of other devices, kept in the
//! data dir (`peers.json`) so `guild sync` can reach a charter's devices
//! without a new ticket.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use crate::store::atomic::{sync_dir, write_atomic};

/// Endpoint id → direct addresses.
#[derive(Debug, Clone)]
pub struct PeerBook {
    path: PathBuf,
    entries: Arc<Mutex<BTreeMap<String, BTreeSet<SocketAddr>>>>,
}

impl PeerBook {
    /// Opens the book in `root` (an unreadable book starts empty: it is a cache).
    pub fn open(root: &std::path::Path) -> Self {
        let path = root.join("peers.json");
        let entries = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Self {
            path,
            entries: Arc::new(Mutex::new(entries)),
        }
    }

    /// The addresses known for `endpoint`.
    pub fn addrs(&self, endpoint: &str) -> BTreeSet<SocketAddr> {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(endpoint)
            .cloned()
            .unwrap_or_default()
    }

    /// Records addresses for `endpoint` (replacing older ones) and saves.
    pub fn record(&self, endpoint: &str, addrs: impl IntoIterator<Item = SocketAddr>) {
        let addrs: BTreeSet<SocketAddr> = addrs.into_iter().collect();
        if addrs.is_empty() {
            return;
        }
        let snapshot = {
            let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
            if entries.get(endpoint) == Some(&addrs) {
                return;
            }
            entries.insert(endpoint.to_owned(), addrs);
            serde_json::to_vec_pretty(&*entries).unwrap_or_default()
        };
        let Some(root) = self.path.parent() else {
            return;
        };
        let mut dirs = BTreeSet::new();
        // A lost peer book only costs a ticket round-trip; log, don't fail.
        if let Err(e) = write_atomic(root, &self.path, &snapshot, "peers", &mut dirs)
            .and_then(|()| dirs.iter().try_for_each(|d| sync_dir(d)))
        {
            tracing::warn!(error = %e, "cannot save the peer book");
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let book = super::PeerBook::open(dir.path());
        book.record("abc", ["127.0.0.1:5000".parse().unwrap()]);
        let again = super::PeerBook::open(dir.path());
        assert_eq!(again.addrs("abc").len(), 1);
        assert!(again.addrs("zzz").is_empty());
    }
}
