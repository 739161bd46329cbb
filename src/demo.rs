//! The demo: the *Creative Clusters in Low Density Urban Areas* network with
//! its nine partner cities, people in every role and a plan that looks alive.
pub mod plan;

use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use rand::{Rng, distr::Alphanumeric};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::{
    actions,
    app::AppState,
    auth::{CurrentUser, normalise_email, passwords},
    cities::{self, NewCity},
    database,
    entities::{network, user},
    error::{AppError, AppResult},
    members::{Role, grant, invitations::create_user},
    networks::{self, NewNetwork},
    sections,
};

pub const NETWORK_NAME: &str = "Creative Clusters in Low Density Urban Areas";

/// (city, country, lead partner, coordinator name, ULG member name)
const CITIES: [(&str, &str, bool, &str, &str); 9] = [
    ("Óbidos", "PT", true, "Inês Martins", "Rui Carvalho"),
    (
        "Reggio Emilia",
        "IT",
        false,
        "Giulia Ferri",
        "Marco Bellini",
    ),
    ("Mizil", "RO", false, "Andreea Popescu", "Mihai Ionescu"),
    ("Enguera", "ES", false, "Lucía Navarro", "Javier Soler"),
    ("Catanzaro", "IT", false, "Francesca Greco", "Antonio Russo"),
    ("Barnsley", "GB", false, "Sarah Whitaker", "Tom Hargreaves"),
    (
        "Hódmezővásárhely",
        "HU",
        false,
        "Katalin Szabó",
        "Gábor Tóth",
    ),
    ("Viareggio", "IT", false, "Chiara Lombardi", "Luca Pardini"),
    ("Jyväskylä", "FI", false, "Aino Virtanen", "Mikko Laine"),
];

/// The demo accounts' email domain part for a city, ASCII only.
pub fn slug(city: &str) -> String {
    deunicode::deunicode(city).to_lowercase().replace(' ', "-")
}

pub async fn create_admin(
    db: &impl ConnectionTrait,
    email: &str,
    name: &str,
    password: &str,
) -> AppResult<user::Model> {
    let email = normalise_email(email)
        .ok_or_else(|| AppError::field("email", "must be a valid email address"))?;
    if name.trim().is_empty() {
        return Err(AppError::field("name", "must not be empty"));
    }
    passwords::check_strength("password", password)?;
    let hash = passwords::hash(password).await?;
    create_user(db, &email, name.trim(), &hash, true).await
}

/// Seeds the demo when the database has no network yet.
pub async fn seed_if_empty(state: &AppState) -> anyhow::Result<()> {
    if network::Entity::find().count(&state.db).await? > 0 {
        tracing::info!("demo: the database already has networks; not seeding");
        return Ok(());
    }
    seed(state).await
}

struct Account {
    email: String,
    name: String,
    role: &'static str,
    password: String,
}

