//! The share and workshop dialogs: a ticket is only ever shown for the
//! access chosen now and says what it grants; open invites are listed and
//! closed; a workshop can be stopped, which closes its invites.

use egui_kittest::kittest::Queryable;
use guild_model::AccessLevel;
use guild_sync::net::ticket::InviteTicket;

use super::{charter, click, harness, open_charter, shows, type_into, wait_for};

fn shown_ticket(harness: &egui_kittest::Harness<'_, super::GuildApp>) -> InviteTicket {
    harness
        .get_by_label("Invite ticket")
        .value()
        .expect("the ticket text")
        .parse()
        .expect("the shown ticket parses")
}

#[test]
fn switching_to_read_only_hides_the_read_write_ticket_and_the_new_one_says_what_it_grants() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    make_invite(&mut harness);
    assert_eq!(shown_ticket(&harness).access, AccessLevel::ReadWrite);
    shows(&harness, "This invite lets people edit");
    shows(&harness, "Invite QR code");

    click(&mut harness, "Read only");
    for gone in [
        "Invite ticket",
        "Invite QR code",
        "This invite lets people edit",
    ] {
        assert!(
            harness.query_by_label(gone).is_none(),
            "{gone:?} is still shown after choosing Read only"
        );
    }

    click(&mut harness, "Make an invite");
    wait_for(&mut harness, "the read-only ticket", |vm| {
        vm.ticket
            .as_deref()
            .and_then(|t| t.parse::<InviteTicket>().ok())
            .is_some_and(|t| t.access == AccessLevel::ReadOnly)
    });
    assert_eq!(shown_ticket(&harness).access, AccessLevel::ReadOnly);
    shows(&harness, "This invite lets people read only");

    // Back to "Can edit": the read-only ticket goes too.
    click(&mut harness, "Can edit");
    assert!(harness.query_by_label("Invite ticket").is_none());
}

#[test]
fn copying_the_ticket_says_copied() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    make_invite(&mut harness);
    assert!(harness.query_by_label_contains("Copied").is_none());
    click(&mut harness, "📋 Copy ticket");
    assert!(
        harness.query_by_label_contains("Copied").is_some(),
        "copying the ticket gave no sign"
    );
}

#[test]
fn a_workshop_can_be_stopped_and_its_dialog_fits_a_laptop_screen() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = super::harness(dir.path(), true);
    harness.set_size(egui::vec2(1366.0, 768.0));
    open_charter(&mut harness);
    click(&mut harness, "Host a workshop");
    click(&mut harness, "Start the workshop");
    wait_for(&mut harness, "the workshop", |vm| {
        vm.hosting.is_some() && vm.ticket.is_some()
    });
    // The dialog grows to its new size over a few frames.
    harness.run_steps(10);
    click(
        &mut harness,
        "Ticket and QR code (for people on another network)",
    );
    harness.run_steps(10);
    // The stop button sits below the big QR code: on a 768-point screen it
    // is only there if the dialog scrolls.
    let stop = harness.get_by_label("Stop the workshop").rect();
    assert!(
        stop.max.y <= 768.0,
        "the workshop dialog runs off the screen: Stop at {stop:?}"
    );
    click(&mut harness, "Stop the workshop");
    // The node itself stops hosting, not just the window.
    wait_for(&mut harness, "the workshop over", |vm| vm.hosting.is_none());
    assert!(harness.query_by_label("Invite QR code").is_none());
    assert!(harness.query_by_label("Workshop on…").is_none());
    shows(&harness, "Host a workshop");
}

#[test]
fn the_share_dialog_lists_an_open_invite_and_closes_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    click(&mut harness, "Share…");
    click(&mut harness, "1 day");
    make_invite(&mut harness);
    let hash = shown_ticket(&harness).secret_hash();
    wait_for(&mut harness, "the invite in the view", |vm| {
        vm.open
            .as_ref()
            .is_some_and(|o| o.view.charter.access.invites.contains_key(&hash))
    });
    let invite = &charter(&harness).access.invites[&hash];
    assert!(invite.expires_at.is_some(), "“1 day” gave it an expiry");
    assert!(!invite.workshop);
    assert!(
        harness
            .query_by_label_contains("can edit · by this device · expires in ")
            .is_some(),
        "the open invite is listed with its expiry"
    );
    shows(&harness, "Open invites");

    // The list grows the dialog over a few frames, moving the button.
    harness.run_steps(10);
    // It sits below the ticket and its QR code: scrolled to, as a person would.
    harness.get_by_label("Close invite").scroll_to_me();
    harness.run_steps(5);
    click(&mut harness, "Close invite");
    wait_for(&mut harness, "the invite closed", |vm| {
        vm.open
            .as_ref()
            .is_some_and(|o| o.view.charter.access.closed.contains_key(&hash))
    });
    assert!(charter(&harness).access.invites.is_empty());
    for gone in ["Close invite", "Open invites", "Invite ticket"] {
        assert!(
            harness.query_by_label(gone).is_none(),
            "{gone:?} is still shown after closing the only invite"
        );
    }
}

