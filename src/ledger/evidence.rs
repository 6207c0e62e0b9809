//! Which files an evaluation's ledger entry keeps: every evidence file a gate read that is
//! not an artifact, the policy, its trusted key files and the repository's Cargo.lock, each
//! re-hashed and stored only when it still matches the digest the gate reported.

use super::entry::{Base, EvidenceRecord};
use crate::policy::Policy;
use crate::verdict::Verdict;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Files larger than this are recorded by digest only: the ledger keeps small evidence
/// (sums, signatures, SBOMs, reports, logs), never bulk data.
pub const MAX_STORED: u64 = 16 * 1024 * 1024;

/// Where relative evidence paths may point, in the order they are tried.
pub struct Bases<'a> {
    pub release: &'a Path,
    pub repo: &'a Path,
    pub policy_dir: &'a Path,
}

/// Evidence records for the entry and the bytes of those stored.
#[derive(Debug, Default)]
pub struct Collected {
    pub records: Vec<EvidenceRecord>,
    pub blobs: Vec<Vec<u8>>,
}

/// Gather what the entry for `verdict` should keep.
pub fn collect(verdict: &Verdict, policy: &Policy, bases: &Bases<'_>) -> Collected {
    // Artifacts are bound by digest in the verdict; their bytes never go into the ledger.
    let artifacts: BTreeSet<&str> = verdict.subjects.iter().map(|s| s.sha256.as_str()).collect();
    let mut out = Collected::default();
    let mut seen = BTreeSet::new();
    for report in &verdict.gates {
        for evidence in &report.evidence {
            if artifacts.contains(evidence.sha256.as_str())
                || !seen.insert((
                    report.gate.clone(),
                    evidence.path.clone(),
                    evidence.sha256.clone(),
                ))
            {
                continue;
            }
            let role = format!("gate:{}", report.gate);
            out.add(resolve(
                &role,
                &evidence.path,
                Some(&evidence.sha256),
                evidence.size,
                bases,
            ));
        }
    }
    let policy_path = policy.path.to_string_lossy().into_owned();
    out.add(resolve(
        "policy",
        &policy_path,
        Some(&policy.sha256),
        0,
        bases,
    ));
    for key in policy
        .trust
        .artifact_keys
        .iter()
        .chain(&policy.trust.verdict_keys)
        .chain(&policy.trust.ops_keys)
    {
        if let Some(path) = &key.path {
            out.add(resolve(
                "trusted-key",
                &path.to_string_lossy(),
                None,
                0,
                bases,
            ));
        }
    }
    let lockfile = bases.repo.join("Cargo.lock");
    if lockfile.is_file() {
        out.add(resolve(
            "lockfile",
            &lockfile.to_string_lossy(),
            None,
            0,
            bases,
        ));
    }
    out
}

impl Collected {
    fn add(&mut self, (record, bytes): (EvidenceRecord, Option<Vec<u8>>)) {
        self.records.push(record);
        self.blobs.extend(bytes);
    }
}

/// Find the file behind a reported path and decide whether to store it. With `expected`
/// (the digest the gate reported), a file that hashes differently is not stored.
fn resolve(
    role: &str,
    path: &str,
    expected: Option<&str>,
    reported_size: u64,
    bases: &Bases<'_>,
) -> (EvidenceRecord, Option<Vec<u8>>) {
    let candidates: Vec<(Base, PathBuf)> = if Path::new(path).is_absolute() {
        vec![(Base::Absolute, PathBuf::from(path))]
    } else {
        vec![
            (Base::Release, bases.release.join(path)),
            (Base::Repo, bases.repo.join(path)),
            (Base::Policy, bases.policy_dir.join(path)),
            (Base::Cwd, PathBuf::from(path)),
        ]
    };
    let mut record = EvidenceRecord {
        role: role.to_owned(),
        path: path.to_owned(),
        base: Base::Unresolved,
        sha256: expected.unwrap_or_default().to_owned(),
        size: reported_size,
        stored: false,
        note: None,
    };
    let mut mismatches = Vec::new();
    for (base, candidate) in candidates {
        let Ok(meta) = std::fs::metadata(&candidate) else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        if meta.len() > MAX_STORED {
            if expected.is_none() {
                record.size = meta.len();
            }
            record.base = base;
            record.note = Some(format!(
                "{} bytes, over the {} MiB cap: recorded by digest only",
                meta.len(),
                MAX_STORED >> 20
            ));
            return (record, None);
        }
        let bytes = match std::fs::read(&candidate) {
            Ok(bytes) => bytes,
            Err(e) => {
                mismatches.push(format!("{}: unreadable: {e}", candidate.display()));
                continue;
            }
        };
        let actual = crate::digest::sha256_hex(&bytes);
        if expected.is_some_and(|want| want != actual) {
            mismatches.push(format!("{} now hashes to {actual}", candidate.display()));
            continue;
        }
        record.base = base;
        record.sha256 = actual;
        record.size = bytes.len() as u64;
        record.stored = true;
        return (record, Some(bytes));
    }
    record.note = Some(if mismatches.is_empty() {
        "not found under --release, --repo, the policy directory or the working directory: recorded by digest only".to_owned()
    } else {
        format!(
            "changed since the gate read it ({}): not stored, recorded by the gate's digest",
            mismatches.join("; ")
        )
    });
    (record, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_only_files_that_still_match_the_reported_digest() {
        let dir = tempfile::tempdir().unwrap();
        let (release, repo) = (dir.path().join("release"), dir.path().join("repo"));
        std::fs::create_dir_all(&release).unwrap();
        std::fs::create_dir_all(&repo).unwrap();
        std::fs::write(release.join("SHA256SUMS"), b"sums").unwrap();
        std::fs::write(repo.join("Cargo.lock"), b"lock").unwrap();
        let bases = Bases {
            release: &release,
            repo: &repo,
            policy_dir: dir.path(),
        };
        let sums = crate::digest::sha256_hex(b"sums");
        let (record, bytes) = resolve("gate:signatures", "SHA256SUMS", Some(&sums), 4, &bases);
        assert!(
            record.stored && record.base == Base::Release && bytes.as_deref() == Some(&b"sums"[..])
        );
        // Found under --repo, not --release.
        let lock = crate::digest::sha256_hex(b"lock");
        let (record, _) = resolve("lockfile", "Cargo.lock", Some(&lock), 4, &bases);
        assert_eq!(record.base, Base::Repo);
        // Changed since the gate read it: recorded by the gate's digest, not stored.
        let (record, bytes) = resolve(
            "gate:signatures",
            "SHA256SUMS",
            Some(&"0".repeat(64)),
            4,
            &bases,
        );
        assert!(!record.stored && bytes.is_none());
        assert_eq!(record.sha256, "0".repeat(64));
        assert!(
            record
                .note
                .unwrap()
                .contains(&format!("now hashes to {sums}"))
        );
        // Missing everywhere.
        let (record, _) = resolve("gate:audit", "nope.json", Some(&sums), 4, &bases);
        assert_eq!((record.base, record.stored), (Base::Unresolved, false));
    }

    #[test]
    fn files_over_the_cap_are_recorded_by_digest_only() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.cdx.json");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(MAX_STORED + 1)
            .unwrap();
        let bases = Bases {
            release: dir.path(),
            repo: dir.path(),
            policy_dir: dir.path(),
        };
        let (record, bytes) = resolve(
            "gate:sbom",
            "big.cdx.json",
            Some(&"a".repeat(64)),
            MAX_STORED + 1,
            &bases,
        );
        assert!(!record.stored && bytes.is_none());
        assert!(record.note.unwrap().contains("over the 16 MiB cap"));
    }
}
