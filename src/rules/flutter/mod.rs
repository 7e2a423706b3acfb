//! Rust-coded Flutter (Dart) rules, one file each.
pub mod dart_background_entrypoint_not_annotated;
