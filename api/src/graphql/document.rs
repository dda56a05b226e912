//! What a GraphQL document must pass before async-graphql sees it.
//!
//! async-graphql's parser recurses once per nested `{`, `[` or `(`, and
//! its validators expand every fragment spread where it stands. So a 4 KB
//! document of nested lists overflowed the stack (one anonymous request
//! aborted the process), and an 874-byte document whose fragments each
//! spread the one before twice cost seconds of CPU before "too complex".
//!
//! Both are refused here, in time proportional to the document's size:
//! 1. a scan of the text bounds bracket nesting before anything recurses;
//! 2. after parsing, the size of the document with every fragment expanded
//!    is computed once per fragment (iteratively, so a long chain of
//!    fragments cannot overflow either) and bounded, and fragment cycles
//!    are refused. Everything async-graphql does afterwards (directive and
//!    recursion checks, validation, complexity) walks at most that many
//!    selections.
//!
//! The parsed document is handed on, so the text is parsed once.

use std::collections::HashMap;

use async_graphql::{
    parser::{
        parse_query,
        types::{
            Directive, DocumentOperations, ExecutableDocument, OperationType, Selection,
            SelectionSet,
        },
        Positioned,
    },
    Variables,
};
use async_graphql_value::{ConstValue, Value};

/// Brackets deeper than this are refused before parsing. The standard
/// introspection query nests 20; the parser's stack holds thousands.
pub const MAX_NESTING: usize = 64;
/// The same count taken with no regard for strings or comments: a second
/// fence, in case the scan ever reads a string where the parser does not.
/// Brackets inside strings rarely nest, and the parser's stack holds this
/// many with room to spare (8 MiB threads).
pub const MAX_RAW_NESTING: usize = 1_000;
/// Fragments spreading fragments, this many deep at most (async-graphql's
/// own recursion check stops at 32, after walking every path to it).
pub const MAX_FRAGMENT_DEPTH: usize = 16;

/// Why a document was refused. The `Display` is what the client reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("the query nests brackets more than {0} deep")]
    TooDeep(usize),
    #[error("the query selects more than {0} fields once its fragments are expanded")]
    TooLarge(usize),
    #[error("fragment {0:?} spreads itself")]
    FragmentCycle(String),
    #[error("fragment {0:?} is spread but not defined")]
    UnknownFragment(String),
    #[error("fragments spread fragments more than {0} deep")]
    FragmentsTooDeep(usize),
    /// PostgreSQL cannot store U+0000 in text, and no name, email or
    /// domain has one: refused for every backend alike.
    #[error("strings may not contain the character U+0000")]
    Nul,
    #[error("{0}")]
    Syntax(String),
}

/// A document that passed: parsed, with the kind of operation it runs.
pub struct Checked {
    pub document: ExecutableDocument,
    /// `None` when the operation cannot be chosen (async-graphql then
    /// answers why).
    pub operation: Option<OperationType>,
}

/// Checks `query` against `max_selections` (and `MAX_NESTING`).
pub fn check(
    query: &str,
    operation_name: Option<&str>,
    max_selections: usize,
) -> Result<Checked, DocumentError> {
    if nesting(query, MAX_NESTING) > MAX_NESTING || raw_nesting(query) > MAX_RAW_NESTING {
        return Err(DocumentError::TooDeep(MAX_NESTING));
    }
    let document = parse_query(query).map_err(|e| DocumentError::Syntax(e.to_string()))?;
    if expanded_size(&document, max_selections)? > max_selections {
        return Err(DocumentError::TooLarge(max_selections));
    }
    if document_has_nul(&document) {
        return Err(DocumentError::Nul);
    }
    let operation = match (&document.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| op.node.ty)
        }
        (DocumentOperations::Multiple(_), None) => None,
    };
    Ok(Checked {
        document,
        operation,
    })
}

/// The deepest bracket nesting of a GraphQL text, ignoring strings, block
/// strings and comments; stops counting once past `stop`.
pub fn nesting(text: &str, stop: usize) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => match block_string_end(bytes, i + 3) {
                Some(end) => i = end + 2,
                // Unclosed, the parser reads `""`, an empty string, and
                // goes on: so does the scan.
                None => i += 1,
            },
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                deepest = deepest.max(depth);
                if deepest > stop {
                    return deepest;
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    deepest
}

