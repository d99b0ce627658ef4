//! The event data store schema as queries see it, and the lake database's own tables.
//!
//! A store's events are rows of `lake_event` (the store's key, a small integer `lake_store`
//! gives each store id; the event's position; its `eventTime` as Trino prints a timestamp; the
//! record as SQLite JSONB), in a rowid table: records are large, and `WITHOUT ROWID` tables
//! keep large rows badly. A query reads a store
//! through a projection that names every column of CloudTrail Lake's schema for CloudTrail
//! events (lower-case, as AWS lists them): scalars as SQL values, structs and maps as JSONB
//! that struct paths and map subscripts then read ([`record_key`] gives a field's record
//! spelling, because SQL names are case-insensitive and the record's are not).

/// How a column is read from the stored record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// A string (or number) field.
    Scalar,
    /// A boolean field, shown as `true`/`false`.
    Boolean,
    /// A struct, map or array field, as JSON text.
    Nested,
    /// `eventTime`, from its own indexed column.
    Time,
    /// The whole record as JSON text (`eventjson`).
    Json,
}

/// One column of the schema: its SQL name and the record field it reads.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Lower-case SQL name.
    pub name: &'static str,
    /// Field name in the record.
    pub field: &'static str,
    /// How it is read.
    pub kind: ColumnKind,
}

const fn col(name: &'static str, field: &'static str, kind: ColumnKind) -> Column {
    Column { name, field, kind }
}

/// CloudTrail Lake's schema for CloudTrail events ("Supported SQL schemas for event data stores"),
/// and the two columns of events from outside AWS (`ActivityAuditLog`).
pub const COLUMNS: &[Column] = &[
    col("eventversion", "eventVersion", ColumnKind::Scalar),
    col("useridentity", "userIdentity", ColumnKind::Nested),
    col("eventtime", "eventTime", ColumnKind::Time),
    col("eventsource", "eventSource", ColumnKind::Scalar),
    col("eventname", "eventName", ColumnKind::Scalar),
    col("awsregion", "awsRegion", ColumnKind::Scalar),
    col("sourceipaddress", "sourceIPAddress", ColumnKind::Scalar),
    col("useragent", "userAgent", ColumnKind::Scalar),
    col("errorcode", "errorCode", ColumnKind::Scalar),
    col("errormessage", "errorMessage", ColumnKind::Scalar),
    col("requestparameters", "requestParameters", ColumnKind::Nested),
    col("responseelements", "responseElements", ColumnKind::Nested),
    col(
        "additionaleventdata",
        "additionalEventData",
        ColumnKind::Nested,
    ),
    col("requestid", "requestID", ColumnKind::Scalar),
    col("eventid", "eventID", ColumnKind::Scalar),
    col("readonly", "readOnly", ColumnKind::Boolean),
    col("resources", "resources", ColumnKind::Nested),
    col("eventtype", "eventType", ColumnKind::Scalar),
    col("apiversion", "apiVersion", ColumnKind::Scalar),
    col("managementevent", "managementEvent", ColumnKind::Boolean),
    col(
        "recipientaccountid",
        "recipientAccountId",
        ColumnKind::Scalar,
    ),
    col("sharedeventid", "sharedEventID", ColumnKind::Scalar),
    col("annotation", "annotation", ColumnKind::Scalar),
    col("vpcendpointid", "vpcEndpointId", ColumnKind::Scalar),
    col(
        "vpcendpointaccountid",
        "vpcEndpointAccountId",
        ColumnKind::Scalar,
    ),
    col(
        "serviceeventdetails",
        "serviceEventDetails",
        ColumnKind::Nested,
    ),
    col("addendum", "addendum", ColumnKind::Nested),
    col("edgedevicedetails", "edgeDeviceDetails", ColumnKind::Nested),
    col("insightdetails", "insightDetails", ColumnKind::Nested),
    col("eventcategory", "eventCategory", ColumnKind::Scalar),
    col("tlsdetails", "tlsDetails", ColumnKind::Nested),
    col(
        "sessioncredentialfromconsole",
        "sessionCredentialFromConsole",
        ColumnKind::Scalar,
    ),
    // Enriched events (stores with context key selectors): `requestContext`, `tagContext`.
    col("eventcontext", "eventContext", ColumnKind::Nested),
    col("eventjson", "", ColumnKind::Json),
    // Present in events exported from AWS's Lake; events recorded here carry none.
    col("eventjsonchecksum", "eventJsonChecksum", ColumnKind::Nested),
    // Events from outside AWS (channels): the event as sent, and CloudTrail's metadata.
    col("eventdata", "eventData", ColumnKind::Nested),
    col("metadata", "metadata", ColumnKind::Nested),
];

/// The schema column called `name` (any case).
pub fn column(name: &str) -> Option<&'static Column> {
    COLUMNS.iter().find(|c| c.name.eq_ignore_ascii_case(name))
}

/// Fields of the nested columns, in the record's spelling: struct paths name them in any case.
const NESTED_FIELDS: &[&str] = &[
    "requestContext",
    "tagContext",
    "type",
    "principalId",
    "arn",
    "ARN",
    "accountId",
    "accessKeyId",
    "userName",
    "sessionContext",
    "attributes",
    "creationDate",
    "mfaAuthenticated",
    "sessionIssuer",
    "webIdFederationData",
    "federatedProvider",
    "sourceIdentity",
    "ec2RoleDelivery",
    "ec2IssuedInVPC",
    "onBehalfOf",
    "userId",
    "identityStoreArn",
    "inScopeOf",
    "issuerType",
    "credentialsIssuedTo",
    "invokedBy",
    "identityProvider",
    "credentialId",
    "tlsVersion",
    "cipherSuite",
    "clientProvidedHostHeader",
    "arnPrefix",
    // Fields of events from outside AWS (`eventData`, `metadata`).
    "version",
    "userAgent",
    "eventSource",
    "eventName",
    "eventTime",
    "UID",
    "requestParameters",
    "responseElements",
    "errorCode",
    "errorMessage",
    "sourceIPAddress",
    "recipientAccountId",
    "additionalEventData",
    "details",
    "ingestionTime",
    "channelARN",
];

