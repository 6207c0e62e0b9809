//! Relative links between the README and the docs: the file exists and, for `#anchor`, so
//! does a heading with that GitHub anchor.

use regex::Regex;
use std::path::Path;

/// Every broken relative link in `page` (a file under `root`), as `line: target (why)`.
pub fn broken(root: &Path, page: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(page).unwrap();
    let link = Regex::new(r"\]\(([^)\s]+)\)").unwrap();
    let mut problems = Vec::new();
    let mut in_fence = false;
    for (i, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        if in_fence {
            continue;
        }
        for found in link.captures_iter(line) {
            let target = &found[1];
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (file, anchor) = target.split_once('#').unwrap_or((target, ""));
            let path = if file.is_empty() {
                page.to_path_buf()
            } else {
                page.parent().unwrap().join(file)
            };
            if !path.exists() || !path.starts_with(root) {
                problems.push(format!("{}: {target} (no such file)", i + 1));
                continue;
            }
            if !anchor.is_empty() && path.extension().is_some_and(|e| e == "md") {
                let headings = std::fs::read_to_string(&path).unwrap();
                if !anchors(&headings).iter().any(|a| a == anchor) {
                    problems.push(format!("{}: {target} (no heading `#{anchor}`)", i + 1));
                }
            }
        }
    }
    problems
}

/// GitHub's anchors for the headings of a Markdown page.
fn anchors(markdown: &str) -> Vec<String> {
    let mut in_fence = false;
    let mut found = Vec::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        if in_fence || !line.starts_with('#') {
            continue;
        }
        let title = line.trim_start_matches('#').trim();
        let slug: String = title
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                _ => None,
            })
            .collect();
        found.push(slug);
    }
    found
}

#[test]
fn anchors_follow_githubs_rules() {
    assert_eq!(
        anchors(
            "# A page\n## `[trust]`\n```\n# not a heading\n```\n### Commands in the docs are tested\n## What the ledger does not protect against\n"
        ),
        [
            "a-page",
            "trust",
            "commands-in-the-docs-are-tested",
            "what-the-ledger-does-not-protect-against"
        ]
    );
}
