//! Revocation cutoffs: the record's ledger time, or `compromised_since` when earlier.

use super::*;

fn revocation(recorded: &str, since: Option<&str>) -> Revocations {
    let key = KeyId::from_blob_base64("RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3")
        .unwrap()
        .1;
    let cutoff = parse_rfc3339(recorded).unwrap();
    let cutoff = since.map_or(cutoff, |s| parse_rfc3339(s).unwrap().min(cutoff));
    Revocations {
        revocations: vec![Revocation {
            key_id: key,
            reason: "rotated".into(),
            entry: "3:abc".into(),
            recorded_at: recorded.into(),
            compromised_since: since.map(str::to_owned),
            signed_by: key,
            cutoff,
        }],
        ..Revocations::default()
    }
}

#[test]
fn a_signature_counts_only_when_the_ledger_dates_it_before_the_cutoff() {
    let r = revocation("2026-11-10T00:00:00Z", None);
    let key = r.revocations[0].key_id;
    assert!(r.check(&key, Some("2026-11-09T23:59:59Z")).is_ok());
    assert!(r.check(&key, Some("2026-11-10T00:00:00Z")).is_err());
    assert!(r.check(&key, None).is_err());

    let r = revocation("2026-11-10T00:00:00Z", Some("2026-11-01T00:00:00Z"));
    assert!(r.check(&key, Some("2026-10-31T00:00:00Z")).is_ok());
    let refused = r.check(&key, Some("2026-11-05T00:00:00Z")).unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("compromised since 2026-11-01T00:00:00Z")
    );
    assert!(Revocations::none().check(&key, None).is_ok());
}
