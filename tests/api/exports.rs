//! Exports over HTTP, each parsed back.
use std::io::Read;

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::actions::{action_body, create, plan_of};
use crate::helpers::*;

/// Óbidos with two sections written and two actions (one with an accent and a comma in a cell).
async fn arranged() -> (TestApp, World, Uuid) {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let plan_id = plan_of(&app, &w.obidos).await;
    for (key, md) in [
        (
            "vision",
            "By 2030 **Óbidos** is a creative town.\n\n- jobs\n- culture\n",
        ),
        (
            "context",
            "## Figures\n\n| Indicator | Value |\n|---|---|\n| Population | 11 772 |\n",
        ),
    ] {
        iap_studio::sections::replace_markdown(&app.state.db, plan_id, key, md, w.ulg.0.id)
            .await
            .expect("database");
    }
    create(&app, &w.ulg.1, plan_id, &action_body("A1.1")).await;
    let mut second = action_body("A2");
    second["title"] = json!("Residencies, \"makers\" and Óbidos");
    second["start_date"] = json!("2027-09-01");
    second["end_date"] = json!("2029-08-31");
    create(&app, &w.ulg.1, plan_id, &second).await;
    (app, w, plan_id)
}

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

async fn export(
    app: &TestApp,
    client: &reqwest::Client,
    plan_id: Uuid,
    format: &str,
) -> reqwest::Response {
    client
        .get(app.url(&format!("/api/v1/plans/{plan_id}/export?format={format}")))
        .send()
        .await
        .expect("request")
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()[name].to_str().expect("ascii header").to_owned()
}

#[tokio::test]
async fn the_markdown_export_has_every_section_in_order_and_the_action_table() {
    let (app, w, plan_id) = arranged().await;

    let r = export(&app, &w.observer.1, plan_id, "md").await;

    assert_eq!(r.status(), StatusCode::OK);
    assert!(header(&r, "content-type").starts_with("text/markdown"));
    let disposition = header(&r, "content-disposition");
    assert!(disposition.starts_with("attachment;"));
    assert!(
        disposition.contains(&format!("filename*=UTF-8''IAP-%C3%93bidos-{}.md", today())),
        "{disposition}"
    );
    assert!(disposition.contains(&format!("filename=\"IAP-Obidos-{}.md\"", today())));
    let md = r.text().await.unwrap();
    let positions: Vec<usize> = [
        "Executive summary",
        "Context and baseline",
        "Vision and objectives",
        "Transnational learning",
    ]
    .iter()
    .map(|t| md.find(t).unwrap_or_else(|| panic!("{t} missing")))
    .collect();
    assert!(positions.windows(2).all(|p| p[0] < p[1]), "template order");
    assert!(md.contains("**Óbidos** is a creative town"));
    assert!(md.contains("A1.1") && md.contains("Creative hub in the old market hall"));
    assert!(md.contains("ERDF"));
    assert!(md.contains("Works run late"));
    assert!(md.contains("Studios let"));
}

#[tokio::test]
async fn the_html_export_is_print_ready_with_an_svg_gantt_chart() {
    let (app, w, plan_id) = arranged().await;

    let r = export(&app, &w.expert.1, plan_id, "html").await;

    assert_eq!(r.status(), StatusCode::OK);
    assert!(header(&r, "content-type").starts_with("text/html"));
    assert!(
        header(&r, "content-disposition").contains(&format!("IAP-%C3%93bidos-{}.html", today()))
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("<svg"), "Gantt chart");
    assert!(
        html.contains("@page") && html.contains("A4"),
        "print stylesheet"
    );
    for t in [
        "Executive summary",
        "Vision and objectives",
        "Context and baseline",
    ] {
        assert!(html.contains(t), "{t}");
    }
    assert!(
        html.contains("Residencies, &quot;makers&quot; and Óbidos")
            || html.contains("Residencies, &#34;makers&#34; and Óbidos")
    );
    assert!(html.contains("<table"));
}

