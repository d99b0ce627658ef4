//! CloudTrail Lake SQL through the translator: any text is translated (to SQLite or a refusal
//! naming the problem), its table names are read, a timestamp literal is normalized. Never a
//! panic, and a translation names exactly the stores the resolver gave it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailroom_lake::sql::{table_names, translate};
use trailroom_lake::udf::normalize_timestamp;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = table_names(&text);
    let _ = normalize_timestamp(&text);
    let mut resolved = Vec::new();
    let outcome = translate(&text, &mut |name| {
        let id = name.to_lowercase();
        resolved.push(id.clone());
        Ok(id)
    });
    if let Ok(translation) = outcome {
        for (_, id) in &translation.views {
            assert!(resolved.contains(id));
        }
    }
});
