//! The stage state machine (DESIGN §3), over plain data.
//!
//! ```text
//! open ──submit──▶ submitted ──approve──▶ approved ──reopen──▶ open
//!                  ▲    │return                (latest approved only)
//!                  │    ▼
//!                  returned ──submit──┘
//! ```
//! The handler calls [`transition`] first (who, which state, which order), then runs the gate
//! checks for a submission (409 with every failing check), then writes the new status with a
//! conditional update on the stage's row version so that one of concurrent transitions wins.
//!
//! Checks run in a fixed order, so a request that breaks several rules always gets the same
//! answer: may this actor do this at all (403) → is the note there (422) → does the state allow
//! it (409) → stage order (409) → four eyes (403).

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::stages::gates::GateRule;
use crate::stages::template::Approver;

/// Where a stage of one plan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageStatus {
    Open,
    Submitted,
    Approved,
    Returned,
}

impl StageStatus {
    /// The stored and serialised form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Submitted => "submitted",
            Self::Approved => "approved",
            Self::Returned => "returned",
        }
    }

    /// Whether the stage's sections are read-only (423 on edit): what was submitted is what gets
    /// approved, and an approved stage stays as approved until it is reopened.
    pub fn locks_sections(self) -> bool {
        matches!(self, Self::Submitted | Self::Approved)
    }
}

impl fmt::Display for StageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for StageStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "open" => Ok(Self::Open),
            "submitted" => Ok(Self::Submitted),
            "approved" => Ok(Self::Approved),
            "returned" => Ok(Self::Returned),
            other => Err(format!("unknown stage status `{other}`")),
        }
    }
}

/// The sections a plan's stages lock now: those read by the gates of every submitted or approved
/// stage. Pass each stage's status with its template row's gate.
pub fn locked_sections<'a>(
    stages: impl IntoIterator<Item = (StageStatus, &'a [GateRule])>,
) -> BTreeSet<&'a str> {
    stages
        .into_iter()
        .filter(|(status, _)| status.locks_sections())
        .flat_map(|(_, gate)| gate.iter().flat_map(GateRule::sections))
        .collect()
}

/// The stage being acted on. `U` is the user id type (a UUID in the app).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageState<U> {
    /// 1-based, as in the template; indexes the plan's statuses.
    pub position: u32,
    pub status: StageStatus,
    /// Who made the current submission; set while submitted.
    pub submitted_by: Option<U>,
    pub approver: Approver,
}

/// What the acting user may be, for this stage's city and network.
///
/// An installation admin may do everything: pass every flag as true (four eyes still applies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor<U> {
    pub user_id: U,
    pub is_city_coordinator: bool,
    pub is_ulg_member: bool,
    pub is_lead_coordinator: bool,
    pub is_expert: bool,
}

/// A requested transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StageAction {
    Submit,
    Approve,
    /// Sends a submitted stage back for more work; the note tells the writers what to change.
    Return {
        note: String,
    },
    /// Takes back an approval; the note says why, for the history.
    Reopen {
        note: String,
    },
}

impl StageAction {
    /// The verb, as in the URL (`POST /stages/{id}/{verb}`).
    pub fn verb(&self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::Approve => "approve",
            Self::Return { .. } => "return",
            Self::Reopen { .. } => "reopen",
        }
    }
}

/// Why a transition is refused. Each variant has a fixed HTTP status and a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The actor's roles do not allow this action on this stage.
    #[error("You may not {verb} this stage")]
    NotAllowed { verb: &'static str },
    /// The stage's status does not allow the action.
    #[error("Cannot {verb} a stage that is {status}")]
    WrongState {
        verb: &'static str,
        status: StageStatus,
    },
    /// Stages are submitted in order: an earlier one is not approved yet.
    #[error("The earlier stage at position {blocking_position} is not approved yet")]
    OutOfOrder { blocking_position: u32 },
    /// The approver is never the submitter. 403, not 409: waiting does not help, another
    /// person has to act.
    #[error("The person who submitted a stage cannot approve it")]
    FourEyes,
    /// Return and reopen need a non-blank note (422 on field `note`).
    #[error("A note is required to {verb} a stage")]
    NoteRequired { verb: &'static str },
    /// Only the latest approved stage can be reopened, so the order of approvals always holds.
    #[error(
        "Only the latest approved stage can be reopened: the stage at position \
         {later_position} is {later_status}"
    )]
    NotLatestApproved {
        later_position: u32,
        later_status: StageStatus,
    },
}

