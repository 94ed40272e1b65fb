//! Guild's wire format on one iroh bi-stream: length-delimited frames with a
//! hard size limit, opened by a short handshake (`Hello` → `Welcome`)
//! before samod's own messages flow.
//!
//! Every frame is counted, so tests can measure what a sync costs, and every
//! frame a peer sends after the handshake is screened
//! ([`super::screen::BoundPeer::screen`]) before samod reads it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures::channel::mpsc;
use futures::{Sink, SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::codec::{Decoder, Framed, LengthDelimitedCodec};

use super::envelope::Envelopes;
use super::in_sync::InSync;
use super::screen::{BoundPeer, Screened};

/// Guild's ALPN: the protocol and its version.
pub const ALPN: &[u8] = b"guild/sync/1";

/// The wire version this build speaks in its [`Hello`]: 2 adds compact
/// envelopes ([`Envelopes`]), used when the accepting side answers
/// [`Welcome::AcceptedCompact`]; 3 compacts samod's handshake too and
/// skips the opening sync of charters both sides hold at the same heads
/// ([`Welcome::AcceptedInSync`], [`super::in_sync`]). A version-1 peer (an
/// older Guild, a raw client) gets samod's messages as they are, either
/// way round.
pub const WIRE_VERSION: u32 = 3;

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
    /// The connecting device's Guild device id (its actor prefix); only
    /// read with an invite, so left empty without one.
    pub device: String,
    /// A name for people ("Ana's laptop"); the same.
    pub label: String,
    /// An invite, when joining.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invite: Option<InviteProof>,
    /// Version 3: the charters this device shares with the peer and a
    /// digest of the heads it holds each at ([`super::in_sync::Claim`]).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub heads: String,
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
    /// Go ahead: samod's messages follow, as samod writes them.
    Accepted,
    /// Refused, with a reason for people.
    Refused(String),
    /// Go ahead, with samod's document messages in compact envelopes
    /// ([`Envelopes::Compact`]). Only ever sent to a dialer whose hello
    /// said version 2 or later, so an older one never reads it.
    AcceptedCompact,
    /// Go ahead, wire version 3: compact envelopes, samod's handshake
    /// compact too, and the charters at these places in the hello's
    /// `heads` are held here at the same heads. Only ever sent to a dialer
    /// whose hello said version 3 or later.
    AcceptedInSync(Vec<u16>),
}

impl Welcome {
    /// The acceptance a dialer whose hello said `version` understands,
    /// with `in_sync` the places of the charters held at the same heads.
    pub fn accepting(version: u32, in_sync: Vec<u16>) -> Self {
        match version {
            0 | 1 => Self::Accepted,
            2 => Self::AcceptedCompact,
            _ => Self::AcceptedInSync(in_sync),
        }
    }
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

/// The codec of the handshake: length-prefixed frames of at most
/// [`MAX_HANDSHAKE`] bytes.
fn handshake_codec() -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .max_frame_length(MAX_HANDSHAKE)
        .new_codec()
}

fn parse_handshake<T: for<'de> Deserialize<'de>>(frame: &[u8]) -> Result<T, HandshakeError> {
    serde_json::from_slice(frame).map_err(|_| HandshakeError::Garbage)
}

/// Decodes the first handshake message from the raw bytes a peer sent,
/// exactly as [`FramedStream::recv`] does from the stream (same codec, same
/// limit, same JSON parsing), minus the timeout and the counters.
///
/// This is the entry point the fuzzer uses: whatever the bytes, it returns
/// an error, never panics. No bytes at all are [`HandshakeError::Closed`]
/// and a partial frame an I/O error, as when the stream ends there.
pub fn decode_handshake_frame<T: for<'de> Deserialize<'de>>(
    bytes: &[u8],
) -> Result<T, HandshakeError> {
    let mut buf = BytesMut::from(bytes);
    let frame = handshake_codec()
        .decode_eof(&mut buf)?
        .ok_or(HandshakeError::Closed)?;
    parse_handshake(&frame)
}

