//! The LAN workshop, for real: two hosts in their own network namespaces,
//! on one bridged "LAN" with multicast on (`guild_tests::netns::Room`).
//! The host serves a charter with `--lan`; the joiner holds an invite whose
//! address list is empty — only the charter's id, the host's endpoint id
//! and the secret — and finds the host by mDNS alone, joins, and syncs an
//! edit back.
//!
//! Needs root and iproute2 (`ip netns`); without them it says it was
//! skipped and why. Nothing leaves the namespaces it creates: no relays,
//! no internet discovery, addresses in a private /24 that exists only there.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use guild_sync::net::ticket::InviteTicket;
use guild_tests::netns::{Room, skip_reason};
use guild_tests::procs::{Daemon, on_data_dir, run};
use tempfile::TempDir;

const GUILD: &str = env!("CARGO_BIN_EXE_guild");
/// The room's hosts: the workshop host and the joiner.
const HOST: usize = 0;
const JOINER: usize = 1;

/// `guild --data-dir DIR ARGS…`, in namespace `netns` when given.
fn guild(netns: Option<&str>, data: &Path, args: &[&str]) -> Command {
    let command = match netns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns, GUILD]);
            c
        }
        None => Command::new(GUILD),
    };
    on_data_dir(command, data, args)
}

fn ok(netns: Option<&str>, data: &Path, args: &[&str], timeout: Duration) -> String {
    run(guild(netns, data, args), timeout)
        .expect("run guild")
        .ok(&format!("guild {}", args.join(" ")))
}

/// Starts `guild serve --lan` in the host's namespace and waits for its
/// endpoint id; the serving peer is stopped (SIGINT) when dropped.
fn serve(lan: &Room, data: &Path) -> (Daemon, String) {
    let listen = format!("{}:0", lan.ip(HOST));
    let mut command = guild(
        Some(lan.ns(HOST)),
        data,
        &["serve", "--lan", "--listen", &listen],
    );
    command.env("GUILD_DEVICE_NAME", "workshop host");
    let mut host = Daemon::start(command).expect("start guild serve");
    let id = host
        .wait_for("endpoint id: ", Duration::from_secs(20))
        .unwrap_or_else(|e| panic!("{e}"));
    (host, id)
}

// One user's story from start to end, read top to bottom like a script.
#[allow(clippy::too_many_lines)]
#[test]
fn a_joiner_finds_the_workshop_host_by_mdns_alone_and_syncs() {
    let started = Instant::now();
    if let Some(reason) = skip_reason() {
        eprintln!("skipped: {reason}");
        return;
    }
    let lan = match Room::new("lan", 2) {
        Ok(lan) => lan,
        Err(reason) => {
            eprintln!("skipped: {reason}");
            return;
        }
    };
    let dir = TempDir::new().unwrap();
    let host_data = dir.path().join("host");
    let joiner_data = dir.path().join("joiner");
    let quick = Duration::from_secs(20);

    // The host makes the charter offline, then serves it on the LAN.
    let doc = ok(None, &host_data, &["new", "--title", "Workshop CoP"], quick)
        .trim()
        .to_owned();
    assert!(doc.len() > 20, "a document id: {doc}");
    let (mut host, endpoint) = serve(&lan, &host_data);

    // The invite, through the serving process's control socket …
    let shared = ok(None, &host_data, &["share", &doc, "--no-qr"], quick);
    let mut ticket: InviteTicket = shared.trim().parse().expect("a Guild ticket");
    assert_eq!(ticket.doc, doc);
    assert_eq!(ticket.inviter.id.to_string(), endpoint);
    assert!(
        !ticket.inviter.addrs.is_empty(),
        "the host lists its addresses in the ticket"
    );
    // … stripped of every address: the joiner must find the host by mDNS.
    ticket.inviter.addrs.clear();
    let addressless = ticket.to_string();
    let reparsed: InviteTicket = addressless.parse().unwrap();
    assert!(reparsed.inviter.addrs.is_empty());
    assert_eq!(reparsed.inviter.id.to_string(), endpoint);

    let joiner_listen = format!("{}:0", lan.ip(JOINER));
    let mut join = guild(
        Some(lan.ns(JOINER)),
        &joiner_data,
        &[
            "join",
            &addressless,
            "--lan",
            "--listen",
            &joiner_listen,
            "--timeout",
            "60",
        ],
    );
    join.env("GUILD_DEVICE_NAME", "workshop joiner");
    let joined = run(join, Duration::from_secs(75)).expect("run guild join");
    assert!(
        joined.status.success(),
        "the joiner could not join by mDNS ({}):\nstdout: {}\nstderr: {}\nhost log: {}",
        joined.status,
        joined.stdout,
        joined.stderr,
        host.log()
    );
    assert_eq!(joined.stdout.trim(), doc, "join prints the charter's id");
    assert!(
        ok(None, &joiner_data, &["show", &doc], quick).starts_with("# Workshop CoP"),
        "the charter arrived"
    );

    // An offline edit on the joiner, synced back over the LAN (again with
    // no address for the host but what mDNS says).
    ok(
        None,
        &joiner_data,
        &["set", &doc, "purpose", "From the joiner"],
        quick,
    );
    let mut sync = guild(
        Some(lan.ns(JOINER)),
        &joiner_data,
        &[
            "sync",
            &doc,
            "--lan",
            "--listen",
            &joiner_listen,
            "--timeout",
            "30",
        ],
    );
    sync.env("GUILD_DEVICE_NAME", "workshop joiner");
    let synced = run(sync, Duration::from_secs(45)).expect("run guild sync");
    assert!(
        synced.status.success(),
        "the joiner could not sync by mDNS ({}):\nstdout: {}\nstderr: {}\nhost log: {}",
        synced.status,
        synced.stdout,
        synced.stderr,
        host.log()
    );
    assert!(
        synced.stdout.contains("1 of 1 peers up to date"),
        "{}",
        synced.stdout
    );
    // "How am I connected?": on one LAN, straight to the host.
    assert!(
        synced
            .stdout
            .lines()
            .any(|l| l.contains("up to date") && l.contains("direct, ")),
        "{}",
        synced.stdout
    );

    // The host has the joiner's edit (asked through its control socket).
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let shown = ok(None, &host_data, &["show", &doc], quick);
        if shown.contains("From the joiner") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the host never got the joiner's edit:\n{shown}\nhost log: {}",
            host.log()
        );
        thread::sleep(Duration::from_millis(200));
    }

    let status = host.stop();
    assert!(
        status.is_some_and(|s| s.success()),
        "guild serve stops cleanly on SIGINT ({status:?}): {}",
        host.log()
    );
    drop(lan);
    eprintln!(
        "the LAN workshop took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
