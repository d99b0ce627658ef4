//! Reading an English prompt into a query: what is counted or listed (callers, calls, services,
//! errors, addresses, regions, …), the filters it names (errors, access denied, a service, an
//! event name, the root user, writes or reads, console sign-ins) and the time window ("in the
//! last 7 days", "past month", "today"). The reading is by rules, not a language model: a prompt
//! none of them recognizes is refused, as AWS refuses one it cannot answer.

/// A column the answer is grouped by or listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Caller,
    EventName,
    Service,
    SourceIp,
    Region,
    ErrorCode,
    AccessKey,
    UserAgent,
}

impl Dimension {
    /// The SQL column.
    pub fn column(self) -> &'static str {
        match self {
            Self::Caller => "userIdentity.arn",
            Self::EventName => "eventName",
            Self::Service => "eventSource",
            Self::SourceIp => "sourceIPAddress",
            Self::Region => "awsRegion",
            Self::ErrorCode => "errorCode",
            Self::AccessKey => "userIdentity.accessKeyId",
            Self::UserAgent => "userAgent",
        }
    }
}

/// Words naming each dimension, longest first where one contains another.
const DIMENSIONS: &[(&[&str], Dimension)] = &[
    (
        &["ip addresses", "ip address", "source ip", "ips", "ip"],
        Dimension::SourceIp,
    ),
    (&["access keys", "access key"], Dimension::AccessKey),
    (
        &["user agents", "user agent", "clients", "tools"],
        Dimension::UserAgent,
    ),
    (
        &["error codes", "error code", "errors", "failures"],
        Dimension::ErrorCode,
    ),
    (
        &[
            "users",
            "user",
            "callers",
            "caller",
            "principals",
            "identities",
            "roles",
            "who",
        ],
        Dimension::Caller,
    ),
    (
        &["services", "service", "event sources", "sources"],
        Dimension::Service,
    ),
    (&["regions", "region"], Dimension::Region),
    (
        &[
            "api calls",
            "apis",
            "api",
            "calls",
            "actions",
            "operations",
            "event names",
            "events",
        ],
        Dimension::EventName,
    ),
];

/// Services by the names people use, and their event sources.
const SERVICES: &[(&[&str], &str)] = &[
    (&["sns", "simple notification"], "sns.amazonaws.com"),
    (&["s3", "simple storage"], "s3.amazonaws.com"),
    (&["iam", "identity and access"], "iam.amazonaws.com"),
    (&["sts", "security token"], "sts.amazonaws.com"),
    (&["ec2", "elastic compute"], "ec2.amazonaws.com"),
    (&["cloudtrail"], "cloudtrail.amazonaws.com"),
    (&["organizations"], "organizations.amazonaws.com"),
    (&["alexa for business", "a4b", "alexa"], "a4b.amazonaws.com"),
    (&["lambda"], "lambda.amazonaws.com"),
    (&["kms", "key management"], "kms.amazonaws.com"),
    (&["dynamodb"], "dynamodb.amazonaws.com"),
    (
        &["sign-in", "signin", "console sign"],
        "signin.amazonaws.com",
    ),
];

/// Error codes that mean a call was refused for want of permission.
pub const DENIED_CODES: &str = "'AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', \
                                'Client.UnauthorizedOperation'";

/// What a prompt asks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Reading {
    /// Grouped or listed by.
    pub dimension: Option<Dimension>,
    /// "top", "most", "which … the most": ordered by count.
    pub ranked: bool,
    /// "how many", "count", "number of".
    pub counted: bool,
    /// "list of", "which", "distinct": distinct values.
    pub distinct: bool,
    /// "per", "each", "breakdown": one count per value.
    pub per: bool,
    /// How many rows a ranking keeps.
    pub limit: Option<u32>,
    /// `WHERE` conditions.
    pub filters: Vec<String>,
    /// `(unit, amount)` of a trailing window, or `today`.
    pub window: Option<(String, u32)>,
}

fn contains_word(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + phrase.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

fn number_after(text: &str, word: &str) -> Option<u32> {
    let at = text.find(word)? + word.len();
    text[at..].split_whitespace().next()?.parse().ok()
}

/// The trailing window a prompt names: "last 7 days", "past month", "in the last hour",
/// "today", "this week".
fn window(text: &str) -> Option<(String, u32)> {
    if contains_word(text, "today") {
        return Some(("today".into(), 0));
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    for (i, word) in words.iter().enumerate() {
        if !matches!(*word, "last" | "past" | "previous" | "this") {
            continue;
        }
        let (amount, unit) = match words.get(i + 1).and_then(|w| w.parse::<u32>().ok()) {
            Some(n) => (n, words.get(i + 2)),
            None => (1, words.get(i + 1)),
        };
        let unit = unit.map(|u| u.trim_end_matches('s'));
        if let Some(unit @ ("minute" | "hour" | "day" | "week" | "month" | "year")) = unit {
            return Some((unit.to_owned(), amount.max(1)));
        }
    }
    None
}

/// The verbs API names start with (a CamelCase word that starts otherwise, such as
/// `CloudTrail` or `DynamoDB`, names a product, not a call).
const API_VERBS: &[&str] = &[
    "Abort",
    "Accept",
    "Add",
    "Apply",
    "Approve",
    "Assume",
    "Associate",
    "Attach",
    "Authorize",
    "Batch",
    "Cancel",
    "Change",
    "Complete",
    "Confirm",
    "Console",
    "Copy",
    "Create",
    "Decrypt",
    "Delete",
    "Deregister",
    "Describe",
    "Detach",
    "Disable",
    "Disassociate",
    "Enable",
    "Encrypt",
    "Export",
    "Generate",
    "Get",
    "Head",
    "Import",
    "Invoke",
    "List",
    "Lookup",
    "Modify",
    "Publish",
    "Put",
    "Query",
    "Reboot",
    "Register",
    "Reject",
    "Remove",
    "Replace",
    "Reset",
    "Restore",
    "Revoke",
    "Rotate",
    "Run",
    "Scan",
    "Search",
    "Send",
    "Set",
    "Start",
    "Stop",
    "Subscribe",
    "Tag",
    "Terminate",
    "Unsubscribe",
    "Untag",
    "Update",
    "Upload",
    "Validate",
];

/// CamelCase words naming an API (`CreateBucket`, `ConsoleLogin`).
fn event_names(prompt: &str) -> Vec<String> {
    prompt
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| {
            API_VERBS.iter().any(|verb| {
                w.strip_prefix(verb)
                    .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_uppercase()))
            })
        })
        .map(str::to_owned)
        .collect()
}

