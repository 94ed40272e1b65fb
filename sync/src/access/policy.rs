//! samod's share policy for a Guild node: every decision about which peer
//! may sync which document comes from the charter's own access list, via
//! the [`AccessIndex`]. The library installs it when it builds the repo.

use futures::{Stream, StreamExt as _};
use guild_model::AccessLevel;
use samod::{DocumentId, PeerId, ShareConfig};

use super::index::AccessIndex;

fn share_config(level: Option<AccessLevel>) -> ShareConfig {
    match level {
        Some(AccessLevel::ReadWrite) => ShareConfig::read_write(),
        Some(AccessLevel::ReadOnly) => ShareConfig::read_only(),
        None => ShareConfig::none(),
    }
}

/// samod's share policy for a Guild node: every decision comes from the
/// charter's own access list.
#[derive(Clone, Debug)]
pub struct GuildSharePolicy {
    index: AccessIndex,
}

impl GuildSharePolicy {
    /// A policy reading `index`.
    pub fn new(index: AccessIndex) -> Self {
        Self { index }
    }
}

impl samod::SharePolicy for GuildSharePolicy {
    fn share(
        &self,
        doc_id: DocumentId,
        peer_id: PeerId,
    ) -> impl Stream<Item = ShareConfig> + Send + 'static {
        // An unbound peer id stands for nobody and gets nothing.
        let endpoint = self.index.endpoint_of(peer_id.as_str()).unwrap_or_default();
        self.index
            .decisions(&doc_id.to_string(), &endpoint)
            .map(share_config)
    }
}
