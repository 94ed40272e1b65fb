//! Hostile peers at scale, over real iroh on loopback, each alongside a
//! well-behaved peer B that keeps syncing edits with node A: a flood of
//! connections from unknown endpoints, an admitted peer naming thousands of
//! documents A does not hold, replayed captured sessions, and a peer that
//! claims another's identity inside samod's handshake.
//!
//! Every scenario prints (one line each) how long A took to refuse or cut
//! off the attacker, the process's resident memory before and after (A, B
//! and the attackers all live in this process), and B's edit→A latency
//! before and during the attack. The bounds asserted are loose on purpose:
//! CI is a loaded 2-core machine.
//!
//! `GUILD_HOSTILE_CONNECTIONS` sets the size of the connection flood (see
//! [`DEFAULT_CONNECTIONS`]); `GUILD_HOSTILE_CONNECTIONS_PER_ENDPOINT` how
//! many of them share one endpoint (default 1: every one a fresh key).

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use automerge::sync::{self as am_sync, SyncDoc as _};
use automerge::{ActorId, Automerge, ChangeHash};
use guild_model::{AccessLevel, Op, ProseField, apply, check_invariants};
use guild_sync::access::{DocAccess, peer_id_of};
use guild_sync::net::node::Node;
use guild_sync::net::protocol::{CLOSE_PROTOCOL, CLOSE_REFUSED};
use guild_sync::net::wire::{ALPN, InviteProof};
use guild_tests::hostile::{
    CUT_OFF, Ending, PURPOSE, Rng, TITLE, assert_only_a_refusal, b_edit_reaches_a, close_code,
    closed_within, hello, hex, raw_endpoint, raw_endpoint_with, read_all, two_peers, vision,
    write_frame,
};
use guild_tests::raw_peer::{
    DocForm, RawPeer, decode, doc_message, ephemeral, join, next_frame, peer_of,
};
use guild_tests::runtime;
use iroh::{Endpoint, EndpointAddr, SecretKey};
use samod::DocumentId;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

/// Connections in the flood by default: from 1,000 fresh endpoints they take
/// 3–13 s in a debug build on 2 cores, depending on what else runs (the
/// test prints the figure).
const DEFAULT_CONNECTIONS: usize = 1_000;

/// Connection attempts in flight at once.
const IN_FLIGHT: usize = 32;

/// Unknown document ids named in the request flood.
const UNKNOWN_DOCS: usize = 10_000;

/// The worst edit→A latency tolerated for B while A is under attack.
const HONEST_LIMIT: Duration = Duration::from_secs(5);

/// The most the process's resident memory may grow during one attack.
const RSS_LIMIT_MB: f64 = 200.0;

/// Held by each test for its whole run: memory is measured for the whole
/// process, so the attacks must not overlap.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// This process's resident memory, MB.
fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("a VmRSS line");
    kb / 1024.0
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// `n, median, max` of some durations.
fn spread(durations: &[Duration]) -> String {
    let mut sorted = durations.to_vec();
    sorted.sort();
    let at = |percent: usize| sorted[(sorted.len() - 1) * percent / 100];
    format!(
        "n={} median {} p95 {} max {}",
        sorted.len(),
        ms(at(50)),
        ms(at(95)),
        ms(at(100))
    )
}

/// Runs `attack` while B keeps editing and syncing with A; returns the
/// attack's result and B's edit→A latencies meanwhile (at least one).
async fn alongside<F: Future>(
    a: &Node,
    b: &Node,
    doc: &str,
    attack: F,
) -> (F::Output, Vec<Duration>) {
    let done = AtomicBool::new(false);
    let attack = async {
        let out = attack.await;
        done.store(true, Ordering::SeqCst);
        out
    };
    let honest = async {
        let mut latencies = Vec::new();
        while latencies.is_empty() || !done.load(Ordering::SeqCst) {
            let text = format!("B during #{}", latencies.len());
            latencies.push(b_edit_reaches_a(a, b, doc, &text).await);
        }
        latencies
    };
    tokio::join!(attack, honest)
}

/// Asserts B stayed served during the attack and prints the comparison.
fn report_honest(what: &str, calm: Duration, during: &[Duration], after: Duration) {
    eprintln!(
        "{what}: B's edit→A latency before {}, during [{}], after {}",
        ms(calm),
        spread(during),
        ms(after)
    );
    let worst = during.iter().max().unwrap();
    assert!(
        *worst < HONEST_LIMIT,
        "{what}: B's edit took {worst:?} to reach A during the attack"
    );
}

