//! A line-by-line model of how the GitHub Actions runner turns a step's output into workflow
//! commands, written from a reading of actions/runner (src/Runner.Common/ActionCommand.cs:
//! `TryParseV2`, `TryParse` and the unescaping tables; src/Runner.Worker/
//! ActionCommandManager.cs: `TryProcessCommand`, the stop-commands state and the registered
//! commands; src/Runner.Sdk/ProcessInvoker.cs: lines come from `StreamReader.ReadLine`).
//! It is the oracle for the tests that hostile text never becomes a command.
//!
//! Comparisons here are ordinal. The runner's `StartsWith`/`IndexOf` are culture-aware and
//! may skip invisible characters, so the oracle (`our_commands`) also checks each line with
//! them removed, and checks a stricter shape: no line except ours has a command's shape at
//! all, whatever its name.

use std::collections::BTreeMap;

/// The commands the runner registers (plus a stop token while commands are stopped).
pub const REGISTERED: &[&str] = &[
    "stop-commands",
    "set-env",
    "set-output",
    "save-state",
    "add-mask",
    "add-path",
    "add-matcher",
    "remove-matcher",
    "debug",
    "warning",
    "error",
    "notice",
    "group",
    "endgroup",
    "echo",
];

/// A parsed command: name, properties (keys compared case-insensitively, stored lowercase)
/// and data, unescaped as the runner unescapes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub name: String,
    pub properties: BTreeMap<String, String>,
    pub data: String,
}

/// What the runner did with one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Plain output.
    Plain,
    /// A command the runner acted on.
    Acted(Command),
    /// A command-shaped line ignored because commands are stopped.
    Stopped(Command),
    /// `::stop-commands::` with a token the runner refuses (it throws).
    BadStopToken(String),
}

