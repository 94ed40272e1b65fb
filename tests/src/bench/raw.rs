//! The baselines: plain Automerge with no Guild, no samod. Two raw iroh
//! endpoints on loopback running `automerge::sync` over one bi-stream in
//! length-delimited frames (the same framing and 4-byte prefix Guild
//! counts), and the same sync protocol run in memory to count what it
//! would put on a wire.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail};
use automerge::sync::{Message, State, SyncDoc as _};
use automerge::{ActorId, Automerge};
use futures::{SinkExt as _, StreamExt as _};
use guild_model::{Op, apply};
use iroh::endpoint::{Connection, PortmapperConfig, presets};
use iroh::{Endpoint, NetReportConfig, RelayMode};
use tokio::sync::mpsc;
use tokio_util::codec::{Framed, LengthDelimitedCodec};

use super::STUCK;

const ALPN: &[u8] = b"guild-bench/raw-automerge/1";

/// What one raw peer reports to the driver.
#[derive(Debug, Clone, Copy)]
enum Event {
    /// A local edit was applied (taking this long) and its sync message
    /// generated and sent (taking this long).
    Sent(Duration, Duration),
    /// A sync message changed this peer's heads, at this moment, and
    /// `receive_sync_message` took this long.
    Applied(Instant, Duration),
    /// The other side has acknowledged everything we have.
    InSync,
}

/// One edit → peer run over raw Automerge sync.
pub(crate) struct RawRun {
    pub(crate) latencies: Vec<Duration>,
    /// A's `guild_model::apply` of each edit.
    pub(crate) apply: Vec<Duration>,
    /// A generating, encoding and sending each edit's sync message.
    pub(crate) send: Vec<Duration>,
    /// B's `receive_sync_message` of each edit.
    pub(crate) receive: Vec<Duration>,
    /// Frame bytes both ways, per edit.
    pub(crate) wire_per_edit: f64,
}

async fn endpoint() -> Result<Endpoint> {
    Ok(Endpoint::builder(presets::Minimal)
        .relay_mode(RelayMode::Disabled)
        .portmapper_config(PortmapperConfig::Disabled)
        .net_report_config(NetReportConfig::minimal())
        .clear_ip_transports()
        .bind_addr("127.0.0.1:0")?
        .alpns(vec![ALPN.to_vec()])
        .bind()
        .await?)
}

type Stream = Framed<
    tokio::io::Join<iroh::endpoint::RecvStream, iroh::endpoint::SendStream>,
    LengthDelimitedCodec,
>;

fn framed(recv: iroh::endpoint::RecvStream, send: iroh::endpoint::SendStream) -> Stream {
    Framed::new(
        tokio::io::join(recv, send),
        LengthDelimitedCodec::builder()
            .max_frame_length(64 * 1024 * 1024)
            .new_codec(),
    )
}

/// One side of the raw sync loop: applies local edits, answers the other
/// side, and sends whatever the sync protocol has to send after each.
struct Side {
    doc: Automerge,
    state: State,
    stream: Stream,
    bytes: Arc<AtomicU64>,
    _conn: Connection,
}

impl Side {
    async fn flush(&mut self) -> Result<()> {
        while let Some(message) = self.doc.generate_sync_message(&mut self.state) {
            let bytes = message.encode();
            self.bytes
                .fetch_add(bytes.len() as u64 + 4, Ordering::Relaxed);
            self.stream.send(bytes::Bytes::from(bytes)).await?;
        }
        Ok(())
    }

    async fn run(
        mut self,
        mut edits: mpsc::UnboundedReceiver<Op>,
        events: mpsc::UnboundedSender<Event>,
    ) -> Result<()> {
        loop {
            self.flush().await?;
            tokio::select! {
                op = edits.recv() => match op {
                    Some(op) => {
                        let started = Instant::now();
                        apply(&mut self.doc, &op, super::now())?;
                        let applied = started.elapsed();
                        self.flush().await?;
                        let _ = events.send(Event::Sent(applied, started.elapsed().saturating_sub(applied)));
                    }
                    None => return Ok(()),
                },
                frame = self.stream.next() => {
                    let Some(frame) = frame else { return Ok(()) };
                    let frame = frame?;
                    self.bytes.fetch_add(frame.len() as u64 + 4, Ordering::Relaxed);
                    let before = self.doc.get_heads();
                    let started = Instant::now();
                    self.doc
                        .receive_sync_message(&mut self.state, Message::decode(&frame)?)?;
                    let received = started.elapsed();
                    let heads = self.doc.get_heads();
                    if heads != before {
                        let _ = events.send(Event::Applied(Instant::now(), received));
                    }
                    if self.state.their_heads.as_ref() == Some(&heads) {
                        let _ = events.send(Event::InSync);
                    }
                }
            }
        }
    }
}

