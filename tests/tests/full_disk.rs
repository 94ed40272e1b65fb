//! A full disk while editing: every edit stays in memory, the library says
//! "not saved" plainly, nothing already saved is lost, and everything is
//! saved once space returns. Runs on a real, tiny tmpfs (root only; says it
//! was skipped otherwise).

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use guild_model::{Op, ProseField};
use guild_sync::LibraryOptions;
use guild_tests::disk::TinyDisk;
use guild_tests::{open_library, runtime};

fn purpose(text: &str) -> Op {
    Op::SetProse {
        field: ProseField::Purpose,
        text: text.into(),
    }
}

/// Waits (at most 5 s) until the files under `dir` have stayed the same
/// for 300 ms.
async fn wait_until_quiet(dir: &std::path::Path) {
    fn listing(dir: &std::path::Path) -> Vec<(std::path::PathBuf, u64)> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let path = entry.path();
                match entry.metadata() {
                    Ok(m) if m.is_dir() => stack.push(path),
                    Ok(m) => out.push((path, m.len())),
                    Err(_) => {}
                }
            }
        }
        out.sort();
        out
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut last = listing(dir);
    while std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let now = listing(dir);
        if now == last {
            return;
        }
        last = now;
    }
}

#[test]
fn a_full_disk_keeps_edits_in_memory_says_not_saved_and_saves_when_space_returns() {
    let disk = match TinyDisk::mount("8m") {
        Ok(disk) => disk,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let rt = runtime();
    rt.block_on(async {
        let library = open_library(disk.path(), LibraryOptions::interactive())
            .await
            .unwrap();
        let doc = library.create("Full disk CoP", true).await.unwrap();
        library.edit(&doc, &purpose("saved before")).await.unwrap();
        // samod saves and compacts the new charter in the background; a
        // compaction that deletes chunks after the disk is filled frees
        // room for the "full disk" edits (once, all six fitted). Wait until
        // the data dir stops changing.
        wait_until_quiet(disk.path()).await;

        // Each edit meets a disk with no room left (refilled until a fill
        // after a pause longer than the batch window finds none), so each
        // must be refused; its durable write is answered for itself, even
        // when samod's background save of the same change follows it.
        let pause = Duration::from_millis(150);
        let mut filled = 0;
        let mut refused = Vec::new();
        let edits: Vec<Op> = (0..5)
            .map(|n| Op::AddCard {
                id: format!("offline-{n}"),
                cell: guild_model::Cell::MembersShortTerm,
                text: format!("written on a full disk {n}"),
                position: guild_model::Position::End,
            })
            .chain([purpose("written on a full disk")])
            .collect();
        for edit in &edits {
            // Blocking: the runtime's other thread keeps samod and the
            // store's tasks going meanwhile.
            filled += tokio::task::block_in_place(|| disk.fill_until_full(pause));
            let free = disk.free_bytes();
            if let Err(e) = library.edit(&doc, edit).await {
                // Sampled at once: the writer publishes its health before it
                // answers, and nothing frees room while the disk stays full.
                let health = library.health();
                refused.push((e.to_string(), health.unsaved_writes, free));
            }
        }
        eprintln!(
            "filled {filled} bytes; {}/{} edits refused: {refused:?}",
            refused.len(),
            edits.len()
        );
        assert_eq!(
            refused.len(),
            edits.len(),
            "every edit on a disk with no room left says it is not saved"
        );
        for (message, unsaved, free) in &refused {
            assert_eq!(*free, 0, "the disk was full before the edit");
            assert!(message.starts_with("not saved"), "{message}");
            assert!(message.contains("No space left"), "{message}");
            assert!(!message.contains('\n'), "one line: {message}");
            assert!(
                *unsaved > 0,
                "the health says writes are waiting when an edit is refused: {message}"
            );
        }
        // Kept in memory: this process still reads every edit.
        let charter = library.charter(&doc).await.unwrap();
        assert_eq!(charter.purpose.text.as_str(), "written on a full disk");
        assert!((0..5).all(|n| charter.cards.contains_key(&format!("offline-{n}"))));

        disk.free();
        let freed = Instant::now();
        while !library.health().is_ok() {
            assert!(
                freed.elapsed() < Duration::from_secs(30),
                "saved once space returned: {:?}",
                library.health()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        eprintln!(
            "everything saved {} ms after space returned",
            freed.elapsed().as_millis()
        );
        library.close().await.expect("nothing left unsaved");

        let reopened = open_library(disk.path(), LibraryOptions::one_shot())
            .await
            .unwrap();
        let charter = reopened.charter(&doc).await.unwrap();
        assert_eq!(charter.purpose.text.as_str(), "written on a full disk");
        assert!(
            (0..5).all(|n| charter.cards.contains_key(&format!("offline-{n}"))),
            "the edits made on the full disk were saved"
        );
        assert_eq!(charter.meta.title.as_str(), "Full disk CoP");
        reopened.close().await.unwrap();
    });
}
