//! Fuzz target `sync_message`: the body is `guild_tests::fuzz_targets::sync_message`,
//! which `tests/tests/fuzz_regressions.rs` also replays.
#![no_main]

libfuzzer_sys::fuzz_target!(
    init: guild_tests::fuzz_targets::init_fuzzing(),
    |data: &[u8]| guild_tests::fuzz_targets::sync_message(data)
);
