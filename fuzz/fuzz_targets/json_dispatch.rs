//! JSON 1.1 bodies for every A4B and CloudTrail operation through the generated parsing,
//! request rendering and model validation: a clean error or the (stub) handler, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use trailroom_model::{CallObserver, a4b, cloudtrail};
use trailroom_protocol::ApiError;

struct Observer;

impl CallObserver for Observer {}

struct A4b;

/// A stub handler per operation (A4B's trait has no default bodies).
macro_rules! stub {
    ($op:ident, $method:ident, $input:ty, $output:ty) => {
        async fn $method(&self, _: &Observer, _: $input) -> Result<$output, ApiError> {
            Err(trailroom_model::not_implemented(stringify!($op)))
        }
    };
}

impl a4b::AlexaForBusiness for A4b {
    type Context = Observer;

    trailroom_model::a4b_operations!(stub);
}

struct CloudTrail;

impl cloudtrail::CloudTrail for CloudTrail {
    type Context = Observer;
}

fuzz_target!(|data: &[u8]| {
    let Some((selector, body)) = data.split_first() else {
        return;
    };
    let a4b_ops = a4b::Operation::ALL;
    let trail_ops = cloudtrail::Operation::ALL;
    let index = usize::from(*selector) % (a4b_ops.len() + trail_ops.len());
    let dispatched = match a4b_ops.get(index) {
        Some(op) => futures::executor::block_on(a4b::dispatch(&A4b, &Observer, *op, body)),
        None => {
            let op = trail_ops[index - a4b_ops.len()];
            futures::executor::block_on(cloudtrail::dispatch(&CloudTrail, &Observer, op, body))
        }
    };
    if let Err(err) = dispatched.result {
        // Client errors only: what a client sends never becomes a server fault.
        assert!(
            err.status().is_client_error() || err.code() == "NotImplementedException",
            "{}",
            err.code()
        );
    }
});
