//! A room co-writing its vision, for real: 24 `guild serve --lan`
//! processes (`GUILD_ROOM_DEVICES` sets another size), each in its
//! own network namespace on one bridge (a LAN with multicast). They enter
//! by the workshop's "admit everyone", find each other by mDNS, link up as
//! the room's overlay chooses, and all propose a line for the vision
//! (`guild contribute`) at the same moment. The test prints how long until every device held every
//! line, and the bytes each device received on its network interface per
//! edit made elsewhere (everything on the wire: QUIC, keep-alives, mDNS).
//! Then the host's process stops, and the others write a second line
//! each and converge among themselves.
//!
//! Two more devices share the LAN and check access on the way: a reader
//! who joined by a read-only ticket, and an outsider on another charter
//! only. The reader's `contribute` is refused; then, as a modified client
//! would, it writes a line into its own store anyway and serves it to the
//! room. One writer is revoked before the second burst and does the same.
//! Neither line ever lands; the outsider never receives the charter.
//!
//! Needs root and iproute2; without them it says it was skipped and why.
//! Nothing leaves the namespaces it creates (`guild_tests::netns::Room`).

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use guild_model::{Op, Position, Role};
use guild_sync::LibraryOptions;
use guild_tests::control::ask;
use guild_tests::netns::{Room, skip_reason};
use guild_tests::procs::{Daemon, on_data_dir, run};
use guild_tests::{open_library, runtime};

const GUILD: &str = env!("CARGO_BIN_EXE_guild");
/// The longest one step may take.
const LIMIT: Duration = Duration::from_mins(3);
/// How often each device is asked whether it has every line yet.
const POLL: Duration = Duration::from_millis(100);

