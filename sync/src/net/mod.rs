//! Peer-to-peer sync: samod's document sync carried over iroh QUIC under
//! Guild's own ALPN, with invites, frame screening and LAN discovery. Who
//! may sync what is decided in [`crate::access`]; the device's key is in
//! [`crate::identity`].
//!
//! - [`ticket`]: invite tickets.
//! - [`clock`]: the time invites expire by.
//! - [`wire`]: framing, limits and the handshake.
//! - [`screen`]: every frame checked before samod reads it.
//! - [`peers`]: last known addresses of other devices.
//! - [`protocol`]: the accepting side (iroh `ProtocolHandler`).
//! - [`dialer`]: the connecting side (samod `Dialer`).
//! - [`node`]: all of it together around a `Library`.
pub mod clock;
pub mod dialer;
pub mod node;
pub mod peers;
pub mod protocol;
pub mod screen;
pub mod ticket;
pub mod wire;
