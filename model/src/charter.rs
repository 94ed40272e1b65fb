//! The charter's schema: what the document holds, hydrated from Automerge.
//!
//! Prose is [`Text`] (collaborative, character-level merge); every
//! collection is a map keyed by a stable id, each item carrying an `order`
//! key where order matters. This module only describes and reads the
//! document; [`crate::ops`] writes it.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile, Text};
use serde::Serialize;

use crate::enums::{AccessLevel, Cell, Horizon, Membership, Phase, Role, Status, Tag, UnitKind};

fn text<S: serde::Serializer>(text: &Text, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(text.as_str())
}

fn text_map<S: serde::Serializer, K: Serialize>(
    map: &BTreeMap<K, Text>,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_map(map.iter().map(|(k, v)| (k, v.as_str())))
}

/// The whole charter of one community of practice.
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize)]
pub struct Charter {
    /// The schema version the document was written with.
    pub schema_version: u64,
    /// Title and the charter-template fields.
    pub meta: Meta,
    /// The sponsor's "why".
    pub purpose: Purpose,
    /// The co-created vision and its contributions.
    pub vision: Vision,
    /// High-level objectives, keyed by id.
    pub objectives: BTreeMap<String, Objective>,
    /// Appreciative inquiry: topic and 4-D notes.
    pub inquiry: Inquiry,
    /// The value-proposition pitch and canvas.
    pub pitch: Pitch,
    /// The value map's cards (each knows its cell), keyed by id.
    pub cards: BTreeMap<String, Card>,
    /// Value-creation stories, keyed by id.
    pub stories: BTreeMap<String, Story>,
    /// Business units, teams, offices … keyed by id.
    pub units: BTreeMap<String, Unit>,
    /// Bridges between units, keyed by id.
    pub bridges: BTreeMap<String, Bridge>,
    /// People and their roles, keyed by id.
    pub members: BTreeMap<String, Member>,
    /// Which devices may sync this charter, and the open invites.
    pub access: Access,
    /// Named versions ("ratified by sponsor, 2026-12-01"), keyed by name.
    /// Absent from charters written before milestones existed.
    #[autosurgeon(missing = "Default::default")]
    pub milestones: BTreeMap<String, Milestone>,
    /// For a personal copy: the charter it was copied from.
    #[autosurgeon(missing = "Default::default")]
    pub forked_from: Option<String>,
    /// A workshop's agenda and votes. Absent until a facilitator used it.
    #[autosurgeon(missing = "Default::default")]
    pub workshop: crate::workshop::Workshop,
}

/// A named version of the charter.
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize, PartialEq, Eq)]
pub struct Milestone {
    /// The version's heads: change hashes, hex, space-separated.
    pub heads: String,
    /// When it was named (unix seconds).
    pub at: i64,
    /// Who named it.
    pub by: String,
}

/// Title and the charter-template fields.
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize)]
pub struct Meta {
    /// The community's name.
    #[serde(serialize_with = "text")]
    pub title: Text,
    /// Who the community is for.
    #[serde(serialize_with = "text")]
    pub audience: Text,
    /// What is in scope.
    #[serde(serialize_with = "text")]
    pub scope_in: Text,
    /// What is out of scope.
    #[serde(serialize_with = "text")]
    pub scope_out: Text,
    /// How often and how the community meets.
    #[serde(serialize_with = "text")]
    pub cadence: Text,
    /// The tools it uses.
    #[serde(serialize_with = "text")]
    pub tools: Text,
    /// Open or closed membership.
    pub membership: Membership,
    /// How members treat each other.
    #[serde(serialize_with = "text")]
    pub norms: Text,
    /// How decisions are made.
    #[serde(serialize_with = "text")]
    pub decision_rule: Text,
    /// When the charter is next reviewed (an ISO date, or empty).
    pub review_date: String,
}

/// The purpose: why the community exists.
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize)]
pub struct Purpose {
    /// The purpose itself.
    #[serde(serialize_with = "text")]
    pub text: Text,
    /// Who set it (a member id or a name).
    pub set_by: Option<String>,
    /// Who last endorsed it.
    pub endorsed_by: Option<String>,
    /// When it was last endorsed (unix seconds).
    pub endorsed_at: Option<i64>,
}

/// The vision statement and the contributions it is distilled from.
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize)]
pub struct Vision {
    /// The agreed statement.
    #[serde(serialize_with = "text")]
    pub statement: Text,
    /// Contributions, keyed by id.
    pub contributions: BTreeMap<String, Contribution>,
}

