//! The window's worker: a thread with its own tokio runtime that owns the
//! library and the network node, applies the UI's commands (and commands
//! other `guild` processes send over the control socket), follows the open
//! charter's changes and peers' presence, and publishes a fresh
//! [`ViewModel`] after each. The UI thread never waits on any of it.
//!
//! This file is the loop and the view it keeps; `dispatch` applies
//! commands, `history` reads history and versions, `export` writes files,
//! `presence` and `profile` are the person as peers and the disk see them.

mod dispatch;
mod drafts;
mod export;
mod history;
mod place;
mod presence;
mod profile;
mod relay;
mod workshop;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use automerge::ChangeHash;
use guild_sync::net::node::{NetOptions, Node};
use guild_sync::net::workshop::nearby::NearbyWorkshop;
use guild_sync::{DataDir, Library, LibraryOptions};
use tokio::sync::{mpsc, oneshot};

pub(crate) use drafts::in_phase as drafts_in_phase;

use super::commands::{ExportFormat, UiCommand};
use super::section::Section;
use super::view_model::{
    Identity, LibraryEntry, OpenCharter, Phase, Presence, Shared, Toast, ViewModel,
};
use crate::control::protocol::{Request, Response};
use crate::control::server::{self, ControlServer};
use crate::control::{Execute, Ran, Reply, Runner};

/// What the window opens on.
#[derive(Clone)]
pub(crate) struct WindowConfig {
    /// The data directory.
    pub(crate) data_dir: DataDir,
    /// How to reach peers.
    pub(crate) net: NetOptions,
    /// A charter to open straight away.
    pub(crate) open: Option<String>,
    /// Runs other `guild` processes' commands; `None`: the window takes
    /// none (tests and the benchmark).
    pub(crate) execute: Option<Execute>,
}

/// The UI's end of the worker.
pub(crate) struct WorkerHandle {
    tx: mpsc::UnboundedSender<Message>,
    shared: Shared,
    thread: Option<JoinHandle<()>>,
}

enum Message {
    Command(UiCommand),
    /// A command from another `guild` process, to answer on `reply`.
    Control {
        request: Request,
        reply: oneshot::Sender<Response>,
    },
    Shutdown,
}

/// Results of work the worker runs in the background (joins take seconds).
enum Done {
    Joined(Result<String, String>),
    /// A knock on a workshop moved on.
    Knocked(guild_sync::net::workshop::visitor::KnockProgress),
    /// Where the file dialog said to export (`None`: cancelled or no dialog).
    ExportTo {
        doc: String,
        format: ExportFormat,
        path: Option<PathBuf>,
    },
    /// A command from another process ran; its answer waits on `reply`.
    Control {
        ran: Ran,
        reply: oneshot::Sender<Response>,
    },
}

/// What woke the loop.
enum Event {
    Message(Option<Message>),
    /// The open charter changed (here or from a peer).
    Changed,
    /// A peer's presence bytes.
    Presence(Vec<u8>),
    Done(Done),
    /// A peer connected or left: the sync state is redrawn at once.
    Connections,
    /// The hosted workshop changed: a knock, an answer.
    Workshop,
    /// The workshops announced nearby changed.
    Nearby,
    Tick,
}

