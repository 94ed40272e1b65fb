#[cfg(test)]
mod tests;

use std::time::{Duration, Instant};

use automerge::{
    Automerge, AutomergeError,
    sync::{self, SyncDoc},
};

use crate::actors::messages::SyncMessage;
use crate::{ConnectionId, PeerId, ShareConfig, UnixTimestamp, network::PeerDocState};

#[derive(Debug)]
pub(crate) struct PeerDocConnection {
    pub(super) connection_id: ConnectionId,
    pub(super) peer_id: PeerId,
    pub(super) sync_state: sync::State,
    // Remember inbound requests or sync attempts, even while denied/paused,
    // so that granting access can answer them without proactive announcement.
    pub(super) has_requested: bool,
    // Whether this state has changed since the last pop
    dirty: bool,
    state: PeerDocState,
    pub(super) share_policy: SharePolicyState,
    last_share_config: Option<ShareConfig>,
    // Preserve message ordering while the asynchronous policy lookup is pending.
    pub(super) pending_sync_messages: Vec<(SyncMessage, UnixTimestamp)>,
    // Patched in Guild (see PATCHED.md): the sync state kept in storage for
    // this peer, and whether it has been looked up yet.
    pub(super) persisted: Persisted,
    restored: Option<sync::State>,
    saved_shared_heads: Vec<automerge::ChangeHash>,
    saved_at: Option<UnixTimestamp>,
    // Patched in Guild (see PATCHED.md): the document's heads when a message
    // was last generated for this peer, or `None` once anything that feeds
    // generation (this peer's sync state, its policy) may have changed.
    generated_for: Option<Vec<automerge::ChangeHash>>,
    // Patched in Guild (see PATCHED.md): how often Automerge was asked for
    // a message, so a test can tell a skipped generation from an empty one.
    #[cfg(test)]
    generations: usize,
}

/// Patched in Guild (see PATCHED.md): a peer's sync state is stored at most
/// this often while the connection lasts (and always when it closes). A
/// state a crash loses meanwhile is older, not wrong: the next session's
/// opening message covers the changes since it.
const SAVE_INTERVAL_MILLIS: u128 = 1000;

/// Patched in Guild (see PATCHED.md): where the lookup of this peer's
/// stored sync state stands. No sync message is sent or applied before it
/// is `Ready`, so the first one already starts from the stored state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Persisted {
    Unknown,
    Loading,
    Ready,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SharePolicyState {
    Unknown,
    Loading,
    Ready(ShareConfig),
}

impl PeerDocConnection {
    pub(super) fn new(peer_id: PeerId, connection_id: ConnectionId) -> Self {
        Self {
            connection_id,
            peer_id,
            sync_state: sync::State::new_read_only(),
            has_requested: false,
            state: PeerDocState::empty(),
            dirty: false,
            share_policy: SharePolicyState::Unknown,
            last_share_config: None,
            pending_sync_messages: Vec::new(),
            persisted: Persisted::Unknown,
            restored: None,
            saved_shared_heads: Vec::new(),
            saved_at: None,
            generated_for: None, // Patched in Guild (see PATCHED.md).
            #[cfg(test)]
            generations: 0,
        }
    }

    pub(super) fn reset_sync_state(&mut self) {
        // Patched in Guild (see PATCHED.md): a session starts from the state
        // stored at the end of the last one, when there is a usable one.
        let mut state = self.restored.clone().unwrap_or_default();
        state.read_only = !self.can_write();
        self.sync_state = state;
        self.generated_for = None; // Patched in Guild (see PATCHED.md).
    }

    /// Patched in Guild (see PATCHED.md): the stored state (already checked
    /// against the document) is known; a session that has not exchanged a
    /// message yet starts from it.
    pub(super) fn restore_sync_state(&mut self, restored: Option<sync::State>) {
        self.persisted = Persisted::Ready;
        self.generated_for = None; // Patched in Guild: a new state to generate from.
        if let Some(state) = &restored {
            self.saved_shared_heads.clone_from(&state.shared_heads);
        }
        self.restored = restored;
        if self.share_config().is_some()
            && self.state.last_sent.is_none()
            && self.state.last_received.is_none()
        {
            self.reset_sync_state();
        }
    }

