//! Members and roles: sponsor, core group, member, potential member; their
//! unit, and the devices they edit from.

use egui::RichText;
use guild_model::{Collection, MemberEdit, Op, Position, Role, new_id};

use super::{SectionCtx, add_row, button, choose, inline_text};

pub(crate) fn show(ui: &mut egui::Ui, ctx: &mut SectionCtx<'_>) {
    let read_only = ctx.read_only();
    let charter = &ctx.open.view.charter;
    if !read_only {
        let role_key = "member.new.role";
        let role = ctx
            .state
            .drafts
            .get(role_key)
            .and_then(|r| r.parse().ok())
            .unwrap_or(Role::Member);
        if let Some(role) = choose(ui, role_key, "Role", role, Role::ALL, Role::label, true) {
            ctx.state
                .drafts
                .insert(role_key.into(), role.as_str().into());
        }
        if let Some(name) = add_row(ui, ctx.state, "member.new", "New member", "Add member") {
            ctx.edit(vec![Op::AddMember {
                id: new_id(),
                name,
                role,
                unit: None,
                position: Position::End,
            }]);
        }
    }
    ui.add_space(6.0);
    for role in Role::ALL {
        let people: Vec<_> = charter
            .members_ordered()
            .filter(|(_, m)| m.role == *role)
            .collect();
        if people.is_empty() {
            continue;
        }
        ui.label(RichText::new(format!("{} ({})", role.label(), people.len())).strong());
        for (id, member) in people {
            ui.horizontal(|ui| {
                show_member(ui, ctx, id, member, read_only);
            });
        }
    }
    ui.add_space(10.0);
    ui.label(RichText::new("Devices that sync this charter").strong());
    for (endpoint, device) in &charter.access.devices {
        let revoked = charter.access.revoked.contains_key(endpoint);
        let state = if revoked {
            "revoked"
        } else {
            device.access.label()
        };
        ui.label(format!("{} — {state} — {:.12}…", device.label, endpoint));
    }
}

/// One member: name, role, unit, devices, remove.
fn show_member(
    ui: &mut egui::Ui,
    ctx: &mut SectionCtx<'_>,
    id: &str,
    member: &guild_model::Member,
    read_only: bool,
) {
    let charter = &ctx.open.view.charter;
    if let Some(name) = inline_text(
        ui,
        ctx.state,
        &format!("member.{id}"),
        &member.name,
        &format!("name of {}", member.name),
        read_only,
    ) {
        ctx.edit(vec![Op::EditMember {
            id: id.to_owned(),
            edit: MemberEdit::Name(name),
        }]);
    }
    if let Some(r) = choose(
        ui,
        &format!("role-{id}"),
        "",
        member.role,
        Role::ALL,
        Role::label,
        !read_only,
    ) {
        ctx.edit(vec![Op::EditMember {
            id: id.to_owned(),
            edit: MemberEdit::Role(r),
        }]);
    }
    let unit = member
        .unit
        .as_deref()
        .map_or("no unit", |u| charter.unit_name(u));
    ui.add_enabled_ui(!read_only, |ui| {
        egui::ComboBox::new(("unit", id), "")
            .selected_text(unit)
            .show_ui(ui, |ui| {
                if ui
                    .selectable_label(member.unit.is_none(), "no unit")
                    .clicked()
                {
                    ctx.edit(vec![Op::EditMember {
                        id: id.to_owned(),
                        edit: MemberEdit::Unit(None),
                    }]);
                }
                for (unit_id, u) in charter.units_ordered() {
                    if ui
                        .selectable_label(member.unit.as_ref() == Some(unit_id), u.name.as_str())
                        .clicked()
                    {
                        ctx.edit(vec![Op::EditMember {
                            id: id.to_owned(),
                            edit: MemberEdit::Unit(Some(unit_id.clone())),
                        }]);
                    }
                }
            });
    });
    if !member.devices.is_empty() {
        ui.label(
            RichText::new(format!("{} device(s)", member.devices.len()))
                .small()
                .weak(),
        );
    }
    if !read_only && button(ui, "🗑", &format!("Remove member {}", member.name)).clicked() {
        ctx.edit(vec![Op::RemoveItem {
            collection: Collection::Members,
            id: id.to_owned(),
        }]);
    }
}
