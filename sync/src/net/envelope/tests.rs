use super::*;

const OURS: &str = "0123456789abcdef01234567";
const THEIRS: &str = "76543210fedcba9876543210";

fn compact() -> Envelopes {
    Envelopes::Compact {
        ours: OURS.into(),
        theirs: THEIRS.into(),
        handshakes: true,
    }
}

/// The other end of the same connection.
fn mirrored() -> Envelopes {
    Envelopes::Compact {
        ours: THEIRS.into(),
        theirs: OURS.into(),
        handshakes: true,
    }
}

fn doc() -> DocumentId {
    DocumentId::try_from((1..=16).collect::<Vec<u8>>()).unwrap()
}

/// A samod message as samod writes it: text fields in order, the document
/// id as text, then the data if any.
fn samod_message(kind: &str, sender: &str, target: &str, data: Option<&[u8]>) -> Vec<u8> {
    let mut e = minicbor::Encoder::new(Vec::new());
    e.map(4 + u64::from(data.is_some())).unwrap();
    e.str("type").unwrap().str(kind).unwrap();
    e.str("senderId").unwrap().str(sender).unwrap();
    e.str("targetId").unwrap().str(target).unwrap();
    e.str("documentId")
        .unwrap()
        .str(&doc().to_string())
        .unwrap();
    if let Some(data) = data {
        e.str("data").unwrap().bytes(data).unwrap();
    }
    e.into_writer()
}

/// (type, sender, target, document, data) of a samod message.
fn fields(message: &[u8]) -> (String, String, String, DocumentId, Option<Vec<u8>>) {
    let mut d = minicbor::Decoder::new(message);
    let len = d.map().unwrap().unwrap();
    let (mut kind, mut sender, mut target, mut document, mut data) =
        (String::new(), String::new(), String::new(), None, None);
    for _ in 0..len {
        match d.str().unwrap() {
            "type" => d.str().unwrap().clone_into(&mut kind),
            "senderId" => d.str().unwrap().clone_into(&mut sender),
            "targetId" => d.str().unwrap().clone_into(&mut target),
            "documentId" => {
                document = Some(if d.probe().str().is_ok() {
                    d.str().unwrap().parse().unwrap()
                } else {
                    DocumentId::try_from(d.bytes().unwrap().to_vec()).unwrap()
                });
            }
            "data" => data = Some(d.bytes().unwrap().to_vec()),
            other => panic!("unexpected field {other}"),
        }
    }
    (kind, sender, target, document.unwrap(), data)
}

#[test]
fn document_messages_travel_as_a_tag_the_document_and_the_data() {
    let data = [0x42_u8, 0x01, 0x02, 0x03];
    for (kind, data) in [
        ("sync", Some(&data[..])),
        ("request", Some(&data[..])),
        ("doc-unavailable", None),
    ] {
        let message = samod_message(kind, OURS, THEIRS, data);
        let frame = compact().seal(message.clone());
        assert_eq!(
            frame.len(),
            1 + 16 + data.map_or(0, <[u8]>::len),
            "{kind}: {} bytes sealed from {}",
            frame.len(),
            message.len()
        );
        let opened = mirrored().open(&frame).unwrap();
        assert_eq!(
            fields(&opened),
            (
                kind.to_owned(),
                OURS.to_owned(),
                THEIRS.to_owned(),
                doc(),
                data.map(<[u8]>::to_vec)
            ),
            "{kind}"
        );
    }
}

#[test]
fn a_compact_frame_comes_from_the_authenticated_peer_whatever_it_was_sealed_as() {
    // A peer seals as if it were someone else: the receiver rebuilds the
    // sender it knows.
    let liar = Envelopes::Compact {
        ours: "aaaaaaaaaaaaaaaaaaaaaaaa".into(),
        theirs: OURS.into(),
        handshakes: true,
    };
    let message = samod_message("sync", "aaaaaaaaaaaaaaaaaaaaaaaa", OURS, Some(b"x"));
    let frame = liar.seal(message);
    let opened = compact().open(&frame).unwrap();
    assert_eq!(fields(&opened).1, THEIRS);
}

