//! Helpers for the hostile-peer tests (`tests/hostile.rs`,
//! `tests/hostile_scale.rs`): bare iroh clients on loopback that speak
//! Guild's wire format by hand (a 4-byte big-endian length, then the
//! payload), so nothing in Guild's own dialer shields the acceptor, and the
//! well-behaved pair of nodes they attack.

// Test helpers: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

use guild_model::{AccessLevel, Op, ProseField};
use guild_sync::net::node::Node;
use guild_sync::net::wire::{ALPN, Hello, InviteProof, Welcome};
use iroh::endpoint::{
    Connection, ConnectionError, PortmapperConfig, RecvStream, SendStream, presets,
};
use iroh::{Endpoint, NetReportConfig, RelayMode, SecretKey};

use crate::start_node;

/// Generous bound for anything that should take well under a second.
pub const T: Duration = Duration::from_secs(20);
/// How long a hostile peer may stay connected after misbehaving.
pub const CUT_OFF: Duration = Duration::from_secs(5);

/// The secret charter's title: no uninvited peer may ever receive it.
pub const TITLE: &str = "Confidential Data CoP";
/// The secret charter's purpose: no uninvited peer may ever receive it.
pub const PURPOSE: &str = "Zanzibar quartz purpose nobody uninvited may read";

/// A bare iroh endpoint on loopback with a fresh key: no relays, no
/// discovery, no port mapping.
pub async fn raw_endpoint() -> Endpoint {
    raw_endpoint_with(SecretKey::generate()).await
}

/// As [`raw_endpoint`], under a given key (to come back as the same device).
pub async fn raw_endpoint_with(key: SecretKey) -> Endpoint {
    Endpoint::builder(presets::Minimal)
        .secret_key(key)
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
pub async fn open(ep: &Endpoint, node: &Node) -> (Connection, SendStream, RecvStream) {
    let conn = ep.connect(node.addr(), ALPN).await.expect("QUIC connect");
    let (send, recv) = conn.open_bi().await.expect("open a bi-stream");
    (conn, send, recv)
}

/// Writes one length-delimited frame by hand.
pub async fn write_frame(send: &mut SendStream, payload: &[u8]) -> Result<(), String> {
    let len = u32::try_from(payload.len()).expect("a frame under 4 GiB");
    send.write_all(&len.to_be_bytes())
        .await
        .map_err(|e| e.to_string())?;
    send.write_all(payload).await.map_err(|e| e.to_string())
}

/// Reads one length-delimited frame (at most 1 MiB), within [`T`].
pub async fn read_frame(recv: &mut RecvStream) -> Vec<u8> {
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
pub enum Ending {
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
pub async fn read_all(recv: &mut RecvStream, limit: Duration) -> (Vec<u8>, Ending) {
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
pub async fn closed_within(conn: &Connection, limit: Duration) -> (ConnectionError, Duration) {
    let start = Instant::now();
    let reason = tokio::time::timeout(limit, conn.closed())
        .await
        .unwrap_or_else(|_| panic!("the connection was still open after {limit:?}"));
    (reason, start.elapsed())
}

/// The application close code, when the peer closed the connection.
pub fn close_code(reason: &ConnectionError) -> Option<u64> {
    match reason {
        ConnectionError::ApplicationClosed(close) => Some(close.error_code.into_inner()),
        _ => None,
    }
}

/// A `Hello` frame's payload from a made-up device.
pub fn hello(invite: Option<InviteProof>) -> Vec<u8> {
    serde_json::to_vec(&Hello {
        version: 1,
        device: "00112233445566778899aabbccddeeff".into(),
        label: "hostile".into(),
        invite,
        heads: String::new(),
    })
    .unwrap()
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A tiny seeded generator (xorshift64*), so every run sends the same bytes.
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64().to_le_bytes()[3]).collect()
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: usize, high: usize) -> usize {
        low + (self.next_u64() % (high - low + 1) as u64) as usize
    }
}

/// Polls `check` until it holds; returns how long that took.
pub async fn eventually<F, Fut>(what: &str, mut check: F) -> Duration
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

/// Sets the charter's vision statement on `node`.
pub async fn set_vision(node: &Node, doc: &str, text: &str) {
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

/// The charter's vision statement as `node` has it.
pub async fn vision(node: &Node, doc: &str) -> String {
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
pub async fn secret_charter(a: &Node) -> String {
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
pub async fn b_edit_reaches_a(a: &Node, b: &Node, doc: &str, text: &str) -> Duration {
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
/// nothing of the charter; returns the refusal's text.
pub fn assert_only_a_refusal(received: &[u8], who: &str) -> String {
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
    let text = String::from_utf8_lossy(received).into_owned();
    for secret in [TITLE, PURPOSE, "Zanzibar", "Confidential"] {
        assert!(!text.contains(secret), "{who} received {secret:?}: {text}");
    }
    text
}

/// A raw client that presents a valid invite to `doc` and reads `Accepted`.
pub async fn admitted_hostile(
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
pub async fn two_peers(a_dir: &Path, b_dir: &Path) -> (Node, Node, String) {
    let a = start_node(a_dir).await;
    let b = start_node(b_dir).await;
    let doc = secret_charter(&a).await;
    let ticket = a.share(&doc, AccessLevel::ReadWrite).await.unwrap();
    b.join(&ticket, T).await.unwrap();
    (a, b, doc)
}
