//! A raw samod client for the hostile-peer tests: an iroh connection
//! that speaks Guild's handshake and samod's CBOR messages by hand
//! (`join`, `request`, `sync`, `ephemeral`), runs Automerge's sync protocol
//! itself, and records every byte it writes so a test can replay it. Being
//! hand-written, it can send what no honest node would: forged changes,
//! replays, presence about charters it was never given.

// Test helpers: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use automerge::Automerge;
use automerge::sync::{self as am_sync, SyncDoc as _};
use guild_sync::access::peer_id_of;
use guild_sync::net::node::Node;
use guild_sync::net::wire::{ALPN, InviteProof, Welcome};
use iroh::endpoint::{Connection, RecvStream, SendStream};
use iroh::{Endpoint, EndpointAddr};
use minicbor::{Decoder, Encoder};
use samod::DocumentId;

use crate::hostile::{T, hello, read_frame, write_frame};

/// How long a raw samod peer waits for more before it calls a sync done.
pub const QUIET: Duration = Duration::from_millis(700);

/// The longest a raw samod peer keeps syncing.
pub const SYNC_LIMIT: Duration = Duration::from_secs(3);

// samod's messages, by hand: a CBOR map per message, as samod-core's
// `WireMessage::encode` writes them.

/// How a message names its document: samod reads either.
#[derive(Clone, Copy)]
pub enum DocForm {
    /// As text (`bs58check`), as automerge-repo JS writes it.
    Text,
    /// As its 16 raw bytes.
    Bytes,
}

/// samod's `join` message: the handshake's opening, as `sender`.
pub fn join(sender: &str) -> Vec<u8> {
    let mut e = Encoder::new(Vec::new());
    e.map(3).unwrap();
    e.str("type").unwrap().str("join").unwrap();
    e.str("senderId").unwrap().str(sender).unwrap();
    e.str("supportedProtocolVersions").unwrap();
    e.array(1).unwrap().str("1").unwrap();
    e.into_writer()
}

/// A `request` or `sync` message.
pub fn doc_message(
    kind: &str,
    doc: &DocumentId,
    form: DocForm,
    sender: &str,
    target: &str,
    data: &[u8],
) -> Vec<u8> {
    let mut e = Encoder::new(Vec::new());
    e.map(5).unwrap();
    e.str("type").unwrap().str(kind).unwrap();
    e.str("documentId").unwrap();
    match form {
        DocForm::Text => e.str(&doc.to_string()).unwrap(),
        DocForm::Bytes => e.bytes(doc.as_bytes()).unwrap(),
    };
    e.str("senderId").unwrap().str(sender).unwrap();
    e.str("targetId").unwrap().str(target).unwrap();
    e.str("data").unwrap().bytes(data).unwrap();
    e.into_writer()
}

/// An `ephemeral` message (presence) about `doc`, as `sender`'s `count`th.
pub fn ephemeral(doc: &DocumentId, sender: &str, target: &str, count: u64) -> Vec<u8> {
    let mut e = Encoder::new(Vec::new());
    e.map(7).unwrap();
    e.str("type").unwrap().str("ephemeral").unwrap();
    e.str("senderId").unwrap().str(sender).unwrap();
    e.str("targetId").unwrap().str(target).unwrap();
    e.str("count").unwrap().u64(count).unwrap();
    e.str("sessionId").unwrap().str("hostile-session").unwrap();
    e.str("documentId").unwrap().str(&doc.to_string()).unwrap();
    e.str("data").unwrap().bytes(b"presence").unwrap();
    e.into_writer()
}

/// The fields of a samod message a test looks at.
#[derive(Debug, Default, Clone)]
pub struct Msg {
    /// `type`: `sync`, `ephemeral`, `doc-unavailable`, …
    pub kind: String,
    /// `documentId`, when the message names one.
    pub doc: Option<String>,
    /// `senderId`.
    pub sender: Option<String>,
    /// `data`: a sync message's or an ephemeral message's bytes.
    pub data: Vec<u8>,
}

/// Reads the fields a test looks at from one samod message.
pub fn decode(frame: &[u8]) -> Msg {
    let mut d = Decoder::new(frame);
    let len = d.map().unwrap().expect("a definite map");
    let mut msg = Msg::default();
    for _ in 0..len {
        match d.str().unwrap() {
            "type" => d.str().unwrap().clone_into(&mut msg.kind),
            "senderId" => msg.sender = Some(d.str().unwrap().to_owned()),
            "documentId" => msg.doc = Some(d.str().unwrap().to_owned()),
            "data" => msg.data = d.bytes().unwrap().to_vec(),
            _ => d.skip().unwrap(),
        }
    }
    msg
}

