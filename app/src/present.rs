//! How Guild words and writes things, for the command line and the window
//! alike: times, blame and removal sentences, the library's order, export
//! bytes and the invite's access level. It reads a [`Library`] but never
//! edits one, and knows nothing of clap's commands or egui.

use std::cmp::Ordering;

use anyhow::Result;
use std::collections::BTreeMap;

use guild_model::{
    Access, AccessLevel, Attribution, Charter, Member, RemovedWhileEdited, author_of,
};
use guild_sync::Library;

/// Unix seconds as `YYYY-MM-DD HH:MM UTC` (civil-from-days; no time-zone
/// database needed for a listing).
pub(crate) fn format_time(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (hour, minute) = (rem / 3600, (rem % 3600) / 60);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02} UTC")
}

/// A change's message for people. Undo writes "Undo: <message>" and redo
/// is the undo of the undo, so the prefixes nest; an even number of them
/// is a redo, an odd number an undo: "Undo: Undo: X" reads "Redo: X".
pub(crate) fn change_message(message: &str) -> String {
    let mut rest = message;
    let mut undos = 0_usize;
    while let Some(inner) = rest.strip_prefix("Undo: ") {
        rest = inner;
        undos += 1;
    }
    match undos {
        0 => rest.to_owned(),
        n if n % 2 == 1 => format!("Undo: {rest}"),
        _ => format!("Redo: {rest}"),
    }
}

/// The root keys Guild keeps for itself: no section people know by that
/// name, so a change's list of sections leaves them out.
const INTERNAL_KEYS: [&str; 3] = ["schema_version", "forked_from", "milestones"];

/// The sections a change touched, as people know them (see [`INTERNAL_KEYS`]).
pub(crate) fn shown_sections(sections: Vec<String>) -> Vec<String> {
    sections
        .into_iter()
        .filter(|s| !INTERNAL_KEYS.contains(&s.as_str()))
        .collect()
}

/// One attribution for people. Prose: whose words it is made of and who
/// edited it last; an item: who made it and who changed it last.
pub(crate) fn blame_summary(charter: &Charter, a: &Attribution) -> String {
    let who = |actor: &str| author_of(charter, actor);
    let last = format!(
        "last edited by {} {}",
        who(&a.last_edited.actor),
        format_time(a.last_edited.time)
    );
    let total: usize = a.writers.iter().map(|w| w.chars).sum();
    if total > 0 {
        // One person types from several sessions (actors): add them up.
        let mut by_person: Vec<(String, usize)> = Vec::new();
        for w in &a.writers {
            let name = who(&w.actor);
            match by_person.iter_mut().find(|(n, _)| *n == name) {
                Some((_, chars)) => *chars += w.chars,
                None => by_person.push((name, w.chars)),
            }
        }
        by_person.sort_by_key(|(_, chars)| std::cmp::Reverse(*chars));
        let shares: Vec<String> = by_person
            .iter()
            .map(|(name, chars)| format!("{name} {}%", (chars * 100 + total / 2) / total))
            .collect();
        return format!("written by {}; {last}", shares.join(", "));
    }
    let made = format!(
        "by {} {}",
        who(&a.created.actor),
        format_time(a.created.time)
    );
    if a.last_edited == a.created {
        made
    } else {
        format!("{made}; {last}")
    }
}

/// “Card “X” was removed by Ana (…) while Ben made an edit to it; …”.
pub(crate) fn removal_notice(charter: &Charter, race: &RemovedWhileEdited) -> String {
    let remover = author_of(charter, &race.removed.actor);
    let mut editors: Vec<String> = race
        .lost_edits
        .iter()
        .map(|e| author_of(charter, &e.actor))
        .collect();
    editors.dedup();
    let (edits, verb) = match race.lost_edits.len() {
        1 => ("an edit".to_owned(), "it is"),
        n => (format!("{n} edits"), "they are"),
    };
    format!(
        "{} was removed by {remover} ({}) while {} made {edits} to it; removal wins, so {verb} not in the charter.",
        race.label,
        format_time(race.removed.time),
        editors.join(" and "),
    )
}

