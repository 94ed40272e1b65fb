//! Applying the workshop's ops (agenda, countdown, dot votes) under the
//! charter's `workshop` map, which the first such op creates.

use automerge::transaction::{Transactable, Transaction};
use automerge::{ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};
use autosurgeon::reconcile_prop;

use super::doc::{exists, item, map_at, str_at};
use super::{Collection, EditError, Op};
use crate::order::key_between;
use crate::workshop::{Brainstorm, Lead, MAX_DOTS, Running, Step, Theme, VOTABLE, Vote};

/// The longest agenda step, in minutes (a day).
const MAX_MINUTES: u32 = 24 * 60;

pub(super) fn apply_workshop(
    tx: &mut Transaction<'_>,
    op: &Op,
    now: i64,
    salt: &str,
    actor: &str,
) -> Result<(), EditError> {
    let workshop = map_in(tx, &ROOT, "workshop")?;
    match op {
        Op::AddStep { id, title, minutes } => add_step(tx, &workshop, id, title, *minutes, salt)?,
        Op::RemoveStep { id } => {
            let steps = map_in(tx, &workshop, "steps")?;
            found(tx, &steps, id, "step")?;
            tx.delete(&steps, id.as_str())?;
            if running_step(tx, &workshop).as_deref() == Some(id.as_str()) {
                tx.put(&workshop, "running", ScalarValue::Null)?;
            }
        }
        Op::StartStep { id } => {
            let steps = map_in(tx, &workshop, "steps")?;
            found(tx, &steps, id, "step")?;
            let running = Running {
                step: id.clone(),
                started_at: now,
                clock: actor.to_owned(),
            };
            reconcile_prop(tx, &workshop, "running", &running)?;
        }
        Op::StopStep => tx.put(&workshop, "running", ScalarValue::Null)?,
        Op::OpenVote {
            id,
            title,
            items,
            dots,
        } => open_vote(tx, &workshop, id, title, items, *dots, now)?,
        Op::CloseVote { id } => {
            let vote = vote_map(tx, &workshop, id)?;
            if str_at(tx, &vote, "closed_at").is_none() && !closed(tx, &vote) {
                tx.put(&vote, "closed_at", now)?;
            }
        }
        Op::PlaceDot { vote, member, item } => place_dot(tx, &workshop, vote, member, item)?,
        Op::TakeDot { vote, member, slot } => {
            let obj = vote_map(tx, &workshop, vote)?;
            open_for_dots(tx, &obj)?;
            let ballots = map_in(tx, &obj, "ballots")?;
            let ballot = map_in(tx, &ballots, member)?;
            let key = slot.to_string();
            if tx.get(&ballot, key.as_str())?.is_none() {
                return Err(EditError::Invalid(format!("no dot in slot {slot}")));
            }
            tx.delete(&ballot, key.as_str())?;
        }
        Op::StartBrainstorm => {
            let brainstorm = Brainstorm {
                started_at: now,
                revealed_at: None,
            };
            reconcile_prop(tx, &workshop, "brainstorm", &brainstorm)?;
        }
        Op::Reveal => match tx.get(&workshop, "brainstorm")? {
            Some((Value::Object(ObjType::Map), brainstorm)) => {
                tx.put(&brainstorm, "revealed_at", now)?;
            }
            _ => {
                return Err(EditError::Invalid(
                    "no silent brainstorm to reveal: start one first".into(),
                ));
            }
        },
        Op::Lead { endpoint, name } => {
            if endpoint.is_empty() || endpoint.len() > 128 {
                return Err(EditError::Invalid("a lead needs a device to follow".into()));
            }
            let lead = Lead {
                endpoint: endpoint.clone(),
                name: name.chars().take(64).collect(),
                since: now,
            };
            reconcile_prop(tx, &workshop, "lead", &lead)?;
        }
        Op::StopLeading => tx.put(&workshop, "lead", ScalarValue::Null)?,
        Op::AddTheme { .. } | Op::SetTheme { .. } | Op::RemoveTheme { .. } => {
            apply_themes(tx, &workshop, op, now)?;
        }
        _ => {
            return Err(EditError::Invalid(
                "not a workshop edit (routed here by mistake)".into(),
            ));
        }
    }
    Ok(())
}