/// One person's contribution to the vision.
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize)]
pub struct Contribution {
    /// What they proposed.
    #[serde(serialize_with = "text")]
    pub text: Text,
    /// Who proposed it.
    pub author: String,
    /// The author's role.
    pub role: Role,
    /// Who supports it, with when (unix seconds).
    pub endorsements: BTreeMap<String, i64>,
    /// Place in the list.
    pub order: String,
    /// When it was added (unix seconds).
    pub created_at: i64,
    /// The workshop theme it was grouped into (a theme id), if any.
    #[autosurgeon(missing = "Default::default")]
    pub theme: Option<String>,
}

/// A high-level objective.
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize)]
pub struct Objective {
    /// Short title.
    #[serde(serialize_with = "text")]
    pub title: Text,
    /// What it means.
    #[serde(serialize_with = "text")]
    pub description: Text,
    /// Who owns it.
    pub owner: String,
    /// Short or long term.
    pub horizon: Horizon,
    /// Where it stands.
    pub status: Status,
    /// Success indicators, one per line.
    #[serde(serialize_with = "text")]
    pub indicators: Text,
    /// Place in the list.
    pub order: String,
    /// When it was added (unix seconds).
    pub created_at: i64,
}

/// Appreciative inquiry around one affirmative topic.
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize)]
pub struct Inquiry {
    /// The affirmative topic.
    #[serde(serialize_with = "text")]
    pub topic: Text,
    /// Notes of every phase, keyed by id.
    pub notes: BTreeMap<String, Note>,
}

/// A note in one phase of the 4-D cycle.
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize)]
pub struct Note {
    /// The note.
    #[serde(serialize_with = "text")]
    pub text: Text,
    /// Discover, dream, design or deliver.
    pub phase: Phase,
    /// Need, challenge or opportunity.
    pub tag: Tag,
    /// Who wrote it.
    pub author: String,
    /// Place within its phase.
    pub order: String,
    /// When it was added (unix seconds).
    pub created_at: i64,
    /// The workshop theme it was grouped into (a theme id), if any.
    #[autosurgeon(missing = "Default::default")]
    pub theme: Option<String>,
}

/// The value-proposition pitch, with the optional canvas.
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize)]
pub struct Pitch {
    /// Why someone should join or fund the community.
    #[serde(serialize_with = "text")]
    pub text: Text,
    /// Canvas: the jobs members need done.
    #[serde(serialize_with = "text")]
    pub jobs: Text,
    /// Canvas: their pains.
    #[serde(serialize_with = "text")]
    pub pains: Text,
    /// Canvas: the gains they want.
    #[serde(serialize_with = "text")]
    pub gains: Text,
    /// Canvas: how the community relieves the pains.
    #[serde(serialize_with = "text")]
    pub pain_relievers: Text,
    /// Canvas: how it creates the gains.
    #[serde(serialize_with = "text")]
    pub gain_creators: Text,
}

/// A card in the value map.
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize)]
pub struct Card {
    /// The value it names.
    #[serde(serialize_with = "text")]
    pub text: Text,
    /// Which of the four cells it sits in.
    pub cell: Cell,
    /// Place within its cell.
    pub order: String,
    /// When it was added (unix seconds).
    pub created_at: i64,
}

/// A value-creation story.
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize)]
pub struct Story {
    /// A short title.
    #[serde(serialize_with = "text")]
    pub title: Text,
    /// Who tells it.
    pub teller: String,
    /// The story's text per value-creation cycle it reaches.
    #[serde(serialize_with = "text_map")]
    pub cycles: BTreeMap<String, Text>,
    /// The value-map cards it supports (card id → true).
    pub cards: BTreeMap<String, bool>,
    /// Place in the list.
    pub order: String,
    /// When it was added (unix seconds).
    pub created_at: i64,
}

/// A unit the community spans: a business unit, team, office …
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize)]
pub struct Unit {
    /// Its name.
    #[serde(serialize_with = "text")]
    pub name: Text,
    /// What kind of unit.
    pub kind: UnitKind,
    /// Place in the list.
    pub order: String,
}

/// A bridge the community builds between two units.
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize)]
pub struct Bridge {
    /// One end (a unit id).
    pub from: String,
    /// The other end (a unit id).
    pub to: String,
    /// What flows across it.
    #[serde(serialize_with = "text")]
    pub note: Text,
    /// When it was added (unix seconds).
    pub created_at: i64,
}

