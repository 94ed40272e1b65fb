//! Hostile peers on loopback: raw iroh clients that skip the invite, send
//! garbage, oversized or random frames, or never speak. Each must be cut
//! off quickly, receive no charter data it was not invited to, and leave
//! well-behaved peers syncing as before.
//!
//! The hostile clients speak Guild's wire format by hand (a 4-byte
//! big-endian length, then the payload) on a bare iroh endpoint with a
//! fresh key, so nothing in Guild's own dialer shields the acceptor.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

use std::future::Future;
use std::time::{Duration, Instant};

use guild_model::{AccessLevel, Op, ProseField};
use guild_sync::net::node::Node;
use guild_sync::net::protocol::{CLOSE_PROTOCOL, CLOSE_REFUSED};
use guild_sync::net::wire::{ALPN, HANDSHAKE_TIMEOUT, Hello, InviteProof, MAX_FRAME, Welcome};
use guild_tests::{runtime, start_node};
use iroh::endpoint::{
    Connection, ConnectionError, PortmapperConfig, RecvStream, SendStream, presets,
};
use iroh::{Endpoint, NetReportConfig, RelayMode};

/// Generous bound for anything that should take well under a second.
const T: Duration = Duration::from_secs(20);
/// How long a hostile peer may stay connected after misbehaving.
const CUT_OFF: Duration = Duration::from_secs(5);

const TITLE: &str = "Confidential Data CoP";
const PURPOSE: &str = "Zanzibar quartz purpose nobody uninvited may read";

/// A bare iroh endpoint on loopback with a fresh key: no relays, no
/// discovery, no port mapping.
async fn raw_endpoint() -> Endpoint {
    Endpoint::builder(presets::Minimal)
        .relay_mode(RelayMode::Disabled)
        .portmapper_config(PortmapperConfig::Disabled)
        .net_report_config(NetReportConfig::minimal())
        .clear_ip_transports()
        .bind_addr("127.0.0.1:0")
        .expect("a loopback address")
        .bind()
        .await
        .expect("bind a raw endpoint")
}

/// Connects to `node` under Guild's ALPN and opens the one bi-stream.
async fn open(ep: &Endpoint, node: &Node) -> (Connection, SendStream, RecvStream) {
    let conn = ep.connect(node.addr(), ALPN).await.expect("QUIC connect");
    let (send, recv) = conn.open_bi().await.expect("open a bi-stream");
    (conn, send, recv)
}

/// Writes one length-delimited frame by hand.
async fn write_frame(send: &mut SendStream, payload: &[u8]) -> Result<(), String> {
    let len = u32::try_from(payload.len()).expect("a frame under 4 GiB");
    send.write_all(&len.to_be_bytes())
        .await
        .map_err(|e| e.to_string())?;
    send.write_all(payload).await.map_err(|e| e.to_string())
}

/// Reads one length-delimited frame (at most 1 MiB), within [`T`].
async fn read_frame(recv: &mut RecvStream) -> Vec<u8> {
    tokio::time::timeout(T, async {
        let mut len = [0u8; 4];
        recv.read_exact(&mut len).await.expect("a frame header");
        let len = u32::from_be_bytes(len) as usize;
        assert!(len <= 1 << 20, "a handshake frame of {len} bytes");
        let mut payload = vec![0u8; len];
        recv.read_exact(&mut payload).await.expect("a frame body");
        payload
    })
    .await
    .expect("a frame in time")
}

/// How a stream the client was reading ended.
#[derive(Debug)]
enum Ending {
    /// The peer finished the stream cleanly.
    Eof,
    /// The stream or connection failed (reset, closed, lost).
    Error(String),
    /// Nothing ended within the limit: the peer left us hanging.
    StillOpen,
}

impl std::fmt::Display for Ending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ending::Eof => f.write_str("stream finished"),
            Ending::Error(e) => write!(f, "stream failed: {e}"),
            Ending::StillOpen => f.write_str("stream still open"),
        }
    }
}

/// Reads everything the peer sends until the stream ends or `limit` passes.
async fn read_all(recv: &mut RecvStream, limit: Duration) -> (Vec<u8>, Ending) {
    let mut received = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, recv.read(&mut buf)).await {
            Err(_) => return (received, Ending::StillOpen),
            Ok(Ok(None)) => return (received, Ending::Eof),
            Ok(Ok(Some(n))) => received.extend_from_slice(&buf[..n]),
            Ok(Err(e)) => return (received, Ending::Error(e.to_string())),
        }
    }
}

