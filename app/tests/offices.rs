//! Across offices, for real: offices A and B each behind their own NAT
//! (nftables masquerade, and a firewall that lets in only replies, so
//! nobody outside can dial a laptop), and an "internet" namespace where
//! `guild relay` runs with its own certificate, a shared secret and QUIC
//! address discovery. Every `guild` is a real process in its namespace.
//!
//! - With NATs that allow hole punching (endpoint-independent mapping), A
//!   shares, B joins with nothing but the ticket, both edit, both converge,
//!   and `guild sync` sees the connection become direct.
//! - With symmetric NATs it stays relayed and still syncs.
//! - An office peer (`guild serve` on an office machine) hands A's edits to
//!   B although A and B are never online at the same time.
//! - Everything that crossed the internet is captured (tcpdump on its
//!   bridge); a charter's text never appears in it.
//!
//! Needs root, iproute2, nftables and openssl (for the relay's
//! certificate); tcpdump for the capture. Without them it says what it
//! skipped and why. Nothing leaves the namespaces it creates.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use guild_sync::net::ticket::InviteTicket;
use guild_tests::netns::{Internet, Nat, Netns, Office, nat_skip_reason};
use guild_tests::procs::{Daemon, run};
use tempfile::TempDir;

const GUILD: &str = env!("CARGO_BIN_EXE_guild");
/// The relay's shared secret: the URL carries it, and so the ticket.
const SECRET: &str = "offices-test-secret";
/// Text in a charter that must never cross the internet readably.
const MARKER: &str = "Zanzibar-Quokka-7731 is our purpose";
const QUICK: Duration = Duration::from_secs(30);

/// Why this cannot run here, if it cannot.
fn skip_reason() -> Option<String> {
    nat_skip_reason().or_else(|| {
        Command::new("openssl")
            .arg("version")
            .output()
            .is_err()
            .then(|| "openssl is not installed (the relay's certificate)".into())
    })
}

fn has_tcpdump() -> bool {
    Command::new("tcpdump").arg("--version").output().is_ok()
}

/// The internet, the offices, the relay, and the capture of the internet.
struct World {
    // Processes before the namespaces they run in.
    capture: Option<(Daemon, PathBuf)>,
    relay: Daemon,
    offices: Vec<Office>,
    _internet: Internet,
    url: String,
    ca: PathBuf,
    dir: TempDir,
}

