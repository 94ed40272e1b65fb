//! What a command prints, collected so that the same command can run here
//! or inside the process that holds the data directory (see `control`).

use serde::{Deserialize, Serialize};

/// A command's standard output and error, in order within each.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub(crate) struct Out {
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Out {
    /// Writes both to this process's streams.
    pub(crate) fn emit(&self) {
        use std::io::Write as _;
        let _ = std::io::stdout().write_all(self.stdout.as_bytes());
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().write_all(self.stderr.as_bytes());
    }
}
