//! Hostile devices inside a room. Six honest nodes link up on the
//! product's overlay around one charter (C) and also share a second (D).
//! Two hand-written clients ([`guild_tests::raw_peer`]) are admitted
//! devices, and attack every node of the room at once:
//!
//! - R, admitted to C read-only, offers forged changes (its own, and one
//!   under the host's device id) and replays a genuine writer's change to
//!   the one node that has not received it yet (cut off from the rest of
//!   the room meanwhile), so that taking it would have been news;
//! - O, admitted to D only, holds a copy of C from elsewhere. It offers C
//!   with a forged change and the same replayed one, asks for C, sends
//!   presence about C, and listens for anything about C.
//!
//! Meanwhile honest nodes add cards and broadcast presence. No node may
//! take a change from either; O must receive no change, charter or
//! presence of C (R, who may read, does: the check on O is not vacuous);
//! the room converges on the honest edits alone once the cut mends.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use automerge::sync::{self as am_sync, SyncDoc as _};
use automerge::{ActorId, Automerge, ChangeHash, ReadDoc as _};
use guild_model::{AccessLevel, Cell, Op, Position, ProseField, apply, check_invariants, to_json};
use guild_sync::access::peer_id_of;
use guild_sync::net::node::Node;
use guild_sync::net::wire::InviteProof;
use guild_tests::hostile::{PURPOSE, T, TITLE, eventually, hex, raw_endpoint, secret_charter};
use guild_tests::raw_peer::{DocForm, Msg, RawPeer, doc_message, ephemeral, peer_of};
use guild_tests::{runtime, start_node};
use iroh::Endpoint;
use samod::DocumentId;

/// Honest nodes in the room.
const ROOM: usize = 6;
/// The node cut off from the room while the attack runs.
const VICTIM: usize = ROOM - 1;
/// How long each hostile session listens after it has said its piece.
const LISTEN: Duration = Duration::from_secs(3);

const BY_READER: &str = "Forged by the read-only reader";
const AS_HOST: &str = "Forged under the host's device id";
const BY_OUTSIDER: &str = "Forged by a member of another charter";

/// A hostile client: its endpoint, the samod peer id it speaks as.
struct Hostile {
    ep: Endpoint,
    me: String,
}

impl Hostile {
    async fn new() -> Self {
        let ep = raw_endpoint().await;
        let me = peer_id_of(&ep.id().to_string()).to_string();
        Self { ep, me }
    }

    fn id(&self) -> String {
        self.ep.id().to_string()
    }

    /// Joins `doc` on `host` with a ticket of `level`, and syncs a copy.
    async fn join(&self, host: &Node, doc: &str, level: AccessLevel) -> Automerge {
        let ticket = host.share(doc, level).await.unwrap();
        let invite = InviteProof {
            doc: doc.to_owned(),
            secret: hex(&ticket.secret),
        };
        let mut session = RawPeer::connect(&self.ep, host.addr(), Some(invite)).await;
        session.join(&self.me).await;
        let mut copy = Automerge::new();
        let id: DocumentId = doc.parse().unwrap();
        session
            .sync(&id, &mut copy, &self.me, &peer_of(host), "request")
            .await;
        session.conn.close(0u32.into(), b"bye");
        copy
    }

    /// One session with `node`: opens with `first` (`request` asks for
    /// C) and offers `copy` of C by Automerge's sync protocol, pushes
    /// `changes` blindly in one sync message whatever the node said, sends
    /// presence about C, then listens. Returns every message that came
    /// back.
    async fn attack(
        &self,
        node: &Node,
        c: &DocumentId,
        first: &str,
        mut copy: Automerge,
        changes: &[Vec<u8>],
    ) -> Vec<Msg> {
        let them = peer_of(node);
        let mut session = RawPeer::connect(&self.ep, node.addr(), None).await;
        session.join(&self.me).await;
        session.sync(c, &mut copy, &self.me, &them, first).await;
        let mut push = copy
            .generate_sync_message(&mut am_sync::State::new())
            .unwrap();
        push.changes = changes.to_vec().into();
        let frame = doc_message("sync", c, DocForm::Text, &self.me, &them, &push.encode());
        session.send(&frame).await;
        session.send(&ephemeral(c, &self.me, &them, 1)).await;
        let until = Instant::now() + LISTEN;
        while Instant::now() < until && session.next(LISTEN).await.is_some() {}
        session.conn.close(0u32.into(), b"bye");
        session.received
    }
}

/// Starts the room: every node holds C and D, knows where the others
/// listen, and links up on the overlay.
async fn room(dirs: &[tempfile::TempDir]) -> (Vec<Node>, String, String) {
    let mut nodes = Vec::new();
    for dir in dirs {
        nodes.push(start_node(dir.path()).await);
    }
    let c = secret_charter(&nodes[0]).await;
    let d = nodes[0]
        .library()
        .create("Neighbouring CoP", true)
        .await
        .unwrap();
    for doc in [&c, &d] {
        let ticket = nodes[0].share(doc, AccessLevel::ReadWrite).await.unwrap();
        for node in &nodes[1..] {
            node.join(&ticket, T).await.unwrap();
        }
    }
    let addrs: Vec<_> = nodes
        .iter()
        .map(|n| (n.library().endpoint_id(), n.ip_addrs()))
        .collect();
    for node in &nodes {
        for (id, at) in &addrs {
            if *id != node.library().endpoint_id() {
                node.remember_peer(id, at.clone());
            }
        }
        node.connect_peers(&c).await.unwrap();
        node.connect_peers(&d).await.unwrap();
    }
    (nodes, c, d)
}