/// A person in the community.
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize)]
pub struct Member {
    /// Their name.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// The unit they belong to (a unit id).
    pub unit: Option<String>,
    /// The devices they edit from, keyed by Automerge actor id (hex).
    pub devices: BTreeMap<String, Device>,
    /// Place in the list.
    pub order: String,
    /// The colour they chose for themselves (`#rrggbb`), shown beside their
    /// name in the history; absent for members someone else added, and
    /// from charters written before members had colours.
    #[autosurgeon(missing = "Default::default")]
    pub color: Option<String>,
}

impl Member {
    /// Whether a change by `actor` was made on one of their devices. A
    /// session's actor id is its device id plus a few random bytes, so a
    /// device key is a prefix of the actors it made (older charters kept a
    /// whole actor id: then the actor is a prefix of the key).
    pub fn edits_from(&self, actor: &str) -> bool {
        !actor.is_empty()
            && self
                .devices
                .keys()
                .any(|device| actor.starts_with(device.as_str()) || device.starts_with(actor))
    }

    /// Their colour as red, green, blue, if they chose one.
    pub fn rgb(&self) -> Option<[u8; 3]> {
        parse_rgb(self.color.as_deref()?)
    }
}

/// `#rrggbb` as red, green, blue.
pub fn parse_rgb(text: &str) -> Option<[u8; 3]> {
    let hex = text.strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

/// A device a member edits from.
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize)]
pub struct Device {
    /// A name for people ("Ana's laptop").
    pub label: String,
    /// When it was added (unix seconds).
    pub added_at: i64,
}

/// Who may sync the charter: devices by iroh endpoint id, open invites by
/// the hash of their secret, and revoked devices (a revocation outlives any
/// concurrent re-admission).
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize, PartialEq, Eq)]
pub struct Access {
    /// Admitted devices, keyed by endpoint id (hex public key).
    pub devices: BTreeMap<String, DeviceAccess>,
    /// Open invites, keyed by the SHA-256 (hex) of their secret.
    pub invites: BTreeMap<String, Invite>,
    /// Revoked devices (endpoint id → unix seconds).
    pub revoked: BTreeMap<String, i64>,
    /// Closed invites (secret hash → unix seconds), so a device presenting
    /// one hears that it was closed, not that it is unknown. The invite
    /// itself is deleted from `invites`, which is all an older Guild reads.
    #[autosurgeon(missing = "Default::default")]
    pub closed: BTreeMap<String, i64>,
}

/// Whether an invite admits now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteState<'a> {
    /// Open: it admits with this.
    Open(&'a Invite),
    /// Past its expiry.
    Expired,
    /// Closed by a member (or by the end of its workshop).
    Closed,
    /// Never made for this charter.
    Unknown,
}

/// One admitted device.
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize, PartialEq, Eq)]
pub struct DeviceAccess {
    /// What it may do.
    pub access: AccessLevel,
    /// A name for people.
    pub label: String,
    /// Its Guild device id (the prefix of its Automerge actor ids), if known.
    pub actor: Option<String>,
    /// Who admitted it (an endpoint id), empty for the creator.
    pub admitted_by: String,
    /// When (unix seconds).
    pub admitted_at: i64,
    /// The invite (secret hash) it joined with, if any: each device is its
    /// own key, so concurrent admissions all count.
    #[autosurgeon(missing = "Default::default")]
    pub invite: Option<String>,
}

/// An open invite.
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize, PartialEq, Eq)]
pub struct Invite {
    /// What a device joining with it may do.
    pub access: AccessLevel,
    /// Who made it (an endpoint id).
    pub created_by: String,
    /// When (unix seconds).
    pub created_at: i64,
    /// When it stops admitting (unix seconds), if ever.
    #[autosurgeon(missing = "Default::default")]
    pub expires_at: Option<i64>,
    /// Made by hosting a workshop: closed when the host ends it.
    #[autosurgeon(missing = "Default::default")]
    pub workshop: bool,
}

impl Invite {
    /// Whether it is past its expiry at `now` (unix seconds).
    pub fn expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|at| at <= now)
    }
}

/// Where one device stands on a charter's access list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Admitted, at this level, and not revoked.
    Listed(AccessLevel),
    /// Revoked (whatever else the list says).
    Revoked,
    /// Not on the list: a personal copy or an imported file need not name
    /// this device.
    Unlisted,
}

impl Access {
    /// Reads only the access list out of a document (empty if it has none
    /// or it is unreadable), without hydrating the whole charter.
    pub fn from_doc<D: autosurgeon::ReadDoc>(doc: &D) -> Self {
        autosurgeon::hydrate_prop(&crate::CachedReads::new(doc), automerge::ROOT, "access")
            .unwrap_or_default()
    }

