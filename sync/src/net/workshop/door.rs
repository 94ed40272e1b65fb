//! The host's door: the [`ProtocolHandler`] for [`KNOCK_ALPN`]. It reads
//! one knock, asks the [`Desk`] what to do, runs the join code's exchange
//! when one is offered, waits for the host's answer while telling the
//! participant it is waiting, and on admission records the device in the
//! charter's access list — the same entry an invite makes, with no invite.

use std::sync::Arc;

use guild_model::{AccessLevel, Op};
use iroh::endpoint::Connection;
use iroh::protocol::{AcceptError, ProtocolHandler};

use super::code::{CodeExchange, Side};
use super::desk::{Answer, Desk, KnockRequest, Plan};
use super::knock::{CodeProof, HostSays, KNOCK_VERSION, Knock, MAX_NAME, WAITING_EVERY, refusal};
use crate::library::Library;
use crate::net::protocol::{AcceptedStream as Stream, CLOSE_REFUSED, first_message};
use crate::net::wire::{HANDSHAKE_TIMEOUT, WireCounters};

/// Accepts knocks on the workshop this node hosts.
#[derive(Clone)]
pub struct Door {
    desk: Desk,
    library: Arc<Library>,
    counters: Arc<WireCounters>,
}

impl std::fmt::Debug for Door {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Door").finish_non_exhaustive()
    }
}

impl Door {
    /// A door to `desk`'s workshop, admitting into `library`.
    pub fn new(desk: Desk, library: Arc<Library>, counters: Arc<WireCounters>) -> Self {
        Self {
            desk,
            library,
            counters,
        }
    }

    /// Decides one knock; `Ok(access)` once the device is recorded.
    async fn decide(
        &self,
        framed: &mut Stream,
        conn: &Connection,
        remote: &str,
        knock: &Knock,
    ) -> Result<AccessLevel, String> {
        if knock.version != KNOCK_VERSION {
            return Err(format!(
                "this host speaks knock version {KNOCK_VERSION}, not {}",
                knock.version
            ));
        }
        if !self.desk.hosts(&knock.doc) {
            return Err(refusal::ENDED.into());
        }
        let access = self
            .library
            .access(&knock.doc)
            .await
            .map_err(|_| refusal::ENDED.to_owned())?;
        if access.revoked.contains_key(remote) {
            return Err(refusal::REVOKED.into());
        }
        // Admitted before (a second knock, a lost answer): in already.
        if let Some(level) = access.level_of(remote) {
            return Ok(level);
        }
        let level = match &knock.code {
            Some(message) => self.check_code(framed, remote, knock, message).await?,
            None => self.wait_for_host(framed, conn, remote, knock).await?,
        };
        let admit = Op::AdmitDevice {
            endpoint: remote.to_owned(),
            access: level,
            label: knock.label.chars().take(MAX_NAME).collect(),
            actor: Some(knock.device.chars().take(MAX_NAME).collect()),
            admitted_by: self.library.endpoint_id(),
            invite: None,
        };
        self.library.edit(&knock.doc, &admit).await.map_err(|e| {
            tracing::warn!(error = %e, "cannot admit a device that knocked");
            "the host could not record this device".to_owned()
        })?;
        Ok(level)
    }

    /// The join code's exchange: the level the code admits to if the
    /// participant proved it knows the code.
    async fn check_code(
        &self,
        framed: &mut Stream,
        remote: &str,
        knock: &Knock,
        message: &[u8],
    ) -> Result<AccessLevel, String> {
        let (code, level) = self.desk.try_code(&knock.doc, remote)?;
        let (exchange, ours) = CodeExchange::start(&code, &knock.doc);
        let (key, _) = exchange
            .finish(message)
            .ok_or_else(|| refusal::WRONG_CODE.to_owned())?;
        let host = self.library.endpoint_id();
        let reply = HostSays::CodeReply {
            message: ours,
            confirmation: key.confirmation(Side::Host, &knock.doc, &host, remote),
        };
        framed.send(&reply).await.map_err(|e| e.to_string())?;
        let proof: CodeProof = framed.recv().await.map_err(|e| e.to_string())?;
        if !key.confirms(
            &proof.confirmation,
            Side::Participant,
            &knock.doc,
            &host,
            remote,
        ) {
            return Err(refusal::WRONG_CODE.into());
        }
        self.desk.code_was_right(remote);
        Ok(level)
    }

    /// Queues the knock and waits for the host (or the switch).
    async fn wait_for_host(
        &self,
        framed: &mut Stream,
        conn: &Connection,
        remote: &str,
        knock: &Knock,
    ) -> Result<AccessLevel, String> {
        let who = KnockRequest {
            id: 0,
            name: knock.name.chars().take(MAX_NAME).collect(),
            label: knock.label.chars().take(MAX_NAME).collect(),
            endpoint: remote.to_owned(),
        };
        let (id, mut answer) = match self.desk.plan(&knock.doc, who)? {
            Plan::Admit(level) => return Ok(level),
            Plan::Wait(id, answer) => (id, answer),
        };
        tracing::info!(peer = %remote, name = %knock.name, "knocking");
        let decided = loop {
            tokio::select! {
                answer = &mut answer => break answer.ok(),
                () = tokio::time::sleep(WAITING_EVERY) => {
                    if framed.send(&HostSays::Waiting).await.is_err() {
                        break None;
                    }
                }
                _ = conn.closed() => break None,
            }
        };
        match decided {
            Some(Answer::Admit(level)) => Ok(level),
            Some(Answer::Refuse) => Err(refusal::DECLINED.into()),
            None => {
                self.desk.withdraw(id);
                Err(refusal::ENDED.into())
            }
        }
    }
}

impl ProtocolHandler for Door {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        let remote = conn.remote_id().to_string();
        let Some((mut framed, knock)) =
            first_message::<Knock>(&conn, Arc::clone(&self.counters)).await?
        else {
            return Ok(());
        };
        let said = match self.decide(&mut framed, &conn, &remote, &knock).await {
            Ok(access) => {
                tracing::info!(peer = %remote, name = %knock.name, ?access, "let in");
                HostSays::Admitted { access }
            }
            Err(why) => {
                tracing::info!(peer = %remote, %why, "knock refused");
                HostSays::Refused(why)
            }
        };
        let refused = matches!(said, HostSays::Refused(_));
        let _ = framed.send(&said).await;
        // The participant hangs up once it has read the answer; a few
        // seconds at most, so a silent one holds nothing.
        let _ = tokio::time::timeout(HANDSHAKE_TIMEOUT, conn.closed()).await;
        if refused {
            conn.close(CLOSE_REFUSED.into(), b"refused");
        }
        Ok(())
    }
}
