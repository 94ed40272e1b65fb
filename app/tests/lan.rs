//! The LAN workshop, for real: two hosts in their own network namespaces,
//! joined by one veth "LAN" with multicast on. The host serves a charter
//! with `--lan`; the joiner holds an invite whose address list is empty —
//! only the charter's id, the host's endpoint id and the secret — and finds
//! the host by mDNS alone, joins, and syncs an edit back.
//!
//! Needs root and iproute2 (`ip netns`); without them it says it was
//! skipped and why. Nothing leaves the two namespaces it creates: no relays,
//! no internet discovery, addresses in a private /24 that exists only there.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use guild_sync::net::ticket::InviteTicket;
use tempfile::TempDir;

const GUILD: &str = env!("CARGO_BIN_EXE_guild");
/// The workshop's LAN: a private /24 that exists only inside the namespaces.
const HOST_IP: &str = "10.201.77.1";
const JOINER_IP: &str = "10.201.77.2";
const PREFIX: &str = "24";
/// The veth ends, one per namespace (names are per namespace).
const HOST_DEV: &str = "guild-a";
const JOINER_DEV: &str = "guild-b";

/// What a finished command printed.
struct Ran {
    status: ExitStatus,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn ok(self, what: &str) -> String {
        assert!(
            self.status.success(),
            "{what} failed ({}):\nstdout: {}\nstderr: {}",
            self.status,
            self.stdout,
            self.stderr
        );
        self.stdout
    }
}

/// Runs `command` to completion, killing it (and failing) after `timeout`.
fn run(mut command: Command, timeout: Duration) -> std::io::Result<Ran> {
    let what = format!("{command:?}");
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdout = drain(child.stdout.take().expect("piped stdout"));
    let stderr = drain(child.stderr.take().expect("piped stderr"));
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{what} did not finish within {} s\nstdout: {}\nstderr: {}",
                timeout.as_secs(),
                stdout.join().unwrap_or_default(),
                stderr.join().unwrap_or_default()
            );
        }
        thread::sleep(Duration::from_millis(20));
    };
    Ok(Ran {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

fn drain(mut pipe: impl std::io::Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

/// `ip ARGS…`, which must succeed.
fn ip(args: &[&str]) {
    let mut command = Command::new("ip");
    command.args(args);
    let ran = run(command, Duration::from_secs(10)).expect("run ip");
    ran.ok(&format!("ip {}", args.join(" ")));
}

/// `guild --data-dir DIR ARGS…`, in namespace `netns` when given.
fn guild(netns: Option<&str>, data: &Path, args: &[&str]) -> Command {
    let mut command = match netns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", ns, GUILD]);
            c
        }
        None => Command::new(GUILD),
    };
    command
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("GUILD_DATA_DIR")
        .env_remove("RUST_LOG");
    command
}

fn ok(netns: Option<&str>, data: &Path, args: &[&str], timeout: Duration) -> String {
    run(guild(netns, data, args), timeout)
        .expect("run guild")
        .ok(&format!("guild {}", args.join(" ")))
}

/// The two namespaces; deleted when dropped, panic or not (the veth pair
/// goes with them).
struct Lan {
    host: String,
    joiner: String,
}

impl Drop for Lan {
    fn drop(&mut self) {
        for ns in [&self.host, &self.joiner] {
            let _ = Command::new("ip")
                .args(["netns", "delete", ns])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// The serving peer; stopped with SIGINT (then SIGKILL) when dropped.
struct Serving {
    child: Child,
    log: PathBuf,
}

impl Serving {
    fn stop(&mut self) -> Option<ExitStatus> {
        if let Ok(Some(status)) = self.child.try_wait() {
            return Some(status);
        }
        // The shell's own `kill`: no dependency on a kill binary.
        let _ = Command::new("sh")
            .args(["-c", &format!("kill -INT {}", self.child.id())])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        None
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        self.stop();
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
    })
}

/// Makes the two namespaces and their LAN, or says why it cannot.
fn make_lan() -> Result<Lan, String> {
    if !is_root() {
        return Err("network namespaces need root".into());
    }
    let version = Command::new("ip")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !version.is_ok_and(|s| s.success()) {
        return Err("`ip` (iproute2) is not installed".into());
    }
    let pid = std::process::id();
    let host = format!("guild-lan-a-{pid}");
    let joiner = format!("guild-lan-b-{pid}");
    let added = Command::new("ip")
        .args(["netns", "add", &host])
        .output()
        .map_err(|e| format!("`ip netns add` did not run: {e}"))?;
    if !added.status.success() {
        return Err(format!(
            "this machine does not allow network namespaces: {}",
            String::from_utf8_lossy(&added.stderr).trim()
        ));
    }
    // From here on the guard deletes whatever exists.
    let lan = Lan {
        host: host.clone(),
        joiner: joiner.clone(),
    };
    ip(&["netns", "add", &joiner]);
    // The veth pair is created inside the host's namespace, its other end
    // moved straight into the joiner's: it never touches this machine's own.
    ip(&[
        "-n", &host, "link", "add", HOST_DEV, "type", "veth", "peer", "name", JOINER_DEV, "netns",
        &joiner,
    ]);
    for (ns, dev, addr) in [(&host, HOST_DEV, HOST_IP), (&joiner, JOINER_DEV, JOINER_IP)] {
        ip(&["-n", ns, "link", "set", "lo", "up"]);
        ip(&[
            "-n",
            ns,
            "addr",
            "add",
            &format!("{addr}/{PREFIX}"),
            "dev",
            dev,
        ]);
        ip(&["-n", ns, "link", "set", dev, "up", "multicast", "on"]);
        // mDNS goes to 224.0.0.251: with no default route, say where.
        ip(&["-n", ns, "route", "add", "224.0.0.0/4", "dev", dev]);
    }
    Ok(lan)
}

/// Starts `guild serve --lan` in the host's namespace and waits for its
/// endpoint id.
fn serve(lan: &Lan, data: &Path, log: PathBuf) -> (Serving, String) {
    let listen = format!("{HOST_IP}:0");
    let mut command = guild(
        Some(&lan.host),
        data,
        &["serve", "--lan", "--listen", &listen],
    );
    let stderr = std::fs::File::create(&log).expect("create the serve log");
    let mut child = command
        .env("GUILD_DEVICE_NAME", "workshop host")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("start guild serve");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut serving = Serving { child, log };
    let (lines, seen) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut printed = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(line) = seen.recv_timeout(left) else {
            let status = serving.stop();
            panic!(
                "guild serve printed no endpoint id within 20 s (exit: {status:?})\nstdout: {}\nstderr: {}",
                printed.join("\n"),
                serving.log()
            );
        };
        if let Some(id) = line.strip_prefix("endpoint id: ") {
            let id = id.trim().to_owned();
            // Keep draining stdout so the server never blocks on it.
            thread::spawn(move || while seen.recv().is_ok() {});
            return (serving, id);
        }
        printed.push(line);
    }
}

// One user's story from start to end, read top to bottom like a script.
#[allow(clippy::too_many_lines)]
#[test]
fn a_joiner_finds_the_workshop_host_by_mdns_alone_and_syncs() {
    let started = Instant::now();
    let lan = match make_lan() {
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
    let (mut host, endpoint) = serve(&lan, &host_data, dir.path().join("serve.log"));

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

    let joiner_listen = format!("{JOINER_IP}:0");
    let mut join = guild(
        Some(&lan.joiner),
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
        Some(&lan.joiner),
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
