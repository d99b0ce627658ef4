//! Business report downloads: `GET /a4b/reports/<account>/<schedule>/<file>?Expires=…&Signature=…`,
//! the signed, expiring links ListBusinessReportSchedules hands out for schedules without a
//! bucket. The signature is the credential, as with S3 presigned URLs.

use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Serves one report file as CSV.
pub async fn download(
    State(state): State<AppState>,
    Path((account, _schedule, file)): Path<(String, String, String)>,
    uri: Uri,
) -> Response {
    let now_ms = state.clock.now_ms();
    let url = uri.to_string();
    let report = trailroom_store::read(state.store.as_ref(), |txn| {
        trailroom_a4b::report_download(txn, &account, &url, now_ms)
    })
    .map_err(trailroom_audit::store_failure)
    .and_then(|report| report);
    match report {
        Ok(report) => {
            let disposition = format!("attachment; filename=\"{file}\"");
            let mut response = report.csv.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                headers.insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(err) => (
            StatusCode::FORBIDDEN,
            format!("{}: {}", err.code(), err.message()),
        )
            .into_response(),
    }
}
