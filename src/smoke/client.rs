//! Talking to the node: HTTP GET/POST with JSON, JSON-RPC 1.0 and 2.0 (with basic auth),
//! and local commands. Loopback only, no proxies, no redirects, every request bounded.

use super::spec::{Auth, HttpMethod, Password, RpcEndpoint, RpcVersion};
use super::template::{self, Vars};
use crate::process::{Keep, Limits, Spawn};
use serde_json::{Value, json};
use std::io::Read;
use std::time::Duration;

/// How much of a response or a command's output is kept.
const MAX_BODY: u64 = 4 * 1024 * 1024;

/// `url` parsed, if it is http:// on 127.0.0.1, [::1] or localhost.
pub fn loopback_url(url: &str) -> Result<reqwest::Url, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("not a URL: {e}"))?;
    if parsed.scheme() != "http" {
        return Err(format!(
            "scheme `{}` is not allowed: use http:// on loopback",
            parsed.scheme()
        ));
    }
    // The url crate normalises hosts (127.1 -> 127.0.0.1, [0::1] -> [::1]), so strings suffice.
    let host = parsed.host_str().unwrap_or("");
    let loopback = ["127.0.0.1", "[::1]"].contains(&host) || host.eq_ignore_ascii_case("localhost");
    if !loopback {
        return Err(format!(
            "host `{}` is not loopback: only 127.0.0.1, [::1] or localhost",
            parsed.host_str().unwrap_or("")
        ));
    }
    Ok(parsed)
}

/// The HTTP client the smoke run shares.
pub struct Client {
    http: reqwest::blocking::Client,
}

impl Client {
    pub fn new() -> Result<Client, String> {
        crate::tls::install_crypto_provider();
        let http = reqwest::blocking::Client::builder()
            // A proxy from the environment would take loopback traffic off the machine.
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Client { http })
    }

    /// One HTTP request; the response body as JSON when it parses, else as a string.
    pub fn http(
        &self,
        method: HttpMethod,
        url: &str,
        json: Option<&Value>,
        status: Option<u16>,
        timeout: Duration,
    ) -> Result<Value, String> {
        let url = loopback_url(url).map_err(|e| format!("{url}: {e}"))?;
        let mut request = match method {
            HttpMethod::Get => self.http.get(url.clone()),
            HttpMethod::Post => self.http.post(url.clone()),
        }
        .timeout(timeout);
        if let Some(body) = json {
            request = request.json(body);
        }
        let (code, body) = send(request, &url)?;
        let ok = match status {
            Some(want) => code == want,
            None => (200..300).contains(&code),
        };
        if !ok {
            let want = status.map_or("2xx".to_owned(), |s| s.to_string());
            return Err(format!(
                "{url} answered HTTP {code} (expected {want}): {}",
                snippet(&body)
            ));
        }
        Ok(serde_json::from_str(&body).unwrap_or(Value::String(body)))
    }

    /// One JSON-RPC call. An `error` member is a failure naming its code and message.
    pub fn rpc(
        &self,
        endpoint: &RpcEndpoint,
        vars: &Vars,
        method: &str,
        params: Option<&Value>,
        timeout: Duration,
    ) -> Result<Value, String> {
        let url = template::render(&endpoint.url, vars)?;
        let url = loopback_url(&url).map_err(|e| format!("{url}: {e}"))?;
        let body = match endpoint.version {
            // bitcoind's dialect: "1.0", params always present (positional or named).
            RpcVersion::V1 => json!({"jsonrpc": "1.0", "id": "tollgate", "method": method,
                "params": params.cloned().unwrap_or_else(|| json!([]))}),
            RpcVersion::V2 => {
                let mut body = json!({"jsonrpc": "2.0", "id": 1, "method": method});
                if let Some(params) = params {
                    body["params"] = params.clone();
                }
                body
            }
        };
        let mut request = self.http.post(url.clone()).timeout(timeout).json(&body);
        if let Some(Auth { user, password }) = &endpoint.auth {
            let password = match password {
                Password::Literal(p) => template::render(p, vars)?,
                Password::Env(name) => std::env::var(name).map_err(|_| {
                    format!("the RPC password variable {name} is not set (rpc.password_env)")
                })?,
            };
            request = request.basic_auth(template::render(user, vars)?, Some(password));
        }
        let (code, text) = send(request, &url)?;
        if code == 401 || code == 403 {
            let sent = if endpoint.auth.is_some() {
                "refused the credentials"
            } else {
                "wants credentials"
            };
            return Err(format!(
                "{method}: HTTP {code}: the node {sent} (set rpc.user and rpc.password or rpc.password_env)"
            ));
        }
        // bitcoind answers errors with HTTP 500 and a JSON body: read the body first.
        let Ok(reply) = serde_json::from_str::<Value>(&text) else {
            return Err(format!(
                "{method}: HTTP {code}, not a JSON-RPC response: {}",
                snippet(&text)
            ));
        };
        if let Some(error) = reply.get("error").filter(|e| !e.is_null()) {
            let code = error.get("code").map_or("?".to_owned(), Value::to_string);
            let message = error
                .get("message")
                .map_or_else(|| error.to_string(), template::as_text);
            return Err(format!("{method}: JSON-RPC error {code}: {message}"));
        }
        if reply.get("result").is_none() {
            return Err(format!(
                "{method}: HTTP {code}, no `result` in {}",
                snippet(&text)
            ));
        }
        Ok(reply)
    }
}

