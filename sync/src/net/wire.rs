//! Guild's wire format on one iroh bi-stream: length-delimited frames with a
//! hard size limit, opened by a short handshake (`Hello` → `Welcome`)
//! before samod's own messages flow.
//!
//! Every frame is counted, so tests can measure what a sync costs.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::{Framed, LengthDelimitedCodec};

/// Guild's ALPN: the protocol and its version.
pub const ALPN: &[u8] = b"guild/sync/1";

/// The largest frame a peer may send. A whole compacted charter built from
/// a long editing history is a few MB; 64 MiB leaves room and still bounds
/// what a hostile peer can make us buffer.
pub const MAX_FRAME: usize = 64 * 1024 * 1024;

/// How long a peer may take to say hello (or welcome) before we hang up.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest handshake frame: hellos are small; anything bigger is hostile.
const MAX_HANDSHAKE: usize = 16 * 1024;

/// What the connecting side says first.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Hello {
    /// Wire version.
    pub version: u32,
    /// The connecting device's Guild device id (its actor prefix).
    pub device: String,
    /// A name for people ("Ana's laptop").
    pub label: String,
    /// An invite, when joining.
    pub invite: Option<InviteProof>,
}

/// Proof of an invite: the charter and the secret.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct InviteProof {
    /// The charter's document id.
    pub doc: String,
    /// The invite's secret, hex.
    pub secret: String,
}

/// The accepting side's answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub enum Welcome {
    /// Go ahead: samod's messages follow.
    Accepted,
    /// Refused, with a reason for people.
    Refused(String),
}

/// Byte counters for one direction pair, shared by everything on a node.
#[derive(Debug, Default)]
pub struct WireCounters {
    /// Bytes of frames received (payload + 4-byte length prefix).
    pub received: AtomicU64,
    /// Bytes of frames sent.
    pub sent: AtomicU64,
    /// Frames received.
    pub frames_received: AtomicU64,
    /// Frames sent.
    pub frames_sent: AtomicU64,
}

impl WireCounters {
    /// `(received, sent)` so far.
    pub fn get(&self) -> (u64, u64) {
        (
            self.received.load(Ordering::Relaxed),
            self.sent.load(Ordering::Relaxed),
        )
    }

    /// `(frames received, frames sent)` so far.
    pub fn frames(&self) -> (u64, u64) {
        (
            self.frames_received.load(Ordering::Relaxed),
            self.frames_sent.load(Ordering::Relaxed),
        )
    }

    fn count_received(&self, len: usize) {
        self.received.fetch_add(len as u64 + 4, Ordering::Relaxed);
        self.frames_received.fetch_add(1, Ordering::Relaxed);
        tracing::trace!(len, "frame in");
    }

    fn count_sent(&self, len: usize) {
        self.sent.fetch_add(len as u64 + 4, Ordering::Relaxed);
        self.frames_sent.fetch_add(1, Ordering::Relaxed);
        tracing::trace!(len, "frame out");
    }
}

/// A framed bi-stream.
pub struct FramedStream<S> {
    inner: Framed<S, LengthDelimitedCodec>,
    counters: Arc<WireCounters>,
}

/// Why the handshake failed.
#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    /// The peer said nothing in time.
    #[error("the peer did not answer within {} s", HANDSHAKE_TIMEOUT.as_secs())]
    Timeout,
    /// The stream ended.
    #[error("the peer closed the connection")]
    Closed,
    /// I/O or a frame over the limit.
    #[error("connection error: {0}")]
    Io(#[from] std::io::Error),
    /// Not a Guild handshake.
    #[error("the peer sent something that is not a Guild handshake")]
    Garbage,
}

impl<S: AsyncRead + AsyncWrite + Unpin + Send + 'static> FramedStream<S> {
    /// Frames `io` with the handshake's small frame limit.
    pub fn new(io: S, counters: Arc<WireCounters>) -> Self {
        let codec = LengthDelimitedCodec::builder()
            .max_frame_length(MAX_HANDSHAKE)
            .new_codec();
        Self {
            inner: Framed::new(io, codec),
            counters,
        }
    }

    /// Sends one handshake message.
    pub async fn send<T: Serialize>(&mut self, message: &T) -> Result<(), HandshakeError> {
        let bytes = serde_json::to_vec(message).map_err(|_| HandshakeError::Garbage)?;
        self.counters.count_sent(bytes.len());
        self.inner.send(Bytes::from(bytes)).await?;
        Ok(())
    }

    /// Receives one handshake message, within the handshake timeout.
    pub async fn recv<T: for<'de> Deserialize<'de>>(&mut self) -> Result<T, HandshakeError> {
        let frame = tokio::time::timeout(HANDSHAKE_TIMEOUT, self.inner.next())
            .await
            .map_err(|_| HandshakeError::Timeout)?
            .ok_or(HandshakeError::Closed)??;
        self.counters.count_received(frame.len());
        serde_json::from_slice(&frame).map_err(|_| HandshakeError::Garbage)
    }

    /// Hands the stream to samod, with the full frame limit, bound to the
    /// authenticated remote identity.
    pub fn into_transport(self, expected_peer: samod::PeerId) -> samod::Transport {
        self.into_transport_keeping(expected_peer, ())
    }

    /// As [`Self::into_transport`], holding `keep` alive as long as samod
    /// reads the stream (the QUIC connection handle, on the dialing side).
    pub fn into_transport_keeping<K: Send + Sync + 'static>(
        self,
        expected_peer: samod::PeerId,
        keep: K,
    ) -> samod::Transport {
        let Self { inner, counters } = self;
        let mut parts = inner.into_parts();
        parts.codec.set_max_frame_length(MAX_FRAME);
        let framed = Framed::from_parts(parts);
        let (sink, stream) = framed.split();
        let received = Arc::clone(&counters);
        let stream = stream.map(move |frame| {
            let _ = &keep;
            frame.map(|b| {
                received.count_received(b.len());
                b.to_vec()
            })
        });
        let sink = sink.with(move |message: Vec<u8>| {
            counters.count_sent(message.len());
            futures::future::ready(Ok::<_, std::io::Error>(Bytes::from(message)))
        });
        samod::Transport::new(stream, Box::pin(sink)).with_expected_peer_id(expected_peer)
    }
}