#[tokio::test]
async fn the_docx_export_is_a_word_document_with_the_sections_and_actions() {
    let (app, w, plan_id) = arranged().await;

    let r = export(&app, &w.lead.1, plan_id, "docx").await;

    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        header(&r, "content-type"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert!(
        header(&r, "content-disposition").contains(&format!("IAP-%C3%93bidos-{}.docx", today()))
    );
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).expect("a zip file");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("word/document.xml")
        .read_to_string(&mut xml)
        .unwrap();
    for t in [
        "Executive summary",
        "Vision and objectives",
        "A1.1",
        "Creative hub in the old market hall",
        "Óbidos",
    ] {
        assert!(xml.contains(t), "{t} in document.xml");
    }
    assert!(xml.contains("<w:tbl>"), "a real table");
    assert!(
        xml.contains("Heading1") || xml.contains("Heading 1"),
        "real headings"
    );

    // LibreOffice, when installed, converts it without error.
    if std::process::Command::new("soffice")
        .arg("--version")
        .output()
        .is_ok()
    {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.docx");
        std::fs::write(&path, &bytes).unwrap();
        let out = std::process::Command::new("soffice")
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(dir.path())
            .arg(&path)
            .env("HOME", dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(dir.path().join("plan.pdf").exists());
    }
}

#[tokio::test]
async fn the_json_export_reads_back_as_the_plan() {
    let (app, w, plan_id) = arranged().await;

    let r = export(&app, &w.ulg.1, plan_id, "json").await;

    assert!(header(&r, "content-disposition").contains(".json"));
    let doc: Value = json_ok(r, StatusCode::OK).await;
    assert_eq!(doc["city_name"], "Óbidos");
    assert_eq!(doc["country"], "PT");
    assert_eq!(doc["network_name"], w.network.name);
    assert_eq!(doc["sections"].as_array().unwrap().len(), 9);
    assert_eq!(doc["actions"].as_array().unwrap().len(), 2);
    assert_eq!(doc["actions"][0]["estimated_cost_eur"], "480000.00");
    assert_eq!(doc["adoption"], Value::Null);
}

#[tokio::test]
async fn the_csv_export_parses_back_with_a_header_and_one_row_per_action() {
    let (app, w, plan_id) = arranged().await;

    let r = w
        .observer
        .1
        .get(app.url(&format!("/api/v1/plans/{plan_id}/actions.csv")))
        .send()
        .await
        .unwrap();

    assert_eq!(r.status(), StatusCode::OK);
    assert!(header(&r, "content-type").starts_with("text/csv"));
    assert!(
        header(&r, "content-disposition").contains(&format!("IAP-%C3%93bidos-{}.csv", today()))
    );
    let bytes = r.bytes().await.unwrap();
    let body = bytes
        .strip_prefix("\u{feff}".as_bytes())
        .expect("a UTF-8 byte-order mark for Excel");
    assert!(
        std::str::from_utf8(body).unwrap().contains("\r\n"),
        "CRLF line ends"
    );
    let mut reader = csv::Reader::from_reader(body);
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][col("code")], "A1.1");
    assert_eq!(&rows[0][col("estimated_cost_eur")], "480000.00");
    assert_eq!(&rows[1][col("title")], "Residencies, \"makers\" and Óbidos");
    assert_eq!(&rows[1][col("start_date")], "2027-09-01");
}

#[tokio::test]
async fn exports_need_a_known_format_and_a_visible_plan() {
    let (app, w, plan_id) = arranged().await;

    for format in ["pdf", ""] {
        let p = problem(
            export(&app, &w.ulg.1, plan_id, format).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(fields(&p), ["format"]);
    }
    for client in [&w.other_city.1, &w.stranger] {
        problem(
            export(&app, client, plan_id, "md").await,
            StatusCode::NOT_FOUND,
        )
        .await;
        let csv = client
            .get(app.url(&format!("/api/v1/plans/{plan_id}/actions.csv")))
            .send()
            .await
            .unwrap();
        problem(csv, StatusCode::NOT_FOUND).await;
    }
    for client in [
        &w.coordinator.1,
        &w.observer.1,
        &w.expert.1,
        &w.lead.1,
        &app.admin,
    ] {
        assert_eq!(
            export(&app, client, plan_id, "md").await.status(),
            StatusCode::OK
        );
    }
    let unknown = export(&app, &w.ulg.1, Uuid::now_v7(), "md").await;
    problem(unknown, StatusCode::NOT_FOUND).await;
}
