//! The running agenda step, on every section of every window in the room:
//! "Dream · 12:04 left". Each window counts down from the start time in the
//! charter on the clock of the device that started the step (the host's),
//! whose distance from its own it measures from that device's presence
//! messages: laptops whose clocks disagree show the same time left, and
//! nothing is sent while the clock ticks.

use egui::{Color32, RichText};

use super::view_model::{OpenCharter, Presence};

/// `12:04`, or `-0:30` once over time.
pub(crate) fn clock(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.unsigned_abs();
    format!("{sign}{}:{:02}", s / 60, s % 60)
}

/// The banner under the top bar while a step runs; nothing otherwise.
pub(crate) fn banner(ui: &mut egui::Ui, open: &OpenCharter) {
    let workshop = &open.view.charter.workshop;
    let starter = workshop
        .running
        .as_ref()
        .and_then(|r| starters_clock(&r.clock, &open.presence));
    let offset = starter.map_or(0, |(_, secs)| secs);
    let Some((step, left)) = workshop.time_left(crate::present::unix_now() + offset) else {
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
            let shown = ui.label(RichText::new(words).strong().size(18.0).color(tint));
            if let Some((name, secs)) = starter.filter(|(_, secs)| *secs != 0) {
                let ahead = if secs > 0 { "ahead of" } else { "behind" };
                shown.on_hover_text(format!(
                    "Counted on {name}'s clock, which is {} {ahead} this laptop's",
                    clock(secs.abs())
                ));
            }
        });
    });
    // The next second's figure.
    ui.ctx()
        .request_repaint_after(std::time::Duration::from_millis(500));
}

/// The clock a step started by session `actor` runs on, from here: the
/// name of the person at that device and how many seconds its clock is
/// ahead of ours (`None` for this device, or one not heard from).
pub(crate) fn starters_clock<'a>(actor: &str, presence: &'a [Presence]) -> Option<(&'a str, i64)> {
    let peer = presence
        .iter()
        .find(|p| !p.device.is_empty() && actor.starts_with(p.device.as_str()))?;
    // Rounded to the second the countdown shows.
    let secs = (peer.clock_offset_ms? as f64 / 1000.0).round() as i64;
    Some((peer.name.as_str(), secs))
}

#[cfg(test)]
mod tests {
    use super::{clock, starters_clock};
    use crate::ui::view_model::Presence;

    fn peer(device: &str, offset_ms: Option<i64>) -> Presence {
        Presence {
            endpoint: format!("endpoint-{device}"),
            name: format!("person at {device}"),
            color: [0, 0, 0],
            section: "overview".into(),
            seen: std::time::Instant::now(),
            direct: true,
            device: device.into(),
            clock_offset_ms: offset_ms,
        }
    }

    #[test]
    fn a_step_counts_down_on_the_clock_of_the_device_that_started_it() {
        let room = [
            peer("aaaa", Some(90_400)),
            peer("bbbb", Some(-2_600)),
            peer("", Some(5)),
        ];
        // Ana's laptop (aaaa…) is 90 s ahead: her step ends 90 s later here.
        assert_eq!(
            starters_clock("aaaa0001", &room),
            Some(("person at aaaa", 90))
        );
        assert_eq!(
            starters_clock("bbbb0001", &room),
            Some(("person at bbbb", -3))
        );
        // This device's own step, or a device not heard from: our clock.
        assert_eq!(starters_clock("cccc0001", &room), None);
        assert_eq!(starters_clock("", &room), None);
        assert_eq!(starters_clock("dddd", &[peer("dddd", None)]), None);
    }

    #[test]
    fn the_clock_reads_minutes_and_seconds_and_goes_negative_over_time() {
        assert_eq!(clock(15 * 60), "15:00");
        assert_eq!(clock(61), "1:01");
        assert_eq!(clock(-30), "-0:30");
    }
}
