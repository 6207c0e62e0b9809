//! The S3-compatible ledger backend (`--store s3://bucket/prefix`), through the object_store
//! crate. Appenders never lock: [`Store::create`] is a conditional PUT (`If-None-Match: *`),
//! so of several runners racing for one key exactly one wins and the rest retry. Nothing
//! falls back to an unconditional write: a server that ignores the condition is detected
//! (see [`S3Store::create`]) and refused. Compare-and-swap ([`Store::replace_if`]) is a PUT
//! with `If-Match: <ETag>`, or `If-None-Match: *` to create; whether a server applies either
//! atomically under races is what `tollgate audit check-store` finds out.

mod config;
mod errors;
mod url;

pub use config::{ENDPOINT_VAR, INSTANCE_METADATA_VAR};
pub use url::{S3Url, is_s3_url};

use crate::ledger::store::{AppendLock, Created, Store, StoreError, Swapped, Version};
use errors::{Op, Site, no_such_bucket};
use futures_util::TryStreamExt;
use object_store::aws::AmazonS3;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, UpdateVersion};
use std::sync::atomic::{AtomicBool, Ordering};

/// Created (twice) before a store's first create, to check that the server refuses the
/// second; it stays under the store prefix and `list` shows it like any other key.
pub const PROBE_KEY: &str = "_tollgate/create-if-absent-probe";

/// How often a create that the server reported as conflicting (409, nothing written) is
/// tried again before giving up.
const CONFLICT_RETRIES: usize = 3;

/// A ledger store in an S3 bucket. Cheap to share across threads: every call blocks on a
/// small runtime owned by the store (the `Store` trait is synchronous).
pub struct S3Store {
    client: AmazonS3,
    url: S3Url,
    location: String,
    endpoint: String,
    // Two workers: enough for rayon's readers to overlap their requests, few enough to stay
    // out of the way of the gates running beside them.
    runtime: tokio::runtime::Runtime,
    create_checked: AtomicBool,
    bucket_checked: AtomicBool,
}

impl S3Store {
    /// Open `s3://bucket/prefix` with settings from the process environment (see
    /// docs/ledger-s3.md for every variable). Makes no request.
    pub fn open(url: &str) -> Result<S3Store, StoreError> {
        S3Store::open_with_env(url, std::env::vars())
    }

    /// [`S3Store::open`] reading the settings from `vars` instead of the environment.
    pub fn open_with_env(
        url: &str,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<S3Store, StoreError> {
        let fail = |message: String| StoreError {
            location: url.to_string(),
            key: String::new(),
            message,
        };
        let parsed = S3Url::parse(url).map_err(fail)?;
        let location = parsed.display();
        let fail = |message: String| StoreError {
            location: location.clone(),
            key: String::new(),
            message,
        };
        let builder = config::builder(&parsed, vars).map_err(fail)?;
        let endpoint = config::endpoint_of(&builder);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("tollgate-s3")
            .enable_all()
            .build()
            .map_err(|e| fail(format!("could not start the S3 client's runtime: {e}")))?;
        crate::tls::install_crypto_provider();
        let client = {
            // The HTTP client binds its connection pool to the runtime it is made in.
            let _entered = runtime.enter();
            builder
                .build()
                .map_err(|e| fail(format!("invalid S3 settings: {e}")))?
        };
        Ok(S3Store {
            client,
            url: parsed,
            location,
            endpoint,
            runtime,
            create_checked: AtomicBool::new(false),
            bucket_checked: AtomicBool::new(false),
        })
    }

    fn site(&self) -> Site<'_> {
        Site {
            location: &self.location,
            bucket: &self.url.bucket,
            endpoint: &self.endpoint,
        }
    }

    /// The full object path of a store key; keys are `/`-separated names, never empty.
    fn path(&self, key: &str) -> Result<Path, StoreError> {
        if key.is_empty() || key.starts_with('/') || key.ends_with('/') {
            return Err(self.site().error(
                key,
                "a store key is one or more names separated by `/`, without a leading or \
                 trailing `/`"
                    .into(),
            ));
        }
        Path::parse(self.full(key)).map_err(|e| {
            self.site()
                .error(key, format!("not a valid object key: {e}"))
        })
    }

