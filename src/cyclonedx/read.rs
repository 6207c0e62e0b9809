//! Reading a CycloneDX document, JSON or XML (told apart by content), with cyclonedx-bom:
//! parse for the version the document declares, then run the library's validation.

use cyclonedx_bom::prelude::{Bom, SpecVersion, Validate};
use cyclonedx_bom::validation::ValidationErrorsKind;
use std::fmt;

/// The spec versions cyclonedx-bom reads.
pub const READABLE: &[&str] = &["1.3", "1.4", "1.5"];

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

/// A parsed CycloneDX document.
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
    /// A CycloneDX version that cyclonedx-bom cannot read (older than 1.3, newer than 1.5).
    Unsupported(String),
}

/// Parse `bytes` as a CycloneDX document; `Ok` only if it parses and validates.
pub fn parse(bytes: &[u8]) -> Result<Document, ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    let document = match first {
        Some(b'{') => parse_json(bytes)?,
        Some(b'<') => parse_xml(bytes)?,
        _ => {
            return Err(ReadError::Invalid(
                "neither JSON nor XML: a CycloneDX SBOM starts with `{` or `<`".to_owned(),
            ));
        }
    };
    let problems = problems(&document.bom);
    if !problems.is_empty() {
        return Err(ReadError::Invalid(format!(
            "CycloneDX {} validation failed: {}",
            document.spec_version,
            problems.join("; ")
        )));
    }
    Ok(document)
}

fn version(text: &str) -> Result<SpecVersion, ReadError> {
    text.parse::<SpecVersion>().map_err(|_| {
        ReadError::Unsupported(format!(
            "specVersion {text:?}: tollgate reads CycloneDX {}",
            READABLE.join(", ")
        ))
    })
}

/// The two fields that say which CycloneDX version to parse a JSON document as. Every other
/// field is skipped without being kept: the document is never held as a `serde_json::Value`,
/// only as this and then as cyclonedx-bom's typed model for the declared version.
#[derive(serde::Deserialize)]
struct JsonHeader {
    #[serde(rename = "bomFormat", default, deserialize_with = "string_or_none")]
    bom_format: Option<String>,
    #[serde(rename = "specVersion", default, deserialize_with = "string_or_none")]
    spec_version: Option<String>,
}

/// A string field, or `None` for any other JSON value (reported as missing or wrong).
fn string_or_none<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    struct Visitor;
    impl<'de> serde::de::Visitor<'de> for Visitor {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_owned()))
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(None)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> Result<Self::Value, A::Error> {
            while map
                .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                .is_some()
            {}
            Ok(None)
        }
    }
    deserializer.deserialize_any(Visitor)
}

fn parse_json(bytes: &[u8]) -> Result<Document, ReadError> {
    let header: JsonHeader = serde_json::from_slice(bytes)
        .map_err(|e| ReadError::Invalid(format!("not valid JSON: {e}")))?;
    if header.bom_format.as_deref() != Some("CycloneDX") {
        return Err(ReadError::Invalid(
            "not a CycloneDX document: `bomFormat` is not \"CycloneDX\"".to_owned(),
        ));
    }
    let spec_version = header
        .spec_version
        .ok_or_else(|| ReadError::Invalid("`specVersion` is missing or not a string".to_owned()))?;
    let parsed = version(&spec_version)?;
    let bom = Bom::parse_from_json_with_version(bytes, parsed)
        .map_err(|e| ReadError::Invalid(format!("not valid CycloneDX {spec_version}: {e}")))?;
    Ok(Document {
        bom,
        format: Format::Json,
        spec_version,
    })
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
    let version = version(&spec_version)?;
    let bom = Bom::parse_from_xml_with_version(bytes, version)
        .map_err(|e| ReadError::Invalid(format!("not valid CycloneDX {spec_version}: {e}")))?;
    Ok(Document {
        bom,
        format: Format::Xml,
        spec_version,
    })
}

/// cyclonedx-bom's validation of `bom` against its own spec version, flattened into
/// `path: message` lines.
pub fn problems(bom: &Bom) -> Vec<String> {
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
