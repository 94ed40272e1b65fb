//! Who else is looking at the open charter: this person's name, colour and
//! section, broadcast to peers as samod ephemera every few seconds and on
//! each move; theirs, received and kept while its connection to this device
//! lasts, and for a few seconds after its last message.
//!
//! samod forwards ephemera, so a peer may be heard through another one. A
//! peer connected to this device goes when its connection does, which the
//! network notices within 1.5 s of it vanishing (`guild_sync::net::node`):
//! waiting for its messages to stop would keep a departed person on screen
//! for the whole of [`KEPT`]. A peer heard only through another goes when its
//! messages stop.
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

/// How long a peer shows after its last message (it sends one every 3 s, so
/// one lost message does not make it blink).
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
    /// The sender's device id (its actors' prefix); empty from older peers.
    #[serde(default)]
    device: String,
    /// The sender's clock when it sent this (unix milliseconds): how far
    /// its clock is from ours, so a step it started counts down on its
    /// time everywhere. 0 from older peers.
    #[serde(default)]
    now_ms: i64,
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
            device: self.vm.device.clone(),
            now_ms: unix_ms(),
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
        let direct = self.node.is_connected_to(&message.endpoint);
        // One way on a LAN takes a millisecond or two: against clocks that
        // disagree by seconds, the message's age does not matter.
        let clock_offset_ms = (message.now_ms > 0).then(|| message.now_ms - unix_ms());
        self.presence.insert(
            message.endpoint.clone(),
            Presence {
                endpoint: message.endpoint,
                name: message.name,
                color: message.color,
                section: message.section,
                seen: Instant::now(),
                direct,
                device: message.device,
                clock_offset_ms,
            },
        );
        if let Some(open) = &self.vm.open {
            let mut updated = (**open).clone();
            updated.presence = self.presence_list();
            self.vm.open = Some(Arc::new(updated));
        }
    }

    /// Forgets peers not heard from lately, and at once those whose
    /// connection to this device has ended; tells a peer that has just
    /// connected where this person is, since what was sent before the
    /// connection came up was lost and the next round is seconds away.
    /// Runs each second, before the open charter's sync state is read again.
    pub(super) async fn expire_presence(&mut self, now: Instant) {
        let node = &self.node;
        self.presence.retain(|_, p| {
            let connection_lasts = !p.direct || node.is_connected_to(&p.endpoint);
            connection_lasts && now.duration_since(p.seen) < KEPT
        });
        // The state read a second ago says who was connected then.
        let newcomer = self
            .vm
            .open
            .as_ref()
            .and_then(|open| open.status.as_ref())
            .is_some_and(|status| {
                status
                    .peers
                    .iter()
                    .any(|p| !p.connected && node.is_connected_to(&p.endpoint))
            });
        if newcomer {
            self.broadcast_presence().await;
        }
    }

    /// The peers looking at the open charter, by name.
    pub(super) fn presence_list(&self) -> Vec<Presence> {
        let mut list: Vec<Presence> = self.presence.values().cloned().collect();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        list
    }
}

/// This device's clock, in unix milliseconds.
fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
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
            device: "d3v1ce".into(),
            now_ms: 1_764_000_000_000,
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
                "device": "d3v1ce",
                "now_ms": 1_764_000_000_000_i64,
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
        let older = PresenceMessage::decode(colourless).unwrap();
        assert_eq!(older.color, GREY);
        assert_eq!(
            (older.device.as_str(), older.now_ms),
            ("", 0),
            "an older peer's clock is unknown"
        );
    }
}