fn report_rss(what: &str, before: f64, after: f64) {
    eprintln!(
        "{what}: process RSS {before:.1} MB before, {after:.1} MB after ({:+.1} MB)",
        after - before
    );
    assert!(
        after - before < RSS_LIMIT_MB,
        "{what}: memory grew by {:.1} MB",
        after - before
    );
}

// ---------------------------------------------------------------------------

/// The sync message an empty document opens with.
fn empty_doc_sync_message() -> Vec<u8> {
    Automerge::new()
        .generate_sync_message(&mut am_sync::State::new())
        .expect("a first sync message")
        .encode()
}

fn random_doc_id(rng: &mut Rng) -> DocumentId {
    DocumentId::try_from(rng.bytes(16)).unwrap()
}

/// A's heads and change count for the charter.
async fn heads_of(node: &Node, doc: &str) -> (Vec<ChangeHash>, usize) {
    let view = node.library().view(doc).await.unwrap();
    (view.heads, view.changes)
}

async fn assert_sound(node: &Node, doc: &str, who: &str) {
    let charter = node.library().charter(doc).await.unwrap();
    let violations = check_invariants(&charter);
    assert!(violations.is_empty(), "{who}: {violations:?}");
    assert_eq!(charter.meta.title.as_str(), TITLE, "{who}");
    assert_eq!(charter.purpose.text.as_str(), PURPOSE, "{who}");
}

// ---------------------------------------------------------------------------

/// One hostile connection of the flood, which A must refuse (close with
/// 403) without a byte of the charter. Returns the time from dialing to
/// the end of the stream (A waits 50 ms after its refusal frame before it
/// closes), and whether the refusal frame arrived before the close.
async fn knock(ep: &Endpoint, a: EndpointAddr, invite: Option<InviteProof>) -> (Duration, bool) {
    let start = Instant::now();
    let conn = ep.connect(a, ALPN).await.expect("QUIC connect");
    let (mut send, mut recv) = conn.open_bi().await.expect("open a bi-stream");
    write_frame(&mut send, &hello(invite)).await.unwrap();
    let (received, ending) = read_all(&mut recv, CUT_OFF).await;
    let refused = start.elapsed();
    let (reason, _) = closed_within(&conn, CUT_OFF).await;
    assert_eq!(
        close_code(&reason),
        Some(CLOSE_REFUSED.into()),
        "{reason:?}"
    );
    // Under load the close (which carries the reason too) can overtake the
    // refusal frame A wrote just before it.
    let frame = !received.is_empty();
    if frame {
        assert_only_a_refusal(&received, "a flood connection");
    } else {
        assert!(matches!(ending, Ending::Error(_)), "{ending}");
    }
    (refused, frame)
}

