//! What must hold in every charter after any merge, and the repair that
//! restores it.
//!
//! Concurrent edits can break a cross-item rule that each side kept: one
//! peer removes a card while another links a story to it. Guild decides
//! *removal wins*: after a merge, [`repair`] drops links to removed items
//! (idempotent, so peers that repair at once converge) and re-keys the rare
//! duplicate order key. [`check_invariants`] lists what is broken.

use std::collections::{BTreeMap, HashSet};

use automerge::transaction::CommitOptions;
use automerge::{Automerge, ChangeHash};

use crate::charter::{Charter, HydrateCharterError};
use crate::migrate::CURRENT_SCHEMA_VERSION;
use crate::ops::{Collection, EditError, MemberEdit, Op};
use crate::order::{key_between, order_salt};
use crate::skeleton::Skeleton;

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// A link names an item that does not exist.
    DanglingLink {
        /// Where the link is, e.g. `stories.s1.cards`.
        at: String,
        /// The missing item's id.
        target: String,
    },
    /// Two items of one ordered group share an order key.
    DuplicateOrderKey {
        /// Which collection (and group).
        collection: String,
        /// The shared key.
        key: String,
        /// The items sharing it.
        ids: Vec<String>,
    },
    /// A bridge joins a unit to itself.
    SelfBridge {
        /// The bridge's id.
        bridge: String,
    },
    /// The schema version is not this Guild's.
    SchemaVersion(u64),
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Violation::DanglingLink { at, target } => write!(f, "{at} links to missing `{target}`"),
            Violation::DuplicateOrderKey {
                collection,
                key,
                ids,
            } => write!(
                f,
                "{collection}: {} share order key `{key}`",
                ids.join(", ")
            ),
            Violation::SelfBridge { bridge } => {
                write!(f, "bridge `{bridge}` joins a unit to itself")
            }
            Violation::SchemaVersion(v) => {
                write!(f, "schema version {v}, expected {CURRENT_SCHEMA_VERSION}")
            }
        }
    }
}

/// Every broken rule of the charter, in a stable order.
pub fn check_invariants(charter: &Charter) -> Vec<Violation> {
    violations(&Skeleton::from(charter))
}

/// [`check_invariants`] straight from a document, reading only ids, links
/// and order keys (not the text), so it is cheap enough for every edit.
pub fn check_invariants_in(doc: &Automerge) -> Result<Vec<Violation>, HydrateCharterError> {
    let skeleton: Skeleton = autosurgeon::hydrate(&crate::CachedReads::new(doc))?;
    Ok(violations(&skeleton))
}

fn violations(charter: &Skeleton) -> Vec<Violation> {
    let mut out = Vec::new();
    if charter.schema_version != CURRENT_SCHEMA_VERSION {
        out.push(Violation::SchemaVersion(charter.schema_version));
    }
    for (id, story) in &charter.stories {
        for card in story
            .cards
            .keys()
            .filter(|c| !charter.cards.contains_key(*c))
        {
            out.push(Violation::DanglingLink {
                at: format!("stories.{id}.cards"),
                target: card.clone(),
            });
        }
    }
    for (id, bridge) in &charter.bridges {
        for end in [&bridge.from, &bridge.to] {
            if !charter.units.contains_key(end) {
                out.push(Violation::DanglingLink {
                    at: format!("bridges.{id}"),
                    target: end.clone(),
                });
            }
        }
        if bridge.from == bridge.to {
            out.push(Violation::SelfBridge { bridge: id.clone() });
        }
    }
    for (id, member) in &charter.members {
        if let Some(unit) = member
            .unit
            .as_ref()
            .filter(|u| !charter.units.contains_key(*u))
        {
            out.push(Violation::DanglingLink {
                at: format!("members.{id}.unit"),
                target: unit.clone(),
            });
        }
    }
    for (collection, group, items) in order_groups(charter) {
        let mut by_key: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (id, key) in items {
            by_key.entry(key).or_default().push(id.to_owned());
        }
        for (key, ids) in by_key.into_iter().filter(|(_, ids)| ids.len() > 1) {
            let collection = match group {
                Some(g) => format!("{collection}[{g}]"),
                None => collection.to_owned(),
            };
            out.push(Violation::DuplicateOrderKey {
                collection,
                key: key.to_owned(),
                ids,
            });
        }
    }
    out
}

type OrderGroup<'a> = (&'static str, Option<&'static str>, Vec<(&'a str, &'a str)>);

fn order_groups(charter: &Skeleton) -> Vec<OrderGroup<'_>> {
    fn keys<'a, T>(
        map: &'a BTreeMap<String, T>,
        f: impl Fn(&'a T) -> &'a str,
    ) -> Vec<(&'a str, &'a str)> {
        map.iter()
            .map(|(id, item)| (id.as_str(), f(item)))
            .collect()
    }
    let mut groups = vec![
        (
            "contributions",
            None,
            keys(&charter.vision.contributions, |c| &c.order),
        ),
        ("objectives", None, keys(&charter.objectives, |o| &o.order)),
        ("stories", None, keys(&charter.stories, |s| &s.order)),
        ("units", None, keys(&charter.units, |u| &u.order)),
        ("members", None, keys(&charter.members, |m| &m.order)),
    ];
    for cell in crate::enums::Cell::ALL {
        let items = charter
            .cards
            .iter()
            .filter(|(_, c)| c.cell == *cell)
            .map(|(id, c)| (id.as_str(), c.order.as_str()))
            .collect();
        groups.push(("cards", Some(cell.as_str()), items));
    }
    for phase in crate::enums::Phase::ALL {
        let items = charter
            .inquiry
            .notes
            .iter()
            .filter(|(_, n)| n.phase == *phase)
            .map(|(id, n)| (id.as_str(), n.order.as_str()))
            .collect();
        groups.push(("notes", Some(phase.as_str()), items));
    }
    groups
}

