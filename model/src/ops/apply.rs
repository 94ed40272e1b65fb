//! Applying an [`Op`] to a document as one Automerge change.

use automerge::transaction::{CommitOptions, Transactable, Transaction};
use automerge::{Automerge, ChangeHash, ObjId, ReadDoc, ScalarValue};
use autosurgeon::{Text, reconcile_prop};

use super::doc::{exists, item, map_at, order_key, set_text, splice_text, str_at};
use super::{Collection, EditError, MemberEdit, ObjectiveEdit, Op};
use crate::charter::{
    Bridge, Card, Charter, Contribution, Device, DeviceAccess, Invite, Member, Note, Objective,
    Story, Unit,
};
use crate::migrate::CURRENT_SCHEMA_VERSION;
use crate::order::{key_between, order_salt};
use crate::template::seed_cards;

/// A new charter titled `title`, its value map filled from the seed's table.
pub fn new_charter(title: &str, now: i64) -> Result<Automerge, EditError> {
    create(title, now, true, None)
}

/// A new charter (seeded from the template or blank) whose first change is
/// `actor`'s, so the history credits its creator.
pub fn new_charter_as(
    title: &str,
    now: i64,
    seeded: bool,
    actor: &automerge::ActorId,
) -> Result<Automerge, EditError> {
    create(title, now, seeded, Some(actor))
}

/// A new charter with an empty value map.
pub fn new_blank_charter(title: &str, now: i64) -> Result<Automerge, EditError> {
    create(title, now, false, None)
}

fn create(
    title: &str,
    now: i64,
    seeded: bool,
    actor: Option<&automerge::ActorId>,
) -> Result<Automerge, EditError> {
    let mut doc = Automerge::new();
    if let Some(actor) = actor {
        doc.set_actor(actor.clone());
    }
    let salt = order_salt(doc.get_actor().to_bytes());
    let mut charter = Charter {
        schema_version: CURRENT_SCHEMA_VERSION,
        ..Charter::default()
    };
    charter.meta.title = Text::with_value(title);
    if seeded {
        let mut last: Option<String> = None;
        for (n, (cell, text)) in seed_cards().enumerate() {
            let order = key_between(last.as_deref(), None, &salt);
            charter.cards.insert(
                format!("seed-{n:02}"),
                Card {
                    text: Text::with_value(text),
                    cell,
                    order: order.clone(),
                    created_at: now,
                },
            );
            last = Some(order);
        }
    }
    let message = if seeded {
        "Create charter from the community-of-practice template"
    } else {
        "Create blank charter"
    };
    doc.transact_with(
        |()| {
            CommitOptions::default()
                .with_message(message)
                .with_time(now)
        },
        |tx| autosurgeon::reconcile(tx, &charter),
    )
    .map_err(|f| EditError::Malformed(f.error.to_string()))?;
    Ok(doc)
}

/// Applies `op` as one change stamped `now` (unix seconds) with the op's
/// message. Returns the change's hash, or `None` if nothing changed. On
/// error the document is untouched.
pub fn apply(doc: &mut Automerge, op: &Op, now: i64) -> Result<Option<ChangeHash>, EditError> {
    let salt = order_salt(doc.get_actor().to_bytes());
    let actor = doc.get_actor().to_hex_string();
    let message = op.message();
    doc.transact_with(
        |()| {
            CommitOptions::default()
                .with_message(message)
                .with_time(now)
        },
        |tx| apply_in(tx, op, now, &salt, &actor),
    )
    .map(|success| success.hash)
    .map_err(|failure| failure.error)
}

/// Applies several ops as one change (a pause's worth of typing, or an item
/// added with its fields), stamped `now`, with the first op's message. All
/// or nothing: on error the document is untouched.
pub fn apply_batch(
    doc: &mut Automerge,
    ops: &[Op],
    now: i64,
) -> Result<Option<ChangeHash>, EditError> {
    let Some(first) = ops.first() else {
        return Ok(None);
    };
    let salt = order_salt(doc.get_actor().to_bytes());
    let actor = doc.get_actor().to_hex_string();
    let message = first.message();
    doc.transact_with(
        |()| {
            CommitOptions::default()
                .with_message(message)
                .with_time(now)
        },
        |tx| {
            ops.iter()
                .try_for_each(|op| apply_in(tx, op, now, &salt, &actor))
        },
    )
    .map(|success| success.hash)
    .map_err(|failure| failure.error)
}

