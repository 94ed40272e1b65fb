//! The charter's top-level prose fields, by the names the CLI and JSON use.

use std::fmt;
use std::str::FromStr;

use crate::enums::UnknownValue;

macro_rules! prose_fields {
    ($($variant:ident = $name:literal at [$section:literal, $key:literal] / $label:literal),+ $(,)?) => {
        /// A top-level prose field of the charter.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ProseField { $(#[doc = $label] $variant),+ }

        impl ProseField {
            /// Every prose field, in charter order.
            pub const ALL: &'static [ProseField] = &[$(ProseField::$variant),+];

            /// The name the CLI takes (`guild set DOC FIELD`).
            pub fn name(self) -> &'static str {
                match self { $(ProseField::$variant => $name),+ }
            }

            /// Where it lives: the section map under the root, and the key in it
            /// (also its path in `guild show --json`).
            pub fn path(self) -> (&'static str, &'static str) {
                match self { $(ProseField::$variant => ($section, $key)),+ }
            }

            /// Its name for people.
            pub fn label(self) -> &'static str {
                match self { $(ProseField::$variant => $label),+ }
            }
        }

        impl FromStr for ProseField {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
                $(if wanted == $name { return Ok(ProseField::$variant); })+
                Err(UnknownValue { kind: "field", value: s.to_owned(), expected: [$($name),+].join(", ") })
            }
        }
    };
}

prose_fields! {
    Title = "title" at ["meta", "title"] / "Title",
    Purpose = "purpose" at ["purpose", "text"] / "Purpose",
    Vision = "vision" at ["vision", "statement"] / "Vision",
    Pitch = "pitch" at ["pitch", "text"] / "Pitch",
    AffirmativeTopic = "topic" at ["inquiry", "topic"] / "Affirmative topic",
    Audience = "audience" at ["meta", "audience"] / "Audience",
    ScopeIn = "scope_in" at ["meta", "scope_in"] / "In scope",
    ScopeOut = "scope_out" at ["meta", "scope_out"] / "Out of scope",
    Cadence = "cadence" at ["meta", "cadence"] / "Cadence",
    Tools = "tools" at ["meta", "tools"] / "Tools",
    Norms = "norms" at ["meta", "norms"] / "Norms",
    DecisionRule = "decision_rule" at ["meta", "decision_rule"] / "Decision rule",
    Jobs = "jobs" at ["pitch", "jobs"] / "Jobs to be done",
    Pains = "pains" at ["pitch", "pains"] / "Pains",
    Gains = "gains" at ["pitch", "gains"] / "Gains",
    PainRelievers = "pain_relievers" at ["pitch", "pain_relievers"] / "Pain relievers",
    GainCreators = "gain_creators" at ["pitch", "gain_creators"] / "Gain creators",
}

impl fmt::Display for ProseField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for ProseField {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for ProseField {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}
