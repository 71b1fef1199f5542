//! Configuration: every setting of docs/operations.md#configuration, read and validated once.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use chrono_tz::Tz;
use secrecy::SecretString;

use crate::client::TrustedProxies;
use crate::http::ws::WsLimits;
use crate::server::ServerLimits;

/// A configuration value that cannot be used; the message names the variable and the form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    /// The environment variable.
    pub variable: &'static str,
    /// What is wrong and what is expected.
    pub message: String,
}

/// The service's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL` (default `sqlite://salarygraph.db?mode=rwc`): SQLite or PostgreSQL.
    pub database_url: String,
    /// `BIND_ADDR` (default `127.0.0.1:8000`): HTTP listen address.
    pub bind_addr: SocketAddr,
    /// `ADMIN_TOKEN` (default unset: admin operations are refused): bearer token for admins.
    pub admin_token: Option<SecretString>,
    /// `PUBLIC_URL` (default `http://127.0.0.1:8000`): base of links in emails, no trailing slash.
    pub public_url: String,
    /// `SMTP_URL` (default unset: `.eml` files in `./outbox`). Credentials in it go only
    /// over TLS (`smtps://` or `?tls=required`) or to a loopback host.
    pub smtp_url: Option<SecretString>,
    /// `SMTP_CA_FILE` (default unset): PEM certificates of authorities trusted for SMTP over
    /// TLS beside the public ones (a private authority, or a self-signed server).
    pub smtp_ca_file: Option<PathBuf>,
    /// `OUTBOX_DIR` (default `outbox`): where emails go without SMTP.
    pub outbox_dir: PathBuf,
    /// `MAIL_FROM` (default `salarygraph <digest@localhost>`): sender.
    pub mail_from: String,
    /// `DIGEST_SCHEDULE` (default `0 0 8 * * Mon`): cron with seconds for the weekly job.
    pub digest_schedule: String,
    /// `DIGEST_TIMEZONE` (default `UTC`): time zone of the schedule.
    pub digest_timezone: Tz,
    /// `DEMO_DATA` (default `true`): load demo data into an empty database.
    pub demo_data: bool,
    /// `SUBSCRIBE_RATE_LIMIT` (default `5`): sign-up requests a minute per client (0: off).
    pub subscribe_rate_limit: u32,
    /// `SMTP_CONCURRENCY` (default `8`): SMTP connections open at once, for the digest and the
    /// confirmation emails together.
    pub smtp_concurrency: usize,
    /// `LOG_FORMAT` (default `text`): `text` or `json`.
    pub log_json: bool,
    /// `CORS_ORIGINS` (default none): browser origins allowed to call the API.
    pub cors_origins: CorsOrigins,
    /// `RESPONSE_CACHE_MB` (default `64`; `0` turns it off): memory for answers to anonymous
    /// queries, kept until the data changes.
    pub response_cache_bytes: usize,
    /// `FETCH_SCHEDULE` (default `0 0 6 * * *`, daily at 06:00 UTC): cron with seconds for
    /// fetching the job boards followed.
    pub fetch_schedule: String,
    /// `FETCH_TIMEOUT` (default `30`): seconds one job-board request may take.
    pub fetch_timeout_secs: u32,
    /// `GREENHOUSE_API_URL`, `LEVER_API_URL`, `ASHBY_API_URL`: the job-board APIs.
    pub feed_urls: jobs::feeds::BaseUrls,
    /// `LINK_RATE_LIMIT` (default `30`): confirmations and preference changes a minute per
    /// client (0: off).
    pub link_rate_limit: u32,
    /// `TRUSTED_PROXIES` (default none): proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: TrustedProxies,
    /// `WS_MAX_CONNECTIONS`, `WS_MAX_CONNECTIONS_PER_CLIENT`, `WS_MAX_SUBSCRIPTIONS`,
    /// `WS_KEEPALIVE_SECONDS` (defaults 1000, 8, 16, 30): the limits of `/graphql/ws`.
    pub ws: WsLimits,
    /// `MAX_CONNECTIONS` (default `1024`) and `HEADER_READ_TIMEOUT_SECONDS` (default `10`).
    pub server: ServerLimits,
    /// `GRAPHIQL` (default `true`): serve GraphiQL to browsers at `/graphql`.
    pub graphiql: bool,
    /// `LINK_KEY_ROTATION_DAYS` (default `30`): age at which the key that signs email links
    /// is replaced.
    pub link_key_rotation_days: u32,
}