fn ensure_new(tx: &Transaction<'_>, collection: Collection, id: &str) -> Result<(), EditError> {
    if id.is_empty() || id.contains('/') {
        return Err(EditError::Invalid(format!("`{id}` is not a valid id")));
    }
    if exists(tx, collection, id)? {
        return Err(EditError::DuplicateId {
            noun: collection.noun(),
            id: id.to_owned(),
        });
    }
    Ok(())
}

fn insert<T: autosurgeon::Reconcile>(
    tx: &mut Transaction<'_>,
    collection: Collection,
    id: &str,
    value: &T,
) -> Result<(), EditError> {
    ensure_new(tx, collection, id)?;
    let coll = map_at(tx, collection.path())?;
    reconcile_prop(tx, &coll, id, value)?;
    Ok(())
}

/// Applies one op inside an open transaction. Each group of ops has its own
/// function; this match lists every variant, so a new `Op` fails to compile
/// until it is routed. `actor` is the editing session's (hex): a step's
/// start is on its device's clock.
pub(crate) fn apply_in(
    tx: &mut Transaction<'_>,
    op: &Op,
    now: i64,
    salt: &str,
    actor: &str,
) -> Result<(), EditError> {
    match op {
        Op::SetProse { .. }
        | Op::SpliceProse { .. }
        | Op::SetMembership(..)
        | Op::SetReviewDate(..)
        | Op::SetPurposeSetBy(..)
        | Op::EndorsePurpose { .. }
        | Op::MarkMilestone { .. } => apply_prose_and_meta(tx, op, now),
        Op::AddContribution { .. }
        | Op::EditContribution { .. }
        | Op::Endorse { .. }
        | Op::WithdrawEndorsement { .. } => apply_vision(tx, op, now, salt),
        Op::AddObjective { .. } | Op::EditObjective { .. } => apply_objectives(tx, op, now, salt),
        Op::AddNote { .. } | Op::EditNote { .. } | Op::SetNoteTag { .. } | Op::MoveNote { .. } => {
            apply_inquiry(tx, op, now, salt)
        }
        Op::AddCard { .. } | Op::EditCard { .. } | Op::MoveCard { .. } => {
            apply_value_map(tx, op, now, salt)
        }
        Op::AddStory { .. }
        | Op::EditStory { .. }
        | Op::SetStoryCycle { .. }
        | Op::LinkStory { .. }
        | Op::UnlinkStory { .. } => apply_stories(tx, op, now, salt),
        Op::AddUnit { .. } | Op::EditUnit { .. } | Op::AddBridge { .. } | Op::EditBridge { .. } => {
            apply_bridges(tx, op, now, salt)
        }
        Op::AddMember { .. }
        | Op::EditMember { .. }
        | Op::AddDevice { .. }
        | Op::RemoveDevice { .. } => apply_members(tx, op, now, salt),
        Op::OpenInvite { .. }
        | Op::CloseInvite { .. }
        | Op::AdmitDevice { .. }
        | Op::RevokeDevice { .. } => apply_access(tx, op, now),
        Op::MoveItem { .. } | Op::RemoveItem { .. } => apply_items(tx, op, salt),
        Op::AddStep { .. }
        | Op::RemoveStep { .. }
        | Op::StartStep { .. }
        | Op::StopStep
        | Op::OpenVote { .. }
        | Op::CloseVote { .. }
        | Op::PlaceDot { .. }
        | Op::TakeDot { .. }
        | Op::StartBrainstorm
        | Op::Reveal
        | Op::Lead { .. }
        | Op::StopLeading
        | Op::AddTheme { .. }
        | Op::SetTheme { .. }
        | Op::RemoveTheme { .. } => super::apply_workshop::apply_workshop(tx, op, now, salt, actor),
    }
}

