//! The knock: a second ALPN beside Guild's sync, on which a device that is
//! admitted to nothing yet asks a workshop's host to let it in. JSON
//! frames of the handshake's size limit ([`crate::net::wire::FramedStream`]),
//! one short conversation per connection:
//!
//! ```text
//! participant → Knock { doc, name, label, device, code: SPAKE2 message? }
//! host        → CodeReply { message, confirmation }   (only with a code)
//! participant → CodeProof { confirmation }            (only with a code)
//! host        → Waiting …                             (while in the queue)
//! host        → Admitted { access } | Refused(why)
//! ```
//!
//! Admitted means the host has recorded the device in the charter's access
//! list; the participant then syncs with it like any admitted device.

use guild_model::AccessLevel;
use serde::{Deserialize, Serialize};

/// The knock's ALPN.
pub const KNOCK_ALPN: &[u8] = b"guild/knock/1";

/// The knock's wire version.
pub const KNOCK_VERSION: u32 = 1;

/// How often a host tells a queued participant it is still waiting: well
/// under the handshake timeout, so a wait of minutes is not a silence.
pub const WAITING_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

/// The longest a name or label from a knock is kept.
pub const MAX_NAME: usize = 64;

/// What the participant says first.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Knock {
    /// [`KNOCK_VERSION`].
    pub version: u32,
    /// The charter of the workshop (from its announcement).
    pub doc: String,
    /// The person's name, for the host's queue.
    pub name: String,
    /// The device's name ("Ben's laptop").
    pub label: String,
    /// The device's Guild id (its actor prefix).
    pub device: String,
    /// The first SPAKE2 message, when the person typed a join code.
    pub code: Option<Vec<u8>>,
}

/// The participant's proof that it derived the host's key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CodeProof {
    /// Its confirmation ([`super::code::SharedKey::confirmation`]).
    pub confirmation: Vec<u8>,
}

/// What the host says.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub enum HostSays {
    /// The host's SPAKE2 message and its own confirmation.
    CodeReply {
        /// The host's SPAKE2 message.
        message: Vec<u8>,
        /// The host's confirmation.
        confirmation: Vec<u8>,
    },
    /// In the queue: the host has not decided yet.
    Waiting,
    /// Admitted: the device is on the charter's access list.
    Admitted {
        /// What it may do.
        access: AccessLevel,
    },
    /// Refused, with a reason for people.
    Refused(String),
}

/// Refusals a participant shows as they are.
pub mod refusal {
    /// No workshop is hosted for that charter (ended, or never).
    pub const ENDED: &str = "this workshop has ended; ask the host for a new one";
    /// The code did not match.
    pub const WRONG_CODE: &str = "that join code is not right; check it and try again";
    /// The device used up its tries.
    pub const DEVICE_TRIES: &str = "too many wrong join codes from this device; knock without a code and the host can let you in";
    /// The workshop's code was turned off after too many wrong tries.
    pub const CODE_LOCKED: &str = "the join code was turned off after too many wrong tries; knock without a code, or ask for a new one";
    /// The host has no code.
    pub const NO_CODE: &str = "this workshop has no join code; knock without one";
    /// The host said no.
    pub const DECLINED: &str = "the host did not let this device in";
    /// The device was revoked from the charter.
    pub const REVOKED: &str = "this device's access to the charter was revoked";
    /// The queue is full.
    pub const BUSY: &str = "the host has too many knocks waiting; try again in a moment";
}
