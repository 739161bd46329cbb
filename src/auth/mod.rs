//! Who is calling: accounts, passwords, sessions and login throttling.
pub mod current_user;
pub mod password_reset;
pub mod passwords;
pub mod routes;
pub mod sessions;
pub mod throttle;

pub use current_user::CurrentUser;

/// Emails are compared and stored trimmed and lower-cased.
pub fn normalise_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    email_address::EmailAddress::parse_with_options(
        &email,
        email_address::Options::default().with_required_tld(),
    )
    .ok()
    .map(|_| email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            normalise_email("  Ana.Silva@Obidos.PT ").as_deref(),
            Some("ana.silva@obidos.pt")
        );
    }

    #[test]
    fn addresses_without_a_domain_are_refused() {
        assert_eq!(normalise_email("ana"), None);
        assert_eq!(normalise_email("ana@localhost"), None);
        assert_eq!(normalise_email(""), None);
    }
}
