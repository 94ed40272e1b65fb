//! The sync indicator after a peer leaves: a peer that vanishes without
//! closing its connection (killed, switched off, out of range) is gone from
//! the top bar within seconds, the indicator says that no peer is reachable
//! (not "offline": this device is on the network, alone) and counts the
//! changes made since, and the peer is back soon after it restarts.
//!
//! The departed peer runs in a runtime of its own, as in another process;
//! killing it is shutting that runtime down at once, so nothing is closed,
//! flushed or said goodbye on the wire: the window can only notice the
//! silence.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use guild_sync::DataDir;
use guild_sync::net::node::{NetOptions, Node};
use guild_sync::net::ticket::InviteTicket;

use super::{GuildApp, click, go_to, harness, open_charter, open_id, type_into, wait_for};

/// What the window says once the peer has gone. Without the fix it says
/// "up to date with 1 peer" for 15–35 s, and then "offline".
const ALONE: &str = "no peer reachable";
/// Ben in the top bar: his name, a button that follows him.
const BEN: &str = "Follow Ben";

/// A generous bound on noticing the departure: the aim is ≤ 3 s, this only
/// tells that apart from QUIC's default idle timeout (15–30 s) on a busy
/// machine. The measured figure is printed.
const DEPARTURE_BOUND: Duration = Duration::from_secs(10);

/// A sanity bound on the reconnect after the peer restarts (aim: ≤ 1 s);
/// the measured figure is printed.
const RECONNECT_BOUND: Duration = Duration::from_secs(30);

/// Ben: a peer in a runtime of its own that says where he is every second,
/// as a Guild window does.
struct Ben {
    // Dropped before its runtime, while that can still run its tasks.
    node: Arc<Node>,
    runtime: tokio::runtime::Runtime,
}