/// Prose fields, the meta scalars, the purpose's sign-off and milestones.
fn apply_prose_and_meta(tx: &mut Transaction<'_>, op: &Op, now: i64) -> Result<(), EditError> {
    match op {
        Op::SetProse { field, text } => {
            let (section, key) = field.path();
            let obj = map_at(tx, &[section])?;
            set_text(tx, &obj, key, text)?;
        }
        Op::SpliceProse {
            field,
            pos,
            delete,
            insert,
        } => {
            let (section, key) = field.path();
            let obj = map_at(tx, &[section])?;
            splice_text(tx, &obj, key, (*pos, *delete, insert), field.name())?;
        }
        Op::SetMembership(m) => put_str(tx, &map_at(tx, &["meta"])?, "membership", m.as_str())?,
        Op::SetReviewDate(date) => put_str(tx, &map_at(tx, &["meta"])?, "review_date", date)?,
        Op::SetPurposeSetBy(by) => put_str(tx, &map_at(tx, &["purpose"])?, "set_by", by)?,
        Op::EndorsePurpose { by } => {
            let purpose = map_at(tx, &["purpose"])?;
            put_str(tx, &purpose, "endorsed_by", by)?;
            tx.put(&purpose, "endorsed_at", now)?;
        }
        Op::MarkMilestone { name, heads, by } => {
            let name = name.trim();
            if name.is_empty() {
                return Err(EditError::Invalid("a milestone needs a name".into()));
            }
            let milestones = match tx.get(automerge::ROOT, "milestones")? {
                Some((automerge::Value::Object(automerge::ObjType::Map), id)) => id,
                _ => tx.put_object(automerge::ROOT, "milestones", automerge::ObjType::Map)?,
            };
            let milestone = tx.put_object(&milestones, name, automerge::ObjType::Map)?;
            tx.put(&milestone, "heads", heads.join(" "))?;
            tx.put(&milestone, "at", now)?;
            tx.put(&milestone, "by", by.as_str())?;
        }
        // `apply_in` routes every other op to its own group.
        _ => {}
    }
    Ok(())
}

/// Vision contributions and their endorsements.
fn apply_vision(tx: &mut Transaction<'_>, op: &Op, now: i64, salt: &str) -> Result<(), EditError> {
    match op {
        Op::AddContribution {
            id,
            text,
            author,
            role,
            position,
        } => {
            let order = order_key(tx, Collection::Contributions, None, None, position, salt)?;
            let value = Contribution {
                text: Text::with_value(text),
                author: author.clone(),
                role: *role,
                order,
                created_at: now,
                theme: None,
                ..Contribution::default()
            };
            insert(tx, Collection::Contributions, id, &value)?;
        }
        Op::EditContribution { id, text } => {
            edit_text(tx, Collection::Contributions, id, "text", text)?;
        }
        Op::Endorse { contribution, by } => {
            let obj = item(tx, Collection::Contributions, contribution)?;
            let endorsements = sub_map(tx, &obj, "endorsements")?;
            tx.put(&endorsements, by.as_str(), now)?;
        }
        Op::WithdrawEndorsement { contribution, by } => {
            let obj = item(tx, Collection::Contributions, contribution)?;
            let endorsements = sub_map(tx, &obj, "endorsements")?;
            tx.delete(&endorsements, by.as_str())?;
        }
        // `apply_in` routes every other op to its own group.
        _ => {}
    }
    Ok(())
}

/// Objectives.
fn apply_objectives(
    tx: &mut Transaction<'_>,
    op: &Op,
    now: i64,
    salt: &str,
) -> Result<(), EditError> {
    match op {
        Op::AddObjective {
            id,
            title,
            position,
        } => {
            let order = order_key(tx, Collection::Objectives, None, None, position, salt)?;
            let value = Objective {
                title: Text::with_value(title),
                order,
                created_at: now,
                ..Objective::default()
            };
            insert(tx, Collection::Objectives, id, &value)?;
        }
        Op::EditObjective { id, edit } => {
            let obj = item(tx, Collection::Objectives, id)?;
            match edit {
                ObjectiveEdit::Title(t) => set_text(tx, &obj, "title", t)?,
                ObjectiveEdit::Description(t) => set_text(tx, &obj, "description", t)?,
                ObjectiveEdit::Indicators(t) => set_text(tx, &obj, "indicators", t)?,
                ObjectiveEdit::Owner(o) => put_str(tx, &obj, "owner", o)?,
                ObjectiveEdit::Horizon(h) => put_str(tx, &obj, "horizon", h.as_str())?,
                ObjectiveEdit::Status(s) => put_str(tx, &obj, "status", s.as_str())?,
            }
        }
        // `apply_in` routes every other op to its own group.
        _ => {}
    }
    Ok(())
}

