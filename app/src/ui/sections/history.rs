//! The charter's history: the fields two people set at once (settled with
//! one click), a timeline of changes grouped into sessions (one person, no
//! long pause), an old version read-only beside what changed since, and the
//! actions on it: restore it, name it as a milestone, or make a personal
//! copy to think in.

use egui::{Color32, RichText};
use guild_model::{Change, Op};

use super::{SectionCtx, button};
use crate::present::format_time;
use crate::ui::commands::UiCommand;
use crate::ui::section::Section;
use crate::ui::view_model::{HistoryRow, HistoryView, VersionView};

/// A pause longer than this starts a new session.
const SESSION_GAP_SECS: i64 = 30 * 60;

pub(crate) fn show(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>) {
    let doc = ctx.open.view.id.clone();
    let current = ctx
        .history
        .filter(|h| h.doc == doc && h.heads == ctx.open.view.heads);
    let requested = ctx.state.drafts.get("history.requested").cloned();
    let wanted = format!("{doc}@{:?}", ctx.open.view.heads);
    if current.is_none() && requested.as_deref() != Some(wanted.as_str()) {
        ctx.state.drafts.insert("history.requested".into(), wanted);
        (ctx.send)(UiCommand::LoadHistory { doc: doc.clone() });
    }
    ui.horizontal(|ui| {
        if button(ui, "Make a personal copy", "Make a personal copy").clicked() {
            (ctx.send)(UiCommand::Fork { doc: doc.clone() });
        }
        ui.label(
            RichText::new("A copy with the whole history, shared with no one until you share it.")
                .weak(),
        );
    });
    propose_back(ui, ctx);
    conflicts(ui, ctx);
    ui.add_space(6.0);
    let Some(history) = ctx.history.filter(|h| h.doc == doc) else {
        ui.spinner();
        return;
    };
    if let Some(version) = history
        .version
        .as_ref()
        .filter(|v| ctx.state.reading_version.as_deref() == Some(v.hash.as_str()))
    {
        read_in_full(ui, ctx, version);
        return;
    }
    removed_while_edited(ui, ctx, history);
    ui.columns(2, |columns| {
        timeline(&mut columns[0], ctx, history);
        match &history.version {
            Some(version) => version_panel(&mut columns[1], ctx, version),
            None => {
                columns[1].label(
                    RichText::new("Choose a change to see the charter as it was then.").weak(),
                );
            }
        }
    });
    ui.add_space(8.0);
    who_wrote_what(ui, history);
}

/// Items one person removed while another was still editing them: removal
/// wins, so those edits are gone from the charter; say so, and offer the
/// version that still has them.
fn removed_while_edited(ui: &mut egui::Ui, ctx: &SectionCtx<'_>, history: &HistoryView) {
    let races = &history.blame.removed_while_edited;
    if races.is_empty() {
        return;
    }
    ui.add_space(6.0);
    ui.label(
        RichText::new("Removed while someone was editing")
            .strong()
            .color(Color32::from_rgb(190, 50, 40)),
    );
    for (race, (notice, label)) in races.iter().zip(&history.removal_notices) {
        ui.horizontal_wrapped(|ui| {
            ui.label(notice);
            if let Some(last) = race.lost_edits.last() {
                let label = format!("See the lost edit to {label}");
                if button(ui, "See the lost edit", &label).clicked() {
                    (ctx.send)(UiCommand::ViewVersion {
                        doc: history.doc.clone(),
                        hash: last.hash.to_string(),
                    });
                }
            }
        });
    }
}

/// Blame: for each prose field and item, who wrote it and when, who
/// changed it last, and whose words the prose is made of.
fn who_wrote_what(ui: &mut egui::Ui, history: &HistoryView) {
    egui::CollapsingHeader::new(RichText::new("Who wrote what").strong().size(16.0))
        .default_open(true)
        .show(ui, |ui| {
            egui::Grid::new("blame")
                .num_columns(2)
                .striped(true)
                .spacing([16.0, 4.0])
                .show(ui, |ui| {
                    for (label, summary) in &history.blame_rows {
                        ui.label(label);
                        ui.label(summary);
                        ui.end_row();
                    }
                });
        });
}

