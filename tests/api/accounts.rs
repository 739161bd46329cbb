//! Sign-in, sessions, throttling and the current user.
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn signing_in_sets_an_http_only_lax_session_cookie_and_me_answers() {
    let app = TestApp::spawn().await;
    app.user("ana@obidos.pt", "Ana Silva").await;
    let client = TestApp::client();

    let response = client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": "  Ana@Obidos.PT ", "password": PASSWORD }))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("iap_session="));
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"), "plain http must not set Secure");
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["user"]["email"], "ana@obidos.pt");
    let me = json_ok(
        client.get(app.url("/api/v1/me")).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["name"], "Ana Silva");
    assert_eq!(me["memberships"], json!([]));
}

#[tokio::test]
async fn the_cookie_is_secure_when_the_public_url_is_https() {
    let app =
        TestApp::spawn_with(|c| c.public_url = Some("https://iap.example.org".parse().unwrap()))
            .await;
    app.user("ana@obidos.pt", "Ana Silva").await;
    let response = TestApp::client()
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": "ana@obidos.pt", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(cookie.contains("Secure"));
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_answer() {
    let app = TestApp::spawn().await;
    app.user("ana@obidos.pt", "Ana Silva").await;
    let client = TestApp::client();

    let wrong = client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": "ana@obidos.pt", "password": "not the password" }))
        .send()
        .await
        .unwrap();
    let unknown = client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": "nobody@obidos.pt", "password": "not the password" }))
        .send()
        .await
        .unwrap();

    let wrong = problem(wrong, StatusCode::UNAUTHORIZED).await;
    let unknown = problem(unknown, StatusCode::UNAUTHORIZED).await;
    assert_eq!(wrong, unknown);
}

#[tokio::test]
async fn repeated_failures_on_one_account_are_throttled_with_retry_after() {
    let app = TestApp::spawn().await;
    app.user("ana@obidos.pt", "Ana Silva").await;
    let client = TestApp::client();
    let attempt = || {
        client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "email": "ana@obidos.pt", "password": "guess guess guess" }))
            .send()
    };
    for _ in 0..5 {
        assert_eq!(attempt().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    }

    let throttled = attempt().await.unwrap();

    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = throttled.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 0 && retry_after <= 15 * 60);
    problem(throttled, StatusCode::TOO_MANY_REQUESTS).await;
    // Even the right password waits: the attacker must not learn it was right.
    let right = client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": "ana@obidos.pt", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn one_client_address_is_throttled_across_accounts() {
    let app = TestApp::spawn().await;
    let client = TestApp::client();
    for i in 0..20 {
        let r = client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "email": format!("user{i}@example.org"), "password": "guess guess guess" }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": "admin@example.org", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    let app = TestApp::spawn().await;
    app.user("ana@obidos.pt", "Ana Silva").await;
    let client = TestApp::client();
    let login = client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": "ana@obidos.pt", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    let token = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();

    let out = client
        .post(app.url("/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();

    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    // Replaying the old cookie must not work: the server forgot the session.
    let replay = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .header("cookie", token)
        .send()
        .await
        .unwrap();
    problem(replay, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn me_without_a_session_is_401_problem_json() {
    let app = TestApp::spawn().await;
    let r = TestApp::client()
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap();
    let body = problem(r, StatusCode::UNAUTHORIZED).await;
    assert_eq!(body["code"], "unauthenticated");
    let forged = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .header("cookie", "iap_session=forged-token")
        .send()
        .await
        .unwrap();
    problem(forged, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn login_bad_inputs_are_400_or_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let client = TestApp::client();
    let url = app.url("/api/v1/auth/login");

    let malformed = client
        .post(&url)
        .header("content-type", "application/json")
        .body("{\"email\":")
        .send()
        .await
        .unwrap();
    problem(malformed, StatusCode::BAD_REQUEST).await;
    let wrong_type = client
        .post(&url)
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .unwrap();
    problem(wrong_type, StatusCode::BAD_REQUEST).await;
    let missing = client
        .post(&url)
        .json(&json!({ "email": "a@b.org" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        fields(&problem(missing, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["password"]
    );
    let unknown = client
        .post(&url)
        .json(&json!({ "email": "a@b.org", "password": "x", "remember": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        fields(&problem(unknown, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["remember"]
    );
}

#[tokio::test]
async fn bodies_over_one_mebibyte_are_413() {
    let app = TestApp::spawn().await;
    let huge = format!(
        "{{\"email\":\"{}\",\"password\":\"x\"}}",
        "a".repeat(1024 * 1024 + 10)
    );
    let r = TestApp::client()
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::PAYLOAD_TOO_LARGE).await;
}

#[tokio::test]
async fn writes_from_a_foreign_origin_are_refused() {
    let app = TestApp::spawn().await;
    let r = TestApp::client()
        .post(app.url("/api/v1/auth/login"))
        .header("origin", "https://evil.example")
        .json(&json!({ "email": "admin@example.org", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN).await;
    let same = TestApp::client()
        .post(app.url("/api/v1/auth/login"))
        .header("origin", app.address.clone())
        .json(&json!({ "email": "admin@example.org", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), StatusCode::OK);
}
