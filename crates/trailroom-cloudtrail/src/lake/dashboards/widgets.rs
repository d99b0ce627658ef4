//! Widget queries: their `?` placeholders, the parameters that fill them (`$StartTime$`,
//! `$EndTime$`, `$Period$`, and on the Highlights dashboard `$EventDataStoreId$`), and the
//! check a widget passes before it is saved (its SQL translates over the caller's stores).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use trailroom_lake::LakeError;
use trailroom_model::cloudtrail::RequestWidget;
use trailroom_protocol::ApiError;

use super::record::WidgetRecord;

/// The parameters a custom dashboard's widgets may use.
pub const CUSTOM_PARAMETERS: [&str; 3] = ["$StartTime$", "$EndTime$", "$Period$"];
/// The parameter naming the store a Highlights widget reads.
pub const STORE_PARAMETER: &str = "$EventDataStoreId$";
/// Widgets a custom dashboard may have.
pub const MAX_WIDGETS: usize = 10;
/// How far back `$StartTime$` reaches when a refresh does not say.
const DEFAULT_RANGE_MS: i64 = 7 * 24 * 3_600_000;
/// `$Period$` when a refresh does not say.
const DEFAULT_PERIOD: &str = "day";

fn invalid_statement(message: impl Into<String>) -> ApiError {
    ApiError::client("InvalidQueryStatementException", message)
}

/// `statement` with its `?` placeholders replaced, in order, by `parameters`, each a literal
/// or a `$Name$` looked up in `values`.
pub fn fill(
    statement: &str,
    parameters: &[String],
    values: &BTreeMap<String, String>,
) -> Result<String, String> {
    let placeholders = statement.matches('?').count();
    if placeholders != parameters.len() {
        return Err(format!(
            "The query has {placeholders} '?' placeholders and {} QueryParameters.",
            parameters.len()
        ));
    }
    let mut filled = String::with_capacity(statement.len());
    let mut parameters = parameters.iter();
    for piece in statement.split_inclusive('?') {
        match (piece.strip_suffix('?'), parameters.next()) {
            (Some(text), Some(parameter)) => {
                filled.push_str(text);
                let value = match parameter.starts_with('$') && parameter.ends_with('$') {
                    true => values
                        .get(parameter)
                        .ok_or_else(|| format!("No value was given for {parameter}."))?,
                    false => parameter,
                };
                filled.push_str(value);
            }
            _ => filled.push_str(piece),
        }
    }
    Ok(filled)
}

