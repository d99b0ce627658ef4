//! ListObjects paging: keys in UTF-8 byte order, filtered by prefix, rolled up into common
//! prefixes at the delimiter, resumed after a marker or continuation token.
//!
//! Pure logic over a `fetch(after, limit)` function that returns the next objects of the bucket in
//! key order, so it works on any store and is unit-tested without one.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::records::ObjectRecord;

/// Sorts after every character a key could continue with: `cp + SKIP` is past every key under `cp`.
const SKIP: char = '\u{10FFFF}';

/// How many objects one listing reads from the store at a time.
const BATCH: usize = 1000;

/// What one ListObjects page asks for.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    /// Only keys starting with this.
    pub prefix: String,
    /// Roll keys up at the first occurrence of this after the prefix.
    pub delimiter: Option<String>,
    /// Start strictly after this key (V1 `Marker`, V2 `StartAfter`).
    pub marker: Option<String>,
    /// Resume position from a V2 continuation token; wins over `marker`.
    pub resume: Option<String>,
    /// At most this many keys plus common prefixes.
    pub max_keys: usize,
}

/// One entry of a page, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// An object.
    Object(ObjectRecord),
    /// A common prefix (ends with the delimiter).
    Prefix(String),
}

/// A page of results.
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// Objects and common prefixes, in key order.
    pub entries: Vec<Entry>,
    /// Whether more entries follow.
    pub truncated: bool,
    /// The key or common prefix of the last entry (V1 `NextMarker`).
    pub next_marker: Option<String>,
    /// Where the next page starts (encode it as the V2 continuation token).
    pub resume: Option<String>,
}

/// Reads the next objects after a key: `(after, limit)` to at most `limit` objects in key order.
pub type Fetch<'a, E> = dyn FnMut(&str, usize) -> Result<Vec<ObjectRecord>, E> + 'a;

/// Lists one page. `fetch(after, limit)` returns up to `limit` objects with keys strictly greater
/// than `after` (all keys when `after` is empty), in key order.
pub fn list_page<E>(params: &ListParams, fetch: &mut Fetch<'_, E>) -> Result<Page, E> {
    let mut page = Page::default();
    if params.max_keys == 0 {
        return Ok(page);
    }
    let prefix = params.prefix.as_str();
    let delimiter = params.delimiter.as_deref().filter(|d| !d.is_empty());
    let mut cursor = start_cursor(params, delimiter);
    loop {
        let batch = fetch(&cursor, BATCH)?;
        let exhausted = batch.len() < BATCH;
        let mut refetch = false;
        for object in batch {
            let key = object.key.clone();
            if !key.starts_with(prefix) {
                if key.as_str() > prefix {
                    return Ok(page); // past the prefix range: nothing more can match
                }
                cursor = key;
                continue;
            }
            if page.entries.len() == params.max_keys {
                page.truncated = true;
                return Ok(page);
            }
            if let Some(cp) = delimiter.and_then(|d| common_prefix(&key, prefix, d)) {
                cursor = format!("{cp}{SKIP}");
                page.next_marker = Some(cp.clone());
                page.resume = Some(cursor.clone());
                page.entries.push(Entry::Prefix(cp));
                refetch = true;
                break;
            }
            cursor = key.clone();
            page.next_marker = Some(key);
            page.resume = Some(cursor.clone());
            page.entries.push(Entry::Object(object));
        }
        if exhausted && !refetch {
            return Ok(page);
        }
    }
}

/// The exclusive start position: after the token, the marker, or just before the prefix.
fn start_cursor(params: &ListParams, delimiter: Option<&str>) -> String {
    if let Some(resume) = &params.resume {
        return resume.clone();
    }
    let mut cursor = params.marker.clone().unwrap_or_default();
    // A marker that is itself a common prefix (a V1 NextMarker) resumes after everything under it.
    if let Some(d) = delimiter
        && common_prefix(&cursor, &params.prefix, d).as_deref() == Some(cursor.as_str())
    {
        cursor.push(SKIP);
    }
    if cursor.as_str() < params.prefix.as_str() {
        cursor = just_before(&params.prefix);
    }
    cursor
}

/// `prefix` + what follows it up to and including the first `delimiter`, if the key has one.
fn common_prefix(key: &str, prefix: &str, delimiter: &str) -> Option<String> {
    let rest = key.strip_prefix(prefix)?;
    let end = rest.find(delimiter)? + delimiter.len();
    Some(format!("{prefix}{}", &rest[..end]))
}

/// A position sorting before `s` and after everything that sorts before `s` and could be a key
/// starting with `s`'s first characters, so that `> just_before(s)` means `>= s` for keys.
fn just_before(s: &str) -> String {
    let mut out = s.to_owned();
    let Some(last) = out.pop() else {
        return out;
    };
    let previous = match last as u32 {
        0 => return out,
        0xE000 => Some('\u{D7FF}'),
        n => char::from_u32(n - 1),
    };
    if let Some(previous) = previous {
        out.push(previous);
        out.push(SKIP);
    }
    out
}

