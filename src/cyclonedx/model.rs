//! The parts of a CycloneDX document the sbom gate uses, as plain types: the components
//! (nested ones kept nested), the described component (`metadata.component`) and the tools
//! that made the document. JSON of every version 1.2–1.7 deserializes into these after it has
//! passed its schema; XML comes through cyclonedx-bom and is converted.

use serde::Deserialize;

/// A CycloneDX document, reduced to what tollgate checks.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Bom {
    #[serde(default)]
    pub metadata: Option<Metadata>,
    #[serde(default)]
    pub components: Vec<Component>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Metadata {
    /// What the document describes (the project, the scanned directory…).
    #[serde(default)]
    pub component: Option<Component>,
    #[serde(default)]
    pub tools: Option<Tools>,
}

/// `metadata.tools`: a list of tools (1.2–1.4, deprecated since 1.5) or, since 1.5, an object
/// of components and services.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Tools {
    Legacy(Vec<Tool>),
    Object {
        #[serde(default)]
        components: Vec<Component>,
        #[serde(default)]
        services: Vec<Tool>,
    },
}

/// A legacy tool entry, or a service (both have a name, a version and maybe a vendor).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Tool {
    #[serde(default, alias = "provider", deserialize_with = "vendor")]
    pub vendor: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
}

/// A vendor is a string in a legacy tool, an organisation (`{"name": …}`) as a service's
/// provider.
fn vendor<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        Org {
            #[serde(default)]
            name: Option<String>,
        },
    }
    Ok(match Option::<Either>::deserialize(d)? {
        Some(Either::Text(t)) => Some(t),
        Some(Either::Org { name }) => name,
        None => None,
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Component {
    /// `application`, `library`, `framework`, …
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub group: Option<String>,
    pub name: String,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub purl: Option<String>,
    #[serde(default)]
    pub components: Vec<Component>,
}

impl Component {
    /// `NAME VERSION`, or just the name, for messages.
    pub fn label(&self) -> String {
        match &self.version {
            Some(v) if !v.is_empty() => format!("{} {v}", self.name),
            _ => self.name.clone(),
        }
    }
}

impl Bom {
    /// The tools that made the document, as `vendor name version` (what is known of each).
    pub fn tool_names(&self) -> Vec<String> {
        let Some(tools) = self.metadata.as_ref().and_then(|m| m.tools.as_ref()) else {
            return Vec::new();
        };
        let join = |parts: [Option<&str>; 3]| {
            parts
                .into_iter()
                .flatten()
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let names: Vec<String> =
            match tools {
                Tools::Legacy(list) => list
                    .iter()
                    .map(|t| join([t.vendor.as_deref(), t.name.as_deref(), t.version.as_deref()]))
                    .collect(),
                Tools::Object {
                    components,
                    services,
                } => components
                    .iter()
                    .map(|c| join([c.group.as_deref(), Some(&c.name), c.version.as_deref()]))
                    .chain(services.iter().map(|t| {
                        join([t.vendor.as_deref(), t.name.as_deref(), t.version.as_deref()])
                    }))
                    .collect(),
            };
        names.into_iter().filter(|n| !n.is_empty()).collect()
    }
}

/// cyclonedx-bom's model (the XML reader) in these terms.
impl From<&cyclonedx_bom::prelude::Bom> for Bom {
    fn from(bom: &cyclonedx_bom::prelude::Bom) -> Self {
        use cyclonedx_bom::models::tool::Tools as XmlTools;
        let metadata = bom.metadata.as_ref().map(|m| Metadata {
            component: m.component.as_ref().map(Component::from),
            tools: m.tools.as_ref().map(|t| match t {
                XmlTools::List(list) => Tools::Legacy(
                    list.iter()
                        .map(|t| Tool {
                            vendor: t.vendor.as_ref().map(ToString::to_string),
                            name: t.name.as_ref().map(ToString::to_string),
                            version: t.version.as_ref().map(ToString::to_string),
                        })
                        .collect(),
                ),
                XmlTools::Object { components, .. } => Tools::Object {
                    components: components
                        .iter()
                        .flat_map(|c| &c.0)
                        .map(Component::from)
                        .collect(),
                    services: Vec::new(),
                },
            }),
        });
        Bom {
            metadata,
            components: bom
                .components
                .iter()
                .flat_map(|c| &c.0)
                .map(Component::from)
                .collect(),
        }
    }
}

impl From<&cyclonedx_bom::prelude::Component> for Component {
    fn from(c: &cyclonedx_bom::prelude::Component) -> Self {
        Component {
            kind: c.component_type.to_string(),
            group: c.group.as_ref().map(ToString::to_string),
            name: c.name.to_string(),
            version: c.version.as_ref().map(ToString::to_string),
            purl: c.purl.as_ref().map(ToString::to_string),
            components: c
                .components
                .iter()
                .flat_map(|c| &c.0)
                .map(Component::from)
                .collect(),
        }
    }
}
