//! A workshop's summary as one self-contained HTML page, for whoever was
//! not in the room: the agenda, the inquiry's notes by phase, the vision's
//! contributions, each vote (ranked once closed) and who took part.

use std::fmt::Write as _;

use crate::charter::Charter;
use crate::enums::{Phase, Role};
use crate::render::{STYLE, esc, or_untitled, para};

/// The workshop summary of `c`.
pub fn to_workshop_html(c: &Charter) -> String {
    let title = esc(or_untitled(c.meta.title.as_str()));
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} — workshop</title><style>{STYLE}</style></head><body>"
    );
    let _ = write!(h, "<h1>{title} — workshop summary</h1>");
    agenda(&mut h, c);
    inquiry(&mut h, c);
    contributions(&mut h, c);
    votes(&mut h, c);
    people(&mut h, c);
    h.push_str("</body></html>\n");
    h
}

fn agenda(h: &mut String, c: &Charter) {
    h.push_str("<h2>Agenda</h2>");
    let steps = c.workshop.steps_ordered();
    if steps.is_empty() {
        h.push_str("<p class=\"meta\">No agenda was set.</p>");
        return;
    }
    h.push_str("<ol>");
    for (_, step) in steps {
        let _ = write!(h, "<li>{} — {} min</li>", esc(&step.title), step.minutes);
    }
    h.push_str("</ol>");
}

fn inquiry(h: &mut String, c: &Charter) {
    h.push_str("<h2>Appreciative inquiry</h2>");
    if !c.inquiry.topic.as_str().trim().is_empty() {
        let _ = write!(h, "<p><b>Topic:</b> {}</p>", esc(c.inquiry.topic.as_str()));
    }
    for phase in Phase::ALL {
        let notes: Vec<_> = c.notes_in(*phase).collect();
        let _ = write!(h, "<h3>{} ({})</h3>", phase.label(), notes.len());
        if notes.is_empty() {
            continue;
        }
        h.push_str("<ul>");
        for (_, note) in notes {
            let _ = write!(
                h,
                "<li>{} <span class=\"meta\">— {}, {}</span></li>",
                esc(note.text.as_str()),
                esc(&note.author),
                note.tag.label().to_lowercase()
            );
        }
        h.push_str("</ul>");
    }
}

fn contributions(h: &mut String, c: &Charter) {
    h.push_str("<h2>Vision</h2>");
    h.push_str(&para(c.vision.statement.as_str()));
    let all: Vec<_> = c.contributions_ordered().collect();
    if all.is_empty() {
        return;
    }
    h.push_str("<ul>");
    for (_, contribution) in all {
        let _ = write!(
            h,
            "<li>{} <span class=\"meta\">— {} ({})</span></li>",
            esc(contribution.text.as_str()),
            esc(&contribution.author),
            contribution.role.label().to_lowercase()
        );
    }
    h.push_str("</ul>");
}

fn votes(h: &mut String, c: &Charter) {
    h.push_str("<h2>Votes</h2>");
    if c.workshop.votes.is_empty() {
        h.push_str("<p class=\"meta\">No votes were held.</p>");
        return;
    }
    let mut votes: Vec<_> = c.workshop.votes.iter().collect();
    votes.sort_by_key(|(id, v)| (v.opened_at, (*id).clone()));
    for (_, vote) in votes {
        let people = vote.ballots.values().filter(|b| !b.is_empty()).count();
        let _ = write!(
            h,
            "<h3>{}</h3><p class=\"meta\">{} dots each · {people} voted</p>",
            esc(&vote.title),
            vote.dots
        );
        if vote.is_open() {
            h.push_str("<p class=\"meta\">Still open: counts are shown once it closes.</p>");
            continue;
        }
        h.push_str("<ol>");
        for (item, count) in vote.ranking() {
            let _ = write!(
                h,
                "<li>{} — {count}</li>",
                esc(c.item_words(&item).unwrap_or("(removed)"))
            );
        }
        h.push_str("</ol>");
    }
}

fn people(h: &mut String, c: &Charter) {
    h.push_str("<h2>Who took part</h2>");
    for role in Role::ALL {
        let names: Vec<String> = c
            .members_ordered()
            .filter(|(_, m)| m.role == *role)
            .map(|(_, m)| esc(&m.name))
            .collect();
        if !names.is_empty() {
            let _ = write!(h, "<p><b>{}:</b> {}</p>", role.label(), names.join(", "));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::to_workshop_html;
    use crate::{Charter, Op, Phase, Position, Role, Tag, apply, new_blank_charter};

    #[test]
    fn the_summary_has_the_agenda_notes_by_phase_ranked_votes_and_who_took_part() {
        let mut doc = new_blank_charter("Data CoP", 1_700_000_000).unwrap();
        let ops = [
            Op::AddStep {
                id: "s1".into(),
                title: "Discover".into(),
                minutes: 10,
            },
            Op::AddStep {
                id: "s2".into(),
                title: "Dream".into(),
                minutes: 15,
            },
            Op::AddMember {
                id: "m1".into(),
                name: "Ana <Lima>".into(),
                role: Role::Sponsor,
                unit: None,
                position: Position::End,
            },
            Op::AddNote {
                id: "n1".into(),
                phase: Phase::Dream,
                text: "Every analyst has a peer".into(),
                tag: Tag::Opportunity,
                author: "Ana".into(),
                position: Position::End,
            },
            Op::AddNote {
                id: "n2".into(),
                phase: Phase::Dream,
                text: "A clinic each month".into(),
                tag: Tag::Need,
                author: "Ben".into(),
                position: Position::End,
            },
            Op::OpenVote {
                id: "v1".into(),
                title: "Which dream first?".into(),
                items: vec!["n1".into(), "n2".into()],
                dots: 2,
            },
            Op::PlaceDot {
                vote: "v1".into(),
                member: "m1".into(),
                item: "n2".into(),
            },
            Op::CloseVote { id: "v1".into() },
            Op::OpenVote {
                id: "v2".into(),
                title: "Still deciding".into(),
                items: vec!["n1".into(), "n2".into()],
                dots: 1,
            },
        ];
        for op in &ops {
            apply(&mut doc, op, 1_700_000_100).unwrap();
        }
        let html = to_workshop_html(&Charter::from_doc(&doc).unwrap());
        let at = |needle: &str| {
            html.find(needle)
                .unwrap_or_else(|| panic!("{needle:?} missing from {html}"))
        };
        assert!(at("<li>Discover — 10 min</li>") < at("<li>Dream — 15 min</li>"));
        assert!(at("<h3>Dream (2)</h3>") < at("Every analyst has a peer"));
        // Ranked: the note with the dot first.
        assert!(
            at("<li>A clinic each month — 1</li>") < at("<li>Every analyst has a peer — 0</li>")
        );
        assert!(html.contains("Still open: counts are shown once it closes."));
        assert!(html.contains("<b>Sponsor:</b> Ana &lt;Lima&gt;"), "escaped");
    }
}
