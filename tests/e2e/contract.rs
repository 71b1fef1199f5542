//! The schema keeps every type, field, argument and enum value of the public contract.

use std::collections::HashMap;

use async_graphql_parser::parse_schema;
use async_graphql_parser::types::{InputValueDefinition, TypeKind, TypeSystemDefinition};

/// Every contract item as a line: `Type.field(arg: Type = default): Type`, `Enum::VALUE`.
fn items(sdl: &str) -> HashMap<String, String> {
    let document = parse_schema(sdl).expect("SDL parses");
    let mut out = HashMap::new();
    let arg = |owner: &str, a: &InputValueDefinition, out: &mut HashMap<String, String>| {
        let default = a.default_value.as_ref().map(|d| format!(" = {}", d.node)).unwrap_or_default();
        out.insert(format!("{owner}({})", a.name.node), format!("{}{default}", a.ty.node));
    };
    for definition in document.definitions {
        let TypeSystemDefinition::Type(t) = definition else { continue };
        let name = t.node.name.node.to_string();
        match &t.node.kind {
            TypeKind::Scalar => {
                out.insert(name.clone(), "scalar".to_owned());
            }
            TypeKind::Object(object) => {
                out.insert(name.clone(), "type".to_owned());
                for field in &object.fields {
                    let key = format!("{name}.{}", field.node.name.node);
                    out.insert(key.clone(), field.node.ty.node.to_string());
                    for a in &field.node.arguments {
                        arg(&key, &a.node, &mut out);
                    }
                }
            }
            TypeKind::InputObject(input) => {
                out.insert(name.clone(), "input".to_owned());
                for field in &input.fields {
                    arg(&name, &field.node, &mut out);
                }
            }
            TypeKind::Enum(e) => {
                out.insert(name.clone(), "enum".to_owned());
                for value in &e.values {
                    out.insert(format!("{name}::{}", value.node.value.node), "value".to_owned());
                }
            }
            TypeKind::Interface(_) | TypeKind::Union(_) => {
                out.insert(name, "other".to_owned());
            }
        }
    }
    out
}

#[test]
fn the_schema_keeps_every_name_and_type_of_the_contract() {
    let contract =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../contract.graphql")).expect("contract.graphql");
    let schema = items(&api::graphql::sdl());
    let mut problems = Vec::new();
    for (item, expected) in items(&contract) {
        match schema.get(&item) {
            None => problems.push(format!("missing {item}: {expected}")),
            Some(actual) if *actual != expected => {
                problems.push(format!("{item}: contract says {expected}, schema has {actual}"))
            }
            Some(_) => {}
        }
    }
    problems.sort();
    assert!(problems.is_empty(), "the schema breaks the contract:\n{}", problems.join("\n"));
}
