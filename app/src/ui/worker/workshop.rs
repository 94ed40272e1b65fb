//! The worker's side of a workshop: hosting one (announce, code, the knock
//! queue and its answers), and, in the Join dialog, the workshops nearby
//! and a knock on one with its progress. The node does the work
//! ([`guild_sync::net::node::Node::host_workshop`], `knock`); this keeps
//! the view model in step with it.

use std::sync::Arc;
use std::time::Duration;

use guild_model::AccessLevel;
use guild_sync::net::node::HostOptions;
use guild_sync::net::workshop::nearby::NearbyWorkshop;
use guild_sync::net::workshop::visitor::KnockProgress;
use tokio::sync::watch;

use super::super::view_model::JoinState;
use super::{Done, Worker};

/// How long a knock may wait for the host before it gives up.
const KNOCK_WAIT: Duration = Duration::from_mins(30);

impl Worker {
    /// Hosts a workshop on `doc` as this person.
    pub(super) async fn host_workshop(
        &mut self,
        doc: &str,
        access: AccessLevel,
        code: bool,
        limit: Duration,
    ) {
        let options = HostOptions {
            host: self
                .vm
                .identity
                .as_ref()
                .map_or_else(|| self.node.library().label(), |i| i.name.clone()),
            code,
            access,
            expires: Some(limit),
            announce: self.lan_allowed,
        };
        match self.node.host_workshop(doc, options).await {
            Ok(hosted) => {
                self.vm.ticket = Some(hosted.ticket.to_string());
                self.vm.lan = self.node.lan();
                self.refresh_hosting();
                self.refresh_open().await;
            }
            Err(e) => self.toast(format!("cannot host the workshop: {e}"), true),
        }
    }

    /// The hosted workshop as it is now (queue, switch, code).
    pub(super) fn refresh_hosting(&mut self) {
        self.vm.hosting = self.node.hosted_workshop().map(Arc::new);
    }

    /// Starts following the workshops announced on this network, unless
    /// this window may not use the LAN (a loopback-only test window).
    pub(super) async fn browse_workshops(&mut self) {
        if self.nearby.is_some() || !self.lan_allowed {
            return;
        }
        match self.node.nearby_workshops().await {
            Ok(nearby) => {
                self.vm.lan = self.node.lan();
                self.nearby = Some(nearby);
            }
            Err(e) => self.toast(format!("cannot look for workshops nearby: {e}"), true),
        }
    }

    /// The workshops nearby changed.
    pub(super) fn refresh_nearby(&mut self) {
        if let Some(nearby) = self.nearby.as_mut() {
            self.vm.nearby = Arc::new(nearby.borrow_and_update().clone());
        }
    }

    /// Knocks on `workshop`; its progress and its end come back as
    /// [`Done`]s.
    pub(super) fn knock(&mut self, workshop: NearbyWorkshop, code: Option<String>) {
        if matches!(
            self.vm.join,
            JoinState::Joining | JoinState::Knocking { .. }
        ) {
            return;
        }
        self.vm.join = JoinState::Knocking {
            title: workshop.title.clone(),
            host: workshop.host.clone(),
            progress: KnockProgress::Knocking,
        };
        let name = self
            .vm
            .identity
            .as_ref()
            .map_or_else(|| self.node.library().label(), |i| i.name.clone());
        let node = Arc::clone(&self.node);
        let done = self.done_tx.clone();
        tokio::spawn(async move {
            let (progress, mut watching) = watch::channel(KnockProgress::Knocking);
            let forward = {
                let done = done.clone();
                async move {
                    while watching.changed().await.is_ok() {
                        let now = *watching.borrow_and_update();
                        let _ = done.send(Done::Knocked(now));
                    }
                }
            };
            let knock = async {
                let result = node
                    .knock(&workshop, &name, code.as_deref(), &progress, KNOCK_WAIT)
                    .await
                    .map_err(|e| e.to_string());
                drop(progress);
                result
            };
            let ((), result) = tokio::join!(forward, knock);
            let _ = done.send(Done::Joined(result));
        });
    }

    /// A knock moved on.
    pub(super) fn knocked(&mut self, now: KnockProgress) {
        if let JoinState::Knocking { progress, .. } = &mut self.vm.join {
            *progress = now;
        }
    }
}
