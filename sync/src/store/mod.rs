//! The document store: samod chunks on disk, written so a crash or a full
//! disk never loses or silently corrupts a document.
//!
//! [`DurableStorage`] is the samod [`Storage`](samod::storage::Storage) the
//! repo runs on; [`StoreHealth`] is how it tells the user what is not saved.

pub(crate) mod atomic;
mod crash_point;
mod durable;
mod health;
mod layout;
mod validate;
mod writer;

pub use durable::{DurableStorage, StoreError, StoreOptions, StoreStats};
pub use health::{DamagedChunk, StoreHealth};
pub use validate::{check_sync_message, load_untrusted, validate_chunk};
