//! AWS Query (form-encoded) bodies: parsing, the Action, and the request parameters recorded
//! for IAM and STS calls.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailroom_protocol::query::QueryParams;

fuzz_target!(|data: &[u8]| {
    if let Ok(params) = QueryParams::parse(data) {
        let _ = params.action();
        let _ = params.get("Version");
        let rendered = trailroom_iam::request_parameters(&params);
        assert!(rendered.is_object() || rendered.is_null());
    }
});
