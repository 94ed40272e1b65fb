//! The person: their name and colour, `DIR/profile.json`, read when the
//! window starts and written when they change it (crash-safe like every
//! file in the data directory, [`DataDir::write_file`]); and who they are in
//! each charter they can edit — a member whose devices include this one, so
//! that the history names the person, not the machine.

use guild_model::{Charter, MemberEdit, Op, Position, Role, new_id};
use guild_sync::DataDir;

use super::super::view_model::Identity;
use super::Worker;

/// The saved identity; `None` on first run (or if the file is unreadable,
/// so that the window asks again rather than failing).
pub(super) fn read(data_dir: &DataDir) -> Option<Identity> {
    let bytes = std::fs::read(data_dir.profile_path()).ok()?;
    serde_json::from_slice(&bytes).ok()
}

pub(super) fn write(data_dir: &DataDir, identity: &Identity) -> std::io::Result<()> {
    let bytes = serde_json::to_vec_pretty(identity)?;
    data_dir.write_file(&data_dir.profile_path(), &bytes)
}

/// `#rrggbb`, as a member's colour is kept in the charter.
fn hex(rgb: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2])
}

/// The edits that make `me` (on the device whose actor ids start with
/// `device`) a member of `charter` under their own name and colour; none
/// when the charter already says so.
///
/// A member who edits from this device is renamed and recoloured to what
/// the person chose. Otherwise a member of the same name nobody edits from
/// yet (added by hand before they joined) gets this device; otherwise the
/// person is added: to the core group when the charter has no members yet
/// (they made it), else as a member.
pub(super) fn introduction(charter: &Charter, device: &str, me: &Identity, label: &str) -> Vec<Op> {
    let name = me.name.trim();
    if name.is_empty() {
        return Vec::new();
    }
    let color = hex(me.color);
    if let Some((id, member)) = charter.member_of_actor(device) {
        let mut ops = Vec::new();
        if member.name != name {
            ops.push(Op::EditMember {
                id: id.clone(),
                edit: MemberEdit::Name(name.to_owned()),
            });
        }
        if member.color.as_deref() != Some(color.as_str()) {
            ops.push(Op::EditMember {
                id: id.clone(),
                edit: MemberEdit::Color(Some(color)),
            });
        }
        return ops;
    }
    let waiting = charter
        .members
        .iter()
        .find(|(_, m)| m.devices.is_empty() && m.name.trim().eq_ignore_ascii_case(name));
    let (id, mut ops) = if let Some((id, _)) = waiting {
        (id.clone(), Vec::new())
    } else {
        let id = new_id();
        let role = if charter.members.is_empty() {
            Role::CoreGroup
        } else {
            Role::Member
        };
        let add = Op::AddMember {
            id: id.clone(),
            name: name.to_owned(),
            role,
            unit: None,
            position: Position::End,
        };
        (id, vec![add])
    };
    ops.push(Op::AddDevice {
        member: id.clone(),
        actor: device.to_owned(),
        label: label.to_owned(),
    });
    ops.push(Op::EditMember {
        id,
        edit: MemberEdit::Color(Some(color)),
    });
    ops
}

impl Worker {
    /// Makes the person a member of the open charter, under the name and
    /// colour they chose, if they may edit it and it does not say so yet.
    /// Not on the undo stack: it is not an edit they made.
    /// As [`Self::introduce_me`], only while this device is no member's:
    /// a peer renaming the person is not undone at every change.
    pub(super) async fn introduce_me_if_missing(&mut self) {
        let device = self.node.library().device().to_hex();
        let missing = self
            .vm
            .open
            .as_ref()
            .is_some_and(|o| o.view.charter.member_of_actor(&device).is_none());
        if missing {
            self.introduce_me().await;
        }
    }

    pub(super) async fn introduce_me(&mut self) {
        let (Some(me), Some(open)) = (self.vm.identity.clone(), self.vm.open.clone()) else {
            return;
        };
        if open.view.read_only {
            return;
        }
        let library = self.node.library();
        let ops = introduction(
            &open.view.charter,
            &library.device().to_hex(),
            &me,
            &library.label(),
        );
        if ops.is_empty() {
            return;
        }
        if let Err(e) = library.edit_batch(&open.view.id, &ops, None).await {
            self.toast(format!("cannot add you to the members: {e}"), true);
        }
        self.refresh_open().await;
    }
}
