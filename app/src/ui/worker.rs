//! The window's worker: a thread with its own tokio runtime that owns the
//! library and the network node, applies the UI's commands, follows the
//! open charter's changes and peers' presence, and publishes a fresh
//! [`ViewModel`] after each. The UI thread never waits on any of it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use guild_model::{AccessLevel, to_html, to_json, to_markdown};
use guild_sync::net::node::{NetOptions, Node};
use guild_sync::{DataDir, Library, LibraryOptions};
use tokio::sync::mpsc;

use super::commands::{ExportFormat, UiCommand};
use super::view_model::{
    HistoryRow, HistoryView, Identity, JoinState, LibraryEntry, OpenCharter, Phase, Presence,
    Shared, Toast, VersionView, ViewModel,
};

/// How many changes the history section lists (newest first): each costs a
/// diff to say which sections it touched.
const HISTORY_ROWS: usize = 300;

/// What the window opens on.
#[derive(Debug, Clone)]
pub(crate) struct WindowConfig {
    /// The data directory.
    pub(crate) data_dir: DataDir,
    /// How to reach peers.
    pub(crate) net: NetOptions,
    /// A charter to open straight away.
    pub(crate) open: Option<String>,
}

/// The UI's end of the worker.
pub(crate) struct WorkerHandle {
    tx: mpsc::UnboundedSender<Message>,
    shared: Shared,
    thread: Option<JoinHandle<()>>,
}

enum Message {
    Command(UiCommand),
    Shutdown,
}

/// Results of work the worker runs in the background (joins take seconds).
enum Done {
    Joined(Result<String, String>),
    /// Where the file dialog said to export (`None`: cancelled or no dialog).
    ExportTo {
        doc: String,
        format: ExportFormat,
        path: Option<PathBuf>,
    },
}

impl WorkerHandle {
    /// Starts the worker; `repaint` wakes the UI after each publish.
    pub(crate) fn spawn(config: WindowConfig, repaint: impl Fn() + Send + Sync + 'static) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Shared::default();
        let published = shared.clone();
        let thread = std::thread::Builder::new()
            .name("guild-worker".into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        published.set(ViewModel {
                            phase: Phase::Failed(format!("cannot start: {e}")),
                            ..ViewModel::default()
                        });
                        repaint();
                        return;
                    }
                };
                runtime.block_on(run(config, rx, published, Arc::new(repaint)));
            })
            .ok();
        Self { tx, shared, thread }
    }

    /// Sends a command; the worker applies it in order.
    pub(crate) fn send(&self, command: UiCommand) {
        let _ = self.tx.send(Message::Command(command));
    }

    /// The latest snapshot.
    pub(crate) fn view(&self) -> Arc<ViewModel> {
        self.shared.get()
    }

    /// Stops the worker, waiting (briefly) until everything is on disk.
    pub(crate) fn shutdown(&mut self) {
        let _ = self.tx.send(Message::Shutdown);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}

type Repaint = Arc<dyn Fn() + Send + Sync>;

struct Worker {
    node: Arc<Node>,
    data_dir: DataDir,
    vm: ViewModel,
    shared: Shared,
    repaint: Repaint,
    open: Option<String>,
    section: &'static str,
    presence: HashMap<String, Presence>,
    next_toast: u64,
    done_tx: mpsc::UnboundedSender<Done>,
    /// This session's own changes, per charter, newest last: what Ctrl+Z undoes.
    undo: HashMap<String, Vec<automerge::ChangeHash>>,
    /// The changes that undid them, newest last: what Ctrl+Shift+Z undoes.
    redo: HashMap<String, Vec<automerge::ChangeHash>>,
}

