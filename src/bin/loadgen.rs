//! Load generator for the collab socket: N editors over D sections, each
//! typing R edits per second over real WebSockets with real yrs documents,
//! measuring end-to-end propagation (sender's send → every other editor of
//! the section receiving it), deliveries per second, and the server's CPU and
//! memory from /proc. See docs/benchmarks.md for how it is run.
//!
//! Each editor types into its own paragraph and does not apply the others'
//! edits (their updates are only decoded to find which edits they carry), so
//! the generator spends its CPU on sockets, not on replaying documents.
use std::{
    collections::{BTreeMap, VecDeque},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::Context;
use clap::Parser;
use futures_util::{SinkExt, StreamExt};
use iap_studio::{
    auth::{CurrentUser, sessions},
    cities::{self, NewCity},
    config::PlanningMonths,
    entities::{section, user},
    members::{Role, grant, invitations::create_user},
    networks::{self, NewNetwork},
    realtime::protocol,
    sections::document::FRAGMENT_NAME,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use tokio_tungstenite::tungstenite::{
    Message, client::IntoClientRequest, protocol::WebSocketConfig,
};
use uuid::Uuid;
use yrs::{
    ReadTxn, Text, Transact, Update, WriteTxn, XmlElementPrelim, XmlFragment, XmlOut,
    XmlTextPrelim,
    sync::{Message as YMessage, SyncMessage},
    updates::decoder::Decode,
};

#[derive(Parser, Debug, Clone)]
struct Args {
    /// The server's base URL.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// The server's database, to create the benchmark's cities, people and sessions.
    #[arg(long, env = "DATABASE_URL")]
    database_url: String,
    /// The server's process id, for CPU and memory figures.
    #[arg(long)]
    server_pid: Option<u32>,
    #[arg(long, default_value_t = 800)]
    editors: usize,
    #[arg(long, default_value_t = 80)]
    sections: usize,
    /// Edits per second per editor.
    #[arg(long, default_value_t = 10.0)]
    rate: f64,
    /// Seconds measured, after the warm-up.
    #[arg(long, default_value_t = 30)]
    duration: u64,
    #[arg(long, default_value_t = 5)]
    warmup: u64,
    /// Threads of the generator. One by default: with a thread per core it
    /// took more CPU from the server beside it (cross-thread wakeups cost
    /// both; measured in docs/benchmarks.md).
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

/// Client ids of editors start here, so an update's client id names its editor.
const CLIENT_BASE: u64 = 1_000_000;

/// The span of each p99 reported window by window.
const WINDOW: Duration = Duration::from_secs(10);

/// Edits an editor sent and not yet seen by all: (last clock of the edit, sent at).
type Pending = Mutex<VecDeque<(u32, Instant)>>;

struct Stats {
    measuring: AtomicBool,
    latencies_us: Mutex<Vec<u32>>,
    deliveries: AtomicU64,
    sent: AtomicU64,
    closed: AtomicU64,
    /// How sockets ended: a close code, or the error that ended them.
    endings: Mutex<BTreeMap<String, u64>>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = if args.threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.threads)
            .enable_all()
            .build()?
    };
    runtime.block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let (cookies, section_ids) = setup(&args).await?;
    println!(
        "{} editors over {} sections at {} edits/s each ({} edits/s)",
        args.editors,
        args.sections,
        args.rate,
        args.editors as f64 * args.rate
    );
    let rss_before = args.server_pid.map(rss_kib);

    let stats = Arc::new(Stats {
        measuring: AtomicBool::new(false),
        latencies_us: Mutex::new(Vec::with_capacity(4_000_000)),
        deliveries: AtomicU64::new(0),
        sent: AtomicU64::new(0),
        closed: AtomicU64::new(0),
        endings: Mutex::default(),
    });
    let pending: Arc<Vec<Pending>> =
        Arc::new((0..args.editors).map(|_| Mutex::default()).collect());
    let stop = Arc::new(AtomicBool::new(false));
    let go = Arc::new(tokio::sync::Barrier::new(args.editors + 1));
    let mut tasks = Vec::new();
    for i in 0..args.editors {
        let section = section_ids[i % section_ids.len()];
        let cookie = cookies[(i % section_ids.len()) / 9 % cookies.len()].clone();
        let ws = connect(&args.url, &cookie, section).await?;
        tasks.push(tokio::spawn(editor(
            i,
            ws,
            args.rate,
            stats.clone(),
            pending.clone(),
            stop.clone(),
            go.clone(),
        )));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    if let (Some(pid), Some(before)) = (args.server_pid, rss_before) {
        let after = rss_kib(pid);
        println!(
            "server RSS: {before} KiB before, {after} KiB with {} idle editors connected: {:.1} KiB per editor",
            args.editors,
            (after.saturating_sub(before)) as f64 / args.editors as f64
        );
    }
    go.wait().await;
    tokio::time::sleep(Duration::from_secs(args.warmup)).await;

    let cpu_start = args.server_pid.map(cpu_ticks);
    let own_cpu_start = cpu_ticks(std::process::id());
    let t0 = Instant::now();
    stats.measuring.store(true, Ordering::SeqCst);
    let sent0 = stats.sent.load(Ordering::SeqCst);
    let deliveries0 = stats.deliveries.load(Ordering::SeqCst);
    // Where each 10 s window ends in the latency list, to show whether the
    // figures hold as the documents grow.
    let mut window_ends = Vec::new();
    let mut left = Duration::from_secs(args.duration);
    while !left.is_zero() {
        let step = left.min(WINDOW);
        tokio::time::sleep(step).await;
        left -= step;
        window_ends.push(stats.latencies_us.lock().map(|l| l.len()).unwrap_or(0));
    }
    stats.measuring.store(false, Ordering::SeqCst);
    let elapsed = t0.elapsed().as_secs_f64();
    let sent = stats.sent.load(Ordering::SeqCst) - sent0;
    let deliveries = stats.deliveries.load(Ordering::SeqCst) - deliveries0;
    let cpu_end = args.server_pid.map(cpu_ticks);
    let own_cpu = cpu_ticks(std::process::id()) - own_cpu_start;
    let rss_loaded = args.server_pid.map(rss_kib);
    stop.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(2)).await;

    let per_section = args.editors / args.sections.max(1);
    let expected = sent as f64 * (per_section.saturating_sub(1)) as f64;
    let mut latencies = std::mem::take(&mut *stats.latencies_us.lock().expect("stats"));
    let mut window_start = 0;
    let window_p99: Vec<String> = window_ends
        .iter()
        .map(|&end| {
            let mut window = latencies[window_start.min(end)..end.min(latencies.len())].to_vec();
            window_start = end;
            window.sort_unstable();
            format!("{:.1}", percentile_ms(&window, 0.99))
        })
        .collect();
    latencies.sort_unstable();
    let pct = |p: f64| percentile_ms(&latencies, p);
    println!(
        "edits sent: {sent} ({:.0}/s); deliveries: {deliveries} ({:.0}/s, {:.1}% of expected)",
        sent as f64 / elapsed,
        deliveries as f64 / elapsed,
        100.0 * deliveries as f64 / expected.max(1.0)
    );
    println!(
        "propagation latency ms: p50 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}  (n = {})",
        pct(0.5),
        pct(0.99),
        pct(0.999),
        pct(1.0),
        latencies.len()
    );
    println!(
        "p99 by {} s window (ms): {}",
        WINDOW.as_secs(),
        window_p99.join(" ")
    );
    let endings = stats
        .endings
        .lock()
        .map(|e| {
            e.iter()
                .map(|(how, n)| format!("{how} x{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    println!(
        "sockets closed by the server: {}{}",
        stats.closed.load(Ordering::SeqCst),
        if endings.is_empty() {
            String::new()
        } else {
            format!(" ({endings})")
        }
    );
    if let (Some(a), Some(b)) = (cpu_start, cpu_end) {
        let hz = 100.0; // USER_HZ on Linux
        println!(
            "server CPU: {:.0}% of one core",
            100.0 * (b - a) as f64 / hz / elapsed
        );
    }
    println!(
        "load generator CPU: {:.0}% of one core",
        100.0 * own_cpu as f64 / 100.0 / elapsed
    );
    if let Some(rss) = rss_loaded {
        println!("server RSS under load: {rss} KiB");
    }
    for t in tasks {
        t.abort();
    }
    Ok(())
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &str, cookie: &str, section: Uuid) -> anyhow::Result<Socket> {
    let ws_url = format!(
        "{}/api/v1/collab/{section}",
        url.replacen("http://", "ws://", 1)
    );
    let mut request = ws_url.into_client_request()?;
    request.headers_mut().insert("cookie", cookie.parse()?);
    // tungstenite zero-fills its whole read buffer (128 KiB by default) on
    // every read: with thousands of tiny frames a second that memset was most
    // of the generator's CPU, taken from the server it shares the machine with.
    let config = WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0);
    let (ws, _) = tokio_tungstenite::connect_async_with_config(request, Some(config), true)
        .await
        .context("connecting an editor")?;
    Ok(ws)
}

async fn editor(
    index: usize,
    mut ws: Socket,
    rate: f64,
    stats: Arc<Stats>,
    pending: Arc<Vec<Pending>>,
    stop: Arc<AtomicBool>,
    go: Arc<tokio::sync::Barrier>,
) {
    let client_id = CLIENT_BASE + index as u64;
    let doc = yrs::Doc::with_client_id(client_id);
    // Our step 1 (the provider's opening message); the server's answer is ignored.
    let sv = doc.transact().state_vector();
    let _ = ws
        .send(Message::binary(protocol::encode_sync_step1(&sv)))
        .await;
    go.wait().await;
    let period = Duration::from_secs_f64(1.0 / rate);
    // Spread editors over the period so the load is smooth.
    let first = tokio::time::Instant::now() + period.mul_f64((index % 97) as f64 / 97.0);
    let mut tick = tokio::time::interval_at(first, period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // One task reads and writes, as a browser tab does: no lock between a
    // reading and a writing half, and no second task to wake per frame.
    while !stop.load(Ordering::Relaxed) {
        tokio::select! {
            biased;
            message = ws.next() => match message {
                Some(Ok(Message::Binary(frame))) => receive(index, &frame, &stats, &pending),
                ending @ (Some(Ok(Message::Close(_)) | Err(_)) | None) => {
                    let how = match ending {
                        Some(Ok(Message::Close(Some(frame)))) => format!("close {}", frame.code),
                        Some(Err(e)) => format!("error: {e}"),
                        _ => "closed without a code".to_owned(),
                    };
                    stats.closed.fetch_add(1, Ordering::SeqCst);
                    if let Ok(mut endings) = stats.endings.lock() {
                        *endings.entry(how).or_default() += 1;
                    }
                    return;
                }
                Some(Ok(_)) => {}
            },
            _ = tick.tick() => {
                let edit = type_one_key(&doc, client_id);
                if let Ok(mut queue) = pending[index].lock() {
                    let now = Instant::now();
                    // Anything older than this was delivered or lost; stop matching it.
                    while queue
                        .front()
                        .is_some_and(|(_, at)| now.duration_since(*at) > Duration::from_secs(5))
                    {
                        queue.pop_front();
                    }
                    queue.push_back((edit.clock, now));
                }
                if ws
                    .send(Message::binary(protocol::encode_update(&edit.update)))
                    .await
                    .is_err()
                {
                    return;
                }
                stats.sent.fetch_add(
                    u64::from(stats.measuring.load(Ordering::Relaxed)),
                    Ordering::Relaxed,
                );
            }
        }
    }
}

struct Edit {
    update: Vec<u8>,
    /// The clock of the typed character, which its receivers look for.
    clock: u32,
}

/// The `p` quantile of sorted latencies (µs), in ms; NaN when there are none.
fn percentile_ms(sorted_us: &[u32], p: f64) -> f64 {
    if sorted_us.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted_us.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted_us[idx]) / 1000.0
}

/// Types one character at the end of the editor's own paragraph.
fn type_one_key(doc: &yrs::Doc, client_id: u64) -> Edit {
    let mut txn = doc.transact_mut();
    let frag = txn.get_or_insert_xml_fragment(FRAGMENT_NAME);
    let p = match frag.get(&txn, 0) {
        Some(XmlOut::Element(p)) => p,
        _ => frag.insert(&mut txn, 0, XmlElementPrelim::empty("paragraph")),
    };
    let t = match XmlFragment::get(&p, &txn, 0) {
        Some(XmlOut::Text(t)) => t,
        _ => p.insert(&mut txn, 0, XmlTextPrelim::new("")),
    };
    // Typed forwards, as people type: each key follows the last, so the
    // document's items merge as they do for a real editor's keystrokes.
    let end = t.len(&txn);
    t.insert(&mut txn, end, "k");
    let update = txn.encode_update_v1();
    let clock = txn.state_vector().get(&yrs::ClientID::new(client_id));
    Edit {
        update,
        clock: clock.saturating_sub(1),
    }
}

fn receive(me: usize, frame: &[u8], stats: &Stats, pending: &[Pending]) {
    let Ok(YMessage::Sync(SyncMessage::Update(update))) = YMessage::decode_v1(frame) else {
        return;
    };
    let Ok(update) = Update::decode_v1(&update) else {
        return;
    };
    let now = Instant::now();
    let measuring = stats.measuring.load(Ordering::Relaxed);
    let mut found = Vec::new();
    for (client, ranges) in update.insertions(false).iter() {
        // Our own edits come back inside merged frames: not a delivery.
        let Some(editor) = client.get().checked_sub(CLIENT_BASE) else {
            continue;
        };
        if editor as usize == me {
            continue;
        }
        let Some(queue) = pending.get(editor as usize) else {
            continue;
        };
        let Ok(queue) = queue.lock() else { continue };
        for range in ranges.iter() {
            for (clock, sent_at) in queue.iter() {
                if range.contains(clock) {
                    found.push(now.duration_since(*sent_at));
                }
            }
        }
    }
    if measuring && !found.is_empty() {
        stats
            .deliveries
            .fetch_add(found.len() as u64, Ordering::Relaxed);
        if let Ok(mut l) = stats.latencies_us.lock() {
            l.extend(
                found
                    .iter()
                    .map(|d| u32::try_from(d.as_micros()).unwrap_or(u32::MAX)),
            );
        }
    }
}

/// Cities, one ULG member per city and their sessions; returns the session
/// cookies and the section ids (9 per city).
async fn setup(args: &Args) -> anyhow::Result<(Vec<String>, Vec<Uuid>)> {
    let db = iap_studio::database::connect(&args.database_url).await?;
    iap_studio::database::migrate(&db).await?;
    let tag = &Uuid::now_v7().simple().to_string()[20..];
    let admin = create_user(
        &db,
        &format!("bench-admin-{tag}@example.org"),
        "Bench admin",
        "x",
        true,
    )
    .await?;
    let admin = CurrentUser {
        user: admin,
        memberships: vec![],
    };
    let network = networks::create(
        &db,
        NewNetwork {
            name: format!("Benchmark network {tag}"),
            description: "Load generator".into(),
            starts_on: chrono::Utc::now().date_naive(),
            duration_months: 13,
        },
        &PlanningMonths(12..=14),
        &admin,
    )
    .await?;
    let cities_needed = args.sections.div_ceil(9);
    let mut cookies = Vec::new();
    let mut sections = Vec::new();
    for c in 0..cities_needed {
        let (city, plan) = cities::create(
            &db,
            &network,
            NewCity {
                name: format!("Bench town {c}"),
                country: "PT".into(),
                is_lead_partner: false,
            },
            &admin,
        )
        .await?;
        let person: user::Model = create_user(
            &db,
            &format!("bench-{tag}-{c}@example.org"),
            &format!("Writer {c}"),
            "x",
            false,
        )
        .await?;
        grant(
            &db,
            person.id,
            network.id,
            Some(city.id),
            Role::UlgMember,
            None,
        )
        .await?;
        let token = sessions::create(&db, person.id).await?;
        cookies.push(format!("{}={token}", sessions::COOKIE_NAME));
        let ids: Vec<Uuid> = section::Entity::find()
            .filter(section::Column::PlanId.eq(plan.id))
            .order_by_asc(section::Column::Position)
            .all(&db)
            .await?
            .into_iter()
            .map(|s| s.id)
            .collect();
        sections.extend(ids);
    }
    sections.truncate(args.sections);
    Ok((cookies, sections))
}

fn proc_stat(pid: u32) -> Vec<String> {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .unwrap_or_default()
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// utime + stime in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let fields = proc_stat(pid);
    // After the ")", field 0 is the state; utime and stime are the 12th and 13th.
    let get = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    get(11) + get(12)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}