#[test]
fn a_flood_of_connections_from_unknown_endpoints_is_refused_while_b_keeps_syncing() {
    let _serial = serial();
    let connections = env_usize("GUILD_HOSTILE_CONNECTIONS", DEFAULT_CONNECTIONS);
    let per_endpoint = env_usize("GUILD_HOSTILE_CONNECTIONS_PER_ENDPOINT", 1).min(connections);
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    runtime().block_on(async {
        let (a, b, doc) = two_peers(a_dir.path(), b_dir.path()).await;
        let calm = b_edit_reaches_a(&a, &b, &doc, "B before").await;
        let devices = a.library().access(&doc).await.unwrap().devices.len();
        let endpoints = connections.div_ceil(per_endpoint);
        // The attackers live in this process too: binding their endpoints
        // alone grows its memory by ~130 MB per 1,000 (and no further when
        // done again, the allocator keeps and reuses it). Bind and close as
        // many first, so what grows during the flood is A's share.
        let rss_bare = rss_mb();
        let bind_start = Instant::now();
        let gate = Arc::new(Semaphore::new(IN_FLIGHT));
        let mut binds = JoinSet::new();
        for _ in 0..endpoints {
            let gate = Arc::clone(&gate);
            binds.spawn(async move {
                let _slot = gate.acquire_owned().await.unwrap();
                raw_endpoint().await.close().await;
            });
        }
        while let Some(done) = binds.join_next().await {
            done.unwrap();
        }
        let bind_took = bind_start.elapsed();
        let rss_before = rss_mb();

        let attack = async {
            let start = Instant::now();
            let gate = Arc::new(Semaphore::new(IN_FLIGHT));
            let mut tasks = JoinSet::new();
            for i in 0..endpoints {
                let gate = Arc::clone(&gate);
                let addr = a.addr();
                let doc = doc.clone();
                let mine = per_endpoint.min(connections - i * per_endpoint);
                tasks.spawn(async move {
                    let _slot = gate.acquire_owned().await.unwrap();
                    let ep = raw_endpoint().await;
                    let mut times = Vec::new();
                    for j in 0..mine {
                        // Half say nothing of an invite, half forge one.
                        let invite = ((i + j) % 2 == 1).then(|| InviteProof {
                            doc: doc.clone(),
                            secret: hex(&[(i % 251) as u8; 32]),
                        });
                        times.push(knock(&ep, addr.clone(), invite).await);
                    }
                    ep.close().await;
                    times
                });
            }
            let mut knocks = Vec::new();
            while let Some(done) = tasks.join_next().await {
                knocks.extend(done.expect("a flood connection was not refused cleanly"));
            }
            (knocks, start.elapsed())
        };
        let ((knocks, took), during) = Box::pin(alongside(&a, &b, &doc, attack)).await;
        let times: Vec<Duration> = knocks.iter().map(|(t, _)| *t).collect();
        let frames = knocks.iter().filter(|(_, frame)| *frame).count();
        let rss_after = rss_mb();
        let after = b_edit_reaches_a(&a, &b, &doc, "B after").await;

        eprintln!(
            "connection flood: {} connections from {endpoints} fresh endpoints ({IN_FLIGHT} in \
             flight) all refused in {took:.1?} ({:.0}/s), {frames} with the refusal frame, \
             the rest by the 403 close alone; dial→hang-up [{}]",
            times.len(),
            times.len() as f64 / took.as_secs_f64(),
            spread(&times)
        );
        eprintln!(
            "connection flood: binding and closing {endpoints} attacker endpoints first took \
             {bind_took:.1?} and grew the process from {rss_bare:.1} MB to {rss_before:.1} MB"
        );
        report_rss("connection flood", rss_before, rss_after);
        report_honest("connection flood", calm, &during, after);
        assert_eq!(times.len(), connections);
        assert_eq!(
            a.library().access(&doc).await.unwrap().devices.len(),
            devices,
            "nobody was admitted"
        );
        assert_eq!(vision(&a, &doc).await, "B after");

        b.shutdown().await.unwrap();
        a.shutdown().await.unwrap();
    });
}

