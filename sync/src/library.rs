//! The charters of one data directory: open, create, list, read, edit,
//! import and export them, with every save durable and checked.
//!
//! A [`Library`] holds the data dir's lock, a samod [`samod::Repo`] over the
//! crash-safe [`DurableStorage`], and this session's actor id. Documents are
//! samod documents, so the same library later syncs with peers.
//!
//! ```no_run
//! # async fn run() -> Result<(), guild_sync::LibraryError> {
//! use guild_sync::{DataDir, Library, LibraryOptions};
//! use guild_model::{Op, ProseField};
//!
//! let library = Library::open(DataDir::resolve(None)?, LibraryOptions::interactive()).await?;
//! let id = library.create("Data CoP", true).await?;
//! library.edit(&id, &Op::SetProse { field: ProseField::Purpose, text: "Learn together".into() }).await?;
//! library.close().await?; // Err(NotSaved) if the disk refused anything.
//! # Ok(()) }
//! ```

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::StreamExt as _;
use tokio::sync::mpsc;

use automerge::{ActorId, Automerge, ChangeHash, ReadDoc};
use guild_model::{
    Access, AccessLevel, CURRENT_SCHEMA_VERSION, Charter, Conflict, Difference, EditError,
    MigrateError, Op, apply, apply_batch, charter_at, common_heads, copy_paths, diff_charters,
    keep_only_device, migrate, new_charter_as, rebase_prose_splice, repair, restore_version,
    scalar_conflicts, schema_version,
};
use iroh::SecretKey;
use samod::storage::StorageKey;
use samod::{DocHandle, DocumentId, Repo};

use crate::data_dir::{DataDir, DataDirError, DataDirLock, LockError};
use crate::device::{DeviceId, DeviceIdError};
use crate::net::access::{AccessIndex, DocAccess, GuildSharePolicy, peer_id_of};
use crate::net::identity::{IdentityError, load_or_create_secret_key};
use crate::store::{DurableStorage, StoreError, StoreHealth, StoreOptions};

/// How a library saves.
#[derive(Debug, Clone)]
pub struct LibraryOptions {
    /// Passed to the store: how long writes wait to share a disk sync.
    pub batch_window: Duration,
}

impl LibraryOptions {
    /// For a window or a long-running peer: saves batched over ~100 ms.
    pub fn interactive() -> Self {
        Self {
            batch_window: Duration::from_millis(100),
        }
    }

    /// For one command-line action: write at once, nothing else is coming.
    pub fn one_shot() -> Self {
        Self {
            batch_window: Duration::ZERO,
        }
    }
}

/// What went wrong, in one line a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum LibraryError {
    /// The data directory could not be found.
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    /// Another process holds the data directory, or it cannot be written.
    #[error(transparent)]
    Lock(#[from] LockError),
    /// The store failed, or writes are unsaved.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The device identity file is unusable.
    #[error(transparent)]
    Device(#[from] DeviceIdError),
    /// No charter matches what was asked for.
    #[error("no charter matches `{0}` (`guild list` shows them)")]
    UnknownDocument(String),
    /// More than one charter matches a prefix.
    #[error("`{query}` matches {count} charters; give more of the id")]
    AmbiguousDocument {
        /// The prefix.
        query: String,
        /// How many matched.
        count: usize,
    },
    /// The charter is on disk but nothing of it could be loaded.
    #[error("charter {0} could not be loaded: its saved data is damaged or missing")]
    Unloadable(String),
    /// The document is not a charter this Guild can read.
    #[error("{0}")]
    NotACharter(String),
    /// The edit was refused; nothing changed.
    #[error(transparent)]
    Edit(#[from] EditError),
    /// This device may read the charter but not edit it.
    #[error(
        "this device has read-only access to charter {0}: edits would not be accepted by others"
    )]
    ReadOnly(String),
    /// The network identity file is unusable.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// The library is shutting down.
    #[error("Guild is shutting down")]
    Stopped,
}

