//! The join code a host projects: six digits that admit whoever types them,
//! proven with SPAKE2 (the `spake2` crate) so that neither an eavesdropper
//! nor a device that knocks can test guesses offline: each knock is one
//! guess, and the host limits how many a device and a workshop get
//! ([`super::desk`]).
//!
//! Both sides run SPAKE2 in its symmetric mode with the code as password,
//! bound to the charter, then prove they hold the same key by exchanging
//! confirmations that also bind both devices' endpoint ids, so a
//! confirmation cannot be replayed to another host or for another device.

use rand::Rng as _;
use sha2::{Digest as _, Sha256};
use spake2::{Ed25519Group, Identity, Password, Spake2};

/// How many digits a join code has.
pub const CODE_DIGITS: usize = 6;

/// A new random join code, `CODE_DIGITS` digits.
pub fn new_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_DIGITS)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

/// A code as typed: digits only, spaces and dashes dropped ("123 456").
pub fn normalize(typed: &str) -> String {
    typed.chars().filter(char::is_ascii_digit).collect()
}

/// One side of the exchange, between its first message and the other's.
pub struct CodeExchange {
    state: Spake2<Ed25519Group>,
    doc: String,
}

impl std::fmt::Debug for CodeExchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeExchange").finish_non_exhaustive()
    }
}

/// The key both sides hold after the exchange, if their codes matched.
pub struct SharedKey(Vec<u8>);

/// Which side a confirmation speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The workshop's host.
    Host,
    /// The device that knocks.
    Participant,
}

impl CodeExchange {
    /// Starts the exchange for `code` on charter `doc`; returns the message
    /// to send.
    pub fn start(code: &str, doc: &str) -> (Self, Vec<u8>) {
        let identity = Identity::new(format!("guild/workshop-code/1:{doc}").as_bytes());
        let (state, message) =
            Spake2::<Ed25519Group>::start_symmetric(&Password::new(normalize(code)), &identity);
        (
            Self {
                state,
                doc: doc.to_owned(),
            },
            message,
        )
    }

    /// Finishes with the other side's message; `None` if it is malformed.
    pub fn finish(self, theirs: &[u8]) -> Option<(SharedKey, String)> {
        let key = self.state.finish(theirs).ok()?;
        Some((SharedKey(key), self.doc))
    }
}

impl SharedKey {
    /// The proof that `side` holds this key, for the knock of
    /// `participant` at `host` on charter `doc`.
    pub fn confirmation(&self, side: Side, doc: &str, host: &str, participant: &str) -> Vec<u8> {
        let mut hash = Sha256::new();
        hash.update(b"guild/workshop-code/confirm/1");
        hash.update(&self.0);
        hash.update(match side {
            Side::Host => b"host".as_slice(),
            Side::Participant => b"participant".as_slice(),
        });
        for part in [doc, host, participant] {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part.as_bytes());
        }
        hash.finalize().to_vec()
    }

    /// Whether `theirs` is `side`'s proof, compared in constant time.
    pub fn confirms(
        &self,
        theirs: &[u8],
        side: Side,
        doc: &str,
        host: &str,
        participant: &str,
    ) -> bool {
        let ours = self.confirmation(side, doc, host, participant);
        ours.len() == theirs.len()
            && ours.iter().zip(theirs).fold(0u8, |d, (a, b)| d | (a ^ b)) == 0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn exchange(host_code: &str, typed: &str) -> bool {
        let (host, to_participant) = CodeExchange::start(host_code, "doc");
        let (participant, to_host) = CodeExchange::start(typed, "doc");
        let (host_key, _) = host.finish(&to_host).unwrap();
        let (participant_key, _) = participant.finish(&to_participant).unwrap();
        let proof = participant_key.confirmation(Side::Participant, "doc", "h", "p");
        host_key.confirms(&proof, Side::Participant, "doc", "h", "p")
    }

    #[test]
    fn the_same_code_confirms_and_any_other_does_not() {
        let code = new_code();
        assert_eq!(code.len(), CODE_DIGITS);
        assert!(exchange(&code, &code));
        assert!(
            exchange("123456", "123 456"),
            "spaces in a typed code are ignored"
        );
        assert!(!exchange("123456", "123457"));
        assert!(!exchange("123456", ""));
    }

    #[test]
    fn a_confirmation_is_bound_to_its_side_and_devices() {
        let (host, to_participant) = CodeExchange::start("000111", "doc");
        let (participant, to_host) = CodeExchange::start("000111", "doc");
        let (host_key, _) = host.finish(&to_host).unwrap();
        let (participant_key, _) = participant.finish(&to_participant).unwrap();
        let proof = participant_key.confirmation(Side::Participant, "doc", "h", "p");
        assert!(host_key.confirms(&proof, Side::Participant, "doc", "h", "p"));
        assert!(!host_key.confirms(&proof, Side::Host, "doc", "h", "p"));
        assert!(!host_key.confirms(&proof, Side::Participant, "doc", "h", "q"));
        assert!(!host_key.confirms(&proof[..31], Side::Participant, "doc", "h", "p"));
    }

    #[test]
    fn a_malformed_message_is_refused() {
        let (host, _) = CodeExchange::start("000111", "doc");
        assert!(host.finish(b"garbage").is_none());
    }
}
