//! The namespace declarations in scope and what each prefix resolves to.

use quick_xml::events::BytesStart;
use quick_xml::name::{NamespaceError, NamespaceResolver, QName, ResolveResult};

const RDF_NS: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
/// Every CIM namespace (`…/CIM-schema-cim16#`, `…/CIM100#`) is under this one.
const CIM_NS_PREFIX: &str = "http://iec.ch/TC57/";

/// Which namespace a name is in, as far as the reader cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NsClass {
    /// The RDF namespace.
    Rdf,
    /// A CIM namespace (under [`CIM_NS_PREFIX`]).
    Cim,
    /// Any other namespace, or none.
    Other,
    /// A prefix no declaration in scope binds.
    Unknown,
}

/// How many prefixes (of element names, of attribute names) [`Namespaces`] remembers: a CGMES
/// file uses two or three; a file with more resolves the others each time.
const NS_CACHE: usize = 8;

/// The namespace declarations in scope. Only an element that declares namespaces (the root, in
/// a CGMES file) opens a scope in the resolver, and what each prefix resolves to is remembered
/// until the declarations in scope change, so an element name or attribute is resolved by
/// comparing its prefix with the two or three the file uses.
pub(super) struct Namespaces {
    resolver: NamespaceResolver,
    /// The element depth (before the element) of each element whose declarations are in the
    /// resolver, innermost last.
    scopes: Vec<u32>,
    /// Prefix (`None`: no prefix) → class, for element names (a default namespace applies).
    elements: Vec<(Option<Box<str>>, NsClass)>,
    /// The same for attribute names (no default namespace).
    attributes: Vec<(Option<Box<str>>, NsClass)>,
}

impl Namespaces {
    pub(super) fn new() -> Self {
        Self {
            resolver: NamespaceResolver::default(),
            scopes: Vec::new(),
            elements: Vec::new(),
            attributes: Vec::new(),
        }
    }

    /// Whether a start tag may declare namespaces (any attribute named `xmlns…`; the test
    /// may say yes for a tag that declares none, which costs only a resolver scope).
    pub(super) fn declares(e: &BytesStart<'_>) -> bool {
        e.attributes_raw().contains("xmlns")
    }

    /// Opens the scope of an element's declarations; `depth` is the element depth before it.
    pub(super) fn push(&mut self, e: &BytesStart<'_>, depth: u32) -> Result<(), NamespaceError> {
        self.resolver.push(e)?;
        self.scopes.push(depth);
        self.elements.clear();
        self.attributes.clear();
        Ok(())
    }

    /// Closes the scope opened at `depth`, if one was.
    pub(super) fn pop(&mut self, depth: u32) {
        if self.scopes.last() == Some(&depth) {
            self.scopes.pop();
            self.resolver.pop();
            self.elements.clear();
            self.attributes.clear();
        }
    }

    /// The class of a name's namespace and its local part; `element` for an element name.
    pub(super) fn resolve<'n>(&mut self, name: QName<'n>, element: bool) -> (NsClass, &'n str) {
        let (local, prefix) = name.decompose();
        let prefix = prefix.map(quick_xml::name::Prefix::into_inner);
        let cache = if element {
            &mut self.elements
        } else {
            &mut self.attributes
        };
        if let Some(&(_, class)) = cache.iter().find(|(p, _)| p.as_deref() == prefix) {
            return (class, local.into_inner());
        }
        let (ns, _) = self.resolver.resolve(name, element);
        let class = match ns {
            ResolveResult::Bound(n) if n.0 == RDF_NS => NsClass::Rdf,
            ResolveResult::Bound(n) if n.0.starts_with(CIM_NS_PREFIX) => NsClass::Cim,
            ResolveResult::Bound(_) | ResolveResult::Unbound => NsClass::Other,
            ResolveResult::Unknown(_) => NsClass::Unknown,
        };
        if cache.len() < NS_CACHE {
            cache.push((prefix.map(Box::from), class));
        }
        (class, local.into_inner())
    }
}
