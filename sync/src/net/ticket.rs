//! Invite tickets: one copy-pasteable string carrying a charter's id, the
//! inviter's endpoint address(es), a secret capability, the access it
//! grants, and the relay the inviter uses (if any), so a joiner behind
//! another NAT needs nothing else.
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
    /// The relay the inviter uses, as its URL (with its `?token=`, when the
    /// relay wants one): the joiner uses it too.
    pub relay: Option<String>,
}

#[derive(Serialize, Deserialize)]
enum Wire {
    V1 {
        doc: String,
        inviter: EndpointAddr,
        secret: [u8; 32],
        read_only: bool,
    },
    /// V1 and the inviter's relay. Written only when there is a relay, so
    /// a ticket without one still reads in a Guild that knows only V1.
    V2 {
        doc: String,
        inviter: EndpointAddr,
        secret: [u8; 32],
        read_only: bool,
        relay: String,
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
            relay: None,
        }
    }

    /// The same ticket, carrying `relay` (the inviter's relay URL).
    #[must_use]
    pub fn with_relay(mut self, relay: Option<String>) -> Self {
        self.relay = relay;
        self
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
        let (doc, inviter, secret) = (self.doc.clone(), self.inviter.clone(), self.secret);
        let read_only = self.access == AccessLevel::ReadOnly;
        let wire = match &self.relay {
            None => Wire::V1 {
                doc,
                inviter,
                secret,
                read_only,
            },
            Some(relay) => Wire::V2 {
                doc,
                inviter,
                secret,
                read_only,
                relay: relay.clone(),
            },
        };
        // Serialising owned plain data into a Vec cannot fail.
        postcard::to_stdvec(&wire).unwrap_or_default()
    }

    fn decode_bytes(bytes: &[u8]) -> Result<Self, ParseError> {
        let (doc, inviter, secret, read_only, relay) = match postcard::from_bytes(bytes)? {
            Wire::V1 {
                doc,
                inviter,
                secret,
                read_only,
            } => (doc, inviter, secret, read_only, None),
            Wire::V2 {
                doc,
                inviter,
                secret,
                read_only,
                relay,
            } => (doc, inviter, secret, read_only, Some(relay)),
        };
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
            relay,
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
        if let Some(relay) = &ticket.relay {
            super::relays::parse_relay(relay)
                .map_err(|_| BadTicket("its relay is not a relay URL".into()))?;
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
    fn tickets_carry_the_inviters_relay_and_old_tickets_still_read() {
        let plain = ticket();
        let relayed = plain
            .clone()
            .with_relay(Some("http://203.0.113.1:3340/?token=s3cret".into()));
        let text = relayed.to_string();
        assert_eq!(text.parse::<InviteTicket>().unwrap(), relayed);
        // A ticket without a relay is written as before (V1), so the
        // Guilds that came before relays read it, and this one reads theirs.
        let old = Ticket::encode_string(&plain);
        assert!(
            postcard::from_bytes::<Wire>(
                &Ticket::decode_string(&old)
                    .map(|t: InviteTicket| t.encode_bytes())
                    .unwrap()
            )
            .is_ok_and(|w| matches!(w, Wire::V1 { .. }))
        );
        assert_eq!(old.parse::<InviteTicket>().unwrap().relay, None);
        let bad = plain.with_relay(Some("ftp://nope".into())).to_string();
        assert!(
            bad.parse::<InviteTicket>()
                .unwrap_err()
                .to_string()
                .contains("relay")
        );
    }

    #[test]
    fn the_secret_hash_is_stable_and_not_the_secret() {
        let t = ticket();
        assert_eq!(t.secret_hash(), secret_hash(&t.secret));
        assert_ne!(t.secret_hash(), hex::encode(t.secret));
    }
}
