//! Rust-coded Android rules, one file each.
pub mod android_fgs_type_not_declared;
pub mod android_fgs_type_permission_missing;
