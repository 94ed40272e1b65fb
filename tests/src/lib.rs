//! Shared helpers for Guild's cross-crate tests (crashes, many peers,
//! hostile peers) and the helper binaries they drive.

use std::path::Path;

use guild_sync::{DataDir, Library, LibraryError, LibraryOptions};

/// A tokio runtime for tests that drive a [`Library`] from plain `#[test]`s.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Opens the library in `dir`.
pub async fn open_library(dir: &Path, options: LibraryOptions) -> Result<Library, LibraryError> {
    Library::open(DataDir::resolve(Some(dir.to_path_buf()))?, options).await
}
