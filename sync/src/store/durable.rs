//! `DurableStorage`: samod's `Storage` on a directory, without losing data.
//!
//! Puts resolve only once durable (or failed and kept for retry), damaged
//! chunks are skipped rather than fed to samod, and everything not yet on
//! disk stays readable from memory so a reload in the same process sees it.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;

use samod::storage::{Storage, StorageKey};
use tokio::sync::{oneshot, watch};

use super::atomic::{create_dir_durably, remove_stale_tmp_files};
use super::health::{StoreHealth, clear_damaged, mark_damaged};
use super::layout::{
    ChunkKind, INCREMENTAL, SNAPSHOT, TMP_PREFIX, chunk_kind, doc_of, is_tmp_name, key_to_relpath,
    splay,
};
use super::state::{Counters, Data, StoreState, WrittenChanges};
use super::validate::validate;
use super::writer::{Request, Writer};

/// How the store trades latency for fewer disk syncs.
#[derive(Clone, Copy, Debug)]
pub struct StoreOptions {
    /// How long the writer waits after a first write for more to share its
    /// directory syncs. Interactive use wants ~100 ms; a one-shot CLI wants
    /// zero, since nothing else is coming.
    pub batch_window: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            batch_window: Duration::from_millis(100),
        }
    }
}

/// Errors from opening or flushing the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store's directory could not be created or read.
    #[error("cannot use document store {}: {source}", path.display())]
    Io {
        /// The directory or file involved.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },
    /// Some writes failed and are only in memory (still being retried).
    #[error(
        "not saved: {count} {} failed: {reason}",
        if *count == 1 { "write" } else { "writes" }
    )]
    NotSaved {
        /// How many writes are unsaved.
        count: usize,
        /// The last error, one line.
        reason: String,
    },
    /// The writer thread is gone (it panicked); nothing more can be saved.
    #[error("not saved: the document store's writer has stopped")]
    WriterStopped,
}

/// Counters of the writer's work, for tests and diagnostics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Batches the writer has run (each ends with one round of dir syncs).
    pub batches: u64,
    /// Batches that synced at least one directory.
    pub sync_rounds: u64,
    /// Directory fsyncs in total.
    pub dir_syncs: u64,
    /// Files written (including retries).
    pub files_written: u64,
    /// Files deleted.
    pub files_deleted: u64,
}

struct Inner {
    shared: Arc<StoreState>,
    /// `None` only while dropping, to close the channel before joining.
    tx: Option<mpsc::Sender<Request>>,
    next_seq: AtomicU64,
    writer: Option<JoinHandle<()>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the channel lets the writer finish what is queued; waiting
        // for it means a process exiting right after dropping the store does
        // not cut off the last batch.
        self.tx = None;
        if let Some(writer) = self.writer.take()
            && writer.join().is_err()
        {
            tracing::error!("document store writer panicked");
        }
    }
}

/// A samod [`Storage`] on a directory in samod's own layout, crash-safe and
/// honest about failures. Cheap to clone; clones share one writer thread.
#[derive(Clone)]
pub struct DurableStorage {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for DurableStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DurableStorage")
            .field("root", &self.inner.shared.root)
            .finish_non_exhaustive()
    }
}

impl DurableStorage {
    /// Opens (creating if needed) the store at `repo_dir` and starts its
    /// writer thread. Removes temporary files left by a crash.
    ///
    /// Blocking: it touches the filesystem. Call it before entering async
    /// code or from `spawn_blocking`.
    pub fn open(repo_dir: impl Into<PathBuf>, options: StoreOptions) -> Result<Self, StoreError> {
        let root = repo_dir.into();
        create_dir_durably(&root).map_err(|source| StoreError::Io {
            path: root.clone(),
            source,
        })?;
        remove_stale_tmp_files(&root);

        let shared = Arc::new(StoreState {
            root,
            health: watch::Sender::new(StoreHealth::default()),
            overlay: Mutex::new(HashMap::new()),
            written: Mutex::default(),
            stats: Counters::default(),
        });
        let (tx, rx) = mpsc::channel();
        let writer = Writer::new(Arc::clone(&shared), rx, options.batch_window);
        let writer = std::thread::Builder::new()
            .name("guild-store-writer".to_owned())
            .spawn(move || writer.run())
            .map_err(|source| StoreError::Io {
                path: shared.root.clone(),
                source,
            })?;
        Ok(Self {
            inner: Arc::new(Inner {
                shared,
                tx: Some(tx),
                next_seq: AtomicU64::new(0),
                writer: Some(writer),
            }),
        })
    }

