//! Comments on sections and stages: who may write, read, edit, remove,
//! resolve and reopen, and what bad input is refused.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use iap_studio::{entities::city, plans, sections};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::*;

/// The id of a section of a city's plan, by key.
pub async fn section_id(app: &TestApp, city: &city::Model, key: &str) -> Uuid {
    let plan = plans::of_city(&app.state.db, city.id).await.unwrap();
    sections::of_plan(&app.state.db, plan.id)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.key == key)
        .unwrap()
        .id
}

pub async fn post_comment(app: &TestApp, client: &Client, path: &str, body: Value) -> Value {
    json_ok(
        client.post(app.url(path)).json(&body).send().await.unwrap(),
        StatusCode::CREATED,
    )
    .await
}

async fn comments_of(app: &TestApp, client: &Client, path: &str) -> Vec<Value> {
    json_ok(
        client.get(app.url(path)).send().await.unwrap(),
        StatusCode::OK,
    )
    .await
    .as_array()
    .unwrap()
    .clone()
}

#[tokio::test]
async fn everyone_who_sees_the_city_comments_on_a_section_and_reads_the_thread() {
    // Arrange
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let vision = section_id(&app, &w.obidos, "vision").await;
    let path = format!("/api/v1/sections/{vision}/comments");
    let mut events = app.state.hub.subscribe();

    // Act
    let root = post_comment(
        &app,
        &w.ulg.1,
        &path,
        json!({ "body": "Can we add the **2023** visitor figures?",
                "anchor": { "quote": "creative town", "from": "AQID", "to": "BAUG" } }),
    )
    .await;
    for commenter in [&w.observer.1, &w.expert.1, &w.lead.1, &w.coordinator.1] {
        post_comment(
            &app,
            commenter,
            &path,
            json!({ "body": "Agreed.", "parent_id": root["id"] }),
        )
        .await;
    }

    // Assert
    let thread = comments_of(&app, &w.observer.1, &path).await;
    assert_eq!(thread.len(), 5);
    assert_eq!(thread[0]["anchor"]["quote"], "creative town");
    assert_eq!(thread[0]["author_name"], w.ulg.0.name.as_str());
    assert!(thread[1..].iter().all(|c| c["parent_id"] == root["id"]));
    let event = events.recv().await.unwrap();
    assert_eq!(event.kind, "comment.created");
    assert_eq!(event.city_id, Some(w.obidos.id));
}

#[tokio::test]
async fn other_cities_and_strangers_get_404_and_anonymous_callers_401() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let vision = section_id(&app, &w.obidos, "vision").await;
    let stage = stage_id(&app, &w.obidos, "setup").await;
    for path in [
        format!("/api/v1/sections/{vision}/comments"),
        format!("/api/v1/stages/{stage}/comments"),
        format!("/api/v1/sections/{}/comments", Uuid::now_v7()),
    ] {
        for client in [&w.other_city.1, &w.stranger] {
            problem(
                client.get(app.url(&path)).send().await.unwrap(),
                StatusCode::NOT_FOUND,
            )
            .await;
            problem(
                client
                    .post(app.url(&path))
                    .json(&json!({ "body": "hello" }))
                    .send()
                    .await
                    .unwrap(),
                StatusCode::NOT_FOUND,
            )
            .await;
        }
        problem(
            TestApp::client().get(app.url(&path)).send().await.unwrap(),
            StatusCode::UNAUTHORIZED,
        )
        .await;
    }
    problem(
        w.ulg
            .1
            .get(app.url("/api/v1/sections/not-a-uuid/comments"))
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    assert!(
        comments_of(
            &app,
            &w.ulg.1,
            &format!("/api/v1/sections/{vision}/comments")
        )
        .await
        .is_empty()
    );
}