#[test]
fn everything_else_travels_as_it_is() {
    let mut handshake = minicbor::Encoder::new(Vec::new());
    handshake.map(2).unwrap();
    handshake.str("type").unwrap().str("join").unwrap();
    handshake.str("senderId").unwrap().str(OURS).unwrap();
    let mut extra = minicbor::Encoder::new(Vec::new());
    extra.map(6).unwrap();
    extra.str("type").unwrap().str("sync").unwrap();
    extra.str("senderId").unwrap().str(OURS).unwrap();
    extra.str("targetId").unwrap().str(THEIRS).unwrap();
    extra
        .str("documentId")
        .unwrap()
        .str(&doc().to_string())
        .unwrap();
    extra.str("data").unwrap().bytes(b"d").unwrap();
    extra.str("extra").unwrap().str("kept").unwrap();
    let cases = [
        ("a handshake without metadata", handshake.into_writer()),
        ("a field samod may add", extra.into_writer()),
        (
            "forwarded for another sender",
            samod_message("sync", THEIRS, THEIRS, Some(b"d")),
        ),
        (
            "to another target",
            samod_message("sync", OURS, OURS, Some(b"d")),
        ),
        (
            "a sync without data",
            samod_message("sync", OURS, THEIRS, None),
        ),
        (
            "doc-unavailable with data",
            samod_message("doc-unavailable", OURS, THEIRS, Some(b"d")),
        ),
        ("not CBOR", b"\xff\x00garbage".to_vec()),
    ];
    for (what, message) in cases {
        let frame = compact().seal(message.clone());
        assert_eq!(frame[0], TAG_PLAIN, "{what}");
        assert_eq!(
            mirrored().open(&frame).unwrap().as_ref(),
            &message[..],
            "{what}"
        );
    }
}

#[test]
fn plain_envelopes_change_nothing() {
    let message = samod_message("sync", OURS, THEIRS, Some(b"data"));
    assert_eq!(Envelopes::Plain.seal(message.clone()), message);
    assert_eq!(
        Envelopes::Plain.open(&message).unwrap().as_ref(),
        &message[..]
    );
}

#[test]
fn malformed_compact_frames_are_refused() {
    let doc = doc();
    let mut unavailable_with_data = vec![TAG_UNAVAILABLE];
    unavailable_with_data.extend_from_slice(doc.as_bytes());
    unavailable_with_data.push(7);
    for (what, frame) in [
        ("empty", vec![]),
        ("an unknown tag", vec![9, 1, 2, 3]),
        ("a short document id", vec![TAG_SYNC, 1, 2, 3]),
        ("data after doc-unavailable", unavailable_with_data),
    ] {
        assert!(compact().open(&frame).is_err(), "{what}");
    }
}

#[test]
fn random_frames_open_or_are_refused_and_never_panic() {
    // A cheap stand-in for the fuzz target (`compact_envelope`), run on
    // every test run: frames of every tag and length up to 64 bytes.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut opened, mut refused) = (0, 0);
    for _ in 0..20_000 {
        let len = usize::try_from(next() % 64).unwrap();
        let mut frame: Vec<u8> = (0..len).map(|_| next().to_le_bytes()[0]).collect();
        if let Some(tag) = frame.first_mut() {
            *tag %= 5;
        }
        match compact().open(&frame) {
            Ok(message) => {
                opened += 1;
                if (1..=3).contains(&frame[0]) {
                    assert_eq!(mirrored().seal(message.into_owned()), frame);
                }
            }
            Err(_) => refused += 1,
        }
    }
    assert!(
        opened > 1_000 && refused > 1_000,
        "{opened} opened, {refused} refused"
    );
}

const STORAGE: &str = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9";

