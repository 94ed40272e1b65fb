//! Crashes: a process editing continuously is `SIGKILLed` many times over;
//! every load afterwards succeeds and nothing it reported durable is gone.
//! Damaged chunks on disk are reported and skipped, never fatal.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use guild_sync::LibraryOptions;
use guild_tests::{open_library, runtime};

const ROUNDS: u64 = 12;

/// Collects the writer's `durable <card> <purpose length>` lines until it dies.
fn read_reports(
    stdout: std::process::ChildStdout,
) -> std::thread::JoinHandle<Vec<(String, usize)>> {
    std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .filter_map(|line| {
                let mut parts = line.split_whitespace().skip(1);
                Some((
                    parts.next()?.to_owned(),
                    parts.next()?.parse::<usize>().ok()?,
                ))
            })
            .collect()
    })
}

#[test]
fn sigkill_while_editing_never_loses_durable_edits() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let doc = rt.block_on(async {
        let library = open_library(dir.path(), LibraryOptions::one_shot())
            .await
            .unwrap();
        let id = library.create("Crash CoP", true).await.unwrap();
        library.close().await.unwrap();
        id
    });

    let mut durable: Vec<(String, usize)> = Vec::new();
    let mut kills_mid_run = 0;
    for round in 0..ROUNDS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_edit_writer"))
            .arg(dir.path())
            .arg(&doc)
            .arg(format!("r{round}-"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let reader = read_reports(child.stdout.take().unwrap());
        // Kill at varied moments: while opening, mid-batch, mid-compaction.
        std::thread::sleep(Duration::from_millis(150 + (round * 97) % 600));
        if child.try_wait().unwrap().is_none() {
            kills_mid_run += 1;
        }
        child.kill().unwrap(); // SIGKILL on Unix
        let status = child.wait().unwrap();
        let reported = reader.join().unwrap();
        assert!(
            !status.success(),
            "the writer ran until killed: {}",
            String::from_utf8_lossy(
                &std::io::Read::bytes(child.stderr.take().unwrap())
                    .map_while(Result::ok)
                    .collect::<Vec<u8>>()
            )
        );
        let durable_before = durable.len();
        durable.extend(reported);

        let charter = rt.block_on(async {
            let library = open_library(dir.path(), LibraryOptions::one_shot())
                .await
                .expect("reopen after a crash");
            let charter = library.charter(&doc).await.expect("every load succeeds");
            assert!(
                library.health().damaged.is_empty(),
                "no damage from a crash: {:?}",
                library.health().damaged
            );
            library.close().await.unwrap();
            charter
        });
        for (card, _) in &durable {
            assert!(
                charter.cards.contains_key(card),
                "round {round}: durable card {card} is missing"
            );
        }
        // Each run rewrites the purpose as `r<round>-0 r<round>-1 …`. What
        // survives is the last reported text or a later one of this run; an
        // unreported edit of this run may replace the previous run's text.
        let purpose = charter.purpose.text.as_str();
        let tag = format!("r{round}-");
        let reported_this_round = durable.len() > durable_before;
        if let Some((_, len)) = durable.last() {
            let from_this_run = purpose.starts_with(&tag);
            assert!(
                if reported_this_round {
                    from_this_run && purpose.len() >= *len
                } else {
                    from_this_run || purpose.len() >= *len
                },
                "round {round}: the purpose lost durable text: {purpose:?}"
            );
        }
    }
    let snapshots = std::fs::read_dir(
        dir.path()
            .join("repo")
            .join(&doc[..2])
            .join(&doc[2..])
            .join("snapshot"),
    )
    .map_or(0, Iterator::count);
    eprintln!(
        "{ROUNDS} SIGKILLs ({kills_mid_run} mid-run), {} durable edits checked, {snapshots} snapshot(s) on disk",
        durable.len()
    );
    assert!(
        kills_mid_run >= ROUNDS - 1,
        "the writer was killed while running, not after it exited"
    );
    assert!(
        durable.len() > ROUNDS as usize,
        "edits were made and reported: {}",
        durable.len()
    );
}

/// Where the store's write path can be interrupted (see
/// `guild_sync::store::crash_point`), in the order a compaction reaches
/// them: a chunk fsynced but not renamed, a snapshot renamed but its
/// directory not synced, every write of a batch synced but the covered
/// chunks not yet deleted, and a compaction that deleted only some.
const CRASH_POINTS: &[&str] = &[
    "before-rename@7",
    "snapshot-renamed",
    "synced@9",
    "compaction-delete",
    "compaction-delete@4",
    "snapshot-renamed@3",
];

