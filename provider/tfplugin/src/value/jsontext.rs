//! A small JSON reader that keeps numbers as their source text.
//!
//! Why not serde_json::Value: without serde_json's `arbitrary_precision` feature its
//! numbers are f64/i64/u64 and lose digits (Terraform state may hold numbers such as
//! 12345678901234567890.123456789). That feature, once enabled by any crate, is switched
//! on for every user of serde_json in the whole build (cargo unifies features) and
//! changes how they all see numbers, so we keep the raw text ourselves instead. String
//! unescaping is still delegated to serde_json, which does it correctly.

use std::collections::HashSet;

/// A parsed JSON document; object members keep their order and duplicates are reported.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    /// The number exactly as written in the source.
    Number(String),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// A short name for messages.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "bool",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }
}

/// Why a document is not JSON, and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{what} at byte {at}")]
pub(crate) struct SyntaxError {
    pub(crate) what: String,
    pub(crate) at: usize,
}

/// Deep enough for any real schema or state (a nested block is two levels), shallow enough
/// that recursion cannot exhaust the stack: decoding a value this deep takes about 0.5 MiB
/// in a debug build; 256 levels needed more than a 2 MiB thread (a tokio worker's) has.
pub(crate) const MAX_DEPTH: usize = 64;

/// Parses a complete JSON document.
pub(crate) fn parse(src: &[u8]) -> Result<Json, SyntaxError> {
    let mut p = Parser { src, pos: 0, depth: 0 };
    p.skip_ws();
    let v = p.value()?;
    p.skip_ws();
    if p.pos != src.len() {
        return Err(p.err("trailing characters after the JSON value"));
    }
    Ok(v)
}

struct Parser<'a> {
    src: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn err(&self, what: &str) -> SyntaxError {
        SyntaxError { what: what.to_owned(), at: self.pos }
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn literal(&mut self, word: &str, v: Json) -> Result<Json, SyntaxError> {
        if self.src[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.err("invalid literal"))
        }
    }

    fn value(&mut self) -> Result<Json, SyntaxError> {
        match self.peek() {
            None => Err(self.err("unexpected end of input")),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'"') => self.string().map(Json::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => self.nested(Self::array),
            Some(b'{') => self.nested(Self::object),
            Some(_) => Err(self.err("unexpected character")),
        }
    }

    fn nested(&mut self, f: fn(&mut Self) -> Result<Json, SyntaxError>) -> Result<Json, SyntaxError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.err("nesting too deep"));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Json, SyntaxError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.err("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.err("invalid number"));
            }
        }
        // Only ASCII was consumed, so this slice is valid UTF-8.
        let text = String::from_utf8_lossy(&self.src[start..self.pos]).into_owned();
        Ok(Json::Number(text))
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut escaped = false;
        loop {
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    // Skipping the escaped byte is enough to not stop at `\"`; serde_json
                    // validates the escape itself below.
                    self.pos += 2;
                }
                Some(0..=0x1f) => return Err(self.err("control character in string")),
                Some(_) => self.pos += 1,
            }
        }
        self.pos += 1;
        let raw = &self.src[start..self.pos];
        if escaped {
            serde_json::from_slice::<String>(raw).map_err(|e| self.err(&format!("invalid string: {e}")))
        } else {
            std::str::from_utf8(&raw[1..raw.len() - 1])
                .map(str::to_owned)
                .map_err(|_| self.err("string is not valid UTF-8"))
        }
    }

    fn array(&mut self) -> Result<Json, SyntaxError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value()?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.err("expected ',' or ']'")),
            }
        }
    }

    fn object(&mut self) -> Result<Json, SyntaxError> {
        self.pos += 1;
        let mut members: Vec<(String, Json)> = Vec::new();
        // Duplicates are looked up here, not by scanning `members`: that was quadratic, and a
        // state file's map of 50,000 entries took seconds.
        let mut seen: HashSet<String> = HashSet::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a string key"));
            }
            let key = self.string()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.err("expected ':'"));
            }
            self.pos += 1;
            self.skip_ws();
            let v = self.value()?;
            if !seen.insert(key.clone()) {
                return Err(self.err(&format!("duplicate key {key:?}")));
            }
            members.push((key, v));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Object(members));
                }
                _ => return Err(self.err("expected ',' or '}'")),
            }
        }
    }
}

/// Appends `s` as a JSON string literal.
pub(crate) fn write_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => {
                out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes());
            }
            c => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_documents() {
        let doc = br#" {"a": [1, -2.5e+3, "x\"y\u00e9", true, false, null], "b": {}} "#;
        let j = parse(doc).unwrap();
        assert_eq!(
            j,
            Json::Object(vec![
                (
                    "a".into(),
                    Json::Array(vec![
                        Json::Number("1".into()),
                        Json::Number("-2.5e+3".into()),
                        Json::String("x\"y\u{e9}".into()),
                        Json::Bool(true),
                        Json::Bool(false),
                        Json::Null,
                    ])
                ),
                ("b".into(), Json::Object(vec![])),
            ])
        );
    }

    #[test]
    fn keeps_number_text() {
        let j = parse(b"12345678901234567890.123456789").unwrap();
        assert_eq!(j, Json::Number("12345678901234567890.123456789".into()));
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            &b""[..],
            b"[1,]",
            b"{\"a\" 1}",
            b"01",
            b"1.",
            b"-",
            b"\"abc",
            b"[1] x",
            b"{\"a\":1,\"a\":2}",
            b"nul",
            b"\"\\q\"",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let deep = "[".repeat(1000) + &"]".repeat(1000);
        assert!(parse(deep.as_bytes()).is_err());
    }

    #[test]
    fn many_keys_parse_in_linear_time() {
        // Found by timing the property tests' inputs: the duplicate check was quadratic.
        let members: Vec<String> = (0..100_000).map(|i| format!("\"k{i}\":{i}")).collect();
        let doc = format!("{{{}}}", members.join(","));
        let started = std::time::Instant::now();
        let Json::Object(parsed) = parse(doc.as_bytes()).unwrap() else { panic!("an object") };
        assert_eq!(parsed.len(), 100_000);
        assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
        let dup = format!("{{{},\"k7\":0}}", members.join(","));
        assert!(parse(dup.as_bytes()).unwrap_err().what.contains("duplicate key \"k7\""));
    }

    #[test]
    fn writes_escaped_strings() {
        let mut out = Vec::new();
        write_string(&mut out, "a\"b\\c\n\u{1}é");
        assert_eq!(String::from_utf8(out.clone()).unwrap(), "\"a\\\"b\\\\c\\n\\u0001é\"");
        assert_eq!(parse(&out).unwrap(), Json::String("a\"b\\c\n\u{1}é".into()));
    }
}
