//! The ci-status example plugin through `tollgate evaluate`, against a local GitHub API.

use super::http::{Reply, Seen, serve};
use super::*;
use serde_json::json;

const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

fn run(name: &str, status: &str, conclusion: Option<&str>) -> Value {
    json!({"id": 1, "name": name, "status": status, "conclusion": conclusion,
           "html_url": format!("https://github.com/example/chain-node/runs/{name}")})
}

fn listing(total: usize, runs: Vec<Value>) -> Reply {
    Reply::json("200 OK", json!({"total_count": total, "check_runs": runs}))
}

fn table(config: &str) -> String {
    format!(
        "[[gates.plugin]]\nname = \"ci-status\"\ncommand = [\"{CI_STATUS}\"]\ntimeout = \"30s\"\nenv = [\"GITHUB_TOKEN\", \"GITHUB_API_URL\", \"GITHUB_REPOSITORY\"]\nconfig = {{ repository = \"example/chain-node\"{config} }}\n"
    )
}

/// Evaluate with the plugin pointed at `api` (GITHUB_API_URL) and a token.
fn evaluate_ci(ws: &Workspace, api: &str, token: Option<&str>) -> (i32, Value) {
    let mut command = command(&[
        "evaluate",
        "--policy",
        ws.policy_path().to_str().unwrap(),
        "--release",
        ws.release().to_str().unwrap(),
        "--repo",
        ws.path().to_str().unwrap(),
        "--out",
        ws.out().to_str().unwrap(),
    ]);
    command
        .env_remove("GITHUB_REPOSITORY")
        .env_remove("GITHUB_TOKEN")
        .env("GITHUB_API_URL", api);
    if let Some(token) = token {
        command.env("GITHUB_TOKEN", token);
    }
    let output = command.output().unwrap();
    let code = output.status.code().unwrap();
    assert!(code == 0 || code == 1, "{}", stderr(&output));
    (code, read_json(&ws.out().join("verdict.json")))
}

fn seen(server: &super::http::Server) -> Vec<Seen> {
    server.seen.lock().unwrap().clone()
}

#[test]
fn every_page_of_successful_checks_promotes() {
    let server = serve(|target, base| {
        if target.contains("page=2") {
            return listing(3, vec![run("clippy", "completed", Some("skipped"))]);
        }
        let mut reply = listing(
            3,
            vec![
                run("build", "completed", Some("success")),
                run("test", "completed", Some("neutral")),
            ],
        );
        reply.headers.push((
            "Link".into(),
            format!("<{base}/repos/example/chain-node/commits/{SHA}/check-runs?filter=latest&per_page=100&page=2>; rel=\"next\", <{base}/x?page=2>; rel=\"last\""),
        ));
        reply
    });
    let ws = Workspace::new();
    plugin_policy(&ws, &table(&format!(", commit = \"{SHA}\"")));
    let (code, verdict) = evaluate_ci(&ws, &server.url, Some("ghs_test"));
    assert_eq!(code, 0, "{verdict:#}");
    assert_eq!(gate(&verdict, "ci-status")["outcome"], "pass");
    let seen = seen(&server);
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(
        seen[0].target,
        format!("/repos/example/chain-node/commits/{SHA}/check-runs?filter=latest&per_page=100")
    );
    assert!(seen[1].target.ends_with("&page=2"));
    assert!(
        seen.iter()
            .all(|s| s.authorization.as_deref() == Some("Bearer ghs_test"))
    );
    assert!(
        seen[0]
            .user_agent
            .as_deref()
            .unwrap()
            .starts_with("tollgate-plugin-ci-status/")
    );
    assert_schema_valid(
        "response",
        &[ws.out().join("plugins/ci-status.response.json")],
    );
}

