//! The few data sources whose values modules compute with, answered with plausible values
//! instead of generic placeholders. Keep this list to what the project's modules read.

use serde_json::{Map, Value as Json, json};
use tfplugin::{Type, Value};

use crate::placeholder::{ACCOUNT_ID, Namer, REGION};

/// The value of computed attribute `attr` of data source `type_name`, if it is special.
pub fn data_source_value(type_name: &str, attr: &str, config: &Value) -> Option<Value> {
    let s = |v: &str| Some(Value::String(v.to_owned()));
    let strings = |vs: &[&str]| Some(Value::List(vs.iter().map(|v| Value::String((*v).to_owned())).collect()));
    match (type_name, attr) {
        ("aws_caller_identity", "account_id" | "id") => s(ACCOUNT_ID),
        ("aws_caller_identity", "arn") => s(&format!("arn:aws:iam::{ACCOUNT_ID}:user/standin")),
        ("aws_caller_identity", "user_id") => s("AIDASTANDINUSERID0000"),
        ("aws_region", "name" | "region" | "id") => s(REGION),
        ("aws_region", "endpoint") => s(&format!("ec2.{REGION}.amazonaws.com")),
        ("aws_region", "description") => s("US East (N. Virginia)"),
        ("aws_partition", "partition" | "id") => s("aws"),
        ("aws_partition", "dns_suffix") => s("amazonaws.com"),
        ("aws_partition", "reverse_dns_prefix") => s("com.amazonaws"),
        ("aws_availability_zones", "names") => strings(&["us-east-1a", "us-east-1b", "us-east-1c"]),
        ("aws_availability_zones", "zone_ids") => strings(&["use1-az1", "use1-az2", "use1-az4"]),
        // One Identity Center instance, so `one(...arns)` gives a value rather than null.
        ("aws_ssoadmin_instances", "arns") => strings(&["arn:aws:sso:::instance/ssoins-0000standin00"]),
        ("aws_ssoadmin_instances", "identity_store_ids") => strings(&["d-0000standin"]),
        ("aws_iam_policy_document", "json") => {
            s(&serde_json::to_string_pretty(&policy_document(config)).unwrap_or_default())
        }
        ("aws_iam_policy_document", "minified_json") => {
            s(&serde_json::to_string(&policy_document(config)).unwrap_or_default())
        }
        _ => None,
    }
}

/// The applied value of computed attribute `attr` (of type `ty`) of resource `type_name`, where a
/// generic placeholder would break the modules: indexing `roots[0]` needs a root.
pub fn resource_value(type_name: &str, attr: &str, ty: &Type, namer: &Namer) -> Option<Value> {
    match (type_name, attr, ty) {
        ("aws_organizations_organization", "roots", Type::List(elem)) => {
            let mut root = namer.placeholder(elem, attr);
            if let Value::Object(fields) = &mut root {
                fields.insert("id".into(), Value::from("r-stnd"));
                fields.insert("name".into(), Value::from("Root"));
                fields.insert(
                    "arn".into(),
                    Value::String(format!("arn:aws:organizations::{ACCOUNT_ID}:root/o-standin/r-stnd")),
                );
            }
            Some(Value::List(vec![root]))
        }
        _ => None,
    }
}

/// The IAM JSON policy of an `aws_iam_policy_document` configuration: its own statements only
/// (source and override documents are not merged).
pub fn policy_document(config: &Value) -> Json {
    let mut doc = Map::new();
    doc.insert("Version".into(), json!(text(config.get_attr("version")).unwrap_or("2012-10-17")));
    if let Some(id) = text(config.get_attr("policy_id")) {
        doc.insert("Id".into(), json!(id));
    }
    let statements: Vec<Json> = elements(config.get_attr("statement")).iter().map(statement).collect();
    doc.insert("Statement".into(), Json::Array(statements));
    Json::Object(doc)
}

