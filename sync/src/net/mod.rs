//! Peer-to-peer sync: samod's document sync carried over iroh QUIC under
//! Guild's own ALPN, with invites, access control and LAN discovery.
//!
//! - [`identity`]: the device's iroh secret key, kept in the data dir.
//! - [`ticket`]: invite tickets.
//! - [`wire`]: framing, limits and the handshake.
//! - [`access`]: who may sync what (samod's share policy).
//! - [`peers`]: last known addresses of other devices.
//! - [`protocol`]: the accepting side (iroh `ProtocolHandler`).
//! - [`dialer`]: the connecting side (samod `Dialer`).
//! - [`node`]: all of it together around a `Library`.
pub mod access;
pub mod dialer;
pub mod identity;
pub mod node;
pub mod peers;
pub mod protocol;
pub mod ticket;
pub mod wire;
