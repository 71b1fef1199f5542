//! The GraphQL schema: queries, mutations and the `snapshotPublished` subscription.

pub mod documents;
pub mod guard;
pub mod limits;
pub mod loaders;
pub mod mutation;
pub mod observe;
pub mod pagination;
pub mod query;
pub mod scalars;
pub mod subscription;
pub mod types;

use async_graphql::{MergedObject, Schema};

pub use self::guard::GuardedSchema;
use crate::state::AppState;

/// Deepest query accepted: 15 is what GraphiQL's introspection query needs (graphql-js 16's
/// `TypeRef` nests `ofType` nine times); the complexity limit bounds the work either way.
pub const MAX_DEPTH: usize = 15;
/// Most complex query accepted (fields, times page sizes, plus [`DB_COST`] per statement).
pub const MAX_COMPLEXITY: usize = 5_000;
/// What one SQL statement a field runs adds to its complexity: a field that reads the
/// database costs what it costs, so that aliases cannot ask for hundreds of them.
pub const DB_COST: usize = 25;

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
    query::ClassificationQuery,
    query::FeedQuery,
);

/// Every mutation of the API.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    mutation::CatalogMutation,
    mutation::SubscriptionMutation,
    mutation::DigestMutation,
    mutation::RawMutation,
    mutation::ClassificationMutation,
    mutation::FeedMutation,
);

/// The API's schema.
pub type AppSchema = Schema<QueryRoot, MutationRoot, subscription::SubscriptionRoot>;

/// Builds the schema over the shared state, behind its checks (no I/O).
pub fn build_schema(state: AppState) -> GuardedSchema {
    let schema = Schema::build(QueryRoot::default(), MutationRoot::default(), subscription::SubscriptionRoot)
        .data(loaders::new_loader(state.db.clone()))
        .data(state.clone())
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_recursive_depth(32)
        .limit_directives(limits::MAX_DIRECTIVES)
        .finish();
    GuardedSchema::new(schema, state)
}

/// The schema as SDL (what `salarygraph schema` prints and `schema.graphql` holds).
pub fn sdl() -> String {
    Schema::build(QueryRoot::default(), MutationRoot::default(), subscription::SubscriptionRoot).finish().sdl()
}
