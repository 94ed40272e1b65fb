//! The control socket `DIR/guild.sock`: while one process holds a data
//! directory (`guild serve`, or the window), other `guild` commands on that
//! directory are sent there and run by it, so people can edit and invite
//! while it runs.
//!
//! This module owns the wire ([`protocol`]), listening ([`server`]) and
//! sending ([`client`]). What a request does is up to the process that
//! holds the directory, given to the server as a [`Runner`]: the headless
//! node runs the command at once; the window hands it to its worker, so
//! that the edit lands on the window's undo stack.

pub(crate) mod client;
pub(crate) mod protocol;
pub(crate) mod server;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use automerge::ChangeHash;
use guild_sync::net::node::Node;

use protocol::{Request, Response};

/// A response on its way.
pub(crate) type Reply = Pin<Box<dyn Future<Output = Response> + Send>>;

/// Runs the requests that reach the control socket.
pub(crate) trait Runner: Send + Sync + 'static {
    /// Runs `request` and answers it.
    fn run(&self, request: Request) -> Reply;
}

/// What running a request did.
#[derive(Debug, Default)]
pub(crate) struct Ran {
    /// The answer for the caller.
    pub(crate) response: Response,
    /// The changes it made as this session, oldest first, by charter: what
    /// the window puts on its undo stack.
    pub(crate) changes: Vec<(String, ChangeHash)>,
}

/// Runs a request on a node: the command line's part, which the window's
/// worker calls without knowing the commands.
pub(crate) type Execute =
    Arc<dyn Fn(Arc<Node>, Request) -> Pin<Box<dyn Future<Output = Ran> + Send>> + Send + Sync>;
