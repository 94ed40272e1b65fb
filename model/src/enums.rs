//! The charter's closed vocabularies (roles, horizons, value-map cells …),
//! stored in the document as short lowercase strings.

use std::fmt;
use std::str::FromStr;

use autosurgeon::reconcile::NoKey;
use autosurgeon::{Hydrate, HydrateError, Reconcile, Reconciler};

/// A string that is not one of a vocabulary's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} `{value}`; expected one of: {expected}")]
pub struct UnknownValue {
    /// Which vocabulary was asked for.
    pub kind: &'static str,
    /// What was given.
    pub value: String,
    /// The accepted values, comma separated.
    pub expected: String,
}

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $kind:literal { $($variant:ident = $text:literal / $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub enum $name {
            #[default]
            $(#[doc = $label] $variant),+
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as stored in the document and in JSON.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The value as shown to people.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
                $(if wanted == $text { return Ok($name::$variant); })+
                Err(UnknownValue {
                    kind: $kind,
                    value: s.to_owned(),
                    expected: [$($text),+].join(", "),
                })
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }

        impl Reconcile for $name {
            type Key<'a> = NoKey;
            fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
                reconciler.str(self.as_str())
            }
        }

        impl Hydrate for $name {
            fn hydrate_string(s: &str) -> Result<Self, HydrateError> {
                s.parse().map_err(|e: UnknownValue| HydrateError::unexpected($kind, e.to_string()))
            }
        }
    };
}

vocabulary!(
    /// A member's role in the community.
    Role, "role" {
        Member = "member" / "Member",
        Sponsor = "sponsor" / "Sponsor",
        CoreGroup = "core_group" / "Core group",
        PotentialMember = "potential_member" / "Potential member",
    }
);

vocabulary!(
    /// When an objective pays off.
    Horizon, "horizon" {
        ShortTerm = "short_term" / "Short term",
        LongTerm = "long_term" / "Long term",
    }
);

vocabulary!(
    /// Where an objective stands.
    Status, "status" {
        Proposed = "proposed" / "Proposed",
        Active = "active" / "Active",
        Achieved = "achieved" / "Achieved",
        Dropped = "dropped" / "Dropped",
    }
);

vocabulary!(
    /// The four cells of the value map: to whom, and when.
    Cell, "cell" {
        OrganisationShortTerm = "organisation_short_term" / "Organisation · short term",
        OrganisationLongTerm = "organisation_long_term" / "Organisation · long term",
        MembersShortTerm = "members_short_term" / "Members · short term",
        MembersLongTerm = "members_long_term" / "Members · long term",
    }
);

vocabulary!(
    /// The phases of the appreciative-inquiry 4-D cycle.
    Phase, "phase" {
        Discover = "discover" / "Discover",
        Dream = "dream" / "Dream",
        Design = "design" / "Design",
        Deliver = "deliver" / "Deliver",
    }
);

vocabulary!(
    /// What an appreciative-inquiry note names.
    Tag, "tag" {
        Need = "need" / "Need",
        Challenge = "challenge" / "Challenge",
        Opportunity = "opportunity" / "Opportunity",
    }
);

vocabulary!(
    /// Whether anyone may join.
    Membership, "membership" {
        Open = "open" / "Open",
        Closed = "closed" / "Closed",
    }
);

vocabulary!(
    /// The Wenger-Trayner value-creation cycles a story can reach.
    Cycle, "cycle" {
        Immediate = "immediate" / "Immediate value",
        Potential = "potential" / "Potential value",
        Applied = "applied" / "Applied value",
        Realized = "realized" / "Realized value",
        Transformative = "transformative" / "Transformative value",
    }
);

vocabulary!(
    /// What a device may do with a charter it syncs.
    AccessLevel, "access" {
        ReadWrite = "read_write" / "Read and write",
        ReadOnly = "read_only" / "Read only",
    }
);

vocabulary!(
    /// The kinds of silo a community bridges.
    UnitKind, "unit kind" {
        BusinessUnit = "business_unit" / "Business unit",
        Team = "team" / "Team",
        Project = "project" / "Project",
        Office = "office" / "Office",
        Partner = "partner" / "Partner organisation",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_labels_loosely_and_rejects_strangers() {
        assert_eq!("core group".parse::<Role>(), Ok(Role::CoreGroup));
        assert_eq!("Short-Term".parse::<Horizon>(), Ok(Horizon::ShortTerm));
        let err = "later".parse::<Horizon>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown horizon `later`; expected one of: short_term, long_term"
        );
    }

    #[test]
    fn every_value_round_trips() {
        for cell in Cell::ALL {
            assert_eq!(cell.as_str().parse::<Cell>(), Ok(*cell));
        }
    }
}
