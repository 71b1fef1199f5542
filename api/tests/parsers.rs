//! Property tests of the parsers of outside input in `api`: configuration values, dates,
//! cursors, persisted-query hashes, client addresses and `X-Forwarded-For`. Whatever the
//! input: no panic, and a refusal names what is wrong.

use std::collections::HashMap;
use std::net::IpAddr;

use api::client::{Cidr, TrustedProxies};
use api::config::{Config, VARIABLES};
use api::graphql::pagination::{Page, cursor};
use api::graphql::scalars::Date;
use api::http::persisted::{PersistedError, PersistedQueries, persisted_hash, resolve_persisted};
use async_graphql::{ScalarType, Value};
use axum::http::{HeaderMap, HeaderValue};
use proptest::prelude::*;

/// Whether one `X-Forwarded-For` entry names `ip` (bare, `[v6]:port` or `v4:port`).
fn names(hop: &str, ip: IpAddr) -> bool {
    let hop = hop.trim();
    let bare = hop.strip_prefix('[').and_then(|rest| rest.split(']').next()).unwrap_or(hop);
    bare.parse::<IpAddr>() == Ok(ip) || hop.rsplit_once(':').is_some_and(|(v4, _)| v4.parse::<IpAddr>() == Ok(ip))
}

/// Text as configuration values come: numbers, words, URLs, noise.
fn setting() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,40}",
        "-?[0-9]{1,12}",
        "(true|false|yes|no|on|off|1|0|maybe|TRUE)",
        "(https?|smtps?|postgres|sqlite|ftp)://[a-z0-9.:@/?=&*-]{0,30}",
        "[0-9a-f:./, ]{0,40}",
        "[0-9*/ ,A-Za-z-]{0,24}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_configuration_value_is_taken_or_refused_naming_its_variable(
        variable in proptest::sample::select(VARIABLES),
        value in setting(),
    ) {
        let env = HashMap::from([(variable.to_owned(), value.clone())]);
        if let Err(error) = Config::from_lookup(|k| env.get(k).cloned()) {
            prop_assert_eq!(error.variable, variable, "{}", error);
            prop_assert!(error.to_string().starts_with(&format!("{variable}: ")), "{}", error);
            prop_assert!(!error.message.trim().is_empty());
        }
    }

    #[test]
    fn a_date_is_yyyy_mm_dd_or_bad_user_input(text in "\\PC{0,16}|[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9-]{0,12}") {
        match <Date as ScalarType>::parse(Value::String(text.clone())) {
            Ok(date) => prop_assert_eq!(date.to_value(), Value::String(date.0.format("%Y-%m-%d").to_string())),
            Err(error) => {
                let error = error.into_server_error(Default::default());
                prop_assert!(error.message.contains(&text), "{}", error.message);
                let code = error.extensions.as_ref().and_then(|e| e.get("code")).cloned();
                prop_assert_eq!(code, Some(Value::from("BAD_USER_INPUT")));
            }
        }
    }

    #[test]
    fn a_cursor_is_ours_or_named_in_the_refusal(first in any::<i32>(), after in proptest::option::of("\\PC{0,30}|[A-Za-z0-9_-]{0,30}")) {
        match Page::parse(first, after.as_deref(), "role") {
            Ok(page) => prop_assert!(page.first <= 100),
            Err(error) => {
                let message = error.to_string();
                prop_assert!(message.starts_with("first") || message.starts_with("after"), "{message}");
                prop_assert_eq!(error.code(), "BAD_USER_INPUT");
            }
        }
    }

    #[test]
    fn our_cursors_round_trip(id in any::<i32>()) {
        prop_assert_eq!(Page::parse(10, Some(&cursor("role", id)), "role").ok().and_then(|p| p.after), Some(id));
    }

    #[test]
    fn a_persisted_query_extension_is_used_or_refused(
        version in proptest::option::of(any::<i64>()),
        hash in proptest::option::of("[0-9a-fA-F]{0,64}|\\PC{0,10}"),
        query in "(\\{ roles \\{ totalCount \\} \\})?",
    ) {
        let mut fields = serde_json::Map::new();
        if let Some(v) = version { fields.insert("version".into(), v.into()); }
        if let Some(h) = &hash { fields.insert("sha256Hash".into(), h.clone().into()); }
        let extension = Value::from_json(serde_json::Value::Object(fields)).expect("a value");
        let parsed = persisted_hash(extension.clone());
        prop_assert!(parsed.is_ok() == (version == Some(1) && hash.is_some()), "{parsed:?}");
        let mut request = async_graphql::Request::new(query.clone());
        request.extensions.insert("persistedQuery".into(), extension);
        match resolve_persisted(&PersistedQueries::default(), &mut request) {
            Ok(()) => prop_assert!(!request.query.is_empty()),
            Err(PersistedError::Malformed(message)) => prop_assert!(message.contains("version") || message.contains("persistedQuery")),
            Err(PersistedError::NotFound) => prop_assert!(query.is_empty()),
            Err(PersistedError::Mismatch) => prop_assert!(!query.is_empty()),
        }
    }

    #[test]
    fn trusted_proxies_are_blocks_or_a_reason(value in "[0-9a-fA-F:./, ]{0,50}|\\PC{0,20}") {
        match TrustedProxies::parse(&value) {
            Ok(_) => {}
            Err(reason) => prop_assert!(reason.contains('"') || reason.contains("at most"), "{reason}"),
        }
    }

    #[test]
    fn a_block_contains_the_address_it_was_written_with(ip in any::<IpAddr>(), prefix in 0u8..=128) {
        let prefix = if ip.is_ipv4() { prefix % 33 } else { prefix };
        let ip = if prefix % 3 == 0 { match ip { IpAddr::V4(v4) => IpAddr::V6(v4.to_ipv6_mapped()), v6 => v6 } } else { ip };
        let block: Cidr = format!("{ip}/{prefix}").parse().expect("a block");
        prop_assert!(block.contains(ip));
        prop_assert_eq!(block.to_string().parse::<Cidr>(), Ok(block));
    }

    #[test]
    fn the_client_is_the_peer_or_a_forwarded_hop(
        peer in any::<IpAddr>(),
        hops in proptest::collection::vec("[0-9a-f:.\\[\\]]{0,20}|\\PC{0,10}", 0..6),
        trust_peer in any::<bool>(),
    ) {
        let proxies = if trust_peer { TrustedProxies::parse(&peer.to_string()).expect("one address") } else { TrustedProxies::default() };
        let mut headers = HeaderMap::new();
        for hop in &hops {
            if let Ok(value) = HeaderValue::from_str(hop) { headers.append("x-forwarded-for", value); }
        }
        let client = proxies.client_ip(peer, &headers);
        if !trust_peer {
            prop_assert_eq!(client, peer);
        } else {
            let named = hops.iter().flat_map(|h| h.split(',')).any(|h| names(h, client));
            prop_assert!(client == peer || named, "{client} from {hops:?}");
        }
    }
}
