//! Processes for tests that drive real binaries (`guild`, `tcpdump`): run
//! one to completion with a time limit, or keep one running as a
//! [`Daemon`] whose output lines are collected and which is stopped with
//! SIGINT (then SIGKILL) when dropped.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

/// `command` (a `guild`, perhaps run through `ip netns exec`) on the data
/// directory `data` with `args`, free of this environment's data directory
/// and log level, so the test's own choices hold.
pub fn on_data_dir(mut command: Command, data: &Path, args: &[&str]) -> Command {
    command
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("GUILD_DATA_DIR")
        .env_remove("RUST_LOG");
    command
}

/// What a finished command printed.
#[derive(Debug)]
pub struct Ran {
    /// Its exit status.
    pub status: ExitStatus,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
}

impl Ran {
    /// Its stdout, or a panic saying `what` failed and what it printed.
    pub fn ok(self, what: &str) -> String {
        assert!(
            self.status.success(),
            "{what} failed ({}):\nstdout: {}\nstderr: {}",
            self.status,
            self.stdout,
            self.stderr
        );
        self.stdout
    }
}

/// Runs `command` to completion; kills it (an error) after `timeout`.
pub fn run(mut command: Command, timeout: Duration) -> Result<Ran, String> {
    let what = format!("{command:?}");
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {what}: {e}"))?;
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "{what} did not finish within {} s\nstdout: {}\nstderr: {}",
                timeout.as_secs(),
                stdout.join().unwrap_or_default(),
                stderr.join().unwrap_or_default()
            ));
        }
        thread::sleep(Duration::from_millis(20));
    };
    Ok(Ran {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

fn drain(pipe: Option<impl std::io::Read + Send + 'static>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut text = String::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_string(&mut text);
        }
        text
    })
}

/// A long-running process; its stdout and stderr lines are collected as
/// they come. Stopped with SIGINT, then SIGKILL, when dropped.
#[derive(Debug)]
pub struct Daemon {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    /// The threads reading its stdout and stderr: done once both pipes
    /// close, that is once it has exited and everything it printed is in.
    readers: Vec<thread::JoinHandle<()>>,
    what: String,
}

impl Daemon {
    /// Starts `command`.
    pub fn start(mut command: Command) -> Result<Self, String> {
        let what = format!("{command:?}");
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {what}: {e}"))?;
        let lines = Arc::new(Mutex::new(Vec::new()));
        let mut readers = Vec::new();
        for pipe in [
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let lines = Arc::clone(&lines);
            readers.push(thread::spawn(move || {
                for line in BufReader::new(pipe).lines() {
                    let Ok(line) = line else { break };
                    lines
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(line);
                }
            }));
        }
        Ok(Self {
            child,
            lines,
            readers,
            what,
        })
    }

    /// Everything it printed so far, one line each.
    pub fn log(&self) -> String {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .join("\n")
    }

    /// Waits for a line starting with `prefix` and returns the rest of it.
    pub fn wait_for(&mut self, prefix: &str, timeout: Duration) -> Result<String, String> {
        let deadline = Instant::now() + timeout;
        let printed = |lines: &Mutex<Vec<String>>| {
            lines
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
                .find_map(|l| l.strip_prefix(prefix).map(|rest| rest.trim().to_owned()))
        };
        loop {
            if let Some(rest) = printed(&self.lines) {
                return Ok(rest);
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // Its last lines may still be on their way from the pipe.
                self.drain();
                if let Some(rest) = printed(&self.lines) {
                    return Ok(rest);
                }
                return Err(format!(
                    "{} exited ({status}) before printing `{prefix}`:\n{}",
                    self.what,
                    self.log()
                ));
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "{} printed no `{prefix}` within {} s:\n{}",
                    self.what,
                    timeout.as_secs(),
                    self.log()
                ));
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops it with SIGINT (SIGKILL after 10 s); its exit status, if it
    /// exited by itself. Everything it printed is in [`Self::log`] after.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        let status = self.interrupt();
        self.drain();
        status
    }

    /// Waits (a few seconds at most) until its last lines are read: the
    /// pipes close when it exits, but the reading threads lag behind.
    fn drain(&self) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.readers.iter().any(|r| !r.is_finished()) && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
    }

    fn interrupt(&mut self) -> Option<ExitStatus> {
        if let Ok(Some(status)) = self.child.try_wait() {
            return Some(status);
        }
        // The shell's own `kill`: no dependency on a kill binary.
        let _ = Command::new("sh")
            .args(["-c", &format!("kill -INT {}", self.child.id())])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        None
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.stop();
    }
}
