//! Name conversions between botocore spellings and Rust / CloudTrail spellings.
//!
//! - Rust fields and methods: `snake_case` (`RegisterAVSDevice` → `register_avs_device`).
//! - CloudTrail `requestParameters` keys and validation paths: the Java-bean style AWS uses, which
//!   lowercases the first character only (`IPDialIn` → `iPDialIn`, `S3BucketName` → `s3BucketName`).
//! - Statics: `SCREAMING_SNAKE_CASE`.

/// Rust keywords that cannot be field or method names as they are.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "dyn", "else", "enum",
    "extern", "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod",
    "move", "mut", "override", "priv", "pub", "ref", "return", "self", "static", "struct", "super",
    "trait", "true", "try", "type", "typeof", "unsafe", "use", "where", "while", "yield",
];

/// `snake_case` of a botocore name: a word starts at an upper-case letter that follows a
/// lower-case letter or digit, or that ends a run of capitals (`AVSDevice` → `avs_device`).
pub fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let starts_word = prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower);
            if starts_word {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A Rust identifier for a member or operation: `snake_case`, with `_` appended to keywords.
pub fn rust_ident(name: &str) -> String {
    let snake = snake_case(name);
    if KEYWORDS.contains(&snake.as_str()) {
        format!("{snake}_")
    } else {
        snake
    }
}

/// CloudTrail's key spelling: the first character lower-cased, the rest untouched.
pub fn lower_camel(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `SCREAMING_SNAKE_CASE` of a botocore name, for statics.
pub fn screaming_snake(name: &str) -> String {
    snake_case(name).to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_splits_acronyms_and_digits() {
        assert_eq!(snake_case("RoomArn"), "room_arn");
        assert_eq!(snake_case("RegisterAVSDevice"), "register_avs_device");
        assert_eq!(snake_case("IPDialIn"), "ip_dial_in");
        assert_eq!(snake_case("PSTNEnabled"), "pstn_enabled");
        assert_eq!(snake_case("S3BucketName"), "s3_bucket_name");
        assert_eq!(snake_case("SQL"), "sql");
        assert_eq!(snake_case("trailNameList"), "trail_name_list");
        assert_eq!(
            snake_case("CloudWatchLogsLogGroupArn"),
            "cloud_watch_logs_log_group_arn"
        );
    }

    #[test]
    fn keywords_get_a_trailing_underscore() {
        assert_eq!(rust_ident("Type"), "type_");
        assert_eq!(rust_ident("Types"), "types");
    }

    #[test]
    fn lower_camel_lowercases_the_first_character_only() {
        assert_eq!(lower_camel("RoomArn"), "roomArn");
        assert_eq!(lower_camel("S3BucketName"), "s3BucketName");
        assert_eq!(lower_camel("IPDialIn"), "iPDialIn");
        assert_eq!(lower_camel("SQL"), "sQL");
        assert_eq!(lower_camel("trailList"), "trailList");
        assert_eq!(lower_camel(""), "");
    }

    #[test]
    fn screaming_snake_for_statics() {
        assert_eq!(screaming_snake("RoomName"), "ROOM_NAME");
        assert_eq!(
            screaming_snake("CurrentWiFiPassword"),
            "CURRENT_WI_FI_PASSWORD"
        );
    }
}