    /// The directory this store lives in.
    pub fn root(&self) -> &Path {
        &self.inner.shared.root
    }

    /// The current health; see [`StoreHealth`].
    pub fn health(&self) -> StoreHealth {
        self.inner.shared.health.borrow().clone()
    }

    /// Notified whenever the health changes.
    pub fn subscribe(&self) -> watch::Receiver<StoreHealth> {
        self.inner.shared.health.subscribe()
    }

    /// Counters of the writer's work so far.
    pub fn stats(&self) -> StoreStats {
        let c = &self.inner.shared.stats;
        StoreStats {
            batches: c.batches.load(Ordering::Relaxed),
            sync_rounds: c.sync_rounds.load(Ordering::Relaxed),
            dir_syncs: c.dir_syncs.load(Ordering::Relaxed),
            files_written: c.files_written.load(Ordering::Relaxed),
            files_deleted: c.files_deleted.load(Ordering::Relaxed),
        }
    }

    /// Waits until everything queued so far has been attempted (retrying
    /// earlier failures once more); errs if anything is still only in memory.
    pub async fn flush(&self) -> Result<(), StoreError> {
        let (done, rx) = oneshot::channel();
        self.send(Request::Flush { done })?;
        let outcome = rx.await.map_err(|_| StoreError::WriterStopped)?;
        if outcome.unsaved == 0 {
            Ok(())
        } else {
            Err(StoreError::NotSaved {
                count: outcome.unsaved,
                reason: outcome
                    .last_error
                    .unwrap_or_else(|| "unknown error".to_owned()),
            })
        }
    }

    /// Writes one chunk and waits until it is durable: `Err(NotSaved)` if
    /// the disk refused it (it stays queued for retry, as any put).
    ///
    /// samod's own puts report nothing; callers that must know a change is
    /// on disk before saying so (the CLI, the crash tests) write the change's
    /// incremental chunk through this, under the key samod itself uses
    /// ([`super::incremental_key`]). Of the two puts of one change, only
    /// the first is written (see `WrittenChanges`).
    pub async fn put_durable(&self, key: StorageKey, data: Vec<u8>) -> Result<(), StoreError> {
        let done = self.queue_put(key, data).ok_or(StoreError::WriterStopped)?;
        // Someone is waiting on this write: cut the batch window short.
        let (flush, _outcome) = oneshot::channel();
        self.send(Request::Flush { done: flush })?;
        let durable = done.await.map_err(|_| StoreError::WriterStopped)?;
        if !durable {
            let health = self.health();
            return Err(StoreError::NotSaved {
                count: health.unsaved_writes.max(1),
                reason: health
                    .last_write_error
                    .unwrap_or_else(|| "unknown error".to_owned()),
            });
        }
        Ok(())
    }

