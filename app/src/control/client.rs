//! Sending a command to the process that holds the data directory, and
//! printing nothing: the caller emits the [`Response`].

use anyhow::Result;
use guild_sync::DataDir;

use super::protocol::{Request, Response};

/// Sends `request` to the process holding `data_dir` and waits for its answer.
#[cfg(unix)]
pub(crate) async fn send(data_dir: &DataDir, request: &Request) -> Result<Response> {
    use anyhow::{Context as _, anyhow};
    use tokio::io::AsyncWriteExt as _;

    use super::protocol::MAX_RESPONSE;

    let path = data_dir.control_socket_path();
    let stream = tokio::net::UnixStream::connect(&path)
        .await
        .map_err(|_| anyhow!("it does not accept commands (no {})", path.display()))?;
    let (read, mut write) = stream.into_split();
    write
        .write_all(&request.encode())
        .await
        .context("cannot send the command")?;
    let line = super::protocol::read_line(read, MAX_RESPONSE)
        .await
        .context("the serving process did not answer")?
        .ok_or_else(|| anyhow!("the serving process answered more than it may"))?;
    Response::decode(&line).context("the serving process answered nonsense")
}

#[cfg(not(unix))]
pub(crate) async fn send(_data_dir: &DataDir, _request: &Request) -> Result<Response> {
    Err(anyhow::anyhow!(
        "commands cannot be sent to a running Guild on this platform yet"
    ))
}
