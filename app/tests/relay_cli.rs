//! `guild relay` on the command line, on loopback only: it refuses to run
//! for nobody or with half a TLS setup, runs and stops cleanly on SIGINT,
//! and `guild relay use` remembers, shows and forgets a charter's relay
//! without ever printing its secret.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use guild_tests::procs::{Daemon, Ran, on_data_dir, run};

const GUILD: &str = env!("CARGO_BIN_EXE_guild");
const QUICK: Duration = Duration::from_secs(30);

fn guild(data: &Path, args: &[&str]) -> Ran {
    run(on_data_dir(Command::new(GUILD), data, args), QUICK).unwrap()
}

#[test]
fn a_relay_for_nobody_or_with_half_a_certificate_does_not_start() {
    let dir = tempfile::tempdir().unwrap();
    let nobody = guild(dir.path(), &["relay", "--listen", "127.0.0.1:0"]);
    assert!(!nobody.status.success());
    assert!(
        nobody.stderr.contains("say who this relay is for"),
        "{}",
        nobody.stderr
    );
    let half = guild(
        dir.path(),
        &[
            "relay",
            "--anyone",
            "--listen",
            "127.0.0.1:0",
            "--cert",
            "c.pem",
        ],
    );
    assert!(!half.status.success());
    assert!(half.stderr.contains("--key"), "{}", half.stderr);
    let missing = guild(
        dir.path(),
        &["relay", "--config", "/nonexistent/relay.toml"],
    );
    assert!(
        missing
            .stderr
            .contains("cannot read /nonexistent/relay.toml"),
        "{}",
        missing.stderr
    );
}

#[test]
fn a_relay_runs_and_stops_cleanly_on_sigint() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(GUILD);
    command
        .arg("--data-dir")
        .arg(dir.path())
        .args(["relay", "--listen", "127.0.0.1:0", "--anyone"])
        .env("RUST_LOG", "info");
    let mut relay = Daemon::start(command).unwrap();
    let url = relay.wait_for("relay: ", QUICK).unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    relay
        .wait_for("listening (http) on: 127.0.0.1:", QUICK)
        .unwrap();
    let status = relay.stop();
    assert!(
        status.is_some_and(|s| s.success()),
        "stopped with {status:?}:\n{}",
        relay.log()
    );
    assert!(relay.log().contains("shutting down"), "{}", relay.log());
    assert!(
        !dir.path().join("repo").exists(),
        "a relay holds no charter"
    );
}

#[test]
fn a_charters_relay_is_remembered_shown_and_forgotten_without_its_secret() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let created = guild(data, &["new", "--title", "Relay CoP"]);
    let doc = created.ok("guild new").trim().to_owned();
    let none = guild(data, &["relay", "use", &doc]);
    assert!(none.stderr.contains("direct only"), "{}", none.stderr);
    let bad = guild(data, &["relay", "use", &doc, "ftp://relay.invalid"]);
    assert!(!bad.status.success());
    assert!(bad.stderr.contains("http://"), "{}", bad.stderr);

    let url = "https://relay.invalid/?token=s3cret-token";
    let set = guild(data, &["relay", "use", &doc[..6], url]);
    assert!(set.status.success(), "{}", set.stderr);
    assert!(!set.stderr.contains("s3cret-token"), "{}", set.stderr);
    assert_eq!(
        guild(data, &["relay", "use", &doc]).ok("relay use").trim(),
        url
    );
    let off = guild(data, &["relay", "use", &doc, "off"]);
    assert!(off.stderr.contains("directly only"), "{}", off.stderr);
    let gone = guild(data, &["relay", "use", &doc]);
    assert!(gone.stderr.contains("direct only"), "{}", gone.stderr);

    // The device list for a relay's allow file: this device, once.
    let devices = guild(data, &["relay", "devices"]).ok("relay devices");
    assert_eq!(devices.lines().count(), 1, "{devices}");
    assert_eq!(devices.trim().len(), 64, "an endpoint id: {devices}");
}
