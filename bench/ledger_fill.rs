//! Fills a ledger with N realistic entries for `bench/ledger.py`: each a distinct signed
//! verdict and signed provenance (made from one real `tollgate evaluate` output, with the
//! evaluation time changed), the same evidence files, and a re-signed head (format 1) or
//! checkpoint (format 2), appended through `tollgate::ledger::append` (format 2: in batches,
//! `ledger::v2::batch::append_batch`). Only durability differs from a real run: this store
//! skips fsync, because 500,000 synced creates would take the benchmark's whole budget and
//! fsync does not change what `audit verify` reads.
//!
//! `--appends K` then times K more single appends through the real, synced local store (what
//! `evaluate` does), printing `append_ms <milliseconds>` per append.
//!
//! `--light` fills a large log for the `audit prove` benchmark: each entry a distinct but
//! unsigned verdict with one shared provenance (one new blob per entry instead of four, so
//! a million entries fit on a laptop's disk); the checkpoint is still signed.
//! `--last-verdict FILE` writes the last filled entry's verdict, for `audit prove FILE`.

use clap::Parser;
use rayon::prelude::*;
use std::path::PathBuf;
use time::OffsetDateTime;
use tollgate::ledger::append::{Pending, append};
use tollgate::ledger::evidence::{Bases, collect};
use tollgate::ledger::local::LocalStore;
use tollgate::ledger::record::{Evaluated, verdict_entry};
use tollgate::ledger::store::{AppendLock, Created, Store, StoreError, Swapped, Version};
use tollgate::ledger::v2::batch::append_batch;
use tollgate::signing::Signer;
use tollgate::verdict::{Verdict, rfc3339};

#[derive(Parser)]
struct Args {
    #[arg(long)]
    store: PathBuf,
    #[arg(long)]
    count: u64,
    /// verdict.json and provenance.json from one real evaluate.
    #[arg(long)]
    out: PathBuf,
    #[arg(long)]
    policy: PathBuf,
    #[arg(long)]
    release: PathBuf,
    #[arg(long)]
    repo: PathBuf,
    #[arg(long)]
    key: PathBuf,
    /// The format of a new store: v1 or v2.
    #[arg(long, default_value = "v2")]
    format: String,
    /// After filling, time this many single synced appends.
    #[arg(long, default_value_t = 0)]
    appends: u64,
    /// Unsigned verdicts and one shared provenance (the `audit prove` benchmark's big log).
    #[arg(long)]
    light: bool,
    /// Write the last filled entry's verdict here.
    #[arg(long)]
    last_verdict: Option<PathBuf>,
}

/// The local store's layout and reads, with unsynced writes.
struct Unsynced(LocalStore);

impl Store for Unsynced {
    fn location(&self) -> String {
        self.0.location()
    }
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.get(key)
    }
    fn create(&self, key: &str, bytes: &[u8]) -> Result<Created, StoreError> {
        let path = self.0.root().join(key);
        if path.exists() {
            return Ok(Created::AlreadyExists);
        }
        let error = |e: std::io::Error| StoreError {
            location: self.location(),
            key: key.to_owned(),
            message: e.to_string(),
        };
        std::fs::create_dir_all(path.parent().expect("keys have a directory")).map_err(error)?;
        std::fs::write(&path, bytes).map_err(error)?;
        Ok(Created::New)
    }
    fn replace(&self, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let path = self.0.root().join(key);
        let temp = path.with_extension("filling");
        std::fs::write(&temp, bytes)
            .and_then(|_| std::fs::rename(&temp, &path))
            .map_err(|e| StoreError {
                location: self.location(),
                key: key.to_owned(),
                message: e.to_string(),
            })
    }
    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        self.0.list(prefix)
    }
    fn lock_for_append(&self) -> Result<Box<dyn AppendLock>, StoreError> {
        self.0.lock_for_append()
    }
    // The rest as the local store does them (synced: appends do not call them per entry).
    fn has_append_lock(&self) -> bool {
        self.0.has_append_lock()
    }
    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.0.delete(key)
    }
    fn get_versioned(&self, key: &str) -> Result<Option<(Vec<u8>, Version)>, StoreError> {
        self.0.get_versioned(key)
    }
    fn replace_if(
        &self,
        key: &str,
        bytes: &[u8],
        expected: Option<&Version>,
    ) -> Result<Swapped, StoreError> {
        self.0.replace_if(key, bytes, expected)
    }
}

