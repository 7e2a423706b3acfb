//! The list of every rule bglint knows. Adding a Rust rule is one line in [`NATIVE_RULES`];
//! adding a declarative rule is dropping a TOML file under `rules/`.

use std::sync::OnceLock;

use super::declarative::{self, DeclarativeRule};
use super::meta::RuleMeta;
use super::native::NativeRule;
use super::{android, flutter, ios, project};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

/// Every Rust-coded rule, one line each.
pub static NATIVE_RULES: &[&NativeRule] = &[
    &android::android_fgs_type_not_declared::RULE,
    &android::android_fgs_type_permission_missing::RULE,
    &flutter::dart_background_entrypoint_not_annotated::RULE,
    &ios::ios_background_modes_without_matching_api::RULE,
    &ios::ios_background_task_not_ended::RULE,
    &ios::ios_bgtask_identifier_not_permitted::RULE,
    &ios::ios_bgtask_registered_after_launch::RULE,
    &ios::ios_silent_audio_keepalive::RULE,
    &ios::ios_voip_push_without_callkit_report::RULE,
    &project::malformed_project_file::RULE,
    &project::unused_suppression::RULE,
];

pub enum RuleImpl {
    Declarative(Box<DeclarativeRule>),
    Native(&'static NativeRule),
}

pub struct Registry {
    pub rules: Vec<RuleImpl>,
}

impl RuleImpl {
    pub fn meta(&self) -> &RuleMeta {
        match self {
            RuleImpl::Declarative(d) => &d.meta,
            RuleImpl::Native(n) => native_meta(n),
        }
    }
}

/// Native metadata is built once per rule and kept for the life of the process.
fn native_meta(rule: &'static NativeRule) -> &'static RuleMeta {
    static METAS: OnceLock<Vec<RuleMeta>> = OnceLock::new();
    let metas = METAS.get_or_init(|| NATIVE_RULES.iter().map(|r| r.meta()).collect());
    let index = NATIVE_RULES.iter().position(|r| std::ptr::eq(*r, rule)).expect("native rule is registered");
    &metas[index]
}

impl Registry {
    /// The built-in rules, loaded once. An error here is a defect in an embedded rule file.
    pub fn builtin() -> anyhow::Result<&'static Registry> {
        static BUILTIN: OnceLock<Result<Registry, String>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| Registry::load(embedded::EMBEDDED_RULES).map_err(|e| format!("{e:#}")))
            .as_ref()
            .map_err(|e| anyhow::anyhow!("built-in rules failed to load: {e}"))
    }

    /// Loads the given declarative rule files plus every native rule, sorted by id.
    pub fn load(files: &[(&str, &str)]) -> anyhow::Result<Registry> {
        let mut rules = Vec::new();
        for (origin, text) in files {
            rules.push(RuleImpl::Declarative(Box::new(declarative::load(origin, text)?)));
        }
        rules.extend(NATIVE_RULES.iter().map(|r| RuleImpl::Native(r)));
        rules.sort_by(|a, b| a.meta().id.cmp(&b.meta().id));
        for pair in rules.windows(2) {
            if pair[0].meta().id == pair[1].meta().id {
                anyhow::bail!("two rules share the id `{}`", pair[0].meta().id);
            }
        }
        Ok(Registry { rules })
    }

    pub fn get(&self, id: &str) -> Option<&RuleImpl> {
        self.rules.iter().find(|r| r.meta().id == id)
    }

    /// The embedded rule files, for tests and `bglint rules`.
    pub fn embedded_files() -> &'static [(&'static str, &'static str)] {
        embedded::EMBEDDED_RULES
    }
}
