//! The running agenda step, on every section of every window in the room:
//! "Dream · 12:04 left". Each window counts down from the start time in the
//! charter with its own clock (a laptop whose clock is off by seconds shows
//! seconds more or less), so nothing is sent while the clock ticks.

use egui::{Color32, RichText};

use super::view_model::OpenCharter;

/// `12:04`, or `-0:30` once over time.
pub(crate) fn clock(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.unsigned_abs();
    format!("{sign}{}:{:02}", s / 60, s % 60)
}

/// The banner under the top bar while a step runs; nothing otherwise.
pub(crate) fn banner(ui: &mut egui::Ui, open: &OpenCharter) {
    let workshop = &open.view.charter.workshop;
    let Some((step, left)) = workshop.time_left(crate::present::unix_now()) else {
        return;
    };
    let (words, tint) = if left >= 0 {
        (
            format!("{} · {} left", step.title, clock(left)),
            Color32::from_rgb(46, 139, 87),
        )
    } else {
        (
            format!("{} · over time by {}", step.title, clock(-left)),
            Color32::from_rgb(200, 60, 50),
        )
    };
    egui::Panel::top("countdown").show(ui, |ui| {
        ui.horizontal(|ui| {
            ui.label(RichText::new("Now").weak());
            ui.label(RichText::new(words).strong().size(18.0).color(tint));
        });
    });
    // The next second's figure.
    ui.ctx()
        .request_repaint_after(std::time::Duration::from_millis(500));
}

#[cfg(test)]
mod tests {
    use super::clock;

    #[test]
    fn the_clock_reads_minutes_and_seconds_and_goes_negative_over_time() {
        assert_eq!(clock(15 * 60), "15:00");
        assert_eq!(clock(61), "1:01");
        assert_eq!(clock(-30), "-0:30");
    }
}
