//! Tests across the command line and the window: a command another
//! `guild` process sends to a running window, over the real control socket.

use std::time::Duration;

use guild_sync::DataDir;

use crate::control::client;
use crate::control::protocol::Request;
use crate::ui::tests::{
    charter, harness_taking_commands, on_charter, open_charter, open_id, wait_for,
};

#[test]
fn a_command_line_edit_sent_to_the_window_shows_at_once_and_ctrl_z_undoes_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness_taking_commands(dir.path(), true, None, Some(crate::cli::executor()));
    open_charter(&mut harness);
    let doc = open_id(&harness);
    let before = charter(&harness).purpose.text.as_str().to_owned();
    let data_dir = DataDir::resolve(Some(dir.path().to_path_buf())).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let send = |args: &[&str]| {
        let request = Request::new(
            args.iter().map(|&a| a.to_owned()).collect(),
            dir.path().to_path_buf(),
            None,
        );
        runtime
            .block_on(async {
                tokio::time::timeout(Duration::from_secs(30), client::send(&data_dir, &request))
                    .await
            })
            .expect("the window answers")
            .expect("the window's socket takes it")
    };

    let reads = harness.state().view().charter_reads;
    let answer = send(&["set", &doc[..8], "purpose", "Sent from a terminal."]);
    assert_eq!(answer.error, None, "{answer:?}");
    // The worker answers once the view shows the edit.
    harness.step();
    assert_eq!(
        charter(&harness).purpose.text.as_str(),
        "Sent from a terminal."
    );
    // One read of the charter per edit: the change notification that
    // follows finds the view already at the charter's heads.
    std::thread::sleep(Duration::from_millis(500));
    harness.step();
    assert_eq!(harness.state().view().charter_reads, reads + 1);

    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    wait_for(&mut harness, "the undo", |vm| {
        on_charter(vm, |c| c.purpose.text.as_str() == before)
    });

    // A request the window cannot run gets a reason, and the window goes on.
    let refused = send(&["serve"]);
    assert!(refused.error.is_some_and(|e| e.contains("serve")));
    let unknown = send(&["frobnicate"]);
    assert!(
        unknown
            .error
            .is_some_and(|e| e.contains("does not understand")),
    );
}
