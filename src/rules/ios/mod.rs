//! Rust-coded iOS rules, one file each.
pub mod ios_background_modes_without_matching_api;
pub mod ios_background_task_not_ended;
pub mod ios_bgtask_identifier_not_permitted;
pub mod ios_bgtask_registered_after_launch;
pub mod ios_silent_audio_keepalive;
pub mod ios_voip_push_without_callkit_report;
