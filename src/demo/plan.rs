//! Demo content from the seeded network (DOMAIN.md): Óbidos, lead partner of *Creative Clusters in
//! Low Density Urban Areas*. Used by the tests here and usable by the app's `demo` seed.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::actions::{
    Action, ActionStatus, FundingLine, FundingSource, FundingStatus, Indicator, IndicatorKind,
    Risk, RiskLevel,
};
use crate::export::{Adoption, PlanDocument, Section};

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn eur(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

/// "A1.1 Creative hub in the old market hall": the action every demo and test starts from.
pub fn creative_hub() -> Action {
    Action {
        id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_a11a),
        code: "A1.1".into(),
        title: "Creative hub in the old market hall".into(),
        description: "Refurbish the **old market hall** as a shared workspace for creative \
                      entrepreneurs: studios, a maker lab and an events room."
            .into(),
        objective: "Diversify the local economic base and keep young creative people in Óbidos."
            .into(),
        action_type: "Infrastructure".into(),
        lead_organisation: "Óbidos Municipality".into(),
        lead_person: "Ana Sousa".into(),
        partners: vec![
            "Óbidos Technology Park".into(),
            "Escola Josefa de Óbidos".into(),
            "Association of Local Artisans, \"Mãos\"".into(),
        ],
        start_date: date(2027, 3, 1),
        end_date: date(2028, 6, 30),
        estimated_cost_eur: Some(eur(48_000_000)),
        funding: vec![
            FundingLine {
                source: FundingSource::Erdf,
                amount_eur: eur(24_000_000),
                status: FundingStatus::Secured,
            },
            FundingLine {
                source: FundingSource::Municipal,
                amount_eur: eur(12_000_000),
                status: FundingStatus::Secured,
            },
            FundingLine {
                source: FundingSource::Private,
                amount_eur: eur(9_000_000),
                status: FundingStatus::Potential,
            },
        ],
        indicators: vec![
            Indicator {
                name: "Studios let to creative businesses".into(),
                kind: IndicatorKind::Output,
                baseline: "0".into(),
                target: "18".into(),
                unit: "studios".into(),
                source: "Hub management reports".into(),
                frequency: "Quarterly".into(),
            },
            Indicator {
                name: "Residents aged 18–35 working in creative sectors".into(),
                kind: IndicatorKind::Result,
                baseline: "4.2".into(),
                target: "6.0".into(),
                unit: "% of jobs".into(),
                source: "INE employment statistics".into(),
                frequency: "Yearly".into(),
            },
        ],
        risks: vec![Risk {
            description: "Refurbishment costs exceed the estimate (listed building)".into(),
            likelihood: RiskLevel::M,
            impact: RiskLevel::H,
            mitigation: "Heritage survey before tender; 10 % contingency".into(),
            owner: "Municipal works department".into(),
        }],
        status: ActionStatus::Drafted,
    }
}

