//! Absolute links into the app for emails: every email points at the exact place it talks about.

use std::fmt;

/// The public base URL of the installation (`IAP_PUBLIC_URL`), without a trailing slash.
///
/// Emails are read outside the app, so every link must be absolute; joining happens in one place
/// so no template ever builds a URL by hand.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

/// `IAP_PUBLIC_URL` is not an absolute http(s) URL.
#[derive(Debug, thiserror::Error)]
#[error("public URL must start with http:// or https:// and name a host, got {0:?}")]
pub struct InvalidPublicUrl(pub String);

impl PublicUrl {
    /// Accepts `https://iap.example.org` or `https://example.org/iap/` (a sub-path is kept).
    pub fn parse(raw: &str) -> Result<Self, InvalidPublicUrl> {
        let trimmed = raw.trim().trim_end_matches('/');
        let rest = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("http://"));
        match rest {
            Some(host)
                if !host.is_empty()
                    && !host.starts_with('/')
                    && !host.contains(['?', '#', ' ']) =>
            {
                Ok(Self(trimmed.to_owned()))
            }
            _ => Err(InvalidPublicUrl(raw.to_owned())),
        }
    }

    /// `path` is an app path such as `/plans/{id}/sections/{id}#comment-{id}`; a missing leading
    /// slash is added.
    pub fn join(&self, path: &str) -> String {
        if path.starts_with('/') {
            format!("{}{path}", self.0)
        } else {
            format!("{}/{path}", self.0)
        }
    }

    /// The one-click unsubscribe address for a token (RFC 8058 POSTs here; a GET shows a
    /// confirmation page). An API path, so it works without the web app and without signing in.
    pub fn unsubscribe(&self, token: &str) -> String {
        self.join(&format!("/api/v1/unsubscribe/{token}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PublicUrl").field(&self.0).finish()
    }
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_paths_without_double_slashes() {
        let url = PublicUrl::parse("https://iap.example.org/").unwrap();
        assert_eq!(url.join("/plans/1"), "https://iap.example.org/plans/1");
        assert_eq!(url.join("plans/1"), "https://iap.example.org/plans/1");
        assert_eq!(
            url.unsubscribe("tok"),
            "https://iap.example.org/api/v1/unsubscribe/tok"
        );
    }

    #[test]
    fn keeps_a_sub_path() {
        let url = PublicUrl::parse("https://example.org/iap").unwrap();
        assert_eq!(url.join("/plans/1"), "https://example.org/iap/plans/1");
    }

    #[test]
    fn refuses_relative_or_odd_urls() {
        for bad in [
            "",
            "example.org",
            "ftp://x",
            "https://",
            "https:///x",
            "https://a b",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
    }
}
