//! Result rows as cima-core's case records, by column name (the aliases [`crate::sql`] gives).

use cima_core::cases::{CaseEvent, CaseRecord};

use crate::csv::Table;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the result has no column {0:?}")]
pub struct MissingColumn(pub &'static str);

/// Column positions, looked up once per result.
struct Columns {
    case_id: usize,
    display_id: usize,
    subject: usize,
    status: usize,
    severity_code: usize,
    service_code: usize,
    category_code: usize,
    submitted_by: usize,
    time_created: usize,
    last_communication_time: usize,
    first_response_time: usize,
    account_id: usize,
    account_name: usize,
    event_account_name: Option<usize>,
    ou_path: usize,
    account_tag: usize,
    account_tags: usize,
    updated_at: usize,
}

impl Columns {
    fn of(t: &Table) -> Result<Columns, MissingColumn> {
        let at = |name: &'static str| t.column(name).ok_or(MissingColumn(name));
        Ok(Columns {
            case_id: at("case_id")?,
            display_id: at("display_id")?,
            subject: at("subject")?,
            status: at("status")?,
            severity_code: at("severity_code")?,
            service_code: at("service_code")?,
            category_code: at("category_code")?,
            submitted_by: at("submitted_by")?,
            time_created: at("time_created")?,
            last_communication_time: at("last_communication_time")?,
            first_response_time: at("first_response_time")?,
            account_id: at("account_id")?,
            account_name: at("account_name")?,
            event_account_name: t.column("event_account_name"),
            ou_path: at("ou_path")?,
            account_tag: at("account_tag")?,
            account_tags: at("account_tags")?,
            updated_at: at("updated_at")?,
        })
    }

    fn record(&self, row: &[Option<String>]) -> CaseRecord {
        // Empty text is as good as NULL for every optional field.
        let opt = |i: usize| row.get(i).cloned().flatten().filter(|v| !v.is_empty());
        let text = |i: usize| opt(i).unwrap_or_default();
        CaseRecord {
            case_id: text(self.case_id),
            display_id: text(self.display_id),
            subject: text(self.subject),
            status: text(self.status),
            severity_code: text(self.severity_code),
            service_code: text(self.service_code),
            category_code: text(self.category_code),
            submitted_by: text(self.submitted_by),
            time_created: text(self.time_created),
            last_communication_time: opt(self.last_communication_time),
            first_response_time: opt(self.first_response_time),
            account_id: text(self.account_id),
            account_name: opt(self.account_name).or_else(|| self.event_account_name.and_then(opt)),
            ou_path: opt(self.ou_path),
            account_tag: opt(self.account_tag),
            account_tags: opt(self.account_tags),
            updated_at: text(self.updated_at),
        }
    }
}

/// The latest-cases query's rows.
pub fn case_records(t: &Table) -> Result<Vec<CaseRecord>, MissingColumn> {
    let columns = Columns::of(t)?;
    Ok(t.rows.iter().map(|r| columns.record(r)).collect())
}

/// The case-events query's rows.
pub fn case_events(t: &Table) -> Result<Vec<CaseEvent>, MissingColumn> {
    let columns = Columns::of(t)?;
    let event_id = t.column("event_id").ok_or(MissingColumn("event_id"))?;
    Ok(t.rows
        .iter()
        .map(|r| {
            let case = columns.record(r);
            CaseEvent {
                event_id: r.get(event_id).cloned().flatten().unwrap_or_default(),
                time: case.updated_at.clone(),
                case,
            }
        })
        .collect())
}

/// The column names the latest-cases query answers with, in its order (the fakes' results).
#[cfg(test)]
pub const CASE_COLUMNS: [&str; 17] = [
    "case_id",
    "display_id",
    "subject",
    "status",
    "severity_code",
    "service_code",
    "category_code",
    "submitted_by",
    "time_created",
    "last_communication_time",
    "first_response_time",
    "account_id",
    "account_name",
    "ou_path",
    "account_tag",
    "account_tags",
    "updated_at",
];

/// A record as a row of [`CASE_COLUMNS`].
#[cfg(test)]
pub fn row(c: &CaseRecord) -> Vec<Option<String>> {
    let s = |v: &str| Some(v.to_owned());
    vec![
        s(&c.case_id),
        s(&c.display_id),
        s(&c.subject),
        s(&c.status),
        s(&c.severity_code),
        s(&c.service_code),
        s(&c.category_code),
        s(&c.submitted_by),
        s(&c.time_created),
        c.last_communication_time.clone(),
        c.first_response_time.clone(),
        s(&c.account_id),
        c.account_name.clone(),
        c.ou_path.clone(),
        c.account_tag.clone(),
        c.account_tags.clone(),
        s(&c.updated_at),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv::{parse, write};

    #[test]
    fn rows_read_by_name_in_any_order() {
        let record = CaseRecord {
            case_id: "case-1".into(),
            display_id: "101".into(),
            subject: "s".into(),
            status: "opened".into(),
            severity_code: "low".into(),
            time_created: "2025-01-01T00:00:00Z".into(),
            first_response_time: Some("2025-01-01T01:00:00Z".into()),
            account_id: "111111111111".into(),
            account_name: Some("A".into()),
            ou_path: Some("/".into()),
            account_tag: Some("payments".into()),
            account_tags: Some("env=prod;team=payments".into()),
            updated_at: "2025-01-01T00:00:01Z".into(),
            ..CaseRecord::default()
        };
        let mut columns = CASE_COLUMNS.to_vec();
        let mut cells = row(&record);
        columns.reverse();
        cells.reverse();
        let t = parse(write(&columns, &[cells]).as_bytes()).expect("csv");
        assert_eq!(case_records(&t).expect("records"), [record]);
        let short = parse(write(&CASE_COLUMNS[1..], &[]).as_bytes()).expect("csv");
        assert_eq!(case_records(&short), Err(MissingColumn("case_id")));
        assert_eq!(case_events(&t).map(|_| ()), Err(MissingColumn("event_id")));
    }

    #[test]
    fn the_events_own_account_name_fills_a_missing_inventory_row() {
        let mut columns = CASE_COLUMNS.to_vec();
        columns.extend(["event_account_name", "event_id"]);
        let mut cells = row(&CaseRecord { account_name: None, case_id: "case-1".into(), ..CaseRecord::default() });
        cells.extend([Some("From the event".to_owned()), Some("ev-1".to_owned())]);
        let t = parse(write(&columns, &[cells]).as_bytes()).expect("csv");
        let events = case_events(&t).expect("events");
        assert_eq!(events[0].case.account_name.as_deref(), Some("From the event"));
        assert_eq!(events[0].event_id, "ev-1");
    }
}
