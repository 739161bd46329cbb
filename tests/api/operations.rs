//! Health, readiness, metrics, OpenAPI and the embedded web app.
use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn health_and_readiness_answer_when_the_database_is_migrated() {
    let app = TestApp::spawn().await;
    let client = TestApp::client();
    assert_eq!(
        client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let ready = client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.text().await.unwrap(), "ready");
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let app = TestApp::spawn().await;
    let client = TestApp::client();
    client
        .get(app.url("/api/v1/networks/0191f000-0000-7000-8000-000000000000"))
        .send()
        .await
        .unwrap();
    let text = client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("iap_http_requests_total"), "{text}");
    assert!(text.contains("route=\"/api/v1/networks/{id}\""), "{text}");
    assert!(text.contains("iap_http_request_duration_seconds"));
}

#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    let app = TestApp::spawn().await;
    let doc: serde_json::Value = TestApp::client()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/auth/login",
        "/api/v1/networks",
        "/api/v1/networks/{id}/cities",
        "/api/v1/cities/{id}/plan",
    ] {
        assert!(doc["paths"][path].is_object(), "missing {path}");
    }
    let docs = TestApp::client()
        .get(app.url("/api/docs"))
        .send()
        .await
        .unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.unwrap().contains("/api/openapi.json"));
}

#[tokio::test]
async fn deep_links_of_the_web_app_serve_index_html_and_unknown_api_paths_are_404() {
    let app = TestApp::spawn().await;
    let client = TestApp::client();
    let page = client
        .get(app.url("/cities/some-city/sections/vision"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let api = client
        .get(app.url("/api/v1/no-such-thing"))
        .send()
        .await
        .unwrap();
    problem(api, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_wrong_method_is_answered_with_problem_json() {
    let app = TestApp::spawn().await;
    let r = app
        .admin
        .delete(app.url("/api/v1/networks"))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::METHOD_NOT_ALLOWED).await;
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn().await;
    let r = TestApp::client()
        .get(app.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert!(r.headers().contains_key("x-request-id"));
}
