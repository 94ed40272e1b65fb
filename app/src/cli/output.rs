//! What a command prints, collected so that the same command can run here
//! or inside the process that holds the data directory (see
//! [`crate::control`]), and the changes it made, for the window's undo.

use automerge::ChangeHash;

/// A command's standard output and error, in order within each.
#[derive(Debug, Default, Clone)]
pub(crate) struct Out {
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    /// The changes the command made as this session, by charter: a window
    /// that ran the command for another process can undo them.
    pub(crate) changes: Vec<(String, ChangeHash)>,
}

impl Out {
    /// Writes both to this process's streams.
    pub(crate) fn emit(&self) {
        use std::io::Write as _;
        let _ = std::io::stdout().write_all(self.stdout.as_bytes());
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().write_all(self.stderr.as_bytes());
    }

    /// Notes a change the command made to the charter `doc`, if it made one.
    pub(crate) fn made(&mut self, doc: &str, change: Option<ChangeHash>) {
        if let Some(change) = change {
            self.changes.push((doc.to_owned(), change));
        }
    }
}