fn files_under(dir: &std::path::Path, keep: &dyn Fn(&str) -> bool) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .map_while(Result::ok)
            .map(|e| {
                let path = e.path();
                if path.is_dir() {
                    files_under(&path, keep)
                } else {
                    usize::from(keep(&e.file_name().to_string_lossy()))
                }
            })
            .sum()
    })
}

#[test]
fn a_crash_at_each_step_of_a_compaction_loses_nothing_durable() {
    use std::os::unix::process::ExitStatusExt as _;

    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let doc = rt.block_on(async {
        let library = open_library(dir.path(), LibraryOptions::one_shot())
            .await
            .unwrap();
        let id = library.create("Compaction CoP", true).await.unwrap();
        library.close().await.unwrap();
        id
    });
    let mut durable: Vec<(String, usize)> = Vec::new();
    for (round, point) in CRASH_POINTS.iter().enumerate() {
        let mut child = Command::new(env!("CARGO_BIN_EXE_edit_writer"))
            .arg(dir.path())
            .arg(&doc)
            .arg(format!("c{round}-"))
            .env("GUILD_CRASH_POINT", point)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let reader = read_reports(child.stdout.take().unwrap());
        let deadline = std::time::Instant::now() + Duration::from_mins(2);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() > deadline {
                child.kill().unwrap();
                panic!("crash point {point} was never reached");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(
            status.signal(),
            Some(libc::SIGABRT),
            "the writer died at crash point {point}: {status:?}"
        );
        let reported = reader.join().unwrap();
        let tmp_left = files_under(dir.path(), &|name| name.starts_with(".tmp-"));
        if point.starts_with("before-rename") {
            assert!(tmp_left > 0, "a crash before a rename leaves its temp file");
        }
        let durable_before = durable.len();
        durable.extend(reported);

        let charter = rt.block_on(async {
            let library = open_library(dir.path(), LibraryOptions::one_shot())
                .await
                .expect("reopen after a crash");
            let charter = library.charter(&doc).await.expect("every load succeeds");
            assert!(
                library.health().damaged.is_empty(),
                "{point}: no damage from a crash: {:?}",
                library.health().damaged
            );
            library.close().await.unwrap();
            charter
        });
        for (card, _) in &durable {
            assert!(
                charter.cards.contains_key(card),
                "{point}: durable card {card} is missing"
            );
        }
        let purpose = charter.purpose.text.as_str();
        if durable.len() > durable_before
            && let Some((_, len)) = durable.last()
        {
            assert!(
                purpose.starts_with(&format!("c{round}-")) && purpose.len() >= *len,
                "{point}: the purpose lost durable text: {purpose:?}"
            );
        }
        let chunks = files_under(&dir.path().join("repo"), &|name| !name.starts_with(".tmp-"));
        eprintln!(
            "crash point {point}: {} edits reported durable, {tmp_left} temp file(s) left, {chunks} chunk(s) on disk after reopening",
            durable.len() - durable_before
        );
    }
    assert!(
        durable.len() > CRASH_POINTS.len(),
        "edits were made between the crashes: {}",
        durable.len()
    );
    assert_eq!(
        files_under(dir.path(), &|name| name.starts_with(".tmp-")),
        0,
        "opening removes what crashes left half-written"
    );
}

#[test]
fn a_damaged_chunk_is_reported_and_the_rest_loads() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let doc = rt.block_on(async {
        let library = open_library(dir.path(), LibraryOptions::one_shot())
            .await
            .unwrap();
        let id = library.create("Damaged CoP", true).await.unwrap();
        for n in 0..3 {
            let op = guild_model::Op::SetProse {
                field: guild_model::ProseField::Vision,
                text: format!("vision {n}"),
            };
            library.edit(&id, &op).await.unwrap();
        }
        library.close().await.unwrap();
        id
    });
    // Flip a byte in the newest incremental chunk and truncate another.
    let chunks = dir
        .path()
        .join("repo")
        .join(&doc[..2])
        .join(&doc[2..])
        .join("incremental");
    let mut files: Vec<_> = std::fs::read_dir(&chunks)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap());
    assert!(files.len() >= 3, "incremental chunks on disk: {files:?}");
    let newest = files.last().unwrap().clone();
    let mut bytes = std::fs::read(&newest).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x40;
    std::fs::write(&newest, bytes).unwrap();
    let before_newest = files[files.len() - 2].clone();
    let len = std::fs::metadata(&before_newest).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&before_newest)
        .unwrap()
        .set_len(len / 2)
        .unwrap();

    rt.block_on(async {
        let library = open_library(dir.path(), LibraryOptions::one_shot())
            .await
            .unwrap();
        let charter = library.charter(&doc).await.expect("the rest loads");
        assert_eq!(charter.meta.title.as_str(), "Damaged CoP");
        assert_eq!(charter.cards.len(), 22, "the seed cards survive");
        let damaged = library.health().damaged;
        let names: Vec<_> = damaged.iter().map(|d| d.path.clone()).collect();
        assert!(
            names.contains(&newest) && names.contains(&before_newest),
            "both damaged chunks reported: {damaged:?}"
        );
        library.close().await.unwrap();
    });
    assert!(newest.exists(), "a damaged chunk is kept, never deleted");
}