impl From<MigrateError> for LibraryError {
    fn from(e: MigrateError) -> Self {
        LibraryError::NotACharter(e.to_string())
    }
}

impl From<samod::Stopped> for LibraryError {
    fn from(_: samod::Stopped) -> Self {
        LibraryError::Stopped
    }
}

/// A charter as a window draws it.
#[derive(Debug, Clone)]
pub struct CharterView {
    /// The document id.
    pub id: String,
    /// The charter.
    pub charter: Charter,
    /// The document's heads this view was read at.
    pub heads: Vec<ChangeHash>,
    /// Scalar fields with concurrent values.
    pub conflicts: Vec<Conflict>,
    /// How many changes its history holds.
    pub changes: usize,
    /// Whether this device may only read it.
    pub read_only: bool,
}

/// One line of `guild list`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DocumentSummary {
    /// The document id.
    pub id: String,
    /// The charter's title.
    pub title: String,
    /// When it last changed (unix seconds), if known.
    pub last_change: Option<i64>,
    /// How many changes its history holds.
    pub changes: usize,
}

/// The charters of one data directory.
pub struct Library {
    /// This device's name in access lists it writes (creator, importer).
    label: Mutex<String>,
    data_dir: DataDir,
    _lock: DataDirLock,
    storage: DurableStorage,
    repo: Repo,
    device: DeviceId,
    actor: ActorId,
    secret_key: SecretKey,
    access: AccessIndex,
    watcher: AccessWatcher,
    /// Per charter, heads at which the invariants are known to hold: checked
    /// there, or reached by this library's own edits from such heads (every
    /// op keeps them; only merges can break them). An edit on these heads
    /// skips the check.
    verified: Mutex<HashMap<String, Vec<ChangeHash>>>,
}

impl Library {
    /// Locks the data dir and opens its documents. Must run inside a tokio runtime.
    pub async fn open(data_dir: DataDir, options: LibraryOptions) -> Result<Self, LibraryError> {
        let lock = data_dir.lock()?;
        let storage = DurableStorage::open(
            data_dir.repo_dir(),
            StoreOptions {
                batch_window: options.batch_window,
            },
        )?;
        let device = DeviceId::load_or_create(data_dir.root())?;
        let actor = device.session_actor();
        let secret_key = load_or_create_secret_key(data_dir.root())?;
        let access = AccessIndex::new();
        let repo = Repo::build_tokio()
            .with_storage(storage.clone())
            // samod's peer id is our iroh endpoint id, which peers authenticate.
            .with_peer_id(peer_id_of(&secret_key.public().to_string()))
            .with_share_policy(GuildSharePolicy::new(access.clone()))
            .load()
            .await;
        let watcher = AccessWatcher {
            repo: repo.clone(),
            storage: storage.clone(),
            index: access.clone(),
            watched: Arc::default(),
        };
        let loader = watcher.clone();
        access.set_loader(Arc::new(move |doc| loader.load(doc)));
        Ok(Self {
            label: Mutex::new(crate::device::default_label()),
            data_dir,
            _lock: lock,
            storage,
            repo,
            device,
            actor,
            secret_key,
            access,
            watcher,
            verified: Mutex::default(),
        })
    }

