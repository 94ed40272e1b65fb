//! The relay a charter's community uses, as the window shows and sets it:
//! remembered on this device (`DIR/relays.json`, [`relays`]) and used from
//! Guild's next start, since a node cannot take up a relay while it runs.

use guild_sync::net::node::Relay;
use guild_sync::net::relays;

use super::Worker;

/// How the window names the relay its node uses.
pub(super) fn in_use(relay: &Relay) -> Option<String> {
    match relay {
        Relay::Disabled => None,
        Relay::Default => Some("n0's public relays".to_owned()),
        Relay::Custom(url) | Relay::Only(url) => Some(url.to_string()),
    }
}

impl Worker {
    /// Reads the relay remembered for the open charter.
    pub(super) fn refresh_relay(&mut self) {
        self.vm.relay_for_open = self
            .open
            .as_deref()
            .and_then(|doc| relays::remembered_for(&self.data_dir, doc));
    }

    /// Remembers `url` as `doc`'s relay (or none), after checking it.
    pub(super) fn set_relay(&mut self, doc: &str, url: Option<&str>) {
        let url = url.map(str::trim).filter(|u| !u.is_empty());
        if let Some(url) = url
            && let Err(e) = relays::parse_relay(url)
        {
            return self.toast(e, true);
        }
        match relays::remember(&self.data_dir, doc, url) {
            Ok(()) => {
                self.refresh_relay();
                let words = if url.is_some() {
                    "Relay saved: Guild uses it from its next start"
                } else {
                    "Relay off for this charter from Guild's next start"
                };
                self.toast(words.to_owned(), false);
            }
            Err(e) => self.toast(format!("cannot remember the relay: {e}"), true),
        }
    }

    /// A ticket whose inviter is reached through a relay this window does
    /// not run: the relay is remembered for its charter, and the person is
    /// told to start Guild again (a running node cannot take up a relay).
    /// `None` when the window can join with it now.
    pub(super) fn needs_restart_for(&mut self, ticket: &str) -> Option<String> {
        let ticket: guild_sync::net::ticket::InviteTicket = ticket.parse().ok()?;
        let relay = ticket.relay?;
        if self.vm.relay_in_use.is_some() {
            return None;
        }
        if let Err(e) = relays::remember(&self.data_dir, &ticket.doc, Some(&relay)) {
            return Some(format!(
                "this invite needs the relay {relay}, which could not be remembered: {e}"
            ));
        }
        Some(format!(
            "this invite reaches its inviter through the relay {relay}: Guild will use it from its next start — quit Guild, start it again and join with the same ticket"
        ))
    }
}