/// Seeds the demo network and prints every account with its password, once.
/// `IAP_DEMO_PASSWORD` gives every account the same known password (for tests).
pub async fn seed(state: &AppState) -> anyhow::Result<()> {
    let shared_password = std::env::var("IAP_DEMO_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let shared_hash = match &shared_password {
        Some(p) => Some(
            passwords::hash(p)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        ),
        None => None,
    };
    let txn = database::begin_write(&state.db).await?;
    let mut accounts = Vec::new();
    let mut person = async |email: &str,
                            name: &str,
                            role: &'static str,
                            admin: bool|
           -> anyhow::Result<user::Model> {
        let password = shared_password.clone().unwrap_or_else(random_password);
        let hash = match &shared_hash {
            Some(h) => h.clone(),
            None => passwords::hash(&password)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?,
        };
        let u = create_user(&txn, email, name, &hash, admin)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        accounts.push(Account {
            email: email.into(),
            name: name.into(),
            role,
            password,
        });
        Ok(u)
    };
    let admin = person("admin@example.org", "Installation admin", "admin", true).await?;
    let lead = person(
        "lead@obidos.example.org",
        "Helena Sousa",
        "lead coordinator",
        false,
    )
    .await?;
    let expert = person(
        "expert@urbact.example.org",
        "Pedro Costa",
        "lead expert",
        false,
    )
    .await?;
    let mut city_people = Vec::new();
    for (name, _, _, coordinator, member) in CITIES {
        let s = slug(name);
        let c = person(
            &format!("coordinator@{s}.example.org"),
            coordinator,
            "city coordinator",
            false,
        )
        .await?;
        let m = person(&format!("ulg@{s}.example.org"), member, "ULG member", false).await?;
        city_people.push((c, m));
    }
    let observer = person(
        "observer@obidos.example.org",
        "Ana Ribeiro",
        "observer",
        false,
    )
    .await?;

    let admin_user = CurrentUser {
        user: admin.clone(),
        memberships: vec![],
    };
    let net = networks::create(
        &txn,
        NewNetwork {
            name: NETWORK_NAME.into(),
            description: "Creativity can drive the economic development of small towns, not only big cities, \
                by bringing them urban attributes: accessibility, cultural life, technological facilities, \
                competitive clusters and global networking."
                .into(),
            // Three months in, whenever the demo runs: the vision stage is current.
            starts_on: demo_start(chrono::Utc::now().date_naive()).context("demo start date")?,
            duration_months: 13,
        },
        &state.config.planning_months,
        &admin_user,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    grant(
        &txn,
        lead.id,
        net.id,
        None,
        Role::LeadCoordinator,
        Some(admin.id),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    grant(&txn, expert.id, net.id, None, Role::Expert, Some(admin.id))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for (index, ((name, country, is_lead, _, _), (coordinator, member))) in
        CITIES.iter().zip(&city_people).enumerate()
    {
        let (city, plan) = cities::create(
            &txn,
            &net,
            NewCity {
                name: (*name).into(),
                country: (*country).into(),
                is_lead_partner: *is_lead,
            },
            &admin_user,
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        grant(
            &txn,
            coordinator.id,
            net.id,
            Some(city.id),
            Role::CityCoordinator,
            Some(admin.id),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        grant(
            &txn,
            member.id,
            net.id,
            Some(city.id),
            Role::UlgMember,
            Some(admin.id),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        if *is_lead {
            grant(
                &txn,
                observer.id,
                net.id,
                Some(city.id),
                Role::Observer,
                Some(admin.id),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        write_demo_sections(&txn, plan.id, name, member.id).await?;
        write_demo_actions(&txn, plan.id, name, member.id).await?;
        // Óbidos is ahead; a few partners wait for their coordinator's decision.
        let (approved, submit_next) = match index {
            0 => (2, false),
            1..=3 => (0, true),
            _ => (0, false),
        };
        move_demo_stages(&txn, &city, member, coordinator, approved, submit_next).await?;
    }
    txn.commit().await?;

    println!("\nDemo network \"{NETWORK_NAME}\" seeded. Accounts (shown once):\n");
    println!("{:<40} {:<20} {:<18} password", "email", "name", "role");
    for a in &accounts {
        let shown = if shared_password.is_some() {
            "(IAP_DEMO_PASSWORD)"
        } else {
            a.password.as_str()
        };
        println!("{:<40} {:<20} {:<18} {shown}", a.email, a.name, a.role);
    }
    println!();
    Ok(())
}

/// Moves a city's first stages through the real workflow: `approved` stages
/// submitted by the ULG member and approved by the coordinator, then
/// optionally the next one submitted and left waiting.
async fn move_demo_stages(
    db: &impl ConnectionTrait,
    city: &crate::entities::city::Model,
    writer: &user::Model,
    coordinator: &user::Model,
    approved: usize,
    submit_next: bool,
) -> anyhow::Result<()> {
    use crate::stages::{transitions, workflow::StageAction};
    let person = async |u: &user::Model| -> anyhow::Result<CurrentUser> {
        let memberships = crate::entities::membership::Entity::find()
            .filter(crate::entities::membership::Column::UserId.eq(u.id))
            .all(db)
            .await?;
        Ok(CurrentUser {
            user: u.clone(),
            memberships,
        })
    };
    let (writer, coordinator) = (person(writer).await?, person(coordinator).await?);
    let plan = crate::plans::of_city(db, city.id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let stages = crate::plans::stages(db, plan.id)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut steps: Vec<(uuid::Uuid, &CurrentUser, StageAction)> = Vec::new();
    for s in stages.iter().take(approved) {
        steps.push((s.id, &writer, StageAction::Submit));
        steps.push((s.id, &coordinator, StageAction::Approve));
    }
    if submit_next && let Some(s) = stages.get(approved) {
        steps.push((s.id, &writer, StageAction::Submit));
    }
    for (stage_id, who, action) in steps {
        let ctx = transitions::load_visible(db, who, stage_id)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        transitions::apply(db, &ctx, who, action, None, chrono::Utc::now())
            .await
            .map_err(|e| anyhow::anyhow!("demo stage {}: {e}", ctx.stage.key))?;
    }
    Ok(())
}

/// The first day of the month three months before `today`.
fn demo_start(today: NaiveDate) -> Option<NaiveDate> {
    today
        .with_day(1)?
        .checked_sub_months(chrono::Months::new(3))
}

fn random_password() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(16)
        .map(char::from)
        .collect()
}

/// Some written sections so the demo looks alive: more for the lead partner.
async fn write_demo_sections(
    db: &impl ConnectionTrait,
    plan_id: uuid::Uuid,
    city: &str,
    author: uuid::Uuid,
) -> anyhow::Result<()> {
    let texts: Vec<(&str, String)> = vec![
        (
            "ulg",
            format!(
                "## Who is in our ULG\n\nThe {city} ULG brings together the municipality's culture and economic \
             development departments, the vocational school, two creative-industry associations, local \
             businesses and young residents.\n\n## How we work\n\n- monthly meetings, alternating between the \
             town hall and the creative hub\n- a walking workshop to map empty buildings\n- an online survey of \
             young people (212 answers)\n"
            ),
        ),
        (
            "context",
            format!(
                "{city} is a low-density town whose young people leave for the metropolitan areas. \
             **Creative and cultural activities** are growing but scattered.\n\n## Figures\n\n\
             - population trend 2014–2024: −6 %\n- creative businesses registered: 48\n- empty ground-floor \
             units in the historic centre: 37\n\nSources: national statistics office, municipal register."
            ),
        ),
        (
            "problems",
            format!(
                "## Core problem\n\nTalented young people leave {city} because they find no place to start \
             creative work.\n\n## Causes\n\n1. no affordable workspace\n2. weak links between schools and \
             creative firms\n3. events concentrated in summer\n"
            ),
        ),
    ];
    let take = if city == "Óbidos" { texts.len() } else { 1 };
    for (key, markdown) in texts.into_iter().take(take) {
        sections::replace_markdown(db, plan_id, key, &markdown, author).await?;
    }
    Ok(())
}

/// A real action table for the lead partner, and a start of one for two other cities (the
/// Óbidos actions with the town's name swapped), so totals, the Gantt chart and exports show.
pub async fn write_demo_actions(
    db: &impl ConnectionTrait,
    plan_id: uuid::Uuid,
    city: &str,
    author: uuid::Uuid,
) -> anyhow::Result<()> {
    let chosen: Vec<_> = match city {
        "Óbidos" => plan::actions(),
        "Reggio Emilia" | "Jyväskylä" => plan::actions().into_iter().take(2).collect(),
        _ => return Ok(()),
    };
    for action in chosen {
        let text = serde_json::to_string(&actions::ActionInput::from(&action))?;
        let input: actions::ActionInput = serde_json::from_str(&text.replace("Óbidos", city))?;
        actions::create(db, plan_id, input, author)
            .await
            .map_err(|e| anyhow::anyhow!("demo action {}: {e}", action.code))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_network_is_three_months_in() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        assert_eq!(demo_start(today), NaiveDate::from_ymd_opt(2026, 8, 1));
    }

    #[test]
    fn city_slugs_are_plain_ascii() {
        assert_eq!(slug("Óbidos"), "obidos");
        assert_eq!(slug("Reggio Emilia"), "reggio-emilia");
        assert_eq!(slug("Hódmezővásárhely"), "hodmezovasarhely");
        assert_eq!(slug("Jyväskylä"), "jyvaskyla");
        for (name, ..) in CITIES {
            assert!(slug(name).is_ascii(), "{name}");
        }
    }
}