impl TransitionError {
    /// The HTTP status to answer with.
    pub fn status_code(&self) -> u16 {
        match self {
            Self::NotAllowed { .. } | Self::FourEyes => 403,
            Self::WrongState { .. } | Self::OutOfOrder { .. } | Self::NotLatestApproved { .. } => {
                409
            }
            Self::NoteRequired { .. } => 422,
        }
    }

    /// A stable snake_case code for the problem+json body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotAllowed { .. } => "not_allowed",
            Self::WrongState { .. } => "wrong_state",
            Self::OutOfOrder { .. } => "out_of_order",
            Self::FourEyes => "four_eyes",
            Self::NoteRequired { .. } => "note_required",
            Self::NotLatestApproved { .. } => "not_latest_approved",
        }
    }

    /// The request field at fault, for `errors[]`.
    pub fn field(&self) -> Option<&'static str> {
        matches!(self, Self::NoteRequired { .. }).then_some("note")
    }
}

/// Decides whether `actor` may apply `action` to `stage`, and the status it leads to.
///
/// `plan` holds the statuses of all stages of the plan in position order (`stage` included, at
/// `position - 1`; a valid template has positions `1..=len`).
///
/// Who may: submit — city coordinator or ULG member; approve and return — the row's approver
/// (`city_coordinator`: the city coordinator; `lead_partner`: a lead coordinator or the
/// expert); reopen — the city coordinator. Four eyes guards approval only: returning your own
/// submission approves nothing, and is how a submitter withdraws a stage.
pub fn transition<U: PartialEq>(
    stage: &StageState<U>,
    plan: &[StageStatus],
    action: &StageAction,
    actor: &Actor<U>,
) -> Result<StageStatus, TransitionError> {
    let verb = action.verb();
    if !may(actor, stage.approver, action) {
        return Err(TransitionError::NotAllowed { verb });
    }
    if let StageAction::Return { note } | StageAction::Reopen { note } = action
        && note.trim().is_empty()
    {
        return Err(TransitionError::NoteRequired { verb });
    }
    let wrong_state = TransitionError::WrongState {
        verb,
        status: stage.status,
    };
    let index = usize::try_from(stage.position)
        .unwrap_or(usize::MAX)
        .saturating_sub(1)
        .min(plan.len());
    let (earlier, later) = (&plan[..index], plan.get(index + 1..).unwrap_or_default());
    match action {
        StageAction::Submit => {
            if !matches!(stage.status, StageStatus::Open | StageStatus::Returned) {
                return Err(wrong_state);
            }
            if let Some(i) = earlier.iter().position(|s| *s != StageStatus::Approved) {
                return Err(TransitionError::OutOfOrder {
                    blocking_position: to_position(i),
                });
            }
            Ok(StageStatus::Submitted)
        }
        StageAction::Approve => {
            if stage.status != StageStatus::Submitted {
                return Err(wrong_state);
            }
            if stage.submitted_by.as_ref() == Some(&actor.user_id) {
                return Err(TransitionError::FourEyes);
            }
            Ok(StageStatus::Approved)
        }
        StageAction::Return { .. } => {
            if stage.status != StageStatus::Submitted {
                return Err(wrong_state);
            }
            Ok(StageStatus::Returned)
        }
        StageAction::Reopen { .. } => {
            if stage.status != StageStatus::Approved {
                return Err(wrong_state);
            }
            let blocking = later
                .iter()
                .enumerate()
                .find(|(_, s)| matches!(s, StageStatus::Approved | StageStatus::Submitted));
            if let Some((i, &later_status)) = blocking {
                return Err(TransitionError::NotLatestApproved {
                    later_position: to_position(index + 1 + i),
                    later_status,
                });
            }
            Ok(StageStatus::Open)
        }
    }
}

