//! [`TempCluster`]: a private, throwaway PostgreSQL server for tests and benchmarks.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::PgError;

/// A private PostgreSQL cluster in a temporary directory, on a free port of 127.0.0.1, with
/// one superuser `gridserve` who logs in without a password (trust, loopback only).
///
/// Made with the server's own tools (`initdb`, `pg_ctl`) from `GRIDSERVE_PG_BINDIR`, or the
/// directory `pg_config --bindir` names, or the newest `/usr/lib/postgresql/*/bin` (Debian's
/// `postgresql` package), or `PATH`. PostgreSQL refuses to run as root: when the process is
/// root, the tools run as the operating-system user `GRIDSERVE_PG_OS_USER` (default
/// `postgres`, which Debian's package creates) through `runuser`.
///
/// Dropping the value stops the server and removes the directory. A watchdog process does
/// the same when the process that started the cluster ends without dropping it (a value in
/// a `static`, a killed test run), so no server is left behind.
///
/// ```no_run
/// let cluster = gridserve_postgres::TempCluster::start()?;
/// let store = gridserve_postgres::PostgresStore::connect(&cluster.url("postgres"))?;
/// # Ok::<(), gridserve_postgres::PgError>(())
/// ```
#[derive(Debug)]
pub struct TempCluster {
    dir: PathBuf,
    port: u16,
    ctl: Vec<String>,
    watchdog: Option<Child>,
}

fn cluster_err(step: &str, detail: impl Into<String>) -> PgError {
    PgError::Cluster {
        step: step.into(),
        detail: detail.into(),
    }
}

/// The last `n` lines of a tool's output, for an error message.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}

/// Where `initdb` and `pg_ctl` are.
fn bindir() -> Result<PathBuf, PgError> {
    if let Some(dir) = std::env::var_os("GRIDSERVE_PG_BINDIR") {
        return Ok(PathBuf::from(dir));
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return Ok(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("initdb").exists() && dir.join("pg_ctl").exists() {
                return Ok(dir);
            }
        }
    }
    Err(cluster_err(
        "finding initdb and pg_ctl",
        "not found in GRIDSERVE_PG_BINDIR, pg_config --bindir, /usr/lib/postgresql/*/bin or PATH; install Debian's package (apt-get install -y postgresql) or set GRIDSERVE_PG_URL to a server",
    ))
}

/// A port on 127.0.0.1 that was free a moment ago.
fn free_port() -> Result<u16, PgError> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| cluster_err("finding a free port", e.to_string()))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| cluster_err("finding a free port", e.to_string()))
}

fn run(step: &str, cmd: &[String]) -> Result<(), PgError> {
    let (program, args) = cmd
        .split_first()
        .ok_or_else(|| cluster_err(step, "empty command"))?;
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| cluster_err(step, format!("{program}: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Err(cluster_err(
            step,
            format!("{} ({})", tail(&text, 4), out.status),
        ))
    }
}

impl TempCluster {
    /// Creates and starts a cluster; see the type's docs.
    ///
    /// # Errors
    /// [`PgError::Cluster`] naming the step that failed, with the end of the tool's output.
    pub fn start() -> Result<Self, PgError> {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let bin = bindir()?;
        let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
        let os_user = std::env::var("GRIDSERVE_PG_OS_USER").unwrap_or_else(|_| "postgres".into());
        let as_user = |tool: &str| -> Vec<String> {
            let tool = bin.join(tool).display().to_string();
            if root {
                vec![
                    "runuser".into(),
                    "-u".into(),
                    os_user.clone(),
                    "--".into(),
                    tool,
                ]
            } else {
                vec![tool]
            }
        };
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "gridserve-pg-{}-{nanos}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&dir).map_err(|e| {
            cluster_err("creating the directory", format!("{}: {e}", dir.display()))
        })?;
        let mut cluster = Self {
            dir: dir.clone(),
            port: 0,
            ctl: as_user("pg_ctl"),
            watchdog: None,
        };
        if root {
            run(
                "handing the directory to the server's user",
                &["chown".into(), os_user.clone(), dir.display().to_string()],
            )?;
        }
        let data = dir.join("data").display().to_string();
        let mut initdb = as_user("initdb");
        initdb.extend(
            [
                "-D",
                &data,
                "-U",
                "gridserve",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
                "-N",
            ]
            .map(String::from),
        );
        run("initdb", &initdb)?;
        cluster.watchdog = cluster.spawn_watchdog().ok();
        let log = dir.join("server.log").display().to_string();
        let mut last = None;
        for _ in 0..3 {
            let port = free_port()?;
            let mut start = cluster.ctl.clone();
            start.extend([
                "-D".to_string(),
                data.clone(),
                "-l".into(),
                log.clone(),
                "-w".into(),
                "-t".into(),
                "60".into(),
                "-o".into(),
                format!(
                    "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=100",
                    dir.display()
                ),
                "start".into(),
            ]);
            match run("pg_ctl start", &start) {
                Ok(()) => {
                    cluster.port = port;
                    return Ok(cluster);
                }
                Err(e) => {
                    let log_text = std::fs::read_to_string(&log).unwrap_or_default();
                    last = Some(match e {
                        PgError::Cluster { step, detail } => PgError::Cluster {
                            step,
                            detail: format!("{detail}; server log: {}", tail(&log_text, 3)),
                        },
                        other => other,
                    });
                }
            }
        }
        Err(last.unwrap_or_else(|| cluster_err("pg_ctl start", "no attempt made")))
    }

    /// A process that stops the server and removes the directory once this process is gone.
    fn spawn_watchdog(&self) -> std::io::Result<Child> {
        let script = r#"p=$1; d=$2; shift 2
while kill -0 "$p" 2>/dev/null; do sleep 1; done
"$@" -D "$d/data" -m fast -w stop >/dev/null 2>&1
rm -rf "$d""#;
        Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg("sh")
            .arg(std::process::id().to_string())
            .arg(&self.dir)
            .args(&self.ctl)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
    }

    /// The port the server listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The cluster's directory (data, log and socket).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A connection URL for `database` as the superuser `gridserve`.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://gridserve@127.0.0.1:{}/{database}", self.port)
    }
}

impl Drop for TempCluster {
    fn drop(&mut self) {
        let mut stop = self.ctl.clone();
        stop.extend([
            "-D".to_string(),
            self.dir.join("data").display().to_string(),
            "-m".into(),
            "fast".into(),
            "-w".into(),
            "stop".into(),
        ]);
        let _ = run("pg_ctl stop", &stop);
        if let Some(mut w) = self.watchdog.take() {
            let _ = w.kill();
            let _ = w.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
