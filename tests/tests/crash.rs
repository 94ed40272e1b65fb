//! Crashes: a process editing continuously is `SIGKILLed` many times over;
//! every load afterwards succeeds and nothing it reported durable is gone.
//! Damaged chunks on disk are reported and skipped, never fatal.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use guild_sync::LibraryOptions;
use guild_tests::{open_library, runtime};

const ROUNDS: u64 = 12;

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
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
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
                .collect::<Vec<_>>()
        });
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
