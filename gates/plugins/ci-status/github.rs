//! The GitHub REST API's check runs for one commit, every page of them.

use reqwest::blocking::Client;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, LINK};
use serde::Deserialize;
use std::time::Duration;

/// GitHub's largest page.
const PER_PAGE: u32 = 100;
/// A commit with more check runs than this is not one we can judge in one go.
const MAX_PAGES: usize = 50;

/// One check run, with the fields this plugin reads.
#[derive(Debug, Clone, Deserialize)]
pub struct CheckRun {
    pub name: String,
    /// queued, in_progress, completed, waiting, requested, pending
    pub status: String,
    /// success, failure, neutral, cancelled, skipped, timed_out, action_required, stale;
    /// null until completed
    pub conclusion: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Page {
    total_count: u64,
    check_runs: Vec<CheckRun>,
}

pub struct Api {
    client: Client,
    base: String,
    token: String,
}

impl Api {
    pub fn new(base: &str, token: String) -> Result<Api, String> {
        // reqwest is built without a bundled crypto provider; ring is the light one.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = Client::builder()
            .user_agent(concat!(
                "tollgate-plugin-ci-status/",
                env!("CARGO_PKG_VERSION")
            ))
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Api {
            client,
            base: base.trim_end_matches('/').to_owned(),
            token,
        })
    }

    /// Every latest check run of `sha` in `repository` ("owner/name"), following the
    /// `Link: rel="next"` pages; the count must match the API's `total_count`.
    pub fn check_runs(&self, repository: &str, sha: &str) -> Result<Vec<CheckRun>, String> {
        let mut url = format!(
            "{}/repos/{repository}/commits/{sha}/check-runs?filter=latest&per_page={PER_PAGE}",
            self.base
        );
        let mut runs = Vec::new();
        let mut total = 0;
        for _ in 0..MAX_PAGES {
            let (page, next) = self.page(&url)?;
            total = page.total_count;
            runs.extend(page.check_runs);
            match next {
                Some(next) => url = next,
                None => {
                    if runs.len() as u64 != total {
                        return Err(format!(
                            "GitHub reports {total} check runs for {sha} but listed {}; the listing is incomplete",
                            runs.len()
                        ));
                    }
                    return Ok(runs);
                }
            }
        }
        Err(format!(
            "more than {MAX_PAGES} pages of check runs ({total} in all) for {sha}; refusing to judge an unbounded listing"
        ))
    }

    fn page(&self, url: &str) -> Result<(Page, Option<String>), String> {
        let response = self
            .client
            .get(url)
            .header(ACCEPT, "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .header(AUTHORIZATION, format!("Bearer {}", self.token))
            .send()
            .map_err(|e| format!("GET {url}: {e}"))?;
        let status = response.status();
        let next = next_link(response.headers());
        let body = response
            .bytes()
            .map_err(|e| format!("GET {url}: cannot read the body: {e}"))?;
        if !status.is_success() {
            return Err(format!("GET {url}: HTTP {status}: {}", message(&body)));
        }
        let page = serde_json::from_slice(&body)
            .map_err(|e| format!("GET {url}: not a check-runs listing: {e}"))?;
        Ok((page, next))
    }
}

/// GitHub's error `message`, or the start of the body.
fn message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Error {
        message: String,
    }
    match serde_json::from_slice::<Error>(body) {
        Ok(error) => error.message,
        Err(_) => String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned(),
    }
}

/// The `rel="next"` target of a `Link` header
/// (`<https://…?page=2>; rel="next", <https://…?page=5>; rel="last"`).
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get(LINK)?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
        let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
        is_next.then(|| target.to_owned())
    })
}
