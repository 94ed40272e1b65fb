//! Whole-charter commands: new, list, show, set, export, import.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Args;
use guild_model::{Op, ProseField, to_json, to_markdown, to_markdown_with_ids};
use guild_sync::Library;

use super::output::Out;
use crate::present::{ExportFormat, export_bytes, format_time, library_order};

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
    rows.sort_by(|a, b| library_order((a.last_change, &a.title), (b.last_change, &b.title)));
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
    out: &mut Out,
    library: &Library,
    doc: &str,
    field: ProseField,
    text: &str,
) -> Result<()> {
    let id = library.resolve(doc)?;
    let text = text.to_owned();
    let change = library.edit(&id, &Op::SetProse { field, text }).await?;
    out.made(&id, change);
    Ok(())
}

#[derive(Debug, Args)]
pub(super) struct ExportArgs {
    /// The charter.
    doc: String,
    /// What to write.
    #[arg(long, value_enum, default_value = "md")]
    format: ExportFormat,
    /// Where to write it [default: standard output; required for automerge].
    #[arg(short, long, value_name = "FILE")]
    pub(super) output: Option<PathBuf>,
}

pub(super) async fn export(out: &mut Out, library: &Library, args: ExportArgs) -> Result<()> {
    let id = library.resolve(&args.doc)?;
    if args.output.is_none() && args.format == ExportFormat::Automerge {
        bail!("an .automerge export is binary; give a file with -o FILE");
    }
    let bytes = export_bytes(library, &id, args.format).await?;
    if let Some(path) = args.output {
        return std::fs::write(&path, bytes)
            .with_context(|| format!("cannot write {}", path.display()));
    }
    out.stdout.push_str(&String::from_utf8_lossy(&bytes));
    Ok(())
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
