//! History commands: `history`, `diff`, `blame`, `restore`, `fork`, `merge`, and the
//! `--at VERSION` of `show`. A VERSION is a change-hash prefix that
//! `guild history` prints.

use std::fmt::Write as _;

use anyhow::Result;
use automerge::ChangeHash;
use guild_model::{
    Change, Charter, Difference, author_of, charter_at, diff_charters, history, resolve_version,
};
use guild_sync::Library;

use super::output::Out;
use crate::present::{blame_summary, change_message, format_time, shown_sections};

/// The heads a VERSION names in the charter `id`.
pub(super) async fn version(library: &Library, id: &str, query: &str) -> Result<Vec<ChangeHash>> {
    let doc = library.document(id).await?;
    Ok(resolve_version(&doc, query)?)
}

/// The charter as it was at VERSION.
pub(super) async fn charter_at_version(
    library: &Library,
    id: &str,
    query: &str,
) -> Result<Charter> {
    let doc = library.document(id).await?;
    let heads = resolve_version(&doc, query)?;
    Ok(charter_at(&doc, &heads)?)
}

pub(super) async fn list(
    out: &mut Out,
    library: &Library,
    doc: &str,
    limit: usize,
    json: bool,
) -> Result<()> {
    let id = library.resolve(doc)?;
    let document = library.document(&id).await?;
    let charter = library.charter(&id).await?;
    let entries = history(&document, limit);
    if json {
        let rows: Vec<serde_json::Value> = entries
            .iter()
            .map(|e| {
                serde_json::json!({
                    "hash": e.hash.to_string(),
                    "author": author_of(&charter, &e.actor),
                    "actor": e.actor,
                    "time": e.time,
                    "message": e.message,
                    "sections": e.sections,
                })
            })
            .collect();
        let _ = writeln!(out.stdout, "{}", serde_json::Value::Array(rows));
        return Ok(());
    }
    for entry in &entries {
        let hash = entry.hash.to_string();
        for (name, _) in charter
            .milestones
            .iter()
            .filter(|(_, m)| m.heads.split_whitespace().any(|h| h == hash))
        {
            let _ = writeln!(out.stdout, "◆ {name}");
        }
        let _ = writeln!(
            out.stdout,
            "{}  {}  {:<16}  {}{}",
            &hash[..12],
            format_time(entry.time),
            author_of(&charter, &entry.actor),
            change_message(&entry.message),
            match shown_sections(entry.sections.clone()) {
                shown if shown.is_empty() => String::new(),
                shown => format!("  [{}]", shown.join(", ")),
            }
        );
    }
    Ok(())
}

