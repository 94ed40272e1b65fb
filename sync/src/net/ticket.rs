//! Invite tickets: one copy-pasteable string carrying a charter's id, the
//! inviter's endpoint address(es), a secret capability and the access it
//! grants.
//!
//! The secret is 32 random bytes; the charter stores only its SHA-256, so
//! anyone who can read the charter still cannot forge an invite. Tickets use
//! iroh's ticket encoding (`guild` + lowercase base32 of a postcard body).

use std::fmt;
use std::str::FromStr;

use guild_model::AccessLevel;
use iroh::EndpointAddr;
use iroh_tickets::{ParseError, Ticket};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// An invitation to sync one charter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InviteTicket {
    /// The charter's document id.
    pub doc: String,
    /// Where the inviter can be reached.
    pub inviter: EndpointAddr,
    /// The capability.
    pub secret: [u8; 32],
    /// What the joiner may do.
    pub access: AccessLevel,
}

#[derive(Serialize, Deserialize)]
enum Wire {
    V1 {
        doc: String,
        inviter: EndpointAddr,
        secret: [u8; 32],
        read_only: bool,
    },
}

impl InviteTicket {
    /// A new ticket with a fresh secret.
    pub fn new(doc: String, inviter: EndpointAddr, access: AccessLevel) -> Self {
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        Self {
            doc,
            inviter,
            secret,
            access,
        }
    }

    /// The SHA-256 of the secret, as the charter stores it.
    pub fn secret_hash(&self) -> String {
        secret_hash(&self.secret)
    }
}

/// The SHA-256 (hex) of an invite secret.
pub fn secret_hash(secret: &[u8]) -> String {
    hex::encode(Sha256::digest(secret))
}

impl Ticket for InviteTicket {
    const KIND: &'static str = "guild";

    fn encode_bytes(&self) -> Vec<u8> {
        let wire = Wire::V1 {
            doc: self.doc.clone(),
            inviter: self.inviter.clone(),
            secret: self.secret,
            read_only: self.access == AccessLevel::ReadOnly,
        };
        // Serialising owned plain data into a Vec cannot fail.
        postcard::to_stdvec(&wire).unwrap_or_default()
    }

    fn decode_bytes(bytes: &[u8]) -> Result<Self, ParseError> {
        let Wire::V1 {
            doc,
            inviter,
            secret,
            read_only,
        } = postcard::from_bytes(bytes)?;
        let access = if read_only {
            AccessLevel::ReadOnly
        } else {
            AccessLevel::ReadWrite
        };
        Ok(Self {
            doc,
            inviter,
            secret,
            access,
        })
    }
}

/// A string that is not a Guild invite.
#[derive(Debug, thiserror::Error)]
#[error("not a Guild invite ticket: {0}")]
pub struct BadTicket(String);

impl FromStr for InviteTicket {
    type Err = BadTicket;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if !s.starts_with(Self::KIND) {
            return Err(BadTicket("it should start with `guild`".into()));
        }
        let ticket: Self = Ticket::decode_string(s).map_err(|e| BadTicket(e.to_string()))?;
        if ticket.doc.is_empty()
            || ticket.doc.len() > 64
            || !ticket.doc.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return Err(BadTicket("its document id is malformed".into()));
        }
        Ok(ticket)
    }
}

impl fmt::Display for InviteTicket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&Ticket::encode_string(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket() -> InviteTicket {
        let key = iroh::SecretKey::generate();
        let addr = EndpointAddr::from_parts(
            key.public(),
            [iroh::TransportAddr::Ip("127.0.0.1:4040".parse().unwrap())],
        );
        InviteTicket::new(
            "2By6dsFoek45sMztqdsFVGpJbztN".into(),
            addr,
            AccessLevel::ReadOnly,
        )
    }

    #[test]
    fn tickets_round_trip_through_their_string() {
        let t = ticket();
        let text = t.to_string();
        assert!(text.starts_with("guild"));
        assert_eq!(text.parse::<InviteTicket>().unwrap(), t);
    }

    #[test]
    fn damaged_tickets_are_clear_errors_not_panics() {
        let text = ticket().to_string();
        let bad_char = format!("{}1", &text[..text.len() - 1]);
        for bad in [
            "",
            "hello",
            "guild",
            "guildzzzz",
            &text[..text.len() / 2],
            &bad_char,
        ] {
            let err = bad.parse::<InviteTicket>().unwrap_err();
            assert!(
                err.to_string().starts_with("not a Guild invite ticket"),
                "{err}"
            );
        }
    }

    #[test]
    fn the_secret_hash_is_stable_and_not_the_secret() {
        let t = ticket();
        assert_eq!(t.secret_hash(), secret_hash(&t.secret));
        assert_ne!(t.secret_hash(), hex::encode(t.secret));
    }
}
