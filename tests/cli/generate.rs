//! Shell completions and man pages are generated from the clap definition.

use crate::util::*;

#[test]
fn completions_cover_every_command() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = tollgate(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        for command in [
            "evaluate",
            "verify",
            "explain",
            "init",
            "completions",
            "man",
        ] {
            assert!(
                script.contains(command),
                "{shell} completion lacks {command}"
            );
        }
    }
    let bash = stdout(&tollgate(&["completions", "bash"]));
    assert!(bash.contains("complete -F _tollgate"), "{bash}");
    assert!(bash.contains("--policy"), "evaluate's flags are completed");
}

#[test]
fn unknown_shell_is_a_usage_error() {
    assert_eq!(tollgate(&["completions", "tcsh"]).status.code(), Some(2));
}

#[test]
fn man_page_prints_and_writes_one_page_per_command() {
    let out = tollgate(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = stdout(&out);
    assert!(page.contains(".TH tollgate 1"), "{page}");
    assert!(
        page.contains("tollgate\\-evaluate"),
        "subcommands are listed"
    );

    let dir = tempfile::tempdir().unwrap();
    let out = tollgate(&["man", "--out", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for name in [
        "tollgate.1",
        "tollgate-evaluate.1",
        "tollgate-init.1",
        "tollgate-policy-check.1",
    ] {
        let text = std::fs::read_to_string(dir.path().join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(text.contains(".TH"), "{name}");
    }
    let evaluate = std::fs::read_to_string(dir.path().join("tollgate-evaluate.1")).unwrap();
    assert!(evaluate.contains("\\-\\-environment"), "{evaluate}");
}
