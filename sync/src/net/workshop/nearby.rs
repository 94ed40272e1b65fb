//! Workshops on this network: the mDNS records of hosts that announce one
//! ([`super::announce`]), kept as a list that follows hosts as they start,
//! change, end and leave.

use std::collections::BTreeMap;
use std::net::SocketAddr;

use futures::StreamExt as _;
use iroh_mdns_address_lookup::{DiscoveryEvent, MdnsAddressLookup};
use tokio::sync::watch;

use super::announce::Announcement;

/// A workshop another device on this network hosts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NearbyWorkshop {
    /// The host device's endpoint id.
    pub endpoint: String,
    /// The charter's id.
    pub doc: String,
    /// The charter's title.
    pub title: String,
    /// The host's name.
    pub host: String,
    /// Where the host listens, as it announced.
    pub addrs: Vec<SocketAddr>,
}

impl NearbyWorkshop {
    /// Whether `query` names this workshop: its host's endpoint id (or a
    /// prefix of it), or words of its title, case-insensitively.
    pub fn matches(&self, query: &str) -> bool {
        let query = query.trim();
        if query.is_empty() {
            return false;
        }
        self.endpoint.starts_with(query)
            || self.title.to_lowercase().contains(&query.to_lowercase())
    }
}

/// Follows `mdns`'s discoveries; the list is sorted by title. The task
/// stops when every receiver is gone.
pub async fn browse(mdns: &MdnsAddressLookup) -> watch::Receiver<Vec<NearbyWorkshop>> {
    let mut events = mdns.subscribe().await;
    let (tx, rx) = watch::channel(Vec::new());
    tokio::spawn(async move {
        let mut found: BTreeMap<String, NearbyWorkshop> = BTreeMap::new();
        loop {
            let event = tokio::select! {
                event = events.next() => event,
                () = tx.closed() => return,
            };
            let Some(event) = event else { return };
            let changed = match event {
                DiscoveryEvent::Discovered { endpoint_info, .. } => {
                    let endpoint = endpoint_info.endpoint_id.to_string();
                    match endpoint_info
                        .data
                        .user_data()
                        .and_then(Announcement::from_user_data)
                    {
                        Some(a) => {
                            let workshop = NearbyWorkshop {
                                endpoint: endpoint.clone(),
                                doc: a.doc,
                                title: a.title,
                                host: a.host,
                                addrs: endpoint_info.data.ip_addrs().copied().collect(),
                            };
                            found.insert(endpoint, workshop.clone()) != Some(workshop)
                        }
                        None => found.remove(&endpoint).is_some(),
                    }
                }
                DiscoveryEvent::Expired { endpoint_id } => {
                    found.remove(&endpoint_id.to_string()).is_some()
                }
                _ => false,
            };
            if changed {
                let mut list: Vec<NearbyWorkshop> = found.values().cloned().collect();
                list.sort_by(|a, b| a.title.cmp(&b.title).then(a.host.cmp(&b.host)));
                tx.send_replace(list);
            }
        }
    });
    rx
}
