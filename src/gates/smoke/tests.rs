use super::findings::finding;
use crate::smoke::Problem;
use crate::smoke::problem::At;
use serde_json::json;

#[test]
fn findings_name_the_step_the_assertion_and_what_came_back() {
    let at = At {
        step: "record the tip".into(),
        line: Some(12),
    };
    let f = finding(
        &Problem::AssertionFailed {
            at: at.clone(),
            assertion: "/result/height >= 11".into(),
            got: "got 5".into(),
        },
        "spec.toml",
    );
    assert_eq!(f.code, "smoke.assertion-failed");
    assert_eq!(
        f.message,
        "step `record the tip`: expected /result/height >= 11, got 5"
    );
    assert_eq!(f.location.as_ref().unwrap().line, Some(12));
    assert_eq!(f.subject.as_deref(), Some("record the tip"));
    let f = finding(
        &Problem::Changed {
            name: "tip".into(),
            before: json!("aa"),
            after: json!("bb"),
        },
        "spec.toml",
    );
    assert_eq!(f.code, "smoke.tip-changed");
    assert!(
        f.message.contains("\"aa\" before, \"bb\" after"),
        "{}",
        f.message
    );
    assert!(f.blocks());
}
