//! `ApiJson<T>`: the JSON body extractor of every write.
//!
//! Malformed JSON or a wrong content type is 400; a well-formed body of the
//! wrong shape (missing, unknown or mistyped field) is 422 naming the field;
//! over 1 MiB is 413. axum's own `Json` answers plain text, so we don't use it
//! for input.
use axum::{
    body::Bytes,
    extract::{FromRequest, Request, rejection::BytesRejection},
    http::{StatusCode, header},
};
use serde::de::DeserializeOwned;

use crate::error::{AppError, FieldError};

pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|mime| {
                let mime = mime.trim().to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            })
            .unwrap_or(false);
        if !is_json {
            return Err(AppError::BadRequest(
                "Expected a body of type application/json.".into(),
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e: BytesRejection| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    AppError::PayloadTooLarge
                } else {
                    AppError::BadRequest(e.body_text())
                }
            })?;
        parse(&bytes).map(ApiJson)
    }
}

/// Parses JSON, telling syntax errors (400) from shape errors (422 with the field path).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => {
            de.end()
                .map_err(|e| AppError::BadRequest(format!("Malformed JSON: {e}")))?;
            Ok(value)
        }
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                return Err(AppError::BadRequest(format!("Malformed JSON: {inner}")));
            }
            Err(AppError::Validation(vec![shape_error(
                &path,
                &inner.to_string(),
            )]))
        }
    }
}

/// serde reports a missing field at its parent; name the field itself.
fn shape_error(path: &str, message: &str) -> FieldError {
    let message = strip_position(message);
    let parent = if path == "." { "" } else { path };
    let join = |name: &str| {
        if parent.is_empty() {
            name.to_owned()
        } else {
            format!("{parent}.{name}")
        }
    };
    if let Some(name) = backticked(&message, "missing field `") {
        return FieldError::new(join(&name), "is required");
    }
    if let Some(name) = backticked(&message, "unknown field `") {
        let field = if parent.ends_with(&name) {
            parent.to_owned()
        } else {
            join(&name)
        };
        return FieldError::new(field, "is not a known field");
    }
    FieldError::new(
        if parent.is_empty() {
            "body".into()
        } else {
            parent.to_owned()
        },
        message,
    )
}

fn backticked(message: &str, prefix: &str) -> Option<String> {
    let rest = message.split_once(prefix)?.1;
    Some(rest.split('`').next()?.to_owned())
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code)]
    struct Body {
        name: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code)]
    struct Inner {
        amount: u32,
    }

    fn field_of(json: &str) -> String {
        match parse::<Body>(json.as_bytes()) {
            Err(AppError::Validation(errors)) => errors[0].field.clone(),
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn syntax_errors_are_bad_requests() {
        assert!(matches!(
            parse::<Body>(b"{\"name\": "),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(
            parse::<Body>(br#"{"name": "x"} trailing"#),
            Err(AppError::BadRequest(_))
        ));
    }

    #[test]
    fn shape_errors_name_the_field() {
        assert_eq!(field_of(r#"{}"#), "name");
        assert_eq!(field_of(r#"{"name": 3}"#), "name");
        assert_eq!(field_of(r#"{"name": "x", "colour": 1}"#), "colour");
        assert_eq!(
            field_of(r#"{"name": "x", "inner": {"amount": -1}}"#),
            "inner.amount"
        );
        assert_eq!(field_of(r#"{"name": "x", "inner": {}}"#), "inner.amount");
    }
}
