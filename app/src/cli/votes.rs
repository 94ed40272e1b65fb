//! `guild vote`: a facilitator's dot votes from a terminal — open one on a
//! kind of item, place or take back this person's dots, close it, show the
//! ranking. Counts stay hidden while a vote is open, as in the window.

use std::fmt::Write as _;

use anyhow::{Result, anyhow, bail};
use clap::{Subcommand, ValueEnum};
use guild_model::{Charter, Collection, Op, new_id};
use guild_sync::Library;

use super::output::Out;
use super::resolve::item_id;

/// What a vote can be on.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum VoteOn {
    /// The vision's contributions.
    Contributions,
    /// The appreciative inquiry's notes.
    Notes,
    /// The value map's cards.
    Cards,
    /// The objectives.
    Objectives,
}

impl VoteOn {
    fn kind(self) -> Collection {
        match self {
            VoteOn::Contributions => Collection::Contributions,
            VoteOn::Notes => Collection::Notes,
            VoteOn::Cards => Collection::Cards,
            VoteOn::Objectives => Collection::Objectives,
        }
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum VoteCommand {
    /// Open a dot vote on every item of one kind; prints its id.
    Open {
        doc: String,
        /// The question the room answers.
        question: String,
        /// What is voted on.
        #[arg(long)]
        on: VoteOn,
        /// Dots each person has.
        #[arg(long, default_value_t = 3)]
        dots: u8,
    },
    /// Place one of your dots on an item (its id, id prefix or words).
    Dot {
        doc: String,
        vote: String,
        item: String,
    },
    /// Take back one of your dots from an item.
    Undot {
        doc: String,
        vote: String,
        item: String,
    },
    /// Close a vote: no more dots, and the ranking is shown.
    Close { doc: String, vote: String },
    /// List the votes; a closed vote with its ranking.
    Show { doc: String },
}

pub(super) async fn vote(out: &mut Out, library: &Library, command: VoteCommand) -> Result<()> {
    match command {
        VoteCommand::Open {
            doc,
            question,
            on,
            dots,
        } => {
            let (doc, charter) = open(library, &doc).await?;
            let id = new_id();
            let op = Op::OpenVote {
                id: id.clone(),
                title: question,
                items: charter.votable_items(on.kind()),
                dots,
            };
            let change = library.edit(&doc, &op).await?;
            out.made(&doc, change);
            let _ = writeln!(out.stdout, "{id}");
        }
        VoteCommand::Dot { doc, vote, item } => {
            let (doc, charter) = open(library, &doc).await?;
            let (vote, item) = vote_and_item(&charter, &vote, &item)?;
            let member = me(library, &charter)?;
            let op = Op::PlaceDot { vote, member, item };
            let change = library.edit(&doc, &op).await?;
            out.made(&doc, change);
        }
        VoteCommand::Undot { doc, vote, item } => {
            let (doc, charter) = open(library, &doc).await?;
            let (vote_id, item) = vote_and_item(&charter, &vote, &item)?;
            let member = me(library, &charter)?;
            let slot = charter.workshop.votes[&vote_id]
                .dots_of(&member)
                .into_iter()
                .find(|(_, on)| *on == item)
                .map(|(slot, _)| slot)
                .ok_or_else(|| anyhow!("you have no dot on that item"))?;
            let op = Op::TakeDot {
                vote: vote_id,
                member,
                slot,
            };
            let change = library.edit(&doc, &op).await?;
            out.made(&doc, change);
        }
        VoteCommand::Close { doc, vote } => {
            let (doc, charter) = open(library, &doc).await?;
            let vote = item_id("vote", &charter.workshop.votes, |v| v.title.clone(), &vote)?;
            let change = library
                .edit(&doc, &Op::CloseVote { id: vote.clone() })
                .await?;
            out.made(&doc, change);
            show_vote(out, &charter_now(library, &doc).await?, &vote);
        }
        VoteCommand::Show { doc } => {
            let (_, charter) = open(library, &doc).await?;
            if charter.workshop.votes.is_empty() {
                let _ = writeln!(out.stdout, "no votes yet");
            }
            let mut votes: Vec<_> = charter.workshop.votes.iter().collect();
            votes.sort_by_key(|(id, v)| (v.opened_at, (*id).clone()));
            for (id, _) in votes {
                show_vote(out, &charter, id);
            }
        }
    }
    Ok(())
}

fn show_vote(out: &mut Out, charter: &Charter, id: &str) {
    let Some(vote) = charter.workshop.votes.get(id) else {
        return;
    };
    let state = if vote.is_open() { "open" } else { "closed" };
    let _ = writeln!(
        out.stdout,
        "{id}  {}  ({state}, {} dots each, {} voting)",
        vote.title,
        vote.dots,
        vote.ballots.values().filter(|b| !b.is_empty()).count()
    );
    if vote.is_open() {
        let _ = writeln!(out.stdout, "  counts are shown when the vote closes");
        return;
    }
    for (rank, (item, count)) in vote.ranking().iter().enumerate() {
        let _ = writeln!(
            out.stdout,
            "  {}. {}  {count}",
            rank + 1,
            crate::present::item_text(charter, item)
        );
    }
}

fn vote_and_item(charter: &Charter, vote: &str, item: &str) -> Result<(String, String)> {
    let vote = item_id("vote", &charter.workshop.votes, |v| v.title.clone(), vote)?;
    let items: std::collections::BTreeMap<String, String> = charter.workshop.votes[&vote]
        .items
        .iter()
        .map(|i| (i.clone(), crate::present::item_text(charter, i)))
        .collect();
    let item = item_id("item of this vote", &items, Clone::clone, item)?;
    Ok((vote, item))
}

/// The member this device edits as.
fn me(library: &Library, charter: &Charter) -> Result<String> {
    let device = library.device().to_hex();
    match charter.member_of_actor(&device) {
        Some((id, _)) => Ok(id.clone()),
        None => bail!(
            "this device is not a member of the charter yet: open the charter once in the window (it asks your name) to vote"
        ),
    }
}

async fn open(library: &Library, doc: &str) -> Result<(String, Charter)> {
    let id = library.resolve(doc)?;
    let charter = library.charter(&id).await?;
    Ok((id, charter))
}

async fn charter_now(library: &Library, doc: &str) -> Result<Charter> {
    Ok(library.charter(doc).await?)
}
