//! The GraphQL schema: queries, mutations and the `snapshotPublished` subscription.

pub mod loaders;
pub mod mutation;
pub mod observe;
pub mod pagination;
pub mod query;
pub mod scalars;
pub mod subscription;
pub mod types;

use async_graphql::{MergedObject, Schema};

use crate::state::AppState;

/// Deepest query accepted: 15 is what GraphiQL's introspection query needs (graphql-js 16's
/// `TypeRef` nests `ofType` nine times); the complexity limit bounds the work either way.
pub const MAX_DEPTH: usize = 15;
/// Most complex query accepted (fields, times page sizes).
pub const MAX_COMPLEXITY: usize = 5_000;

/// Every query of the API.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    query::RoleQuery,
    query::CompareQuery,
    query::PostingQuery,
    query::MarketQuery,
    query::SubscriberQuery,
    query::DigestQuery,
);

/// Every mutation of the API.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(mutation::CatalogMutation, mutation::SubscriptionMutation, mutation::DigestMutation);

/// The API's schema.
pub type AppSchema = Schema<QueryRoot, MutationRoot, subscription::SubscriptionRoot>;

/// Builds the schema over the shared state (no I/O).
pub fn build_schema(state: AppState) -> AppSchema {
    Schema::build(QueryRoot::default(), MutationRoot::default(), subscription::SubscriptionRoot)
        .data(loaders::new_loader(state.db.clone()))
        .data(state)
        .extension(observe::Observe)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_recursive_depth(32)
        .finish()
}

/// The schema as SDL (what `salarygraph schema` prints and `schema.graphql` holds).
pub fn sdl() -> String {
    Schema::build(QueryRoot::default(), MutationRoot::default(), subscription::SubscriptionRoot).finish().sdl()
}
