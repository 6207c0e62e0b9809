//! The release tag: a tag whose name matches the policy's glob points at the commit, and,
//! with `signed_tag = true`, is an annotated tag carrying an SSH signature (git's
//! `gpg.format = ssh`) by a `[trust] tag_keys` key.

use super::config::Pattern;
use crate::report::{Evidence, Finding};
use crate::ssh_keys::{GIT_NAMESPACE, SshCheck, SshTrustedKey, check as check_signature};
use git2::{ObjectType, Oid, Repository};

use super::GateResult;

const SSH_ARMOR: &[u8] = b"-----BEGIN SSH SIGNATURE-----";
const PGP_ARMOR: &[u8] = b"-----BEGIN PGP SIGNATURE-----";

/// A tag ref pointing at the commit.
struct Candidate {
    /// Short name (`v1.2.0`).
    name: String,
    /// The annotated tag object, `None` for a lightweight tag.
    object: Option<Oid>,
}

/// Why a candidate tag does not carry a trusted signature.
enum Problem {
    Unsigned(String),
    Untrusted(String),
    Bad(String),
}

pub fn check(
    repository: &Repository,
    commit: Oid,
    pattern: &Pattern,
    keys: Option<&[SshTrustedKey]>,
    out: &mut GateResult,
) -> Result<(), String> {
    let candidates = candidates(repository, commit, pattern)?;
    if candidates.is_empty() {
        out.findings.push(
            Finding::error(
                "git.no-tag",
                format!(
                    "no tag matching {:?} points at commit {commit}",
                    pattern.text
                ),
            )
            .subject(commit.to_string())
            .hint(format!(
                "tag the release commit (git tag -s {}) and push the tag, or evaluate the tagged commit",
                example(&pattern.text)
            )),
        );
        return Ok(());
    }
    let odb = repository
        .odb()
        .map_err(|e| format!("cannot open the object database: {}", e.message()))?;
    let mut problems = Vec::new();
    let mut verified = false;
    for candidate in &candidates {
        let Some(object) = candidate.object else {
            problems.push((
                candidate,
                Problem::Unsigned("a lightweight tag, which cannot carry a signature".to_owned()),
            ));
            continue;
        };
        let raw = odb
            .read(object)
            .map_err(|e| format!("cannot read tag object {object}: {}", e.message()))?;
        let data = raw.data();
        out.evidence.push(Evidence {
            path: format!("git:refs/tags/{}", candidate.name),
            sha256: crate::digest::sha256_hex(data),
            size: data.len() as u64,
        });
        let Some(keys) = keys else {
            continue;
        };
        match verify(repository, object, &candidate.name, data, keys)? {
            Ok(fingerprint) => {
                verified = true;
                out.counts.insert("tag_signatures_verified".to_owned(), 1);
                tracing::debug!(tag = %candidate.name, %fingerprint, "tag signature verified");
            }
            Err(problem) => problems.push((candidate, problem)),
        }
    }
    if keys.is_none() {
        return Ok(());
    }
    for (candidate, problem) in problems {
        let tag = &candidate.name;
        let finding = match problem {
            // Only integrity failures block when another matching tag verified.
            Problem::Bad(why) => Finding::error(
                "git.bad-tag-signature",
                format!("tag {tag}: the signature does not verify: {why}"),
            )
            .hint("the tag was changed after signing, or the signature was made for something else: investigate before releasing"),
            Problem::Unsigned(why) if !verified => {
                Finding::error("git.unsigned-tag", format!("tag {tag} is not signed: {why}"))
                    .hint(format!(
                        "sign the tag with a trusted key: git -c gpg.format=ssh -c user.signingkey=KEY.pub tag -s -f {tag} {commit}"
                    ))
            }
            Problem::Untrusted(why) if !verified => Finding::error(
                "git.untrusted-tag-signature",
                format!("tag {tag}: {why}"),
            )
            .hint("sign the tag with a key listed in [trust] tag_keys, or add the signer's public key there after checking it"),
            _ => continue,
        };
        out.findings.push(finding.subject(tag.clone()));
    }
    Ok(())
}

