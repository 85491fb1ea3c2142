//! The question as the rules read it: its words (as written and lowercased), which of them a rule
//! has already taken as a value, and the time it was asked.

use time::OffsetDateTime;

/// A word of the question: as written (tag values and account names keep their case) and
/// lowercased (for matching).
#[derive(Clone, Debug)]
pub(super) struct Token {
    pub raw: String,
    pub low: String,
    pub quoted: bool,
}

/// The token stream every rule reads.
#[derive(Debug)]
pub(super) struct Words {
    pub tokens: Vec<Token>,
    /// The lowercased words joined by single spaces, for phrases ("how many", "in progress").
    pub text: String,
    /// Words a rule took as a value (a service word, a region, a tag): later rules leave them
    /// alone, so `in account prod-web` is not also read as a tag.
    pub used: Vec<bool>,
    /// When the question was asked, in UTC.
    pub now: OffsetDateTime,
}

impl Words {
    pub fn new(question: &str, now: OffsetDateTime) -> Self {
        let tokens = tokenize(question);
        let text = tokens.iter().map(|t| t.low.as_str()).collect::<Vec<_>>().join(" ");
        let used = vec![false; tokens.len()];
        Words { tokens, text, used, now: now.to_offset(time::UtcOffset::UTC) }
    }

    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// The `i`th word lowercased; "" past the end.
    pub fn low(&self, i: usize) -> &str {
        self.tokens.get(i).map_or("", |t| t.low.as_str())
    }

    /// The word before the `i`th; "" before the first.
    pub fn prev(&self, i: usize) -> &str {
        i.checked_sub(1).map_or("", |p| self.low(p))
    }

    pub fn next(&self, i: usize) -> &str {
        self.low(i + 1)
    }

    /// Every word lowercased, in order.
    pub fn lows(&self) -> impl Iterator<Item = &str> {
        self.tokens.iter().map(|t| t.low.as_str())
    }
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        if c == '"' || c == '\'' || c == '“' || c == '‘' {
            chars.next();
            let close = match c {
                '“' => '”',
                '‘' => '’',
                other => other,
            };
            let word: String = chars.by_ref().take_while(|&d| d != close).collect();
            tokens.push(Token { low: word.to_lowercase(), raw: word, quoted: true });
            continue;
        }
        let mut word = String::new();
        while let Some(&d) = chars.peek() {
            if d.is_whitespace() {
                break;
            }
            // A quote right after `=` or `:` opens the value (`Name="web server"`).
            if (d == '"' || d == '\'') && (word.ends_with('=') || word.ends_with(':')) {
                chars.next();
                word.extend(chars.by_ref().take_while(|&e| e != d));
                continue;
            }
            word.push(d);
            chars.next();
        }
        let trimmed = word.trim_matches(|d: char| matches!(d, ',' | ';' | '!' | '?' | '(' | ')' | '.' | '[' | ']'));
        if !trimmed.is_empty() {
            tokens.push(Token { raw: trimmed.to_owned(), low: trimmed.to_lowercase(), quoted: false });
        }
    }
    merge_equals(tokens)
}

/// `env = prod` and `env =prod` become one `env=prod` token.
fn merge_equals(tokens: Vec<Token>) -> Vec<Token> {
    let mut merged: Vec<Token> = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        let has_next = i + 1 < tokens.len();
        if !t.quoted && t.raw.starts_with('=') && t.raw.len() > 1 && !merged.is_empty() {
            let prev = merged.pop().unwrap_or_else(|| t.clone());
            merged.push(join(&prev, t));
        } else if !t.quoted && t.raw == "=" && !merged.is_empty() && has_next {
            let prev = merged.pop().unwrap_or_else(|| t.clone());
            merged.push(join(&join(&prev, t), &tokens[i + 1]));
            i += 1;
        } else if !t.quoted && t.raw.ends_with('=') && t.raw.len() > 1 && has_next {
            merged.push(join(t, &tokens[i + 1]));
            i += 1;
        } else {
            merged.push(t.clone());
        }
        i += 1;
    }
    merged
}

fn join(a: &Token, b: &Token) -> Token {
    Token { raw: format!("{}{}", a.raw, b.raw), low: format!("{}{}", a.low, b.low), quoted: false }
}

const STOPWORDS: [&str; 40] = [
    "a", "all", "and", "any", "are", "across", "as", "at", "by", "each", "every", "for", "from", "has", "have", "in",
    "is", "its", "last", "my", "of", "on", "or", "our", "past", "since", "that", "the", "their", "them", "there",
    "these", "this", "to", "where", "which", "with", "whose", "named", "called",
];

/// A word that is never a tag key or an account name.
pub(super) fn is_stopword(s: &str) -> bool {
    STOPWORDS.contains(&s)
}

/// `three` or `3` (up to four digits).
pub(super) fn word_number(s: &str) -> Option<i64> {
    const WORDS: [&str; 12] =
        ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];
    if let Some(i) = WORDS.iter().position(|w| *w == s) {
        return Some(i as i64 + 1);
    }
    if s.len() <= 4 && !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) { s.parse().ok() } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_table() {
        // (question, the tokens as written, a quoted one in «»)
        #[rustfmt::skip]
        let rows: &[(&str, &[&str])] = &[
            ("list EC2 instances?", &["list", "EC2", "instances"]),
            ("(buckets), please.", &["buckets", "please"]),
            ("servers where Name = \"web server\"", &["servers", "where", "Name=web server"]),
            ("tagged env =prod", &["tagged", "env=prod"]),
            ("tagged env= prod", &["tagged", "env=prod"]),
            ("tagged Name=\"web server\" now", &["tagged", "Name=web server", "now"]),
            ("team:'data eng'", &["team:data eng"]),
            ("account named “Log Archive”", &["account", "named", "«Log Archive»"]),
            ("= prod", &["=", "prod"]),
            ("", &[]),
        ];
        for (question, want) in rows {
            let got: Vec<String> =
                tokenize(question).into_iter().map(|t| if t.quoted { format!("«{}»", t.raw) } else { t.raw }).collect();
            assert_eq!(got, *want, "{question:?}");
        }
    }

    #[test]
    fn words_around_a_position() {
        let w = Words::new("How many DB instances", time::OffsetDateTime::UNIX_EPOCH);
        assert_eq!(w.text, "how many db instances");
        assert_eq!((w.prev(0), w.low(2), w.next(3)), ("", "db", ""));
        assert_eq!(w.prev(3), "db");
    }

    #[test]
    fn numbers_in_words_or_digits() {
        let rows =
            [("three", Some(3)), ("12", Some(12)), ("twelve", Some(12)), ("12345", None), ("", None), ("x1", None)];
        for (word, want) in rows {
            assert_eq!(word_number(word), want, "{word:?}");
        }
    }
}
