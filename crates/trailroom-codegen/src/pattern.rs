//! Translation of the models' Java regular expressions into Rust `regex` syntax.
//!
//! AWS validates `pattern` with `java.util.regex` and a whole-string match. The Rust `regex` crate
//! differs in a few places the models use, so patterns are rewritten token by token:
//! - the "printable" class of the A4B model (`[\u0009…\u10000-\u10FFFF]*`, which Java itself
//!   reads oddly: `\u10000` is `\u1000` then `0`) becomes a char predicate, [`Translated::Printable`];
//! - `\uXXXX` becomes `\x{XXXX}`, and a UTF-16 surrogate pair `\uD800\uDC00` becomes one code point;
//! - `\p{IsLetter}` becomes `\p{L}`;
//! - `\w \d \s` and their negations become Java's ASCII classes (Rust's are Unicode);
//! - `\S+{1,256}` (a quantified quantifier Java tolerates) becomes `\S{1,256}`;
//! - escaped punctuation is re-escaped only where Rust treats it as a metacharacter.
//!
//! Anything else Java-specific (back-references, `\Q…\E`, octal, possessive quantifiers, lone
//! surrogates, an ambiguous 5-digit `\u`) is an error: the generator stops instead of guessing.
//! Every translation is compiled with `regex` before it is emitted.

use anyhow::{Context, Result, bail};

/// The A4B model's class of "printable" characters: no control characters but TAB, LF and CR.
pub const PRINTABLE_CLASS: &str =
    r"[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]*";

/// Whole-pattern rewrites of Java quirks, applied before tokenizing: (from, to).
const REWRITES: &[(&str, &str)] = &[(r"\S+{1,256}", r"\S{1,256}")];

/// Java's ASCII-only shorthand classes, as Rust classes (valid inside a class too, as a nested
/// class).
const SHORTHANDS: &[(char, &str)] = &[
    ('w', "[0-9A-Za-z_]"),
    ('W', "[^0-9A-Za-z_]"),
    ('d', "[0-9]"),
    ('D', "[^0-9]"),
    ('s', r"[\t\n\x0B\x0C\r ]"),
    ('S', r"[^\t\n\x0B\x0C\r ]"),
];

/// Characters Rust's `regex` treats as metacharacters (the set `regex::escape` escapes).
const RUST_META: &str = r"\.+*?()|[]{}^$#&-~";

/// Unicode general categories that mean the same in Java and Rust.
const CATEGORIES: &[&str] = &[
    "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc",
    "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z", "Zs", "Zl", "Zp", "C",
    "Cc", "Cf", "Co", "Cn",
];

/// How a model pattern is checked at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Translated {
    /// The "printable" class: checked with `trailroom_model::is_printable`.
    Printable,
    /// An anchored Rust regex (`^(?:…)$`) equivalent to a whole-string Java match.
    Regex(String),
}

/// Translates a Java pattern, failing on anything it cannot carry over faithfully.
pub fn translate(java: &str) -> Result<Translated> {
    if java == PRINTABLE_CLASS {
        return Ok(Translated::Printable);
    }
    let mut source = java.to_owned();
    for (from, to) in REWRITES {
        source = source.replace(from, to);
    }
    let body = translate_tokens(&source).with_context(|| format!("pattern {java:?}"))?;
    let anchored = format!("^(?:{body})$");
    regex::Regex::new(&anchored)
        .with_context(|| format!("pattern {java:?} translated to {anchored:?} does not compile"))?;
    Ok(Translated::Regex(anchored))
}

