//! SearchSampleQueries over the sample queries this server offers (the console's Query view
//! offers the same ones): each scored by the share of the phrase's words found in its name,
//! description or SQL, best first. `$EDS_ID` stands for the store, as in AWS's samples.

use trailroom_audit::CallContext;
use trailroom_model::cloudtrail::{
    SearchSampleQueriesRequest, SearchSampleQueriesResponse, SearchSampleQueriesSearchResult,
};
use trailroom_protocol::ApiError;

use super::page;
use crate::trails::required;

/// A sample query: name, description, SQL.
pub struct Sample {
    /// Short name.
    pub name: &'static str,
    /// What it answers.
    pub description: &'static str,
    /// The SQL, with `$EDS_ID` for the store.
    pub sql: &'static str,
}

/// The samples, in no particular order.
pub const SAMPLES: &[Sample] = &[
    Sample {
        name: "Most frequent calls",
        description: "The API calls made most often in the last 7 days.",
        sql: "SELECT eventSource, eventName, count(*) AS calls FROM $EDS_ID WHERE eventTime > \
              date_add('day', -7, now()) GROUP BY 1, 2 ORDER BY calls DESC LIMIT 20",
    },
    Sample {
        name: "Top callers",
        description: "The principals (users, roles) making the most calls.",
        sql: "SELECT userIdentity.arn AS caller, count(*) AS calls FROM $EDS_ID GROUP BY 1 \
              ORDER BY calls DESC LIMIT 10",
    },
    Sample {
        name: "Errors by call",
        description: "Failed calls (access denied and other errors) by error code and API.",
        sql: "SELECT errorCode, eventName, count(*) AS failures FROM $EDS_ID WHERE errorCode IS NOT \
              NULL GROUP BY 1, 2 ORDER BY failures DESC",
    },
    Sample {
        name: "Access denied",
        description: "Who was denied access, to which API, from which IP address.",
        sql: "SELECT userIdentity.arn AS caller, eventName, sourceIPAddress, count(*) AS denials \
              FROM $EDS_ID WHERE errorCode IN ('AccessDenied', 'AccessDeniedException') GROUP BY \
              1, 2, 3 ORDER BY denials DESC",
    },
    Sample {
        name: "Activity by source IP address",
        description: "Calls and distinct callers per source IP address.",
        sql: "SELECT sourceIPAddress, count(*) AS calls, approx_distinct(userIdentity.arn) AS \
              callers FROM $EDS_ID GROUP BY 1 ORDER BY calls DESC",
    },
    Sample {
        name: "Root user activity",
        description: "Calls made with the account's root credentials.",
        sql: "SELECT eventTime, eventName, sourceIPAddress FROM $EDS_ID WHERE userIdentity.type = \
              'Root' ORDER BY eventTime DESC LIMIT 100",
    },
    Sample {
        name: "Cross-account access",
        description: "Calls made by principals of another account than the one receiving them.",
        sql: "SELECT userIdentity.accountId AS caller_account, recipientAccountId, eventName, \
              count(*) AS calls FROM $EDS_ID WHERE userIdentity.accountId != recipientAccountId \
              GROUP BY 1, 2, 3 ORDER BY calls DESC",
    },
    Sample {
        name: "IAM changes",
        description: "Who changed IAM users, roles, policies and access keys.",
        sql: "SELECT eventTime, userIdentity.arn AS caller, eventName, requestParameters FROM \
              $EDS_ID WHERE eventSource = 'iam.amazonaws.com' AND readOnly = false ORDER BY \
              eventTime DESC",
    },
    Sample {
        name: "Calls by access key",
        description: "Calls per access key ID and the principal that used it.",
        sql: "SELECT userIdentity.accessKeyId AS access_key, arbitrary(userIdentity.arn) AS \
              caller, count(*) AS calls FROM $EDS_ID GROUP BY 1 ORDER BY calls DESC",
    },
    Sample {
        name: "Calls by resource type",
        description: "How often each resource type is named by a call.",
        sql: "SELECT r.type AS resource_type, count(*) AS calls FROM $EDS_ID CROSS JOIN \
              UNNEST(resources) AS t(r) GROUP BY 1 ORDER BY calls DESC",
    },
    Sample {
        name: "Calls per hour",
        description: "Calls per hour over the last day, for a timeline.",
        sql: "SELECT date_trunc('hour', eventTime) AS hour, count(*) AS calls FROM $EDS_ID WHERE \
              eventTime > date_add('day', -1, now()) GROUP BY 1 ORDER BY 1",
    },
    Sample {
        name: "Bucket activity",
        description: "S3 calls per bucket name.",
        sql: "SELECT element_at(requestParameters, 'bucketName') AS bucket, eventName, count(*) AS \
              calls FROM $EDS_ID WHERE eventSource = 's3.amazonaws.com' GROUP BY 1, 2 ORDER BY \
              calls DESC",
    },
];

