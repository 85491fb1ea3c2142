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

    /// The row's values move into the record (each column is read once), so a large result is
    /// never held twice: as text cells and as records.
    fn record(&self, row: &mut [Option<String>]) -> CaseRecord {
        // Empty text is as good as NULL for every optional field.
        let mut opt = |i: usize| row.get_mut(i).and_then(Option::take).filter(|v| !v.is_empty());
        CaseRecord {
            case_id: opt(self.case_id).unwrap_or_default(),
            display_id: opt(self.display_id).unwrap_or_default(),
            subject: opt(self.subject).unwrap_or_default(),
            status: opt(self.status).unwrap_or_default(),
            severity_code: opt(self.severity_code).unwrap_or_default(),
            service_code: opt(self.service_code).unwrap_or_default(),
            category_code: opt(self.category_code).unwrap_or_default(),
            submitted_by: opt(self.submitted_by).unwrap_or_default(),
            time_created: opt(self.time_created).unwrap_or_default(),
            last_communication_time: opt(self.last_communication_time),
            first_response_time: opt(self.first_response_time),
            account_id: opt(self.account_id).unwrap_or_default(),
            account_name: match opt(self.account_name) {
                Some(name) => Some(name),
                None => self.event_account_name.and_then(&mut opt),
            },
            ou_path: opt(self.ou_path),
            account_tag: opt(self.account_tag),
            account_tags: opt(self.account_tags),
            updated_at: opt(self.updated_at).unwrap_or_default(),
        }
    }
}

/// One account of the inventory: its id and OU path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InventoryAccount {
    pub account_id: String,
    pub ou_path: Option<String>,
}

/// The inventory query's rows.
pub fn inventory(t: Table) -> Result<Vec<InventoryAccount>, MissingColumn> {
    let id = t.column("account_id").ok_or(MissingColumn("account_id"))?;
    let ou = t.column("ou_path").ok_or(MissingColumn("ou_path"))?;
    Ok(t.rows
        .into_iter()
        .filter_map(|mut r| {
            let account_id = r.get_mut(id).and_then(Option::take).filter(|v| !v.is_empty())?;
            let ou_path = r.get_mut(ou).and_then(Option::take).filter(|v| !v.is_empty());
            Some(InventoryAccount { account_id, ou_path })
        })
        .collect())
}

/// The latest-cases query's rows; the table is consumed row by row.
pub fn case_records(t: Table) -> Result<Vec<CaseRecord>, MissingColumn> {
    let columns = Columns::of(&t)?;
    Ok(t.rows.into_iter().map(|mut r| columns.record(&mut r)).collect())
}

/// The case-events query's rows.
pub fn case_events(t: Table) -> Result<Vec<CaseEvent>, MissingColumn> {
    let columns = Columns::of(&t)?;
    let event_id = t.column("event_id").ok_or(MissingColumn("event_id"))?;
    Ok(t.rows
        .into_iter()
        .map(|mut r| {
            let event_id = r.get_mut(event_id).and_then(Option::take).unwrap_or_default();
            let case = columns.record(&mut r);
            CaseEvent { event_id, time: case.updated_at.clone(), case }
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
        assert_eq!(case_records(t.clone()).expect("records"), [record]);
        let short = parse(write(&CASE_COLUMNS[1..], &[]).as_bytes()).expect("csv");
        assert_eq!(case_records(short), Err(MissingColumn("case_id")));
        assert_eq!(case_events(t).map(|_| ()), Err(MissingColumn("event_id")));
    }

    #[test]
    fn the_events_own_account_name_fills_a_missing_inventory_row() {
        let mut columns = CASE_COLUMNS.to_vec();
        columns.extend(["event_account_name", "event_id"]);
        let mut cells = row(&CaseRecord { account_name: None, case_id: "case-1".into(), ..CaseRecord::default() });
        cells.extend([Some("From the event".to_owned()), Some("ev-1".to_owned())]);
        let t = parse(write(&columns, &[cells]).as_bytes()).expect("csv");
        let events = case_events(t).expect("events");
        assert_eq!(events[0].case.account_name.as_deref(), Some("From the event"));
        assert_eq!(events[0].event_id, "ev-1");
    }
}