/// Whether request variables hold a string with U+0000.
pub fn variables_have_nul(variables: &Variables) -> bool {
    fn has(v: &ConstValue) -> bool {
        match v {
            ConstValue::String(s) => s.contains('\0'),
            ConstValue::List(items) => items.iter().any(has),
            ConstValue::Object(fields) => fields
                .iter()
                .any(|(k, v)| k.as_str().contains('\0') || has(v)),
            _ => false,
        }
    }
    variables.iter().any(|(_, v)| has(v))
}

fn value_has_nul(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains('\0'),
        Value::List(items) => items.iter().any(value_has_nul),
        Value::Object(fields) => fields.values().any(value_has_nul),
        _ => false,
    }
}

fn directives_have_nul(directives: &[Positioned<Directive>]) -> bool {
    directives
        .iter()
        .any(|d| d.node.arguments.iter().any(|(_, v)| value_has_nul(&v.node)))
}

/// Recursion here is bounded by `MAX_NESTING`, checked before parsing.
fn set_has_nul(set: &SelectionSet) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(f) => {
            f.node.arguments.iter().any(|(_, v)| value_has_nul(&v.node))
                || directives_have_nul(&f.node.directives)
                || set_has_nul(&f.node.selection_set.node)
        }
        Selection::InlineFragment(i) => {
            directives_have_nul(&i.node.directives) || set_has_nul(&i.node.selection_set.node)
        }
        Selection::FragmentSpread(s) => directives_have_nul(&s.node.directives),
    })
}

fn document_has_nul(document: &ExecutableDocument) -> bool {
    document.operations.iter().any(|(_, op)| {
        op.node.variable_definitions.iter().any(|d| {
            d.node
                .default_value
                .as_ref()
                .is_some_and(|v| value_has_nul(&v.node.clone().into_value()))
        }) || directives_have_nul(&op.node.directives)
            || set_has_nul(&op.node.selection_set.node)
    }) || document
        .fragments
        .values()
        .any(|f| directives_have_nul(&f.node.directives) || set_has_nul(&f.node.selection_set.node))
}

/// Where the block string whose content starts at `from` ends (the index
/// of its closing `"""`), if it is closed.
fn block_string_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"\\\"\"\"") {
            // `\"""` is an escaped delimiter inside a block string.
            i += 4;
        } else if bytes[i..].starts_with(b"\"\"\"") {
            return Some(i);
        } else {
            i += 1;
        }
    }
    None
}