impl World {
    /// An internet with a relay and one office per `(nat, hosts)`.
    fn new(tag: &str, offices: &[(Nat, usize)]) -> Self {
        let dir = TempDir::new().unwrap();
        let internet = Internet::new(tag).unwrap();
        let offices = offices
            .iter()
            .map(|(nat, n)| Office::new(tag, &internet, *nat, *n).unwrap())
            .collect();
        // The relay's own certificate, for its address: devices trust it
        // through GUILD_RELAY_CA, as a community with its own CA would.
        let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        let mut openssl = Command::new("openssl");
        openssl
            .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
            .args(["ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .arg("-subj")
            .arg(format!("/CN={}", Internet::ADDR))
            .arg("-addext")
            .arg(format!("subjectAltName=IP:{}", Internet::ADDR))
            // A leaf, not a CA: webpki refuses a CA certificate as a
            // server's own, even when it is the trusted root.
            .args(["-addext", "basicConstraints=critical,CA:FALSE"]);
        run(openssl, QUICK).unwrap().ok("openssl");
        let capture = has_tcpdump().then(|| {
            let pcap = dir.path().join("internet.pcap");
            let mut tcpdump = internet.ns().command("tcpdump");
            tcpdump
                .args(["-i", "br0", "-U", "-s", "0", "-w"])
                .arg(&pcap);
            let mut daemon = Daemon::start(tcpdump).unwrap();
            daemon.wait_for("tcpdump: listening on", QUICK).unwrap();
            (daemon, pcap)
        });
        let at = |port: u16| format!("{}:{port}", Internet::ADDR);
        let mut relay = internet.ns().command(GUILD);
        relay
            .args(["relay", "--listen", &at(3340), "--https-listen", &at(443)])
            .args(["--quic-listen", &at(7842), "--token", SECRET])
            .arg("--cert")
            .arg(&cert)
            .arg("--key")
            .arg(&key)
            .env("RUST_LOG", "info,iroh=warn,iroh_relay=warn");
        let mut relay = Daemon::start(relay).unwrap();
        relay.wait_for("relay: ", QUICK).unwrap();
        Self {
            capture,
            relay,
            offices,
            _internet: internet,
            url: format!("https://{}/?token={SECRET}", Internet::ADDR),
            ca: cert,
            dir,
        }
    }

    /// A data directory for a device.
    fn data(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `guild --data-dir DATA ARGS…` in `ns`.
    fn guild(&self, ns: &Netns, data: &Path, args: &[&str]) -> Command {
        let mut command = ns.command(GUILD);
        command
            .arg("--data-dir")
            .arg(data)
            .args(args)
            .env("GUILD_RELAY_CA", &self.ca)
            .env_remove("GUILD_DATA_DIR")
            .env_remove("RUST_LOG");
        command
    }

    fn ok(&self, ns: &Netns, data: &Path, args: &[&str]) -> String {
        run(self.guild(ns, data, args), Duration::from_secs(90))
            .unwrap()
            .ok(&format!("guild {}", args.join(" ")))
    }

    /// `guild serve` in `ns`; its endpoint id.
    fn serve(&self, ns: &Netns, data: &Path, name: &str) -> (Daemon, String) {
        let mut command = self.guild(ns, data, &["serve", "--name", name]);
        command.env("RUST_LOG", "info,iroh=warn,samod=warn,samod_core=warn");
        let mut daemon = Daemon::start(command).unwrap();
        let id = daemon.wait_for("endpoint id: ", QUICK).unwrap();
        (daemon, id)
    }

    /// Stops the relay and the capture; the bytes captured.
    fn finish(&mut self) -> Option<Vec<u8>> {
        self.relay.stop();
        let (mut tcpdump, pcap) = self.capture.take()?;
        tcpdump.stop();
        Some(std::fs::read(pcap).unwrap())
    }
}

/// Polls `probe` until it gives `Some`, or panics with `what` after `timeout`.
fn wait_until<T>(what: &str, timeout: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(Instant::now() < deadline, "{what}: not within {timeout:?}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The `guild sync` line about `peer` (by endpoint id prefix).
fn peer_line<'a>(sync: &'a str, peer: &str) -> Option<&'a str> {
    sync.lines()
        .find(|l| l.trim_start().starts_with(&peer[..16]))
}

/// Checks that the charter's text never crossed the internet readably.
fn assert_nothing_readable(captured: Option<Vec<u8>>, texts: &[&str]) {
    let Some(bytes) = captured else {
        eprintln!("skipped the capture: tcpdump is not installed");
        return;
    };
    assert!(
        bytes.len() > 10_000,
        "the capture holds the offices' traffic ({} bytes)",
        bytes.len()
    );
    for text in texts {
        assert!(
            !bytes.windows(text.len()).any(|w| w == text.as_bytes()),
            "`{text}` crossed the internet readably"
        );
    }
    eprintln!(
        "captured {} bytes on the internet; none of the charter's text in them",
        bytes.len()
    );
}

/// Two offices behind `nat`: share, join, edit both ways, converge; then
/// watch how the connection runs.
#[allow(clippy::too_many_lines)]
fn two_offices(tag: &str, nat: Nat) {
    if let Some(reason) = skip_reason() {
        eprintln!("skipped: {reason}");
        return;
    }
    let mut world = World::new(tag, &[(nat, 1), (nat, 1)]);
    let (a, b) = (world.offices[0].host(0), world.offices[1].host(0));
    let (a_data, b_data) = (world.data("a"), world.data("b"));

    // Office A: the charter, the community's relay, always on.
    let doc = world
        .ok(a, &a_data, &["new", "--title", "Offices CoP"])
        .trim()
        .to_owned();
    world.ok(a, &a_data, &["set", &doc, "purpose", MARKER]);
    world.ok(a, &a_data, &["relay", "use", &doc, &world.url]);
    let (mut a_serve, a_id) = world.serve(a, &a_data, "office A laptop");
    assert!(
        a_serve.log().contains("relay: https://203.0.113.1"),
        "{}",
        a_serve.log()
    );

    // The ticket carries the relay (and its secret): B needs nothing else.
    let shared = world.ok(a, &a_data, &["share", &doc, "--no-qr"]);
    let ticket: InviteTicket = shared.trim().parse().unwrap();
    assert_eq!(ticket.relay.as_deref(), Some(world.url.as_str()));
    let started = Instant::now();
    let joined = world.ok(b, &b_data, &["join", shared.trim(), "--timeout", "60"]);
    let join_time = started.elapsed();
    assert_eq!(joined.trim(), doc);
    assert!(
        world
            .ok(b, &b_data, &["relay", "use", &doc])
            .contains("203.0.113.1"),
        "B remembers the charter's relay"
    );
    let (mut b_serve, b_id) = world.serve(b, &b_data, "office B laptop");

    // Both edit; both converge.
    let started = Instant::now();
    world.ok(a, &a_data, &["set", &doc, "vision", "Written in office A"]);
    world.ok(
        b,
        &b_data,
        &["objective", "add", &doc, "Objective from office B"],
    );
    wait_until("both offices converge", Duration::from_mins(1), || {
        let on_a = world.ok(a, &a_data, &["show", &doc]);
        let on_b = world.ok(b, &b_data, &["show", &doc]);
        (on_a.contains("Objective from office B")
            && on_b.contains("Written in office A")
            && on_b.contains(MARKER))
        .then_some(())
    });
    let converge_time = started.elapsed();
    // Both laptops came through the relay (the only way in at first).
    for id in [&a_id, &b_id] {
        assert!(
            world
                .relay
                .log()
                .lines()
                .any(|l| l.contains("relaying for this device") && l.contains(id.as_str())),
            "the relay never saw {id}:\n{}",
            world.relay.log()
        );
    }

    // How B is connected to A, as `guild sync` says it.
    let how = || {
        let sync = world.ok(b, &b_data, &["sync", &doc, "--timeout", "5"]);
        peer_line(&sync, &a_id).map(str::to_owned)
    };
    let started = Instant::now();
    match nat {
        Nat::EndpointIndependent => {
            let line = wait_until(
                "the connection becomes direct (hole punching)",
                Duration::from_mins(1),
                || how().filter(|l| l.contains("direct")),
            );
            eprintln!(
                "{tag}: joined through the relay in {:.1} s, converged in {:.1} s, direct after {:.1} s more: {line}",
                join_time.as_secs_f64(),
                converge_time.as_secs_f64(),
                started.elapsed().as_secs_f64()
            );
        }
        Nat::Symmetric => {
            let mut seen = Vec::new();
            while started.elapsed() < Duration::from_secs(20) {
                let line = how().expect("B lists A");
                assert!(line.contains("up to date"), "{line}");
                assert!(
                    line.contains("relayed"),
                    "a symmetric NAT allows no direct path: {line}\nA: {}\nB: {}",
                    a_serve.log(),
                    b_serve.log()
                );
                seen.push(line);
                std::thread::sleep(Duration::from_secs(2));
            }
            eprintln!(
                "{tag}: joined through the relay in {:.1} s, converged in {:.1} s, still relayed after 20 s: {}",
                join_time.as_secs_f64(),
                converge_time.as_secs_f64(),
                seen.last().map_or("", String::as_str)
            );
        }
    }
    // One more edit on the path it settled on.
    let started = Instant::now();
    world.ok(
        a,
        &a_data,
        &["set", &doc, "vision", "Second word from office A"],
    );
    wait_until("the edit reaches B", Duration::from_secs(30), || {
        world
            .ok(b, &b_data, &["show", &doc])
            .contains("Second word from office A")
            .then_some(())
    });
    eprintln!(
        "{tag}: an edit reached the other office in {} ms",
        started.elapsed().as_millis()
    );
    for serve in [&mut a_serve, &mut b_serve] {
        let status = serve.stop();
        assert!(status.is_some_and(|s| s.success()), "{}", serve.log());
    }
    let captured = world.finish();
    assert_nothing_readable(
        captured,
        &[MARKER, "Written in office A", "Objective from office B"],
    );
}

#[test]
fn offices_behind_nats_that_allow_hole_punching_sync_and_go_direct() {
    two_offices("eim", Nat::EndpointIndependent);
}

#[test]
fn offices_behind_symmetric_nats_stay_relayed_and_still_sync() {
    two_offices("sym", Nat::Symmetric);
}

/// A's edits reach B through the office peer while A and B are never
/// online together.
#[test]
fn the_office_peer_hands_edits_on_while_their_author_is_away() {
    if let Some(reason) = skip_reason() {
        eprintln!("skipped: {reason}");
        return;
    }
    // Symmetric NATs: whatever reaches B from office A goes via the relay.
    let mut world = World::new("peer", &[(Nat::Symmetric, 2), (Nat::Symmetric, 1)]);
    let (a, office, b) = (
        world.offices[0].host(0),
        world.offices[0].host(1),
        world.offices[1].host(0),
    );
    let (a_data, o_data, b_data) = (world.data("a"), world.data("office"), world.data("b"));

    let doc = world
        .ok(a, &a_data, &["new", "--title", "Office peer CoP"])
        .trim()
        .to_owned();
    world.ok(a, &a_data, &["relay", "use", &doc, &world.url]);
    let (mut a_serve, _) = world.serve(a, &a_data, "A laptop");
    // The office machine joins and serves for good.
    let ticket = world.ok(a, &a_data, &["share", &doc, "--no-qr"]);
    world.ok(office, &o_data, &["join", ticket.trim(), "--timeout", "60"]);
    let (mut o_serve, o_id) = world.serve(office, &o_data, "office server");
    // B joins, then goes offline (it runs no peer).
    let ticket = world.ok(a, &a_data, &["share", &doc, "--no-qr"]);
    world.ok(b, &b_data, &["join", ticket.trim(), "--timeout", "60"]);

    // A edits while B is away; the office peer gets it; A goes offline.
    world.ok(a, &a_data, &["set", &doc, "purpose", MARKER]);
    wait_until(
        "the office peer has A's edit",
        Duration::from_mins(1),
        || {
            world
                .ok(office, &o_data, &["show", &doc])
                .contains(MARKER)
                .then_some(())
        },
    );
    // What a relay's allow file would hold: every device of the charter.
    let devices = world.ok(a, &a_data, &["relay", "devices"]);
    assert_eq!(
        devices.lines().count(),
        3,
        "A, the office peer and B:\n{devices}"
    );
    assert!(devices.contains(&o_id), "{devices}");
    assert!(
        a_serve.stop().is_some_and(|s| s.success()),
        "{}",
        a_serve.log()
    );

    // B comes back: it gets A's edit from the office peer, through the relay.
    let started = Instant::now();
    let synced = world.ok(b, &b_data, &["sync", &doc, "--timeout", "60"]);
    let took = started.elapsed();
    let line = peer_line(&synced, &o_id).expect("B lists the office peer");
    assert!(
        line.contains("up to date") && line.contains("relayed"),
        "{synced}"
    );
    assert!(
        world.ok(b, &b_data, &["show", &doc]).contains(MARKER),
        "B has A's edit:\n{synced}\noffice peer: {}",
        o_serve.log()
    );
    eprintln!(
        "B got A's edit from the office peer in {:.1} s: {line}",
        took.as_secs_f64()
    );
    assert!(
        o_serve.stop().is_some_and(|s| s.success()),
        "{}",
        o_serve.log()
    );
    assert_nothing_readable(world.finish(), &[MARKER]);
}