    /// Where `endpoint` stands, read from the document without hydrating
    /// the whole list: two lookups instead of a walk of every admitted
    /// device (checked on every local edit; a room's list is long). If
    /// either entry is unreadable, the whole list decides, as it would.
    pub fn standing_in<D: autosurgeon::ReadDoc>(doc: &D, endpoint: &str) -> Standing {
        use autosurgeon::Prop;
        let at = |section: &'static str| {
            [
                Prop::Key("access".into()),
                Prop::Key(section.into()),
                Prop::Key(endpoint.into()),
            ]
        };
        let revoked: Result<Option<i64>, _> =
            autosurgeon::hydrate_path(doc, &automerge::ROOT, at("revoked"));
        let device: Result<Option<DeviceAccess>, _> =
            autosurgeon::hydrate_path(doc, &automerge::ROOT, at("devices"));
        match (revoked, device) {
            (Ok(Some(_)), _) => Standing::Revoked,
            (Ok(None), Ok(Some(device))) => Standing::Listed(device.access),
            (Ok(None), Ok(None)) => Standing::Unlisted,
            _ => {
                let whole = Self::from_doc(doc);
                if whole.revoked.contains_key(endpoint) {
                    Standing::Revoked
                } else {
                    whole
                        .devices
                        .get(endpoint)
                        .map_or(Standing::Unlisted, |d| Standing::Listed(d.access))
                }
            }
        }
    }

    /// What `endpoint` may do, by [`Access::standing_in`]: the answer of
    /// `Access::from_doc(doc).level_of(endpoint)`.
    pub fn level_in<D: autosurgeon::ReadDoc>(doc: &D, endpoint: &str) -> Option<AccessLevel> {
        match Self::standing_in(doc, endpoint) {
            Standing::Listed(level) => Some(level),
            Standing::Revoked | Standing::Unlisted => None,
        }
    }

    /// Whether `endpoint` is on `doc`'s revoked list, by
    /// [`Access::standing_in`].
    pub fn revoked_in<D: autosurgeon::ReadDoc>(doc: &D, endpoint: &str) -> bool {
        Self::standing_in(doc, endpoint) == Standing::Revoked
    }

    /// What this endpoint may do now: `None` if unknown or revoked.
    pub fn level_of(&self, endpoint: &str) -> Option<AccessLevel> {
        if self.revoked.contains_key(endpoint) {
            return None;
        }
        self.devices.get(endpoint).map(|d| d.access)
    }

    /// Whether the invite whose secret hashes to `hash` admits at `now`.
    pub fn invite_state(&self, hash: &str, now: i64) -> InviteState<'_> {
        match self.invites.get(hash) {
            Some(invite) if invite.expired(now) => InviteState::Expired,
            Some(invite) => InviteState::Open(invite),
            None if self.closed.contains_key(hash) => InviteState::Closed,
            None => InviteState::Unknown,
        }
    }

    /// The invites that still admit at `now`, by secret hash.
    pub fn open_invites(&self, now: i64) -> impl Iterator<Item = (&String, &Invite)> {
        self.invites.iter().filter(move |(_, i)| !i.expired(now))
    }

    /// How many devices here joined with the invite `hash`.
    pub fn joined_with(&self, hash: &str) -> usize {
        self.devices
            .values()
            .filter(|d| d.invite.as_deref() == Some(hash))
            .count()
    }
}

