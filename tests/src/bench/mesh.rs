//! Row 6: N Guild peers on loopback, linked as a room is (the overlay of
//! `guild_sync::net::node::overlay`), all editing at once. Each round every peer adds a card at the same moment; an edit's
//! latency is the time until the last other peer has it. Also the bytes
//! each peer receives per edit made elsewhere, against the raw bytes of
//! those changes.
//!
//! The latency baseline is raw Automerge sync between two peers on the
//! same document (there is no raw N-peer mesh here).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use automerge::{ChangeHash, ReadDoc as _};
use futures::future::join_all;
use guild_model::{AccessLevel, Cell, Op, Position, ProseField};
use guild_sync::net::node::Node;

use super::raw;
use super::{Row, STUCK, Target, Unit, converged, ms, node_in, percentile, quiet_wire};

/// When each peer first held each change, by (peer, change).
type Arrivals = Arc<Mutex<HashMap<(usize, ChangeHash), Instant>>>;

/// One N's figures.
pub(crate) struct MeshRun {
    pub(crate) latencies: Vec<Duration>,
    /// Bytes a peer received per edit made by another peer.
    pub(crate) received_per_edit: f64,
    /// Raw bytes of one of those changes, on average.
    pub(crate) change_bytes: f64,
    /// The same, for raw Automerge copies syncing in memory.
    pub(crate) raw_received_per_edit: f64,
    /// Raw automerge sync, two peers, same document, keystroke by keystroke.
    pub(crate) raw: Vec<Duration>,
    /// The slowest round: from everyone's edit until every peer held every
    /// card of the burst.
    pub(crate) slowest_round: Duration,
    /// The process's CPU time over the rounds, per peer per edit.
    pub(crate) cpu_per_peer_edit: Duration,
}

/// CPU time this process has used (user and system), from `/proc/self/stat`.
fn process_cpu() -> Result<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat")?;
    // Fields after the command name (which may hold spaces), from field 3.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .context("/proc/self/stat without a command name")?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| -> Result<u64> {
        Ok(fields
            .get(i)
            .context("/proc/self/stat too short")?
            .parse()?)
    };
    // utime and stime are fields 14 and 15, in clock ticks of 1/100 s
    // (USER_HZ, fixed at 100 for /proc on Linux).
    Ok(Duration::from_millis((ticks(11)? + ticks(12)?) * 10))
}

/// Follows `doc` on peer `k`, recording when each change first shows up.
fn watch(
    node: Arc<Node>,
    k: usize,
    doc: String,
    arrivals: Arrivals,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let Ok(mut changed) = node.library().changes(&doc).await else {
            return;
        };
        let Ok(mut seen) = node.library().document(&doc).await.map(|d| d.get_heads()) else {
            return;
        };
        while changed.recv().await.is_some() {
            while changed.try_recv().is_ok() {}
            let Ok(now) = node.library().document(&doc).await else {
                return;
            };
            let at = Instant::now();
            let mut arrivals = arrivals.lock().unwrap_or_else(PoisonError::into_inner);
            for change in now.get_changes(&seen) {
                arrivals.entry((k, change.hash())).or_insert(at);
            }
            seen = now.get_heads();
        }
    })
}

/// The card peer `i` adds in round `round`; `tag` keeps Guild's cards and
/// the raw copies' apart (the raw copies start from Guild's final document).
fn card(tag: char, round: usize, i: usize) -> Op {
    Op::AddCard {
        id: format!("{tag}{round}-p{i}"),
        cell: Cell::ALL[i % 4],
        text: format!("Card {round} from peer {i}"),
        position: Position::End,
    }
}

