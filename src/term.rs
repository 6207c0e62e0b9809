//! What the terminal gets: colour only when the stream is a terminal and `NO_COLOR` is unset,
//! and the few styles the human reports use.

use anstyle::{AnsiColor, Style};
use std::io::IsTerminal;

/// `NO_COLOR` set to anything but the empty string turns colour off (https://no-color.org).
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty())
}

/// A terminal that cannot show escape sequences says so with `TERM=dumb`.
fn dumb_terminal() -> bool {
    std::env::var_os("TERM").is_some_and(|term| term == "dumb")
}

/// Whether text written to stdout may carry colour.
pub fn stdout_colour() -> bool {
    std::io::stdout().is_terminal() && !no_color_requested() && !dumb_terminal()
}

/// Whether stderr is a terminal a person watches (progress bars go there, and only there).
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal() && !dumb_terminal()
}

/// Styles for the human reports; a plain palette renders every style as nothing.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    enabled: bool,
}

/// The roles text plays in a report, each with one style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Good,
    Bad,
    Warn,
    Waived,
    Code,
    Dim,
    Heading,
}

impl Palette {
    pub fn plain() -> Palette {
        Palette { enabled: false }
    }

    pub fn coloured() -> Palette {
        Palette { enabled: true }
    }

    /// Colour when stdout is a terminal and `NO_COLOR` is unset.
    pub fn for_stdout() -> Palette {
        Palette {
            enabled: stdout_colour(),
        }
    }

    pub fn enabled(self) -> bool {
        self.enabled
    }

    fn style(role: Role) -> Style {
        let fg = |c: AnsiColor| Style::new().fg_color(Some(c.into()));
        match role {
            Role::Good => fg(AnsiColor::Green).bold(),
            Role::Bad => fg(AnsiColor::Red).bold(),
            Role::Warn => fg(AnsiColor::Yellow).bold(),
            Role::Waived => fg(AnsiColor::Magenta),
            Role::Code => fg(AnsiColor::Cyan),
            Role::Dim => Style::new().dimmed(),
            Role::Heading => Style::new().bold(),
        }
    }

    /// `text` in the style of `role`, or unchanged when colour is off.
    pub fn paint(self, role: Role, text: &str) -> String {
        if !self.enabled {
            return text.to_owned();
        }
        let style = Self::style(role);
        format!("{}{text}{}", style.render(), style.render_reset())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_palette_adds_nothing() {
        assert_eq!(Palette::plain().paint(Role::Bad, "FAIL"), "FAIL");
    }

    #[test]
    fn coloured_palette_wraps_in_sgr_and_resets() {
        let painted = Palette::coloured().paint(Role::Bad, "FAIL");
        assert!(painted.starts_with("\x1b["), "{painted:?}");
        assert!(painted.contains("FAIL"));
        assert!(painted.ends_with("\x1b[0m"), "{painted:?}");
    }
}
