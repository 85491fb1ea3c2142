//! Who sees which accounts through the chat and console APIs, and the audit line of each request.
//!
//! A deployment may map Cognito groups to OU paths (`{"support-web": ["/Production/Web"]}`): a
//! caller then sees the accounts under the OUs their groups map to, and nothing else. Without a
//! mapping every caller sees every account of the organization, as before the mapping existed.
//! The groups come from the verified token's `cognito:groups` claim, which API Gateway's JWT
//! authorizer hands over as one string (`[ops web]`).

use std::collections::{BTreeMap, BTreeSet};

/// The environment variable both functions read the mapping from (JSON, see [`GroupOus::parse`]).
pub const GROUP_OUS_ENV: &str = "GROUP_OUS";
/// The environment variable of the most accounts one request may name.
pub const MAX_ACCOUNTS_ENV: &str = "MAX_ACCOUNTS_PER_REQUEST";
/// The tracing target of the audit lines, so a log filter can keep them apart.
pub const AUDIT_TARGET: &str = "audit";

/// Longest OU path accepted in the mapping (five levels of 128-character names and slashes).
const MAX_OU_PATH_CHARS: usize = 1024;
/// Cognito's limit on a group name.
const MAX_GROUP_CHARS: usize = 128;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("{GROUP_OUS_ENV} is not a JSON object of group names to lists of OU paths: {0}")]
    NotJson(String),
    #[error("{GROUP_OUS_ENV}[{group:?}]: {message}")]
    Entry { group: String, message: String },
}

/// Cognito groups to the OU paths their members may see (each with every OU below it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupOus(BTreeMap<String, BTreeSet<String>>);

impl GroupOus {
    /// `{"group": ["/Production", "/Security"]}`; empty or absent text is no mapping.
    pub fn parse(text: Option<&str>) -> Result<GroupOus, AccessError> {
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else { return Ok(GroupOus::default()) };
        let raw: BTreeMap<String, Vec<String>> =
            serde_json::from_str(text).map_err(|e| AccessError::NotJson(e.to_string()))?;
        let mut out = BTreeMap::new();
        for (group, paths) in raw {
            let bad = |message: String| AccessError::Entry { group: group.clone(), message };
            if group.is_empty() || group.chars().count() > MAX_GROUP_CHARS || group.chars().any(char::is_whitespace) {
                return Err(bad(format!("a Cognito group name has 1 to {MAX_GROUP_CHARS} characters and no spaces")));
            }
            if paths.is_empty() {
                return Err(bad("lists no OU path; leave the group out instead".into()));
            }
            let mut set = BTreeSet::new();
            for path in paths {
                set.insert(normalize_ou_path(&path).ok_or_else(|| {
                    bad(format!(
                        "{path:?} is not an OU path: it starts with / (\"/\" is the whole organization, \
                         \"/Production/Web\" an OU and those below it), has no empty part and at most \
                         {MAX_OU_PATH_CHARS} characters"
                    ))
                })?);
            }
            out.insert(group, set);
        }
        Ok(GroupOus(out))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// What a caller in `groups` may see.
    pub fn scope_for(&self, groups: &[String]) -> Scope {
        if self.0.is_empty() {
            return Scope::Everything;
        }
        let paths: BTreeSet<String> = groups.iter().filter_map(|g| self.0.get(g)).flatten().cloned().collect();
        Scope::Ous(paths)
    }
}

/// `/Production/Web/` → `/Production/Web`; None when it is not a path.
fn normalize_ou_path(path: &str) -> Option<String> {
    if !path.starts_with('/') || path.chars().count() > MAX_OU_PATH_CHARS || path.chars().any(char::is_control) {
        return None;
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return Some("/".into());
    }
    if trimmed[1..].split('/').any(str::is_empty) {
        return None;
    }
    Some(trimmed.to_owned())
}

/// The accounts one caller may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// No mapping is configured: every account.
    Everything,
    /// The accounts under these OU paths (each with the OUs below it); none when empty.
    Ous(BTreeSet<String>),
}

impl Scope {
    /// Whether an account at `ou_path` (None: the account is not in the inventory) is visible.
    pub fn admits(&self, ou_path: Option<&str>) -> bool {
        match (self, ou_path) {
            (Scope::Everything, _) => true,
            (Scope::Ous(_), None) => false,
            (Scope::Ous(paths), Some(p)) => paths.iter().any(|scope| under(p, scope)),
        }
    }

    /// A caller whose groups map to no OU sees nothing: they are told so rather than shown an
    /// empty organization.
    pub fn is_nothing(&self) -> bool {
        matches!(self, Scope::Ous(p) if p.is_empty())
    }

    /// For the audit line: `all` or the OU paths.
    pub fn describe(&self) -> String {
        match self {
            Scope::Everything => "all".into(),
            Scope::Ous(p) => p.iter().cloned().collect::<Vec<_>>().join(","),
        }
    }
}

