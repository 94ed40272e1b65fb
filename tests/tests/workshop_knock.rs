//! Knocking on a workshop, between real nodes on loopback: the host's queue,
//! the admit-everyone switch, the join code (right, wrong, and a thousand
//! wrong ones from one device and from fifty), and a workshop that ended.
//! The LAN announcement itself is tested in network namespaces
//! (`app/tests/workshop_room.rs`); here knocks name the host directly.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use guild_model::{AccessLevel, Op, Position, new_id};
use guild_sync::net::node::{HostOptions, Hosted, Node};
use guild_sync::net::protocol::INVITE_CLOSED;
use guild_sync::net::workshop::desk::{Answer, MAX_TRIES_PER_DEVICE, MAX_WRONG_PER_WORKSHOP};
use guild_sync::net::workshop::knock::refusal;
use guild_sync::net::workshop::nearby::NearbyWorkshop;
use guild_sync::net::workshop::visitor::KnockProgress;
use guild_tests::{runtime, start_node};
use tokio::sync::watch;

const T: Duration = Duration::from_secs(20);

/// The host's workshop as a participant would find it on the LAN.
fn found(host: &Node, doc: &str) -> NearbyWorkshop {
    NearbyWorkshop {
        endpoint: host.library().endpoint_id(),
        doc: doc.to_owned(),
        title: "Room CoP".into(),
        host: "Ana".into(),
        addrs: host.ip_addrs(),
    }
}

/// The host A and two others, one per directory; A hosts a workshop on a
/// new charter (with a join code if `code`), found as the LAN would list it.
async fn hosted_room(
    dirs: &[tempfile::TempDir],
    code: bool,
) -> ([Node; 3], String, Hosted, NearbyWorkshop) {
    let nodes = [
        start_node(dirs[0].path()).await,
        start_node(dirs[1].path()).await,
        start_node(dirs[2].path()).await,
    ];
    let doc = nodes[0].library().create("Room CoP", true).await.unwrap();
    let hosted = nodes[0].host_workshop(&doc, hosting(code)).await.unwrap();
    let workshop = found(&nodes[0], &doc);
    (nodes, doc, hosted, workshop)
}

fn hosting(code: bool) -> HostOptions {
    HostOptions {
        host: "Ana".into(),
        code,
        access: AccessLevel::ReadWrite,
        expires: Some(Duration::from_hours(3)),
        announce: false,
    }
}

fn progress() -> watch::Sender<KnockProgress> {
    watch::channel(KnockProgress::Knocking).0
}

async fn level_on_host(host: &Node, doc: &str, who: &Node) -> Option<AccessLevel> {
    host.library()
        .access(doc)
        .await
        .unwrap()
        .level_of(&who.library().endpoint_id())
}

/// Waits until `who` knocks on `host`'s workshop; returns the knock's number.
async fn knock_arrives(host: &Node, name: &str) -> u64 {
    let deadline = Instant::now() + T;
    loop {
        if let Some(k) = host
            .hosted_workshop()
            .and_then(|w| w.knocks.into_iter().find(|k| k.name == name))
        {
            return k.id;
        }
        assert!(Instant::now() < deadline, "{name}'s knock never arrived");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[test]
fn a_knock_waits_until_the_host_lets_it_in_or_turns_it_away() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    runtime().block_on(async {
        let ([a, b, c], doc, _, workshop) = hosted_room(&dirs, false).await;

        let ben_progress = progress();
        let mut ben_sees = ben_progress.subscribe();
        let ben = b.knock(&workshop, "Ben Okafor", None, &ben_progress, T);
        let host_side = async {
            let id = knock_arrives(&a, "Ben Okafor").await;
            let knocks = a.hosted_workshop().unwrap().knocks;
            assert_eq!(knocks.len(), 1);
            assert_eq!(knocks[0].endpoint, b.library().endpoint_id());
            // Nothing is let in before the host says so.
            assert_eq!(level_on_host(&a, &doc, &b).await, None);
            assert!(a.answer_knock(id, Answer::Admit(AccessLevel::ReadOnly)));
        };
        let (joined, ()) = tokio::join!(ben, host_side);
        assert_eq!(joined.unwrap(), doc);
        assert_eq!(
            *ben_sees.borrow_and_update(),
            KnockProgress::Admitted(AccessLevel::ReadOnly)
        );
        assert_eq!(
            b.library().charter(&doc).await.unwrap().meta.title.as_str(),
            "Room CoP",
            "the charter arrived"
        );
        assert_eq!(
            level_on_host(&a, &doc, &b).await,
            Some(AccessLevel::ReadOnly)
        );
        assert!(a.hosted_workshop().unwrap().knocks.is_empty());

        let cleo_progress = progress();
        let cleo = c.knock(&workshop, "Cleo", None, &cleo_progress, T);
        let refuse = async {
            let id = knock_arrives(&a, "Cleo").await;
            assert!(a.answer_knock(id, Answer::Refuse));
        };
        let (refused, ()) = tokio::join!(cleo, refuse);
        assert_eq!(refused.unwrap_err().to_string(), refusal::DECLINED);
        assert_eq!(level_on_host(&a, &doc, &c).await, None);
        assert!(c.library().document_ids().unwrap().is_empty());
        for node in [a, b, c] {
            node.shutdown().await.unwrap();
        }
    });
}

#[test]
fn the_switch_lets_in_who_waits_and_who_knocks_next() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    runtime().block_on(async {
        let ([a, b, c], doc, _, workshop) = hosted_room(&dirs, false).await;
        let ben_progress = progress();
        let waiting = b.knock(&workshop, "Ben", None, &ben_progress, T);
        let switch = async {
            knock_arrives(&a, "Ben").await;
            a.admit_everyone(Some((AccessLevel::ReadWrite, Duration::from_mins(10))))
                .unwrap();
        };
        let (joined, ()) = tokio::join!(waiting, switch);
        assert_eq!(joined.unwrap(), doc);
        // Later knocks go straight in: no answer is ever given.
        assert_eq!(
            c.knock(&workshop, "Cleo", None, &progress(), T)
                .await
                .unwrap(),
            doc
        );
        for who in [&b, &c] {
            assert_eq!(
                level_on_host(&a, &doc, who).await,
                Some(AccessLevel::ReadWrite)
            );
        }
        for node in [a, b, c] {
            node.shutdown().await.unwrap();
        }
    });
}

