//! The bodies of Guild's fuzz targets: every place where bytes from another
//! device or from a file reach Guild's parsers. `fuzz/fuzz_targets/*.rs`
//! call these under libFuzzer; `tests/fuzz_regressions.rs` replays the
//! committed inputs through the very same functions.
//!
//! Each function takes arbitrary bytes and must return without panicking;
//! a panic is the bug the fuzzer reports. None of them catches panics.
//! Where Guild's own code contains panics of automerge's parser (chunk
//! validation, `store::load_untrusted`, `store::check_sync_message`), the
//! bodies go through that code, so the containment is what is tested.
//!
//! [`seeds`] builds the hand-made inputs committed under
//! `fuzz/regressions/<target>/` (valid messages of each kind, so the fuzzer
//! starts past the formats' outer layers).

use std::collections::{HashMap, VecDeque};
use std::sync::OnceLock;

use automerge::{ActorId, Automerge, ROOT, ReadDoc, transaction::Transactable};
use bytes::BytesMut;
use guild_model::{
    Access, AccessLevel, Charter, Op, apply, check_invariants, migrate, new_blank_charter,
    new_charter, repair, scalar_conflicts, schema_version, to_html, to_json, to_markdown,
};
use guild_sync::access::{AccessIndex, DocAccess};
use guild_sync::net::envelope::Envelopes;
use guild_sync::net::screen::{BoundPeer, Screened};
use guild_sync::net::ticket::{InviteTicket, secret_hash};
use guild_sync::net::wire::{Hello, InviteProof, MAX_FRAME, Welcome, decode_handshake_frame};
use rand::SeedableRng;
use rand::rngs::StdRng;
use samod_core::actors::document::io::{DocumentIoResult, DocumentIoTask};
use samod_core::actors::document::{DocActorResult, DocumentActor};
use samod_core::actors::hub::io::HubIoAction;
use samod_core::actors::hub::{Hub, HubEvent};
use samod_core::io::{IoResult, StorageResult, StorageTask};
use samod_core::network::{ConnectionEvent, ListenerConfig};
use samod_core::{
    CommandResult, ConnectionId, DocumentActorId, DocumentId, LoaderState, PeerId, ShareConfig,
    StorageKey, UnixTimestamp,
};
use tokio_util::codec::{Decoder, LengthDelimitedCodec};

/// A fuzz target's body.
pub type Body = fn(&[u8]);

/// The fuzz targets, by name (as in `fuzz/fuzz_targets/` and
/// `fuzz/regressions/`), with their bodies.
pub const TARGETS: &[(&str, Body)] = &[
    ("handshake_frame", handshake_frame),
    ("sync_message", sync_message),
    ("invite_ticket", invite_ticket),
    ("automerge_import", automerge_import),
    ("storage_chunk", storage_chunk),
    ("compact_envelope", compact_envelope),
];

/// A fixed "now" (2024-01-01), so a crashing input replays the same way.
const NOW: i64 = 1_704_067_200;

/// samod's peer id for this node and for the remote peer: Guild's shape,
/// 24 hex digits of an endpoint key (`access::peer_id_of`).
const LOCAL_PEER: &str = "76543210fedcba9876543210";
const REMOTE_PEER: &str = "0123456789abcdef01234567";
/// The remote's endpoint id, whose prefix [`REMOTE_PEER`] is.
const REMOTE_ENDPOINT: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// Call once before fuzzing (the targets' `init`): libFuzzer's panic hook
/// aborts on every panic, even one that Guild's code contains as it does
/// in production (automerge's parser, in `guild_sync::store`). This hook
/// prints each panic location once and lets unwinding decide: a panic that
/// escapes a body still aborts the fuzzer (libfuzzer-sys catches it and
/// aborts), one that Guild contains costs the input nothing, as in Guild.
pub fn init_fuzzing() {
    let seen = std::sync::Mutex::new(std::collections::HashSet::<String>::new());
    std::panic::set_hook(Box::new(move |info| {
        let at = info
            .location()
            .map_or_else(String::new, ToString::to_string);
        let mut seen = seen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if seen.insert(at) {
            eprintln!("panic (shown once per location): {info}");
        }
    }));
}