    /// Patched in Guild (see PATCHED.md): the state to store, if what both
    /// sides hold has moved since it was last stored or loaded, and the
    /// last store is old enough or `closing`.
    pub(super) fn sync_state_to_save(
        &mut self,
        now: UnixTimestamp,
        closing: bool,
    ) -> Option<Vec<u8>> {
        let recent = self.saved_at.is_some_and(|at| {
            now.as_millis().saturating_sub(at.as_millis()) < SAVE_INTERVAL_MILLIS
        });
        if self.persisted != Persisted::Ready
            || self.sync_state.shared_heads.is_empty()
            || self.sync_state.shared_heads == self.saved_shared_heads
            || (recent && !closing)
        {
            return None;
        }
        self.saved_at = Some(now);
        self.saved_shared_heads
            .clone_from(&self.sync_state.shared_heads);
        Some(self.sync_state.encode())
    }

    /// Patched in Guild (see PATCHED.md): messages wait for the stored
    /// state, as they wait for the share policy.
    pub(super) fn awaiting_sync_state(&self) -> bool {
        self.persisted != Persisted::Ready
    }

    pub(super) fn prepare_request(&mut self) {
        // Initial requests already have a fresh state. Automerge has no explicit
        // API to restart synchronization, so for retries we force a read-only to
        // read-write transition. This resets local bookkeeping and tells the
        // remote to resend changes; replacing the state alone would not do that.
        if self.state.last_sent.is_some() || self.state.last_received.is_some() {
            self.sync_state.set_read_only(true);
            self.sync_state.set_read_only(false);
            self.generated_for = None; // Patched in Guild (see PATCHED.md).
            self.state.shared_heads = Some(self.sync_state.shared_heads.clone());
            self.state.their_heads = self.sync_state.their_heads.clone();
            self.state.peer_read_only = self.sync_state.is_peer_read_only();
            self.dirty = true;
        }
    }

    pub(super) fn mark_requested(&mut self) {
        if !self.has_requested {
            self.has_requested = true;
            self.generated_for = None; // Patched in Guild (see PATCHED.md).
            self.dirty = true; // Mark as dirty since the request status changed
        }
    }

    pub(super) fn receive_sync_message(
        &mut self,
        now: UnixTimestamp,
        doc: &mut Automerge,
        msg: sync::Message,
    ) -> Result<Duration, AutomergeError> {
        let start = Instant::now();
        // Patched in Guild (see PATCHED.md): before, as a failed receive may
        // have changed the state too.
        self.generated_for = None;
        doc.receive_sync_message(&mut self.sync_state, msg)?;
        let duration = start.elapsed();
        self.dirty = true;
        self.state.last_received = Some(now);
        self.state.last_acked_heads = self.sync_state.their_heads.clone();
        self.state.shared_heads = Some(self.sync_state.shared_heads.clone());
        self.state.their_heads = self.sync_state.their_heads.clone();
        self.state.peer_read_only = self.sync_state.is_peer_read_only();
        Ok(duration)
    }

    /// Generate messages in wire order, with timing for each message.
    pub(super) fn generate_sync_messages(
        &mut self,
        now: UnixTimestamp,
        doc: &Automerge,
    ) -> Vec<(sync::Message, Duration)> {
        let heads = doc.get_heads();
        // Patched in Guild (see PATCHED.md): Automerge's generation is a
        // function of the document's heads and this peer's sync state, and
        // after a generation the same inputs yield no message (it returns
        // early on unchanged heads, after having built the bloom filter and
        // walked the change graph, which is the cost). So when neither moved
        // since the last generation there is nothing to send and the walk is
        // skipped: a message from one peer that brings nothing new no longer
        // costs a generation for every other peer.
        if self.generated_for.as_ref() == Some(&heads) {
            return Vec::new();
        }
        let mut messages = Vec::new();
        loop {
            let start = Instant::now();
            #[cfg(test)]
            {
                self.generations += 1; // Patched in Guild (see PATCHED.md).
            }
            let Some(msg) = doc.generate_sync_message(&mut self.sync_state) else {
                break;
            };
            let duration = start.elapsed();
            let follow_up = msg.heads != heads;
            if follow_up {
                // Automerge 0.12's fallback reset advertises empty heads but
                // records the real heads as sent. An empty peer may not reply.
                // Correct the bookkeeping to what we actually advertised, then
                // immediately generate the real-heads follow-up in this batch.
                self.sync_state.last_sent_heads.clone_from(&msg.heads);
            }
            self.state.last_sent = Some(now);
            self.state.last_sent_heads = Some(msg.heads.clone());
            self.state.shared_heads = Some(self.sync_state.shared_heads.clone());
            self.dirty = true;
            messages.push((msg, duration));
            if !follow_up {
                break;
            }
        }
        self.generated_for = Some(heads); // Patched in Guild (see PATCHED.md).
        messages
    }

