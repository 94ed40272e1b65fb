//! The participant's side of a knock: connect to the host on
//! [`KNOCK_ALPN`], say who one is (and prove the join code if one was
//! typed), and wait — telling the caller how it goes — until the host lets
//! the device in or says why not.

use std::sync::Arc;
use std::time::Duration;

use guild_model::AccessLevel;
use iroh::{Endpoint, EndpointAddr};
use tokio::sync::watch;

use super::code::{CodeExchange, Side};
use super::knock::{CodeProof, HostSays, KNOCK_ALPN, Knock, refusal};
use crate::net::node::NetError;
use crate::net::wire::{FramedStream, WireCounters};

/// Where a knock stands, for a window's progress line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnockProgress {
    /// Reaching the host.
    Knocking,
    /// The host has not decided yet.
    Waiting,
    /// In: the charter is on its way.
    Admitted(AccessLevel),
}

/// How long reaching the host may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Knocks at `host` with `knock` (its `code` is filled in from `code`).
/// `me` is this device's endpoint id, bound into the code's proof.
pub async fn knock(
    endpoint: &Endpoint,
    host: EndpointAddr,
    mut knock: Knock,
    code: Option<&str>,
    counters: Arc<WireCounters>,
    progress: &watch::Sender<KnockProgress>,
) -> Result<AccessLevel, NetError> {
    progress.send_replace(KnockProgress::Knocking);
    let host_id = host.id.to_string();
    let me = endpoint.id().to_string();
    let conn = tokio::time::timeout(CONNECT_TIMEOUT, endpoint.connect(host, KNOCK_ALPN))
        .await
        .map_err(|_| NetError::Timeout("the workshop's host did not answer".into()))?
        .map_err(|e| NetError::Refused(format!("cannot reach the workshop's host: {e}")))?;
    let (send, recv) = conn
        .open_bi()
        .await
        .map_err(|e| NetError::Refused(format!("the workshop's host hung up: {e}")))?;
    let mut framed = FramedStream::new(tokio::io::join(recv, send), counters);
    let mut exchange = code.map(|code| {
        let (exchange, message) = CodeExchange::start(code, &knock.doc);
        knock.code = Some(message);
        exchange
    });
    let doc = knock.doc.clone();
    let hung_up = |e: crate::net::wire::HandshakeError| {
        NetError::Refused(format!("the workshop's host stopped answering: {e}"))
    };
    framed.send(&knock).await.map_err(hung_up)?;
    let answer = loop {
        match framed.recv::<HostSays>().await.map_err(hung_up)? {
            HostSays::Waiting => {
                progress.send_replace(KnockProgress::Waiting);
            }
            HostSays::CodeReply {
                message,
                confirmation,
            } => {
                let Some((key, _)) = exchange.take().and_then(|e| e.finish(&message)) else {
                    break Err(NetError::Refused(refusal::WRONG_CODE.into()));
                };
                // A host that cannot prove the code is not the one who
                // projected it (or the code was mistyped): nothing more
                // goes to it.
                if !key.confirms(&confirmation, Side::Host, &doc, &host_id, &me) {
                    break Err(NetError::Refused(refusal::WRONG_CODE.into()));
                }
                let proof = CodeProof {
                    confirmation: key.confirmation(Side::Participant, &doc, &host_id, &me),
                };
                framed.send(&proof).await.map_err(hung_up)?;
            }
            HostSays::Admitted { access } => break Ok(access),
            HostSays::Refused(why) => break Err(NetError::Refused(why)),
        }
    };
    conn.close(0u32.into(), b"thanks");
    if let Ok(access) = answer {
        progress.send_replace(KnockProgress::Admitted(access));
    }
    answer
}
