//! Renderings of a charter for people who never open Guild: Markdown, a
//! self-contained HTML one-pager laid out for a sponsor, and JSON.
//!
//! The JSON shape is [`Charter`]'s serde form: sections as objects, prose as
//! strings, collections as objects keyed by item id with an `order` key.
//! `README.md` documents it; changing it is a breaking change.

use std::fmt::Write as _;

use crate::charter::Charter;
use crate::enums::{Cell, Cycle, Phase};

/// The charter as pretty-printed JSON (the documented shape).
pub fn to_json(charter: &Charter) -> String {
    // Serialising plain structs and maps of strings cannot fail.
    serde_json::to_string_pretty(charter).unwrap_or_default()
}

/// The charter as Markdown.
pub fn to_markdown(c: &Charter) -> String {
    markdown(c, false)
}

/// The charter as Markdown, each item followed by its id in backticks (for
/// command-line users who then edit items by id).
pub fn to_markdown_with_ids(c: &Charter) -> String {
    markdown(c, true)
}

fn markdown(c: &Charter, ids: bool) -> String {
    let mut md = String::new();
    md_meta(&mut md, c);
    md_purpose(&mut md, c);
    md_vision(&mut md, c, ids);
    md_objectives(&mut md, c, ids);
    md_inquiry(&mut md, c, ids);
    md_pitch(&mut md, c);
    md_value_map(&mut md, c, ids);
    md_stories(&mut md, c, ids);
    md_bridges(&mut md, c, ids);
    md_members(&mut md, c, ids);
    md
}

/// An item's id in backticks after its text, when `ids` asks for it.
fn id_tag(ids: bool, id: &str) -> String {
    if ids {
        format!(" `{id}`")
    } else {
        String::new()
    }
}

/// The title and the meta fields that are filled in.
fn md_meta(md: &mut String, c: &Charter) {
    let _ = writeln!(md, "# {}\n", or_untitled(c.meta.title.as_str()));
    let meta = [
        ("Audience", c.meta.audience.as_str()),
        ("In scope", c.meta.scope_in.as_str()),
        ("Out of scope", c.meta.scope_out.as_str()),
        ("Cadence", c.meta.cadence.as_str()),
        ("Tools", c.meta.tools.as_str()),
        ("Membership", c.meta.membership.label()),
        ("Norms", c.meta.norms.as_str()),
        ("Decision rule", c.meta.decision_rule.as_str()),
        ("Review date", c.meta.review_date.as_str()),
    ];
    for (label, value) in meta.iter().filter(|(_, v)| !v.trim().is_empty()) {
        let _ = writeln!(md, "- **{label}:** {value}");
    }
}

fn md_purpose(md: &mut String, c: &Charter) {
    let _ = writeln!(md, "\n## Purpose\n\n{}", or_empty(c.purpose.text.as_str()));
    if let Some(by) = &c.purpose.set_by {
        let _ = writeln!(md, "\n_Set by {by}._");
    }
    if let Some(by) = &c.purpose.endorsed_by {
        let _ = writeln!(md, "_Endorsed by {by}._");
    }
}

fn md_vision(md: &mut String, c: &Charter, ids: bool) {
    let _ = writeln!(
        md,
        "\n## Vision\n\n{}",
        or_empty(c.vision.statement.as_str())
    );
    if c.vision.contributions.is_empty() {
        return;
    }
    let _ = writeln!(md, "\n### Contributions\n");
    for (id, k) in c.contributions_ordered() {
        let _ = write!(
            md,
            "- {} — _{} ({})_{}",
            k.text.as_str(),
            k.author,
            k.role.label().to_lowercase(),
            id_tag(ids, id)
        );
        if !k.endorsements.is_empty() {
            let names: Vec<&str> = k.endorsements.keys().map(String::as_str).collect();
            let _ = write!(md, " · endorsed by {}", names.join(", "));
        }
        md.push('\n');
    }
}

fn md_objectives(md: &mut String, c: &Charter, ids: bool) {
    let _ = writeln!(md, "\n## Objectives\n");
    if c.objectives.is_empty() {
        let _ = writeln!(md, "_None yet._");
    }
    for (id, o) in c.objectives_ordered() {
        let owner = if o.owner.is_empty() {
            String::new()
        } else {
            format!(" · owner {}", o.owner)
        };
        let _ = writeln!(
            md,
            "### {}{}\n\n_{} · {}{owner}_\n",
            o.title.as_str(),
            id_tag(ids, id),
            o.horizon.label(),
            o.status.label()
        );
        if !o.description.as_str().trim().is_empty() {
            let _ = writeln!(md, "{}\n", o.description.as_str());
        }
        for line in o
            .indicators
            .as_str()
            .lines()
            .filter(|l| !l.trim().is_empty())
        {
            let _ = writeln!(md, "- Indicator: {line}");
        }
    }
}

