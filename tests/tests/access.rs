//! Access control between real nodes on loopback: wrong secrets, guessed
//! document ids, read-only devices and revocation.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use guild_model::{AccessLevel, Op, ProseField};
use guild_sync::LibraryError;
use guild_tests::{runtime, start_node};

const T: Duration = Duration::from_secs(20);

#[test]
fn a_wrong_secret_is_refused_and_fetches_nothing() {
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    runtime().block_on(async {
        let a = start_node(a_dir.path()).await;
        let b = start_node(b_dir.path()).await;
        let doc = a.library().create("Secret CoP", true).await.unwrap();
        let mut ticket = a.share(&doc, AccessLevel::ReadWrite).await.unwrap();
        ticket.secret[0] ^= 0xff;
        let err = b.join(&ticket, T).await.unwrap_err();
        assert!(err.to_string().contains("invalid invite"), "{err}");
        assert!(
            b.library().document_ids().unwrap().is_empty(),
            "B stored nothing"
        );
        let access = a.library().access(&doc).await.unwrap();
        assert!(
            !access.devices.contains_key(&b.library().endpoint_id()),
            "B was not admitted"
        );
        b.shutdown().await.unwrap();
        a.shutdown().await.unwrap();
    });
}

#[test]
fn an_invite_to_one_charter_gets_nothing_of_another() {
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    runtime().block_on(async {
        let a = start_node(a_dir.path()).await;
        let b = start_node(b_dir.path()).await;
        let shared = a.library().create("Shared CoP", true).await.unwrap();
        let private = a.library().create("Private CoP", true).await.unwrap();
        a.library()
            .edit(
                &private,
                &Op::SetProse {
                    field: ProseField::Purpose,
                    text: "Board-only".into(),
                },
            )
            .await
            .unwrap();
        let ticket = a.share(&shared, AccessLevel::ReadWrite).await.unwrap();
        b.join(&ticket, T).await.unwrap();

        // B is connected and admitted to one charter; it asks for the other by id.
        let inviter = ticket.inviter.id.to_string();
        let err = b
            .fetch(&private, &inviter, Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("does not share"), "{err}");
        assert_eq!(
            b.library().document_ids().unwrap(),
            vec![shared.clone()],
            "B holds only what it was invited to"
        );

        // Presenting the shared charter's secret for the private one is refused too.
        let mut forged = ticket.clone();
        forged.doc.clone_from(&private);
        let err = b.join(&forged, T).await.unwrap_err();
        assert!(err.to_string().contains("invalid invite"), "{err}");
        assert_eq!(b.library().document_ids().unwrap(), vec![shared]);
        b.shutdown().await.unwrap();
        a.shutdown().await.unwrap();
    });
}

