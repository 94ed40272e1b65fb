//! Invites: expiry, closing (deleted for older readers, recorded for this
//! one's message), workshop invites, how many joined with each — counted
//! right when devices are admitted concurrently — and charters written
//! before these fields existed.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use automerge::transaction::Transactable as _;
use automerge::{ActorId, Automerge, ObjType, ROOT, ReadDoc as _};
use guild_model::{Access, AccessLevel, InviteState, Op, apply, new_charter};

fn open(doc: &mut Automerge, hash: &str, expires_at: Option<i64>, workshop: bool) {
    apply(
        doc,
        &Op::OpenInvite {
            secret_hash: hash.into(),
            access: AccessLevel::ReadWrite,
            created_by: "host".into(),
            expires_at,
            workshop,
        },
        100,
    )
    .unwrap();
}

fn admit(doc: &mut Automerge, endpoint: &str, invite: Option<&str>) {
    apply(
        doc,
        &Op::AdmitDevice {
            endpoint: endpoint.into(),
            access: AccessLevel::ReadWrite,
            label: endpoint.into(),
            actor: None,
            admitted_by: "host".into(),
            invite: invite.map(str::to_owned),
        },
        110,
    )
    .unwrap();
}

#[test]
fn an_invite_admits_until_it_expires() {
    let mut doc = new_charter("Data CoP", 100).unwrap();
    open(&mut doc, "h1", Some(200), true);
    open(&mut doc, "h2", None, false);
    let access = Access::from_doc(&doc);
    let invite = &access.invites["h1"];
    assert_eq!(invite.expires_at, Some(200));
    assert!(invite.workshop);
    assert!(matches!(
        access.invite_state("h1", 199),
        InviteState::Open(_)
    ));
    assert_eq!(access.invite_state("h1", 200), InviteState::Expired);
    assert!(matches!(
        access.invite_state("h2", i64::MAX),
        InviteState::Open(_)
    ));
    assert_eq!(access.invite_state("nope", 0), InviteState::Unknown);
    let open: Vec<&String> = access.open_invites(250).map(|(h, _)| h).collect();
    assert_eq!(open, ["h2"]);
}

#[test]
fn a_closed_invite_is_gone_for_older_readers_and_says_closed() {
    let mut doc = new_charter("Data CoP", 100).unwrap();
    open(&mut doc, "h1", None, false);
    apply(
        &mut doc,
        &Op::CloseInvite {
            secret_hash: "h1".into(),
        },
        150,
    )
    .unwrap();
    let access = Access::from_doc(&doc);
    assert!(access.invites.is_empty(), "an older Guild reads only this");
    assert_eq!(access.closed.get("h1"), Some(&150));
    assert_eq!(access.invite_state("h1", 160), InviteState::Closed);
    // Closing what is not open is one clear error.
    let err = apply(
        &mut doc,
        &Op::CloseInvite {
            secret_hash: "h1".into(),
        },
        170,
    )
    .unwrap_err();
    assert!(err.to_string().contains("no open invite"), "{err}");
}

#[test]
fn concurrent_admissions_with_one_invite_all_count() {
    let mut a = new_charter("Data CoP", 100).unwrap();
    open(&mut a, "h1", None, true);
    open(&mut a, "h2", None, false);
    let mut b = a.fork().with_actor(ActorId::random());
    admit(&mut a, "d1", Some("h1"));
    admit(&mut b, "d2", Some("h1"));
    admit(&mut b, "d3", Some("h2"));
    admit(&mut b, "d4", None);
    a.merge(&mut b).unwrap();
    let access = Access::from_doc(&a);
    assert_eq!(access.joined_with("h1"), 2);
    assert_eq!(access.joined_with("h2"), 1);
    assert_eq!(access.devices["d1"].invite.as_deref(), Some("h1"));
}

#[test]
fn concurrent_closes_of_different_invites_are_both_recorded() {
    let mut a = new_charter("Data CoP", 100).unwrap();
    open(&mut a, "h1", None, false);
    open(&mut a, "h2", None, false);
    let mut b = a.fork().with_actor(ActorId::random());
    for (doc, hash) in [(&mut a, "h1"), (&mut b, "h2")] {
        apply(
            doc,
            &Op::CloseInvite {
                secret_hash: hash.into(),
            },
            150,
        )
        .unwrap();
    }
    a.merge(&mut b).unwrap();
    let access = Access::from_doc(&a);
    assert!(access.invites.is_empty());
    assert_eq!(access.invite_state("h1", 160), InviteState::Closed);
    assert_eq!(access.invite_state("h2", 160), InviteState::Closed);
}