#[tokio::test]
async fn bad_comments_are_refused_naming_the_field_and_nothing_is_written() {
    // Arrange
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let vision = section_id(&app, &w.obidos, "vision").await;
    let context = section_id(&app, &w.obidos, "context").await;
    let stage = stage_id(&app, &w.obidos, "setup").await;
    let path = format!("/api/v1/sections/{vision}/comments");
    let root = post_comment(&app, &w.ulg.1, &path, json!({ "body": "root" })).await;
    let reply = post_comment(
        &app,
        &w.ulg.1,
        &path,
        json!({ "body": "reply", "parent_id": root["id"] }),
    )
    .await;
    let elsewhere = post_comment(
        &app,
        &w.ulg.1,
        &format!("/api/v1/sections/{context}/comments"),
        json!({ "body": "elsewhere" }),
    )
    .await;
    let cases = [
        (json!({ "body": "   " }), "body"),
        (json!({ "body": "x".repeat(10_001) }), "body"),
        (
            json!({ "body": "hi", "parent_id": reply["id"] }),
            "parent_id",
        ),
        (
            json!({ "body": "hi", "parent_id": elsewhere["id"] }),
            "parent_id",
        ),
        (
            json!({ "body": "hi", "parent_id": Uuid::now_v7() }),
            "parent_id",
        ),
        (
            json!({ "body": "hi", "anchor": { "quote": "x", "from": "not base64!" } }),
            "anchor.from",
        ),
        (
            json!({ "body": "hi", "anchor": { "quote": "" } }),
            "anchor.quote",
        ),
        (
            json!({ "body": "hi", "parent_id": root["id"], "anchor": { "quote": "x" } }),
            "anchor",
        ),
        (
            json!({ "body": "hi", "mentions": [w.other_city.0.id] }),
            "mentions",
        ),
        (
            json!({ "body": "hi", "mentions": [Uuid::now_v7()] }),
            "mentions",
        ),
        (json!({ "body": "hi", "colour": "red" }), "colour"),
        (json!({ "mentions": [] }), "body"),
    ];

    // Act + Assert
    for (body, field) in cases {
        let p = problem(
            w.ulg
                .1
                .post(app.url(&path))
                .json(&body)
                .send()
                .await
                .unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert!(fields(&p).iter().any(|f| f == field), "{field}: {p}");
    }
    problem(
        w.ulg
            .1
            .post(app.url(&path))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let p = problem(
        w.ulg
            .1
            .post(app.url(&format!("/api/v1/stages/{stage}/comments")))
            .json(&json!({ "body": "hi", "anchor": { "quote": "x" } }))
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&p), ["anchor"]);
    assert_eq!(comments_of(&app, &w.ulg.1, &path).await.len(), 2);
}

#[tokio::test]
async fn only_the_author_edits_and_the_author_or_a_coordinator_removes_leaving_comment_removed() {
    // Arrange
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let vision = section_id(&app, &w.obidos, "vision").await;
    let path = format!("/api/v1/sections/{vision}/comments");
    let mine = post_comment(&app, &w.ulg.1, &path, json!({ "body": "first draft" })).await;
    let id = mine["id"].as_str().unwrap().to_owned();
    let url = app.url(&format!("/api/v1/comments/{id}"));

    // Act + Assert: editing
    for client in [&w.coordinator.1, &w.observer.1] {
        problem(
            client
                .patch(&url)
                .json(&json!({ "body": "hijack" }))
                .send()
                .await
                .unwrap(),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    problem(
        w.stranger
            .patch(&url)
            .json(&json!({ "body": "hijack" }))
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    let p = problem(
        w.ulg
            .1
            .patch(&url)
            .json(&json!({ "body": "" }))
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(fields(&p), ["body"]);
    let edited = json_ok(
        w.ulg
            .1
            .patch(&url)
            .json(&json!({ "body": "second draft" }))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(edited["body"], "second draft");
    assert!(edited["edited_at"].is_string());

    // Act + Assert: removing
    problem(
        w.observer.1.delete(&url).send().await.unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        w.other_city.1.delete(&url).send().await.unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_eq!(
        w.coordinator.1.delete(&url).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let thread = comments_of(&app, &w.observer.1, &path).await;
    assert_eq!(thread[0]["body"], "comment removed");
    assert_eq!(thread[0]["removed"], true);
    problem(
        w.ulg
            .1
            .patch(&url)
            .json(&json!({ "body": "back" }))
            .send()
            .await
            .unwrap(),
        StatusCode::CONFLICT,
    )
    .await;
    problem(
        w.ulg.1.delete(&url).send().await.unwrap(),
        StatusCode::CONFLICT,
    )
    .await;
}

#[tokio::test]
async fn a_thread_is_resolved_and_reopened_by_writers_but_not_by_an_observer_who_did_not_start_it()
{
    // Arrange
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let stage = stage_id(&app, &w.obidos, "setup").await;
    let path = format!("/api/v1/stages/{stage}/comments");
    let root = post_comment(&app, &w.coordinator.1, &path, json!({ "body": "Ready?" })).await;
    let reply = post_comment(
        &app,
        &w.observer.1,
        &path,
        json!({ "body": "Not yet", "parent_id": root["id"] }),
    )
    .await;
    let resolve = |id: &Value| {
        app.url(&format!(
            "/api/v1/comments/{}/resolve",
            id.as_str().unwrap()
        ))
    };
    let reopen = |id: &Value| app.url(&format!("/api/v1/comments/{}/reopen", id.as_str().unwrap()));
    let mut events = app.state.hub.subscribe();

    // Act + Assert
    problem(
        w.observer
            .1
            .post(resolve(&root["id"]))
            .send()
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        w.stranger.post(resolve(&root["id"])).send().await.unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(
        w.ulg.1.post(resolve(&reply["id"])).send().await.unwrap(),
        StatusCode::CONFLICT,
    )
    .await;
    problem(
        w.ulg.1.post(reopen(&root["id"])).send().await.unwrap(),
        StatusCode::CONFLICT,
    )
    .await;
    let resolved = json_ok(
        w.ulg.1.post(resolve(&root["id"])).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(resolved["resolved_by"], w.ulg.0.id.to_string());
    let event = events.recv().await.unwrap();
    assert_eq!(event.kind, "comment.resolved");
    problem(
        w.ulg.1.post(resolve(&root["id"])).send().await.unwrap(),
        StatusCode::CONFLICT,
    )
    .await;
    let reopened = json_ok(
        w.expert.1.post(reopen(&root["id"])).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert!(reopened["resolved_at"].is_null());
}

#[tokio::test]
async fn an_action_of_the_action_table_gets_its_own_thread_seen_only_in_its_city() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan = plan_id(&app, &w.obidos).await;
    let action =
        crate::actions::create(&app, &w.ulg.1, plan, &crate::actions::action_body("A1.1")).await;
    let path = format!(
        "/api/v1/actions/{}/comments",
        action["id"].as_str().unwrap()
    );

    let created = json_ok(
        w.expert
            .1
            .post(app.url(&path))
            .json(&serde_json::json!({ "body": "Who pays for the hub's first year?" }))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;

    assert_eq!(created["target_type"], "action");
    let thread = comments_of(&app, &w.observer.1, &path).await;
    assert_eq!(thread.len(), 1);
    for client in [&w.other_city.1, &w.stranger] {
        let r = client
            .post(app.url(&path))
            .json(&serde_json::json!({ "body": "hello" }))
            .send()
            .await
            .unwrap();
        problem(r, StatusCode::NOT_FOUND).await;
    }
    let r = w
        .ulg
        .1
        .post(app.url(&path))
        .json(&serde_json::json!({ "body": "" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["body"]
    );
}
