//! The Highlights dashboard (`AWSCloudTrail-Highlights`): the managed dashboard CloudTrail
//! builds, refreshed every six hours. Its widgets are this server's own summary of a store's
//! activity (who calls, what fails, which services, reads against writes over time); each reads
//! the store its refresh names with `$EventDataStoreId$`.

use std::collections::BTreeMap;

use super::record::WidgetRecord;

/// The Highlights dashboard's name.
pub const HIGHLIGHTS: &str = "AWSCloudTrail-Highlights";

/// `(alias, title, view, statement, parameters)` of each widget.
const WIDGETS: [(&str, &str, &str, &str, &[&str]); 6] = [
    (
        "Highlights.ActivityOverTime",
        "ReadAndWriteActivity",
        "LineChart",
        "SELECT date_trunc('?', eventTime) AS eventDate, IF(readOnly, 'read', 'write') AS \
         readOnly, count(*) AS eventCount FROM ? WHERE eventTime > '?' AND eventTime < '?' \
         GROUP BY date_trunc('?', eventTime), readOnly ORDER BY eventDate, readOnly",
        &[
            "$Period$",
            "$EventDataStoreId$",
            "$StartTime$",
            "$EndTime$",
            "$Period$",
        ],
    ),
    (
        "Highlights.TopServices",
        "TopServices",
        "BarChart",
        "SELECT eventSource, count(*) AS eventCount FROM ? WHERE eventTime > '?' AND \
         eventTime < '?' GROUP BY eventSource ORDER BY eventCount DESC LIMIT 10",
        &["$EventDataStoreId$", "$StartTime$", "$EndTime$"],
    ),
    (
        "Highlights.TopCallers",
        "TopCallers",
        "Table",
        "SELECT userIdentity.arn AS caller, count(*) AS eventCount FROM ? WHERE eventTime > \
         '?' AND eventTime < '?' AND userIdentity.arn IS NOT NULL GROUP BY userIdentity.arn \
         ORDER BY eventCount DESC LIMIT 10",
        &["$EventDataStoreId$", "$StartTime$", "$EndTime$"],
    ),
    (
        "Highlights.TopErrors",
        "TopErrors",
        "Table",
        "SELECT errorCode, count(*) AS eventCount FROM ? WHERE eventTime > '?' AND eventTime \
         < '?' AND errorCode IS NOT NULL GROUP BY errorCode ORDER BY eventCount DESC LIMIT 10",
        &["$EventDataStoreId$", "$StartTime$", "$EndTime$"],
    ),
    (
        "Highlights.AccessDenied",
        "AccessDeniedByCaller",
        "Table",
        "SELECT userIdentity.arn AS caller, eventName, count(*) AS eventCount FROM ? WHERE \
         eventTime > '?' AND eventTime < '?' AND errorCode IN ('AccessDenied', \
         'AccessDeniedException', 'UnauthorizedOperation') GROUP BY userIdentity.arn, \
         eventName ORDER BY eventCount DESC LIMIT 10",
        &["$EventDataStoreId$", "$StartTime$", "$EndTime$"],
    ),
    (
        "Highlights.TopRegions",
        "ActivityByRegion",
        "PieChart",
        "SELECT awsRegion, count(*) AS eventCount FROM ? WHERE eventTime > '?' AND eventTime \
         < '?' GROUP BY awsRegion ORDER BY eventCount DESC LIMIT 10",
        &["$EventDataStoreId$", "$StartTime$", "$EndTime$"],
    ),
];

/// The Highlights dashboard's widgets.
pub fn widgets() -> Vec<WidgetRecord> {
    WIDGETS
        .iter()
        .map(|(alias, title, view, statement, parameters)| {
            let mut properties = BTreeMap::from([
                ("Height".to_owned(), "2".to_owned()),
                ("Width".to_owned(), "4".to_owned()),
                ("Title".to_owned(), (*title).to_owned()),
                ("View".to_owned(), (*view).to_owned()),
            ]);
            if *view != "Table" {
                let (x, y) = match *alias {
                    "Highlights.ActivityOverTime" => ("eventDate", "eventCount"),
                    "Highlights.TopServices" => ("eventSource", "eventCount"),
                    _ => ("awsRegion", "eventCount"),
                };
                properties.insert("XAxisColumn".into(), x.into());
                properties.insert("YAxisColumn".into(), y.into());
            }
            if *alias == "Highlights.ActivityOverTime" {
                properties.insert("FilterColumn".into(), "readOnly".into());
            }
            WidgetRecord {
                alias: (*alias).to_owned(),
                statement: (*statement).to_owned(),
                parameters: parameters.iter().map(|p| (*p).to_owned()).collect(),
                view: properties,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::widgets::{fill, refresh_values};
    use super::*;

    #[test]
    fn every_widget_translates_over_a_store() {
        let values = refresh_values(
            BTreeMap::from([(
                "$EventDataStoreId$".to_owned(),
                "0c3f9e64-0000-4000-8000-000000000001".to_owned(),
            )]),
            1_700_000_000_000,
        );
        for widget in widgets() {
            let filled = fill(&widget.statement, &widget.parameters, &values).unwrap();
            let mut resolve = |name: &str| Ok(name.to_owned());
            trailroom_lake::sql::translate(&filled, &mut resolve)
                .unwrap_or_else(|e| panic!("{}: {e}", widget.alias));
        }
    }
}
