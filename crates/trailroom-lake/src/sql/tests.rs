//! Translation tests: what a statement becomes, and what is refused.

use super::*;

fn resolve_known(name: &str) -> Result<String, LakeError> {
    match name.to_lowercase().as_str() {
        "abc-123" | "def-456" => Ok(name.to_lowercase()),
        _ => Err(LakeError::StoreNotFound(name.to_owned())),
    }
}

fn tr(statement: &str) -> Result<Translation, LakeError> {
    translate(statement, &mut resolve_known)
}

#[test]
fn stores_become_views_and_columns_get_trinos_names() {
    let t = tr("SELECT eventName, userIdentity.arn, count(*) FROM abc-123 GROUP BY 1, 2").unwrap();
    assert_eq!(
        t.views,
        vec![("eds_abc_123".to_owned(), "abc-123".to_owned())]
    );
    assert!(
        t.sql.contains("FROM \"eds_abc_123\" AS \"abc-123\""),
        "{}",
        t.sql
    );
    assert!(t.sql.contains("AS \"eventName\""), "{}", t.sql);
    assert!(
        t.sql
            .contains("json_extract(userIdentity, '$.\"arn\"') AS \"arn\""),
        "{}",
        t.sql
    );
    assert!(t.sql.contains("count(*) AS \"_col2\""), "{}", t.sql);
}

#[test]
fn qualified_paths_maps_and_unnest() {
    let t = tr(
        "SELECT e.userIdentity.sessionContext.sessionIssuer.userName, \
         element_at(requestParameters, 'bucketName'), requestParameters['key'], r.arn \
         FROM abc-123 e CROSS JOIN UNNEST(resources) AS t(r)",
    )
    .unwrap();
    let sql = &t.sql;
    assert!(
        sql.contains(
            "json_extract(e.userIdentity, '$.\"sessionContext\".\"sessionIssuer\".\"userName\"')"
        ),
        "{sql}"
    );
    assert!(
        sql.contains("json_extract(requestParameters, '$.\"bucketName\"')"),
        "{sql}"
    );
    assert!(
        sql.contains("json_extract(requestParameters, '$.\"key\"')"),
        "{sql}"
    );
    assert!(
        sql.contains("json_extract(\"t\".value, '$.\"ARN\"')"),
        "{sql}"
    );
    assert!(sql.contains("json_each(resources) AS \"t\""), "{sql}");
}

#[test]
fn boolean_values_used_as_conditions_are_compared_with_true() {
    let t = tr(
        "SELECT IF(readOnly, 'read', 'write'), count_if(managementEvent) FROM abc-123 \
         WHERE readOnly AND NOT managementEvent OR eventName = 'x' GROUP BY 1 HAVING \
         count_if(readOnly AND errorCode IS NULL) > 0",
    )
    .unwrap();
    let sql = &t.sql;
    assert!(
        sql.contains("iif(((readOnly) IN ('true', 1)), 'read', 'write')"),
        "{sql}"
    );
    assert!(
        sql.contains(
            "WHERE ((readOnly) IN ('true', 1)) AND NOT ((managementEvent) IN ('true', 1)) OR"
        ),
        "{sql}"
    );
    assert!(
        sql.contains("count(CASE WHEN ((managementEvent) IN ('true', 1)) THEN 1 END)"),
        "{sql}"
    );
    assert!(
        sql.contains(
            "count(CASE WHEN ((readOnly) IN ('true', 1)) AND errorCode IS NULL THEN 1 END)"
        ),
        "{sql}"
    );
}