fn describe(out: &mut Out, differences: &[Difference]) {
    for d in differences {
        let sign = match d.change {
            Change::Added => '+',
            Change::Removed => '-',
            Change::Edited => '~',
        };
        let shown = |v: &Option<serde_json::Value>| match v {
            Some(serde_json::Value::String(s)) => format!("{s:?}"),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        // A whole item's JSON is noise on a terminal: its label names it,
        // and `--json` has the contents.
        let is_item = matches!(
            (&d.before, &d.after),
            (Some(serde_json::Value::Object(_)), _) | (_, Some(serde_json::Value::Object(_)))
        );
        let _ = match d.change {
            _ if is_item => writeln!(out.stdout, "{sign} {} ({})", d.label, d.path),
            Change::Added => writeln!(
                out.stdout,
                "{sign} {} ({})  {}",
                d.label,
                d.path,
                shown(&d.after)
            ),
            Change::Removed => writeln!(
                out.stdout,
                "{sign} {} ({})  {}",
                d.label,
                d.path,
                shown(&d.before)
            ),
            Change::Edited => writeln!(
                out.stdout,
                "{sign} {} ({})  {} → {}",
                d.label,
                d.path,
                shown(&d.before),
                shown(&d.after)
            ),
        };
    }
}

/// `guild blame DOC`: for each prose field and item, who wrote it and when,
/// who changed it last, whose words the prose is; then the items removed
/// while someone was editing them.
pub(super) async fn blame(out: &mut Out, library: &Library, doc: &str, json: bool) -> Result<()> {
    let id = library.resolve(doc)?;
    let document = library.document(&id).await?;
    let charter = library.charter(&id).await?;
    let blame = guild_model::blame(&document);
    if json {
        let _ = writeln!(out.stdout, "{}", serde_json::to_string(&blame)?);
        return Ok(());
    }
    let who = |actor: &str| author_of(&charter, actor);
    for a in blame.fields.iter().chain(&blame.items) {
        let _ = writeln!(
            out.stdout,
            "{}  {}  [{}]",
            a.label,
            blame_summary(&charter, a),
            a.path
        );
    }
    for race in &blame.removed_while_edited {
        let lost: Vec<String> = race
            .lost_edits
            .iter()
            .map(|e| {
                format!(
                    "{} {} ({})",
                    who(&e.actor),
                    format_time(e.time),
                    &e.hash.to_string()[..12]
                )
            })
            .collect();
        let _ = writeln!(
            out.stdout,
            "! {} was removed by {} {} while being edited; lost: {}",
            race.label,
            who(&race.removed.actor),
            format_time(race.removed.time),
            lost.join(", ")
        );
    }
    Ok(())
}

/// `guild diff DOC A [B]`: from version A to version B (default: now).
pub(super) async fn diff(
    out: &mut Out,
    library: &Library,
    doc: &str,
    from: &str,
    to: Option<&str>,
    json: bool,
) -> Result<()> {
    let id = library.resolve(doc)?;
    let old = charter_at_version(library, &id, from).await?;
    let new = match to {
        Some(to) => charter_at_version(library, &id, to).await?,
        None => library.charter(&id).await?,
    };
    let differences = diff_charters(&old, &new);
    if json {
        let _ = writeln!(out.stdout, "{}", serde_json::to_string(&differences)?);
    } else if differences.is_empty() {
        let _ = writeln!(out.stderr, "no differences");
    } else {
        describe(out, &differences);
    }
    Ok(())
}

/// `guild milestone DOC NAME [--at VERSION]`.
pub(super) async fn milestone(
    out: &mut Out,
    library: &Library,
    doc: &str,
    name: &str,
    at: Option<&str>,
) -> Result<()> {
    let id = library.resolve(doc)?;
    let heads = match at {
        Some(at) => version(library, &id, at).await?,
        None => library.document(&id).await?.get_heads(),
    };
    let op = guild_model::Op::MarkMilestone {
        name: name.to_owned(),
        heads: heads.iter().map(ToString::to_string).collect(),
        by: library.label(),
    };
    let change = library.edit(&id, &op).await?;
    out.made(&id, change);
    let _ = writeln!(
        out.stderr,
        "milestone “{name}” marks {}",
        heads
            .first()
            .map(|h| h.to_string()[..12].to_owned())
            .unwrap_or_default()
    );
    Ok(())
}

/// `guild restore DOC VERSION`.
pub(super) async fn restore(out: &mut Out, library: &Library, doc: &str, at: &str) -> Result<()> {
    let id = library.resolve(doc)?;
    let heads = version(library, &id, at).await?;
    match library.restore(&id, &heads).await? {
        Some(hash) => {
            out.made(&id, Some(hash));
            let _ = writeln!(
                out.stderr,
                "restored {at} as change {}",
                &hash.to_string()[..12]
            );
        }
        None => {
            let _ = writeln!(out.stderr, "the charter already reads as at {at}");
        }
    }
    Ok(())
}

/// `guild fork DOC`: prints the personal copy's id.
pub(super) async fn fork(out: &mut Out, library: &Library, doc: &str) -> Result<()> {
    let id = library.resolve(doc)?;
    let copy = library.fork(&id).await?;
    let _ = writeln!(out.stdout, "{copy}");
    Ok(())
}

/// `guild merge FROM INTO [--only PATH …]`, or `--dry-run` to list what
/// the copy would bring.
pub(super) async fn merge(
    out: &mut Out,
    library: &Library,
    from: &str,
    into: &str,
    only: &[String],
    dry_run: bool,
) -> Result<()> {
    let (from, into) = (library.resolve(from)?, library.resolve(into)?);
    let differences = if dry_run {
        library.proposals(&from, &into).await?
    } else {
        library.merge_from(&from, &into, only).await?
    };
    if differences.is_empty() {
        let _ = writeln!(out.stderr, "the copy changed nothing since it was made");
    }
    describe(out, &differences);
    Ok(())
}
