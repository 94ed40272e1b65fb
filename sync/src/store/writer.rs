//! The writer thread: group commit, retries, and held-back deletes.
//!
//! All writes go through one thread so that blocking file I/O never runs on
//! a tokio worker and so that many small puts (one per keystroke) share the
//! expensive part, the directory fsyncs. The thread also owns the only copy
//! of writes that failed, retrying them until they land.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use samod::storage::StorageKey;
use tokio::sync::oneshot;

use super::atomic::{sync_dir, write_atomic};
use super::health::{clear_damaged, set_unsaved};
use super::layout::{ChunkKind, chunk_kind, doc_of, key_to_relpath};
use super::state::{Data, StoreState};

/// How often failed writes are retried when nothing else wakes the writer.
pub(crate) const RETRY_INTERVAL: Duration = Duration::from_secs(1);

/// What the store's handles ask the writer thread to do.
pub(crate) enum Request {
    Put {
        key: StorageKey,
        /// Orders puts to the same key, so an old write finishing cannot
        /// retire a newer one from the overlay.
        seq: u64,
        data: Data,
        /// Answers whether this very put is durable (`false`: it failed and
        /// is kept in memory for retry).
        done: oneshot::Sender<bool>,
    },
    Delete {
        key: StorageKey,
        done: oneshot::Sender<()>,
    },
    Flush {
        done: oneshot::Sender<FlushOutcome>,
    },
}

/// What a flush saw once everything queued before it had been attempted.
#[derive(Debug)]
pub(crate) struct FlushOutcome {
    pub(crate) unsaved: usize,
    pub(crate) last_error: Option<String>,
}

struct Unsaved {
    seq: u64,
    data: Data,
}

/// One thing the batch does to the disk: a request's put or delete, or
/// the retry of an earlier put that failed.
enum Step {
    Put {
        key: StorageKey,
        seq: u64,
        data: Data,
        done: Option<oneshot::Sender<bool>>,
    },
    Delete {
        key: StorageKey,
        done: Option<oneshot::Sender<()>>,
    },
}

/// A put that reached its final name; durable once its directories sync.
struct Written {
    key: StorageKey,
    seq: u64,
    data: Data,
    path: PathBuf,
    dirs: BTreeSet<PathBuf>,
    /// Whether this put wrote the file (rather than finding it there).
    fresh: bool,
}

pub(crate) struct Writer {
    shared: Arc<StoreState>,
    rx: Receiver<Request>,
    batch_window: Duration,
    unsaved: HashMap<StorageKey, Unsaved>,
    /// Deletes waiting for their document's unsaved puts to land, by document.
    held_deletes: HashMap<String, HashSet<StorageKey>>,
    last_error: Option<String>,
    /// Puts (key, seq) that failed in the batch being run: a put's answer
    /// is about that put, not about whatever else is queued for its key.
    failed_in_batch: HashSet<(StorageKey, u64)>,
    tmp_counter: u64,
}

impl Writer {
    pub(crate) fn new(
        shared: Arc<StoreState>,
        rx: Receiver<Request>,
        batch_window: Duration,
    ) -> Self {
        Self {
            shared,
            rx,
            batch_window,
            unsaved: HashMap::new(),
            held_deletes: HashMap::new(),
            last_error: None,
            failed_in_batch: HashSet::new(),
            tmp_counter: 0,
        }
    }

    pub(crate) fn run(mut self) {
        loop {
            let first = if self.has_backlog() {
                match self.rx.recv_timeout(RETRY_INTERVAL) {
                    Ok(request) => Some(request),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => break,
                }
            } else {
                match self.rx.recv() {
                    Ok(request) => Some(request),
                    Err(_) => break,
                }
            };
            let (batch, disconnected) = self.collect(first);
            self.run_batch(batch);
            if disconnected {
                break;
            }
        }
        // Every handle is gone; one last try for what is still in memory.
        if self.has_backlog() {
            self.run_batch(Vec::new());
        }
        if !self.unsaved.is_empty() {
            tracing::error!(
                count = self.unsaved.len(),
                error = self.last_error.as_deref().unwrap_or("unknown"),
                "document store closed with writes that could not be saved"
            );
        }
    }

    fn has_backlog(&self) -> bool {
        !self.unsaved.is_empty() || !self.held_deletes.is_empty()
    }

