//! Listening on the control socket: one request per connection, read
//! within limits, handed to the [`Runner`], answered.

#[cfg(unix)]
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use guild_sync::DataDir;

use super::Runner;

/// The listening socket; removed when stopped.
pub(crate) struct ControlServer {
    #[cfg(unix)]
    path: PathBuf,
    #[cfg(unix)]
    task: tokio::task::JoinHandle<()>,
}

impl ControlServer {
    /// Stops listening (requests being answered finish) and removes the socket.
    pub(crate) fn stop(self) {
        #[cfg(unix)]
        {
            self.task.abort();
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Serves requests on the data directory's socket, owner-only, until
/// stopped. Call it holding the directory's lock.
#[cfg(unix)]
pub(crate) fn listen(data_dir: &DataDir, runner: Arc<dyn Runner>) -> Result<ControlServer> {
    use std::os::unix::fs::PermissionsExt;

    use anyhow::Context as _;

    let path = data_dir.control_socket_path();
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
            let runner = Arc::clone(&runner);
            tokio::spawn(async move {
                if let Err(e) = answer(stream, &*runner).await {
                    tracing::warn!(error = %e, "control request failed");
                }
            });
        }
    });
    Ok(ControlServer { path, task })
}

/// The platforms without Unix sockets take no commands from other
/// processes; the client says so.
#[cfg(not(unix))]
pub(crate) fn listen(_data_dir: &DataDir, _runner: Arc<dyn Runner>) -> Result<ControlServer> {
    Ok(ControlServer {})
}

#[cfg(unix)]
async fn answer(stream: tokio::net::UnixStream, runner: &dyn Runner) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt as _;

    use super::protocol::{MAX_REQUEST, ProtocolError, Request, Response, read_line};

    /// A client that connects and says nothing must not hold a task forever.
    const READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

    let (read, mut write) = stream.into_split();
    let line = tokio::time::timeout(READ_TIMEOUT, read_line(read, MAX_REQUEST)).await;
    let response = match line {
        Err(_) => Response::failed("the control request did not arrive in time"),
        Ok(Err(e)) => Response::failed(format!("cannot read the control request: {e}")),
        Ok(Ok(None)) => Response::failed(ProtocolError::TooLarge.to_string()),
        Ok(Ok(Some(line))) => match Request::decode(&line) {
            Ok(request) => {
                tracing::info!("running a command for another guild process");
                tracing::debug!(args = ?request.args);
                runner.run(request).await
            }
            Err(e) => Response::failed(e.to_string()),
        },
    };
    write.write_all(&response.encode()).await?;
    write.shutdown().await
}
