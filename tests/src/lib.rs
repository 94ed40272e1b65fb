//! Shared helpers for Guild's cross-crate tests (crashes, many peers,
//! hostile peers) and the helper binaries they drive.

#[cfg(unix)]
pub mod control;
pub mod disk;
pub mod fuzz_targets;
pub mod hostile;
pub mod netns;
pub mod procs;
pub mod raw_peer;
pub mod sim;
pub mod trace;

use std::path::Path;

use guild_sync::{DataDir, Library, LibraryError, LibraryOptions};

/// Logs to stderr as `RUST_LOG` says (nothing by default); call freely.
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "off".into()),
        )
        .try_init();
}

/// A tokio runtime for tests that drive a [`Library`] from plain `#[test]`s.
pub fn runtime() -> tokio::runtime::Runtime {
    init_tracing();
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

/// Network options for tests: loopback only, nothing else.
pub fn loopback() -> guild_sync::net::node::NetOptions {
    guild_sync::net::node::NetOptions {
        label: Some("test peer".into()),
        ..guild_sync::net::node::NetOptions::loopback()
    }
}

/// Starts a node on loopback over the library in `dir`.
pub async fn start_node(dir: &Path) -> guild_sync::net::node::Node {
    let library = open_library(dir, LibraryOptions::interactive())
        .await
        .expect("open library");
    guild_sync::net::node::Node::start(library, loopback())
        .await
        .expect("start node")
}
