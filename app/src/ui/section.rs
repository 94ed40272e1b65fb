//! The sections of a charter as the window names them: the side
//! navigation's order and labels, and the keys peers see in presence.

/// The places of the side navigation, in the order a community works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Section {
    Overview,
    Purpose,
    Vision,
    Objectives,
    Inquiry,
    Pitch,
    ValueMap,
    Stories,
    Bridges,
    Members,
    Workshop,
    History,
}

impl Section {
    pub(crate) const ALL: [Section; 12] = [
        Section::Overview,
        Section::Purpose,
        Section::Vision,
        Section::Objectives,
        Section::Inquiry,
        Section::Pitch,
        Section::ValueMap,
        Section::Stories,
        Section::Bridges,
        Section::Members,
        Section::Workshop,
        Section::History,
    ];

    pub(crate) fn label(self) -> &'static str {
        match self {
            Section::Overview => "Overview",
            Section::Purpose => "Purpose",
            Section::Vision => "Vision",
            Section::Objectives => "Objectives",
            Section::Inquiry => "Appreciative inquiry",
            Section::Pitch => "Value proposition",
            Section::ValueMap => "Value map",
            Section::Stories => "Value stories",
            Section::Bridges => "Bridges",
            Section::Members => "Members",
            Section::Workshop => "Workshop",
            Section::History => "History",
        }
    }

    /// The key peers see in presence messages.
    pub(crate) fn key(self) -> &'static str {
        match self {
            Section::Overview => "overview",
            Section::Purpose => "purpose",
            Section::Vision => "vision",
            Section::Objectives => "objectives",
            Section::Inquiry => "inquiry",
            Section::Pitch => "pitch",
            Section::ValueMap => "value_map",
            Section::Stories => "stories",
            Section::Bridges => "bridges",
            Section::Members => "members",
            Section::Workshop => "workshop",
            Section::History => "history",
        }
    }

    pub(crate) fn from_key(key: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.key() == key)
    }
}
