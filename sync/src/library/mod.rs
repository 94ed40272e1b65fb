//! The charters of one data directory: open, create, list, read, edit,
//! import and export them, with every save durable and checked.
//!
//! A [`Library`] holds the data dir's lock, a samod [`samod::Repo`] over the
//! crash-safe [`DurableStorage`] with Guild's share policy installed, this
//! device's identity and this session's actor id. Documents are samod
//! documents, so the same library later syncs with peers; the library
//! itself knows nothing of the network.
//!
//! This file owns the struct, its options and errors, opening and closing,
//! and the accessors; reads are in `read.rs`, writes in `write.rs`, and
//! keeping the access index in step with the documents in `access_watch.rs`.
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

mod access_watch;
mod read;
mod write;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use automerge::{ActorId, ChangeHash};
use guild_model::{EditError, MigrateError};
use iroh::SecretKey;
use samod::Repo;

use crate::access::{AccessIndex, GuildSharePolicy, peer_id_of};
use crate::data_dir::{DataDir, DataDirError, DataDirLock, LockError};
use crate::identity::{DeviceId, Identity, IdentityError, default_label};
use crate::store::{DurableStorage, StoreError, StoreHealth, StoreOptions};

use access_watch::AccessWatcher;
pub use read::{CharterView, DocumentSummary};

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
    /// The device identity files (device id, key) are unusable.
    #[error(transparent)]
    Identity(#[from] IdentityError),
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
    /// A merge from a personal copy named a path the copy did not change.
    #[error("the copy did not change `{0}`")]
    NothingToMerge(String),
    /// The edit was refused; nothing changed.
    #[error(transparent)]
    Edit(#[from] EditError),
    /// This device may read the charter but not edit it.
    #[error(
        "this device has read-only access to charter {0}: edits would not be accepted by others"
    )]
    ReadOnly(String),
    /// This device's access to the charter was revoked: an edit here would
    /// stay here, refused by every peer, so it is refused at once instead.
    #[error(
        "this device's access to charter {0} was revoked: edits would not be accepted by others"
    )]
    Revoked(String),
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

/// The charters of one data directory.
pub struct Library {
    /// This device's name in access lists it writes (creator, importer).
    label: Mutex<String>,
    data_dir: DataDir,
    _lock: DataDirLock,
    storage: DurableStorage,
    repo: Repo,
    identity: Identity,
    actor: ActorId,
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
        let identity = Identity::load_or_create(&data_dir)?;
        let actor = identity.device.session_actor();
        let access = AccessIndex::new();
        let repo = Repo::build_tokio()
            .with_storage(storage.clone())
            // samod's peer id is our iroh endpoint id, which peers authenticate.
            .with_peer_id(peer_id_of(&identity.endpoint_id()))
            .with_share_policy(GuildSharePolicy::new(access.clone()))
            .load()
            .await;
        let watcher = AccessWatcher::new(repo.clone(), storage.clone(), access.clone());
        let loader = watcher.clone();
        access.set_loader(Arc::new(move |doc| loader.load(doc)));
        Ok(Self {
            label: Mutex::new(default_label()),
            data_dir,
            _lock: lock,
            storage,
            repo,
            identity,
            actor,
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
        &self.identity.device
    }

    /// The actor id this session's changes carry.
    pub fn actor(&self) -> &ActorId {
        &self.actor
    }

    /// This device's iroh secret key (its endpoint identity).
    pub fn secret_key(&self) -> &SecretKey {
        &self.identity.secret_key
    }

    /// This device's endpoint id, as documents' access lists name it.
    pub fn endpoint_id(&self) -> String {
        self.identity.endpoint_id()
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

/// Seconds since the epoch, as changes record their time.
fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