    /// Gathers requests for one batch: everything that arrives within the
    /// batch window after the first, cut short by a flush (someone is
    /// waiting) or by all handles being dropped.
    fn collect(&self, first: Option<Request>) -> (Vec<Request>, bool) {
        let mut batch = Vec::new();
        if let Some(first) = first {
            let mut flush_seen = matches!(first, Request::Flush { .. });
            batch.push(first);
            let deadline = Instant::now() + self.batch_window;
            while !flush_seen {
                let remaining = deadline.saturating_duration_since(Instant::now());
                if remaining.is_zero() {
                    break;
                }
                match self.rx.recv_timeout(remaining) {
                    Ok(request) => {
                        flush_seen = matches!(request, Request::Flush { .. });
                        batch.push(request);
                    }
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => return (batch, true),
                }
            }
        }
        // Whatever is already queued rides along for free.
        loop {
            match self.rx.try_recv() {
                Ok(request) => batch.push(request),
                Err(TryRecvError::Empty) => return (batch, false),
                Err(TryRecvError::Disconnected) => return (batch, true),
            }
        }
    }

    fn run_batch(&mut self, requests: Vec<Request>) {
        let stats = &self.shared.stats;
        stats.batches.fetch_add(1, Ordering::Relaxed);

        let mut ops = Vec::with_capacity(requests.len() + self.unsaved.len());
        let mut flushes = Vec::new();
        let mut new_puts = HashSet::new();
        for request in requests {
            match request {
                Request::Put {
                    key,
                    seq,
                    data,
                    done,
                } => {
                    new_puts.insert(key.clone());
                    ops.push(Step::Put {
                        key,
                        seq,
                        data,
                        done: Some(done),
                    });
                }
                Request::Delete { key, done } => ops.push(Step::Delete {
                    key,
                    done: Some(done),
                }),
                Request::Flush { done } => flushes.push(done),
            }
        }
        // Retries go first so that a later request for the same key in this
        // batch still wins; a newer put for the key makes its retry moot.
        let retries = std::mem::take(&mut self.unsaved)
            .into_iter()
            .filter(|(key, _)| !new_puts.contains(key))
            .map(|(key, u)| Step::Put {
                key,
                seq: u.seq,
                data: u.data,
                done: None,
            });
        let ops: Vec<Step> = retries.chain(ops).collect();

        // Documents with a put in this batch: their deletes wait for the
        // directory syncs below, since the put may be the snapshot that
        // makes the deleted chunks redundant.
        let put_docs: HashSet<String> = ops
            .iter()
            .filter_map(|op| match op {
                Step::Put { key, .. } => doc_of(key).map(str::to_owned),
                Step::Delete { .. } => None,
            })
            .collect();

        let mut written = Vec::new();
        let mut waiters = Vec::new();
        let mut put_waiters = Vec::new();
        // Changes written in this batch: a repeat put of one (samod's save
        // and the library's own, together) needs no write and no read.
        let mut batch_changes: HashMap<StorageKey, PathBuf> = HashMap::new();
        for op in ops {
            match op {
                Step::Put {
                    key,
                    seq,
                    data,
                    done,
                } => {
                    // A new put after a delete of the same key undoes the
                    // delete; a retry is older than any held delete, so not.
                    if let Some(done) = done {
                        put_waiters.push((done, key.clone(), seq));
                        self.unhold_delete(&key);
                    }
                    if let Some(w) = self.put(key, seq, data, &mut batch_changes) {
                        written.push(w);
                    }
                }
                Step::Delete { key, done } => {
                    waiters.extend(done);
                    match doc_of(&key) {
                        Some(doc) if put_docs.contains(doc) || self.doc_has_unsaved(doc) => {
                            self.held_deletes
                                .entry(doc.to_owned())
                                .or_default()
                                .insert(key);
                        }
                        _ => self.delete(&key),
                    }
                }
            }
        }

        self.sync_written(written);
        self.release_held_deletes();

        let unsaved = self.unsaved.len();
        if unsaved == 0 {
            self.last_error = None;
        }
        set_unsaved(&self.shared.health, unsaved, self.last_error.clone());

        // Only now is every put in this batch either durable or recorded as
        // unsaved, which is what resolving its future promises. Each put is
        // answered for itself: samod's background save of a change and the
        // library's durable write of it share a key, and the newer one's
        // overlay entry must not make the older one's failure look saved.
        let failed = std::mem::take(&mut self.failed_in_batch);
        for (done, key, seq) in put_waiters {
            let _ = done.send(!failed.contains(&(key, seq)));
        }
        for done in waiters {
            let _ = done.send(());
        }
        for done in flushes {
            let _ = done.send(FlushOutcome {
                unsaved,
                last_error: self.last_error.clone(),
            });
        }
    }

