//! A log's origin: the first line of every checkpoint and the key name of its signatures,
//! fixed when the log is created. The default is `tollgate.dev/ledger/<16 random hex>`, so
//! two ledgers never share an origin (a checkpoint of one cannot pass for the other's).

/// The default origin's prefix.
pub const DEFAULT_PREFIX: &str = "tollgate.dev/ledger/";

/// A fresh default origin: [`DEFAULT_PREFIX`] and 16 random hex digits.
pub fn default_origin() -> Result<String, String> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes)
        .map_err(|e| format!("cannot draw a random origin for the new ledger: {e}"))?;
    Ok(format!("{DEFAULT_PREFIX}{}", hex::encode(bytes)))
}

/// Check an origin given with `--origin`: a schema-less URL-like name (C2SP
/// tlog-checkpoint), which is also a note key name, so printable ASCII without spaces or
/// `+`, at most 255 bytes.
pub fn check(origin: &str) -> Result<(), String> {
    if origin.is_empty() || origin.len() > 255 {
        return Err(format!(
            "origin {origin:?}: must be 1 to 255 bytes (e.g. example.com/ledger/prod)"
        ));
    }
    if let Some(c) = origin.chars().find(|c| !c.is_ascii_graphic() || *c == '+') {
        return Err(format!(
            "origin {origin:?}: {c:?} is not allowed (printable ASCII without spaces or '+', \
             as a note key name needs; e.g. example.com/ledger/prod)"
        ));
    }
    if origin.contains("://") {
        return Err(format!(
            "origin {origin:?}: give it without a scheme (example.com/ledger/prod, not https://…)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_origins_are_distinct_and_valid() {
        let (a, b) = (default_origin().unwrap(), default_origin().unwrap());
        assert_ne!(a, b);
        assert!(a.starts_with(DEFAULT_PREFIX) && a.len() == DEFAULT_PREFIX.len() + 16);
        check(&a).unwrap();
    }

    #[test]
    fn bad_origins_are_refused() {
        for bad in ["", "a b", "a+b", "https://x/y", "tab\there"] {
            assert!(check(bad).is_err(), "{bad}");
        }
        check("example.com/ledger/prod").unwrap();
    }
}
