//! Fuzzing's regressions: every input committed under
//! `fuzz/regressions/<target>/` (crashers the fuzzer found, and hand-made
//! seeds) is replayed through the same bodies the fuzz targets run
//! (`guild_tests::fuzz_targets`), so a fixed crash stays fixed without
//! nightly or libFuzzer. The seeds are also checked to be what they claim:
//! valid inputs that reach past each format's outer layer.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::PathBuf;

use guild_sync::net::ticket::InviteTicket;
use guild_sync::net::wire::{Hello, Welcome, decode_handshake_frame};
use guild_tests::fuzz_targets::{TARGETS, seeds, sync_message_outcome};

fn regressions() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions")
}

fn committed(target: &str, name: &str) -> Vec<u8> {
    let path = regressions().join(target).join(name);
    fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_committed_input_replays_without_a_panic() {
    for (target, body) in TARGETS {
        let dir = regressions().join(target);
        let mut paths: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.is_file())
            .collect();
        paths.sort();
        for path in &paths {
            // Printed first: if the body panics, this names the input.
            eprintln!("replaying {}", path.display());
            body(&fs::read(path).unwrap());
        }
        assert!(
            !paths.is_empty(),
            "no inputs replayed for {target} (in {})",
            dir.display()
        );
    }
}

#[test]
fn every_seed_is_committed_and_fresh_seeds_replay_too() {
    let mut per_target = std::collections::HashMap::<&str, usize>::new();
    for (target, name, bytes) in seeds() {
        let path = regressions().join(target).join(&name);
        assert!(
            path.is_file(),
            "seed {} is not committed; run `cargo test -p guild-tests --test fuzz_regressions -- --ignored write_seeds`",
            path.display()
        );
        let body = TARGETS.iter().find(|(t, _)| *t == target).unwrap().1;
        body(&bytes);
        *per_target.entry(target).or_default() += 1;
    }
    for (target, _) in TARGETS {
        assert!(
            per_target.get(target).copied().unwrap_or(0) >= 2,
            "{target}"
        );
    }
}

#[test]
fn the_seeds_are_valid_inputs() {
    let hello: Hello = decode_handshake_frame(&committed("handshake_frame", "seed-hello-invite"))
        .expect("the hello seed decodes");
    assert!(hello.invite.is_some());
    let welcome: Welcome = decode_handshake_frame(&committed("handshake_frame", "seed-welcome"))
        .expect("the welcome seed decodes");
    assert_eq!(welcome, Welcome::Accepted);
    assert!(decode_handshake_frame::<Hello>(&[]).is_err());

    let ticket = String::from_utf8(committed("invite_ticket", "seed-read-only")).unwrap();
    let ticket: InviteTicket = ticket.parse().expect("the ticket seed parses");
    assert_eq!(ticket.access, guild_model::AccessLevel::ReadOnly);

    let charter = automerge::Automerge::load(&committed("automerge_import", "seed-charter"))
        .expect("the charter seed loads");
    assert!(guild_model::Charter::from_doc(&charter).is_ok());
    let v0 = automerge::Automerge::load(&committed("automerge_import", "seed-v0")).unwrap();
    assert_eq!(guild_model::schema_version(&v0), Ok(0));

    let change = committed("storage_chunk", "seed-change");
    let hash = hex::encode(&change[1..33]);
    assert_eq!(
        guild_sync::store::validate_chunk(&["doc", "incremental", &hash], &change[33..]),
        Ok(())
    );
    let snapshot = committed("storage_chunk", "seed-snapshot");
    assert_eq!(
        guild_sync::store::validate_chunk(&["doc", "snapshot", "h"], &snapshot[1..]),
        Ok(())
    );

    // The sync seeds reach samod's document actor: a read-write peer's
    // changes are merged into the charter, a read-only peer's are not.
    let read_write = sync_message_outcome(&committed("sync_message", "seed-request-and-sync"));
    assert_eq!(read_write.frames, 2);
    assert!(read_write.handshake_completed, "{read_write:?}");
    assert!(read_write.document_changed, "{read_write:?}");
    assert!(!read_write.hung_up, "{read_write:?}");
    let joined = sync_message_outcome(&committed("sync_message", "seed-join-request-sync"));
    assert!(
        joined.handshake_completed && joined.document_changed,
        "{joined:?}"
    );
    let read_only = sync_message_outcome(&committed("sync_message", "seed-read-only-sync"));
    assert!(read_only.handshake_completed, "{read_only:?}");
    assert!(!read_only.document_changed, "{read_only:?}");
    let silent = sync_message_outcome(&committed("sync_message", "seed-empty"));
    assert_eq!(silent.frames, 0);
}

/// The fuzzer's first find: a change chunk (valid checksum) whose op
/// counter does not fit in 32 bits makes automerge 0.12's change parser
/// panic (`OpId::new`). Guild contains that panic wherever such bytes can
/// arrive: a chunk on disk is reported damaged, an imported file is not a
/// charter, a peer's sync message is refused before samod's document actor
/// would run the parser.
#[test]
fn the_automerge_parser_panic_is_contained_everywhere() {
    let change = committed("automerge_import", "opid-counter-overflow");
    let err = guild_sync::store::load_untrusted(&change).unwrap_err();
    assert!(err.contains("panic"), "{err}");

    let chunk = committed("storage_chunk", "opid-counter-overflow");
    let hash = hex::encode(&chunk[1..33]);
    let err = guild_sync::store::validate_chunk(&["doc", "incremental", &hash], &chunk[33..])
        .unwrap_err();
    assert!(err.contains("panic"), "{err}");

    let raw = committed("sync_message", "opid-counter-overflow-raw");
    let err = guild_sync::store::check_sync_message(&raw[5..]).unwrap_err();
    assert!(err.contains("panic"), "{err}");
    // A healthy sync message passes the same check.
    let healthy = committed("sync_message", "seed-raw-automerge-sync");
    assert_eq!(guild_sync::store::check_sync_message(&healthy[5..]), Ok(()));

    // Sent by a read-write peer after samod's handshake and a request that
    // loaded the charter, the message is screened out: the peer is hung up
    // on and the charter is untouched.
    let outcome = sync_message_outcome(&committed("sync_message", "opid-counter-overflow"));
    assert_eq!(outcome.frames, 2);
    assert!(outcome.handshake_completed, "{outcome:?}");
    assert!(outcome.hung_up, "{outcome:?}");
    assert!(!outcome.document_changed, "{outcome:?}");
}

/// Writes the hand-made seeds into `fuzz/regressions/`; run it after
/// changing `guild_tests::fuzz_targets::seeds`.
#[test]
#[ignore = "writes into the source tree; run by hand"]
fn write_seeds() {
    for (target, name, bytes) in seeds() {
        let dir = regressions().join(target);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(name), bytes).unwrap();
    }
}
