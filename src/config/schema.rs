//! The JSON schema of bglint.toml, generated from the config types (so it cannot drift from
//! them) and committed as `bglint.schema.json` for editors; a test checks it is fresh.

/// The schema as pretty JSON, with a trailing newline.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(super::ConfigFile);
    serde_json::to_string_pretty(&schema).expect("the schema serializes") + "\n"
}
