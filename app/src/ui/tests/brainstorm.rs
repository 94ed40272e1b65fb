//! A silent brainstorm: notes written while it runs stay on their device —
//! not in the charter, not in any peer's copy — and appear everywhere when
//! the facilitator reveals. What each window's node sends is tapped
//! (`guild_sync::net::wire_tap`): the notes are checked on the wire too.

use guild_model::Phase;

use super::{click, go_to, on_charter, open_id, shows, type_into, wait_for};

fn has_note(vm: &super::ViewModel, text: &str) -> bool {
    on_charter(vm, |c| {
        c.inquiry.notes.values().any(|n| n.text.as_str() == text)
    })
}

#[test]
fn notes_stay_on_their_device_until_the_facilitator_reveals_them() {
    let ana_dir = tempfile::tempdir().unwrap();
    let ben_dir = tempfile::tempdir().unwrap();
    guild_sync::net::wire_tap::start();
    let (mut ana, mut ben) = super::ana_and_ben(ana_dir.path(), ben_dir.path());
    let doc = open_id(&ana);

    go_to(&mut ana, "Workshop");
    click(&mut ana, "Start a silent brainstorm");
    wait_for(&mut ben, "the brainstorm on Ben's side", |vm| {
        on_charter(vm, |c| c.workshop.is_silent())
    });
    go_to(&mut ben, "Appreciative inquiry");
    shows(
        &ben,
        "Silent brainstorm: your notes stay on this device until the facilitator reveals them.",
    );
    // Two notes (one in another phase), so that "all of them arrive" means
    // something.
    type_into(&mut ben, "Discover note", "A peer for every analyst");
    click(
        &mut ben,
        &format!("Add note to {}", Phase::Discover.label()),
    );
    type_into(&mut ben, "Dream note", "Zircon dream nobody sees early");
    click(&mut ben, &format!("Add note to {}", Phase::Dream.label()));
    wait_for(&mut ben, "Ben's kept notes", |vm| vm.drafts.len() == 2);
    shows(&ben, "Only you see this until the reveal");

    // A change made after the note reaches Ana: the note did not.
    go_to(&mut ben, "Purpose");
    type_into(&mut ben, "Purpose", "Synced while the note stays");
    // Ben's window sends the text at a pause in typing: let it run.
    wait_for(&mut ben, "Ben's later edit saved", |vm| {
        on_charter(vm, |c| {
            c.purpose
                .text
                .as_str()
                .contains("Synced while the note stays")
        })
    });
    wait_for(&mut ana, "Ben's later edit", |vm| {
        on_charter(vm, |c| {
            c.purpose
                .text
                .as_str()
                .contains("Synced while the note stays")
        })
    });
    assert!(!has_note(&ana.state().view(), "A peer for every analyst"));
    for draft in ["A peer for every analyst", "Zircon dream nobody sees early"] {
        assert!(
            !guild_sync::net::wire_tap::sent(draft.as_bytes()),
            "{draft:?} left a device on the wire before the reveal"
        );
    }
    assert!(
        guild_sync::net::wire_tap::sent(b"Synced while the note stays"),
        "the tap sees what is sent"
    );
    assert!(
        !has_note(&ben.state().view(), "A peer for every analyst"),
        "not even in Ben's charter"
    );
    let on_disk =
        std::fs::read_to_string(ben_dir.path().join("drafts").join(format!("{doc}.json")))
            .expect("kept in DIR/drafts");
    assert!(on_disk.contains("A peer for every analyst"));

    click(&mut ana, "Reveal everyone's notes");
    wait_for(&mut ana, "Ben's notes revealed", |vm| {
        has_note(vm, "A peer for every analyst") && has_note(vm, "Zircon dream nobody sees early")
    });
    assert!(guild_sync::net::wire_tap::sent(
        b"Zircon dream nobody sees early"
    ));
    wait_for(&mut ben, "Ben's drafts gone", |vm| vm.drafts.is_empty());
    assert!(
        !ben_dir
            .path()
            .join("drafts")
            .join(format!("{doc}.json"))
            .exists(),
        "the kept notes are forgotten once in the charter"
    );
    let author = ana
        .state()
        .view()
        .open
        .as_ref()
        .unwrap()
        .view
        .charter
        .inquiry
        .notes
        .values()
        .find(|n| n.text.as_str() == "A peer for every analyst")
        .unwrap()
        .author
        .clone();
    assert_eq!(author, "Ben");
}
