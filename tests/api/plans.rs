//! Reading a plan and its sections.
use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn a_section_is_read_with_markdown_sanitised_html_and_an_etag() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan = iap_studio::plans::of_city(&app.state.db, w.obidos.id)
        .await
        .unwrap();
    iap_studio::sections::replace_markdown(
        &app.state.db,
        plan.id,
        "vision",
        "## Vision\n\nÓbidos, a **creative town**.<script>alert(1)</script>",
        w.ulg.0.id,
    )
    .await
    .unwrap();
    let plan_view = json_ok(
        w.ulg
            .1
            .get(app.url(&format!("/api/v1/cities/{}/plan", w.obidos.id)))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let vision = plan_view["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == "vision")
        .unwrap()
        .clone();
    assert_eq!(vision["written"], true);

    let response = w
        .observer
        .1
        .get(app.url(&format!(
            "/api/v1/sections/{}",
            vision["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let section = json_ok(response, StatusCode::OK).await;

    assert_eq!(section["etag"], etag);
    assert!(
        section["html"]
            .as_str()
            .unwrap()
            .contains("<strong>creative town</strong>")
    );
    assert!(!section["html"].as_str().unwrap().contains("<script"));
    assert_eq!(section["can_edit"], false);
    let r = w
        .other_city
        .1
        .get(app.url(&format!(
            "/api/v1/sections/{}",
            vision["id"].as_str().unwrap()
        )))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::NOT_FOUND).await;
}
