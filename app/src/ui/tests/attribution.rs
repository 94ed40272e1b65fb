//! Who wrote a change is the person, under the name and colour they chose,
//! not the machine: two people on laptops with one host name are told
//! apart, and whoever makes a charter is one of its members.

use egui_kittest::kittest::Queryable;
use guild_model::Role;

use super::{charter, click, go_to, harness, open_charter, open_id, shows, type_into, wait_for};

/// Everything shown whose label contains `part`.
fn labels_containing(harness: &egui_kittest::Harness<'_, super::GuildApp>, part: &str) -> usize {
    harness.query_all_by_label_contains(part).count()
}

#[test]
fn the_creator_is_a_member_under_the_name_and_colour_they_chose_and_the_history_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    wait_for(&mut harness, "Ana among the members", |vm| {
        super::on_charter(vm, |c| c.members.values().any(|m| m.name == "Ana"))
    });
    let made = charter(&harness);
    let (_, ana) = made
        .members
        .iter()
        .find(|(_, m)| m.name == "Ana")
        .expect("Ana is a member");
    assert_eq!(
        ana.role,
        Role::CoreGroup,
        "who makes a charter is in its core group"
    );
    assert_eq!(
        ana.rgb(),
        Some([52, 120, 210]),
        "the colour chosen on first run"
    );
    assert_eq!(ana.devices.len(), 1, "this device edits as Ana");

    go_to(&mut harness, "Purpose");
    type_into(&mut harness, "Purpose", "Why we meet");
    harness.run_steps(2);
    go_to(&mut harness, "History");
    wait_for(&mut harness, "the timeline", |vm| {
        vm.history.as_ref().is_some_and(|h| h.rows.len() >= 3)
    });
    harness.run_steps(3);
    let rows = harness.state().view().history.clone().unwrap().rows.clone();
    assert!(
        rows.iter().all(|r| r.author == "Ana"),
        "every change here was Ana's: {:?}",
        rows.iter().map(|r| &r.author).collect::<Vec<_>>()
    );
    assert!(
        labels_containing(&harness, "Ana · ") > 0,
        "the timeline names Ana"
    );
    let host = guild_sync::identity::default_label();
    assert_eq!(
        labels_containing(&harness, &format!("{host} · ")),
        0,
        "the timeline names the machine {host:?}"
    );
    go_to(&mut harness, "Members");
    shows(&harness, "Core group (1)");
}

#[test]
fn two_people_on_machines_with_one_host_name_are_told_apart() {
    let ana_dir = tempfile::tempdir().unwrap();
    let ben_dir = tempfile::tempdir().unwrap();
    // Both windows run on this machine: one host name, two people.
    let (mut ana, mut ben) = super::ana_and_ben(ana_dir.path(), ben_dir.path());
    let doc = open_id(&ana);
    assert!(
        ana.query_by_label("Dimmed behind the dialog").is_none(),
        "Escape closes the share dialog"
    );
    go_to(&mut ben, "Purpose");
    type_into(&mut ben, "Purpose", "Ben wrote this");
    wait_for(&mut ben, "Ben's edit saved", |vm| {
        super::on_charter(vm, |c| c.purpose.text.as_str().contains("Ben wrote this"))
    });
    wait_for(&mut ana, "Ben's edit", |vm| {
        super::on_charter(vm, |c| c.purpose.text.as_str().contains("Ben wrote this"))
    });
    go_to(&mut ana, "History");
    wait_for(&mut ana, "Ben in the timeline", |vm| {
        vm.history
            .as_ref()
            .is_some_and(|h| h.rows.iter().any(|r| r.author == "Ben"))
    });
    ana.run_steps(3);
    assert!(
        labels_containing(&ana, "Ben · ") > 0,
        "Ana's timeline names Ben"
    );
    assert!(labels_containing(&ana, "Ana · ") > 0, "and Ana");
    let rows = ana.state().view().history.clone().unwrap().rows.clone();
    let ben_row = rows.iter().find(|r| r.author == "Ben").unwrap();
    assert_eq!(ben_row.color, Some([200, 80, 40]), "in Ben's colour");

    // The library says the charter is shared with Ben, not with the host.
    click(&mut ana, "◀ Library");
    wait_for(&mut ana, "the library lists Ben", |vm| {
        vm.library
            .iter()
            .any(|e| e.id == doc && e.others == ["Ben".to_owned()])
    });
}