/// A charter with a long history: the purpose typed a few characters per
/// change, so an initial sync has thousands of changes to carry.
fn charter_with_history(changes: usize) -> Vec<u8> {
    use automerge::transaction::Transactable as _;
    use automerge::{ObjType, ROOT, ReadDoc as _};

    let mut doc = guild_model::new_charter("Long history CoP", 1_700_000_000).unwrap();
    let purpose = match doc.get(ROOT, "purpose").unwrap() {
        Some((_, section)) => match doc.get(&section, "text").unwrap() {
            Some((automerge::Value::Object(ObjType::Text), text)) => text,
            other => panic!("the purpose is text: {other:?}"),
        },
        None => panic!("a charter has a purpose"),
    };
    for n in 0..changes {
        let mut tx = doc.transaction();
        let at = tx.length(&purpose);
        tx.splice_text(&purpose, at, 0, &format!("w{n} ")).unwrap();
        tx.commit();
    }
    doc.save()
}

#[test]
fn sigkill_during_a_join_then_the_join_resumes() {
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let rt = runtime();
    let a = rt.block_on(guild_tests::start_node(a_dir.path()));
    let (doc, ticket) = rt.block_on(async {
        let doc = a
            .library()
            .import(&charter_with_history(20_000))
            .await
            .unwrap();
        let ticket = a
            .share(&doc, guild_model::AccessLevel::ReadWrite)
            .await
            .unwrap();
        (doc, ticket.to_string())
    });

    let joiner = |kill_after: Option<Duration>| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_joiner"))
            .arg(b_dir.path())
            .arg(&ticket)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if let Some(delay) = kill_after {
            std::thread::sleep(delay);
            child.kill().unwrap();
        }
        let output = child.wait_with_output().unwrap();
        (
            output.status,
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };

    let (mut killed_mid_join, mut partial_on_disk) = (0, 0);
    for delay_ms in [40, 200, 350, 420, 480, 540, 600, 680, 800, 1000] {
        let (status, stdout, _) = joiner(Some(Duration::from_millis(delay_ms)));
        if status.success() || stdout.contains("joined") {
            continue;
        }
        killed_mid_join += 1;
        // Whatever the kill left must load.
        let stored = rt.block_on(async {
            let library = open_library(b_dir.path(), LibraryOptions::one_shot())
                .await
                .expect("reopen after a kill mid-join");
            let mut stored = None;
            for id in library.document_ids().unwrap() {
                let loaded = library.document(&id).await.expect("every load succeeds");
                if id == doc {
                    stored = Some(loaded.get_changes(&[]).len());
                }
            }
            assert!(
                library.health().damaged.is_empty(),
                "{delay_ms} ms: no damage from a kill mid-join: {:?}",
                library.health().damaged
            );
            library.close().await.unwrap();
            stored
        });
        if stored.is_some() {
            partial_on_disk += 1;
        }
        eprintln!("killed after {delay_ms} ms: {stored:?} change(s) of the charter on disk");
    }

    let (status, stdout, stderr) = joiner(None);
    assert!(status.success(), "the join resumes and completes: {stderr}");
    let expected = rt.block_on(async {
        a.library()
            .document(&doc)
            .await
            .unwrap()
            .get_changes(&[])
            .len()
    });
    assert_eq!(
        stdout.trim(),
        format!("joined {doc} {expected}"),
        "the resumed join stored the whole charter"
    );
    eprintln!(
        "{killed_mid_join} kills before the join finished, {partial_on_disk} had stored some or all of the charter; the next join stored all {expected} changes"
    );
    assert!(killed_mid_join > 0, "at least one kill landed mid-join");
    rt.block_on(a.shutdown()).unwrap();
}