/// Which browser origins may call the API from scripts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CorsOrigins {
    /// None (the default): browsers keep other sites' scripts out.
    #[default]
    None,
    /// `*`: any origin (requests with credentials are still refused by browsers).
    Any,
    /// These origins, each `scheme://host[:port]`.
    List(Vec<String>),
}

fn parse_cors_origins(value: Option<String>) -> Result<CorsOrigins, ConfigError> {
    let Some(value) = value else { return Ok(CorsOrigins::None) };
    if value.trim() == "*" {
        return Ok(CorsOrigins::Any);
    }
    let mut origins = Vec::new();
    for origin in value.split(',').map(str::trim).filter(|o| !o.is_empty()) {
        let rest = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"));
        let host_ok =
            rest.is_some_and(|host| !host.is_empty() && !host.contains(['/', '?', '#', '*', ' ']) && host.is_ascii());
        if !host_ok {
            return Err(err(
                "CORS_ORIGINS",
                format!("\"{origin}\" is not an origin: expected * or a comma-separated list of http(s)://HOST[:PORT]"),
            ));
        }
        origins.push(origin.to_owned());
    }
    Ok(CorsOrigins::List(origins))
}

/// The variables the service reads, for `--help` and the README.
pub const VARIABLES: &[&str] = &[
    "DATABASE_URL",
    "BIND_ADDR",
    "ADMIN_TOKEN",
    "PUBLIC_URL",
    "SMTP_URL",
    "SMTP_CA_FILE",
    "OUTBOX_DIR",
    "MAIL_FROM",
    "DIGEST_SCHEDULE",
    "DIGEST_TIMEZONE",
    "DEMO_DATA",
    "SUBSCRIBE_RATE_LIMIT",
    "SMTP_CONCURRENCY",
    "LOG_FORMAT",
    "CORS_ORIGINS",
    "RESPONSE_CACHE_MB",
    "FETCH_SCHEDULE",
    "FETCH_TIMEOUT",
    "GREENHOUSE_API_URL",
    "LEVER_API_URL",
    "ASHBY_API_URL",
    "LINK_RATE_LIMIT",
    "TRUSTED_PROXIES",
    "WS_MAX_CONNECTIONS",
    "WS_MAX_CONNECTIONS_PER_CLIENT",
    "WS_MAX_SUBSCRIPTIONS",
    "WS_KEEPALIVE_SECONDS",
    "MAX_CONNECTIONS",
    "HEADER_READ_TIMEOUT_SECONDS",
    "GRAPHIQL",
    "LINK_KEY_ROTATION_DAYS",
];

