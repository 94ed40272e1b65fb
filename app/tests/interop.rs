//! Guild's data directory and other automerge-repo implementations, both
//! ways: JavaScript automerge-repo (the real client, `tests/js`, pinned in
//! its package-lock) reads and edits a Guild data directory across runs
//! that compact and that save incrementally, Guild reads every edit without
//! a warning, and a directory JS wrote alone opens in Guild; and a
//! read-only command leaves the data directory exactly as it was.
//!
//! The JS tests say they were skipped, and why, when node or the npm
//! modules are missing (`npm ci` in `tests/js`; CI runs it).

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

use serde_json::Value;
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

/// Runs a command that must succeed and say nothing on standard error (a
/// skipped chunk would be a warning there).
fn quiet(data: &Path, args: &[&str]) -> String {
    let out = guild(data, args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "guild {args:?} failed: {err}");
    assert!(err.is_empty(), "guild {args:?} warned: {err}");
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// What a read-only command must not change: every file under the data
/// directory with its size, inode, modification time and bytes. The lock
/// file is the one exception: each command writes its pid into it (its
/// inode must still be the same file).
type Snapshot = BTreeMap<PathBuf, (u64, u64, Option<SystemTime>, Vec<u8>)>;

/// The file's inode: a file replaced by a rename is another file.
#[cfg(unix)]
fn inode(meta: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(meta)
}

#[cfg(not(unix))]
fn inode(_meta: &std::fs::Metadata) -> u64 {
    0
}

fn snapshot(root: &Path) -> Snapshot {
    let mut files = BTreeMap::new();
    let mut to_visit = vec![root.to_path_buf()];
    while let Some(dir) = to_visit.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            if meta.is_dir() {
                to_visit.push(path);
            } else if rel == Path::new("guild.lock") {
                files.insert(rel, (inode(&meta), 0, None, Vec::new()));
            } else {
                let bytes = std::fs::read(&path).unwrap();
                let modified = Some(meta.modified().unwrap());
                files.insert(rel, (inode(&meta), meta.len(), modified, bytes));
            }
        }
    }
    files
}

/// Runs each read-only command on `id` and checks that `watched` (the data
/// directory, or a part of it) is byte for byte and file for file what it
/// was. The first command (`history`) is the first read since the last
/// write: samod used to save what it had loaded then, and later reads
/// found it done.
fn reads_write_nothing(data: &Path, watched: &Path, id: &str, out_dir: &Path) {
    let export = out_dir.join("read-only-check.automerge");
    let export = export.to_str().unwrap();
    let before = snapshot(watched);
    let history = quiet(data, &["history", id, "--limit", "100000"]);
    let first = history
        .lines()
        .last()
        .and_then(|line| line.split_whitespace().next())
        .expect("a change in the history")
        .to_owned();
    unchanged(&before, &snapshot(watched), "history");
    for args in [
        vec!["show", id],
        vec!["show", id, "--json"],
        vec!["show", id, "--at", &first],
        vec!["diff", id, &first],
        vec!["blame", id],
        vec!["list"],
        vec!["export", id, "--format", "automerge", "-o", export],
    ] {
        quiet(data, &args);
        unchanged(&before, &snapshot(watched), &args.join(" "));
    }
}

fn unchanged(before: &Snapshot, after: &Snapshot, command: &str) {
    let changed: Vec<_> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert!(
        changed.is_empty(),
        "guild {command} changed the data directory: {changed:?}"
    );
}

/// The heads of an `.automerge` file, as hex, sorted.
fn heads_of(file: &Path) -> Vec<String> {
    let doc = automerge::Automerge::load(&std::fs::read(file).unwrap()).unwrap();
    let mut heads: Vec<String> = doc.get_heads().iter().map(ToString::to_string).collect();
    heads.sort();
    heads
}

