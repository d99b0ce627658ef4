//! CloudTrail Insights: the events this server generates when an API's call or error rate is
//! unusual ([`detector`]), ListInsightsData over a trail's data event insights ([`list_data`]),
//! and ListInsightsMetricData, the series Insights watches ([`metric_data`]).

pub mod detector;
mod list_data;
mod metric_data;

pub use detector::{Plan, Settings, anything_watched, apply, count_due};
pub(crate) use list_data::list_insights_data;
pub use metric_data::list_insights_metric_data;
