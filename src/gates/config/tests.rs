//! Policy validation of `[gates.config]`: each mistake is refused with the policy's line.

fn load(table: &str) -> Result<crate::policy::Policy, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    std::fs::write(
        &path,
        format!("environment = \"mainnet\"\n[gates.config]\nfamily = \"bitcoin\"\n{table}\n"),
    )
    .unwrap();
    crate::policy::load(&path).map_err(|e| e.to_string())
}

#[test]
fn a_valid_table_loads_with_defaults() {
    let policy = load("files = [{ path = \"conf/bitcoin.conf\", reference = \"ref.conf\" }]\nmarkers = [{ network = \"testnet\", flag = \"--dev\" }]").unwrap();
    let config = policy.gates.config.unwrap();
    assert!(config.required && config.security.is_none());
    assert_eq!(config.files[0].base, super::config::Base::Release);
    assert_eq!(config.markers.len(), 1);
}

#[test]
fn mistakes_are_refused() {
    for (table, expected) in [
        ("files = []", "no `files`"),
        (
            "files = [{ path = \"../x.conf\", sha256 = \"00\" }]",
            "relative",
        ),
        (
            "files = [{ path = \"/etc/x.conf\", sha256 = \"00\" }]",
            "relative",
        ),
        (
            "files = [{ path = \"x.conf\" }]",
            "neither `sha256` nor `reference`",
        ),
        (
            "files = [{ path = \"x.conf\", sha256 = \"abc\" }]",
            "64 hex digits",
        ),
        (
            "files = [{ path = \"x.conf\", sha256 = \"abc\", mode = 1 }]",
            "unknown field",
        ),
        (
            "files = [{ path = \"x.conf\", reference = \"r\" }]\nmarkers = [{ network = \"devnet\", key = \"k\" }]",
            "markers.network",
        ),
        (
            "files = [{ path = \"x.conf\", reference = \"r\" }]\nmarkers = [{ network = \"testnet\" }]",
            "either `key`",
        ),
        (
            "files = [{ path = \"x.conf\", reference = \"r\" }]\nsecurity = \"strict\"",
            "unknown variant",
        ),
    ] {
        let error = load(table).unwrap_err();
        assert!(error.contains(expected), "{table}: {error}");
    }
}