#[test]
fn functions_literals_and_intervals() {
    let t = tr(
        "SELECT approx_distinct(sourceIPAddress), count_if(errorCode IS NOT NULL), \
         arbitrary(awsRegion) FROM abc-123 \
         WHERE eventTime > now() - interval '7' day AND readOnly = false \
         AND eventTime <= '2024-01-01 00:00:00' AND regexp_like(eventName, '^Create')",
    )
    .unwrap();
    let sql = &t.sql;
    assert!(sql.contains("count(DISTINCT sourceIPAddress)"), "{sql}");
    assert!(
        sql.contains("count(CASE WHEN errorCode IS NOT NULL THEN 1 END)"),
        "{sql}"
    );
    assert!(sql.contains("min(awsRegion)"), "{sql}");
    assert!(
        sql.contains("lake_date_add('day', -7, lake_now())"),
        "{sql}"
    );
    assert!(sql.contains("readOnly = 'false'"), "{sql}");
    assert!(
        sql.contains("eventTime <= '2024-01-01 00:00:00.000'"),
        "{sql}"
    );
    assert!(sql.contains("(eventName REGEXP '^Create')"), "{sql}");
}

#[test]
fn joins_unions_and_ctes_resolve_each_store_once() {
    let t = tr("WITH recent AS (SELECT eventID FROM abc-123) \
         SELECT a.eventName FROM abc-123 a JOIN def-456 b ON a.eventID = b.eventID \
         WHERE a.eventID IN (SELECT eventID FROM recent) \
         UNION ALL SELECT eventName FROM def-456")
    .unwrap();
    let ids: Vec<&str> = t.views.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(ids, vec!["abc-123", "def-456"]);
    // The joined store is a subquery SQLite can index for the join.
    assert!(
        t.sql
            .contains("JOIN (SELECT * FROM \"eds_def_456\" LIMIT -1) AS b"),
        "{}",
        t.sql
    );
    assert!(t.sql.contains("FROM recent"), "{}", t.sql);
}

#[test]
fn what_is_refused_names_the_problem() {
    let cases = [
        ("DELETE FROM abc-123", "Only SELECT"),
        ("SELECT 1; SELECT 2", "exactly one"),
        ("SELEC eventName FROM abc-123", "not valid SQL"),
        ("SELECT nosuch_fn(eventName) FROM abc-123", "nosuch_fn"),
        (
            "SELECT transform(resources, x -> x) FROM abc-123",
            "transform",
        ),
        (
            "SELECT eventName.x FROM abc-123",
            "eventname has no field x",
        ),
        (
            "SELECT * FROM abc-123 CROSS JOIN UNNEST(resources)",
            "alias",
        ),
    ];
    for (statement, expected) in cases {
        match tr(statement) {
            Err(LakeError::InvalidStatement(message)) => {
                assert!(message.contains(expected), "{statement}: {message}")
            }
            other => panic!("{statement}: {other:?}"),
        }
    }
    assert!(matches!(
        tr("SELECT * FROM nope-999"),
        Err(LakeError::StoreNotFound(name)) if name == "nope-999"
    ));
}

#[test]
fn table_names_are_the_stores_read() {
    assert_eq!(
        table_names(
            "WITH x AS (SELECT * FROM abc-123) SELECT * FROM x JOIN def-456 d ON true \
             UNION SELECT * FROM abc-123"
        ),
        vec!["abc-123".to_owned(), "def-456".to_owned()]
    );
    assert!(table_names("not sql").is_empty());
}

#[test]
fn date_parts_json_arrays_and_two_argument_replace() {
    let t = tr("SELECT day_of_week(eventTime), quarter(eventTime), \
                json_array_get(element_at(requestParameters, 'items'), 0), \
                replace(eventSource, '.amazonaws.com') FROM abc-123")
    .unwrap();
    let sql = &t.sql;
    assert!(
        sql.contains("((CAST(strftime('%w', eventTime) AS INTEGER) + 6) % 7 + 1)"),
        "{sql}"
    );
    assert!(sql.contains("json_extract("), "{sql}");
    assert!(
        sql.contains("replace(eventSource, '.amazonaws.com', '')"),
        "{sql}"
    );
    assert!(tr("SELECT replace(eventSource, 'a', 'b') FROM abc-123").is_ok());
}
