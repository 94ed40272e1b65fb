//! Letting a room in, driven by labels: Ana starts a workshop with a join
//! code; Ben knocks without it and waits in Ana's queue until she clicks
//! "Admit"; Cleo's knock with the code on the projector needs no click.
//! The windows' nodes listen on loopback only, so nothing is announced on a
//! real network: Ben's and Cleo's knocks name Ana's device as the Join
//! dialog's list would (the list itself is tested in namespaces).

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use guild_sync::net::ticket::InviteTicket;
use guild_sync::net::workshop::nearby::NearbyWorkshop;

use super::{GuildApp, UiCommand, click, harness, open_charter, open_id, shows, wait_for};

/// A participant's window, named `name`, on the library.
fn participant(dir: &std::path::Path, name: &str) -> Harness<'static, GuildApp> {
    std::fs::write(
        dir.join("profile.json"),
        format!(r#"{{"name":"{name}","color":[200,80,40]}}"#),
    )
    .unwrap();
    let mut window = harness(dir, false);
    wait_for(&mut window, "the library", |vm| {
        vm.phase == super::super::view_model::Phase::Ready
    });
    window
}

/// Ana's workshop as the Join dialog lists it.
fn found(ana: &Harness<'_, GuildApp>) -> NearbyWorkshop {
    let vm = ana.state().view();
    let ticket: InviteTicket = vm.ticket.as_deref().unwrap().parse().unwrap();
    let hosting = vm.hosting.as_ref().unwrap();
    NearbyWorkshop {
        endpoint: ticket.inviter.id.to_string(),
        doc: hosting.doc.clone(),
        title: hosting.title.clone(),
        host: hosting.host.clone(),
        addrs: ticket.inviter.ip_addrs().copied().collect(),
    }
}

/// Steps both windows until `done` holds for `window`'s view.
fn both_until(
    window: &mut Harness<'_, GuildApp>,
    other: &mut Harness<'_, GuildApp>,
    what: &str,
    done: impl Fn(&super::super::view_model::ViewModel) -> bool,
) {
    let start = Instant::now();
    loop {
        window.step();
        other.step();
        if done(&window.state().view()) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "not within 30 s: {what}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn the_host_admits_a_knock_from_the_queue_and_the_code_needs_no_click() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut ana = harness(dirs[0].path(), true);
    ana.set_size(egui::vec2(1366.0, 768.0));
    open_charter(&mut ana);
    let doc = open_id(&ana);
    click(&mut ana, "Host a workshop");
    click(
        &mut ana,
        "Show a join code: whoever types it gets in without a click",
    );
    click(&mut ana, "Start the workshop");
    wait_for(&mut ana, "the workshop", |vm| vm.hosting.is_some());
    let code = ana
        .state()
        .view()
        .hosting
        .as_ref()
        .unwrap()
        .code
        .clone()
        .unwrap();
    shows(&ana, &format!("Join code {code}"));
    shows(&ana, "Nobody is knocking.");
    let workshop = found(&ana);

    let mut ben = participant(dirs[1].path(), "Ben Okafor");
    click(&mut ben, "Join with a ticket…");
    ben.state().command(UiCommand::Knock {
        workshop: workshop.clone(),
        code: None,
    });
    both_until(&mut ana, &mut ben, "Ben in Ana's queue", |vm| {
        vm.hosting.as_ref().is_some_and(|h| !h.knocks.is_empty())
    });
    ana.run_steps(3);
    let device: String = ben.state().view().endpoint.chars().take(4).collect();
    shows(&ana, &format!("Ben Okafor (device {device}…) asks to join"));
    shows(&ana, "Workshop on · 1 knocking");
    both_until(&mut ben, &mut ana, "Ben waiting", |vm| {
        matches!(
            vm.join,
            super::super::view_model::JoinState::Knocking { .. }
        )
    });
    ben.run_steps(2);
    assert!(
        ben.query_by_label_contains("Knocking on").is_some()
            || ben
                .query_by_label_contains("Waiting for Ana to let you in")
                .is_some(),
        "Ben sees his knock go"
    );
    click(&mut ana, "Admit Ben Okafor");
    both_until(&mut ben, &mut ana, "Ben on the charter", |vm| {
        vm.open.as_ref().is_some_and(|o| o.view.id == doc)
    });
    shows(&ana, "Nobody is knocking.");

    let mut cleo = participant(dirs[2].path(), "Cleo");
    cleo.state().command(UiCommand::Knock {
        workshop,
        code: Some(format!("{} {}", &code[..3], &code[3..])),
    });
    both_until(&mut cleo, &mut ana, "Cleo on the charter", |vm| {
        vm.open.as_ref().is_some_and(|o| o.view.id == doc)
    });
    let access = super::charter(&ana).access;
    for (who, window) in [("Ben", &ben), ("Cleo", &cleo)] {
        let endpoint = window.state().view().endpoint.clone();
        assert_eq!(
            access.level_of(&endpoint),
            Some(guild_model::AccessLevel::ReadWrite),
            "{who} was let in"
        );
    }
}