/// For a personal copy: what it changed since it was made, each with a box
/// to tick, and a button that merges the ticked ones into the community's
/// charter (only those items travel; the copy's history stays private).
fn propose_back(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>) {
    let Some(origin) = ctx.open.view.charter.forked_from.clone() else {
        return;
    };
    let from = ctx.open.view.id.clone();
    let title = ctx
        .library
        .iter()
        .find(|e| e.id == origin)
        .map_or_else(|| "the community's charter".to_owned(), |e| e.title.clone());
    ui.add_space(6.0);
    ui.label(
        RichText::new(format!("This is your personal copy of “{title}”."))
            .strong()
            .color(Color32::from_rgb(52, 101, 164)),
    );
    let loaded = ctx.proposals.filter(|p| p.from == from && p.into == origin);
    let Some(proposals) = loaded else {
        if button(ui, "Propose back…", "Propose back").clicked() {
            (ctx.send)(UiCommand::LoadProposals { from, into: origin });
        }
        return;
    };
    if proposals.differences.is_empty() {
        ui.label(RichText::new("The copy has changed nothing since it was made.").weak());
        return;
    }
    let mut chosen = Vec::new();
    for difference in &proposals.differences {
        let key = format!("propose.{}", difference.path);
        let sign = match difference.change {
            Change::Added => "+",
            Change::Removed => "−",
            Change::Edited => "~",
        };
        let checked = ctx.state.flags.entry(key).or_insert(true);
        ui.checkbox(checked, format!("{sign} {}", difference.label))
            .on_hover_text(&difference.path);
        if *checked {
            chosen.push(difference.path.clone());
        }
    }
    let label = format!("Merge {} chosen into “{title}”", chosen.len());
    if !chosen.is_empty() && button(ui, label.as_str(), "Merge chosen").clicked() {
        (ctx.send)(UiCommand::MergeBack {
            from,
            into: origin,
            paths: chosen,
        });
    }
}

/// Fields two people set at once: both values with their authors, and a
/// button to keep each (which settles it for everyone).
fn conflicts(ui: &mut egui::Ui, ctx: &SectionCtx<'_>) {
    let view = &ctx.open.view;
    if view.conflicts.is_empty() {
        return;
    }
    ui.add_space(6.0);
    ui.label(
        RichText::new("Conflicts: two people set these at once")
            .strong()
            .color(Color32::from_rgb(214, 140, 30)),
    );
    for conflict in &view.conflicts {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(&conflict.label).strong())
                .on_hover_text(&conflict.path);
            for value in &conflict.values {
                let author = guild_model::author_of(&view.charter, &value.actor);
                let label = format!("Keep “{}” ({author}) for {}", value.value, conflict.label);
                let face = format!("Keep “{}” · {author}", value.value);
                if !ctx.read_only() && button(ui, face, &label).clicked() {
                    (ctx.send)(UiCommand::ResolveConflict {
                        doc: view.id.clone(),
                        path: conflict.path.clone(),
                        choice: value.value.clone(),
                    });
                }
            }
        });
    }
}

fn timeline(ui: &mut egui::Ui, ctx: &SectionCtx<'_>, history: &HistoryView) {
    ui.label(RichText::new("Timeline").strong().size(16.0));
    let mut previous: Option<&HistoryRow> = None;
    for row in &history.rows {
        let new_session = previous
            .is_none_or(|p| p.author != row.author || (p.time - row.time).abs() > SESSION_GAP_SECS);
        if new_session {
            ui.add_space(6.0);
            ui.horizontal(|ui| {
                if let Some(rgb) = row.color {
                    crate::ui::shell::dot(ui, crate::ui::shell::color(rgb));
                }
                ui.label(
                    RichText::new(format!("{} · {}", row.author, format_time(row.time)))
                        .strong()
                        .color(Color32::from_rgb(52, 101, 164)),
                );
            });
        }
        for milestone in &row.milestones {
            ui.label(RichText::new(format!("Milestone: {milestone}")).strong());
        }
        ui.horizontal(|ui| {
            let short = &row.hash[..8];
            let chosen = history.version.as_ref().is_some_and(|v| v.hash == row.hash);
            let face = if chosen {
                RichText::new(short).monospace().strong()
            } else {
                RichText::new(short).monospace()
            };
            if button(ui, face, &format!("View version {short}")).clicked() {
                (ctx.send)(UiCommand::ViewVersion {
                    doc: history.doc.clone(),
                    hash: row.hash.clone(),
                });
            }
            ui.label(&row.message);
            if !row.sections.is_empty() {
                // A change to many sections (the first) would run into the
                // version beside the timeline: cut it, all of it on hover.
                let sections = row.sections.join(", ");
                ui.add(egui::Label::new(RichText::new(&sections).weak()).truncate())
                    .on_hover_text(sections);
            }
        });
        previous = Some(row);
    }
}