/// Whether `path` is `scope` or an OU below it.
fn under(path: &str, scope: &str) -> bool {
    let path = path.trim_end_matches('/');
    let path = if path.is_empty() { "/" } else { path };
    scope == "/" || path == scope || path.strip_prefix(scope).is_some_and(|rest| rest.starts_with('/'))
}

/// The caller's groups from the `cognito:groups` claim as API Gateway's JWT authorizer passes it:
/// `[a b]` (space-separated in brackets), a JSON array, or a single name.
pub fn groups_from_claim(claim: Option<&str>) -> Vec<String> {
    let Some(text) = claim.map(str::trim).filter(|t| !t.is_empty()) else { return Vec::new() };
    if let Ok(list) = serde_json::from_str::<Vec<String>>(text) {
        return list;
    }
    let inner = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')).unwrap_or(text);
    inner.split(' ').map(str::trim).filter(|g| !g.is_empty()).map(str::to_owned).collect()
}

/// The accounts a request concerned, for its audit line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Accounts {
    /// The request ended before any account was chosen.
    #[default]
    None,
    /// Every account the caller may see (the request named none).
    InScope,
    /// These accounts, named by the request or the one its answer is about.
    Named(Vec<String>),
}

impl Accounts {
    fn describe(&self) -> String {
        match self {
            Accounts::InScope => "in-scope".into(),
            Accounts::Named(ids) if !ids.is_empty() => ids.join(","),
            Accounts::Named(_) | Accounts::None => "none".into(),
        }
    }
}

/// What a request's audit line says besides its route and status, filled in as it is answered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Audit {
    /// The verified `sub`; None when the request carried none.
    pub user: Option<String>,
    pub scope: Option<Scope>,
    pub accounts: Accounts,
}

impl Audit {
    /// Writes the request's one audit line: who, which route, which accounts, what came of it.
    pub fn write(&self, route: &str, status: u16) {
        tracing::info!(
            target: AUDIT_TARGET,
            user = self.user.as_deref().unwrap_or("-"),
            route,
            scope = self.scope.as_ref().map_or_else(|| "-".to_owned(), Scope::describe),
            accounts = %self.accounts.describe(),
            status,
            "audit"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_mapping_sees_everything() {
        let m = GroupOus::parse(None).expect("none");
        assert!(m.is_empty());
        assert_eq!(m.scope_for(&[]), Scope::Everything);
        assert!(GroupOus::parse(Some("  ")).expect("blank").is_empty());
        assert!(Scope::Everything.admits(None));
    }

    #[test]
    fn groups_see_their_ous_and_those_below() {
        let m = GroupOus::parse(Some(r#"{"web": ["/Production/Web/"], "sec": ["/Security"], "root": ["/"]}"#))
            .expect("mapping");
        let web = m.scope_for(&["web".into(), "unmapped".into()]);
        assert!(web.admits(Some("/Production/Web")));
        assert!(web.admits(Some("/Production/Web/Edge")));
        assert!(!web.admits(Some("/Production/WebX")));
        assert!(!web.admits(Some("/Production")));
        assert!(!web.admits(Some("/")));
        assert!(!web.admits(None), "an account missing from the inventory is nobody's");
        assert_eq!(web.describe(), "/Production/Web");
        let both = m.scope_for(&["web".into(), "sec".into()]);
        assert!(both.admits(Some("/Security")) && both.admits(Some("/Production/Web")));
        assert!(m.scope_for(&["root".into()]).admits(Some("/Anything/Below")));
        let nobody = m.scope_for(&["unmapped".into()]);
        assert!(nobody.is_nothing() && !nobody.admits(Some("/")));
        assert!(!web.is_nothing() && !Scope::Everything.is_nothing());
    }

    #[test]
    fn bad_mappings_name_the_group() {
        for (text, needle) in [
            ("[1]", "is not a JSON object"),
            (r#"{"web": "/Production"}"#, "is not a JSON object"),
            (r#"{"web": []}"#, r#"GROUP_OUS["web"]: lists no OU path"#),
            (r#"{"web": ["Production"]}"#, r#"GROUP_OUS["web"]: "Production" is not an OU path"#),
            (r#"{"web": ["/a//b"]}"#, "is not an OU path"),
            (r#"{"a b": ["/"]}"#, r#"GROUP_OUS["a b"]: a Cognito group name"#),
            (r#"{"": ["/"]}"#, "a Cognito group name"),
        ] {
            let e = GroupOus::parse(Some(text)).expect_err(text).to_string();
            assert!(e.contains(needle), "{text}: {e}");
        }
    }

    #[test]
    fn the_groups_claim_in_each_form() {
        assert_eq!(groups_from_claim(Some("[ops web]")), ["ops", "web"]);
        assert_eq!(groups_from_claim(Some("[ops]")), ["ops"]);
        assert_eq!(groups_from_claim(Some(r#"["ops","web"]"#)), ["ops", "web"]);
        assert_eq!(groups_from_claim(Some("ops")), ["ops"]);
        assert!(groups_from_claim(Some("[]")).is_empty());
        assert!(groups_from_claim(None).is_empty());
    }
}
