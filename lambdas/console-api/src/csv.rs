//! Athena's CSV result object: a header row, then one row per result row; every value quoted
//! (`""` for a quote inside), NULL an empty unquoted field, values may span lines.

/// The rows of a result, NULL kept apart from the empty string.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    #[error("not UTF-8")]
    Utf8,
    #[error("no header row")]
    NoHeader,
    #[error("row {row}: a quoted value is not closed")]
    Unclosed { row: usize },
    #[error("row {row}: {found} after a closing quote")]
    AfterQuote { row: usize, found: char },
    #[error("row {row}: {got} values for {want} columns")]
    Width { row: usize, want: usize, got: usize },
}

/// Reads a whole result object.
pub fn parse(bytes: &[u8]) -> Result<Table, CsvError> {
    let text = std::str::from_utf8(bytes).map_err(|_| CsvError::Utf8)?;
    let mut records = Records { chars: text.chars().peekable(), row: 0 };
    let header = records.next_record()?.ok_or(CsvError::NoHeader)?;
    let columns: Vec<String> = header.into_iter().map(Option::unwrap_or_default).collect();
    let mut rows = Vec::new();
    while let Some(record) = records.next_record()? {
        if record.len() != columns.len() {
            return Err(CsvError::Width { row: records.row, want: columns.len(), got: record.len() });
        }
        rows.push(record);
    }
    Ok(Table { columns, rows })
}

struct Records<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    /// 1-based number of the record being read, the header being 1.
    row: usize,
}

impl Records<'_> {
    /// The next record, `None` at the end. A blank line is no record.
    fn next_record(&mut self) -> Result<Option<Vec<Option<String>>>, CsvError> {
        loop {
            match self.chars.peek() {
                None => return Ok(None),
                Some('\n') => {
                    self.chars.next();
                }
                Some('\r') => {
                    self.chars.next();
                }
                Some(_) => break,
            }
        }
        self.row += 1;
        let mut fields = Vec::new();
        loop {
            let (field, end) = self.field()?;
            fields.push(field);
            if end {
                return Ok(Some(fields));
            }
        }
    }

    /// One field and whether it ended the record.
    fn field(&mut self) -> Result<(Option<String>, bool), CsvError> {
        if self.chars.peek() == Some(&'"') {
            self.chars.next();
            let mut value = String::new();
            loop {
                match self.chars.next() {
                    None => return Err(CsvError::Unclosed { row: self.row }),
                    Some('"') if self.chars.peek() == Some(&'"') => {
                        self.chars.next();
                        value.push('"');
                    }
                    Some('"') => break,
                    Some(c) => value.push(c),
                }
            }
            match self.chars.next() {
                None | Some('\n') => Ok((Some(value), true)),
                Some('\r') if matches!(self.chars.peek(), None | Some('\n')) => {
                    self.chars.next();
                    Ok((Some(value), true))
                }
                Some(',') => Ok((Some(value), false)),
                Some(found) => Err(CsvError::AfterQuote { row: self.row, found }),
            }
        } else {
            let mut value = String::new();
            loop {
                match self.chars.next() {
                    None | Some('\n') => return Ok((unquoted(value), true)),
                    Some('\r') if matches!(self.chars.peek(), None | Some('\n')) => {
                        self.chars.next();
                        return Ok((unquoted(value), true));
                    }
                    Some(',') => return Ok((unquoted(value), false)),
                    Some(c) => value.push(c),
                }
            }
        }
    }
}

/// Athena writes NULL as nothing; other writers leave plain values unquoted.
fn unquoted(value: String) -> Option<String> {
    if value.is_empty() { None } else { Some(value) }
}

/// A table as Athena writes it (the fakes' result objects).
#[cfg(test)]
pub fn write(columns: &[&str], rows: &[Vec<Option<String>>]) -> String {
    let quote = |v: &str| format!("\"{}\"", v.replace('"', "\"\""));
    let mut out = columns.iter().map(|c| quote(c)).collect::<Vec<_>>().join(",");
    out.push('\n');
    for row in rows {
        let cells: Vec<String> = row.iter().map(|v| v.as_deref().map(quote).unwrap_or_default()).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_values_nulls_and_values_over_lines() {
        let text = "\"a\",\"b\",\"c\"\n\"1\",,\"x, \"\"y\"\"\nz\"\n\"\",\"2\",plain\r\n\n";
        let t = parse(text.as_bytes()).expect("csv");
        assert_eq!(t.columns, ["a", "b", "c"]);
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(t.rows, [vec![some("1"), None, some("x, \"y\"\nz")], vec![some(""), some("2"), some("plain")]]);
        assert_eq!(t.column("c"), Some(2));
        assert_eq!(parse(b"\"only\"").expect("header only").rows.len(), 0);
        // A trailing NULL at the end of the object.
        assert_eq!(parse(b"\"a\",\"b\"\n\"1\",").expect("csv").rows, [vec![some("1"), None]]);
    }

    #[test]
    fn writes_what_it_reads() {
        let rows = vec![vec![Some("it's \"x\"".to_owned()), None], vec![Some(String::new()), Some("a\nb".into())]];
        let t = parse(write(&["p", "q"], &rows).as_bytes()).expect("round trip");
        assert_eq!(t.rows, rows);
    }

    #[test]
    fn malformed_objects_say_where() {
        assert_eq!(parse(b""), Err(CsvError::NoHeader));
        assert_eq!(parse(b"\"a\"\n\"open"), Err(CsvError::Unclosed { row: 2 }));
        assert_eq!(parse(b"\"a\"\n\"x\"y"), Err(CsvError::AfterQuote { row: 2, found: 'y' }));
        assert_eq!(parse(b"\"a\",\"b\"\n\"1\""), Err(CsvError::Width { row: 2, want: 2, got: 1 }));
        assert_eq!(parse(&[0xff, 0xfe]), Err(CsvError::Utf8));
    }
}