#[test]
fn the_join_code_lets_in_without_a_click_and_a_wrong_one_does_not() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    runtime().block_on(async {
        let ([a, b, c], doc, hosted, workshop) = hosted_room(&dirs, true).await;
        let code = hosted.code.unwrap();
        let typed = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(
            b.knock(&workshop, "Ben", Some(&typed), &progress(), T)
                .await
                .unwrap(),
            doc
        );
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let err = c
            .knock(&workshop, "Cleo", Some(wrong), &progress(), T)
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), refusal::WRONG_CODE);
        assert_eq!(
            level_on_host(&a, &doc, &b).await,
            Some(AccessLevel::ReadWrite)
        );
        assert_eq!(level_on_host(&a, &doc, &c).await, None);
        assert_eq!(a.hosted_workshop().unwrap().wrong_codes, 1);
        for node in [a, b, c] {
            node.shutdown().await.unwrap();
        }
    });
}

#[test]
fn an_ended_workshop_turns_away_knocks_codes_and_its_ticket() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    runtime().block_on(async {
        let ([a, b, c], doc, hosted, workshop) = hosted_room(&dirs, true).await;
        let code = hosted.code.clone().unwrap();
        b.knock(&workshop, "Ben", Some(&code), &progress(), T)
            .await
            .unwrap();
        assert_eq!(a.end_workshop().await.unwrap(), 1, "its invite closed");
        assert!(a.hosted_workshop().is_none());
        for code in [Some(code.as_str()), None] {
            let err = c
                .knock(&workshop, "Cleo", code, &progress(), T)
                .await
                .unwrap_err();
            assert_eq!(err.to_string(), refusal::ENDED);
        }
        let err = c.join(&hosted.ticket, T).await.unwrap_err();
        assert_eq!(err.to_string(), INVITE_CLOSED);
        assert_eq!(level_on_host(&a, &doc, &c).await, None);
        assert_eq!(
            level_on_host(&a, &doc, &b).await,
            Some(AccessLevel::ReadWrite),
            "who joined stays"
        );
        for node in [a, b, c] {
            node.shutdown().await.unwrap();
        }
    });
}