impl Ben {
    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap()
    }

    async fn node(dir: &Path) -> Node {
        let library = guild_sync::Library::open(
            DataDir::resolve(Some(dir.to_path_buf())).unwrap(),
            guild_sync::LibraryOptions::interactive(),
        )
        .await
        .unwrap();
        let options = NetOptions {
            label: Some("Ben".into()),
            ..NetOptions::loopback()
        };
        Node::start(library, options).await.unwrap()
    }

    /// Ben joins with `ticket` and stays.
    fn join(dir: &Path, ticket: &InviteTicket) -> Self {
        let runtime = Self::runtime();
        let node = runtime.block_on(async {
            let node = Self::node(dir).await;
            node.join(ticket, Duration::from_secs(20)).await.unwrap();
            node
        });
        let ben = Self {
            runtime,
            node: Arc::new(node),
        };
        ben.announce(&ticket.doc);
        ben
    }

    /// Ben starts again from his data directory and reaches the charter's
    /// peers, as `guild serve` and the window do on start.
    fn restart(dir: &Path, doc: &str) -> Self {
        let runtime = Self::runtime();
        let node = runtime.block_on(async {
            let node = Self::node(dir).await;
            node.connect_peers(doc).await.unwrap();
            node
        });
        let ben = Self {
            runtime,
            node: Arc::new(node),
        };
        ben.announce(doc);
        ben
    }

    /// Sends Ben's presence on `doc` every second from now on.
    fn announce(&self, doc: &str) {
        let node = Arc::clone(&self.node);
        let message = serde_json::json!({
            "guild_presence": 1,
            "endpoint": self.node.library().endpoint_id(),
            "name": "Ben",
            "color": [200, 60, 60],
            "section": "overview",
        })
        .to_string()
        .into_bytes();
        let doc = doc.to_owned();
        self.runtime.spawn(async move {
            loop {
                let _ = node.library().broadcast(&doc, message.clone()).await;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    /// Ben's process dies: every task stops where it is, nothing is closed
    /// or sent. The node is dropped afterwards (its data directory's lock
    /// must go for the restart) where its tasks can no longer run.
    fn kill(self) {
        let Self { runtime, node } = self;
        runtime.shutdown_timeout(Duration::ZERO);
        let after = Self::runtime();
        let guard = after.enter();
        drop(node);
        drop(guard);
        after.shutdown_timeout(Duration::ZERO);
    }
}

/// The top bar's sync words, as assistive technology reads them.
fn indicator(harness: &Harness<'_, GuildApp>) -> Option<String> {
    [
        "up to date",
        "syncing",
        ALONE,
        "offline",
        "only on this device",
    ]
    .iter()
    .find_map(|words| harness.query_by_label_contains(words))
    .and_then(|node| node.value())
}

/// Steps the window until `done` holds for what it shows; how long that took.
fn until(
    harness: &mut Harness<'_, GuildApp>,
    what: &str,
    bound: Duration,
    done: impl Fn(&Harness<'_, GuildApp>) -> bool,
) -> Duration {
    let start = Instant::now();
    loop {
        harness.step();
        if done(harness) {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < bound,
            "{what}: not within {bound:?}; the indicator says {:?}, Ben is {}shown",
            indicator(harness),
            if harness.query_by_label(BEN).is_some() {
                ""
            } else {
                "not "
            },
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_sync_indicator_after_a_peer_leaves_says_no_peer_is_reachable_and_counts_what_is_not_shared()
{
    let dir = tempfile::tempdir().unwrap();
    let ben_dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    let doc = open_id(&harness);
    click(&mut harness, "Share…");
    click(&mut harness, "Make an invite");
    wait_for(&mut harness, "the ticket", |vm| vm.ticket.is_some());
    let ticket: InviteTicket = harness
        .state()
        .view()
        .ticket
        .as_deref()
        .expect("a ticket")
        .parse()
        .expect("the ticket parses");
    // The dialog goes, so the charter behind it takes clicks again.
    harness.key_press(egui::Key::Escape);
    harness.run_steps(3);

    let ben = Ben::join(ben_dir.path(), &ticket);
    until(&mut harness, "Ben here", RECONNECT_BOUND, |h| {
        h.query_by_label("up to date with 1 peer").is_some() && h.query_by_label(BEN).is_some()
    });

    ben.kill();
    let noticed = until(&mut harness, "Ben's departure", DEPARTURE_BOUND, |h| {
        h.query_by_label(ALONE).is_some() && h.query_by_label(BEN).is_none()
    });
    eprintln!("a killed peer's departure was shown in {noticed:?}");
    assert!(
        harness.query_by_label_contains("offline").is_none(),
        "this device is not offline: it is alone"
    );

    // A change made alone is counted until a peer has it.
    go_to(&mut harness, "Objectives");
    type_into(&mut harness, "New objective", "Grow the guild");
    click(&mut harness, "Add objective");
    until(&mut harness, "the change counted", DEPARTURE_BOUND, |h| {
        h.query_by_label("no peer reachable · 1 change not yet shared")
            .is_some()
    });

    let restarting = Instant::now();
    let ben = Ben::restart(ben_dir.path(), &doc);
    let started = restarting.elapsed();
    let synced = until(&mut harness, "Ben up to date", RECONNECT_BOUND, |h| {
        h.query_by_label("up to date with 1 peer").is_some()
    });
    let back = until(&mut harness, "Ben shown", RECONNECT_BOUND, |h| {
        h.query_by_label(BEN).is_some()
    });
    eprintln!(
        "Ben's node started in {started:?}; then the window said up to date in {synced:?} \
         and showed him {back:?} later"
    );
    let objective_arrived = ben.runtime.block_on(async {
        ben.node
            .library()
            .charter(&doc)
            .await
            .unwrap()
            .objectives
            .values()
            .any(|o| o.title.as_str() == "Grow the guild")
    });
    assert!(objective_arrived, "the change made alone reached Ben");
    ben.runtime.block_on(ben.node.shutdown()).unwrap();
}
