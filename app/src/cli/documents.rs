//! Whole-charter commands: new, list, show, set, export, import.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use guild_model::{Charter, Op, ProseField, to_html, to_json, to_markdown, to_markdown_with_ids};
use guild_sync::Library;

use super::output::Out;

pub(super) fn parse_field(s: &str) -> Result<ProseField, String> {
    s.parse()
        .map_err(|e: guild_model::UnknownValue| e.to_string())
}

pub(super) fn field_help() -> String {
    let mut help = String::from("The field, named as in the JSON. One of:\n");
    for field in ProseField::ALL {
        let (section, key) = field.path();
        let _ = writeln!(
            help,
            "  {:<15} {} (JSON: {section}.{key})",
            field.name(),
            field.label()
        );
    }
    help
}

pub(super) async fn new(out: &mut Out, library: &Library, title: &str, blank: bool) -> Result<()> {
    if title.trim().is_empty() {
        bail!("a charter needs a title (--title \"Data CoP\")");
    }
    let id = library.create(title, !blank).await?;
    let _ = writeln!(out.stdout, "{id}");
    Ok(())
}

pub(super) async fn list(out: &mut Out, library: &Library) -> Result<()> {
    let ids = library.document_ids()?;
    if ids.is_empty() {
        let _ = writeln!(
            out.stdout,
            "No charters yet. Create one with: guild new --title \"Data CoP\""
        );
        return Ok(());
    }
    let mut rows = Vec::new();
    for id in ids {
        match library.summary(&id).await {
            Ok(summary) => rows.push(summary),
            Err(e) => {
                let _ = writeln!(out.stderr, "guild: {id}: {e}");
            }
        }
    }
    rows.sort_by(|a, b| {
        b.last_change
            .cmp(&a.last_change)
            .then_with(|| a.title.cmp(&b.title))
    });
    let width = rows.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for row in rows {
        let when = row.last_change.map(format_time).unwrap_or_default();
        let _ = writeln!(
            out.stdout,
            "{:<width$}  {:<20}  {}",
            row.id, when, row.title
        );
    }
    Ok(())
}

pub(super) async fn show(
    out: &mut Out,
    library: &Library,
    doc: &str,
    json: bool,
    ids: bool,
    at: Option<&str>,
) -> Result<()> {
    let id = library.resolve(doc)?;
    let charter = match at {
        Some(version) => super::history::charter_at_version(library, &id, version).await?,
        None => library.charter(&id).await?,
    };
    if json {
        let _ = writeln!(out.stdout, "{}", to_json(&charter));
    } else if ids {
        out.stdout.push_str(&to_markdown_with_ids(&charter));
    } else {
        out.stdout.push_str(&to_markdown(&charter));
    }
    Ok(())
}

pub(super) async fn set(
    _out: &mut Out,
    library: &Library,
    doc: &str,
    field: ProseField,
    text: &str,
) -> Result<()> {
    let id = library.resolve(doc)?;
    let text = text.to_owned();
    library.edit(&id, &Op::SetProse { field, text }).await?;
    Ok(())
}

/// The formats `guild export` writes.
#[derive(Debug, Clone, Copy, ValueEnum, serde::Serialize, serde::Deserialize)]
pub(super) enum Format {
    /// Markdown.
    Md,
    /// A self-contained HTML one-pager.
    Html,
    /// The documented JSON shape.
    Json,
    /// The full Automerge document, with history.
    Automerge,
}

#[derive(Debug, Args, serde::Serialize, serde::Deserialize)]
pub(super) struct ExportArgs {
    /// The charter.
    doc: String,
    /// What to write.
    #[arg(long, value_enum, default_value = "md")]
    format: Format,
    /// Where to write it [default: standard output; required for automerge].
    #[arg(short, long, value_name = "FILE")]
    pub(super) output: Option<PathBuf>,
}

pub(super) async fn export(out: &mut Out, library: &Library, args: ExportArgs) -> Result<()> {
    let id = library.resolve(&args.doc)?;
    let bytes = match args.format {
        Format::Automerge => library.document(&id).await?.save(),
        format => {
            let charter: Charter = library.charter(&id).await?;
            match format {
                Format::Md => to_markdown(&charter),
                Format::Html => to_html(&charter),
                _ => to_json(&charter) + "\n",
            }
            .into_bytes()
        }
    };
    match args.output {
        Some(path) => write_file(&path, &bytes),
        None if matches!(args.format, Format::Automerge) => {
            bail!("an .automerge export is binary; give a file with -o FILE")
        }
        None => {
            out.stdout.push_str(&String::from_utf8_lossy(&bytes));
            Ok(())
        }
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

pub(super) async fn import(out: &mut Out, library: &Library, file: &Path) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let id = library
        .import(&bytes)
        .await
        .with_context(|| format!("cannot import {}", file.display()))?;
    let _ = writeln!(out.stdout, "{id}");
    Ok(())
}

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

#[cfg(test)]
mod tests {
    #[test]
    fn times_render_as_utc_dates() {
        assert_eq!(super::format_time(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::format_time(1_795_000_000), "2026-11-18 11:06 UTC");
    }
}