/// Waits up to `limit` for the connection to close; returns the reason and
/// how long it took.
async fn closed_within(conn: &Connection, limit: Duration) -> (ConnectionError, Duration) {
    let start = Instant::now();
    let reason = tokio::time::timeout(limit, conn.closed())
        .await
        .unwrap_or_else(|_| panic!("the connection was still open after {limit:?}"));
    (reason, start.elapsed())
}

/// The application close code, when the peer closed the connection.
fn close_code(reason: &ConnectionError) -> Option<u64> {
    match reason {
        ConnectionError::ApplicationClosed(close) => Some(close.error_code.into_inner()),
        _ => None,
    }
}

fn hello(invite: Option<InviteProof>) -> Vec<u8> {
    serde_json::to_vec(&Hello {
        version: 1,
        device: "00112233445566778899aabbccddeeff".into(),
        label: "hostile".into(),
        invite,
    })
    .unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A tiny seeded generator (xorshift64*), so every run sends the same bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next().to_le_bytes()[3]).collect()
    }

    fn between(&mut self, low: usize, high: usize) -> usize {
        low + (self.next() % (high - low + 1) as u64) as usize
    }
}

/// Polls `check` until it holds; returns how long that took.
async fn eventually<F, Fut>(what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < T, "{what}: not within {T:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    start.elapsed()
}

async fn set_vision(node: &Node, doc: &str, text: &str) {
    node.library()
        .edit(
            doc,
            &Op::SetProse {
                field: ProseField::Vision,
                text: text.into(),
            },
        )
        .await
        .unwrap();
}

async fn vision(node: &Node, doc: &str) -> String {
    node.library()
        .charter(doc)
        .await
        .unwrap()
        .vision
        .statement
        .as_str()
        .to_owned()
}

/// A charter on `a` with a recognisable title and purpose.
async fn secret_charter(a: &Node) -> String {
    let doc = a.library().create(TITLE, true).await.unwrap();
    a.library()
        .edit(
            &doc,
            &Op::SetProse {
                field: ProseField::Purpose,
                text: PURPOSE.into(),
            },
        )
        .await
        .unwrap();
    doc
}

/// B edits the vision and syncs; returns how long until A has the edit.
async fn b_edit_reaches_a(a: &Node, b: &Node, doc: &str, text: &str) -> Duration {
    let start = Instant::now();
    set_vision(b, doc, text).await;
    let status = b.sync(doc, T).await.unwrap();
    assert!(
        status
            .peers
            .iter()
            .any(|p| p.connected && p.has_our_changes),
        "B synced with A: {status:?}"
    );
    eventually(&format!("A has B's {text:?}"), || async {
        vision(a, doc).await == text
    })
    .await;
    start.elapsed()
}

/// Asserts the bytes a refused client got are one `Refused` frame and
/// nothing of the charter.
fn assert_only_a_refusal(received: &[u8], who: &str) {
    assert!(received.len() >= 4, "{who}: no refusal frame at all");
    let len = u32::from_be_bytes(received[..4].try_into().unwrap()) as usize;
    assert_eq!(
        received.len(),
        4 + len,
        "{who}: bytes beyond the refusal frame"
    );
    let welcome: Welcome = serde_json::from_slice(&received[4..]).expect("a Welcome");
    assert!(matches!(welcome, Welcome::Refused(_)), "{who}: {welcome:?}");
    assert!(received.len() < 512, "{who}: {} bytes", received.len());
    let text = String::from_utf8_lossy(received);
    for secret in [TITLE, PURPOSE, "Zanzibar", "Confidential"] {
        assert!(!text.contains(secret), "{who} received {secret:?}: {text}");
    }
    eprintln!("{who}: received {} bytes: {text:?}", received.len());
}