    /// Names this device in the access lists it writes from now on (the
    /// node's label, which peers see too).
    pub fn set_label(&self, label: &str) {
        label.clone_into(&mut self.label.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// This device's name, as it writes it into access lists.
    pub fn label(&self) -> String {
        self.label
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The data directory.
    pub fn data_dir(&self) -> &DataDir {
        &self.data_dir
    }

    /// This device's id (the prefix of its actor ids).
    pub fn device(&self) -> &DeviceId {
        &self.device
    }

    /// The actor id this session's changes carry.
    pub fn actor(&self) -> &ActorId {
        &self.actor
    }

    /// This device's iroh secret key (its endpoint identity).
    pub fn secret_key(&self) -> &SecretKey {
        &self.secret_key
    }

    /// This device's endpoint id, as documents' access lists name it.
    pub fn endpoint_id(&self) -> String {
        self.secret_key.public().to_string()
    }

    /// The live access lists of the charters.
    pub fn access_index(&self) -> &AccessIndex {
        &self.access
    }

    /// The samod repo (for the network layer).
    pub(crate) fn repo(&self) -> &Repo {
        &self.repo
    }

    /// The store's health: unsaved writes, damaged chunks.
    pub fn health(&self) -> StoreHealth {
        self.storage.health()
    }

    /// Creates a charter (from the community-of-practice template unless
    /// `seeded` is false) and returns its id once it is on disk.
    pub async fn create(&self, title: &str, seeded: bool) -> Result<String, LibraryError> {
        let now = now();
        let mut doc = new_charter_as(title, now, seeded, &self.actor)?;
        let creator = Op::AdmitDevice {
            endpoint: self.endpoint_id(),
            access: AccessLevel::ReadWrite,
            label: self.label(),
            actor: Some(self.device.to_hex()),
            admitted_by: String::new(),
        };
        apply(&mut doc, &creator, now)?;
        let handle = self.repo.create(doc).await?;
        self.save_new(&handle).await?;
        self.watcher.watch(&handle);
        Ok(handle.document_id().to_string())
    }

    /// Stores a copy of an exported `.automerge` charter under a new id.
    pub async fn import(&self, bytes: &[u8]) -> Result<String, LibraryError> {
        let mut doc = crate::store::load_untrusted(bytes).map_err(|e| {
            LibraryError::NotACharter(format!(
                "not a Guild charter: not an Automerge document ({e})"
            ))
        })?;
        schema_version(&doc)?;
        migrate(&mut doc, now())?;
        Charter::from_doc(&doc).map_err(|e| LibraryError::NotACharter(e.to_string()))?;
        // The copy is a new charter: this device may sync it, whoever could before.
        doc.set_actor(self.actor.clone());
        let importer = Op::AdmitDevice {
            endpoint: self.endpoint_id(),
            access: AccessLevel::ReadWrite,
            label: self.label(),
            actor: Some(self.device.to_hex()),
            admitted_by: String::new(),
        };
        apply(&mut doc, &importer, now())?;
        let handle = self.repo.create(doc).await?;
        self.save_new(&handle).await?;
        self.watcher.watch(&handle);
        Ok(handle.document_id().to_string())
    }

    /// samod saves a new document in the background, so a `create` that
    /// returned could still be absent from `list` (and lost in a crash).
    /// This writes it durably under the key samod itself would give a
    /// whole-document chunk (a snapshot named by the SHA-256 of its heads)
    /// and waits.
    async fn save_new(&self, handle: &DocHandle) -> Result<(), LibraryError> {
        use sha2::{Digest as _, Sha256};

        let (heads, bytes) = handle.with_document(|doc| (doc.get_heads(), doc.save()));
        let mut hasher = Sha256::new();
        for head in &heads {
            hasher.update(head.as_ref());
        }
        let name = hex::encode(hasher.finalize());
        let key =
            StorageKey::from_parts([handle.document_id().to_string(), "snapshot".into(), name])
                .map_err(|e| {
                    LibraryError::Store(StoreError::Io {
                        path: self.storage.root().to_path_buf(),
                        source: std::io::Error::other(e.to_string()),
                    })
                })?;
        self.storage.put_durable(key, bytes).await?;
        Ok(())
    }

    /// The ids of every charter on disk.
    pub fn document_ids(&self) -> Result<Vec<String>, LibraryError> {
        Ok(self.storage.document_ids()?)
    }

    /// Finds a document by full id, unambiguous prefix or `automerge:` URL.
    pub fn resolve(&self, query: &str) -> Result<String, LibraryError> {
        let wanted = query
            .trim()
            .strip_prefix("automerge:")
            .unwrap_or(query.trim());
        if wanted.is_empty() {
            return Err(LibraryError::UnknownDocument(query.to_owned()));
        }
        let ids = self.document_ids()?;
        if ids.iter().any(|id| id == wanted) {
            return Ok(wanted.to_owned());
        }
        let matches: Vec<&String> = ids.iter().filter(|id| id.starts_with(wanted)).collect();
        match matches.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(LibraryError::UnknownDocument(query.to_owned())),
            many => Err(LibraryError::AmbiguousDocument {
                query: query.to_owned(),
                count: many.len(),
            }),
        }
    }

    pub(crate) async fn handle(&self, id: &str) -> Result<DocHandle, LibraryError> {
        let doc_id: DocumentId = id
            .parse()
            .map_err(|_| LibraryError::UnknownDocument(id.to_owned()))?;
        let handle = self
            .repo
            .find(doc_id)
            .await?
            .ok_or_else(|| LibraryError::Unloadable(id.to_owned()))?;
        self.watcher.watch(&handle);
        Ok(handle)
    }

    /// The document as it is now (a copy; brought to the current schema in memory).
    pub async fn document(&self, id: &str) -> Result<Automerge, LibraryError> {
        let handle = self.handle(id).await?;
        let mut doc = handle.with_document(|doc| doc.clone());
        if schema_version(&doc)? < CURRENT_SCHEMA_VERSION {
            migrate(&mut doc, now())?;
        }
        Ok(doc)
    }

    /// Everything a window draws of a charter, read in one pass.
    pub async fn view(&self, id: &str) -> Result<CharterView, LibraryError> {
        let handle = self.handle(id).await?;
        let me = self.endpoint_id();
        handle.with_document(|doc| {
            let charter = hydrate_current(doc)?;
            let read_only = charter.access.level_of(&me) == Some(AccessLevel::ReadOnly);
            Ok::<_, LibraryError>(CharterView {
                id: id.to_owned(),
                heads: doc.get_heads(),
                conflicts: scalar_conflicts(doc),
                // `stats` counts without materialising every change.
                changes: usize::try_from(doc.stats().num_changes).unwrap_or(usize::MAX),
                read_only,
                charter,
            })
        })
    }

    /// A channel that receives a `()` whenever the charter changes (here or
    /// from a peer); it closes when the library stops.
    pub async fn changes(&self, id: &str) -> Result<mpsc::UnboundedReceiver<()>, LibraryError> {
        let handle = self.handle(id).await?;
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut changes = handle.changes();
            while changes.next().await.is_some() {
                if tx.send(()).is_err() {
                    break;
                }
            }
        });
        Ok(rx)
    }

