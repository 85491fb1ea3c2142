//! Attribute paths: where inside a value something (an error, a diagnostic) happened.
//!
//! The steps mirror the three kinds Terraform's protocol can carry, so a path converts
//! one-to-one into the wire `AttributePath` and Terraform can point at the right
//! configuration line.

use std::fmt;

/// One step down into a value.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathStep {
    /// An object attribute (or a nested block) by name.
    Attribute(String),
    /// A map element by key.
    ElementKeyString(String),
    /// A list or tuple element by index (also used for set elements, by position,
    /// since the protocol has no way to name a set element by value).
    ElementKeyInt(i64),
}

/// A path from the root of a value (usually a resource's object) to one part of it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct AttributePath {
    /// Steps from the root, outermost first.
    pub steps: Vec<PathStep>,
}

impl AttributePath {
    /// The empty path: the value itself.
    pub fn root() -> Self {
        Self::default()
    }

    /// A path made of the given steps.
    pub fn from_steps(steps: Vec<PathStep>) -> Self {
        Self { steps }
    }

    /// Builder: this path followed by an attribute step.
    #[must_use]
    pub fn attribute(mut self, name: impl Into<String>) -> Self {
        self.steps.push(PathStep::Attribute(name.into()));
        self
    }

    /// Builder: this path followed by a map-key step.
    #[must_use]
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.steps.push(PathStep::ElementKeyString(key.into()));
        self
    }

    /// Builder: this path followed by an index step.
    #[must_use]
    pub fn index(mut self, index: i64) -> Self {
        self.steps.push(PathStep::ElementKeyInt(index));
        self
    }

    /// A new path: this one followed by `step` (leaves `self` untouched).
    #[must_use]
    pub fn child(&self, step: PathStep) -> Self {
        let mut steps = Vec::with_capacity(self.steps.len() + 1);
        steps.extend_from_slice(&self.steps);
        steps.push(step);
        Self { steps }
    }

    /// Appends a step in place.
    pub fn push(&mut self, step: PathStep) {
        self.steps.push(step);
    }

    /// Removes and returns the last step.
    pub fn pop(&mut self) -> Option<PathStep> {
        self.steps.pop()
    }

    /// The steps, outermost first.
    pub fn steps(&self) -> &[PathStep] {
        &self.steps
    }

    /// Consumes the path, returning its steps.
    pub fn into_steps(self) -> Vec<PathStep> {
        self.steps
    }

    /// True for the root path.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Number of steps.
    pub fn len(&self) -> usize {
        self.steps.len()
    }
}

impl From<Vec<PathStep>> for AttributePath {
    fn from(steps: Vec<PathStep>) -> Self {
        Self { steps }
    }
}

impl FromIterator<PathStep> for AttributePath {
    fn from_iter<I: IntoIterator<Item = PathStep>>(iter: I) -> Self {
        Self { steps: iter.into_iter().collect() }
    }
}

/// Renders like Terraform's own messages: `destination.bucket`, `parent_ids[2]`,
/// `tags["env"]`. The root path renders as the empty string.
impl fmt::Display for AttributePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                PathStep::Attribute(name) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(name)?;
                }
                PathStep::ElementKeyString(key) => {
                    // JSON quoting gives the same escapes HCL uses for ordinary keys.
                    let quoted = serde_json::to_string(key).unwrap_or_else(|_| format!("\"{key}\""));
                    write!(f, "[{quoted}]")?;
                }
                PathStep::ElementKeyInt(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_forms() {
        assert_eq!(AttributePath::root().to_string(), "");
        assert_eq!(AttributePath::root().attribute("parent_ids").index(2).to_string(), "parent_ids[2]");
        assert_eq!(AttributePath::root().attribute("tags").key("env").to_string(), "tags[\"env\"]");
        assert_eq!(
            AttributePath::root().attribute("destination").attribute("bucket").to_string(),
            "destination.bucket"
        );
        assert_eq!(AttributePath::root().attribute("accounts").index(2).attribute("id").to_string(), "accounts[2].id");
        assert_eq!(AttributePath::root().attribute("m").key("a\"b").to_string(), r#"m["a\"b"]"#);
    }

    #[test]
    fn builders_and_child() {
        let base = AttributePath::root().attribute("a");
        let child = base.child(PathStep::ElementKeyInt(1));
        assert_eq!(base.len(), 1);
        assert_eq!(child.steps(), &[PathStep::Attribute("a".into()), PathStep::ElementKeyInt(1)]);
        let mut p = child.clone();
        assert_eq!(p.pop(), Some(PathStep::ElementKeyInt(1)));
        assert_eq!(p, base);
        assert!(AttributePath::root().is_empty());
        let collected: AttributePath = child.clone().into_steps().into_iter().collect();
        assert_eq!(collected, child);
    }
}