/// Restoring undoes everyone's work since the version, for everyone: one
/// click must not do that, so the button only asks, and a second, explicit
/// "Restore" does it (the worker puts it on the undo stack too).
fn restore(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>, version: &VersionView) {
    // Keyed by version: choosing another version drops a pending question.
    let key = format!("history.confirm_restore.{}", version.hash);
    if !*ctx.state.flag(&key) {
        if button(ui, "Restore this version", "Restore this version").clicked() {
            ctx.state
                .flags
                .retain(|k, _| !k.starts_with("history.confirm_restore."));
            ctx.state.flags.insert(key, true);
        }
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.label(
            RichText::new(
                "Restore this version? Everyone's changes since it are undone for everyone.",
            )
            .color(Color32::from_rgb(190, 50, 40)),
        );
        if button(ui, "Restore", "Restore").clicked() {
            ctx.state.flags.remove(&key);
            (ctx.send)(UiCommand::Restore {
                doc: ctx.open.view.id.clone(),
                hash: version.hash.clone(),
            });
        }
        if button(ui, "Cancel", "Cancel").clicked() {
            ctx.state.flags.remove(&key);
        }
    });
}

fn version_panel(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>, version: &VersionView) {
    let short = &version.hash[..8];
    ui.label(
        RichText::new(format!("Version {short}"))
            .strong()
            .size(16.0),
    );
    let read_only = ctx.read_only();
    if !read_only {
        restore(ui, ctx, version);
    }
    if !read_only {
        ui.horizontal(|ui| {
            let label = ui.label("Milestone");
            let draft = ctx.state.draft("history.milestone");
            ui.add(egui::TextEdit::singleline(draft).desired_width(220.0))
                .labelled_by(label.id);
            if button(ui, "Mark", "Mark as milestone").clicked() && !draft.trim().is_empty() {
                let name = std::mem::take(draft).trim().to_owned();
                ctx.edit(vec![Op::MarkMilestone {
                    name,
                    heads: version.heads.iter().map(ToString::to_string).collect(),
                    by: ctx.me.clone(),
                }]);
            }
        });
    }
    ui.add_space(6.0);
    ui.label(RichText::new("Since then").strong());
    if version.differences.is_empty() {
        ui.label(RichText::new("Nothing has changed since.").weak());
    }
    for difference in &version.differences {
        let (sign, color) = match difference.change {
            Change::Added => ("+", Color32::from_rgb(40, 140, 60)),
            Change::Removed => ("−", Color32::from_rgb(190, 50, 40)),
            Change::Edited => ("~", Color32::from_rgb(200, 130, 20)),
        };
        ui.label(RichText::new(format!("{sign} {}", difference.label)).color(color))
            .on_hover_text(&difference.path);
    }
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        ui.label(RichText::new("Then").strong());
        if button(ui, "Read it in full", "Read this version in full").clicked() {
            ctx.state.reading_version = Some(version.hash.clone());
        }
    });
    let then = &version.then.view.charter;
    for (heading, text) in [
        ("Title", then.meta.title.as_str()),
        ("Purpose", then.purpose.text.as_str()),
        ("Vision", then.vision.statement.as_str()),
        ("Value proposition", then.pitch.text.as_str()),
    ] {
        ui.label(RichText::new(heading).weak());
        ui.label(if text.is_empty() { "—" } else { text });
    }
    ui.label(
        RichText::new(format!(
            "{} objectives · {} value-map cards · {} stories",
            then.objectives.len(),
            then.cards.len(),
            then.stories.len()
        ))
        .weak(),
    );
}

/// The charter as it was at `version`, every section drawn by its own code
/// from the old charter, read-only, above a way back to the history.
fn read_in_full(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>, version: &VersionView) {
    let short = &version.hash[..8];
    ui.horizontal(|ui| {
        if button(ui, "◀ Back to the history", "Back to the history").clicked() {
            ctx.state.reading_version = None;
        }
        ui.label(
            RichText::new(format!("Version {short}, as it was — read-only"))
                .strong()
                .size(16.0),
        );
    });
    ui.separator();
    // Nothing drawn from the old charter may edit the live one.
    let ignore = |_: UiCommand| {};
    let mut then = SectionCtx {
        open: &version.then,
        history: None,
        proposals: None,
        library: ctx.library,
        state: ctx.state,
        send: &ignore,
        me: ctx.me.clone(),
        member: None,
        drafts: &[],
        endpoint: ctx.endpoint,
    };
    for section in Section::ALL.iter().filter(|s| **s != Section::History) {
        ui.push_id(("then", section.label()), |ui| {
            ui.add_space(10.0);
            ui.heading(section.label());
            ui.add_space(4.0);
            super::show_section(ui, *section, &mut then);
        });
    }
}