    /// Writes one put, or finds it already written by an earlier put of the
    /// same change in this batch; `None` if the write failed (recorded).
    fn put(
        &mut self,
        key: StorageKey,
        seq: u64,
        data: Data,
        batch_changes: &mut HashMap<StorageKey, PathBuf>,
    ) -> Option<Written> {
        if let Some(path) = batch_changes.get(&key) {
            return Some(Written {
                dirs: path.parent().map(Path::to_path_buf).into_iter().collect(),
                path: path.clone(),
                key,
                seq,
                data,
                fresh: false,
            });
        }
        match self.write(&key, &data) {
            Ok((path, dirs, fresh)) => {
                if matches!(chunk_kind(&key), ChunkKind::Incremental) {
                    batch_changes.insert(key.clone(), path.clone());
                }
                Some(Written {
                    key,
                    seq,
                    data,
                    path,
                    dirs,
                    fresh,
                })
            }
            Err(e) => {
                self.record_failure(key, seq, data, &e);
                None
            }
        }
    }

    fn write(
        &mut self,
        key: &StorageKey,
        data: &[u8],
    ) -> std::io::Result<(PathBuf, BTreeSet<PathBuf>, bool)> {
        self.tmp_counter += 1;
        let root = &self.shared.root;
        let path = root.join(key_to_relpath(key));
        let mut dirs = BTreeSet::new();
        // samod names an incremental chunk by its change's hash, so the
        // file of that name may already hold these very bytes (the same
        // change put again, or written by a process that crashed before it
        // confirmed it); comparing the bytes, never trusting the name,
        // spares rewriting it (a file fsync). Its directory is still
        // synced: a crash of the process that renamed it there may have
        // left the entry itself not yet durable.
        if matches!(chunk_kind(key), ChunkKind::Incremental)
            && std::fs::read(&path).is_ok_and(|existing| existing == data)
            && let Some(dir) = path.parent()
        {
            dirs.insert(dir.to_path_buf());
            return Ok((path, dirs, false));
        }
        write_atomic(root, &path, data, &self.tmp_counter.to_string(), &mut dirs)?;
        if matches!(chunk_kind(key), ChunkKind::Snapshot) {
            super::crash_point::reached("snapshot-renamed");
        }
        self.shared
            .stats
            .files_written
            .fetch_add(1, Ordering::Relaxed);
        Ok((path, dirs, true))
    }

    /// Syncs each directory touched by `written` once, then retires the puts
    /// whose directories all synced.
    fn sync_written(&mut self, written: Vec<Written>) {
        let dirs: BTreeSet<&PathBuf> = written.iter().flat_map(|w| &w.dirs).collect();
        let mut failed_dirs: HashMap<PathBuf, std::io::Error> = HashMap::new();
        if !dirs.is_empty() {
            self.shared
                .stats
                .sync_rounds
                .fetch_add(1, Ordering::Relaxed);
        }
        for dir in dirs {
            self.shared.stats.dir_syncs.fetch_add(1, Ordering::Relaxed);
            if let Err(e) = sync_dir(dir) {
                failed_dirs.insert(dir.clone(), e);
            }
        }

        let mut durable_paths = Vec::new();
        {
            let shared = Arc::clone(&self.shared);
            let mut overlay = shared
                .overlay
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            for w in written {
                if let Some(e) = w.dirs.iter().find_map(|d| failed_dirs.get(d)) {
                    let e = std::io::Error::new(e.kind(), e.to_string());
                    self.record_failure(w.key, w.seq, w.data, &e);
                    continue;
                }
                if overlay.get(&w.key).is_some_and(|(seq, _)| *seq == w.seq) {
                    overlay.remove(&w.key);
                }
                if w.fresh && matches!(chunk_kind(&w.key), ChunkKind::Incremental) {
                    shared
                        .written
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .remember(w.key.clone(), w.seq);
                }
                durable_paths.push(w.path);
            }
        }
        // A rewritten chunk replaces whatever damaged file had that name.
        clear_damaged(&self.shared.health, &durable_paths);
    }

