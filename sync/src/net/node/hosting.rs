//! A node's workshop: hosting one (announce it, open its invite, show a
//! join code, answer knocks) and joining one (browse the LAN, knock, fetch
//! the charter once let in). The pieces are in [`crate::net::workshop`];
//! this is where they meet the node.

use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant};

use guild_model::AccessLevel;
use iroh::{EndpointAddr, TransportAddr};
use tokio::sync::watch;

use super::{InviteOptions, NetError, Node};
use crate::access::DocAccess;
use crate::net::ticket::InviteTicket;
use crate::net::workshop::announce::Announcement;
use crate::net::workshop::code::new_code;
use crate::net::workshop::desk::{Answer, HostedWorkshop, Hosting};
use crate::net::workshop::knock::{KNOCK_VERSION, Knock};
use crate::net::workshop::nearby::{self, NearbyWorkshop};
use crate::net::workshop::visitor::{self, KnockProgress};

/// How a workshop is hosted.
#[derive(Debug, Clone, Default)]
pub struct HostOptions {
    /// The host's name, announced with the charter's title.
    pub host: String,
    /// Show a join code that admits whoever types it.
    pub code: bool,
    /// What the workshop's invite and its code admit to.
    pub access: AccessLevel,
    /// The workshop ends on its own after this long, at the latest.
    pub expires: Option<Duration>,
    /// Announce it on the LAN (mDNS): off only where nothing may leave the
    /// machine (tests on loopback), where knocks name the host directly.
    pub announce: bool,
}

/// A workshop just hosted.
#[derive(Debug, Clone)]
pub struct Hosted {
    /// Its invite, for the ticket path (closed when the workshop ends).
    pub ticket: InviteTicket,
    /// The join code, if one was asked for.
    pub code: Option<String>,
}

impl Node {
    /// Hosts a workshop on `doc`: announces it on the LAN (turning LAN
    /// discovery on) if asked, opens a workshop invite, and answers knocks.
    /// A workshop hosted before ends first.
    pub async fn host_workshop(&self, doc: &str, options: HostOptions) -> Result<Hosted, NetError> {
        let doc = self.library.resolve(doc)?;
        if self.desk.hosted().is_some() {
            self.end_workshop().await?;
        }
        let title = self.library.summary(&doc).await?.title;
        if options.announce {
            self.enable_lan()?;
        }
        let ticket = self
            .share_with(
                &doc,
                InviteOptions {
                    access: options.access,
                    expires: options.expires,
                    workshop: true,
                },
            )
            .await?;
        let code = options.code.then(new_code);
        self.desk.host(Hosting {
            doc: doc.clone(),
            title: title.clone(),
            host: options.host.clone(),
            code: code.clone(),
            code_access: options.access,
            until: options.expires.map(|d| Instant::now() + d),
        });
        let announcement = Announcement {
            doc,
            title,
            host: options.host,
        };
        self.endpoint()
            .set_user_data_for_address_lookup(announcement.to_user_data());
        Ok(Hosted { ticket, code })
    }

    /// Stops answering knocks and announcing the workshop (the rest of
    /// [`Node::end_workshop`]).
    pub(super) fn stop_hosting(&self) {
        if self.desk.end().is_some() {
            self.endpoint().set_user_data_for_address_lookup(None);
        }
    }

    /// The workshop this node hosts, with who is knocking.
    pub fn hosted_workshop(&self) -> Option<HostedWorkshop> {
        self.desk.hosted()
    }

    /// Fires when the hosted workshop changes (a knock, an answer, a try).
    pub fn workshop_changes(&self) -> watch::Receiver<()> {
        self.desk.changes()
    }

    /// Answers knock `id`; false if nobody with that number waits.
    pub fn answer_knock(&self, id: u64, answer: Answer) -> bool {
        self.desk.answer(id, answer)
    }

    /// Lets everyone who knocks in with `access` for `period`, and everyone
    /// waiting now; `None` turns that off.
    pub fn admit_everyone(&self, period: Option<(AccessLevel, Duration)>) -> Result<(), NetError> {
        if self.desk.admit_everyone(period) {
            Ok(())
        } else {
            Err(NetError::Refused("no workshop is hosted here".into()))
        }
    }

    /// The workshops announced on this network, as they come and go. Turns
    /// LAN discovery on.
    pub async fn nearby_workshops(&self) -> Result<watch::Receiver<Vec<NearbyWorkshop>>, NetError> {
        self.enable_lan()?;
        let mdns = self
            .mdns
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| NetError::Bind("LAN discovery is off".into()))?;
        Ok(nearby::browse(&mdns).await)
    }

    /// Knocks on `workshop` as `name` (with the join `code` if given), waits
    /// until the host lets this device in, then fetches the charter and
    /// stores it. Returns its id. `progress` says how it goes.
    pub async fn knock(
        &self,
        workshop: &NearbyWorkshop,
        name: &str,
        code: Option<&str>,
        progress: &watch::Sender<KnockProgress>,
        timeout: Duration,
    ) -> Result<String, NetError> {
        let id: iroh::EndpointId = workshop
            .endpoint
            .parse()
            .map_err(|_| NetError::Refused("that is not a workshop's host".into()))?;
        self.dialing
            .peers
            .record(&workshop.endpoint, workshop.addrs.iter().copied());
        let host =
            EndpointAddr::from_parts(id, workshop.addrs.iter().copied().map(TransportAddr::Ip));
        let knock = Knock {
            version: KNOCK_VERSION,
            doc: workshop.doc.clone(),
            name: name.to_owned(),
            label: self.dialing.label.clone(),
            device: self.library.device().to_hex(),
            code: None,
        };
        let counters = Arc::clone(&self.dialing.counters);
        tokio::time::timeout(
            timeout,
            visitor::knock(
                self.endpoint(),
                host.clone(),
                knock,
                code,
                counters,
                progress,
            ),
        )
        .await
        .map_err(|_| NetError::Timeout("the host did not let this device in in time".into()))??;
        if !matches!(
            self.library.access_index().get(&workshop.doc),
            DocAccess::Known(_)
        ) {
            self.library.access_index().set(
                &workshop.doc,
                DocAccess::Joining {
                    inviter: workshop.endpoint.clone(),
                },
            );
        }
        let dialer = self.dialing.dial(host, None)?;
        tokio::time::timeout(timeout, dialer.established())
            .await
            .map_err(|_| {
                NetError::Timeout("could not reach the host after it let this device in".into())
            })?
            .map_err(|e| NetError::Refused(e.to_string()))?;
        self.fetch(&workshop.doc, &workshop.endpoint, timeout).await
    }
}