/// Tags whose short name matches `pattern` and whose target peels to `commit`.
fn candidates(
    repository: &Repository,
    commit: Oid,
    pattern: &Pattern,
) -> Result<Vec<Candidate>, String> {
    let references = repository
        .references_glob("refs/tags/*")
        .map_err(|e| format!("cannot list tags: {}", e.message()))?;
    let mut found = Vec::new();
    for reference in references {
        let reference = reference.map_err(|e| format!("cannot read a tag: {}", e.message()))?;
        let Some(name) = reference
            .name()
            .ok()
            .and_then(|n| n.strip_prefix("refs/tags/"))
        else {
            continue;
        };
        if !pattern.is_match(name) {
            continue;
        }
        let Ok(target) = reference.peel_to_commit() else {
            continue;
        };
        if target.id() != commit {
            continue;
        }
        let direct = reference.target();
        let object = match direct {
            Some(oid)
                if repository
                    .find_object(oid, None)
                    .is_ok_and(|o| o.kind() == Some(ObjectType::Tag)) =>
            {
                Some(oid)
            }
            _ => None,
        };
        found.push(Candidate {
            name: name.to_owned(),
            object,
        });
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

/// Verify an annotated tag's SSH signature; `Ok(Ok(fingerprint))` when a trusted key made it.
fn verify(
    repository: &Repository,
    object: Oid,
    ref_name: &str,
    data: &[u8],
    keys: &[SshTrustedKey],
) -> Result<Result<String, Problem>, String> {
    // git appends the armored signature to the tag object; the signed payload is everything
    // before the armor's first line.
    let Some(start) = armor_start(data, SSH_ARMOR) else {
        if armor_start(data, PGP_ARMOR).is_some() {
            return Ok(Err(Problem::Untrusted(
                "signed with OpenPGP; tag_keys are SSH keys (sign with gpg.format = ssh)"
                    .to_owned(),
            )));
        }
        return Ok(Err(Problem::Unsigned(
            "an annotated tag without a signature".to_owned(),
        )));
    };
    let tag = repository
        .find_tag(object)
        .map_err(|e| format!("cannot read tag object {object}: {}", e.message()))?;
    if tag.name_bytes() != ref_name.as_bytes() {
        return Ok(Err(Problem::Bad(format!(
            "the signed tag object is named {:?} but sits at refs/tags/{ref_name}",
            String::from_utf8_lossy(tag.name_bytes())
        ))));
    }
    let (payload, armor) = data.split_at(start);
    let armor = String::from_utf8_lossy(armor);
    Ok(
        match check_signature(&armor, payload, GIT_NAMESPACE, keys) {
            Ok(SshCheck::Valid(fingerprint)) => Ok(fingerprint),
            Ok(SshCheck::Untrusted(fingerprint)) => Err(Problem::Untrusted(format!(
                "signed by SSH key {fingerprint}, which is not in [trust] tag_keys"
            ))),
            Ok(SshCheck::Invalid(fingerprint, why)) => {
                Err(Problem::Bad(format!("by trusted key {fingerprint}: {why}")))
            }
            Err(why) => Err(Problem::Bad(why)),
        },
    )
}

/// Where the armor begins: the last line starting with `marker` (as git's parser does).
fn armor_start(data: &[u8], marker: &[u8]) -> Option<usize> {
    let mut found = None;
    let mut at = 0;
    while at < data.len() {
        if data[at..].starts_with(marker) {
            found = Some(at);
        }
        match data[at..].iter().position(|&b| b == b'\n') {
            Some(n) => at += n + 1,
            None => break,
        }
    }
    found
}

/// A tag name the glob accepts, for hints (`v*` -> `v1.0.0`).
fn example(glob: &str) -> String {
    glob.replace('*', "1.0.0").replace('?', "1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn armor_is_found_at_a_line_start_only() {
        let data =
            b"object x\n\nmsg -----BEGIN SSH SIGNATURE-----\n-----BEGIN SSH SIGNATURE-----\nAA\n";
        let second = data.len() - b"-----BEGIN SSH SIGNATURE-----\nAA\n".len();
        assert_eq!(armor_start(data, SSH_ARMOR), Some(second));
        assert_eq!(armor_start(b"no armor\n", SSH_ARMOR), None);
        assert_eq!(example("v*"), "v1.0.0");
    }
}
