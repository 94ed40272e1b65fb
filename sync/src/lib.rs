//! Guild's storage on disk and peer sync.
//!
//! - [`data_dir`]: where Guild keeps its data, every file name in it, the
//!   one way those files are written, and the lock that keeps two Guild
//!   processes from using it at once.
//! - [`store`]: the crash-safe samod storage for documents; the only place
//!   that knows samod's storage keys.
//! - [`identity`]: this device's id (the prefix of its actor ids) and key.
//! - [`access`]: who may sync which charter (the access index and samod's
//!   share policy).
//! - [`library`]: the charters of a data dir: create, read, edit, import.
//! - [`net`]: the library on the network (iroh, Guild's ALPN, invites).
//! - [`relay`]: `guild relay`, the iroh relay server a community runs itself.

pub mod access;
pub mod data_dir;
pub mod identity;
pub mod library;
pub mod net;
pub mod relay;
pub mod store;

pub use data_dir::{DataDir, DataDirError, DataDirLock, LockError};
pub use identity::{DeviceId, Identity, IdentityError};
pub use library::{CharterView, DocumentSummary, Library, LibraryError, LibraryOptions};
pub use store::{DamagedChunk, DurableStorage, StoreError, StoreHealth, StoreOptions, StoreStats};
