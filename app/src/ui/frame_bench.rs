//! Row 7 of the benchmark: how long the window takes to draw a frame with a
//! charter open, against a plain egui `TextEdit` over a `String` holding
//! the same text. Both run headless under `egui_kittest` (layout, text
//! shaping and tessellation; no GPU), in the same process.
//!
//! Three moments are timed for each: an idle frame, the frame after a
//! keystroke typed into the text, and the frame after the text changed
//! underneath (for Guild, a change the worker merged and published, as it
//! does for a peer's edit).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use egui_kittest::Harness;
use egui_kittest::kittest::{Queryable, by};
use guild_model::{Op, ProseField};
use guild_sync::DataDir;
use guild_sync::net::node::NetOptions;

use super::GuildApp;
use super::commands::UiCommand;
use super::worker::WindowConfig;

/// Frame times, in microseconds.
#[derive(Debug, Clone, Default)]
pub struct FrameTimes {
    /// Idle frames, sorted.
    pub idle: Vec<u128>,
    /// The frame right after a keystroke.
    pub keystroke: u128,
    /// The frame right after the text changed underneath.
    pub remote: u128,
    /// The UI thread's own CPU time in that frame (Linux; 0 elsewhere):
    /// what is left once other threads' load is taken out.
    pub remote_cpu: u128,
}

/// Both sides of the row.
#[derive(Debug, Clone, Default)]
pub struct FrameFigures {
    /// The Guild window on the charter's Purpose section.
    pub guild: FrameTimes,
    /// A plain `TextEdit` over the same text.
    pub plain: FrameTimes,
    /// Characters of the text.
    pub chars: usize,
    /// Window start (worker, node, library) → the first frame that shows
    /// the charter, per run.
    pub first_frame: Vec<Duration>,
    /// `Automerge::load` of the same charter's bytes on a thread of its
    /// own, per run: a window's worker is a new thread, and so is the
    /// memory it loads into (the first touch of each page costs a fault).
    pub raw_load: Vec<Duration>,
    /// The same load on the measuring thread, whose heap earlier loads
    /// have already grown: what a load costs with its memory warm.
    pub raw_load_warm: Vec<Duration>,
}

const IDLE_FRAMES: usize = 40;
const STUCK: Duration = Duration::from_mins(1);

/// Imports `charter` (a saved `.automerge` whose purpose is the long text)
/// into a fresh data directory, opens it in the window and times frames;
/// then does the same with a plain `TextEdit`.
///
/// # Errors
/// If the charter cannot be imported or the window never shows it.
pub fn measure(charter: &[u8], runs: usize) -> Result<FrameFigures> {
    let dir = tempfile::tempdir()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (id, text) = runtime.block_on(async {
        let library = guild_sync::Library::open(
            DataDir::resolve(Some(dir.path().to_path_buf()))?,
            guild_sync::LibraryOptions::one_shot(),
        )
        .await?;
        let id = library.import(charter).await?;
        let text = library.charter(&id).await?.purpose.text.as_str().to_owned();
        library.close().await?;
        anyhow::Ok((id, text))
    })?;
    std::fs::write(
        dir.path().join("profile.json"),
        r#"{"name":"Bench","color":[52,120,210]}"#,
    )?;
    let mut guild = FrameTimes::default();
    let mut plain = FrameTimes::default();
    let (mut first_frame, mut raw_load, mut raw_load_warm) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        automerge::Automerge::load(charter)?;
        raw_load_warm.push(started.elapsed());
        let started = Instant::now();
        std::thread::scope(|scope| {
            scope
                .spawn(|| automerge::Automerge::load(charter).map(drop))
                .join()
        })
        .map_err(|_| anyhow::anyhow!("the baseline's load panicked"))??;
        raw_load.push(started.elapsed());
        let (g, first) = guild_frames(dir.path(), &id)?;
        first_frame.push(first);
        let p = plain_frames(&text);
        guild.idle.extend(g.idle);
        plain.idle.extend(p.idle);
        // Keep the slowest single frame of the runs: the one a user sees.
        guild.keystroke = guild.keystroke.max(g.keystroke);
        if g.remote > guild.remote {
            guild.remote_cpu = g.remote_cpu;
        }
        guild.remote = guild.remote.max(g.remote);
        plain.keystroke = plain.keystroke.max(p.keystroke);
        plain.remote = plain.remote.max(p.remote);
    }
    guild.idle.sort_unstable();
    plain.idle.sort_unstable();
    Ok(FrameFigures {
        guild,
        plain,
        chars: text.chars().count(),
        first_frame,
        raw_load,
        raw_load_warm,
    })
}

fn timed_step<S>(harness: &mut Harness<'_, S>) -> u128 {
    let start = Instant::now();
    harness.step();
    start.elapsed().as_micros()
}

