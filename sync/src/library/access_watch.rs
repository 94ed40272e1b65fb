//! Keeps the [`AccessIndex`] in step with the documents: loads a
//! document's access list when a peer first asks about it, and follows its
//! changes. Reads documents only; never writes one.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use automerge::{ActorId, Automerge, ChangeHash, ObjId, ROOT, ReadDoc as _, Value};
use futures::StreamExt as _;
use samod::{DocHandle, DocumentId, Repo};

use super::read::read_access;
use crate::access::{AccessIndex, DocAccess};
use crate::store::DurableStorage;

/// Publishes documents' access lists into the index; cheap to clone.
#[derive(Clone)]
pub(super) struct AccessWatcher {
    repo: Repo,
    storage: DurableStorage,
    index: AccessIndex,
    watched: Arc<Mutex<HashSet<String>>>,
    /// What was last read of each document's access list. Held from a read
    /// to its publication, so reads are published in the order they were
    /// made.
    publishing: Arc<Mutex<HashMap<String, Seen>>>,
}

/// What the watcher last read of one document's access list.
struct Seen {
    /// The document's heads when it was read.
    heads: Vec<ChangeHash>,
    /// The access map and every object in it, by the op that made it.
    objects: HashSet<(u64, ActorId)>,
}

impl Seen {
    fn read(doc: &Automerge) -> Self {
        let mut objects = HashSet::new();
        let mut inside: Vec<ObjId> = Vec::new();
        if let Ok(Some((Value::Object(_), access))) = doc.get(ROOT, "access") {
            inside.push(access);
        }
        while let Some(obj) = inside.pop() {
            for (value, id) in doc.values(&obj) {
                if matches!(value, Value::Object(_)) {
                    inside.push(id);
                }
            }
            if let ObjId::Id(counter, actor, _) = obj {
                objects.insert((counter, actor));
            }
        }
        Self {
            heads: doc.get_heads(),
            objects,
        }
    }

    /// Whether a change since this read may have changed the access list:
    /// one of its ops is in the access map or under it, or puts `access`
    /// at the root. Reading the list costs a walk of every admitted device
    /// (about 2 ms for 48 devices in a debug build); a room's changes,
    /// nearly all of them to other sections, cost only their own ops.
    fn moved_in(&self, doc: &Automerge) -> bool {
        doc.get_changes(&self.heads).iter().any(|change| {
            change.decode().operations.iter().any(|op| match &op.obj {
                automerge::legacy::ObjectId::Root => {
                    matches!(&op.key, automerge::legacy::Key::Map(key) if key == "access")
                }
                automerge::legacy::ObjectId::Id(automerge::legacy::OpId(counter, actor)) => {
                    self.objects.contains(&(*counter, actor.clone()))
                }
            })
        })
    }
}

impl AccessWatcher {
    pub(super) fn new(repo: Repo, storage: DurableStorage, index: AccessIndex) -> Self {
        Self {
            repo,
            storage,
            index,
            watched: Arc::default(),
            publishing: Arc::default(),
        }
    }

    /// Loads `doc` (if this node has it) and starts following it.
    pub(super) fn load(&self, doc: String) {
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
    pub(super) fn watch(&self, handle: &DocHandle) {
        let id = handle.document_id().to_string();
        let fresh = self
            .watched
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id);
        if fresh {
            // Listen before reading: a change applied between a first read
            // and the subscription would otherwise go unseen until the next
            // change (seen in the simulation: a revocation in the document
            // and not in the index, with no later change to bring it).
            let mut changes = handle.changes();
            let this = self.clone();
            let followed = handle.clone();
            tokio::spawn(async move {
                while changes.next().await.is_some() {
                    this.refresh_if_moved(&followed);
                }
            });
            self.refresh(handle);
        }
    }

    /// Publishes the document's access list as it is now.
    pub(super) fn refresh(&self, handle: &DocHandle) {
        // Refreshes run at once from many tasks (the first read of a
        // charter, every local write, the change stream). Unserialised, a
        // read made before a change could be published after the read made
        // after it, and the index would keep a revoked device admitted
        // until the next change: seen in the simulation under load. The
        // document only grows, so the last read under this lock is the
        // newest.
        self.publish(handle, false);
    }

    /// The same after a change, unless no change since the last read can
    /// have touched the access list.
    fn refresh_if_moved(&self, handle: &DocHandle) {
        self.publish(handle, true);
    }

    fn publish(&self, handle: &DocHandle, only_if_moved: bool) {
        let id = handle.document_id().to_string();
        let mut seen = self
            .publishing
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let last = seen.get(&id);
        let read = handle.with_document(|doc| {
            if only_if_moved && let Some(last) = last {
                let heads = doc.get_heads();
                if heads == last.heads || !last.moved_in(doc) {
                    return Err(heads);
                }
            }
            Ok((read_access(doc), Seen::read(doc)))
        });
        match read {
            Ok((access, now)) => {
                seen.insert(id.clone(), now);
                self.index.set(&id, DocAccess::Known(access));
            }
            // Nothing moved: later changes are judged from here.
            Err(heads) => {
                if let Some(last) = seen.get_mut(&id) {
                    last.heads = heads;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use automerge::Automerge;
    use guild_model::{AccessLevel, Cell, Op, Position, apply, new_charter};

    use super::Seen;

    fn admit(doc: &mut Automerge, endpoint: &str) {
        let op = Op::AdmitDevice {
            endpoint: endpoint.into(),
            access: AccessLevel::ReadWrite,
            label: endpoint.into(),
            actor: None,
            admitted_by: String::new(),
            invite: None,
        };
        apply(doc, &op, 1).unwrap();
    }

    #[test]
    fn only_a_change_to_the_access_list_makes_it_read_again() {
        let mut doc = new_charter("Room", 0).unwrap();
        admit(&mut doc, "a");
        let seen = Seen::read(&doc);
        assert!(!seen.moved_in(&doc), "nothing since");
        let card = Op::AddCard {
            id: "c1".into(),
            cell: Cell::ALL[0],
            text: "a card".into(),
            position: Position::End,
        };
        apply(&mut doc, &card, 2).unwrap();
        assert!(!seen.moved_in(&doc), "a card is not access");
        let mut label = doc.fork();
        admit(&mut doc, "b");
        assert!(seen.moved_in(&doc), "a new device");
        // A change inside one device's entry: its level.
        let op = Op::RevokeDevice {
            endpoint: "a".into(),
        };
        apply(&mut label, &op, 3).unwrap();
        assert!(Seen::read(&doc).moved_in(&{
            let mut merged = doc.clone();
            merged.merge(&mut label).unwrap();
            merged
        }));
        // From an empty document (a charter being fetched), the whole
        // charter arriving is a change to its access.
        let empty = Seen::read(&Automerge::new());
        assert!(empty.moved_in(&doc));
    }
}
