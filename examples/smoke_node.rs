//! A tiny regtest-like node for the smoke gate's tests (never shipped: an example, built on
//! demand by tests/cli/smoke.rs). JSON-RPC 1.0 and 2.0 over HTTP on 127.0.0.1, optional
//! basic auth, a chain of SHA-256 block hashes persisted in its data directory (so a restart
//! keeps the tip), SIGTERM / `stop` for a graceful exit, and flags to misbehave in every way
//! the gate must catch.

use base64::Engine as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
struct Flags {
    datadir: PathBuf,
    port: u16,
    pidfile: Option<PathBuf>,
    auth: Option<String>,
    startup_delay_ms: u64,
    never_ready: bool,
    exit_after_ms: Option<u64>,
    ignore_stop: bool,
    change_tip_on_restart: bool,
    slow_ms: u64,
    spawn_child: bool,
    exit_code_on_stop: i32,
}

fn flags() -> Flags {
    let mut f = Flags::default();
    let mut args = std::env::args().skip(1);
    let mut user = None;
    while let Some(arg) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| panic!("{arg} needs a value"));
        match arg.as_str() {
            "--datadir" => f.datadir = PathBuf::from(value()),
            "--port" => f.port = value().parse().expect("--port"),
            "--pidfile" => f.pidfile = Some(PathBuf::from(value())),
            "--rpc-user" => user = Some(value()),
            "--rpc-password" => {
                f.auth = Some(format!("{}:{}", user.clone().unwrap_or_default(), value()))
            }
            "--startup-delay-ms" => f.startup_delay_ms = value().parse().expect("ms"),
            "--never-ready" => f.never_ready = true,
            "--exit-after-ms" => f.exit_after_ms = Some(value().parse().expect("ms")),
            "--ignore-stop" => f.ignore_stop = true,
            "--change-tip-on-restart" => f.change_tip_on_restart = true,
            "--slow-ms" => f.slow_ms = value().parse().expect("ms"),
            "--spawn-child" => f.spawn_child = true,
            "--exit-code-on-stop" => f.exit_code_on_stop = value().parse().expect("code"),
            // Extra arguments a restart adds (e.g. -reindex-chainstate) are accepted and logged.
            other => eprintln!("note: ignoring argument {other}"),
        }
    }
    f
}

struct Chain {
    hashes: Vec<String>,
    path: PathBuf,
}

fn next_hash(prev: &str, height: usize) -> String {
    hex::encode(Sha256::digest(format!("{prev}:{height}")))
}

impl Chain {
    fn open(flags: &Flags) -> Chain {
        let path = flags.datadir.join("chain.json");
        let mut chain = Chain {
            hashes: vec![next_hash("genesis", 0)],
            path,
        };
        if let Ok(bytes) = std::fs::read(&chain.path) {
            chain.hashes = serde_json::from_slice(&bytes).expect("a readable chain.json");
            eprintln!("loaded chain at height {}", chain.height());
            if flags.change_tip_on_restart {
                eprintln!("misbehaving: rewriting the tip");
                let last = chain.hashes.len() - 1;
                chain.hashes[last] = next_hash("forked", last);
            }
        }
        chain.save();
        chain
    }

    fn height(&self) -> usize {
        self.hashes.len() - 1
    }

    fn save(&self) {
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, serde_json::to_vec(&self.hashes).unwrap()).expect("write chain");
        std::fs::rename(&tmp, &self.path).expect("rename chain");
    }
}

struct Node {
    flags: Flags,
    chain: Mutex<Chain>,
}

fn main() {
    let flags = flags();
    std::fs::create_dir_all(&flags.datadir).expect("datadir");
    if let Some(pidfile) = &flags.pidfile {
        std::fs::write(pidfile, std::process::id().to_string()).expect("pidfile");
    }
    if flags.spawn_child {
        // A helper in the node's process group, like a node's own subprocesses: stopping
        // the group must take it down too.
        let mut child = std::process::Command::new("sleep")
            .arg("300")
            .spawn()
            .expect("spawn sleep");
        if let Some(pidfile) = &flags.pidfile {
            std::fs::write(pidfile.with_extension("child"), child.id().to_string())
                .expect("child pidfile");
        }
        std::thread::spawn(move || child.wait());
    }
    let chain = Chain::open(&flags);
    let node = Arc::new(Node {
        chain: Mutex::new(chain),
        flags,
    });
    watch_signals(Arc::clone(&node));
    if let Some(ms) = node.flags.exit_after_ms {
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(ms));
            eprintln!("fatal: simulated crash after {ms} ms");
            std::process::exit(3);
        });
    }
    std::thread::sleep(Duration::from_millis(node.flags.startup_delay_ms));
    let listener = TcpListener::bind(("127.0.0.1", node.flags.port)).expect("bind the RPC port");
    println!("listening on 127.0.0.1:{}", node.flags.port);
    for stream in listener.incoming().flatten() {
        let node = Arc::clone(&node);
        std::thread::spawn(move || {
            let _ = serve(&node, stream);
        });
    }
}

