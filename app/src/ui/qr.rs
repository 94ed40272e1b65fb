//! QR codes of invite tickets, drawn as egui shapes (no image files).

use egui::{Color32, Rect, Sense, Vec2};

/// Draws `text` as a QR code `size` points wide, with its quiet zone.
pub(crate) fn show(ui: &mut egui::Ui, text: &str, size: f32) -> egui::Response {
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return ui.label("(this ticket is too long for a QR code)");
    };
    let width = code.width();
    let modules = code.to_colors();
    let quiet = 4;
    let cells = (width + 2 * quiet) as f32;
    let (rect, response) = ui.allocate_exact_size(Vec2::splat(size), Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, Color32::WHITE);
    let cell = size / cells;
    for (i, color) in modules.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (x, y) = ((i % width + quiet) as f32, (i / width + quiet) as f32);
            let min = rect.min + Vec2::new(x * cell, y * cell);
            painter.rect_filled(
                Rect::from_min_size(min, Vec2::splat(cell + 0.5)),
                0.0,
                Color32::BLACK,
            );
        }
    }
    response.on_hover_text("Scan to get the invite ticket")
}
