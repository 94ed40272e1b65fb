//! Fuzz target `compact_envelope`: the body is `guild_tests::fuzz_targets::compact_envelope`,
//! which `tests/tests/fuzz_regressions.rs` also replays.
#![no_main]

libfuzzer_sys::fuzz_target!(
    init: guild_tests::fuzz_targets::init_fuzzing(),
    |data: &[u8]| guild_tests::fuzz_targets::compact_envelope(data)
);
