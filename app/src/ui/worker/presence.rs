//! Who else is looking at the open charter: this person's name, colour and
//! section, broadcast to peers as samod ephemera every few seconds and on
//! each move; theirs, received and kept for a few seconds.
//!
//! The wire shape is a JSON object that every Guild version reads:
//! `{"guild_presence":1,"endpoint":…,"name":…,"color":[r,g,b],"section":…}`.
//! Peers' bytes are untrusted: anything malformed is ignored, strings are
//! cut short, and a colour that does not parse is grey.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Deserializer, Serialize};

use super::super::view_model::Presence;
use super::Worker;

/// How long a peer shows after its last message (it sends one every 3 s).
const KEPT: Duration = Duration::from_secs(8);
/// The longest name, endpoint or section a peer may show, in characters.
const MAX_CHARS: usize = 64;
/// The colour of a peer whose colour does not parse.
const GREY: [u8; 3] = [120, 120, 120];

/// One presence message, as sent and received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct PresenceMessage {
    /// Marks the message as Guild's presence (other ephemera may share the
    /// channel); 1 since the first version, not checked on receipt.
    guild_presence: u32,
    endpoint: String,
    name: String,
    #[serde(default = "grey", deserialize_with = "color_or_grey")]
    color: [u8; 3],
    /// A `Section` key; a newer peer's section may be unknown here.
    section: String,
}

fn grey() -> [u8; 3] {
    GREY
}

fn color_or_grey<'de, D: Deserializer<'de>>(deserializer: D) -> Result<[u8; 3], D::Error> {
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).unwrap_or(GREY))
}

impl PresenceMessage {
    /// A peer's message, or `None` if it is not one.
    fn decode(bytes: &[u8]) -> Option<Self> {
        let mut message: PresenceMessage = serde_json::from_slice(bytes).ok()?;
        for text in [
            &mut message.endpoint,
            &mut message.name,
            &mut message.section,
        ] {
            if let Some((cut, _)) = text.char_indices().nth(MAX_CHARS) {
                text.truncate(cut);
            }
        }
        Some(message)
    }
}

impl Worker {
    /// Tells the open charter's peers where this person is.
    pub(super) async fn broadcast_presence(&mut self) {
        let (Some(doc), Some(identity)) = (self.open.clone(), self.vm.identity.clone()) else {
            return;
        };
        let message = PresenceMessage {
            guild_presence: 1,
            endpoint: self.vm.endpoint.clone(),
            name: identity.name,
            color: identity.color,
            section: self.section.key().to_owned(),
        };
        let Ok(bytes) = serde_json::to_vec(&message) else {
            return;
        };
        let _ = self.node.library().broadcast(&doc, bytes).await;
    }

    /// A peer's presence bytes: shown at once on the open charter.
    pub(super) fn presence_message(&mut self, bytes: &[u8]) {
        let Some(message) = PresenceMessage::decode(bytes) else {
            return;
        };
        if message.endpoint == self.vm.endpoint {
            return;
        }
        self.presence.insert(
            message.endpoint.clone(),
            Presence {
                endpoint: message.endpoint,
                name: message.name,
                color: message.color,
                section: message.section,
                seen: Instant::now(),
            },
        );
        if let Some(open) = &self.vm.open {
            let mut updated = (**open).clone();
            updated.presence = self.presence_list();
            self.vm.open = Some(Arc::new(updated));
        }
    }

    /// Forgets peers not heard from lately.
    pub(super) fn expire_presence(&mut self, now: Instant) {
        self.presence
            .retain(|_, p| now.duration_since(p.seen) < KEPT);
    }

    /// The peers looking at the open charter, by name.
    pub(super) fn presence_list(&self) -> Vec<Presence> {
        let mut list: Vec<Presence> = self.presence.values().cloned().collect();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        list
    }
}

#[cfg(test)]
mod tests {
    use super::{GREY, MAX_CHARS, PresenceMessage};

    #[test]
    fn the_wire_shape_is_the_one_every_version_reads() {
        let message = PresenceMessage {
            guild_presence: 1,
            endpoint: "ab12".into(),
            name: "Ana".into(),
            color: [52, 120, 210],
            section: "value_map".into(),
        };
        let sent: serde_json::Value = serde_json::to_value(&message).unwrap();
        assert_eq!(
            sent,
            serde_json::json!({
                "guild_presence": 1,
                "endpoint": "ab12",
                "name": "Ana",
                "color": [52, 120, 210],
                "section": "value_map",
            })
        );
        assert_eq!(
            PresenceMessage::decode(sent.to_string().as_bytes()),
            Some(message)
        );
    }

    #[test]
    fn peers_bytes_are_screened() {
        assert_eq!(PresenceMessage::decode(b"\x00\x01 not json"), None);
        assert_eq!(
            PresenceMessage::decode(br#"{"endpoint":"e","name":"n"}"#),
            None
        );
        let long = "x".repeat(10_000);
        let odd = serde_json::json!({
            "guild_presence": 7, "endpoint": "e", "name": long, "section": "é".repeat(100),
            "color": [999, -1, "red"], "from_the_future": true,
        });
        let got = PresenceMessage::decode(odd.to_string().as_bytes()).expect("still presence");
        assert_eq!(got.name.chars().count(), MAX_CHARS);
        assert_eq!(got.section.chars().count(), MAX_CHARS);
        assert_eq!(got.color, GREY);
        let colourless = br#"{"guild_presence":1,"endpoint":"e","name":"n","section":"s"}"#;
        assert_eq!(PresenceMessage::decode(colourless).unwrap().color, GREY);
    }
}