fn md_inquiry(md: &mut String, c: &Charter, ids: bool) {
    let _ = writeln!(
        md,
        "\n## Appreciative inquiry\n\n**Affirmative topic:** {}\n",
        or_empty(c.inquiry.topic.as_str())
    );
    for phase in Phase::ALL {
        let notes: Vec<_> = c.notes_in(*phase).collect();
        if notes.is_empty() {
            continue;
        }
        let _ = writeln!(md, "### {}\n", phase.label());
        for (id, n) in notes {
            let _ = writeln!(
                md,
                "- [{}] {}{}",
                n.tag.label(),
                n.text.as_str(),
                id_tag(ids, id)
            );
        }
        md.push('\n');
    }
}

/// The value proposition and the canvas fields that are filled in.
fn md_pitch(md: &mut String, c: &Charter) {
    let _ = writeln!(
        md,
        "## Value proposition\n\n{}",
        or_empty(c.pitch.text.as_str())
    );
    let canvas = [
        ("Jobs", c.pitch.jobs.as_str()),
        ("Pains", c.pitch.pains.as_str()),
        ("Gains", c.pitch.gains.as_str()),
        ("Pain relievers", c.pitch.pain_relievers.as_str()),
        ("Gain creators", c.pitch.gain_creators.as_str()),
    ];
    for (label, value) in canvas.iter().filter(|(_, v)| !v.trim().is_empty()) {
        let _ = writeln!(md, "\n**{label}:** {value}");
    }
}

fn md_value_map(md: &mut String, c: &Charter, ids: bool) {
    let _ = writeln!(md, "\n## Value map\n");
    for cell in Cell::ALL {
        let _ = writeln!(md, "### {}\n", cell.label());
        for (id, card) in c.cards_in(*cell) {
            let backing = c.stories_backing(id);
            let stories = if backing > 0 {
                format!(" _({backing} stories)_")
            } else {
                String::new()
            };
            let _ = writeln!(md, "- {}{stories}{}", card.text.as_str(), id_tag(ids, id));
        }
        md.push('\n');
    }
}

fn md_stories(md: &mut String, c: &Charter, ids: bool) {
    let _ = writeln!(md, "## Value-creation stories\n");
    if c.stories.is_empty() {
        let _ = writeln!(md, "_None yet._\n");
    }
    for (id, s) in c.stories_ordered() {
        let _ = writeln!(
            md,
            "### {}{}\n\n_Told by {}_\n",
            s.title.as_str(),
            id_tag(ids, id),
            or_empty(&s.teller)
        );
        for cycle in Cycle::ALL {
            if let Some(text) = s.cycles.get(cycle.as_str()) {
                let _ = writeln!(md, "- **{}:** {}", cycle.label(), text.as_str());
            }
        }
        let cards: Vec<&str> = s
            .cards
            .keys()
            .filter_map(|id| c.cards.get(id))
            .map(|k| k.text.as_str())
            .collect();
        if !cards.is_empty() {
            let _ = writeln!(md, "- **Supports:** {}", cards.join("; "));
        }
        md.push('\n');
    }
}

/// The bridges, the units (with ids only) and the units no bridge reaches.
fn md_bridges(md: &mut String, c: &Charter, ids: bool) {
    let _ = writeln!(md, "## Bridges across silos\n");
    for (id, b) in &c.bridges {
        let _ = writeln!(
            md,
            "- {} ↔ {}: {}{}",
            c.unit_name(&b.from),
            c.unit_name(&b.to),
            b.note.as_str(),
            id_tag(ids, id)
        );
    }
    if ids && !c.units.is_empty() {
        let units: Vec<String> = c
            .units_ordered()
            .map(|(id, u)| format!("{}{}", u.name.as_str(), id_tag(ids, id)))
            .collect();
        let _ = writeln!(md, "\n_Units:_ {}", units.join(", "));
    }
    let isolated: Vec<&str> = c
        .isolated_units()
        .into_iter()
        .map(|id| c.unit_name(id))
        .collect();
    if !isolated.is_empty() {
        let _ = writeln!(md, "\n_Still isolated:_ {}", isolated.join(", "));
    }
}

fn md_members(md: &mut String, c: &Charter, ids: bool) {
    let _ = writeln!(md, "\n## Members\n");
    for (id, m) in c.members_ordered() {
        let unit = m
            .unit
            .as_deref()
            .map(|u| format!(", {}", c.unit_name(u)))
            .unwrap_or_default();
        let _ = writeln!(
            md,
            "- {} — {}{unit}{}",
            m.name,
            m.role.label(),
            id_tag(ids, id)
        );
    }
}

fn or_empty(s: &str) -> &str {
    if s.trim().is_empty() {
        "_Not written yet._"
    } else {
        s
    }
}

pub(crate) fn or_untitled(s: &str) -> &str {
    if s.trim().is_empty() {
        "Untitled charter"
    } else {
        s
    }
}

pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

pub(crate) fn para(s: &str) -> String {
    if s.trim().is_empty() {
        return "<p class=\"empty\">Not written yet.</p>".into();
    }
    s.split("\n\n")
        .map(|p| format!("<p>{}</p>", esc(p).replace('\n', "<br>")))
        .collect()
}