/// How long an edit on `from` takes to reach `to`, `n` times; (p50, max).
async fn edit_to_peer(from: &Node, to: &Node, doc: &str, n: usize) -> (Duration, Duration) {
    let mut times = Vec::new();
    for i in 0..n {
        let op = Op::AddCard {
            id: new_id(),
            cell: guild_model::Cell::MembersShortTerm,
            text: format!("card {i}"),
            position: Position::End,
        };
        let started = Instant::now();
        let head = from.library().edit(doc, &op).await.unwrap().unwrap();
        while !to.library().heads(doc).await.unwrap().contains(&head) {
            assert!(started.elapsed() < T, "an edit never reached the peer");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        times.push(started.elapsed());
    }
    times.sort();
    (times[n / 2], times[n - 1])
}

#[test]
fn a_thousand_wrong_codes_admit_nobody_and_the_host_keeps_syncing() {
    const GUESSERS: usize = 50;
    const TRIES: usize = 1000;
    let dirs: Vec<_> = (0..GUESSERS + 4)
        .map(|_| tempfile::tempdir().unwrap())
        .collect();
    runtime().block_on(async {
        let a = start_node(dirs[0].path()).await;
        let b = start_node(dirs[1].path()).await;
        let doc = a.library().create("Room CoP", true).await.unwrap();
        let code = a.host_workshop(&doc, hosting(true)).await.unwrap().code.unwrap();
        let workshop = found(&a, &doc);
        b.knock(&workshop, "Ben", Some(&code), &progress(), T)
            .await
            .unwrap();
        let devices_before = a.library().access(&doc).await.unwrap().devices.len();
        let before = edit_to_peer(&a, &b, &doc, 20).await;
        let wrong = |i: usize| {
            let guess = format!("{:06}", (i * 7919) % 1_000_000);
            if guess == code { "999999x".to_owned() } else { guess }
        };

        // One device, a thousand guesses.
        let one = start_node(dirs[2].path()).await;
        let storm = async {
            let mut refusals = std::collections::BTreeMap::<String, usize>::new();
            for i in 0..TRIES {
                let err = one
                    .knock(&workshop, "Guesser", Some(&wrong(i)), &progress(), T)
                    .await
                    .unwrap_err();
                *refusals.entry(err.to_string()).or_default() += 1;
            }
            refusals
        };
        let (from_one, during_one) = tokio::join!(storm, edit_to_peer(&a, &b, &doc, 20));
        assert_eq!(from_one.values().sum::<usize>(), TRIES);
        assert_eq!(
            from_one.get(refusal::WRONG_CODE).copied(),
            Some(MAX_TRIES_PER_DEVICE as usize)
        );
        assert_eq!(
            from_one.get(refusal::DEVICE_TRIES).copied(),
            Some(TRIES - MAX_TRIES_PER_DEVICE as usize)
        );

        // Fifty devices, twenty guesses each, all at once.
        let mut guessers = Vec::new();
        for dir in &dirs[3..GUESSERS + 3] {
            guessers.push(start_node(dir.path()).await);
        }
        let storm = futures::future::join_all(guessers.iter().enumerate().map(|(g, node)| {
            let workshop = workshop.clone();
            let wrong = &wrong;
            async move {
                let mut said = Vec::new();
                for i in 0..TRIES / GUESSERS {
                    let guess = wrong(TRIES + g * 100 + i);
                    let err = node
                        .knock(&workshop, "Guesser", Some(&guess), &progress(), T)
                        .await
                        .unwrap_err();
                    said.push(err.to_string());
                }
                said
            }
        }));
        let (from_many, during_many) = tokio::join!(storm, edit_to_peer(&a, &b, &doc, 20));
        let from_many: Vec<String> = from_many.into_iter().flatten().collect();
        assert_eq!(from_many.len(), TRIES);
        assert!(
            from_many.iter().all(|e| [
                refusal::WRONG_CODE,
                refusal::DEVICE_TRIES,
                refusal::CODE_LOCKED
            ]
            .contains(&e.as_str())),
            "every guess is refused, with a reason"
        );
        let hosted = a.hosted_workshop().unwrap();
        assert!(hosted.code_locked, "the code turned itself off");
        assert_eq!(hosted.wrong_codes, MAX_WRONG_PER_WORKSHOP);
        // Even the right code now gets the same answer: nothing is learnt.
        let late = start_node(dirs[GUESSERS + 3].path()).await;
        let err = guessers[0]
            .knock(&workshop, "Guesser", Some(&code), &progress(), T)
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), refusal::CODE_LOCKED);
        let err = late
            .knock(&workshop, "Late", Some(&code), &progress(), T)
            .await
            .unwrap_err();
        assert_eq!(err.to_string(), refusal::CODE_LOCKED);
        let access = a.library().access(&doc).await.unwrap();
        assert_eq!(access.devices.len(), devices_before, "nobody got in");
        println!(
            "edit → peer while guessing (p50 / max): before {:?} / {:?}; 1,000 from one device {:?} / {:?}; 1,000 from {GUESSERS} devices {:?} / {:?}",
            before.0, before.1, during_one.0, during_one.1, during_many.0, during_many.1
        );
        for node in guessers.into_iter().chain([a, b, one, late]) {
            node.shutdown().await.unwrap();
        }
    });
}
