//! Finding-code documentation for `tollgate explain`. The single source of truth is the
//! finding-code table in each `docs/gates/<gate>.md` (first column the backticked code),
//! embedded at build time; this module parses those tables.

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/gate_docs.rs"));
}

/// One documented finding code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeDoc {
    pub code: String,
    /// The page it is documented on, e.g. `docs/gates/signatures.md`.
    pub page: String,
    /// The page's title (its first `# ` heading).
    pub title: String,
    /// The table's other columns, as (header, cell) pairs in table order.
    pub fields: Vec<(String, String)>,
}

/// Whether a policy waiver may cover a code's findings, from its table's `waivable` column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waivable {
    Yes,
    /// Never: the column's reason, e.g. "integrity" or "never blocks".
    No(String),
}

/// Whether a code's findings name a subject (the waiver's `id`), from the `subject` column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectKind {
    /// Every finding names one: a waiver must give `id`. The column's description.
    Always(String),
    /// Some findings name one (a plugin's own codes): `id` is optional.
    Optional(String),
    /// No finding names one: a waiver cannot give `id`.
    Never,
}

impl CodeDoc {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, cell)| cell.as_str())
    }

    /// The `waivable` column: `yes`, or `no` with a reason. A code whose table lacks the
    /// column is never waivable (fail closed; a unit test keeps every table complete).
    pub fn waivable(&self) -> Waivable {
        let cell = self.field("waivable").unwrap_or("no: undeclared");
        if cell.eq_ignore_ascii_case("yes") {
            return Waivable::Yes;
        }
        let reason = cell
            .strip_prefix("no")
            .unwrap_or(cell)
            .trim_start_matches([':', ' ', '('])
            .trim_end_matches(')')
            .trim();
        Waivable::No(if reason.is_empty() {
            "not waivable".to_owned()
        } else {
            reason.to_owned()
        })
    }

    /// The `subject` column: `none`, `optional: ...`, or what every finding names.
    pub fn subject(&self) -> SubjectKind {
        match self.field("subject").map(str::trim) {
            None => SubjectKind::Optional("undeclared".to_owned()),
            Some(cell) if cell.eq_ignore_ascii_case("none") || cell == "—" => SubjectKind::Never,
            Some(cell) => match cell.strip_prefix("optional") {
                Some(rest) => SubjectKind::Optional(rest.trim_start_matches([':', ' ']).to_owned()),
                None => SubjectKind::Always(cell.to_owned()),
            },
        }
    }

    /// The gate whose reports carry this code, as a waiver's `gate` names it: the page's
    /// name (`real-deps.md` -> `real_deps`), or for a plugin's own code the plugin's name.
    pub fn gate(&self) -> String {
        if let Some(rest) = self.code.strip_prefix("plugin.")
            && let Some((plugin, _)) = rest.split_once('.')
        {
            return plugin.to_owned();
        }
        let file = self.page.rsplit('/').next().unwrap_or(&self.page);
        file.strip_suffix(".md").unwrap_or(file).replace('-', "_")
    }
}

/// Every documented code a waiver may name, in page then table order.
pub fn waivable() -> Vec<CodeDoc> {
    all()
        .into_iter()
        .filter(|doc| doc.waivable() == Waivable::Yes)
        .collect()
}

/// Every documented code, in page then table order.
pub fn all() -> Vec<CodeDoc> {
    embedded::GATE_DOCS
        .iter()
        .flat_map(|(name, text)| parse(&format!("docs/gates/{name}"), text))
        .collect()
}

/// The documentation of `code` (case-insensitive).
pub fn lookup(code: &str) -> Option<CodeDoc> {
    all()
        .into_iter()
        .find(|doc| doc.code.eq_ignore_ascii_case(code.trim()))
}

/// A plugin gate's code (`plugin.GATE.CODE`) that no page documents: the plugin defines its
/// meaning, so say where it comes from and how to waive it rather than "unknown".
pub fn plugin_code(code: &str) -> Option<CodeDoc> {
    let code = code.trim().to_ascii_lowercase();
    let (gate, own) = code.strip_prefix("plugin.")?.split_once('.')?;
    if gate.is_empty() || own.is_empty() {
        return None;
    }
    let field = |name: &str, value: String| (name.to_owned(), value);
    Some(CodeDoc {
        page: "docs/plugins.md".to_owned(),
        title: format!("A finding of the plugin gate `{gate}`"),
        fields: vec![
            field(
                "gate",
                format!("`{gate}`, a [[gates.plugin]] of the policy"),
            ),
            field(
                "blocks",
                "when the plugin gave it severity \"error\" and no live waiver covers it"
                    .to_owned(),
            ),
            field("waivable", "yes".to_owned()),
            field(
                "subject",
                "optional: whatever the plugin names (an artifact, a check)".to_owned(),
            ),
            field(
                "meaning",
                format!(
                    "defined by the plugin (its own code `{own}`): see the plugin's documentation; the finding's message and hint say what it found"
                ),
            ),
            field(
                "to waive",
                format!(
                    "[[waivers]] gate = \"{gate}\", code = \"{code}\" (and id = the finding's subject, if it names one)"
                ),
            ),
        ],
        code,
    })
}

