//! The schema as every entry point runs it (HTTP, WebSocket, the pages): the shape checks
//! of [`limits`] first, then the error codes and metrics of [`observe`] on the answer.
//! These wrap the whole request instead of being async-graphql extensions because the
//! executor runs every extension around each field it resolves: for a page of roles with
//! their postings that was a seventh of the server's CPU, for hooks that need none of it.

use std::sync::Arc;
use std::time::Instant;

use async_graphql::futures_util::stream::{self, BoxStream, StreamExt};
use async_graphql::parser::types::OperationType;
use async_graphql::{Data, Executor, Request, Response};

use super::documents::ParsedDocuments;
use super::{AppSchema, limits, observe};
use crate::state::AppState;

/// The API's schema behind the checks that every request gets. One pointer: the HTTP state
/// that holds it is cloned for every request.
#[derive(Clone)]
pub struct GuardedSchema(Arc<Guarded>);

struct Guarded {
    schema: AppSchema,
    state: AppState,
    documents: ParsedDocuments,
}

impl GuardedSchema {
    /// Guards `schema`; `state` tells the admin token.
    pub fn new(schema: AppSchema, state: AppState) -> Self {
        Self(Arc::new(Guarded { schema, state, documents: ParsedDocuments::default() }))
    }

    /// Runs a query or mutation.
    pub async fn execute(&self, mut request: Request) -> Response {
        let mut response = match limits::check_request(&self.0.state, &self.0.documents, &mut request) {
            Err(error) => Response::from_errors(vec![error]),
            Ok(operation_name) => {
                let started = Instant::now();
                let response = self.0.schema.execute(request).await;
                if was_executed(&response) {
                    observe::record_executed(operation_name.as_deref(), started);
                }
                response
            }
        };
        limits::code_errors(&mut response);
        observe::count_errors(&response);
        response
    }

    /// The type and name of the operation a request runs, if its document parses and names
    /// one (the document is kept for when the request runs).
    pub fn operation(&self, request: &mut Request) -> Option<(OperationType, Option<String>)> {
        let operation_name = request.operation_name.clone();
        let document = self.0.documents.document(request).ok()?;
        limits::operation(&document, operation_name.as_deref())
    }

    /// Runs a subscription.
    pub fn execute_stream(
        &self,
        mut request: Request,
        session_data: Option<Arc<Data>>,
    ) -> BoxStream<'static, Response> {
        match limits::check_request(&self.0.state, &self.0.documents, &mut request) {
            Ok(_) => Executor::execute_stream(&self.0.schema, request, session_data),
            Err(error) => stream::once(async move { Response::from_errors(vec![error]) }).boxed(),
        }
    }
}

impl Executor for GuardedSchema {
    async fn execute(&self, request: Request) -> Response {
        GuardedSchema::execute(self, request).await
    }

    fn execute_stream(&self, request: Request, session_data: Option<Arc<Data>>) -> BoxStream<'static, Response> {
        GuardedSchema::execute_stream(self, request, session_data)
    }
}

/// Whether a response comes from running its operation: one refused by parsing or
/// validation has no data and only errors without a path.
pub fn was_executed(response: &Response) -> bool {
    response.data != async_graphql::Value::Null
        || response.errors.is_empty()
        || response.errors.iter().any(|e| !e.path.is_empty())
}
