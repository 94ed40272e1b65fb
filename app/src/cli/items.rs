//! Item commands: cards, inquiry notes, objectives, members, units, bridges.

use anyhow::Result;
use clap::{Args, Subcommand};
use guild_model::{
    Cell, Charter, Collection, Horizon, ObjectiveEdit, Op, Phase, Position, Role, Status, Tag,
    UnitKind, new_id,
};
use guild_sync::Library;

use super::output::Out;
use std::fmt::Write as _;

use super::resolve::item_id;

/// Where to put an item in its list.
#[derive(Debug, Args)]
pub(crate) struct PlaceArgs {
    /// Put it first.
    #[arg(long, conflicts_with_all = ["after", "before"])]
    first: bool,
    /// Put it just after this item (id or prefix).
    #[arg(long, value_name = "ITEM", conflicts_with = "before")]
    after: Option<String>,
    /// Put it just before this item (id or prefix).
    #[arg(long, value_name = "ITEM")]
    before: Option<String>,
}

impl PlaceArgs {
    fn position(&self, resolve: impl Fn(&str) -> Result<String>) -> Result<Position> {
        Ok(match (&self.after, &self.before) {
            (Some(after), _) => Position::After(resolve(after)?),
            (_, Some(before)) => Position::Before(resolve(before)?),
            _ if self.first => Position::Start,
            _ => Position::End,
        })
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum CardCommand {
    /// Add a card to a cell of the value map; prints its id.
    Add {
        doc: String,
        /// `organisation_short_term`, `organisation_long_term`, `members_short_term` or `members_long_term`.
        #[arg(long)]
        cell: Cell,
        /// The value it names.
        text: String,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Change a card's text.
    Edit {
        doc: String,
        card: String,
        text: String,
    },
    /// Move a card within its cell or to another.
    Move {
        doc: String,
        card: String,
        /// The cell to move it to [default: its own].
        #[arg(long)]
        cell: Option<Cell>,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Remove a card (and its links from stories).
    Rm { doc: String, card: String },
}

#[derive(Debug, Subcommand)]
pub(crate) enum NoteCommand {
    /// Add an appreciative-inquiry note; prints its id.
    Add {
        doc: String,
        /// `discover`, `dream`, `design` or `deliver`.
        #[arg(long)]
        phase: Phase,
        /// `need`, `challenge` or `opportunity`.
        #[arg(long, default_value = "opportunity")]
        tag: Tag,
        /// Who said it [default: the member this device edits as].
        #[arg(long)]
        author: Option<String>,
        /// The note.
        text: String,
    },
}

#[derive(Debug, clap::Args)]
pub(crate) struct ContributeArgs {
    doc: String,
    /// The proposed line.
    text: String,
    /// Who proposes it [default: the member this device edits as].
    #[arg(long)]
    author: Option<String>,
    /// Their role: sponsor, `core_group`, member or `potential_member`
    /// [default: that member's role, else member].
    #[arg(long)]
    role: Option<Role>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ObjectiveCommand {
    /// Add an objective; prints its id.
    Add {
        doc: String,
        title: String,
        #[command(flatten)]
        fields: ObjectiveFields,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Change an objective's fields.
    Edit {
        doc: String,
        objective: String,
        /// A new title.
        #[arg(long)]
        title: Option<String>,
        #[command(flatten)]
        fields: ObjectiveFields,
    },
    /// Remove an objective.
    Rm { doc: String, objective: String },
}

#[derive(Debug, Args)]
pub(crate) struct ObjectiveFields {
    /// What it means.
    #[arg(long)]
    description: Option<String>,
    /// Who owns it.
    #[arg(long)]
    owner: Option<String>,
    /// `short_term` or `long_term`.
    #[arg(long)]
    horizon: Option<Horizon>,
    /// proposed, active, achieved or dropped.
    #[arg(long)]
    status: Option<Status>,
    /// Success indicators, one per line.
    #[arg(long)]
    indicators: Option<String>,
}

impl ObjectiveFields {
    fn edits(self) -> Vec<ObjectiveEdit> {
        let mut edits = Vec::new();
        edits.extend(self.description.map(ObjectiveEdit::Description));
        edits.extend(self.owner.map(ObjectiveEdit::Owner));
        edits.extend(self.horizon.map(ObjectiveEdit::Horizon));
        edits.extend(self.status.map(ObjectiveEdit::Status));
        edits.extend(self.indicators.map(ObjectiveEdit::Indicators));
        edits
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum MemberCommand {
    /// Add a member; prints their id.
    Add {
        doc: String,
        name: String,
        /// sponsor, `core_group`, member or `potential_member`.
        #[arg(long, default_value = "member")]
        role: Role,
        /// The unit they belong to (id, prefix or name).
        #[arg(long)]
        unit: Option<String>,
        /// They are the person at this device: their edits and dots from
        /// here are theirs (the window does this on its own).
        #[arg(long)]
        me: bool,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum UnitCommand {
    /// Add a unit; prints its id.
    Add {
        doc: String,
        name: String,
        /// `business_unit`, team, project, office or partner.
        #[arg(long, default_value = "team")]
        kind: UnitKind,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum BridgeCommand {
    /// Add a bridge between two units (ids, prefixes or names); prints its id.
    Add {
        doc: String,
        from: String,
        to: String,
        /// What flows across it.
        #[arg(long, default_value = "")]
        note: String,
    },
}

fn card_text(c: &guild_model::Card) -> String {
    c.text.as_str().to_owned()
}

fn objective_title(o: &guild_model::Objective) -> String {
    o.title.as_str().to_owned()
}

fn unit_name(u: &guild_model::Unit) -> String {
    u.name.as_str().to_owned()
}

/// Applies each op in turn (one change each) and prints `print` if given.
async fn apply_all(
    out: &mut Out,
    library: &Library,
    doc: &str,
    ops: Vec<Op>,
    print: Option<String>,
) -> Result<()> {
    for op in &ops {
        let change = library.edit(doc, op).await?;
        out.made(doc, change);
    }
    if let Some(line) = print {
        let _ = writeln!(out.stdout, "{line}");
    }
    Ok(())
}

async fn open(library: &Library, doc: &str) -> Result<(String, Charter)> {
    let id = library.resolve(doc)?;
    let charter = library.charter(&id).await?;
    Ok((id, charter))
}

pub(super) async fn card(out: &mut Out, library: &Library, command: CardCommand) -> Result<()> {
    match command {
        CardCommand::Add {
            doc,
            cell,
            text,
            place,
        } => {
            let (doc, charter) = open(library, &doc).await?;
            let position = place.position(|q| item_id("card", &charter.cards, card_text, q))?;
            let id = new_id();
            apply_all(
                out,
                library,
                &doc,
                vec![Op::AddCard {
                    id: id.clone(),
                    cell,
                    text,
                    position,
                }],
                Some(id),
            )
            .await
        }
        CardCommand::Edit { doc, card, text } => {
            let (doc, charter) = open(library, &doc).await?;
            let id = item_id("card", &charter.cards, card_text, &card)?;
            apply_all(out, library, &doc, vec![Op::EditCard { id, text }], None).await
        }
        CardCommand::Move {
            doc,
            card,
            cell,
            place,
        } => {
            let (doc, charter) = open(library, &doc).await?;
            let id = item_id("card", &charter.cards, card_text, &card)?;
            let cell = cell.unwrap_or(charter.cards[&id].cell);
            let position = place.position(|q| item_id("card", &charter.cards, card_text, q))?;
            apply_all(
                out,
                library,
                &doc,
                vec![Op::MoveCard { id, cell, position }],
                None,
            )
            .await
        }
        CardCommand::Rm { doc, card } => {
            let (doc, charter) = open(library, &doc).await?;
            let id = item_id("card", &charter.cards, card_text, &card)?;
            apply_all(
                out,
                library,
                &doc,
                vec![Op::RemoveItem {
                    collection: Collection::Cards,
                    id,
                }],
                None,
            )
            .await
        }
    }
}

pub(super) async fn objective(
    out: &mut Out,
    library: &Library,
    command: ObjectiveCommand,
) -> Result<()> {
    match command {
        ObjectiveCommand::Add {
            doc,
            title,
            fields,
            place,
        } => {
            let (doc, charter) = open(library, &doc).await?;
            let position = place
                .position(|q| item_id("objective", &charter.objectives, objective_title, q))?;
            let id = new_id();
            let mut ops = vec![Op::AddObjective {
                id: id.clone(),
                title,
                position,
            }];
            ops.extend(fields.edits().into_iter().map(|edit| Op::EditObjective {
                id: id.clone(),
                edit,
            }));
            apply_all(out, library, &doc, ops, Some(id)).await
        }
        ObjectiveCommand::Edit {
            doc,
            objective,
            title,
            fields,
        } => {
            let (doc, charter) = open(library, &doc).await?;
            let id = item_id(
                "objective",
                &charter.objectives,
                objective_title,
                &objective,
            )?;
            let mut edits: Vec<ObjectiveEdit> =
                title.map(ObjectiveEdit::Title).into_iter().collect();
            edits.extend(fields.edits());
            if edits.is_empty() {
                anyhow::bail!(
                    "nothing to change: give --title, --owner, --status, --horizon, --description or --indicators"
                );
            }
            let ops = edits
                .into_iter()
                .map(|edit| Op::EditObjective {
                    id: id.clone(),
                    edit,
                })
                .collect();
            apply_all(out, library, &doc, ops, None).await
        }
        ObjectiveCommand::Rm { doc, objective } => {
            let (doc, charter) = open(library, &doc).await?;
            let id = item_id(
                "objective",
                &charter.objectives,
                objective_title,
                &objective,
            )?;
            apply_all(
                out,
                library,
                &doc,
                vec![Op::RemoveItem {
                    collection: Collection::Objectives,
                    id,
                }],
                None,
            )
            .await
        }
    }
}

pub(super) async fn member(out: &mut Out, library: &Library, command: MemberCommand) -> Result<()> {
    let MemberCommand::Add {
        doc,
        name,
        role,
        unit,
        me,
    } = command;
    let (doc, charter) = open(library, &doc).await?;
    let unit = unit
        .map(|u| item_id("unit", &charter.units, unit_name, &u))
        .transpose()?;
    let id = new_id();
    let mut ops = vec![Op::AddMember {
        id: id.clone(),
        name,
        role,
        unit,
        position: Position::End,
    }];
    if me {
        ops.push(Op::AddDevice {
            member: id.clone(),
            actor: library.device().to_hex(),
            label: library.label(),
        });
    }
    apply_all(out, library, &doc, ops, Some(id)).await
}

pub(super) async fn unit(out: &mut Out, library: &Library, command: UnitCommand) -> Result<()> {
    let UnitCommand::Add { doc, name, kind } = command;
    let doc = library.resolve(&doc)?;
    let id = new_id();
    apply_all(
        out,
        library,
        &doc,
        vec![Op::AddUnit {
            id: id.clone(),
            name,
            kind,
            position: Position::End,
        }],
        Some(id),
    )
    .await
}

pub(super) async fn note(out: &mut Out, library: &Library, command: NoteCommand) -> Result<()> {
    let NoteCommand::Add {
        doc,
        phase,
        tag,
        author,
        text,
    } = command;
    let (doc, charter) = open(library, &doc).await?;
    let author = author
        .or_else(|| {
            charter
                .member_of_actor(&library.device().to_hex())
                .map(|(_, m)| m.name.clone())
        })
        .unwrap_or_default();
    let id = new_id();
    let op = Op::AddNote {
        id: id.clone(),
        phase,
        tag,
        text,
        author,
        position: Position::End,
    };
    apply_all(out, library, &doc, vec![op], Some(id)).await
}

pub(super) async fn contribute(
    out: &mut Out,
    library: &Library,
    args: ContributeArgs,
) -> Result<()> {
    let ContributeArgs {
        doc,
        text,
        author,
        role,
    } = args;
    let (doc, charter) = open(library, &doc).await?;
    let me = charter
        .member_of_actor(&library.device().to_hex())
        .map(|(_, m)| m);
    let role = role.or_else(|| me.map(|m| m.role)).unwrap_or(Role::Member);
    let author = author
        .or_else(|| me.map(|m| m.name.clone()))
        .unwrap_or_default();
    let id = new_id();
    let op = Op::AddContribution {
        id: id.clone(),
        text,
        author,
        role,
        position: Position::End,
    };
    apply_all(out, library, &doc, vec![op], Some(id)).await
}

pub(super) async fn bridge(out: &mut Out, library: &Library, command: BridgeCommand) -> Result<()> {
    let BridgeCommand::Add {
        doc,
        from,
        to,
        note,
    } = command;
    let (doc, charter) = open(library, &doc).await?;
    let from = item_id("unit", &charter.units, unit_name, &from)?;
    let to = item_id("unit", &charter.units, unit_name, &to)?;
    let id = new_id();
    apply_all(
        out,
        library,
        &doc,
        vec![Op::AddBridge {
            id: id.clone(),
            from,
            to,
            note,
        }],
        Some(id),
    )
    .await
}
