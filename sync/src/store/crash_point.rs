//! Named places in the store's write path where a crash test can make the
//! process die on the spot, as a power cut or `SIGKILL` would, at exactly
//! the moment it wants to test: between a snapshot's rename and its
//! directory sync, or after its compaction deleted only some chunks.
//!
//! Compiled only with the `crash-points` feature (the cross-crate tests
//! turn it on); set `GUILD_CRASH_POINT=NAME` or `NAME@N` to abort at the
//! first or N-th time NAME is reached. Without the variable nothing
//! changes.

#[cfg(feature = "crash-points")]
mod armed {
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};

    static TARGET: OnceLock<Option<(String, u64)>> = OnceLock::new();
    static HITS: AtomicU64 = AtomicU64::new(0);

    fn target() -> Option<&'static (String, u64)> {
        TARGET
            .get_or_init(|| {
                let spec = std::env::var("GUILD_CRASH_POINT").ok()?;
                Some(match spec.split_once('@') {
                    Some((name, n)) => (name.to_owned(), n.parse().unwrap_or(1)),
                    None => (spec, 1),
                })
            })
            .as_ref()
    }

    pub(crate) fn reached(name: &str) {
        if let Some((wanted, nth)) = target()
            && wanted == name
            && HITS.fetch_add(1, Ordering::SeqCst) + 1 >= *nth
        {
            eprintln!("crash point {name}: aborting");
            std::process::abort();
        }
    }
}

/// Marks the place `name`; aborts the process there if a test asked to.
#[cfg(feature = "crash-points")]
pub(crate) fn reached(name: &str) {
    armed::reached(name);
}

/// Marks the place `name` (a no-op without the `crash-points` feature).
#[cfg(not(feature = "crash-points"))]
#[inline]
pub(crate) fn reached(_name: &str) {}
