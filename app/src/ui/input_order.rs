//! Typed text stays in the field it was typed into. egui handles a frame's
//! input as one batch: when a fast typist's last keys and a click into
//! another field arrive in the same frame (a slow frame, a busy laptop),
//! the click can move the focus before the first field reads the keys, and
//! they are lost. So a frame ends at the first press that follows typing;
//! the press, and all after it, wait for the next frame.

/// Splits `events` before the first pointer press that comes after typed
/// input, and returns what must wait for the next frame (nothing when no
/// press follows typing).
pub(crate) fn hold_after_click(events: &mut Vec<egui::Event>) -> Vec<egui::Event> {
    let typed = |e: &egui::Event| {
        matches!(
            e,
            egui::Event::Text(_)
                | egui::Event::Paste(_)
                | egui::Event::Key { pressed: true, .. }
                | egui::Event::Ime(_)
        )
    };
    let pressed = |e: &egui::Event| matches!(e, egui::Event::PointerButton { pressed: true, .. });
    let Some(first_typed) = events.iter().position(typed) else {
        return Vec::new();
    };
    match events.iter().skip(first_typed).position(pressed) {
        Some(offset) => events.split_off(first_typed + offset),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::hold_after_click;

    fn press() -> egui::Event {
        egui::Event::PointerButton {
            pos: egui::pos2(10.0, 10.0),
            button: egui::PointerButton::Primary,
            pressed: true,
            modifiers: egui::Modifiers::NONE,
        }
    }

    #[test]
    fn keys_typed_before_a_click_are_read_in_a_frame_of_their_own() {
        let mut events = vec![
            egui::Event::Text("l".into()),
            egui::Event::Text("o".into()),
            press(),
            egui::Event::Text("x".into()),
        ];
        let held = hold_after_click(&mut events);
        assert_eq!(
            events,
            [egui::Event::Text("l".into()), egui::Event::Text("o".into())]
        );
        assert_eq!(held, [press(), egui::Event::Text("x".into())]);
    }

    #[test]
    fn a_click_before_any_typing_is_not_held() {
        let mut events = vec![press(), egui::Event::Text("a".into())];
        assert!(hold_after_click(&mut events).is_empty());
        assert_eq!(events.len(), 2);
    }
}
