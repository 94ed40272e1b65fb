//! A tap on every sync frame this process sends (feature `wire-tap`, for
//! tests only): a test can check that something never left a device on the
//! wire — a silent brainstorm's drafts — and that it did once it should.
//! Inert until [`start`]; the product is built without it.

use std::sync::{Mutex, PoisonError};

static TAPPED: Mutex<Option<Vec<Vec<u8>>>> = Mutex::new(None);

/// Starts keeping every frame sent from now on (kept until the process
/// ends; tests tap briefly).
pub fn start() {
    TAPPED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get_or_insert_with(Vec::new);
}

/// Whether any frame sent since [`start`] contains `needle`.
pub fn sent(needle: &[u8]) -> bool {
    TAPPED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_ref()
        .is_some_and(|frames| {
            frames
                .iter()
                .any(|f| f.windows(needle.len()).any(|w| w == needle))
        })
}

pub(crate) fn record(frame: &[u8]) {
    if let Some(frames) = TAPPED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .as_mut()
    {
        frames.push(frame.to_vec());
    }
}