#[test]
fn an_endpoint_without_an_invite_is_refused_and_gets_no_document_bytes() {
    let a_dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let a = start_node(a_dir.path()).await;
        let doc = secret_charter(&a).await;
        let ep = raw_endpoint().await;

        // No invite at all.
        let (_, sent_before) = a.wire_bytes();
        let (conn, mut send, mut recv) = open(&ep, &a).await;
        write_frame(&mut send, &hello(None)).await.unwrap();
        let (received, ending) = read_all(&mut recv, CUT_OFF).await;
        assert!(
            !matches!(ending, Ending::StillOpen),
            "no invite: the stream stayed open"
        );
        assert_only_a_refusal(&received, "no invite");
        let (reason, _) = closed_within(&conn, CUT_OFF).await;
        assert_eq!(
            close_code(&reason),
            Some(CLOSE_REFUSED.into()),
            "{reason:?}"
        );
        let (_, sent_after) = a.wire_bytes();
        assert_eq!(
            sent_after - sent_before,
            received.len() as u64,
            "A sent exactly the refusal frame"
        );

        // An invite naming the charter with a made-up secret.
        let (conn, mut send, mut recv) = open(&ep, &a).await;
        let forged = InviteProof {
            doc: doc.clone(),
            secret: hex(&[7u8; 32]),
        };
        write_frame(&mut send, &hello(Some(forged))).await.unwrap();
        let (received, _) = read_all(&mut recv, CUT_OFF).await;
        assert_only_a_refusal(&received, "forged invite");
        let (reason, _) = closed_within(&conn, CUT_OFF).await;
        assert_eq!(close_code(&reason), Some(CLOSE_REFUSED.into()));

        // Garbage instead of a hello: random bytes, a 100 MB length
        // prefix, a well-framed frame that is not JSON.
        let mut rng = Rng(0x5eed_0001);
        let huge = {
            let mut b = 100_000_000u32.to_be_bytes().to_vec();
            b.extend(rng.bytes(1000));
            b
        };
        let not_json = {
            let mut b = 200u32.to_be_bytes().to_vec();
            b.extend(rng.bytes(200));
            b
        };
        let cases = [
            ("random bytes", rng.bytes(4096)),
            ("a 100 MB frame", huge),
            ("a frame that is not JSON", not_json),
        ];
        for (what, bytes) in cases {
            let (conn, mut send, mut recv) = open(&ep, &a).await;
            let start = Instant::now();
            // The peer may hang up while we are still writing; fine.
            let _ = send.write_all(&bytes).await;
            let _ = send.finish();
            let (received, ending) = read_all(&mut recv, CUT_OFF).await;
            let (reason, _) = closed_within(&conn, CUT_OFF).await;
            eprintln!(
                "{what}: closed after {:?} ({reason}), {} bytes back, {ending}",
                start.elapsed(),
                received.len()
            );
            assert!(received.is_empty(), "{what}: A answered with {received:?}");
            assert_eq!(
                close_code(&reason),
                Some(CLOSE_PROTOCOL.into()),
                "{what}: {reason:?}"
            );
        }

        ep.close().await;
        a.shutdown().await.unwrap();
    });
}

/// A raw client that presents a valid invite to `doc` and reads `Accepted`.
async fn admitted_hostile(
    ep: &Endpoint,
    a: &Node,
    doc: &str,
) -> (Connection, SendStream, RecvStream) {
    let ticket = a.share(doc, AccessLevel::ReadWrite).await.unwrap();
    let (conn, mut send, mut recv) = open(ep, a).await;
    let proof = InviteProof {
        doc: doc.to_owned(),
        secret: hex(&ticket.secret),
    };
    write_frame(&mut send, &hello(Some(proof))).await.unwrap();
    let welcome: Welcome = serde_json::from_slice(&read_frame(&mut recv).await).unwrap();
    assert_eq!(welcome, Welcome::Accepted);
    (conn, send, recv)
}

/// A and a well-behaved B that joined A's charter.
async fn two_peers(a_dir: &std::path::Path, b_dir: &std::path::Path) -> (Node, Node, String) {
    let a = start_node(a_dir).await;
    let b = start_node(b_dir).await;
    let doc = secret_charter(&a).await;
    let ticket = a.share(&doc, AccessLevel::ReadWrite).await.unwrap();
    b.join(&ticket, T).await.unwrap();
    (a, b, doc)
}

