//! Which charters a connection's two sides hold at the same heads (wire
//! version 3, [`super::in_sync`]): the dialer's candidates and the claims
//! its hello makes of them, and the accepting side's answer.
//!
//! Only charters whose access lists admit both sides are ever named: a
//! peer learns nothing here about a charter it may not sync.

use guild_model::AccessLevel;
use samod::DocumentId;

use super::in_sync::{Agreed, Claim};
use crate::library::Library;

/// The charters this node shares with `peer`, each at its heads now, as
/// they would be agreed.
pub(crate) async fn candidates(library: &Library, peer: &str) -> Vec<Agreed> {
    let me = library.endpoint_id();
    let mut found = Vec::new();
    for (doc, theirs, ours) in library.access_index().shared_with(peer, &me) {
        let Ok(id) = doc.parse::<DocumentId>() else {
            continue;
        };
        // A charter that cannot be read now is simply not claimed.
        let Ok(heads) = library.heads(&doc).await else {
            continue;
        };
        if heads.is_empty() {
            continue;
        }
        found.push(Agreed {
            doc: id,
            heads,
            peer_reads_only: theirs == AccessLevel::ReadOnly,
            we_read_only: ours == AccessLevel::ReadOnly,
        });
    }
    found
}

/// What a hello says of `candidates`.
pub(crate) fn claims(candidates: &[Agreed]) -> String {
    let claims: Vec<Claim> = candidates
        .iter()
        .map(|c| Claim::new(&c.doc, &c.heads))
        .collect();
    Claim::encode_all(&claims)
}

/// The accepting side's answer to a hello's `heads` from `peer`: the
/// places of the claims this node holds at the same heads, and those
/// charters. Claims that do not parse agree nothing.
pub(crate) async fn agree(library: &Library, peer: &str, heads: &str) -> (Vec<u16>, Vec<Agreed>) {
    let Some(claims) = Claim::decode_all(heads) else {
        return (Vec::new(), Vec::new());
    };
    if claims.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let ours = candidates(library, peer).await;
    let mut places = Vec::new();
    let mut agreed = Vec::new();
    for (place, claim) in claims.iter().enumerate() {
        let mut named = ours.iter().filter(|c| claim.names(&c.doc));
        let (Some(one), None) = (named.next(), named.next()) else {
            continue;
        };
        if let Ok(place) = u16::try_from(place)
            && claim.holds_at(&one.heads)
            && !agreed.iter().any(|a: &Agreed| a.doc == one.doc)
        {
            places.push(place);
            agreed.push(one.clone());
        }
    }
    (places, agreed)
}

/// The dialer's side of an agreement: the candidates at the `places` the
/// welcome named, ignoring any that name nothing.
pub(crate) fn agreed_at(candidates: &[Agreed], places: &[u16]) -> Vec<Agreed> {
    let mut agreed: Vec<Agreed> = Vec::new();
    for &place in places {
        if let Some(one) = candidates.get(usize::from(place))
            && !agreed.iter().any(|a| a.doc == one.doc)
        {
            agreed.push(one.clone());
        }
    }
    agreed
}
