//! Finding unsafe code in one Rust source file with a real parser (syn): unsafe blocks, fns,
//! impls, traits, extern blocks, the attributes Rust 2024 makes unsafe, and the `unsafe`
//! keyword inside token streams the parser does not structure (macro input, `macro_rules!`
//! bodies, syntax newer than the parser). Comments, strings and doc text are never tokens of
//! code, so they never count.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::visit::{self, Visit};

/// A kind of unsafe code, with its finding code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Block,
    Fn,
    Impl,
    Trait,
    Extern,
    Attribute,
    Macro,
    Verbatim,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::Block => "unsafe.block",
            Kind::Fn => "unsafe.fn",
            Kind::Impl => "unsafe.impl",
            Kind::Trait => "unsafe.trait",
            Kind::Extern => "unsafe.extern",
            Kind::Attribute => "unsafe.attribute",
            Kind::Macro => "unsafe.macro",
            Kind::Verbatim => "unsafe.verbatim",
        }
    }

    /// The kind's name in counts (`block`, `fn`, ...).
    pub fn key(self) -> &'static str {
        self.code().trim_start_matches("unsafe.")
    }
}

/// One occurrence of unsafe code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub kind: Kind,
    /// 1-based line.
    pub line: usize,
    /// What it is, in words (`unsafe fn read_raw`).
    pub what: String,
}

/// What one file holds.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FileScan {
    pub sites: Vec<Site>,
    /// `#![forbid(unsafe_code)]` among the file's inner attributes.
    pub forbids_unsafe: bool,
}

/// Why a file could not be parsed.
#[derive(Debug, PartialEq, Eq)]
pub struct ParseFailure {
    pub line: usize,
    pub message: String,
}

/// Attributes that are unsafe in Rust 2024 (they can cause undefined behaviour at link time).
const UNSAFE_ATTRIBUTES: &[&str] = &["no_mangle", "export_name", "link_section"];

pub fn scan(text: &str) -> Result<FileScan, ParseFailure> {
    let result = match syn::parse_file(text) {
        Ok(file) => {
            let mut finder = Finder::default();
            finder.visit_file(&file);
            finder.sites.sort_by_key(|s| (s.line, s.kind));
            Ok(FileScan {
                sites: finder.sites,
                forbids_unsafe: file.attrs.iter().any(forbids_unsafe),
            })
        }
        Err(e) => Err(ParseFailure {
            line: e.span().start().line,
            message: e.to_string(),
        }),
    };
    // Spans of parsed text are kept per thread for line lookups; every line is read by now.
    proc_macro2::extra::invalidate_current_thread_spans();
    result
}

fn forbids_unsafe(attr: &syn::Attribute) -> bool {
    matches!(attr.style, syn::AttrStyle::Inner(_))
        && attr.path().is_ident("forbid")
        && match &attr.meta {
            syn::Meta::List(list) => idents(list.tokens.clone()).any(|(i, _)| i == "unsafe_code"),
            _ => false,
        }
}

/// Every identifier in a token stream, groups included, with its span.
fn idents(tokens: TokenStream) -> impl Iterator<Item = (String, Span)> {
    let mut out = Vec::new();
    collect_idents(tokens, &mut out);
    out.into_iter()
}

fn collect_idents(tokens: TokenStream, out: &mut Vec<(String, Span)>) {
    for tree in tokens {
        match tree {
            TokenTree::Ident(ident) => out.push((ident.to_string(), ident.span())),
            TokenTree::Group(group) => collect_idents(group.stream(), out),
            _ => {}
        }
    }
}

#[derive(Default)]
struct Finder {
    sites: Vec<Site>,
}

impl Finder {
    fn push(&mut self, kind: Kind, span: Span, what: impl Into<String>) {
        self.sites.push(Site {
            kind,
            line: span.start().line,
            what: what.into(),
        });
    }

    /// `unsafe` tokens the parser left unstructured.
    fn tokens(&mut self, kind: Kind, tokens: &TokenStream, context: &str) {
        for (ident, span) in idents(tokens.clone()) {
            if ident == "unsafe" {
                self.push(kind, span, format!("`unsafe` inside {context}"));
            }
        }
    }
}

impl<'ast> Visit<'ast> for Finder {
    fn visit_expr_unsafe(&mut self, node: &'ast syn::ExprUnsafe) {
        self.push(Kind::Block, node.unsafe_token.span, "unsafe block");
        visit::visit_expr_unsafe(self, node);
    }

    fn visit_signature(&mut self, node: &'ast syn::Signature) {
        if let Some(token) = &node.unsafety {
            self.push(Kind::Fn, token.span, format!("unsafe fn {}", node.ident));
        }
        visit::visit_signature(self, node);
    }

    fn visit_item_impl(&mut self, node: &'ast syn::ItemImpl) {
        if let Some(token) = &node.unsafety {
            let what = match &node.trait_ {
                Some((_, path, _)) => format!(
                    "unsafe impl of {}",
                    path.segments
                        .last()
                        .map(|s| s.ident.to_string())
                        .unwrap_or_default()
                ),
                None => "unsafe impl".to_owned(),
            };
            self.push(Kind::Impl, token.span, what);
        }
        visit::visit_item_impl(self, node);
    }

    fn visit_item_trait(&mut self, node: &'ast syn::ItemTrait) {
        if let Some(token) = &node.unsafety {
            self.push(
                Kind::Trait,
                token.span,
                format!("unsafe trait {}", node.ident),
            );
        }
        visit::visit_item_trait(self, node);
    }