/// The library's order, for `guild list` and the window's list: the most
/// recently changed first, then by title.
/// The people (or, for a device no member edits from, the device) a
/// charter is shared with, besides this device `me`: each once, however
/// many devices they have.
pub(crate) fn shared_with(
    access: &Access,
    members: &BTreeMap<String, Member>,
    me: &str,
) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (endpoint, device) in &access.devices {
        if endpoint == me || access.level_of(endpoint).is_none() {
            continue;
        }
        let person = device
            .actor
            .as_deref()
            .and_then(|actor| members.values().find(|m| m.edits_from(actor)));
        let name = person.map_or_else(|| device.label.clone(), |m| m.name.clone());
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// The words of an item a vote is on, whichever kind it is.
pub(crate) fn item_text(charter: &Charter, id: &str) -> String {
    charter.item_words(id).unwrap_or("(removed)").to_owned()
}

pub(crate) fn library_order(a: (Option<i64>, &str), b: (Option<i64>, &str)) -> Ordering {
    b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1))
}

/// The access an invite grants: read-only or read-write.
pub(crate) fn access_of(read_only: bool) -> AccessLevel {
    if read_only {
        AccessLevel::ReadOnly
    } else {
        AccessLevel::ReadWrite
    }
}

/// The formats a charter is exported in (`guild export --format`, the
/// window's Export dialog).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ExportFormat {
    /// Markdown.
    #[value(name = "md")]
    Markdown,
    /// A self-contained HTML one-pager.
    Html,
    /// The documented JSON shape.
    Json,
    /// The full Automerge document, with history.
    Automerge,
    /// A workshop's summary as an HTML page: agenda, notes by phase,
    /// contributions, ranked votes, who took part.
    Workshop,
}

impl ExportFormat {
    /// Every format, in the order the window offers them.
    pub(crate) const ALL: [ExportFormat; 5] = [
        ExportFormat::Html,
        ExportFormat::Workshop,
        ExportFormat::Markdown,
        ExportFormat::Json,
        ExportFormat::Automerge,
    ];

    /// Its name for people.
    pub(crate) fn name(self) -> &'static str {
        match self {
            ExportFormat::Html => "HTML one-pager",
            ExportFormat::Markdown => "Markdown",
            ExportFormat::Json => "JSON",
            ExportFormat::Automerge => "Automerge (full history)",
            ExportFormat::Workshop => "Workshop summary (HTML)",
        }
    }

    /// The file extension, without the dot.
    pub(crate) fn extension(self) -> &'static str {
        match self {
            ExportFormat::Html | ExportFormat::Workshop => "html",
            ExportFormat::Markdown => "md",
            ExportFormat::Json => "json",
            ExportFormat::Automerge => "automerge",
        }
    }
}

/// The bytes of the charter `id` exported as `format`.
pub(crate) async fn export_bytes(
    library: &Library,
    id: &str,
    format: ExportFormat,
) -> Result<Vec<u8>> {
    if format == ExportFormat::Automerge {
        return Ok(library.document(id).await?.save());
    }
    let charter = library.charter(id).await?;
    let text = match format {
        ExportFormat::Markdown => guild_model::to_markdown(&charter),
        ExportFormat::Html => guild_model::to_html(&charter),
        ExportFormat::Workshop => guild_model::to_workshop_html(&charter),
        // A text file ends with a newline; the renderer leaves it off.
        ExportFormat::Json | ExportFormat::Automerge => guild_model::to_json(&charter) + "\n",
    };
    Ok(text.into_bytes())
}

/// An invite's duration as people type it: a number and a unit (`s`, `m`,
/// `h`, `d`, `w`), several in a row (`1h30m`). For `guild share --expires`.
pub(crate) fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let bad = || format!("`{text}` is not a duration (say 30m, 2h, 1h30m, 7d)");
    let mut secs: u64 = 0;
    let mut number = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit: u64 = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return Err(bad()),
        };
        let n: u64 = number.parse().map_err(|_| bad())?;
        number.clear();
        secs = n
            .checked_mul(unit)
            .and_then(|s| secs.checked_add(s))
            .ok_or_else(bad)?;
    }
    if !number.is_empty() || secs == 0 {
        return Err(bad());
    }
    Ok(std::time::Duration::from_secs(secs))
}

