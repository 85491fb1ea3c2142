//! What the case-enricher adds to a Support case, as pure functions over the case and its
//! communications, and the enriched event's detail with the field names the seed's Glue table
//! reads (camelCase, as the Support API spells them).

use serde::{Deserialize, Serialize};

use crate::support::{Case, Communication, is_aws_submitter, severity_name, time_key};

/// The fields computed from a case's communications.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Enrichment {
    /// Who wrote the oldest communication (the case's opening message).
    pub submitted_role: Option<String>,
    /// Time of the newest communication.
    pub last_communication_time: Option<String>,
    /// Time of the first communication from AWS's side at or after the case was created.
    pub first_response_time: Option<String>,
}

/// Communications oldest first. The API lists them newest first, so equal times keep the API's
/// order reversed (the later listed is the older).
fn oldest_first(comms: &[Communication]) -> Vec<&Communication> {
    let mut v: Vec<&Communication> = comms.iter().rev().collect();
    v.sort_by(|a, b| time_key(&a.time_created).cmp(&time_key(&b.time_created)));
    v
}

/// `submittedBy` of the oldest communication.
pub fn submitted_role(comms: &[Communication]) -> Option<String> {
    oldest_first(comms).first().map(|c| c.submitted_by.clone())
}

/// `timeCreated` of the newest communication.
pub fn last_communication_time(comms: &[Communication]) -> Option<String> {
    oldest_first(comms).last().map(|c| c.time_created.clone())
}

/// `timeCreated` of the first communication from AWS at or after `case_created`; `None` when AWS
/// has not answered yet.
pub fn first_response_time(case_created: &str, comms: &[Communication]) -> Option<String> {
    let created = time_key(case_created);
    oldest_first(comms)
        .into_iter()
        .filter(|c| is_aws_submitter(&c.submitted_by))
        .find(|c| created.0.is_none() || time_key(&c.time_created) >= created)
        .map(|c| c.time_created.clone())
}

/// Every computed field, from the case's communications (in any order).
pub fn enrich(case: &Case) -> Enrichment {
    Enrichment {
        submitted_role: submitted_role(&case.communications),
        last_communication_time: last_communication_time(&case.communications)
            .or_else(|| case.last_communication_time.clone()),
        first_response_time: first_response_time(&case.time_created, &case.communications),
    }
}

/// The detail of an enriched case event (`heidi.support`). Optional fields are written as JSON
/// null, never left out, so every event has the same shape.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnrichedCase {
    pub case_id: String,
    pub display_id: String,
    pub subject: String,
    pub status: String,
    pub service_code: String,
    pub category_code: String,
    pub severity_code: String,
    pub submitted_by: String,
    pub time_created: String,
    pub cc_email_addresses: Vec<String>,
    pub language: String,
    pub submitted_role: Option<String>,
    pub last_communication_time: Option<String>,
    pub first_response_time: Option<String>,
    pub account_id: String,
    pub account_name: Option<String>,
    /// The severity's name (low = General guidance, ...), for readers without the mapping.
    pub severity_name: Option<String>,
}