/// Appreciative-inquiry notes.
fn apply_inquiry(tx: &mut Transaction<'_>, op: &Op, now: i64, salt: &str) -> Result<(), EditError> {
    match op {
        Op::AddNote {
            id,
            phase,
            tag,
            text,
            author,
            position,
        } => {
            let order = order_key(
                tx,
                Collection::Notes,
                Some(phase.as_str()),
                None,
                position,
                salt,
            )?;
            let value = Note {
                text: Text::with_value(text),
                phase: *phase,
                tag: *tag,
                author: author.clone(),
                order,
                created_at: now,
                theme: None,
            };
            insert(tx, Collection::Notes, id, &value)?;
        }
        Op::EditNote { id, text } => edit_text(tx, Collection::Notes, id, "text", text)?,
        Op::SetNoteTag { id, tag } => {
            put_str(tx, &item(tx, Collection::Notes, id)?, "tag", tag.as_str())?;
        }
        Op::MoveNote {
            id,
            phase,
            position,
        } => {
            let obj = item(tx, Collection::Notes, id)?;
            let order = order_key(
                tx,
                Collection::Notes,
                Some(phase.as_str()),
                Some(id),
                position,
                salt,
            )?;
            put_str(tx, &obj, "phase", phase.as_str())?;
            put_str(tx, &obj, "order", &order)?;
        }
        // `apply_in` routes every other op to its own group.
        _ => {}
    }
    Ok(())
}

/// Value-map cards.
fn apply_value_map(
    tx: &mut Transaction<'_>,
    op: &Op,
    now: i64,
    salt: &str,
) -> Result<(), EditError> {
    match op {
        Op::AddCard {
            id,
            cell,
            text,
            position,
        } => {
            let order = order_key(
                tx,
                Collection::Cards,
                Some(cell.as_str()),
                None,
                position,
                salt,
            )?;
            let value = Card {
                text: Text::with_value(text),
                cell: *cell,
                order,
                created_at: now,
            };
            insert(tx, Collection::Cards, id, &value)?;
        }
        Op::EditCard { id, text } => edit_text(tx, Collection::Cards, id, "text", text)?,
        Op::MoveCard { id, cell, position } => {
            let obj = item(tx, Collection::Cards, id)?;
            let order = order_key(
                tx,
                Collection::Cards,
                Some(cell.as_str()),
                Some(id),
                position,
                salt,
            )?;
            put_str(tx, &obj, "cell", cell.as_str())?;
            put_str(tx, &obj, "order", &order)?;
        }
        // `apply_in` routes every other op to its own group.
        _ => {}
    }
    Ok(())
}

/// Value-creation stories and their links to cards.
fn apply_stories(tx: &mut Transaction<'_>, op: &Op, now: i64, salt: &str) -> Result<(), EditError> {
    match op {
        Op::AddStory {
            id,
            title,
            teller,
            position,
        } => {
            let order = order_key(tx, Collection::Stories, None, None, position, salt)?;
            let value = Story {
                title: Text::with_value(title),
                teller: teller.clone(),
                order,
                created_at: now,
                ..Story::default()
            };
            insert(tx, Collection::Stories, id, &value)?;
        }
        Op::EditStory { id, title } => edit_text(tx, Collection::Stories, id, "title", title)?,
        Op::SetStoryCycle { id, cycle, text } => {
            let obj = item(tx, Collection::Stories, id)?;
            let cycles = sub_map(tx, &obj, "cycles")?;
            if text.is_empty() {
                tx.delete(&cycles, cycle.as_str())?;
            } else {
                set_text(tx, &cycles, cycle.as_str(), text)?;
            }
        }
        Op::LinkStory { story, card } => {
            let obj = item(tx, Collection::Stories, story)?;
            item(tx, Collection::Cards, card)?;
            let cards = sub_map(tx, &obj, "cards")?;
            tx.put(&cards, card.as_str(), true)?;
        }
        Op::UnlinkStory { story, card } => {
            let obj = item(tx, Collection::Stories, story)?;
            let cards = sub_map(tx, &obj, "cards")?;
            tx.delete(&cards, card.as_str())?;
        }
        // `apply_in` routes every other op to its own group.
        _ => {}
    }
    Ok(())
}

/// Units and the bridges between them.
fn apply_bridges(tx: &mut Transaction<'_>, op: &Op, now: i64, salt: &str) -> Result<(), EditError> {
    match op {
        Op::AddUnit {
            id,
            name,
            kind,
            position,
        } => {
            let order = order_key(tx, Collection::Units, None, None, position, salt)?;
            let value = Unit {
                name: Text::with_value(name),
                kind: *kind,
                order,
            };
            insert(tx, Collection::Units, id, &value)?;
        }
        Op::EditUnit { id, name } => edit_text(tx, Collection::Units, id, "name", name)?,
        Op::AddBridge { id, from, to, note } => {
            if from == to {
                return Err(EditError::Invalid(
                    "a bridge joins two different units".into(),
                ));
            }
            item(tx, Collection::Units, from)?;
            item(tx, Collection::Units, to)?;
            let value = Bridge {
                from: from.clone(),
                to: to.clone(),
                note: Text::with_value(note),
                created_at: now,
            };
            insert(tx, Collection::Bridges, id, &value)?;
        }
        Op::EditBridge { id, note } => edit_text(tx, Collection::Bridges, id, "note", note)?,
        // `apply_in` routes every other op to its own group.
        _ => {}
    }
    Ok(())
}

