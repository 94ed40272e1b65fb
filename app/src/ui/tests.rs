//! The window driven headless by `egui_kittest`, the way assistive technology
//! sees it: every control found by its accessibility label. Each test runs
//! the real app — worker thread, library on disk, iroh node on loopback.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use guild_model::{AccessLevel, Cell, Op, ProseField};
use guild_sync::DataDir;
use guild_sync::net::node::{NetOptions, Node};
use guild_sync::net::ticket::InviteTicket;

use super::GuildApp;
use super::commands::UiCommand;
use super::view_model::ViewModel;
use super::worker::WindowConfig;

fn harness(dir: &Path, named: bool) -> Harness<'static, GuildApp> {
    harness_on(dir, named, None)
}

fn harness_on(dir: &Path, named: bool, open: Option<String>) -> Harness<'static, GuildApp> {
    harness_taking_commands(dir, named, open, None)
}

/// A window on `dir` that runs other processes' commands with `execute`.
pub(crate) fn harness_taking_commands(
    dir: &Path,
    named: bool,
    open: Option<String>,
    execute: Option<crate::control::Execute>,
) -> Harness<'static, GuildApp> {
    if named {
        std::fs::write(
            dir.join("profile.json"),
            r#"{"name":"Ana","color":[52,120,210]}"#,
        )
        .unwrap();
    }
    let config = WindowConfig {
        data_dir: DataDir::resolve(Some(dir.to_path_buf())).unwrap(),
        net: NetOptions::loopback(),
        open,
        execute,
    };
    Harness::builder()
        .with_size(egui::vec2(1280.0, 900.0))
        .build_eframe(move |cc| GuildApp::new(cc, config))
}

