//! Changing charters, each change durable on disk before the call returns:
//! new documents (create, import, fork: one path, [`Library::add_new`]),
//! edits and batches of them, restore, undo, conflict resolution, proposals
//! and merges from a personal copy, and removing a charter from this device.
//! Every change to an existing document goes through
//! [`Library::write_with`].

use std::sync::{Arc, Mutex, PoisonError};

use automerge::{Automerge, ChangeHash};
use guild_model::{
    Access, AccessLevel, Charter, Difference, Op, Standing, apply, apply_batch, charter_at,
    common_heads, copy_paths, diff_charters, keep_only_device, migrate, new_charter_as,
    rebase_prose_splice, repair, restore_version, schema_version,
};
use samod::DocHandle;

use super::{Library, LibraryError, now};
use crate::access::DocAccess;
use crate::store::{incremental_key, load_untrusted, snapshot_key};

/// Whether a new document admits this device itself, or already names it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Admit {
    /// Admit this device read-write (a new charter, an imported copy).
    ThisDevice,
    /// The document already admits this device (a personal copy).
    Already,
}

impl Library {
    /// Creates a charter (from the community-of-practice template unless
    /// `seeded` is false) and returns its id once it is on disk.
    pub async fn create(&self, title: &str, seeded: bool) -> Result<String, LibraryError> {
        let doc = new_charter_as(title, now(), seeded, &self.actor)?;
        self.add_new(doc, Admit::ThisDevice).await
    }

    /// Stores a copy of an exported `.automerge` charter under a new id.
    pub async fn import(&self, bytes: &[u8]) -> Result<String, LibraryError> {
        let mut doc = load_untrusted(bytes).map_err(|e| {
            LibraryError::NotACharter(format!(
                "not a Guild charter: not an Automerge document ({e})"
            ))
        })?;
        schema_version(&doc)?;
        migrate(&mut doc, now())?;
        Charter::from_doc(&doc).map_err(|e| LibraryError::NotACharter(e.to_string()))?;
        // The copy is a new charter: this device may sync it, whoever could before.
        self.add_new(doc, Admit::ThisDevice).await
    }

    /// Makes a personal copy of a charter: a new document with the whole
    /// history, shared with no one (only this device is admitted, no invite
    /// is open). Returns the copy's id.
    pub async fn fork(&self, id: &str) -> Result<String, LibraryError> {
        let mut doc = self.document(id).await?;
        doc.set_actor(self.actor.clone());
        keep_only_device(&mut doc, &self.endpoint_id(), id, now())?;
        self.add_new(doc, Admit::Already).await
    }

    /// The steps every new document takes: it becomes this session's
    /// (actor), admits this device if asked, joins the repo, is written
    /// durably and has its access list followed. Returns its id.
    async fn add_new(&self, mut doc: Automerge, admit: Admit) -> Result<String, LibraryError> {
        doc.set_actor(self.actor.clone());
        if admit == Admit::ThisDevice {
            let me = Op::AdmitDevice {
                endpoint: self.endpoint_id(),
                access: AccessLevel::ReadWrite,
                label: self.label(),
                actor: Some(self.device().to_hex()),
                admitted_by: String::new(),
                invite: None,
            };
            apply(&mut doc, &me, now())?;
        }
        let handle = self.repo.create(doc).await?;
        self.save_new(&handle).await?;
        self.watcher.watch(&handle);
        Ok(handle.document_id().to_string())
    }

    /// samod saves a new document in the background, so a `create` that
    /// returned could still be absent from `list` (and lost in a crash).
    /// This writes it durably under the key samod itself would give a
    /// whole-document chunk and waits.
    async fn save_new(&self, handle: &DocHandle) -> Result<(), LibraryError> {
        let (heads, bytes) = handle.with_document(|doc| (doc.get_heads(), doc.save()));
        let key = snapshot_key(handle.document_id(), &heads);
        self.storage.put_durable(key, bytes).await?;
        Ok(())
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
                    rebase_splices(doc, &mut ops, base)?;
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
            match Access::standing_in(doc, &me) {
                Standing::Listed(AccessLevel::ReadOnly) => {
                    return Err(LibraryError::ReadOnly(id.to_owned()));
                }
                Standing::Revoked => return Err(LibraryError::Revoked(id.to_owned())),
                Standing::Listed(AccessLevel::ReadWrite) | Standing::Unlisted => {}
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
            let key = incremental_key(handle.document_id(), change);
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

    /// Resolves a scalar conflict (see [`super::CharterView::conflicts`]) to
    /// the value rendered as `choice`, for every peer.
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
            return Err(LibraryError::NothingToMerge(missing.clone()));
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

    /// Removes a charter from this device only: its files here are deleted;
    /// every other copy is untouched and it can be joined again.
    pub async fn remove_local(&self, id: &str) -> Result<(), LibraryError> {
        // Stop sharing it first, so no peer's sync writes it back.
        self.access.set(id, DocAccess::Absent);
        self.storage.remove_document(id).await?;
        Ok(())
    }

    /// Applies `op` with no access check, as a modified client could.
    ///
    /// For tests that prove peers enforce access (a read-only device's
    /// edits must never be accepted by writers); only the `hostile-client`
    /// feature, which only the cross-crate tests turn on, builds it.
    #[cfg(feature = "hostile-client")]
    pub async fn edit_as_hostile_peer(&self, id: &str, op: &Op) -> Result<(), LibraryError> {
        self.edit_as_hostile_peer_posing_as(id, op, self.actor.clone())
            .await
    }

    /// The same, under a forged actor id: one that starts with another
    /// device's id claims its authority and the credit for the change.
    #[cfg(feature = "hostile-client")]
    pub async fn edit_as_hostile_peer_posing_as(
        &self,
        id: &str,
        op: &Op,
        actor: automerge::ActorId,
    ) -> Result<(), LibraryError> {
        let handle = self.handle(id).await?;
        handle.with_document(|doc| {
            doc.set_actor(actor);
            apply(doc, op, now()).map(|_| ())
        })?;
        Ok(())
    }
}

/// Moves each prose splice in `ops`, made against the version at `base`,
/// to where its text is in `doc` now.
fn rebase_splices(
    doc: &Automerge,
    ops: &mut [Op],
    base: &[ChangeHash],
) -> Result<(), LibraryError> {
    for op in ops {
        if let Op::SpliceProse {
            field, pos, delete, ..
        } = op
        {
            (*pos, *delete) = rebase_prose_splice(doc, *field, *pos, *delete, base)?;
        }
    }
    Ok(())
}