impl<S: AsyncRead + AsyncWrite + Unpin + Send + 'static> FramedStream<S> {
    /// Frames `io` with the handshake's small frame limit.
    pub fn new(io: S, counters: Arc<WireCounters>) -> Self {
        Self {
            inner: Framed::new(io, handshake_codec()),
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
        parse_handshake(&frame)
    }

    /// Hands the stream to samod, with the full frame limit, bound to the
    /// authenticated remote identity, its messages wrapped as the handshake
    /// agreed (`envelopes`). Every frame the peer sends is opened, then
    /// screened ([`BoundPeer::screen`]): samod only sees messages about
    /// documents this node holds. For the charters agreed `in_sync`, samod
    /// is handed the peer's opening after the peer's handshake, and its own
    /// opening stays home ([`InSync`]).
    pub fn into_transport(
        self,
        peer: BoundPeer,
        envelopes: Envelopes,
        in_sync: InSync,
    ) -> samod::Transport {
        self.into_transport_keeping(peer, envelopes, in_sync, ())
    }

    /// As [`Self::into_transport`], holding `keep` alive as long as samod
    /// reads the stream (the QUIC connection handle, on the dialing side).
    pub fn into_transport_keeping<K: Send + Sync + 'static>(
        self,
        peer: BoundPeer,
        envelopes: Envelopes,
        in_sync: InSync,
        keep: K,
    ) -> samod::Transport {
        let Self { inner, counters } = self;
        let mut parts = inner.into_parts();
        parts.codec.set_max_frame_length(MAX_FRAME);
        let framed = Framed::from_parts(parts);
        let (sink, stream) = framed.split();
        let keep = Arc::new(keep);
        // The screen answers some requests itself, so samod's frames and
        // those answers share one writer.
        let (outgoing, to_write) = mpsc::channel::<Vec<u8>>(OUTGOING_QUEUE);
        let (mut answers, answers_to_write) = mpsc::channel::<Vec<u8>>(ANSWER_QUEUE);
        let mut openings = Some(in_sync.peer_openings());
        tokio::spawn(write_frames(
            sink,
            to_write,
            answers_to_write,
            envelopes.clone(),
            in_sync,
            Arc::clone(&counters),
            Arc::clone(&keep),
        ));
        let expected = peer.peer_id().clone();
        let stream = stream.flat_map(move |frame| {
            let _ = &keep;
            let mut messages = Vec::with_capacity(1);
            match frame {
                Err(e) => messages.push(Err(e)),
                Ok(frame) => {
                    counters.count_received(frame.len());
                    match envelopes.open(&frame) {
                        Err(e) => messages
                            .push(Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e))),
                        Ok(message) => {
                            messages.extend(screened(&peer, &message, &mut answers));
                            // The first frame is the peer's handshake; the
                            // openings it did not send come right after.
                            for (doc, data) in openings.take().unwrap_or_default() {
                                if let Ok(opening) = envelopes.sync_from_peer(&doc, &data) {
                                    messages.extend(screened(&peer, &opening, &mut answers));
                                }
                            }
                        }
                    }
                }
            }
            futures::stream::iter(messages)
        });
        samod::Transport::new(stream, outgoing).with_expected_peer_id(expected)
    }
}

/// What becomes of one message from the peer: handed to samod, dropped, or
/// answered by the screen itself.
fn screened(
    peer: &BoundPeer,
    message: &[u8],
    answers: &mut mpsc::Sender<Vec<u8>>,
) -> Option<std::io::Result<Vec<u8>>> {
    match peer.screen(message) {
        Screened::Pass => Some(Ok(message.to_vec())),
        Screened::Drop => None,
        Screened::Answer(answer) => {
            // A full queue means the peer is not reading what it asked
            // for; it gets no more answers.
            let _ = answers.try_send(answer);
            None
        }
        Screened::Malformed => Some(Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "not a samod message",
        ))),
    }
}

/// How many of samod's frames may wait for the writer before samod does.
const OUTGOING_QUEUE: usize = 16;

/// How many of the screen's answers may wait for the writer; more are
/// dropped.
const ANSWER_QUEUE: usize = 64;

/// Writes samod's frames and the screen's answers to the stream until samod
/// lets go of its end (then finishes the stream) or the stream fails.
async fn write_frames<S, K>(
    mut sink: S,
    mut frames: mpsc::Receiver<Vec<u8>>,
    mut answers: mpsc::Receiver<Vec<u8>>,
    envelopes: Envelopes,
    mut in_sync: InSync,
    counters: Arc<WireCounters>,
    _keep: Arc<K>,
) where
    S: Sink<Bytes, Error = std::io::Error> + Unpin,
{
    loop {
        let frame = tokio::select! {
            biased;
            frame = frames.next() => match frame {
                Some(frame) => frame,
                None => break,
            },
            Some(answer) = answers.next() => answer,
        };
        // The peer was handed this opening in its place.
        if !in_sync.is_empty()
            && let Some((doc, data)) = envelopes.sync_of(&frame)
            && in_sync.drops(&doc, data)
        {
            continue;
        }
        #[cfg(feature = "wire-tap")]
        super::wire_tap::record(&frame);
        let frame = envelopes.seal(frame);
        counters.count_sent(frame.len());
        if sink.send(Bytes::from(frame)).await.is_err() {
            return;
        }
    }
    let _ = sink.close().await;
}
