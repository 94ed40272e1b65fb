//! The share and workshop dialogs: a ticket is only ever shown for the
//! access chosen now and says what it grants; a workshop can be stopped.

use egui_kittest::kittest::Queryable;
use guild_model::AccessLevel;
use guild_sync::net::ticket::InviteTicket;

use super::{click, harness, open_charter, shows, wait_for};

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
    wait_for(&mut harness, "LAN discovery", |vm| vm.lan);
    click(&mut harness, "Make an invite");
    wait_for(&mut harness, "the ticket", |vm| vm.ticket.is_some());
    // The dialog grows to its new size over a few frames.
    harness.run_steps(10);
    // The stop button sits below the big QR code: on a 768-point screen it
    // is only there if the dialog scrolls.
    let stop = harness.get_by_label("Stop the workshop").rect();
    assert!(
        stop.max.y <= 768.0,
        "the workshop dialog runs off the screen: Stop at {stop:?}"
    );
    click(&mut harness, "Stop the workshop");
    // The node itself stops announcing, not just the window.
    wait_for(&mut harness, "LAN discovery off", |vm| !vm.lan);
    assert!(harness.query_by_label("Invite QR code").is_none());
    assert!(harness.query_by_label("Workshop on…").is_none());
    shows(&harness, "Host a workshop");
}

/// Opens the Share dialog and makes an invite with the access chosen.
pub(crate) fn make_invite(harness: &mut egui_kittest::Harness<'_, super::GuildApp>) {
    click(harness, "Share…");
    click(harness, "Make an invite");
    wait_for(harness, "the ticket", |vm| vm.ticket.is_some());
}
