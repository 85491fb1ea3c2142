//! Tags as IAM and EventBridge accept them, checked at validate time by every type that has them.

use std::collections::BTreeMap;

use cima_core::ids;
use tfplugin::{AttributePath, Diagnostic, Diagnostics};

/// One error per tag IAM and EventBridge would refuse, at `tags["key"]`.
pub fn problems(tags: Option<&BTreeMap<String, String>>, root: &AttributePath) -> Diagnostics {
    let mut d = Diagnostics::new();
    for (k, v) in tags.into_iter().flatten() {
        if let Some(problem) = ids::tag_problem(k, v) {
            d.push(Diagnostic::error("Invalid tags", problem).at(root.clone().attribute("tags").key(k)));
        }
    }
    d
}