/// Steps the UI (in real time: the worker runs on its own thread) until
/// `done` holds for the latest view model.
pub(crate) fn wait_for(
    harness: &mut Harness<'_, GuildApp>,
    what: &str,
    done: impl Fn(&ViewModel) -> bool,
) {
    let start = Instant::now();
    loop {
        harness.step();
        if done(&harness.state().view()) {
            harness.step();
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn click(harness: &mut Harness<'_, GuildApp>, label: &str) {
    // kittest clicks at the widget's centre as of the last frame; a window
    // still growing to fit new content (a ticket and its QR code) moves it
    // on, and the click lands beside it. Wait for it to stay put.
    let mut at = harness.get_by_label(label).rect();
    for _ in 0..10 {
        harness.step();
        let now = harness.get_by_label(label).rect();
        if now == at {
            break;
        }
        at = now;
    }
    harness.get_by_label(label).click();
    // A new window or menu takes a frame to size itself before it shows.
    harness.run_steps(3);
}

fn text_input<'h>(harness: &'h Harness<'_, GuildApp>, label: &'h str) -> egui_kittest::Node<'h> {
    use egui::accesskit::Role;
    harness
        .query_by_role_and_label(Role::TextInput, label)
        .or_else(|| harness.query_by_role_and_label(Role::MultilineTextInput, label))
        .unwrap_or_else(|| panic!("no text input labelled {label:?}"))
}

/// Gives the text input labelled `label` the keyboard focus, trying a few
/// frames (a window still settling can take the first request elsewhere).
pub(crate) fn focus(harness: &mut Harness<'_, GuildApp>, label: &str) {
    for _ in 0..5 {
        text_input(harness, label).focus();
        harness.run_steps(2);
        if text_input(harness, label).is_focused() {
            return;
        }
    }
}

pub(crate) fn type_into(harness: &mut Harness<'_, GuildApp>, label: &str, text: &str) {
    focus(harness, label);
    text_input(harness, label).type_text(text);
    harness.run_steps(2);
    let value = text_input(harness, label).value().unwrap_or_default();
    assert!(
        value.ends_with(text),
        "typed into {label:?}, which now holds {value:?}"
    );
}

fn go_to(harness: &mut Harness<'_, GuildApp>, section: &str) {
    click(harness, &format!("Go to {section}"));
}

/// At least one node has this label (a title shows in several places).
fn shows(harness: &Harness<'_, GuildApp>, label: &str) {
    assert!(
        harness.query_all_by_label(label).next().is_some(),
        "nothing labelled {label:?} is shown"
    );
}

pub(crate) fn open_charter(harness: &mut Harness<'_, GuildApp>) {
    wait_for(harness, "the library", |vm| {
        vm.phase == super::view_model::Phase::Ready
    });
    click(harness, "New charter…");
    type_into(harness, "Community name", "Data CoP");
    click(harness, "Create");
    wait_for(harness, "the new charter", |vm| vm.open.is_some());
    // A named person joins the members on opening: let that change land,
    // so that a test's own edits are the next ones.
    wait_for(harness, "the person among the members", |vm| {
        vm.identity.is_none()
            || on_charter(vm, |c| {
                c.members
                    .values()
                    .any(|m| m.devices.contains_key(&vm.device))
            })
    });
}

/// Ana's window with a new charter, and Ben's (his own data directory,
/// on this same machine) joined to it with her read-write invite; Ben is
/// among the members when this returns. Ana's share dialog is closed.
pub(crate) fn ana_and_ben(
    ana_dir: &Path,
    ben_dir: &Path,
) -> (Harness<'static, GuildApp>, Harness<'static, GuildApp>) {
    let mut ana = harness(ana_dir, true);
    open_charter(&mut ana);
    share::make_invite(&mut ana);
    let ticket = ana.state().view().ticket.clone().expect("a ticket");
    ana.key_press(egui::Key::Escape);
    ana.run_steps(2);
    std::fs::write(
        ben_dir.join("profile.json"),
        r#"{"name":"Ben","color":[200,80,40]}"#,
    )
    .unwrap();
    let mut ben = harness(ben_dir, false);
    wait_for(&mut ben, "the library", |vm| {
        vm.phase == super::view_model::Phase::Ready
    });
    click(&mut ben, "Join with a ticket…");
    type_into(&mut ben, "Ticket", &ticket);
    click(&mut ben, "Join");
    let start = Instant::now();
    loop {
        ben.step();
        let vm = ben.state().view();
        if on_charter(&vm, |c| c.members.values().any(|m| m.name == "Ben")) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "Ben never joined as a member: join {:?}, toasts {:?}, open {:?}, read-only {:?}, members {:?}",
            vm.join,
            vm.toasts.iter().map(|t| t.text.clone()).collect::<Vec<_>>(),
            vm.open.as_ref().map(|o| o.view.id.clone()),
            vm.open.as_ref().map(|o| o.view.read_only),
            vm.open.as_ref().map(|o| o
                .view
                .charter
                .members
                .values()
                .map(|m| m.name.clone())
                .collect::<Vec<_>>())
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (ana, ben)
}

/// Whether a charter is open and `test` holds for it.
pub(crate) fn on_charter(
    vm: &super::view_model::ViewModel,
    test: impl Fn(&guild_model::Charter) -> bool,
) -> bool {
    vm.open.as_ref().is_some_and(|o| test(&o.view.charter))
}

/// The id of the open charter.
pub(crate) fn open_id(harness: &Harness<'_, GuildApp>) -> String {
    open_view(harness).id.clone()
}

/// The open charter's view, as the window last received it.
fn open_view(harness: &Harness<'_, GuildApp>) -> Arc<guild_sync::CharterView> {
    Arc::clone(
        &harness
            .state()
            .view()
            .open
            .as_ref()
            .expect("a charter is open")
            .view,
    )
}

pub(crate) fn charter(harness: &Harness<'_, GuildApp>) -> guild_model::Charter {
    open_view(harness).charter.clone()
}

#[test]
fn a_new_charter_from_the_template_shows_the_seed_cards_in_their_cells() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), false);
    wait_for(&mut harness, "the first-run dialog", |vm| {
        vm.phase == super::view_model::Phase::Ready
    });
    type_into(&mut harness, "Your name", "Ana");
    click(&mut harness, "Colour 3");
    click(&mut harness, "Continue");
    wait_for(&mut harness, "the identity", |vm| {
        vm.identity.as_ref().is_some_and(|i| i.name == "Ana")
    });
    open_charter(&mut harness);
    shows(&harness, "Data CoP");
    go_to(&mut harness, "Value map");
    for text in [
        "Mentor newcomers to help them get up to speed quickly",
        "Expand one's professional network",
    ] {
        shows(&harness, text);
    }
    let charter = charter(&harness);
    let cell_of = |text: &str| {
        charter
            .cards
            .values()
            .find(|c| c.text.as_str() == text)
            .map(|c| c.cell)
    };
    assert_eq!(
        cell_of("Mentor newcomers to help them get up to speed quickly"),
        Some(Cell::OrganisationShortTerm)
    );
    assert_eq!(
        cell_of("Expand one's professional network"),
        Some(Cell::MembersLongTerm)
    );
    assert_eq!(charter.cards.len(), 22);
}