/// The first frame on a Guild connection, before anyone is admitted: one
/// length-delimited frame, parsed as a `Hello` (what the acceptor reads)
/// and as a `Welcome` (what the dialer reads).
pub fn handshake_frame(data: &[u8]) {
    if let Ok(hello) = decode_handshake_frame::<Hello>(data) {
        // What `GuildProtocol::admit` does with a hello before it asks the
        // library anything.
        let _label: String = hello.label.chars().take(64).collect();
        let _device: String = hello.device.chars().take(64).collect();
        if let Some(proof) = &hello.invite
            && let Ok(secret) = hex::decode(&proof.secret)
        {
            let _ = secret_hash(&secret);
        }
    }
    if let Ok(Welcome::Refused(reason)) = decode_handshake_frame::<Welcome>(data) {
        let _ = reason.len();
    }
}

/// This node's compact envelopes, and the remote peer's, on one connection.
fn envelopes() -> (Envelopes, Envelopes) {
    let local = Envelopes::Compact {
        ours: LOCAL_PEER.into(),
        theirs: REMOTE_PEER.into(),
        handshakes: true,
    };
    let remote = Envelopes::Compact {
        ours: REMOTE_PEER.into(),
        theirs: LOCAL_PEER.into(),
        handshakes: true,
    };
    (local, remote)
}

/// A frame after the handshake on a connection with compact envelopes
/// (wire version 3), opened as the receiver does; a compact document or
/// handshake message is then sealed again as its sender would.
///
/// # Panics
/// If a compact message that opens does not seal back to the same bytes:
/// what one end sends must be what the other rebuilds.
pub fn compact_envelope(data: &[u8]) {
    let (local, remote) = envelopes();
    if let Ok(message) = local.open(data)
        && data.first().is_some_and(|tag| (1..=5).contains(tag))
    {
        assert_eq!(
            remote.seal(message.into_owned()),
            data,
            "a compact frame round-trips"
        );
    }
}

/// An invite ticket pasted by a user or scanned from a QR code.
///
/// # Panics
/// If a ticket that parses does not survive a round trip through its
/// string: what `guild share` prints must be what `guild join` reads.
pub fn invite_ticket(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(ticket) = text.parse::<InviteTicket>() {
        let again: InviteTicket = ticket
            .to_string()
            .parse()
            .expect("a printed ticket parses again");
        assert_eq!(again, ticket, "a ticket changed in a round trip");
        let _ = ticket.secret_hash();
    }
}

/// What `guild import FILE` does with the file's bytes before storing them
/// (the pure part of `Library::import`, step for step), then what every
/// later command does with the stored charter: hydrate, check, repair,
/// render.
pub fn automerge_import(data: &[u8]) {
    let Ok(mut doc) = guild_sync::store::load_untrusted(data) else {
        return;
    };
    if schema_version(&doc).is_err() || migrate(&mut doc, NOW).is_err() {
        return;
    }
    if Charter::from_doc(&doc).is_err() {
        return;
    }
    doc.set_actor(ActorId::from([7u8; 20]));
    let importer = Op::AdmitDevice {
        endpoint: "f".repeat(64),
        access: AccessLevel::ReadWrite,
        label: "importer".into(),
        actor: Some("07".repeat(16)),
        admitted_by: String::new(),
        invite: None,
    };
    if apply(&mut doc, &importer, NOW).is_err() {
        return;
    }
    use_charter(&mut doc);
}

/// Everything Guild does with a charter document it holds, whoever wrote
/// it: the access list, the charter and its invariants, the repair run
/// before each edit, scalar conflicts and the three renderings.
fn use_charter(doc: &mut Automerge) {
    let _ = Access::from_doc(doc);
    let _ = scalar_conflicts(doc);
    let _ = repair(doc, NOW);
    if let Ok(charter) = Charter::from_doc(doc) {
        let _ = check_invariants(&charter);
        let _ = to_markdown(&charter);
        let _ = to_html(&charter);
        let _ = to_json(&charter);
    }
}

