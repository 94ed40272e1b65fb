//! The document store: samod chunks on disk, written so a crash or a full
//! disk never loses or silently corrupts a document.
//!
//! [`DurableStorage`] is the samod [`Storage`](samod::storage::Storage) the
//! repo runs on; [`StoreHealth`] is how it tells the user what is not saved.
//! This module is the only place that knows samod's storage keys
//! ([`incremental_key`], [`snapshot_key`], [`sync_state_key`]) and how
//! they map to paths.

mod atomic;
mod crash_point;
mod durable;
mod health;
mod layout;
mod state;
mod sync_state;
mod validate;
mod writer;

pub(crate) use atomic::{sync_dir, write_atomic};
pub use durable::{DurableStorage, StoreError, StoreOptions, StoreStats};
pub use health::{DamagedChunk, StoreHealth};
pub use layout::{incremental_key, snapshot_key};
pub use sync_state::sync_state_key;
pub use validate::{check_sync_message, load_untrusted, validate_chunk};
