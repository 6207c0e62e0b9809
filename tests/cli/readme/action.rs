//! The GitHub Action as the docs show it, checked against `action.yml`: every `with:` key of
//! a step that uses tollgate's action is one of its inputs.

/// The names under `inputs:` (or `outputs:`) at the top level of action.yml.
pub fn declared(action_yml: &str, section: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut inside = false;
    for line in action_yml.lines() {
        if !line.starts_with(' ') && !line.trim().is_empty() && !line.starts_with('#') {
            inside = line.trim_end() == format!("{section}:");
            continue;
        }
        // Two spaces in: a name; deeper lines are its description, default, ...
        if let Some(name) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':'))
            && inside
            && !name.starts_with(' ')
        {
            names.push(name.to_owned());
        }
    }
    names
}

/// `(1-based line, key)` of every `with:` key of a step whose `uses:` names tollgate's action,
/// in the ```yaml blocks of `markdown`.
pub fn with_keys(markdown: &str) -> Vec<(usize, String)> {
    let mut keys = Vec::new();
    let mut in_yaml = false;
    let mut tollgate_step: Option<usize> = None; // indentation of the step's `uses:`
    let mut with_indent: Option<usize> = None;
    for (i, line) in markdown.lines().enumerate() {
        if let Some(language) = line.trim_start().strip_prefix("```") {
            in_yaml = !in_yaml && language.trim() == "yaml";
            tollgate_step = None;
            with_indent = None;
            continue;
        }
        if !in_yaml || line.trim().is_empty() {
            continue;
        }
        let text = line.split(" #").next().unwrap_or(line).trim_end();
        let indent = text.len() - text.trim_start().trim_start_matches("- ").len();
        let body = text.trim_start().trim_start_matches("- ");
        if let Some(uses) = body.strip_prefix("uses:") {
            let uses = uses.trim();
            tollgate_step = (uses.contains("/tollgate@") || uses == "./").then_some(indent);
            with_indent = None;
        } else if body == "with:" && tollgate_step.is_some_and(|step| step == indent) {
            with_indent = Some(indent);
        } else if let Some(with) = with_indent {
            if indent <= with {
                with_indent = None;
                if text.trim_start().starts_with("- ") {
                    tollgate_step = None;
                }
            } else if let Some((key, _)) = body.split_once(':') {
                keys.push((i + 1, key.trim().to_owned()));
            }
        } else if text.trim_start().starts_with("- ") {
            tollgate_step = None;
        }
    }
    keys
}

#[test]
fn finds_the_with_keys_of_tollgate_steps_only() {
    let page = "```yaml\nsteps:\n  - uses: actions/checkout@v5\n    with:\n      fetch-depth: 0\n  - id: gate\n    uses: your-org/tollgate@v1   # or ./\n    with:\n      policy: gates/mainnet.toml\n      upload-sarif: true     # comment\n  - uses: actions/upload-artifact@v6\n    with:\n      name: x\n```\n";
    let keys: Vec<String> = with_keys(page).into_iter().map(|(_, k)| k).collect();
    assert_eq!(keys, ["policy", "upload-sarif"]);
    let action = "name: x\ninputs:\n  policy:\n    description: p\n  out:\n    default: o\noutputs:\n  decision:\n    value: d\nruns:\n  using: composite\n";
    assert_eq!(declared(action, "inputs"), ["policy", "out"]);
    assert_eq!(declared(action, "outputs"), ["decision"]);
}
