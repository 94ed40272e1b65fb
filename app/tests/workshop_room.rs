//! A workshop room, for real: a facilitator and twelve participants, each a
//! `guild` process in its own network namespace on one bridge (a LAN with
//! multicast). The participants find the workshop by mDNS alone and knock;
//! six are let in by the join code, six by the host's "admit everyone"
//! switch. Each adds an inquiry note, a dot vote runs, and its ranking is
//! the same on all thirteen. Once the workshop ends, a fourteenth device is
//! turned away with the old ticket and with the code, and told why.
//!
//! Needs root and iproute2; without them it says it was skipped and why.
//! Nothing leaves the namespaces it creates (`guild_tests::netns::Room`).

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use guild_tests::netns::{Room, skip_reason};
use guild_tests::procs::{Daemon, Ran, on_data_dir, run};
use tempfile::TempDir;

const GUILD: &str = env!("CARGO_BIN_EXE_guild");
const PARTICIPANTS: usize = 12;
const TITLE: &str = "Vision workshop";
/// The longest one command may take.
const LIMIT: Duration = Duration::from_mins(2);

/// `guild --data-dir DIR ARGS…`, on room host `at` when given.
fn guild(room: &Room, at: Option<usize>, data: &Path, args: &[&str]) -> Command {
    let command = at.map_or_else(|| Command::new(GUILD), |i| room.command(i, GUILD));
    on_data_dir(command, data, args)
}

fn ran(command: Command) -> (String, Ran) {
    let what = format!("{command:?}");
    let ran = run(command, LIMIT).unwrap_or_else(|e| panic!("{what}: {e}"));
    (what, ran)
}

/// Runs and must succeed; its stdout.
fn ok(command: Command) -> String {
    let (what, ran) = ran(command);
    ran.ok(&what)
}

/// Runs and must fail; its stderr.
fn fails(command: Command) -> String {
    let (what, ran) = ran(command);
    assert!(!ran.status.success(), "{what} should have failed");
    ran.stderr
}

