//! The smallest single splice that turns one text into another.
//!
//! Replacing a prose field wholesale would throw away a concurrent editor's
//! characters; a splice of just the changed middle keeps them.

/// `(position, deleted, inserted)` in Unicode scalar values, or `None` if equal.
pub fn single_splice(old: &str, new: &str) -> Option<(usize, usize, String)> {
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
    }
}
