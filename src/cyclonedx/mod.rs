//! CycloneDX SBOMs: generating one for a release build (cyclonedx-bom), and reading one —
//! JSON 1.2–1.7 validated against the official schemas bundled in the binary, XML 1.3–1.5
//! with cyclonedx-bom — into a small typed model.

mod generate;
mod model;
mod purl;
mod read;
mod schema;

pub use generate::sbom_json;
pub use model::{Bom, Component, Metadata, Tool, Tools};
pub use purl::CargoPurl;
pub use read::{Document, Format, READABLE, READABLE_XML, ReadError, parse, problems, readable};
