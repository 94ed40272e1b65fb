//! Network cuts between nodes that share one process, for the simulation:
//! a node told to cut a peer neither dials it nor accepts it, as if the
//! network between them were down, while everything else (its overlay,
//! its re-dials) runs as it would. Only the `netsplit` feature (turned on
//! by guild-tests alone) can cut; in the product the set stays empty.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

/// The peers this node cannot reach, shared by its dialers and its
/// accepting side.
#[derive(Debug, Clone, Default)]
pub struct Netsplit(Arc<Mutex<HashSet<String>>>);

impl Netsplit {
    /// Whether the network to `peer` (an endpoint id) is down.
    pub fn cuts(&self, peer: &str) -> bool {
        let cut = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        !cut.is_empty() && cut.contains(peer)
    }

    /// Takes the network to `peer` down.
    #[cfg(feature = "netsplit")]
    pub fn cut(&self, peer: &str) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(peer.to_owned());
    }

    /// Brings every cut link back.
    #[cfg(feature = "netsplit")]
    pub fn mend(&self) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}
