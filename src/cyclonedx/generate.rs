//! A CycloneDX 1.5 JSON SBOM of a release build, built with cyclonedx-bom: one component
//! per package (purl `pkg:cargo/NAME@VERSION`, SHA-256 from Cargo.lock for registry crates,
//! SPDX licence), the dependency graph between them, and tollgate as the tool.
//!
//! The same release build and clock give the same bytes: the serial number is derived from
//! the content and the timestamp is the evaluation's clock, so the SBOM digest recorded in a
//! verdict can be reproduced with `--now`.

use crate::digest::sha256_hex;
use crate::release_build::ReleaseBuild;
use crate::verdict::rfc3339;
use cyclonedx_bom::external_models::date_time::DateTime;
use cyclonedx_bom::models::component::Classification;
use cyclonedx_bom::models::dependency::{Dependencies, Dependency};
use cyclonedx_bom::models::hash::{Hash, HashAlgorithm, HashValue, Hashes};
use cyclonedx_bom::models::license::{LicenseChoice, Licenses};
use cyclonedx_bom::models::tool::Tools;
use cyclonedx_bom::prelude::{
    Bom, Component, Components, Metadata, NormalizedString, Purl, SpdxExpression, SpecVersion,
    UrnUuid,
};
use time::OffsetDateTime;

/// The JSON bytes of the release build's SBOM.
pub fn sbom_json(build: &ReleaseBuild, now: OffsetDateTime) -> Result<Vec<u8>, String> {
    let mut components: Vec<Component> = build
        .members
        .iter()
        .map(|member| component(build, member))
        .collect::<Result<_, _>>()?;
    let dependencies = build
        .members
        .iter()
        .map(|member| Dependency {
            dependency_ref: bom_ref(build, member),
            dependencies: member
                .deps
                .iter()
                .map(|&d| bom_ref(build, &build.members[d]))
                .collect(),
        })
        .collect();
    // A single root is what the SBOM describes; several roots are all plain components.
    let roots = build.roots().count();
    let subject = (roots == 1).then(|| components.remove(0));
    let when = rfc3339(now);
    let serial = serial_number(&when, &components, subject.as_ref())?;
    let timestamp = DateTime::try_from(when).map_err(|e| e.to_string())?;
    let tool = Component::new(
        Classification::Application,
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION"),
        None,
    );
    let bom = Bom {
        spec_version: SpecVersion::V1_5,
        serial_number: Some(serial),
        metadata: Some(Metadata {
            timestamp: Some(timestamp),
            tools: Some(Tools::Object {
                services: None,
                components: Some(Components(vec![tool])),
            }),
            component: subject,
            ..Metadata::default()
        }),
        components: Some(Components(components)),
        dependencies: Some(Dependencies(dependencies)),
        ..Bom::default()
    };
    let mut bytes = Vec::new();
    bom.output_as_json_v1_5(&mut bytes)
        .map_err(|e| format!("cannot write the CycloneDX SBOM: {e}"))?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn bom_ref(build: &ReleaseBuild, member: &crate::release_build::BuildPackage) -> String {
    build.package(member).id.repr.clone()
}

fn component(
    build: &ReleaseBuild,
    member: &crate::release_build::BuildPackage,
) -> Result<Component, String> {
    let package = build.package(member);
    let (name, version) = (package.name.as_str(), package.version.to_string());
    let kind = if package.targets.iter().any(|t| t.is_bin()) {
        Classification::Application
    } else {
        Classification::Library
    };
    let mut c = Component::new(kind, name, &version, Some(bom_ref(build, member)));
    c.purl = Some(
        Purl::new("cargo", name, &version)
            .map_err(|e| format!("cannot make a purl for {name} {version}: {e}"))?,
    );
    c.description = package
        .description
        .as_deref()
        .map(|d| NormalizedString::new(d.trim()));
    let registry = package
        .source
        .as_ref()
        .is_some_and(|s| s.repr.starts_with("registry+") || s.repr.starts_with("sparse+"));
    let checksum = registry
        .then(|| build.lockfile.checksum(name, &version))
        .flatten();
    if let Some(checksum) = checksum {
        c.hashes = Some(Hashes(vec![Hash {
            alg: HashAlgorithm::SHA_256,
            content: HashValue(checksum.to_owned()),
        }]));
    }
    // Licences that are not SPDX expressions (even leniently) are left out, not guessed.
    c.licenses = package
        .license
        .as_ref()
        .and_then(|l| SpdxExpression::parse_lax(l.clone()).ok())
        .map(|e| Licenses(vec![LicenseChoice::Expression(e)]));
    Ok(c)
}

/// A UUID (version 8, "custom") from the SHA-256 of the timestamp and the components'
/// identities: unique per build and moment, yet reproducible.
fn serial_number(
    when: &str,
    components: &[Component],
    subject: Option<&Component>,
) -> Result<UrnUuid, String> {
    let mut identity = format!("{when}\n");
    for c in subject.into_iter().chain(components) {
        identity.push_str(c.bom_ref.as_deref().unwrap_or_default());
        identity.push('\n');
    }
    let digest = sha256_hex(identity.as_bytes());
    let mut hex: Vec<char> = digest[..32].chars().collect();
    hex[12] = '8';
    // The variant bits 10xx: the nibble becomes one of 8, 9, a, b.
    let variant = u8::from_str_radix(&hex[16].to_string(), 16).unwrap_or(0);
    hex[16] = char::from_digit(u32::from(8 | (variant & 0x3)), 16).unwrap_or('8');
    let hex: String = hex.into_iter().collect();
    let uuid = format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    );
    UrnUuid::new(uuid).map_err(|e| format!("cannot make a serial number: {e:?}"))
}
