//! The control socket: while one process holds a data directory (`guild
//! serve`, later the window), other `guild` commands on that directory are
//! sent to it over a Unix socket (`DIR/guild.sock`, owner-only) and run
//! there, so people can edit and invite while the peer runs.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use guild_sync::DataDir;
use guild_sync::net::node::Node;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncReadExt as _, AsyncWriteExt, BufReader};

use super::output::Out;
use super::{Command, Host, dispatch};

const SOCKET: &str = "guild.sock";
/// Requests are small (a command and its texts); refuse anything huge.
const MAX_REQUEST: u64 = 16 * 1024 * 1024;

#[derive(Serialize, Deserialize)]
struct Request {
    command: Command,
}

#[derive(Serialize, Deserialize)]
struct Response {
    out: Out,
    error: Option<String>,
}

/// The listening socket; removed when stopped.
pub(crate) struct ControlServer {
    path: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl ControlServer {
    pub(crate) fn stop(self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Serves commands for `node` on the data dir's socket.
#[cfg(unix)]
pub(super) fn listen(node: Arc<Node>, data_dir: &DataDir) -> Result<ControlServer> {
    use std::os::unix::fs::PermissionsExt;
    let path = data_dir.root().join(SOCKET);
    // We hold the data dir's lock, so a socket file here is a dead process's.
    let _ = std::fs::remove_file(&path);
    let listener = tokio::net::UnixListener::bind(&path)
        .with_context(|| format!("cannot listen on {}", path.display()))?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("cannot restrict {}", path.display()))?;
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let node = Arc::clone(&node);
            tokio::spawn(async move {
                if let Err(e) = answer(stream, &node).await {
                    tracing::warn!(error = %e, "control request failed");
                }
            });
        }
    });
    Ok(ControlServer { path, task })
}

#[cfg(unix)]
async fn answer(stream: tokio::net::UnixStream, node: &Node) -> Result<()> {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    BufReader::new(read.take(MAX_REQUEST))
        .read_line(&mut line)
        .await?;
    let request: Request = serde_json::from_str(&line).context("a malformed control request")?;
    tracing::info!("running a command for another guild process");
    tracing::debug!(command = ?request.command);
    let mut out = Out::default();
    let error = dispatch(&Host::Node(node), request.command, &mut out)
        .await
        .err()
        .map(|e| crate::one_line(&e));
    let mut reply = serde_json::to_vec(&Response { out, error })?;
    reply.push(b'\n');
    write.write_all(&reply).await?;
    write.shutdown().await?;
    Ok(())
}

/// Runs `command` in the process that holds `data_dir`.
#[cfg(unix)]
pub(super) async fn send(data_dir: &DataDir, command: &Command) -> Result<()> {
    let path = data_dir.root().join(SOCKET);
    let stream = tokio::net::UnixStream::connect(&path)
        .await
        .map_err(|_| anyhow!("it does not accept commands (no {})", path.display()))?;
    let (read, mut write) = stream.into_split();
    let mut request = serde_json::to_vec(&serde_json::json!({ "command": command }))?;
    request.push(b'\n');
    write.write_all(&request).await?;
    let mut line = String::new();
    BufReader::new(read)
        .read_line(&mut line)
        .await
        .context("the serving process did not answer")?;
    let response: Response =
        serde_json::from_str(&line).context("the serving process answered nonsense")?;
    response.out.emit();
    match response.error {
        Some(error) => Err(anyhow!(error)),
        None => Ok(()),
    }
}

#[cfg(not(unix))]
pub(super) fn listen(_node: Arc<Node>, _data_dir: &DataDir) -> Result<ControlServer> {
    Ok(ControlServer {
        path: PathBuf::new(),
        task: tokio::spawn(async {}),
    })
}

#[cfg(not(unix))]
pub(super) async fn send(_data_dir: &DataDir, _command: &Command) -> Result<()> {
    Err(anyhow!(
        "commands cannot be sent to a running Guild on this platform yet"
    ))
}