fn err(variable: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError { variable, message: message.into() }
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let vars: HashMap<String, String> =
            VARIABLES.iter().filter_map(|k| std::env::var(k).ok().map(|v| ((*k).to_owned(), v))).collect();
        Self::from_lookup(|key| vars.get(key).cloned())
    }

    /// Reads the configuration from any source of variables (tests pass a map).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |key: &str| get(key).filter(|v| !v.trim().is_empty());

        let database_url = var("DATABASE_URL").unwrap_or_else(|| "sqlite://salarygraph.db?mode=rwc".to_owned());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(err(
                "DATABASE_URL",
                format!(
                    "\"{}\" is not a database URL: expected sqlite://FILE?mode=rwc or postgres://USER@HOST:PORT/DB",
                    redact_url(&database_url)
                ),
            ));
        }
        let bind_addr = match var("BIND_ADDR") {
            None => SocketAddr::from(([127, 0, 0, 1], 8000)),
            Some(v) => v.trim().parse().map_err(|_| {
                err("BIND_ADDR", format!("\"{v}\" is not an address: expected HOST:PORT such as 127.0.0.1:8000"))
            })?,
        };
        let admin_token = match var("ADMIN_TOKEN") {
            None => None,
            Some(t) if t.len() < 16 => {
                return Err(err(
                    "ADMIN_TOKEN",
                    "is too short: use at least 16 characters (it guards every admin operation)",
                ));
            }
            Some(t) => Some(SecretString::from(t)),
        };
        let public_url = var("PUBLIC_URL").unwrap_or_else(|| "http://127.0.0.1:8000".to_owned());
        if !(public_url.starts_with("http://") || public_url.starts_with("https://"))
            || public_url.contains(char::is_whitespace)
        {
            return Err(err(
                "PUBLIC_URL",
                format!("\"{public_url}\" is not a URL: expected http(s)://HOST[:PORT][/PATH]"),
            ));
        }
        let public_url = public_url.trim_end_matches('/').to_owned();
        let smtp_url = match var("SMTP_URL") {
            None => None,
            Some(url) => {
                jobs::mail::validate_smtp_url(&url).map_err(|m| err("SMTP_URL", m))?;
                Some(SecretString::from(url))
            }
        };
        let smtp_ca_file = match var("SMTP_CA_FILE") {
            None => None,
            Some(path) => {
                let path = PathBuf::from(path.trim());
                jobs::mail::read_ca_file(&path).map_err(|m| err("SMTP_CA_FILE", m))?;
                Some(path)
            }
        };
        let outbox_dir = PathBuf::from(var("OUTBOX_DIR").unwrap_or_else(|| "outbox".to_owned()));
        let mail_from = var("MAIL_FROM").unwrap_or_else(|| "salarygraph <digest@localhost>".to_owned());
        jobs::mail::validate_mailbox(&mail_from).map_err(|m| err("MAIL_FROM", m))?;
        let digest_schedule = var("DIGEST_SCHEDULE").unwrap_or_else(|| "0 0 8 * * Mon".to_owned());
        jobs::schedule::validate_cron(&digest_schedule).map_err(|m| err("DIGEST_SCHEDULE", m))?;
        let digest_timezone = match var("DIGEST_TIMEZONE") {
            None => Tz::UTC,
            Some(v) => v.trim().parse().map_err(|_| {
                err(
                    "DIGEST_TIMEZONE",
                    format!("\"{v}\" is not a time zone: expected an IANA name such as UTC or Europe/Berlin"),
                )
            })?,
        };
        let demo_data = parse_bool("DEMO_DATA", var("DEMO_DATA"), true)?;
        let subscribe_rate_limit = parse_number("SUBSCRIBE_RATE_LIMIT", var("SUBSCRIBE_RATE_LIMIT"), 5, 0..=100_000)?;
        let smtp_concurrency = parse_number("SMTP_CONCURRENCY", var("SMTP_CONCURRENCY"), 8, 1..=64)? as usize;
        let log_json = match var("LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("text") => false,
            Some("json") => true,
            Some(other) => {
                return Err(err("LOG_FORMAT", format!("\"{other}\" is not a log format: expected text or json")));
            }
        };
        let cors_origins = parse_cors_origins(var("CORS_ORIGINS"))?;
        let response_cache_mb = parse_number("RESPONSE_CACHE_MB", var("RESPONSE_CACHE_MB"), 64, 0..=65_536)?;
        let fetch_schedule = var("FETCH_SCHEDULE").unwrap_or_else(|| "0 0 6 * * *".to_owned());
        jobs::schedule::validate_cron(&fetch_schedule).map_err(|m| err("FETCH_SCHEDULE", m))?;
        let fetch_timeout_secs = parse_number("FETCH_TIMEOUT", var("FETCH_TIMEOUT"), 30, 1..=600)?;
        let defaults = jobs::feeds::BaseUrls::default();
        let feed_urls = jobs::feeds::BaseUrls {
            greenhouse: base_url("GREENHOUSE_API_URL", var("GREENHOUSE_API_URL"), defaults.greenhouse)?,
            lever: base_url("LEVER_API_URL", var("LEVER_API_URL"), defaults.lever)?,
            ashby: base_url("ASHBY_API_URL", var("ASHBY_API_URL"), defaults.ashby)?,
        };
        let link_rate_limit = parse_number("LINK_RATE_LIMIT", var("LINK_RATE_LIMIT"), 30, 0..=100_000)?;
        let trusted_proxies = match var("TRUSTED_PROXIES") {
            None => TrustedProxies::default(),
            Some(v) => TrustedProxies::parse(&v).map_err(|m| {
                err(
                    "TRUSTED_PROXIES",
                    format!("{m}: expected a comma-separated list of addresses or blocks such as 10.0.0.0/8, fd00::/8"),
                )
            })?,
        };
        let defaults = WsLimits::default();
        let count = |name: &'static str, default: usize, max: u32| -> Result<usize, ConfigError> {
            Ok(parse_number(name, var(name), u32::try_from(default).unwrap_or(max), 1..=max)? as usize)
        };
        let ws = WsLimits {
            max_connections: count("WS_MAX_CONNECTIONS", defaults.max_connections, 1_000_000)?,
            max_connections_per_client: count(
                "WS_MAX_CONNECTIONS_PER_CLIENT",
                defaults.max_connections_per_client,
                100_000,
            )?,
            max_subscriptions: count("WS_MAX_SUBSCRIPTIONS", defaults.max_subscriptions, 1_000)?,
            keepalive: seconds("WS_KEEPALIVE_SECONDS", var("WS_KEEPALIVE_SECONDS"), defaults.keepalive, 3_600)?,
        };
        let server_defaults = ServerLimits::default();
        let server = ServerLimits {
            max_connections: count("MAX_CONNECTIONS", server_defaults.max_connections, 1_000_000)?,
            header_read_timeout: seconds(
                "HEADER_READ_TIMEOUT_SECONDS",
                var("HEADER_READ_TIMEOUT_SECONDS"),
                server_defaults.header_read_timeout,
                3_600,
            )?,
        };
        let graphiql = parse_bool("GRAPHIQL", var("GRAPHIQL"), true)?;
        let link_key_rotation_days =
            parse_number("LINK_KEY_ROTATION_DAYS", var("LINK_KEY_ROTATION_DAYS"), 30, 1..=3_650)?;
        Ok(Self {
            database_url,
            bind_addr,
            admin_token,
            public_url,
            smtp_url,
            smtp_ca_file,
            outbox_dir,
            mail_from,
            digest_schedule,
            digest_timezone,
            demo_data,
            subscribe_rate_limit,
            smtp_concurrency,
            log_json,
            cors_origins,
            response_cache_bytes: response_cache_mb as usize * 1024 * 1024,
            fetch_schedule,
            fetch_timeout_secs,
            feed_urls,
            link_rate_limit,
            trusted_proxies,
            ws,
            server,
            graphiql,
            link_key_rotation_days,
        })
    }
}