/// A plan's action table: four actions on the network's themes, one not yet scheduled.
pub fn actions() -> Vec<Action> {
    let hub = creative_hub();
    vec![
        hub.clone(),
        Action {
            id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_a12a),
            code: "A1.2".into(),
            title: "Residencies for young makers".into(),
            description:
                "Six-month residencies in the hub for graduates; *mentoring* by local firms.".into(),
            objective: "Attract and retain creative talent.".into(),
            action_type: "Programme".into(),
            lead_organisation: "Óbidos Technology Park".into(),
            lead_person: "Rui Matos".into(),
            partners: vec!["Óbidos Municipality".into()],
            start_date: date(2027, 9, 1),
            end_date: date(2029, 8, 31),
            estimated_cost_eur: Some(eur(9_000_050)),
            funding: vec![
                FundingLine {
                    source: FundingSource::EsfPlus,
                    amount_eur: eur(6_000_000),
                    status: FundingStatus::Applied,
                },
                FundingLine {
                    source: FundingSource::Municipal,
                    amount_eur: eur(3_000_050),
                    status: FundingStatus::Secured,
                },
            ],
            indicators: vec![Indicator {
                name: "Residents hosted".into(),
                kind: IndicatorKind::Output,
                baseline: "0".into(),
                target: "24".into(),
                unit: "people".into(),
                source: "Programme records".into(),
                frequency: "Yearly".into(),
            }],
            risks: vec![Risk {
                description: "Too few applicants | low visibility".into(),
                likelihood: RiskLevel::L,
                impact: RiskLevel::M,
                mitigation: "Promote through partner universities".into(),
                owner: "Rui Matos".into(),
            }],
            status: ActionStatus::Validated,
        },
        Action {
            id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_a21a),
            code: "A2.1".into(),
            title: "Óbidos Creative Week".into(),
            description: "A yearly festival that opens studios and streets to visitors.".into(),
            objective: "Use events as catalysts for the creative economy.".into(),
            action_type: "Event".into(),
            lead_organisation: "Óbidos Criativa E.M.".into(),
            lead_person: "Joana Reis".into(),
            partners: vec![],
            start_date: date(2027, 5, 15),
            end_date: date(2027, 5, 22),
            estimated_cost_eur: Some(eur(3_500_000)),
            funding: vec![FundingLine {
                source: FundingSource::Regional,
                amount_eur: eur(3_500_000),
                status: FundingStatus::Potential,
            }],
            indicators: vec![],
            risks: vec![],
            status: ActionStatus::Drafted,
        },
        Action {
            id: Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_a31a),
            code: "A3.1".into(),
            title: "Creative skills in secondary schools".into(),
            description: String::new(),
            objective: "Set the basis: creative education at local level.".into(),
            action_type: "Education".into(),
            lead_organisation: String::new(),
            lead_person: String::new(),
            partners: vec![],
            start_date: None,
            end_date: None,
            estimated_cost_eur: None,
            funding: vec![],
            indicators: vec![],
            risks: vec![],
            status: ActionStatus::Idea,
        },
    ]
}

/// Sections of the demo plan in template order, with the Markdown features exports must handle.
pub fn sections() -> Vec<Section> {
    let s = |key: &str, title: &str, md: &str| Section {
        key: key.into(),
        title: title.into(),
        markdown: md.into(),
    };
    vec![
        s(
            "summary",
            "Executive summary",
            "Óbidos will become a **creative town** for young people.\n\nMain actions:\n\n1. a creative hub in the old market hall;\n2. residencies for young makers;\n3. a yearly *Creative Week*.\n",
        ),
        s(
            "ulg",
            "ULG and co-creation process",
            "The ULG met **nine times**. Members:\n\n- the municipality (culture, economy, education)\n- the technology park\n  - its incubator\n- artisans and schools\n\n<script>alert('x')</script>Methods: world café, site visits.\n",
        ),
        s(
            "context",
            "Context and baseline",
            "## Figures\n\n| Indicator | Value | Source |\n|---|---|---|\n| Population | 11 772 | INE 2021 |\n| Creative jobs | 4.2 % | INE |\n\nSee [the statistics](https://www.ine.pt/) and `open data`.\n",
        ),
        s(
            "problems",
            "Problem and needs analysis",
            "# Core problem\n\nYoung people leave: fewer than 1 in 5 graduates return.\n\n> \"There is nothing for us here.\" — a student\n",
        ),
        s(
            "vision",
            "Vision and objectives",
            "By 2030 Óbidos is a *living lab* for creative industries.\n\nObjective 1\n-----------\n\nCreate 50 creative jobs.\n",
        ),
        s(
            "actions",
            "Actions",
            "The actions answer objectives 1–3; the table holds the details.\n",
        ),
        s(
            "small_scale",
            "Small-scale actions and learning",
            "A pop-up studio in the market hall ran for ***three weeks*** and drew 1 200 visitors.\n",
        ),
        s(
            "implementation",
            "Implementation framework",
            "Governance: a steering group chaired by the mayor.\n\n---\n\n```\nReview: every 6 months\n```\n",
        ),
        s(
            "transnational",
            "Transnational learning",
            "From **Reggio Emilia**: shared studios; from **Jyväskylä**: school partnerships.\n",
        ),
    ]
}

/// The whole demo plan as exports receive it.
pub fn plan_document() -> PlanDocument {
    PlanDocument {
        network_name: "Creative Clusters in Low Density Urban Areas".into(),
        city_name: "Óbidos".into(),
        country: "PT".into(),
        status: "final".into(),
        generated_on: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap_or_default(),
        sections: sections(),
        actions: actions(),
        adoption: Some(Adoption {
            body: "Óbidos Municipal Assembly".into(),
            decided_on: NaiveDate::from_ymd_opt(2026, 11, 12).unwrap_or_default(),
            reference: "Deliberation 87/2026".into(),
        }),
    }
}