#[test]
fn failed_cancelled_and_running_checks_block_by_name() {
    let server = serve(|_, _| {
        listing(
            5,
            vec![
                run("build", "completed", Some("success")),
                run("test", "completed", Some("failure")),
                run("fuzz", "completed", Some("timed_out")),
                run("bench", "in_progress", None),
                run("release-gate", "in_progress", None),
            ],
        )
    });
    let ws = Workspace::new();
    plugin_policy(
        &ws,
        &table(&format!(
            ", commit = \"{SHA}\", ignore = [\"release-gate\"]"
        )),
    );
    let (code, verdict) = evaluate_ci(&ws, &server.url, Some("t"));
    assert_eq!(code, 1);
    let report = gate(&verdict, "ci-status");
    assert_eq!(report["outcome"], "fail");
    let found: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(found[0].0, "plugin.ci-status.check-failed");
    assert!(
        found[0].1.starts_with("check `test` concluded failure"),
        "{found:?}"
    );
    assert!(found[1].1.starts_with("check `fuzz` concluded timed_out"));
    assert_eq!(found[2].0, "plugin.ci-status.check-pending");
    assert!(
        found[2]
            .1
            .contains("`bench` is still running (status in_progress)")
    );
    assert_schema_valid(
        "response",
        &[ws.out().join("plugins/ci-status.response.json")],
    );
}

#[test]
fn no_check_runs_blocks_and_the_commit_comes_from_head() {
    let ws = Workspace::new();
    // --repo is a git repository: the plugin reads HEAD with git2.
    let repo = git2::Repository::init(ws.path()).unwrap();
    let signature = git2::Signature::now("t", "t@example.org").unwrap();
    let tree = repo
        .find_tree(repo.index().unwrap().write_tree().unwrap())
        .unwrap();
    let head = repo
        .commit(Some("HEAD"), &signature, &signature, "release", &tree, &[])
        .unwrap()
        .to_string();
    let server = serve(|_, _| listing(0, vec![]));
    plugin_policy(&ws, &table(""));
    let (code, verdict) = evaluate_ci(&ws, &server.url, Some("t"));
    assert_eq!(code, 1);
    assert_eq!(
        gate_codes(&verdict, "ci-status"),
        ["plugin.ci-status.no-check-runs"]
    );
    assert!(
        seen(&server)[0]
            .target
            .contains(&format!("/commits/{head}/"))
    );
}

/// A scripted API for one case.
type Route = Box<dyn Fn(&str, &str) -> Reply + Send>;

#[test]
fn api_trouble_is_an_error_that_blocks() {
    let ws = Workspace::new();
    let cases: Vec<(Route, Option<&str>, &str)> = vec![
        (
            Box::new(|_, _| Reply::json("401 Unauthorized", json!({"message": "Bad credentials"}))),
            Some("expired"),
            "HTTP 401 Unauthorized: Bad credentials",
        ),
        (
            Box::new(|_, _| listing(7, vec![run("build", "completed", Some("success"))])),
            Some("t"),
            "GitHub reports 7 check runs for",
        ),
        (
            Box::new(|_, _| Reply::json("200 OK", json!({"oops": true}))),
            Some("t"),
            "not a check-runs listing",
        ),
        (
            Box::new(|_, _| listing(0, vec![])),
            None,
            "GITHUB_TOKEN is not set",
        ),
    ];
    plugin_policy(&ws, &table(&format!(", commit = \"{SHA}\"")));
    for (route, token, expected) in cases {
        let server = serve(route);
        let (code, verdict) = evaluate_ci(&ws, &server.url, token);
        assert_eq!(code, 1, "{expected}");
        let report = gate(&verdict, "ci-status");
        assert_eq!(report["outcome"], "error", "{expected}: {report}");
        let error = report["error"].as_str().unwrap();
        assert!(error.contains(expected), "{expected}:\n{error}");
        assert!(error.contains("failed (exit status: 2)"), "{error}");
    }
}

#[test]
fn the_config_api_url_wins_over_the_environment() {
    let server = serve(|_, _| listing(1, vec![run("build", "completed", Some("success"))]));
    let ws = Workspace::new();
    plugin_policy(
        &ws,
        &table(&format!(
            ", commit = \"{SHA}\", api_url = \"{}\"",
            server.url
        )),
    );
    let (code, verdict) = evaluate_ci(&ws, "http://127.0.0.1:9", Some("t"));
    assert_eq!(code, 0, "{verdict:#}");
    assert_eq!(seen(&server).len(), 1);
}
