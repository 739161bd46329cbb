//! argon2id password hashes.
use anyhow::anyhow;
use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};

use crate::error::{AppError, AppResult};

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 256;

/// Refuses passwords that are too short or absurdly long, naming `field`.
pub fn check_strength(field: &str, password: &str) -> AppResult<()> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(AppError::field(
            field,
            format!("must be at least {MIN_LENGTH} characters"),
        ));
    }
    if length > MAX_LENGTH {
        return Err(AppError::field(
            field,
            format!("must be at most {MAX_LENGTH} characters"),
        ));
    }
    Ok(())
}

/// Hashes off the async runtime: argon2 is deliberately expensive.
pub async fn hash(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow!("hashing a password: {e}"))
    })
    .await
    .map_err(|e| anyhow!(e))?
    .map_err(AppError::Internal)
}

/// Verifies a password; `None` as hash still spends the same effort so an
/// unknown account answers as slowly as a wrong password.
pub async fn verify(password: &str, stored_hash: Option<&str>) -> bool {
    let password = password.to_owned();
    let stored = stored_hash.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let decoy;
        let stored = match &stored {
            Some(s) => s.as_str(),
            None => {
                decoy = Argon2::default()
                    .hash_password(b"timing-equaliser")
                    .map(|h| h.to_string())
                    .unwrap_or_default();
                let _ = Argon2::default().verify_password(
                    password.as_bytes(),
                    &match PasswordHash::new(&decoy) {
                        Ok(h) => h,
                        Err(_) => return false,
                    },
                );
                return false;
            }
        };
        match PasswordHash::new(stored) {
            Ok(parsed) => Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
            Err(_) => false,
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let h = hash("correct horse battery").await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(&h)).await);
        assert!(!verify("wrong horse battery", Some(&h)).await);
        assert!(!verify("correct horse battery", None).await);
    }

    #[test]
    fn short_passwords_are_refused_naming_the_field() {
        let err = check_strength("password", "short").unwrap_err();
        assert!(matches!(err, AppError::Validation(e) if e[0].field == "password"));
        assert!(check_strength("password", "twelve chars").is_ok());
    }
}
