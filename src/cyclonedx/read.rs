//! Reading a CycloneDX document, JSON or XML (told apart by content). JSON of every version
//! 1.2–1.7 is validated against the official schema of the version it declares (bundled,
//! `super::schema`) and then read into the typed model; XML (1.3–1.5) is parsed and validated
//! with cyclonedx-bom for its declared version.

use super::model::Bom;
use super::schema;
use cyclonedx_bom::prelude::{Bom as XmlBom, SpecVersion, Validate};
use cyclonedx_bom::validation::ValidationErrorsKind;
use std::fmt;

/// The JSON spec versions tollgate reads (each validated against its official schema).
pub const READABLE: &[&str] = schema::VERSIONS;
/// The XML spec versions tollgate reads (those cyclonedx-bom parses).
pub const READABLE_XML: &[&str] = &["1.3", "1.4", "1.5"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Xml,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Json => "JSON",
            Format::Xml => "XML",
        })
    }
}

/// A parsed and validated CycloneDX document.
#[derive(Debug)]
pub struct Document {
    pub bom: Bom,
    pub format: Format,
    /// The `specVersion` (JSON) or namespace version (XML) as written.
    pub spec_version: String,
}

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Not CycloneDX, not well-formed, or not valid for the version it declares.
    Invalid(String),
    /// A CycloneDX version tollgate has no schema (JSON) or reader (XML) for.
    Unsupported(String),
}

/// What tollgate reads, for messages: `JSON 1.2–1.7, XML 1.3–1.5`.
pub fn readable() -> String {
    let span = |list: &[&str]| match (list.first(), list.last()) {
        (Some(a), Some(b)) => format!("{a}–{b}"),
        _ => String::new(),
    };
    format!("JSON {}, XML {}", span(READABLE), span(READABLE_XML))
}

/// Parse `bytes` as a CycloneDX document; `Ok` only if it parses and validates.
pub fn parse(bytes: &[u8]) -> Result<Document, ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => parse_json(bytes),
        Some(b'<') => parse_xml(bytes),
        _ => Err(ReadError::Invalid(
            "neither JSON nor XML: a CycloneDX SBOM starts with `{` or `<`".to_owned(),
        )),
    }
}

fn parse_json(bytes: &[u8]) -> Result<Document, ReadError> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ReadError::Invalid(format!("not valid JSON: {e}")))?;
    if value.get("bomFormat").and_then(|v| v.as_str()) != Some("CycloneDX") {
        return Err(ReadError::Invalid(
            "not a CycloneDX document: `bomFormat` is not \"CycloneDX\"".to_owned(),
        ));
    }
    let spec_version = value
        .get("specVersion")
        .and_then(|v| v.as_str())
        .ok_or_else(|| ReadError::Invalid("`specVersion` is missing or not a string".to_owned()))?
        .to_owned();
    if !schema::known(&spec_version) {
        return Err(unsupported(&spec_version, "JSON", READABLE));
    }
    if let Err(lines) = schema::validate(&value, &spec_version).map_err(ReadError::Invalid)? {
        return Err(ReadError::Invalid(format!(
            "not valid against the official CycloneDX {spec_version} JSON schema: {}",
            lines.join("; ")
        )));
    }
    let bom: Bom = serde_json::from_value(value).map_err(|e| {
        ReadError::Invalid(format!(
            "valid CycloneDX {spec_version}, but its components cannot be read: {e}"
        ))
    })?;
    Ok(Document {
        bom,
        format: Format::Json,
        spec_version,
    })
}

fn unsupported(version: &str, format: &str, list: &[&str]) -> ReadError {
    ReadError::Unsupported(format!(
        "specVersion {version:?}: tollgate reads CycloneDX {format} {}",
        list.join(", ")
    ))
}

/// XML declares its version in the root element's namespace,
/// `http://cyclonedx.org/schema/bom/1.5`.
fn parse_xml(bytes: &[u8]) -> Result<Document, ReadError> {
    const NAMESPACE: &str = "http://cyclonedx.org/schema/bom/";
    let mut reader = xml::EventReader::new(bytes);
    let spec_version = loop {
        match reader.next() {
            Ok(xml::reader::XmlEvent::StartElement { name, .. }) => {
                let namespace = name.namespace.unwrap_or_default();
                match namespace.strip_prefix(NAMESPACE) {
                    Some(v) if name.local_name == "bom" => break v.to_owned(),
                    _ => {
                        return Err(ReadError::Invalid(format!(
                            "not a CycloneDX document: the root element is <{}> in namespace {namespace:?}",
                            name.local_name
                        )));
                    }
                }
            }
            Ok(xml::reader::XmlEvent::EndDocument) => {
                return Err(ReadError::Invalid(
                    "an XML document without elements".to_owned(),
                ));
            }
            Ok(_) => {}
            Err(e) => return Err(ReadError::Invalid(format!("not well-formed XML: {e}"))),
        }
    };
    let version = READABLE_XML
        .contains(&spec_version.as_str())
        .then(|| spec_version.parse::<SpecVersion>().ok())
        .flatten()
        .ok_or_else(|| unsupported(&spec_version, "XML", READABLE_XML))?;
    let bom = XmlBom::parse_from_xml_with_version(bytes, version)
        .map_err(|e| ReadError::Invalid(format!("not valid CycloneDX {spec_version}: {e}")))?;
    let problems = problems(&bom);
    if !problems.is_empty() {
        return Err(ReadError::Invalid(format!(
            "CycloneDX {spec_version} validation failed: {}",
            problems.join("; ")
        )));
    }
    Ok(Document {
        bom: Bom::from(&bom),
        format: Format::Xml,
        spec_version,
    })
}

/// cyclonedx-bom's validation of `bom` against its own spec version, flattened into
/// `path: message` lines.
pub fn problems(bom: &XmlBom) -> Vec<String> {
    let mut out = Vec::new();
    for (name, kind) in bom.validate_version(bom.spec_version).errors() {
        flatten(&name, kind, &mut out);
    }
    out
}

fn flatten(path: &str, kind: ValidationErrorsKind, out: &mut Vec<String>) {
    match kind {
        ValidationErrorsKind::Struct(result) => {
            for (name, kind) in result.errors() {
                flatten(&format!("{path}.{name}"), kind, out);
            }
        }
        ValidationErrorsKind::List(items) => {
            for (index, result) in items {
                for (name, kind) in result.errors() {
                    flatten(&format!("{path}[{index}].{name}"), kind, out);
                }
            }
        }
        ValidationErrorsKind::Field(errors) | ValidationErrorsKind::Custom(errors) => {
            for error in errors {
                out.push(format!("{path}: {}", error.message));
            }
        }
        ValidationErrorsKind::Enum(error) => out.push(format!("{path}: {}", error.message)),
    }
}
