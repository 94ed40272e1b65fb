//! The smallest single splice that turns one text into another.
//!
//! Replacing a prose field wholesale would throw away a concurrent editor's
//! characters; a splice of just the changed middle keeps them.

/// `(position, deleted, inserted)` in Unicode scalar values, or `None` if equal.
///
/// Compares bytes, not collected `char`s: a peer's keystroke into a long
/// text (the window shifts the caret with this on every remote edit) then
/// costs one scan and no copy of either text. UTF-8 is self-synchronising,
/// so a common byte prefix or suffix backed off to a character boundary
/// is exactly the common character prefix or suffix.
pub fn single_splice(old: &str, new: &str) -> Option<(usize, usize, String)> {
    if old == new {
        return None;
    }
    let mut prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    while !old.is_char_boundary(prefix) || !new.is_char_boundary(prefix) {
        prefix -= 1;
    }
    let (old_rest, new_rest) = (&old[prefix..], &new[prefix..]);
    let mut suffix = old_rest
        .bytes()
        .rev()
        .zip(new_rest.bytes().rev())
        .take_while(|(a, b)| a == b)
        .count();
    while !old_rest.is_char_boundary(old_rest.len() - suffix)
        || !new_rest.is_char_boundary(new_rest.len() - suffix)
    {
        suffix -= 1;
    }
    let deleted = old_rest[..old_rest.len() - suffix].chars().count();
    let inserted = new_rest[..new_rest.len() - suffix].to_owned();
    Some((old[..prefix].chars().count(), deleted, inserted))
}

#[cfg(test)]
mod tests {
    use super::single_splice;

    #[test]
    fn splices_only_the_changed_middle() {
        assert_eq!(
            single_splice("hello world", "hello brave world"),
            Some((6, 0, "brave ".into()))
        );
        assert_eq!(single_splice("aaa", "aa"), Some((2, 1, String::new())));
        assert_eq!(single_splice("žluť", "žlutý"), Some((3, 1, "tý".into())));
        assert_eq!(single_splice("same", "same"), None);
        // Characters that share their first bytes: the splice starts at the
        // character, not inside it.
        assert_eq!(single_splice("aé", "aè"), Some((1, 1, "è".into())));
        assert_eq!(single_splice("éa", "èa"), Some((0, 1, "è".into())));
    }

    /// The splice by collected characters, as it was written first.
    fn by_chars(old: &str, new: &str) -> Option<(usize, usize, String)> {
        if old == new {
            return None;
        }
        let old: Vec<char> = old.chars().collect();
        let new: Vec<char> = new.chars().collect();
        let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
        let max_suffix = old.len().min(new.len()) - prefix;
        let suffix = old
            .iter()
            .rev()
            .zip(new.iter().rev())
            .take(max_suffix)
            .take_while(|(a, b)| a == b)
            .count();
        let deleted = old.len() - prefix - suffix;
        let inserted: String = new[prefix..new.len() - suffix].iter().collect();
        Some((prefix, deleted, inserted))
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_the_splice_by_characters(
            old in "[aéèž€😀 ]{0,12}",
            new in "[aéèž€😀 ]{0,12}",
        ) {
            proptest::prop_assert_eq!(single_splice(&old, &new), by_chars(&old, &new));
        }
    }
}
