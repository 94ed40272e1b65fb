//! Invites that end, between real nodes on loopback: a device joins with a
//! ticket; once the invite is closed, expires or its workshop ends, the
//! next device presenting it hears why, and the first stays admitted.
//! Expiry is reached by moving the inviter's clock, not by waiting.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use guild_model::{AccessLevel, Op};
use guild_sync::net::node::{InviteOptions, Node};
use guild_sync::net::ticket::InviteTicket;
use guild_tests::{runtime, start_node};

const T: Duration = Duration::from_secs(20);

/// The inviter A and two joiners B and C, one per directory.
async fn three_nodes(dirs: &[tempfile::TempDir]) -> [Node; 3] {
    [
        start_node(dirs[0].path()).await,
        start_node(dirs[1].path()).await,
        start_node(dirs[2].path()).await,
    ]
}

async fn shut_down(nodes: [Node; 3]) {
    for node in nodes {
        node.shutdown().await.unwrap();
    }
}

/// A joins B with `ticket`; returns how many devices joined with it on A.
async fn joined_with(a: &Node, doc: &str, ticket: &InviteTicket) -> usize {
    a.library()
        .access(doc)
        .await
        .unwrap()
        .joined_with(&ticket.secret_hash())
}

/// B joins with `ticket`; C, presenting it afterwards, is refused with
/// `expected`, stores nothing and is not admitted; B stays admitted.
async fn second_join_refused(
    a: &Node,
    b: &Node,
    c: &Node,
    doc: &str,
    ticket: &InviteTicket,
    end: impl AsyncFnOnce(),
    expected: &str,
) {
    b.join(ticket, T).await.unwrap();
    assert_eq!(joined_with(a, doc, ticket).await, 1);
    end().await;
    let err = c.join(ticket, T).await.unwrap_err();
    assert_eq!(err.to_string(), expected, "the joiner hears why, as is");
    assert!(c.library().document_ids().unwrap().is_empty());
    let access = a.library().access(doc).await.unwrap();
    assert_eq!(access.level_of(&c.library().endpoint_id()), None);
    assert_eq!(
        access.level_of(&b.library().endpoint_id()),
        Some(AccessLevel::ReadWrite),
        "who joined stays admitted"
    );
    assert_eq!(access.joined_with(&ticket.secret_hash()), 1);
}

#[test]
fn a_closed_invite_admits_nobody_more_and_says_so() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    runtime().block_on(async {
        let [a, b, c] = three_nodes(&dirs).await;
        let doc = a.library().create("Closing CoP", true).await.unwrap();
        let ticket = a.share(&doc, AccessLevel::ReadWrite).await.unwrap();
        let close = async || {
            let op = Op::CloseInvite {
                secret_hash: ticket.secret_hash(),
            };
            a.library().edit(&doc, &op).await.unwrap();
        };
        second_join_refused(
            &a,
            &b,
            &c,
            &doc,
            &ticket,
            close,
            "this invite was closed; ask for a new one",
        )
        .await;
        // B, admitted, presenting its old ticket again is not hung up on.
        b.join(&ticket, T).await.unwrap();
        shut_down([c, b, a]).await;
    });
}

#[test]
fn an_expired_invite_admits_nobody_more_and_says_so() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    runtime().block_on(async {
        let [a, b, c] = three_nodes(&dirs).await;
        let doc = a.library().create("Expiring CoP", true).await.unwrap();
        let options = InviteOptions {
            access: AccessLevel::ReadWrite,
            expires: Some(Duration::from_hours(2)),
            workshop: false,
        };
        let ticket = a.share_with(&doc, options).await.unwrap();
        let expire = async || a.clock().advance(2 * 3600);
        second_join_refused(
            &a,
            &b,
            &c,
            &doc,
            &ticket,
            expire,
            "this invite has expired; ask for a new one",
        )
        .await;
        shut_down([c, b, a]).await;
    });
}

#[test]
fn ending_a_workshop_closes_its_invites_and_no_other() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    runtime().block_on(async {
        let [a, b, c] = three_nodes(&dirs).await;
        let doc = a.library().create("Workshop CoP", true).await.unwrap();
        let workshop = InviteOptions {
            access: AccessLevel::ReadWrite,
            expires: Some(Duration::from_hours(3)),
            workshop: true,
        };
        let ticket = a.share_with(&doc, workshop).await.unwrap();
        let plain = a.share(&doc, AccessLevel::ReadOnly).await.unwrap();
        let end = async || assert_eq!(a.end_workshop().await.unwrap(), 1);
        second_join_refused(
            &a,
            &b,
            &c,
            &doc,
            &ticket,
            end,
            "this invite was closed; ask for a new one",
        )
        .await;
        assert!(!a.lan(), "the announcement stopped");
        // The invite made outside the workshop still admits.
        c.join(&plain, T).await.unwrap();
        shut_down([c, b, a]).await;
    });
}
