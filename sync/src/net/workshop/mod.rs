//! A workshop in a room: the host's device announces it on the LAN,
//! participants find it there and knock, and the host lets them in — one
//! by one from a queue, everyone for a while, or whoever types the join
//! code on the projector.
//!
//! - [`announce`]: what the mDNS record says while a workshop is hosted.
//! - [`nearby`]: the workshops announced on this network.
//! - [`knock`]: the knock's ALPN and messages.
//! - [`code`]: the join code and its SPAKE2 proof.
//! - [`desk`]: the host's state: queue, switch, code and its tries.
//! - [`door`]: the host's side of a knock (iroh `ProtocolHandler`).
//! - [`visitor`]: the participant's side of a knock.
//!
//! The [`crate::net::node::Node`] methods that use them are in
//! `node/hosting.rs`.
pub mod announce;
pub mod code;
pub mod desk;
pub mod door;
pub mod knock;
pub mod nearby;
pub mod visitor;
