//! Schema versions and the migrations between them.
//!
//! Every charter stores `schema_version` at its root. Opening a document
//! written by an older Guild runs the steps from its version up to
//! [`CURRENT_SCHEMA_VERSION`] as one change; a document from a newer Guild is
//! refused rather than misread.

use automerge::transaction::{CommitOptions, Transactable, Transaction};
use automerge::{Automerge, ChangeHash, ObjType, ROOT, ReadDoc, ScalarValue, Value};

/// The schema this build of Guild writes.
pub const CURRENT_SCHEMA_VERSION: u64 = 1;

/// A step from version `n` to `n + 1` is `STEPS[n]`.
type Step = fn(&mut Transaction<'_>) -> Result<(), automerge::AutomergeError>;
const STEPS: [Step; CURRENT_SCHEMA_VERSION as usize] = [fill_missing_sections];

/// Why a document cannot be brought to the current schema.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MigrateError {
    /// The document is not a Guild charter at all.
    #[error("not a Guild charter: {0}")]
    NotACharter(String),
    /// A newer Guild wrote it.
    #[error(
        "this charter uses schema version {found}, newer than this Guild understands ({supported}); update Guild"
    )]
    TooNew {
        /// The document's version.
        found: u64,
        /// Ours.
        supported: u64,
    },
    /// A step failed.
    #[error("migrating the charter failed: {0}")]
    Failed(String),
}

/// The document's schema version; errors if it is not a charter at all.
pub fn schema_version<D: ReadDoc>(doc: &D) -> Result<u64, MigrateError> {
    let has_title = matches!(doc.get(ROOT, "meta"), Ok(Some((Value::Object(ObjType::Map), meta)))
        if matches!(doc.get(&meta, "title"), Ok(Some((Value::Object(ObjType::Text), _)))));
    if !has_title {
        return Err(MigrateError::NotACharter(
            "it has no charter title (`meta.title`)".into(),
        ));
    }
    match doc.get(ROOT, "schema_version") {
        Ok(None) => Ok(0),
        Ok(Some((Value::Scalar(v), _))) => match v.as_ref() {
            ScalarValue::Uint(n) => Ok(*n),
            ScalarValue::Int(n) if *n >= 0 => Ok(n.unsigned_abs()),
            other => Err(MigrateError::NotACharter(format!(
                "its schema version is `{other}`"
            ))),
        },
        Ok(Some(_)) | Err(_) => Err(MigrateError::NotACharter(
            "its schema version is not a number".into(),
        )),
    }
}

/// Brings the document to [`CURRENT_SCHEMA_VERSION`] in one change, or does
/// nothing if it is already there.
pub fn migrate(doc: &mut Automerge, now: i64) -> Result<Option<ChangeHash>, MigrateError> {
    let from = schema_version(doc)?;
    if from > CURRENT_SCHEMA_VERSION {
        return Err(MigrateError::TooNew {
            found: from,
            supported: CURRENT_SCHEMA_VERSION,
        });
    }
    if from == CURRENT_SCHEMA_VERSION {
        return Ok(None);
    }
    let message = format!("Migrate charter schema from v{from} to v{CURRENT_SCHEMA_VERSION}");
    doc.transact_with(
        |()| {
            CommitOptions::default()
                .with_message(message)
                .with_time(now)
        },
        |tx| {
            for step in &STEPS[from as usize..] {
                step(tx)?;
            }
            tx.put(ROOT, "schema_version", CURRENT_SCHEMA_VERSION)
        },
    )
    .map(|s| s.hash)
    .map_err(|f| MigrateError::Failed(f.error.to_string()))
}

/// v0 → v1: charters written before versioning may lack whole sections;
/// add each missing one empty so every reader finds the full shape.
fn fill_missing_sections(tx: &mut Transaction<'_>) -> Result<(), automerge::AutomergeError> {
    const SECTIONS: &[(&str, &[&str], &[&str])] = &[
        (
            "meta",
            &[
                "title",
                "audience",
                "scope_in",
                "scope_out",
                "cadence",
                "tools",
                "norms",
                "decision_rule",
            ],
            &[],
        ),
        ("purpose", &["text"], &[]),
        ("vision", &["statement"], &["contributions"]),
        ("inquiry", &["topic"], &["notes"]),
        (
            "pitch",
            &[
                "text",
                "jobs",
                "pains",
                "gains",
                "pain_relievers",
                "gain_creators",
            ],
            &[],
        ),
        ("access", &[], &["devices", "invites", "revoked"]),
    ];
    for (section, texts, maps) in SECTIONS {
        let obj = match tx.get(ROOT, *section)? {
            Some((Value::Object(ObjType::Map), obj)) => obj,
            _ => tx.put_object(ROOT, *section, ObjType::Map)?,
        };
        for key in *texts {
            if tx.get(&obj, *key)?.is_none() {
                tx.put_object(&obj, *key, ObjType::Text)?;
            }
        }
        for key in *maps {
            if tx.get(&obj, *key)?.is_none() {
                tx.put_object(&obj, *key, ObjType::Map)?;
            }
        }
    }
    let meta = match tx.get(ROOT, "meta")? {
        Some((_, obj)) => obj,
        None => tx.put_object(ROOT, "meta", ObjType::Map)?,
    };
    if tx.get(&meta, "membership")?.is_none() {
        tx.put(&meta, "membership", "open")?;
    }
    if tx.get(&meta, "review_date")?.is_none() {
        tx.put(&meta, "review_date", "")?;
    }
    if let Some((_, purpose)) = tx.get(ROOT, "purpose")? {
        for key in ["set_by", "endorsed_by", "endorsed_at"] {
            if tx.get(&purpose, key)?.is_none() {
                tx.put(&purpose, key, ScalarValue::Null)?;
            }
        }
    }
    for collection in [
        "objectives",
        "cards",
        "stories",
        "units",
        "bridges",
        "members",
    ] {
        if tx.get(ROOT, collection)?.is_none() {
            tx.put_object(ROOT, collection, ObjType::Map)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charter::Charter;

    fn v0_document() -> Automerge {
        let mut doc = Automerge::new();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            let meta = tx.put_object(ROOT, "meta", ObjType::Map)?;
            let title = tx.put_object(&meta, "title", ObjType::Text)?;
            tx.splice_text(&title, 0, 0, "Old CoP")?;
            Ok(())
        })
        .unwrap();
        doc
    }

    #[test]
    fn a_v0_document_is_migrated_to_a_readable_charter() {
        let mut doc = v0_document();
        assert!(Charter::from_doc(&doc).is_err(), "v0 lacks sections");
        assert_eq!(schema_version(&doc), Ok(0));
        assert!(migrate(&mut doc, 1).unwrap().is_some());
        let charter = Charter::from_doc(&doc).unwrap();
        assert_eq!(charter.meta.title.as_str(), "Old CoP");
        assert_eq!(charter.schema_version, CURRENT_SCHEMA_VERSION);
        assert_eq!(migrate(&mut doc, 2), Ok(None), "second run changes nothing");
    }

    #[test]
    fn newer_and_foreign_documents_are_refused() {
        let mut doc = v0_document();
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put(ROOT, "schema_version", 99_u64)
        })
        .unwrap();
        assert_eq!(
            migrate(&mut doc, 1),
            Err(MigrateError::TooNew {
                found: 99,
                supported: CURRENT_SCHEMA_VERSION
            })
        );
        let mut foreign = Automerge::new();
        foreign
            .transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "todo", "milk"))
            .unwrap();
        assert!(matches!(
            migrate(&mut foreign, 1),
            Err(MigrateError::NotACharter(_))
        ));
    }
}