/// Whether `node` lists `device` on `doc` at `level` (`None`: not at all).
async fn lists(node: &Node, doc: &str, device: &str, level: Option<AccessLevel>) -> bool {
    let access = node.library().access(doc).await.unwrap();
    access.devices.get(device).map(|d| d.access) == level
}

/// A change on `copy` under `actor`, setting `field` to `text`; its hash.
fn forge(copy: &mut Automerge, actor: ActorId, field: ProseField, text: &str) -> ChangeHash {
    copy.set_actor(actor);
    let op = Op::SetProse {
        field,
        text: text.into(),
    };
    apply(copy, &op, 1_700_000_000).unwrap();
    copy.get_heads()[0]
}

/// Which of nodes `which` hold any of `changes`, or show forged text.
async fn anything_forged_in(
    nodes: &[Node],
    which: std::ops::Range<usize>,
    c: &str,
    changes: &[ChangeHash],
) -> Vec<String> {
    let mut found = Vec::new();
    for (i, node) in nodes.iter().enumerate().take(which.end).skip(which.start) {
        let doc = node.library().document(c).await.unwrap();
        for hash in changes {
            if doc.get_change_by_hash(hash).is_some() {
                found.push(format!("node {i} holds forged change {hash}"));
            }
        }
        let json = to_json(&node.library().charter(c).await.unwrap());
        for text in [BY_READER, AS_HOST, BY_OUTSIDER] {
            if json.contains(text) {
                found.push(format!("node {i} shows {text:?}"));
            }
        }
    }
    found
}

fn card(n: usize) -> Op {
    Op::AddCard {
        id: format!("honest-{n}"),
        cell: Cell::MembersShortTerm,
        text: format!("Honest card {n}"),
        position: Position::End,
    }
}

/// What `received` says about `doc`, by kind, for the report.
fn kinds_about(received: &[Msg], doc: &str) -> Vec<String> {
    received
        .iter()
        .filter(|m| m.doc.as_deref() == Some(doc))
        .map(|m| m.kind.clone())
        .collect()
}

