//! Following the facilitator: asked once, every window goes where they go;
//! one click leaves, a click on a name follows again.

use egui_kittest::kittest::Queryable;

use super::{click, go_to, on_charter, shows, wait_for};

#[test]
fn participants_follow_the_facilitator_until_they_choose_to_leave() {
    let ana_dir = tempfile::tempdir().unwrap();
    let ben_dir = tempfile::tempdir().unwrap();
    let (mut ana, mut ben) = super::ana_and_ben(ana_dir.path(), ben_dir.path());

    go_to(&mut ana, "Workshop");
    click(&mut ana, "Ask everyone to follow me");
    wait_for(&mut ben, "the lead", |vm| {
        on_charter(vm, |c| c.workshop.lead.is_some())
    });
    go_to(&mut ana, "Value map");
    // Ben's window goes where Ana's presence says she is.
    wait_for(&mut ben, "Ana on the value map", |vm| {
        vm.open.as_ref().is_some_and(|o| {
            o.presence
                .iter()
                .any(|p| p.name == "Ana" && p.section == "value_map")
        })
    });
    ben.run_steps(3);
    shows(&ben, "Following Ana · Value map");
    shows(&ben, "LONG TERM");

    click(&mut ben, "Stop following");
    go_to(&mut ana, "Vision");
    wait_for(&mut ben, "Ana on the vision", |vm| {
        vm.open.as_ref().is_some_and(|o| {
            o.presence
                .iter()
                .any(|p| p.name == "Ana" && p.section == "vision")
        })
    });
    ben.run_steps(3);
    shows(&ben, "LONG TERM");
    assert!(
        ben.query_by_label_contains("Following Ana").is_none(),
        "Ben left follow mode and stays out"
    );

    // A click on her name in the top bar follows her again.
    click(&mut ben, "Follow Ana");
    ben.run_steps(3);
    shows(&ben, "Following Ana · Vision");
    assert!(
        ben.query_by_label("LONG TERM").is_none(),
        "Ben went with her"
    );
}
