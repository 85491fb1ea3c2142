//! `action "cima_backfill"` (Terraform ≥ 1.14): asks the enricher to read one account's cases of
//! the last `days` days, now. The request is the one a new `cima_linked_account` makes: put on the
//! central bus as the member itself (through its access role), since the enricher backfills only
//! the account a request comes from. Run on demand with
//! `terraform apply -invoke=action.cima_backfill.NAME`, or from a linked account's
//! `action_trigger` (after it is created, say).

use std::sync::Arc;

use async_trait::async_trait;
use cima_core::contract::MAX_BACKFILL_DAYS;
use cima_core::ids;
use serde::Deserialize;
use tfplugin::action::{Action, Progress};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::{AttributePath, Ctx, Diagnostic, Diagnostics, Type};

use crate::config::ProviderData;
use crate::resource_linked_account::{LinkedAccountModel, request_backfill};

const DEFAULT_DAYS: u64 = 30;

#[derive(Debug, Default, Deserialize)]
pub struct BackfillConfig {
    pub account_id: Option<String>,
    pub central_bus_arn: Option<String>,
    pub days: Option<i64>,
    pub access_role_name: Option<String>,
}

pub struct BackfillAction {
    data: Arc<ProviderData>,
}

impl BackfillAction {
    pub fn new(data: Arc<ProviderData>) -> Self {
        Self { data }
    }
}

#[async_trait]
impl Action for BackfillAction {
    const TYPE_NAME: &'static str = "cima_backfill";
    type Config = BackfillConfig;

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new(
                "Asks the enricher to read one member account's Support cases of the last `days` days, now: the request a new `cima_linked_account` makes, put on the central bus as the member itself (through its access role). Progress is reported while it runs. Run it with `terraform apply -invoke=action.cima_backfill.NAME`, or from a linked account's `action_trigger`.",
            )
            .attribute(Attribute::new("account_id", Type::String).required().description("The member account to backfill (12 digits)."))
            .attribute(
                Attribute::new("central_bus_arn", Type::String)
                    .required()
                    .description("The central event bus the enricher listens on (`cima_case_pipeline`'s `bus_arn`)."),
            )
            .attribute(Attribute::new("days", Type::Number).optional().description(format!(
                "How many days back to read, 1 to {MAX_BACKFILL_DAYS} (AWS Support keeps cases for 12 months). Default {DEFAULT_DAYS}."
            )))
            .attribute(Attribute::new("access_role_name", Type::String).optional().description(
                "The role the provider acts as in the member account. Default: the provider's `member_access_role_name`.",
            )),
        )
    }

    fn validate(&self, c: &BackfillConfig) -> Diagnostics {
        let mut d = Diagnostics::new();
        let root = AttributePath::root();
        if let Some(p) = c.account_id.as_deref().and_then(ids::account_id_problem) {
            d.push(Diagnostic::error("Invalid account id", p).at(root.clone().attribute("account_id")));
        }
        if let Some(arn) = &c.central_bus_arn
            && let Some(p) = ids::arn_problem(arn, Some("events"))
        {
            d.push(Diagnostic::error("Invalid central_bus_arn", p).at(root.clone().attribute("central_bus_arn")));
        }
        if let Some(n) = c.days
            && !(1..=MAX_BACKFILL_DAYS).contains(&u64::try_from(n).unwrap_or(0))
        {
            d.push(
                Diagnostic::error(
                    "Invalid days",
                    format!("{n} is not between 1 and {MAX_BACKFILL_DAYS} (AWS Support keeps cases for 12 months)."),
                )
                .at(root.clone().attribute("days")),
            );
        }
        if let Some(r) = &c.access_role_name
            && let Some(p) = ids::role_name_problem(r)
        {
            d.push(Diagnostic::error("Invalid access_role_name", p).at(root.attribute("access_role_name")));
        }
        d
    }

    async fn invoke(&self, ctx: &Ctx, c: BackfillConfig, progress: &Progress) -> Diagnostics {
        let config = match self.data.get() {
            Ok(config) => config,
            Err(d) => return d,
        };
        let days = c.days.and_then(|d| u64::try_from(d).ok()).unwrap_or(DEFAULT_DAYS);
        let account = c.account_id.clone().unwrap_or_default();
        let central = c.central_bus_arn.clone().unwrap_or_default();
        progress.say(format!(
            "Asking the enricher, through {central}, to read the cases of account {account} from the last {days} days"
        ));
        let m = LinkedAccountModel {
            account_id: c.account_id,
            central_bus_arn: c.central_bus_arn,
            access_role_name: c.access_role_name,
            ..LinkedAccountModel::default()
        };
        match ctx.run("requesting the backfill", request_backfill(config, &m, days)).await {
            Ok(()) => {
                progress.say(format!(
                    "Requested: the enricher reads account {account}'s cases of the last {days} days and stores each one; they appear in the store and the console as it goes"
                ));
                Diagnostics::new()
            }
            Err(d) => d,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_is_checked_at_its_path() {
        let a = BackfillAction::new(Arc::new(ProviderData::default()));
        let bad = BackfillConfig {
            account_id: Some("1234".into()),
            central_bus_arn: Some("arn:aws:sqs:us-east-1:123456789012:q".into()),
            days: Some(400),
            access_role_name: Some("no spaces".into()),
        };
        let at: Vec<String> = Action::validate(&a, &bad)
            .iter()
            .map(|d| d.attribute.as_ref().map(ToString::to_string).unwrap_or_default())
            .collect();
        assert_eq!(at, ["account_id", "central_bus_arn", "days", "access_role_name"]);
        let good = BackfillConfig {
            account_id: Some("111122223333".into()),
            central_bus_arn: Some("arn:aws:events:us-east-1:123456789012:event-bus/cima-central".into()),
            days: Some(365),
            access_role_name: None,
        };
        assert!(Action::validate(&a, &good).is_empty());
        assert_eq!(Action::validate(&a, &BackfillConfig { days: Some(0), ..good }).len(), 1);
    }
}