#[test]
fn typing_into_purpose_and_vision_reaches_the_charter() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    go_to(&mut harness, "Purpose");
    type_into(&mut harness, "Purpose", "Help data people learn together.");
    wait_for(&mut harness, "the purpose", |vm| {
        on_charter(vm, |c| {
            c.purpose.text.as_str() == "Help data people learn together."
        })
    });
    go_to(&mut harness, "Vision");
    type_into(&mut harness, "Vision", "Every analyst has a peer.");
    wait_for(&mut harness, "the vision", |vm| {
        on_charter(vm, |c| {
            c.vision.statement.as_str() == "Every analyst has a peer."
        })
    });
    go_to(&mut harness, "Overview");
    shows(&harness, "Help data people learn together.");
}

#[test]
fn a_card_is_added_moved_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    go_to(&mut harness, "Value map");
    type_into(
        &mut harness,
        "New card (Members · short term)",
        "Lunch and learn",
    );
    click(&mut harness, "Add card to Members · short term");
    let has = |cell: Cell| {
        move |vm: &ViewModel| {
            on_charter(vm, |c| {
                c.cards
                    .values()
                    .any(|c| c.text.as_str() == "Lunch and learn" && c.cell == cell)
            })
        }
    };
    wait_for(&mut harness, "the new card", has(Cell::MembersShortTerm));
    click(&mut harness, "Actions for Lunch and learn");
    click(
        &mut harness,
        "Move Lunch and learn to Organisation · long term",
    );
    wait_for(
        &mut harness,
        "the moved card",
        has(Cell::OrganisationLongTerm),
    );
    click(&mut harness, "Actions for Lunch and learn");
    click(&mut harness, "Remove card Lunch and learn");
    wait_for(&mut harness, "the card to go", |vm| {
        on_charter(vm, |c| {
            c.cards
                .values()
                .all(|c| c.text.as_str() != "Lunch and learn")
        })
    });
    assert!(harness.query_by_label("Lunch and learn").is_none());
}

#[test]
fn an_objective_and_an_endorsed_contribution_are_added() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    go_to(&mut harness, "Objectives");
    type_into(&mut harness, "New objective", "Run a data clinic");
    click(&mut harness, "Add objective");
    wait_for(&mut harness, "the objective", |vm| {
        on_charter(vm, |c| {
            c.objectives
                .values()
                .any(|x| x.title.as_str() == "Run a data clinic")
        })
    });
    shows(&harness, "Run a data clinic");

    go_to(&mut harness, "Vision");
    type_into(&mut harness, "New contribution", "A peer for every analyst");
    click(&mut harness, "Add contribution");
    wait_for(&mut harness, "the contribution", |vm| {
        on_charter(vm, |c| {
            c.vision
                .contributions
                .values()
                .any(|c| c.text.as_str() == "A peer for every analyst")
        })
    });
    click(&mut harness, "Endorse: A peer for every analyst");
    wait_for(&mut harness, "the endorsement", |vm| {
        on_charter(vm, |c| {
            c.vision
                .contributions
                .values()
                .any(|c| c.endorsements.contains_key("Ana"))
        })
    });
}

