//! Applying commands: every [`UiCommand`] is matched here, once, and so
//! are the commands other `guild` processes send (run through the
//! command line's [`crate::control::Execute`], their changes put on the
//! undo stack like the window's own).

use std::sync::Arc;
use std::time::Duration;

use automerge::ChangeHash;
use guild_model::Op;
use guild_sync::net::node::InviteOptions;
use guild_sync::net::ticket::InviteTicket;
use tokio::sync::oneshot;

use super::super::commands::UiCommand;
use super::super::view_model::{DraftNote, Identity, JoinState};
use super::{Done, Worker, profile};
use crate::control::Ran;
use crate::control::protocol::{Request, Response};

impl Worker {
    /// Applies a command from the UI.
    pub(super) async fn handle(&mut self, command: UiCommand) {
        match command {
            UiCommand::Open(doc) => self.open(&doc).await,
            UiCommand::DraftNote {
                doc,
                phase,
                tag,
                text,
            } => self.draft_note(&doc, DraftNote { phase, tag, text }),
            UiCommand::ShareDrafts { doc } => {
                self.share_drafts(&doc).await;
                self.refresh_open().await;
            }
            UiCommand::Close => self.close().await,
            UiCommand::Create { title, blank } => self.create(&title, blank).await,
            UiCommand::Edit { doc, ops, base } => self.edit(doc, &ops, base.as_deref()).await,
            UiCommand::Undo { doc } => self.step_back(doc, false).await,
            UiCommand::Redo { doc } => self.step_back(doc, true).await,
            UiCommand::Share {
                doc,
                access,
                expires,
                workshop,
            } => {
                let options = InviteOptions {
                    access,
                    expires,
                    workshop,
                };
                self.share(&doc, options).await;
            }
            UiCommand::CloseInvite { doc, hash } => self.close_invite(&doc, hash).await,
            UiCommand::Join { ticket } => self.join(ticket),
            UiCommand::ChooseExportFile { doc, format } => self.choose_export_file(doc, format),
            UiCommand::Export { doc, format, path } => {
                self.export_and_report(&doc, format, &path).await;
            }
            UiCommand::Import { path } => self.import(&path).await,
            UiCommand::RemoveLocal { doc } => self.remove_local(&doc).await,
            UiCommand::HostWorkshop {
                doc,
                access,
                code,
                limit,
            } => self.host_workshop(&doc, access, code, limit).await,
            UiCommand::AnswerKnock { id, answer } => {
                self.node.answer_knock(id, answer);
                self.refresh_hosting();
            }
            UiCommand::AdmitEveryone(period) => {
                if let Err(e) = self.node.admit_everyone(period) {
                    self.toast(e.to_string(), true);
                }
                self.refresh_hosting();
            }
            UiCommand::SetRelay { doc, url } => self.set_relay(&doc, url.as_deref()),
            UiCommand::BrowseWorkshops => self.browse_workshops().await,
            UiCommand::Knock { workshop, code } => self.knock(workshop, code),
            UiCommand::StopWorkshop => {
                if let Err(e) = self.node.end_workshop().await {
                    self.toast(e.to_string(), true);
                }
                self.refresh_hosting();
                // Browsing for workshops needs the LAN on; it comes back
                // when the Join dialog looks again.
                self.nearby = None;
                self.vm.lan = self.node.lan();
                self.refresh_open().await;
                self.forget_closed_ticket();
            }
            UiCommand::SetIdentity { name, color } => {
                self.set_identity(Identity { name, color }).await;
            }
            UiCommand::Presence { section } => {
                self.section = section;
                self.remember_place();
                self.broadcast_presence().await;
            }
            UiCommand::LoadHistory { doc } => self.load_history(&doc, None).await,
            UiCommand::ViewVersion { doc, hash } => self.load_history(&doc, Some(&hash)).await,
            UiCommand::Restore { doc, hash } => self.restore(&doc, &hash).await,
            UiCommand::ResolveConflict { doc, path, choice } => {
                self.resolve_conflict(&doc, &path, &choice).await;
            }
            UiCommand::LoadProposals { from, into } => self.load_proposals(from, into).await,
            UiCommand::MergeBack { from, into, paths } => {
                self.merge_back(&from, &into, &paths).await;
            }
            UiCommand::Fork { doc } => self.fork(&doc).await,
            UiCommand::Dismiss(id) => self.vm.toasts.retain(|t| t.id != id),
        }
    }

