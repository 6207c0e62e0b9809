//! `tollgate verify`: is this verdict signed by this key, current, for this environment,
//! and about these artifacts?

use super::{CommandError, CommandResult, Exit, clock, print};
use crate::cli::{OutputFormat, VerifyArgs};
use crate::github::{Annotation, Level};
use crate::keys::TrustedKey;
use crate::term::Role;
use crate::verify::{Expectations, verify};
use anyhow::anyhow;
use serde_json::json;
use std::path::Path;

pub fn run(args: &VerifyArgs) -> CommandResult {
    let now = clock(args.now.as_deref())?;
    let key = TrustedKey::resolve(&args.pubkey, Path::new("."))
        .map_err(|e| CommandError::config(anyhow!("--pubkey {}: {e}", args.pubkey)))?;
    let environment = args
        .environment
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e: String| CommandError::config(anyhow!(e)))?;
    let (digests, progress) = super::progress::hashing();
    let expect = Expectations {
        environment,
        artifacts: &args.artifact,
        now,
        digests: &digests,
    };
    let result = verify(&args.verdict, &key, &expect);
    drop(progress);
    let palette = crate::term::Palette::for_stdout();
    let (text, exit) = match (&result, args.format) {
        (Ok(ok), OutputFormat::Json) => (
            json!({"valid": true, "verdict": args.verdict, "sha256": ok.sha256, "environment": ok.verdict.environment,
                   "decision": ok.verdict.decision, "expires_at": ok.verdict.expires_at, "subjects": ok.verdict.subjects.len(),
                   "key_id": key.key_id.to_string()})
            .to_string() + "\n",
            Exit::Success,
        ),
        (Err(bad), OutputFormat::Json) => (
            json!({"valid": false, "verdict": args.verdict, "problems": bad.problems}).to_string() + "\n",
            Exit::Failure,
        ),
        (Ok(ok), OutputFormat::Text) => (
            format!(
                "{} {} promotes to {} (signed by key {}, sha256 {}, {} subject(s), expires {})\n",
                palette.paint(Role::Good, "valid:"),
                args.verdict.display(),
                ok.verdict.environment,
                key.key_id,
                ok.sha256,
                ok.verdict.subjects.len(),
                ok.verdict.expires_at
            ),
            Exit::Success,
        ),
        (Err(bad), OutputFormat::Text) => {
            let mut text = format!(
                "{} {}\n",
                palette.paint(Role::Bad, "INVALID:"),
                args.verdict.display()
            );
            for problem in &bad.problems {
                text.push_str(&format!("  - {problem}\n"));
            }
            (text, Exit::Failure)
        }
    };
    print(&text)?;
    if let (Err(bad), Some(_)) = (&result, crate::github::Runner::detect()) {
        // The deploy job's log shows why it stopped, as an annotation on the run.
        let annotation = Annotation::new(
            Level::Error,
            format!(
                "{} is not valid:\n- {}",
                args.verdict.display(),
                bad.problems.join("\n- ")
            ),
        )
        .title("tollgate verify: INVALID");
        super::annotate(&[annotation])?;
    }
    Ok(exit)
}
