//! Type-shaped placeholder values for what the real provider would learn from AWS.

use std::collections::BTreeMap;

use tfplugin::{Type, Value};

/// The account every placeholder ARN and account id names.
pub const ACCOUNT_ID: &str = "123456789012";
/// The region placeholders name.
pub const REGION: &str = "us-east-1";

/// Names placeholders for one object: deterministic in the type name and the configuration, so
/// two applies of the same configuration give the same values and different objects differ.
#[derive(Debug, Clone)]
pub struct Namer {
    type_name: String,
    hash: String,
}

impl Namer {
    pub fn new(type_name: &str, config: &Value) -> Self {
        // FNV-1a over the configuration's debug form: stable across runs and Rust versions.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in type_name.bytes().chain(format!("{config:?}").into_bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Self { type_name: type_name.to_owned(), hash: format!("{:012x}", h & 0xffff_ffff_ffff) }
    }

    fn short(&self) -> &str {
        self.type_name.strip_prefix("aws_").unwrap_or(&self.type_name)
    }

    /// The AWS service an ARN names: the first word of the type name (`aws_iam_role` → `iam`).
    fn service(&self) -> &str {
        self.short().split('_').next().unwrap_or("standin")
    }

    /// A string value for attribute `attr`.
    pub fn string(&self, attr: &str) -> String {
        if attr == "arn" || attr.ends_with("_arn") {
            let kind = self.short().strip_prefix(self.service()).unwrap_or("").trim_start_matches('_');
            let kind = if kind.is_empty() { self.service() } else { kind };
            return format!("arn:aws:{}:{REGION}:{ACCOUNT_ID}:{}/standin-{}", self.service(), kind, self.hash);
        }
        if attr == "account_id" || attr == "owner_id" || attr.ends_with("_account_id") {
            return ACCOUNT_ID.to_owned();
        }
        if attr == "region" {
            return REGION.to_owned();
        }
        if attr == "id" {
            return format!("standin-{}-{}", self.short(), self.hash);
        }
        format!("standin-{}-{}-{}", self.short(), attr, self.hash)
    }

    /// A wholly known value of type `ty` for attribute `attr`: empty collections, zero, false.
    pub fn placeholder(&self, ty: &Type, attr: &str) -> Value {
        match ty {
            Type::String => Value::String(self.string(attr)),
            Type::Number => Value::number(0),
            Type::Bool => Value::Bool(false),
            // The concrete type would come from the real provider; null is the only safe guess.
            Type::Dynamic => Value::Null,
            Type::List(_) => Value::List(Vec::new()),
            Type::Set(_) => Value::Set(Vec::new()),
            Type::Map(_) => Value::Map(BTreeMap::new()),
            Type::Object { attributes, .. } => {
                Value::Object(attributes.iter().map(|(name, t)| (name.clone(), self.placeholder(t, name))).collect())
            }
            Type::Tuple(ts) => Value::Tuple(ts.iter().map(|t| self.placeholder(t, attr)).collect()),
        }
    }

    /// Replaces every unknown in `v` with a placeholder.
    pub fn fill(&self, v: &Value, ty: &Type, attr: &str) -> Value {
        self.resolve(v, &Value::Null, ty, attr)
    }

