//! Versions and diffs over HTTP.
use iap_studio::entities::audit_event;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::actions::{action_body, create, plan_of};
use crate::helpers::*;

async fn make_version(
    app: &TestApp,
    client: &reqwest::Client,
    plan_id: Uuid,
    label: &str,
) -> Value {
    json_ok(
        client
            .post(app.url(&format!("/api/v1/plans/{plan_id}/versions")))
            .json(&json!({ "label": label }))
            .send()
            .await
            .expect("request"),
        StatusCode::CREATED,
    )
    .await
}

async fn write_section(app: &TestApp, plan_id: Uuid, key: &str, markdown: &str, by: Uuid) {
    iap_studio::sections::replace_markdown(&app.state.db, plan_id, key, markdown, by)
        .await
        .expect("database");
}

#[tokio::test]
async fn a_version_freezes_every_section_and_action_and_stays_as_it_was() {
    // Arrange
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan_id = plan_of(&app, &w.obidos).await;
    write_section(
        &app,
        plan_id,
        "vision",
        "Óbidos, a creative town.",
        w.ulg.0.id,
    )
    .await;
    let action = create(&app, &w.ulg.1, plan_id, &action_body("A1")).await;

    // Act
    let v1 = make_version(&app, &w.ulg.1, plan_id, "  Before the ULG meeting ").await;
    write_section(&app, plan_id, "vision", "Óbidos, a living lab.", w.ulg.0.id).await;
    let v2 = make_version(&app, &w.coordinator.1, plan_id, "After").await;

    // Assert
    assert_eq!(v1["number"], 1);
    assert_eq!(v2["number"], 2);
    assert_eq!(v1["label"], "Before the ULG meeting");
    assert_eq!(v1["kind"], "manual");
    assert_eq!(v1["stage_id"], Value::Null);
    assert_eq!(v1["created_by"], w.ulg.0.id.to_string());
    let read = json_ok(
        w.observer
            .1
            .get(app.url(&format!("/api/v1/versions/{}", v1["id"].as_str().unwrap())))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let sections = read["snapshot"]["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 9);
    assert_eq!(sections[0]["key"], "summary");
    let vision = sections.iter().find(|s| s["key"] == "vision").unwrap();
    assert_eq!(
        vision["markdown"].as_str().unwrap().trim_end(),
        "Óbidos, a creative town."
    );
    assert_eq!(vision["title"], "Vision and objectives");
    assert_eq!(read["snapshot"]["actions"][0]["id"], action["id"]);
    assert_eq!(
        read["snapshot"]["actions"][0]["estimated_cost_eur"],
        "480000.00"
    );

    let listed = json_ok(
        w.expert
            .1
            .get(app.url(&format!("/api/v1/plans/{plan_id}/versions")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let numbers: Vec<_> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["number"].clone())
        .collect();
    assert_eq!(numbers, [json!(2), json!(1)]);
    assert!(listed[0].get("snapshot").is_none());
    let audits = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("version.created"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(audits, 2);
}

#[tokio::test]
async fn freeze_for_a_stage_makes_a_submission_version() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan = iap_studio::plans::of_city(&app.state.db, w.obidos.id)
        .await
        .unwrap();
    let stage = iap_studio::plans::stages(&app.state.db, plan.id)
        .await
        .unwrap()[0]
        .clone();

    let v = iap_studio::versions::freeze(
        &app.state.db,
        &plan,
        "Stage 1 submitted",
        Some(stage.id),
        w.coordinator.0.id,
    )
    .await
    .unwrap();

    assert_eq!(v.kind, "submission");
    assert_eq!(v.stage_id, Some(stage.id));
    assert_eq!(v.number, 1);
}

#[tokio::test]
async fn read_only_roles_may_not_make_versions_and_other_cities_do_not_see_them() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan_id = plan_of(&app, &w.obidos).await;
    let v1 = make_version(&app, &w.ulg.1, plan_id, "First").await;
    let url = app.url(&format!("/api/v1/plans/{plan_id}/versions"));

    for client in [&w.observer.1, &w.expert.1, &w.lead.1] {
        let r = client
            .post(&url)
            .json(&json!({"label": "Mine"}))
            .send()
            .await
            .unwrap();
        problem(r, StatusCode::FORBIDDEN).await;
    }
    for client in [&w.other_city.1, &w.stranger] {
        problem(
            client.get(&url).send().await.unwrap(),
            StatusCode::NOT_FOUND,
        )
        .await;
        let r = client
            .post(&url)
            .json(&json!({"label": "Mine"}))
            .send()
            .await
            .unwrap();
        problem(r, StatusCode::NOT_FOUND).await;
        let one = app.url(&format!("/api/v1/versions/{}", v1["id"].as_str().unwrap()));
        problem(
            client.get(&one).send().await.unwrap(),
            StatusCode::NOT_FOUND,
        )
        .await;
        let diff = app.url(&format!(
            "/api/v1/plans/{plan_id}/diff?from=current&to=current"
        ));
        problem(
            client.get(&diff).send().await.unwrap(),
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    let listed = json_ok(w.ulg.1.get(&url).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_version_needs_a_sensible_label() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan_id = plan_of(&app, &w.obidos).await;
    let url = app.url(&format!("/api/v1/plans/{plan_id}/versions"));
    for (body, field) in [
        (json!({"label": "  "}), "label"),
        (json!({"label": "x".repeat(201)}), "label"),
        (json!({}), "label"),
        (json!({"label": "ok", "kind": "submission"}), "kind"),
    ] {
        let r = w.ulg.1.post(&url).json(&body).send().await.unwrap();
        let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&p), [field], "{body}");
    }
    let listed = json_ok(w.ulg.1.get(&url).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(listed, json!([]));
}

#[tokio::test]
async fn the_diff_between_a_version_and_current_shows_sections_and_action_fields() {
    // Arrange
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan_id = plan_of(&app, &w.obidos).await;
    write_section(
        &app,
        plan_id,
        "vision",
        "By 2030 Óbidos is a creative town.\n",
        w.ulg.0.id,
    )
    .await;
    let kept = create(&app, &w.ulg.1, plan_id, &action_body("A1")).await;
    let removed = create(&app, &w.ulg.1, plan_id, &action_body("A2")).await;
    let v1 = make_version(&app, &w.ulg.1, plan_id, "Before").await;
    write_section(
        &app,
        plan_id,
        "vision",
        "By 2030 Óbidos is a living lab.\n",
        w.ulg.0.id,
    )
    .await;
    json_ok(
        w.ulg
            .1
            .patch(app.url(&format!("/api/v1/actions/{}", kept["id"].as_str().unwrap())))
            .json(&json!({"estimated_cost_eur": "500000", "status": "validated"}))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let gone = w
        .ulg
        .1
        .delete(app.url(&format!(
            "/api/v1/actions/{}",
            removed["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NO_CONTENT);
    create(&app, &w.ulg.1, plan_id, &action_body("A3")).await;
    let from = v1["id"].as_str().unwrap();

    // Act
    let d = json_ok(
        w.observer
            .1
            .get(app.url(&format!(
                "/api/v1/plans/{plan_id}/diff?from={from}&to=current"
            )))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;

    // Assert
    let vision = d["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "vision")
        .unwrap();
    assert_eq!(vision["changed"], true);
    let words = vision["words"].to_string();
    assert!(
        words.contains("living") && words.contains("creative"),
        "{words}"
    );
    let summary = d["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "summary")
        .unwrap();
    assert_eq!(summary["changed"], false);
    assert_eq!(d["actions"]["added"][0]["code"], "A3");
    assert_eq!(d["actions"]["removed"][0]["code"], "A2");
    let change = &d["actions"]["changed"][0];
    assert_eq!(change["code"], "A1");
    let fields_changed: Vec<_> = change["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["field"].clone(), f["old"].clone(), f["new"].clone()))
        .collect();
    assert!(
        fields_changed.contains(&(
            json!("estimated_cost_eur"),
            json!("480000.00"),
            json!("500000.00")
        )),
        "{fields_changed:?}"
    );
    assert!(fields_changed.contains(&(json!("status"), json!("drafted"), json!("validated"))));

    // The same diff with `to` defaulted, and between two versions.
    let defaulted = json_ok(
        w.ulg
            .1
            .get(app.url(&format!("/api/v1/plans/{plan_id}/diff?from={from}")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(defaulted, d);
    let v2 = make_version(&app, &w.ulg.1, plan_id, "After").await;
    let between = json_ok(
        w.ulg
            .1
            .get(app.url(&format!(
                "/api/v1/plans/{plan_id}/diff?from={from}&to={}",
                v2["id"].as_str().unwrap()
            )))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(between, d);
    let nothing = json_ok(
        w.ulg
            .1
            .get(app.url(&format!(
                "/api/v1/plans/{plan_id}/diff?from=current&to=current"
            )))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(nothing["actions"]["changed"], json!([]));
}

#[tokio::test]
async fn the_diff_reads_as_html_when_asked() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan_id = plan_of(&app, &w.obidos).await;
    write_section(&app, plan_id, "vision", "A creative town.\n", w.ulg.0.id).await;
    let v1 = make_version(&app, &w.ulg.1, plan_id, "Before").await;
    write_section(
        &app,
        plan_id,
        "vision",
        "A <b>living</b> lab.\n",
        w.ulg.0.id,
    )
    .await;
    let url = app.url(&format!(
        "/api/v1/plans/{plan_id}/diff?from={}&to=current",
        v1["id"].as_str().unwrap()
    ));

    for request in [
        w.ulg
            .1
            .get(&url)
            .header("Accept", "text/html,application/xhtml+xml"),
        w.ulg.1.get(format!("{url}&format=html")),
    ] {
        let r = request.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let html = r.text().await.unwrap();
        assert!(html.contains("<ins") && html.contains("<del"), "{html}");
        assert!(html.contains("Vision and objectives"));
        assert!(html.contains("&lt;b&gt;living"), "text is escaped");
        assert!(!html.contains("<b>living"));
    }
}

#[tokio::test]
async fn a_diff_names_a_missing_or_foreign_side() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan_id = plan_of(&app, &w.obidos).await;
    let reggio_plan = plan_of(&app, &w.reggio).await;
    let foreign = make_version(&app, &w.other_city.1, reggio_plan, "Reggio").await;
    let base = format!("/api/v1/plans/{plan_id}/diff");
    for (query, field) in [
        ("", "from"),
        ("?from=yesterday", "from"),
        (&format!("?from={}", Uuid::now_v7()) as &str, "from"),
        (
            &format!("?from=current&to={}", foreign["id"].as_str().unwrap()) as &str,
            "to",
        ),
        ("?from=current&format=pdf", "format"),
    ] {
        let r = w
            .ulg
            .1
            .get(app.url(&format!("{base}{query}")))
            .send()
            .await
            .unwrap();
        let p = problem(r, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&p), [field], "{query}");
    }
}
