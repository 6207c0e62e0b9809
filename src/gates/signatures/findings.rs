//! The findings the signatures gate reports for a signature that does not check out.

use crate::keys::TrustedKey;
use crate::minisig::Check;
use crate::report::Finding;

/// The finding for a failed check of the signature at `sig_name` over `subject`.
pub fn finding(
    check: &Check,
    subject: &str,
    sig_name: &str,
    keys: &[TrustedKey],
) -> Option<Finding> {
    let finding = match check {
        Check::Valid => return None,
        Check::UntrustedKey(id) => {
            let trusted: Vec<String> = keys.iter().map(|k| k.key_id.to_string()).collect();
            Finding::error(
                "sig.untrusted-key",
                format!(
                    "{sig_name} was made by key {id}, which the policy does not trust (trusted: {})",
                    if trusted.is_empty() { "none".to_owned() } else { trusted.join(", ") }
                ),
            )
            .hint("sign with a trusted key, or add the signer's public key to [trust] artifact_keys")
        }
        Check::Invalid => Finding::error(
            "sig.signature-invalid",
            format!("{sig_name} does not verify {subject}: the file, the signature or its trusted comment was altered"),
        )
        .hint("re-download the release, or re-sign it with minisign -S"),
        Check::LegacyRefused => Finding::error(
            "sig.legacy-signature",
            format!("{sig_name} is a legacy (non-prehashed) minisign signature and the policy refuses them"),
        )
        .hint("re-sign without -l, or set allow_legacy = true in [gates.signatures]"),
        Check::LegacyTooLarge => Finding::error(
            "sig.legacy-signature",
            format!("{sig_name} is a legacy (non-prehashed) signature over a file too large to verify in memory"),
        )
        .hint("re-sign with a current minisign (prehashed signatures are the default)"),
    };
    Some(finding.subject(subject).at(sig_name, None))
}
