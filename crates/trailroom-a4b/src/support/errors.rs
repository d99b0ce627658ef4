//! A4B's modelled errors, worded once.

use trailroom_protocol::ApiError;

/// `NotFoundException` for an ARN (or other id) that does not exist in the caller's account.
pub fn not_found(what: &str) -> ApiError {
    ApiError::client(
        "NotFoundException",
        format!("The resource {what} was not found."),
    )
}

/// `AlreadyExistsException` for a unique name that is taken.
pub fn already_exists(kind: &str, name: &str) -> ApiError {
    ApiError::client(
        "AlreadyExistsException",
        format!("A {kind} with the name {name} already exists."),
    )
}

/// `NameInUseException`: an update would rename onto a taken name.
pub fn name_in_use(kind: &str, name: &str) -> ApiError {
    ApiError::client(
        "NameInUseException",
        format!("The {kind} name {name} is already in use."),
    )
}

/// Maps the store's taken-name failure of an Update* to `NameInUseException`; other errors pass.
pub fn renamed(kind: &'static str, name: String) -> impl FnOnce(ApiError) -> ApiError {
    move |e| {
        if e.code() == "AlreadyExistsException" {
            name_in_use(kind, &name)
        } else {
            e
        }
    }
}

/// `ResourceInUseException`.
pub fn in_use(message: impl Into<String>) -> ApiError {
    ApiError::client("ResourceInUseException", message)
}

/// `LimitExceededException` for a quota.
pub fn limit_exceeded(what: &str, limit: usize) -> ApiError {
    ApiError::client(
        "LimitExceededException",
        format!("You have reached the limit of {limit} {what}."),
    )
}

/// `ValidationException` for a rule beyond the model's constraints.
pub fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::validation(message)
}

/// `ValidationException` for a required member the model leaves optional (a4b.md §0).
pub fn missing(member: &str) -> ApiError {
    ApiError::validation(format!(
        "1 validation error detected: Value null at '{member}' failed to satisfy constraint: \
         Member must not be null"
    ))
}

/// Unwraps a member the documentation calls required.
pub fn required<T>(value: Option<T>, member: &str) -> Result<T, ApiError> {
    value.ok_or_else(|| missing(member))
}