    fn visit_item_foreign_mod(&mut self, node: &'ast syn::ItemForeignMod) {
        // Every extern block declares items the compiler cannot check; `unsafe extern` (Rust
        // 2024) only makes that explicit.
        let span = match &node.unsafety {
            Some(token) => token.span,
            None => node.abi.extern_token.span,
        };
        let abi = node
            .abi
            .name
            .as_ref()
            .map(|n| format!(" {:?}", n.value()))
            .unwrap_or_default();
        self.push(Kind::Extern, span, format!("extern{abi} block"));
        visit::visit_item_foreign_mod(self, node);
    }

    fn visit_attribute(&mut self, node: &'ast syn::Attribute) {
        let path = node.path();
        if let Some(name) = UNSAFE_ATTRIBUTES.iter().find(|n| path.is_ident(n)) {
            self.push(
                Kind::Attribute,
                path.segments[0].ident.span(),
                format!("#[{name}]"),
            );
        } else if path.is_ident("unsafe") || path.is_ident("cfg_attr") {
            // `#[unsafe(no_mangle)]`, `#[cfg_attr(x, no_mangle)]`.
            if let syn::Meta::List(list) = &node.meta {
                for (ident, span) in idents(list.tokens.clone()) {
                    if UNSAFE_ATTRIBUTES.contains(&ident.as_str()) {
                        self.push(Kind::Attribute, span, format!("#[{ident}]"));
                    }
                }
            }
        }
        visit::visit_attribute(self, node);
    }

    fn visit_macro(&mut self, node: &'ast syn::Macro) {
        let name = node
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        self.tokens(Kind::Macro, &node.tokens, &format!("the macro {name}!"));
        visit::visit_macro(self, node);
    }

    fn visit_item(&mut self, node: &'ast syn::Item) {
        if let syn::Item::Verbatim(tokens) = node {
            self.tokens(
                Kind::Verbatim,
                tokens,
                "an item the parser does not structure",
            );
        }
        visit::visit_item(self, node);
    }

    fn visit_expr(&mut self, node: &'ast syn::Expr) {
        if let syn::Expr::Verbatim(tokens) = node {
            self.tokens(
                Kind::Verbatim,
                tokens,
                "an expression the parser does not structure",
            );
        }
        visit::visit_expr(self, node);
    }

    fn visit_foreign_item(&mut self, node: &'ast syn::ForeignItem) {
        if let syn::ForeignItem::Verbatim(tokens) = node {
            self.tokens(
                Kind::Verbatim,
                tokens,
                "an extern item the parser does not structure",
            );
        }
        visit::visit_foreign_item(self, node);
    }

    fn visit_impl_item(&mut self, node: &'ast syn::ImplItem) {
        if let syn::ImplItem::Verbatim(tokens) = node {
            self.tokens(
                Kind::Verbatim,
                tokens,
                "an impl item the parser does not structure",
            );
        }
        visit::visit_impl_item(self, node);
    }

    fn visit_trait_item(&mut self, node: &'ast syn::TraitItem) {
        if let syn::TraitItem::Verbatim(tokens) = node {
            self.tokens(
                Kind::Verbatim,
                tokens,
                "a trait item the parser does not structure",
            );
        }
        visit::visit_trait_item(self, node);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Kind, usize)> {
        scan(text)
            .unwrap()
            .sites
            .iter()
            .map(|s| (s.kind, s.line))
            .collect()
    }

    #[test]
    fn comments_strings_and_docs_never_count() {
        let text = r##"
//! unsafe { crate docs }
/// unsafe fn in a doc comment
// unsafe { x }
/* unsafe impl Send for X {} */
#[doc = "unsafe"]
fn f() -> &'static str {
    let _raw = r#"unsafe { }"#;
    println!("unsafe {}", 1);
    "unsafe"
}
"##;
        assert_eq!(kinds(text), []);
    }

    #[test]
    fn every_kind_at_its_line() {
        let text = "unsafe fn a() {}\n\
                    fn b() { unsafe { a() } }\n\
                    unsafe trait T {}\n\
                    unsafe impl T for u8 {}\n\
                    extern \"C\" { fn c(); }\n\
                    #[no_mangle]\n\
                    pub extern \"C\" fn d() {}\n\
                    #[unsafe(export_name = \"e2\")]\n\
                    fn e() {}\n\
                    macro_rules! m { () => { unsafe { a() } } }\n\
                    struct S;\n\
                    impl S { unsafe fn g(&self) {} }\n\
                    unsafe extern \"C\" { fn h(); }\n";
        assert_eq!(
            kinds(text),
            [
                (Kind::Fn, 1),
                (Kind::Block, 2),
                (Kind::Trait, 3),
                (Kind::Impl, 4),
                (Kind::Extern, 5),
                (Kind::Attribute, 6),
                (Kind::Attribute, 8),
                (Kind::Macro, 10),
                (Kind::Fn, 12),
                (Kind::Extern, 13),
            ]
        );
    }

    #[test]
    fn forbid_unsafe_code_is_seen_and_parse_errors_name_a_line() {
        let scan_ok = scan("#![forbid(unsafe_code)]\nfn main() {}\n").unwrap();
        assert!(scan_ok.forbids_unsafe);
        assert!(!scan("#![deny(unsafe_code)]\n").unwrap().forbids_unsafe);
        let e = scan("fn main() {\n    let x = ;\n}\n").unwrap_err();
        assert_eq!(e.line, 2, "{e:?}");
    }
}
