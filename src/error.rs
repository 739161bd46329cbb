//! The one error type of the HTTP API, rendered as RFC 9457 problem+json.
//!
//! Domain modules return [`AppError`] directly: a rule broken by the caller is
//! a 4xx variant naming the field; anything else is `Internal`, which is logged
//! in full and answered with a generic 500 so internals never leak.
use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use sea_orm::{DbErr, SqlErr};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// One offending field of a request, by its JSON path (`funding[1].amount_eur`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Malformed JSON, wrong content type, unreadable query: 400.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A well-formed request that breaks a rule: 422 naming every field.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("not signed in")]
    Unauthenticated,
    /// Credentials refused (login): 401 with the same answer for every cause.
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    /// The state does not allow it: 409, optionally with field errors or extra members.
    #[error("conflict: {detail}")]
    Conflict {
        code: &'static str,
        detail: String,
        errors: Vec<FieldError>,
        extra: Option<Value>,
    },
    #[error("gone: {0}")]
    Gone(String),
    #[error("precondition failed")]
    PreconditionFailed,
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("locked: {0}")]
    Locked(String),
    #[error("too many requests")]
    TooManyRequests { retry_after_secs: u64 },
    /// Any other client error status with its own code (e.g. 405).
    #[error("{detail}")]
    Status {
        status: StatusCode,
        code: &'static str,
        detail: String,
    },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError::new(field, message)])
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        AppError::Conflict {
            code,
            detail: detail.into(),
            errors: vec![],
            extra: None,
        }
    }

    pub fn conflict_on(field: &str, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        AppError::Conflict {
            code: "conflict",
            errors: vec![FieldError::new(field, detail.clone())],
            detail,
            extra: None,
        }
    }

    pub fn status_error(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        AppError::Status {
            status,
            code,
            detail: detail.into(),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            AppError::Status { status, .. } => *status,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Unauthenticated | AppError::InvalidCredentials => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Conflict { .. } => StatusCode::CONFLICT,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Locked(_) => StatusCode::LOCKED,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable snake_case code, also the last segment of the problem `type`.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "bad_request",
            AppError::Validation(_) => "validation_failed",
            AppError::Unauthenticated => "unauthenticated",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Conflict { code, .. } | AppError::Status { code, .. } => code,
            AppError::Gone(_) => "gone",
            AppError::PreconditionFailed => "precondition_failed",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::Locked(_) => "locked",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::Internal(_) => "internal_error",
        }
    }

    fn detail(&self) -> String {
        match self {
            AppError::BadRequest(d)
            | AppError::Forbidden(d)
            | AppError::Locked(d)
            | AppError::Gone(d) => d.clone(),
            AppError::Validation(errors) => match errors.as_slice() {
                [one] => format!("{}: {}", one.field, one.message),
                _ => format!("{} fields are invalid", errors.len()),
            },
            AppError::Unauthenticated => "Sign in to continue.".into(),
            AppError::InvalidCredentials => "The email or password is not correct.".into(),
            AppError::NotFound => "There is nothing here, or you may not see it.".into(),
            AppError::Conflict { detail, .. } | AppError::Status { detail, .. } => detail.clone(),
            AppError::PreconditionFailed => {
                "Someone else changed this since you loaded it; reload and try again.".into()
            }
            AppError::PayloadTooLarge => "The request body is larger than 1 MiB.".into(),
            AppError::TooManyRequests { retry_after_secs } => {
                format!("Too many attempts; try again in {retry_after_secs} seconds.")
            }
            AppError::Internal(_) => "Something went wrong on our side; it has been logged.".into(),
        }
    }

    fn title(&self) -> &'static str {
        self.status().canonical_reason().unwrap_or("Error")
    }
}

/// The RFC 9457 body; `errors` and `code` are extension members.
#[derive(Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let AppError::Internal(err) = &self {
            tracing::error!(error = ?err, "request failed");
        }
        let errors = match &self {
            AppError::Validation(errors) => errors.clone(),
            AppError::Conflict { errors, .. } => errors.clone(),
            _ => vec![],
        };
        let problem = Problem {
            kind: format!("/problems/{}", self.code()),
            title: self.title().to_owned(),
            status: status.as_u16(),
            detail: self.detail(),
            code: self.code().to_owned(),
            errors,
        };
        let mut body = serde_json::to_value(&problem).unwrap_or(Value::Null);
        if let (
            AppError::Conflict {
                extra: Some(Value::Object(extra)),
                ..
            },
            Value::Object(map),
        ) = (&self, &mut body)
        {
            map.extend(extra.clone());
        }
        let mut response = (status, axum::Json(body)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let AppError::TooManyRequests { retry_after_secs } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
        response
    }
}

impl From<DbErr> for AppError {
    fn from(err: DbErr) -> Self {
        match (&err, err.sql_err()) {
            (DbErr::RecordNotFound(_), _) => AppError::NotFound,
            (_, Some(SqlErr::UniqueConstraintViolation(message))) => AppError::Conflict {
                code: "already_exists",
                detail: "A record with the same unique value already exists.".into(),
                errors: vec![],
                extra: Some(serde_json::json!({ "constraint": message })),
            },
            _ => AppError::Internal(anyhow::Error::new(err)),
        }
    }
}

/// Collects field errors so a validator can report every problem at once.
#[derive(Debug, Default)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Ok when nothing was added, else a 422 naming every field.
    pub fn finish(self) -> AppResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.0))
        }
    }
}
