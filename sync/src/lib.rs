//! Guild's storage on disk and peer sync.
//!
//! - [`data_dir`]: where Guild keeps its data, and the lock that keeps two
//!   Guild processes from using it at once.
//! - [`store`]: the crash-safe samod storage for documents.
//! - [`device`]: this device's identity, the prefix of its actor ids.
//! - [`library`]: the charters of a data dir: create, read, edit, import.

pub mod data_dir;
pub mod device;
pub mod library;
pub mod net;
pub mod store;

pub use data_dir::{DataDir, DataDirError, DataDirLock, LockError};
pub use device::{DeviceId, DeviceIdError};
pub use library::{CharterView, DocumentSummary, Library, LibraryError, LibraryOptions};
pub use store::{DamagedChunk, DurableStorage, StoreError, StoreHealth, StoreOptions, StoreStats};
