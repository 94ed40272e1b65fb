//! Guild's benchmark harness: every measurable row of the performance
//! issue, each against a baseline measured in the same run (raw Automerge,
//! raw `automerge::sync` over iroh, `save()` sizes), printed as one table.
//!
//! Usage: `cargo run --release -p guild-tests --bin bench [-- --quick | --smoke] [--only 1,3] [--peers 16,48]`.
//! `--quick` uses small inputs for iterating on the harness; `--smoke`
//! tiny ones (every row, in seconds; `tests/tests/bench_smoke.rs` runs it).
//! `--only` runs some row groups (1 and 2 run together, as do 3 and 4;
//! 5 and 8 need 3's data); `--peers` runs row 6 at those room sizes only. Progress and notes go to stderr, the table to
//! stdout. `docs/benchmarks.md` has the latest release figures.

#[path = "../bench/mod.rs"]
mod bench;

use std::time::Instant;

use anyhow::{Context as _, Result, bail};

use bench::{Input, Profile, Row, Sizes, frames, initial, latency, load, memory, mesh, relay};

/// The 1-minute load average: timings mean little on a busy machine, so
/// the table says how busy it was.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

/// What was asked for: the profile, the row groups (`None`: all), and the
/// room sizes of row 6 (`None`: the profile's).
type Asked = (Profile, Option<Vec<u32>>, Option<Vec<usize>>);

fn parse(args: &[String]) -> Result<Asked> {
    let mut profile = Profile::Full;
    let mut only: Option<Vec<u32>> = None;
    let mut peers: Option<Vec<usize>> = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--quick" => profile = Profile::Quick,
            "--smoke" => profile = Profile::Smoke,
            "--only" => {
                let list = rest.next().context("--only takes a list such as 1,3")?;
                only = Some(
                    list.split(',')
                        .map(|g| g.trim().parse().with_context(|| format!("row `{g}`")))
                        .collect::<Result<_>>()?,
                );
            }
            "--peers" => {
                let list = rest.next().context("--peers takes a list such as 16,48")?;
                peers = Some(
                    list.split(',')
                        .map(|n| n.trim().parse().with_context(|| format!("peers `{n}`")))
                        .collect::<Result<_>>()?,
                );
            }
            other => bail!(
                "unknown argument `{other}` (try --quick, --smoke, --only 1,3, --peers 16,48)"
            ),
        }
    }
    Ok((profile, only, peers))
}

/// The profile's sizes, row 6 at `peers` if given.
fn sizes(profile: Profile, peers: Option<Vec<usize>>) -> Sizes {
    let mut sizes = Sizes::of(profile);
    if let Some(peers) = peers {
        sizes.typists.clone_from(&peers);
        sizes.peers = peers;
    }
    sizes
}

fn main() -> Result<()> {
    guild_tests::init_tracing();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(memory::SUBCOMMAND) {
        return memory::child(&args[1..]);
    }
    let (profile, only, peers) = parse(&args)?;
    let wanted = |group: u32| only.as_ref().is_none_or(|o| o.contains(&group));
    let sizes = sizes(profile, peers);
    let load_at_start = load_average();
    let started = Instant::now();
    let input = Input::load(&sizes);
    let cut_ops = sizes.cut.min(input.patches.len());
    let big_ops = sizes.big.min(input.patches.len());
    eprintln!(
        "bench: {profile:?} profile, {} trace: {cut_ops}-op and {big_ops}-op charters, {} ops per change",
        if input.synthetic {
            "synthetic"
        } else {
            "the real"
        },
        sizes.per_change
    );
    let (cut, cut_len) = input.charter(cut_ops, sizes.per_change)?;
    let (big, big_len) = input.charter(big_ops, sizes.per_change)?;
    eprintln!(
        "bench: charters built in {:.1} s ({} B and {} B saved)",
        started.elapsed().as_secs_f64(),
        cut.len(),
        big.len()
    );

    let mut rows: Vec<Row> = Vec::new();
    let mut group = Instant::now();
    let mut report = |new: Vec<Row>| {
        eprintln!("  ({:.1} s)", group.elapsed().as_secs_f64());
        group = Instant::now();
        // Printed as they come, so a run that dies later still says something.
        eprint!(
            "{}",
            bench::table(&new)
                .lines()
                .skip(2)
                .map(|l| format!("{l}\n"))
                .collect::<String>()
        );
        rows.extend(new);
    };
    guild_tests::runtime().block_on(async {
        if wanted(1) || wanted(2) {
            eprintln!("bench: rows 1–2, edit → peer and bytes per edit");
            let on_cut = Box::pin(latency::measure(&cut, cut_len, sizes.edits)).await?;
            let on_big = Box::pin(latency::measure(&big, big_len, sizes.edits)).await?;
            report(latency::rows(&on_cut, cut_ops, &on_big, big_ops));
        }
        if wanted(3) || wanted(4) || wanted(5) || wanted(8) {
            eprintln!("bench: rows 3–4, initial sync and reconnects");
            let (new, kept) =
                Box::pin(initial::rows(&big, big_len, sizes.offline, sizes.repeats)).await?;
            if wanted(3) || wanted(4) {
                report(new);
            }
            Box::pin(disk_rows(kept, big_len, &sizes, &wanted, &mut report)).await?;
        }
        if wanted(9) {
            eprintln!("bench: row 9, edit → peer through a relay vs direct");
            report(Box::pin(relay::rows(&cut, cut_len, sizes.edits)).await?);
        }
        if wanted(6) {
            for &n in &sizes.peers {
                eprintln!("bench: row 6, {n} peers");
                let run = Box::pin(mesh::run(n, sizes.rounds)).await?;
                report(mesh::rows(n, &run));
                if sizes.typists.contains(&n) {
                    eprintln!("bench: row 6, {n} peers, one typing");
                    let typed = Box::pin(mesh::typist(n)).await?;
                    report(mesh::typist_rows(n, &typed, &run.raw));
                }
            }
        }
        anyhow::Ok(())
    })?;
    // The window's worker runs its own runtime: measured outside ours.
    if wanted(7) {
        eprintln!("bench: row 7, UI frame time");
        report(frames::rows(&big, big_ops, sizes.repeats)?);
    }

    rows.sort_by(|a, b| a.id.cmp(&b.id));
    println!(
        "Guild benchmarks ({profile:?} profile, {cut_ops}-op and {big_ops}-op charters, {} edits per latency run, {} s; load average {load_at_start} at the start, {} at the end)\n",
        sizes.edits,
        started.elapsed().as_secs(),
        load_average(),
    );
    print!("{}", bench::table(&rows));
    Ok(())
}

/// Rows 5 and 8 on the charter row 4 left on disk (`kept`); 5c last, for
/// its edits change what the others open.
async fn disk_rows(
    kept: initial::Kept,
    big_len: usize,
    sizes: &Sizes,
    wanted: &impl Fn(u32) -> bool,
    report: &mut impl FnMut(Vec<Row>),
) -> Result<()> {
    if wanted(5) {
        eprintln!("bench: row 5, load from disk");
        report(load::rows(kept.dir.path(), &kept.doc, sizes.repeats).await?);
    }
    if wanted(8) {
        eprintln!("bench: row 8, memory");
        let bytes = load::saved_whole(kept.dir.path(), &kept.doc)?;
        report(memory::rows(kept.dir.path(), &kept.doc, &bytes)?);
    }
    if wanted(5) {
        eprintln!("bench: row 5c, load from disk between two compactions");
        report(
            load::rows_after_edits(kept.dir.path(), &kept.doc, big_len, 9, sizes.repeats).await?,
        );
    }
    Ok(())
}
