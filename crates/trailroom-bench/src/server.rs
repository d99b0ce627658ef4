//! A trailroom server process started by the bench (only ever on 127.0.0.1): start it on a free
//! port with an optional config file, time how long until it answers its first signed request,
//! read its resident memory from `/proc`, and stop it (SIGTERM, then SIGKILL after 10 s).
//!
//! Knows nothing about workloads; it only asks STS who it is to see the server answer.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde::{Deserialize, Serialize};

use crate::client::{Auth, Call, Connection};

/// How to start a server.
#[derive(Debug, Clone)]
pub struct SpawnOptions {
    /// The `trailroom` binary.
    pub bin: PathBuf,
    /// Its data directory (created if missing).
    pub data_dir: PathBuf,
    /// TOML written to `<data_dir>/bench-config.toml` and passed with `--config`.
    pub config_toml: Option<String>,
}

/// A running server; stopped when dropped.
pub struct ServerProcess {
    child: Child,
    /// `127.0.0.1:<port>`.
    pub host: String,
    /// Time from spawning the process to its first successful signed answer.
    pub startup: Duration,
}

/// Start-up and memory figures of one start.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StartupReport {
    /// Data directory the server opened.
    pub data_dir: String,
    /// Milliseconds from spawn to the first successful signed request.
    pub startup_ms: f64,
    /// Resident memory after idling, in KiB.
    pub idle_rss_kib: u64,
}

/// Longest wait for a server to answer.
const READY_TIMEOUT: Duration = Duration::from_secs(60);

impl ServerProcess {
    /// Starts the server on a free loopback port and waits until it answers `auth`'s signed
    /// `GetCallerIdentity`.
    pub async fn start(opts: &SpawnOptions, auth: &Auth) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&opts.data_dir)
            .with_context(|| format!("cannot create {}", opts.data_dir.display()))?;
        let host = format!("127.0.0.1:{}", free_port()?);
        let mut command = Command::new(&opts.bin);
        command
            .args(["serve", "--listen", &host, "--data-dir"])
            .arg(&opts.data_dir);
        if let Some(toml) = &opts.config_toml {
            let path = opts.data_dir.join("bench-config.toml");
            std::fs::write(&path, toml)
                .with_context(|| format!("cannot write {}", path.display()))?;
            command.arg("--config").arg(path);
        }
        let log = File::create(opts.data_dir.join("bench-server.log"))?;
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(log));
        let started = Instant::now();
        let child = command
            .spawn()
            .with_context(|| format!("cannot start {}", opts.bin.display()))?;
        let mut server = Self {
            child,
            host,
            startup: Duration::ZERO,
        };
        server.startup = server.wait_ready(auth, started).await?;
        Ok(server)
    }

    /// Polls every millisecond until a signed call succeeds; returns the time since `started`.
    async fn wait_ready(&mut self, auth: &Auth, started: Instant) -> anyhow::Result<Duration> {
        let call = Call::query(
            "sts",
            &[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
        );
        while started.elapsed() < READY_TIMEOUT {
            if let Some(status) = self.child.try_wait()? {
                bail!("the server exited during start-up ({status}); see bench-server.log");
            }
            let mut conn = Connection::new(&self.host, auth.clone())?;
            if let Ok(answer) = conn.send(&call).await
                && answer.status == 200
            {
                return Ok(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        bail!("the server did not answer within {READY_TIMEOUT:?}")
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Resident memory now, in KiB (`VmRSS`).
    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        proc_status_kib(self.pid(), "VmRSS")
    }

    /// Peak resident memory so far, in KiB (`VmHWM`).
    pub fn peak_rss_kib(&self) -> anyhow::Result<u64> {
        proc_status_kib(self.pid(), "VmHWM")
    }

    /// Stops the server gracefully, waiting up to 10 s before killing it.
    pub fn stop(mut self) -> anyhow::Result<()> {
        self.terminate()
    }

    fn terminate(&mut self) -> anyhow::Result<()> {
        if self.child.try_wait()?.is_some() {
            return Ok(());
        }
        // SIGTERM to our own child only, by its pid.
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.terminate();
    }
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// A `kB` field of `/proc/<pid>/status`.
/// CPU time (user and system, all threads) process `pid` has used so far, from
/// `/proc/<pid>/stat`, whose clock ticks are 1/100 s on Linux (`USER_HZ`).
pub fn process_cpu(pid: u32) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let ticks = parse_stat_cpu_ticks(&stat).with_context(|| format!("no CPU times for {pid}"))?;
    Ok(Duration::from_millis(ticks * 10))
}

/// utime + stime: fields 14 and 15, counted after the command name, which may hold spaces.
fn parse_stat_cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

fn proc_status_kib(pid: u32, field: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    parse_status_kib(&status, field).with_context(|| format!("no {field} for process {pid}"))
}

fn parse_status_kib(status: &str, field: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// Starts the server on `data_dir`, waits `idle` after it answers, reads its RSS, stops it.
pub async fn measure_startup(
    bin: &Path,
    data_dir: &Path,
    auth: &Auth,
    idle: Duration,
) -> anyhow::Result<StartupReport> {
    let opts = SpawnOptions {
        bin: bin.to_owned(),
        data_dir: data_dir.to_owned(),
        config_toml: None,
    };
    let server = ServerProcess::start(&opts, auth).await?;
    tokio::time::sleep(idle).await;
    let report = StartupReport {
        data_dir: data_dir.display().to_string(),
        startup_ms: server.startup.as_secs_f64() * 1000.0,
        idle_rss_kib: server.rss_kib()?,
    };
    server.stop()?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields_parse() {
        let status = "Name:\ttrailroom\nVmHWM:\t   20480 kB\nVmRSS:\t   12345 kB\n";
        assert_eq!(parse_status_kib(status, "VmRSS"), Some(12345));
        assert_eq!(parse_status_kib(status, "VmHWM"), Some(20480));
        assert_eq!(parse_status_kib(status, "VmSwap"), None);
    }

    #[test]
    fn cpu_ticks_are_read_after_a_name_with_spaces() {
        let stat = "42 (tokio rt) S 1 42 42 0 -1 4194560 100 0 0 0 250 37 0 0 20 0 9 0 5";
        assert_eq!(parse_stat_cpu_ticks(stat), Some(287));
        assert_eq!(parse_stat_cpu_ticks("42 (x) S 1"), None);
    }

    #[test]
    fn our_own_cpu_time_is_readable() {
        let first = process_cpu(std::process::id()).unwrap();
        assert!(process_cpu(std::process::id()).unwrap() >= first);
    }

    #[test]
    fn our_own_rss_is_readable() {
        assert!(proc_status_kib(std::process::id(), "VmRSS").unwrap() > 0);
    }
}
