//! Asking a running `guild serve` something over its control socket, the
//! way the `guild` command forwards to it, without starting a process per
//! question: a test that polls two dozen devices every few milliseconds
//! would otherwise spend the machine on starting `guild`.

use std::io::{BufRead as _, BufReader, Write as _};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use guild_sync::DataDir;

/// Runs `guild ARGS…` in the process serving `data`; its stdout, or its
/// error on one line.
pub fn ask(data: &Path, args: &[&str]) -> Result<String, String> {
    let socket = DataDir::resolve(Some(data.to_path_buf()))
        .map_err(|e| e.to_string())?
        .control_socket_path();
    // A `guild serve` says it is serving just before it opens its socket.
    let since = std::time::Instant::now();
    let mut stream = loop {
        match UnixStream::connect(&socket) {
            Ok(stream) => break stream,
            Err(_) if since.elapsed() < Duration::from_secs(10) => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => return Err(format!("no guild serving {}: {e}", data.display())),
        }
    };
    stream
        .set_read_timeout(Some(Duration::from_mins(1)))
        .map_err(|e| e.to_string())?;
    let request = serde_json::json!({
        "guild_control": 1,
        "args": args,
        "cwd": std::env::temp_dir(),
        "stdin": null,
    });
    let mut line = request.to_string();
    line.push('\n');
    stream
        .write_all(line.as_bytes())
        .map_err(|e| format!("cannot send: {e}"))?;
    let mut answer = String::new();
    BufReader::new(stream)
        .read_line(&mut answer)
        .map_err(|e| format!("no answer: {e}"))?;
    let answer: serde_json::Value =
        serde_json::from_str(&answer).map_err(|e| format!("a bad answer ({e}): {answer}"))?;
    match answer.get("error").and_then(serde_json::Value::as_str) {
        Some(error) => Err(format!("guild {}: {error}", args.join(" "))),
        None => Ok(answer
            .get("stdout")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned()),
    }
}
