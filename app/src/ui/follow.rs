//! Following someone from section to section: a participant clicks a name
//! in the top bar (or the facilitator asks everyone to follow them), and
//! the window goes wherever that person's presence says they are. Any click
//! in the side navigation, or "Stop following", leaves; a window that left
//! stays out until the facilitator asks again.

use egui::RichText;

use super::section::Section;
use super::state::UiState;
use super::view_model::{OpenCharter, ViewModel};

/// Whom this window follows now: the person chosen, else the facilitator
/// who asked the room (unless this window left since they asked).
fn target<'a>(
    vm: &'a ViewModel,
    open: &'a OpenCharter,
    state: &UiState,
) -> Option<(String, String)> {
    if let Some(endpoint) = &state.following {
        let name = open
            .presence
            .iter()
            .find(|p| p.endpoint == *endpoint)
            .map_or_else(|| "someone".to_owned(), |p| p.name.clone());
        return Some((endpoint.clone(), name));
    }
    let lead = open.view.charter.workshop.lead.as_ref()?;
    (lead.endpoint != vm.endpoint && state.declined_lead != Some(lead.since))
        .then(|| (lead.endpoint.clone(), lead.name.clone()))
}

/// Leaves follow mode (the person chose where to go).
pub(crate) fn stop(state: &mut UiState, open: &OpenCharter) {
    state.following = None;
    if let Some(lead) = &open.view.charter.workshop.lead {
        state.declined_lead = Some(lead.since);
    }
}

/// Moves to the followed person's section and says so, with a way out.
pub(crate) fn banner(ui: &mut egui::Ui, vm: &ViewModel, open: &OpenCharter, state: &mut UiState) {
    let Some((endpoint, name)) = target(vm, open, state) else {
        return;
    };
    let there = open
        .presence
        .iter()
        .find(|p| p.endpoint == endpoint)
        .and_then(|p| Section::from_key(&p.section));
    if let Some(section) = there
        && state.section != Some(section)
    {
        state.section = Some(section);
    }
    egui::Panel::top("following").show(ui, |ui| {
        ui.horizontal(|ui| {
            let words = match there {
                Some(section) => format!("Following {name} · {}", section.label()),
                None => format!("Following {name} · waiting to hear where they are"),
            };
            ui.label(RichText::new(words).strong());
            if ui.button("Stop following").clicked() {
                stop(state, open);
            }
        });
    });
}