fn watch_signals(node: Arc<Node>) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]).expect("signals");
    std::thread::spawn(move || {
        for signal in signals.forever() {
            shutdown(&node, &format!("signal {signal}"));
        }
    });
}

fn shutdown(node: &Node, why: &str) {
    if node.flags.ignore_stop {
        eprintln!("misbehaving: ignoring {why}");
        return;
    }
    eprintln!("shutting down ({why})");
    node.chain.lock().unwrap().save();
    std::process::exit(node.flags.exit_code_on_stop);
}

fn serve(node: &Node, stream: TcpStream) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let (mut length, mut authorization) = (0usize, None);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "authorization" => authorization = Some(value.trim().to_owned()),
                _ => {}
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    std::thread::sleep(Duration::from_millis(node.flags.slow_ms));
    let (status, reply) = answer(node, &request_line, authorization.as_deref(), &body);
    let text = reply.to_string();
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    )?;
    stream.flush()?;
    if reply.get("result") == Some(&json!("stopping")) {
        shutdown(node, "the stop RPC");
    }
    Ok(())
}

fn answer(
    node: &Node,
    request_line: &str,
    authorization: Option<&str>,
    body: &[u8],
) -> (&'static str, Value) {
    // The health check answers without credentials, like many nodes' REST health endpoints.
    if request_line.starts_with("GET /health") {
        let height = node.chain.lock().unwrap().height();
        return (
            "200 OK",
            json!({"status": if node.flags.never_ready { "loading" } else { "ok" }, "height": height}),
        );
    }
    // Credentials guard `/` (bitcoind's habit); `/json_rpc` is open (monerod's default).
    if let Some(auth) = node
        .flags
        .auth
        .as_ref()
        .filter(|_| !request_line.starts_with("POST /json_rpc"))
    {
        let want = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(auth)
        );
        if authorization != Some(want.as_str()) {
            return ("401 Unauthorized", json!({"error": "bad credentials"}));
        }
    }
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return ("400 Bad Request", json!({"error": "not JSON"}));
    };
    let v2 = request["jsonrpc"] == "2.0";
    let id = request["id"].clone();
    let outcome = call(
        node,
        request["method"].as_str().unwrap_or(""),
        &request["params"],
    );
    let reply = match (outcome, v2) {
        (Ok(result), true) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        (Ok(result), false) => json!({"result": result, "error": null, "id": id}),
        (Err((code, message)), true) => {
            json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
        }
        (Err((code, message)), false) => {
            json!({"result": null, "error": {"code": code, "message": message}, "id": id})
        }
    };
    // bitcoind's habit: JSON-RPC 1.0 errors come with HTTP 500.
    let status = if !v2 && !reply["error"].is_null() {
        "500 Internal Server Error"
    } else {
        "200 OK"
    };
    (status, reply)
}

/// The first positional parameter, or the named one.
fn param(params: &Value, index: usize, name: &str) -> Option<Value> {
    params.get(index).or_else(|| params.get(name)).cloned()
}

fn call(node: &Node, method: &str, params: &Value) -> Result<Value, (i64, String)> {
    if node.flags.never_ready && method != "stop" {
        return Err((-28, "Loading block index...".into()));
    }
    let mut chain = node.chain.lock().unwrap();
    match method {
        "getblockcount" => Ok(json!(chain.height())),
        "getbestblockhash" => Ok(json!(chain.hashes.last())),
        "getblockchaininfo" => Ok(
            json!({"chain": "regtest", "blocks": chain.height(), "bestblockhash": chain.hashes.last()}),
        ),
        "getblockhash" => {
            let height = param(params, 0, "height")
                .and_then(|h| h.as_u64())
                .ok_or((-8, "height missing".to_owned()))?;
            chain
                .hashes
                .get(height as usize)
                .map(|h| json!(h))
                .ok_or((-8, "Block height out of range".into()))
        }
        "generate" => {
            let n = param(params, 0, "nblocks")
                .and_then(|n| n.as_u64())
                .ok_or((-8, "nblocks missing".to_owned()))?;
            let mut made = Vec::new();
            for _ in 0..n {
                let height = chain.hashes.len();
                let hash = next_hash(chain.hashes.last().unwrap(), height);
                chain.hashes.push(hash.clone());
                made.push(hash);
            }
            chain.save();
            Ok(json!(made))
        }
        "echo" => Ok(params.clone()),
        "stop" => Ok(json!("stopping")),
        other => Err((-32601, format!("Method not found: {other}"))),
    }
}