#[test]
fn stopping_the_workshop_closes_its_invites() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = super::harness(dir.path(), true);
    open_charter(&mut harness);
    // An invite made outside the workshop outlives it.
    make_invite(&mut harness);
    let plain = shown_ticket(&harness).secret_hash();
    click(&mut harness, "Close window");
    click(&mut harness, "Host a workshop");
    click(&mut harness, "Start the workshop");
    wait_for(&mut harness, "the workshop's ticket", |vm| {
        vm.ticket
            .as_deref()
            .and_then(|t| t.parse::<InviteTicket>().ok())
            .is_some_and(|t| t.secret_hash() != plain)
    });
    click(
        &mut harness,
        "Ticket and QR code (for people on another network)",
    );
    let workshop = shown_ticket(&harness).secret_hash();
    wait_for(&mut harness, "the workshop's invite in the view", |vm| {
        vm.open
            .as_ref()
            .is_some_and(|o| o.view.charter.access.invites.contains_key(&workshop))
    });
    let invite = &charter(&harness).access.invites[&workshop];
    assert!(invite.workshop);
    assert!(
        invite.expires_at.is_some(),
        "a workshop's invite closes at the latest after its limit"
    );
    // The opened ticket grows the dialog over a few frames.
    harness.run_steps(10);
    click(&mut harness, "Stop the workshop");
    wait_for(&mut harness, "the workshop's invite closed", |vm| {
        vm.hosting.is_none()
            && vm
                .open
                .as_ref()
                .is_some_and(|o| o.view.charter.access.closed.contains_key(&workshop))
    });
    let access = charter(&harness).access;
    assert!(
        access.invites.contains_key(&plain),
        "the invite made outside the workshop stays open"
    );
    assert!(!access.invites.contains_key(&workshop));
}

#[test]
fn a_device_joining_with_a_closed_invite_is_told_it_was_closed() {
    let (ana_dir, ben_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut ana = harness(ana_dir.path(), true);
    open_charter(&mut ana);
    make_invite(&mut ana);
    let ticket = ana.state().view().ticket.clone().expect("a ticket");
    ana.get_by_label("Close invite").scroll_to_me();
    ana.run_steps(5);
    click(&mut ana, "Close invite");
    wait_for(&mut ana, "the invite closed", |vm| {
        vm.open
            .as_ref()
            .is_some_and(|o| o.view.charter.access.invites.is_empty())
    });

    let mut ben = harness(ben_dir.path(), true);
    wait_for(&mut ben, "the library", |vm| {
        vm.phase == super::super::view_model::Phase::Ready
    });
    click(&mut ben, "Join with a ticket…");
    super::type_into(&mut ben, "Ticket", &ticket);
    click(&mut ben, "Join");
    wait_for(&mut ben, "the refusal", |vm| {
        matches!(vm.join, super::super::view_model::JoinState::Failed(_))
    });
    shows(
        &ben,
        "Could not join: this invite was closed; ask for a new one",
    );
}

/// Opens the Share dialog (if it is not open) and makes an invite with the
/// access chosen.
pub(crate) fn make_invite(harness: &mut egui_kittest::Harness<'_, super::GuildApp>) {
    if harness.query_by_label("Make an invite").is_none() {
        click(harness, "Share…");
    }
    click(harness, "Make an invite");
    wait_for(harness, "the ticket", |vm| vm.ticket.is_some());
}

#[test]
fn the_share_dialog_remembers_the_charters_relay_and_refuses_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    click(&mut harness, "Share…");
    harness.run_steps(10);
    harness.get_by_label("Use this relay").scroll_to_me();
    harness.run_steps(5);
    shows(
        &harness,
        "Guild reaches peers directly only (same network, or an address they can dial).",
    );
    type_into(&mut harness, "Relay", "not a relay");
    click(&mut harness, "Use this relay");
    wait_for(&mut harness, "the refusal", |vm| {
        vm.toasts.iter().any(|t| t.error)
    });
    assert!(harness.state().view().relay_for_open.is_none());

    let url = "http://relay.example.org:3340/";
    type_into(&mut harness, "Relay", url);
    click(&mut harness, "Use this relay");
    wait_for(&mut harness, "the relay remembered", |vm| {
        vm.relay_for_open.as_deref() == Some(url)
    });
    let saved = std::fs::read_to_string(dir.path().join("relays.json")).unwrap();
    assert!(saved.contains(url), "{saved}");
    harness.run_steps(3);
    shows(
        &harness,
        &format!("This charter's relay, from Guild's next start: {url}"),
    );
    click(&mut harness, "No relay");
    wait_for(&mut harness, "the relay forgotten", |vm| {
        vm.relay_for_open.is_none()
    });
}

#[test]
fn a_ticket_through_a_relay_this_window_does_not_run_says_to_start_again() {
    let (ana_dir, ben_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut ana = harness(ana_dir.path(), true);
    open_charter(&mut ana);
    make_invite(&mut ana);
    let url = "http://relay.example.org:3340/";
    let ticket = shown_ticket(&ana).with_relay(Some(url.to_owned()));
    let mut ben = harness(ben_dir.path(), true);
    wait_for(&mut ben, "the library", |vm| {
        vm.phase == super::super::view_model::Phase::Ready
    });
    click(&mut ben, "Join with a ticket…");
    type_into(&mut ben, "Ticket", &ticket.to_string());
    // The long ticket grows the dialog over a few frames, moving the button.
    ben.run_steps(10);
    click(&mut ben, "Join");
    let start = std::time::Instant::now();
    let join = loop {
        ben.step();
        let join = ben.state().view().join.clone();
        if matches!(join, super::super::view_model::JoinState::Failed(_))
            || start.elapsed() > std::time::Duration::from_secs(20)
        {
            break join;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    assert!(
        matches!(&join, super::super::view_model::JoinState::Failed(why) if why.contains("next start")),
        "{join:?}"
    );
    let saved = std::fs::read_to_string(ben_dir.path().join("relays.json")).unwrap();
    assert!(
        saved.contains(url) && saved.contains(&ticket.doc),
        "{saved}"
    );
}