fn send(
    request: reqwest::blocking::RequestBuilder,
    url: &reqwest::Url,
) -> Result<(u16, String), String> {
    let response = request.send().map_err(|e| describe(url, &e))?;
    let code = response.status().as_u16();
    let mut body = String::new();
    response
        .take(MAX_BODY)
        .read_to_string(&mut body)
        .map_err(|e| format!("{url}: reading the response: {e}"))?;
    Ok((code, body))
}

/// reqwest's error with its causes ("connection refused" hides in the chain).
fn describe(url: &reqwest::Url, e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        format!("{url}: timed out")
    } else {
        format!("{url}: {e}")
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

fn snippet(text: &str) -> String {
    super::assertion::abbreviate(&Value::String(text.trim().to_owned()))
}

/// Run a command (no shell), bounded by `timeout`, through the spawn builder: the
/// allowlisted environment plus the spec's `env` names (`pass_env`), output capped and
/// redacted. The document is `{exit, stdout, stderr, json}` (`json`: stdout parsed, or
/// null); a non-zero exit is a failure.
pub fn command(argv: &[String], pass_env: &[String], timeout: Duration) -> Result<Value, String> {
    let (program, args) = argv.split_first().ok_or("empty command")?;
    let mut command = Spawn::new(program);
    command.args(args).pass_env(pass_env);
    let limits = Limits {
        timeout,
        grace: Duration::from_secs(1),
        stdout_cap: MAX_BODY as usize,
        stderr_cap: MAX_BODY as usize,
    };
    let done = command
        .run(Vec::new(), &limits)
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if done.timed_out {
        return Err(format!(
            "{program} did not finish within {}",
            humantime::format_duration(timeout)
        ));
    }
    let stdout = String::from_utf8_lossy(&done.stdout.bytes).into_owned();
    let stderr = done.stderr.text_with_marker(Keep::Tail);
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    let doc = json!({"exit": done.status.code(), "stdout": stdout, "stderr": stderr, "json": json});
    if !done.status.success() {
        return Err(format!(
            "{program} exited with {}: {}",
            done.status,
            snippet(&stderr)
        ));
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_on_loopback() {
        for ok in [
            "http://127.0.0.1:18081/json_rpc",
            "http://[::1]:1/",
            "http://LOCALHOST/x",
            "http://127.1/",
        ] {
            assert!(loopback_url(ok).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("http://10.0.0.1/", "not loopback"),
            ("http://127.0.0.2/", "not loopback"),
            ("http://localhost.example.org/", "not loopback"),
            ("https://127.0.0.1/", "scheme"),
            ("ftp://127.0.0.1/", "scheme"),
            ("not a url", "not a URL"),
        ] {
            let e = loopback_url(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn commands_report_exit_output_and_json() {
        let ok = command(
            &["sh".into(), "-c".into(), "echo '{\"a\": 1}'".into()],
            &[],
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(ok["exit"], 0);
        assert_eq!(ok["json"]["a"], 1);
        let failed = command(
            &["sh".into(), "-c".into(), "echo oops >&2; exit 4".into()],
            &[],
            Duration::from_secs(10),
        )
        .unwrap_err();
        assert!(
            failed.contains("exit status: 4") && failed.contains("oops"),
            "{failed}"
        );
        let slow = command(
            &["sleep".into(), "30".into()],
            &[],
            Duration::from_millis(200),
        )
        .unwrap_err();
        assert!(slow.contains("did not finish within 200ms"), "{slow}");
    }
}