fn base_url(variable: &'static str, value: Option<String>, default: String) -> Result<String, ConfigError> {
    let Some(url) = value else { return Ok(default) };
    let url = url.trim();
    if !(url.starts_with("http://") || url.starts_with("https://")) || url.contains(char::is_whitespace) {
        return Err(err(variable, format!("\"{url}\" is not a URL: expected http(s)://HOST[:PORT][/PATH]")));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

/// A whole number of seconds from 1 to `max`.
fn seconds(
    variable: &'static str,
    value: Option<String>,
    default: std::time::Duration,
    max: u32,
) -> Result<std::time::Duration, ConfigError> {
    let default = u32::try_from(default.as_secs()).unwrap_or(max);
    Ok(std::time::Duration::from_secs(u64::from(parse_number(variable, value, default, 1..=max)?)))
}

fn parse_bool(variable: &'static str, value: Option<String>, default: bool) -> Result<bool, ConfigError> {
    match value.as_deref().map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if ["true", "1", "yes", "on"].contains(&v.as_str()) => Ok(true),
        Some(v) if ["false", "0", "no", "off"].contains(&v.as_str()) => Ok(false),
        Some(v) => Err(err(variable, format!("\"{v}\" is not a boolean: expected true or false"))),
    }
}

fn parse_number(
    variable: &'static str,
    value: Option<String>,
    default: u32,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, ConfigError> {
    let Some(v) = value else { return Ok(default) };
    match v.trim().parse::<u32>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(err(variable, format!("\"{v}\" is not a whole number from {} to {}", range.start(), range.end()))),
    }
}

/// The URL with any password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme_end + 3], &userinfo[..colon], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_match_the_product_spec() {
        let config = with(&[]).expect("defaults are valid");
        assert_eq!(config.database_url, "sqlite://salarygraph.db?mode=rwc");
        assert_eq!(config.bind_addr.to_string(), "127.0.0.1:8000");
        assert!(config.admin_token.is_none());
        assert_eq!(config.public_url, "http://127.0.0.1:8000");
        assert!(config.smtp_url.is_none());
        assert_eq!(config.digest_schedule, "0 0 8 * * Mon");
        assert_eq!(config.digest_timezone, Tz::UTC);
        assert!(config.demo_data);
        assert_eq!(config.subscribe_rate_limit, 5);
        assert_eq!(config.response_cache_bytes, 64 * 1024 * 1024);
        assert_eq!(with(&[("RESPONSE_CACHE_MB", "0")]).expect("off").response_cache_bytes, 0);
        assert_eq!(config.fetch_schedule, "0 0 6 * * *");
        assert_eq!(config.fetch_timeout_secs, 30);
        assert_eq!(config.feed_urls, jobs::feeds::BaseUrls::default());
        assert_eq!(config.link_rate_limit, 30);
        assert_eq!(config.trusted_proxies, TrustedProxies::default());
        assert_eq!(config.ws, WsLimits::default());
        assert_eq!(config.server, ServerLimits::default());
        assert!(config.graphiql);
        assert_eq!(config.link_key_rotation_days, 30);
    }

    #[test]
    fn limits_are_read_from_their_variables() {
        let config = with(&[
            ("TRUSTED_PROXIES", "10.0.0.0/8, fd00::/8"),
            ("WS_MAX_CONNECTIONS", "50"),
            ("WS_KEEPALIVE_SECONDS", "5"),
            ("MAX_CONNECTIONS", "64"),
            ("HEADER_READ_TIMEOUT_SECONDS", "3"),
            ("GRAPHIQL", "false"),
        ])
        .expect("valid");
        assert!(config.trusted_proxies.trusts("10.1.2.3".parse().expect("ip")));
        assert!(config.trusted_proxies.trusts("fd00::1".parse().expect("ip")));
        assert_eq!((config.ws.max_connections, config.ws.keepalive.as_secs()), (50, 5));
        assert_eq!((config.server.max_connections, config.server.header_read_timeout.as_secs()), (64, 3));
        assert!(!config.graphiql);
    }

    #[test]
    fn each_malformed_value_names_its_variable() {
        let cases = [
            ("DATABASE_URL", "mysql://x"),
            ("BIND_ADDR", "localhost"),
            ("ADMIN_TOKEN", "short"),
            ("PUBLIC_URL", "ftp://x"),
            ("SMTP_URL", "http://mail"),
            ("SMTP_URL", "smtp://user:pass@mail.example.com:25"),
            ("SMTP_CA_FILE", "/nonexistent/ca.pem"),
            ("MAIL_FROM", "not an address"),
            ("DIGEST_SCHEDULE", "every monday"),
            ("DIGEST_TIMEZONE", "Mars/Olympus"),
            ("DEMO_DATA", "maybe"),
            ("SUBSCRIBE_RATE_LIMIT", "-1"),
            ("SMTP_CONCURRENCY", "0"),
            ("LOG_FORMAT", "xml"),
            ("CORS_ORIGINS", "dashboard.example.com"),
            ("CORS_ORIGINS", "https://ok.example, https://bad.example/path"),
            ("RESPONSE_CACHE_MB", "lots"),
            ("RESPONSE_CACHE_MB", "-5"),
            ("RESPONSE_CACHE_MB", "100000"),
            ("FETCH_SCHEDULE", "daily"),
            ("FETCH_TIMEOUT", "0"),
            ("GREENHOUSE_API_URL", "boards-api.greenhouse.io"),
            ("LEVER_API_URL", "ftp://api.lever.co"),
            ("ASHBY_API_URL", "http://x y"),
            ("LINK_RATE_LIMIT", "lots"),
            ("TRUSTED_PROXIES", "10.0.0.0/33"),
            ("TRUSTED_PROXIES", "proxy.internal"),
            ("WS_MAX_CONNECTIONS", "0"),
            ("WS_MAX_CONNECTIONS_PER_CLIENT", "-3"),
            ("WS_MAX_SUBSCRIPTIONS", "1001"),
            ("WS_KEEPALIVE_SECONDS", "0"),
            ("MAX_CONNECTIONS", "many"),
            ("HEADER_READ_TIMEOUT_SECONDS", "0.5"),
            ("GRAPHIQL", "sometimes"),
            ("LINK_KEY_ROTATION_DAYS", "0"),
        ];
        for (variable, value) in cases {
            let error = with(&[(variable, value)]).expect_err(variable);
            assert_eq!(error.variable, variable, "{error}");
            assert!(error.to_string().starts_with(&format!("{variable}: ")), "{error}");
        }
    }

    #[test]
    fn cors_origins_are_a_list_or_any() {
        assert_eq!(with(&[]).expect("default").cors_origins, CorsOrigins::None);
        assert_eq!(with(&[("CORS_ORIGINS", "*")]).expect("any").cors_origins, CorsOrigins::Any);
        let list = with(&[("CORS_ORIGINS", "https://dash.example, http://localhost:3000")]).expect("list");
        assert_eq!(
            list.cors_origins,
            CorsOrigins::List(vec!["https://dash.example".into(), "http://localhost:3000".into()])
        );
    }

    #[test]
    fn passwords_are_redacted_from_urls() {
        assert_eq!(redact_url("postgres://app:s3cret@db:5432/x"), "postgres://app:***@db:5432/x");
        assert_eq!(redact_url("smtps://user:pw@mail"), "smtps://user:***@mail");
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
    }
}