/// A node in each of `dirs`, all holding one new charter, each linked to
/// its neighbours on the room's overlay (as `guild serve` and the window
/// link a room). Returns them and the charter's id.
async fn start_mesh(dirs: &[tempfile::TempDir]) -> Result<(Vec<Arc<Node>>, String)> {
    let n = dirs.len();
    let mut nodes = Vec::with_capacity(n);
    for dir in dirs {
        nodes.push(Arc::new(node_in(dir.path()).await));
    }
    let doc = nodes[0].library().create("Many peers", true).await?;
    let ticket = nodes[0].share(&doc, AccessLevel::ReadWrite).await?;
    for joined in join_all(nodes[1..].iter().map(|node| node.join(&ticket, STUCK))).await {
        joined.context("join")?;
    }
    let refs: Vec<&Node> = nodes.iter().map(AsRef::as_ref).collect();
    // Everyone must know everyone's admission before they dial each other.
    converged(&refs, &doc).await?;
    let ids: Vec<String> = nodes.iter().map(|n| n.library().endpoint_id()).collect();
    for (i, node) in nodes.iter().enumerate() {
        for (j, other) in nodes.iter().enumerate() {
            if i != j {
                node.remember_peer(&ids[j], other.ip_addrs());
            }
        }
    }
    for node in &nodes {
        node.connect_peers(&doc).await?;
    }
    let started = Instant::now();
    while !nodes.iter().all(|node| {
        let neighbours = node.neighbours(&doc);
        !neighbours.is_empty() && neighbours.iter().all(|id| node.is_connected_to(id))
    }) {
        if started.elapsed() > STUCK {
            bail!("{n} peers did not all link up with their neighbours");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    join_all(nodes.iter().map(|node| quiet_wire(node))).await;
    Ok((nodes, doc))
}

/// `rounds` rounds of every node adding a card at once, each round over
/// once every card is on every node. Returns every edit (origin, change,
/// when it started) and how long each round took.
async fn edit_rounds(
    nodes: &[Arc<Node>],
    doc: &str,
    rounds: usize,
    arrivals: &Arrivals,
) -> Result<(Vec<(usize, ChangeHash, Instant)>, Vec<Duration>)> {
    let n = nodes.len();
    let mut edits: Vec<(usize, ChangeHash, Instant)> = Vec::new();
    let mut round_times = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let round_started = Instant::now();
        let made = join_all(nodes.iter().enumerate().map(|(i, node)| async move {
            let op = card('g', round, i);
            let started = Instant::now();
            let hash = node.library().edit(doc, &op).await?;
            anyhow::Ok((i, hash.context("an edit made no change")?, started))
        }))
        .await;
        let made: Vec<_> = made.into_iter().collect::<Result<_>>()?;
        let started = Instant::now();
        loop {
            let everywhere = {
                let arrivals = arrivals.lock().unwrap_or_else(PoisonError::into_inner);
                made.iter().all(|(origin, hash, _)| {
                    (0..n).all(|k| k == *origin || arrivals.contains_key(&(k, *hash)))
                })
            };
            if everywhere {
                break;
            }
            if started.elapsed() > STUCK {
                bail!("round {round} of {n} peers never reached everyone");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        edits.extend(made);
        round_times.push(round_started.elapsed());
    }
    Ok((edits, round_times))
}

/// `n` fresh nodes on one charter, linked as a room, every node watched.
struct WatchedMesh {
    nodes: Vec<Arc<Node>>,
    doc: String,
    arrivals: Arrivals,
    watchers: Vec<tokio::task::JoinHandle<()>>,
    _dirs: Vec<tempfile::TempDir>,
}

impl WatchedMesh {
    async fn start(n: usize) -> Result<Self> {
        let dirs: Vec<_> = (0..n)
            .map(|_| tempfile::tempdir())
            .collect::<Result<_, _>>()?;
        let (nodes, doc) = Box::pin(start_mesh(&dirs)).await?;
        let arrivals: Arrivals = Arc::default();
        let watchers = nodes
            .iter()
            .enumerate()
            .map(|(k, node)| watch(Arc::clone(node), k, doc.clone(), Arc::clone(&arrivals)))
            .collect();
        // The watchers read their starting heads first.
        tokio::time::sleep(Duration::from_millis(200)).await;
        Ok(Self {
            nodes,
            doc,
            arrivals,
            watchers,
            _dirs: dirs,
        })
    }

    async fn stop(self) -> Result<()> {
        for watcher in self.watchers {
            watcher.abort();
        }
        for stopped in join_all(self.nodes.iter().map(|node| node.shutdown())).await {
            stopped?;
        }
        Ok(())
    }
}

/// `n` peers, `rounds` rounds of everyone adding a card at once.
pub(crate) async fn run(n: usize, rounds: usize) -> Result<MeshRun> {
    let mesh = WatchedMesh::start(n).await?;
    let (nodes, doc, arrivals) = (&mesh.nodes, &mesh.doc, &mesh.arrivals);
    let before: Vec<u64> = nodes.iter().map(|n| n.wire_bytes().0).collect();
    let cpu_before = process_cpu()?;
    let (edits, round_times) = edit_rounds(nodes, doc, rounds, arrivals).await?;
    let cpu = process_cpu()?.saturating_sub(cpu_before);
    let settling = Instant::now();
    let after = join_all(nodes.iter().map(|node| quiet_wire(node))).await;
    // Whether rounds slow down as they pile up, and how long the traffic
    // goes on after the last edit is everywhere, tell a storm from a stall.
    eprintln!(
        "  note 6, {n} peers: rounds took {} ms; the wire went quiet {:.1} s after the last round",
        round_times
            .iter()
            .map(|t| format!("{:.0}", ms(*t)))
            .collect::<Vec<_>>()
            .join(", "),
        settling.elapsed().as_secs_f64() - 0.3,
    );
    let received: u64 = after
        .iter()
        .zip(&before)
        .map(|((rx, _), before)| rx - before)
        .sum();
    let latencies = {
        let arrivals = arrivals.lock().unwrap_or_else(PoisonError::into_inner);
        edits
            .iter()
            .map(|(origin, hash, started)| {
                (0..n)
                    .filter(|k| k != origin)
                    .filter_map(|k| arrivals.get(&(k, *hash)))
                    .map(|at| at.saturating_duration_since(*started))
                    .max()
                    .unwrap_or_default()
            })
            .collect()
    };
    let last = nodes[0].library().document(doc).await?;
    let change_bytes: usize = edits
        .iter()
        .filter_map(|(_, hash, _)| last.get_change_by_hash(hash))
        .map(|c| c.raw_bytes().len())
        .sum();
    let saved = last.save();
    mesh.stop().await?;
    let raw = raw::edit_run(&saved, edits.len().max(1), |k| Op::AddCard {
        id: format!("raw-{k}"),
        cell: Cell::ALL[k % 4],
        text: format!("Card {k} from the raw peer"),
        position: Position::End,
    })
    .await?;
    let raw_received_per_edit = raw::mesh_in_memory(&saved, n, rounds, |r, i| card('w', r, i))?;
    let foreign = (n * (n - 1) * rounds).max(1) as f64;
    let peer_edits = u32::try_from((n * edits.len()).max(1)).unwrap_or(u32::MAX);
    Ok(MeshRun {
        slowest_round: round_times.iter().max().copied().unwrap_or_default(),
        cpu_per_peer_edit: cpu / peer_edits,
        latencies,
        received_per_edit: received as f64 / foreign,
        change_bytes: change_bytes as f64 / edits.len().max(1) as f64,
        raw_received_per_edit,
        raw: raw.latencies,
    })
}

/// The sentence the typist types, a word per pause.
const SENTENCE: &str = "We learn together across offices and units so that every team can find the people who have solved its problem before";

/// The typist: `n` peers linked as a room, one of them typing the vision a
/// word at a time (a change per pause, 50 ms apart) while the others
/// watch. Returns each word's latency to the last watcher.
pub(crate) async fn typist(n: usize) -> Result<Vec<Duration>> {
    let mesh = WatchedMesh::start(n).await?;
    let (nodes, doc, arrivals) = (&mesh.nodes, &mesh.doc, &mesh.arrivals);
    let mut latencies = Vec::new();
    let mut typed = 0;
    for word in SENTENCE.split(' ') {
        let insert = if typed == 0 {
            word.to_owned()
        } else {
            format!(" {word}")
        };
        let op = Op::SpliceProse {
            field: ProseField::Vision,
            pos: typed,
            delete: 0,
            insert: insert.clone(),
        };
        typed += insert.chars().count();
        let started = Instant::now();
        let hash = nodes[0]
            .library()
            .edit(doc, &op)
            .await?
            .context("a word made no change")?;
        let reached = loop {
            let last = {
                let arrivals = arrivals.lock().unwrap_or_else(PoisonError::into_inner);
                (1..n)
                    .map(|k| arrivals.get(&(k, hash)).copied())
                    .collect::<Option<Vec<_>>>()
                    .and_then(|at| at.into_iter().max())
            };
            if let Some(last) = last {
                break last;
            }
            if started.elapsed() > STUCK {
                bail!("a word typed among {n} peers never reached everyone");
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        };
        latencies.push(reached.saturating_duration_since(started));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    mesh.stop().await?;
    Ok(latencies)
}

/// Row 6-typist for `n` peers; the baseline is raw Automerge sync between
/// two peers from the burst run.
pub(crate) fn typist_rows(n: usize, latencies: &[Duration], raw: &[Duration]) -> Vec<Row> {
    // Issue 13: p99 ≤ 30 ms at 32 peers.
    let target = if n >= 32 {
        Target::AtMost(30.0)
    } else {
        Target::None
    };
    vec![
        Row::new(
            &format!("6t-{n:02}-p50"),
            format!("{n} peers, one typing a word per pause: p50 word → all peers, vs raw automerge::sync p50 (2 peers)"),
            Unit::Ms,
            ms(percentile(latencies, 50)),
            ms(percentile(raw, 50)),
        ),
        Row::new(
            &format!("6t-{n:02}-p99"),
            format!("{n} peers, one typing a word per pause: p99 word → all peers, vs raw automerge::sync p99 (2 peers)"),
            Unit::Ms,
            ms(percentile(latencies, 99)),
            ms(percentile(raw, 99)),
        )
        .target(target),
    ]
}

/// Rows 6 for `n` peers.
pub(crate) fn rows(n: usize, run: &MeshRun) -> Vec<Row> {
    eprintln!(
        "  note 6, {n} peers: one change is {:.0} B raw; Guild receives {:.1}× that per peer, raw automerge::sync {:.1}×",
        run.change_bytes,
        run.received_per_edit / run.change_bytes,
        run.raw_received_per_edit / run.change_bytes
    );
    eprintln!(
        "  note 6, {n} peers: CPU {:.2} ms per peer per edit (the whole process over the rounds, 2 cores shared by every peer)",
        ms(run.cpu_per_peer_edit)
    );
    let (time_id, bytes_id) = match n {
        2 => ("6a".to_owned(), "6e".to_owned()),
        4 => ("6b".into(), "6f".into()),
        8 => ("6c".into(), "6g".into()),
        16 => ("6d".into(), "6h".into()),
        32 => ("6i".into(), "6j".into()),
        48 => ("6k".into(), "6l".into()),
        _ => (format!("6-{n:02}"), format!("6-{n:02}-bytes")),
    };
    // Issue 13: p99 ≤ 100 ms at 16 peers, ≤ 300 ms at 48; each peer
    // receives at most twice a change's raw bytes plus 200 B per edit.
    let target = match n {
        ..16 => Target::None,
        16 => Target::AtMost(100.0),
        _ => Target::AtMost(300.0),
    };
    vec![
        Row::new(
            &format!("{time_id}-burst"),
            format!(
                "{n} peers: burst → every card on every peer (slowest round), vs raw automerge::sync p99 (2 peers)"
            ),
            Unit::Ms,
            ms(run.slowest_round),
            ms(percentile(&run.raw, 99)),
        ),
        Row::new(
            &time_id,
            format!(
                "{n} peers all editing: p99 edit → all peers, vs raw automerge::sync p99 (2 peers, same doc)"
            ),
            Unit::Ms,
            ms(percentile(&run.latencies, 99)),
            ms(percentile(&run.raw, 99)),
        )
        .target(target),
        Row::new(
            &bytes_id,
            format!(
                "{n} peers: bytes received per peer per edit made elsewhere, vs a raw automerge::sync mesh (in memory)"
            ),
            Unit::Bytes,
            run.received_per_edit,
            run.raw_received_per_edit,
        )
        .target(Target::AtMost((2.0 * run.change_bytes + 200.0).round())),
    ]
}