pub(crate) const STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;max-width:860px;margin:2em auto;padding:0 1em;color:#1d232b}\
h1{font-size:2em;margin-bottom:.2em}h2{border-bottom:2px solid #3d6fb6;padding-bottom:.2em;margin-top:1.6em}\
.meta{color:#555}.empty{color:#999;font-style:italic}table{border-collapse:collapse;width:100%}\
th,td{border:1px solid #bbb;padding:.5em;vertical-align:top}th{background:#eef3fa}td ul{margin:0;padding-left:1.2em}\
.tag{font-size:.8em;background:#eee;border-radius:3px;padding:0 .3em}@media print{body{margin:0}h2{break-after:avoid}}";

/// The charter as one self-contained HTML page (no external assets),
/// printable to PDF from any browser.
pub fn to_html(c: &Charter) -> String {
    let title = esc(or_untitled(c.meta.title.as_str()));
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title><style>{STYLE}</style></head><body>"
    );
    let _ = write!(h, "<h1>{title}</h1>");
    if !c.meta.audience.as_str().is_empty() {
        let _ = write!(
            h,
            "<p class=\"meta\">For {} · membership {}</p>",
            esc(c.meta.audience.as_str()),
            c.meta.membership.label().to_lowercase()
        );
    }
    let _ = write!(h, "<h2>Purpose</h2>{}", para(c.purpose.text.as_str()));
    let _ = write!(h, "<h2>Vision</h2>{}", para(c.vision.statement.as_str()));
    html_objectives(&mut h, c);
    let _ = write!(
        h,
        "<h2>Value proposition</h2>{}",
        para(c.pitch.text.as_str())
    );
    html_value_map(&mut h, c);
    html_stories(&mut h, c);
    html_bridges(&mut h, c);
    h.push_str("</body></html>\n");
    h
}

/// The objectives as one table row each.
fn html_objectives(h: &mut String, c: &Charter) {
    let _ = write!(h, "<h2>Objectives</h2>");
    if c.objectives.is_empty() {
        h.push_str("<p class=\"empty\">None yet.</p>");
        return;
    }
    h.push_str("<table><tr><th>Objective</th><th>Owner</th><th>Horizon</th><th>Status</th><th>Indicators</th></tr>");
    for (_, o) in c.objectives_ordered() {
        let indicators: String = o
            .indicators
            .as_str()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| format!("<li>{}</li>", esc(l)))
            .collect();
        let _ = write!(
            h,
            "<tr><td><strong>{}</strong><br>{}</td><td>{}</td><td>{}</td><td>{}</td><td><ul>{indicators}</ul></td></tr>",
            esc(o.title.as_str()),
            esc(o.description.as_str()),
            esc(&o.owner),
            o.horizon.label(),
            o.status.label()
        );
    }
    h.push_str("</table>");
}

/// The value map as a two-by-two table (who benefits × when).
fn html_value_map(h: &mut String, c: &Charter) {
    h.push_str("<h2>Value map</h2><table><tr><th></th><th>Short term</th><th>Long term</th></tr>");
    for (row, short, long) in [
        (
            "Organisation",
            Cell::OrganisationShortTerm,
            Cell::OrganisationLongTerm,
        ),
        ("Members", Cell::MembersShortTerm, Cell::MembersLongTerm),
    ] {
        let cell = |cell: Cell| -> String {
            c.cards_in(cell)
                .map(|(_, k)| format!("<li>{}</li>", esc(k.text.as_str())))
                .collect()
        };
        let _ = write!(
            h,
            "<tr><th>{row}</th><td><ul>{}</ul></td><td><ul>{}</ul></td></tr>",
            cell(short),
            cell(long)
        );
    }
    h.push_str("</table>");
}

fn html_stories(h: &mut String, c: &Charter) {
    h.push_str("<h2>Value-creation stories</h2>");
    if c.stories.is_empty() {
        h.push_str("<p class=\"empty\">None yet.</p>");
    }
    for (_, s) in c.stories_ordered() {
        let _ = write!(
            h,
            "<h3>{}</h3><p class=\"meta\">Told by {}</p><ul>",
            esc(s.title.as_str()),
            esc(&s.teller)
        );
        for cycle in Cycle::ALL {
            if let Some(text) = s.cycles.get(cycle.as_str()) {
                let _ = write!(
                    h,
                    "<li><strong>{}:</strong> {}</li>",
                    cycle.label(),
                    esc(text.as_str())
                );
            }
        }
        h.push_str("</ul>");
    }
}

/// The bridges and the units no bridge reaches.
fn html_bridges(h: &mut String, c: &Charter) {
    h.push_str("<h2>Bridges across silos</h2><ul>");
    for b in c.bridges.values() {
        let _ = write!(
            h,
            "<li>{} ↔ {}: {}</li>",
            esc(c.unit_name(&b.from)),
            esc(c.unit_name(&b.to)),
            esc(b.note.as_str())
        );
    }
    h.push_str("</ul>");
    let isolated: Vec<String> = c
        .isolated_units()
        .into_iter()
        .map(|id| esc(c.unit_name(id)))
        .collect();
    if !isolated.is_empty() {
        let _ = write!(
            h,
            "<p class=\"meta\">Still isolated: {}</p>",
            isolated.join(", ")
        );
    }
}