fn devices() -> usize {
    std::env::var("GUILD_ROOM_DEVICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| (3..=200).contains(n))
        .unwrap_or(24)
}

/// `guild --data-dir DIR ARGS…` on room host `at`.
fn guild(room: &Room, at: usize, data: &Path, args: &[&str]) -> Command {
    on_data_dir(room.command(at, GUILD), data, args)
}

fn ok(command: Command) -> String {
    let what = format!("{command:?}");
    run(command, LIMIT)
        .unwrap_or_else(|e| panic!("{what}: {e}"))
        .ok(&what)
}

/// Runs `each(i)` for every `i` in `range` at once; results in order.
fn all<T: Send + 'static>(
    range: std::ops::Range<usize>,
    each: impl Fn(usize) -> T + Send + Sync + Clone + 'static,
) -> Vec<T> {
    let handles: Vec<_> = range
        .map(|i| {
            let each = each.clone();
            thread::spawn(move || each(i))
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

/// Bytes received so far on host `i`'s LAN interface.
fn rx_bytes(room: &Room, i: usize) -> u64 {
    room.host(i)
        .run("cat", &["/sys/class/net/eth0/statistics/rx_bytes"])
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// The lines proposed for the vision, as device `data` has them now.
fn vision(data: &Path, doc: &str) -> Vec<String> {
    let json: serde_json::Value =
        serde_json::from_str(&ask(data, &["show", doc, "--json"]).unwrap()).unwrap();
    json["vision"]["contributions"]
        .as_object()
        .map(|all| {
            all.values()
                .filter_map(|c| c["text"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Waits until device `data` holds every one of `lines`; how long it took
/// from `since`.
fn holds_all(data: &Path, doc: &str, lines: &[String], since: Instant) -> Duration {
    loop {
        let now = vision(data, doc);
        if lines.iter().all(|l| now.contains(l)) {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < LIMIT,
            "{} never got every line; it has: {now:?}",
            data.display()
        );
        thread::sleep(POLL);
    }
}

/// Every device in `range` appends its line at the same moment; then each
/// waits until it holds all of them. Returns (slowest device's time from
/// the moment of the burst, bytes received per device per edit made
/// elsewhere: mean and most).
fn burst(
    room: &Arc<Room>,
    dirs: &Arc<Vec<PathBuf>>,
    doc: &str,
    range: std::ops::Range<usize>,
    line: fn(usize) -> String,
) -> (Duration, f64, u64) {
    let n = range.len();
    let lines: Arc<Vec<String>> = Arc::new(range.clone().map(line).collect());
    let before: Vec<u64> = range.clone().map(|i| rx_bytes(room, i)).collect();
    let ready = Arc::new(Barrier::new(n));
    let first = range.start;
    let (d, id, l, r) = (dirs.clone(), doc.to_owned(), lines.clone(), ready.clone());
    let times = all(range.clone(), move |i| {
        let dir = &d[i];
        r.wait();
        let start = Instant::now();
        ask(dir, &["contribute", &id, &l[i - first]]).unwrap();
        (start, holds_all(dir, &id, &l, start))
    });
    let burst_at = times.iter().map(|(s, _)| *s).min().unwrap();
    let slowest = times
        .iter()
        .map(|(s, t)| s.duration_since(burst_at) + *t)
        .max()
        .unwrap();
    let received: Vec<u64> = range
        .clone()
        .zip(before)
        .map(|(i, b)| rx_bytes(room, i) - b)
        .collect();
    let per_edit = |bytes: u64| bytes / u64::try_from(n - 1).unwrap();
    #[allow(clippy::cast_precision_loss)] // bytes, far below 2^52
    let mean = received.iter().map(|b| per_edit(*b) as f64).sum::<f64>() / n as f64;
    let most = received.iter().map(|b| per_edit(*b)).max().unwrap();
    (slowest, mean, most)
}

/// `guild serve --lan` on room host `at`, once it is serving.
fn serve(room: &Room, at: usize, data: &Path) -> Daemon {
    let mut daemon = Daemon::start(guild(room, at, data, &["serve", "--lan"])).unwrap();
    daemon.wait_for("Guild is serving", LIMIT).unwrap();
    daemon
}

/// The line a device that may not write puts in its store anyway, as a
/// modified client could (its process stopped meanwhile: the store is
/// one process's at a time).
fn forge_line(data: &Path, doc: &str, text: &str) {
    runtime().block_on(async {
        let library = open_library(data, LibraryOptions::one_shot())
            .await
            .unwrap();
        let op = Op::AddContribution {
            id: format!("forged-{}", text.len()),
            text: text.into(),
            author: "Mallory".into(),
            role: Role::Member,
            position: Position::End,
        };
        library.edit_as_hostile_peer(doc, &op).await.unwrap();
        library.close().await.unwrap();
    });
}

/// This device's endpoint id, from its own `devices` list.
fn endpoint_of(data: &Path, doc: &str) -> String {
    let devices = ask(data, &["devices", doc]).unwrap();
    devices
        .lines()
        .find(|l| l.ends_with("(this device)"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no '(this device)' in {devices}"))
        .to_owned()
}

/// Waits until every device in `range` lists at least `count` devices on
/// `doc`, `revoked` of them revoked.
fn all_list(
    dirs: &Arc<Vec<PathBuf>>,
    doc: &str,
    range: std::ops::Range<usize>,
    count: usize,
    revoked: usize,
) {
    let (d, id) = (dirs.clone(), doc.to_owned());
    all(range, move |i| {
        let since = Instant::now();
        loop {
            let devices = ask(&d[i], &["devices", &id]).unwrap();
            let gone = devices.lines().filter(|l| l.contains(" revoked")).count();
            if devices.lines().count() >= count && gone >= revoked {
                break;
            }
            assert!(since.elapsed() < LIMIT, "device {i} knows only: {devices}");
            thread::sleep(Duration::from_millis(200));
        }
    });
}

/// Asserts no device in `range` holds `line`.
fn nowhere(dirs: &[PathBuf], doc: &str, range: std::ops::Range<usize>, line: &str) {
    for i in range {
        let seen = vision(&dirs[i], doc);
        assert!(
            !seen.iter().any(|l| l == line),
            "device {i} took {line:?}: {seen:?}"
        );
    }
}

#[test]
#[allow(clippy::too_many_lines)] // one story, told in order
fn a_room_of_devices_on_a_lan_writes_the_vision_at_once_and_converges_without_its_host() {
    if let Some(why) = skip_reason() {
        eprintln!("skipped: {why}");
        return;
    }
    let n = devices();
    // Hosts 0..n write; n reads only; n + 1 is on another charter.
    let (reader, outsider) = (n, n + 1);
    let room = Arc::new(Room::new("rs", n + 2).unwrap());
    let temp: Vec<tempfile::TempDir> = (0..n + 2).map(|_| tempfile::tempdir().unwrap()).collect();
    let dirs: Arc<Vec<PathBuf>> = Arc::new(temp.iter().map(|t| t.path().to_owned()).collect());
    let started = Instant::now();

    let doc = ok(on_data_dir(
        Command::new(GUILD),
        &dirs[0],
        &["new", "--title", "Room CoP"],
    ))
    .trim()
    .to_owned();
    ok(on_data_dir(
        Command::new(GUILD),
        &dirs[0],
        &["member", "add", &doc, "Ana", "--me"],
    ));
    let mut host = Daemon::start(guild(
        &room,
        0,
        &dirs[0],
        &["workshop", "host", &doc, "--expires", "1h", "--as", "Ana"],
    ))
    .unwrap();
    host.wait_for("Guild is serving", LIMIT).unwrap();
    ask(&dirs[0], &["workshop", "admit", "--all", "30m"]).unwrap();

    // Everyone else walks in, finds the workshop by mDNS, and starts
    // serving with LAN discovery on.
    let (r, d, id) = (room.clone(), dirs.clone(), doc.clone());
    let mut daemons = all(1..n, move |i| {
        let name = format!("P{i:02}");
        let args = [
            "workshop",
            "join",
            "room",
            "--as",
            &name,
            "--find",
            "60",
            "--timeout",
            "120",
        ];
        assert_eq!(ok(guild(&r, i, &d[i], &args)).trim(), id, "{name} joined");
        let mut daemon = Daemon::start(guild(&r, i, &d[i], &["serve", "--lan"])).unwrap();
        daemon.wait_for("Guild is serving", LIMIT).unwrap();
        daemon
    });
    println!("{n} devices in and serving after {:?}", started.elapsed());

    // The reader joins by a read-only ticket; the outsider by a ticket to
    // another charter. Both serve on the same LAN.
    let ticket = ask(&dirs[0], &["share", &doc, "--read-only", "--no-qr"]).unwrap();
    ok(guild(
        &room,
        reader,
        &dirs[reader],
        &["join", ticket.trim()],
    ));
    let mut reader_daemon = serve(&room, reader, &dirs[reader]);
    let other = ask(&dirs[0], &["new", "--title", "Neighbouring CoP"]).unwrap();
    let other = other.trim();
    let ticket = ask(&dirs[0], &["share", other, "--no-qr"]).unwrap();
    ok(guild(
        &room,
        outsider,
        &dirs[outsider],
        &["join", ticket.trim()],
    ));
    let _outsider_daemon = serve(&room, outsider, &dirs[outsider]);

    // Before the burst, every device knows every other: the access lists
    // (and so the overlay's rings) have converged.
    all_list(&dirs, &doc, 0..n + 1, n + 1, 0);

    // The reader may not write; a modified client writes anyway.
    let refused = ask(&dirs[reader], &["contribute", &doc, "The reader's line"]);
    let Err(why) = refused else {
        panic!("the reader's contribute was taken: {refused:?}")
    };
    println!("the reader's contribute is refused: {why}");
    reader_daemon.stop();
    let by_reader = "Forged by the read-only reader";
    forge_line(&dirs[reader], &doc, by_reader);
    let _reader_daemon = serve(&room, reader, &dirs[reader]);
    // Settled: the links the overlay keeps are up and quiet.
    thread::sleep(Duration::from_secs(3));

    let (converged, mean, most) = burst(&room, &dirs, &doc, 0..n, |i| {
        format!("Line {i:02}: together we learn faster")
    });
    println!(
        "room of {n}: every device held all {n} lines {:.0} ms after the burst; \
         received per device per edit made elsewhere: {mean:.0} B mean, {most} B most",
        converged.as_secs_f64() * 1000.0
    );

    // The reader got every line (it is linked in), and nobody took its own.
    holds_all(
        &dirs[reader],
        &doc,
        &(0..n)
            .map(|i| format!("Line {i:02}: together we learn faster"))
            .collect::<Vec<_>>(),
        Instant::now(),
    );
    nowhere(&dirs, &doc, 0..n, by_reader);

    // The host revokes the last writer, which then writes anyway.
    let revoked = n - 1;
    let gone = endpoint_of(&dirs[revoked], &doc);
    ask(&dirs[0], &["revoke", &doc, &gone]).unwrap();
    // The others hear of it. The revoked device itself may not: its
    // neighbours hang up on it as soon as they do, perhaps before passing
    // the revocation on. Its own contribute is refused if it heard, and
    // otherwise kept on it alone; either way it then forges one.
    all_list(&dirs, &doc, 0..revoked, n + 1, 1);
    all_list(&dirs, &doc, reader..reader + 1, n + 1, 1);
    let own = "The revoked device's own line";
    match ask(&dirs[revoked], &["contribute", &doc, own]) {
        Err(why) => println!("the revoked device's contribute is refused: {why}"),
        Ok(_) => println!("the revoked device had not heard: its contribute stays on it"),
    }
    daemons[revoked - 1].stop();
    let by_revoked = "Forged by the revoked writer";
    forge_line(&dirs[revoked], &doc, by_revoked);
    let _revoked_daemon = serve(&room, revoked, &dirs[revoked]);

    // The host leaves; the room goes on without it.
    drop(host);
    let (converged, mean, most) = burst(&room, &dirs, &doc, 1..revoked, |i| {
        format!("Again {i:02}: and across the silos")
    });
    println!(
        "without the host, {} devices: all lines everywhere {:.0} ms after the burst; \
         {mean:.0} B mean, {most} B most per device per edit",
        revoked - 1,
        converged.as_secs_f64() * 1000.0
    );
    // The revoked device has had its neighbours' syncs all burst long.
    for line in [by_revoked, own] {
        nowhere(&dirs, &doc, 1..revoked, line);
        nowhere(&dirs, &doc, reader..reader + 1, line);
    }
    nowhere(&dirs, &doc, 1..revoked, by_reader);
    let list = ask(&dirs[outsider], &["list"]).unwrap();
    assert!(
        list.contains(other) && !list.contains(&doc),
        "the outsider holds its own charter and not the room's: {list}"
    );
    let seen = vision(&dirs[revoked - 1], &doc);
    assert_eq!(
        seen.iter().filter(|l| l.starts_with("Line ")).count(),
        n,
        "every first line, once: {seen:?}"
    );
    assert_eq!(
        seen.iter().filter(|l| l.starts_with("Again ")).count(),
        revoked - 1,
        "every second line, once: {seen:?}"
    );
    drop(daemons);
}
