//! GenerateQuery: a Lake query from an English prompt, over one event data store. The prompt is
//! read by rules ([`prompt`]), not by a language model; the query it makes is checked like any
//! other and kept under a `QueryAlias` that StartQuery runs (DescribeQuery then shows the
//! prompt). A prompt the rules do not understand is refused with `GenerateResponseException`.
//!
//! Stored as `ct_generated_query` documents: account = caller, id = alias; body
//! [`GeneratedQuery`].

mod prompt;

use serde::{Deserialize, Serialize};
use trailroom_audit::{CallContext, store_failure};
use trailroom_model::cloudtrail::{GenerateQueryRequest, GenerateQueryResponse};
use trailroom_protocol::ApiError;
use trailroom_store::ReadTxn;

use super::record::EdsStatus;
use super::{EDS_RESOURCE_TYPE, StoreRef};
use prompt::{Dimension, Reading};

/// Document kind of generated queries.
pub const GENERATED_KIND: &str = "ct_generated_query";
/// Rows a ranking keeps when the prompt does not say.
const DEFAULT_TOP: u32 = 10;
/// Events a listing shows.
const LISTED: u32 = 100;

/// A generated query, kept for StartQuery and DescribeQuery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GeneratedQuery {
    /// `QueryAlias`.
    pub alias: String,
    /// The prompt.
    pub prompt: String,
    /// `QueryStatement`.
    pub statement: String,
    /// The caller.
    pub account_id: String,
    /// When it was generated, ms.
    pub created_ms: i64,
}

/// The generated query `alias` of `account`, if there is one.
pub fn generated(
    txn: &dyn ReadTxn,
    account: &str,
    alias: &str,
) -> Result<Option<GeneratedQuery>, ApiError> {
    txn.get(account, GENERATED_KIND, alias)
        .map_err(store_failure)?
        .map(|doc| doc.decode())
        .transpose()
        .map_err(store_failure)
}

/// The name a dimension's column has in the answer.
fn output_name(dimension: Dimension) -> &'static str {
    match dimension {
        Dimension::Caller => "caller",
        Dimension::AccessKey => "accessKeyId",
        other => other.column(),
    }
}

/// The SQL for `reading` over the store `table`.
fn statement(reading: &Reading, table: &str) -> String {
    let mut conditions = reading.filters.clone();
    match reading.window.as_ref() {
        Some((unit, _)) if unit == "today" => {
            conditions.push("eventTime >= date_trunc('day', now())".into());
        }
        Some((unit, amount)) => {
            conditions.push(format!("eventTime > date_add('{unit}', -{amount}, now())"));
        }
        None => {}
    }
    // "events" and "errors" name what is counted or listed unless the prompt ranks them, lists
    // their distinct values or asks for a count per value.
    let grouped = reading.ranked || reading.distinct || reading.per;
    let dimension = reading
        .dimension
        .filter(|d| grouped || !matches!(d, Dimension::EventName | Dimension::ErrorCode));
    if let Some(d) = dimension
        && !conditions.iter().any(|c| c.starts_with(d.column()))
    {
        conditions.push(format!("{} IS NOT NULL", d.column()));
    }
    let filter = match conditions.is_empty() {
        true => String::new(),
        false => format!(" WHERE {}", conditions.join(" AND ")),
    };
    let top = reading.limit.unwrap_or(DEFAULT_TOP);
    match dimension {
        Some(d) if reading.ranked || (reading.counted && reading.per) => format!(
            "SELECT {col} AS {name}, count(*) AS eventCount FROM {table}{filter} GROUP BY {col} \
             ORDER BY eventCount DESC LIMIT {top}",
            col = d.column(),
            name = output_name(d),
        ),
        Some(d) if reading.counted => format!(
            "SELECT count(DISTINCT {}) AS {}Count FROM {table}{filter}",
            d.column(),
            output_name(d)
        ),
        Some(d) => format!(
            "SELECT DISTINCT {} AS {} FROM {table}{filter} ORDER BY 1",
            d.column(),
            output_name(d)
        ),
        None if reading.counted => format!("SELECT count(*) AS eventCount FROM {table}{filter}"),
        None => format!(
            "SELECT eventTime, eventSource, eventName, userIdentity.arn AS caller, \
             sourceIPAddress, errorCode FROM {table}{filter} ORDER BY eventTime DESC LIMIT \
             {LISTED}"
        ),
    }
}