/// The role check alone, also usable to show or hide buttons.
pub fn may<U>(actor: &Actor<U>, approver: Approver, action: &StageAction) -> bool {
    match action {
        StageAction::Submit => actor.is_city_coordinator || actor.is_ulg_member,
        StageAction::Approve | StageAction::Return { .. } => match approver {
            Approver::CityCoordinator => actor.is_city_coordinator,
            Approver::LeadPartner => actor.is_lead_coordinator || actor.is_expert,
        },
        StageAction::Reopen { .. } => actor.is_city_coordinator,
    }
}

fn to_position(index: usize) -> u32 {
    u32::try_from(index + 1).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::StageStatus::{Approved, Open, Returned, Submitted};
    use super::*;

    const ALICE: u32 = 1; // city coordinator
    const BOB: u32 = 2; // second city coordinator
    const ULG: u32 = 3;
    const LEAD: u32 = 4;
    const EXPERT: u32 = 5;

    fn actor(user_id: u32) -> Actor<u32> {
        Actor {
            user_id,
            is_city_coordinator: matches!(user_id, ALICE | BOB),
            is_ulg_member: user_id == ULG,
            is_lead_coordinator: user_id == LEAD,
            is_expert: user_id == EXPERT,
        }
    }

    fn stage(position: u32, status: StageStatus, submitted_by: Option<u32>) -> StageState<u32> {
        StageState {
            position,
            status,
            submitted_by,
            approver: Approver::CityCoordinator,
        }
    }

    fn ret(note: &str) -> StageAction {
        StageAction::Return { note: note.into() }
    }

    fn reopen(note: &str) -> StageAction {
        StageAction::Reopen { note: note.into() }
    }

    #[test]
    fn the_first_stage_can_be_submitted_by_a_ulg_member_or_coordinator() {
        let plan = [Open, Open, Open];
        for who in [ULG, ALICE] {
            let result = transition(
                &stage(1, Open, None),
                &plan,
                &StageAction::Submit,
                &actor(who),
            );
            assert_eq!(result, Ok(Submitted));
        }
    }

    #[test]
    fn a_returned_stage_can_be_submitted_again() {
        let plan = [Approved, Returned, Open];
        let result = transition(
            &stage(2, Returned, None),
            &plan,
            &StageAction::Submit,
            &actor(ULG),
        );
        assert_eq!(result, Ok(Submitted));
    }

    #[test]
    fn people_outside_the_city_cannot_submit() {
        for who in [LEAD, EXPERT] {
            let result = transition(
                &stage(1, Open, None),
                &[Open],
                &StageAction::Submit,
                &actor(who),
            );
            assert_eq!(result, Err(TransitionError::NotAllowed { verb: "submit" }));
            assert_eq!(result.unwrap_err().status_code(), 403);
        }
    }

    #[test]
    fn submitted_or_approved_stages_cannot_be_submitted() {
        for status in [Submitted, Approved] {
            let result = transition(
                &stage(1, status, None),
                &[status],
                &StageAction::Submit,
                &actor(ULG),
            );
            let error = result.unwrap_err();
            assert_eq!(
                error,
                TransitionError::WrongState {
                    verb: "submit",
                    status
                }
            );
            assert_eq!(error.status_code(), 409);
        }
    }

    #[test]
    fn stages_are_submitted_in_order() {
        let plan = [Approved, Submitted, Open, Open];
        let result = transition(
            &stage(3, Open, None),
            &plan,
            &StageAction::Submit,
            &actor(ULG),
        );
        let error = result.unwrap_err();
        assert_eq!(
            error,
            TransitionError::OutOfOrder {
                blocking_position: 2
            }
        );
        assert_eq!((error.status_code(), error.code()), (409, "out_of_order"));
        let plan = [Approved, Approved, Open];
        assert_eq!(
            transition(
                &stage(3, Open, None),
                &plan,
                &StageAction::Submit,
                &actor(ULG)
            ),
            Ok(Submitted)
        );
    }

    #[test]
    fn a_city_stage_is_approved_by_another_city_coordinator() {
        let plan = [Submitted];
        let submitted = stage(1, Submitted, Some(ULG));
        assert_eq!(
            transition(&submitted, &plan, &StageAction::Approve, &actor(ALICE)),
            Ok(Approved)
        );
        let submitted = stage(1, Submitted, Some(ALICE));
        assert_eq!(
            transition(&submitted, &plan, &StageAction::Approve, &actor(BOB)),
            Ok(Approved)
        );
    }

    #[test]
    fn the_submitter_never_approves() {
        let submitted = stage(1, Submitted, Some(ALICE));
        let error = transition(
            &submitted,
            &[Submitted],
            &StageAction::Approve,
            &actor(ALICE),
        )
        .unwrap_err();
        assert_eq!(error, TransitionError::FourEyes);
        assert_eq!((error.status_code(), error.code()), (403, "four_eyes"));
    }

    #[test]
    fn the_submitter_may_return_their_own_submission_to_withdraw_it() {
        let submitted = stage(1, Submitted, Some(ALICE));
        assert_eq!(
            transition(&submitted, &[Submitted], &ret("wrong file"), &actor(ALICE)),
            Ok(Returned)
        );
    }

    #[test]
    fn only_the_templates_approver_decides() {
        let city_stage = stage(1, Submitted, Some(ULG));
        for who in [ULG, LEAD, EXPERT] {
            let approve = transition(
                &city_stage,
                &[Submitted],
                &StageAction::Approve,
                &actor(who),
            );
            assert_eq!(
                approve,
                Err(TransitionError::NotAllowed { verb: "approve" })
            );
            let returned = transition(&city_stage, &[Submitted], &ret("more"), &actor(who));
            assert_eq!(
                returned,
                Err(TransitionError::NotAllowed { verb: "return" })
            );
        }
        let lead_stage = StageState {
            approver: Approver::LeadPartner,
            ..stage(1, Submitted, Some(ALICE))
        };
        for who in [ALICE, BOB, ULG] {
            let approve = transition(
                &lead_stage,
                &[Submitted],
                &StageAction::Approve,
                &actor(who),
            );
            assert_eq!(
                approve,
                Err(TransitionError::NotAllowed { verb: "approve" })
            );
        }
        for who in [LEAD, EXPERT] {
            let approve = transition(
                &lead_stage,
                &[Submitted],
                &StageAction::Approve,
                &actor(who),
            );
            assert_eq!(approve, Ok(Approved));
            let returned = transition(&lead_stage, &[Submitted], &ret("peer review"), &actor(who));
            assert_eq!(returned, Ok(Returned));
        }
    }

    #[test]
    fn only_submitted_stages_are_approved_or_returned() {
        for status in [Open, Approved, Returned] {
            let s = stage(1, status, None);
            let approve = transition(&s, &[status], &StageAction::Approve, &actor(ALICE));
            assert_eq!(
                approve,
                Err(TransitionError::WrongState {
                    verb: "approve",
                    status
                })
            );
            let returned = transition(&s, &[status], &ret("why"), &actor(ALICE));
            assert_eq!(
                returned,
                Err(TransitionError::WrongState {
                    verb: "return",
                    status
                })
            );
        }
    }

    #[test]
    fn returning_needs_a_note() {
        let submitted = stage(1, Submitted, Some(ULG));
        for note in ["", "  \n "] {
            let error =
                transition(&submitted, &[Submitted], &ret(note), &actor(ALICE)).unwrap_err();
            assert_eq!(error, TransitionError::NoteRequired { verb: "return" });
            assert_eq!((error.status_code(), error.field()), (422, Some("note")));
        }
        assert_eq!(
            transition(
                &submitted,
                &[Submitted],
                &ret("Add the ULG's meeting dates"),
                &actor(ALICE)
            ),
            Ok(Returned)
        );
    }

    #[test]
    fn the_coordinator_reopens_the_latest_approved_stage() {
        let plan = [Approved, Approved, Returned, Open];
        let latest = stage(2, Approved, None);
        assert_eq!(
            transition(&latest, &plan, &reopen("typo in figures"), &actor(ALICE)),
            Ok(Open)
        );
    }

    #[test]
    fn only_the_latest_approved_stage_can_be_reopened() {
        for later in [Approved, Submitted] {
            let plan = [Approved, Approved, later, Open];
            let error = transition(
                &stage(2, Approved, None),
                &plan,
                &reopen("why"),
                &actor(ALICE),
            )
            .unwrap_err();
            assert_eq!(
                error,
                TransitionError::NotLatestApproved {
                    later_position: 3,
                    later_status: later
                }
            );
            assert_eq!(error.status_code(), 409);
        }
    }

    #[test]
    fn reopening_needs_the_coordinator_a_note_and_an_approved_stage() {
        let approved = stage(1, Approved, None);
        for who in [ULG, LEAD, EXPERT] {
            let result = transition(&approved, &[Approved], &reopen("why"), &actor(who));
            assert_eq!(result, Err(TransitionError::NotAllowed { verb: "reopen" }));
        }
        let result = transition(&approved, &[Approved], &reopen(" "), &actor(ALICE));
        assert_eq!(
            result,
            Err(TransitionError::NoteRequired { verb: "reopen" })
        );
        for status in [Open, Submitted, Returned] {
            let result = transition(
                &stage(1, status, None),
                &[status],
                &reopen("why"),
                &actor(ALICE),
            );
            assert_eq!(
                result,
                Err(TransitionError::WrongState {
                    verb: "reopen",
                    status
                })
            );
        }
    }

    #[test]
    fn refusals_come_in_a_fixed_order() {
        // Not allowed beats a missing note and a wrong state.
        let open = stage(1, Open, None);
        assert_eq!(
            transition(&open, &[Open], &ret(""), &actor(ULG)),
            Err(TransitionError::NotAllowed { verb: "return" })
        );
        // A missing note beats a wrong state.
        assert_eq!(
            transition(&open, &[Open], &ret(""), &actor(ALICE)),
            Err(TransitionError::NoteRequired { verb: "return" })
        );
        // A wrong state beats stage order.
        let plan = [Open, Submitted];
        assert!(matches!(
            transition(
                &stage(2, Submitted, None),
                &plan,
                &StageAction::Submit,
                &actor(ULG)
            ),
            Err(TransitionError::WrongState { .. })
        ));
    }

    #[test]
    fn errors_have_stable_codes_and_readable_messages() {
        let error = TransitionError::WrongState {
            verb: "approve",
            status: Open,
        };
        assert_eq!(error.to_string(), "Cannot approve a stage that is open");
        assert_eq!(error.code(), "wrong_state");
        assert_eq!(TransitionError::FourEyes.field(), None);
    }

    #[test]
    fn submitted_and_approved_stages_lock_their_sections() {
        assert!(Submitted.locks_sections() && Approved.locks_sections());
        assert!(!Open.locks_sections() && !Returned.locks_sections());
        let setup = [GateRule::SectionWritten("ulg".into())];
        let understand = [
            GateRule::SectionWritten("context".into()),
            GateRule::SectionWritten("problems".into()),
        ];
        let vision = [GateRule::SectionWritten("vision".into())];
        let locked = locked_sections([
            (Approved, &setup[..]),
            (Submitted, &understand[..]),
            (Returned, &vision[..]),
        ]);
        assert_eq!(
            locked.into_iter().collect::<Vec<_>>(),
            ["context", "problems", "ulg"]
        );
        let review = [GateRule::AllSectionsWritten];
        assert_eq!(locked_sections([(Submitted, &review[..])]).len(), 9);
    }

    #[test]
    fn statuses_parse_from_and_print_as_their_stored_form() {
        for status in [Open, Submitted, Approved, Returned] {
            assert_eq!(status.as_str().parse::<StageStatus>(), Ok(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.as_str());
        }
        assert!("done".parse::<StageStatus>().is_err());
    }
}