    /// The applied value of a planned value: the configuration where the plan could not know it
    /// yet (it referred to something unknown), a placeholder where the provider computes it.
    pub fn resolve(&self, planned: &Value, config: &Value, ty: &Type, attr: &str) -> Value {
        if planned.is_wholly_known() {
            return planned.clone();
        }
        match (planned, ty) {
            (Value::Unknown, _) if !config.is_null() => self.fill(config, ty, attr),
            (Value::Unknown, _) => self.placeholder(ty, attr),
            (Value::Object(p), Type::Object { attributes, .. }) => Value::Object(
                p.iter()
                    .map(|(name, v)| {
                        let t = attributes.get(name).unwrap_or(&Type::Dynamic);
                        let c = config.get_attr(name).unwrap_or(&Value::Null);
                        (name.clone(), self.resolve(v, c, t, name))
                    })
                    .collect(),
            ),
            (Value::List(items), Type::List(elem)) => {
                let configs = config.as_elements().filter(|c| c.len() == items.len());
                Value::List(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, v)| self.resolve(v, configs.map_or(&Value::Null, |c| &c[i]), elem, attr))
                        .collect(),
                )
            }
            (Value::Tuple(items), Type::Tuple(ts)) => {
                Value::Tuple(items.iter().zip(ts).map(|(v, t)| self.resolve(v, &Value::Null, t, attr)).collect())
            }
            (Value::Map(m), Type::Map(elem)) => Value::Map(
                m.iter()
                    .map(|(k, v)| {
                        let c = match config {
                            Value::Map(cm) => cm.get(k).unwrap_or(&Value::Null),
                            _ => &Value::Null,
                        };
                        (k.clone(), self.resolve(v, c, elem, attr))
                    })
                    .collect(),
            ),
            // Set elements cannot be matched to the configuration's one by one; the whole
            // configured set is what the plan was waiting for.
            (Value::Set(_), Type::Set(_)) if matches!(config, Value::Set(_)) => self.fill(config, ty, attr),
            (Value::Set(items), Type::Set(elem)) => {
                Value::set(items.iter().map(|v| self.resolve(v, &Value::Null, elem, attr)))
            }
            _ => planned.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object(pairs.iter().map(|(k, v)| (*k, v.clone())))
    }

    #[test]
    fn strings_are_shaped_by_attribute_name() {
        let n = Namer::new("aws_iam_role", &Value::Null);
        let arn = n.string("arn");
        assert!(arn.starts_with("arn:aws:iam:us-east-1:123456789012:role/standin-"), "{arn}");
        assert!(n.string("id").starts_with("standin-iam_role-"));
        assert_eq!(n.string("owner_account_id"), ACCOUNT_ID);
        assert_eq!(n.string("region"), REGION);
        let bucket = Namer::new("aws_s3_bucket", &Value::Null).string("bucket_domain_name");
        assert!(bucket.starts_with("standin-s3_bucket-bucket_domain_name-"));
    }

    #[test]
    fn names_are_deterministic_and_differ_per_configuration() {
        let a = Namer::new("aws_s3_bucket", &obj(&[("bucket", "a".into())]));
        let a2 = Namer::new("aws_s3_bucket", &obj(&[("bucket", "a".into())]));
        let b = Namer::new("aws_s3_bucket", &obj(&[("bucket", "b".into())]));
        assert_eq!(a.string("id"), a2.string("id"));
        assert_ne!(a.string("id"), b.string("id"));
    }

    #[test]
    fn resolve_prefers_configuration_then_placeholders() {
        let ty = Type::object([
            ("id", Type::String),
            ("bucket", Type::String),
            ("count", Type::Number),
            ("flags", Type::set(Type::String)),
            ("rule", Type::list(Type::object([("days", Type::Number), ("arn", Type::String)]))),
        ]);
        let planned = obj(&[
            ("id", Value::Unknown),
            ("bucket", Value::Unknown),
            ("count", Value::Unknown),
            ("flags", Value::Unknown),
            ("rule", Value::List(vec![obj(&[("days", Value::Unknown), ("arn", Value::Null)])])),
        ]);
        let config = obj(&[
            ("id", Value::Null),
            ("bucket", "from-config".into()),
            ("count", Value::Null),
            ("flags", Value::Null),
            ("rule", Value::List(vec![obj(&[("days", Value::number(7)), ("arn", Value::Null)])])),
        ]);
        let n = Namer::new("aws_s3_bucket", &config);
        let out = n.resolve(&planned, &config, &ty, "");
        assert!(out.is_wholly_known());
        assert_eq!(out.get_attr("bucket"), Some(&Value::from("from-config")));
        assert_eq!(out.get_attr("count"), Some(&Value::number(0)));
        assert_eq!(out.get_attr("flags"), Some(&Value::Set(Vec::new())));
        let rule = &out.get_attr("rule").unwrap().as_elements().unwrap()[0];
        assert_eq!(rule.get_attr("days"), Some(&Value::number(7)));
        // Known nulls stay null: Terraform rejects a result that differs from a known plan.
        assert_eq!(rule.get_attr("arn"), Some(&Value::Null));
    }

    #[test]
    fn placeholders_follow_the_type() {
        let n = Namer::new("aws_x_y", &Value::Null);
        let ty = Type::object([("m", Type::map(Type::String)), ("b", Type::Bool), ("d", Type::Dynamic)]);
        let v = n.placeholder(&ty, "");
        assert_eq!(v.get_attr("m"), Some(&Value::Map(BTreeMap::new())));
        assert_eq!(v.get_attr("b"), Some(&Value::Bool(false)));
        assert_eq!(v.get_attr("d"), Some(&Value::Null));
    }
}
