//! The seed's value table: the cards a new charter starts with.
//!
//! From the seed text "Short- and long-term value to organizations and
//! members": one card per bullet, in its cell.

use crate::enums::Cell;

/// The seed's table, cell by cell, bullet by bullet.
pub const SEED_VALUE_TABLE: &[(Cell, &[&str])] = &[
    (
        Cell::OrganisationShortTerm,
        &[
            "Work collectively to solve both local and organization-wide problems",
            "Avoid repeating mistakes across teams, departments, and contexts",
            "Create synergies and economies of scale between organizational units",
            "Benchmark approaches and solutions across contexts",
            "Mentor newcomers to help them get up to speed quickly",
        ],
    ),
    (
        Cell::OrganisationLongTerm,
        &[
            "Build strategic capabilities for ongoing success",
            "Involve practice-based partners in strategic conversations about future capabilities",
            "Transform local innovations into widespread yet locally adapted practices",
            "Build a more engaged and committed workforce",
            "Retain employees and promote them internally",
        ],
    ),
    (
        Cell::MembersShortTerm,
        &[
            "Connect with colleagues beyond one's team",
            "Receive just-in-time help not limited to personal network",
            "Get tips and ideas for one's job",
            "Know what is happening in other teams, departments and organizations",
            "Organize practical and relevant professional development",
            "Find new opportunities for emergent leadership",
        ],
    ),
    (
        Cell::MembersLongTerm,
        &[
            "Develop new skills and capabilities",
            "Build a stronger sense of professional identity",
            "Gain recognition and reputation by helping people in other organizational units",
            "Gain a collective voice to engage organizational stakeholders around relevant issues",
            "Expand one's professional network",
            "Develop leadership capabilities",
        ],
    ),
];

/// The seed cards in charter order: `(cell, text)`.
pub fn seed_cards() -> impl Iterator<Item = (Cell, &'static str)> {
    SEED_VALUE_TABLE
        .iter()
        .flat_map(|(cell, bullets)| bullets.iter().map(move |b| (*cell, *b)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_table_has_twenty_two_bullets() {
        assert_eq!(super::seed_cards().count(), 22);
    }
}