/// Reads `prompt`; `None` when nothing in it is recognized.
pub fn read(prompt: &str) -> Option<Reading> {
    let text = prompt.to_lowercase().replace(['?', '!', ',', '.'], " ");
    let text = format!(
        " {} ",
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    );
    let mut reading = Reading {
        window: window(&text),
        ..Reading::default()
    };
    let has = |phrase: &str| contains_word(&text, phrase);
    reading.ranked = ["top", "most", "busiest", "frequent", "common"]
        .iter()
        .any(|w| has(w));
    reading.counted = has("how many") || has("count") || has("number of");
    reading.distinct = has("list of") || has("which") || has("distinct") || has("unique");
    reading.per = has("per") || has("each") || has("breakdown") || has("grouped");
    reading.limit = number_after(&text, " top ");
    for name in event_names(prompt) {
        reading.filters.push(format!("eventName = '{name}'"));
    }
    if has("console login") || has("console logins") || has("sign-in") || has("sign-ins") {
        reading.filters.push("eventName = 'ConsoleLogin'".into());
    }
    if let Some((_, source)) = SERVICES
        .iter()
        .find(|(names, _)| names.iter().any(|n| has(n)))
    {
        reading.filters.push(format!("eventSource = '{source}'"));
    }
    let denied = has("access denied") || has("denied") || has("unauthorized");
    if denied {
        reading
            .filters
            .push(format!("errorCode IN ({DENIED_CODES})"));
    } else if has("error") || has("errors") || has("failed") || has("failures") || has("failing") {
        reading.filters.push("errorCode IS NOT NULL".into());
    }
    if has("root") {
        reading.filters.push("userIdentity.type = 'Root'".into());
    }
    let writes = [
        "writes",
        "write events",
        "write calls",
        "write api",
        "changes",
        "mutating",
    ];
    let reads = [
        "reads",
        "read-only",
        "read events",
        "read calls",
        "read api",
    ];
    if writes.iter().any(|w| has(w)) {
        reading.filters.push("readOnly = false".into());
    } else if reads.iter().any(|w| has(w)) {
        reading.filters.push("readOnly = true".into());
    }
    if has("deleted") || has("deletions") {
        reading.filters.push("eventName LIKE 'Delete%'".into());
    } else if has("created") || has("creations") {
        reading.filters.push("eventName LIKE 'Create%'".into());
    }
    reading.dimension = DIMENSIONS
        .iter()
        .find(|(words, _)| words.iter().any(|w| has(w)))
        .map(|(_, dimension)| *dimension);
    // "errors" names the error codes when they are what is ranked or listed; otherwise (a
    // count of failed calls, failed calls of a user) it is a filter already.
    let understood = reading.dimension.is_some()
        || reading.counted
        || !reading.filters.is_empty()
        || has("activity")
        || has("happened");
    understood.then_some(reading)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_example_prompts_are_read() {
        let top = read("What are my top errors in the past month?").unwrap();
        assert_eq!(top.dimension, Some(Dimension::ErrorCode));
        assert!(top.ranked);
        assert_eq!(top.window, Some(("month".into(), 1)));
        assert_eq!(top.filters, ["errorCode IS NOT NULL"]);

        let users = read("Give me a list of users that used SNS.").unwrap();
        assert_eq!(users.dimension, Some(Dimension::Caller));
        assert!(users.distinct && !users.ranked);
        assert_eq!(users.filters, ["eventSource = 'sns.amazonaws.com'"]);
    }

    #[test]
    fn windows_limits_and_event_names() {
        let r = read("Top 5 callers of CreateBucket in the last 7 days").unwrap();
        assert_eq!(r.limit, Some(5));
        assert_eq!(r.window, Some(("day".into(), 7)));
        assert_eq!(r.filters, ["eventName = 'CreateBucket'"]);
        assert_eq!(r.dimension, Some(Dimension::Caller));
        assert!(
            read("Most frequent API calls to CloudTrail")
                .unwrap()
                .filters
                == ["eventSource = 'cloudtrail.amazonaws.com'"]
        );
        let today = read("How many access denied events happened today?").unwrap();
        assert!(today.counted);
        assert_eq!(today.window, Some(("today".into(), 0)));
        assert!(today.filters[0].starts_with("errorCode IN ("));
    }

    #[test]
    fn prompts_about_nothing_here_are_refused() {
        assert_eq!(read("Write me a poem about the sea"), None);
        assert_eq!(read("hello"), None);
    }
}
