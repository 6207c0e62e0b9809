//! HTTP for the health gate: Prometheus' `/api/v1/query` and node health endpoints. No
//! proxies, no redirects, bounded bodies; credentials come from environment variables the
//! policy names, are registered for redaction, and never appear in messages or evidence.

use super::config::{Auth, redacted_url};
use std::io::Read;
use std::time::Duration;

/// The largest body kept (the ledger stores evidence up to this size).
pub const MAX_BODY: u64 = crate::ledger::evidence::MAX_STORED;

/// What came back: an HTTP status and the body, or why nothing did.
#[derive(Debug)]
pub enum Answer {
    Http { status: u16, body: Vec<u8> },
    Failed(String),
}

pub struct Client {
    http: reqwest::blocking::Client,
    auth: Option<Credential>,
}

enum Credential {
    Bearer(String),
    Basic(String, String),
}

impl Client {
    pub fn new(auth: &Auth, timeout: Duration) -> Result<Client, String> {
        crate::tls::install_crypto_provider();
        let http = reqwest::blocking::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        let auth = match auth {
            Auth::None => None,
            Auth::BearerEnv(name) => {
                let token = secret(name, "bearer_env")?;
                Some(Credential::Bearer(token))
            }
            Auth::BasicEnv(name) => {
                let value = secret(name, "basic_auth_env")?;
                let Some((user, password)) = value.split_once(':') else {
                    return Err(format!(
                        "the variable {name} (basic_auth_env) must hold user:password"
                    ));
                };
                crate::redact::register(password);
                Some(Credential::Basic(user.to_owned(), password.to_owned()))
            }
        };
        Ok(Client { http, auth })
    }

    /// GET `url` with `params`; the body up to `MAX_BODY`.
    pub fn get(&self, url: &reqwest::Url, params: &[(&str, String)], accept: &str) -> Answer {
        let mut full = url.clone();
        if !params.is_empty() {
            let mut pairs = full.query_pairs_mut();
            for (name, value) in params {
                pairs.append_pair(name, value);
            }
        }
        let mut request = self.http.get(full).header(reqwest::header::ACCEPT, accept);
        request = match &self.auth {
            None => request,
            Some(Credential::Bearer(token)) => request.bearer_auth(token),
            Some(Credential::Basic(user, password)) => request.basic_auth(user, Some(password)),
        };
        let shown = redacted_url(url);
        let response = match request.send() {
            Ok(response) => response,
            Err(e) => return Answer::Failed(describe(&shown, e)),
        };
        let status = response.status().as_u16();
        let mut body = Vec::new();
        let mut limited = Read::take(response, MAX_BODY + 1);
        if let Err(e) = limited.read_to_end(&mut body) {
            return Answer::Failed(crate::redact::text(&format!(
                "{shown}: reading the response failed: {e}"
            )));
        }
        if body.len() as u64 > MAX_BODY {
            return Answer::Failed(format!(
                "{shown}: the response is larger than {} MiB",
                MAX_BODY >> 20
            ));
        }
        Answer::Http { status, body }
    }
}

fn secret(name: &str, key: &str) -> Result<String, String> {
    let value = std::env::var(name).map_err(|_| {
        format!("the variable {name} named by `gates.health.{key}` is not set (or not UTF-8)")
    })?;
    if value.is_empty() {
        return Err(format!(
            "the variable {name} named by `gates.health.{key}` is empty"
        ));
    }
    crate::redact::register(&value);
    Ok(value)
}

/// A transport error in words, without the request's credentials.
fn describe(url: &str, e: reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        let mut source: Option<&dyn std::error::Error> = std::error::Error::source(&e);
        let mut deepest = String::new();
        while let Some(s) = source {
            deepest = s.to_string();
            source = s.source();
        }
        format!("unreachable ({deepest})")
    } else {
        e.without_url().to_string()
    };
    crate::redact::text(&format!("{url}: {what}"))
}