/// A document that does not hold a readable Guild charter.
#[derive(Debug, thiserror::Error)]
#[error("not a Guild charter: {0}")]
pub struct HydrateCharterError(#[from] autosurgeon::HydrateError);

impl Charter {
    /// Reads the charter out of a document.
    pub fn from_doc<D: autosurgeon::ReadDoc>(doc: &D) -> Result<Self, HydrateCharterError> {
        Ok(autosurgeon::hydrate(&crate::CachedReads::new(doc))?)
    }

    /// The members alone, read without hydrating the whole charter (for
    /// lists that name people).
    pub fn members_of<D: autosurgeon::ReadDoc>(doc: &D) -> BTreeMap<String, Member> {
        autosurgeon::hydrate_prop(&crate::CachedReads::new(doc), automerge::ROOT, "members")
            .unwrap_or_default()
    }

    /// The items of a kind a vote can be on (contributions, notes, cards,
    /// objectives), in the order the charter shows them; none for another.
    pub fn votable_items(&self, kind: crate::ops::Collection) -> Vec<String> {
        use crate::ops::Collection;
        match kind {
            Collection::Contributions => self
                .contributions_ordered()
                .map(|(id, _)| id.clone())
                .collect(),
            Collection::Notes => Phase::ALL
                .iter()
                .flat_map(|p| self.notes_in(*p).map(|(id, _)| id.clone()))
                .collect(),
            Collection::Cards => Cell::ALL
                .iter()
                .flat_map(|c| self.cards_in(*c).map(|(id, _)| id.clone()))
                .collect(),
            Collection::Objectives => self
                .objectives_ordered()
                .map(|(id, _)| id.clone())
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The words of a contribution, inquiry note, value-map card or
    /// objective (the items a vote can be on), by id.
    pub fn item_words(&self, id: &str) -> Option<&str> {
        self.vision
            .contributions
            .get(id)
            .map(|x| x.text.as_str())
            .or_else(|| self.inquiry.notes.get(id).map(|n| n.text.as_str()))
            .or_else(|| self.cards.get(id).map(|x| x.text.as_str()))
            .or_else(|| self.objectives.get(id).map(|o| o.title.as_str()))
            .map(str::trim)
    }

    /// The member who edits from the device that made `actor`'s changes.
    pub fn member_of_actor(&self, actor: &str) -> Option<(&String, &Member)> {
        self.members.iter().find(|(_, m)| m.edits_from(actor))
    }

    /// The title alone, read without hydrating the whole charter (for lists).
    pub fn title_of<D: automerge::ReadDoc>(doc: &D) -> Option<String> {
        use automerge::{ObjType, ROOT, Value};
        let Ok(Some((Value::Object(ObjType::Map), meta))) = doc.get(ROOT, "meta") else {
            return None;
        };
        let Ok(Some((Value::Object(ObjType::Text), title))) = doc.get(&meta, "title") else {
            return None;
        };
        doc.text(&title).ok()
    }

    /// Objectives in list order.
    pub fn objectives_ordered(&self) -> impl Iterator<Item = (&String, &Objective)> {
        sorted(&self.objectives, |o| &o.order)
    }

    /// Vision contributions in list order.
    pub fn contributions_ordered(&self) -> impl Iterator<Item = (&String, &Contribution)> {
        sorted(&self.vision.contributions, |c| &c.order)
    }

    /// The cards of one value-map cell, in order.
    pub fn cards_in(&self, cell: Cell) -> impl Iterator<Item = (&String, &Card)> {
        sorted(&self.cards, |c| &c.order).filter(move |(_, c)| c.cell == cell)
    }

    /// The notes of one inquiry phase, in order.
    pub fn notes_in(&self, phase: Phase) -> impl Iterator<Item = (&String, &Note)> {
        sorted(&self.inquiry.notes, |n| &n.order).filter(move |(_, n)| n.phase == phase)
    }

    /// Stories in list order.
    pub fn stories_ordered(&self) -> impl Iterator<Item = (&String, &Story)> {
        sorted(&self.stories, |s| &s.order)
    }

    /// Units in list order.
    pub fn units_ordered(&self) -> impl Iterator<Item = (&String, &Unit)> {
        sorted(&self.units, |u| &u.order)
    }

    /// Members in list order.
    pub fn members_ordered(&self) -> impl Iterator<Item = (&String, &Member)> {
        sorted(&self.members, |m| &m.order)
    }

    /// How many stories back a card (links to stories that exist).
    pub fn stories_backing(&self, card_id: &str) -> usize {
        self.stories
            .values()
            .filter(|s| s.cards.contains_key(card_id))
            .count()
    }

    /// Units that no bridge touches: the silos still isolated.
    pub fn isolated_units(&self) -> Vec<&String> {
        self.units_ordered()
            .map(|(id, _)| id)
            .filter(|id| {
                !self
                    .bridges
                    .values()
                    .any(|b| &&b.from == id || &&b.to == id)
            })
            .collect()
    }

    /// The member who edits from this Automerge actor (hex), if any.
    pub fn member_for_actor(&self, actor_hex: &str) -> Option<(&String, &Member)> {
        self.members
            .iter()
            .find(|(_, m)| m.devices.contains_key(actor_hex))
    }

    /// A unit's name, or a marker if the link points nowhere.
    pub fn unit_name(&self, id: &str) -> &str {
        self.units
            .get(id)
            .map_or("(removed unit)", |u| u.name.as_str())
    }
}

fn sorted<T>(
    map: &BTreeMap<String, T>,
    order: impl Fn(&T) -> &String,
) -> impl Iterator<Item = (&String, &T)> {
    let mut items: Vec<_> = map.iter().collect();
    items.sort_by(|(ia, a), (ib, b)| order(a).cmp(order(b)).then_with(|| ia.cmp(ib)));
    items.into_iter()
}