/// The record's spelling of a nested field written `name` in SQL. In `resources`, AWS's
/// `arn` column is the record's `ARN`.
pub fn record_key(column: &str, name: &str) -> String {
    if column.eq_ignore_ascii_case("resources") && name.eq_ignore_ascii_case("arn") {
        return "ARN".to_owned();
    }
    NESTED_FIELDS
        .iter()
        .find(|f| f.eq_ignore_ascii_case(name) && **f != "ARN")
        .map(|f| (*f).to_owned())
        .unwrap_or_else(|| name.to_owned())
}

/// How a scalar or boolean column is computed from the record.
fn scalar_expr(c: &Column) -> Option<String> {
    match c.kind {
        ColumnKind::Scalar => Some(format!("record ->> '$.{}'", c.field)),
        ColumnKind::Boolean => Some(format!(
            "CASE record ->> '$.{}' WHEN 1 THEN 'true' WHEN 0 THEN 'false' END",
            c.field
        )),
        _ => None,
    }
}

/// The projection of one store: every schema column, read from `lake_event`, for the store
/// whose key (`lake_store.key`) is `store_key`. Scalars come from the table's generated
/// columns, so joins and `IN` on them get SQLite's automatic indexes.
pub fn projection(store_key: i64) -> String {
    let columns: Vec<String> = COLUMNS
        .iter()
        .map(|c| {
            let expr = match c.kind {
                ColumnKind::Scalar | ColumnKind::Boolean => format!("c_{}", c.name),
                // JSONB, not text: struct paths then read it without parsing it again
                // (results show it as JSON text).
                ColumnKind::Nested => format!("jsonb_extract(record, '$.{}')", c.field),
                ColumnKind::Time => "etime".to_owned(),
                ColumnKind::Json => "json(record)".to_owned(),
            };
            format!("{expr} AS {}", c.name)
        })
        .collect();
    format!(
        "SELECT {} FROM lake_event WHERE store = {store_key}",
        columns.join(", ")
    )
}

/// The lake database's tables (created when missing): `lake_event` with a virtual generated
/// column `c_<name>` per scalar column of [`COLUMNS`].
pub fn migration() -> String {
    let generated: String = COLUMNS
        .iter()
        .filter_map(|c| {
            scalar_expr(c).map(|e| format!(",\n    c_{} GENERATED ALWAYS AS ({e}) VIRTUAL", c.name))
        })
        .collect();
    MIGRATION.replace(
        "record BLOB NOT NULL\n",
        &format!("record BLOB NOT NULL{generated}\n"),
    )
}

/// The tables, before the generated columns ([`migration`]).
const MIGRATION: &str = "
CREATE TABLE IF NOT EXISTS lake_store (
    key INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS lake_event (
    id INTEGER PRIMARY KEY,
    store INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    etime TEXT NOT NULL,
    record BLOB NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS lake_event_seq ON lake_event (store, seq);
CREATE INDEX IF NOT EXISTS lake_event_time ON lake_event (store, etime);
CREATE TABLE IF NOT EXISTS lake_cursor (
    feed TEXT PRIMARY KEY,
    store TEXT NOT NULL,
    seq INTEGER NOT NULL,
    events INTEGER NOT NULL DEFAULT 0,
    bytes INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS lake_query (
    id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL DEFAULT '',
    stores TEXT NOT NULL,
    statement TEXT NOT NULL,
    status TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    finished_ms INTEGER,
    error TEXT,
    results_count INTEGER NOT NULL DEFAULT 0,
    events_scanned INTEGER NOT NULL DEFAULT 0,
    bytes_scanned INTEGER NOT NULL DEFAULT 0,
    events_matched INTEGER NOT NULL DEFAULT 0,
    execution_ms INTEGER NOT NULL DEFAULT 0,
    delivery_uri TEXT,
    delivery_status TEXT,
    alias TEXT,
    refresh TEXT
);
CREATE INDEX IF NOT EXISTS lake_query_created ON lake_query (account, created_ms);
CREATE TABLE IF NOT EXISTS lake_result (
    query TEXT NOT NULL,
    row INTEGER NOT NULL,
    cells TEXT NOT NULL,
    PRIMARY KEY (query, row)
) WITHOUT ROWID;
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_found_in_any_case_and_fields_keep_the_records_spelling() {
        assert_eq!(column("eventTime").unwrap().name, "eventtime");
        assert_eq!(column("USERIDENTITY").unwrap().field, "userIdentity");
        assert!(column("nosuch").is_none());
        assert_eq!(record_key("useridentity", "principalid"), "principalId");
        assert_eq!(record_key("useridentity", "ARN"), "arn");
        assert_eq!(record_key("resources", "arn"), "ARN");
        assert_eq!(record_key("requestparameters", "bucketName"), "bucketName");
    }

    #[test]
    fn every_column_has_a_distinct_lower_case_name() {
        let mut names: Vec<&str> = COLUMNS.iter().map(|c| c.name).collect();
        assert!(names.iter().all(|n| n.chars().all(|c| !c.is_uppercase())));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), COLUMNS.len());
    }
}