    /// Deletes a document's chunks from disk, after every queued write has
    /// been attempted. The directory is first renamed to a `.tmp-` name
    /// (atomic; loads skip it, the next open clears it), so a crash midway
    /// leaves either the whole document or none of it.
    pub async fn remove_document(&self, doc_id: &str) -> Result<(), StoreError> {
        // Before and after: what is written meanwhile is renamed away too.
        self.forget_written(|key| doc_of(key) == Some(doc_id));
        self.flush().await?;
        let (prefix, rest) = splay(doc_id);
        if rest.is_empty() || doc_id.contains(['/', '\\', '.']) {
            return Ok(());
        }
        let parent = self.inner.shared.root.join(prefix);
        let dir = parent.join(rest);
        let trash = parent.join(format!("{TMP_PREFIX}removed-{rest}-{}", std::process::id()));
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { path, source }
        };
        let removed = blocking(move || {
            match fs::rename(&dir, &trash) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(io(&dir)(e)),
            }
            super::atomic::sync_dir(&parent).map_err(io(&parent))?;
            fs::remove_dir_all(&trash).map_err(io(&trash))
        })
        .await
        .unwrap_or(Err(StoreError::WriterStopped));
        self.forget_written(|key| doc_of(key) == Some(doc_id));
        removed
    }

    /// The ids of the documents that have chunks in the store (on disk, or
    /// written but not yet saved), sorted.
    ///
    /// Blocking: it lists directories.
    pub fn document_ids(&self) -> Result<Vec<String>, StoreError> {
        let root = &self.inner.shared.root;
        let io_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { path, source }
        };
        // The overlay first: the writer retires a put from it only after the
        // file is renamed into place, so a document whose first chunk is in
        // flight is seen in one place or the other, never in neither.
        let mut ids: Vec<String> = self
            .overlay()
            .keys()
            .filter_map(doc_of)
            .map(str::to_owned)
            .collect();
        for first in fs::read_dir(root).map_err(io_err(root))? {
            let first = first.map_err(io_err(root))?;
            let Some(prefix) = dir_name(&first) else {
                continue;
            };
            let first_path = first.path();
            let Ok(entries) = fs::read_dir(&first_path) else {
                continue;
            };
            for second in entries.flatten() {
                let Some(rest) = dir_name(&second) else {
                    continue;
                };
                let doc_dir = second.path();
                if [INCREMENTAL, SNAPSHOT]
                    .iter()
                    .any(|kind| holds_a_chunk(&doc_dir.join(kind)))
                {
                    ids.push(format!("{prefix}{rest}"));
                }
            }
        }
        ids.sort();
        ids.dedup();
        Ok(ids)
    }

    fn overlay(&self) -> std::sync::MutexGuard<'_, HashMap<StorageKey, (u64, Data)>> {
        self.inner
            .shared
            .overlay
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn written(&self) -> std::sync::MutexGuard<'_, WrittenChanges> {
        self.inner
            .shared
            .written
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Forgets the written changes `gone` matches, for a delete queued now.
    fn forget_written(&self, gone: impl Fn(&StorageKey) -> bool) {
        let _overlay = self.overlay();
        let seq = self.inner.next_seq.fetch_add(1, Ordering::Relaxed);
        self.written().forget(seq, gone);
    }

    fn send(&self, request: Request) -> Result<(), StoreError> {
        self.inner
            .tx
            .as_ref()
            .ok_or(StoreError::WriterStopped)?
            .send(request)
            .map_err(|_| StoreError::WriterStopped)
    }

    fn queue_put(&self, key: StorageKey, data: Vec<u8>) -> Option<oneshot::Receiver<bool>> {
        let data = Arc::new(data);
        let (done, rx) = oneshot::channel();
        // Sequence, overlay and channel order must agree, so the three happen
        // under one lock.
        let mut overlay = self.overlay();
        let seq = self.inner.next_seq.fetch_add(1, Ordering::Relaxed);
        if matches!(chunk_kind(&key), ChunkKind::Incremental)
            && !overlay.contains_key(&key)
            && self.written().take(&key)
        {
            // The same change, already durable: nothing to write.
            let _ = done.send(true);
            return Some(rx);
        }
        overlay.insert(key.clone(), (seq, Arc::clone(&data)));
        let request = Request::Put {
            key,
            seq,
            data,
            done,
        };
        if let Err(e) = self.send(request) {
            tracing::error!(error = %e, "cannot queue a write");
            return None;
        }
        Some(rx)
    }
}

fn dir_name(entry: &fs::DirEntry) -> Option<String> {
    if is_tmp_name(&entry.file_name()) || !entry.file_type().is_ok_and(|t| t.is_dir()) {
        return None;
    }
    entry.file_name().into_string().ok()
}

fn holds_a_chunk(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| !is_tmp_name(&e.file_name()) && e.file_type().is_ok_and(|t| t.is_file()))
    })
}

/// Runs blocking file work off the async worker threads when there is a
/// runtime, inline otherwise.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => match handle.spawn_blocking(f).await {
            Ok(value) => Some(value),
            Err(e) => {
                tracing::error!(error = %e, "storage read task failed");
                None
            }
        },
        Err(_) => Some(f()),
    }
}

/// Reads and validates one chunk file; `None` if absent or damaged.
fn read_chunk(shared: &StoreState, key: &StorageKey, path: &Path) -> Option<Vec<u8>> {
    let data = match fs::read(path) {
        Ok(data) => data,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
        Err(e) => {
            report_damage(shared, path, format!("cannot read it: {e}"));
            return None;
        }
    };
    match validate(key, &data) {
        Ok(()) => Some(data),
        Err(reason) if chunk_kind(key) == ChunkKind::SyncState => {
            // Not the user's data: costs a fresh sync, not a warning to them.
            tracing::warn!(path = %path.display(), %reason, "ignoring a damaged sync state");
            None
        }
        Err(reason) => {
            report_damage(shared, path, reason);
            None
        }
    }
}

