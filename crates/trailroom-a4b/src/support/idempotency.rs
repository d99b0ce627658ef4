//! `ClientRequestToken`: the same token with the same parameters replays the first response;
//! with different parameters it is `AlreadyExistsException` (a4b.md §2.5).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use trailroom_audit::store_failure;
use trailroom_protocol::ApiError;
use trailroom_store::{Doc, ReadTxn, WriteTxn};

use crate::support::search::binding;

const KIND: &str = "a4b_request_token";

#[derive(Serialize, serde::Deserialize)]
struct Remembered {
    parameters: String,
    response: Value,
}

/// A token and the request it came with.
pub struct Token {
    id: String,
    parameters: String,
}

/// Runs `create` once per token: a repeat with the same parameters replays the first response
/// without running it, a repeat with other parameters is `AlreadyExistsException`, and without a
/// token `create` simply runs.
pub fn once<O: Serialize + DeserializeOwned>(
    tx: &mut dyn WriteTxn,
    account: &str,
    token: Option<Token>,
    create: impl FnOnce(&mut dyn WriteTxn) -> Result<O, ApiError>,
) -> Result<O, ApiError> {
    let Some(token) = token else {
        return create(tx);
    };
    if let Some(replayed) = token.replay(tx, account)? {
        return Ok(replayed);
    }
    let response = create(tx)?;
    token.remember(tx, account, &response)?;
    Ok(response)
}

impl Token {
    /// The token of `operation` carrying `request` (whose token member is ignored in the
    /// comparison because it is the token itself). `None` when the caller sent no token.
    pub fn of(operation: &str, token: Option<&str>, request: &impl Serialize) -> Option<Self> {
        let token = token?;
        let mut value = serde_json::to_value(request).unwrap_or_default();
        if let Value::Object(map) = &mut value {
            map.remove("ClientRequestToken");
        }
        Some(Self {
            id: format!("{operation}:{token}"),
            parameters: binding(&value),
        })
    }

    /// The response to replay, if this token was used before with the same parameters.
    fn replay<O: DeserializeOwned>(
        &self,
        txn: &dyn ReadTxn,
        account: &str,
    ) -> Result<Option<O>, ApiError> {
        let Some(doc) = txn.get(account, KIND, &self.id).map_err(store_failure)? else {
            return Ok(None);
        };
        let remembered: Remembered = doc.decode().map_err(store_failure)?;
        if remembered.parameters != self.parameters {
            return Err(ApiError::client(
                "AlreadyExistsException",
                "The ClientRequestToken was already used with different parameters.",
            ));
        }
        serde_json::from_value(remembered.response)
            .map(Some)
            .map_err(|_| ApiError::internal())
    }

    /// Remembers `response` for later replays.
    fn remember(
        &self,
        tx: &mut dyn WriteTxn,
        account: &str,
        response: &impl Serialize,
    ) -> Result<(), ApiError> {
        let record = Remembered {
            parameters: self.parameters.clone(),
            response: serde_json::to_value(response).map_err(|_| ApiError::internal())?,
        };
        let doc = Doc::new(account, KIND, &self.id, &record).map_err(store_failure)?;
        tx.put(&doc).map_err(store_failure)
    }
}
