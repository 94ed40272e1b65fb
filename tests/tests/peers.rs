//! Peers on loopback: invite, join, edit on both sides, converge.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::too_many_lines)]

use std::time::Duration;

use guild_model::{AccessLevel, Charter, Op, ProseField};
use guild_tests::{runtime, start_node};

const T: Duration = Duration::from_secs(20);

#[test]
fn a_joiner_receives_the_charter_and_edits_flow_both_ways() {
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    runtime().block_on(async {
        let a = start_node(a_dir.path()).await;
        let b = start_node(b_dir.path()).await;
        let doc = a.library().create("Data CoP", true).await.unwrap();
        a.library()
            .edit(
                &doc,
                &Op::SetProse {
                    field: ProseField::Purpose,
                    text: "Learn together".into(),
                },
            )
            .await
            .unwrap();
        let ticket = a.share(&doc, AccessLevel::ReadWrite).await.unwrap();
        eprintln!("ticket addrs: {:?}", ticket.inviter.addrs);

        let joined = b.join(&ticket, T).await.unwrap();
        assert_eq!(joined, doc);
        let charter: Charter = b.library().charter(&doc).await.unwrap();
        assert_eq!(charter.purpose.text.as_str(), "Learn together");
        assert!(
            charter
                .access
                .level_of(&b.library().endpoint_id())
                .is_some(),
            "B was admitted"
        );

        b.library()
            .edit(
                &doc,
                &Op::SetProse {
                    field: ProseField::Vision,
                    text: "From B".into(),
                },
            )
            .await
            .unwrap();
        let status = b.sync(&doc, T).await.unwrap();
        assert!(
            status
                .peers
                .iter()
                .any(|p| p.connected && p.has_our_changes),
            "{status:?}"
        );
        let on_a = a.library().charter(&doc).await.unwrap();
        assert_eq!(on_a.vision.statement.as_str(), "From B");

        b.shutdown().await.unwrap();
        a.shutdown().await.unwrap();
    });
}