/// A chunk read from `DIR/repo/`, under a key derived from the input.
///
/// The first byte picks the key: `0` an incremental chunk whose name is
/// the hex of the next 32 bytes (so inputs can carry a change with its
/// true hash), `1` a snapshot, `2` the storage id, `3` key parts from the
/// first line of the rest (split at `\n`); the remaining bytes are the
/// chunk.
pub fn storage_chunk(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        let _ = guild_sync::store::validate_chunk(&[], data);
        return;
    };
    let doc = "2By6dsFoek45sMztqdsFVGpJbztN";
    let _ = match mode % 4 {
        0 => {
            let (hash, chunk) = rest.split_at(rest.len().min(32));
            let hash = hex::encode(hash);
            guild_sync::store::validate_chunk(&[doc, "incremental", &hash], chunk)
        }
        1 => guild_sync::store::validate_chunk(&[doc, "snapshot", "heads"], rest),
        2 => guild_sync::store::validate_chunk(&["storage-adapter-id"], rest),
        _ => {
            let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
            let (key, chunk) = rest.split_at(end);
            let key = String::from_utf8_lossy(key);
            let parts: Vec<&str> = key.split('\n').collect();
            guild_sync::store::validate_chunk(&parts, chunk.get(1..).unwrap_or_default())
        }
    };
}

/// The bytes an admitted peer sends after the handshake, through samod's
/// own message handling into a charter, and as raw Automerge sync messages
/// into a charter.
///
/// Each frame first meets Guild's screen (`BoundPeer::screen`, as
/// `FramedStream::into_transport` applies it), then samod. samod's wire
/// decoder (`WireMessage::decode`) is private to samod-core, so the bytes
/// take the public road to it: a samod-core `Hub`, driven here without I/O
/// the way samod's runtime drives it, whose storage holds one charter,
/// with a listener connection bound to the remote peer's id as Guild binds
/// it. Document actors get their storage from memory and the share
/// policy's answer from the input.
///
/// Input: one flags byte, then length-delimited frames as on the wire (a
/// 4-byte big-endian length, then the frame, at most [`MAX_FRAME`]).
/// Flags: the low two bits pick the remote's access (read-write,
/// read-only, none, read-write); bit 2 set means the input's frames start
/// before samod's handshake (otherwise a valid `join` is sent first).
/// Every frame is also decoded as an Automerge sync message and received
/// into a charter made by `new_charter`, then used as Guild uses a charter.
pub fn sync_message(data: &[u8]) {
    let _ = sync_message_outcome(data);
}

/// How far [`sync_message`]'s input got into samod: the replay test checks
/// that its seeds really reach the charter (and, read-only, do not change
/// it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncOutcome {
    /// Frames the input held.
    pub frames: usize,
    /// samod's handshake with the remote peer completed.
    pub handshake_completed: bool,
    /// samod's copy of the charter took the remote's changes.
    pub document_changed: bool,
    /// The connection was closed: by Guild's screen (not a samod message,
    /// or changes that panic automerge's parser) or by samod.
    pub hung_up: bool,
}

/// [`sync_message`], saying how far the input got.
pub fn sync_message_outcome(data: &[u8]) -> SyncOutcome {
    let Some((&flags, rest)) = data.split_first() else {
        return SyncOutcome::default();
    };
    let share = match flags & 3 {
        1 => ShareConfig::read_only(),
        2 => ShareConfig::none(),
        _ => ShareConfig::read_write(),
    };
    let mut frames = Vec::new();
    let mut codec = LengthDelimitedCodec::builder()
        .max_frame_length(MAX_FRAME)
        .new_codec();
    let mut buf = BytesMut::from(rest);
    // A frame error ends the stream, as it ends samod's transport.
    while let Ok(Some(frame)) = codec.decode(&mut buf) {
        frames.push(frame.to_vec());
    }

    let mut sim = SyncSim::new(share);
    if flags & 4 == 0 {
        sim.receive(join_message(REMOTE_PEER));
    }
    for frame in &frames {
        sim.receive(frame.clone());
    }
    sim.tick();

    for frame in &frames {
        receive_raw_sync_message(frame);
    }
    SyncOutcome {
        frames: frames.len(),
        handshake_completed: sim.handshake_completed,
        document_changed: sim.document_changed(),
        hung_up: sim.connection.is_none(),
    }
}

/// The part of the sync path that carries document bytes, without samod:
/// a sync message received into a charter by Automerge, then the charter
/// used as Guild uses it.
fn receive_raw_sync_message(frame: &[u8]) {
    // Guild's screen runs this check on every sync message before samod
    // gets it (`BoundPeer::screen`).
    if guild_sync::store::check_sync_message(frame).is_err() {
        return;
    }
    let Ok(message) = automerge::sync::Message::decode(frame) else {
        return;
    };
    let mut doc = charter_template().clone();
    let mut state = automerge::sync::State::new();
    if automerge::sync::SyncDoc::receive_sync_message(&mut doc, &mut state, message).is_ok() {
        let _ = automerge::sync::SyncDoc::generate_sync_message(&doc, &mut state);
        use_charter(&mut doc);
    }
}

