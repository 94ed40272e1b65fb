//! The randomized multi-peer simulation, seed after seed (see
//! `guild_tests::sim`). `GUILD_SIM_SEEDS=N` runs N seeds (200 by default,
//! what CI runs); `GUILD_SIM_FIRST_SEED` moves the window;
//! `GUILD_SIM_SEED=S` replays one seed, as a failure's message says.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use guild_tests::runtime;
use guild_tests::sim::{Plan, run};

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().map(|v| {
        v.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a number, not {v:?}"))
    })
}

#[test]
fn every_seed_converges_without_hostile_edits() {
    let seeds: Vec<u64> = if let Some(seed) = env_u64("GUILD_SIM_SEED") {
        vec![seed]
    } else {
        let first = env_u64("GUILD_SIM_FIRST_SEED").unwrap_or(0);
        let count = env_u64("GUILD_SIM_SEEDS").unwrap_or(200);
        (first..first + count).collect()
    };
    let rt = runtime();
    let started = Instant::now();
    let (mut edits, mut hostile, mut restarts, mut slowest) = (0, 0, 0, Duration::ZERO);
    for &seed in &seeds {
        let plan = Plan::from_seed(seed);
        match rt.block_on(run(&plan)) {
            Ok(outcome) => {
                edits += outcome.edits;
                hostile += outcome.hostile_edits;
                restarts += outcome.restarts;
                slowest = slowest.max(outcome.elapsed);
                assert!(outcome.changes > 0, "seed {seed}: the charter has changes");
            }
            Err(failure) => panic!(
                "seed {seed} failed: {failure}\nplan: {plan:#?}\nreplay: {}",
                plan.replay_command()
            ),
        }
    }
    eprintln!(
        "{} seeds in {:.1} s (slowest {:.1} s): {edits} edits, {hostile} hostile edits refused, {restarts} restarts",
        seeds.len(),
        started.elapsed().as_secs_f64(),
        slowest.as_secs_f64()
    );
    assert!(edits > seeds.len(), "the plans made edits");
}