#[test]
#[allow(clippy::too_many_lines)] // One attack, start to finish, with the measurements printed along the way.
fn an_admitted_peer_naming_ten_thousand_unknown_documents_makes_a_start_no_work() {
    let _serial = serial();
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    runtime().block_on(async {
        let (a, b, doc) = two_peers(a_dir.path(), b_dir.path()).await;
        let calm = b_edit_reaches_a(&a, &b, &doc, "B before").await;
        let ep = raw_endpoint().await;
        let me = peer_id_of(&ep.id().to_string()).to_string();
        let them = peer_of(&a);
        let ticket = a.share(&doc, AccessLevel::ReadWrite).await.unwrap();
        let invite = InviteProof {
            doc: doc.clone(),
            secret: hex(&ticket.secret),
        };
        let mut peer = RawPeer::connect(&ep, a.addr(), Some(invite)).await;
        peer.join(&me).await;

        let mut rng = Rng(0x5eed_0010);
        let ids: Vec<DocumentId> = (0..UNKNOWN_DOCS).map(|_| random_doc_id(&mut rng)).collect();
        let opening = empty_doc_sync_message();
        let frames: Vec<Vec<u8>> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| match i % 4 {
                0 => doc_message("request", id, DocForm::Text, &me, &them, &opening),
                1 => doc_message("request", id, DocForm::Bytes, &me, &them, &opening),
                2 => doc_message("sync", id, DocForm::Text, &me, &them, &opening),
                _ => ephemeral(id, &me, &them, i as u64),
            })
            .collect();
        let requests = ids.len().div_ceil(2);
        let (frames_before, _) = a.wire_frames();
        let rss_before = rss_mb();

        let RawPeer {
            conn,
            mut send,
            mut recv,
            ..
        } = peer;
        let flooded = AtomicBool::new(false);
        let attack = async {
            let start = Instant::now();
            let flood = async {
                // 100 frames a write: the flood is as fast as loopback QUIC.
                for batch in frames.chunks(100) {
                    let mut bytes = Vec::new();
                    for frame in batch {
                        bytes.extend(u32::try_from(frame.len()).unwrap().to_be_bytes());
                        bytes.extend(frame);
                    }
                    send.write_all(&bytes).await.unwrap();
                }
                flooded.store(true, Ordering::SeqCst);
                start.elapsed()
            };
            let answers = async {
                let mut unavailable = 0usize;
                let mut other = HashSet::new();
                let mut answered = Duration::ZERO;
                // A keeps sending B's edits on: the answers are over once
                // every request has one or none came for a while.
                while unavailable < requests
                    && !(flooded.load(Ordering::SeqCst)
                        && start.elapsed() > answered + Duration::from_secs(2))
                {
                    let Some(frame) = next_frame(&mut recv, Duration::from_millis(500)).await
                    else {
                        continue;
                    };
                    let msg = decode(&frame);
                    if msg.kind == "doc-unavailable" {
                        unavailable += 1;
                        answered = start.elapsed();
                    } else {
                        other.insert(msg.kind);
                    }
                }
                (unavailable, other, answered)
            };
            let (sent, (unavailable, other, answered)) = tokio::join!(flood, answers);
            (sent, unavailable, other, answered)
        };
        let ((sent, unavailable, other, answered), during) =
            Box::pin(alongside(&a, &b, &doc, attack)).await;
        let rss_after = rss_mb();
        let after = b_edit_reaches_a(&a, &b, &doc, "B after").await;

        // The index entry is the trace samod's share policy leaves for every
        // document an actor was started for.
        let touched = ids
            .iter()
            .filter(|id| a.library().access_index().get(&id.to_string()) != DocAccess::Unknown)
            .count();
        eprintln!(
            "unknown-document flood: {} messages ({requests} requests, half naming the id as \
             bytes; syncs; ephemera) sent in {sent:.1?}; {unavailable} doc-unavailable answers \
             by {answered:.1?}, other frames back: {other:?}; A started work for {touched} of \
             the ids",
            frames.len()
        );
        report_rss("unknown-document flood", rss_before, rss_after);
        report_honest("unknown-document flood", calm, &during, after);
        let (frames_after, _) = a.wire_frames();
        assert!(
            frames_after - frames_before >= frames.len() as u64,
            "A read {} frames of the flood's {}",
            frames_after - frames_before,
            frames.len()
        );
        assert_eq!(touched, 0, "A started work for ids it does not hold");
        assert!(unavailable > 0, "A answered no request");
        assert!(
            conn.close_reason().is_none(),
            "an admitted peer naming unknown ids is not cut off"
        );

        conn.close(0u32.into(), b"done");
        ep.close().await;
        b.shutdown().await.unwrap();
        a.shutdown().await.unwrap();
    });
}

