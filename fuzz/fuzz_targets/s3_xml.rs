//! S3 request XML as the S3 service reads it (s3s's deserializers for the bodies clients send:
//! bucket configuration, multi-object delete, tagging, and more).
#![no_main]

use libfuzzer_sys::fuzz_target;
use s3s::dto;
use s3s::xml::{Deserialize, Deserializer};

fn parse<'a, T: Deserialize<'a>>(data: &'a [u8]) {
    let mut de = Deserializer::new(data);
    if T::deserialize(&mut de).is_ok() {
        let _ = de.expect_eof();
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((selector, xml)) = data.split_first() else {
        return;
    };
    match selector % 6 {
        0 => parse::<dto::CreateBucketConfiguration>(xml),
        1 => parse::<dto::Delete>(xml),
        2 => parse::<dto::Tagging>(xml),
        3 => parse::<dto::CompletedMultipartUpload>(xml),
        4 => parse::<dto::VersioningConfiguration>(xml),
        _ => parse::<dto::BucketLifecycleConfiguration>(xml),
    }
});
