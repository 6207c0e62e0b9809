//! The console blocks of a Markdown page: the commands a reader is told to type and the
//! output they are told to expect.
//!
//! The convention (docs/development.md, "Commands in the docs are tested"):
//! - a fenced block opened with ```` ```console ```` is a session: `$ ` starts a command, a
//!   command line ending in ` \` continues on the next line, a line starting with `# ` is a
//!   comment for the reader, any other non-blank line is output of the command before it;
//! - a block is run unless the line before its fence (blank lines skipped) is
//!   `<!-- not run: REASON -->`, which keeps it as documented-only, with its reason;
//! - `cargo run -q -- ARGS` stands for `tollgate ARGS`.

/// One command and the output shown after it.
#[derive(Debug)]
pub struct Step {
    pub command: String,
    pub expected: Vec<String>,
}

/// One ```console block.
#[derive(Debug)]
pub struct Block {
    /// 1-based line of the opening fence.
    pub line: usize,
    /// `Some(reason)` for a block marked `<!-- not run: REASON -->`.
    pub not_run: Option<String>,
    pub steps: Vec<Step>,
}

/// Every ```console block of `markdown`, in page order.
pub fn console_blocks(markdown: &str) -> Result<Vec<Block>, String> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let fence = lines[i].trim_start();
        if !fence.starts_with("```") {
            i += 1;
            continue;
        }
        let is_console = fence.trim_start_matches('`').trim() == "console";
        let start = i;
        let mut end = i + 1;
        while end < lines.len() && !lines[end].trim_start().starts_with("```") {
            end += 1;
        }
        if is_console {
            blocks.push(Block {
                line: start + 1,
                not_run: marker_before(&lines, start),
                steps: steps(&lines[start + 1..end.min(lines.len())], start + 2)?,
            });
        }
        i = end + 1;
    }
    Ok(blocks)
}

fn marker_before(lines: &[&str], fence: usize) -> Option<String> {
    let previous = lines[..fence].iter().rev().find(|l| !l.trim().is_empty())?;
    let reason = previous
        .trim()
        .strip_prefix("<!-- not run:")?
        .strip_suffix("-->")?;
    Some(reason.trim().to_owned())
}

fn steps(body: &[&str], first_line: usize) -> Result<Vec<Step>, String> {
    let mut steps: Vec<Step> = Vec::new();
    let mut continuing = false;
    for (offset, raw) in body.iter().enumerate() {
        let line = raw.trim_end();
        if continuing {
            let step = steps.last_mut().expect("a continued command");
            step.command.pop(); // the `\`
            step.command.truncate(step.command.trim_end().len());
            step.command.push(' ');
            step.command.push_str(line.trim_start());
            continuing = step.command.ends_with('\\');
        } else if let Some(command) = line.strip_prefix("$ ") {
            let command = match command.strip_prefix("cargo run -q -- ") {
                Some(rest) => format!("tollgate {rest}"),
                None => command.to_owned(),
            };
            continuing = command.ends_with('\\');
            steps.push(Step {
                command,
                expected: Vec::new(),
            });
        } else if line.trim().is_empty() || line == "#" || line.starts_with("# ") {
            continue;
        } else {
            let Some(step) = steps.last_mut() else {
                return Err(format!(
                    "line {}: output before any `$ ` command: {line}",
                    first_line + offset
                ));
            };
            step.expected.push(line.to_owned());
        }
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands_output_comments_continuations_and_markers() {
        let page = "text\n\n```console\n# why\n$ cargo run -q -- gates \\\n      --policy p.toml\nout 1\n\nout 2\n$ echo hi\n```\n\n<!-- not run: needs a server -->\n\n```console\n$ curl x\n```\n```toml\n$ not = a command\n```\n";
        let blocks = console_blocks(page).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].line, 3);
        assert_eq!(blocks[0].not_run, None);
        assert_eq!(blocks[0].steps[0].command, "tollgate gates --policy p.toml");
        assert_eq!(blocks[0].steps[0].expected, ["out 1", "out 2"]);
        assert_eq!(blocks[0].steps[1].command, "echo hi");
        assert_eq!(blocks[1].not_run.as_deref(), Some("needs a server"));
        assert!(console_blocks("```console\nstray\n```\n").is_err());
    }
}
