//! Hostile peers on loopback: raw iroh clients that skip the invite, send
//! garbage, oversized or random frames, or never speak. Each must be cut
//! off quickly, receive no charter data it was not invited to, and leave
//! well-behaved peers syncing as before.
//!
//! The hostile clients speak Guild's wire format by hand (a 4-byte
//! big-endian length, then the payload) on a bare iroh endpoint with a
//! fresh key, so nothing in Guild's own dialer shields the acceptor.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use guild_model::AccessLevel;
use guild_sync::net::protocol::{CLOSE_PROTOCOL, CLOSE_REFUSED};
use guild_sync::net::wire::{ALPN, HANDSHAKE_TIMEOUT, InviteProof, MAX_FRAME};
use guild_tests::hostile::{
    CUT_OFF, Ending, Rng, admitted_hostile, assert_only_a_refusal, b_edit_reaches_a, close_code,
    closed_within, eventually, hello, hex, open, raw_endpoint, read_all, secret_charter,
    set_vision, two_peers, vision, write_frame,
};
use guild_tests::{runtime, start_node};

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
        let text = assert_only_a_refusal(&received, "no invite");
        eprintln!("no invite: received {} bytes: {text:?}", received.len());
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
        let text = assert_only_a_refusal(&received, "forged invite");
        eprintln!("forged invite: received {} bytes: {text:?}", received.len());
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