#[test]
#[allow(clippy::too_many_lines)] // One attack, start to finish, with the measurements printed along the way.
fn replayed_sessions_are_refused_from_others_and_change_nothing_from_the_same_device() {
    let _serial = serial();
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    runtime().block_on(async {
        let (a, b, doc) = two_peers(a_dir.path(), b_dir.path()).await;
        let calm = b_edit_reaches_a(&a, &b, &doc, "B before").await;
        let id: DocumentId = doc.parse().unwrap();
        let them = peer_of(&a);
        let key = SecretKey::generate();
        let ep = raw_endpoint_with(key.clone()).await;
        let me = peer_id_of(&ep.id().to_string()).to_string();

        // Capture 1: R joins with an invite and fetches the charter.
        let ticket = a.share(&doc, AccessLevel::ReadWrite).await.unwrap();
        let invite = InviteProof {
            doc: doc.clone(),
            secret: hex(&ticket.secret),
        };
        let mut copy = Automerge::new();
        let mut session = RawPeer::connect(&ep, a.addr(), Some(invite)).await;
        session.join(&me).await;
        session.sync(&id, &mut copy, &me, &them, "request").await;
        let joined = session.written.clone();
        session.conn.close(0u32.into(), b"bye");
        assert_eq!(
            guild_model::Charter::from_doc(&copy)
                .unwrap()
                .meta
                .title
                .as_str(),
            TITLE,
            "R fetched the charter"
        );

        // Capture 2: R comes back, makes a genuine edit and syncs it.
        copy.set_actor(ActorId::random());
        apply(
            &mut copy,
            &Op::SetProse {
                field: ProseField::Vision,
                text: "R's genuine edit".into(),
            },
            1_700_000_000,
        )
        .unwrap();
        let mut session = RawPeer::connect(&ep, a.addr(), None).await;
        session.join(&me).await;
        session.sync(&id, &mut copy, &me, &them, "sync").await;
        let edited = session.written.clone();
        session.conn.close(0u32.into(), b"bye");
        guild_tests::hostile::eventually("A has R's edit", || async {
            vision(&a, &doc).await == "R's genuine edit"
        })
        .await;
        let (heads, changes) = heads_of(&a, &doc).await;
        eprintln!(
            "replay: captured {} bytes of joining and {} bytes of editing",
            joined.len(),
            edited.len()
        );

        let rss_before = rss_mb();
        let attack = async {
            // From another endpoint: the reconnect carries no invite, so
            // the stranger is refused at the hello.
            let stranger = raw_endpoint().await;
            let conn = stranger.connect(a.addr(), ALPN).await.unwrap();
            let (mut send, mut recv) = conn.open_bi().await.unwrap();
            let start = Instant::now();
            send.write_all(&edited).await.unwrap();
            let (received, _) = read_all(&mut recv, CUT_OFF).await;
            let refused = start.elapsed();
            assert_only_a_refusal(&received, "the replayed edit session from a stranger");
            let (reason, _) = closed_within(&conn, CUT_OFF).await;
            assert_eq!(close_code(&reason), Some(CLOSE_REFUSED.into()));

            // From R itself, blindly, in a new connection: it is admitted,
            // and every change it carries is one A already has.
            let same = raw_endpoint_with(key.clone()).await;
            let conn = same.connect(a.addr(), ALPN).await.unwrap();
            let (mut send, mut recv) = conn.open_bi().await.unwrap();
            send.write_all(&edited).await.unwrap();
            let (back, ending) = read_all(&mut recv, Duration::from_secs(2)).await;
            conn.close(0u32.into(), b"bye");
            stranger.close().await;
            same.close().await;
            (refused, received.len(), back.len(), ending)
        };
        let ((refused, refusal_bytes, back, ending), during) =
            Box::pin(alongside(&a, &b, &doc, attack)).await;
        let rss_after = rss_mb();

        // B's edits meanwhile are the only changes A took.
        let (heads_after, changes_after) = heads_of(&a, &doc).await;
        assert_eq!(
            changes_after,
            changes + during.len(),
            "the replay added changes beyond B's {} edits",
            during.len()
        );
        assert_ne!(heads_after, heads, "B's edits moved the heads");
        assert_sound(&a, &doc, "after the replays").await;
        let after = b_edit_reaches_a(&a, &b, &doc, "B after").await;

        eprintln!(
            "replay: from a stranger refused after {} ({refusal_bytes} bytes back); from the \
             same device {back} bytes back ({ending}), A's changes {changes} → {changes_after} \
             (B's {} edits meanwhile), invariants hold",
            ms(refused),
            during.len()
        );
        report_rss("replay", rss_before, rss_after);
        report_honest("replay", calm, &during, after);

        // The join session replayed by a stranger: the invite is a bearer
        // secret, open to every device until it is closed (by design,
        // multi-use); once closed, the replay is refused.
        let op = Op::CloseInvite {
            secret_hash: ticket.secret_hash(),
        };
        a.library().edit(&doc, &op).await.unwrap();
        let stranger = raw_endpoint().await;
        let conn = stranger.connect(a.addr(), ALPN).await.unwrap();
        let (mut send, mut recv) = conn.open_bi().await.unwrap();
        let start = Instant::now();
        send.write_all(&joined).await.unwrap();
        let (received, _) = read_all(&mut recv, CUT_OFF).await;
        let text = assert_only_a_refusal(&received, "the replayed join after the invite closed");
        let (reason, _) = closed_within(&conn, CUT_OFF).await;
        assert_eq!(close_code(&reason), Some(CLOSE_REFUSED.into()));
        eprintln!(
            "replay: the join session from a stranger after the invite closed refused after {}: \
             {text:?}",
            ms(start.elapsed())
        );
        assert!(
            !a.library()
                .access(&doc)
                .await
                .unwrap()
                .devices
                .contains_key(&stranger.id().to_string()),
            "the stranger was not admitted"
        );

        stranger.close().await;
        ep.close().await;
        b.shutdown().await.unwrap();
        a.shutdown().await.unwrap();
    });
}

