//! AWS Config compliance: DescribeComplianceByConfigRule gives each rule's state (filtered by
//! state on the server), then GetComplianceDetailsByConfigRule names the non-compliant resources
//! of each non-compliant rule, a few rules at a time.

use aws_types::SdkConfig;
use serde_json::{Value, json};

use super::{MAX_PAGES, ReadError, each_resource, region_of};
use crate::parse::{Parsed, Service};
use crate::query_protocol::{self, QueryClient};

/// Resources named per non-compliant rule: enough to act on, bounded for a chat answer (the
/// count is always exact).
const RESOURCES_PER_RULE: usize = 100;

pub(super) async fn rules(cfg: &SdkConfig, parsed: &Parsed) -> Result<Vec<Value>, ReadError> {
    let client = QueryClient::new(cfg, query_protocol::CONFIG);
    let region = region_of(cfg);
    let mut input = json!({});
    if let Some(state) = parsed.filters.state.as_deref().filter(|s| Service::Config.takes_state(s)) {
        input["ComplianceTypes"] = json!([state.to_ascii_uppercase()]);
    }
    let mut rules = Vec::new();
    for _ in 0..MAX_PAGES {
        let page = client
            .json("DescribeComplianceByConfigRule", &input)
            .await
            .map_err(|e| ReadError::call("DescribeComplianceByConfigRule", &e))?;
        rules.extend(page["ComplianceByConfigRules"].as_array().into_iter().flatten().cloned());
        match page["NextToken"].as_str().filter(|t| !t.is_empty()) {
            Some(t) => input["NextToken"] = json!(t),
            None => break,
        }
    }
    let (client, region) = (&client, region.as_str());
    each_resource(rules, move |rule| async move {
        let name = rule["ConfigRuleName"].as_str().unwrap_or_default().to_owned();
        let compliance = &rule["Compliance"];
        let state = compliance["ComplianceType"].as_str().unwrap_or("INSUFFICIENT_DATA");
        let count = &compliance["ComplianceContributorCount"];
        let mut item = json!({
            "service": "config",
            "type": "rule",
            "id": name,
            "region": region,
            "state": state,
            "non_compliant": count["CappedCount"].as_u64().unwrap_or(0),
        });
        if count["CapExceeded"].as_bool() == Some(true) {
            item["non_compliant_capped"] = json!(true);
        }
        if state == "NON_COMPLIANT" {
            item["non_compliant_resources"] = json!(non_compliant(client, &name).await?);
        }
        Ok(Some(item))
    })
    .await
}

/// `AWS::S3::Bucket/logs`: the first [`RESOURCES_PER_RULE`] resources `rule` finds non-compliant.
async fn non_compliant(client: &QueryClient, rule: &str) -> Result<Vec<String>, ReadError> {
    let mut input = json!({"ConfigRuleName": rule, "ComplianceTypes": ["NON_COMPLIANT"], "Limit": 100});
    let mut found = Vec::new();
    for _ in 0..MAX_PAGES {
        let page = client
            .json("GetComplianceDetailsByConfigRule", &input)
            .await
            .map_err(|e| ReadError::call("GetComplianceDetailsByConfigRule", &e))?;
        for r in page["EvaluationResults"].as_array().into_iter().flatten() {
            let q = &r["EvaluationResultIdentifier"]["EvaluationResultQualifier"];
            found.push(format!(
                "{}/{}",
                q["ResourceType"].as_str().unwrap_or(""),
                q["ResourceId"].as_str().unwrap_or("")
            ));
        }
        match page["NextToken"].as_str().filter(|t| !t.is_empty()) {
            Some(t) if found.len() < RESOURCES_PER_RULE => input["NextToken"] = json!(t),
            _ => break,
        }
    }
    found.truncate(RESOURCES_PER_RULE);
    Ok(found)
}
