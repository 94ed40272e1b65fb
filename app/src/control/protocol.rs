//! The control socket's wire format: one JSON line each way.
//!
//! A request carries the command line's own words, not a parsed command:
//! the serving process parses them again with the same clap definitions,
//! so the wire never depends on the shape of a Rust enum, and a client of
//! another version gets clap's own complaint instead of a serde error.
//! Only what the serving process cannot see travels beside the words: the
//! caller's directory (for relative paths) and its standard input (`-`).
//!
//! ```text
//! → {"guild_control":1,"args":["set","2B","title","Data CoP"],"cwd":"/home/ana","stdin":null}
//! ← {"stdout":"","stderr":"","error":null}
//! ```

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The protocol's version; a request of another is refused, clearly.
pub(crate) const VERSION: u32 = 1;

/// Requests are small (a command and its texts): anything bigger is refused.
pub(crate) const MAX_REQUEST: usize = 16 * 1024 * 1024;

/// Answers can be big (`guild show` of a long charter), but not unbounded.
pub(crate) const MAX_RESPONSE: usize = 256 * 1024 * 1024;

/// A command for the process that holds the data directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Request {
    /// Always [`VERSION`]; named so that a stray JSON line is not a request.
    pub(crate) guild_control: u32,
    /// The command line's words after the program name.
    pub(crate) args: Vec<String>,
    /// The caller's working directory, absolute.
    pub(crate) cwd: PathBuf,
    /// The caller's standard input, when the command reads it (`set … -`).
    pub(crate) stdin: Option<String>,
}

/// What the command printed, and its error if it failed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Response {
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    /// The error on one line; `None` when the command succeeded.
    pub(crate) error: Option<String>,
}

/// Why a request was refused before it ran.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum ProtocolError {
    /// Over [`MAX_REQUEST`] bytes.
    #[error("the request is over {} MiB", MAX_REQUEST / 1024 / 1024)]
    TooLarge,
    /// Not a JSON request of this shape.
    #[error("a malformed control request: {0}")]
    Malformed(String),
    /// Another protocol version.
    #[error("control protocol version {0} is not spoken here (this Guild speaks {VERSION})")]
    Version(u32),
    /// A working directory that cannot be the caller's.
    #[error("the request's working directory is not absolute")]
    RelativeCwd,
}

impl Request {
    /// A request for `args` run from `cwd`.
    pub(crate) fn new(args: Vec<String>, cwd: PathBuf, stdin: Option<String>) -> Self {
        Self {
            guild_control: VERSION,
            args,
            cwd,
            stdin,
        }
    }

    /// The request as one line.
    pub(crate) fn encode(&self) -> Vec<u8> {
        line(self)
    }

    /// Reads a request line (its newline optional); refuses what is too
    /// big, not JSON, of another version, or without an absolute `cwd`.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, ProtocolError> {
        /// The version alone, read first, so that a newer client hears why
        /// whatever else its request holds.
        #[derive(Deserialize)]
        struct Versioned {
            guild_control: u32,
        }
        if bytes.len() > MAX_REQUEST {
            return Err(ProtocolError::TooLarge);
        }
        let versioned: Versioned =
            serde_json::from_slice(bytes).map_err(|e| ProtocolError::Malformed(e.to_string()))?;
        if versioned.guild_control != VERSION {
            return Err(ProtocolError::Version(versioned.guild_control));
        }
        let request: Request =
            serde_json::from_slice(bytes).map_err(|e| ProtocolError::Malformed(e.to_string()))?;
        if !request.cwd.is_absolute() {
            return Err(ProtocolError::RelativeCwd);
        }
        Ok(request)
    }
}

impl Response {
    /// A request that failed before or while running.
    pub(crate) fn failed(error: impl Into<String>) -> Self {
        Self {
            error: Some(error.into()),
            ..Self::default()
        }
    }

    /// The response as one line.
    pub(crate) fn encode(&self) -> Vec<u8> {
        line(self)
    }

    /// Reads a response line.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, ProtocolError> {
        serde_json::from_slice(bytes).map_err(|e| ProtocolError::Malformed(e.to_string()))
    }
}

fn line(value: &impl Serialize) -> Vec<u8> {
    // Strings and numbers only: serialising cannot fail.
    let mut bytes = serde_json::to_vec(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// One line of at most `limit` bytes (`None` when longer), without reading
/// more than one byte past the limit.
pub(crate) async fn read_line(
    read: impl tokio::io::AsyncRead + Unpin,
    limit: usize,
) -> std::io::Result<Option<Vec<u8>>> {
    use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _};

    let mut line = Vec::new();
    tokio::io::BufReader::new(read.take(limit as u64 + 1))
        .read_until(b'\n', &mut line)
        .await?;
    if line.last() == Some(&b'\n') {
        line.pop();
    }
    Ok((line.len() <= limit).then_some(line))
}

#[cfg(test)]
mod tests {
    use super::{MAX_REQUEST, ProtocolError, Request, Response, VERSION};

    fn request() -> Request {
        Request::new(
            vec!["set".into(), "2B".into(), "title".into(), "-".into()],
            "/home/ana".into(),
            Some("Data CoP\n".into()),
        )
    }

    #[test]
    fn a_request_and_a_response_survive_the_wire() {
        let sent = request();
        assert_eq!(Request::decode(&sent.encode()), Ok(sent));
        let answer = Response {
            stdout: "2B…\n".into(),
            stderr: String::new(),
            error: Some("no charter matches `x`".into()),
        };
        assert_eq!(Response::decode(&answer.encode()), Ok(answer));
    }

    #[test]
    fn bad_requests_are_refused_with_a_reason_not_a_panic() {
        let malformed =
            |bytes: &[u8]| matches!(Request::decode(bytes), Err(ProtocolError::Malformed(_)));
        assert!(malformed(b""));
        assert!(malformed(b"\xff\xfe not utf-8"));
        assert!(
            malformed(b"{\"command\":{\"Set\":{}}}\n"),
            "the old wire format"
        );
        assert!(malformed(b"[1,2,3]"));
        assert!(malformed(b"{\"guild_control\":1,\"args\":\"set\"}"));
        assert!(
            malformed(b"{\"guild_control\":1,\"args\":[\"list\"]"),
            "cut short"
        );
        let newer = br#"{"guild_control":2,"words":[]}"#;
        assert_eq!(Request::decode(newer), Err(ProtocolError::Version(2)));
        assert!(
            Request::decode(newer)
                .unwrap_err()
                .to_string()
                .contains(&format!("speaks {VERSION}"))
        );
        let mut relative = request();
        relative.cwd = "home/ana".into();
        assert_eq!(
            Request::decode(&relative.encode()),
            Err(ProtocolError::RelativeCwd)
        );
        let huge = vec![b' '; MAX_REQUEST + 1];
        assert_eq!(Request::decode(&huge), Err(ProtocolError::TooLarge));
    }

    #[tokio::test]
    async fn a_line_over_the_limit_is_refused_and_one_within_is_read() {
        let read = |bytes: &'static [u8], limit| super::read_line(bytes, limit);
        assert_eq!(read(b"abc\nrest", 3).await.unwrap(), Some(b"abc".to_vec()));
        assert_eq!(read(b"abcd\n", 3).await.unwrap(), None);
        assert_eq!(read(b"abcd", 3).await.unwrap(), None);
        assert_eq!(read(b"ab", 3).await.unwrap(), Some(b"ab".to_vec()));
    }
}