#[test]
fn a_peer_sending_an_oversized_frame_is_cut_off_while_others_keep_syncing() {
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    runtime().block_on(async {
        let (a, b, doc) = two_peers(a_dir.path(), b_dir.path()).await;
        let calm = b_edit_reaches_a(&a, &b, &doc, "B before").await;

        let ep = raw_endpoint().await;
        let hostile = async {
            let (conn, mut send, mut recv) = admitted_hostile(&ep, &a, &doc).await;
            let start = Instant::now();
            let announced = u32::try_from(200 * 1024 * 1024).unwrap();
            assert!(announced as usize > MAX_FRAME);
            send.write_all(&announced.to_be_bytes()).await.unwrap();
            // Then keep pushing body bytes until A hangs up (or 8 MiB).
            let chunk = vec![0xab_u8; 64 * 1024];
            let mut pushed = 0usize;
            while pushed < 8 << 20 {
                match tokio::time::timeout(CUT_OFF, send.write_all(&chunk)).await {
                    Ok(Ok(())) => pushed += chunk.len(),
                    Ok(Err(_)) | Err(_) => break,
                }
            }
            let (received, ending) = read_all(&mut recv, CUT_OFF).await;
            let (reason, _) = closed_within(&conn, CUT_OFF).await;
            (start.elapsed(), pushed, received, ending, reason)
        };
        let (hostile, busy) = tokio::join!(hostile, b_edit_reaches_a(&a, &b, &doc, "B during"));
        let (cut, pushed, received, ending, reason) = hostile;
        eprintln!(
            "oversized frame: cut off after {cut:?} ({reason}), {pushed} body bytes pushed, \
             {} bytes back, {ending}",
            received.len()
        );
        assert!(
            !matches!(ending, Ending::StillOpen),
            "the hostile stream stayed open"
        );
        assert!(cut < CUT_OFF, "cut off only after {cut:?}");
        assert_eq!(
            close_code(&reason),
            Some(CLOSE_PROTOCOL.into()),
            "{reason:?}"
        );
        assert!(
            pushed < 8 << 20,
            "A kept reading {pushed} bytes of a refused frame"
        );

        let after = b_edit_reaches_a(&a, &b, &doc, "B after").await;
        eprintln!(
            "B's edit reached A in {calm:?} without the hostile peer, {busy:?} alongside it, \
             {after:?} after it was cut off"
        );
        assert_eq!(vision(&a, &doc).await, "B after");

        // The same attack pipelined: hello, invite and the oversized header
        // in one write, so the bad frame is already buffered when samod
        // takes the stream. Every attempt must still be cut off.
        let mut pipelined_bytes_back = Vec::new();
        for attempt in 0..10 {
            let ticket = a.share(&doc, AccessLevel::ReadWrite).await.unwrap();
            let proof = InviteProof {
                doc: doc.clone(),
                secret: hex(&ticket.secret),
            };
            let hello = hello(Some(proof));
            let mut bytes = u32::try_from(hello.len()).unwrap().to_be_bytes().to_vec();
            bytes.extend(hello);
            bytes.extend(u32::MAX.to_be_bytes());
            bytes.extend([0xab_u8; 1024]);
            let (conn, mut send, mut recv) = open(&ep, &a).await;
            send.write_all(&bytes).await.unwrap();
            let (received, ending) = read_all(&mut recv, CUT_OFF).await;
            let (reason, _) = closed_within(&conn, CUT_OFF).await;
            assert_eq!(
                close_code(&reason),
                Some(CLOSE_PROTOCOL.into()),
                "pipelined attempt {attempt}: {reason:?}, {ending}"
            );
            // At most the welcome came back (the close may overtake it):
            // samod never answered the garbage.
            let mut welcome = 10u32.to_be_bytes().to_vec();
            welcome.extend(br#""Accepted""#);
            assert!(welcome.starts_with(&received), "{received:?}");
            pipelined_bytes_back.push(received.len());
        }
        eprintln!("pipelined oversized frames: bytes back per attempt {pipelined_bytes_back:?}");
        b_edit_reaches_a(&a, &b, &doc, "B last").await;
        assert_eq!(vision(&a, &doc).await, "B last");

        ep.close().await;
        b.shutdown().await.unwrap();
        a.shutdown().await.unwrap();
    });
}

#[test]
fn a_peer_sending_random_bytes_after_the_handshake_is_cut_off_while_others_keep_syncing() {
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    runtime().block_on(async {
        let (a, b, doc) = two_peers(a_dir.path(), b_dir.path()).await;
        let calm = b_edit_reaches_a(&a, &b, &doc, "B before").await;

        let ep = raw_endpoint().await;
        let hostile = async {
            let (conn, mut send, mut recv) = admitted_hostile(&ep, &a, &doc).await;
            let start = Instant::now();
            let mut rng = Rng(0x5eed_0003);
            let mut frames = 0;
            let mut bytes = 0;
            for _ in 0..50 {
                let len = rng.between(1024, 4096);
                let frame = rng.bytes(len);
                match tokio::time::timeout(CUT_OFF, write_frame(&mut send, &frame)).await {
                    Ok(Ok(())) => {
                        frames += 1;
                        bytes += frame.len() + 4;
                    }
                    Ok(Err(_)) | Err(_) => break,
                }
            }
            let (received, ending) = read_all(&mut recv, CUT_OFF).await;
            let (reason, _) = closed_within(&conn, CUT_OFF).await;
            (start.elapsed(), frames, bytes, received, ending, reason)
        };
        let (hostile, busy) = tokio::join!(hostile, b_edit_reaches_a(&a, &b, &doc, "B during"));
        let (cut, frames, bytes, received, ending, reason) = hostile;
        eprintln!(
            "random frames: cut off after {cut:?} ({reason}), {frames} frames / {bytes} bytes \
             written, {} bytes back, {ending}",
            received.len()
        );
        assert!(
            !matches!(ending, Ending::StillOpen),
            "the hostile stream stayed open"
        );
        assert!(cut < CUT_OFF, "cut off only after {cut:?}");
        assert_eq!(
            close_code(&reason),
            Some(CLOSE_PROTOCOL.into()),
            "{reason:?}"
        );

        // Both directions still flow between the well-behaved peers.
        let after = b_edit_reaches_a(&a, &b, &doc, "B after").await;
        set_vision(&a, &doc, "A after").await;
        let a_to_b = eventually("B has A's edit", || async {
            vision(&b, &doc).await == "A after"
        })
        .await;
        eprintln!(
            "B's edit reached A in {calm:?} without the hostile peer, {busy:?} alongside it, \
             {after:?} after; A's edit reached B in {a_to_b:?}"
        );

        ep.close().await;
        b.shutdown().await.unwrap();
        a.shutdown().await.unwrap();
    });
}

#[test]
fn a_peer_that_never_speaks_is_hung_up_on() {
    let a_dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let a = start_node(a_dir.path()).await;
        secret_charter(&a).await;
        let ep = raw_endpoint().await;
        let limit = HANDSHAKE_TIMEOUT + Duration::from_secs(3);

        // Connects and never opens a stream.
        let silent = async {
            let conn = ep.connect(a.addr(), ALPN).await.expect("QUIC connect");
            closed_within(&conn, limit).await
        };
        // Opens the stream, sends half a length prefix, then stalls.
        let stalled = async {
            let (conn, mut send, mut recv) = open(&ep, &a).await;
            send.write_all(&[0, 0]).await.unwrap();
            let (received, _) = read_all(&mut recv, limit).await;
            let (reason, _) = closed_within(&conn, limit).await;
            (received, reason)
        };
        let start = Instant::now();
        let ((silent_reason, silent_after), (stalled_bytes, stalled_reason)) =
            tokio::join!(silent, stalled);
        let stalled_after = start.elapsed();
        eprintln!(
            "silent: hung up after {silent_after:?} ({silent_reason}); \
             stalled: after {stalled_after:?} ({stalled_reason})"
        );
        for (what, after, reason) in [
            ("silent", silent_after, &silent_reason),
            ("stalled", stalled_after, &stalled_reason),
        ] {
            assert_eq!(
                close_code(reason),
                Some(CLOSE_PROTOCOL.into()),
                "{what}: {reason:?}"
            );
            assert!(
                after + Duration::from_millis(500) >= HANDSHAKE_TIMEOUT,
                "{what}: hung up before the handshake timeout ({after:?})"
            );
        }
        assert!(stalled_bytes.is_empty(), "{stalled_bytes:?}");

        ep.close().await;
        a.shutdown().await.unwrap();
    });
}
