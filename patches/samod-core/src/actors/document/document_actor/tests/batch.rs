//! Patched in Guild (see PATCHED.md, patch 4): messages handed to the actor
//! together are applied one by one and answered with one round of sync
//! generation, so a peer that is only watching gets one message per batch
//! instead of one per change in it.

use super::*;

/// A sync message from a fresh peer carrying one change of its own.
fn one_change(key: &str) -> SyncMessage {
    let mut sender = Automerge::new();
    sender
        .transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, key, true))
        .unwrap();
    let mut state = sync::State::new();
    let hello = Automerge::new()
        .generate_sync_message(&mut sync::State::new())
        .unwrap();
    sender.receive_sync_message(&mut state, hello).unwrap();
    let message = sender.generate_sync_message(&mut state).unwrap();
    assert!(!message.changes.is_empty());
    SyncMessage::Sync {
        data: message.encode(),
    }
}

fn delivered(connection_id: ConnectionId, message: SyncMessage) -> HubToDocMsg {
    HubToDocMsg(HubToDocMsgPayload::HandleDocMessage {
        connection_id,
        message: DocMessage::Sync(message),
        received_at: UnixTimestamp::now(),
    })
}

fn sync_messages_to(result: &DocActorResult, conn: ConnectionId) -> usize {
    result
        .outgoing_messages
        .iter()
        .filter(|msg| {
            matches!(&msg.0, DocToHubMsgPayload::SendSyncMessage { connection_id, .. }
                if *connection_id == conn)
        })
        .count()
}

/// A ready actor with three read-write peers; returns it with the
/// connections of the two writers and the watcher.
fn three_peers() -> (DocumentActor, [ConnectionId; 3]) {
    let (mut actor, _, first, task_id) = new_actor(true, None);
    complete_policy(&mut actor, task_id, ShareConfig::read_write());
    let mut conns = [first; 3];
    for (i, name) in ["second", "watcher"].into_iter().enumerate() {
        let conn = ConnectionId::new();
        let result = actor
            .handle_message(
                UnixTimestamp::now(),
                HubToDocMsg(HubToDocMsgPayload::NewConnection {
                    connection_id: conn,
                    peer_id: name.into(),
                }),
            )
            .unwrap();
        let task_id = result
            .io_tasks
            .iter()
            .find(|task| matches!(task.action, DocumentIoTask::CheckSharePolicy { .. }))
            .unwrap()
            .task_id;
        complete_policy(&mut actor, task_id, ShareConfig::read_write());
        conns[i + 1] = conn;
    }
    (actor, conns)
}

#[test]
fn a_batch_of_changes_is_answered_with_one_generation_per_peer() {
    let (mut separate, [a, b, watcher]) = three_peers();
    let one_by_one: usize = [(a, "a"), (b, "b")]
        .into_iter()
        .map(|(conn, key)| {
            let result = separate
                .handle_message(UnixTimestamp::now(), delivered(conn, one_change(key)))
                .unwrap();
            sync_messages_to(&result, watcher)
        })
        .sum();

    let (mut batched, [a, b, watcher]) = three_peers();
    let result = batched
        .handle_messages(
            UnixTimestamp::now(),
            vec![delivered(a, one_change("a")), delivered(b, one_change("b"))],
        )
        .unwrap();

    assert_eq!(one_by_one, 2, "one message to the watcher per change");
    assert_eq!(sync_messages_to(&result, watcher), 1, "one for the batch");
    assert_eq!(
        batched.document().get_heads().len(),
        2,
        "both changes were applied"
    );
    assert_eq!(separate.document().get_heads().len(), 2);
}