#[test]
fn two_units_and_a_bridge_are_added() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    go_to(&mut harness, "Bridges");
    for name in ["Sales", "Lisbon office"] {
        type_into(&mut harness, "New unit", name);
        click(&mut harness, "Add unit");
        wait_for(&mut harness, name, |vm| {
            on_charter(vm, |c| c.units.values().any(|u| u.name.as_str() == name))
        });
    }
    click(&mut harness, "From");
    harness.get_all_by_label("Sales").last().unwrap().click();
    harness.step();
    click(&mut harness, "To");
    harness
        .get_all_by_label("Lisbon office")
        .last()
        .unwrap()
        .click();
    harness.step();
    type_into(&mut harness, "What flows across", "Forecasting tips");
    click(&mut harness, "Add bridge");
    wait_for(&mut harness, "the bridge", |vm| {
        on_charter(vm, |c| c.bridges.len() == 1)
    });
    let charter = charter(&harness);
    let bridge = charter.bridges.values().next().unwrap();
    assert_eq!(
        (
            charter.unit_name(&bridge.from),
            charter.unit_name(&bridge.to)
        ),
        ("Sales", "Lisbon office")
    );
    assert!(charter.isolated_units().is_empty());
}

#[test]
fn the_share_dialog_shows_a_ticket_that_parses_and_a_peers_edit_appears_on_the_next_frame() {
    let dir = tempfile::tempdir().unwrap();
    let peer_dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    click(&mut harness, "Share…");
    click(&mut harness, "Make an invite");
    wait_for(&mut harness, "the ticket", |vm| vm.ticket.is_some());
    let shown = harness
        .get_by_label("Invite ticket")
        .value()
        .expect("the ticket text");
    let ticket: InviteTicket = shown.parse().expect("the shown ticket parses");
    assert_eq!(ticket.access, AccessLevel::ReadWrite);

    // A simulated peer joins with that ticket and edits the purpose.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let peer = runtime.block_on(async {
        let library = guild_sync::Library::open(
            DataDir::resolve(Some(peer_dir.path().to_path_buf())).unwrap(),
            guild_sync::LibraryOptions::interactive(),
        )
        .await
        .unwrap();
        let peer = Node::start(library, NetOptions::loopback()).await.unwrap();
        peer.join(&ticket, Duration::from_secs(20)).await.unwrap();
        let op = Op::SetProse {
            field: ProseField::Purpose,
            text: "Written by a peer".into(),
        };
        peer.library().edit(&ticket.doc, &op).await.unwrap();
        peer.sync(&ticket.doc, Duration::from_secs(10))
            .await
            .unwrap();
        peer
    });
    // The worker merges it off the UI thread; the frame after it publishes shows it.
    let start = Instant::now();
    while harness
        .state()
        .view()
        .open
        .as_ref()
        .is_none_or(|o| o.view.charter.purpose.text.as_str() != "Written by a peer")
    {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the peer's edit never arrived"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    harness.step();
    go_to(&mut harness, "Overview");
    shows(&harness, "Written by a peer");
    runtime.block_on(peer.shutdown()).unwrap();
}

/// Frame times of `frames` steps, sorted, in microseconds.
fn frame_times(harness: &mut Harness<'_, GuildApp>, frames: usize) -> Vec<u128> {
    let mut times: Vec<u128> = (0..frames)
        .map(|_| {
            let start = Instant::now();
            harness.step();
            start.elapsed().as_micros()
        })
        .collect();
    times.sort_unstable();
    times
}

