//! `s3://bucket/prefix` store addresses: parsed once, checked before any request is made.

/// A parsed `s3://bucket/prefix` address. The prefix has no leading or trailing `/` and may be
/// empty (the store then owns the whole bucket).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Url {
    pub bucket: String,
    pub prefix: String,
}

impl S3Url {
    /// Parse an `s3://` address; the error says what is wrong and what a good one looks like.
    pub fn parse(url: &str) -> Result<S3Url, String> {
        let Some(rest) = url.strip_prefix("s3://") else {
            return Err(format!(
                "`{url}` is not an S3 address: write it as s3://BUCKET/PREFIX"
            ));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if !valid_bucket(bucket) {
            return Err(format!(
                "`{bucket}` in `{url}` is not a valid S3 bucket name: 3 to 63 characters of \
                 lower-case letters, digits, `.` and `-`, starting and ending with a letter or digit"
            ));
        }
        let prefix = prefix.trim_end_matches('/');
        // Empty segments (`a//b`) and relative ones would be rejected by object_store's path
        // rules anyway; saying so here names the address instead of a later key.
        if !prefix.is_empty()
            && prefix
                .split('/')
                .any(|s| s.is_empty() || s == "." || s == "..")
        {
            return Err(format!(
                "the prefix `{prefix}` in `{url}` has an empty, `.` or `..` segment: \
                 use plain names separated by single `/`"
            ));
        }
        Ok(S3Url {
            bucket: bucket.to_string(),
            prefix: prefix.to_string(),
        })
    }

    /// The canonical address, for messages.
    pub fn display(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

/// Whether a `--store` value names object storage rather than a local directory.
pub fn is_s3_url(store: &str) -> bool {
    store.starts_with("s3://")
}

// The S3 naming rules (general-purpose buckets), minus the rarely-hit IP-address rule.
fn valid_bucket(name: &str) -> bool {
    let bytes = name.as_bytes();
    (3..=63).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'.' || *b == b'-')
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_and_nested_prefix() {
        let url = S3Url::parse("s3://ledgers/prod/chain-node/").unwrap();
        assert_eq!(url.bucket, "ledgers");
        assert_eq!(url.prefix, "prod/chain-node");
        assert_eq!(url.display(), "s3://ledgers/prod/chain-node");
    }

    #[test]
    fn bucket_alone_owns_the_bucket() {
        for input in ["s3://ledgers", "s3://ledgers/"] {
            let url = S3Url::parse(input).unwrap();
            assert_eq!((url.bucket.as_str(), url.prefix.as_str()), ("ledgers", ""));
        }
    }

    #[test]
    fn rejects_what_s3_would_refuse_later() {
        for (input, needle) in [
            ("https://ledgers/x", "not an S3 address"),
            ("s3://", "not a valid S3 bucket name"),
            ("s3://Ledgers/x", "not a valid S3 bucket name"),
            ("s3://ab/x", "not a valid S3 bucket name"),
            ("s3://ledgers-/x", "not a valid S3 bucket name"),
            ("s3://ledgers/a//b", "empty, `.` or `..` segment"),
            ("s3://ledgers/a/../b", "empty, `.` or `..` segment"),
        ] {
            let err = S3Url::parse(input).unwrap_err();
            assert!(err.contains(needle), "{input}: {err}");
        }
    }

    #[test]
    fn recognises_s3_store_values() {
        assert!(is_s3_url("s3://bucket/prefix"));
        assert!(!is_s3_url(".tollgate/ledger"));
        assert!(!is_s3_url("/srv/s3://odd"));
    }
}