#[test]
fn an_access_list_written_before_expiry_and_counts_reads() {
    // As an earlier Guild wrote it: no `closed`, no `expires_at`,
    // `workshop` or `invite`.
    let mut doc = Automerge::new();
    let mut tx = doc.transaction();
    let access = tx.put_object(ROOT, "access", ObjType::Map).unwrap();
    let invites = tx.put_object(&access, "invites", ObjType::Map).unwrap();
    let invite = tx.put_object(&invites, "h1", ObjType::Map).unwrap();
    tx.put(&invite, "access", "read_only").unwrap();
    tx.put(&invite, "created_by", "host").unwrap();
    tx.put(&invite, "created_at", 100_i64).unwrap();
    let devices = tx.put_object(&access, "devices", ObjType::Map).unwrap();
    let device = tx.put_object(&devices, "d1", ObjType::Map).unwrap();
    tx.put(&device, "access", "read_write").unwrap();
    tx.put(&device, "label", "laptop").unwrap();
    tx.put(&device, "actor", automerge::ScalarValue::Null)
        .unwrap();
    tx.put(&device, "admitted_by", "").unwrap();
    tx.put(&device, "admitted_at", 100_i64).unwrap();
    tx.put_object(&access, "revoked", ObjType::Map).unwrap();
    tx.commit();
    assert!(doc.get(ROOT, "access").unwrap().is_some());

    let read: Access = autosurgeon::hydrate_prop(&doc, ROOT, "access").unwrap();
    let invite = &read.invites["h1"];
    assert_eq!(invite.access, AccessLevel::ReadOnly);
    assert_eq!(invite.expires_at, None);
    assert!(!invite.workshop);
    assert_eq!(read.devices["d1"].invite, None);
    assert!(read.closed.is_empty());
    assert!(matches!(
        read.invite_state("h1", 1000),
        InviteState::Open(_)
    ));
}

#[test]
fn one_devices_level_read_alone_agrees_with_the_whole_list() {
    let mut doc = new_charter("Access", 100).unwrap();
    let mut readonly = doc.fork();
    apply(
        &mut readonly,
        &Op::AdmitDevice {
            endpoint: "reader".into(),
            access: AccessLevel::ReadOnly,
            label: "reader".into(),
            actor: None,
            admitted_by: "host".into(),
            invite: None,
        },
        105,
    )
    .unwrap();
    doc.merge(&mut readonly).unwrap();
    admit(&mut doc, "writer", None);
    admit(&mut doc, "gone", None);
    apply(
        &mut doc,
        &Op::RevokeDevice {
            endpoint: "gone".into(),
        },
        120,
    )
    .unwrap();
    // A list an older or broken client wrote: a device entry of the wrong shape.
    let mut odd = doc.fork();
    let access = odd.get(ROOT, "access").unwrap().unwrap().1;
    let devices = odd.get(&access, "devices").unwrap().unwrap().1;
    let mut tx = odd.transaction();
    tx.put(&devices, "odd", "not a device").unwrap();
    tx.commit();
    let whole = Access::from_doc(&doc);
    for endpoint in ["reader", "writer", "gone", "stranger", "host"] {
        assert_eq!(
            Access::level_in(&doc, endpoint),
            whole.level_of(endpoint),
            "{endpoint}"
        );
        assert_eq!(
            Access::level_in(&odd, endpoint),
            Access::from_doc(&odd).level_of(endpoint),
            "{endpoint}, next to a malformed entry"
        );
        assert_eq!(
            Access::revoked_in(&doc, endpoint),
            whole.revoked.contains_key(endpoint),
            "{endpoint}"
        );
        // A malformed device entry leaves the revoked list readable.
        assert_eq!(
            Access::revoked_in(&odd, endpoint),
            whole.revoked.contains_key(endpoint),
            "{endpoint}, next to a malformed entry"
        );
    }
    assert!(Access::revoked_in(&doc, "gone"));
    assert!(!Access::revoked_in(&doc, "writer"));
    assert_eq!(
        Access::level_in(&doc, "reader"),
        Some(AccessLevel::ReadOnly)
    );
    assert_eq!(
        Access::level_in(&doc, "writer"),
        Some(AccessLevel::ReadWrite)
    );
    assert_eq!(Access::level_in(&doc, "gone"), None);
}