impl EnrichedCase {
    pub fn new(account_id: &str, account_name: Option<String>, case: &Case) -> Self {
        let e = enrich(case);
        EnrichedCase {
            case_id: case.case_id.clone(),
            display_id: case.display_id.clone(),
            subject: case.subject.clone(),
            status: case.status.clone(),
            service_code: case.service_code.clone(),
            category_code: case.category_code.clone(),
            severity_code: case.severity_code.clone(),
            submitted_by: case.submitted_by.clone(),
            time_created: case.time_created.clone(),
            cc_email_addresses: case.cc_email_addresses.clone(),
            language: case.language.clone(),
            submitted_role: e.submitted_role,
            last_communication_time: e.last_communication_time,
            first_response_time: e.first_response_time,
            account_id: account_id.to_owned(),
            account_name,
            severity_name: severity_name(&case.severity_code).map(str::to_owned),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::support::AWS_SUBMITTER;

    fn comm(by: &str, at: &str) -> Communication {
        Communication { body: format!("{by} at {at}"), submitted_by: by.into(), time_created: at.into() }
    }

    fn case(created: &str, newest_first: Vec<Communication>) -> Case {
        Case {
            case_id: "case-111122223333-ab12-2025-0123456789abcdef".into(),
            display_id: "10000000001".into(),
            severity_code: "urgent".into(),
            time_created: created.into(),
            communications: newest_first,
            ..Case::default()
        }
    }

    #[test]
    fn oldest_newest_and_first_aws_reply() {
        let c = case(
            "2025-01-01T10:00:00.000Z",
            vec![
                comm("ops@111122223333", "2025-01-03T09:00:00.000Z"),
                comm(AWS_SUBMITTER, "2025-01-02T08:00:00.500Z"),
                comm(AWS_SUBMITTER, "2025-01-01T12:30:00.000Z"),
                comm("dev@111122223333", "2025-01-01T10:00:00.000Z"),
            ],
        );
        let e = enrich(&c);
        assert_eq!(e.submitted_role.as_deref(), Some("dev@111122223333"));
        assert_eq!(e.last_communication_time.as_deref(), Some("2025-01-03T09:00:00.000Z"));
        assert_eq!(e.first_response_time.as_deref(), Some("2025-01-01T12:30:00.000Z"));
    }

    #[test]
    fn no_aws_reply_means_no_first_response() {
        let c = case("2025-01-01T10:00:00.000Z", vec![comm("dev@1", "2025-01-01T10:00:00.000Z")]);
        assert_eq!(enrich(&c).first_response_time, None);
        let none = case("2025-01-01T10:00:00.000Z", vec![]);
        assert_eq!(enrich(&none), Enrichment::default());
    }

    #[test]
    fn an_aws_message_before_creation_is_not_a_response() {
        let c = case(
            "2025-01-01T10:00:00Z",
            vec![comm(AWS_SUBMITTER, "2025-01-01T11:00:00Z"), comm(AWS_SUBMITTER, "2024-12-31T23:00:00Z")],
        );
        assert_eq!(first_response_time(&c.time_created, &c.communications).as_deref(), Some("2025-01-01T11:00:00Z"));
    }

    #[test]
    fn times_compare_as_instants_not_text() {
        // Text order would put ".5Z" after "Z" the other way round; instants decide.
        let comms = vec![comm("late", "2025-01-01T10:00:00Z"), comm("early", "2025-01-01T09:59:59.500+00:00")];
        assert_eq!(submitted_role(&comms).as_deref(), Some("early"));
        assert_eq!(last_communication_time(&comms).as_deref(), Some("2025-01-01T10:00:00Z"));
        let offset = vec![comm("a", "2025-01-01T10:00:00+02:00"), comm("b", "2025-01-01T09:00:00Z")];
        assert_eq!(submitted_role(&offset).as_deref(), Some("a"));
    }

    #[test]
    fn equal_times_keep_the_api_order() {
        // Newest first from the API: the later listed of two equal times is the older one.
        let comms = vec![comm("second", "2025-01-01T10:00:00Z"), comm("first", "2025-01-01T10:00:00Z")];
        assert_eq!(submitted_role(&comms).as_deref(), Some("first"));
    }

    #[test]
    fn detail_uses_the_glue_table_names_and_nulls() {
        let c = case("2025-01-01T10:00:00.000Z", vec![comm("dev@1", "2025-01-01T10:00:00.000Z")]);
        let d = serde_json::to_value(EnrichedCase::new("111122223333", None, &c)).expect("json");
        for key in [
            "caseId",
            "displayId",
            "subject",
            "status",
            "serviceCode",
            "categoryCode",
            "severityCode",
            "submittedBy",
            "timeCreated",
            "ccEmailAddresses",
            "language",
            "submittedRole",
            "lastCommunicationTime",
            "firstResponseTime",
            "accountId",
            "accountName",
            "severityName",
        ] {
            assert!(d.get(key).is_some(), "{key} missing from {d}");
        }
        assert_eq!(d["firstResponseTime"], serde_json::Value::Null);
        assert_eq!(d["accountName"], serde_json::Value::Null);
        assert_eq!(d["severityName"], "Production system down");
        assert_eq!(d["submittedRole"], "dev@1");
    }
}
