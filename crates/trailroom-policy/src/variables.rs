//! Policy variables in `Resource` and condition values: `${aws:username}`,
//! `${aws:PrincipalTag/team}`, defaults (`${aws:username, 'nobody'}`) and the escapes `${*}`,
//! `${?}`, `${$}`. A variable with no value and no default makes the text unusable: the element
//! it is in matches nothing.

use crate::context::Context;

/// `text` with its variables replaced from `context`; `None` when one has no value.
pub fn substitute(text: &str, context: &Context) -> Option<String> {
    if !text.contains("${") {
        return Some(text.to_owned());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return Some(out);
        };
        out.push_str(&value(&after[..end], context)?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

fn value(inner: &str, context: &Context) -> Option<String> {
    match inner {
        "*" => return Some("*".into()),
        "?" => return Some("?".into()),
        "$" => return Some("$".into()),
        _ => {}
    }
    let (key, default) = match inner.split_once(',') {
        Some((key, default)) => {
            let default = default.trim();
            let quoted = default
                .strip_prefix('\'')
                .and_then(|d| d.strip_suffix('\''));
            (key.trim(), quoted)
        }
        None => (inner.trim(), None),
    };
    context
        .first(key)
        .map(str::to_owned)
        .or_else(|| default.map(str::to_owned))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_defaults_and_escapes() {
        let context: Context = [("aws:username", "alice"), ("aws:PrincipalTag/team", "blue")]
            .into_iter()
            .collect();
        let s = |t: &str| substitute(t, &context);
        assert_eq!(
            s("arn:aws:s3:::home/${aws:username}/*").unwrap(),
            "arn:aws:s3:::home/alice/*"
        );
        assert_eq!(s("${aws:principaltag/team}").unwrap(), "blue");
        assert_eq!(s("${aws:userid, 'none'}").unwrap(), "none");
        assert_eq!(s("${*}${?}${$}").unwrap(), "*?$");
        assert_eq!(s("${aws:userid}"), None);
    }
}
