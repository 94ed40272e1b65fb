//! The room's overlay: which devices this node keeps a sync link to.
//!
//! Dialling every admitted device makes a full mesh, where each change is
//! generated, sent and applied on N−1 links at every node: a room of 16
//! laptops then spends seconds per edit and the cost grows with the square
//! of the room (`docs/benchmarks.md`, row 6). Instead, each charter's
//! admitted devices form a ring, ordered by endpoint id, and each node
//! dials a few of them ([`offsets`]): the next two on the ring and, from 8
//! devices on, the one opposite. A node is then linked to about five others
//! whatever the room's size; the ring stays connected when any one device
//! leaves, and the links across it keep the hops between any two devices of
//! a room of 48 to about seven. Changes, presence and repair all flow over
//! these links by samod's own sync and gossip; access is enforced at every
//! hop as before.
//!
//! Devices that do not answer are passed over: a neighbour dialled for
//! longer than its absence timeout without a connection counts as
//! absent, and the next device on the ring stands in. The absent device's
//! dialer keeps trying; once it answers, the ring closes up again and the
//! stand-in's link is dropped. A link both sides dialled at once is kept
//! once (the device with the greater id hangs up its own, once both have
//! been up a few seconds). Devices dialled
//! by hand ([`super::Node::connect_peer`]), and devices on no charter this
//! node keeps linked, are never hung up on here.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use samod::{ConnectionId, ConnectionInfo, ConnectionState};
use tokio::sync::Notify;

use super::dialing::Dialing;
use crate::access::DocAccess;

/// How often the links are looked over when nothing else wakes the overlay
/// (a neighbour that went away is noticed within this plus
/// [`Overlay::absent_after`]).
const TICK: Duration = Duration::from_millis(250);

/// How long both of two links between the same devices must have been up
/// before this node hangs up its own: a device that has just joined asks
/// for the charter over the first link it has, and samod does not ask
/// again over the other when that one closes (seen in the knock test: the
/// join then waited out its timeout).
const TWICE_GRACE: Duration = Duration::from_secs(3);

/// How a device on the ring looks from here at this moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reach {
    /// A connection to it is up (whichever side dialled).
    Connected,
    /// Being dialled, for less than the absence timeout.
    Trying,
    /// Dialled for longer than that without a connection.
    Absent,
    /// Neither dialled nor connected.
    Idle,
}

/// The positions on a ring of `n` devices (this one included), counted
/// from this device, where it keeps a neighbour.
pub(super) fn offsets(n: usize) -> Vec<usize> {
    let mut offsets: Vec<usize> = [1, 2]
        .into_iter()
        .chain((n >= 8).then_some(n / 2))
        .filter(|o| *o < n)
        .collect();
    offsets.dedup();
    offsets
}

/// Whom to keep dialling on one charter's ring.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Plan {
    /// One device per offset: the first at or after it that is not absent.
    pub(super) neighbours: Vec<String>,
    /// The absent devices passed over on the way, still dialled so that
    /// the ring closes up when they come back.
    pub(super) passed_over: Vec<String>,
}

/// The plan for device `me` on `ring` (every admitted device, sorted).
pub(super) fn plan(ring: &[String], me: &str, reach: impl Fn(&str) -> Reach) -> Plan {
    let mut plan = Plan::default();
    let Some(at) = ring.iter().position(|e| e == me) else {
        return plan;
    };
    let n = ring.len();
    for offset in offsets(n) {
        for step in 0..n {
            let device = &ring[(at + offset + step) % n];
            if device == me || plan.neighbours.contains(device) {
                continue;
            }
            if reach(device) == Reach::Absent {
                if !plan.passed_over.contains(device) {
                    plan.passed_over.push(device.clone());
                }
                continue;
            }
            plan.neighbours.push(device.clone());
            break;
        }
    }
    plan
}

/// The charters whose rooms this node keeps linked, and what it last saw.
pub(super) struct Overlay {
    docs: Mutex<BTreeSet<String>>,
    /// Since when each device dialled and not connected has been so.
    down_since: Mutex<HashMap<String, Instant>>,
    /// Each charter's neighbours at the last look.
    neighbours: Mutex<HashMap<String, Vec<String>>>,
    /// The open connections whose handshake is done, by peer endpoint id,
    /// as samod last reported them.
    connected: Mutex<HashMap<String, Vec<ConnectionId>>>,
    /// When each of those connections was first reported.
    first_seen: Mutex<HashMap<ConnectionId, Instant>>,
    absent_after: Duration,
    wake: Notify,
}

impl Overlay {
    /// An overlay that gives up on a silent neighbour after `absent_after`.
    pub(super) fn new(absent_after: Duration) -> Self {
        Self {
            docs: Mutex::default(),
            down_since: Mutex::default(),
            neighbours: Mutex::default(),
            connected: Mutex::default(),
            first_seen: Mutex::default(),
            absent_after,
            wake: Notify::new(),
        }
    }

    /// Keeps `doc`'s room linked from now on.
    pub(super) fn keep(&self, doc: &str) {
        let added = self
            .docs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(doc.to_owned());
        if added {
            self.wake.notify_one();
        }
    }

    /// `doc`'s neighbours at the last look.
    pub(super) fn neighbours(&self, doc: &str) -> Vec<String> {
        self.neighbours
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(doc)
            .cloned()
            .unwrap_or_default()
    }