    /// Finishes work that ran in the background.
    pub(super) async fn finished(&mut self, done: Done) {
        match done {
            Done::Joined(Ok(doc)) => {
                self.vm.join = JoinState::Joined(doc.clone());
                self.refresh_library().await;
                self.open(&doc).await;
            }
            Done::Joined(Err(e)) => self.vm.join = JoinState::Failed(e),
            Done::Knocked(progress) => self.knocked(progress),
            Done::ExportTo { doc, format, path } => self.export_to(&doc, format, path).await,
            Done::Control { ran, reply } => self.controlled(ran, reply).await,
        }
    }

    /// Runs another process's command off the loop (a `guild sync` takes
    /// seconds); [`Self::controlled`] takes it from there.
    pub(super) fn control(&mut self, request: Request, reply: oneshot::Sender<Response>) {
        let Some(execute) = self.execute.clone() else {
            let _ = reply.send(Response::failed("this window takes no commands"));
            return;
        };
        let node = Arc::clone(&self.node);
        let done = self.done_tx.clone();
        tokio::spawn(async move {
            let ran = execute(node, request).await;
            let _ = done.send(Done::Control { ran, reply });
        });
    }

    /// Another process's command ran: its changes are this session's, so
    /// Ctrl+Z undoes them; the view shows them before the caller hears back.
    async fn controlled(&mut self, ran: Ran, reply: oneshot::Sender<Response>) {
        for (doc, change) in ran.changes {
            self.redo.remove(&doc);
            self.undo.entry(doc).or_default().push(change);
        }
        self.refresh_open().await;
        if self.open.is_none() {
            self.refresh_library().await;
        }
        self.publish();
        let _ = reply.send(ran.response);
    }

    async fn create(&mut self, title: &str, blank: bool) {
        match self.node.library().create(title, !blank).await {
            Ok(doc) => {
                self.open(&doc).await;
                self.refresh_library().await;
            }
            Err(e) => self.toast(format!("could not create the charter: {e}"), true),
        }
    }

    async fn edit(&mut self, doc: String, ops: &[Op], base: Option<&[ChangeHash]>) {
        match self.node.library().edit_batch(&doc, ops, base).await {
            Ok(Some(hash)) => {
                self.redo.remove(&doc);
                self.undo.entry(doc).or_default().push(hash);
            }
            Ok(None) => {}
            Err(e) => self.toast(format!("not saved: {e}"), true),
        }
        self.refresh_open().await;
        // The facilitator's own notes go in with their reveal.
        self.reveal_if_due().await;
    }

    /// Undoes this session's last change to `doc` (or, with `redo`, the
    /// last undo), as a new change that goes on the other stack.
    async fn step_back(&mut self, doc: String, redo: bool) {
        let stack = if redo { &mut self.redo } else { &mut self.undo };
        let Some(hash) = stack.get_mut(&doc).and_then(Vec::pop) else {
            return;
        };
        match self.node.library().undo(&doc, hash).await {
            Ok(Some(change)) => {
                let other = if redo { &mut self.undo } else { &mut self.redo };
                other.entry(doc).or_default().push(change);
            }
            Ok(None) if !redo => self.toast(
                "Nothing left to undo there: it was changed since".into(),
                false,
            ),
            Ok(None) => {}
            Err(e) if redo => self.toast(format!("could not redo: {e}"), true),
            Err(e) => self.toast(format!("could not undo: {e}"), true),
        }
        self.refresh_open().await;
    }