#[test]
fn a_trace_sized_charter_opens_and_stays_responsive() {
    let trace = match guild_tests::trace::load_trace() {
        Ok(trace) => trace,
        Err(why) => {
            eprintln!("skipped: the editing trace is not available ({why})");
            return;
        }
    };
    let doc = guild_tests::trace::trace_charter(&trace, usize::MAX, 50).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let id = runtime.block_on(async {
        let library = guild_sync::Library::open(
            DataDir::resolve(Some(dir.path().to_path_buf())).unwrap(),
            guild_sync::LibraryOptions::one_shot(),
        )
        .await
        .unwrap();
        let id = library.import(&doc.save()).await.unwrap();
        library.close().await.unwrap();
        id
    });
    let mut harness = harness_on(dir.path(), true, Some(id.clone()));
    wait_for(&mut harness, "the trace-sized charter", |vm| {
        on_charter(vm, |c| c.purpose.text.as_str() == trace.end)
    });
    let overview = frame_times(&mut harness, 40);
    go_to(&mut harness, "Purpose");
    let idle = frame_times(&mut harness, 40);
    // A local keystroke into the 104,852-character purpose, which is drawn
    // paragraph by paragraph: into the first.
    let first = format!("Purpose, paragraph 1 of {}", trace.end.split('\n').count());
    text_input(&harness, &first).focus();
    harness.step();
    text_input(&harness, &first).type_text("¶");
    let keystroke = frame_times(&mut harness, 1);
    wait_for(&mut harness, "the keystroke to be saved", |vm| {
        on_charter(vm, |c| {
            c.purpose.text.as_str().chars().count() == trace.end.chars().count() + 1
        })
    });
    // A remote edit: the worker merges and publishes; the next frame shows it.
    let before = harness
        .state()
        .view()
        .open
        .as_ref()
        .unwrap()
        .view
        .heads
        .clone();
    harness.state().command(super::commands::UiCommand::Edit {
        doc: id.clone(),
        ops: vec![Op::SpliceProse {
            field: ProseField::Purpose,
            pos: 10,
            delete: 0,
            insert: "[remote]".into(),
        }],
        base: None,
    });
    let start = Instant::now();
    while harness.state().view().open.as_ref().unwrap().view.heads == before {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the edit never arrived"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let merged_after = start.elapsed();
    let remote = frame_times(&mut harness, 1);
    assert!(
        text_input(&harness, &first)
            .value()
            .unwrap_or_default()
            .contains("[remote]"),
        "the edit shows on the next frame"
    );
    let p = |v: &[u128], percent: usize| v[(v.len() - 1) * percent / 100];
    eprintln!(
        "trace-sized charter ({} chars, {} changes), frame times in µs (debug build of guild-app):\n  overview idle p50 {} p99 {}\n  purpose idle p50 {} p99 {}\n  after a local keystroke {}\n  after a remote edit {} (worker merged and published it {:.1} ms after it was sent)",
        trace.end.chars().count(),
        harness.state().view().open.as_ref().unwrap().view.changes,
        p(&overview, 50),
        p(&overview, 99),
        p(&idle, 50),
        p(&idle, 99),
        keystroke[0],
        remote[0],
        merged_after.as_secs_f64() * 1000.0,
    );
}

#[test]
fn a_full_disk_shows_not_saved_keeps_the_text_and_clears_when_space_returns() {
    let disk = match guild_tests::disk::TinyDisk::mount("16m") {
        Ok(disk) => disk,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let mut harness = harness(disk.path(), true);
    open_charter(&mut harness);
    go_to(&mut harness, "Purpose");
    disk.fill();
    type_into(&mut harness, "Purpose", "Typed on a full disk.");
    wait_for(&mut harness, "the not-saved warning", |vm| {
        vm.health.unsaved_writes > 0
    });
    assert!(
        harness.query_by_label_contains("Not saved").is_some(),
        "the status bar says the edit is not saved"
    );
    assert_eq!(
        charter(&harness).purpose.text.as_str(),
        "Typed on a full disk.",
        "the edit is kept in memory"
    );
    disk.free();
    wait_for(&mut harness, "the save after space returned", |vm| {
        vm.health.unsaved_writes == 0
    });
    assert!(
        harness.query_by_label_contains("Not saved").is_none(),
        "the warning goes once everything is saved"
    );
    let doc = open_id(&harness);
    drop(harness);
    // The window's worker lets go of the data dir as it shuts down.
    let rt = guild_tests::runtime();
    let started = Instant::now();
    let library = loop {
        match rt.block_on(guild_tests::open_library(
            disk.path(),
            guild_sync::LibraryOptions::one_shot(),
        )) {
            Ok(library) => break library,
            Err(e) if started.elapsed() < Duration::from_secs(20) => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(e) => panic!("reopen: {e}"),
        }
    };
    let reopened = rt.block_on(library.charter(&doc)).unwrap();
    assert_eq!(
        reopened.purpose.text.as_str(),
        "Typed on a full disk.",
        "what was typed on the full disk is on the disk now"
    );
    rt.block_on(library.close()).unwrap();
}

#[test]
fn the_history_shows_a_timeline_an_old_version_restores_it_and_makes_a_personal_copy() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    go_to(&mut harness, "Purpose");
    type_into(&mut harness, "Purpose", "The ratified purpose.");
    wait_for(&mut harness, "the purpose", |vm| {
        on_charter(vm, |c| c.purpose.text.as_str() == "The ratified purpose.")
    });
    let ratified = harness.state().view().open.as_ref().unwrap().view.heads[0].to_string();
    // A later edit, as one new change.
    let doc = open_id(&harness);
    harness.state().command(UiCommand::Edit {
        doc: doc.clone(),
        ops: vec![Op::SetProse {
            field: ProseField::Purpose,
            text: "A later draft.".into(),
        }],
        base: None,
    });
    wait_for(&mut harness, "the later draft", |vm| {
        on_charter(vm, |c| c.purpose.text.as_str() == "A later draft.")
    });

    go_to(&mut harness, "History");
    wait_for(&mut harness, "the timeline", |vm| {
        vm.history.as_ref().is_some_and(|h| h.rows.len() >= 3)
    });
    shows(&harness, "Edit purpose");
    let short = &ratified[..8];
    click(&mut harness, &format!("View version {short}"));
    wait_for(&mut harness, "the old version", |vm| {
        vm.history
            .as_ref()
            .and_then(|h| h.version.as_ref())
            .is_some_and(|v| v.hash == ratified)
    });
    shows(&harness, "The ratified purpose.");
    shows(&harness, "~ Purpose");
    click(&mut harness, "Restore this version");
    click(&mut harness, "Restore");
    wait_for(&mut harness, "the restored purpose", |vm| {
        on_charter(vm, |c| c.purpose.text.as_str() == "The ratified purpose.")
    });
    wait_for(&mut harness, "the restore in the timeline", |vm| {
        vm.history.as_ref().is_some_and(|h| {
            h.rows
                .first()
                .is_some_and(|r| r.message.starts_with("Restore version"))
        })
    });

    click(&mut harness, "Make a personal copy");
    wait_for(&mut harness, "the personal copy", |vm| {
        vm.open.as_ref().is_some_and(|o| o.view.id != doc)
    });
    let copy = charter(&harness);
    assert_eq!(copy.purpose.text.as_str(), "The ratified purpose.");
    assert_eq!(copy.access.devices.len(), 1, "shared with no one");
}

/// Imports the charter file `file` through the window and opens it.
fn import_and_open(harness: &mut Harness<'_, GuildApp>, file: std::path::PathBuf, title: &str) {
    wait_for(harness, "the library", |vm| {
        vm.phase == super::view_model::Phase::Ready
    });
    harness.state().command(UiCommand::Import { path: file });
    wait_for(harness, "the imported charter", |vm| {
        vm.library.iter().any(|e| e.title == title)
    });
    let doc = harness.state().view().library[0].id.clone();
    harness.state().command(UiCommand::Open(doc));
}

/// A charter file whose objective `o1` two people set to different
/// statuses at once (two actors, merged).
fn conflicting_charter_file(dir: &Path) -> std::path::PathBuf {
    use guild_model::{ObjectiveEdit, Position, Status, apply};
    let mut ana = guild_model::new_charter("Conflict CoP", 1_700_000_000).unwrap();
    apply(
        &mut ana,
        &Op::AddObjective {
            id: "o1".into(),
            title: "Run a data clinic".into(),
            position: Position::End,
        },
        1_700_000_001,
    )
    .unwrap();
    let mut ben = ana.fork();
    for (doc, status) in [(&mut ana, Status::Active), (&mut ben, Status::Dropped)] {
        apply(
            doc,
            &Op::EditObjective {
                id: "o1".into(),
                edit: ObjectiveEdit::Status(status),
            },
            1_700_000_002,
        )
        .unwrap();
    }
    ana.merge(&mut ben).unwrap();
    let path = dir.join("conflict.automerge");
    std::fs::write(&path, ana.save()).unwrap();
    path
}

#[test]
fn a_conflict_shows_both_values_and_keeping_one_settles_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = conflicting_charter_file(dir.path());
    let mut harness = harness(dir.path(), true);
    import_and_open(&mut harness, file, "Conflict CoP");
    wait_for(&mut harness, "the conflict", |vm| {
        vm.open
            .as_ref()
            .is_some_and(|o| !o.view.conflicts.is_empty())
    });
    go_to(&mut harness, "History");
    harness.run_steps(3);
    shows(&harness, "Objective “Run a data clinic” › status");
    harness.get_by_label_contains("Keep “dropped”").click();
    harness.run_steps(2);
    wait_for(&mut harness, "the settled status", |vm| {
        vm.open.as_ref().is_some_and(|o| {
            o.view.conflicts.is_empty()
                && o.view.charter.objectives["o1"].status == guild_model::Status::Dropped
        })
    });
}

