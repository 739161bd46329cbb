//! The events socket: each person hears what they may see, live.
use std::time::Duration;

use futures_util::StreamExt;
use iap_studio::{members::Role, realtime::Event};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::{io::AsyncReadExt, net::TcpStream};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, tungstenite::Message};

use crate::{
    collab::{Editor, open_socket, refused_status, section_id, session_cookie},
    helpers::*,
};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn events(address: &str, email: &str) -> Socket {
    let cookie = session_cookie(address, email).await;
    open_socket(address, "/api/v1/events", Some(&cookie))
        .await
        .expect("events socket")
}

/// The next event matching `pred`, skipping others (up to 10 s).
async fn next_event(socket: &mut Socket, pred: impl Fn(&Value) -> bool) -> Value {
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(Ok(message)) = socket.next().await {
            if let Message::Text(text) = message {
                let event: Value = serde_json::from_str(&text).expect("JSON event");
                if pred(&event) {
                    return Some(event);
                }
            }
        }
        None
    })
    .await;
    found.ok().flatten().expect("the expected event")
}

/// Asserts that nothing matching `pred` arrives before a later marker event.
async fn none_before_marker(socket: &mut Socket, pred: impl Fn(&Value) -> bool, marker: &str) {
    let event = next_event(socket, |e| pred(e) || e["type"] == marker).await;
    assert_eq!(event["type"], marker, "unexpected event: {event}");
}

fn is(kind: &'static str) -> impl Fn(&Value) -> bool {
    move |e| e["type"] == kind
}

#[tokio::test]
async fn the_events_socket_needs_a_session() {
    let app = TestApp::spawn().await;
    assert_eq!(
        refused_status(&app.address, "/api/v1/events", None).await,
        401
    );
}

