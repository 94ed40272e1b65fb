//! The facilitator's page: a timed agenda whose running step every window
//! counts down, and dot votes on the charter's contributions, inquiry
//! notes, value-map cards or objectives. Counts stay hidden until the vote
//! closes; then the items are ranked.

use egui::{Color32, RichText};
use guild_model::{Collection, MAX_DOTS, Op, VOTABLE, Vote, Workshop, new_id};

use super::{SectionCtx, button, choose};
use crate::present::unix_now;
use crate::ui::countdown::clock;

/// A kind of item a vote can be on, as the form names it.
fn vote_on_label(kind: Collection) -> &'static str {
    match kind {
        Collection::Contributions => "Vision contributions",
        Collection::Notes => "Inquiry notes",
        Collection::Cards => "Value-map cards",
        _ => "Objectives",
    }
}

pub(crate) fn show(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>) {
    ui.horizontal(|ui| {
        ui.label("Run the room: a timed agenda every window follows, and dot votes.");
        ui.checkbox(&mut ctx.state.presenter, "Larger text for a projector");
    });
    ui.add_space(8.0);
    let workshop = ctx.open.view.charter.workshop.clone();
    lead(ui, ctx, &workshop);
    ui.add_space(14.0);
    agenda(ui, ctx, &workshop);
    ui.add_space(14.0);
    brainstorm(ui, ctx, &workshop);
    ui.add_space(14.0);
    votes(ui, ctx, &workshop);
}

/// Ask the room to follow this window from section to section, or stop.
fn lead(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>, workshop: &Workshop) {
    if ctx.read_only() {
        return;
    }
    ui.horizontal(|ui| match &workshop.lead {
        Some(lead) if lead.endpoint == ctx.endpoint => {
            ui.label("Everyone is asked to follow you.");
            if button(ui, "Stop leading", "Stop leading").clicked() {
                ctx.edit(vec![Op::StopLeading]);
            }
        }
        other => {
            if let Some(lead) = other {
                ui.label(format!("{} leads the room.", lead.name));
            }
            if button(ui, "Ask everyone to follow me", "Ask everyone to follow me").clicked() {
                ctx.edit(vec![Op::Lead {
                    endpoint: ctx.endpoint.to_owned(),
                    name: ctx.me.clone(),
                }]);
            }
        }
    });
}

/// Start a silent brainstorm, and reveal it: everyone writes notes on
/// their own device, and they all appear at once.
fn brainstorm(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>, workshop: &Workshop) {
    ui.label(RichText::new("Silent brainstorm").strong().size(16.0));
    ui.label(
        RichText::new(
            "While it runs, the inquiry's notes stay on each person's device — not even peers' copies have them — until you reveal them all at once.",
        )
        .weak(),
    );
    if ctx.read_only() {
        return;
    }
    ui.horizontal(|ui| {
        if workshop.is_silent() {
            ui.label("Running.");
            if button(ui, "Reveal everyone's notes", "Reveal everyone's notes").clicked() {
                ctx.edit(vec![Op::Reveal]);
            }
        } else if button(ui, "Start a silent brainstorm", "Start a silent brainstorm").clicked() {
            ctx.edit(vec![Op::StartBrainstorm]);
        }
    });
}

fn agenda(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>, workshop: &Workshop) {
    ui.label(RichText::new("Agenda").strong().size(16.0));
    let read_only = ctx.read_only();
    if !read_only {
        ui.horizontal(|ui| {
            let label = ui.label("New step");
            let title = ctx.state.draft("workshop.step.title");
            let input = ui
                .add(egui::TextEdit::singleline(title).desired_width(220.0))
                .labelled_by(label.id);
            let minutes_label = ui.label("Minutes");
            let minutes = ctx
                .state
                .drafts
                .get("workshop.step.minutes")
                .and_then(|m| m.parse::<u32>().ok())
                .unwrap_or(15);
            let mut chosen = minutes;
            ui.add(egui::DragValue::new(&mut chosen).range(1..=240))
                .labelled_by(minutes_label.id);
            if chosen != minutes {
                ctx.state
                    .drafts
                    .insert("workshop.step.minutes".into(), chosen.to_string());
            }
            let enter = input.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let title = ctx.state.draft("workshop.step.title").trim().to_owned();
            if (button(ui, "Add step", "Add step").clicked() || enter) && !title.is_empty() {
                ctx.state.draft("workshop.step.title").clear();
                ctx.edit(vec![Op::AddStep {
                    id: new_id(),
                    title,
                    minutes: chosen,
                }]);
                if enter {
                    input.request_focus();
                }
            }
        });
    }
    if workshop.steps.is_empty() {
        ui.label(RichText::new("No steps yet: add “Discover — 10 min”, “Dream — 15 min” …").weak());
    }
    let running = workshop.running.as_ref().map(|r| r.step.as_str());
    for (id, step) in workshop.steps_ordered() {
        ui.horizontal(|ui| {
            let is_running = running == Some(id.as_str());
            let face = format!("{} — {} min", step.title, step.minutes);
            if is_running {
                let left = workshop.time_left(unix_now()).map_or(0, |(_, left)| left);
                ui.label(RichText::new(format!("▶ {face} · {}", clock(left))).strong());
            } else {
                ui.label(face);
            }
            if read_only {
                return;
            }
            if is_running {
                if button(ui, "Stop", &format!("Stop {}", step.title)).clicked() {
                    ctx.edit(vec![Op::StopStep]);
                }
            } else if button(ui, "Start", &format!("Start {}", step.title)).clicked() {
                ctx.edit(vec![Op::StartStep { id: id.clone() }]);
            }
            if button(ui, "Remove", &format!("Remove step {}", step.title)).clicked() {
                ctx.edit(vec![Op::RemoveStep { id: id.clone() }]);
            }
        });
    }
}

