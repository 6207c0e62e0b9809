//! `tollgate key revoke|revocations|list`: ops-signed key revocation records in the
//! ledger, their signed export for offline `verify --revocations`, and each trusted key's
//! status. Whether a revocation counts is decided by `ledger::revocation`.

use super::{CommandError, CommandResult, Exit, clock, print};
use crate::cli::{KeyListArgs, KeyRevocationsArgs, KeyRevokeArgs};
use crate::keys::{KeyId, TrustedKey};
use crate::ledger::entry::Kind;
use crate::ledger::revocation::{
    self, LIST_SCHEMA, RevocationList, RevocationStatement, Revocations, inline_key,
};
use crate::ledger::signed::{Signed, append_signed, signed_bytes};
use crate::ledger::{Mode, open};
use crate::verdict::{parse_rfc3339, rfc3339};
use anyhow::anyhow;
use std::collections::HashMap;
use std::path::Path;

/// The environment a revocation entry names: a key is revoked everywhere.
const ALL: &str = "all";

pub fn revoke(args: &KeyRevokeArgs) -> CommandResult {
    let reason = args.reason.trim();
    if reason.is_empty() {
        return Err(CommandError::config(anyhow!(
            "--reason is empty: say why (`rotated`, `compromised`, ...); it is shown in every refusal"
        )));
    }
    let now = clock(args.now.as_deref())?;
    let compromised_since = match &args.compromised_since {
        Some(text) => Some(rfc3339(parse_rfc3339(text).ok_or_else(|| {
            CommandError::config(anyhow!(
                "--compromised-since {text:?} is not an RFC 3339 time"
            ))
        })?)),
        None => None,
    };
    let revoked = TrustedKey::resolve(&args.pubkey, Path::new("."))
        .map_err(|e| CommandError::config(anyhow!("--pubkey {}: {e}", args.pubkey)))?;
    let Some(signer) = super::signing_key::signer(&args.signing)? else {
        return Err(CommandError::config(anyhow!(
            "tollgate key revoke needs --key OPSKEY: only a revocation signed by a key in the \
             policy's [trust] ops_keys counts"
        )));
    };
    let store = open(&args.store.store, Path::new("."), Mode::Create)
        .map_err(|e| CommandError::config(anyhow!("--store {}: {e}", args.store.store)))?;
    let time = super::ledger_time(store.as_ref(), now, args.now.as_deref())?;
    let statement = RevocationStatement {
        revoked_key: inline_key(&revoked),
        revoked_key_id: revoked.key_id.to_string(),
        reason: reason.to_owned(),
        compromised_since,
        time: time.clone(),
    };
    let minisig = signer
        .sign(&signed_bytes(&statement), &statement.trusted_comment())
        .map_err(CommandError::config)?;
    let id = append_signed(
        store.as_ref(),
        Signed {
            kind: Kind::Revocation,
            environment: ALL,
            time: &time,
            time_source: crate::ledger::clock::Source::signed(args.now.as_deref()),
            statement: &statement,
            minisig: &minisig,
            public_key: &signer.public_key_base64(),
            attachments: Vec::new(),
        },
        Some(&signer),
    )
    .map_err(|e| CommandError {
        exit: Exit::Usage,
        error: anyhow!("{}: the revocation was not recorded: {e}", store.location()),
    })?;
    print(&format!(
        "key {} revoked at {time}: {reason} (ledger entry {id}, signed by key {}; it counts where \
         the policy's [trust] ops_keys holds that key)\n",
        revoked.key_id,
        signer.key_id()
    ))?;
    Ok(Exit::Success)
}