/// One charter per process: `new_charter` draws random ids, and making one
/// per input would cost more than the input.
fn charter_template() -> &'static Automerge {
    static TEMPLATE: OnceLock<Automerge> = OnceLock::new();
    TEMPLATE.get_or_init(|| new_charter("Fuzzed CoP", NOW).expect("a new charter"))
}

/// The simulated node's charter, as it lies on disk (one snapshot chunk):
/// a blank charter, so that samod loading it does not dominate each input.
fn stored_charter() -> &'static (Automerge, Vec<u8>) {
    static STORED: OnceLock<(Automerge, Vec<u8>)> = OnceLock::new();
    STORED.get_or_init(|| {
        let doc = new_blank_charter("Fuzzed CoP", NOW).expect("a new charter");
        let bytes = doc.save();
        (doc, bytes)
    })
}

/// The simulated node's charter id: fixed, so committed inputs name it.
fn charter_id() -> DocumentId {
    DocumentId::new(&mut StdRng::seed_from_u64(1))
}

/// Work for the simulated samod runtime.
enum Work {
    Hub(HubEvent),
    Doc(DocumentActorId, DocActorResult),
}

/// A samod-core hub and its document actors, run to quiescence after each
/// event, as samod's runtime runs them, with storage in memory.
struct SyncSim {
    hub: Box<Hub>,
    rng: StdRng,
    actors: HashMap<DocumentActorId, DocumentActor>,
    storage: HashMap<StorageKey, Vec<u8>>,
    share: ShareConfig,
    listener: Option<samod_core::ListenerId>,
    connection: Option<ConnectionId>,
    screen: BoundPeer,
    handshake_completed: bool,
}

/// Steps one event may take before the simulation gives up on it: a loop
/// between actors would otherwise hang the fuzzer instead of showing up.
const STEP_BUDGET: usize = 10_000;

impl SyncSim {
    /// A hub whose storage holds one charter (samod loads it when the peer
    /// asks for it, as it loads any document on disk), and a connection
    /// from [`REMOTE_PEER`].
    fn new(share: ShareConfig) -> Self {
        let mut rng = StdRng::seed_from_u64(7);
        let mut loader = Hub::load(PeerId::from(LOCAL_PEER));
        let hub = loop {
            match loader.step(&mut rng, now()) {
                LoaderState::NeedIo(tasks) => {
                    for task in tasks {
                        loader.provide_io_result(IoResult {
                            task_id: task.task_id,
                            payload: StorageResult::Load {
                                value: Some(b"fuzz-storage-id".to_vec()),
                            },
                        });
                    }
                }
                LoaderState::Loaded(hub) => break hub,
            }
        };
        let doc = charter_id().to_string();
        let key =
            StorageKey::from_parts([doc.as_str(), "snapshot", "template"]).expect("a storage key");
        let index = AccessIndex::new();
        index.set(
            &doc,
            DocAccess::Known(Access::from_doc(&stored_charter().0)),
        );
        let mut sim = Self {
            hub,
            rng,
            actors: HashMap::new(),
            storage: HashMap::from([(key, stored_charter().1.clone())]),
            share,
            listener: None,
            connection: None,
            screen: index.bind_peer(REMOTE_ENDPOINT),
            handshake_completed: false,
        };
        let url = samod::Url::parse("guild://fuzz").expect("a url");
        sim.run(HubEvent::add_listener(ListenerConfig { url }).event);
        if let Some(listener) = sim.listener {
            let expected = Some(PeerId::from(REMOTE_PEER));
            sim.run(HubEvent::create_listener_connection(listener, expected).event);
        }
        sim
    }

    /// Whether samod's copy of the charter took changes from the peer.
    fn document_changed(&self) -> bool {
        let stored = stored_charter().0.get_heads();
        self.actors
            .values()
            .any(|actor| actor.is_document_ready() && actor.document().get_heads() != stored)
    }

    /// One frame from the remote peer.
    fn receive(&mut self, frame: Vec<u8>) {
        let Some(connection) = self.connection else {
            return;
        };
        match self.screen.screen(&frame) {
            Screened::Pass => self.run(HubEvent::receive(connection, frame).event),
            // The answer goes back to the peer: not under test.
            Screened::Drop | Screened::Answer(_) => {}
            // The transport ends with an error, and samod loses the connection.
            Screened::Malformed => {
                self.connection = None;
                self.run(HubEvent::connection_lost(connection));
            }
        }
    }