#[test]
#[allow(clippy::too_many_lines)] // one attack, start to finish
fn hostile_devices_inside_a_room_get_nothing_in_and_nothing_of_a_charter_they_are_not_on() {
    let dirs: Vec<_> = (0..ROOM).map(|_| tempfile::tempdir().unwrap()).collect();
    runtime().block_on(async {
        let (nodes, c, d) = room(&dirs).await;
        let c_id: DocumentId = c.parse().unwrap();
        let reader = Hostile::new().await;
        let outsider = Hostile::new().await;
        let mut reader_copy = reader.join(&nodes[0], &c, AccessLevel::ReadOnly).await;
        outsider.join(&nodes[0], &d, AccessLevel::ReadWrite).await;
        // O's copy of C comes from elsewhere (an old laptop, a leak).
        let mut outsider_copy = nodes[0].library().document(&c).await.unwrap();

        for (i, node) in nodes.iter().enumerate() {
            let what = format!("node {i} lists R read-only on C and O on D only");
            eventually(&what, || async {
                lists(node, &c, &reader.id(), Some(AccessLevel::ReadOnly)).await
                    && lists(node, &d, &outsider.id(), Some(AccessLevel::ReadWrite)).await
                    && lists(node, &c, &outsider.id(), None).await
            })
            .await;
        }

        // The victim is cut off; a writer makes a change it cannot have yet.
        let victim = &nodes[VICTIM];
        for node in &nodes[..VICTIM] {
            victim.cut_off(&node.library().endpoint_id());
            node.cut_off(&victim.library().endpoint_id());
        }
        nodes[1]
            .library()
            .edit(
                &c,
                &Op::SetProse {
                    field: ProseField::Pitch,
                    text: "A genuine pitch the victim has not seen".into(),
                },
            )
            .await
            .unwrap();
        let genuine = nodes[1].library().document(&c).await.unwrap();
        let replayed = genuine.get_heads()[0];
        let raw = genuine
            .get_change_by_hash(&replayed)
            .unwrap()
            .raw_bytes()
            .to_vec();
        reader_copy.load_incremental(&raw).unwrap();
        outsider_copy.load_incremental(&raw).unwrap();
        assert!(
            victim
                .library()
                .document(&c)
                .await
                .unwrap()
                .get_change_by_hash(&replayed)
                .is_none(),
            "the victim is cut off before the genuine change"
        );

        // The forgeries.
        let host_device = hex::decode(nodes[0].library().device().to_hex()).unwrap();
        let posing = ActorId::from([host_device, vec![0xfe; 4]].concat());
        let forged = vec![
            forge(
                &mut reader_copy,
                ActorId::random(),
                ProseField::Vision,
                BY_READER,
            ),
            forge(&mut reader_copy, posing, ProseField::Purpose, AS_HOST),
            forge(
                &mut outsider_copy,
                ActorId::random(),
                ProseField::Vision,
                BY_OUTSIDER,
            ),
        ];
        let bytes_of = |copy: &Automerge, hashes: &[ChangeHash]| -> Vec<Vec<u8>> {
            hashes
                .iter()
                .filter_map(|h| copy.get_change_by_hash(h))
                .map(|change| change.raw_bytes().to_vec())
                .collect()
        };
        let reader_push = bytes_of(&reader_copy, &[replayed, forged[0], forged[1]]);
        let outsider_push = bytes_of(&outsider_copy, &[replayed, forged[2]]);
        assert_eq!((reader_push.len(), outsider_push.len()), (3, 2));

        // Honest work goes on while both attack every node.
        let honest = async {
            for n in 0..12 {
                let node = &nodes[n % VICTIM];
                node.library().edit(&c, &card(n)).await.unwrap();
                node.library()
                    .broadcast(&c, format!("presence {n}").into_bytes())
                    .await
                    .unwrap();
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        };
        let mut sessions = Vec::new();
        for (i, node) in nodes.iter().enumerate() {
            let (r, o) = (reader_copy.clone(), outsider_copy.clone());
            let (reader, outsider, c_id) = (&reader, &outsider, &c_id);
            let (reader_push, outsider_push) = (&reader_push, &outsider_push);
            sessions.push(Box::pin(async move {
                (
                    "R",
                    i,
                    reader.attack(node, c_id, "sync", r, reader_push).await,
                )
            })
                as std::pin::Pin<Box<dyn std::future::Future<Output = _>>>);
            sessions.push(Box::pin(async move {
                (
                    "O",
                    i,
                    outsider
                        .attack(node, c_id, "request", o, outsider_push)
                        .await,
                )
            }));
        }
        let attack = futures::future::join_all(sessions);
        let ((), sessions) = tokio::join!(honest, attack);

        // Nothing of theirs landed, the replay included.
        let mut all_forged = forged.clone();
        all_forged.push(replayed);
        let found = anything_forged_in(&nodes, VICTIM..ROOM, &c, &all_forged).await;
        assert!(
            found.is_empty(),
            "the victim took a hostile change: {found:?}"
        );
        let found = anything_forged_in(&nodes, 0..ROOM, &c, &forged).await;
        assert!(found.is_empty(), "{found:?}");

        // O heard nothing of C; R, who may read, heard changes and presence
        // from every node (the victim too: its session was live).
        let mut reader_heard = 0;
        let mut outsider_heard = Vec::new();
        for (who, i, received) in &sessions {
            let kinds = kinds_about(received, &c);
            if *who == "O" {
                assert!(
                    kinds.iter().all(|k| k == "doc-unavailable"),
                    "node {i} told O about C: {kinds:?}"
                );
                for m in received {
                    let text = String::from_utf8_lossy(&m.data);
                    assert!(
                        !text.contains(TITLE) && !text.contains(PURPOSE),
                        "node {i} sent O C's text in a {:?}",
                        m.kind
                    );
                }
                outsider_heard.extend(kinds);
            } else {
                assert!(
                    kinds.iter().any(|k| k == "sync"),
                    "node {i} synced C with R: {kinds:?}"
                );
                if *i != VICTIM {
                    assert!(
                        kinds.iter().any(|k| k == "ephemeral"),
                        "node {i} passed the room's presence to R: {kinds:?}"
                    );
                }
                reader_heard += kinds.len();
            }
        }

        // The cut mends; the room converges on the honest edits alone.
        for node in &nodes {
            node.mend_links();
        }
        let heads = nodes[0].library().document(&c).await.unwrap().get_heads();
        for (i, node) in nodes.iter().enumerate() {
            eventually(&format!("node {i} has every honest edit"), || async {
                let doc = node.library().document(&c).await.unwrap();
                heads.iter().all(|h| doc.get_change_by_hash(h).is_some())
            })
            .await;
            let charter = node.library().charter(&c).await.unwrap();
            assert!(check_invariants(&charter).is_empty(), "node {i}");
            assert_eq!(charter.meta.title.as_str(), TITLE, "node {i}");
            assert_eq!(charter.purpose.text.as_str(), PURPOSE, "node {i}");
        }
        let found = anything_forged_in(&nodes, 0..ROOM, &c, &forged).await;
        assert!(found.is_empty(), "after the mend: {found:?}");
        println!(
            "hostile room: {ROOM} nodes, {} hostile sessions; R (read-only) heard {reader_heard} \
             messages about C, O (another charter's) heard {} (all doc-unavailable); no forged \
             change and no replay landed",
            sessions.len(),
            outsider_heard.len(),
        );
        for node in nodes {
            node.shutdown().await.unwrap();
        }
    });
}