    fn record_failure(&mut self, key: StorageKey, seq: u64, data: Data, error: &std::io::Error) {
        tracing::warn!(%key, %error, "write failed; keeping it in memory to retry");
        self.last_error = Some(error.to_string());
        self.failed_in_batch.insert((key.clone(), seq));
        // Keep the newest data for the key; an older retry failing after a
        // newer put was recorded must not replace it.
        match self.unsaved.get(&key) {
            Some(existing) if existing.seq > seq => {}
            _ => {
                self.unsaved.insert(key, Unsaved { seq, data });
            }
        }
    }

    fn doc_has_unsaved(&self, doc: &str) -> bool {
        self.unsaved.keys().any(|k| doc_of(k) == Some(doc))
    }

    fn unhold_delete(&mut self, key: &StorageKey) {
        if let Some(doc) = doc_of(key)
            && let Some(held) = self.held_deletes.get_mut(doc)
        {
            held.remove(key);
            if held.is_empty() {
                self.held_deletes.remove(doc);
            }
        }
    }

    /// Runs the deletes of every document whose puts are all durable now.
    fn release_held_deletes(&mut self) {
        super::crash_point::reached("synced");
        let ready: Vec<String> = self
            .held_deletes
            .keys()
            .filter(|doc| !self.doc_has_unsaved(doc))
            .cloned()
            .collect();
        for doc in ready {
            for key in self.held_deletes.remove(&doc).unwrap_or_default() {
                self.delete(&key);
                super::crash_point::reached("compaction-delete");
            }
        }
    }

    /// Deletes are not fsynced: losing one in a crash only brings back a
    /// redundant chunk, which samod compacts away again.
    fn delete(&self, key: &StorageKey) {
        let path = self.shared.root.join(key_to_relpath(key));
        match std::fs::remove_file(&path) {
            Ok(()) => {
                self.shared
                    .stats
                    .files_deleted
                    .fetch_add(1, Ordering::Relaxed);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot delete a redundant chunk; leaving it");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use samod::storage::StorageKey;
    use tokio::sync::{oneshot, watch};

    use super::{Request, Writer};
    use crate::store::health::StoreHealth;
    use crate::store::state::{Counters, StoreState};

    /// samod's background save of a change and the library's durable write
    /// of it share a key. When the disk refuses both, the durable write must
    /// hear "not saved", although a newer put of its key is queued.
    #[test]
    fn each_put_is_answered_for_itself_when_a_newer_put_of_its_key_follows() {
        let dir = tempfile::tempdir().unwrap();
        let doc = "4ZaFsVz8TmV3nFQ4kDdJ9SyKbZUa";
        // A file where the document's first-level directory belongs makes
        // every write under it fail, even as root.
        std::fs::write(dir.path().join(&doc[..2]), b"in the way").unwrap();
        let shared = Arc::new(StoreState {
            root: dir.path().to_path_buf(),
            health: watch::Sender::new(StoreHealth::default()),
            overlay: Mutex::new(HashMap::new()),
            written: Mutex::default(),
            stats: Counters::default(),
        });
        let key = StorageKey::from_parts([doc, "incremental", "ab12"]).unwrap();
        let data = Arc::new(b"one change".to_vec());
        let (tx, rx) = std::sync::mpsc::channel();
        let (durable_done, durable_answer) = oneshot::channel();
        let (background_done, background_answer) = oneshot::channel();
        for (seq, done) in [(1, durable_done), (2, background_done)] {
            shared
                .overlay
                .lock()
                .unwrap()
                .insert(key.clone(), (seq, Arc::clone(&data)));
            tx.send(Request::Put {
                key: key.clone(),
                seq,
                data: Arc::clone(&data),
                done,
            })
            .unwrap();
        }
        drop(tx);
        Writer::new(Arc::clone(&shared), rx, std::time::Duration::ZERO).run();

        assert!(
            !durable_answer.blocking_recv().unwrap(),
            "the first put failed"
        );
        assert!(
            !background_answer.blocking_recv().unwrap(),
            "so did the second"
        );
        assert_eq!(shared.health.borrow().unsaved_writes, 1, "one key waits");
    }
}
