//! A workshop's facilitation, synced with the charter under `workshop`: the
//! agenda (timeboxed steps, the one running and since when, so every window
//! shows the same countdown, late joiners included) and dot votes.
//!
//! A dot vote gives each member `dots` numbered slots; placing a dot fills a
//! free slot with an item, moving it rewrites the slot, taking it back
//! deletes it. A slot is one register, so concurrent or offline votes by one
//! person on two devices can collide on a slot (one wins) but can never
//! give them more than `dots` dots: the bound holds by construction, on
//! every copy, whatever order changes arrive in.

use std::collections::BTreeMap;

use autosurgeon::{Hydrate, Reconcile};
use serde::Serialize;

use crate::ops::Collection;

/// Most dots a vote may give each person.
pub const MAX_DOTS: u8 = 20;

/// The kinds of item a vote can be on.
pub const VOTABLE: [Collection; 4] = [
    Collection::Contributions,
    Collection::Notes,
    Collection::Cards,
    Collection::Objectives,
];

/// The workshop state of a charter; empty until a facilitator uses it.
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize, PartialEq, Eq)]
pub struct Workshop {
    /// Timeboxed steps, keyed by id.
    pub steps: BTreeMap<String, Step>,
    /// The step running now; none between steps.
    #[autosurgeon(missing = "Default::default")]
    pub running: Option<Running>,
    /// Dot votes, keyed by id.
    pub votes: BTreeMap<String, Vote>,
    /// The silent brainstorm, if one was started: while it is not revealed,
    /// each window keeps the notes its person writes on its own device
    /// (never in the charter, so no peer, honest or not, can read them),
    /// and adds them to the charter when the facilitator reveals.
    #[autosurgeon(missing = "Default::default")]
    pub brainstorm: Option<Brainstorm>,
    /// The facilitator everyone is asked to follow from section to section.
    #[autosurgeon(missing = "Default::default")]
    pub lead: Option<Lead>,
    /// Named themes the room groups inquiry notes into, keyed by id.
    #[autosurgeon(missing = "Default::default")]
    pub themes: BTreeMap<String, Theme>,
}

/// A theme notes are grouped under ("Mentoring", "Shared tools").
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize, PartialEq, Eq)]
pub struct Theme {
    /// Its name.
    pub name: String,
    /// When it was made (unix seconds): themes are listed oldest first.
    pub created_at: i64,
}

/// Who asked the room to follow them, and since when (a window that left
/// follow mode stays out until the next time they ask).
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize, PartialEq, Eq)]
pub struct Lead {
    /// Their device's endpoint id (presence says where it is).
    pub endpoint: String,
    /// Their name, for "Following Ana".
    pub name: String,
    /// When they asked (unix seconds).
    pub since: i64,
}

/// A silent brainstorm: when it started and, once revealed, when.
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize, PartialEq, Eq)]
pub struct Brainstorm {
    /// When the facilitator started it (unix seconds).
    pub started_at: i64,
    /// When the facilitator revealed everyone's notes.
    #[autosurgeon(missing = "Default::default")]
    pub revealed_at: Option<i64>,
}

/// One timeboxed step of the agenda ("Dream — 15 min").
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize, PartialEq, Eq)]
pub struct Step {
    /// What the room does.
    pub title: String,
    /// How long it lasts.
    pub minutes: u32,
    /// Place in the agenda.
    pub order: String,
}

/// The step being run, and since when.
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize, PartialEq, Eq)]
pub struct Running {
    /// The step's id.
    pub step: String,
    /// When it started (unix seconds), on the clock of …
    pub started_at: i64,
    /// … the session that started it (actor id, hex; its device's id is a
    /// prefix): every window counts down on that device's clock, which
    /// peers measure from presence ([`Workshop::time_left`] takes it).
    #[autosurgeon(missing = "Default::default")]
    pub clock: String,
}

/// A dot vote over some of the charter's items.
#[derive(Debug, Clone, Default, Reconcile, Hydrate, Serialize, PartialEq, Eq)]
pub struct Vote {
    /// What the room votes on ("Which vision lines matter most?").
    pub title: String,
    /// The items voted on (ids of contributions, notes, cards or
    /// objectives), in the order they were offered.
    pub items: Vec<String>,
    /// Dots each person has.
    pub dots: u8,
    /// When it was opened (unix seconds).
    pub opened_at: i64,
    /// When the facilitator closed it; counts are shown from then on.
    #[autosurgeon(missing = "Default::default")]
    pub closed_at: Option<i64>,
    /// Each member's dots: member id → slot ("0" … dots−1) → item id.
    pub ballots: BTreeMap<String, BTreeMap<String, String>>,
}

impl Vote {
    /// Whether it still takes dots.
    pub fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }

    /// The dots `member` has placed, slot by slot: only the vote's own
    /// slots on the vote's own items count.
    pub fn dots_of(&self, member: &str) -> Vec<(u8, &str)> {
        let Some(ballot) = self.ballots.get(member) else {
            return Vec::new();
        };
        ballot
            .iter()
            .filter_map(|(slot, item)| {
                let slot: u8 = slot.parse().ok()?;
                (slot < self.dots && self.items.contains(item)).then_some((slot, item.as_str()))
            })
            .collect()
    }

    /// The first slot `member` has free, if any.
    pub fn free_slot(&self, member: &str) -> Option<u8> {
        let used: Vec<u8> = self.dots_of(member).iter().map(|(s, _)| *s).collect();
        (0..self.dots).find(|s| !used.contains(s))
    }

    /// Dots per item, most first (ties in the order the items were
    /// offered), every item listed.
    pub fn ranking(&self) -> Vec<(String, usize)> {
        let mut counts: Vec<(String, usize)> = self.items.iter().map(|i| (i.clone(), 0)).collect();
        for member in self.ballots.keys() {
            for (_, item) in self.dots_of(member) {
                if let Some(entry) = counts.iter_mut().find(|(i, _)| i == item) {
                    entry.1 += 1;
                }
            }
        }
        // A stable sort keeps the offered order among equal counts.
        counts.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        counts
    }
}

impl Workshop {
    /// Steps in agenda order.
    pub fn steps_ordered(&self) -> Vec<(&String, &Step)> {
        let mut steps: Vec<_> = self.steps.iter().collect();
        steps.sort_by(|a, b| a.1.order.cmp(&b.1.order).then(a.0.cmp(b.0)));
        steps
    }

    /// Whether notes are being written silently now (kept on each device
    /// until the reveal).
    pub fn is_silent(&self) -> bool {
        self.brainstorm
            .as_ref()
            .is_some_and(|b| b.revealed_at.is_none())
    }

    /// Whether the brainstorm was revealed: notes kept back go in now.
    pub fn is_revealed(&self) -> bool {
        self.brainstorm
            .as_ref()
            .is_some_and(|b| b.revealed_at.is_some())
    }

    /// Themes oldest first (then by id).
    pub fn themes_ordered(&self) -> Vec<(&String, &Theme)> {
        let mut themes: Vec<_> = self.themes.iter().collect();
        themes.sort_by_key(|(id, t)| (t.created_at, (*id).clone()));
        themes
    }

    /// Seconds left in the running step at `now` (negative once over),
    /// with the step.
    pub fn time_left(&self, now: i64) -> Option<(&Step, i64)> {
        let running = self.running.as_ref()?;
        let step = self.steps.get(&running.step)?;
        let end = running.started_at + i64::from(step.minutes) * 60;
        Some((step, end - now))
    }
}