fn wait_until(
    harness: &mut Harness<'_, GuildApp>,
    what: &str,
    done: impl Fn(&Harness<'_, GuildApp>) -> bool,
) -> Result<()> {
    let start = Instant::now();
    while !done(harness) {
        if start.elapsed() > STUCK {
            bail!("the window never showed {what}");
        }
        harness.step();
        std::thread::sleep(Duration::from_millis(2));
    }
    harness.step();
    Ok(())
}

fn guild_frames(dir: &Path, id: &str) -> Result<(FrameTimes, Duration)> {
    let config = WindowConfig {
        data_dir: DataDir::resolve(Some(dir.to_path_buf()))?,
        net: NetOptions::loopback(),
        open: Some(id.to_owned()),
        execute: None,
    };
    let started = Instant::now();
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 900.0))
        .build_eframe(move |cc| GuildApp::new(cc, config));
    // A window paints at once, showing that it is opening; the charter
    // arrives in a later frame.
    harness.step();
    while harness
        .state()
        .view()
        .open
        .as_ref()
        .is_none_or(|o| o.view.id != id)
    {
        if started.elapsed() > STUCK {
            bail!("the window never opened the charter");
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    // The frame that draws the charter the worker just published.
    harness.step();
    let first_frame = started.elapsed();
    harness.get_by_label("Go to Purpose").click();
    for _ in 0..3 {
        harness.step();
    }
    let idle: Vec<u128> = (0..IDLE_FRAMES).map(|_| timed_step(&mut harness)).collect();
    // Earlier runs on this data dir left their edits: count from now.
    let typed = harness
        .state()
        .view()
        .open
        .as_ref()
        .map_or(0, |o| o.view.charter.purpose.text.as_str().chars().count())
        + 1;
    type_into_purpose(&mut harness, "¶")?;
    let keystroke = timed_step(&mut harness);
    wait_until(&mut harness, "the keystroke saved", |h| {
        h.state()
            .view()
            .open
            .as_ref()
            .is_some_and(|o| o.view.charter.purpose.text.as_str().chars().count() == typed)
    })?;
    let before = harness
        .state()
        .view()
        .open
        .as_ref()
        .map(|o| o.view.heads.clone())
        .unwrap_or_default();
    harness.state().command(UiCommand::Edit {
        doc: id.to_owned(),
        ops: vec![Op::SpliceProse {
            field: ProseField::Purpose,
            pos: 10.min(typed),
            delete: 0,
            insert: "[remote]".into(),
        }],
        base: None,
    });
    let start = Instant::now();
    while harness
        .state()
        .view()
        .open
        .as_ref()
        .is_some_and(|o| o.view.heads == before)
    {
        if start.elapsed() > STUCK {
            bail!("the edit never arrived");
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let cpu = thread_cpu();
    let remote = timed_step(&mut harness);
    let remote_cpu = thread_cpu().saturating_sub(cpu);
    Ok((
        FrameTimes {
            idle,
            keystroke,
            remote,
            remote_cpu,
        },
        first_frame,
    ))
}

/// Focuses the Purpose field and types `text` into it. A long purpose is
/// drawn paragraph by paragraph: this types into the first.
fn type_into_purpose(harness: &mut Harness<'_, GuildApp>, text: &str) -> Result<()> {
    let purpose = || {
        by().role(egui::accesskit::Role::MultilineTextInput)
            .label_contains("Purpose")
    };
    harness
        .query_all(purpose())
        .next()
        .context("no Purpose field")?
        .focus();
    harness.step();
    harness
        .query_all(purpose())
        .next()
        .context("no Purpose field")?
        .type_text(text);
    Ok(())
}

fn plain_frames(text: &str) -> FrameTimes {
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 900.0))
        .build_ui_state(
            |ui, text: &mut String| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    let label = ui.label("Purpose");
                    ui.add(egui::TextEdit::multiline(text).desired_width(f32::INFINITY))
                        .labelled_by(label.id);
                });
            },
            text.to_owned(),
        );
    for _ in 0..3 {
        harness.step();
    }
    let idle: Vec<u128> = (0..IDLE_FRAMES).map(|_| timed_step(&mut harness)).collect();
    let field = harness.get_by_role_and_label(egui::accesskit::Role::MultilineTextInput, "Purpose");
    field.focus();
    harness.step();
    harness
        .get_by_role_and_label(egui::accesskit::Role::MultilineTextInput, "Purpose")
        .type_text("¶");
    let keystroke = timed_step(&mut harness);
    let at = harness.state().char_indices().nth(10).map_or(0, |(i, _)| i);
    harness.state_mut().insert_str(at, "[remote]");
    let remote = timed_step(&mut harness);
    FrameTimes {
        idle,
        keystroke,
        remote,
        remote_cpu: 0,
    }
}

/// This thread's CPU time so far, in µs (Linux's schedstat; 0 elsewhere).
fn thread_cpu() -> u128 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u128>().ok())
        .map_or(0, |ns| ns / 1000)
}
