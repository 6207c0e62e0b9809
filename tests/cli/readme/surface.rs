//! The commands and flags the docs mention, checked against the CLI's own definition
//! (`tollgate::cli::Cli`, the clap tree that parses the command line), so no page names a
//! subcommand or a flag that does not exist.
//!
//! A mention is `tollgate WORD…` in code: a line of a fenced block (not of a JSON, TOML,
//! Python or Rust one, whose prose may quote the name) (continuations joined) or an
//! inline code span, where `tollgate` starts the text or follows a blank, `$`, `(`, `` ` ``
//! or a shell operator. It runs until a shell operator (` | `, `&&`, `||`, `;`, ` #`, `)`).
//! `freeze|unfreeze` names two subcommands. Every `--flag` and `-f` in it must be an
//! argument of the (sub)command it names or a global one.

use clap::CommandFactory;
use regex::Regex;
use tollgate::cli::Cli;

/// One `tollgate …` mention that names something the CLI lacks.
#[derive(Debug)]
pub struct Problem {
    pub line: usize,
    pub mention: String,
    pub what: String,
}

/// Every mention in `markdown` that does not match the CLI.
pub fn check(markdown: &str) -> Vec<Problem> {
    let root = Cli::command();
    // Only the prefix is matched, so `tollgate a && tollgate b` yields both mentions.
    let mention = Regex::new(r"(?:^|[\s`$(])tollgate\s+[a-z]").unwrap();
    let mut problems = Vec::new();
    for (line, text) in code_texts(markdown) {
        for found in mention.find_iter(&text) {
            let rest = cut_at_operator(&text[found.end() - 1..]);
            for what in problems_in(&root, rest) {
                problems.push(Problem {
                    line,
                    mention: format!("tollgate {rest}"),
                    what,
                });
            }
        }
    }
    problems
}

/// `(1-based line, text)` of every code line and inline code span.
fn code_texts(markdown: &str) -> Vec<(usize, String)> {
    let mut texts = Vec::new();
    let mut in_fence = false;
    let mut commands = false;
    let mut pending: Option<(usize, String)> = None;
    for (i, line) in markdown.lines().enumerate() {
        if let Some(language) = line.trim_start().strip_prefix("```") {
            in_fence = !in_fence;
            // Data and code blocks quote `tollgate` in prose (JSON descriptions, comments).
            commands = !matches!(
                language.trim(),
                "json" | "jsonc" | "toml" | "python" | "rust"
            );
            continue;
        }
        if in_fence && !commands {
            continue;
        }
        if in_fence {
            let (start, mut text) = pending.take().unwrap_or((i + 1, String::new()));
            text.push_str(line.trim_start_matches("$ "));
            match text.strip_suffix('\\') {
                Some(open) => pending = Some((start, open.to_owned())),
                None => texts.push((start, text)),
            }
        } else {
            let mut parts = line.split('`');
            parts.next();
            while let Some(span) = parts.next() {
                texts.push((i + 1, span.to_owned()));
                parts.next();
            }
        }
    }
    texts
}

fn cut_at_operator(text: &str) -> &str {
    let end = [" | ", "&&", "||", ";", " #", ")", "`"]
        .iter()
        .filter_map(|op| text.find(op))
        .min()
        .unwrap_or(text.len());
    text[..end].trim()
}

fn problems_in(root: &clap::Command, words: &str) -> Vec<String> {
    let tokens: Vec<&str> = words.split_whitespace().collect();
    let Some((first, rest)) = tokens.split_first() else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for name in first.split('|') {
        let Some(command) = root.find_subcommand(name) else {
            problems.push(format!("no subcommand `{name}`"));
            continue;
        };
        let (command, flags) = match rest.first() {
            Some(next) if command.has_subcommands() && !next.starts_with('-') => {
                let mut found = Vec::new();
                for sub in next.split('|') {
                    match command.find_subcommand(sub) {
                        Some(sub) => found.push(sub),
                        // `tollgate audit`'s argument-like words (ID, FILE) are not ours to judge.
                        None if sub.chars().all(|c| c.is_ascii_lowercase() || c == '-') => {
                            problems.push(format!("no subcommand `{name} {sub}`"))
                        }
                        None => {}
                    }
                }
                (found, &rest[1..])
            }
            _ => (vec![command], rest),
        };
        for command in command {
            for flag in flags.iter().filter_map(|t| flag_name(t)) {
                if !has_flag(root, command, &flag) {
                    problems.push(format!(
                        "`{} {}` has no flag `{flag}`",
                        root.get_name(),
                        command.get_name()
                    ));
                }
            }
        }
    }
    problems
}

/// `--flag` or `-f` from a token such as `[--store`, `--format=json`, `-o`.
fn flag_name(token: &str) -> Option<String> {
    let token = token.trim_start_matches(['[', '(', '<', '"']);
    let (dashes, name) = if let Some(name) = token.strip_prefix("--") {
        ("--", name)
    } else {
        ("-", token.strip_prefix('-')?)
    };
    let name: String = name
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let valid = match dashes {
        "--" => name.len() > 1,
        _ => name.len() == 1 && name.chars().all(|c| c.is_ascii_alphabetic()),
    };
    valid.then(|| format!("{dashes}{name}"))
}

fn has_flag(root: &clap::Command, command: &clap::Command, flag: &str) -> bool {
    if matches!(flag, "--help" | "-h" | "--version" | "-V") {
        return true;
    }
    let matches = |arg: &clap::Arg| match flag.strip_prefix("--") {
        Some(long) => arg
            .get_long_and_visible_aliases()
            .unwrap_or_default()
            .contains(&long),
        None => flag.chars().nth(1).is_some_and(|short| {
            arg.get_short_and_visible_aliases()
                .unwrap_or_default()
                .contains(&short)
        }),
    };
    command.get_arguments().any(matches)
        || root
            .get_arguments()
            .any(|a| a.is_global_set() && matches(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_unknown_subcommands_and_flags_and_accepts_real_ones() {
        let page = "Run `tollgate verify V --pubkey P --environment mainnet -q`.\n\n```console\n$ tollgate audit verify --bundle b.tar \\\n      --ops-key k && minisign -Vm x -p y && tollgate gates --polcy p\n$ tollgate freeze|unfreeze --environment E --reason R\n$ tollgate audit rewind --to 3\n$ tollgate evaluate --polcy x\n```\nThe `tollgate.pub` file; `tollgate-plugin-ci-status`.\n";
        let problems: Vec<String> = check(page)
            .into_iter()
            .map(|p| format!("{}: {}", p.line, p.what))
            .collect();
        assert_eq!(
            problems,
            [
                "4: `tollgate gates` has no flag `--polcy`",
                "7: no subcommand `audit rewind`",
                "8: `tollgate evaluate` has no flag `--polcy`"
            ]
        );
    }
}