pub fn revocations(args: &KeyRevocationsArgs) -> CommandResult {
    let now = clock(args.now.as_deref())?;
    let Some(signer) = super::signing_key::signer(&args.signing)? else {
        return Err(CommandError::config(anyhow!(
            "tollgate key revocations needs --key OPSKEY: the list is signed so that nobody can \
             drop a revocation from it"
        )));
    };
    let store = open(&args.store.store, Path::new("."), Mode::Existing)
        .map_err(|e| CommandError::config(anyhow!("--store {}: {e}", args.store.store)))?;
    let records = revocation::stored(store.as_ref()).map_err(text_error)?;
    let revoked_ids: Vec<String> = records
        .iter()
        .filter_map(|r| {
            r.statement
                .get("revoked_key_id")?
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    let verdicts = revocation::verdict_signers(store.as_ref())
        .map_err(text_error)?
        .into_iter()
        .filter(|(key, _)| revoked_ids.contains(&key.to_string()))
        .map(|(_, logged)| logged)
        .collect();
    let list = RevocationList {
        schema: LIST_SCHEMA.to_owned(),
        store: store.location(),
        exported_at: rfc3339(now),
        revocations: records,
        verdicts,
    };
    let mut bytes = serde_json::to_vec_pretty(&list).map_err(CommandError::config)?;
    bytes.push(b'\n');
    let signature = signer
        .sign(&bytes, &list.trusted_comment())
        .map_err(CommandError::config)?;
    let sig_path = format!("{}.minisig", args.out.display());
    std::fs::write(&args.out, &bytes)
        .and_then(|_| std::fs::write(&sig_path, signature))
        .map_err(|e| CommandError::config(anyhow!("cannot write {}: {e}", args.out.display())))?;
    print(&format!(
        "{} revocation(s) written to {} (signed by key {} in {sig_path})\n",
        list.revocations.len(),
        args.out.display(),
        signer.key_id()
    ))?;
    Ok(Exit::Success)
}

pub fn list(args: &KeyListArgs) -> CommandResult {
    let policy =
        crate::policy::load(&args.policy).map_err(|e| CommandError::config(anyhow!("{e}")))?;
    let ops = &policy.trust.ops_keys;
    let (revocations, last_use) = match &args.store {
        Some(value) => {
            let store = open(value, Path::new("."), Mode::Existing)
                .map_err(|e| CommandError::config(anyhow!("--store {value}: {e}")))?;
            let revocations = Revocations::from_store(store.as_ref(), ops).map_err(text_error)?;
            (revocations, last_uses(store.as_ref()).map_err(text_error)?)
        }
        None => (Revocations::none(), HashMap::new()),
    };
    let mut text = String::new();
    let roles = [
        ("artifact", &policy.trust.artifact_keys),
        ("verdict", &policy.trust.verdict_keys),
        ("ops", ops),
    ];
    for (role, keys) in roles {
        for key in keys.iter() {
            let status = match revocations.of(&key.key_id) {
                Some(r) => format!(
                    "revoked at {} ({}{}; entry {})",
                    r.recorded_at,
                    r.reason,
                    r.compromised_since
                        .as_ref()
                        .map(|s| format!(", compromised since {s}"))
                        .unwrap_or_default(),
                    r.entry
                ),
                None => "active".to_owned(),
            };
            let used = last_use
                .get(&key.key_id)
                .map(|t| format!("last used {t}"))
                .unwrap_or_else(|| "no use in the ledger".to_owned());
            text.push_str(&format!(
                "{role:<9} {} {status}; {used} ({})\n",
                key.key_id, key.source
            ));
        }
    }
    for note in &revocations.not_counting {
        text.push_str(&format!("note: {note}\n"));
    }
    print(&text)?;
    Ok(Exit::Success)
}

/// The newest ledger time each key signed something (a verdict or a signed record).
fn text_error(e: String) -> CommandError {
    CommandError::config(anyhow!(e))
}

fn last_uses(store: &dyn crate::ledger::store::Store) -> Result<HashMap<KeyId, String>, String> {
    let mut uses: HashMap<KeyId, String> = HashMap::new();
    let mut note = |key: KeyId, time: String| {
        let newer = uses
            .get(&key)
            .is_none_or(|t| parse_rfc3339(t) < parse_rfc3339(&time));
        if newer {
            uses.insert(key, time);
        }
    };
    for (key, logged) in revocation::verdict_signers(store)? {
        note(key, logged.time);
    }
    let records = crate::ledger::query::scan(
        store,
        None,
        crate::ledger::query::Links::Ignore,
        |_, entry| {
            Ok(entry.record.as_ref().and_then(|record| {
                KeyId::from_blob_base64(&record.public_key)
                    .map(|(_, key)| (key, entry.time.clone()))
            }))
        },
    )?;
    for (key, time) in records.items {
        note(key, time);
    }
    Ok(uses)
}