/// When an invite stops admitting, for people: "never expires",
/// "expires in 1 h 59 min (2026-11-29 22:28 UTC)", "expired".
pub(crate) fn expiry_words(expires_at: Option<i64>, now: i64) -> String {
    let Some(at) = expires_at else {
        return "never expires".into();
    };
    let left = at - now;
    if left <= 0 {
        return "expired".into();
    }
    let span = duration_words(std::time::Duration::from_secs(left.unsigned_abs()));
    format!("expires in {span} ({})", format_time(at))
}

/// A span for people: "2 d 3 h", "1 h 59 min", "10 min", "under a minute".
pub(crate) fn duration_words(span: std::time::Duration) -> String {
    let left = span.as_secs();
    let (days, hours, minutes) = (left / 86_400, (left % 86_400) / 3600, (left % 3600) / 60);
    if days > 0 {
        format!("{days} d {hours} h")
    } else if hours > 0 {
        format!("{hours} h {minutes} min")
    } else if minutes > 0 {
        format!("{minutes} min")
    } else {
        "under a minute".into()
    }
}

/// One open invite, as `guild invites` and the Share dialog list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InviteRow {
    /// The SHA-256 of its secret (what `guild invites close` takes).
    pub(crate) hash: String,
    pub(crate) access: AccessLevel,
    /// The device that made it, by label ("this device" for this one).
    pub(crate) made_by: String,
    pub(crate) expiry: String,
    pub(crate) joined: usize,
    pub(crate) workshop: bool,
}

/// The invites of `access` still open at `now`, oldest first; `me` is this
/// device's endpoint id.
pub(crate) fn open_invites(access: &Access, me: &str, now: i64) -> Vec<InviteRow> {
    let mut rows: Vec<(i64, InviteRow)> = access
        .open_invites(now)
        .map(|(hash, invite)| {
            let made_by = if invite.created_by == me {
                "this device".to_owned()
            } else {
                access
                    .devices
                    .get(&invite.created_by)
                    .map(|d| d.label.clone())
                    .filter(|l| !l.is_empty())
                    .unwrap_or_else(|| invite.created_by.chars().take(12).collect())
            };
            let row = InviteRow {
                hash: hash.clone(),
                access: invite.access,
                made_by,
                expiry: expiry_words(invite.expires_at, now),
                joined: access.joined_with(hash),
                workshop: invite.workshop,
            };
            (invite.created_at, row)
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.hash.cmp(&b.1.hash)));
    rows.into_iter().map(|(_, row)| row).collect()
}

/// Seconds since the epoch, for what is shown now (an invite's expiry,
/// the agenda's countdown).
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    #[test]
    fn durations_parse_and_nonsense_is_refused() {
        use super::parse_duration;
        use std::time::Duration;
        assert_eq!(parse_duration("2h"), Ok(Duration::from_hours(2)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_mins(90)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_hours(168)));
        for bad in ["", "0h", "2", "h", "2x", "-1h", "99999999999999999999w"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains("is not a duration"), "{bad}: {err}");
        }
    }

    #[test]
    fn expiry_reads_as_time_left() {
        use super::expiry_words;
        assert_eq!(expiry_words(None, 0), "never expires");
        assert_eq!(expiry_words(Some(100), 100), "expired");
        assert_eq!(
            expiry_words(Some(7200 + 60), 0),
            "expires in 2 h 1 min (1970-01-01 02:01 UTC)"
        );
    }

    #[test]
    fn times_render_as_utc_dates() {
        assert_eq!(super::format_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::format_time(1_795_000_000), "2026-11-18 11:06 UTC");
    }

    #[test]
    fn nested_undos_read_as_one_undo_or_redo() {
        use super::change_message;
        assert_eq!(change_message("Remove bridge"), "Remove bridge");
        assert_eq!(change_message("Undo: Remove bridge"), "Undo: Remove bridge");
        assert_eq!(
            change_message("Undo: Undo: Remove bridge"),
            "Redo: Remove bridge"
        );
        assert_eq!(
            change_message("Undo: Undo: Undo: Remove bridge"),
            "Undo: Remove bridge"
        );
    }

    #[test]
    fn the_library_lists_the_latest_change_first_then_by_title() {
        let mut rows = [(None, "b"), (Some(1), "z"), (Some(2), "y"), (Some(1), "a")];
        rows.sort_by(|a, b| super::library_order(*a, *b));
        assert_eq!(
            rows,
            [(Some(2), "y"), (Some(1), "a"), (Some(1), "z"), (None, "b")]
        );
    }
}
