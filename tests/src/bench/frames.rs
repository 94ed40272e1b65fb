//! Row 5b, the window's start to its first frame with the charter, and
//! row 7: the window's frame time with the whole charter open, idle, after
//! a keystroke and after a remote edit, against a plain egui `TextEdit`
//! over a `String` of the same text (`guild_app::frame_bench` does both,
//! headless under `egui_kittest`, in this process).

use std::time::Duration;

use anyhow::Result;

use super::{Row, Target, Unit, median, ms, percentile};

fn us(v: u128) -> Duration {
    Duration::from_micros(u64::try_from(v).unwrap_or(u64::MAX))
}

/// Measures `runs` times and returns the rows.
pub(crate) fn rows(charter: &[u8], ops: usize, runs: usize) -> Result<Vec<Row>> {
    let figures = guild_app::frame_bench::measure(charter, runs)?;
    eprintln!(
        "  note 5b: Automerge::load on a new thread {:.1} ms, on the measuring thread with its heap warm {:.1} ms (medians)",
        ms(median(&figures.raw_load)),
        ms(median(&figures.raw_load_warm)),
    );
    eprintln!(
        "  note 7: the slowest remote-edit frame took {:.1} ms, {:.1} ms of it the UI thread's own CPU time",
        ms(us(figures.guild.remote)),
        ms(us(figures.guild.remote_cpu))
    );
    let idle = |v: &[u128]| {
        ms(percentile(
            &v.iter().copied().map(us).collect::<Vec<_>>(),
            50,
        ))
    };
    let what = |moment: &str| {
        format!(
            "UI frame time, {moment}, {ops}-op charter ({} chars) open, vs a plain TextEdit over the same String",
            figures.chars
        )
    };
    Ok(vec![
        Row::new(
            "5b",
            format!(
                "window start → first frame showing the {ops}-op charter (worker, node, load, view), vs Automerge::load of its save() on a new thread"
            ),
            Unit::Ms,
            ms(median(&figures.first_frame)),
            ms(median(&figures.raw_load)),
        )
        // Issue 16's target: the load, a tenth more, and one frame.
        .target(Target::RatioPlus(1.1, 16.0)),
        Row::new(
            "7a",
            what("idle (p50)"),
            Unit::Ms,
            idle(&figures.guild.idle),
            idle(&figures.plain.idle),
        )
        .target(Target::AtMost(1.0)),
        Row::new(
            "7b",
            what("the frame after a local keystroke"),
            Unit::Ms,
            ms(us(figures.guild.keystroke)),
            ms(us(figures.plain.keystroke)),
        ),
        Row::new(
            "7c",
            what("the frame after a remote edit"),
            Unit::Ms,
            ms(us(figures.guild.remote)),
            ms(us(figures.plain.remote)),
        )
        .target(Target::AtMost(4.0)),
    ])
}