/// Documented codes closest to a misspelt one, best first.
pub fn suggestions(code: &str) -> Vec<String> {
    let wanted = code.trim().to_ascii_lowercase();
    let mut scored: Vec<(f64, String)> = all()
        .into_iter()
        .map(|doc| (strsim::jaro_winkler(&wanted, &doc.code), doc.code))
        .filter(|(score, _)| *score > 0.8)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(3).map(|(_, code)| code).collect()
}

/// Split a Markdown table row into cells; `\|` is a literal bar inside a cell.
fn cells(line: &str) -> Option<Vec<String>> {
    let inner = line.trim().strip_prefix('|')?;
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                chars.next();
                cells.last_mut()?.push('|');
            }
            '|' => cells.push(String::new()),
            c => cells.last_mut()?.push(c),
        }
    }
    Some(cells.into_iter().map(|c| c.trim().to_owned()).collect())
}

/// A cell holding exactly one backticked code, e.g. `` `sig.digest-mismatch` ``.
fn backticked_code(cell: &str) -> Option<&str> {
    let code = cell.strip_prefix('`')?.strip_suffix('`')?;
    let valid = !code.is_empty()
        && code.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.' || c == '_'
        });
    valid.then_some(code)
}

/// Parse every finding-code table of one page: a table whose first header cell is `code`.
pub fn parse(page: &str, text: &str) -> Vec<CodeDoc> {
    let title = text
        .lines()
        .find_map(|l| l.strip_prefix("# "))
        .unwrap_or(page)
        .replace('`', "");
    let mut docs = Vec::new();
    let mut headers: Option<Vec<String>> = None;
    for line in text.lines() {
        let Some(row) = cells(line) else {
            headers = None;
            continue;
        };
        match &headers {
            None if row.first().is_some_and(|c| c.eq_ignore_ascii_case("code")) => {
                headers = Some(row);
            }
            None => {}
            Some(names) => {
                let Some(code) = row.first().and_then(|c| backticked_code(c)) else {
                    continue; // the |---| separator, or a row that documents no code
                };
                let fields = names
                    .iter()
                    .zip(&row)
                    .skip(1)
                    .map(|(name, cell)| (name.clone(), cell.clone()))
                    .collect();
                docs.push(CodeDoc {
                    code: code.to_owned(),
                    page: page.to_owned(),
                    title: title.clone(),
                    fields,
                });
            }
        }
    }
    docs
}

/// The terminal rendering of one code's documentation.
pub fn render(doc: &CodeDoc) -> String {
    let width = doc
        .fields
        .iter()
        .map(|(name, _)| name.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = format!("{}\n  {} ({})\n", doc.code, doc.title, doc.page);
    for (name, value) in &doc.fields {
        out.push_str(&format!("  {name:<width$}  {value}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "# The `demo` gate\n\nIntro.\n\n\
| key | meaning |\n|---|---|\n| `x.not-a-code-table` | ignored: first header is not `code` |\n\n\
| code | blocks | meaning |\n|---|---|---|\n\
| `demo.bad-thing` | yes | a \\| bar and `inline` code |\n\
| not backticked | no | skipped |\n\
| `demo.other` | no | second |\n";

    #[test]
    fn parses_only_code_tables_with_escaped_bars() {
        let docs = parse("docs/gates/demo.md", PAGE);
        let codes: Vec<_> = docs.iter().map(|d| d.code.as_str()).collect();
        assert_eq!(codes, ["demo.bad-thing", "demo.other"]);
        assert_eq!(docs[0].title, "The demo gate");
        assert_eq!(
            docs[0].fields,
            [
                ("blocks".to_owned(), "yes".to_owned()),
                ("meaning".to_owned(), "a | bar and `inline` code".to_owned())
            ]
        );
    }

    #[test]
    fn the_shipped_signatures_page_is_embedded() {
        let doc = lookup("SIG.digest-mismatch").expect("documented");
        assert_eq!(doc.page, "docs/gates/signatures.md");
        assert!(render(&doc).contains("what to do"), "{}", render(&doc));
        assert_eq!(suggestions("sig.digest-mismatc")[0], "sig.digest-mismatch");
        assert!(lookup("sig.no-such-code").is_none());
    }
}
