//! Access control: which peer may sync which charter. The live index of
//! every charter's access list ([`AccessIndex`]) and samod's share policy
//! over it ([`GuildSharePolicy`]). Peer ids are bound to iroh's
//! authenticated endpoint ids (see `net::wire::FramedStream::into_transport`),
//! so a peer cannot claim another's rights.
//!
//! Storage- and network-agnostic: the library installs the policy in its
//! repo; the network layer screens frames against the index
//! (`net::screen`).

mod index;
mod policy;

pub use index::{AccessIndex, DocAccess, Loader, peer_id_of};
pub use policy::GuildSharePolicy;