    async fn share(&mut self, doc: &str, options: InviteOptions) {
        match self.node.share_with(doc, options).await {
            Ok(ticket) => self.vm.ticket = Some(ticket.to_string()),
            Err(e) => self.toast(format!("could not make an invite: {e}"), true),
        }
        self.refresh_open().await;
    }

    async fn close_invite(&mut self, doc: &str, hash: String) {
        if let Err(e) = self
            .node
            .library()
            .edit(doc, &Op::CloseInvite { secret_hash: hash })
            .await
        {
            self.toast(format!("could not close the invite: {e}"), true);
        }
        self.refresh_open().await;
        self.forget_closed_ticket();
    }

    /// The ticket on show stops being shown once its invite is closed: it
    /// admits nobody, and a projected one would only mislead.
    fn forget_closed_ticket(&mut self) {
        let (Some(ticket), Some(open)) = (self.vm.ticket.as_deref(), self.vm.open.as_ref()) else {
            return;
        };
        let Ok(ticket) = ticket.parse::<InviteTicket>() else {
            return;
        };
        if ticket.doc == open.view.id
            && !open
                .view
                .charter
                .access
                .invites
                .contains_key(&ticket.secret_hash())
        {
            self.vm.ticket = None;
        }
    }

    fn join(&mut self, ticket: String) {
        if let Some(why) = self.needs_restart_for(&ticket) {
            self.vm.join = JoinState::Failed(why);
            return;
        }
        self.vm.join = JoinState::Joining;
        let node = Arc::clone(&self.node);
        let done = self.done_tx.clone();
        tokio::spawn(async move {
            let result = match ticket.parse() {
                Ok(ticket) => node
                    .join(&ticket, Duration::from_mins(1))
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(format!("{e}")),
            };
            let _ = done.send(Done::Joined(result));
        });
    }

    async fn import(&mut self, path: &std::path::Path) {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) => return self.toast(format!("cannot read {}: {e}", path.display()), true),
        };
        match self.node.library().import(&bytes).await {
            Ok(doc) => {
                self.refresh_library().await;
                self.open(&doc).await;
            }
            Err(e) => self.toast(format!("cannot import {}: {e}", path.display()), true),
        }
    }

    async fn remove_local(&mut self, doc: &str) {
        match self.node.library().remove_local(doc).await {
            Ok(()) => self.toast(
                "Removed from this device. Other copies are untouched.".into(),
                false,
            ),
            Err(e) => self.toast(format!("cannot remove it: {e}"), true),
        }
        if self.open.as_deref() == Some(doc) {
            self.open = None;
            self.vm.open = None;
            (self.changes, self.ephemera) = (None, None);
            self.remember_place();
        }
        self.refresh_library().await;
    }

    async fn set_identity(&mut self, identity: Identity) {
        if let Err(e) = profile::write(&self.data_dir, &identity) {
            self.toast(format!("cannot save your name: {e}"), true);
        }
        self.vm.identity = Some(identity);
        self.introduce_me().await;
        self.broadcast_presence().await;
    }

    async fn resolve_conflict(&mut self, doc: &str, path: &str, choice: &str) {
        match self
            .node
            .library()
            .resolve_conflict(doc, path, choice)
            .await
        {
            Ok(_) => self.toast(format!("{path} is now “{choice}” for everyone"), false),
            Err(e) => self.toast(format!("could not settle the conflict: {e}"), true),
        }
        self.refresh_open().await;
    }

    async fn fork(&mut self, doc: &str) {
        match self.node.library().fork(doc).await {
            Ok(copy) => {
                self.toast(
                    "Personal copy made: shared with no one until you share it".into(),
                    false,
                );
                self.refresh_library().await;
                self.open(&copy).await;
            }
            Err(e) => self.toast(format!("could not make a copy: {e}"), true),
        }
    }
}