#[test]
#[allow(clippy::too_many_lines)] // One attack, start to finish, with the measurements printed along the way.
fn a_peer_claiming_another_identity_in_samods_handshake_is_cut_off() {
    let _serial = serial();
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    runtime().block_on(async {
        let (a, b, doc) = two_peers(a_dir.path(), b_dir.path()).await;
        let calm = b_edit_reaches_a(&a, &b, &doc, "B before").await;
        let id: DocumentId = doc.parse().unwrap();
        let a_peer = peer_of(&a);
        let b_peer = peer_of(&b);
        // E may read the charter, never write it: a write that lands would
        // have been made with B's rights.
        let ep = raw_endpoint().await;
        let me = peer_id_of(&ep.id().to_string()).to_string();
        let ticket = a.share(&doc, AccessLevel::ReadOnly).await.unwrap();
        let invite = InviteProof {
            doc: doc.clone(),
            secret: hex(&ticket.secret),
        };
        // Admitted, then gone before samod's handshake.
        let first = RawPeer::connect(&ep, a.addr(), Some(invite)).await;
        first.conn.close(0u32.into(), b"bye");
        let (heads, changes) = heads_of(&a, &doc).await;

        let rss_before = rss_mb();
        let attack = async {
            let mut cut = Vec::new();
            // A join naming A itself, then one naming B.
            for (who, claimed) in [("A", &a_peer), ("B", &b_peer)] {
                let mut peer = RawPeer::connect(&ep, a.addr(), None).await;
                let start = Instant::now();
                peer.send(&join(claimed)).await;
                let (reason, _) = closed_within(&peer.conn, CUT_OFF).await;
                let took = start.elapsed();
                while peer.next(Duration::from_millis(200)).await.is_some() {}
                let kinds: Vec<&str> = peer.received.iter().map(|m| m.kind.as_str()).collect();
                assert!(
                    kinds.iter().all(|k| *k == "error"),
                    "a join as {who}: A answered {kinds:?}"
                );
                assert_eq!(
                    close_code(&reason),
                    Some(CLOSE_PROTOCOL.into()),
                    "a join as {who}: {reason:?}"
                );
                cut.push((format!("join as {who}"), took, kinds.len()));
            }

            // A honest join as E, the charter synced (read-only), then an
            // edit sent as B.
            let mut peer = RawPeer::connect(&ep, a.addr(), None).await;
            peer.join(&me).await;
            let mut copy = Automerge::new();
            peer.sync(&id, &mut copy, &me, &a_peer, "request").await;
            copy.set_actor(ActorId::random());
            apply(
                &mut copy,
                &Op::SetProse {
                    field: ProseField::Title,
                    text: "Hijacked as B".into(),
                },
                1_700_000_000,
            )
            .unwrap();
            let message = copy
                .generate_sync_message(&mut am_sync::State::new())
                .unwrap()
                .encode();
            let start = Instant::now();
            peer.send(&doc_message(
                "sync",
                &id,
                DocForm::Text,
                &b_peer,
                &a_peer,
                &message,
            ))
            .await;
            let (reason, _) = closed_within(&peer.conn, CUT_OFF).await;
            let took = start.elapsed();
            assert_eq!(
                close_code(&reason),
                Some(CLOSE_PROTOCOL.into()),
                "a sync as B: {reason:?}"
            );
            cut.push(("sync as B".into(), took, 0));
            cut
        };
        let (cut, during) = Box::pin(alongside(&a, &b, &doc, attack)).await;
        let rss_after = rss_mb();
        let after = b_edit_reaches_a(&a, &b, &doc, "B after").await;

        let (_, changes_after) = heads_of(&a, &doc).await;
        assert_eq!(
            changes_after,
            changes + during.len() + 1,
            "only B's edits landed (heads were {heads:?})"
        );
        assert_sound(&a, &doc, "after the identity claims").await;
        for (what, took, frames) in &cut {
            eprintln!(
                "identity claim: {what} cut off after {} ({frames} error frames back)",
                ms(*took)
            );
            assert!(*took < CUT_OFF, "{what}: cut off only after {took:?}");
        }
        report_rss("identity claims", rss_before, rss_after);
        report_honest("identity claims", calm, &during, after);

        let seen: HashSet<String> = a
            .library()
            .access(&doc)
            .await
            .unwrap()
            .devices
            .keys()
            .cloned()
            .collect();
        assert!(seen.contains(&ep.id().to_string()), "E stays admitted");
        ep.close().await;
        b.shutdown().await.unwrap();
        a.shutdown().await.unwrap();
    });
}