    /// Lets timers fire (samod ticks every 100 ms).
    fn tick(&mut self) {
        self.run(HubEvent::tick());
    }

    fn run(&mut self, event: HubEvent) {
        let now = now();
        let mut queue = VecDeque::from([Work::Hub(event)]);
        let mut steps = 0;
        while let Some(work) = queue.pop_front() {
            steps += 1;
            assert!(steps < STEP_BUDGET, "samod did not settle after one event");
            match work {
                Work::Hub(event) => self.hub_event(now, event, &mut queue),
                Work::Doc(actor, result) => self.doc_result(now, actor, result, &mut queue),
            }
        }
    }

    fn hub_event(&mut self, now: UnixTimestamp, event: HubEvent, queue: &mut VecDeque<Work>) {
        if self.hub.is_stopped() {
            return;
        }
        let results = self.hub.handle_event(&mut self.rng, now, event);
        for args in results.spawn_actors {
            let id = args.actor_id();
            let (actor, out) = DocumentActor::new(now, args);
            self.actors.insert(id, actor);
            queue.push_back(Work::Doc(id, out));
        }
        self.handshake_completed |= results
            .connection_events
            .iter()
            .any(|e| matches!(e, ConnectionEvent::HandshakeCompleted { .. }));
        for result in results.completed_commands.into_values() {
            match result {
                CommandResult::AddListener { listener_id } => self.listener = Some(listener_id),
                CommandResult::CreateConnection { connection_id } => {
                    self.connection = Some(connection_id);
                }
                _ => {}
            }
        }
        for task in results.new_tasks {
            match task.action {
                // What we would send the remote goes nowhere: only our
                // side of the conversation is under test.
                HubIoAction::Send { .. } => {}
                HubIoAction::Disconnect { connection_id } => {
                    if self.connection == Some(connection_id) {
                        self.connection = None;
                        queue.push_back(Work::Hub(HubEvent::connection_lost(connection_id)));
                    }
                }
            }
        }
        for (id, message) in results.actor_messages {
            if let Some(actor) = self.actors.get_mut(&id)
                && let Ok(out) = actor.handle_message(now, message)
            {
                queue.push_back(Work::Doc(id, out));
            }
        }
    }

    fn doc_result(
        &mut self,
        now: UnixTimestamp,
        id: DocumentActorId,
        result: DocActorResult,
        queue: &mut VecDeque<Work>,
    ) {
        for message in result.outgoing_messages {
            queue.push_back(Work::Hub(HubEvent::actor_message(id, message)));
        }
        for task in result.io_tasks {
            let payload = match task.action {
                DocumentIoTask::Storage(storage) => {
                    DocumentIoResult::Storage(self.storage(storage))
                }
                DocumentIoTask::CheckSharePolicy { .. } => {
                    DocumentIoResult::CheckSharePolicy(self.share)
                }
            };
            let done = IoResult {
                task_id: task.task_id,
                payload,
            };
            if let Some(actor) = self.actors.get_mut(&id)
                && let Ok(out) = actor.handle_io_complete(now, done)
            {
                queue.push_back(Work::Doc(id, out));
            }
        }
    }

    fn storage(&mut self, task: StorageTask) -> StorageResult {
        match task {
            StorageTask::Load { key } => StorageResult::Load {
                value: self.storage.get(&key).cloned(),
            },
            StorageTask::LoadRange { prefix } => StorageResult::LoadRange {
                values: self
                    .storage
                    .iter()
                    .filter(|(key, _)| prefix.is_prefix_of(key))
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .collect(),
            },
            StorageTask::Put { key, value } => {
                self.storage.insert(key, value);
                StorageResult::Put
            }
            StorageTask::Delete { key } => {
                self.storage.remove(&key);
                StorageResult::Delete
            }
        }
    }
}

fn now() -> UnixTimestamp {
    UnixTimestamp::from_millis(u128::from(NOW.unsigned_abs()) * 1000)
}

/// A CBOR value, as far as samod's messages need them.
#[derive(Debug, Clone, Copy)]
pub enum Cbor<'a> {
    /// A text string.
    Text(&'a str),
    /// A byte string.
    Bytes(&'a [u8]),
    /// An array of text strings.
    TextArray(&'a [&'a str]),
    /// An unsigned integer.
    Uint(u64),
}

