//! Validation stages: transitions, gates, order, four eyes, locks,
//! concurrency, template editing, the clock, adoption, peer review, the
//! dashboard and the audit log.
use chrono::{NaiveDate, TimeZone, Utc};
use futures_util::future::join_all;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;

const ULG_TEXT: &str =
    "## Members\n\nThe municipality, the vocational school and two creative associations.";

async fn post(client: &Client, app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    client.post(app.url(path)).json(&body).send().await.unwrap()
}

async fn stages_of(client: &Client, app: &TestApp, plan: uuid::Uuid) -> Vec<Value> {
    let body = json_ok(
        client
            .get(app.url(&format!("/api/v1/plans/{plan}/stages")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    body.as_array().unwrap().clone()
}

fn stage<'a>(stages: &'a [Value], key: &str) -> &'a Value {
    stages.iter().find(|s| s["key"] == key).unwrap()
}

#[tokio::test]
async fn stages_show_dates_phase_failing_checks_and_what_each_person_may_do() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan = plan_id(&app, &w.obidos).await;

    let as_ulg = stages_of(&w.ulg.1, &app, plan).await;
    let as_observer = stages_of(&w.observer.1, &app, plan).await;

    let setup = stage(&as_ulg, "setup");
    assert_eq!(setup["starts_on"], "2026-06-01");
    assert_eq!(setup["due_on"], "2026-06-30");
    assert_eq!(
        setup["checks"],
        json!([{ "rule": "section_written:ulg", "ok": false, "message": setup["checks"][0]["message"] }])
    );
    assert!(
        setup["checks"][0]["message"]
            .as_str()
            .unwrap()
            .contains("ULG")
    );
    assert_eq!(setup["can_submit"], true);
    assert_eq!(
        stage(&as_ulg, "understand")["can_submit"],
        false,
        "stages go in order"
    );
    assert_eq!(stage(&as_observer, "setup")["can_submit"], false);
    problem(
        w.other_city
            .1
            .get(app.url(&format!("/api/v1/plans/{plan}/stages")))
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn a_failing_gate_refuses_the_submission_listing_every_check_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    set_stage_status(
        &app,
        &w.obidos,
        &["setup", "understand", "vision", "actions", "implementation"],
        "approved",
    )
    .await;
    let review = stage_id(&app, &w.obidos, "review").await;

    let refused = post(
        &w.ulg.1,
        &app,
        &format!("/api/v1/stages/{review}/submit"),
        json!({}),
    )
    .await;

    let body = problem(refused, StatusCode::CONFLICT).await;
    assert_eq!(body["code"], "gate_failed");
    let checks = body["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0]["rule"], "all_sections_written");
    assert_eq!(checks[0]["ok"], false);
    let history = json_ok(
        w.ulg
            .1
            .get(app.url(&format!("/api/v1/stages/{review}/history")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(history, json!([]));
    let plan = plan_id(&app, &w.obidos).await;
    assert_eq!(
        stage(&stages_of(&w.ulg.1, &app, plan).await, "review")["status"],
        "open"
    );
}

#[tokio::test]
async fn a_ulg_member_submits_the_coordinator_approves_and_history_and_audit_keep_it() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    write_section(&app, &w.obidos, "ulg", ULG_TEXT, w.ulg.0.id).await;
    let setup = stage_id(&app, &w.obidos, "setup").await;
    let mut events = app.state.hub.subscribe();

    let submitted = json_ok(
        post(
            &w.ulg.1,
            &app,
            &format!("/api/v1/stages/{setup}/submit"),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        stage(submitted.as_array().unwrap(), "setup")["status"],
        "submitted"
    );
    let plan = iap_studio::plans::of_city(&app.state.db, w.obidos.id)
        .await
        .unwrap();
    // Submission locks the stage's sections.
    let locked =
        iap_studio::stages::locks::ensure_section_writable(&app.state.db, &plan, "ulg").await;
    assert!(matches!(
        locked,
        Err(iap_studio::error::AppError::Locked(_))
    ));
    assert!(
        iap_studio::stages::locks::ensure_section_writable(&app.state.db, &plan, "vision")
            .await
            .is_ok()
    );

    let approved = json_ok(
        post(
            &w.coordinator.1,
            &app,
            &format!("/api/v1/stages/{setup}/approve"),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    assert_eq!(
        stage(approved.as_array().unwrap(), "setup")["status"],
        "approved"
    );
    assert_eq!(
        stage(approved.as_array().unwrap(), "setup")["phase"]
            .as_str()
            .unwrap(),
        "done"
    );
    let history = json_ok(
        w.observer
            .1
            .get(app.url(&format!("/api/v1/stages/{setup}/history")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let steps: Vec<_> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["from"].clone(), h["to"].clone()))
        .collect();
    assert_eq!(
        steps,
        [
            (json!("open"), json!("submitted")),
            (json!("submitted"), json!("approved"))
        ]
    );
    assert_eq!(history[0]["by"], json!(w.ulg.0.id));
    let first = loop {
        let event = events.recv().await.unwrap();
        if event.kind == "stage.changed" {
            break event;
        }
    };
    assert_eq!(first.city_id, Some(w.obidos.id));
    assert_eq!(first.data["to"], "submitted");
    let audit = json_ok(
        w.coordinator
            .1
            .get(app.url(&format!("/api/v1/cities/{}/audit", w.obidos.id)))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let actions: Vec<_> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        actions.contains(&"stage.submitted".to_owned())
            && actions.contains(&"stage.approved".to_owned())
    );
}

#[tokio::test]
async fn the_submitter_never_approves_their_own_submission() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    write_section(&app, &w.obidos, "ulg", ULG_TEXT, w.ulg.0.id).await;
    let setup = stage_id(&app, &w.obidos, "setup").await;
    json_ok(
        post(
            &w.coordinator.1,
            &app,
            &format!("/api/v1/stages/{setup}/submit"),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    let own = post(
        &w.coordinator.1,
        &app,
        &format!("/api/v1/stages/{setup}/approve"),
        json!({}),
    )
    .await;

    assert_eq!(
        problem(own, StatusCode::FORBIDDEN).await["code"],
        "four_eyes"
    );
}

#[tokio::test]
async fn refused_transitions_by_role_state_and_order() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    write_section(&app, &w.obidos, "ulg", ULG_TEXT, w.ulg.0.id).await;
    let setup = stage_id(&app, &w.obidos, "setup").await;
    let understand = stage_id(&app, &w.obidos, "understand").await;

    // Out of order.
    let r = post(
        &w.ulg.1,
        &app,
        &format!("/api/v1/stages/{understand}/submit"),
        json!({}),
    )
    .await;
    assert_eq!(
        problem(r, StatusCode::CONFLICT).await["code"],
        "out_of_order"
    );
    // Read-only roles may not submit; strangers do not see the stage.
    for client in [&w.observer.1, &w.expert.1, &w.lead.1] {
        problem(
            post(
                client,
                &app,
                &format!("/api/v1/stages/{setup}/submit"),
                json!({}),
            )
            .await,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    for client in [&w.other_city.1, &w.stranger] {
        problem(
            post(
                client,
                &app,
                &format!("/api/v1/stages/{setup}/submit"),
                json!({}),
            )
            .await,
            StatusCode::NOT_FOUND,
        )
        .await;
    }
    // Approving an open stage is a state conflict.
    let r = post(
        &w.coordinator.1,
        &app,
        &format!("/api/v1/stages/{setup}/approve"),
        json!({}),
    )
    .await;
    assert_eq!(
        problem(r, StatusCode::CONFLICT).await["code"],
        "wrong_state"
    );
    json_ok(
        post(
            &w.ulg.1,
            &app,
            &format!("/api/v1/stages/{setup}/submit"),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    // A ULG member cannot approve a city gate.
    problem(
        post(
            &w.ulg.1,
            &app,
            &format!("/api/v1/stages/{setup}/approve"),
            json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // Returning needs a note.
    let r = post(
        &w.coordinator.1,
        &app,
        &format!("/api/v1/stages/{setup}/return"),
        json!({ "note": "  " }),
    )
    .await;
    assert_eq!(
        fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["note"]
    );
    let r = post(
        &w.coordinator.1,
        &app,
        &format!("/api/v1/stages/{setup}/return"),
        json!({ "reason": "x" }),
    )
    .await;
    assert_eq!(
        fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["reason"]
    );
    let r = w
        .coordinator
        .1
        .post(app.url(&format!("/api/v1/stages/{setup}/return")))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::BAD_REQUEST).await;
    let returned = json_ok(
        post(
            &w.coordinator.1,
            &app,
            &format!("/api/v1/stages/{setup}/return"),
            json!({ "note": "Name the schools in the ULG." }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        stage(returned.as_array().unwrap(), "setup")["status"],
        "returned"
    );
    // Returned → submitted again, then approved.
    json_ok(
        post(
            &w.ulg.1,
            &app,
            &format!("/api/v1/stages/{setup}/submit"),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    json_ok(
        post(
            &w.coordinator.1,
            &app,
            &format!("/api/v1/stages/{setup}/approve"),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let history = json_ok(
        w.ulg
            .1
            .get(app.url(&format!("/api/v1/stages/{setup}/history")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(history[1]["note"], "Name the schools in the ULG.");
    assert_eq!(history.as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn only_the_latest_approved_stage_is_reopened_by_a_coordinator_with_a_note() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    set_stage_status(&app, &w.obidos, &["setup", "understand"], "approved").await;
    let setup = stage_id(&app, &w.obidos, "setup").await;
    let understand = stage_id(&app, &w.obidos, "understand").await;

    let r = post(
        &w.coordinator.1,
        &app,
        &format!("/api/v1/stages/{setup}/reopen"),
        json!({ "note": "Add the youth council" }),
    )
    .await;
    assert_eq!(
        problem(r, StatusCode::CONFLICT).await["code"],
        "not_latest_approved"
    );
    problem(
        post(
            &w.ulg.1,
            &app,
            &format!("/api/v1/stages/{understand}/reopen"),
            json!({ "note": "x" }),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let r = post(
        &w.coordinator.1,
        &app,
        &format!("/api/v1/stages/{understand}/reopen"),
        json!({}),
    )
    .await;
    assert_eq!(
        fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["note"]
    );

    let reopened = json_ok(
        post(
            &w.coordinator.1,
            &app,
            &format!("/api/v1/stages/{understand}/reopen"),
            json!({ "note": "New census figures" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        stage(reopened.as_array().unwrap(), "understand")["status"],
        "open"
    );
}

#[tokio::test]
async fn of_twenty_simultaneous_approvals_exactly_one_wins() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    write_section(&app, &w.obidos, "ulg", ULG_TEXT, w.ulg.0.id).await;
    let setup = stage_id(&app, &w.obidos, "setup").await;
    json_ok(
        post(
            &w.ulg.1,
            &app,
            &format!("/api/v1/stages/{setup}/submit"),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let path = app.url(&format!("/api/v1/stages/{setup}/approve"));

    let answers =
        join_all((0..20).map(|_| w.coordinator.1.post(&path).json(&json!({})).send())).await;

    let statuses: Vec<StatusCode> = answers.into_iter().map(|r| r.unwrap().status()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        19,
        "{statuses:?}"
    );
    let history = json_ok(
        w.ulg
            .1
            .get(app.url(&format!("/api/v1/stages/{setup}/history")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(history.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_review_stage_is_decided_by_the_lead_partner_not_the_city() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    set_stage_status(
        &app,
        &w.obidos,
        &["setup", "understand", "vision", "actions", "implementation"],
        "approved",
    )
    .await;
    for key in [
        "summary",
        "ulg",
        "context",
        "problems",
        "vision",
        "actions",
        "small_scale",
        "implementation",
        "transnational",
    ] {
        write_section(&app, &w.obidos, key, "Written by the ULG.", w.ulg.0.id).await;
    }
    let review = stage_id(&app, &w.obidos, "review").await;
    json_ok(
        post(
            &w.ulg.1,
            &app,
            &format!("/api/v1/stages/{review}/submit"),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    problem(
        post(
            &w.coordinator.1,
            &app,
            &format!("/api/v1/stages/{review}/approve"),
            json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let approved = json_ok(
        post(
            &w.expert.1,
            &app,
            &format!("/api/v1/stages/{review}/approve"),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    assert_eq!(
        stage(approved.as_array().unwrap(), "review")["status"],
        "approved"
    );
    // An approved review locks every section.
    let plan = iap_studio::plans::of_city(&app.state.db, w.obidos.id)
        .await
        .unwrap();
    for key in ["summary", "transnational"] {
        assert!(
            iap_studio::stages::locks::ensure_section_writable(&app.state.db, &plan, key)
                .await
                .is_err()
        );
    }
}

#[tokio::test]
async fn adoption_then_final_approval_then_acknowledgement_makes_the_plan_final() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    set_stage_status(
        &app,
        &w.obidos,
        &[
            "setup",
            "understand",
            "vision",
            "actions",
            "implementation",
            "review",
        ],
        "approved",
    )
    .await;
    let plan = plan_id(&app, &w.obidos).await;
    let final_stage = stage_id(&app, &w.obidos, "final").await;
    let adoption = json!({ "body": "Câmara Municipal de Óbidos", "decision_date": "2026-11-02", "reference": "Deliberação 42/2026" });

    let r = post(
        &w.ulg.1,
        &app,
        &format!("/api/v1/stages/{final_stage}/submit"),
        json!({}),
    )
    .await;
    assert_eq!(
        problem(r, StatusCode::CONFLICT).await["checks"][0]["rule"],
        "adoption_recorded"
    );
    problem(
        post(
            &w.ulg.1,
            &app,
            &format!("/api/v1/plans/{plan}/adoption"),
            adoption.clone(),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    for (body, field) in [
        (
            json!({ "body": "", "decision_date": "2026-11-02", "reference": "D 42" }),
            "body",
        ),
        (
            json!({ "body": "Council", "decision_date": "2099-01-01", "reference": "D 42" }),
            "decision_date",
        ),
        (
            json!({ "body": "Council", "decision_date": "2026-13-01", "reference": "D 42" }),
            "decision_date",
        ),
        (
            json!({ "body": "Council", "decision_date": "2026-11-02" }),
            "reference",
        ),
    ] {
        let r = post(
            &w.coordinator.1,
            &app,
            &format!("/api/v1/plans/{plan}/adoption"),
            body.clone(),
        )
        .await;
        assert_eq!(
            fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
            [field],
            "{body}"
        );
    }
    json_ok(
        post(
            &w.coordinator.1,
            &app,
            &format!("/api/v1/plans/{plan}/adoption"),
            adoption,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let r = post(
        &w.lead.1,
        &app,
        &format!("/api/v1/plans/{plan}/acknowledge"),
        json!({}),
    )
    .await;
    assert_eq!(
        problem(r, StatusCode::CONFLICT).await["code"],
        "final_stage_not_approved"
    );
    json_ok(
        post(
            &w.ulg.1,
            &app,
            &format!("/api/v1/stages/{final_stage}/submit"),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    json_ok(
        post(
            &w.coordinator.1,
            &app,
            &format!("/api/v1/stages/{final_stage}/approve"),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    problem(
        post(
            &w.coordinator.1,
            &app,
            &format!("/api/v1/plans/{plan}/acknowledge"),
            json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let done = json_ok(
        post(
            &w.lead.1,
            &app,
            &format!("/api/v1/plans/{plan}/acknowledge"),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    assert_eq!(done["status"], "final");
    let r = post(
        &w.coordinator.1,
        &app,
        &format!("/api/v1/stages/{final_stage}/reopen"),
        json!({ "note": "x" }),
    )
    .await;
    assert_eq!(problem(r, StatusCode::CONFLICT).await["code"], "plan_final");
    let p = iap_studio::plans::of_city(&app.state.db, w.obidos.id)
        .await
        .unwrap();
    assert!(
        iap_studio::stages::locks::ensure_section_writable(&app.state.db, &p, "vision")
            .await
            .is_err()
    );
    assert!(
        iap_studio::stages::locks::ensure_actions_writable(&app.state.db, &p)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn peer_reviewers_from_another_city_are_added_during_review_and_only_read() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan = plan_id(&app, &w.obidos).await;
    let reviewer = json!({ "user_id": w.other_city.0.id });

    let early = post(
        &w.lead.1,
        &app,
        &format!("/api/v1/plans/{plan}/peer-reviewers"),
        reviewer.clone(),
    )
    .await;
    assert_eq!(
        problem(early, StatusCode::CONFLICT).await["code"],
        "not_in_review"
    );
    set_stage_status(
        &app,
        &w.obidos,
        &["setup", "understand", "vision", "actions", "implementation"],
        "approved",
    )
    .await;
    problem(
        post(
            &w.coordinator.1,
            &app,
            &format!("/api/v1/plans/{plan}/peer-reviewers"),
            reviewer.clone(),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let r = post(
        &w.lead.1,
        &app,
        &format!("/api/v1/plans/{plan}/peer-reviewers"),
        json!({ "user_id": w.ulg.0.id }),
    )
    .await;
    assert_eq!(
        fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["user_id"]
    );

    let added = json_ok(
        post(
            &w.lead.1,
            &app,
            &format!("/api/v1/plans/{plan}/peer-reviewers"),
            reviewer,
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    assert_eq!(added["role"], "peer_reviewer");
    let peer = app.signed_in(&w.other_city.0.email).await;
    let city = json_ok(
        peer.get(app.url(&format!("/api/v1/cities/{}", w.obidos.id)))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(city["can_edit"], false);
    let review = stage_id(&app, &w.obidos, "review").await;
    problem(
        post(
            &peer,
            &app,
            &format!("/api/v1/stages/{review}/submit"),
            json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

#[tokio::test]
async fn the_template_is_edited_by_the_lead_and_applies_to_every_plan_without_losing_state() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let path = app.url(&format!("/api/v1/networks/{}/stage-template", w.network.id));
    set_stage_status(&app, &w.obidos, &["setup"], "approved").await;
    let mut template = json_ok(w.ulg.1.get(&path).send().await.unwrap(), StatusCode::OK).await;
    template["stages"][0]["name"] = json!("ULG set-up, roadmap and kick-off");

    problem(
        w.coordinator
            .1
            .put(&path)
            .json(&template)
            .send()
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        w.stranger.put(&path).json(&template).send().await.unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    let mut bad = template.clone();
    bad["stages"][6]["due_month"] = json!(20);
    let r = w.lead.1.put(&path).json(&bad).send().await.unwrap();
    assert_eq!(
        fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["stages[6].due_month"]
    );
    let mut bad = template.clone();
    bad["stages"][2]["name"] = json!("");
    let r = w.lead.1.put(&path).json(&bad).send().await.unwrap();
    assert_eq!(
        fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["stages[2].name"]
    );
    let mut bad = template.clone();
    bad["stages"][1]["gate"] = json!(["section_written:budget"]);
    let r = w.lead.1.put(&path).json(&bad).send().await.unwrap();
    assert_eq!(
        fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["stages[1].gate[0]"]
    );
    let mut removing = template.clone();
    removing["stages"].as_array_mut().unwrap().remove(0);
    for (i, row) in removing["stages"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .enumerate()
    {
        row["position"] = json!(i + 1);
    }
    let r = w.lead.1.put(&path).json(&removing).send().await.unwrap();
    assert_eq!(fields(&problem(r, StatusCode::CONFLICT).await), ["stages"]);

    json_ok(
        w.lead.1.put(&path).json(&template).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;

    for city in [&w.obidos, &w.reggio] {
        let plan = plan_id(&app, city).await;
        let stages = stages_of(&app.admin, &app, plan).await;
        assert_eq!(
            stage(&stages, "setup")["name"],
            "ULG set-up, roadmap and kick-off"
        );
    }
    let obidos = stages_of(&w.ulg.1, &app, plan_id(&app, &w.obidos).await).await;
    assert_eq!(stage(&obidos, "setup")["status"], "approved", "state kept");
}

#[tokio::test]
async fn the_clock_moves_phases_and_queues_each_reminder_once() {
    use sea_orm::EntityTrait;
    let time =
        iap_studio::time_source::FixedTime::at(Utc.with_ymd_and_hms(2026, 5, 20, 9, 0, 0).unwrap());
    let app = TestApp::spawn_at(time.clone()).await;
    let w = app.world().await;
    let plan = plan_id(&app, &w.obidos).await;
    let mut events = app.state.hub.subscribe();

    let before = iap_studio::stages::clock::tick(&app.state).await.unwrap();
    assert_eq!(before.reminders_queued, 0);
    // setup is due 2026-06-30: on the 23rd the 7-day reminder is due.
    time.set(Utc.with_ymd_and_hms(2026, 6, 23, 9, 0, 0).unwrap());
    let first = iap_studio::stages::clock::tick(&app.state).await.unwrap();
    let again = iap_studio::stages::clock::tick(&app.state).await.unwrap();
    time.set(Utc.with_ymd_and_hms(2026, 6, 29, 9, 0, 0).unwrap());
    let last_day = iap_studio::stages::clock::tick(&app.state).await.unwrap();

    assert_eq!(first.reminders_queued, 2, "setup of both cities");
    assert!(first.phases_changed >= 2);
    assert_eq!(again, iap_studio::stages::clock::TickReport::default());
    assert_eq!(last_day.reminders_queued, 2);
    let reminders = iap_studio::entities::stage_reminder::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();
    let mut days: Vec<i32> = reminders.iter().map(|r| r.days_before).collect();
    days.sort();
    assert_eq!(days, [1, 1, 7, 7]);
    let event = events.recv().await.unwrap();
    assert_eq!(event.kind, "stage.changed");
    time.set(Utc.with_ymd_and_hms(2026, 7, 2, 9, 0, 0).unwrap());
    iap_studio::stages::clock::tick(&app.state).await.unwrap();
    let stages = stages_of(&w.ulg.1, &app, plan).await;
    assert_eq!(stage(&stages, "setup")["phase"], "overdue");
    assert_eq!(stage(&stages, "understand")["phase"], "current");
    assert_eq!(stage(&stages, "final")["phase"], "upcoming");
}

#[tokio::test]
async fn the_dashboard_shows_each_city_and_the_network_figures_to_the_lead_partner_only() {
    let time =
        iap_studio::time_source::FixedTime::at(Utc.with_ymd_and_hms(2026, 7, 10, 9, 0, 0).unwrap());
    let app = TestApp::spawn_at(time).await;
    let w = app.world().await;
    write_section(&app, &w.obidos, "ulg", ULG_TEXT, w.ulg.0.id).await;
    write_section(&app, &w.obidos, "context", "Óbidos today.", w.ulg.0.id).await;
    let setup = stage_id(&app, &w.obidos, "setup").await;
    json_ok(
        post(
            &w.ulg.1,
            &app,
            &format!("/api/v1/stages/{setup}/submit"),
            json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let path = app.url(&format!("/api/v1/networks/{}/dashboard", w.network.id));

    let board = json_ok(w.lead.1.get(&path).send().await.unwrap(), StatusCode::OK).await;

    assert_eq!(
        board["today"],
        json!(NaiveDate::from_ymd_opt(2026, 7, 10).unwrap())
    );
    assert_eq!(board["cities_per_stage"], json!({ "setup": 2 }));
    assert_eq!(board["overdue_count"], 2, "setup was due on 30 June");
    assert_eq!(board["waiting_decisions"], 1);
    let obidos = board["cities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["city"]["name"] == "Óbidos")
        .unwrap();
    assert_eq!(obidos["sections_written"], 2);
    assert_eq!(obidos["sections_total"], 9);
    assert_eq!(obidos["current_stage"]["key"], "setup");
    assert_eq!(obidos["current_stage"]["status"], "submitted");
    assert!(obidos["last_activity"].is_string());
    json_ok(w.expert.1.get(&path).send().await.unwrap(), StatusCode::OK).await;
    for client in [&w.coordinator.1, &w.ulg.1] {
        problem(
            client.get(&path).send().await.unwrap(),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    problem(
        w.stranger.get(&path).send().await.unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn audit_logs_are_paged_and_read_by_coordinators_and_lead_coordinators() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let city = app.url(&format!("/api/v1/cities/{}/audit", w.obidos.id));
    let network = app.url(&format!("/api/v1/networks/{}/audit", w.network.id));

    let page = json_ok(
        w.lead
            .1
            .get(format!("{network}?per_page=2"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert!(page["total"].as_u64().unwrap() > 2);
    json_ok(
        w.coordinator.1.get(&city).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    problem(
        w.ulg.1.get(&city).send().await.unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        w.coordinator.1.get(&network).send().await.unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    problem(
        w.other_city.1.get(&city).send().await.unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    let r = w
        .lead
        .1
        .get(format!("{network}?per_page=0"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        fields(&problem(r, StatusCode::UNPROCESSABLE_ENTITY).await),
        ["per_page"]
    );
    let r = w
        .lead
        .1
        .get(format!("{network}?per_page=abc"))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::BAD_REQUEST).await;
}

async fn notifications_of(client: &Client, app: &TestApp) -> Vec<Value> {
    let page = json_ok(
        client
            .get(app.url("/api/v1/notifications"))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn approvers_hear_a_submission_needs_them_and_writers_hear_it_was_returned() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    write_section(&app, &w.obidos, "ulg", ULG_TEXT, w.ulg.0.id).await;
    let setup = stage_id(&app, &w.obidos, "setup").await;

    json_ok(
        post(
            &w.ulg.1,
            &app,
            &format!("/api/v1/stages/{setup}/submit"),
            json!({ "note": "Ready for you, Inês." }),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    let coordinator = notifications_of(&w.coordinator.1, &app).await;
    assert_eq!(coordinator.len(), 1);
    assert_eq!(coordinator[0]["kind"], "stage_submitted");
    assert_eq!(coordinator[0]["needs_action"], true);
    assert!(
        notifications_of(&w.ulg.1, &app).await.is_empty(),
        "the submitter is not told of their own act"
    );
    assert!(notifications_of(&w.other_city.1, &app).await.is_empty());
    let history = json_ok(
        w.ulg
            .1
            .get(app.url(&format!("/api/v1/stages/{setup}/history")))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(history[0]["note"], "Ready for you, Inês.");
    let versions = iap_studio::versions::of_plan(&app.state.db, plan_id(&app, &w.obidos).await)
        .await
        .unwrap();
    assert_eq!(versions.len(), 1, "submission froze a version");

    json_ok(
        post(
            &w.coordinator.1,
            &app,
            &format!("/api/v1/stages/{setup}/return"),
            json!({ "note": "Name the schools." }),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    let ulg = notifications_of(&w.ulg.1, &app).await;
    assert_eq!(ulg[0]["kind"], "stage_returned");
    assert_eq!(ulg[0]["body"], "Name the schools.");
}

#[tokio::test]
async fn deadline_reminders_reach_the_writers_with_what_is_missing() {
    let time =
        iap_studio::time_source::FixedTime::at(Utc.with_ymd_and_hms(2026, 6, 24, 9, 0, 0).unwrap());
    let app = TestApp::spawn_at(time).await;
    let w = app.world().await;

    iap_studio::stages::clock::tick(&app.state).await.unwrap();

    for client in [&w.ulg.1, &w.coordinator.1] {
        let items = notifications_of(client, &app).await;
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["kind"], "deadline_soon");
        assert!(
            items[0]["body"].as_str().unwrap().contains("ULG"),
            "{}",
            items[0]["body"]
        );
    }
    assert!(notifications_of(&w.observer.1, &app).await.is_empty());
}