/// Rewrites escapes one token at a time; everything else is copied.
fn translate_tokens(source: &str) -> Result<String> {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len() + 16);
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' {
            i = translate_escape(&chars, i, &mut out)?;
        } else {
            check_possessive(&chars, i)?;
            out.push(chars[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// Rejects Java's possessive quantifiers (`*+`, `++`, `?+`, `}+`), which Rust lacks.
fn check_possessive(chars: &[char], i: usize) -> Result<()> {
    let quantifier = matches!(chars[i], '*' | '+' | '?' | '}');
    let escaped = i > 0 && chars[i - 1] == '\\';
    if quantifier && !escaped && chars.get(i + 1) == Some(&'+') {
        bail!("possessive quantifier at offset {i} has no Rust equivalent");
    }
    Ok(())
}

/// Translates the escape starting at `chars[at] == '\\'`; returns the index after it.
fn translate_escape(chars: &[char], at: usize, out: &mut String) -> Result<usize> {
    let Some(&c) = chars.get(at + 1) else {
        bail!("trailing backslash")
    };
    match c {
        'u' => translate_unicode_escape(chars, at, out),
        'x' => Ok(copy_hex_escape(chars, at, out)),
        'p' | 'P' => translate_property(chars, at, out),
        't' | 'n' | 'r' | 'f' => {
            out.push('\\');
            out.push(c);
            Ok(at + 2)
        }
        _ if c.is_ascii_alphanumeric() => match SHORTHANDS.iter().find(|(s, _)| *s == c) {
            Some((_, class)) => {
                out.push_str(class);
                Ok(at + 2)
            }
            None => bail!("unsupported escape \\{c} at offset {at}"),
        },
        _ if c.is_ascii() => {
            if RUST_META.contains(c) {
                out.push('\\');
            }
            out.push(c);
            Ok(at + 2)
        }
        _ => bail!("unsupported escape of non-ASCII {c:?} at offset {at}"),
    }
}

/// `\uXXXX` (or a surrogate pair of them) → `\x{…}`.
fn translate_unicode_escape(chars: &[char], at: usize, out: &mut String) -> Result<usize> {
    let unit = read_hex4(chars, at + 2)?;
    let mut end = at + 6;
    let code_point = if (0xD800..0xDC00).contains(&unit) {
        let low = (chars.get(end) == Some(&'\\') && chars.get(end + 1) == Some(&'u'))
            .then(|| read_hex4(chars, end + 2))
            .transpose()?
            .filter(|low| (0xDC00..0xE000).contains(low));
        let Some(low) = low else {
            bail!("lone high surrogate \\u{unit:04X} at offset {at}")
        };
        end += 6;
        0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
    } else if (0xDC00..0xE000).contains(&unit) {
        bail!("lone low surrogate \\u{unit:04X} at offset {at}");
    } else {
        unit
    };
    if chars.get(end).is_some_and(char::is_ascii_hexdigit) {
        bail!("ambiguous escape at offset {at}: Java reads only 4 hex digits after \\u");
    }
    out.push_str(&format!("\\x{{{code_point:X}}}"));
    Ok(end)
}

/// Reads exactly four hex digits starting at `from`.
fn read_hex4(chars: &[char], from: usize) -> Result<u32> {
    let digits: String = chars.iter().skip(from).take(4).collect();
    if digits.len() != 4 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        bail!(
            "\\u at offset {} needs four hex digits",
            from.saturating_sub(2)
        );
    }
    Ok(u32::from_str_radix(&digits, 16)?)
}

/// `\xhh` and `\x{h…}` mean the same in Java and Rust: copy them.
fn copy_hex_escape(chars: &[char], at: usize, out: &mut String) -> usize {
    let mut end = at + 2;
    if chars.get(end) == Some(&'{') {
        while end < chars.len() && chars[end] != '}' {
            end += 1;
        }
        end += 1;
    } else {
        end += 2;
    }
    let end = end.min(chars.len());
    out.extend(&chars[at..end]);
    end
}

/// `\p{…}` / `\P{…}`: general categories carry over, `IsLetter` / `IsXx` map to categories.
fn translate_property(chars: &[char], at: usize, out: &mut String) -> Result<usize> {
    let negated = chars[at + 1] == 'P';
    let (name, end) = if chars.get(at + 2) == Some(&'{') {
        let close = chars[at + 3..]
            .iter()
            .position(|&c| c == '}')
            .with_context(|| format!("unclosed \\p{{ at offset {at}"))?;
        (
            chars[at + 3..at + 3 + close].iter().collect::<String>(),
            at + 4 + close,
        )
    } else {
        let Some(&c) = chars.get(at + 2) else {
            bail!("\\p without a name at offset {at}")
        };
        (c.to_string(), at + 3)
    };
    let category = match name.as_str() {
        "IsLetter" => "L",
        other => other.strip_prefix("Is").unwrap_or(other),
    };
    if !CATEGORIES.contains(&category) {
        bail!("unsupported Unicode property \\p{{{name}}} at offset {at}");
    }
    out.push_str(&format!(
        "\\{}{{{category}}}",
        if negated { 'P' } else { 'p' }
    ));
    Ok(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rust(java: &str) -> String {
        match translate(java).unwrap() {
            Translated::Regex(r) => r,
            Translated::Printable => panic!("unexpected printable"),
        }
    }

    fn matches(java: &str, s: &str) -> bool {
        regex::Regex::new(&rust(java)).unwrap().is_match(s)
    }

    #[test]
    fn printable_class_becomes_a_predicate() {
        assert_eq!(translate(PRINTABLE_CLASS).unwrap(), Translated::Printable);
    }

    #[test]
    fn is_letter_becomes_category_l() {
        let java = r"([A-Za-z\-' 0-9._]|\p{IsLetter})*";
        assert_eq!(rust(java), r"^(?:([A-Za-z\-' 0-9._]|\p{L})*)$");
        assert!(matches(java, "Zoë O'Neil-Smith"));
        assert!(!matches(java, "a!b"));
    }

    #[test]
    fn quantified_quantifier_is_rewritten() {
        let java = r"^\S+{1,256}$";
        assert!(matches(java, "abc"));
        assert!(!matches(java, "a b"));
        assert!(!matches(java, &"x".repeat(257)));
    }

    #[test]
    fn unicode_escapes_and_surrogate_pairs() {
        let java = r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF\t]*";
        assert_eq!(
            rust(java),
            r"^(?:[\x{20}-\x{D7FF}\x{E000}-\x{FFFD}\x{10000}-\x{10FFFF}\t]*)$"
        );
        assert!(matches(java, "tab\there 😀"));
        assert!(!matches(java, "new\nline"));
        let cert = r"-{5}BEGIN\u000D?\u000A";
        assert!(matches(cert, "-----BEGIN\r\n"));
    }

    #[test]
    fn shorthand_classes_are_ascii_like_java() {
        assert!(matches(r"\d{1,3}", "123"));
        assert!(
            !matches(r"\d{1,3}", "١٢٣"),
            "Arabic-Indic digits are not Java \\d"
        );
        let email = r"\w[+-.\w]*@\w[\w\.\-]+\.[0-9a-zA-Z]{2,24}";
        assert!(matches(email, "jane.doe+x@example.com"));
        assert!(!matches(email, "jäne@example.com"));
    }

    #[test]
    fn escaped_punctuation_is_accepted() {
        let phone = r"^[\+0-9\#\,\(][\+0-9\-\.\/\(\)\,\#\s]+$";
        assert!(matches(phone, "+1 (206) 555-0100"));
        assert!(matches(
            r"^sip[s]?:([^@:]+)\@([^@]+)$",
            "sip:alice@example.com"
        ));
        assert!(matches(
            r"amzn1\.[A-Za-z0-9+-\/=.]{1,300}",
            "amzn1.ask.skill/x"
        ));
    }

    #[test]
    fn whole_string_match() {
        assert!(!matches(r"\d{10}", "12345678901"));
        assert!(matches(r"(^$)|([\x00-\x7F]{5,})", ""));
        assert!(matches(r"(?s).*", "a\nb"));
    }

    #[test]
    fn untranslatable_patterns_fail_loudly() {
        for java in [
            r"(a)\1",
            r"\Qx\E",
            r"a*+",
            r"\uD800",
            r"\u10000",
            r"\p{IsLatin}",
            r"\e",
        ] {
            assert!(translate(java).is_err(), "{java} should fail");
        }
    }
}