/// A charter file where one person removed card `c1` while another, who
/// had not seen the removal yet, reworded it.
fn removal_race_charter_file(dir: &Path) -> std::path::PathBuf {
    use guild_model::{Collection, Position, apply};
    let mut ana = guild_model::new_blank_charter("Race CoP", 1_700_000_000).unwrap();
    ana.set_actor(automerge::ActorId::from(vec![0xaa; 4]));
    apply(
        &mut ana,
        &Op::AddCard {
            id: "c1".into(),
            cell: Cell::MembersShortTerm,
            text: "Pairing".into(),
            position: Position::End,
        },
        1_700_000_001,
    )
    .unwrap();
    let mut ben = ana.fork();
    ben.set_actor(automerge::ActorId::from(vec![0xbb; 4]));
    apply(
        &mut ben,
        &Op::EditCard {
            id: "c1".into(),
            text: "Pairing every week".into(),
        },
        1_700_000_002,
    )
    .unwrap();
    apply(
        &mut ana,
        &Op::RemoveItem {
            collection: Collection::Cards,
            id: "c1".into(),
        },
        1_700_000_003,
    )
    .unwrap();
    ana.merge(&mut ben).unwrap();
    let path = dir.join("race.automerge");
    std::fs::write(&path, ana.save()).unwrap();
    path
}