/// GenerateQuery.
pub(crate) async fn generate_query(
    ctx: &CallContext,
    input: GenerateQueryRequest,
) -> Result<GenerateQueryResponse, ApiError> {
    let stores = input.event_data_stores.unwrap_or_default();
    let [store] = stores.as_slice() else {
        return Err(ApiError::client(
            "InvalidParameterException",
            "Specify exactly one event data store.",
        ));
    };
    let target = StoreRef::parse(store, ctx)?;
    ctx.add_resource(EDS_RESOURCE_TYPE, target.arn.clone());
    let prompt = input.prompt.unwrap_or_default();
    let (account, now) = (ctx.account_id().to_owned(), ctx.now_ms());
    let found = ctx.read(|txn| target.find(txn, now))?;
    if found.status == EdsStatus::PendingDeletion {
        return Err(ApiError::client(
            "InactiveEventDataStoreException",
            format!("The event data store {} is pending deletion.", found.arn),
        ));
    }
    let reading = prompt::read(&prompt).ok_or_else(|| {
        ApiError::client(
            "GenerateResponseException",
            "A query could not be generated for this prompt: ask about the events of the store \
             (who called, which calls, services, errors, access denied, addresses, regions) \
             and a time range.",
        )
    })?;
    let sql = statement(&reading, &found.id);
    let id = found.id.clone();
    let mut resolve = |name: &str| match name.eq_ignore_ascii_case(&id) {
        true => Ok(id.clone()),
        false => Err(trailroom_lake::LakeError::StoreNotFound(name.to_owned())),
    };
    trailroom_lake::sql::translate(&sql, &mut resolve).map_err(|e| {
        tracing::error!(error = %e, sql, "a generated query does not translate");
        ApiError::client(
            "GenerateResponseException",
            "A query could not be generated for this prompt.",
        )
    })?;
    let record = GeneratedQuery {
        alias: format!(
            "Generated.{}",
            &uuid::Uuid::new_v4().simple().to_string()[..16]
        ),
        prompt,
        statement: sql,
        account_id: account.clone(),
        created_ms: now,
    };
    ctx.write(move |tx| {
        let doc = trailroom_store::Doc::new(&account, GENERATED_KIND, &record.alias, &record)
            .map_err(store_failure)?;
        tx.put(&doc).map_err(store_failure)?;
        Ok(GenerateQueryResponse {
            query_statement: Some(record.statement),
            query_alias: Some(record.alias),
            event_data_store_owner_account_id: Some(account),
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql(prompt: &str) -> String {
        statement(&prompt::read(prompt).unwrap(), "eds-1")
    }

    #[test]
    fn prompts_become_queries() {
        assert_eq!(
            sql("What are my top errors in the past month?"),
            "SELECT errorCode AS errorCode, count(*) AS eventCount FROM eds-1 WHERE errorCode IS \
             NOT NULL AND eventTime > date_add('month', -1, now()) GROUP BY errorCode ORDER BY \
             eventCount DESC LIMIT 10"
        );
        assert_eq!(
            sql("Give me a list of users that used SNS."),
            "SELECT DISTINCT userIdentity.arn AS caller FROM eds-1 WHERE eventSource = \
             'sns.amazonaws.com' AND userIdentity.arn IS NOT NULL ORDER BY 1"
        );
        assert_eq!(
            sql("How many users called CreateBucket today?"),
            "SELECT count(DISTINCT userIdentity.arn) AS callerCount FROM eds-1 WHERE eventName = \
             'CreateBucket' AND eventTime >= date_trunc('day', now()) AND userIdentity.arn IS NOT \
             NULL"
        );
        assert_eq!(
            sql("How many events happened today?"),
            "SELECT count(*) AS eventCount FROM eds-1 WHERE eventTime >= date_trunc('day', now())"
        );
        assert!(
            sql("How many calls per service this week?")
                .starts_with("SELECT eventSource AS eventSource, count(*) AS eventCount")
        );
        assert!(
            sql("Show me failed events in the last 2 hours").starts_with(
                "SELECT eventTime, eventSource, eventName, userIdentity.arn AS caller"
            )
        );
        assert!(
            sql("Show me failed events in the last 2 hours").contains(
                "WHERE errorCode IS NOT NULL AND eventTime > date_add('hour', -2, now())"
            )
        );
    }

    #[test]
    fn every_query_made_translates() {
        let prompts = [
            "What are my top errors in the past month?",
            "Give me a list of users that used SNS.",
            "Top 3 IP addresses with access denied errors in the last week",
            "How many write events did root make this year?",
            "Which regions had activity yesterday and today?",
            "Most frequent API calls to S3",
            "Count console logins in the past 30 days",
            "Which access keys deleted something?",
            "Show me what happened in the last hour",
        ];
        for prompt in prompts {
            let sql = sql(prompt);
            let mut resolve = |name: &str| Ok(name.to_owned());
            trailroom_lake::sql::translate(&sql, &mut resolve)
                .unwrap_or_else(|e| panic!("{prompt}: {sql}: {e}"));
        }
    }
}
