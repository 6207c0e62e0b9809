//! The verdict-key half of `audit verify`'s signatures: each entry's verdict and provenance signatures are parsed and their
//! trusted comments checked while the entry is read; the Ed25519 checks then run batched
//! over a whole chunk of entries, and each result goes back to its entry in order.

use super::brk;
use super::entry::Checked;
use super::minisig_batch::{BatchVerifier, Prepared, Rejected};
use crate::ledger::entry::{BlobRef, Entry};
use crate::verdict::TrustedComment;
use std::collections::BTreeMap;

/// One signature an entry carries: already a problem, or waiting for batch verification.
pub(crate) enum SignatureCheck {
    Problem(String),
    Pending {
        what: String,
        item: Prepared,
        comment_ok: bool,
    },
}

/// Verify the chunk's pending signatures in batches and turn each entry's signature checks
/// into counts and breaks, in the order the entry lists them.
pub(crate) fn resolve_signatures(verifier: &BatchVerifier, results: &mut [Checked]) {
    let pending: Vec<&Prepared> = results
        .iter()
        .flat_map(|c| &c.signature_checks)
        .filter_map(|check| match check {
            SignatureCheck::Pending { item, .. } => Some(item),
            SignatureCheck::Problem(_) => None,
        })
        .collect();
    let mut valid = verifier.verify_all(&pending).into_iter();
    for checked in results {
        let name = checked.key.clone();
        for check in std::mem::take(&mut checked.signature_checks) {
            let problem = match check {
                SignatureCheck::Problem(problem) => problem,
                SignatureCheck::Pending {
                    what, comment_ok, ..
                } => {
                    // `verify_all` answers once per pending item, in order.
                    if !valid.next().unwrap_or(false) {
                        not_verified(&what, verifier)
                    } else if !comment_ok {
                        format!("{what} signature's trusted comment does not match the entry")
                    } else {
                        checked.signatures += 1;
                        continue;
                    }
                }
            };
            checked.breaks.push(brk(&name, checked.seq, problem));
        }
    }
}

/// Prepare every signature an entry carries for verification with `key` (the Ed25519 checks
/// run later, batched across entries); the trusted comments are checked here.
pub(crate) fn check_signatures(
    entry: &Entry,
    key: &BatchVerifier,
    loaded: &BTreeMap<String, Vec<u8>>,
) -> Vec<SignatureCheck> {
    let mut checks = Vec::new();
    let bytes_of = |blob: &Option<BlobRef>| blob.as_ref().and_then(|b| loaded.get(&b.sha256));
    let mut check = |what: &str,
                     data: Option<&Vec<u8>>,
                     signature: Option<&Vec<u8>>,
                     comment_ok: &dyn Fn(&str) -> bool| {
        let (Some(data), Some(signature)) = (data, signature) else {
            return;
        };
        let text = String::from_utf8_lossy(signature);
        checks.push(match key.prepare(&text, data, false) {
            Err(Rejected::Malformed(e)) => {
                SignatureCheck::Problem(format!("{what} signature is malformed: {e}"))
            }
            // Settled without the curve: reported like a signature that does not verify.
            Err(Rejected::WrongKeyOrAlgorithm) => SignatureCheck::Problem(not_verified(what, key)),
            Ok(item) => SignatureCheck::Pending {
                what: what.to_owned(),
                comment_ok: comment_ok(item.trusted_comment()),
                item,
            },
        });
    };
    let verdict_sha = entry
        .verdict
        .as_ref()
        .map(|b| b.sha256.clone())
        .unwrap_or_default();
    check(
        "verdict",
        bytes_of(&entry.verdict),
        bytes_of(&entry.verdict_signature),
        &|comment| {
            TrustedComment::parse(comment).is_some_and(|c| {
                c.sha256 == verdict_sha
                    && c.environment == entry.environment
                    && Some(c.decision.as_str()) == entry.decision.as_deref()
            })
        },
    );
    let provenance_sha = entry
        .provenance
        .as_ref()
        .map(|b| format!("sha256:{}", b.sha256))
        .unwrap_or_default();
    check(
        "provenance",
        bytes_of(&entry.provenance),
        bytes_of(&entry.provenance_signature),
        &|comment| comment.split(' ').any(|w| w == provenance_sha),
    );
    checks
}

fn not_verified(what: &str, key: &BatchVerifier) -> String {
    format!("{what} signature does not verify with key {}", key.key_id())
}
