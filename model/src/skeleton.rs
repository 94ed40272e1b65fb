//! The part of a charter its invariants read: ids, links, groups and order
//! keys, and no text. Hydrating it costs a small fraction of hydrating the
//! whole charter (whose prose can be a long paper's worth of text), so an
//! edit can check the invariants every time without slowing typing down.

use std::collections::BTreeMap;

use autosurgeon::Hydrate;

use crate::charter::Charter;
use crate::enums::{Cell, Phase};

/// An item whose only field the invariants read is its order key.
#[derive(Debug, Clone, Default, Hydrate)]
pub(crate) struct Ordered {
    pub order: String,
}

/// A card: its cell (the ordered group) and order key.
#[derive(Debug, Clone, Default, Hydrate)]
pub(crate) struct CardBones {
    pub cell: Cell,
    pub order: String,
}

/// A note: its phase (the ordered group) and order key.
#[derive(Debug, Clone, Default, Hydrate)]
pub(crate) struct NoteBones {
    pub phase: Phase,
    pub order: String,
}

/// A story: the cards it links to.
#[derive(Debug, Clone, Default, Hydrate)]
pub(crate) struct StoryBones {
    pub cards: BTreeMap<String, bool>,
    pub order: String,
}

/// A bridge: the units it joins.
#[derive(Debug, Clone, Default, Hydrate)]
pub(crate) struct BridgeBones {
    pub from: String,
    pub to: String,
}

/// A member: the unit they belong to.
#[derive(Debug, Clone, Default, Hydrate)]
pub(crate) struct MemberBones {
    pub unit: Option<String>,
    pub order: String,
}

#[derive(Debug, Clone, Default, Hydrate)]
pub(crate) struct VisionBones {
    pub contributions: BTreeMap<String, Ordered>,
}

#[derive(Debug, Clone, Default, Hydrate)]
pub(crate) struct InquiryBones {
    pub notes: BTreeMap<String, NoteBones>,
}

/// What the invariants read, hydrated straight from a document or taken
/// from a hydrated [`Charter`].
#[derive(Debug, Clone, Default, Hydrate)]
pub(crate) struct Skeleton {
    pub schema_version: u64,
    pub vision: VisionBones,
    pub objectives: BTreeMap<String, Ordered>,
    pub inquiry: InquiryBones,
    pub cards: BTreeMap<String, CardBones>,
    pub stories: BTreeMap<String, StoryBones>,
    pub units: BTreeMap<String, Ordered>,
    pub bridges: BTreeMap<String, BridgeBones>,
    pub members: BTreeMap<String, MemberBones>,
}

fn orders<T>(
    map: &BTreeMap<String, T>,
    order: impl Fn(&T) -> &String,
) -> BTreeMap<String, Ordered> {
    map.iter()
        .map(|(id, item)| {
            (
                id.clone(),
                Ordered {
                    order: order(item).clone(),
                },
            )
        })
        .collect()
}

impl From<&Charter> for Skeleton {
    fn from(c: &Charter) -> Self {
        Skeleton {
            schema_version: c.schema_version,
            vision: VisionBones {
                contributions: orders(&c.vision.contributions, |x| &x.order),
            },
            objectives: orders(&c.objectives, |x| &x.order),
            inquiry: InquiryBones {
                notes: c
                    .inquiry
                    .notes
                    .iter()
                    .map(|(id, n)| {
                        (
                            id.clone(),
                            NoteBones {
                                phase: n.phase,
                                order: n.order.clone(),
                            },
                        )
                    })
                    .collect(),
            },
            cards: c
                .cards
                .iter()
                .map(|(id, card)| {
                    (
                        id.clone(),
                        CardBones {
                            cell: card.cell,
                            order: card.order.clone(),
                        },
                    )
                })
                .collect(),
            stories: c
                .stories
                .iter()
                .map(|(id, s)| {
                    (
                        id.clone(),
                        StoryBones {
                            cards: s.cards.clone(),
                            order: s.order.clone(),
                        },
                    )
                })
                .collect(),
            units: orders(&c.units, |x| &x.order),
            bridges: c
                .bridges
                .iter()
                .map(|(id, b)| {
                    (
                        id.clone(),
                        BridgeBones {
                            from: b.from.clone(),
                            to: b.to.clone(),
                        },
                    )
                })
                .collect(),
            members: c
                .members
                .iter()
                .map(|(id, m)| {
                    (
                        id.clone(),
                        MemberBones {
                            unit: m.unit.clone(),
                            order: m.order.clone(),
                        },
                    )
                })
                .collect(),
        }
    }
}