/// samod's peer id of a node.
pub fn peer_of(node: &Node) -> String {
    peer_id_of(&node.library().endpoint_id()).to_string()
}

/// Reads one frame, or `None` when the stream ends or nothing comes within
/// `limit`.
pub async fn next_frame(recv: &mut RecvStream, limit: Duration) -> Option<Vec<u8>> {
    tokio::time::timeout(limit, async {
        let mut len = [0u8; 4];
        recv.read_exact(&mut len).await.ok()?;
        let mut payload = vec![0u8; u32::from_be_bytes(len) as usize];
        recv.read_exact(&mut payload).await.ok()?;
        Some(payload)
    })
    .await
    .ok()
    .flatten()
}

/// A raw client that speaks samod's protocol by hand and records every
/// byte it writes, to replay later.
pub struct RawPeer {
    /// The QUIC connection, to close or watch.
    pub conn: Connection,
    /// The one bi-stream's sending half.
    pub send: SendStream,
    /// The one bi-stream's receiving half.
    pub recv: RecvStream,
    /// Everything written on the stream, frames as on the wire.
    pub written: Vec<u8>,
    /// What came back, frame by frame (after the welcome).
    pub received: Vec<Msg>,
}

impl RawPeer {
    /// Connects, says hello, and expects to be accepted.
    pub async fn connect(ep: &Endpoint, to: EndpointAddr, invite: Option<InviteProof>) -> Self {
        let conn = ep.connect(to, ALPN).await.expect("QUIC connect");
        let (send, recv) = conn.open_bi().await.expect("open a bi-stream");
        let mut peer = Self {
            conn,
            send,
            recv,
            written: Vec::new(),
            received: Vec::new(),
        };
        peer.send(&hello(invite)).await;
        let welcome: Welcome = serde_json::from_slice(&read_frame(&mut peer.recv).await).unwrap();
        assert_eq!(welcome, Welcome::Accepted);
        peer
    }

    /// Writes one frame, and records it.
    pub async fn send(&mut self, payload: &[u8]) {
        let len = u32::try_from(payload.len()).unwrap();
        self.written.extend(len.to_be_bytes());
        self.written.extend(payload);
        write_frame(&mut self.send, payload).await.unwrap();
    }

    /// The next message within `limit`, decoded and recorded; `None` on
    /// silence or the stream's end.
    pub async fn next(&mut self, limit: Duration) -> Option<Msg> {
        let msg = decode(&next_frame(&mut self.recv, limit).await?);
        self.received.push(msg.clone());
        Some(msg)
    }

    /// samod's handshake as `me`: join, then A's `peer` answer.
    pub async fn join(&mut self, me: &str) {
        self.send(&join(me)).await;
        let answer = self.next(T).await.expect("an answer to the join");
        assert_eq!(answer.kind, "peer", "{answer:?}");
    }

    /// Runs Automerge's sync protocol on `doc` with A until neither side
    /// has anything more to say (or [`SYNC_LIMIT`] passes: B's edits keep
    /// coming); `first` is the opening message's type (`request` when we
    /// have nothing yet).
    pub async fn sync(
        &mut self,
        id: &DocumentId,
        doc: &mut Automerge,
        me: &str,
        them: &str,
        first: &str,
    ) {
        let mut state = am_sync::State::new();
        if let Some(message) = doc.generate_sync_message(&mut state) {
            let frame = doc_message(first, id, DocForm::Text, me, them, &message.encode());
            self.send(&frame).await;
        }
        let id_text = id.to_string();
        let deadline = Instant::now() + SYNC_LIMIT;
        while Instant::now() < deadline
            && let Some(msg) = self.next(QUIET).await
        {
            if msg.kind != "sync" || msg.doc.as_deref() != Some(id_text.as_str()) {
                continue;
            }
            let message = am_sync::Message::decode(&msg.data).unwrap();
            doc.receive_sync_message(&mut state, message).unwrap();
            if let Some(reply) = doc.generate_sync_message(&mut state) {
                let frame = doc_message("sync", id, DocForm::Text, me, them, &reply.encode());
                self.send(&frame).await;
            }
        }
    }
}
