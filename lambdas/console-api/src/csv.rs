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

/// Reads a whole result object. Each value is copied out of the text once, at its exact length,
/// and each row holds exactly one slot per column: a result of 20,000 cases is some 25 MB parsed.
pub fn parse(bytes: &[u8]) -> Result<Table, CsvError> {
    let text = std::str::from_utf8(bytes).map_err(|_| CsvError::Utf8)?;
    let mut records = Records { text, pos: 0, row: 0 };
    let header = records.next_record(0)?.ok_or(CsvError::NoHeader)?;
    let columns: Vec<String> = header.into_iter().map(Option::unwrap_or_default).collect();
    let mut rows = Vec::new();
    while let Some(record) = records.next_record(columns.len())? {
        if record.len() != columns.len() {
            return Err(CsvError::Width { row: records.row, want: columns.len(), got: record.len() });
        }
        rows.push(record);
    }
    Ok(Table { columns, rows })
}

struct Records<'a> {
    text: &'a str,
    /// Byte offset of the next character; always on a character boundary (it only moves past
    /// ASCII delimiters or to the end of a slice found by them).
    pos: usize,
    /// 1-based number of the record being read, the header being 1.
    row: usize,
}

impl Records<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// The next record, `None` at the end. A blank line is no record.
    fn next_record(&mut self, width: usize) -> Result<Option<Vec<Option<String>>>, CsvError> {
        while matches!(self.peek(), Some(b'\n' | b'\r')) {
            self.pos += 1;
        }
        if self.peek().is_none() {
            return Ok(None);
        }
        self.row += 1;
        let mut fields = Vec::with_capacity(width);
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
        let bytes = self.text.as_bytes();
        if self.peek() == Some(b'"') {
            self.pos += 1;
            let mut value = String::new();
            // Up to each quote; a doubled quote is one quote and the value goes on.
            loop {
                let rest = &self.text[self.pos..];
                let quote = rest.find('"').ok_or(CsvError::Unclosed { row: self.row })?;
                value.push_str(&rest[..quote]);
                self.pos += quote + 1;
                if self.peek() != Some(b'"') {
                    break;
                }
                value.push('"');
                self.pos += 1;
            }
            match self.peek() {
                None => Ok((Some(value), true)),
                Some(b'\n') => {
                    self.pos += 1;
                    Ok((Some(value), true))
                }
                Some(b'\r') if matches!(bytes.get(self.pos + 1), None | Some(b'\n')) => {
                    self.pos = (self.pos + 2).min(bytes.len());
                    Ok((Some(value), true))
                }
                Some(b',') => {
                    self.pos += 1;
                    Ok((Some(value), false))
                }
                Some(_) => {
                    let found = self.text[self.pos..].chars().next().unwrap_or_default();
                    Err(CsvError::AfterQuote { row: self.row, found })
                }
            }
        } else {
            let start = self.pos;
            loop {
                let Some(at) = self.text[self.pos..].find([',', '\n', '\r']).map(|i| self.pos + i) else {
                    self.pos = bytes.len();
                    return Ok((unquoted(&self.text[start..]), true));
                };
                let value = unquoted(&self.text[start..at]);
                match (bytes[at], bytes.get(at + 1)) {
                    (b',', _) => {
                        self.pos = at + 1;
                        return Ok((value, false));
                    }
                    (b'\n', _) | (b'\r', None) => {
                        self.pos = at + 1;
                        return Ok((value, true));
                    }
                    (_, Some(b'\n')) => {
                        self.pos = at + 2;
                        return Ok((value, true));
                    }
                    // A carriage return inside a value is text.
                    _ => self.pos = at + 1,
                }
            }
        }
    }
}

/// Athena writes NULL as nothing; other writers leave plain values unquoted.
fn unquoted(value: &str) -> Option<String> {
    if value.is_empty() { None } else { Some(value.to_owned()) }
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
    fn carriage_returns_and_multibyte_text() {
        let t = parse("\"a\",\"b\"\r\nx\ry,\"é\"\"ü\"\r\n\"\",plain\r".as_bytes()).expect("csv");
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(t.rows, [vec![some("x\ry"), some("é\"ü")], vec![some(""), some("plain")]]);
        assert_eq!(parse("\"a\"\n\"x\"é".as_bytes()), Err(CsvError::AfterQuote { row: 2, found: 'é' }));
        assert_eq!(parse(b"\"a\"\n\"x\"\ry"), Err(CsvError::AfterQuote { row: 2, found: '\r' }));
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
