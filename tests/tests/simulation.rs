//! The randomized multi-peer simulation, seed after seed (see
//! `guild_tests::sim`): on a mesh of 3–5 peers linked by hand, and in rooms
//! of 6–12 peers linked by the product's overlay, where peers also join and
//! leave. `GUILD_SIM_SEEDS=N` runs N seeds (200 meshes and 12 rooms by
//! default, what CI runs); `GUILD_SIM_FIRST_SEED` moves the window;
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

/// Runs the plans of `seeds` (made by `plan_of`), one after the other;
/// panics with the first failure and its replay command.
fn run_seeds(default_count: u64, plan_of: fn(u64) -> Plan) {
    let seeds: Vec<u64> = if let Some(seed) = env_u64("GUILD_SIM_SEED") {
        vec![seed]
    } else {
        let first = env_u64("GUILD_SIM_FIRST_SEED").unwrap_or(0);
        let count = env_u64("GUILD_SIM_SEEDS").unwrap_or(default_count);
        (first..first + count).collect()
    };
    let rt = runtime();
    let started = Instant::now();
    let (mut edits, mut hostile, mut restarts, mut slowest) = (0, 0, 0, Duration::ZERO);
    let mut peers = 0;
    for &seed in &seeds {
        let plan = plan_of(seed);
        peers = peers.max(plan.roles.len());
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
        "{} seeds (up to {peers} peers) in {:.1} s (slowest {:.1} s): {edits} edits, {hostile} hostile edits refused, {restarts} restarts",
        seeds.len(),
        started.elapsed().as_secs_f64(),
        slowest.as_secs_f64()
    );
    assert!(edits > seeds.len(), "the plans made edits");
}

#[test]
fn every_seed_converges_without_hostile_edits() {
    run_seeds(200, Plan::from_seed);
}

#[test]
fn every_room_converges_on_the_overlay_as_peers_join_and_leave() {
    run_seeds(12, Plan::room_from_seed);
}
