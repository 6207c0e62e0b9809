//! A real Prometheus (Debian's `prometheus` package, installed by
//! .ci/setup.d/75-prometheus.sh) serving the history of `history.rs`: backfilled with
//! `promtool tsdb create-blocks-from openmetrics`, started on a free loopback port, killed
//! when the guard drops. Skipped only outside CI when Prometheus is not installed.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

pub struct Prometheus {
    child: Child,
    pub url: String,
    dir: TempDir,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn installed(binary: &str) -> bool {
    Command::new(binary)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl Prometheus {
    /// Backfill `openmetrics` and start Prometheus on it; `None` (skip) only when CI is not
    /// set and prometheus or promtool is missing.
    pub fn start(openmetrics: &str) -> Option<Prometheus> {
        if !installed("prometheus") || !installed("promtool") {
            if std::env::var_os("CI").is_none() {
                eprintln!(
                    "skipped: prometheus/promtool are not installed (bash .ci/setup.d/75-prometheus.sh); under CI this fails"
                );
                return None;
            }
            panic!(
                "CI is set but prometheus/promtool are not installed: run .ci/setup.d/75-prometheus.sh"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("history.om.txt");
        std::fs::write(&input, openmetrics).unwrap();
        let data = dir.path().join("data");
        let out = Command::new("promtool")
            .args(["tsdb", "create-blocks-from", "openmetrics", "-q"])
            .arg(&input)
            .arg(&data)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "promtool failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let config = dir.path().join("prometheus.yml");
        std::fs::write(
            &config,
            "global:\n  scrape_interval: 1m\nscrape_configs: []\n",
        )
        .unwrap();
        let mut last = String::new();
        for _ in 0..3 {
            match Prometheus::launch(&dir, &config, &data) {
                Ok((child, url)) => return Some(Prometheus { child, url, dir }),
                Err(e) => last = e,
            }
        }
        panic!("prometheus did not start: {last}");
    }

    fn launch(dir: &TempDir, config: &Path, data: &Path) -> Result<(Child, String), String> {
        let port = free_port();
        let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
        let mut child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg("--storage.tsdb.retention.time=3650d")
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .map_err(|e| e.to_string())?;
        let deadline = Instant::now() + Duration::from_secs(90);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = child.try_wait() {
                let log =
                    std::fs::read_to_string(dir.path().join("prometheus.log")).unwrap_or_default();
                return Err(format!("exited with {status}: {log}"));
            }
            if get(port, "/-/ready").is_some_and(|(code, _)| code == 200) {
                return Ok((child, format!("http://127.0.0.1:{port}")));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        let _ = child.kill();
        let _ = child.wait();
        Err("not ready within 90 s".to_owned())
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }
}

/// A loopback port free right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A plain HTTP/1.0 GET on loopback: the status code and the body.
pub fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    let code = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    Some((code, body))
}

/// A tiny HTTP responder on a free loopback port: every request gets `status` and `body`.
/// Runs until the test process ends (a detached thread).
pub fn fake_server(status: u16, content_type: &'static str, body: String) -> String {
    serve(move |_| (status, content_type, body.clone()))
}

/// A responder that answers `body` only when the request carries `header` (any case),
/// else HTTP 401.
pub fn auth_server(header: &'static str, body: String) -> String {
    serve(move |request| {
        if request
            .to_ascii_lowercase()
            .contains(&header.to_ascii_lowercase())
        {
            (200, "application/json", body.clone())
        } else {
            (401, "text/plain", "unauthorized".to_owned())
        }
    })
}

/// A tiny HTTP responder: `answer` maps the request head to status, type and body.
fn serve(answer: impl Fn(&str) -> (u16, &'static str, String) + Send + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = [0u8; 8192];
            let mut seen = Vec::new();
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            let (status, content_type, body) = answer(&String::from_utf8_lossy(&seen));
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://127.0.0.1:{port}")
}

/// A server that accepts connections and never answers (a hung Prometheus).
pub fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    format!("http://127.0.0.1:{port}")
}
