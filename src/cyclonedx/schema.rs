//! The official CycloneDX JSON schemas (1.2 … 1.7), compiled into the binary, and validation
//! of a document against the schema of the version it declares (jsonschema, draft 7,
//! offline: every `$ref` resolves to a bundled file).

use jsonschema::{Draft, Registry, Resource, Validator};
use serde_json::Value;
use std::sync::OnceLock;

/// The JSON spec versions tollgate validates and reads, oldest first.
pub const VERSIONS: &[&str] = &["1.2", "1.3", "1.4", "1.5", "1.6", "1.7"];

const BOMS: [&str; 6] = [
    include_str!("schemas/bom-1.2.schema.json"),
    include_str!("schemas/bom-1.3.schema.json"),
    include_str!("schemas/bom-1.4.schema.json"),
    include_str!("schemas/bom-1.5.schema.json"),
    include_str!("schemas/bom-1.6.schema.json"),
    include_str!("schemas/bom-1.7.schema.json"),
];

/// The documents the bom schemas `$ref` (by their `$id`).
const SHARED: [(&str, &str); 3] = [
    (
        "http://cyclonedx.org/schema/spdx.schema.json",
        include_str!("schemas/spdx.schema.json"),
    ),
    (
        "http://cyclonedx.org/schema/jsf-0.82.schema.json",
        include_str!("schemas/jsf-0.82.schema.json"),
    ),
    (
        "http://cyclonedx.org/schema/cryptography-defs.schema.json",
        include_str!("schemas/cryptography-defs.schema.json"),
    ),
];

/// At most this many schema violations are quoted in a message.
const QUOTED: usize = 5;

fn registry() -> Result<&'static Registry<'static>, String> {
    static REGISTRY: OnceLock<Result<Registry<'static>, String>> = OnceLock::new();
    REGISTRY
        .get_or_init(|| {
            let mut resources = Vec::new();
            for (id, text) in SHARED {
                let value: Value = serde_json::from_str(text)
                    .map_err(|e| format!("bundled schema {id} is not JSON: {e}"))?;
                resources.push((id, Resource::from_contents(value)));
            }
            Registry::new()
                .draft(Draft::Draft7)
                .extend(resources)
                .and_then(|b| b.prepare())
                .map_err(|e| format!("cannot load the bundled CycloneDX schemas: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

fn validator(index: usize) -> Result<&'static Validator, String> {
    static VALIDATORS: [OnceLock<Result<Validator, String>>; 6] = [const { OnceLock::new() }; 6];
    VALIDATORS[index]
        .get_or_init(|| {
            let version = VERSIONS[index];
            let schema: Value = serde_json::from_str(BOMS[index])
                .map_err(|e| format!("bundled CycloneDX {version} schema is not JSON: {e}"))?;
            jsonschema::options()
                .with_draft(Draft::Draft7)
                .offline()
                .with_registry(registry()?)
                .build(&schema)
                .map_err(|e| format!("cannot compile the CycloneDX {version} schema: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// A violation quotes the offending value; a long one (a whole component) is cut.
fn shortened(text: &str) -> String {
    const MAX: usize = 240;
    match text.char_indices().nth(MAX) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// Whether `version` has a bundled schema.
pub fn known(version: &str) -> bool {
    VERSIONS.contains(&version)
}

/// Validate `document` against the official schema of `version` (one of `VERSIONS`).
/// `Ok(Err(lines))` lists the violations as `PATH: message` (the first few, then a count);
/// the outer `Err` means the schema itself could not be used.
pub fn validate(document: &Value, version: &str) -> Result<Result<(), Vec<String>>, String> {
    let index = VERSIONS
        .iter()
        .position(|v| *v == version)
        .ok_or_else(|| format!("no bundled CycloneDX schema for {version}"))?;
    let validator = validator(index)?;
    let mut lines = Vec::new();
    let mut total = 0usize;
    for error in validator.iter_errors(document) {
        total += 1;
        if lines.len() < QUOTED {
            let path = error.instance_path().to_string();
            let path = if path.is_empty() {
                "/".to_owned()
            } else {
                path
            };
            lines.push(format!("{path}: {}", shortened(&error.to_string())));
        }
    }
    if total > lines.len() {
        lines.push(format!("and {} more", total - lines.len()));
    }
    Ok(if total == 0 { Ok(()) } else { Err(lines) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_bundled_schema_compiles() {
        for version in VERSIONS {
            let minimal = json!({"bomFormat": "CycloneDX", "specVersion": version, "version": 1});
            assert_eq!(validate(&minimal, version).unwrap(), Ok(()), "{version}");
        }
    }

    #[test]
    fn violations_name_the_path() {
        let doc = json!({"bomFormat": "CycloneDX", "specVersion": "1.7", "version": 1,
            "components": [{"type": "no-such-type", "name": "x"}]});
        let lines = validate(&doc, "1.7").unwrap().unwrap_err();
        assert!(lines[0].starts_with("/components/0/type:"), "{lines:?}");
        assert!(lines[0].contains("no-such-type"), "{lines:?}");
    }

    #[test]
    fn referenced_schemas_resolve_offline() {
        // A licence id outside the SPDX list fails through spdx.schema.json.
        let doc = json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
            "components": [{"type": "library", "name": "x",
                "licenses": [{"license": {"id": "Not-An-SPDX-Id"}}]}]});
        assert!(validate(&doc, "1.6").unwrap().is_err());
    }

    #[test]
    fn bundled_schemas_match_the_shared_copy() {
        let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data/cyclonedx-schema");
        if !shared.is_dir() {
            return;
        }
        let names = VERSIONS
            .iter()
            .map(|v| format!("bom-{v}.schema.json"))
            .chain(["spdx", "jsf-0.82", "cryptography-defs"].map(|n| format!("{n}.schema.json")));
        let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cyclonedx/schemas");
        for name in names {
            assert_eq!(
                std::fs::read(here.join(&name)).unwrap(),
                std::fs::read(shared.join(&name)).unwrap(),
                "{name}"
            );
        }
    }
}