fn main() {
    let args = Args::parse();
    let policy = tollgate::policy::load(&args.policy).expect("policy");
    let signer = Signer::load(&args.key, None).expect("key");
    let template: Verdict = serde_json::from_slice(
        &std::fs::read(args.out.join("verdict.json")).expect("verdict.json"),
    )
    .expect("a verdict");
    let provenance: serde_json::Value = serde_json::from_slice(
        &std::fs::read(args.out.join("provenance.json")).expect("provenance.json"),
    )
    .expect("provenance JSON");
    let store = Unsynced(LocalStore::open(&args.store, true).expect("store"));
    let wanted = tollgate::ledger::format::Format::parse(&args.format).expect("--format v1|v2");
    let format = match tollgate::ledger::format::detect(&store).expect("format") {
        Some(format) => format,
        None => {
            tollgate::ledger::create::init(&store, wanted, None).expect("init");
            wanted
        }
    };
    let bases = Bases {
        release: &args.release,
        repo: &args.repo,
        policy_dir: &policy.dir,
    };
    let verdict_at = |at: OffsetDateTime| {
        let mut verdict = template.clone();
        verdict.evaluated_at = rfc3339(at);
        verdict.expires_at = rfc3339(at + time::Duration::days(3));
        verdict
    };
    let shared_provenance = tollgate::verdict::canonical_json(&provenance);
    let entry = |i: u64, at: OffsetDateTime| {
        let verdict = verdict_at(at);
        let verdict_bytes = verdict.canonical_bytes();
        if args.light {
            return verdict_entry(Evaluated {
                verdict: &verdict,
                verdict_bytes: &verdict_bytes,
                verdict_signature: None,
                provenance_bytes: &shared_provenance,
                provenance_signature: None,
                evidence: collect(&verdict, &policy, &bases),
                time: rfc3339(at),
            });
        }
        let verdict_sha = tollgate::digest::sha256_hex(&verdict_bytes);
        let verdict_sig = signer
            .sign(&verdict_bytes, &verdict.trusted_comment(&verdict_sha))
            .expect("sign");
        let mut prov = provenance.clone();
        prov["predicate"]["runDetails"]["metadata"]["invocationId"] =
            serde_json::Value::String(format!("bench-{i}"));
        let prov_bytes = tollgate::verdict::canonical_json(&prov);
        let prov_comment = format!(
            "tollgate-provenance environment:{} sha256:{} verdict:{verdict_sha}",
            verdict.environment,
            tollgate::digest::sha256_hex(&prov_bytes)
        );
        let prov_sig = signer.sign(&prov_bytes, &prov_comment).expect("sign");
        verdict_entry(Evaluated {
            verdict: &verdict,
            verdict_bytes: &verdict_bytes,
            verdict_signature: Some(&verdict_sig),
            provenance_bytes: &prov_bytes,
            provenance_signature: Some(&prov_sig),
            evidence: collect(&verdict, &policy, &bases),
            time: rfc3339(at),
        })
    };
    let start = OffsetDateTime::now_utc() - time::Duration::minutes(args.count as i64);
    let batch = 2048u64;
    let mut done = 0;
    while done < args.count {
        let upto = (done + batch).min(args.count);
        // Signing dominates; do a batch in parallel, then append it in order.
        let pendings: Vec<Pending> = (done..upto)
            .into_par_iter()
            .map(|i| entry(i, start + time::Duration::minutes(i as i64)))
            .collect();
        match format {
            tollgate::ledger::format::Format::V2 => {
                append_batch(&store, pendings, Some(&signer)).expect("append");
            }
            tollgate::ledger::format::Format::V1 => {
                for pending in pendings {
                    append(&store, pending, Some(&signer)).expect("append");
                }
            }
        }
        done = upto;
        eprint!("\r{done}/{} entries", args.count);
    }
    eprintln!();
    if let (Some(path), Some(last)) = (&args.last_verdict, args.count.checked_sub(1)) {
        let verdict = verdict_at(start + time::Duration::minutes(last as i64));
        std::fs::write(path, verdict.canonical_bytes()).expect("--last-verdict");
    }
    // Single appends as `evaluate` makes them: the real store, synced.
    let synced = LocalStore::open(&args.store, false).expect("store");
    for i in 0..args.appends {
        let pending = entry(args.count + i, OffsetDateTime::now_utc());
        let started = std::time::Instant::now();
        append(&synced, pending, Some(&signer)).expect("append");
        println!("append_ms {:.3}", started.elapsed().as_secs_f64() * 1000.0);
    }
}
