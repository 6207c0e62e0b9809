//! object_store errors as [`StoreError`]s that say what to do: which variable to set, which
//! bucket to create, which server to start.

use crate::ledger::store::StoreError;
use object_store::client::{HttpError, HttpErrorKind};
use std::error::Error as _;

/// What the failing request was, to name it in the message and pick the hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Get,
    Create,
    Replace,
    Swap,
    Delete,
    List,
}

impl Op {
    fn verb(self) -> &'static str {
        match self {
            Op::Get => "reading",
            Op::Create => "creating",
            Op::Replace => "replacing",
            Op::Swap => "conditionally replacing",
            Op::Delete => "deleting",
            Op::List => "listing",
        }
    }
}

/// Where the store is, shared by every error it reports.
pub struct Site<'a> {
    pub location: &'a str,
    pub bucket: &'a str,
    pub endpoint: &'a str,
}

impl Site<'_> {
    /// A [`StoreError`] for `key` with this store's location.
    pub fn error(&self, key: &str, message: String) -> StoreError {
        StoreError {
            location: self.location.to_string(),
            key: key.to_string(),
            message,
        }
    }

    /// `error` from object_store, raised while doing `op` on `key`.
    pub fn map(&self, op: Op, key: &str, error: &object_store::Error) -> StoreError {
        let hint = self.hint(op, error);
        self.error(key, format!("{} failed: {error}; {hint}", op.verb()))
    }

    fn hint(&self, op: Op, error: &object_store::Error) -> String {
        let Site {
            bucket, endpoint, ..
        } = self;
        match error {
            object_store::Error::Unauthenticated { .. }
            | object_store::Error::PermissionDenied { .. } => format!(
                "the server at {endpoint} refused the credentials: check AWS_ACCESS_KEY_ID, \
                 AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, AWS_REGION, and that they may \
                 {} in bucket `{bucket}`",
                if op == Op::Get || op == Op::List {
                    "read"
                } else {
                    "write"
                }
            ),
            _ if no_such_bucket(error) => format!(
                "bucket `{bucket}` does not exist at {endpoint}: create it, or fix the bucket \
                 in --store or the endpoint (TOLLGATE_S3_ENDPOINT, AWS_ENDPOINT_URL)"
            ),
            object_store::Error::NotFound { .. } => format!(
                "the server at {endpoint} answered 404: check that bucket `{bucket}` exists \
                 and that the endpoint (TOLLGATE_S3_ENDPOINT, AWS_ENDPOINT_URL) is an S3 API"
            ),
            _ => match http_kind(error) {
                Some(HttpErrorKind::Connect) => format!(
                    "could not connect to {endpoint}: check that the server is running and that \
                     TOLLGATE_S3_ENDPOINT / AWS_ENDPOINT_URL name it"
                ),
                Some(HttpErrorKind::Timeout) => format!(
                    "{endpoint} did not answer in time (AWS_TIMEOUT, AWS_CONNECT_TIMEOUT raise \
                     the limits): check the server and the network, then run again"
                ),
                _ => format!(
                    "nothing was assumed about `{bucket}`; fix the cause above and run again"
                ),
            },
        }
    }
}

/// S3 answers 404 for a missing bucket as for a missing key; only the error code in the
/// body tells them apart, and a missing bucket must never read as "no such object".
pub fn no_such_bucket(error: &object_store::Error) -> bool {
    chain_text(error).contains("NoSuchBucket")
}

fn chain_text(error: &object_store::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The transport failure underneath `error`, if it was one (refused connection, timeout).
fn http_kind(error: &object_store::Error) -> Option<HttpErrorKind> {
    let mut source = error.source();
    while let Some(cause) = source {
        if let Some(http) = cause.downcast_ref::<HttpError>() {
            return Some(http.kind());
        }
        source = cause.source();
    }
    None
}
