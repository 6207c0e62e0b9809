//! Turning the environment into an object_store S3 client, refusing the settings that would
//! make the ledger unsafe or hang: no credentials (object_store would then wait on the EC2
//! metadata service), a plain-http endpoint without `AWS_ALLOW_HTTP`, conditional puts
//! switched off.

use super::url::S3Url;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey, S3ConditionalPut};
use object_store::{BackoffConfig, ClientConfigKey, RetryConfig};
use std::time::Duration;

/// Tollgate's own endpoint override; wins over `AWS_ENDPOINT_URL_S3` and `AWS_ENDPOINT_URL`,
/// so a CI job can point the ledger at a self-hosted server without redirecting every other
/// AWS tool in the job.
pub const ENDPOINT_VAR: &str = "TOLLGATE_S3_ENDPOINT";
/// Opt-in to the EC2 instance-metadata credentials that object_store would otherwise try
/// silently (and slowly) when no credentials are set.
pub const INSTANCE_METADATA_VAR: &str = "TOLLGATE_S3_INSTANCE_METADATA";

/// Defaults for the HTTP client when the environment sets none (`AWS_TIMEOUT`,
/// `AWS_CONNECT_TIMEOUT`): a ledger object is a few kilobytes, so 30 s is generous.
const TIMEOUT: &str = "30s";
const CONNECT_TIMEOUT: &str = "5s";

/// A small retry budget for transient failures (5xx, 429, connect errors): three tries
/// within 20 s, so an unreachable endpoint fails in seconds, not object_store's 3 minutes.
fn retry() -> RetryConfig {
    RetryConfig {
        backoff: BackoffConfig {
            init_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            base: 2.0,
        },
        max_retries: 3,
        retry_timeout: Duration::from_secs(20),
    }
}

/// The client settings for `url`, read from `vars` (the process environment in production).
/// The error names the variables to set.
pub fn builder(
    url: &S3Url,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<AmazonS3Builder, String> {
    // What `AmazonS3Builder::from_env` does, but over the given variables so that tests need
    // not mutate the process environment.
    let mut builder = AmazonS3Builder::new();
    let mut tollgate_endpoint = None;
    let mut instance_metadata = false;
    for (key, value) in vars {
        if key == ENDPOINT_VAR {
            tollgate_endpoint = Some(value);
        } else if key == INSTANCE_METADATA_VAR {
            instance_metadata = is_true(&value);
        } else if key.starts_with("AWS_")
            && let Ok(config_key) = key.to_ascii_lowercase().parse()
        {
            builder = builder.with_config(config_key, value);
        }
    }
    if let Some(endpoint) = tollgate_endpoint {
        // The S3-specific endpoint takes precedence inside object_store; set both.
        builder = builder
            .with_config(AmazonS3ConfigKey::Endpoint, endpoint.clone())
            .with_config(AmazonS3ConfigKey::S3Endpoint, endpoint);
    }
    let get = |key: AmazonS3ConfigKey| builder.get_config_value(&key).filter(|v| !v.is_empty());
    // The store's credentials are secrets to redact from any evidence tollgate keeps.
    for key in [AmazonS3ConfigKey::SecretAccessKey, AmazonS3ConfigKey::Token] {
        if let Some(value) = get(key) {
            crate::redact::register(&value);
        }
    }

    check_credentials(&builder, instance_metadata)?;
    let endpoint = get(AmazonS3ConfigKey::S3Endpoint).or_else(|| get(AmazonS3ConfigKey::Endpoint));
    if let Some(endpoint) = &endpoint {
        check_endpoint(endpoint, &builder)?;
    }
    if let Some(mode) = get(AmazonS3ConfigKey::ConditionalPut)
        && mode.trim() != "etag"
    {
        return Err(format!(
            "AWS_CONDITIONAL_PUT={mode}: the ledger needs conditional create-if-absent \
             writes (If-None-Match: *) so that concurrent runners never overwrite an entry; \
             unset AWS_CONDITIONAL_PUT or set it to `etag`"
        ));
    }

    let client = |key: ClientConfigKey| AmazonS3ConfigKey::Client(key);
    let mut builder = builder
        .with_bucket_name(&url.bucket)
        .with_conditional_put(S3ConditionalPut::ETagMatch)
        .with_retry(retry());
    if builder
        .get_config_value(&client(ClientConfigKey::Timeout))
        .is_none()
    {
        builder = builder.with_config(client(ClientConfigKey::Timeout), TIMEOUT);
    }
    if builder
        .get_config_value(&client(ClientConfigKey::ConnectTimeout))
        .is_none()
    {
        builder = builder.with_config(client(ClientConfigKey::ConnectTimeout), CONNECT_TIMEOUT);
    }
    Ok(builder)
}

/// The endpoint the client will talk to, for messages.
pub fn endpoint_of(builder: &AmazonS3Builder) -> String {
    builder
        .get_config_value(&AmazonS3ConfigKey::S3Endpoint)
        .or_else(|| builder.get_config_value(&AmazonS3ConfigKey::Endpoint))
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "AWS S3".to_string())
}

fn is_true(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes"
    )
}

