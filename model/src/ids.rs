//! Stable ids for the charter's items (cards, objectives, notes …).
//!
//! Ids are chosen by whoever creates the item and never change, so a map
//! keyed by id merges without duplicates. Randomness is the caller's: ops
//! carry their ids, which keeps [`crate::apply`] deterministic.

use rand::Rng;

const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// A fresh random item id: 12 base-36 characters (≈ 62 bits).
pub fn new_id() -> String {
    let mut rng = rand::rng();
    (0..12)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_short_and_distinct() {
        let a = super::new_id();
        let b = super::new_id();
        assert_eq!(a.len(), 12);
        assert_ne!(a, b);
    }
}