async fn run(
    config: WindowConfig,
    mut rx: mpsc::UnboundedReceiver<Message>,
    shared: Shared,
    repaint: Repaint,
) {
    let identity = read_identity(&config.data_dir);
    let mut net = config.net.clone();
    if let Some(identity) = &identity {
        net.label = Some(identity.name.clone());
    }
    let started = async {
        let library = Library::open(config.data_dir.clone(), LibraryOptions::interactive()).await?;
        anyhow::Ok(Node::start(library, net).await?)
    }
    .await;
    let node = match started {
        Ok(node) => Arc::new(node),
        Err(e) => {
            shared.set(ViewModel {
                phase: Phase::Failed(crate::one_line(&e)),
                ..ViewModel::default()
            });
            repaint();
            // Stay until the window closes, so it can show why.
            while let Some(Message::Command(_)) = rx.recv().await {}
            return;
        }
    };
    let control = crate::cli::control_listen(Arc::clone(&node), &config.data_dir);
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let mut worker = Worker {
        vm: ViewModel {
            phase: Phase::Ready,
            identity,
            endpoint: node.library().endpoint_id(),
            lan: node.lan(),
            ..ViewModel::default()
        },
        node,
        data_dir: config.data_dir.clone(),
        shared,
        repaint,
        open: None,
        section: "overview",
        undo: HashMap::new(),
        redo: HashMap::new(),
        presence: HashMap::new(),
        next_toast: 0,
        done_tx,
    };
    if let Err(e) = &control {
        worker.toast(
            format!("other guild commands cannot reach this window: {e}"),
            true,
        );
    }
    let mut changes: Option<mpsc::UnboundedReceiver<()>> = None;
    let mut ephemera: Option<mpsc::UnboundedReceiver<Vec<u8>>> = None;
    if let Some(doc) = config.open {
        // A charter remembered from last time may have been removed since.
        if worker.node.library().resolve(&doc).is_ok() {
            (changes, ephemera) = worker.open(&doc).await;
            // Shown before the other charters load: the one the person
            // was working on comes first.
            worker.publish();
        }
    }
    for doc in worker.node.library().document_ids().unwrap_or_default() {
        let _ = worker.node.connect_peers(&doc).await;
    }
    worker.refresh_library().await;
    worker.publish();

    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut ticks: u64 = 0;
    loop {
        tokio::select! {
            message = rx.recv() => match message {
                Some(Message::Command(UiCommand::Open(doc))) => {
                    (changes, ephemera) = worker.open(&doc).await;
                }
                Some(Message::Command(UiCommand::Close)) => {
                    worker.open = None;
                    worker.vm.open = None;
                    (changes, ephemera) = (None, None);
                    worker.refresh_library().await;
                }
                Some(Message::Command(UiCommand::Create { title, blank })) => {
                    match worker.node.library().create(&title, !blank).await {
                        Ok(doc) => {
                            (changes, ephemera) = worker.open(&doc).await;
                            worker.refresh_library().await;
                        }
                        Err(e) => worker.toast(format!("could not create the charter: {e}"), true),
                    }
                }
                Some(Message::Command(command)) => {
                    let reopen = worker.handle(command).await;
                    if let Some(doc) = reopen {
                        (changes, ephemera) = worker.open(&doc).await;
                    }
                }
                Some(Message::Shutdown) | None => break,
            },
            Some(()) = recv(&mut changes) => {
                // Coalesce a burst of remote changes into one refresh.
                if let Some(rx) = changes.as_mut() {
                    while rx.try_recv().is_ok() {}
                }
                worker.refresh_open().await;
            }
            Some(message) = recv(&mut ephemera) => worker.presence_message(&message),
            Some(done) = done_rx.recv() => {
                if let Some(doc) = worker.finished(done).await {
                    (changes, ephemera) = worker.open(&doc).await;
                }
            }
            _ = tick.tick() => {
                ticks += 1;
                worker.tick(ticks).await;
            }
        }
        worker.publish();
    }
    if let Ok(control) = control {
        control.stop();
    }
    if let Err(e) = worker.node.shutdown().await {
        tracing::error!(error = %e, "shutting down");
    }
}