fn check_credentials(builder: &AmazonS3Builder, instance_metadata: bool) -> Result<(), String> {
    let has = |key: AmazonS3ConfigKey| {
        builder
            .get_config_value(&key)
            .is_some_and(|v| !v.is_empty())
    };
    let key_id = has(AmazonS3ConfigKey::AccessKeyId);
    let secret = has(AmazonS3ConfigKey::SecretAccessKey);
    match (key_id, secret) {
        (true, true) => return Ok(()),
        (true, false) => {
            return Err(
                "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not: set both".into(),
            );
        }
        (false, true) => {
            return Err(
                "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not: set both".into(),
            );
        }
        (false, false) => {}
    }
    let web_identity =
        has(AmazonS3ConfigKey::WebIdentityTokenFile) && has(AmazonS3ConfigKey::RoleArn);
    let container = has(AmazonS3ConfigKey::ContainerCredentialsRelativeUri)
        || (has(AmazonS3ConfigKey::ContainerCredentialsFullUri)
            && has(AmazonS3ConfigKey::ContainerAuthorizationTokenFile));
    let anonymous = builder
        .get_config_value(&AmazonS3ConfigKey::SkipSignature)
        .is_some_and(|v| is_true(&v));
    if web_identity || container || anonymous || instance_metadata {
        return Ok(());
    }
    Err(format!(
        "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (plus \
         AWS_SESSION_TOKEN for temporary credentials), or AWS_WEB_IDENTITY_TOKEN_FILE with \
         AWS_ROLE_ARN, or set {INSTANCE_METADATA_VAR}=true to use the EC2 instance role"
    ))
}

fn check_endpoint(endpoint: &str, builder: &AmazonS3Builder) -> Result<(), String> {
    if let Some(rest) = endpoint.strip_prefix("http://") {
        let allowed = builder
            .get_config_value(&AmazonS3ConfigKey::Client(ClientConfigKey::AllowHttp))
            .is_some_and(|v| is_true(&v));
        if !allowed {
            return Err(format!(
                "the endpoint {endpoint} is plain http: set AWS_ALLOW_HTTP=true to allow it \
                 (for a server on loopback such as http://{rest}), or use https"
            ));
        }
    } else if !endpoint.starts_with("https://") {
        return Err(format!(
            "the endpoint `{endpoint}` (from {ENDPOINT_VAR}, AWS_ENDPOINT_URL_S3 or \
             AWS_ENDPOINT_URL) is not a URL: write it as https://HOST[:PORT] or http://HOST:PORT"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> S3Url {
        S3Url::parse("s3://ledgers/prod").unwrap()
    }

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const KEYS: [(&str, &str); 2] = [
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
    ];

    #[test]
    fn missing_credentials_name_the_variables() {
        let err = builder(&url(), vars(&[("AWS_REGION", "eu-west-1")])).unwrap_err();
        assert!(
            err.contains("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
            "{err}"
        );
        assert!(err.contains(INSTANCE_METADATA_VAR), "{err}");
        let err = builder(&url(), vars(&KEYS[..1])).unwrap_err();
        assert!(err.contains("AWS_SECRET_ACCESS_KEY is not"), "{err}");
    }

    #[test]
    fn plain_http_needs_allow_http() {
        let mut env = vars(&KEYS);
        env.extend(vars(&[("AWS_ENDPOINT_URL", "http://127.0.0.1:9000")]));
        let err = builder(&url(), env.clone()).unwrap_err();
        assert!(err.contains("AWS_ALLOW_HTTP=true"), "{err}");
        env.extend(vars(&[("AWS_ALLOW_HTTP", "true")]));
        let ok = builder(&url(), env).unwrap();
        assert_eq!(endpoint_of(&ok), "http://127.0.0.1:9000");
    }

    #[test]
    fn tollgate_endpoint_wins_over_the_aws_ones() {
        let mut env = vars(&KEYS);
        env.extend(vars(&[
            ("AWS_ENDPOINT_URL", "https://elsewhere.example"),
            ("AWS_ENDPOINT_URL_S3", "https://s3.elsewhere.example"),
            (ENDPOINT_VAR, "https://ledger.example:8443"),
        ]));
        assert_eq!(
            endpoint_of(&builder(&url(), env).unwrap()),
            "https://ledger.example:8443"
        );
    }

    #[test]
    fn endpoint_must_be_a_url() {
        let mut env = vars(&KEYS);
        env.extend(vars(&[(ENDPOINT_VAR, "127.0.0.1:9000")]));
        let err = builder(&url(), env).unwrap_err();
        assert!(err.contains("is not a URL"), "{err}");
    }

    #[test]
    fn conditional_put_cannot_be_switched_off() {
        let mut env = vars(&KEYS);
        env.extend(vars(&[("AWS_CONDITIONAL_PUT", "disabled")]));
        let err = builder(&url(), env).unwrap_err();
        assert!(err.contains("If-None-Match"), "{err}");
    }

    #[test]
    fn timeouts_default_but_the_environment_may_set_them() {
        let timeout = AmazonS3ConfigKey::Client(ClientConfigKey::Timeout);
        let b = builder(&url(), vars(&KEYS)).unwrap();
        assert_eq!(b.get_config_value(&timeout).as_deref(), Some(TIMEOUT));
        let mut env = vars(&KEYS);
        env.extend(vars(&[("AWS_TIMEOUT", "2m")]));
        let b = builder(&url(), env).unwrap();
        assert_eq!(b.get_config_value(&timeout).as_deref(), Some("2m"));
    }

    #[test]
    fn other_credential_sources_are_accepted() {
        for env in [
            vars(&[
                ("AWS_WEB_IDENTITY_TOKEN_FILE", "/t"),
                ("AWS_ROLE_ARN", "arn:aws:iam::1:role/r"),
            ]),
            vars(&[(
                "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                "/v2/credentials/x",
            )]),
            vars(&[("AWS_SKIP_SIGNATURE", "true")]),
            vars(&[(INSTANCE_METADATA_VAR, "true")]),
        ] {
            builder(&url(), env.clone()).unwrap_or_else(|e| panic!("{env:?}: {e}"));
        }
    }
}