/// Runs `each(i)` for every participant at once; their results in order.
fn all<T: Send + 'static>(each: impl Fn(usize) -> T + Send + Sync + Clone + 'static) -> Vec<T> {
    let handles: Vec<_> = (1..=PARTICIPANTS)
        .map(|i| {
            let each = each.clone();
            thread::spawn(move || each(i))
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

#[test]
#[allow(clippy::too_many_lines)] // one story, told in order
fn a_room_finds_the_workshop_knocks_votes_and_is_turned_away_once_it_ends() {
    if let Some(why) = skip_reason() {
        eprintln!("skipped: {why}");
        return;
    }
    let room = std::sync::Arc::new(Room::new("gw", PARTICIPANTS + 2).unwrap());
    let dirs: std::sync::Arc<Vec<TempDir>> = std::sync::Arc::new(
        (0..PARTICIPANTS + 2)
            .map(|_| tempfile::tempdir().unwrap())
            .collect(),
    );
    let host_dir = dirs[0].path();
    let doc = ok(guild(&room, None, host_dir, &["new", "--title", TITLE]))
        .trim()
        .to_owned();
    ok(guild(
        &room,
        None,
        host_dir,
        &["member", "add", &doc, "Ana", "--me"],
    ));

    let started = Instant::now();
    let mut host = Daemon::start(guild(
        &room,
        Some(0),
        host_dir,
        &[
            "workshop",
            "host",
            &doc,
            "--code",
            "--expires",
            "1h",
            "--as",
            "Ana",
        ],
    ))
    .unwrap();
    let code = host.wait_for("join code:", LIMIT).unwrap();
    let ticket = host.wait_for("ticket:", LIMIT).unwrap();
    host.wait_for("Guild is serving", LIMIT).unwrap();

    // What anyone on the network sees, before knocking.
    let late = PARTICIPANTS + 1;
    let listed = ok(guild(
        &room,
        Some(late),
        dirs[late].path(),
        &["workshop", "list", "--wait", "3"],
    ));
    assert!(
        listed.contains(&format!("{TITLE}  hosted by Ana")) && listed.contains(&doc),
        "{listed}"
    );

    // Half the room types the code; the other half knocks once the host
    // has turned "admit everyone" on.
    let knock = |with_code: bool| {
        let (room, dirs, code, doc) = (room.clone(), dirs.clone(), code.clone(), doc.clone());
        move |i: usize| {
            let name = format!("P{i:02}");
            let mut args = vec![
                "workshop",
                "join",
                "vision",
                "--as",
                &name,
                "--find",
                "30",
                "--timeout",
                "60",
            ];
            if with_code {
                args.extend(["--code", code.as_str()]);
            }
            let out = ok(guild(&room, Some(i), dirs[i].path(), &args));
            assert_eq!(out.trim(), doc, "{name} joined the workshop's charter");
        }
    };
    let by_code = |i: usize| i <= PARTICIPANTS / 2;
    let first_half = {
        let knock = knock(true);
        move |i| {
            if by_code(i) {
                knock(i);
            }
        }
    };
    all(first_half);
    println!(
        "6 participants in by the join code after {:?}",
        started.elapsed()
    );
    ok(guild(
        &room,
        None,
        host_dir,
        &["workshop", "admit", "--all", "10m"],
    ));
    let second_half = {
        let knock = knock(false);
        move |i| {
            if !by_code(i) {
                knock(i);
            }
        }
    };
    all(second_half);
    println!("12 participants in after {:?}", started.elapsed());

    // Everyone adds a note and brings it to the host.
    let (r, d, id) = (room.clone(), dirs.clone(), doc.clone());
    all(move |i| {
        let dir = d[i].path();
        let name = format!("P{i:02}");
        ok(guild(&r, None, dir, &["member", "add", &id, &name, "--me"]));
        let text = format!("Idea {i:02} from {name}");
        ok(guild(
            &r,
            None,
            dir,
            &["note", "add", &id, "--phase", "dream", &text],
        ));
        ok(guild(&r, Some(i), dir, &["sync", &id, "--timeout", "30"]));
    });
    let shown = ok(guild(&room, None, host_dir, &["show", &doc]));
    for i in 1..=PARTICIPANTS {
        assert!(
            shown.contains(&format!("Idea {i:02}")),
            "P{i:02}'s note reached the host"
        );
    }

    // The vote: everyone puts a dot on idea 01, and a second on 02 or 03.
    let vote = ok(guild(
        &room,
        None,
        host_dir,
        &[
            "vote",
            "open",
            &doc,
            "Which idea first?",
            "--on",
            "notes",
            "--dots",
            "2",
        ],
    ))
    .trim()
    .to_owned();
    let (r, d, id, v) = (room.clone(), dirs.clone(), doc.clone(), vote.clone());
    all(move |i| {
        let dir = d[i].path();
        ok(guild(&r, Some(i), dir, &["sync", &id, "--timeout", "30"]));
        let second = if i <= 8 {
            "Idea 02 from P02"
        } else {
            "Idea 03 from P03"
        };
        for item in ["Idea 01 from P01", second] {
            ok(guild(&r, None, dir, &["vote", "dot", &id, &v, item]));
        }
        ok(guild(&r, Some(i), dir, &["sync", &id, "--timeout", "30"]));
    });
    ok(guild(
        &room,
        None,
        host_dir,
        &["vote", "close", &doc, &vote],
    ));
    let ranking = ok(guild(&room, None, host_dir, &["vote", "show", &doc]));
    println!("{ranking}");
    let first = ranking.find("Idea 01").expect("idea 01 ranked");
    let second = ranking.find("Idea 02").expect("idea 02 ranked");
    let third = ranking.find("Idea 03").expect("idea 03 ranked");
    assert!(
        first < second && second < third,
        "ranked by dots: {ranking}"
    );
    let (r, d, id) = (room.clone(), dirs.clone(), doc.clone());
    let theirs = all(move |i| {
        let dir = d[i].path();
        ok(guild(&r, Some(i), dir, &["sync", &id, "--timeout", "30"]));
        ok(guild(&r, None, dir, &["vote", "show", &id]))
    });
    for (i, seen) in theirs.iter().enumerate() {
        assert_eq!(seen, &ranking, "P{:02} sees the host's ranking", i + 1);
    }
    println!(
        "the vote's ranking is the same on all 13 after {:?}",
        started.elapsed()
    );

    // The end: the old ticket and the code no longer let anyone in.
    ok(guild(&room, None, host_dir, &["workshop", "end"]));
    let refused = fails(guild(
        &room,
        Some(late),
        dirs[late].path(),
        &["join", &ticket, "--timeout", "15"],
    ));
    assert!(refused.contains("this invite was closed"), "{refused}");
    let refused = fails(guild(
        &room,
        Some(late),
        dirs[late].path(),
        &["workshop", "join", "vision", "--code", &code, "--find", "5"],
    ));
    assert!(
        refused.contains("no workshop on this network matches"),
        "{refused}"
    );
    let devices = ok(guild(&room, None, host_dir, &["devices", &doc]));
    assert_eq!(
        devices.lines().count(),
        PARTICIPANTS + 1,
        "the host and the twelve, nobody else: {devices}"
    );
    drop(host);
}
