//! The API's errors, each with the `extensions.code` clients branch on.

use async_graphql::ErrorExtensions;
use jobs::roles::RoleError;
use jobs::subscriptions::SubscriptionError;
use sea_orm::DbErr;

/// An error a GraphQL client receives.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// `BAD_USER_INPUT`: an argument is wrong; the message says which and why.
    #[error("{0}")]
    BadUserInput(String),
    /// `NOT_FOUND`: the named thing does not exist; the message names it.
    #[error("{0}")]
    NotFound(String),
    /// `UNAUTHORIZED`: an admin operation without the admin bearer token.
    #[error("admin operations need `Authorization: Bearer <ADMIN_TOKEN>`")]
    Unauthorized,
    /// `RATE_LIMITED`: too many requests from this client; try again in a minute.
    #[error("too many requests from this address: try again in a minute")]
    RateLimited,
    /// `UNAVAILABLE`: the service is stopping or a dependency is down; retry shortly.
    #[error("{0}")]
    Unavailable(String),
    /// `INTERNAL`: something failed on our side; details are logged, never sent.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    /// The `extensions.code` of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadUserInput(_) => "BAD_USER_INPUT",
            Self::NotFound(_) => "NOT_FOUND",
            Self::Unauthorized => "UNAUTHORIZED",
            Self::RateLimited => "RATE_LIMITED",
            Self::Unavailable(_) => "UNAVAILABLE",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// An internal error, logged once here with its whole cause chain.
    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        let mut chain = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            chain.push_str(": ");
            chain.push_str(&cause.to_string());
            source = cause.source();
        }
        tracing::error!(error = %chain, "internal error");
        Self::Internal(Box::new(error))
    }
}

impl ErrorExtensions for ApiError {
    fn extend(&self) -> async_graphql::Error {
        async_graphql::Error::new(self.to_string()).extend_with(|_, e| e.set("code", self.code()))
    }
}

/// Whether the database is down or out of reach (rather than the statement being wrong):
/// no connection to be had, the connection broke under the statement, or the server is
/// shutting down (SQLSTATE classes 08, connection exception, and 57, operator intervention).
pub(crate) fn database_unavailable(error: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    match error {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => match &**e {
            Sqlx::Io(_) | Sqlx::Tls(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed => true,
            Sqlx::Database(db) => db.code().is_some_and(|code| code.starts_with("08") || code.starts_with("57")),
            _ => false,
        },
        _ => false,
    }
}

impl ApiError {
    /// A database failure: UNAVAILABLE when the database is out of reach (worth retrying,
    /// logged as a warning), INTERNAL otherwise.
    pub fn database(error: impl std::borrow::Borrow<DbErr> + std::error::Error + Send + Sync + 'static) -> Self {
        if database_unavailable(error.borrow()) {
            tracing::warn!(%error, "database unavailable");
            return Self::Unavailable("the database is unavailable: try again shortly".to_owned());
        }
        Self::internal(error)
    }
}

impl From<DbErr> for ApiError {
    fn from(error: DbErr) -> Self {
        Self::database(error)
    }
}

impl From<RoleError> for ApiError {
    fn from(error: RoleError) -> Self {
        match error {
            RoleError::Invalid(message) => Self::BadUserInput(message),
            RoleError::NotFound(slug) => Self::NotFound(format!("no role has the slug \"{slug}\"")),
            e @ RoleError::InUse { .. } => Self::BadUserInput(e.to_string()),
            RoleError::Db(e) => Self::from(e),
        }
    }
}

impl From<SubscriptionError> for ApiError {
    fn from(error: SubscriptionError) -> Self {
        match error {
            SubscriptionError::Invalid(message) => Self::BadUserInput(message),
            e @ SubscriptionError::InvalidToken => Self::NotFound(format!("token: {e}")),
            e @ (SubscriptionError::ExpiredToken(_) | SubscriptionError::ExpiredLink(_)) => {
                Self::BadUserInput(format!("token: {e}"))
            }
            e @ SubscriptionError::Busy => Self::Unavailable(e.to_string()),
            SubscriptionError::Db(e) => Self::from(e),
        }
    }
}

impl From<jobs::edit::EditError> for ApiError {
    fn from(error: jobs::edit::EditError) -> Self {
        match error {
            jobs::edit::EditError::Invalid(message) => Self::BadUserInput(message),
            jobs::edit::EditError::NotFound(message) => Self::NotFound(message),
            jobs::edit::EditError::Db(e) => Self::from(e),
        }
    }
}

impl From<jobs::week::NotAMonday> for ApiError {
    fn from(error: jobs::week::NotAMonday) -> Self {
        Self::BadUserInput(format!("week: {error}"))
    }
}

/// Results of service calls inside resolvers.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sea_orm::sqlx::Error as Sqlx;
    use sea_orm::{ConnAcquireErr, RuntimeErr};

    use super::*;

    #[test]
    fn a_database_out_of_reach_is_unavailable_and_a_bad_statement_internal() {
        let broken = |e: Sqlx| DbErr::Query(RuntimeErr::SqlxError(Arc::new(e)));
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        for error in
            [DbErr::ConnectionAcquire(ConnAcquireErr::Timeout), broken(Sqlx::PoolTimedOut), broken(Sqlx::Io(io))]
        {
            assert_eq!(ApiError::from(error).code(), "UNAVAILABLE");
        }
        assert_eq!(ApiError::from(broken(Sqlx::RowNotFound)).code(), "INTERNAL");
        assert_eq!(ApiError::from(DbErr::Custom("bug".into())).code(), "INTERNAL");
    }
}