#[tokio::test]
async fn section_updates_reach_the_city_and_the_network_staff_but_not_other_cities() {
    // Arrange
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let mut observer = events(&app.address, &w.observer.0.email).await;
    let mut lead = events(&app.address, &w.lead.0.email).await;
    let mut other_city = events(&app.address, &w.other_city.0.email).await;
    let id = section_id(&app, w.obidos.id, "vision").await;

    // Act
    let r = w
        .ulg
        .1
        .put(app.url(&format!("/api/v1/sections/{id}/content")))
        .json(&json!({ "markdown": "A vision." }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    app.state.hub.publish(Event::new(
        "marker",
        Some(w.network.id),
        Some(w.reggio.id),
        Value::Null,
    ));

    // Assert
    for socket in [&mut observer, &mut lead] {
        let event = next_event(socket, is("section.updated")).await;
        assert_eq!(event["data"]["section_id"], id.to_string());
        assert_eq!(event["city_id"], w.obidos.id.to_string());
        assert_eq!(event["network_id"], w.network.id.to_string());
        assert!(event["at"].is_string());
    }
    none_before_marker(&mut other_city, is("section.updated"), "marker").await;
}

#[tokio::test]
async fn presence_follows_collab_connections() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let mut coordinator = events(&app.address, &w.coordinator.0.email).await;
    let id = section_id(&app, w.obidos.id, "context").await;

    let editor = Editor::connect(
        &app.address,
        &session_cookie(&app.address, &w.ulg.0.email).await,
        id,
    )
    .await;

    let joined = next_event(&mut coordinator, |e| {
        e["type"] == "presence.changed"
            && e["data"]["users"].as_array().is_some_and(|u| !u.is_empty())
    })
    .await;
    assert_eq!(joined["data"]["section_id"], id.to_string());
    assert_eq!(joined["data"]["users"][0]["id"], w.ulg.0.id.to_string());
    editor.close().await;
    next_event(&mut coordinator, |e| {
        e["type"] == "presence.changed" && e["data"]["users"].as_array().is_some_and(Vec::is_empty)
    })
    .await;
}

#[tokio::test]
async fn a_new_member_starts_hearing_the_city_once_they_joined() {
    // Arrange: someone with no membership yet.
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let newcomer = app.user("newcomer@example.org", "Newcomer").await;
    let mut socket = events(&app.address, &newcomer.email).await;
    let city_event = || {
        Event::new(
            "stage.changed",
            Some(w.network.id),
            Some(w.obidos.id),
            json!({}),
        )
    };
    app.state.hub.publish(city_event());
    app.state.hub.publish(Event {
        user_id: Some(newcomer.id),
        ..Event::new("marker", None, None, Value::Null)
    });
    none_before_marker(&mut socket, is("stage.changed"), "marker").await;

    // Act
    iap_studio::members::grant(
        &app.state.db,
        newcomer.id,
        w.network.id,
        Some(w.obidos.id),
        Role::UlgMember,
        None,
    )
    .await
    .unwrap();
    app.state.hub.publish(Event::new(
        "member.joined",
        Some(w.network.id),
        Some(w.obidos.id),
        json!({ "user_id": newcomer.id }),
    ));
    next_event(&mut socket, is("member.joined")).await;
    app.state.hub.publish(city_event());

    // Assert
    next_event(&mut socket, is("stage.changed")).await;
}

#[tokio::test]
async fn personal_events_reach_only_their_user() {
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let mut ulg = events(&app.address, &w.ulg.0.email).await;
    let mut coordinator = events(&app.address, &w.coordinator.0.email).await;
    app.state.hub.publish(Event {
        user_id: Some(w.ulg.0.id),
        ..Event::new(
            "notification.created",
            Some(w.network.id),
            Some(w.obidos.id),
            json!({}),
        )
    });
    app.state.hub.publish(Event::new(
        "marker",
        Some(w.network.id),
        Some(w.obidos.id),
        Value::Null,
    ));

    next_event(&mut ulg, is("notification.created")).await;
    none_before_marker(&mut coordinator, is("notification.created"), "marker").await;
}

#[tokio::test]
async fn the_events_socket_pings_and_closes_a_peer_gone_silent() {
    // Arrange: ping every 250 ms, so 750 ms of silence closes a socket.
    let app = TestApp::spawn_with(|config| config.heartbeat_ms = 250).await;
    let w = app.world().await;
    let mut silent = events(&app.address, &w.ulg.0.email).await;
    let mut answering = events(&app.address, &w.ulg.0.email).await;

    // Act: one peer reads (tungstenite answers each ping), the other never does.
    let mut pings = 0;
    let ended = tokio::time::timeout(Duration::from_millis(2000), async {
        loop {
            match answering.next().await {
                Some(Ok(Message::Ping(_))) => pings += 1,
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                Some(Ok(_)) => {}
            }
        }
    })
    .await;

    // Assert
    assert!(ended.is_err(), "the answering socket was closed");
    assert!(pings >= 3, "only {pings} pings in 2 s");
    app.state.hub.publish(Event::new(
        "marker",
        Some(w.network.id),
        Some(w.obidos.id),
        Value::Null,
    ));
    next_event(&mut answering, is("marker")).await;
    // The silent peer's bytes are read raw: through tungstenite, reading would
    // first answer the queued pings. The server's frames are unmasked: pings
    // (0x89, empty), then a close (0x88) with code 1001 (0x03e9), then EOF.
    let MaybeTlsStream::Plain(tcp) = silent.get_mut() else {
        panic!("a plain TCP socket");
    };
    let mut bytes = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut bytes))
        .await
        .expect("the server to end the connection")
        .expect("read");
    assert!(bytes.starts_with(&[0x89, 0x00]), "pinged first: {bytes:x?}");
    assert!(
        bytes.ends_with(&[0x88, 0x02, 0x03, 0xe9]),
        "closed with 1001: {bytes:x?}"
    );
}

#[tokio::test]
async fn events_cross_instances_over_postgresql() {
    if !is_postgres() {
        println!("skipped: two instances need PostgreSQL (set TEST_DATABASE_URL)");
        return;
    }
    let app = TestApp::spawn().await;
    let w = app.world().await;
    let second = iap_studio::Application::build(iap_studio::Config::for_database(
        app.state.config.database_url.expose(),
    ))
    .await
    .unwrap();
    let second_address = format!("http://{}", second.local_addr());
    let second_state = second.state();
    let _server = tokio::spawn(async move {
        let _ = second.run_until(std::future::pending()).await;
    });
    let mut on_second = events(&second_address, &w.coordinator.0.email).await;
    let mut on_first = events(&app.address, &w.coordinator.0.email).await;

    app.state.hub.publish(Event::new(
        "stage.changed",
        Some(w.network.id),
        Some(w.obidos.id),
        json!({ "from": 1 }),
    ));
    second_state.hub.publish(Event::new(
        "stage.changed",
        Some(w.network.id),
        Some(w.obidos.id),
        json!({ "from": 2 }),
    ));

    let a = next_event(&mut on_second, |e| e["data"]["from"] == 1).await;
    assert_eq!(a["type"], "stage.changed");
    next_event(&mut on_first, |e| e["data"]["from"] == 2).await;
}