/// A samod wire message: a CBOR map of text keys (automerge-repo's format).
pub fn cbor_map(fields: &[(&str, Cbor<'_>)]) -> Vec<u8> {
    fn head(out: &mut Vec<u8>, major: u8, len: u64) {
        let major = major << 5;
        match len {
            0..=23 => out.push(major | len as u8),
            // Longer lengths follow the head in 1, 2, 4 or 8 bytes.
            24..=0xff => out.extend([major | 0x18, len as u8]),
            0x100..=0xffff => {
                out.push(major | 0x19);
                out.extend((len as u16).to_be_bytes());
            }
            0x1_0000..=0xffff_ffff => {
                out.push(major | 0x1a);
                out.extend((len as u32).to_be_bytes());
            }
            _ => {
                out.push(major | 0x1b);
                out.extend(len.to_be_bytes());
            }
        }
    }
    fn text(out: &mut Vec<u8>, s: &str) {
        head(out, 3, s.len() as u64);
        out.extend(s.as_bytes());
    }
    let mut out = Vec::new();
    head(&mut out, 5, fields.len() as u64);
    for (key, value) in fields {
        text(&mut out, key);
        match value {
            Cbor::Text(s) => text(&mut out, s),
            Cbor::Bytes(b) => {
                head(&mut out, 2, b.len() as u64);
                out.extend(*b);
            }
            Cbor::TextArray(items) => {
                head(&mut out, 4, items.len() as u64);
                for item in *items {
                    text(&mut out, item);
                }
            }
            Cbor::Uint(n) => head(&mut out, 0, *n),
        }
    }
    out
}

/// samod's first message on a connection, from `sender`.
pub fn join_message(sender: &str) -> Vec<u8> {
    cbor_map(&[
        ("type", Cbor::Text("join")),
        ("senderId", Cbor::Text(sender)),
        ("supportedProtocolVersions", Cbor::TextArray(&["1"])),
    ])
}

/// One frame as it travels on Guild's stream: a 4-byte big-endian length,
/// then the bytes.
pub fn frame(payload: &[u8]) -> Vec<u8> {
    let len = u32::try_from(payload.len()).expect("a frame under 4 GiB");
    let mut out = len.to_be_bytes().to_vec();
    out.extend(payload);
    out
}

/// The sync message a peer holding `doc` sends to a peer that has nothing:
/// every change, after the usual first round of heads.
fn full_sync_message(doc: &Automerge) -> Vec<u8> {
    use automerge::sync::{State, SyncDoc};
    let mut doc = doc.clone();
    let mut ours = State::new();
    let mut theirs = State::new();
    let mut empty = Automerge::new();
    let hello = doc
        .generate_sync_message(&mut ours)
        .expect("a first message");
    empty
        .receive_sync_message(&mut theirs, hello)
        .expect("receive heads");
    let need = empty.generate_sync_message(&mut theirs).expect("an answer");
    doc.receive_sync_message(&mut ours, need)
        .expect("receive need");
    doc.generate_sync_message(&mut ours)
        .expect("the changes")
        .encode()
}

/// The hand-made inputs committed under `fuzz/regressions/<target>/`:
/// `(target, file name, bytes)`.
pub fn seeds() -> Vec<(&'static str, String, Vec<u8>)> {
    let mut out: Vec<(&'static str, String, Vec<u8>)> = Vec::new();
    for (target, _) in TARGETS {
        out.push((target, "seed-empty".into(), Vec::new()));
    }
    handshake_seeds(&mut out);
    ticket_seeds(&mut out);
    let charter = new_charter("Data CoP", NOW).expect("a charter");
    document_seeds(&charter, &mut out);
    // Small, so the fuzzer gets through many merges a second.
    let small = new_blank_charter("Peer CoP", NOW).expect("a charter");
    sync_seeds(&small, &mut out);
    envelope_seeds(&small, &mut out);
    out
}

/// A `sync` message in a compact envelope, and a `join` behind the plain
/// tag, as the remote peer seals them.
fn envelope_seeds(charter: &Automerge, out: &mut Seeds) {
    let (_, remote) = envelopes();
    let doc_id = charter_id().to_string();
    let sync = cbor_map(&[
        ("type", Cbor::Text("sync")),
        ("senderId", Cbor::Text(REMOTE_PEER)),
        ("targetId", Cbor::Text(LOCAL_PEER)),
        ("documentId", Cbor::Text(&doc_id)),
        ("data", Cbor::Bytes(&full_sync_message(charter))),
    ]);
    let join = cbor_map(&[
        ("type", Cbor::Text("join")),
        ("senderId", Cbor::Text(REMOTE_PEER)),
    ]);
    out.push(("compact_envelope", "seed-sync".into(), remote.seal(sync)));
    out.push((
        "compact_envelope",
        "seed-plain-join".into(),
        remote.seal(join),
    ));
    out.push((
        "compact_envelope",
        "seed-compact-join".into(),
        vec![
            4, 2, 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x49, 0x78, 0x86, 0x95, 0xa4, 0xb3, 0xc2,
            0xd1, 0xe0, 0xf9,
        ],
    ));
}

type Seeds = Vec<(&'static str, String, Vec<u8>)>;

fn handshake_seeds(out: &mut Seeds) {
    let hello = Hello {
        version: 1,
        device: "07".repeat(16),
        label: "Ana's laptop".into(),
        invite: None,
        heads: String::new(),
    };
    let reconnecting = Hello {
        version: 3,
        device: String::new(),
        label: String::new(),
        invite: None,
        heads: "0123456789abcdef".repeat(4),
    };
    let joining = Hello {
        invite: Some(InviteProof {
            doc: "2By6dsFoek45sMztqdsFVGpJbztN".into(),
            secret: "ab".repeat(32),
        }),
        ..hello.clone()
    };
    out.push(("handshake_frame", "seed-hello".into(), json(&hello)));
    out.push((
        "handshake_frame",
        "seed-hello-invite".into(),
        json(&joining),
    ));
    out.push((
        "handshake_frame",
        "seed-hello-heads".into(),
        json(&reconnecting),
    ));
    out.push((
        "handshake_frame",
        "seed-welcome".into(),
        json(&Welcome::Accepted),
    ));
    out.push((
        "handshake_frame",
        "seed-welcome-in-sync".into(),
        json(&Welcome::AcceptedInSync(vec![0, 3])),
    ));
    out.push((
        "handshake_frame",
        "seed-refused".into(),
        json(&Welcome::Refused("invalid invite".into())),
    ));
}

fn ticket_seeds(out: &mut Seeds) {
    let key = iroh::SecretKey::from_bytes(&[9u8; 32]);
    let addr = iroh::EndpointAddr::from_parts(
        key.public(),
        [iroh::TransportAddr::Ip(
            "127.0.0.1:7001".parse().expect("an address"),
        )],
    );
    for (name, access) in [
        ("seed-read-write", AccessLevel::ReadWrite),
        ("seed-read-only", AccessLevel::ReadOnly),
    ] {
        let mut ticket =
            InviteTicket::new("2By6dsFoek45sMztqdsFVGpJbztN".into(), addr.clone(), access);
        ticket.secret = [5u8; 32];
        out.push((
            "invite_ticket",
            name.into(),
            ticket.to_string().into_bytes(),
        ));
    }
}

/// Seeds for `automerge_import` and `storage_chunk`.
fn document_seeds(charter: &Automerge, out: &mut Seeds) {
    out.push(("automerge_import", "seed-charter".into(), charter.save()));
    let blank = new_blank_charter("Blank CoP", NOW).expect("a charter");
    out.push(("automerge_import", "seed-blank".into(), blank.save()));
    out.push(("automerge_import", "seed-v0".into(), v0_charter().save()));

    let change = charter
        .get_changes(&[])
        .first()
        .map(|c| (c.hash(), c.raw_bytes().to_vec()))
        .expect("a change");
    let mut incremental = vec![0u8];
    incremental.extend(change.0.0);
    incremental.extend(&change.1);
    out.push(("storage_chunk", "seed-change".into(), incremental));
    let mut snapshot = vec![1u8];
    snapshot.extend(blank.save());
    out.push(("storage_chunk", "seed-snapshot".into(), snapshot));
    out.push((
        "storage_chunk",
        "seed-storage-id".into(),
        b"\x02fuzz-storage-id".to_vec(),
    ));
    out.push((
        "storage_chunk",
        "seed-key".into(),
        b"\x03doc\nincremental\nzz\0\x85o\x4a\x83".to_vec(),
    ));
}

fn sync_seeds(charter: &Automerge, out: &mut Seeds) {
    let doc_id = charter_id().to_string();
    let changes = full_sync_message(charter);
    let first = {
        use automerge::sync::{State, SyncDoc};
        Automerge::new()
            .generate_sync_message(&mut State::new())
            .expect("a first message")
            .encode()
    };
    let addressed = |kind: &'static str, data: &[u8]| {
        cbor_map(&[
            ("type", Cbor::Text(kind)),
            ("senderId", Cbor::Text(REMOTE_PEER)),
            ("targetId", Cbor::Text(LOCAL_PEER)),
            ("documentId", Cbor::Text(&doc_id)),
            ("data", Cbor::Bytes(data)),
        ])
    };
    let mut session = vec![0u8];
    session.extend(frame(&addressed("request", &first)));
    session.extend(frame(&addressed("sync", &changes)));
    out.push((
        "sync_message",
        "seed-request-and-sync".into(),
        session.clone(),
    ));
    session[0] = 1;
    out.push((
        "sync_message",
        "seed-read-only-sync".into(),
        session.clone(),
    ));
    let mut handshake = vec![4u8];
    handshake.extend(frame(&join_message(REMOTE_PEER)));
    handshake.extend(&session[1..]);
    out.push(("sync_message", "seed-join-request-sync".into(), handshake));
    let mut other = vec![0u8];
    other.extend(frame(&cbor_map(&[
        ("type", Cbor::Text("ephemeral")),
        ("senderId", Cbor::Text(REMOTE_PEER)),
        ("targetId", Cbor::Text(LOCAL_PEER)),
        ("count", Cbor::Uint(1)),
        ("sessionId", Cbor::Text("s1")),
        ("documentId", Cbor::Text(&doc_id)),
        ("data", Cbor::Bytes(&[0xa0])),
    ])));
    other.extend(frame(&cbor_map(&[
        ("type", Cbor::Text("remote-subscription-change")),
        ("senderId", Cbor::Text(REMOTE_PEER)),
        ("targetId", Cbor::Text(LOCAL_PEER)),
        ("add", Cbor::TextArray(&["fuzz-storage-id"])),
        ("remove", Cbor::TextArray(&[])),
    ])));
    other.extend(frame(&cbor_map(&[
        ("type", Cbor::Text("doc-unavailable")),
        ("senderId", Cbor::Text(REMOTE_PEER)),
        ("targetId", Cbor::Text(LOCAL_PEER)),
        ("documentId", Cbor::Text(&doc_id)),
    ])));
    other.extend(frame(&cbor_map(&[
        ("type", Cbor::Text("leave")),
        ("senderId", Cbor::Text(REMOTE_PEER)),
    ])));
    out.push(("sync_message", "seed-other-messages".into(), other));
    // What the screen stops: a request for a charter this node does not
    // hold (answered `doc-unavailable`), then a frame that is not CBOR.
    let elsewhere = DocumentId::new(&mut StdRng::seed_from_u64(99)).to_string();
    let mut screened = vec![0u8];
    screened.extend(frame(&cbor_map(&[
        ("type", Cbor::Text("request")),
        ("senderId", Cbor::Text(REMOTE_PEER)),
        ("targetId", Cbor::Text(LOCAL_PEER)),
        ("documentId", Cbor::Text(&elsewhere)),
        ("data", Cbor::Bytes(&first)),
    ])));
    screened.extend(frame(b"not cbor"));
    out.push(("sync_message", "seed-screened".into(), screened));
    let mut raw = vec![0u8];
    raw.extend(frame(&changes));
    out.push(("sync_message", "seed-raw-automerge-sync".into(), raw));
}

/// A charter as written before schema versions: a title, nothing else.
fn v0_charter() -> Automerge {
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    let meta = tx
        .put_object(ROOT, "meta", automerge::ObjType::Map)
        .expect("meta");
    let title = tx
        .put_object(&meta, "title", automerge::ObjType::Text)
        .expect("title");
    tx.splice_text(&title, 0, 0, "Old CoP").expect("title text");
    tx.commit();
    debug_assert!(doc.get(ROOT, "schema_version").ok().flatten().is_none());
    doc
}

/// A handshake message in its frame.
fn json<T: serde::Serialize>(message: &T) -> Vec<u8> {
    frame(&serde_json::to_vec(message).expect("a handshake message serialises"))
}
