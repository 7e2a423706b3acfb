//! Rust-coded Android rules, one file each. (The Android rules shipped so far are declarative.)
