//! Rust-coded rules about project files themselves, one file each.
pub mod malformed_project_file;
pub mod unused_suppression;