/// A step at the end of the agenda.
fn add_step(
    tx: &mut Transaction<'_>,
    workshop: &ObjId,
    id: &str,
    title: &str,
    minutes: u32,
    salt: &str,
) -> Result<(), EditError> {
    check_id(id)?;
    if title.trim().is_empty() {
        return Err(EditError::Invalid("a step needs a title".into()));
    }
    if minutes == 0 || minutes > MAX_MINUTES {
        return Err(EditError::Invalid(format!(
            "a step lasts 1 to {MAX_MINUTES} minutes, not {minutes}"
        )));
    }
    let steps = map_in(tx, workshop, "steps")?;
    if tx.get(&steps, id)?.is_some() {
        return Err(EditError::DuplicateId {
            noun: "step",
            id: id.to_owned(),
        });
    }
    let last = tx
        .keys(&steps)
        .filter_map(|step| {
            let (_, obj) = tx.get(&steps, step.as_str()).ok()??;
            str_at(tx, &obj, "order")
        })
        .max();
    let step = Step {
        title: title.trim().to_owned(),
        minutes,
        order: key_between(last.as_deref(), None, salt),
    };
    reconcile_prop(tx, &steps, id, &step)?;
    Ok(())
}

/// Themes, and grouping notes and contributions under them.
fn apply_themes(
    tx: &mut Transaction<'_>,
    workshop: &ObjId,
    op: &Op,
    now: i64,
) -> Result<(), EditError> {
    match op {
        Op::AddTheme { id, name } => {
            check_id(id)?;
            let name = name.trim();
            if name.is_empty() {
                return Err(EditError::Invalid("a theme needs a name".into()));
            }
            let themes = map_in(tx, workshop, "themes")?;
            if tx.get(&themes, id.as_str())?.is_some() {
                return Err(EditError::DuplicateId {
                    noun: "theme",
                    id: id.clone(),
                });
            }
            let theme = Theme {
                name: name.chars().take(80).collect(),
                created_at: now,
            };
            reconcile_prop(tx, &themes, id.as_str(), &theme)?;
        }
        Op::SetTheme {
            collection,
            id,
            theme,
        } => {
            if !matches!(collection, Collection::Notes | Collection::Contributions) {
                return Err(EditError::Invalid(format!(
                    "only inquiry notes and vision contributions are grouped into themes, not {}s",
                    collection.noun()
                )));
            }
            let obj = item(tx, *collection, id)?;
            match theme {
                Some(theme) => {
                    let themes = map_in(tx, workshop, "themes")?;
                    found(tx, &themes, theme, "theme")?;
                    tx.put(&obj, "theme", theme.as_str())?;
                }
                None => tx.put(&obj, "theme", ScalarValue::Null)?,
            }
        }
        Op::RemoveTheme { id } => {
            let themes = map_in(tx, workshop, "themes")?;
            found(tx, &themes, id, "theme")?;
            tx.delete(&themes, id.as_str())?;
            // What was grouped under it stays, ungrouped, in the same change.
            for collection in [Collection::Notes, Collection::Contributions] {
                let items = map_at(tx, collection.path())?;
                for key in tx.keys(&items).collect::<Vec<_>>() {
                    let Ok(obj) = item(tx, collection, &key) else {
                        continue;
                    };
                    if str_at(tx, &obj, "theme").as_deref() == Some(id.as_str()) {
                        tx.put(&obj, "theme", ScalarValue::Null)?;
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

fn open_vote(
    tx: &mut Transaction<'_>,
    workshop: &ObjId,
    id: &str,
    title: &str,
    items: &[String],
    dots: u8,
    now: i64,
) -> Result<(), EditError> {
    check_id(id)?;
    if title.trim().is_empty() {
        return Err(EditError::Invalid("a vote needs a question".into()));
    }
    if dots == 0 || dots > MAX_DOTS {
        return Err(EditError::Invalid(format!(
            "each person gets 1 to {MAX_DOTS} dots, not {dots}"
        )));
    }
    if items.len() < 2 {
        return Err(EditError::Invalid(
            "a vote needs at least two items to choose from".into(),
        ));
    }
    let mut offered: Vec<String> = Vec::new();
    for item in items {
        let known = VOTABLE
            .into_iter()
            .any(|c| exists(tx, c, item).unwrap_or(false));
        if !known {
            return Err(EditError::NotFound {
                noun: "item to vote on",
                id: item.clone(),
            });
        }
        if !offered.contains(item) {
            offered.push(item.clone());
        }
    }
    let votes = map_in(tx, workshop, "votes")?;
    if tx.get(&votes, id)?.is_some() {
        return Err(EditError::DuplicateId {
            noun: "vote",
            id: id.to_owned(),
        });
    }
    let vote = Vote {
        title: title.trim().to_owned(),
        items: offered,
        dots,
        opened_at: now,
        ..Vote::default()
    };
    reconcile_prop(tx, &votes, id, &vote)?;
    Ok(())
}

fn place_dot(
    tx: &mut Transaction<'_>,
    workshop: &ObjId,
    vote: &str,
    member: &str,
    item: &str,
) -> Result<(), EditError> {
    let obj = vote_map(tx, workshop, vote)?;
    open_for_dots(tx, &obj)?;
    if !exists(tx, Collection::Members, member)? {
        return Err(EditError::NotFound {
            noun: "member",
            id: member.to_owned(),
        });
    }
    let votes = map_in(tx, workshop, "votes")?;
    let current: Vote = autosurgeon::hydrate_prop(tx, &votes, vote)
        .map_err(|e| EditError::Malformed(format!("vote `{vote}`: {e}")))?;
    if !current.items.iter().any(|i| i == item) {
        return Err(EditError::Invalid(format!(
            "`{item}` is not one of this vote's items"
        )));
    }
    let Some(slot) = current.free_slot(member) else {
        return Err(EditError::Invalid(format!(
            "all {} dots are placed: take one back first",
            current.dots
        )));
    };
    let ballots = map_in(tx, &obj, "ballots")?;
    let ballot = map_in(tx, &ballots, member)?;
    tx.put(&ballot, slot.to_string(), item)?;
    Ok(())
}

/// The map at `obj[key]`, made if absent (the first workshop op of a
/// charter, or a peer's older data).
fn map_in(tx: &mut Transaction<'_>, obj: &ObjId, key: &str) -> Result<ObjId, EditError> {
    match tx.get(obj, key)? {
        Some((Value::Object(ObjType::Map), map)) => Ok(map),
        _ => Ok(tx.put_object(obj, key, ObjType::Map)?),
    }
}

fn vote_map(tx: &mut Transaction<'_>, workshop: &ObjId, id: &str) -> Result<ObjId, EditError> {
    let votes = map_in(tx, workshop, "votes")?;
    found(tx, &votes, id, "vote")
}

fn found(
    tx: &Transaction<'_>,
    map: &ObjId,
    id: &str,
    noun: &'static str,
) -> Result<ObjId, EditError> {
    match tx.get(map, id)? {
        Some((Value::Object(ObjType::Map), obj)) => Ok(obj),
        _ => Err(EditError::NotFound {
            noun,
            id: id.to_owned(),
        }),
    }
}

fn closed(tx: &Transaction<'_>, vote: &ObjId) -> bool {
    matches!(tx.get(vote, "closed_at"), Ok(Some((Value::Scalar(v), _))) if !v.is_null())
}

fn open_for_dots(tx: &Transaction<'_>, vote: &ObjId) -> Result<(), EditError> {
    if closed(tx, vote) {
        return Err(EditError::Invalid("this vote is closed".into()));
    }
    Ok(())
}

fn running_step(tx: &Transaction<'_>, workshop: &ObjId) -> Option<String> {
    match tx.get(workshop, "running").ok()?? {
        (Value::Object(ObjType::Map), running) => str_at(tx, &running, "step"),
        _ => None,
    }
}

fn check_id(id: &str) -> Result<(), EditError> {
    if id.is_empty()
        || id.len() > 64
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(EditError::Invalid(format!("`{id}` is not a valid id")));
    }
    Ok(())
}
