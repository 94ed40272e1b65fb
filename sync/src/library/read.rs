//! Reading charters: finding one by id or prefix, and every view of it the
//! CLI and the window ask for (document, charter, view, summary, access,
//! heads), plus the live feeds (changes, peers' ephemera) and broadcasting
//! an ephemeral message. Nothing here changes a document.

use std::collections::BTreeMap;

use automerge::{Automerge, ChangeHash, ReadDoc};
use futures::{Stream, StreamExt as _};
use guild_model::{
    Access, AccessLevel, CURRENT_SCHEMA_VERSION, Charter, Conflict, Member, migrate,
    scalar_conflicts, schema_version,
};
use samod::{DocHandle, DocumentId};
use tokio::sync::mpsc;

use super::{Library, LibraryError, now};

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
    /// Its members, by id (to name the people a charter is shared with).
    pub members: BTreeMap<String, Member>,
}

impl Library {
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

    /// samod's handle on the document, loaded if need be, its access list
    /// followed from now on.
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

    /// The document's heads now: cheap, to tell whether a view is current.
    pub async fn heads(&self, id: &str) -> Result<Vec<ChangeHash>, LibraryError> {
        let handle = self.handle(id).await?;
        Ok(handle.with_document(|doc| doc.get_heads()))
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
                changes: change_count(doc),
                read_only,
                charter,
            })
        })
    }

    /// A channel that receives a `()` whenever the charter changes (here or
    /// from a peer); it closes when the library stops.
    pub async fn changes(&self, id: &str) -> Result<mpsc::UnboundedReceiver<()>, LibraryError> {
        let handle = self.handle(id).await?;
        Ok(forward(handle.changes().map(|_| ())))
    }

    /// A channel of the ephemeral messages peers broadcast about this
    /// charter (presence).
    pub async fn ephemera(
        &self,
        id: &str,
    ) -> Result<mpsc::UnboundedReceiver<Vec<u8>>, LibraryError> {
        let handle = self.handle(id).await?;
        Ok(forward(handle.ephemera()))
    }

    /// Sends an ephemeral message to every peer syncing this charter.
    pub async fn broadcast(&self, id: &str, message: Vec<u8>) -> Result<(), LibraryError> {
        self.handle(id).await?.broadcast(message);
        Ok(())
    }

    /// The charter's access list as it is now.
    pub async fn access(&self, id: &str) -> Result<Access, LibraryError> {
        let handle = self.handle(id).await?;
        Ok(handle.with_document(|doc| read_access(doc)))
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
                changes: change_count(doc),
                members: Charter::members_of(doc),
            }
        }))
    }
}

/// Hands every item of `stream` to a channel, on a task that ends when the
/// stream does or the receiver is dropped.
fn forward<T: Send + 'static>(
    stream: impl Stream<Item = T> + Send + Unpin + 'static,
) -> mpsc::UnboundedReceiver<T> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut stream = stream;
        while let Some(item) = stream.next().await {
            if tx.send(item).is_err() {
                break;
            }
        }
    });
    rx
}

/// How many changes the document's history holds; `stats` counts without
/// materialising every change.
fn change_count(doc: &Automerge) -> usize {
    usize::try_from(doc.stats().num_changes).unwrap_or(usize::MAX)
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

/// The access list of a document as it is now (empty if unreadable).
pub(super) fn read_access(doc: &Automerge) -> Access {
    Access::from_doc(doc)
}