    fn full(&self, key: &str) -> String {
        if self.url.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}/{key}", self.url.prefix)
        }
    }

    /// One create-if-absent PUT. `Ok(false)` when the server reported the key as taken.
    fn put_if_absent(&self, path: &Path, bytes: &[u8]) -> Result<bool, object_store::Error> {
        let options = PutOptions {
            mode: PutMode::Create,
            ..PutOptions::default()
        };
        let payload = PutPayload::from(bytes.to_vec());
        match self
            .runtime
            .block_on(self.client.put_opts(path, payload, options))
        {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// A server that ignores `If-None-Match: *` (Garage up to 2.x does) would let two runners
    /// write the same entry, and nothing in the responses would show it. So before the first
    /// create, create one key twice: the second must be refused.
    fn check_create_if_absent(&self) -> Result<(), StoreError> {
        if self.create_checked.load(Ordering::Acquire) {
            return Ok(());
        }
        // s3s-fs even creates a missing bucket on PUT; S3 would refuse. Be as strict as S3.
        self.check_bucket(Op::Create, PROBE_KEY)?;
        let path = self.path(PROBE_KEY)?;
        let bytes = b"tollgate checks that this server refuses to overwrite on If-None-Match: *";
        self.put_if_absent(&path, bytes)
            .map_err(|e| self.site().map(Op::Create, PROBE_KEY, &e))?;
        let refused = !self
            .put_if_absent(&path, bytes)
            .map_err(|e| self.site().map(Op::Create, PROBE_KEY, &e))?;
        if !refused {
            return Err(self.site().error(
                PROBE_KEY,
                format!(
                    "the server at {} overwrote an existing object despite `If-None-Match: *`, \
                     so concurrent runners could fork the ledger: use a server with conditional \
                     writes (AWS S3, MinIO, Cloudflare R2, Ceph RGW; see docs/ledger-s3.md) or a \
                     local --store DIR",
                    self.endpoint
                ),
            ));
        }
        self.create_checked.store(true, Ordering::Release);
        Ok(())
    }

    /// Some servers (s3s-fs) answer a read from a missing bucket with `NoSuchKey`, like a
    /// missing object, and create the bucket on PUT. A missing bucket must never read as an
    /// empty ledger nor appear by accident, so the first "not found" and the first create
    /// are preceded by a listing of the store prefix, which fails without a bucket.
    fn check_bucket(&self, op: Op, key: &str) -> Result<(), StoreError> {
        if self.bucket_checked.load(Ordering::Acquire) {
            return Ok(());
        }
        let prefix = (!self.url.prefix.is_empty())
            .then(|| Path::parse(&self.url.prefix))
            .transpose()
            .map_err(|e| self.site().error(key, format!("not a valid prefix: {e}")))?;
        self.runtime
            .block_on(self.client.list_with_delimiter(prefix.as_ref()))
            .map_err(|e| self.site().map(op, key, &e))?;
        self.bucket_checked.store(true, Ordering::Release);
        Ok(())
    }
}

/// The [`Version`] token of an object: its ETag, then a newline and the version id when the
/// bucket keeps versions (a header value holds no newline).
fn version_token(e_tag: &str, version: Option<&str>) -> Version {
    match version {
        Some(id) => Version::new(format!("{e_tag}\n{id}")),
        None => Version::new(e_tag),
    }
}

/// [`version_token`] read back, for a conditional PUT.
fn update_version(version: &Version) -> UpdateVersion {
    let (e_tag, id) = match version.as_str().split_once('\n') {
        Some((e_tag, id)) => (e_tag, Some(id.to_string())),
        None => (version.as_str(), None),
    };
    UpdateVersion {
        e_tag: Some(e_tag.to_string()),
        version: id,
    }
}

/// A guard that holds nothing: object storage has no locks, and [`Store::create`] alone keeps
/// racing appenders from overwriting each other (the loser retries).
struct NoLock;

impl AppendLock for NoLock {}

impl Store for S3Store {
    fn location(&self) -> String {
        self.location.clone()
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let path = self.path(key)?;
        let read = self.runtime.block_on(async {
            let result = self.client.get(&path).await?;
            result.bytes().await
        });
        match read {
            Ok(bytes) => Ok(Some(bytes.to_vec())),
            Err(e @ object_store::Error::NotFound { .. }) if !no_such_bucket(&e) => {
                self.check_bucket(Op::Get, key)?;
                Ok(None)
            }
            Err(e) => Err(self.site().map(Op::Get, key, &e)),
        }
    }

    fn create(&self, key: &str, bytes: &[u8]) -> Result<Created, StoreError> {
        let path = self.path(key)?;
        self.check_create_if_absent()?;
        for _ in 0..CONFLICT_RETRIES {
            let written = self
                .put_if_absent(&path, bytes)
                .map_err(|e| self.site().map(Op::Create, key, &e))?;
            if written {
                return Ok(Created::New);
            }
            // object_store reports AWS's 409 ConditionalRequestConflict ("retry the upload")
            // like a 412: only an object that is really there means the race was lost.
            if self.runtime.block_on(self.client.head(&path)).is_ok() {
                return Ok(Created::AlreadyExists);
            }
        }
        Err(self.site().error(
            key,
            format!(
                "the server answered `already exists` {CONFLICT_RETRIES} times but holds no \
                 object: another writer keeps conflicting; run again"
            ),
        ))
    }

    fn replace(&self, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let path = self.path(key)?;
        let payload = PutPayload::from(bytes.to_vec());
        // A single PUT replaces an S3 object atomically: readers see the old or the new bytes.
        self.runtime
            .block_on(self.client.put(&path, payload))
            .map(|_| ())
            .map_err(|e| self.site().map(Op::Replace, key, &e))
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let full = self.full(prefix);
        // object_store lists whole path segments, so list the "directory" holding the prefix
        // and keep the keys that start with it (`entries/00` matches `entries/0001.json`).
        let dir = full.rfind('/').map_or("", |i| &full[..i]);
        let dir = if dir.is_empty() {
            None
        } else {
            Some(Path::parse(dir).map_err(|e| {
                self.site()
                    .error(prefix, format!("not a valid key prefix: {e}"))
            })?)
        };
        let objects: Vec<_> = self
            .runtime
            .block_on(self.client.list(dir.as_ref()).try_collect())
            .map_err(|e| self.site().map(Op::List, prefix, &e))?;
        let strip = if self.url.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.url.prefix)
        };
        let mut keys: Vec<String> = objects
            .iter()
            .map(|meta| meta.location.as_ref())
            .filter(|location| location.starts_with(&full))
            .filter_map(|location| location.strip_prefix(&strip))
            .map(str::to_string)
            .collect();
        keys.sort_unstable();
        Ok(keys)
    }

    fn lock_for_append(&self) -> Result<Box<dyn AppendLock>, StoreError> {
        Ok(Box::new(NoLock))
    }

    fn has_append_lock(&self) -> bool {
        false
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        let path = self.path(key)?;
        match self.runtime.block_on(self.client.delete(&path)) {
            Ok(()) => Ok(()),
            Err(e @ object_store::Error::NotFound { .. }) if !no_such_bucket(&e) => Ok(()),
            Err(e) => Err(self.site().map(Op::Delete, key, &e)),
        }
    }

    fn get_versioned(&self, key: &str) -> Result<Option<(Vec<u8>, Version)>, StoreError> {
        let path = self.path(key)?;
        // One GET: the ETag in its headers is the version of exactly these bytes.
        let read = self.runtime.block_on(async {
            let result = self.client.get(&path).await?;
            let meta = result.meta.clone();
            result.bytes().await.map(|bytes| (bytes, meta))
        });
        match read {
            Ok((bytes, meta)) => {
                let Some(e_tag) = meta.e_tag else {
                    return Err(self.site().error(
                        key,
                        format!(
                            "the server at {} sent no ETag with the object, so it cannot be \
                             replaced conditionally: use a server with conditional writes \
                             (docs/ledger-s3.md) or a local --store DIR",
                            self.endpoint
                        ),
                    ));
                };
                Ok(Some((
                    bytes.to_vec(),
                    version_token(&e_tag, meta.version.as_deref()),
                )))
            }
            Err(e @ object_store::Error::NotFound { .. }) if !no_such_bucket(&e) => {
                self.check_bucket(Op::Get, key)?;
                Ok(None)
            }
            Err(e) => Err(self.site().map(Op::Get, key, &e)),
        }
    }

    fn replace_if(
        &self,
        key: &str,
        bytes: &[u8],
        expected: Option<&Version>,
    ) -> Result<Swapped, StoreError> {
        let path = self.path(key)?;
        let mode = match expected {
            None => {
                self.check_create_if_absent()?;
                PutMode::Create
            }
            Some(version) => PutMode::Update(update_version(version)),
        };
        let options = PutOptions {
            mode,
            ..PutOptions::default()
        };
        let payload = PutPayload::from(bytes.to_vec());
        match self
            .runtime
            .block_on(self.client.put_opts(&path, payload, options))
        {
            Ok(_) => Ok(Swapped::Done),
            // 412 (and 304) is "not as expected"; 409 is AWS's "a concurrent conditional
            // write is in flight", after object_store's retries: either way nothing was
            // written and the caller must read again.
            Err(object_store::Error::Precondition { .. })
            | Err(object_store::Error::AlreadyExists { .. })
            | Err(object_store::Error::NotModified { .. }) => Ok(Swapped::Conflict),
            Err(e) => Err(self.site().map(Op::Swap, key, &e)),
        }
    }
}