impl WorkerHandle {
    /// Starts the worker; `repaint` wakes the UI after each publish.
    pub(crate) fn spawn(config: WindowConfig, repaint: impl Fn() + Send + Sync + 'static) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let shared = Shared::default();
        let published = shared.clone();
        let control = tx.clone();
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
                runtime.block_on(run(config, rx, control, published, Arc::new(repaint)));
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

/// The control socket's requests go through the worker's queue, in order
/// with the window's own commands.
struct WindowRunner {
    tx: mpsc::UnboundedSender<Message>,
}

impl Runner for WindowRunner {
    fn run(&self, request: Request) -> Reply {
        let (reply, answer) = oneshot::channel();
        let sent = self.tx.send(Message::Control { request, reply }).is_ok();
        Box::pin(async move {
            if !sent {
                return Response::failed("the window is closing");
            }
            answer
                .await
                .unwrap_or_else(|_| Response::failed("the window closed before the command ran"))
        })
    }
}

type Repaint = Arc<dyn Fn() + Send + Sync>;

struct Worker {
    node: Arc<Node>,
    data_dir: DataDir,
    vm: ViewModel,
    shared: Shared,
    repaint: Repaint,
    /// The open charter, and its change and presence feeds.
    open: Option<String>,
    changes: Option<mpsc::UnboundedReceiver<()>>,
    ephemera: Option<mpsc::UnboundedReceiver<Vec<u8>>>,
    /// Where this person is, as peers are told.
    section: Section,
    /// How many peers are connected, each time that changes.
    connections: mpsc::UnboundedReceiver<usize>,
    /// Where the window is, as `DIR/window.json` last said.
    place: place::Place,
    presence: HashMap<String, Presence>,
    next_toast: u64,
    done_tx: mpsc::UnboundedSender<Done>,
    execute: Option<Execute>,
    /// Whether this window may use the LAN (mDNS): not when its node
    /// listens on loopback only (tests), where nothing may leave the machine.
    lan_allowed: bool,
    /// The hosted workshop's changes (a knock, an answer, a wrong code).
    workshop_changes: tokio::sync::watch::Receiver<()>,
    /// The workshops announced nearby, once the Join dialog looked.
    nearby: Option<tokio::sync::watch::Receiver<Vec<NearbyWorkshop>>>,
    /// This session's own changes, per charter, newest last: what Ctrl+Z undoes.
    undo: HashMap<String, Vec<ChangeHash>>,
    /// The changes that undid them, newest last: what Ctrl+Shift+Z undoes.
    redo: HashMap<String, Vec<ChangeHash>>,
}

async fn run(
    config: WindowConfig,
    mut rx: mpsc::UnboundedReceiver<Message>,
    tx: mpsc::UnboundedSender<Message>,
    shared: Shared,
    repaint: Repaint,
) {
    let identity = profile::read(&config.data_dir);
    let started = Instant::now();
    let node = match start(&config, identity.as_ref()).await {
        Ok(node) => {
            tracing::debug!(
                ms = started.elapsed().as_millis(),
                "library open, node started"
            );
            Arc::new(node)
        }
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
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let mut worker = Worker::new(node, &config, identity, shared, repaint, done_tx);
    let control = worker.listen(tx);
    let last = place::read(&config.data_dir);
    match config.open {
        Some(doc) => worker.begin(Some(doc), None).await,
        None => worker.begin(last.open, last.section).await,
    }
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut ticks: u64 = 0;
    loop {
        match worker.next_event(&mut rx, &mut done_rx, &mut tick).await {
            Event::Message(Some(Message::Command(command))) => worker.handle(command).await,
            Event::Message(Some(Message::Control { request, reply })) => {
                worker.control(request, reply);
            }
            Event::Message(Some(Message::Shutdown) | None) => break,
            Event::Changed => {
                worker.refresh_open().await;
                // A charter that became writable (a join's admission
                // arriving after its first view) gets its member now.
                worker.introduce_me_if_missing().await;
                worker.reveal_if_due().await;
            }
            Event::Presence(bytes) => worker.presence_message(&bytes),
            Event::Done(done) => worker.finished(done).await,
            Event::Connections => worker.refresh_status().await,
            Event::Workshop => worker.refresh_hosting(),
            Event::Nearby => worker.refresh_nearby(),
            Event::Tick => {
                ticks += 1;
                worker.tick(ticks).await;
            }
        }
        worker.publish();
    }
    if let Some(control) = control {
        control.stop();
    }
    if let Err(e) = worker.node.shutdown().await {
        tracing::error!(error = %e, "shutting down");
    }
}

/// Opens the library and starts the node, as the person's name if known.
async fn start(config: &WindowConfig, identity: Option<&Identity>) -> anyhow::Result<Node> {
    let mut net = config.net.clone();
    if let Some(identity) = identity {
        net.label = Some(identity.name.clone());
    }
    let library = Library::open(config.data_dir.clone(), LibraryOptions::interactive()).await?;
    Ok(Node::start(library, net).await?)
}

/// The next change of the workshops nearby; pending while nobody looks.
async fn nearby_changed(
    rx: &mut Option<tokio::sync::watch::Receiver<Vec<NearbyWorkshop>>>,
) -> Option<()> {
    match rx.as_mut() {
        Some(rx) => rx.changed().await.ok(),
        None => std::future::pending().await,
    }
}

async fn recv<T>(rx: &mut Option<mpsc::UnboundedReceiver<T>>) -> Option<T> {
    match rx.as_mut() {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

impl Worker {
    fn new(
        node: Arc<Node>,
        config: &WindowConfig,
        identity: Option<Identity>,
        shared: Shared,
        repaint: Repaint,
        done_tx: mpsc::UnboundedSender<Done>,
    ) -> Self {
        let connections = node.connection_changes();
        let workshop_changes = node.workshop_changes();
        Worker {
            lan_allowed: !config.net.listen.is_some_and(|a| a.ip().is_loopback()),
            workshop_changes,
            nearby: None,
            vm: ViewModel {
                phase: Phase::Ready,
                identity,
                endpoint: node.library().endpoint_id(),
                device: node.library().device().to_hex(),
                lan: node.lan(),
                relay_in_use: relay::in_use(&config.net.relay),
                ..ViewModel::default()
            },
            node,
            data_dir: config.data_dir.clone(),
            shared,
            repaint,
            open: None,
            changes: None,
            ephemera: None,
            section: Section::Overview,
            connections,
            place: place::Place::default(),
            undo: HashMap::new(),
            redo: HashMap::new(),
            presence: HashMap::new(),
            next_toast: 0,
            done_tx,
            execute: config.execute.clone(),
        }
    }

    /// Takes other `guild` processes' commands on the control socket.
    fn listen(&mut self, tx: mpsc::UnboundedSender<Message>) -> Option<ControlServer> {
        self.execute.as_ref()?;
        match server::listen(&self.data_dir, Arc::new(WindowRunner { tx })) {
            Ok(control) => Some(control),
            Err(e) => {
                self.toast(
                    format!("other guild commands cannot reach this window: {e}"),
                    true,
                );
                None
            }
        }
    }

    /// Opens `open` if given, reaches every charter's peers, lists the library.
    /// Opens `open` on `section` (where the window was last time, or the
    /// charter the command line named), then reads the library.
    async fn begin(&mut self, open: Option<String>, section: Option<Section>) {
        // A charter remembered from last time may have been removed since.
        if let Some(doc) = open
            && self.node.library().resolve(&doc).is_ok()
        {
            if let Some(section) = section {
                self.section = section;
                self.vm.reopened_section = Some((doc.clone(), section));
            }
            let started = Instant::now();
            self.open(&doc).await;
            tracing::debug!(ms = started.elapsed().as_millis(), "charter opened");
            // Shown before the other charters load: the one the person
            // was working on comes first.
            self.publish();
        }
        for doc in self.node.library().document_ids().unwrap_or_default() {
            let _ = self.node.connect_peers(&doc).await;
        }
        self.refresh_library().await;
        self.publish();
    }

    async fn next_event(
        &mut self,
        rx: &mut mpsc::UnboundedReceiver<Message>,
        done_rx: &mut mpsc::UnboundedReceiver<Done>,
        tick: &mut tokio::time::Interval,
    ) -> Event {
        tokio::select! {
            message = rx.recv() => Event::Message(message),
            Some(()) = recv(&mut self.changes) => {
                // Coalesce a burst of changes into one refresh.
                if let Some(rx) = self.changes.as_mut() {
                    while rx.try_recv().is_ok() {}
                }
                Event::Changed
            }
            Some(bytes) = recv(&mut self.ephemera) => Event::Presence(bytes),
            Some(done) = done_rx.recv() => Event::Done(done),
            Some(_) = self.connections.recv() => {
                while self.connections.try_recv().is_ok() {}
                Event::Connections
            }
            Ok(()) = self.workshop_changes.changed() => Event::Workshop,
            Some(()) = nearby_changed(&mut self.nearby) => Event::Nearby,
            _ = tick.tick() => Event::Tick,
        }
    }

    /// Writes where the window is now, if that changed.
    fn remember_place(&mut self) {
        let now = place::Place {
            open: self.open.clone(),
            section: self.open.as_ref().map(|_| self.section),
        };
        if now != self.place {
            place::write(&self.data_dir, &now);
            self.place = now;
        }
    }

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

    /// Shows the charter `doc` and follows its changes and presence.
    async fn open(&mut self, doc: &str) {
        let started = Instant::now();
        let library = self.node.library();
        let doc = match library.resolve(doc) {
            Ok(doc) => doc,
            Err(e) => {
                self.toast(e.to_string(), true);
                return;
            }
        };
        self.changes = library.changes(&doc).await.ok();
        self.ephemera = library.ephemera(&doc).await.ok();
        self.open = Some(doc.clone());
        self.refresh_relay();
        self.presence.clear();
        self.refresh_open().await;
        // Shown first: joining the members and remembering the place are
        // writes, and the first frame must not wait for them.
        self.vm.drafts = drafts::read(&self.data_dir, &doc);
        self.publish();
        tracing::debug!(ms = started.elapsed().as_millis(), "charter shown");
        self.remember_place();
        self.introduce_me().await;
        self.reveal_if_due().await;
        let _ = self.node.connect_peers(&doc).await;
        self.broadcast_presence().await;
    }

    /// Back to the library.
    async fn close(&mut self) {
        self.open = None;
        self.vm.open = None;
        (self.changes, self.ephemera) = (None, None);
        self.vm.reopened_section = None;
        self.remember_place();
        self.refresh_library().await;
    }

    /// Reads the open charter again, unless the view shown is already of
    /// its current heads: an edit made here refreshes at once, and its
    /// change notification arrives after.
    async fn refresh_open(&mut self) {
        let Some(doc) = self.open.clone() else { return };
        let library = self.node.library();
        if let (Some(shown), Ok(heads)) = (&self.vm.open, library.heads(&doc).await)
            && shown.view.id == doc
            && shown.view.heads == heads
        {
            return;
        }
        match library.view(&doc).await {
            Ok(view) => {
                #[cfg(test)]
                {
                    self.vm.charter_reads += 1;
                }
                let status = self.node.status(&doc).await.ok();
                self.vm.open = Some(Arc::new(OpenCharter {
                    view: Arc::new(view),
                    status,
                    presence: self.presence_list(),
                }));
            }
            Err(e) => {
                // Still followed (`self.open` and its change feed stay): a
                // charter just joined may not read until the rest of it
                // arrives, and the next change shows it.
                self.toast(format!("cannot show the charter yet: {e}"), true);
                self.vm.open = None;
            }
        }
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
                .map(|access| crate::present::shared_with(&access, &summary.members, &me))
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
            crate::present::library_order((a.last_change, &a.title), (b.last_change, &b.title))
        });
        self.vm.library = Arc::new(entries);
    }

    async fn tick(&mut self, ticks: u64) {
        let now = Instant::now();
        self.vm.toasts.retain(|t| {
            now.duration_since(t.at) < Duration::from_secs(if t.error { 20 } else { 6 })
        });
        self.expire_presence(now).await;
        if ticks.is_multiple_of(3) {
            self.broadcast_presence().await;
        }
        self.refresh_status().await;
        // The admit-everyone switch counts down, and the workshop may reach
        // its limit, with nothing else changing.
        if self.vm.hosting.is_some() {
            self.refresh_hosting();
        }
        if ticks.is_multiple_of(5) && self.open.is_none() {
            self.refresh_library().await;
        }
    }

    /// Reads the open charter's sync state and who is here again.
    async fn refresh_status(&mut self) {
        if let Some(doc) = self.open.clone()
            && let Some(open) = &self.vm.open
        {
            let mut updated = (**open).clone();
            updated.status = self.node.status(&doc).await.ok();
            updated.presence = self.presence_list();
            self.vm.open = Some(Arc::new(updated));
        }
    }
}