/// How well `sample` matches the phrase's words (lower-case): the share found, 0 to 1.
fn relevance(sample: &Sample, words: &[String]) -> f64 {
    let text = format!("{} {} {}", sample.name, sample.description, sample.sql).to_lowercase();
    let found = words.iter().filter(|w| text.contains(w.as_str())).count();
    found as f64 / words.len().max(1) as f64
}

/// SearchSampleQueries.
pub(crate) fn search_sample_queries(
    _ctx: &CallContext,
    input: SearchSampleQueriesRequest,
) -> Result<SearchSampleQueriesResponse, ApiError> {
    let phrase = required(input.search_phrase, "SearchPhrase")?;
    let words: Vec<String> = phrase
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 1)
        .map(str::to_lowercase)
        .collect();
    let mut scored: Vec<(f64, &Sample)> = SAMPLES
        .iter()
        .map(|s| (relevance(s, &words), s))
        .filter(|(score, _)| *score > 0.0)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.name.cmp(b.1.name)));
    let (page, next_token) = page(&scored, input.next_token.as_deref(), input.max_results, 50)?;
    Ok(SearchSampleQueriesResponse {
        search_results: Some(
            page.iter()
                .map(|(score, s)| SearchSampleQueriesSearchResult {
                    name: Some(s.name.to_owned()),
                    description: Some(s.description.to_owned()),
                    sql: Some(s.sql.to_owned()),
                    relevance: Some(*score),
                })
                .collect(),
        ),
        next_token,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every sample translates (with a store id in place of `$EDS_ID`).
    #[test]
    fn every_sample_is_sql_the_lake_runs() {
        for sample in SAMPLES {
            let sql = sample
                .sql
                .replace("$EDS_ID", "0f1e2d3c-aaaa-bbbb-cccc-000000000001");
            let translated = trailroom_lake::sql::translate(&sql, &mut |name| Ok(name.to_owned()));
            assert!(translated.is_ok(), "{}: {translated:?}", sample.name);
        }
    }

    /// Every sample runs to the end over recorded-looking events.
    #[test]
    fn every_sample_runs() {
        use trailroom_lake::{Lake, LakeEvent, Limits, QuerySpec};
        let dir = tempfile::tempdir().unwrap();
        let lake = Lake::open(&dir.path().join("lake.db"), Limits::default()).unwrap();
        let store = "0f1e2d3c-aaaa-bbbb-cccc-000000000001";
        let now = 1_700_000_000_000;
        let events: Vec<LakeEvent> = (1..=20)
            .map(|i| LakeEvent {
                seq: i,
                time_ms: now - i * 60_000,
                record_json: serde_json::json!({
                    "eventTime": "2023-11-14T22:00:00Z",
                    "userIdentity": {"type": if i % 2 == 0 { "Root" } else { "IAMUser" },
                        "arn": format!("arn:aws:iam::111122223333:user/u{}", i % 3),
                        "accountId": if i % 5 == 0 { "444455556666" } else { "111122223333" },
                        "accessKeyId": format!("AKIA{i}")},
                    "eventSource": if i % 2 == 0 { "iam.amazonaws.com" } else { "s3.amazonaws.com" },
                    "eventName": "CreateUser", "sourceIPAddress": "192.0.2.1",
                    "errorCode": if i % 4 == 0 { serde_json::json!("AccessDenied") } else { serde_json::Value::Null },
                    "requestParameters": {"bucketName": "b", "userName": "x"},
                    "resources": [{"ARN": "arn:aws:s3:::b", "type": "AWS::S3::Bucket"}],
                    "readOnly": false, "recipientAccountId": "111122223333",
                })
                .to_string(),
            })
            .collect();
        lake.ingest(store, "feed", 0, 20, &events).unwrap();
        for sample in SAMPLES {
            let spec = QuerySpec {
                account: "111122223333".into(),
                region: "us-east-1".into(),
                statement: sample.sql.replace("$EDS_ID", store),
                now_ms: now,
                delivery_uri: None,
                ..QuerySpec::default()
            };
            let info = lake
                .start_query(spec, &mut |name| Ok(name.to_owned()))
                .unwrap();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            let done = loop {
                let described = lake.describe("111122223333", &info.id).unwrap();
                if !described.status.is_active() {
                    break described;
                }
                assert!(std::time::Instant::now() < deadline, "{}", sample.name);
                std::thread::sleep(std::time::Duration::from_millis(2));
            };
            assert_eq!(done.error, None, "{}", sample.name);
            assert!(done.results_count > 0, "{} returned nothing", sample.name);
        }
    }

    #[test]
    fn relevance_counts_the_words_found() {
        let words = vec!["access".to_owned(), "denied".to_owned()];
        let denied = SAMPLES.iter().find(|s| s.name == "Access denied").unwrap();
        assert_eq!(relevance(denied, &words), 1.0);
        let hourly = SAMPLES.iter().find(|s| s.name == "Calls per hour").unwrap();
        assert_eq!(relevance(hourly, &words), 0.0);
    }
}