#[test]
fn a_read_only_device_receives_updates_but_its_edits_never_reach_a_writer() {
    let (a_dir, c_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    runtime().block_on(async {
        let a = start_node(a_dir.path()).await;
        let c = start_node(c_dir.path()).await;
        let doc = a.library().create("Read-only CoP", true).await.unwrap();
        let ticket = a.share(&doc, AccessLevel::ReadOnly).await.unwrap();
        c.join(&ticket, T).await.unwrap();
        assert_eq!(
            c.library()
                .access(&doc)
                .await
                .unwrap()
                .level_of(&c.library().endpoint_id()),
            Some(AccessLevel::ReadOnly)
        );

        // The app says so instead of editing.
        let refused = c
            .library()
            .edit(
                &doc,
                &Op::SetProse {
                    field: ProseField::Title,
                    text: "Hijacked".into(),
                },
            )
            .await;
        assert!(
            matches!(refused, Err(LibraryError::ReadOnly(_))),
            "{refused:?}"
        );
        // A modified client edits anyway; the writer must not take it.
        c.library()
            .edit_as_hostile_peer(
                &doc,
                &Op::SetProse {
                    field: ProseField::Title,
                    text: "Hijacked".into(),
                },
            )
            .await
            .unwrap();
        let _ = c.sync(&doc, Duration::from_secs(3)).await;
        // Updates still flow to the reader.
        a.library()
            .edit(
                &doc,
                &Op::SetProse {
                    field: ProseField::Purpose,
                    text: "From the writer".into(),
                },
            )
            .await
            .unwrap();
        let _ = a.sync(&doc, Duration::from_secs(3)).await;
        let _ = c.sync(&doc, Duration::from_secs(3)).await;
        let on_a = a.library().charter(&doc).await.unwrap();
        assert_eq!(
            on_a.meta.title.as_str(),
            "Read-only CoP",
            "the read-only edit never appears on the writer"
        );
        let on_c = c.library().charter(&doc).await.unwrap();
        assert_eq!(
            on_c.purpose.text.as_str(),
            "From the writer",
            "the reader still receives updates"
        );
        c.shutdown().await.unwrap();
        a.shutdown().await.unwrap();
    });
}

#[test]
fn a_device_that_knows_it_was_revoked_is_told_so_when_it_edits() {
    let dir = tempfile::tempdir().unwrap();
    runtime().block_on(async {
        let library = guild_tests::open_library(dir.path(), guild_sync::LibraryOptions::one_shot())
            .await
            .unwrap();
        let doc = library.create("Revocable CoP", true).await.unwrap();
        let me = library.endpoint_id();
        // Its revocation, as it would arrive from a peer.
        let revoke = Op::RevokeDevice {
            endpoint: me.clone(),
        };
        library.edit(&doc, &revoke).await.unwrap();
        let vision = Op::SetProse {
            field: ProseField::Vision,
            text: "Kept where no peer will take it".into(),
        };
        let refused = library.edit(&doc, &vision).await;
        assert!(
            matches!(&refused, Err(LibraryError::Revoked(id)) if *id == doc),
            "{refused:?}"
        );
        let charter = library.charter(&doc).await.unwrap();
        assert_eq!(charter.vision.statement.as_str(), "", "nothing changed");
        library.close().await.unwrap();
    });
}

#[test]
fn a_revoked_device_is_refused_afterwards() {
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    runtime().block_on(async {
        let a = start_node(a_dir.path()).await;
        let b = start_node(b_dir.path()).await;
        let doc = a.library().create("Revocable CoP", true).await.unwrap();
        let ticket = a.share(&doc, AccessLevel::ReadWrite).await.unwrap();
        b.join(&ticket, T).await.unwrap();
        let b_id = b.library().endpoint_id();

        a.library()
            .edit(
                &doc,
                &Op::RevokeDevice {
                    endpoint: b_id.clone(),
                },
            )
            .await
            .unwrap();
        a.disconnect(&b_id);
        b.shutdown().await.unwrap();
        drop(b);

        // B comes back, edits anyway (a modified client), and tries to
        // sync: every attempt is refused.
        let b = start_node(b_dir.path()).await;
        edit_after_revocation(&b, &doc).await;
        let status = b.sync(&doc, Duration::from_secs(3)).await.unwrap();
        assert!(
            status.peers.iter().all(|p| !p.connected),
            "no peer accepts B: {status:?}"
        );
        assert_ne!(
            a.library()
                .charter(&doc)
                .await
                .unwrap()
                .purpose
                .text
                .as_str(),
            AFTER_REVOCATION
        );
        // Re-using the old invite does not bring it back either.
        let err = b.join(&ticket, Duration::from_secs(5)).await.unwrap_err();
        assert!(err.to_string().contains("revoked"), "{err}");
        b.shutdown().await.unwrap();
        a.shutdown().await.unwrap();
    });
}

/// The revoked device's edit, which no other device may receive: made
/// without the access check, as a modified client would (Guild itself
/// refuses it once it has heard of the revocation).
async fn edit_after_revocation(node: &guild_sync::net::node::Node, doc: &str) {
    node.library()
        .edit_as_hostile_peer(
            doc,
            &Op::SetProse {
                field: ProseField::Purpose,
                text: AFTER_REVOCATION.into(),
            },
        )
        .await
        .unwrap();
}

const AFTER_REVOCATION: &str = "After revocation";

/// Waits until `cond` holds, for at most `T`; says whether it did.
async fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + T;
    while tokio::time::Instant::now() < deadline {
        if cond() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    cond()
}

#[test]
fn a_revocation_ends_live_connections_both_ways_without_anyone_hanging_up() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    runtime().block_on(async {
        let a = start_node(dirs[0].path()).await;
        let b = start_node(dirs[1].path()).await;
        let c = start_node(dirs[2].path()).await;
        let doc = a.library().create("Revocable CoP", true).await.unwrap();
        let ticket = a.share(&doc, AccessLevel::ReadWrite).await.unwrap();
        b.join(&ticket, T).await.unwrap();
        c.join(&ticket, T).await.unwrap();
        let b_id = b.library().endpoint_id();
        // C dials B, so B's connections are one it dialled (to A, from
        // the join) and one it accepted (from C).
        c.remember_peer(&b_id, b.ip_addrs());
        c.sync(&doc, T).await.unwrap();
        assert!(
            eventually(|| a.is_connected_to(&b_id) && c.is_connected_to(&b_id)).await,
            "B is connected to A and C before the revocation"
        );

        a.library()
            .edit(
                &doc,
                &Op::RevokeDevice {
                    endpoint: b_id.clone(),
                },
            )
            .await
            .unwrap();
        assert!(
            eventually(|| !a.is_connected_to(&b_id) && !c.is_connected_to(&b_id)).await,
            "A and C end their connections to B by themselves"
        );

        // B edits; nothing it sends lands, and nobody re-dials it.
        edit_after_revocation(&b, &doc).await;
        let _ = b.sync(&doc, Duration::from_secs(2)).await.unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
        for (name, node) in [("A", &a), ("C", &c)] {
            assert!(!node.is_connected_to(&b_id), "{name} stays cut off from B");
            let purpose = node.library().charter(&doc).await.unwrap().purpose.text;
            assert_ne!(purpose.as_str(), AFTER_REVOCATION, "{name} got B's edit");
        }
        for node in [b, c, a] {
            node.shutdown().await.unwrap();
        }
    });
}
