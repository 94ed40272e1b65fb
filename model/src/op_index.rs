//! Every operation of a document traced back to the change that made it:
//! which object holds which, which changes touched each object, and which
//! map entries each change deleted. Blame and the removed-while-edited list
//! read the history through this one pass over the decoded changes.

use std::collections::{HashMap, HashSet};

use automerge::legacy::{self, OpType};
use automerge::{ActorId, Automerge, ChangeHash, ObjId};

/// An operation's id: its counter and its actor.
pub(crate) type OpKey = (u64, ActorId);

/// An object: `None` is the root map, otherwise the operation that made it.
pub(crate) type ObjKey = Option<OpKey>;

/// One change, in causal order.
#[derive(Debug, Clone)]
pub(crate) struct ChangeInfo {
    pub(crate) hash: ChangeHash,
    pub(crate) actor: ActorId,
    pub(crate) time: i64,
    pub(crate) deps: Vec<ChangeHash>,
    deps_at: Vec<usize>,
}

/// A map entry a change deleted, with the values it deleted.
#[derive(Debug, Clone)]
pub(crate) struct Deletion {
    pub(crate) change: usize,
    pub(crate) container: ObjKey,
    pub(crate) key: String,
    pub(crate) removed: Vec<OpKey>,
}

/// The index; build it with [`OpIndex::build`].
#[derive(Debug, Default)]
pub(crate) struct OpIndex {
    pub(crate) changes: Vec<ChangeInfo>,
    /// Per actor, `(first op, last op, change)` sorted by first op.
    by_actor: HashMap<ActorId, Vec<(u64, u64, usize)>>,
    /// Each object made by an operation → the object it was made in.
    parent: HashMap<OpKey, ObjKey>,
    /// Each object → the changes that changed it directly, ascending.
    touches: HashMap<ObjKey, Vec<usize>>,
    pub(crate) deletions: Vec<Deletion>,
}

pub(crate) fn op_key(obj: &ObjId) -> ObjKey {
    match obj {
        ObjId::Root => None,
        ObjId::Id(counter, actor, _) => Some((*counter, actor.clone())),
    }
}

fn legacy_key(obj: &legacy::ObjectId) -> ObjKey {
    match obj {
        legacy::ObjectId::Root => None,
        legacy::ObjectId::Id(legacy::OpId(counter, actor)) => Some((*counter, actor.clone())),
    }
}

impl OpIndex {
    /// Decodes every change of `doc` once.
    pub(crate) fn build(doc: &Automerge) -> Self {
        let mut index = OpIndex::default();
        let changes = doc.get_changes(&[]);
        let mut position: HashMap<ChangeHash, usize> = HashMap::with_capacity(changes.len());
        for (at, change) in changes.iter().enumerate() {
            position.insert(change.hash(), at);
            let deps = change.deps().to_vec();
            let deps_at = deps
                .iter()
                .filter_map(|d| position.get(d).copied())
                .collect();
            let actor = change.actor_id().clone();
            let start = change.start_op().get();
            index
                .by_actor
                .entry(actor.clone())
                .or_default()
                .push((start, change.max_op(), at));
            let expanded = change.decode();
            for (offset, op) in (0u64..).zip(&expanded.operations) {
                let obj = legacy_key(&op.obj);
                if let OpType::Make(_) = op.action {
                    index
                        .parent
                        .insert((start + offset, actor.clone()), obj.clone());
                }
                if let (OpType::Delete, legacy::Key::Map(key)) = (&op.action, &op.key) {
                    index.deletions.push(Deletion {
                        change: at,
                        container: obj.clone(),
                        key: key.to_string(),
                        removed: op.pred.iter().map(|p| (p.0, p.1.clone())).collect(),
                    });
                }
                let touched = index.touches.entry(obj).or_default();
                if touched.last() != Some(&at) {
                    touched.push(at);
                }
            }
            index.changes.push(ChangeInfo {
                hash: change.hash(),
                actor,
                time: change.timestamp(),
                deps,
                deps_at,
            });
        }
        for runs in index.by_actor.values_mut() {
            runs.sort_unstable();
        }
        index
    }

    /// The change that made the operation `op`.
    pub(crate) fn change_of(&self, op: &OpKey) -> Option<usize> {
        let runs = self.by_actor.get(&op.1)?;
        let after = runs.partition_point(|(start, _, _)| *start <= op.0);
        let (start, last, change) = *runs.get(after.checked_sub(1)?)?;
        (start <= op.0 && op.0 <= last).then_some(change)
    }

    /// Whether `obj` is `ancestor` or lies inside it.
    fn is_within(&self, obj: &ObjKey, ancestor: &OpKey) -> bool {
        let mut current = obj.as_ref();
        // Depth is bounded by the schema; the cap guards a malformed doc.
        for _ in 0..64 {
            match current {
                None => return false,
                Some(key) if key == ancestor => return true,
                Some(key) => match self.parent.get(key) {
                    Some(up) => current = up.as_ref(),
                    None => return false,
                },
            }
        }
        false
    }

    /// Every change that touched `obj` or anything inside it, ascending.
    pub(crate) fn touches_within(&self, obj: &OpKey) -> Vec<usize> {
        let mut all: Vec<usize> = self
            .touches
            .iter()
            .filter(|(key, _)| self.is_within(key, obj))
            .flat_map(|(_, changes)| changes.iter().copied())
            .collect();
        all.sort_unstable();
        all.dedup();
        all
    }

    /// Whether `obj` was made directly inside `container`.
    pub(crate) fn made_in(&self, obj: &OpKey, container: &ObjKey) -> bool {
        self.parent.get(obj) == Some(container)
    }

    /// The change at `at` and every change it depends on, directly or not.
    pub(crate) fn ancestry(&self, at: usize) -> HashSet<usize> {
        let mut seen = HashSet::from([at]);
        let mut stack = vec![at];
        while let Some(next) = stack.pop() {
            for dep in &self.changes[next].deps_at {
                if seen.insert(*dep) {
                    stack.push(*dep);
                }
            }
        }
        seen
    }
}
