//! The layering guard: `guild-model` must never depend on an async runtime,
//! the network, the sync repo or the UI (ARCHITECTURE.md).

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

const FORBIDDEN: &[&str] = &[
    "tokio",
    "iroh",
    "samod",
    "samod-core",
    "egui",
    "eframe",
    "epaint",
    "winit",
];

#[test]
fn guild_model_depends_on_no_runtime_network_or_ui_crate() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "tree",
            "-p",
            "guild-model",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8(out.stdout).unwrap();
    let crates: Vec<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(
        crates.contains(&"automerge"),
        "the tree was read: {crates:?}"
    );
    let found: Vec<&&str> = crates
        .iter()
        .filter(|c| FORBIDDEN.contains(c) || c.starts_with("iroh-"))
        .collect();
    assert!(
        found.is_empty(),
        "guild-model must stay pure but depends on {found:?}"
    );
}