fn report_damage(shared: &StoreState, path: &Path, reason: String) {
    tracing::warn!(path = %path.display(), %reason, "skipping a damaged chunk; the file is left as it is");
    mark_damaged(&shared.health, path.to_path_buf(), reason);
}

fn load_blocking(shared: &StoreState, key: &StorageKey) -> Option<Vec<u8>> {
    let path = shared.root.join(key_to_relpath(key));
    if !fs::metadata(&path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let data = read_chunk(shared, key, &path)?;
    clear_damaged(&shared.health, [&path]);
    Some(data)
}

fn load_range_blocking(shared: &StoreState, prefix: StorageKey) -> HashMap<StorageKey, Vec<u8>> {
    let mut result = HashMap::new();
    let mut intact = Vec::new();
    let mut to_visit = vec![(shared.root.join(key_to_relpath(&prefix)), prefix)];
    while let Some((dir, key_prefix)) = to_visit.pop() {
        // A missing or non-directory prefix is an empty range, as in samod.
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if is_tmp_name(&name) {
                continue;
            }
            let Some(key) = name
                .to_str()
                .and_then(|n| key_prefix.with_component(n.to_owned()).ok())
            else {
                continue;
            };
            let path = entry.path();
            // Follows symlinks, like samod, so a linked-in directory works.
            let Ok(meta) = fs::metadata(&path) else {
                continue;
            };
            if meta.is_dir() {
                to_visit.push((path, key));
            } else if meta.is_file()
                && let Some(data) = read_chunk(shared, &key, &path)
            {
                result.insert(key, data);
                intact.push(path);
            }
        }
    }
    clear_damaged(&shared.health, &intact);
    result
}

impl Storage for DurableStorage {
    fn load(&self, key: StorageKey) -> impl Future<Output = Option<Vec<u8>>> + Send {
        let pending = self.overlay().get(&key).map(|(_, data)| Arc::clone(data));
        let shared = Arc::clone(&self.inner.shared);
        async move {
            if let Some(data) = pending {
                return Some(data.as_ref().clone());
            }
            blocking(move || load_blocking(&shared, &key))
                .await
                .flatten()
        }
    }

    fn load_range(
        &self,
        prefix: StorageKey,
    ) -> impl Future<Output = HashMap<StorageKey, Vec<u8>>> + Send {
        // Taken before the disk read: a put that becomes durable during the
        // read leaves the overlay but may be missed by the scan, and this
        // copy still has it.
        let pending: Vec<(StorageKey, Data)> = self
            .overlay()
            .iter()
            .filter(|(key, _)| prefix.is_prefix_of(key))
            .map(|(key, (_, data))| (key.clone(), Arc::clone(data)))
            .collect();
        let shared = Arc::clone(&self.inner.shared);
        async move {
            let mut result = blocking(move || load_range_blocking(&shared, prefix))
                .await
                .unwrap_or_default();
            for (key, data) in pending {
                result.insert(key, data.as_ref().clone());
            }
            result
        }
    }

    fn put(&self, key: StorageKey, data: Vec<u8>) -> impl Future<Output = ()> + Send {
        // Queued now, not on first poll, so puts and deletes reach the
        // writer in the order samod issued them.
        let done = self.queue_put(key, data);
        async move {
            if let Some(done) = done
                && done.await.is_err()
            {
                tracing::error!("document store writer stopped before saving a write");
            }
        }
    }

    fn delete(&self, key: StorageKey) -> impl Future<Output = ()> + Send {
        let (done, rx) = oneshot::channel();
        // Forgotten and queued under one lock, so no put numbered after the
        // delete can reach the writer before it.
        let queued = {
            let _overlay = self.overlay();
            let seq = self.inner.next_seq.fetch_add(1, Ordering::Relaxed);
            self.written().forget(seq, |k| *k == key);
            self.send(Request::Delete { key, done })
        };
        async move {
            if queued.is_err() || rx.await.is_err() {
                tracing::error!("document store writer stopped before a delete");
            }
        }
    }
}