/// A time as widget queries compare it with `eventTime`.
fn lake_time(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// The refresh's parameter values: those given, and the last seven days by day for the rest
/// (up to the end of the current second, so `eventTime < '$EndTime$'` keeps events of now).
pub fn refresh_values(given: BTreeMap<String, String>, now_ms: i64) -> BTreeMap<String, String> {
    let mut values = given;
    let end_ms = (now_ms.div_euclid(1000) + 1) * 1000;
    values
        .entry("$EndTime$".into())
        .or_insert_with(|| lake_time(end_ms));
    values
        .entry("$StartTime$".into())
        .or_insert_with(|| lake_time(end_ms - DEFAULT_RANGE_MS));
    values
        .entry("$Period$".into())
        .or_insert_with(|| DEFAULT_PERIOD.into());
    values
}

/// The widgets of a custom dashboard as requested, checked: at most ten, each query's
/// placeholders matched by its parameters (the custom ones only) and its SQL valid over the
/// stores `resolve` finds. Aliases are `<dashboard>.widget<n>`-like names the API then shows.
pub fn checked_widgets(
    dashboard: &str,
    requested: &[RequestWidget],
    now_ms: i64,
    resolve: &mut dyn FnMut(&str) -> Result<String, LakeError>,
) -> Result<Vec<WidgetRecord>, ApiError> {
    if requested.len() > MAX_WIDGETS {
        return Err(ApiError::client(
            "ServiceQuotaExceededException",
            format!(
                "A dashboard has at most {MAX_WIDGETS} widgets; {} were given.",
                requested.len()
            ),
        ));
    }
    let sample = refresh_values(BTreeMap::new(), now_ms);
    requested
        .iter()
        .enumerate()
        .map(|(index, widget)| {
            let statement = widget.query_statement.clone().unwrap_or_default();
            let parameters = widget.query_parameters.clone().unwrap_or_default();
            if let Some(other) = parameters
                .iter()
                .find(|p| !CUSTOM_PARAMETERS.contains(&p.as_str()))
            {
                return Err(invalid_statement(format!(
                    "{other} is not a query parameter; a custom dashboard's widgets use \
                     $StartTime$, $EndTime$ and $Period$."
                )));
            }
            let filled = fill(&statement, &parameters, &sample).map_err(invalid_statement)?;
            trailroom_lake::sql::translate(&filled, resolve).map_err(super::super::lake_error)?;
            Ok(WidgetRecord {
                alias: widget_alias(dashboard, index),
                statement,
                parameters,
                view: widget.view_properties.clone().unwrap_or_default(),
            })
        })
        .collect()
}

/// The alias of a custom dashboard's `index`th widget (it starts with a letter, as aliases do).
fn widget_alias(dashboard: &str, index: usize) -> String {
    format!("Widget.{dashboard}.{}", index + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn placeholders_are_filled_in_order() {
        let values = refresh_values(
            BTreeMap::from([("$Period$".into(), "hour".into())]),
            86_400_000 * 10,
        );
        let filled = fill(
            "SELECT date_trunc('?', eventTime) FROM s WHERE eventTime > '?' AND eventTime < '?'",
            &strings(&["$Period$", "$StartTime$", "$EndTime$"]),
            &values,
        )
        .unwrap();
        assert_eq!(
            filled,
            "SELECT date_trunc('hour', eventTime) FROM s WHERE eventTime > '1970-01-04 00:00:01' \
             AND eventTime < '1970-01-11 00:00:01'"
        );
        let literal = fill("SELECT ? FROM s", &strings(&["1"]), &values).unwrap();
        assert_eq!(literal, "SELECT 1 FROM s");
    }

    #[test]
    fn placeholders_and_parameters_must_agree() {
        let values = refresh_values(BTreeMap::new(), 0);
        assert!(fill("SELECT 1 FROM s WHERE a = '?'", &[], &values).is_err());
        assert!(fill("SELECT 1 FROM s", &strings(&["$Period$"]), &values).is_err());
        let missing = fill("SELECT ? FROM s", &strings(&["$Other$"]), &values).unwrap_err();
        assert!(missing.contains("$Other$"), "{missing}");
    }

    #[test]
    fn widgets_are_checked() {
        let widget = |statement: &str, parameters: Option<&[&str]>| RequestWidget {
            query_statement: Some(statement.into()),
            query_parameters: parameters.map(strings),
            view_properties: Some(BTreeMap::from([("View".into(), "Table".into())])),
        };
        let mut resolve = |name: &str| match name {
            "store-1" => Ok("store-1".to_owned()),
            other => Err(LakeError::StoreNotFound(other.to_owned())),
        };
        let ok = checked_widgets(
            "ops",
            &[widget(
                "SELECT eventName, count(*) FROM store-1 WHERE eventTime > '?' GROUP BY 1",
                Some(&["$StartTime$"]),
            )],
            0,
            &mut resolve,
        )
        .unwrap();
        assert_eq!(ok[0].alias, "Widget.ops.1");
        let cases = [
            (
                widget("SELECT * FROM store-2", None),
                "EventDataStoreNotFoundException",
            ),
            (widget("SELEC 1", None), "InvalidQueryStatementException"),
            (
                widget("SELECT 1 FROM store-1 WHERE eventTime > '?'", None),
                "InvalidQueryStatementException",
            ),
            (
                widget("SELECT ? FROM store-1", Some(&["$EventDataStoreId$"])),
                "InvalidQueryStatementException",
            ),
        ];
        for (request, code) in cases {
            let err = checked_widgets("ops", &[request], 0, &mut resolve).unwrap_err();
            assert_eq!(err.code(), code);
        }
        let eleven: Vec<RequestWidget> = (0..11)
            .map(|_| widget("SELECT 1 FROM store-1", None))
            .collect();
        let err = checked_widgets("ops", &eleven, 0, &mut resolve).unwrap_err();
        assert_eq!(err.code(), "ServiceQuotaExceededException");
    }
}