    /// Looks the links over once: dials the neighbours not linked yet, and
    /// hangs up this node's links that no charter's plan keeps. Returns how
    /// many dials it started.
    pub(super) fn look_over(&self, dialing: &Dialing) -> usize {
        let docs = self
            .docs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if docs.is_empty() {
            return 0;
        }
        let me = dialing.library.endpoint_id();
        let index = dialing.library.access_index();
        let connected = self
            .connected
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let ours: HashMap<String, Option<ConnectionId>> = dialing
            .dialers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(endpoint, dialer)| (endpoint.clone(), dialer.connection_id()))
            .collect();
        let now = Instant::now();
        let reach = {
            let mut down = self
                .down_since
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            down.retain(|e, _| ours.contains_key(e) && !connected.contains_key(e));
            for endpoint in ours.keys().filter(|e| !connected.contains_key(*e)) {
                down.entry(endpoint.clone()).or_insert(now);
            }
            let down = down.clone();
            let absent_after = self.absent_after;
            let connected = &connected;
            move |e: &str| {
                if connected.contains_key(e) {
                    Reach::Connected
                } else {
                    match down.get(e) {
                        Some(since) if now.duration_since(*since) >= absent_after => Reach::Absent,
                        Some(_) => Reach::Trying,
                        None => Reach::Idle,
                    }
                }
            }
        };
        let mut keep: HashSet<String> = HashSet::new();
        let mut ringed: HashSet<String> = HashSet::new();
        let mut planned = HashMap::new();
        for doc in docs {
            let DocAccess::Known(access) = index.get(&doc) else {
                continue;
            };
            let mut ring: Vec<String> = access
                .devices
                .keys()
                .filter(|e| **e != me && access.level_of(e).is_some())
                .cloned()
                .chain(std::iter::once(me.clone()))
                .collect();
            ring.sort();
            let plan = plan(&ring, &me, &reach);
            keep.extend(plan.neighbours.iter().cloned());
            keep.extend(plan.passed_over.iter().cloned());
            ringed.extend(ring);
            planned.insert(doc, plan.neighbours);
        }
        *self
            .neighbours
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = planned;
        let mut started = 0;
        for endpoint in &keep {
            if reach(endpoint) == Reach::Idle && dialing.dial_known(endpoint).is_ok() {
                started += 1;
            }
        }
        self.hang_up_unkept(dialing, &me, &ours, &connected, &keep, &ringed);
        started
    }

    /// Hangs up this node's links to devices on a ring that no plan keeps,
    /// and its own of two settled links to one device when the other side
    /// has the smaller id. Pinned links and links to devices on no ring
    /// stay.
    fn hang_up_unkept(
        &self,
        dialing: &Dialing,
        me: &str,
        ours: &HashMap<String, Option<ConnectionId>>,
        connected: &HashMap<String, Vec<ConnectionId>>,
        keep: &HashSet<String>,
        ringed: &HashSet<String>,
    ) {
        let now = Instant::now();
        let pinned = dialing
            .pinned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for (endpoint, ours_now) in ours {
            if pinned.contains(endpoint) || !ringed.contains(endpoint) {
                continue;
            }
            // Both sides dialled: the link the other side made is kept,
            // once both have settled.
            let settled = |c: &ConnectionId| {
                self.first_seen
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .get(c)
                    .is_some_and(|since| now.duration_since(*since) >= TWICE_GRACE)
            };
            let twice = endpoint.as_str() < me
                && ours_now.is_some_and(|mine| {
                    settled(&mine)
                        && connected
                            .get(endpoint)
                            .is_some_and(|all| all.iter().any(|c| *c != mine && settled(c)))
                });
            if twice || !keep.contains(endpoint) {
                tracing::debug!(peer = %endpoint, twice, "overlay: link no longer kept");
                dialing.hang_up(endpoint);
            }
        }
    }
}

impl Overlay {
    /// Takes samod's report of the connections; whether the set of
    /// connected peers changed.
    fn see(&self, dialing: &Dialing, infos: Vec<ConnectionInfo>) -> bool {
        let index = dialing.library.access_index();
        let mut by_peer: HashMap<String, Vec<ConnectionId>> = HashMap::new();
        for info in infos {
            if let ConnectionState::Connected { their_peer_id } = &info.state
                && let Some(endpoint) = index.endpoint_of(their_peer_id.as_str())
            {
                by_peer.entry(endpoint).or_default().push(info.id);
            }
        }
        let now = Instant::now();
        let open: HashSet<ConnectionId> = by_peer.values().flatten().copied().collect();
        {
            let mut first_seen = self
                .first_seen
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            first_seen.retain(|c, _| open.contains(c));
            for c in open {
                first_seen.entry(c).or_insert(now);
            }
        }
        let mut connected = self
            .connected
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let moved = *connected != by_peer;
        *connected = by_peer;
        moved
    }
}

/// Keeps the rooms of `overlay`'s charters linked until aborted: looks the
/// links over whenever a connection comes or goes, on every change of an
/// access list, whenever a charter is added, and every [`TICK`].
pub(super) async fn keep_linked(overlay: Arc<Overlay>, dialing: Arc<Dialing>) {
    let mut access_lists = dialing.library.access_index().changes();
    // One subscription for the node's life: samod keeps every caller's
    // until its next connection event, so asking afresh on every look
    // would pile them up while the room is quiet.
    let (now, mut reports) = dialing.library.repo().connected_peers();
    overlay.see(&dialing, now);
    let mut look = true;
    loop {
        if look {
            overlay.look_over(&dialing);
        }
        look = true;
        tokio::select! {
            () = overlay.wake.notified() => {}
            changed = access_lists.changed() => {
                if changed.is_err() {
                    return;
                }
            }
            report = reports.next() => match report {
                // samod reports every message sent; only a connection
                // coming or going matters here.
                Some(infos) => look = overlay.see(&dialing, infos),
                None => return,
            },
            () = tokio::time::sleep(TICK) => {}
        }
    }
}

#[cfg(test)]
mod tests;
