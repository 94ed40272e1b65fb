//! The `guild` command line as a user drives it: real processes, a real
//! data directory on disk.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

use tempfile::TempDir;

fn guild(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_guild"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("GUILD_DATA_DIR")
        .output()
        .expect("run guild")
}

fn ok(data: &Path, args: &[&str]) -> String {
    let out = guild(data, args);
    assert!(
        out.status.success(),
        "guild {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// The one-line error of a command that must fail.
fn fails(data: &Path, args: &[&str]) -> String {
    let out = guild(data, args);
    assert!(!out.status.success(), "guild {args:?} should fail");
    let err = String::from_utf8(out.stderr).expect("utf-8 errors");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("guild: "), "{err}");
    err
}

fn new_charter(data: &Path) -> String {
    ok(data, &["new", "--title", "Data CoP"]).trim().to_owned()
}

// One user's story from start to end, read top to bottom like a script.
#[allow(clippy::too_many_lines)]
#[test]
fn a_user_creates_edits_shows_and_exports_a_charter() {
    let dir = TempDir::new().unwrap();
    let data = dir.path();
    let id = new_charter(data);
    assert!(id.len() > 20, "a document id: {id}");

    let shown = ok(data, &["show", &id]);
    assert!(shown.starts_with("# Data CoP"));
    assert!(
        shown.contains("- Mentor newcomers to help them get up to speed quickly"),
        "seed cards: {shown}"
    );
    assert!(shown.contains("- Expand one's professional network"));

    let prefix = &id[..6];
    ok(
        data,
        &[
            "set",
            prefix,
            "purpose",
            "Help data people across offices learn together.",
        ],
    );
    ok(
        data,
        &[
            "set",
            &format!("automerge:{id}"),
            "vision",
            "Every analyst has a peer a message away.",
        ],
    );
    let card = ok(
        data,
        &[
            "card",
            "add",
            prefix,
            "--cell",
            "members_short_term",
            "--first",
            "Monthly show and tell",
        ],
    );
    let card = card.trim();
    ok(
        data,
        &[
            "card",
            "move",
            prefix,
            card,
            "--cell",
            "organisation_long_term",
        ],
    );
    ok(
        data,
        &[
            "card",
            "edit",
            prefix,
            card,
            "Monthly show-and-tell across offices",
        ],
    );
    let objective = ok(
        data,
        &[
            "objective",
            "add",
            prefix,
            "Run a data clinic",
            "--owner",
            "Ana",
            "--status",
            "active",
        ],
    );
    ok(
        data,
        &[
            "objective",
            "edit",
            prefix,
            objective.trim(),
            "--horizon",
            "long_term",
        ],
    );
    let sales = ok(
        data,
        &["unit", "add", prefix, "Sales", "--kind", "business_unit"],
    );
    ok(
        data,
        &["unit", "add", prefix, "Lisbon office", "--kind", "office"],
    );
    ok(
        data,
        &[
            "bridge",
            "add",
            prefix,
            "sales",
            "Lisbon office",
            "--note",
            "Forecasting tips",
        ],
    );
    ok(
        data,
        &[
            "member",
            "add",
            prefix,
            "Ana",
            "--role",
            "sponsor",
            "--unit",
            sales.trim(),
        ],
    );

    let md = ok(data, &["export", prefix, "--format", "md"]);
    assert!(md.contains("Help data people across offices learn together."));
    assert!(md.contains("Every analyst has a peer a message away."));
    let long_term = md.split("### Organisation · long term").nth(1).unwrap();
    assert!(
        long_term
            .split("###")
            .next()
            .unwrap()
            .contains("Monthly show-and-tell across offices"),
        "the card moved: {md}"
    );
    assert!(md.contains("### Run a data clinic") && md.contains("Long term · Active · owner Ana"));
    assert!(md.contains("Sales ↔ Lisbon office: Forecasting tips"));
    assert!(md.contains("- Ana — Sponsor, Sales"));

    let json: serde_json::Value =
        serde_json::from_str(&ok(data, &["show", prefix, "--json"])).unwrap();
    assert_eq!(
        json["purpose"]["text"],
        "Help data people across offices learn together."
    );
    assert_eq!(json["cards"][card]["cell"], "organisation_long_term");
    assert_eq!(json["schema_version"], 1);

    let html_file = data.join("charter.html");
    ok(
        data,
        &[
            "export",
            prefix,
            "--format",
            "html",
            "-o",
            html_file.to_str().unwrap(),
        ],
    );
    let html = std::fs::read_to_string(&html_file).unwrap();
    assert!(html.contains("<table>") && html.contains("Monthly show-and-tell across offices"));

    let listed = ok(data, &["list"]);
    assert!(listed.contains(&id) && listed.contains("Data CoP"));
}

#[test]
fn an_exported_automerge_file_imports_with_its_history() {
    let dir = TempDir::new().unwrap();
    let data = dir.path();
    let id = new_charter(data);
    ok(data, &["set", &id, "pitch", "Join us: learn faster."]);
    let file = data.join("charter.automerge");
    ok(
        data,
        &[
            "export",
            &id,
            "--format",
            "automerge",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    let copy = ok(data, &["import", file.to_str().unwrap()]);
    let copy = copy.trim();
    assert_ne!(copy, id);
    assert!(ok(data, &["show", copy]).contains("Join us: learn faster."));
}

#[test]
fn bad_input_gets_one_clear_line_and_a_failing_exit() {
    let dir = TempDir::new().unwrap();
    let data = dir.path();
    let id = new_charter(data);
    assert!(fails(data, &["show", "nope"]).contains("no charter matches `nope`"));
    assert!(fails(data, &["card", "edit", &id, "zzz", "text"]).contains("no card matches `zzz`"));
    let junk = data.join("junk.automerge");
    std::fs::write(&junk, b"this is not automerge").unwrap();
    assert!(fails(data, &["import", junk.to_str().unwrap()]).contains("not a Guild charter"));
    let missing = data.join("missing.automerge");
    assert!(fails(data, &["import", missing.to_str().unwrap()]).contains("cannot read"));
    // An Automerge document that is not a charter.
    let mut other = automerge::Automerge::new();
    other
        .transact::<_, _, automerge::AutomergeError>(|tx| {
            automerge::transaction::Transactable::put(tx, automerge::ROOT, "todo", "milk")?;
            Ok(())
        })
        .unwrap();
    let foreign = data.join("todo.automerge");
    std::fs::write(&foreign, other.save()).unwrap();
    assert!(fails(data, &["import", foreign.to_str().unwrap()]).contains("not a Guild charter"));
}

#[test]
fn a_second_process_on_one_data_dir_is_told_clearly() {
    let dir = TempDir::new().unwrap();
    let data = dir.path();
    new_charter(data);
    let held = guild_sync::DataDir::resolve(Some(data.to_path_buf()))
        .unwrap()
        .lock()
        .unwrap();
    let err = fails(data, &["list"]);
    assert!(err.contains("another Guild process"), "{err}");
    drop(held);
    ok(data, &["list"]);
}

#[test]
fn a_read_only_data_dir_is_a_clear_error() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let id = new_charter(&data);
    if is_root() {
        // Root ignores permission bits: make the directory read-only with a
        // read-only bind mount in a private mount namespace.
        let script = format!(
            "mount --bind -o ro '{d}' '{d}' && exec '{g}' --data-dir '{d}' set {id} title 'New title'",
            d = data.display(),
            g = env!("CARGO_BIN_EXE_guild")
        );
        let Ok(out) = Command::new("unshare")
            .args(["-m", "sh", "-c", &script])
            .output()
        else {
            eprintln!(
                "skipped: `unshare` is not installed (util-linux), so a read-only mount cannot be made"
            );
            return;
        };
        let err = String::from_utf8_lossy(&out.stderr);
        if err.contains("unshare failed") || err.contains("mount:") {
            eprintln!("skipped: this machine does not allow mount namespaces: {err}");
            return;
        }
        assert!(!out.status.success());
        assert!(err.contains("Read-only file system"), "{err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o555)).unwrap();
        let err = fails(&data, &["set", &id, "title", "New title"]);
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(err.contains("ermission denied"), "{err}");
    }
    assert!(
        ok(&data, &["show", &id]).starts_with("# Data CoP"),
        "nothing already saved was lost"
    );
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
    })
}

#[test]
fn on_a_full_disk_an_edit_says_not_saved_and_loses_nothing_saved() {
    let disk = match guild_tests::disk::TinyDisk::mount("8m") {
        Ok(disk) => disk,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let data = disk.path();
    let id = new_charter(data);
    ok(
        data,
        &["set", &id, "purpose", "Saved before the disk filled."],
    );
    disk.fill();
    let err = fails(data, &["set", &id, "purpose", "Lost to a full disk."]);
    assert!(err.contains("not saved"), "{err}");
    assert!(err.contains("No space left"), "{err}");
    disk.free();
    let shown = ok(data, &["show", &id]);
    assert!(shown.contains("Saved before the disk filled."), "{shown}");
    ok(data, &["set", &id, "purpose", "Saved once space returned."]);
    assert!(ok(data, &["show", &id]).contains("Saved once space returned."));
}

#[test]
fn a_user_reads_the_history_shows_an_old_version_diffs_restores_and_merges_a_copy() {
    let dir = TempDir::new().unwrap();
    let data = dir.path();
    let id = new_charter(data);
    ok(data, &["set", &id, "purpose", "Ratified purpose."]);
    ok(data, &["set", &id, "purpose", "A later draft."]);

    let history = ok(data, &["history", &id]);
    let lines: Vec<&str> = history.lines().collect();
    assert!(
        lines[0].contains("Edit purpose") && lines[0].contains("[purpose]"),
        "{history}"
    );
    let ratified = &lines[1][..12];
    let shown = ok(data, &["show", &id, "--at", ratified]);
    assert!(shown.contains("Ratified purpose."), "{shown}");
    assert!(!shown.contains("A later draft."));

    let diff = ok(data, &["diff", &id, ratified]);
    assert_eq!(
        diff.trim(),
        "~ Purpose (purpose.text)  \"Ratified purpose.\" → \"A later draft.\""
    );
    let err = fails(data, &["show", &id, "--at", "ffffffff"]);
    assert!(err.contains("no version `ffffffff`"), "{err}");

    let blame = ok(data, &["blame", &id]);
    let purpose = blame
        .lines()
        .find(|l| l.starts_with("Purpose  written by "))
        .unwrap_or_else(|| panic!("no purpose line: {blame}"));
    assert!(purpose.ends_with("[purpose.text]"), "{purpose}");
    assert!(
        purpose.contains(" 100%; last edited by "),
        "one device's sessions add up to one writer: {purpose}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(data, &["blame", &id, "--json"])).unwrap();
    let fields = json["fields"].as_array().unwrap();
    let purpose = fields.iter().find(|f| f["path"] == "purpose.text").unwrap();
    let typed: u64 = purpose["writers"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["chars"].as_u64())
        .sum();
    assert_eq!(
        typed, 14,
        "every character of “A later draft.” has a writer: {purpose}"
    );

    ok(
        data,
        &["milestone", &id, "Ratified by sponsor", "--at", ratified],
    );
    let named = ok(data, &["show", &id, "--at", "ratified by sponsor"]);
    assert!(named.contains("Ratified purpose."), "{named}");
    assert!(ok(data, &["history", &id]).contains("◆ Ratified by sponsor"));

    ok(data, &["restore", &id, "Ratified by sponsor"]);
    assert!(ok(data, &["show", &id]).contains("Ratified purpose."));
    assert!(ok(data, &["history", &id, "--limit", "1"]).contains("Restore version"));

    let copy = ok(data, &["fork", &id]).trim().to_owned();
    ok(data, &["set", &copy, "vision", "Every analyst has a peer."]);
    ok(data, &["set", &copy, "pitch", "Not ready."]);
    let offered = ok(data, &["merge", &copy, &id, "--dry-run"]);
    assert!(
        offered.contains("vision.statement") && offered.contains("pitch.text"),
        "{offered}"
    );
    ok(data, &["merge", &copy, &id, "--only", "vision.statement"]);
    let merged = ok(data, &["show", &id]);
    assert!(merged.contains("Every analyst has a peer."), "{merged}");
    assert!(
        !merged.contains("Not ready."),
        "only the chosen field: {merged}"
    );
}

#[test]
fn the_automerge_export_loads_in_the_javascript_implementation() {
    let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/js");
    if !js.join("node_modules/@automerge/automerge").exists() {
        eprintln!("skipped: run `npm ci` in tests/js (CI does) to get @automerge/automerge");
        return;
    }
    let dir = TempDir::new().unwrap();
    let data = dir.path();
    let id = new_charter(data);
    ok(
        data,
        &["set", &id, "purpose", "Read by another implementation."],
    );
    ok(
        data,
        &[
            "card",
            "add",
            &id,
            "--cell",
            "members_long_term",
            "A career path",
        ],
    );
    let file = data.join("charter.automerge");
    ok(
        data,
        &[
            "export",
            &id,
            "--format",
            "automerge",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    let node = match Command::new("node")
        .arg(js.join("read_charter.mjs"))
        .arg(&file)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("skipped: cannot run node: {e}");
            return;
        }
    };
    assert!(
        node.status.success(),
        "the JS reader failed: {}",
        String::from_utf8_lossy(&node.stderr)
    );
    let read: serde_json::Value = serde_json::from_slice(&node.stdout).unwrap();
    let ours: serde_json::Value =
        serde_json::from_str(&ok(data, &["show", &id, "--json"])).unwrap();
    assert_eq!(read["title"], ours["meta"]["title"]);
    assert_eq!(read["purpose"], "Read by another implementation.");
    assert_eq!(read["schema_version"], ours["schema_version"]);
    let cards = ours["cards"].as_object().unwrap();
    for cell in [
        "organisation_short_term",
        "organisation_long_term",
        "members_short_term",
        "members_long_term",
    ] {
        let count = cards.values().filter(|c| c["cell"] == cell).count();
        assert_eq!(read["cells"][cell], count, "cards in {cell}");
    }
    let history = ok(data, &["history", &id, "--limit", "100000"]);
    assert_eq!(
        read["changes"],
        history.lines().count(),
        "the full history came along"
    );
}

#[test]
fn without_a_display_the_window_says_so_in_one_line() {
    let dir = TempDir::new().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_guild"))
        .arg("--data-dir")
        .arg(dir.path())
        .env_remove("GUILD_DATA_DIR")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("run guild");
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("guild: no display"), "{err}");
    assert!(
        err.contains("guild --help") && err.contains("guild serve"),
        "{err}"
    );
}

/// `guild serve` on `data`, once it takes commands on its control socket.
#[cfg(unix)]
fn serving(data: &Path) -> std::process::Child {
    let child = Command::new(env!("CARGO_BIN_EXE_guild"))
        .arg("--data-dir")
        .arg(data)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("GUILD_DATA_DIR")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start guild serve");
    let started = std::time::Instant::now();
    while !data.join("guild.sock").exists() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "guild serve opened no control socket"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child
}

#[cfg(unix)]
#[test]
fn commands_reach_a_running_guild_serve_and_bad_requests_get_a_reason() {
    use std::io::{BufRead as _, Write as _};

    let dir = TempDir::new().unwrap();
    let data = dir.path();
    let id = new_charter(data);
    let mut serve = serving(data);

    // Standard input and relative paths are the caller's, not the server's.
    let set = with_stdin(
        Command::new(env!("CARGO_BIN_EXE_guild"))
            .arg("--data-dir")
            .arg(data)
            .args(["set", &id[..8], "purpose", "-"])
            .env_remove("GUILD_DATA_DIR"),
        b"Typed into a pipe.",
    );
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    let caller = TempDir::new().unwrap();
    let exported = Command::new(env!("CARGO_BIN_EXE_guild"))
        .arg("--data-dir")
        .arg(data)
        .args(["export", &id[..8], "-o", "charter.md"])
        .env_remove("GUILD_DATA_DIR")
        .current_dir(caller.path())
        .output()
        .unwrap();
    assert!(exported.status.success());
    let markdown = std::fs::read_to_string(caller.path().join("charter.md")).unwrap();
    assert!(markdown.contains("Typed into a pipe."), "{markdown}");
    assert!(fails(data, &["show", "nothing-like-it"]).contains("nothing-like-it"));

    // The old wire format, garbage and a newer version: a reason, and the
    // server goes on serving.
    for garbage in [
        r#"{"command":{"List":null}}"#,
        "not json at all",
        r#"{"guild_control":99,"args":["list"]}"#,
    ] {
        let mut socket = std::os::unix::net::UnixStream::connect(data.join("guild.sock")).unwrap();
        writeln!(socket, "{garbage}").unwrap();
        let mut answer = String::new();
        std::io::BufReader::new(socket)
            .read_line(&mut answer)
            .unwrap();
        let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
        assert!(answer["error"].is_string(), "{garbage} → {answer}");
    }
    assert!(ok(data, &["list"]).contains("Data CoP"));

    let _ = Command::new("kill").arg(serve.id().to_string()).status();
    assert!(
        serve.wait().unwrap().success(),
        "serve stops cleanly on SIGTERM"
    );
}

/// Runs `command` with `input` on its standard input.
#[cfg(unix)]
fn with_stdin(command: &mut Command, input: &[u8]) -> Output {
    use std::io::Write as _;
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_facilitator_runs_a_dot_vote_from_the_terminal() {
    let tmp = TempDir::new().unwrap();
    let data = tmp.path();
    let doc = new_charter(data);
    ok(data, &["objective", "add", &doc, "Run a data clinic"]);
    ok(data, &["objective", "add", &doc, "Pair across units"]);
    let vote = ok(
        data,
        &[
            "vote",
            "open",
            &doc,
            "Which first?",
            "--on",
            "objectives",
            "--dots",
            "2",
        ],
    )
    .trim()
    .to_owned();
    // Nobody votes who is not a member at this device.
    let err = fails(data, &["vote", "dot", &doc, &vote, "Run a data clinic"]);
    assert!(err.contains("not a member"), "{err}");
    ok(data, &["member", "add", &doc, "Ana", "--me"]);
    ok(data, &["vote", "dot", &doc, &vote, "Run a data clinic"]);
    ok(data, &["vote", "dot", &doc, &vote, "Pair across units"]);
    let full = fails(data, &["vote", "dot", &doc, &vote, "Run a data clinic"]);
    assert!(full.contains("all 2 dots are placed"), "{full}");
    ok(data, &["vote", "undot", &doc, &vote, "Pair across units"]);
    ok(data, &["vote", "dot", &doc, &vote, "Run a data clinic"]);
    let open = ok(data, &["vote", "show", &doc]);
    assert!(
        open.contains("counts are shown when the vote closes"),
        "{open}"
    );
    assert!(!open.contains("1. "), "no ranking while open: {open}");
    let closed = ok(data, &["vote", "close", &doc, "Which first?"]);
    assert!(closed.contains("1. Run a data clinic  2"), "{closed}");
    assert!(closed.contains("2. Pair across units  0"), "{closed}");
    let history = ok(data, &["history", &doc]);
    assert!(history.contains("Ana"), "dots are Ana's: {history}");
    let summary = ok(data, &["export", &doc, "--format", "workshop"]);
    assert!(summary.contains("Data CoP — workshop summary"), "{summary}");
    assert!(
        summary.contains("<li>Run a data clinic — 2</li>"),
        "{summary}"
    );
}

#[test]
fn a_facilitator_keeps_the_agenda_and_notes_from_the_terminal() {
    let tmp = TempDir::new().unwrap();
    let data = tmp.path();
    let doc = new_charter(data);
    let dream = ok(data, &["step", "add", &doc, "Dream", "--minutes", "15"]);
    ok(data, &["step", "add", &doc, "Design"]);
    ok(data, &["step", "start", &doc, "dream"]);
    let json: serde_json::Value =
        serde_json::from_str(&ok(data, &["show", &doc, "--json"])).unwrap();
    let running = &json["workshop"]["running"];
    assert_eq!(running["step"], dream.trim(), "{running}");
    assert!(
        running["clock"].as_str().is_some_and(|c| !c.is_empty()),
        "the start is on this device's clock: {running}"
    );
    assert_eq!(json["workshop"]["steps"][dream.trim()]["minutes"], 15);
    ok(data, &["step", "stop", &doc]);
    assert!(fails(data, &["step", "start", &doc, "Deliver"]).contains("no step matches"));
    ok(data, &["member", "add", &doc, "Ana", "--me"]);
    let note = ok(
        data,
        &[
            "note",
            "add",
            &doc,
            "--phase",
            "dream",
            "--tag",
            "need",
            "A clinic each month",
        ],
    );
    let json: serde_json::Value =
        serde_json::from_str(&ok(data, &["show", &doc, "--json"])).unwrap();
    assert!(json["workshop"]["running"].is_null());
    let added = &json["inquiry"]["notes"][note.trim()];
    assert_eq!(added["text"], "A clinic each month", "{added}");
    assert_eq!(added["author"], "Ana", "the member at this device: {added}");
    assert_eq!(added["phase"], "dream");
    let bad = guild(data, &["note", "add", &doc, "--phase", "someday", "x"]);
    assert!(!bad.status.success(), "a phase that is not one is refused");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown phase `someday`"));
}

#[cfg(unix)]
#[test]
fn invites_expire_are_listed_and_closed_and_a_closed_one_is_refused_clearly() {
    let dir = TempDir::new().unwrap();
    let data = dir.path();
    let id = new_charter(data);
    let doc = &id[..8];
    assert!(fails(data, &["share", doc, "--expires", "0h"]).contains("is not a duration"));
    assert!(fails(data, &["share", doc, "--expires", "soon"]).contains("is not a duration"));
    let mut serve = serving(data);

    let share = guild(data, &["share", doc, "--expires", "2h", "--no-qr"]);
    assert!(share.status.success());
    let ticket = String::from_utf8(share.stdout).unwrap().trim().to_owned();
    assert!(
        String::from_utf8_lossy(&share.stderr).contains(" until "),
        "share says until when"
    );
    let forever = ok(data, &["share", doc, "--read-only", "--no-qr"]);
    let listed = ok(data, &["invites", doc]);
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(
        listed.contains("read_write  by this device  expires in "),
        "{listed}"
    );
    assert!(
        listed.contains("read_only   by this device  never expires  0 joined"),
        "{listed}"
    );

    // By its ticket, and then it is gone from the list.
    ok(data, &["invites", "close", doc, &ticket]);
    let listed = ok(data, &["invites", doc]);
    assert_eq!(listed.lines().count(), 1, "{listed}");
    assert!(listed.contains("never expires"), "{listed}");
    assert!(fails(data, &["invites", "close", doc, &ticket]).contains("already closed"));
    assert!(fails(data, &["invites", "close", doc, "zzzz"]).contains("no open invite"));

    // A device presenting the closed ticket hears why.
    let joiner = TempDir::new().unwrap();
    let join = |ticket: &str| {
        guild(
            joiner.path(),
            &["join", ticket, "--timeout", "20", "--listen", "127.0.0.1:0"],
        )
    };
    let refused = join(&ticket);
    assert!(!refused.status.success());
    let err = String::from_utf8(refused.stderr).unwrap();
    assert_eq!(
        err.trim_end(),
        "guild: this invite was closed; ask for a new one"
    );
    // The other one still admits, and counts who joined with it.
    let admitted = join(forever.trim());
    assert!(
        admitted.status.success(),
        "{}",
        String::from_utf8_lossy(&admitted.stderr)
    );
    assert!(ok(data, &["invites", doc]).contains("1 joined"));
    // By a prefix of its id, as listed.
    let listed = ok(data, &["invites", doc]);
    let prefix = listed.split_whitespace().next().unwrap();
    ok(data, &["invites", "close", doc, prefix]);
    assert!(ok(data, &["invites", doc]).is_empty());

    let _ = Command::new("kill").arg(serve.id().to_string()).status();
    assert!(serve.wait().unwrap().success());
}