fn json_heads(value: &Value) -> Vec<String> {
    let mut heads: Vec<String> = value["heads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_owned())
        .collect();
    heads.sort();
    heads
}

/// The JS scripts' folder, or `None` (and why, printed) if they cannot run.
fn js_dir() -> Option<PathBuf> {
    let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/js");
    for module in [
        "@automerge/automerge-repo",
        "@automerge/automerge-repo-storage-nodefs",
    ] {
        if !js.join("node_modules").join(module).exists() {
            eprintln!("skipped: run `npm ci` in tests/js (CI does) to get {module}");
            return None;
        }
    }
    match Command::new("node").arg("--version").output() {
        Ok(out) if out.status.success() => Some(js),
        Ok(out) => {
            eprintln!(
                "skipped: `node --version` failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            None
        }
        Err(e) => {
            eprintln!("skipped: cannot run node: {e}");
            None
        }
    }
}

/// Runs `tests/js/SCRIPT ARGS…` and parses the JSON it prints.
fn node(js: &Path, script: &str, args: &[&Path]) -> Value {
    let out = Command::new("node")
        .arg(js.join(script))
        .args(args)
        .output()
        .expect("run node");
    assert!(
        out.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{script} printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn paths(value: &Value, key: &str) -> Vec<String> {
    value[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect()
}

fn new_charter(data: &Path) -> String {
    quiet(data, &["new", "--title", "Data CoP"])
        .trim()
        .to_owned()
}

#[test]
fn a_read_only_command_writes_nothing() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let elsewhere = dir.path();
    let id = new_charter(&data);
    // More than 10 changes, some in incremental chunks: samod used to
    // compact on every load, or save every loaded change again.
    for n in 0..12 {
        quiet(&data, &["set", &id, "purpose", &format!("Version {n}")]);
    }
    reads_write_nothing(&data, &data, &id, elsewhere);
    let card = quiet(
        &data,
        &["card", "add", &id, "--cell", "members_short_term", "Clinic"],
    );
    assert!(!card.trim().is_empty());
    reads_write_nothing(&data, &data, &id, elsewhere);
}

// One story, read top to bottom: JS edits a Guild data directory across
// several runs, Guild reads each, Guild edits on top, JS reads that.
#[allow(clippy::too_many_lines)]
#[test]
fn javascript_automerge_repo_and_guild_edit_one_data_directory() {
    let Some(js) = js_dir() else {
        return;
    };
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("data");
    let repo = data.join("repo");
    let id = new_charter(&data);
    quiet(&data, &["set", &id, "purpose", "Set by Guild."]);
    let id_arg = PathBuf::from(&id);

    // JS finds and reads the charter Guild wrote.
    let read = node(&js, "repo_read.mjs", &[&repo, &id_arg]);
    assert_eq!(read["title"], "Data CoP");
    assert_eq!(read["purpose"], "Set by Guild.");
    let guild_view: Value = serde_json::from_str(&quiet(&data, &["show", &id, "--json"])).unwrap();
    assert_eq!(read["schema_version"], guild_view["schema_version"]);
    let history_len = |data: &Path| {
        quiet(data, &["history", &id, "--limit", "100000"])
            .lines()
            .count()
    };
    let guild_changes = history_len(&data);

    // JS edits across runs; automerge-repo saves small edits as incremental
    // chunks named by the SHA-256 of their bytes, and compacts once they
    // outweigh the snapshot (the long line sees to that).
    let long = format!("A long line: {}", "many words ".repeat(300));
    let runs: Vec<Vec<String>> = vec![
        vec!["JS one".into()],
        vec!["JS two".into(), "JS three".into()],
        vec![long],
        vec!["JS four".into()],
        vec!["JS five".into(), "JS six".into()],
    ];
    let mut lines = vec!["Set by Guild.".to_owned()];
    let (mut incremental_saves, mut compactions) = (0, 0);
    for run in &runs {
        let mut args: Vec<PathBuf> = vec![repo.clone(), id_arg.clone()];
        args.extend(run.iter().map(PathBuf::from));
        let args: Vec<&Path> = args.iter().map(PathBuf::as_path).collect();
        let edited = node(&js, "repo_edit.mjs", &args);
        let added = paths(&edited, "added");
        incremental_saves += added.iter().filter(|p| p.contains("/incremental/")).count();
        compactions += added.iter().filter(|p| p.contains("/snapshot/")).count();
        lines.extend(run.iter().cloned());

        // Reading what JS left on disk writes nothing, and says nothing on
        // standard error …
        reads_write_nothing(&data, &data, &id, dir.path());
        // … and Guild shows every JS edit so far.
        let shown: Value = serde_json::from_str(&quiet(&data, &["show", &id, "--json"])).unwrap();
        assert_eq!(shown["purpose"]["text"], lines.join("\n"), "after {run:?}");
        assert_eq!(edited["purpose"], lines.join("\n"));
    }
    assert!(
        incremental_saves > 0 && compactions > 0,
        "JS should have saved incrementally and compacted: {incremental_saves} incremental \
         chunk(s), {compactions} snapshot(s)"
    );
    // Every JS change is in Guild's history, one entry each.
    let js_changes: usize = runs.iter().map(Vec::len).sum();
    assert_eq!(history_len(&data), guild_changes + js_changes);

    // Guild edits on top; JS reads that, and the heads JS loads are the
    // heads of Guild's export.
    quiet(&data, &["set", &id, "vision", "Set by Guild after JS."]);
    let read = node(&js, "repo_read.mjs", &[&repo, &id_arg]);
    assert_eq!(read["vision"], "Set by Guild after JS.");
    assert_eq!(read["purpose"], lines.join("\n"));
    let export = dir.path().join("charter.automerge");
    quiet(
        &data,
        &[
            "export",
            &id,
            "--format",
            "automerge",
            "-o",
            export.to_str().unwrap(),
        ],
    );
    assert_eq!(json_heads(&read), heads_of(&export));
    let exported = node(&js, "read_charter.mjs", &[&export]);
    assert_eq!(exported["changes"], read["changes"], "the whole history");
}

#[test]
fn a_data_directory_written_only_by_javascript_opens_in_guild() {
    let Some(js) = js_dir() else {
        return;
    };
    let dir = TempDir::new().unwrap();
    let ours = dir.path().join("ours");
    let id = new_charter(&ours);
    quiet(&ours, &["set", &id, "purpose", "Made in Guild."]);
    quiet(&ours, &["set", &id, "vision", "Imported by JS."]);
    let export = dir.path().join("charter.automerge");
    quiet(
        &ours,
        &[
            "export",
            &id,
            "--format",
            "automerge",
            "-o",
            export.to_str().unwrap(),
        ],
    );

    // A JS-only repository: nothing of Guild's in the directory.
    let theirs = dir.path().join("theirs");
    let imported = node(&js, "repo_import.mjs", &[&theirs.join("repo"), &export]);
    let their_id = imported["id"].as_str().unwrap().to_owned();
    assert_ne!(their_id, id, "automerge-repo gives an import a new id");
    assert_eq!(json_heads(&imported), heads_of(&export));
    // Guild's first command there makes its own files (device id, key,
    // lock) beside `repo/`, but reading adds nothing to `repo/`.
    reads_write_nothing(&theirs, &theirs.join("repo"), &their_id, dir.path());

    // The same charter, every change of it.
    let ours_shown: Value = serde_json::from_str(&quiet(&ours, &["show", &id, "--json"])).unwrap();
    let theirs_shown: Value =
        serde_json::from_str(&quiet(&theirs, &["show", &their_id, "--json"])).unwrap();
    assert_eq!(theirs_shown, ours_shown);
    let count = |data: &Path, id: &str| {
        quiet(data, &["history", id, "--limit", "100000"])
            .lines()
            .count()
    };
    assert_eq!(count(&theirs, &their_id), count(&ours, &id));
    let theirs_export = dir.path().join("theirs.automerge");
    quiet(
        &theirs,
        &[
            "export",
            &their_id,
            "--format",
            "automerge",
            "-o",
            theirs_export.to_str().unwrap(),
        ],
    );
    assert_eq!(heads_of(&theirs_export), heads_of(&export));
}