async fn next_event(
    events: &mut mpsc::UnboundedReceiver<Event>,
    want: fn(&Event) -> bool,
) -> Result<Event> {
    let deadline = Instant::now() + STUCK;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = tokio::time::timeout(left, events.recv())
            .await
            .map_err(|_| anyhow!("the raw peer went silent"))?
            .context("the raw peer stopped")?;
        if want(&event) {
            return Ok(event);
        }
    }
}

/// Two raw peers holding `bytes` (loaded, not synced: both start equal),
/// A making the `edits` edits `op(0)`, `op(1)`, … one at a time: each waits
/// until B has applied it and A has B's acknowledgement.
pub(crate) async fn edit_run(
    bytes: &[u8],
    edits: usize,
    op: impl Fn(usize) -> Op,
) -> Result<RawRun> {
    let (a_ep, b_ep) = (endpoint().await?, endpoint().await?);
    let b_addr = b_ep.addr();
    let load = |actor: u8| -> Result<Automerge> {
        let mut doc = Automerge::load(bytes)?;
        doc.set_actor(ActorId::from(vec![actor; 16]));
        Ok(doc)
    };
    let (a_doc, b_doc) = (load(0xa)?, load(0xb)?);
    let (a_bytes, b_bytes) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));

    let accept = {
        let b_ep = b_ep.clone();
        let b_bytes = Arc::clone(&b_bytes);
        tokio::spawn(async move {
            let conn = b_ep.accept().await.context("no connection")?.await?;
            let (send, recv) = conn.accept_bi().await?;
            anyhow::Ok(Side {
                doc: b_doc,
                state: State::new(),
                stream: framed(recv, send),
                bytes: b_bytes,
                _conn: conn,
            })
        })
    };
    let conn = a_ep.connect(b_addr, ALPN).await?;
    let (send, recv) = conn.open_bi().await?;
    let a = Side {
        doc: a_doc,
        state: State::new(),
        stream: framed(recv, send),
        bytes: Arc::clone(&a_bytes),
        _conn: conn,
    };
    let (a_edits, a_rx) = mpsc::unbounded_channel();
    let (a_events_tx, mut a_events) = mpsc::unbounded_channel();
    // A speaks first, which is what makes the stream visible to B.
    let a_task = tokio::spawn(a.run(a_rx, a_events_tx));
    let b = accept.await??;
    let (_b_edits, b_rx) = mpsc::unbounded_channel();
    let (b_events_tx, mut b_events) = mpsc::unbounded_channel();
    let b_task = tokio::spawn(b.run(b_rx, b_events_tx));

    // The opening exchange of heads is not an edit: let it finish.
    next_event(&mut a_events, |e| matches!(e, Event::InSync)).await?;
    tokio::time::sleep(Duration::from_millis(100)).await;
    while a_events.try_recv().is_ok() {}
    while b_events.try_recv().is_ok() {}
    let wire_before = a_bytes.load(Ordering::Relaxed);

    let (mut latencies, mut apply, mut send, mut receive) = (vec![], vec![], vec![], vec![]);
    for n in 0..edits {
        let started = Instant::now();
        a_edits.send(op(n))?;
        let Event::Applied(at, received) =
            next_event(&mut b_events, |e| matches!(e, Event::Applied(..))).await?
        else {
            bail!("unreachable: filtered for Applied");
        };
        latencies.push(at - started);
        receive.push(received);
        let Event::Sent(applied, sending) =
            next_event(&mut a_events, |e| matches!(e, Event::Sent(..))).await?
        else {
            bail!("unreachable: filtered for Sent");
        };
        apply.push(applied);
        send.push(sending);
        next_event(&mut a_events, |e| matches!(e, Event::InSync)).await?;
    }
    let wire = a_bytes.load(Ordering::Relaxed) - wire_before;

    drop(a_edits);
    a_task.abort();
    b_task.abort();
    a_ep.close().await;
    b_ep.close().await;
    Ok(RawRun {
        latencies,
        apply,
        send,
        receive,
        wire_per_edit: wire as f64 / edits.max(1) as f64,
    })
}