/// Members and the devices they edit from.
fn apply_members(tx: &mut Transaction<'_>, op: &Op, now: i64, salt: &str) -> Result<(), EditError> {
    match op {
        Op::AddMember {
            id,
            name,
            role,
            unit,
            position,
        } => {
            if let Some(unit) = unit {
                item(tx, Collection::Units, unit)?;
            }
            let order = order_key(tx, Collection::Members, None, None, position, salt)?;
            let value = Member {
                name: name.clone(),
                role: *role,
                unit: unit.clone(),
                order,
                ..Member::default()
            };
            insert(tx, Collection::Members, id, &value)?;
        }
        Op::EditMember { id, edit } => {
            let obj = item(tx, Collection::Members, id)?;
            match edit {
                MemberEdit::Name(n) => put_str(tx, &obj, "name", n)?,
                MemberEdit::Role(r) => put_str(tx, &obj, "role", r.as_str())?,
                MemberEdit::Unit(Some(unit)) => {
                    item(tx, Collection::Units, unit)?;
                    put_str(tx, &obj, "unit", unit)?;
                }
                MemberEdit::Unit(None) => tx.put(&obj, "unit", ScalarValue::Null)?,
                MemberEdit::Color(Some(color)) => {
                    if crate::charter::parse_rgb(color).is_none() {
                        return Err(EditError::Invalid(format!(
                            "`{color}` is not a colour (#rrggbb)"
                        )));
                    }
                    put_str(tx, &obj, "color", color)?;
                }
                MemberEdit::Color(None) => tx.put(&obj, "color", ScalarValue::Null)?,
            }
        }
        Op::AddDevice {
            member,
            actor,
            label,
        } => {
            if actor.is_empty() || !actor.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(EditError::Invalid(format!(
                    "`{actor}` is not an actor id (hex)"
                )));
            }
            let obj = item(tx, Collection::Members, member)?;
            let devices = sub_map(tx, &obj, "devices")?;
            reconcile_prop(
                tx,
                &devices,
                actor.to_ascii_lowercase().as_str(),
                Device {
                    label: label.clone(),
                    added_at: now,
                },
            )?;
        }
        Op::RemoveDevice { member, actor } => {
            let obj = item(tx, Collection::Members, member)?;
            let devices = sub_map(tx, &obj, "devices")?;
            tx.delete(&devices, actor.to_ascii_lowercase().as_str())?;
        }
        // `apply_in` routes every other op to its own group.
        _ => {}
    }
    Ok(())
}

/// Sync access: invites and admitted or revoked devices.
fn apply_access(tx: &mut Transaction<'_>, op: &Op, now: i64) -> Result<(), EditError> {
    match op {
        Op::OpenInvite {
            secret_hash,
            access,
            created_by,
            expires_at,
            workshop,
        } => {
            // Made now, with the first invite, rather than with the first
            // close: two devices creating the map concurrently would each
            // make their own and one map's records would be lost, and with
            // no close yet, there is nothing in them to lose.
            access_map(tx, "closed")?;
            let invites = access_map(tx, "invites")?;
            let invite = Invite {
                access: *access,
                created_by: created_by.clone(),
                created_at: now,
                expires_at: *expires_at,
                workshop: *workshop,
            };
            reconcile_prop(tx, &invites, secret_hash.as_str(), invite)?;
        }
        Op::CloseInvite { secret_hash } => {
            let invites = access_map(tx, "invites")?;
            if tx.get(&invites, secret_hash.as_str())?.is_none() {
                return Err(EditError::Invalid(format!(
                    "no open invite `{secret_hash}`"
                )));
            }
            // Deleted, so that a Guild that knows nothing of `closed`
            // refuses it too; recorded, so that this one says why.
            tx.delete(&invites, secret_hash.as_str())?;
            let closed = access_map(tx, "closed")?;
            tx.put(&closed, secret_hash.as_str(), now)?;
        }
        Op::AdmitDevice {
            endpoint,
            access,
            label,
            actor,
            admitted_by,
            invite,
        } => {
            if endpoint.is_empty() || endpoint.contains('/') {
                return Err(EditError::Invalid(format!(
                    "`{endpoint}` is not an endpoint id"
                )));
            }
            let devices = access_map(tx, "devices")?;
            let device = DeviceAccess {
                access: *access,
                label: label.clone(),
                actor: actor.clone(),
                admitted_by: admitted_by.clone(),
                admitted_at: now,
                invite: invite.clone(),
            };
            reconcile_prop(tx, &devices, endpoint.as_str(), device)?;
        }
        Op::RevokeDevice { endpoint } => {
            let devices = access_map(tx, "devices")?;
            if tx.get(&devices, endpoint.as_str())?.is_some() {
                tx.delete(&devices, endpoint.as_str())?;
            }
            let revoked = access_map(tx, "revoked")?;
            tx.put(&revoked, endpoint.as_str(), now)?;
        }
        // `apply_in` routes every other op to its own group.
        _ => {}
    }
    Ok(())
}

