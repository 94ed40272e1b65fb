use automerge::sync::{State, SyncDoc as _};
use automerge::transaction::Transactable as _;
use automerge::{AutoCommit, Automerge, ROOT};

use super::*;

fn doc_id(first: u8) -> DocumentId {
    DocumentId::try_from((first..first + 16).collect::<Vec<u8>>()).unwrap()
}

/// A document with a few changes, and a copy of it on a second actor.
fn pair() -> (Automerge, Automerge) {
    let mut a = AutoCommit::new();
    for n in 0..5 {
        a.put(ROOT, format!("k{n}"), n).unwrap();
        a.commit();
    }
    let a = a.document().clone();
    let b = a.fork();
    (a, b)
}

/// A sync state as samod-core keeps it between sessions: the shared heads
/// alone, encoded and decoded.
fn kept(heads: &[ChangeHash], read_only: bool) -> State {
    let mut state = State::new();
    state.shared_heads = heads.to_vec();
    let mut state = State::decode(&state.encode()).unwrap();
    state.read_only = read_only;
    state
}

fn agreed(heads: Vec<ChangeHash>, peer_reads_only: bool, we_read_only: bool) -> Agreed {
    Agreed {
        doc: doc_id(1),
        heads,
        peer_reads_only,
        we_read_only,
    }
}

#[test]
fn automerges_opening_from_a_kept_state_is_the_one_dropped() {
    let (a, _) = pair();
    for read_only in [false, true] {
        let opening = a
            .generate_sync_message(&mut kept(&a.get_heads(), read_only))
            .unwrap()
            .encode();
        let mut in_sync = InSync::new(vec![agreed(a.get_heads(), read_only, false)]);
        assert!(
            in_sync.drops(&doc_id(1), &opening),
            "read only: {read_only}"
        );
        // Only the first: a second one says something new.
        assert!(!in_sync.drops(&doc_id(1), &opening));
        assert!(in_sync.is_empty());
    }
}

#[test]
fn an_opening_that_says_more_is_sent() {
    let (mut a, _) = pair();
    let agreed_heads = a.get_heads();
    // A change made after the handshake: new heads.
    let mut tx = a.transaction();
    tx.put(ROOT, "late", 1).unwrap();
    tx.commit();
    let newer = a
        .generate_sync_message(&mut kept(&agreed_heads, false))
        .unwrap()
        .encode();
    assert!(
        !InSync::new(vec![agreed(agreed_heads.clone(), false, false)]).drops(&doc_id(1), &newer)
    );
    // A fresh state: a bloom filter of every change.
    let fresh = a.generate_sync_message(&mut State::new()).unwrap().encode();
    assert!(!InSync::new(vec![agreed(a.get_heads(), false, false)]).drops(&doc_id(1), &fresh));
    // The read-only flag differs from what the peer was told.
    let flagged = a
        .generate_sync_message(&mut kept(&a.get_heads(), true))
        .unwrap()
        .encode();
    assert!(!InSync::new(vec![agreed(a.get_heads(), false, false)]).drops(&doc_id(1), &flagged));
    // Another charter, and garbage.
    let opening = a
        .generate_sync_message(&mut kept(&a.get_heads(), false))
        .unwrap()
        .encode();
    assert!(!InSync::new(vec![agreed(a.get_heads(), false, false)]).drops(&doc_id(2), &opening));
    assert!(!InSync::new(vec![agreed(a.get_heads(), false, false)]).drops(&doc_id(1), b"\x42junk"));
}

#[test]
fn both_sides_handed_the_others_opening_are_in_sync_and_quiet() {
    let (mut a, mut b) = pair();
    let heads = a.get_heads();
    let (mut sa, mut sb) = (kept(&heads, false), kept(&heads, false));
    let agreed = agreed(heads.clone(), false, false);
    let from_b = Message::decode(&InSync::new(vec![agreed.clone()]).peer_openings()[0].1).unwrap();
    let from_a = from_b.clone();
    // Each side's own opening stays home; each receives the other's.
    let a_opening = a.generate_sync_message(&mut sa).unwrap().encode();
    assert!(InSync::new(vec![agreed.clone()]).drops(&doc_id(1), &a_opening));
    a.receive_sync_message(&mut sa, from_b).unwrap();
    b.receive_sync_message(&mut sb, from_a).unwrap();
    let b_opening = b.generate_sync_message(&mut sb).unwrap().encode();
    assert!(InSync::new(vec![agreed]).drops(&doc_id(1), &b_opening));
    assert!(a.generate_sync_message(&mut sa).is_none());
    assert!(b.generate_sync_message(&mut sb).is_none());
    // A later change still flows, with nothing missed.
    let mut tx = a.transaction();
    tx.put(ROOT, "after", 1).unwrap();
    tx.commit();
    for _ in 0..4 {
        if let Some(m) = a.generate_sync_message(&mut sa) {
            b.receive_sync_message(&mut sb, m).unwrap();
        }
        if let Some(m) = b.generate_sync_message(&mut sb) {
            a.receive_sync_message(&mut sa, m).unwrap();
        }
    }
    assert_eq!(a.get_heads(), b.get_heads());
}

#[test]
fn claims_round_trip_and_name_their_charter_and_heads() {
    let (a, _) = pair();
    let heads = a.get_heads();
    let claims = vec![Claim::new(&doc_id(1), &heads), Claim::new(&doc_id(7), &[])];
    let text = Claim::encode_all(&claims);
    assert_eq!(text.len(), 2 * 2 * CLAIM);
    let back = Claim::decode_all(&text).unwrap();
    assert_eq!(back, claims);
    assert!(back[0].names(&doc_id(1)) && !back[0].names(&doc_id(7)));
    assert!(back[0].holds_at(&heads));
    assert!(!back[0].holds_at(&heads[..0]));
    assert!(!back[1].holds_at(&[]), "empty heads are never in sync");
    assert_eq!(Claim::decode_all(""), Some(Vec::new()));
    for bad in ["0", "zz", &text[..text.len() - 2]] {
        assert_eq!(Claim::decode_all(bad), None, "{bad}");
    }
    assert_eq!(
        Claim::decode_all(&"0".repeat(MAX_CLAIMS * CLAIM * 2 + 32)),
        None
    );
}