/// Characters S3 leaves alone with `encoding-type=url`: unreserved ones and `/`.
const URL_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// A key as S3 writes it with `encoding-type=url` (clients decode with `unquote_plus`).
pub fn url_encode(text: &str) -> String {
    utf8_percent_encode(text, URL_SET).to_string()
}

/// A V2 continuation token: the resume position, hex-encoded so it survives any XML and URL.
pub fn encode_token(resume: &str) -> String {
    hex::encode(resume)
}

/// The resume position of a V2 continuation token; `None` if it is not one of ours.
pub fn decode_token(token: &str) -> Option<String> {
    hex::decode(token)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objects(keys: &[&str]) -> Vec<ObjectRecord> {
        let mut keys: Vec<&str> = keys.to_vec();
        keys.sort();
        keys.iter()
            .map(|k| ObjectRecord {
                bucket: "b".into(),
                key: (*k).into(),
                size: 0,
                etag: String::new(),
                content_type: String::new(),
                headers: Default::default(),
                metadata: Default::default(),
                last_modified_ms: 0,
                blob: String::new(),
            })
            .collect()
    }

    fn run(all: &[ObjectRecord], params: &ListParams) -> (Vec<String>, Page) {
        let mut fetch = |after: &str, limit: usize| {
            Ok::<_, ()>(
                all.iter()
                    .filter(|o| o.key.as_str() > after)
                    .take(limit)
                    .cloned()
                    .collect(),
            )
        };
        let page = list_page(params, &mut fetch).unwrap();
        let names = page
            .entries
            .iter()
            .map(|e| match e {
                Entry::Object(o) => o.key.clone(),
                Entry::Prefix(p) => format!("P:{p}"),
            })
            .collect();
        (names, page)
    }

    #[test]
    fn prefix_marker_and_paging() {
        let all = objects(&["a", "b/1", "b/2", "b/3", "c"]);
        let params = ListParams {
            prefix: "b/".into(),
            max_keys: 2,
            ..Default::default()
        };
        let (names, page) = run(&all, &params);
        assert_eq!(names, ["b/1", "b/2"]);
        assert!(page.truncated);
        assert_eq!(page.next_marker.as_deref(), Some("b/2"));
        let params = ListParams {
            marker: page.next_marker,
            ..params
        };
        let (names, page) = run(&all, &params);
        assert_eq!(names, ["b/3"]);
        assert!(!page.truncated);
    }

    #[test]
    fn delimiter_rolls_up_and_resumes_after_common_prefix() {
        let all = objects(&["a", "b/1", "b/2", "c/x/1", "d"]);
        let params = ListParams {
            delimiter: Some("/".into()),
            max_keys: 2,
            ..Default::default()
        };
        let (names, page) = run(&all, &params);
        assert_eq!(names, ["a", "P:b/"]);
        assert!(page.truncated);
        let v1 = ListParams {
            marker: page.next_marker.clone(),
            ..params.clone()
        };
        assert_eq!(run(&all, &v1).0, ["P:c/", "d"]);
        let v2 = ListParams {
            resume: page.resume.clone(),
            ..params
        };
        assert_eq!(run(&all, &v2).0, ["P:c/", "d"]);
    }

    #[test]
    fn many_keys_cross_fetch_batches() {
        let keys: Vec<String> = (0..2500).map(|i| format!("k/{i:05}")).collect();
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        let all = objects(&refs);
        let mut params = ListParams {
            prefix: "k/".into(),
            max_keys: 1000,
            ..Default::default()
        };
        let mut seen = Vec::new();
        loop {
            let (names, page) = run(&all, &params);
            seen.extend(names);
            if !page.truncated {
                break;
            }
            params.marker = page.next_marker;
        }
        assert_eq!(seen, keys);
    }

    #[test]
    fn marker_before_prefix_starts_at_prefix() {
        let all = objects(&["a", "abc", "abd", "b"]);
        let params = ListParams {
            prefix: "abc".into(),
            marker: Some("a".into()),
            max_keys: 10,
            ..Default::default()
        };
        assert_eq!(run(&all, &params).0, ["abc"]);
        assert!(just_before("abc").as_str() < "abc");
        assert!(just_before("abc").as_str() > "abbz");
    }

    #[test]
    fn url_encoding_and_tokens() {
        assert_eq!(url_encode("a b+c/é~"), "a%20b%2Bc/%C3%A9~");
        assert_eq!(decode_token(&encode_token("x/y")).as_deref(), Some("x/y"));
        assert_eq!(decode_token("zz"), None);
    }
}