/// What an in-memory sync took, and the sync states it left.
pub(crate) struct Synced {
    /// Frame bytes, both ways (payload + 4-byte prefix each).
    pub(crate) bytes: u64,
    /// Each message's frame bytes, in order, `A→B` or `B→A`.
    pub(crate) messages: Vec<String>,
    pub(crate) a_state: State,
    pub(crate) b_state: State,
}

/// Runs Automerge's sync protocol between copies of `a` and `b`, starting
/// from `a_state` and `b_state`, until neither has anything to say.
pub(crate) fn sync_in_memory(
    a: &Automerge,
    b: &Automerge,
    mut a_state: State,
    mut b_state: State,
) -> Result<Synced> {
    let (mut a, mut b) = (a.clone(), b.clone());
    let (mut bytes, mut messages) = (0u64, Vec::new());
    for _ in 0..1000 {
        let mut quiet = true;
        if let Some(message) = a.generate_sync_message(&mut a_state) {
            let encoded = message.encode();
            bytes += encoded.len() as u64 + 4;
            messages.push(format!("A→B {}", encoded.len() + 4));
            b.receive_sync_message(&mut b_state, Message::decode(&encoded)?)?;
            quiet = false;
        }
        if let Some(message) = b.generate_sync_message(&mut b_state) {
            let encoded = message.encode();
            bytes += encoded.len() as u64 + 4;
            messages.push(format!("B→A {}", encoded.len() + 4));
            a.receive_sync_message(&mut a_state, Message::decode(&encoded)?)?;
            quiet = false;
        }
        if quiet {
            if a.get_heads() != b.get_heads() {
                bail!("the in-memory sync stopped before the copies agreed");
            }
            return Ok(Synced {
                bytes,
                messages,
                a_state,
                b_state,
            });
        }
    }
    bail!("the in-memory sync did not settle")
}

/// What a reconnect costs raw Automerge when each side kept its sync state
/// from the last session (`State::encode`, which keeps the shared heads).
pub(crate) fn persisted_state(state: &State) -> Result<State> {
    Ok(State::decode(&state.encode())?)
}

/// The bytes each of `n` raw Automerge copies of `bytes` receives per edit
/// made elsewhere, when every pair syncs and each of `rounds` rounds has
/// every copy make `op(round, copy)` at once; messages go round-robin over
/// the pairs until nobody has anything to say. This is what the sync
/// protocol itself costs in a full mesh, with no samod and no network.
pub(crate) fn mesh_in_memory(
    bytes: &[u8],
    n: usize,
    rounds: usize,
    op: impl Fn(usize, usize) -> Op,
) -> Result<f64> {
    let mut docs = (0..n)
        .map(|i| {
            let mut doc = Automerge::load(bytes)?;
            doc.set_actor(ActorId::from(vec![
                u8::try_from(i + 1).unwrap_or(u8::MAX);
                16
            ]));
            anyhow::Ok(doc)
        })
        .collect::<Result<Vec<_>>>()?;
    let mut states: Vec<Vec<State>> = (0..n)
        .map(|_| (0..n).map(|_| State::new()).collect())
        .collect();
    let mut exchange = |docs: &mut Vec<Automerge>| -> Result<u64> {
        let mut received = 0u64;
        for _ in 0..10_000 {
            let mut quiet = true;
            for i in 0..n {
                for j in (0..n).filter(|&j| j != i) {
                    if let Some(message) = docs[i].generate_sync_message(&mut states[i][j]) {
                        let encoded = message.encode();
                        received += encoded.len() as u64 + 4;
                        docs[j]
                            .receive_sync_message(&mut states[j][i], Message::decode(&encoded)?)?;
                        quiet = false;
                    }
                }
            }
            if quiet {
                return Ok(received);
            }
        }
        bail!("the in-memory mesh did not settle")
    };
    // The copies start equal; their first exchange of heads is not an edit.
    exchange(&mut docs)?;
    let mut received = 0;
    for round in 0..rounds {
        for (i, doc) in docs.iter_mut().enumerate() {
            apply(doc, &op(round, i), super::now())?;
        }
        received += exchange(&mut docs)?;
    }
    Ok(received as f64 / (n * (n - 1) * rounds).max(1) as f64)
}
