//! What an operation may ask for, checked before async-graphql's own passes: at most
//! [`MAX_EXPANDED_FIELDS`] fields once fragments are spread (a few kilobytes of nested
//! fragments otherwise expand to billions), no fragment that spreads itself, and, without
//! the admin token, at most [`MAX_ANONYMOUS_ROOT_FIELDS`] root fields, so that aliases cannot
//! run `compareRoles` or `unsubscribe` thousands of times in one request. Also gives every
//! error of parsing and validation its `extensions.code`: `BAD_USER_INPUT` for an argument
//! of the wrong type or form, `GRAPHQL_PARSE_FAILED` and `GRAPHQL_VALIDATION_FAILED` otherwise.

use std::any::TypeId;
use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::{Request, Response, ServerError, ServerResult};

use super::documents::{Document, ParsedDocuments};
use crate::auth::BearerToken;
use crate::state::AppState;

/// Most root fields an operation may have without the admin token.
pub const MAX_ANONYMOUS_ROOT_FIELDS: usize = 10;
/// Most fields an operation may have with its fragments spread out.
pub const MAX_EXPANDED_FIELDS: usize = 10_000;
/// Most directives on one field.
pub const MAX_DIRECTIVES: usize = 4;

/// Gives an error `code` unless it has one.
fn set_code(error: &mut ServerError, code: &'static str) {
    let has_code = error.extensions.as_ref().is_some_and(|e| e.get("code").is_some());
    if !has_code {
        error.extensions.get_or_insert_with(Default::default).set("code", code);
    }
}

/// The error with `code` unless it has one.
fn coded(mut error: ServerError, code: &'static str) -> ServerError {
    set_code(&mut error, code);
    error
}

/// The code of an error without one: an argument's value is the user's input, the rest
/// of a refused document is its shape.
fn validation_code(error: &ServerError) -> &'static str {
    let input = ["Invalid value for argument", "Failed to parse", "Expected input type", "Invalid value for"];
    if input.iter().any(|p| error.message.starts_with(p)) { "BAD_USER_INPUT" } else { "GRAPHQL_VALIDATION_FAILED" }
}

fn presents_admin_token(state: &AppState, request: &Request) -> bool {
    let presented = request
        .data
        .get(&TypeId::of::<BearerToken>())
        .and_then(|token| token.downcast_ref::<BearerToken>())
        .and_then(|token| token.0.as_deref());
    crate::auth::is_admin_token(state, presented)
}

/// Checks the shape of the request's document and hands it to the request (parsed once per
/// text by `documents`), so the schema does not parse it again; the name of the operation it
/// runs, when it has one.
pub fn check_request(
    state: &AppState,
    documents: &ParsedDocuments,
    request: &mut Request,
) -> ServerResult<Option<String>> {
    let admin = presents_admin_token(state, request);
    let operation_name = request.operation_name.clone();
    let document = documents.document(request).map_err(|e| coded(e, "GRAPHQL_PARSE_FAILED"))?;
    check_shape(&document, admin)
        .map_err(|message| coded(ServerError::new(message, None), "GRAPHQL_VALIDATION_FAILED"))?;
    let name = operation(&document, operation_name.as_deref()).and_then(|(_, name)| name);
    if let Document::Kept(kept) = document {
        // The schema takes the document apart as it runs it: each request gets its own copy.
        request.set_parsed_query(kept.as_ref().clone());
    }
    Ok(name)
}

/// The type and name of the operation that `operation_name` picks from a document, by
/// async-graphql's rule: the one named, or the document's only one.
pub fn operation(
    document: &ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<(OperationType, Option<String>)> {
    match &document.operations {
        DocumentOperations::Single(op) => Some((op.node.ty, None)),
        DocumentOperations::Multiple(ops) => match operation_name {
            Some(name) => ops.get(name).map(|op| (op.node.ty, Some(name.to_owned()))),
            None if ops.len() == 1 => ops.iter().next().map(|(name, op)| (op.node.ty, Some(name.to_string()))),
            None => None,
        },
    }
}

/// Gives every error of a response that has none its code: errors of validation, of an
/// argument's value refused while executing, of an unknown operation name, of
/// async-graphql itself come without one.
pub fn code_errors(response: &mut Response) {
    let executed = response.data != async_graphql::Value::Null;
    for error in &mut response.errors {
        let code = match validation_code(error) {
            "BAD_USER_INPUT" => "BAD_USER_INPUT",
            _ if !executed && error.path.is_empty() => "GRAPHQL_VALIDATION_FAILED",
            _ => "INTERNAL",
        };
        set_code(error, code);
    }
}

/// Checks every operation of a document: its size with fragments spread, its fragments,
/// and (unless `admin`) its number of root fields.
pub fn check_shape(document: &ExecutableDocument, admin: bool) -> Result<(), String> {
    let mut sizes = FragmentSizes { document, known: HashMap::new(), visiting: HashSet::new() };
    for (_, operation) in document.operations.iter() {
        let set = &operation.node.selection_set.node;
        let size = sizes.of_set(set)?;
        if size > MAX_EXPANDED_FIELDS {
            return Err(format!(
                "the operation has {size} fields once its fragments are spread: at most {MAX_EXPANDED_FIELDS}"
            ));
        }
        if !admin {
            let roots = sizes.roots(set)?;
            if roots > MAX_ANONYMOUS_ROOT_FIELDS {
                return Err(format!(
                    "the operation has {roots} root fields (aliases count): at most {MAX_ANONYMOUS_ROOT_FIELDS} \
                     without the admin token; send several requests instead"
                ));
            }
        }
    }
    Ok(())
}

/// Fields in each fragment once spread, each fragment counted once however often it is
/// spread, so that the count takes time linear in the document.
struct FragmentSizes<'a> {
    document: &'a ExecutableDocument,
    known: HashMap<&'a str, (usize, usize)>,
    visiting: HashSet<&'a str>,
}

