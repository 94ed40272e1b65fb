//! Order keys (fractional indices) for ordered collections.
//!
//! An item's place in its collection is a string key; the collection sorts
//! by `(key, id)`. Moving an item writes a new key between its new
//! neighbours' keys and never deletes and re-inserts it, so two people
//! moving one card at once cannot duplicate it.
//!
//! Keys are base-62 fractions `0.d1d2…` written as their digits, with no
//! trailing `0` digit, so there is always room between two keys. Each key
//! ends with a short *salt* derived from the writer's actor id: two peers
//! inserting into the same gap at once get distinct keys.

const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE: u8 = 62;

fn digit_value(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'A'..=b'Z' => c - b'A' + 10,
        b'a'..=b'z' => c - b'a' + 36,
        // Keys come from peers; a stray byte sorts as the smallest digit
        // rather than failing the whole ordering.
        _ => 0,
    }
}

/// A salt of four non-zero digits derived from an actor id's bytes.
pub fn order_salt(actor: &[u8]) -> String {
    // FNV-1a: a stable, dependency-free spread of the actor's bytes.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in actor {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (0..4)
        .map(|i| {
            let d = 1 + ((hash >> (i * 16)) % u64::from(BASE - 1)) as u8;
            char::from(DIGITS[usize::from(d)])
        })
        .collect()
}

/// A key strictly between `low` and `high` (`None` = the ends), ending in `salt`.
///
/// `low` must sort before `high`; if a peer's data breaks that (equal or
/// inverted keys), the result still sorts after `low`.
pub fn key_between(low: Option<&str>, high: Option<&str>, salt: &str) -> String {
    let low: Vec<u8> = low.unwrap_or("").bytes().map(digit_value).collect();
    let high: Option<Vec<u8>> = high.map(|h| h.bytes().map(digit_value).collect());
    let high = high.filter(|h| fraction_less(&low, h));
    let mut digits = midpoint(&low, high.as_deref());
    digits.extend(salt.bytes().map(digit_value));
    while digits.last() == Some(&0) {
        digits.pop();
    }
    digits
        .iter()
        .map(|d| char::from(DIGITS[usize::from(*d)]))
        .collect()
}

fn fraction_less(a: &[u8], b: &[u8]) -> bool {
    let len = a.len().max(b.len());
    for i in 0..len {
        let (x, y) = (
            a.get(i).copied().unwrap_or(0),
            b.get(i).copied().unwrap_or(0),
        );
        if x != y {
            return x < y;
        }
    }
    false
}

/// Digits `m` with `low < m < high` that are never a prefix of `high`, so
/// appending a salt keeps the result below `high`.
fn midpoint(low: &[u8], high: Option<&[u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    if let Some(high) = high {
        // Shared leading digits stay as they are.
        while i < high.len() && low.get(i).copied().unwrap_or(0) == high[i] {
            out.push(high[i]);
            i += 1;
        }
    }
    let a = low.get(i).copied().unwrap_or(0);
    let b = high.and_then(|h| h.get(i).copied()).unwrap_or(BASE);
    if b - a > 1 {
        out.push(u8::midpoint(a, b));
    } else {
        // Adjacent digits: keep `a` and go one level deeper with no upper bound.
        out.push(a);
        out.extend(midpoint(low.get(i + 1..).unwrap_or(&[]), None));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn first_key_sits_in_the_middle() {
        assert_eq!(key_between(None, None, ""), "V");
    }

    #[test]
    fn salts_differ_per_actor_and_have_no_zero() {
        let a = order_salt(b"actor-a");
        let b = order_salt(b"actor-b");
        assert_ne!(a, b);
        assert!(!a.contains('0') && a.len() == 4);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn repeated_inserts_stay_ordered(choices in proptest::collection::vec((0usize..1000, any::<bool>()), 1..60), salt_seed in any::<u64>()) {
            let salt = order_salt(&salt_seed.to_le_bytes());
            let mut keys: Vec<String> = Vec::new();
            for (at, other_salt) in choices {
                let salt = if other_salt { order_salt(b"x") } else { salt.clone() };
                let pos = if keys.is_empty() { 0 } else { at % (keys.len() + 1) };
                let low = pos.checked_sub(1).map(|p| keys[p].as_str());
                let high = keys.get(pos).map(String::as_str);
                let key = key_between(low, high, &salt);
                if let Some(low) = low { prop_assert!(low < key.as_str(), "{low} < {key}"); }
                if let Some(high) = high { prop_assert!(key.as_str() < high, "{key} < {high}"); }
                prop_assert!(!key.ends_with('0'));
                keys.insert(pos, key);
            }
        }
    }
}
