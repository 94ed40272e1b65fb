//! Peer-to-peer sync: samod's document sync carried over iroh QUIC under
//! Guild's own ALPN, with invites, frame screening and LAN discovery. Who
//! may sync what is decided in [`crate::access`]; the device's key is in
//! [`crate::identity`].
//!
//! - [`ticket`]: invite tickets.
//! - [`clock`]: the time invites expire by.
//! - [`wire`]: framing, limits and the handshake (and, for tests, `wire_tap`);
//!   [`envelope`]: samod's messages wrapped compactly (wire versions 2 and 3);
//!   [`in_sync`]: no opening sync for charters both sides hold at the same
//!   heads (wire version 3), [`agreement`]: which those are.
//! - [`screen`]: every frame checked before samod reads it.
//! - [`peers`]: last known addresses of other devices.
//! - [`protocol`]: the accepting side (iroh `ProtocolHandler`).
//! - [`dialer`]: the connecting side (samod `Dialer`).
//! - [`workshop`]: announcing a workshop, knocking, the join code.
//! - [`paths`]: per peer, direct or relayed, and the round-trip time.
//! - [`relays`]: the relay each charter's community uses, remembered here.
//! - [`netsplit`]: network cuts inside one process, for the simulation.
//! - [`node`]: all of it together around a `Library`.
pub mod agreement;
pub mod clock;
pub mod dialer;
pub mod envelope;
pub mod in_sync;
pub mod netsplit;
pub mod node;
pub mod paths;
pub mod peers;
pub mod protocol;
pub mod relays;
pub mod screen;
pub mod ticket;
pub mod wire;
#[cfg(feature = "wire-tap")]
pub mod wire_tap;
pub mod workshop;