impl<'a> FragmentSizes<'a> {
    /// (fields in all, root fields) of a fragment.
    fn of_fragment(&mut self, name: &'a str) -> Result<(usize, usize), String> {
        if let Some(known) = self.known.get(name) {
            return Ok(*known);
        }
        let Some(fragment) = self.document.fragments.get(name) else { return Ok((0, 0)) };
        if !self.visiting.insert(name) {
            return Err(format!("the fragment \"{name}\" spreads itself"));
        }
        let set = &fragment.node.selection_set.node;
        let counts = (self.of_set(set)?, self.roots(set)?);
        self.visiting.remove(name);
        self.known.insert(name, counts);
        Ok(counts)
    }

    /// Fields in a selection set, nested ones included.
    fn of_set(&mut self, set: &'a SelectionSet) -> Result<usize, String> {
        let mut total = 0usize;
        for item in &set.items {
            let count = match &item.node {
                Selection::Field(field) => self.of_set(&field.node.selection_set.node)?.saturating_add(1),
                Selection::FragmentSpread(spread) => self.of_fragment(spread.node.fragment_name.node.as_str())?.0,
                Selection::InlineFragment(inline) => self.of_set(&inline.node.selection_set.node)?,
            };
            total = total.saturating_add(count);
        }
        Ok(total)
    }

    /// Fields at the level of a selection set (through fragments, not into fields).
    fn roots(&mut self, set: &'a SelectionSet) -> Result<usize, String> {
        let mut total = 0usize;
        for item in &set.items {
            let count = match &item.node {
                Selection::Field(_) => 1,
                Selection::FragmentSpread(spread) => self.of_fragment(spread.node.fragment_name.node.as_str())?.1,
                Selection::InlineFragment(inline) => self.roots(&inline.node.selection_set.node)?,
            };
            total = total.saturating_add(count);
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(query: &str, admin: bool) -> Result<(), String> {
        check_shape(&async_graphql::parser::parse_query(query).expect("parses"), admin)
    }

    #[test]
    fn aliases_count_as_root_fields_for_anonymous_operations() {
        let aliases: String = (0..11).map(|i| format!("a{i}: market {{ week }} ")).collect();
        let error = check(&format!("{{ {aliases} }}"), false).expect_err("too many");
        assert!(error.contains("11 root fields"), "{error}");
        assert!(check(&format!("{{ {aliases} }}"), true).is_ok(), "admins are not capped");
        let ten: String = (0..10).map(|i| format!("a{i}: market {{ week }} ")).collect();
        assert!(check(&format!("{{ {ten} }}"), false).is_ok());
        let through_fragments = "{ ...A ...A } fragment A on Query { a: market { week } b: market { week } c: roles { totalCount } d: market { week } e: market { week } f: market { week } }";
        assert!(check(through_fragments, false).expect_err("12 through fragments").contains("12 root fields"));
    }

    #[test]
    fn fragment_bombs_and_cycles_are_refused_in_linear_time() {
        let mut query = String::from("{ ...F0 }");
        for i in 0..40 {
            query.push_str(&format!(" fragment F{i} on Query {{ ...F{n} ...F{n} }}", n = i + 1));
        }
        query.push_str(" fragment F40 on Query { market { week } }");
        let error = check(&query, true).expect_err("2^40 fields");
        assert!(error.contains("at most 10000"), "{error}");
        let cycle = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
        assert!(check(cycle, true).expect_err("a cycle").contains("spreads itself"));
    }
}