fn votes(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>, workshop: &Workshop) {
    ui.label(RichText::new("Dot votes").strong().size(16.0));
    if !ctx.read_only() {
        open_vote_form(ui, ctx);
    }
    if workshop.votes.is_empty() {
        ui.label(RichText::new("No votes yet.").weak());
    }
    let mut votes: Vec<_> = workshop.votes.iter().collect();
    votes.sort_by_key(|(id, v)| (std::cmp::Reverse(v.opened_at), (*id).clone()));
    for (id, vote) in votes {
        ui.add_space(8.0);
        ui.group(|ui| show_vote(ui, ctx, id, vote));
    }
}

fn open_vote_form(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>) {
    let on_key = "workshop.vote.on";
    let on = ctx
        .state
        .drafts
        .get(on_key)
        .and_then(|k| VOTABLE.iter().find(|o| o.noun() == k).copied())
        .unwrap_or(Collection::Contributions);
    let items = ctx.open.view.charter.votable_items(on);
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Question");
        let question = ctx.state.draft("workshop.vote.title");
        ui.add(
            egui::TextEdit::singleline(question)
                .hint_text("What matters most?")
                .desired_width(220.0),
        )
        .labelled_by(label.id);
        if let Some(chosen) = choose(ui, on_key, "On", on, &VOTABLE, vote_on_label, true) {
            ctx.state.drafts.insert(on_key.into(), chosen.noun().into());
        }
        let dots_label = ui.label("Dots each");
        let dots = ctx
            .state
            .drafts
            .get("workshop.vote.dots")
            .and_then(|d| d.parse::<u8>().ok())
            .unwrap_or(3);
        let mut chosen = dots;
        ui.add(egui::DragValue::new(&mut chosen).range(1..=MAX_DOTS))
            .labelled_by(dots_label.id);
        if chosen != dots {
            ctx.state
                .drafts
                .insert("workshop.vote.dots".into(), chosen.to_string());
        }
        let question = ctx.state.draft("workshop.vote.title").trim().to_owned();
        let why_not = if items.len() < 2 {
            Some(format!(
                "A vote needs at least two {} to choose from.",
                vote_on_label(on).to_lowercase()
            ))
        } else if question.is_empty() {
            Some("Ask the room a question first.".to_owned())
        } else {
            None
        };
        let open = ui.add_enabled(why_not.is_none(), egui::Button::new("Open the vote"));
        let open = match &why_not {
            Some(why) => open.on_disabled_hover_text(why),
            None => open,
        };
        if open.clicked() {
            ctx.state.draft("workshop.vote.title").clear();
            ctx.edit(vec![Op::OpenVote {
                id: new_id(),
                title: question,
                items,
                dots: chosen,
            }]);
        }
        if let Some(why) = why_not {
            ui.label(RichText::new(why).weak());
        }
    });
}

fn show_vote(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>, id: &str, vote: &Vote) {
    let charter = &ctx.open.view.charter;
    ui.horizontal(|ui| {
        ui.label(RichText::new(&vote.title).strong());
        let state = if vote.is_open() { "open" } else { "closed" };
        ui.label(RichText::new(format!("{state} · {} dots each", vote.dots)).weak());
        if vote.is_open()
            && !ctx.read_only()
            && button(
                ui,
                "Close the vote",
                &format!("Close the vote {}", vote.title),
            )
            .clicked()
        {
            ctx.edit(vec![Op::CloseVote { id: id.to_owned() }]);
        }
    });
    if !vote.is_open() {
        for (rank, (item, count)) in vote.ranking().iter().enumerate() {
            let dots = if *count == 1 { "dot" } else { "dots" };
            ui.label(format!(
                "{}. {} — {count} {dots}",
                rank + 1,
                crate::present::item_text(charter, item)
            ));
        }
        return;
    }
    let Some(member) = ctx.member.clone() else {
        ui.label(
            RichText::new("Only members who may edit vote: this device is not one yet.").weak(),
        );
        return;
    };
    let mine = vote.dots_of(&member);
    let left = usize::from(vote.dots).saturating_sub(mine.len());
    ui.label(format!(
        "You have {left} of {} dots left. Counts are shown when the vote closes.",
        vote.dots
    ));
    for item in &vote.items {
        let text = crate::present::item_text(charter, item);
        ui.horizontal(|ui| {
            let placed: Vec<u8> = mine
                .iter()
                .filter(|(_, i)| i == item)
                .map(|(slot, _)| *slot)
                .collect();
            let place = ui.add_enabled(left > 0, egui::Button::new("+ dot"));
            place.widget_info(|| {
                egui::WidgetInfo::labeled(
                    egui::Role::Button,
                    left > 0,
                    format!("Place a dot on {text}"),
                )
            });
            if place.clicked() {
                ctx.edit(vec![Op::PlaceDot {
                    vote: id.to_owned(),
                    member: member.clone(),
                    item: item.clone(),
                }]);
            }
            if let Some(slot) = placed.first()
                && button(ui, "− dot", &format!("Take back a dot from {text}")).clicked()
            {
                ctx.edit(vec![Op::TakeDot {
                    vote: id.to_owned(),
                    member: member.clone(),
                    slot: *slot,
                }]);
            }
            // The proportional fonts have no "●": paint the dots.
            for _ in &placed {
                crate::ui::shell::dot(ui, Color32::from_rgb(52, 120, 210));
            }
            ui.label(text);
        });
    }
}