/// Moves and removals that work on any keyed collection.
fn apply_items(tx: &mut Transaction<'_>, op: &Op, salt: &str) -> Result<(), EditError> {
    match op {
        Op::MoveItem {
            collection,
            id,
            position,
        } => {
            if collection.group_field().is_some() {
                return Err(EditError::Invalid(format!(
                    "move a {} with its own move",
                    collection.noun()
                )));
            }
            let obj = item(tx, *collection, id)?;
            let order = order_key(tx, *collection, None, Some(id), position, salt)?;
            put_str(tx, &obj, "order", &order)?;
        }
        Op::RemoveItem { collection, id } => remove(tx, *collection, id)?,
        // `apply_in` routes every other op to its own group.
        _ => {}
    }
    Ok(())
}

fn put_str(tx: &mut Transaction<'_>, obj: &ObjId, key: &str, value: &str) -> Result<(), EditError> {
    tx.put(obj, key, value)?;
    Ok(())
}

fn edit_text(
    tx: &mut Transaction<'_>,
    collection: Collection,
    id: &str,
    key: &str,
    text: &str,
) -> Result<(), EditError> {
    let obj = item(tx, collection, id)?;
    set_text(tx, &obj, key, text)
}

/// One of the maps of `access` (created with the charter).
fn access_map(tx: &mut Transaction<'_>, key: &str) -> Result<ObjId, EditError> {
    map_at(tx, &["access", key])
}

/// A nested map of an item, created if a peer's older data lacks it.
fn sub_map(tx: &mut Transaction<'_>, obj: &ObjId, key: &str) -> Result<ObjId, EditError> {
    match tx.get(obj, key)? {
        Some((automerge::Value::Object(automerge::ObjType::Map), map)) => Ok(map),
        _ => Ok(tx.put_object(obj, key, automerge::ObjType::Map)?),
    }
}

/// Removes an item and, in the same change, every link that pointed at it.
fn remove(tx: &mut Transaction<'_>, collection: Collection, id: &str) -> Result<(), EditError> {
    item(tx, collection, id)?;
    match collection {
        Collection::Cards => {
            let stories = map_at(tx, Collection::Stories.path())?;
            for story in tx.keys(&stories).collect::<Vec<_>>() {
                let Ok(obj) = item(tx, Collection::Stories, &story) else {
                    continue;
                };
                if let Ok(Some((_, cards))) = tx.get(&obj, "cards")
                    && tx.get(&cards, id)?.is_some()
                {
                    tx.delete(&cards, id)?;
                }
            }
        }
        Collection::Units => {
            let bridges = map_at(tx, Collection::Bridges.path())?;
            for bridge in tx.keys(&bridges).collect::<Vec<_>>() {
                let Ok(obj) = item(tx, Collection::Bridges, &bridge) else {
                    continue;
                };
                let touches = [str_at(tx, &obj, "from"), str_at(tx, &obj, "to")]
                    .iter()
                    .any(|end| end.as_deref() == Some(id));
                if touches {
                    tx.delete(&bridges, bridge.as_str())?;
                }
            }
            let members = map_at(tx, Collection::Members.path())?;
            for member in tx.keys(&members).collect::<Vec<_>>() {
                let Ok(obj) = item(tx, Collection::Members, &member) else {
                    continue;
                };
                if str_at(tx, &obj, "unit").as_deref() == Some(id) {
                    tx.put(&obj, "unit", ScalarValue::Null)?;
                }
            }
        }
        _ => {}
    }
    let coll = map_at(tx, collection.path())?;
    tx.delete(&coll, id)?;
    Ok(())
}