#[test]
fn the_history_says_who_wrote_what_and_which_edit_a_removal_swallowed() {
    let dir = tempfile::tempdir().unwrap();
    let file = removal_race_charter_file(dir.path());
    let mut harness = harness(dir.path(), true);
    import_and_open(&mut harness, file, "Race CoP");
    wait_for(&mut harness, "the charter", |vm| vm.open.is_some());
    go_to(&mut harness, "History");
    wait_for(&mut harness, "the blame", |vm| {
        vm.history
            .as_ref()
            .is_some_and(|h| !h.blame.removed_while_edited.is_empty())
    });
    harness.run_steps(3);
    shows(&harness, "Removed while someone was editing");
    // One notice, naming the remover, the editor and what was lost.
    harness.get_by_label_contains(&format!(
        "Card “Pairing” was removed by aaaaaaaa ({}) while bbbbbbbb made an edit to it",
        crate::present::format_time(1_700_000_003)
    ));
    shows(&harness, "Who wrote what");
    shows(&harness, "Title");
    click(&mut harness, "See the lost edit to Card “Pairing”");
    let lost = harness
        .state()
        .view()
        .history
        .as_ref()
        .unwrap()
        .blame
        .removed_while_edited[0]
        .lost_edits[0]
        .hash
        .to_string();
    wait_for(&mut harness, "the version with the lost edit", |vm| {
        vm.history
            .as_ref()
            .and_then(|h| h.version.as_ref())
            .is_some_and(|v| v.hash == lost)
    });
    let then = &harness
        .state()
        .view()
        .history
        .as_ref()
        .unwrap()
        .version
        .as_ref()
        .unwrap()
        .then
        .view
        .charter
        .cards["c1"]
        .text
        .as_str()
        .to_owned();
    assert_eq!(then, "Pairing every week");
}