async fn recv<T>(rx: &mut Option<mpsc::UnboundedReceiver<T>>) -> Option<T> {
    match rx.as_mut() {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

impl Worker {
    fn publish(&mut self) {
        self.vm.health = self.node.library().health();
        self.shared.set(self.vm.clone());
        (self.repaint)();
    }

    fn toast(&mut self, text: String, error: bool) {
        self.next_toast += 1;
        self.vm.toasts.push(Toast {
            id: self.next_toast,
            text,
            error,
            at: Instant::now(),
        });
    }

    async fn open(
        &mut self,
        doc: &str,
    ) -> (
        Option<mpsc::UnboundedReceiver<()>>,
        Option<mpsc::UnboundedReceiver<Vec<u8>>>,
    ) {
        let library = self.node.library();
        let doc = match library.resolve(doc) {
            Ok(doc) => doc,
            Err(e) => {
                self.toast(e.to_string(), true);
                return (None, None);
            }
        };
        let changes = library.changes(&doc).await.ok();
        let ephemera = library.ephemera(&doc).await.ok();
        self.open = Some(doc.clone());
        self.presence.clear();
        self.refresh_open().await;
        let _ = self.node.connect_peers(&doc).await;
        self.broadcast_presence().await;
        (changes, ephemera)
    }

    /// Reads the history of `doc` (and the version `hash` ends, if asked
    /// for, or the one shown before) into the view model.
    async fn load_history(&mut self, doc: &str, hash: Option<&str>) {
        let library = self.node.library();
        let (document, charter) = match (library.document(doc).await, library.charter(doc).await) {
            (Ok(d), Ok(c)) => (d, c),
            (Err(e), _) | (_, Err(e)) => {
                self.toast(format!("cannot read the history: {e}"), true);
                return;
            }
        };
        let rows = guild_model::history(&document, HISTORY_ROWS)
            .into_iter()
            .map(|entry| {
                let hash = entry.hash.to_string();
                HistoryRow {
                    milestones: charter
                        .milestones
                        .iter()
                        .filter(|(_, m)| m.heads.split_whitespace().any(|h| h == hash))
                        .map(|(name, _)| name.clone())
                        .collect(),
                    author: guild_model::author_of(&charter, &entry.actor),
                    hash,
                    time: entry.time,
                    message: entry.message,
                    sections: entry.sections,
                }
            })
            .collect();
        let shown = hash.map(str::to_owned).or_else(|| {
            self.vm
                .history
                .as_ref()
                .filter(|h| h.doc == doc)
                .and_then(|h| h.version.as_ref().map(|v| v.hash.clone()))
        });
        let blame = guild_model::blame(&document);
        let version = shown.and_then(|hash| {
            let heads = guild_model::resolve_version(&document, &hash).ok()?;
            let then = guild_model::charter_at(&document, &heads).ok()?;
            Some(VersionView {
                differences: guild_model::diff_charters(&then, &charter),
                charter: then,
                heads,
                hash,
            })
        });
        self.vm.history = Some(Arc::new(HistoryView {
            doc: doc.to_owned(),
            heads: document.get_heads(),
            rows,
            version,
            blame_rows: blame
                .fields
                .iter()
                .chain(&blame.items)
                .map(|a| (a.label.clone(), crate::cli::blame_summary(&charter, a)))
                .collect(),
            removal_notices: blame
                .removed_while_edited
                .iter()
                .map(|race| (removal_notice(&charter, race), race.label.clone()))
                .collect(),
            blame,
        }));
    }

    async fn refresh_open(&mut self) {
        let Some(doc) = self.open.clone() else { return };
        match self.node.library().view(&doc).await {
            Ok(view) => {
                let status = self.node.status(&doc).await.ok();
                self.vm.open = Some(Arc::new(OpenCharter {
                    view: Arc::new(view),
                    status,
                    presence: self.presence_list(),
                }));
            }
            Err(e) => {
                self.toast(format!("cannot show the charter: {e}"), true);
                self.open = None;
                self.vm.open = None;
            }
        }
    }

    fn presence_list(&self) -> Vec<Presence> {
        let mut list: Vec<Presence> = self.presence.values().cloned().collect();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        list
    }

    async fn refresh_library(&mut self) {
        let library = self.node.library();
        let me = library.endpoint_id();
        let mut entries = Vec::new();
        for id in library.document_ids().unwrap_or_default() {
            let Ok(summary) = library.summary(&id).await else {
                continue;
            };
            let others = library
                .access(&id)
                .await
                .map(|a| {
                    a.devices
                        .iter()
                        .filter(|(e, _)| **e != me && a.level_of(e).is_some())
                        .map(|(_, d)| d.label.clone())
                        .collect()
                })
                .unwrap_or_default();
            let status = self.node.status(&id).await.ok();
            entries.push(LibraryEntry {
                id,
                title: summary.title,
                last_change: summary.last_change,
                others,
                status,
            });
        }
        entries.sort_by(|a, b| {
            b.last_change
                .cmp(&a.last_change)
                .then_with(|| a.title.cmp(&b.title))
        });
        self.vm.library = Arc::new(entries);
    }

    /// Applies a command; returns a charter to open, if any.
    async fn handle(&mut self, command: UiCommand) -> Option<String> {
        let library = self.node.library();
        match command {
            UiCommand::Edit { doc, ops, base } => {
                match library.edit_batch(&doc, &ops, base.as_deref()).await {
                    Ok(Some(hash)) => {
                        self.undo.entry(doc.clone()).or_default().push(hash);
                        self.redo.remove(&doc);
                    }
                    Ok(None) => {}
                    Err(e) => self.toast(format!("not saved: {e}"), true),
                }
                self.refresh_open().await;
            }
            UiCommand::Undo { doc } => {
                if let Some(hash) = self.undo.get_mut(&doc).and_then(Vec::pop) {
                    match library.undo(&doc, hash).await {
                        Ok(Some(undone)) => self.redo.entry(doc.clone()).or_default().push(undone),
                        Ok(None) => self.toast(
                            "Nothing left to undo there: it was changed since".into(),
                            false,
                        ),
                        Err(e) => self.toast(format!("could not undo: {e}"), true),
                    }
                    self.refresh_open().await;
                }
            }
            UiCommand::Redo { doc } => {
                if let Some(hash) = self.redo.get_mut(&doc).and_then(Vec::pop) {
                    match library.undo(&doc, hash).await {
                        Ok(Some(redone)) => self.undo.entry(doc.clone()).or_default().push(redone),
                        Ok(None) => {}
                        Err(e) => self.toast(format!("could not redo: {e}"), true),
                    }
                    self.refresh_open().await;
                }
            }
            UiCommand::Share { doc, access } => match self.node.share(&doc, access).await {
                Ok(ticket) => self.vm.ticket = Some(ticket.to_string()),
                Err(e) => self.toast(format!("could not make an invite: {e}"), true),
            },
            UiCommand::Join { ticket } => {
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
            UiCommand::ChooseExportFile { doc, format } => {
                // The library list already has the title: no need to read
                // the whole charter for a file name.
                let title = self
                    .vm
                    .library
                    .iter()
                    .find(|e| e.id == doc)
                    .map(|e| e.title.clone())
                    .unwrap_or_default();
                let dialog = rfd::AsyncFileDialog::new()
                    .set_title("Export the charter")
                    .set_file_name(format!("{}.{}", file_stem(&title), format.extension()))
                    .add_filter(format.name(), &[format.extension()]);
                let done = self.done_tx.clone();
                // The dialog runs on its own thread and can stay open for
                // minutes; the worker keeps serving the window meanwhile.
                tokio::spawn(async move {
                    let path = dialog.save_file().await.map(|f| f.path().to_path_buf());
                    let _ = done.send(Done::ExportTo { doc, format, path });
                });
            }
            UiCommand::Import { path } => match std::fs::read(&path) {
                Ok(bytes) => match library.import(&bytes).await {
                    Ok(doc) => {
                        self.refresh_library().await;
                        return Some(doc);
                    }
                    Err(e) => self.toast(format!("cannot import {}: {e}", path.display()), true),
                },
                Err(e) => self.toast(format!("cannot read {}: {e}", path.display()), true),
            },
            UiCommand::Export { doc, format, path } => {
                self.export_and_report(&doc, format, &path).await;
            }
            UiCommand::RemoveLocal { doc } => {
                match library.remove_local(&doc).await {
                    Ok(()) => self.toast(
                        "Removed from this device. Other copies are untouched.".into(),
                        false,
                    ),
                    Err(e) => self.toast(format!("cannot remove it: {e}"), true),
                }
                if self.open.as_deref() == Some(doc.as_str()) {
                    self.open = None;
                    self.vm.open = None;
                }
                self.refresh_library().await;
            }
            UiCommand::HostWorkshop => match self.node.enable_lan() {
                Ok(()) => self.vm.lan = true,
                Err(e) => self.toast(e.to_string(), true),
            },
            UiCommand::SetIdentity { name, color } => {
                let identity = Identity { name, color };
                if let Err(e) = write_identity(&self.data_dir, &identity) {
                    self.toast(format!("cannot save your name: {e}"), true);
                }
                self.vm.identity = Some(identity);
                self.broadcast_presence().await;
            }
            UiCommand::Presence { section } => {
                self.section = section;
                self.broadcast_presence().await;
            }
            UiCommand::LoadHistory { doc } => self.load_history(&doc, None).await,
            UiCommand::ViewVersion { doc, hash } => self.load_history(&doc, Some(&hash)).await,
            UiCommand::Restore { doc, hash } => {
                let restored = match library.document(&doc).await {
                    Ok(document) => match guild_model::resolve_version(&document, &hash) {
                        Ok(heads) => library
                            .restore(&doc, &heads)
                            .await
                            .map_err(|e| e.to_string()),
                        Err(e) => Err(e.to_string()),
                    },
                    Err(e) => Err(e.to_string()),
                };
                match restored {
                    Ok(_) => self.toast(format!("Restored version {}", &hash[..8]), false),
                    Err(e) => self.toast(format!("could not restore: {e}"), true),
                }
                self.refresh_open().await;
                self.load_history(&doc, Some(&hash)).await;
            }
            UiCommand::ResolveConflict { doc, path, choice } => {
                match library.resolve_conflict(&doc, &path, &choice).await {
                    Ok(_) => self.toast(format!("{path} is now “{choice}” for everyone"), false),
                    Err(e) => self.toast(format!("could not settle the conflict: {e}"), true),
                }
                self.refresh_open().await;
            }
            UiCommand::LoadProposals { from, into } => {
                match library.proposals(&from, &into).await {
                    Ok(differences) => {
                        self.vm.proposals = Some(Arc::new(super::view_model::Proposals {
                            from,
                            into,
                            differences,
                        }));
                    }
                    Err(e) => self.toast(
                        format!("cannot compare with the community's charter: {e}"),
                        true,
                    ),
                }
            }
            UiCommand::MergeBack { from, into, paths } => {
                match library.merge_from(&from, &into, &paths).await {
                    Ok(merged) => {
                        self.toast(
                            format!(
                                "{} change(s) merged into the community's charter",
                                merged.len()
                            ),
                            false,
                        );
                        self.vm.proposals = None;
                        return Some(into);
                    }
                    Err(e) => self.toast(format!("could not merge: {e}"), true),
                }
            }
            UiCommand::Fork { doc } => match library.fork(&doc).await {
                Ok(copy) => {
                    self.toast(
                        "Personal copy made: shared with no one until you share it".into(),
                        false,
                    );
                    self.refresh_library().await;
                    return Some(copy);
                }
                Err(e) => self.toast(format!("could not make a copy: {e}"), true),
            },
            UiCommand::Dismiss(id) => self.vm.toasts.retain(|t| t.id != id),
            UiCommand::Open(_) | UiCommand::Close | UiCommand::Create { .. } => {}
        }
        None
    }

    async fn export_and_report(&mut self, doc: &str, format: ExportFormat, path: &Path) {
        match self.export(doc, format, path).await {
            Ok(()) => self.toast(format!("Exported to {}", path.display()), false),
            Err(e) => self.toast(format!("cannot export: {e}"), true),
        }
    }

    async fn export(&self, doc: &str, format: ExportFormat, path: &Path) -> anyhow::Result<()> {
        let library = self.node.library();
        let bytes = match format {
            ExportFormat::Automerge => library.document(doc).await?.save(),
            ExportFormat::Markdown => to_markdown(&library.charter(doc).await?).into_bytes(),
            ExportFormat::Html => to_html(&library.charter(doc).await?).into_bytes(),
            ExportFormat::Json => to_json(&library.charter(doc).await?).into_bytes(),
        };
        std::fs::write(path, bytes)?;
        Ok(())
    }

    async fn finished(&mut self, done: Done) -> Option<String> {
        match done {
            Done::Joined(Ok(doc)) => {
                self.vm.join = JoinState::Joined(doc.clone());
                self.refresh_library().await;
                Some(doc)
            }
            Done::Joined(Err(e)) => {
                self.vm.join = JoinState::Failed(e);
                None
            }
            Done::ExportTo {
                doc,
                format,
                path: Some(path),
            } => {
                self.export_and_report(&doc, format, &path).await;
                None
            }
            Done::ExportTo { path: None, .. } => {
                if !file_dialog_available() {
                    self.toast(
                        "No file dialog on this desktop (it needs xdg-desktop-portal or zenity): type a path in Export instead.".into(),
                        true,
                    );
                }
                None
            }
        }
    }

    async fn broadcast_presence(&mut self) {
        let (Some(doc), Some(identity)) = (self.open.clone(), self.vm.identity.clone()) else {
            return;
        };
        let message = serde_json::json!({
            "guild_presence": 1,
            "endpoint": self.vm.endpoint,
            "name": identity.name,
            "color": identity.color,
            "section": self.section,
        });
        let _ = self
            .node
            .library()
            .broadcast(&doc, message.to_string().into_bytes())
            .await;
    }

    fn presence_message(&mut self, bytes: &[u8]) {
        // Peers' bytes: anything malformed is ignored.
        let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
            return;
        };
        let text = |key: &str| {
            value
                .get(key)
                .and_then(serde_json::Value::as_str)
                .map(|s| s.chars().take(64).collect::<String>())
        };
        let (Some(endpoint), Some(name), Some(section)) =
            (text("endpoint"), text("name"), text("section"))
        else {
            return;
        };
        let color = value
            .get("color")
            .and_then(|c| serde_json::from_value::<[u8; 3]>(c.clone()).ok())
            .unwrap_or([120, 120, 120]);
        if endpoint == self.vm.endpoint {
            return;
        }
        self.presence.insert(
            endpoint.clone(),
            Presence {
                endpoint,
                name,
                color,
                section,
                seen: Instant::now(),
            },
        );
        if let Some(open) = &self.vm.open {
            let mut updated = (**open).clone();
            updated.presence = self.presence_list();
            self.vm.open = Some(Arc::new(updated));
        }
    }

    async fn tick(&mut self, ticks: u64) {
        let now = Instant::now();
        self.vm.toasts.retain(|t| {
            now.duration_since(t.at) < Duration::from_secs(if t.error { 20 } else { 6 })
        });
        self.presence
            .retain(|_, p| now.duration_since(p.seen) < Duration::from_secs(8));
        if ticks.is_multiple_of(3) {
            self.broadcast_presence().await;
        }
        if let Some(doc) = self.open.clone()
            && let Some(open) = &self.vm.open
        {
            let mut updated = (**open).clone();
            updated.status = self.node.status(&doc).await.ok();
            updated.presence = self.presence_list();
            self.vm.open = Some(Arc::new(updated));
        }
        if ticks.is_multiple_of(5) && self.open.is_none() {
            self.refresh_library().await;
        }
    }
}

/// Access level chosen in the share dialog.
pub(crate) fn access_of(read_only: bool) -> AccessLevel {
    if read_only {
        AccessLevel::ReadOnly
    } else {
        AccessLevel::ReadWrite
    }
}

fn profile_path(data_dir: &DataDir) -> PathBuf {
    data_dir.root().join("profile.json")
}

fn read_identity(data_dir: &DataDir) -> Option<Identity> {
    let bytes = std::fs::read(profile_path(data_dir)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn write_identity(data_dir: &DataDir, identity: &Identity) -> std::io::Result<()> {
    let path = profile_path(data_dir);
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(identity)?)?;
    std::fs::rename(tmp, path)
}

/// A file name from a charter's title: letters, digits and dashes.
fn file_stem(title: &str) -> String {
    let stem: String = title
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if stem.is_empty() {
        "charter".to_owned()
    } else {
        stem
    }
}

/// Whether rfd has a dialog to show here: the portal is reached over the
/// session bus, and zenity is its fallback.
fn file_dialog_available() -> bool {
    std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
        || std::env::var_os("PATH").is_some_and(|paths| {
            std::env::split_paths(&paths).any(|dir| dir.join("zenity").is_file())
        })
}

/// “Card “X” was removed by Ana (…) while Ben made an edit to it; …”.
fn removal_notice(
    charter: &guild_model::Charter,
    race: &guild_model::RemovedWhileEdited,
) -> String {
    let remover = guild_model::author_of(charter, &race.removed.actor);
    let mut editors: Vec<String> = race
        .lost_edits
        .iter()
        .map(|e| guild_model::author_of(charter, &e.actor))
        .collect();
    editors.dedup();
    let (edits, verb) = match race.lost_edits.len() {
        1 => ("an edit".to_owned(), "it is"),
        n => (format!("{n} edits"), "they are"),
    };
    format!(
        "{} was removed by {remover} ({}) while {} made {edits} to it; removal wins, so {verb} not in the charter.",
        race.label,
        crate::cli::format_time(race.removed.time),
        editors.join(" and "),
    )
}