/// The deepest nesting of brackets, strings and comments included.
pub fn raw_nesting(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for b in text.bytes() {
        match b {
            b'{' | b'[' | b'(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Selections in a selection set, not counting fragment spreads, and the
/// fragments it spreads (once per spread).
fn own_size<'a>(set: &'a SelectionSet, spreads: &mut Vec<&'a str>) -> usize {
    let mut size = 0usize;
    for item in &set.items {
        match &item.node {
            Selection::Field(field) => {
                size = size.saturating_add(1 + own_size(&field.node.selection_set.node, spreads));
            }
            Selection::InlineFragment(inline) => {
                size = size.saturating_add(1 + own_size(&inline.node.selection_set.node, spreads));
            }
            Selection::FragmentSpread(spread) => {
                // The spread itself is a step for every walker, even of a
                // fragment that selects nothing.
                size = size.saturating_add(1);
                spreads.push(spread.node.fragment_name.node.as_str());
            }
        }
    }
    size
}

/// The number of selections of every operation and fragment definition
/// with each spread replaced by its fragment, saturating just past `cap`.
/// Each fragment is sized once, in dependency order, without recursion.
pub fn expanded_size(document: &ExecutableDocument, cap: usize) -> Result<usize, DocumentError> {
    let limit = cap.saturating_add(1);
    // Fragment name → (own size, spreads).
    let mut parts: HashMap<&str, (usize, Vec<&str>)> = HashMap::new();
    for (name, fragment) in &document.fragments {
        let mut spreads = Vec::new();
        let own = own_size(&fragment.node.selection_set.node, &mut spreads);
        parts.insert(name.as_str(), (own, spreads));
    }
    // Sizes, computed depth-first with an explicit stack; a fragment seen
    // again while its own size is still open is a cycle.
    let mut sizes: HashMap<&str, usize> = HashMap::new();
    // How deep each fragment's spreads chain (1: it spreads none).
    let mut depths: HashMap<&str, usize> = HashMap::new();
    let mut open: std::collections::HashSet<&str> = Default::default();
    for &root in parts.keys() {
        if sizes.contains_key(root) {
            continue;
        }
        let mut stack: Vec<(&str, usize)> = vec![(root, 0)];
        open.insert(root);
        while let Some(&mut (name, ref mut next)) = stack.last_mut() {
            let (own, spreads) = &parts[name];
            if let Some(&child) = spreads.get(*next) {
                *next += 1;
                if !parts.contains_key(child) {
                    return Err(DocumentError::UnknownFragment(child.to_owned()));
                }
                if sizes.contains_key(child) {
                    continue;
                }
                if !open.insert(child) {
                    return Err(DocumentError::FragmentCycle(child.to_owned()));
                }
                stack.push((child, 0));
            } else {
                let size = spreads
                    .iter()
                    .map(|s| sizes.get(s).copied().unwrap_or(0))
                    .fold(*own, |total, s| total.saturating_add(s).min(limit));
                sizes.insert(name, size);
                let depth = 1 + spreads
                    .iter()
                    .map(|s| depths.get(s).copied().unwrap_or(0))
                    .max()
                    .unwrap_or(0);
                depths.insert(name, depth);
                open.remove(name);
                stack.pop();
            }
        }
    }
    if depths.values().any(|d| *d > MAX_FRAGMENT_DEPTH) {
        return Err(DocumentError::FragmentsTooDeep(MAX_FRAGMENT_DEPTH));
    }
    let mut total = sizes.values().fold(0usize, |t, s| t.saturating_add(*s));
    for (_, operation) in document.operations.iter() {
        let mut spreads = Vec::new();
        let own = own_size(&operation.node.selection_set.node, &mut spreads);
        if let Some(unknown) = spreads.iter().find(|s| !parts.contains_key(*s)) {
            return Err(DocumentError::UnknownFragment((*unknown).to_owned()));
        }
        total = spreads
            .iter()
            .map(|s| sizes.get(s).copied().unwrap_or(0))
            .fold(total.saturating_add(own), |t, s| t.saturating_add(s));
    }
    Ok(total.min(limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_ignores_brackets_in_strings_and_comments() {
        assert_eq!(nesting("{a{b}}", 100), 2);
        assert_eq!(nesting(r#"{a(x: "{{{[[[") }"#, 100), 2);
        assert_eq!(nesting("{a # {{{{\n b}", 100), 1);
        assert_eq!(nesting(r#"{a(x: """ {{{ \""" [[[ """)}"#, 100), 2);
        assert_eq!(nesting(r#"{a(x: "\"{{{")}"#, 100), 2);
        assert_eq!(nesting(&"[".repeat(10_000), 64), 65, "stops early");
    }

    #[test]
    fn fragment_fan_out_is_counted_without_expanding_it() {
        // F(n) spreads F(n-1) twice … F0 is one field: 2^n leaves.
        let fan = |n: usize| {
            let mut q = format!("{{ ...F{n} }}\nfragment F0 on Query {{ plans {{ id }} }}\n");
            for i in 1..=n {
                q.push_str(&format!(
                    "fragment F{i} on Query {{ ...F{} ...F{} }}\n",
                    i - 1,
                    i - 1
                ));
            }
            q
        };
        assert_eq!(
            check(&fan(14), None, 5_000).err(),
            Some(DocumentError::TooLarge(5_000))
        );
        assert_eq!(
            check(&fan(24), None, 5_000).err(),
            Some(DocumentError::FragmentsTooDeep(MAX_FRAGMENT_DEPTH)),
            "whatever order the fragments are sized in"
        );
        assert!(check(&fan(8), None, 5_000).is_ok());
    }

    #[test]
    fn cycles_long_chains_and_missing_fragments_are_refused_without_recursion() {
        let q = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
        assert!(matches!(
            check(q, None, 5_000).err(),
            Some(DocumentError::FragmentCycle(_))
        ));
        let mut chain = String::from("{ ...F5000 } fragment F0 on Query { plans { id } }\n");
        for i in 1..=5000 {
            chain.push_str(&format!("fragment F{i} on Query {{ ...F{} }}\n", i - 1));
        }
        assert_eq!(
            check(&chain, None, 50_000).err(),
            Some(DocumentError::FragmentsTooDeep(MAX_FRAGMENT_DEPTH))
        );
        let mut short = String::from("{ ...F10 } fragment F0 on Query { plans { id } }\n");
        for i in 1..=10 {
            short.push_str(&format!("fragment F{i} on Query {{ ...F{} }}\n", i - 1));
        }
        let checked = check(&short, None, 5_000).expect("a short chain passes");
        assert_eq!(
            expanded_size(&checked.document, 5_000).unwrap(),
            // F0 is 2; F(i) is its spread plus F(i-1): 2 + i. The operation
            // spreads F10 (1 + 12); the definitions are F0..F10 (2 + … + 12).
            13 + (2..=12).sum::<usize>()
        );
        // Spreads of a fragment that selects nothing, or does not exist,
        // still count (a fan-out of them cost seconds before).
        let mut empty = String::from("{ ...E15 } fragment E0 on Query { ...Missing }\n");
        for i in 1..=15 {
            empty.push_str(&format!(
                "fragment E{i} on Query {{ ...E{} ...E{} }}\n",
                i - 1,
                i - 1
            ));
        }
        assert_eq!(
            check(&empty, None, 5_000).err(),
            Some(DocumentError::UnknownFragment("Missing".into()))
        );
        let fan = empty.replace("{ ...Missing }", "{ __typename }");
        assert_eq!(
            check(&fan, None, 5_000).err(),
            Some(DocumentError::TooLarge(5_000))
        );
    }

    #[test]
    fn an_unclosed_block_string_does_not_hide_nesting() {
        // The parser reads an unclosed `"""` as `""` and goes on; a scan
        // that skipped to the end saw depth 3 while the parser recursed
        // 100 000 deep (found in review).
        let q = format!(
            r#"{{ plans(x: [""""], y: {}1{}) {{ id }} }}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(
            nesting(&q, MAX_NESTING) > MAX_NESTING,
            "read as the parser reads it"
        );
        assert_eq!(
            check(&q, None, 5_000).err(),
            Some(DocumentError::TooDeep(MAX_NESTING))
        );
        // Brackets in strings past the raw fence are refused too.
        let strings = format!(r#"{{ plans(x: "{}") {{ id }} }}"#, "(".repeat(2_000));
        assert!(check(&strings, None, 5_000).is_err());
        assert!(check(r#"{ plans(x: "((( ]]") { id } }"#, None, 5_000).is_ok());
    }

    #[test]
    fn ordinary_documents_pass_with_their_operation() {
        let q = "mutation M { logOut } query Q { plans { id name } }";
        let c = check(q, Some("M"), 100).unwrap();
        assert_eq!(c.operation, Some(OperationType::Mutation));
        let c = check(q, None, 100).unwrap();
        assert_eq!(c.operation, None, "two operations and no name");
        assert!(matches!(
            check("{ plans { id ", None, 100).err(),
            Some(DocumentError::Syntax(_))
        ));
    }

    #[test]
    fn nul_characters_are_refused_wherever_they_are() {
        for q in [
            r#"mutation { updateProfile(name: "a\u0000b") { id } }"#,
            r#"query($v: String = "\u0000") { plans { id } }"#,
            r#"{ plans @skip(if: false) { id ... on Plan @include(if: true) { id } } x: site(id: "\u0000") { id } }"#,
            "{ a: site(id: \"\0\") { id } }",
        ] {
            assert_eq!(check(q, None, 100).err(), Some(DocumentError::Nul), "{q}");
        }
        let mut vars = Variables::default();
        vars.insert(
            async_graphql::Name::new("v"),
            ConstValue::List(vec![ConstValue::String("x\0".into())]),
        );
        assert!(variables_have_nul(&vars));
        assert!(check(r#"{ site(id: "\u0001") { id } }"#, None, 100).is_ok());
    }
}