/// samod's `join` (no target) or `peer`, as samod writes it.
fn samod_handshake(target: Option<&str>, storage: Option<&str>, ephemeral: bool) -> Vec<u8> {
    let mut e = minicbor::Encoder::new(Vec::new());
    match target {
        None => {
            e.map(4).unwrap();
            e.str("type").unwrap().str("join").unwrap();
            e.str("senderId").unwrap().str(OURS).unwrap();
            e.str("supportedProtocolVersions").unwrap();
            e.array(1).unwrap().str("1").unwrap();
        }
        Some(target) => {
            e.map(5).unwrap();
            e.str("type").unwrap().str("peer").unwrap();
            e.str("senderId").unwrap().str(OURS).unwrap();
            e.str("selectedProtocolVersion").unwrap().str("1").unwrap();
            e.str("targetId").unwrap().str(target).unwrap();
        }
    }
    e.str("peerMetadata").unwrap();
    e.map(1 + u64::from(storage.is_some())).unwrap();
    if let Some(storage) = storage {
        e.str("storageId").unwrap().str(storage).unwrap();
    }
    e.str("isEphemeral").unwrap().bool(ephemeral).unwrap();
    e.into_writer()
}

#[test]
fn samods_handshake_travels_as_a_tag_flags_and_the_storage_id() {
    for target in [None, Some(THEIRS)] {
        for storage in [Some(STORAGE), None] {
            for ephemeral in [false, true] {
                let message = samod_handshake(target, storage, ephemeral);
                let frame = compact().seal(message.clone());
                assert_eq!(
                    frame.len(),
                    2 + if storage.is_some() { 16 } else { 0 },
                    "{target:?} {storage:?} {ephemeral}: {} bytes from {}",
                    frame.len(),
                    message.len()
                );
                // Rebuilt byte for byte on the other side.
                assert_eq!(
                    mirrored().open(&frame).unwrap().as_ref(),
                    &message[..],
                    "{target:?} {storage:?} {ephemeral}"
                );
            }
        }
    }
}

#[test]
fn a_handshake_a_compact_frame_could_not_rebuild_travels_as_it_is() {
    let join = samod_handshake(None, Some(STORAGE), false);
    let upper = samod_handshake(None, Some(&STORAGE.to_uppercase()), false);
    let not_uuid = samod_handshake(None, Some("storage-1"), false);
    let to_another = samod_handshake(Some(OURS), Some(STORAGE), false);
    let mut two_versions = minicbor::Encoder::new(Vec::new());
    two_versions.map(3).unwrap();
    two_versions.str("type").unwrap().str("join").unwrap();
    two_versions.str("senderId").unwrap().str(OURS).unwrap();
    two_versions.str("supportedProtocolVersions").unwrap();
    two_versions
        .array(2)
        .unwrap()
        .str("1")
        .unwrap()
        .str("2")
        .unwrap();
    let mut version_2 = join.clone();
    let at = version_2.windows(2).position(|w| w == b"\x61\x31").unwrap();
    version_2[at + 1] = b'2';
    for (what, message) in [
        ("a storage id in capitals", upper),
        ("a storage id that is not a UUID", not_uuid),
        ("a peer message to another target", to_another),
        ("two protocol versions", two_versions.into_writer()),
        ("protocol version 2", version_2),
    ] {
        let frame = compact().seal(message.clone());
        assert_eq!(frame[0], TAG_PLAIN, "{what}");
        assert_eq!(
            mirrored().open(&frame).unwrap().as_ref(),
            &message[..],
            "{what}"
        );
    }
    // Wire version 2 leaves samod's handshake as it is, and does not read
    // a compact one.
    let v2 = Envelopes::compact("a", "b");
    assert_eq!(v2.seal(join.clone())[0], TAG_PLAIN);
    assert!(v2.open(&compact().seal(join)).is_err());
}

#[test]
fn malformed_compact_handshakes_are_refused() {
    for (what, frame) in [
        ("no flags", vec![handshake::TAG_JOIN]),
        ("unknown flags", vec![handshake::TAG_PEER, 4]),
        ("a short storage id", vec![handshake::TAG_JOIN, 2, 1, 2, 3]),
        (
            "bytes after a handshake without one",
            vec![handshake::TAG_JOIN, 0, 1],
        ),
    ] {
        assert!(compact().open(&frame).is_err(), "{what}");
    }
}
