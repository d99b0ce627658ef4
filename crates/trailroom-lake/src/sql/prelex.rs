//! Quoting AWS's table names before parsing: CloudTrail Lake writes an event data store's id
//! bare after `FROM` and `JOIN` (`FROM EXAMPLEf852-4e8f-8bd1-bcf6cEXAMPLE`), which no SQL
//! dialect reads as one name. Text inside quotes and comments is left alone.

use std::sync::LazyLock;

use regex::Regex;

static BARE_TABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(from|join)(\s+)([A-Za-z0-9_]+(?:-[A-Za-z0-9_]+)+)").expect("valid pattern")
});

/// `statement` with every hyphenated name after `FROM` or `JOIN` in double quotes.
pub fn quote_table_ids(statement: &str) -> String {
    let mut out = String::with_capacity(statement.len() + 8);
    for (code, text) in segments(statement) {
        if code {
            out.push_str(&BARE_TABLE.replace_all(text, "$1$2\"$3\""));
        } else {
            out.push_str(text);
        }
    }
    out
}

/// The statement cut into code and non-code (quoted text, comments), in order.
fn segments(statement: &str) -> Vec<(bool, &str)> {
    let bytes = statement.as_bytes();
    let mut parts = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        let end = match (bytes[i], bytes.get(i + 1)) {
            (b'\'' | b'"' | b'`', _) => Some(closing_quote(bytes, i)),
            (b'-', Some(b'-')) => Some(find_from(bytes, i, b"\n").unwrap_or(bytes.len())),
            (b'/', Some(b'*')) => {
                Some(find_from(bytes, i + 2, b"*/").map_or(bytes.len(), |e| e + 2))
            }
            _ => None,
        };
        match end {
            Some(end) => {
                parts.push((true, &statement[start..i]));
                parts.push((false, &statement[i..end]));
                start = end;
                i = end;
            }
            None => i += 1,
        }
    }
    parts.push((true, &statement[start..]));
    parts
}

/// The index after the quote closing the one at `open` (a doubled quote is an escape).
fn closing_quote(bytes: &[u8], open: usize) -> usize {
    let quote = bytes[open];
    let mut i = open + 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

fn find_from(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_ids_after_from_and_join_are_quoted() {
        assert_eq!(
            quote_table_ids("SELECT * FROM EXAMPLEf852-4e8f-8bd1 WHERE x = 1"),
            "SELECT * FROM \"EXAMPLEf852-4e8f-8bd1\" WHERE x = 1"
        );
        assert_eq!(
            quote_table_ids("select a from b1-c2 t join d3-e4 u on t.x = u.x"),
            "select a from \"b1-c2\" t join \"d3-e4\" u on t.x = u.x"
        );
    }

    #[test]
    fn plain_names_quotes_and_comments_are_left_alone() {
        for text in [
            "SELECT * FROM events",
            "SELECT 'from a-b' FROM \"x-y\"",
            "SELECT 1 -- from a-b\nFROM t",
            "SELECT 1 /* join a-b */ FROM t",
            "SELECT 'it''s from a-b' FROM t",
        ] {
            assert_eq!(quote_table_ids(text), text);
        }
    }

    #[test]
    fn unterminated_quotes_do_not_panic() {
        for text in [
            "SELECT 'from a-b",
            "SELECT /* from a-b",
            "\"",
            "'",
            "--",
            "/*",
        ] {
            let _ = quote_table_ids(text);
        }
    }
}
