//! "How am I connected?": for each peer, whether its connection runs on a
//! direct path or through a relay, and the round-trip time.
//!
//! An endpoint hook sees every connection once its handshake is done and
//! keeps a weak handle to it (a weak one, so this never keeps a connection
//! open); [`PathBook::path_to`] reads the live connection's selected path.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use iroh::EndpointId;
use iroh::endpoint::{AfterHandshakeOutcome, Connection, EndpointHooks, WeakConnectionHandle};

/// How a connection to a peer runs now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PathKind {
    /// Straight between the two devices (a LAN, or a punched hole).
    Direct,
    /// Through a relay.
    Relayed,
}

impl PathKind {
    /// The word `guild sync` prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Direct => "direct",
            Self::Relayed => "relayed",
        }
    }
}

/// A peer's connection, as [`PathBook::path_to`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathNow {
    /// Direct or relayed.
    pub kind: PathKind,
    /// The selected path's round-trip time estimate.
    pub rtt: Duration,
}

/// Weak handles to this endpoint's connections, by peer.
#[derive(Debug, Clone, Default)]
pub(crate) struct PathBook {
    connections: Arc<Mutex<HashMap<EndpointId, Vec<WeakConnectionHandle>>>>,
}

impl PathBook {
    /// The path the newest live connection to `peer` uses now.
    pub(crate) fn path_to(&self, peer: &EndpointId) -> Option<PathNow> {
        let live = self
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(peer)?
            .iter()
            .rev()
            .filter_map(WeakConnectionHandle::upgrade)
            .find(|c| c.close_reason().is_none())?;
        selected(&live)
    }
}

/// Whether a connection is still open.
fn is_live(handle: &WeakConnectionHandle) -> bool {
    handle.upgrade().is_some_and(|c| c.close_reason().is_none())
}

/// The connection's selected path (the one its data goes on now).
fn selected(conn: &Connection) -> Option<PathNow> {
    let paths = conn.paths();
    let path = paths
        .iter()
        .find(iroh::endpoint::Path::is_selected)
        .or_else(|| paths.iter().next())?;
    Some(PathNow {
        kind: if path.is_relay() {
            PathKind::Relayed
        } else {
            PathKind::Direct
        },
        rtt: path.rtt(),
    })
}

impl EndpointHooks for PathBook {
    async fn after_handshake(&self, conn: &Connection) -> AfterHandshakeOutcome {
        let mut map = self
            .connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Each new connection clears the ended ones of every peer, so the
        // book stays as small as the live connections however often peers
        // come and go.
        map.retain(|_, handles| {
            handles.retain(is_live);
            !handles.is_empty()
        });
        map.entry(conn.remote_id())
            .or_default()
            .push(conn.weak_handle());
        AfterHandshakeOutcome::accept()
    }
}
