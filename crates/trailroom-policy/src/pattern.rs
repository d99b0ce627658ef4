//! Wildcard matching as policies do it: actions case-insensitively, ARNs segment by segment (a
//! wildcard never crosses a `:` between the first five segments), anything else as one glob.

/// Glob matching with `*` (any run, also empty) and `?` (one character).
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Whether an `Action` pattern (`s3:Get*`, `*`) names `action`; case does not matter.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    wildcard_match(&pattern.to_ascii_lowercase(), &action.to_ascii_lowercase())
}

/// Whether a `Resource` or `Arn*` pattern matches `arn`: `*` matches everything; otherwise the
/// six parts of an ARN (`arn:partition:service:region:account:resource`) are matched one by one,
/// the resource part (which may hold colons) as a whole. Patterns that are not ARNs are one glob.
pub fn arn_matches(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match (split_arn(pattern), split_arn(arn)) {
        (Some(p), Some(a)) => p.iter().zip(a.iter()).all(|(p, a)| wildcard_match(p, a)),
        _ => wildcard_match(pattern, arn),
    }
}

fn split_arn(text: &str) -> Option<[&str; 6]> {
    let mut parts = text.splitn(6, ':');
    let arn = [
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    ];
    (arn[0] == "arn").then_some(arn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("a*c", "abbbc"));
        assert!(wildcard_match("a?c", "abc"));
        assert!(!wildcard_match("a?c", "ac"));
        assert!(wildcard_match("*/AWSLogs/*", "b/AWSLogs/1/x"));
    }

    #[test]
    fn actions_ignore_case() {
        assert!(action_matches("s3:get*", "s3:GetObject"));
        assert!(action_matches("*", "a4b:CreateRoom"));
        assert!(!action_matches("s3:Put*", "s3:GetObject"));
    }

    #[test]
    fn arns_match_segment_by_segment() {
        assert!(arn_matches(
            "arn:aws:iam::*:role/*",
            "arn:aws:iam::123456789012:role/admin"
        ));
        assert!(arn_matches(
            "arn:aws:s3:::logs/*",
            "arn:aws:s3:::logs/a/b:c"
        ));
        // A wildcard in one segment does not reach into the next.
        assert!(!arn_matches("arn:aws:s3*:::logs", "arn:aws:s3:x::logs"));
        assert!(arn_matches("arn:aws:*:*:*:*", "arn:aws:s3:::logs"));
        assert!(!arn_matches("arn:aws:s3:::logs", "arn:aws:s3:::logs2"));
        // Case matters in ARNs.
        assert!(!arn_matches("arn:aws:s3:::Logs", "arn:aws:s3:::logs"));
    }
}