fn statement(st: &Value) -> Json {
    let mut out = Map::new();
    if let Some(sid) = text(st.get_attr("sid")) {
        out.insert("Sid".into(), json!(sid));
    }
    out.insert("Effect".into(), json!(text(st.get_attr("effect")).unwrap_or("Allow")));
    for (attr, key) in [
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ] {
        if let Some(v) = one_or_many(st.get_attr(attr)) {
            out.insert(key.into(), v);
        }
    }
    for (attr, key) in [("principals", "Principal"), ("not_principals", "NotPrincipal")] {
        let blocks = elements(st.get_attr(attr));
        if blocks.is_empty() {
            continue;
        }
        let mut principals = Map::new();
        for p in blocks {
            let kind = text(p.get_attr("type")).unwrap_or("AWS");
            let ids = one_or_many(p.get_attr("identifiers")).unwrap_or(Json::Null);
            if kind == "*" {
                out.insert(key.into(), json!("*"));
                continue;
            }
            principals.insert(kind.to_owned(), ids);
        }
        if !principals.is_empty() {
            out.insert(key.into(), Json::Object(principals));
        }
    }
    let conditions = elements(st.get_attr("condition"));
    if !conditions.is_empty() {
        let mut by_test: Map<String, Json> = Map::new();
        for c in conditions {
            let test = text(c.get_attr("test")).unwrap_or("StringEquals").to_owned();
            let variable = text(c.get_attr("variable")).unwrap_or("").to_owned();
            let values = one_or_many(c.get_attr("values")).unwrap_or(Json::Null);
            if let Json::Object(m) = by_test.entry(test).or_insert_with(|| Json::Object(Map::new())) {
                m.insert(variable, values);
            }
        }
        out.insert("Condition".into(), Json::Object(by_test));
    }
    Json::Object(out)
}

fn text(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
}

fn elements(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_elements).unwrap_or(&[])
}

/// One string as itself, several as an array: the form IAM and the real provider use.
fn one_or_many(v: Option<&Value>) -> Option<Json> {
    let items: Vec<&str> = elements(v).iter().filter_map(Value::as_str).collect();
    match items.as_slice() {
        [] => None,
        [one] => Some(json!(one)),
        many => Some(json!(many)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(xs: &[&str]) -> Value {
        Value::set(xs.iter().map(|x| Value::from(*x)))
    }

    #[test]
    fn policy_document_renders_statements() {
        let principal =
            Value::object([("type", Value::from("Service")), ("identifiers", strs(&["lambda.amazonaws.com"]))]);
        let condition = Value::object([
            ("test", Value::from("StringEquals")),
            ("variable", Value::from("aws:SecureTransport")),
            ("values", strs(&["true"])),
        ]);
        let st = Value::object([
            ("sid", Value::from("Assume")),
            ("effect", Value::Null),
            ("actions", strs(&["sts:AssumeRole", "sts:TagSession"])),
            ("principals", Value::set([principal])),
            ("condition", Value::set([condition])),
        ]);
        let config = Value::object([("version", Value::Null), ("statement", Value::List(vec![st]))]);
        let doc = policy_document(&config);
        assert_eq!(doc["Version"], "2012-10-17");
        let s = &doc["Statement"][0];
        assert_eq!(s["Effect"], "Allow");
        assert_eq!(s["Action"], json!(["sts:AssumeRole", "sts:TagSession"]));
        assert_eq!(s["Principal"]["Service"], "lambda.amazonaws.com");
        assert_eq!(s["Condition"]["StringEquals"]["aws:SecureTransport"], "true");
    }

    #[test]
    fn an_organization_has_one_root() {
        let policy = Type::object([("status", Type::String), ("type", Type::String)]);
        let root = Type::object([
            ("arn", Type::String),
            ("id", Type::String),
            ("name", Type::String),
            ("policy_types", Type::list(policy)),
        ]);
        let namer = Namer::new("aws_organizations_organization", &Value::Null);
        let v = resource_value("aws_organizations_organization", "roots", &Type::list(root), &namer).unwrap();
        let first = &v.as_elements().unwrap()[0];
        assert_eq!(first.get_attr("id"), Some(&Value::from("r-stnd")));
        assert_eq!(first.get_attr("policy_types"), Some(&Value::List(Vec::new())));
        assert_eq!(resource_value("aws_organizations_organization", "arn", &Type::String, &namer), None);
    }

    #[test]
    fn only_listed_attributes_are_special() {
        assert_eq!(data_source_value("aws_caller_identity", "account_id", &Value::Null), Some(Value::from(ACCOUNT_ID)));
        let arns = data_source_value("aws_ssoadmin_instances", "arns", &Value::Null).unwrap();
        assert_eq!(arns.as_elements().map(<[Value]>::len), Some(1));
        assert_eq!(data_source_value("aws_s3_bucket", "arn", &Value::Null), None);
    }
}
