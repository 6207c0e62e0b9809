//! A real S3-compatible server for the tests: s3s-fs (installed by
//! .ci/setup.d/60-s3-server.sh) on a free loopback port with a temporary data directory,
//! stopped when the guard is dropped; or, when TOLLGATE_TEST_S3_ENDPOINT is set, a server the
//! caller runs (MinIO, AWS) with the bucket TOLLGATE_TEST_S3_BUCKET and the AWS_* variables
//! of the environment. Every guard gets its own key prefix, so runs never see each other.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

pub const BINARY: &str = "s3s-fs";
pub const BUCKET: &str = "ledgers";
const ACCESS_KEY: &str = "tollgate-test-access";
const SECRET_KEY: &str = "tollgate-test-secret-0123456789";

pub struct S3Server {
    backend: Backend,
    run: String,
}

enum Backend {
    Local {
        child: Child,
        port: u16,
        // Removed after the child is killed (Drop kills it first).
        data: TempDir,
    },
    External {
        endpoint: String,
        bucket: String,
    },
}

impl S3Server {
    /// Start a server, or `None` when it is not installed and TOLLGATE_SKIP_S3=1 says that is
    /// fine. Without that variable a missing server fails the test: CI must have it.
    pub fn start() -> Option<S3Server> {
        let run = format!(
            "run-{}-{}",
            std::process::id(),
            RUN.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        if let Ok(endpoint) = std::env::var("TOLLGATE_TEST_S3_ENDPOINT") {
            let bucket = std::env::var("TOLLGATE_TEST_S3_BUCKET")
                .expect("TOLLGATE_TEST_S3_ENDPOINT needs TOLLGATE_TEST_S3_BUCKET too");
            let backend = Backend::External { endpoint, bucket };
            return Some(S3Server { backend, run });
        }
        S3Server::start_s3s_fs(run, true)
    }

    /// s3s-fs itself, accepting unsigned requests, even when TOLLGATE_TEST_S3_ENDPOINT names
    /// another server: for tests about s3s-fs's own behaviour, spoken to in raw HTTP.
    pub fn start_s3s_fs_anonymous() -> Option<S3Server> {
        let run = format!("anonymous-{}", std::process::id());
        S3Server::start_s3s_fs(run, false)
    }

    fn start_s3s_fs(run: String, auth: bool) -> Option<S3Server> {
        let Some(binary) = find_binary() else {
            if std::env::var("TOLLGATE_SKIP_S3").as_deref() == Ok("1") {
                eprintln!("skipped: {BINARY} is not installed and TOLLGATE_SKIP_S3=1");
                return None;
            }
            panic!(
                "{BINARY} is not installed: run `bash .ci/setup.d/60-s3-server.sh` (or set \
                 TOLLGATE_SKIP_S3=1 to skip the S3 tests on this machine)"
            );
        };
        // Another process may take the port between our probe and the server's bind; a
        // server that exits at once is retried on a fresh port.
        let mut last = String::new();
        for _ in 0..3 {
            match S3Server::try_start(&binary, auth) {
                Ok(backend) => return Some(S3Server { backend, run }),
                Err(e) => last = e,
            }
        }
        panic!("{BINARY} did not start: {last}");
    }

    fn try_start(binary: &PathBuf, auth: bool) -> Result<Backend, String> {
        let data = tempfile::tempdir().map_err(|e| e.to_string())?;
        // s3s-fs maps buckets to directories under its root.
        std::fs::create_dir(data.path().join(BUCKET)).map_err(|e| e.to_string())?;
        let port = free_port();
        let mut command = Command::new(binary);
        command.args(["--host", "127.0.0.1", "--port", &port.to_string()]);
        if auth {
            command.args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY]);
        }
        let child = command
            .arg(data.path())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", binary.display()))?;
        let mut backend = Backend::Local { child, port, data };
        wait_ready(&mut backend)?;
        Ok(backend)
    }

    pub fn endpoint(&self) -> String {
        match &self.backend {
            Backend::Local { port, .. } => format!("http://127.0.0.1:{port}"),
            Backend::External { endpoint, .. } => endpoint.clone(),
        }
    }

    /// Whether this is s3s-fs started by the harness (not a server the caller runs).
    pub fn is_local(&self) -> bool {
        matches!(self.backend, Backend::Local { .. })
    }

    /// The loopback port of a local server.
    pub fn port(&self) -> Option<u16> {
        match &self.backend {
            Backend::Local { port, .. } => Some(*port),
            Backend::External { .. } => None,
        }
    }

    fn bucket(&self) -> &str {
        match &self.backend {
            Backend::Local { .. } => BUCKET,
            Backend::External { bucket, .. } => bucket,
        }
    }

    /// `s3://BUCKET/RUN/PREFIX`: a prefix of this guard's own.
    pub fn url(&self, prefix: &str) -> String {
        format!("s3://{}/{}/{prefix}", self.bucket(), self.run)
    }

    /// The variables a client (this process's S3Store or a child tollgate) needs.
    pub fn env(&self) -> Vec<(String, String)> {
        if let Backend::External { endpoint, .. } = &self.backend {
            let mut env: Vec<(String, String)> = std::env::vars()
                .filter(|(k, _)| k.starts_with("AWS_") && k != "AWS_ENDPOINT_URL")
                .collect();
            env.push(("AWS_ENDPOINT_URL".to_string(), endpoint.clone()));
            return env;
        }
        [
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_string()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_string()),
            ("AWS_REGION", "us-east-1".to_string()),
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_ALLOW_HTTP", "true".to_string()),
            // s3s-fs does not apply conditional writes atomically, so format-2 appends refuse
            // it (`audit check-store`): its ledgers are format 1, the chain.
            ("TOLLGATE_LEDGER_FORMAT", "v1".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// A local server's data directory (buckets are directories in it).
    pub fn data_dir(&self) -> Option<&std::path::Path> {
        match &self.backend {
            Backend::Local { data, .. } => Some(data.path()),
            Backend::External { .. } => None,
        }
    }

    /// Where a local server keeps the store at `prefix`, to look behind the API.
    pub fn store_dir(&self, prefix: &str) -> Option<PathBuf> {
        match &self.backend {
            Backend::Local { data, .. } => {
                Some(data.path().join(BUCKET).join(&self.run).join(prefix))
            }
            Backend::External { .. } => None,
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        if let Backend::Local { child, .. } = &mut self.backend {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

static RUN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn wait_ready(backend: &mut Backend) -> Result<(), String> {
    let Backend::Local { child, port, .. } = backend else {
        return Ok(());
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, *port));
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("exited with {status} on port {port}"));
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!("not listening on port {port} after 15 s"))
}

fn find_binary() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .map(|dir| dir.join(BINARY));
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|home| home.join("bin").join(BINARY));
    on_path.chain(cargo_home).find(|p| p.is_file())
}

fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind a loopback port");
    listener.local_addr().expect("local address").port()
}
