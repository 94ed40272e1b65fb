//! The benchmark harness still runs: `bench --smoke` prints every row of
//! its table with a figure for Guild and for the baseline. Timings are
//! never asserted here; `docs/benchmarks.md` holds the measured ones.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

const ROWS: &[&str] = &[
    "1a",
    "1b",
    "1c",
    "1d",
    "2a",
    "2b",
    "3a",
    "3b",
    "4a",
    "4b",
    "5a",
    "6a",
    "6b",
    "6c",
    "6d",
    "6e",
    "6f",
    "6g",
    "6h",
    "6a-burst",
    "6d-burst",
    "6t-08-p50",
    "6t-08-p99",
    "8a",
    "8b",
    "9a",
    "9b",
];

/// The number a figure such as `12.3 ms` or `4096 B` starts with.
fn figure(cell: &str) -> Option<f64> {
    cell.split_whitespace().next()?.parse().ok()
}

#[test]
fn the_smoke_run_prints_every_row_with_numeric_figures() {
    let output = Command::new(env!("CARGO_BIN_EXE_bench"))
        .arg("--smoke")
        .output()
        .expect("run the bench binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "bench --smoke failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for id in ROWS {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(&format!("| {id} |")))
            .unwrap_or_else(|| panic!("no row {id} in the table:\n{stdout}"));
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // "", id, measure, Guild, baseline, ratio, target, met, "".
        assert_eq!(cells.len(), 9, "row {id} has the wrong columns: {line}");
        for (name, cell) in [
            ("Guild", cells[3]),
            ("baseline", cells[4]),
            ("ratio", cells[5]),
        ] {
            assert!(
                figure(cell).is_some_and(f64::is_finite),
                "row {id}: the {name} figure `{cell}` is not a number: {line}"
            );
        }
    }
}
