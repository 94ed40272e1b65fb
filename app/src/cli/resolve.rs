//! Finding an item from what a person typed: a full id, a unique id prefix,
//! or (for units and members) a unique name.

use std::collections::BTreeMap;

use anyhow::{Result, bail};

/// The id of the item `query` names in `items`.
pub(super) fn item_id<T>(
    noun: &str,
    items: &BTreeMap<String, T>,
    name: impl Fn(&T) -> String,
    query: &str,
) -> Result<String> {
    if items.contains_key(query) {
        return Ok(query.to_owned());
    }
    let by_prefix: Vec<&String> = items.keys().filter(|id| id.starts_with(query)).collect();
    if let [one] = by_prefix.as_slice() {
        return Ok((*one).clone());
    }
    let by_name: Vec<&String> = items
        .iter()
        .filter(|(_, item)| name(item).eq_ignore_ascii_case(query))
        .map(|(id, _)| id)
        .collect();
    match (by_prefix.len(), by_name.as_slice()) {
        (_, [one]) => Ok((*one).clone()),
        (0, []) => bail!("no {noun} matches `{query}` (`guild show DOC --ids` lists ids)"),
        _ => bail!("`{query}` matches more than one {noun}; give more of the id"),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    #[test]
    fn ids_prefixes_and_names_resolve_and_ambiguity_is_refused() {
        let items: BTreeMap<String, &str> =
            [("ab12".to_string(), "Sales"), ("ab34".to_string(), "Ops")].into();
        let name = |n: &&str| (*n).to_string();
        assert_eq!(
            super::item_id("unit", &items, name, "ab12").unwrap(),
            "ab12"
        );
        assert_eq!(super::item_id("unit", &items, name, "ab3").unwrap(), "ab34");
        assert_eq!(
            super::item_id("unit", &items, name, "sales").unwrap(),
            "ab12"
        );
        assert!(
            super::item_id("unit", &items, name, "ab")
                .unwrap_err()
                .to_string()
                .contains("more than one")
        );
        assert!(
            super::item_id("unit", &items, name, "zz")
                .unwrap_err()
                .to_string()
                .contains("no unit matches")
        );
    }
}