#[test]
fn ctrl_z_undoes_my_last_change_and_ctrl_shift_z_redoes_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    let doc = open_id(&harness);
    harness.state().command(UiCommand::Edit {
        doc,
        ops: vec![Op::AddCard {
            id: "slip".into(),
            cell: Cell::MembersShortTerm,
            text: "A card added by mistake".into(),
            position: guild_model::Position::End,
        }],
        base: None,
    });
    wait_for(&mut harness, "the card", |vm| {
        on_charter(vm, |c| c.cards.contains_key("slip"))
    });
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    wait_for(&mut harness, "the undo", |vm| {
        vm.open
            .as_ref()
            .is_some_and(|o| !o.view.charter.cards.contains_key("slip"))
    });
    harness.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::Z,
    );
    wait_for(&mut harness, "the redo", |vm| {
        on_charter(vm, |c| c.cards.contains_key("slip"))
    });
    let seeds = charter(&harness).cards.len();
    assert_eq!(seeds, 23, "the template's 22 cards and the redone one");
}

#[test]
fn a_personal_copy_proposes_back_only_the_ticked_changes() {
    let dir = tempfile::tempdir().unwrap();
    let mut harness = harness(dir.path(), true);
    open_charter(&mut harness);
    let origin = open_id(&harness);
    go_to(&mut harness, "History");
    click(&mut harness, "Make a personal copy");
    wait_for(&mut harness, "the personal copy", |vm| {
        vm.open.as_ref().is_some_and(|o| o.view.id != origin)
    });
    let copy = open_id(&harness);
    harness.state().command(UiCommand::Edit {
        doc: copy.clone(),
        ops: vec![
            Op::SetProse {
                field: ProseField::Vision,
                text: "Thought through alone.".into(),
            },
            Op::AddCard {
                id: "draft".into(),
                cell: Cell::OrganisationLongTerm,
                text: "Not ready yet".into(),
                position: guild_model::Position::End,
            },
        ],
        base: None,
    });
    wait_for(&mut harness, "the copy's edits", |vm| {
        on_charter(vm, |c| c.cards.contains_key("draft"))
    });
    go_to(&mut harness, "History");
    shows(&harness, "This is your personal copy of “Data CoP”.");
    click(&mut harness, "Propose back");
    wait_for(&mut harness, "the proposals", |vm| vm.proposals.is_some());
    harness.run_steps(2);
    click(&mut harness, "+ Card “Not ready yet”");
    click(&mut harness, "Merge chosen");
    wait_for(&mut harness, "the community's charter again", |vm| {
        vm.open.as_ref().is_some_and(|o| o.view.id == origin)
    });
    wait_for(&mut harness, "the merged vision", |vm| {
        on_charter(vm, |c| {
            c.vision.statement.as_str() == "Thought through alone."
        })
    });
    let charter = charter(&harness);
    assert!(
        !charter.cards.contains_key("draft"),
        "the unticked card stayed in the copy"
    );
    assert_eq!(charter.access.devices.len(), 1);
    assert_eq!(
        charter.forked_from, None,
        "the copy's origin mark stays in the copy"
    );
}

mod attribution;
mod brainstorm;
mod edits;
mod feedback;
mod follow;
mod history;
mod knock;
mod laptop;
mod layout;
mod long_text;
mod share;
mod small;
mod sync_indicator;
mod themes;
mod words;
mod workshop;