/// Fixes every violation [`repair`] can fix in one change ("Repair after
/// merge"): drops dangling links and bridges, clears missing units,
/// re-keys duplicate order keys. Returns `None` when nothing was broken.
pub fn repair(doc: &mut Automerge, now: i64) -> Result<Option<ChangeHash>, EditError> {
    let charter: Skeleton = autosurgeon::hydrate(&crate::CachedReads::new(&*doc))
        .map_err(|e| EditError::Malformed(e.to_string()))?;
    let violations = violations(&charter);
    if violations.is_empty() {
        return Ok(None);
    }
    let salt = order_salt(doc.get_actor().to_bytes());
    let actor = doc.get_actor().to_hex_string();
    let mut ops = Vec::new();
    let mut removed_bridges = HashSet::new();
    for violation in &violations {
        match violation {
            Violation::DanglingLink { at, target } => {
                let mut parts = at.split('.');
                match (parts.next(), parts.next()) {
                    (Some("stories"), Some(story)) => ops.push(Op::UnlinkStory {
                        story: story.to_owned(),
                        card: target.clone(),
                    }),
                    (Some("bridges"), Some(bridge))
                        if removed_bridges.insert(bridge.to_owned()) =>
                    {
                        ops.push(Op::RemoveItem {
                            collection: Collection::Bridges,
                            id: bridge.to_owned(),
                        });
                    }
                    (Some("members"), Some(member)) => ops.push(Op::EditMember {
                        id: member.to_owned(),
                        edit: MemberEdit::Unit(None),
                    }),
                    _ => {}
                }
            }
            Violation::SelfBridge { bridge } if removed_bridges.insert(bridge.clone()) => {
                ops.push(Op::RemoveItem {
                    collection: Collection::Bridges,
                    id: bridge.clone(),
                });
            }
            _ => {}
        }
    }
    let rekeys = duplicate_rekeys(&charter, &violations, &salt);
    doc.transact_with(
        |()| {
            CommitOptions::default()
                .with_message("Repair after merge")
                .with_time(now)
        },
        |tx| {
            for op in &ops {
                super::ops::apply_in_tx(tx, op, now, &salt, &actor)?;
            }
            for (collection, id, key) in &rekeys {
                let obj = super::ops::item_obj(tx, *collection, id)?;
                automerge::transaction::Transactable::put(tx, &obj, "order", key.as_str())?;
            }
            Ok::<_, EditError>(())
        },
    )
    .map(|s| s.hash)
    .map_err(|f| f.error)
}

/// New keys for all but the first (by id) of each duplicate, each placed
/// just after the shared key.
fn duplicate_rekeys(
    charter: &Skeleton,
    violations: &[Violation],
    salt: &str,
) -> Vec<(Collection, String, String)> {
    let mut out = Vec::new();
    for violation in violations {
        let Violation::DuplicateOrderKey {
            collection,
            key,
            ids,
        } = violation
        else {
            continue;
        };
        let collection = match collection.split('[').next() {
            Some("contributions") => Collection::Contributions,
            Some("objectives") => Collection::Objectives,
            Some("stories") => Collection::Stories,
            Some("units") => Collection::Units,
            Some("members") => Collection::Members,
            Some("cards") => Collection::Cards,
            Some("notes") => Collection::Notes,
            _ => continue,
        };
        let next_key = all_keys(charter, collection)
            .into_iter()
            .filter(|k| k.as_str() > key.as_str())
            .min();
        let mut low = key.clone();
        for id in ids.iter().skip(1) {
            let new_key = key_between(
                Some(&low),
                next_key.as_deref(),
                &format!("{salt}{}", out.len() % 9 + 1),
            );
            out.push((collection, id.clone(), new_key.clone()));
            low = new_key;
        }
    }
    out
}

fn all_keys(charter: &Skeleton, collection: Collection) -> Vec<String> {
    match collection {
        Collection::Contributions => charter
            .vision
            .contributions
            .values()
            .map(|c| c.order.clone())
            .collect(),
        Collection::Objectives => charter
            .objectives
            .values()
            .map(|c| c.order.clone())
            .collect(),
        Collection::Notes => charter
            .inquiry
            .notes
            .values()
            .map(|c| c.order.clone())
            .collect(),
        Collection::Cards => charter.cards.values().map(|c| c.order.clone()).collect(),
        Collection::Stories => charter.stories.values().map(|c| c.order.clone()).collect(),
        Collection::Units => charter.units.values().map(|c| c.order.clone()).collect(),
        Collection::Members => charter.members.values().map(|c| c.order.clone()).collect(),
        Collection::Bridges => Vec::new(),
    }
}