/// The lines the runner reads from one stream: `ReadLine` ends a line at LF, CR or CRLF;
/// bytes are decoded as UTF-8 (invalid sequences become U+FFFD).
pub fn lines(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => out.push(std::mem::take(&mut current)),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push(std::mem::take(&mut current));
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn unescape(text: &str, table: &[(&str, &str)]) -> String {
    let mut out = text.to_owned();
    for (escaped, plain) in table {
        out = out.replace(escaped, plain);
    }
    out
}

const DATA: &[(&str, &str)] = &[("%0D", "\r"), ("%0A", "\n"), ("%25", "%")];
const PROPERTY: &[(&str, &str)] = &[
    ("%0D", "\r"),
    ("%0A", "\n"),
    ("%3A", ":"),
    ("%2C", ","),
    ("%25", "%"),
];
const LEGACY: &[(&str, &str)] = &[
    ("%3B", ";"),
    ("%0D", "\r"),
    ("%0A", "\n"),
    ("%5D", "]"),
    ("%25", "%"),
];

/// `"key=value"` split at the first `=`, both sides non-empty (`Split('=', 2,
/// RemoveEmptyEntries)` yielding two parts).
fn pair(text: &str) -> Option<(&str, &str)> {
    let (key, value) = text.split_once('=')?;
    let value = value.trim_start_matches('=');
    (!key.is_empty() && !value.is_empty()).then_some((key, value))
}

fn name_and_properties(info: &str) -> (&str, Option<&str>) {
    match info.find(' ') {
        Some(space) => (&info[..space], (space > 0).then(|| &info[space + 1..])),
        None => (info, None),
    }
}

/// `::name k=v,k=v::data` after trimming leading whitespace (`TryParseV2`).
pub fn parse_v2(line: &str, registered: &dyn Fn(&str) -> bool) -> Option<Command> {
    let message = line.trim_start();
    let rest = message.strip_prefix("::")?;
    let end = rest.find("::")?;
    let (name, properties) = name_and_properties(&rest[..end]);
    if !registered(name) {
        return None;
    }
    let mut command = Command {
        name: name.to_owned(),
        properties: BTreeMap::new(),
        data: unescape(&rest[end + 2..], DATA),
    };
    for part in properties.unwrap_or("").trim().split(',') {
        if let Some((key, value)) = pair(part) {
            command
                .properties
                .insert(key.to_lowercase(), unescape(value, PROPERTY));
        }
    }
    Some(command)
}

/// `##[name k=v;k=v]data` anywhere in the line (the legacy `TryParse`).
pub fn parse_legacy(line: &str, registered: &dyn Fn(&str) -> bool) -> Option<Command> {
    let start = line.find("##[")? + 3;
    let end = start + line[start..].find(']')?;
    let (name, properties) = name_and_properties(&line[start..end]);
    if !registered(name) {
        return None;
    }
    let mut command = Command {
        name: name.to_owned(),
        properties: BTreeMap::new(),
        data: unescape(&line[end + 1..], LEGACY),
    };
    for part in properties.unwrap_or("").split(';') {
        if let Some((key, value)) = pair(part) {
            command
                .properties
                .insert(key.to_lowercase(), unescape(value, LEGACY));
        }
    }
    Some(command)
}

/// A command of any name that could ever be registered (letters, digits, `-`, `_`: every
/// command and every stop token): the shape alone, stricter than the runner.
pub fn shape(line: &str) -> Option<Command> {
    let any = |name: &str| {
        !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    parse_v2(line, &any).or_else(|| parse_legacy(line, &any))
}

/// The line without the invisible characters .NET's culture-aware `StartsWith`/`IndexOf`
/// may pass over (part of Unicode's Default_Ignorable_Code_Point). The oracle checks the
/// shape of both forms, so its verdict does not rest on ordinal comparison.
pub fn visible(line: &str) -> String {
    line.chars()
        .filter(|c| !matches!(*c as u32, 0xAD | 0x200B..=0x200F | 0x2060..=0x2064 | 0xFEFF))
        .collect()
}

fn any_shape(line: &str) -> Option<Command> {
    shape(line).or_else(|| shape(&visible(line)))
}

/// One step's command processor (`ActionCommandManager`): the registered names and the
/// stop-commands state, shared by stdout and stderr.
pub struct Runner {
    registered: Vec<String>,
    stop_token: Option<String>,
}

impl Default for Runner {
    fn default() -> Self {
        Runner {
            registered: REGISTERED.iter().map(|s| s.to_string()).collect(),
            stop_token: None,
        }
    }
}

impl Runner {
    pub fn stopped(&self) -> bool {
        self.stop_token.is_some()
    }

    fn is_registered(&self, name: &str) -> bool {
        self.registered.iter().any(|r| r.eq_ignore_ascii_case(name))
    }

    /// Process one line as `TryProcessCommand` does.
    pub fn process(&mut self, line: &str) -> Event {
        let registered = |name: &str| self.is_registered(name);
        let Some(command) = parse_v2(line, &registered).or_else(|| parse_legacy(line, &registered))
        else {
            return Event::Plain;
        };
        if let Some(token) = &self.stop_token {
            if command.name.eq_ignore_ascii_case(token) {
                let token = token.clone();
                self.registered.retain(|r| !r.eq_ignore_ascii_case(&token));
                self.stop_token = None;
                return Event::Acted(command);
            }
            return Event::Stopped(command);
        }
        if command.name.eq_ignore_ascii_case("stop-commands") {
            let token = command.data.clone();
            if token.is_empty()
                || self.is_registered(&token)
                || token.eq_ignore_ascii_case("pause-logging")
            {
                return Event::BadStopToken(token);
            }
            self.registered.push(token.clone());
            self.stop_token = Some(token);
        }
        Event::Acted(command)
    }

    /// Process a whole stream; the commands acted on (fence commands included).
    pub fn run(&mut self, bytes: &[u8]) -> Vec<Command> {
        lines(bytes)
            .iter()
            .filter_map(|line| match self.process(line) {
                Event::Acted(command) => Some(command),
                _ => None,
            })
            .collect()
    }
}

/// One of tollgate's own annotations as the runner acts on it: the raw line and the command.
#[derive(Debug, Clone)]
pub struct Ours {
    pub line: String,
    pub command: Command,
}

/// The oracle for one tollgate run under GitHub Actions. Panics unless:
/// - no line of stdout has a command's shape (any name: stricter than the runner);
/// - on stderr, the first command-shaped line raises the fence (`::stop-commands::TOKEN`,
///   TOKEN 64 hex digits), the last lifts it (`::TOKEN::`), and every other command-shaped
///   line is an `error`/`warning`/`notice` annotation between a lift and the next raise;
/// - the runner model, fed stderr then stdout or stdout then stderr, acts on exactly the
///   fence commands and those annotations, and ends with commands enabled.
///
/// Returns the annotations, in order.
pub fn our_commands(out: &std::process::Output) -> Vec<Ours> {
    let (stdout, stderr) = (&out.stdout, &out.stderr);
    let show = || {
        format!(
            "--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(stdout),
            String::from_utf8_lossy(stderr)
        )
    };
    for line in lines(stdout) {
        assert!(
            any_shape(&line).is_none(),
            "command-shaped line on stdout: {line:?}\n{}",
            show()
        );
    }
    let mut token: Option<String> = None;
    let mut fenced = false;
    let mut ours = Vec::new();
    for line in lines(stderr) {
        let Some(command) = any_shape(&line) else {
            continue;
        };
        match &token {
            None => {
                let t = line.strip_prefix("::stop-commands::").unwrap_or_else(|| {
                    panic!(
                        "stderr's first command is not the fence: {line:?}\n{}",
                        show()
                    )
                });
                assert!(
                    t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()),
                    "weak token {t:?}"
                );
                token = Some(t.to_owned());
                fenced = true;
            }
            Some(t) if line == format!("::{t}::") && fenced => fenced = false,
            Some(t) if line == format!("::stop-commands::{t}") && !fenced => fenced = true,
            Some(_)
                if !fenced
                    && line.starts_with("::")
                    && ["error", "warning", "notice"].contains(&command.name.as_str())
                    && parse_v2(&line, &|n| REGISTERED.contains(&n)).is_some() =>
            {
                ours.push(Ours { line, command })
            }
            Some(_) => panic!("a command tollgate did not mean: {line:?}\n{}", show()),
        }
    }
    assert!(!fenced, "the fence was not lifted at exit\n{}", show());
    let annotations = |acted: Vec<Command>| -> Vec<Command> {
        acted
            .into_iter()
            .filter(|c| !c.name.eq_ignore_ascii_case("stop-commands"))
            .filter(|c| {
                token
                    .as_deref()
                    .is_none_or(|t| !c.name.eq_ignore_ascii_case(t))
            })
            .collect()
    };
    let expected: Vec<Command> = ours.iter().map(|o| o.command.clone()).collect();
    for order in [[stderr, stdout], [stdout, stderr]] {
        let mut runner = Runner::default();
        let acted: Vec<Command> = order.iter().flat_map(|s| runner.run(s)).collect();
        assert_eq!(annotations(acted), expected, "\n{}", show());
        assert!(!runner.stopped(), "commands left stopped\n{}", show());
    }
    ours
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate::github::{Annotation, Level};

    fn reg(name: &str) -> bool {
        REGISTERED.iter().any(|r| r.eq_ignore_ascii_case(name))
    }

    #[test]
    fn v2_trims_leading_whitespace_and_legacy_matches_anywhere() {
        let c = parse_v2(" \t::error file=a%2Cb,line=3::x%0Ay", &reg).unwrap();
        assert_eq!(c.name, "error");
        assert_eq!(c.properties["file"], "a,b");
        assert_eq!(c.properties["line"], "3");
        assert_eq!(c.data, "x\ny");
        assert_eq!(parse_v2("x ::error::y", &reg), None);
        assert_eq!(parse_v2("::nope::y", &reg), None);
        let c = parse_legacy("name: evil ##[set-env name=A]b%5D", &reg).unwrap();
        assert_eq!((c.name.as_str(), c.data.as_str()), ("set-env", "b]"));
        assert_eq!(c.properties["name"], "A");
        assert_eq!(parse_legacy("##[\\error]x", &reg), None);
        assert_eq!(parse_legacy("##ERROR x", &reg), None);
    }

    #[test]
    fn lines_end_at_lf_cr_and_crlf() {
        assert_eq!(lines(b"a\r\nb\rc\nd"), ["a", "b", "c", "d"]);
    }

    #[test]
    fn stop_commands_swallows_everything_until_its_token() {
        let mut runner = Runner::default();
        let acted = runner.run(
            b"::stop-commands::tok123456\n::error::x\n##[error]y\n::set-output name=a::b\n::TOK123456::\n::error::z\n",
        );
        let names: Vec<_> = acted.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["stop-commands", "TOK123456", "error"]);
        assert_eq!(acted[2].data, "z");
        assert!(!runner.stopped());
        // A token the runner refuses: a registered name.
        assert_eq!(
            Runner::default().process("::stop-commands::error"),
            Event::BadStopToken("error".into())
        );
    }

    #[test]
    fn tollgate_annotations_round_trip_exactly() {
        let hostile = "100% a:b,c\r\nd%0A::error::e ##[warning]f, %25 ;]";
        let mut annotation = Annotation::new(Level::Warning, hostile).title(hostile);
        annotation.file = Some(hostile.to_owned());
        annotation.line = Some(7);
        let rendered = annotation.render();
        let lines = lines(rendered.as_bytes());
        assert_eq!(lines.len(), 1, "{rendered:?}");
        let command = parse_v2(&lines[0], &reg).expect("a command");
        assert_eq!(command.name, "warning");
        assert_eq!(command.data, hostile);
        assert_eq!(command.properties["file"], hostile);
        assert_eq!(command.properties["title"], hostile);
        assert_eq!(command.properties["line"], "7");
        assert_eq!(command.properties.len(), 3, "{command:?}");
    }
}