    /// A channel of the ephemeral messages peers broadcast about this
    /// charter (presence).
    pub async fn ephemera(
        &self,
        id: &str,
    ) -> Result<mpsc::UnboundedReceiver<Vec<u8>>, LibraryError> {
        let handle = self.handle(id).await?;
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut messages = handle.ephemera();
            while let Some(message) = messages.next().await {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        Ok(rx)
    }

    /// Sends an ephemeral message to every peer syncing this charter.
    pub async fn broadcast(&self, id: &str, message: Vec<u8>) -> Result<(), LibraryError> {
        self.handle(id).await?.broadcast(message);
        Ok(())
    }

    /// Removes a charter from this device only: its files here are deleted;
    /// every other copy is untouched and it can be joined again.
    pub async fn remove_local(&self, id: &str) -> Result<(), LibraryError> {
        // Stop sharing it first, so no peer's sync writes it back.
        self.access.set(id, DocAccess::Absent);
        self.storage.remove_document(id).await?;
        Ok(())
    }

    /// The charter's access list as it is now.
    pub async fn access(&self, id: &str) -> Result<Access, LibraryError> {
        let handle = self.handle(id).await?;
        Ok(handle.with_document(|doc| Access::from_doc(doc)))
    }

    /// The charter as it is now.
    pub async fn charter(&self, id: &str) -> Result<Charter, LibraryError> {
        let handle = self.handle(id).await?;
        // Hydrated in place: cloning a big document first doubled the
        // memory a charter costs while it is read.
        handle.with_document(|doc| hydrate_current(doc))
    }

    /// A line for `guild list`.
    pub async fn summary(&self, id: &str) -> Result<DocumentSummary, LibraryError> {
        let handle = self.handle(id).await?;
        Ok(handle.with_document(|doc| {
            let last_change = doc
                .get_heads()
                .iter()
                .filter_map(|h| doc.get_change_by_hash(h))
                .map(|c| c.timestamp())
                .max();
            DocumentSummary {
                id: id.to_owned(),
                title: Charter::title_of(doc).unwrap_or_default(),
                last_change,
                // `stats` counts without materialising every change.
                changes: usize::try_from(doc.stats().num_changes).unwrap_or(usize::MAX),
            }
        }))
    }

    /// Applies one edit as one change under this session's actor, and
    /// returns once that change is durable on disk. Brings an older charter
    /// to the current schema and repairs links broken by earlier merges
    /// first, each as its own change.
    pub async fn edit(&self, id: &str, op: &Op) -> Result<Option<ChangeHash>, LibraryError> {
        self.edit_batch(id, std::slice::from_ref(op), None).await
    }

    /// Applies several ops as one change, durably (see [`Self::edit`]).
    /// Prose splices made against the version at `base` (the heads the
    /// editor last saw) are moved, with Automerge cursors, to where their
    /// text is now, so a peer's concurrent edit does not shift them.
    pub async fn edit_batch(
        &self,
        id: &str,
        ops: &[Op],
        base: Option<&[ChangeHash]>,
    ) -> Result<Option<ChangeHash>, LibraryError> {
        let mut ops = ops.to_vec();
        let verified = self
            .verified
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .cloned();
        let after: Arc<Mutex<Option<Vec<ChangeHash>>>> = Arc::default();
        let heads_after = Arc::clone(&after);
        let hash = self
            .write_with(id, move |doc, now| {
                migrate(doc, now)?;
                if verified.as_deref() != Some(doc.get_heads().as_slice()) {
                    // Reads only ids, links and order keys (~3 ms on a big
                    // charter, against ~15 ms to hydrate all of it).
                    repair(doc, now)?;
                }
                if let Some(base) = base {
                    for op in &mut ops {
                        if let Op::SpliceProse {
                            field, pos, delete, ..
                        } = op
                        {
                            (*pos, *delete) =
                                rebase_prose_splice(doc, *field, *pos, *delete, base)?;
                        }
                    }
                }
                let hash = apply_batch(doc, &ops, now)?;
                *heads_after.lock().unwrap_or_else(PoisonError::into_inner) = Some(doc.get_heads());
                Ok(hash)
            })
            .await?;
        if let Some(heads) = after.lock().unwrap_or_else(PoisonError::into_inner).take() {
            self.verified
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(id.to_owned(), heads);
        }
        Ok(hash)
    }

    /// Runs `change` on the document under this session's actor (after the
    /// read-only check), then writes what it added durably: every write of
    /// a change goes through here.
    async fn write_with(
        &self,
        id: &str,
        change: impl FnOnce(&mut Automerge, i64) -> Result<Option<ChangeHash>, LibraryError>,
    ) -> Result<Option<ChangeHash>, LibraryError> {
        let handle = self.handle(id).await?;
        let actor = self.actor.clone();
        let me = self.endpoint_id();
        let now = now();
        let (hash, changes) = handle.with_document(|doc| {
            if read_access(doc).level_of(&me) == Some(AccessLevel::ReadOnly) {
                return Err(LibraryError::ReadOnly(id.to_owned()));
            }
            let before = doc.get_heads();
            doc.set_actor(actor);
            let hash = change(doc, now)?;
            let changes: Vec<(ChangeHash, Vec<u8>)> = doc
                .get_changes(&before)
                .iter()
                .map(|c| (c.hash(), c.raw_bytes().to_vec()))
                .collect();
            Ok::<_, LibraryError>((hash, changes))
        })?;
        // samod saves in the background and reports nothing; write the new
        // changes under samod's own keys and wait, so success means on disk.
        for (change, bytes) in changes {
            let key = StorageKey::incremental_path(handle.document_id(), change);
            self.storage.put_durable(key, bytes).await?;
        }
        self.watcher.refresh(&handle);
        Ok(hash)
    }

    /// Brings the charter back to how it was at `heads`, as one new change
    /// (its access list stays as it is now). `None` if nothing differed.
    pub async fn restore(
        &self,
        id: &str,
        heads: &[ChangeHash],
    ) -> Result<Option<ChangeHash>, LibraryError> {
        let heads = heads.to_vec();
        self.write_with(id, move |doc, now| {
            migrate(doc, now)?;
            Ok(restore_version(doc, &heads, now)?)
        })
        .await
    }

    /// Undoes one change (normally this person's own) as a new change,
    /// leaving what others wrote since alone. Returns the new change, to
    /// undo in turn for a redo; `None` if nothing was left to undo.
    pub async fn undo(
        &self,
        id: &str,
        change: ChangeHash,
    ) -> Result<Option<ChangeHash>, LibraryError> {
        self.write_with(id, move |doc, now| {
            Ok(guild_model::undo_change(doc, change, now)?)
        })
        .await
    }

    /// Resolves a scalar conflict (see [`CharterView::conflicts`]) to the
    /// value rendered as `choice`, for every peer.
    pub async fn resolve_conflict(
        &self,
        id: &str,
        path: &str,
        choice: &str,
    ) -> Result<Option<ChangeHash>, LibraryError> {
        let (path, choice) = (path.to_owned(), choice.to_owned());
        self.write_with(id, move |doc, now| {
            Ok(guild_model::resolve_conflict(doc, &path, &choice, now)?)
        })
        .await
    }

    /// Makes a personal copy of a charter: a new document with the whole
    /// history, shared with no one (only this device is admitted, no invite
    /// is open). Returns the copy's id.
    pub async fn fork(&self, id: &str) -> Result<String, LibraryError> {
        let mut doc = self.document(id).await?;
        doc.set_actor(self.actor.clone());
        keep_only_device(&mut doc, &self.endpoint_id(), id, now())?;
        let handle = self.repo.create(doc).await?;
        self.save_new(&handle).await?;
        self.watcher.watch(&handle);
        Ok(handle.document_id().to_string())
    }

    /// What the charter `from` (a personal copy) changed since it parted
    /// from `into`: the items and fields a "propose back" offers.
    pub async fn proposals(&self, from: &str, into: &str) -> Result<Vec<Difference>, LibraryError> {
        let (from, into) = (self.document(from).await?, self.document(into).await?);
        let base = common_heads(&from, &into);
        let parted =
            charter_at(&from, &base).map_err(|e| LibraryError::NotACharter(e.to_string()))?;
        let now = Charter::from_doc(&from).map_err(|e| LibraryError::NotACharter(e.to_string()))?;
        Ok(diff_charters(&parted, &now))
    }

    /// Copies the chosen differences (paths from [`Self::proposals`], or all
    /// of them when `only` is empty) from `from` into `into`, as one change
    /// of `into`. Only those items move: nothing else of the copy's history
    /// (its private access list above all) reaches the community.
    pub async fn merge_from(
        &self,
        from: &str,
        into: &str,
        only: &[String],
    ) -> Result<Vec<Difference>, LibraryError> {
        let chosen: Vec<Difference> = self
            .proposals(from, into)
            .await?
            .into_iter()
            .filter(|d| only.is_empty() || only.iter().any(|o| o == &d.path))
            .collect();
        if let Some(missing) = only.iter().find(|o| !chosen.iter().any(|d| &d.path == *o)) {
            return Err(LibraryError::NotACharter(format!(
                "the copy did not change `{missing}`"
            )));
        }
        let source = self.document(from).await?;
        let paths: Vec<Vec<String>> = chosen
            .iter()
            .map(|d| d.path.split('.').map(str::to_owned).collect())
            .collect();
        self.write_with(into, move |doc, now| {
            migrate(doc, now)?;
            Ok(copy_paths(
                doc,
                &source,
                &paths,
                "Merge from a personal copy",
                now,
            )?)
        })
        .await?;
        Ok(chosen)
    }

    /// Applies `op` with no access check, as a modified client could.
    ///
    /// For tests that prove peers enforce access (a read-only device's
    /// edits must never be accepted by writers); the product never calls it.
    #[doc(hidden)]
    pub async fn edit_as_hostile_peer(&self, id: &str, op: &Op) -> Result<(), LibraryError> {
        let handle = self.handle(id).await?;
        let actor = self.actor.clone();
        handle.with_document(|doc| {
            doc.set_actor(actor);
            apply(doc, op, now()).map(|_| ())
        })?;
        Ok(())
    }

    /// Stops the repo once every save has been attempted; `Err(NotSaved)`
    /// if anything failed to reach the disk.
    pub async fn close(self) -> Result<(), LibraryError> {
        self.stop().await
    }

    /// As [`Self::close`], for a library shared with tasks that may still
    /// hold it (the network layer); it must not be used afterwards.
    pub async fn stop(&self) -> Result<(), LibraryError> {
        self.repo.stop().await;
        self.storage.flush().await?;
        Ok(())
    }
}

/// The charter in `doc`, brought to the current schema in memory when it
/// is older (only an edit writes the migration).
fn hydrate_current(doc: &Automerge) -> Result<Charter, LibraryError> {
    if schema_version(doc)? < CURRENT_SCHEMA_VERSION {
        let mut migrated = doc.clone();
        migrate(&mut migrated, now())?;
        Charter::from_doc(&migrated)
    } else {
        Charter::from_doc(doc)
    }
    .map_err(|e| LibraryError::NotACharter(e.to_string()))
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The access list of a document as it is now (empty if unreadable).
pub(crate) fn read_access(doc: &Automerge) -> Access {
    Access::from_doc(doc)
}

/// Keeps the [`AccessIndex`] in step with the documents: loads a document's
/// access list when a peer first asks about it, and follows its changes.
#[derive(Clone)]
struct AccessWatcher {
    repo: Repo,
    storage: DurableStorage,
    index: AccessIndex,
    watched: Arc<Mutex<HashSet<String>>>,
}

impl AccessWatcher {
    /// Loads `doc` (if this node has it) and starts following it.
    fn load(&self, doc: String) {
        let this = self.clone();
        tokio::spawn(async move {
            let on_disk = this
                .storage
                .document_ids()
                .is_ok_and(|ids| ids.contains(&doc));
            let found = match (on_disk, doc.parse::<DocumentId>()) {
                (true, Ok(id)) => this.repo.find(id).await.ok().flatten(),
                _ => None,
            };
            match found {
                Some(handle) => this.watch(&handle),
                // Only a document that is not being joined right now is absent.
                None if this.index.get(&doc) == DocAccess::Unknown => {
                    this.index.set(&doc, DocAccess::Absent);
                }
                None => {}
            }
        });
    }

    /// Publishes the document's access list now and on every change.
    fn watch(&self, handle: &DocHandle) {
        self.refresh(handle);
        let id = handle.document_id().to_string();
        let fresh = self
            .watched
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id);
        if fresh {
            let this = self.clone();
            let handle = handle.clone();
            let mut changes = handle.changes();
            tokio::spawn(async move {
                while changes.next().await.is_some() {
                    this.refresh(&handle);
                }
            });
        }
    }

    fn refresh(&self, handle: &DocHandle) {
        let access = handle.with_document(|doc| read_access(doc));
        self.index
            .set(&handle.document_id().to_string(), DocAccess::Known(access));
    }
}
