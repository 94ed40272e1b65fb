//! The peer book: last known direct addresses of other devices, kept in the
//! data dir (`peers.json`) so `guild sync` can reach a charter's devices
//! without a new ticket.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use crate::data_dir::DataDir;

/// Endpoint id → direct addresses.
#[derive(Debug, Clone)]
pub struct PeerBook {
    data_dir: DataDir,
    entries: Arc<Mutex<BTreeMap<String, BTreeSet<SocketAddr>>>>,
}

impl PeerBook {
    /// Opens the data dir's book (an unreadable book starts empty: it is a cache).
    pub fn open(data_dir: &DataDir) -> Self {
        let entries = std::fs::read(data_dir.peers_path())
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        Self {
            data_dir: data_dir.clone(),
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
        // A lost peer book only costs a ticket round-trip; log, don't fail.
        if let Err(e) = self
            .data_dir
            .write_file(&self.data_dir.peers_path(), &snapshot)
        {
            tracing::warn!(error = %e, "cannot save the peer book");
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn addresses_survive_a_reopen() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = crate::DataDir::resolve(Some(tmp.path().to_path_buf())).unwrap();
        let book = super::PeerBook::open(&dir);
        book.record("abc", ["127.0.0.1:5000".parse().unwrap()]);
        let again = super::PeerBook::open(&dir);
        assert_eq!(again.addrs("abc").len(), 1);
        assert!(again.addrs("zzz").is_empty());
    }
}
