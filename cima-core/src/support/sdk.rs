//! [`SupportApi`] on the AWS SDK.

use async_trait::async_trait;
use aws_sdk_support::Client;
use aws_sdk_support::error::ProvideErrorMetadata;

use super::{Case, CasePage, CaseQuery, Communication, SupportApi, SupportError};

#[derive(Clone, Debug)]
pub struct SdkSupport {
    client: Client,
}

impl SdkSupport {
    pub fn new(client: Client) -> Self {
        Self { client }
    }
}

fn api_error<E>(operation: &'static str, e: E) -> SupportError
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
{
    if e.code() == Some("CaseIdNotFound") {
        return SupportError::CaseIdNotFound { operation, message: e.message().unwrap_or_default().to_owned() };
    }
    SupportError::Api { operation, message: crate::errors::service_message(&e) }
}

/// The SDK's error for a failed send, with the dispatch/credential cause kept in the message.
fn send_error<E, R>(operation: &'static str, e: aws_sdk_support::error::SdkError<E, R>) -> SupportError
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    R: std::fmt::Debug + 'static,
{
    match e {
        aws_sdk_support::error::SdkError::ServiceError(s) => api_error(operation, s.into_err()),
        other => SupportError::Api { operation, message: crate::errors::aws_message(&other) },
    }
}

impl SdkSupport {
    fn describe_cases_request(
        &self,
        q: &CaseQuery,
    ) -> aws_sdk_support::operation::describe_cases::builders::DescribeCasesFluentBuilder {
        self.client
            .describe_cases()
            .set_case_id_list(if q.case_ids.is_empty() { None } else { Some(q.case_ids.clone()) })
            .set_after_time(q.after_time.clone())
            .set_before_time(q.before_time.clone())
            .include_resolved_cases(q.include_resolved)
            // The recent communications give each case its last communication time.
            .include_communications(true)
    }
}

fn to_case(c: aws_sdk_support::types::CaseDetails) -> Case {
    let last =
        c.recent_communications.as_ref().and_then(|r| r.communications.as_ref()).and_then(|list| {
            super::newest_time(list.iter().filter_map(|m| m.time_created.as_deref())).map(str::to_owned)
        });
    Case {
        case_id: c.case_id.unwrap_or_default(),
        display_id: c.display_id.unwrap_or_default(),
        subject: c.subject.unwrap_or_default(),
        status: c.status.unwrap_or_default(),
        severity_code: c.severity_code.unwrap_or_default(),
        service_code: c.service_code.unwrap_or_default(),
        category_code: c.category_code.unwrap_or_default(),
        submitted_by: c.submitted_by.unwrap_or_default(),
        time_created: c.time_created.unwrap_or_default(),
        cc_email_addresses: c.cc_email_addresses.unwrap_or_default(),
        language: c.language.unwrap_or_default(),
        last_communication_time: last,
        communications: Vec::new(),
    }
}

#[async_trait]
impl SupportApi for SdkSupport {
    async fn describe_cases(&self, q: &CaseQuery) -> Result<Vec<Case>, SupportError> {
        let mut pages = self.describe_cases_request(q).max_results(100).into_paginator().send();
        let mut cases = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| send_error("DescribeCases", e))?;
            cases.extend(page.cases.unwrap_or_default().into_iter().map(to_case));
        }
        Ok(cases)
    }

    async fn describe_cases_page(
        &self,
        q: &CaseQuery,
        next_token: Option<&str>,
        max_results: i32,
    ) -> Result<CasePage, SupportError> {
        let page = self
            .describe_cases_request(q)
            .set_next_token(next_token.map(str::to_owned))
            .max_results(max_results.clamp(10, 100))
            .send()
            .await
            .map_err(|e| send_error("DescribeCases", e))?;
        Ok(CasePage {
            cases: page.cases.unwrap_or_default().into_iter().map(to_case).collect(),
            next_token: page.next_token.filter(|t| !t.is_empty()),
        })
    }

    async fn describe_communications(&self, case_id: &str) -> Result<Vec<Communication>, SupportError> {
        let mut pages = self.client.describe_communications().case_id(case_id).max_results(100).into_paginator().send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| send_error("DescribeCommunications", e))?;
            out.extend(page.communications.unwrap_or_default().into_iter().map(|m| Communication {
                body: m.body.unwrap_or_default(),
                submitted_by: m.submitted_by.unwrap_or_default(),
                time_created: m.time_created.unwrap_or_default(),
            }));
        }
        out.sort_by(|a, b| super::time_key(&b.time_created).cmp(&super::time_key(&a.time_created)));
        Ok(out)
    }
}