    pub(super) fn their_heads(&self) -> Option<Vec<automerge::ChangeHash>> {
        self.sync_state.their_heads.clone()
    }

    pub(super) fn pop(&mut self) -> Option<PeerDocState> {
        if self.dirty {
            self.dirty = false;
            Some(self.state.clone())
        } else {
            None
        }
    }

    pub(super) fn state(&self) -> &PeerDocState {
        &self.state
    }

    /// Bound buffering while an application-provided policy future is pending.
    /// Permit one oversized message so a legitimate full-document sync is not
    /// limited by this queue's byte budget; transports should bound frame size.
    pub(super) fn buffer_sync_message(
        &mut self,
        msg: SyncMessage,
        received_at: UnixTimestamp,
    ) -> bool {
        const MAX_MESSAGES: usize = 64;
        const MAX_BYTES: usize = 16 * 1024 * 1024;
        let message_bytes = |msg: &SyncMessage| match msg {
            SyncMessage::Sync { data } | SyncMessage::Request { data } => data.len(),
            SyncMessage::DocUnavailable => 0,
        };
        let queued_bytes = self
            .pending_sync_messages
            .iter()
            .fold(0usize, |bytes, (msg, _)| {
                bytes.saturating_add(message_bytes(msg))
            });
        if self.pending_sync_messages.len() >= MAX_MESSAGES
            || (!self.pending_sync_messages.is_empty()
                && queued_bytes.saturating_add(message_bytes(&msg)) > MAX_BYTES)
        {
            return false;
        }
        self.pending_sync_messages.push((msg, received_at));
        true
    }

    pub(super) fn share_config(&self) -> Option<ShareConfig> {
        match self.share_policy {
            SharePolicyState::Ready(config) => Some(config),
            _ => None,
        }
    }

    pub(super) fn can_read(&self) -> bool {
        self.share_config().is_some_and(|config| config.can_read())
    }

    pub(super) fn can_write(&self) -> bool {
        self.share_config().is_some_and(|config| config.can_write())
    }

    pub(super) fn can_send(&self) -> bool {
        // Patched in Guild (see PATCHED.md): `!awaiting_sync_state()`.
        !self.awaiting_sync_state()
            && self.can_read()
            && (self.has_requested
                || self.sync_state.their_heads.is_some()
                || self.share_config().is_some_and(|config| config.announce))
    }

    pub(super) fn set_share_config(&mut self, config: ShareConfig) -> Option<ShareConfig> {
        let previous = self.last_share_config.replace(config);
        self.share_policy = SharePolicyState::Ready(config);
        self.generated_for = None; // Patched in Guild (see PATCHED.md).
        if self.state.last_sent.is_none() && self.state.last_received.is_none() {
            // Initialize sessions which have not exchanged any sync messages yet.
            self.reset_sync_state();
        } else {
            if previous.is_some_and(|old| !old.can_read()) && config.can_read() {
                // Denial may have dropped messages; restart the exchange on re-grant.
                self.sync_state.set_read_only(false);
            }
            self.sync_state.set_read_only(!config.can_write());
            self.state.shared_heads = Some(self.sync_state.shared_heads.clone());
            self.state.their_heads = self.sync_state.their_heads.clone();
            self.state.peer_read_only = self.sync_state.is_peer_read_only();
        }
        self.state.share_config = Some(config);
        self.dirty = true;
        previous
    }
}
