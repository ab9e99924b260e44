//! The case workflow as a decider: `decide(state, command, context) -> events` and
//! `apply(state, event) -> state`, both pure. One file per flow holds the rules a reader who
//! knows the regulation can check line by line.

mod external;
mod grid;
mod hotline;
mod oversight;
mod petition;
mod referral;
mod register;

pub use external::{ExternalOrder, MAX_ORDER_ID};
pub use grid::{MAX_VISIT_PHOTOS, SiteVisit, with_the_grid};
pub use referral::{Referral, ReferralKind, ReferralOutcome, ReferralPolicy};
pub use register::{PriorCase, PriorMatters, Registration};

use crate::access::Actor;
use crate::calendar::Calendar;
use crate::case::*;
use crate::error::DomainError;
use crate::policy::PolicySet;
use crate::region::Directory;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Everything a decision may consult besides the case itself.
pub struct Context<'a> {
    pub policy: &'a PolicySet,
    pub calendar: &'a Calendar,
    pub directory: &'a Directory,
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
}

/// 处理意见书 (Art. 32).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Opinion {
    pub request: String,
    pub facts_reasons: String,
    pub opinion: String,
    pub legal_basis: String,
    pub outcome: Outcome,
}

/// A command: what someone asks the case to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    Register(Box<Registration>),
    // -- petition flow --
    /// 诉访分离: steer to a legal route with a guidance notice.
    Divert {
        route: LegalRoute,
        guidance: String,
    },
    /// 转送 / 交办 to the competent unit.
    Transfer {
        to_unit: String,
        mode: TransferMode,
        #[serde(default)]
        note: String,
        #[serde(default)]
        report_required: bool,
    },
    /// 受理, with the written notice.
    Accept {
        notice: String,
    },
    /// 不予受理, with the written notice and its reason.
    Decline {
        reason: String,
    },
    /// 异议: not this unit's remit, back to the petition office.
    Object {
        reason: String,
    },
    /// 延期, approved, with a reason sent to the petitioner.
    Extend {
        days: u32,
        approver: String,
        reason: String,
    },
    /// 出具信访处理意见书.
    IssueOpinion(Opinion),
    /// 调解 / 和解 agreement (Art. 33).
    Settle {
        mediation: bool,
        summary: String,
    },
    Rate {
        rating: String,
        #[serde(default)]
        comment: String,
    },
    RequestReview {
        reason: String,
    },
    DecideReview {
        outcome: ReviewOutcome,
        opinion: String,
    },
    #[serde(rename = "request_rereview")]
    RequestReReview {
        reason: String,
    },
    /// A hearing during re-review; its days are not counted (Art. 36 ¶2).
    RecordHearing {
        days: u32,
        summary: String,
    },
    #[serde(rename = "decide_rereview")]
    DecideReReview {
        outcome: ReviewOutcome,
        opinion: String,
    },
    // -- hotline flow --
    AnswerDirectly {
        answer: String,
    },
    EmergencyTransfer {
        service: EmergencyService,
        #[serde(default)]
        note: String,
    },
    Dispatch {
        to_unit: String,
        #[serde(default)]
        note: String,
    },
    SignFor,
    Return {
        reason: String,
    },
    ApproveComplex {
        approver: String,
        reason: String,
    },
    Reply {
        content: String,
    },
    FollowUp {
        rating: String,
        resolved: bool,
        #[serde(default)]
        note: String,
    },
    Reopen {
        reason: String,
    },
    // -- both --
    Close {
        reason: String,
    },
    /// 并单: this case repeats `primary` and is handled there. The server checks that the
    /// primary exists, is visible to the actor and still open.
    Merge {
        primary: uuid::Uuid,
        primary_number: String,
        reason: String,
    },
    /// Recorded on the primary after a duplicate was merged into it.
    AttachDuplicate {
        duplicate: uuid::Uuid,
        duplicate_number: String,
    },
    /// 督办: a supervisor (or a petition office) orders the unit holding the case to act and
    /// report within a number of days.
    Supervise {
        instruction: String,
        respond_within_days: u32,
    },
    /// The holding unit's report on an open supervision order.
    AnswerSupervision {
        response: String,
    },
    /// An order ignored past its report deadline goes one level up: the petition office of the
    /// parent region takes it over (督办升级).
    EscalateSupervision,
    /// Marks the latest supervision order's record as public (督办公开).
    PublishSupervision,
    /// 领导包案: a named leader takes personal charge of the case until it is resolved.
    AssignLeader {
        leader: String,
        post: String,
    },
    /// Reveal a masked personal field (an audited event; the server checks `access::can_reveal`).
    RevealPersonalData {
        field: String,
        purpose: String,
    },
    /// 多元化解: refer the matter to mediation, arbitration or a court (see `referral.rs`).
    Refer {
        kind: ReferralKind,
        body: String,
        #[serde(default)]
        note: String,
    },
    /// How the open referral ended.
    RecordReferralOutcome {
        outcome: ReferralOutcome,
        note: String,
    },
    /// 网格员走访: notes and the ids of photos the server stored with the visit.
    RecordSiteVisit {
        notes: String,
        #[serde(default)]
        photos: Vec<uuid::Uuid>,
    },
    /// 就地化解 by the grid worker.
    ResolveOnSpot {
        note: String,
    },
    /// 上报乡镇（街道）: what the grid cannot resolve goes to the township's queue.
    EscalateToTownship {
        reason: String,
    },
    /// Records a partner platform's work order on the case (the 12345 exchange only).
    LinkExternalOrder {
        partner_id: uuid::Uuid,
        partner: String,
        order_id: String,
        linked: bool,
    },
}

impl Command {
    pub fn name(&self) -> &'static str {
        match self {
            Command::Register(_) => "register",
            Command::Divert { .. } => "divert",
            Command::Transfer { .. } => "transfer",
            Command::Accept { .. } => "accept",
            Command::Decline { .. } => "decline",
            Command::Object { .. } => "object",
            Command::Extend { .. } => "extend",
            Command::IssueOpinion(_) => "issue_opinion",
            Command::Settle { .. } => "settle",
            Command::Rate { .. } => "rate",
            Command::RequestReview { .. } => "request_review",
            Command::DecideReview { .. } => "decide_review",
            Command::RequestReReview { .. } => "request_rereview",
            Command::RecordHearing { .. } => "record_hearing",
            Command::DecideReReview { .. } => "decide_rereview",
            Command::AnswerDirectly { .. } => "answer_directly",
            Command::EmergencyTransfer { .. } => "emergency_transfer",
            Command::Dispatch { .. } => "dispatch",
            Command::SignFor => "sign_for",
            Command::Return { .. } => "return",
            Command::ApproveComplex { .. } => "approve_complex",
            Command::Reply { .. } => "reply",
            Command::FollowUp { .. } => "follow_up",
            Command::Reopen { .. } => "reopen",
            Command::Close { .. } => "close",
            Command::Merge { .. } => "merge",
            Command::AttachDuplicate { .. } => "attach_duplicate",
            Command::Supervise { .. } => "supervise",
            Command::AnswerSupervision { .. } => "answer_supervision",
            Command::EscalateSupervision => "escalate_supervision",
            Command::PublishSupervision => "publish_supervision",
            Command::AssignLeader { .. } => "assign_leader",
            Command::RevealPersonalData { .. } => "reveal_personal_data",
            Command::Refer { .. } => "refer",
            Command::RecordReferralOutcome { .. } => "record_referral_outcome",
            Command::RecordSiteVisit { .. } => "record_site_visit",
            Command::ResolveOnSpot { .. } => "resolve_on_spot",
            Command::EscalateToTownship { .. } => "escalate_to_township",
            Command::LinkExternalOrder { .. } => "link_external_order",
        }
    }
}

/// The registration as recorded: everything a case starts from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Registered {
    pub number: String,
    pub flow: Flow,
    pub channel: Channel,
    pub kind: CaseKind,
    pub urgent: bool,
    pub title: String,
    pub request: String,
    pub facts_reasons: String,
    pub topic: String,
    pub location: Location,
    pub petitioner: PetitionerRef,
    pub group_size: u32,
    pub representatives: u32,
    pub office_unit: String,
    pub accused_unit: Option<String>,
    pub about_officials: bool,
    pub skip_level: bool,
    pub query_code_hash: String,
}

/// What happened. Events are facts: never edited, only appended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Registered(Box<Registered>),
    Diverted {
        route: LegalRoute,
        guidance: String,
    },
    Transferred {
        to_unit: String,
        mode: TransferMode,
        note: String,
        report_required: bool,
    },
    Accepted {
        notice: String,
    },
    /// 不予受理, by the receiving unit or automatically at registration under a cited rule.
    Declined {
        reason: String,
        rule: Option<String>,
        article: Option<String>,
        related_case: Option<String>,
    },
    Objected {
        reason: String,
    },
    ExtensionGranted {
        days: u32,
        approver: String,
        reason: String,
    },
    OpinionIssued(Opinion),
    Settled {
        mediation: bool,
        summary: String,
    },
    Rated {
        rating: String,
        comment: String,
        stage: String,
    },
    ReviewRequested {
        reason: String,
        reviewing_unit: String,
    },
    ReviewDecided {
        outcome: ReviewOutcome,
        opinion: String,
    },
    #[serde(rename = "rereview_requested")]
    ReReviewRequested {
        reason: String,
        reviewing_unit: String,
    },
    HearingRecorded {
        days: u32,
        summary: String,
    },
    #[serde(rename = "rereview_decided")]
    ReReviewDecided {
        outcome: ReviewOutcome,
        opinion: String,
    },
    AnsweredDirectly {
        answer: String,
    },
    EmergencyTransferred {
        service: EmergencyService,
        note: String,
    },
    Dispatched {
        to_unit: String,
        note: String,
    },
    SignedFor,
    ReturnedByUnit {
        reason: String,
    },
    ComplexApproved {
        approver: String,
        reason: String,
    },
    Replied {
        content: String,
    },
    FollowedUp {
        rating: String,
        resolved: bool,
        note: String,
        /// Decided with the policy's rating options (rated unsatisfied, or not resolved).
        unsatisfied: bool,
    },
    Reopened {
        reason: String,
    },
    Closed {
        reason: String,
    },
    PersonalDataRevealed {
        field: String,
        purpose: String,
    },
    Merged {
        primary: uuid::Uuid,
        primary_number: String,
        reason: String,
    },
    DuplicateAttached {
        duplicate: uuid::Uuid,
        duplicate_number: String,
    },
    Supervised {
        instruction: String,
        respond_within_days: u32,
    },
    SupervisionAnswered {
        response: String,
    },
    SupervisionEscalated {
        to_unit: String,
    },
    SupervisionPublished,
    LeaderAssigned {
        leader: String,
        post: String,
    },
    /// Referred to `body`; `due` is the last day (China time) of the policy period.
    Referred {
        kind: ReferralKind,
        body: String,
        note: String,
        due: chrono::NaiveDate,
    },
    ReferralConcluded {
        outcome: ReferralOutcome,
        note: String,
    },
    /// The matter lies in this grid (placed at registration by its coordinates or address).
    GridAssigned {
        grid: String,
        basis: crate::grid::GridBasis,
    },
    SiteVisited {
        notes: String,
        photos: Vec<uuid::Uuid>,
    },
    ResolvedOnSpot {
        note: String,
    },
    EscalatedToTownship {
        to_unit: String,
        reason: String,
    },
    ExternalOrderLinked {
        partner_id: uuid::Uuid,
        partner: String,
        order_id: String,
        linked: bool,
    },
}

impl Event {
    pub fn name(&self) -> &'static str {
        match self {
            Event::Registered(_) => "registered",
            Event::Diverted { .. } => "diverted",
            Event::Transferred { .. } => "transferred",
            Event::Accepted { .. } => "accepted",
            Event::Declined { .. } => "declined",
            Event::Objected { .. } => "objected",
            Event::ExtensionGranted { .. } => "extension_granted",
            Event::OpinionIssued(_) => "opinion_issued",
            Event::Settled { .. } => "settled",
            Event::Rated { .. } => "rated",
            Event::ReviewRequested { .. } => "review_requested",
            Event::ReviewDecided { .. } => "review_decided",
            Event::ReReviewRequested { .. } => "rereview_requested",
            Event::HearingRecorded { .. } => "hearing_recorded",
            Event::ReReviewDecided { .. } => "rereview_decided",
            Event::AnsweredDirectly { .. } => "answered_directly",
            Event::EmergencyTransferred { .. } => "emergency_transferred",
            Event::Dispatched { .. } => "dispatched",
            Event::SignedFor => "signed_for",
            Event::ReturnedByUnit { .. } => "returned_by_unit",
            Event::ComplexApproved { .. } => "complex_approved",
            Event::Replied { .. } => "replied",
            Event::FollowedUp { .. } => "followed_up",
            Event::Reopened { .. } => "reopened",
            Event::Closed { .. } => "closed",
            Event::PersonalDataRevealed { .. } => "personal_data_revealed",
            Event::Merged { .. } => "merged",
            Event::DuplicateAttached { .. } => "duplicate_attached",
            Event::Supervised { .. } => "supervised",
            Event::SupervisionAnswered { .. } => "supervision_answered",
            Event::SupervisionEscalated { .. } => "supervision_escalated",
            Event::SupervisionPublished => "supervision_published",
            Event::LeaderAssigned { .. } => "leader_assigned",
            Event::Referred { .. } => "referred",
            Event::ReferralConcluded { .. } => "referral_concluded",
            Event::GridAssigned { .. } => "grid_assigned",
            Event::SiteVisited { .. } => "site_visited",
            Event::ResolvedOnSpot { .. } => "resolved_on_spot",
            Event::EscalatedToTownship { .. } => "escalated_to_township",
            Event::ExternalOrderLinked { .. } => "external_order_linked",
        }
    }

    /// Shown to the petitioner on the tracking page. Internal routing notes and audit events
    /// are not.
    pub fn is_public(&self) -> bool {
        !matches!(
            self,
            Event::PersonalDataRevealed { .. }
                | Event::HearingRecorded { .. }
                | Event::Supervised { .. }
                | Event::SupervisionAnswered { .. }
                | Event::SupervisionEscalated { .. }
                | Event::SupervisionPublished
                | Event::LeaderAssigned { .. }
                | Event::GridAssigned { .. }
                | Event::SiteVisited { .. }
        )
    }

    pub fn zh(&self) -> &'static str {
        match self {
            Event::Registered(_) => "登记",
            Event::Diverted { .. } => "引导至法定途径",
            Event::Transferred { mode, .. } => match mode {
                TransferMode::Transfer => "转送",
                TransferMode::Assign => "交办",
            },
            Event::Accepted { .. } => "受理",
            Event::Declined { .. } => "不予受理",
            Event::Objected { .. } => "提出异议（退回）",
            Event::ExtensionGranted { .. } => "延期",
            Event::OpinionIssued(_) => "出具处理意见书",
            Event::Settled {
                mediation: true, ..
            } => "达成调解协议",
            Event::Settled { .. } => "达成和解协议",
            Event::Rated { .. } => "评价",
            Event::ReviewRequested { .. } => "申请复查",
            Event::ReviewDecided { .. } => "出具复查意见",
            Event::ReReviewRequested { .. } => "申请复核",
            Event::HearingRecorded { .. } => "举行听证",
            Event::ReReviewDecided { .. } => "出具复核意见",
            Event::AnsweredDirectly { .. } => "直接答复",
            Event::EmergencyTransferred { .. } => "转紧急热线",
            Event::Dispatched { .. } => "派单",
            Event::SignedFor => "签收",
            Event::ReturnedByUnit { .. } => "退单",
            Event::ComplexApproved { .. } => "批准按复杂件办理",
            Event::Replied { .. } => "答复",
            Event::FollowedUp { .. } => "回访",
            Event::Reopened { .. } => "重办",
            Event::Closed { .. } => "办结",
            Event::PersonalDataRevealed { .. } => "查看个人信息",
            Event::Merged { .. } => "并案办理",
            Event::DuplicateAttached { .. } => "并入重复件",
            Event::Supervised { .. } => "督办",
            Event::SupervisionAnswered { .. } => "督办反馈",
            Event::SupervisionEscalated { .. } => "督办升级",
            Event::SupervisionPublished => "督办公开",
            Event::LeaderAssigned { .. } => "领导包案",
            Event::Referred { kind, .. } => kind.action_zh(),
            Event::ReferralConcluded { outcome, .. } => outcome.zh(),
            Event::GridAssigned { .. } => "落入网格",
            Event::SiteVisited { .. } => "网格员走访",
            Event::ResolvedOnSpot { .. } => "就地化解",
            Event::EscalatedToTownship { .. } => "上报乡镇（街道）",
            Event::ExternalOrderLinked { linked: false, .. } => "接收12345平台工单",
            Event::ExternalOrderLinked { .. } => "关联12345平台工单（同一事项不重复办理）",
        }
    }
}

impl Event {
    pub fn en(&self) -> &'static str {
        match self {
            Event::Registered(_) => "Registered",
            Event::Diverted { .. } => "Steered to a legal route",
            Event::Transferred { mode, .. } => match mode {
                TransferMode::Transfer => "Transferred",
                TransferMode::Assign => "Assigned",
            },
            Event::Accepted { .. } => "Accepted",
            Event::Declined { .. } => "Not accepted",
            Event::Objected { .. } => "Objected (returned)",
            Event::ExtensionGranted { .. } => "Extended",
            Event::OpinionIssued(_) => "Handling opinion issued",
            Event::Settled {
                mediation: true, ..
            } => "Mediation agreement",
            Event::Settled { .. } => "Settlement agreement",
            Event::Rated { .. } => "Rated",
            Event::ReviewRequested { .. } => "Review requested",
            Event::ReviewDecided { .. } => "Review opinion issued",
            Event::ReReviewRequested { .. } => "Re-review requested",
            Event::HearingRecorded { .. } => "Hearing held",
            Event::ReReviewDecided { .. } => "Re-review opinion issued",
            Event::AnsweredDirectly { .. } => "Answered on the call",
            Event::EmergencyTransferred { .. } => "Handed to an emergency line",
            Event::Dispatched { .. } => "Dispatched",
            Event::SignedFor => "Signed for",
            Event::ReturnedByUnit { .. } => "Returned by the unit",
            Event::ComplexApproved { .. } => "Approved as a complex case",
            Event::Replied { .. } => "Replied",
            Event::FollowedUp { .. } => "Follow-up call",
            Event::Reopened { .. } => "Reopened",
            Event::Closed { .. } => "Closed",
            Event::PersonalDataRevealed { .. } => "Personal data viewed",
            Event::Merged { .. } => "Merged into another case",
            Event::DuplicateAttached { .. } => "Duplicate merged in",
            Event::Supervised { .. } => "Supervision order",
            Event::SupervisionAnswered { .. } => "Supervision report",
            Event::SupervisionEscalated { .. } => "Supervision escalated",
            Event::SupervisionPublished => "Supervision record made public",
            Event::LeaderAssigned { .. } => "Leader took charge",
            Event::Referred { kind, .. } => match kind {
                ReferralKind::PeopleMediation => "Referred to people's mediation",
                ReferralKind::AdministrativeMediation => "Referred to administrative mediation",
                ReferralKind::Arbitration => "Steered to arbitration",
                ReferralKind::Court => "Steered to the courts",
            },
            Event::ReferralConcluded { outcome, .. } => outcome.en(),
            Event::GridAssigned { .. } => "Placed in a grid",
            Event::SiteVisited { .. } => "Site visit by the grid worker",
            Event::ResolvedOnSpot { .. } => "Resolved on the spot",
            Event::EscalatedToTownship { .. } => "Escalated to the township",
            Event::ExternalOrderLinked { linked: false, .. } => {
                "12345 platform work order received"
            }
            Event::ExternalOrderLinked { .. } => {
                "12345 platform work order linked (same matter, handled once)"
            }
        }
    }
}

/// A review stage (复查 or 复核).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewStage {
    pub unit: String,
    pub requested_at: DateTime<Utc>,
    pub reason: String,
    pub hearing_days: u32,
    pub decided_at: Option<DateTime<Utc>>,
    pub outcome: Option<ReviewOutcome>,
    pub opinion: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Extension {
    pub days: u32,
    pub approver: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatingRecord {
    pub rating: String,
    pub stage: String,
    pub at: DateTime<Utc>,
}

/// The case as folded from its events: the projection the store caches in `cases`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseState {
    pub id: uuid::Uuid,
    #[serde(flatten)]
    pub reg: Registered,
    pub status: Status,
    pub current_unit: String,
    pub units_involved: Vec<String>,
    pub registered_at: DateTime<Utc>,
    /// When the current unit received the matter (transfer, dispatch or return).
    pub received_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub extensions: Vec<Extension>,
    pub opinion: Option<Opinion>,
    pub answered_at: Option<DateTime<Utc>>,
    pub review: Option<ReviewStage>,
    pub rereview: Option<ReviewStage>,
    pub ratings: Vec<RatingRecord>,
    /// Hotline: when the current handling clock started (registration or reopen).
    pub clock_started_at: DateTime<Utc>,
    pub complex_approved: bool,
    pub reply: Option<String>,
    pub replied_at: Option<DateTime<Utc>>,
    pub reopen_count: u32,
    pub last_followup_unsatisfied: bool,
    pub declined: Option<Declination>,
    pub diverted: Option<(LegalRoute, String)>,
    pub emergency: Option<EmergencyService>,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_reason: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
    /// Set when this case was merged into another (并单); it is handled there.
    #[serde(default)]
    pub merged_into: Option<CaseLink>,
    /// Duplicates merged into this case: their petitioners follow this handling.
    #[serde(default)]
    pub duplicates: Vec<CaseLink>,
    #[serde(default)]
    pub supervisions: Vec<Supervision>,
    /// 领导包案: the leader in personal charge, if any.
    #[serde(default)]
    pub leader: Option<LeaderCase>,
    /// 多元化解 referrals, oldest first; only the last may be open.
    #[serde(default)]
    pub referrals: Vec<Referral>,
    /// The grid the matter lies in (网格), if any.
    #[serde(default)]
    pub grid: Option<String>,
    #[serde(default)]
    pub visits: Vec<SiteVisit>,
    /// 就地化解: when the grid worker resolved it on the spot.
    #[serde(default)]
    pub resolved_on_spot_at: Option<DateTime<Utc>>,
    /// Work orders of partner platforms this case answers (the 12345 exchange).
    #[serde(default)]
    pub external_orders: Vec<ExternalOrder>,
}

/// A leader in personal charge of a case (领导包案).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeaderCase {
    pub leader: String,
    pub post: String,
    pub at: DateTime<Utc>,
}

/// A reference to another case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseLink {
    pub id: uuid::Uuid,
    pub number: String,
}

/// A supervision order (督办) and the unit's report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Supervision {
    pub at: DateTime<Utc>,
    /// The unit holding the case when the order was made: the one that must report.
    pub unit: String,
    pub instruction: String,
    pub respond_within_days: u32,
    pub answered_at: Option<DateTime<Utc>>,
    pub response: Option<String>,
    /// The office one level up that took the order over when it was ignored.
    #[serde(default)]
    pub escalated_to: Option<String>,
    #[serde(default)]
    pub escalated_at: Option<DateTime<Utc>>,
    /// The record may be shown on the public transparency page.
    #[serde(default)]
    pub public: bool,
}

impl Supervision {
    pub fn is_open(&self) -> bool {
        self.answered_at.is_none()
    }

    /// The report is due by 24:00 China time of the last of the given calendar days.
    pub fn report_due(&self) -> DateTime<Utc> {
        crate::deadline::end_of_day(
            crate::deadline::local_date(self.at)
                + chrono::Days::new(u64::from(self.respond_within_days)),
        )
    }

    /// Past its report deadline with no report.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.is_open() && now >= self.report_due()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Declination {
    pub reason: String,
    pub rule: Option<String>,
    pub article: Option<String>,
    pub related_case: Option<String>,
    pub at: DateTime<Utc>,
}

impl std::ops::Deref for CaseState {
    type Target = Registered;
    fn deref(&self) -> &Registered {
        &self.reg
    }
}

impl CaseState {
    fn new(id: uuid::Uuid, reg: Registered, at: DateTime<Utc>) -> Self {
        let office = reg.office_unit.clone();
        CaseState {
            id,
            status: Status::Registered,
            current_unit: office.clone(),
            units_involved: vec![office],
            registered_at: at,
            received_at: at,
            accepted_at: None,
            extensions: Vec::new(),
            opinion: None,
            answered_at: None,
            review: None,
            rereview: None,
            ratings: Vec::new(),
            clock_started_at: at,
            complex_approved: false,
            reply: None,
            replied_at: None,
            reopen_count: 0,
            last_followup_unsatisfied: false,
            declined: None,
            diverted: None,
            emergency: None,
            closed_at: None,
            close_reason: None,
            updated_at: at,
            version: 0,
            merged_into: None,
            duplicates: Vec::new(),
            supervisions: Vec::new(),
            leader: None,
            referrals: Vec::new(),
            grid: None,
            visits: Vec::new(),
            resolved_on_spot_at: None,
            external_orders: Vec::new(),
            reg,
        }
    }

    fn move_to(&mut self, unit: &str, at: DateTime<Utc>) {
        self.current_unit = unit.to_string();
        self.received_at = at;
        if !self.units_involved.iter().any(|u| u == unit) {
            self.units_involved.push(unit.to_string());
        }
    }

    pub fn extension_days(&self) -> u32 {
        self.extensions.iter().map(|e| e.days).sum()
    }

    /// Rating stage name for the current answer: the latest decided stage.
    pub fn rating_stage(&self) -> &'static str {
        let decided = |r: &Option<ReviewStage>| r.as_ref().is_some_and(|r| r.decided_at.is_some());
        if decided(&self.rereview) {
            "rereview"
        } else if decided(&self.review) {
            "review"
        } else {
            "handling"
        }
    }
}

/// Folds one event into the state. `None` only before `Registered`.
pub fn apply(
    state: Option<CaseState>,
    case_id: uuid::Uuid,
    at: DateTime<Utc>,
    event: &Event,
) -> Option<CaseState> {
    let mut s = match (state, event) {
        (None, Event::Registered(reg)) => {
            let mut s = CaseState::new(case_id, (**reg).clone(), at);
            s.version = 1;
            return Some(s);
        }
        (None, _) => return None,
        (Some(s), _) => s,
    };
    s.version += 1;
    s.updated_at = at;
    match event {
        Event::Registered(_) => {}
        Event::Diverted { route, guidance } => {
            s.status = Status::Diverted;
            s.diverted = Some((*route, guidance.clone()));
            s.closed_at = Some(at);
        }
        Event::Transferred { to_unit, .. } => {
            s.status = Status::AwaitingAcceptance;
            s.move_to(to_unit, at);
        }
        Event::Accepted { .. } => {
            s.status = Status::Handling;
            s.accepted_at = Some(at);
        }
        Event::Declined {
            reason,
            rule,
            article,
            related_case,
        } => {
            s.status = Status::Declined;
            s.declined = Some(Declination {
                reason: reason.clone(),
                rule: rule.clone(),
                article: article.clone(),
                related_case: related_case.clone(),
                at,
            });
            s.closed_at = Some(at);
        }
        Event::Objected { .. } => {
            s.status = Status::Registered;
            let office = s.reg.office_unit.clone();
            s.move_to(&office, at);
        }
        Event::ExtensionGranted {
            days,
            approver,
            reason,
        } => s.extensions.push(Extension {
            days: *days,
            approver: approver.clone(),
            reason: reason.clone(),
            at,
        }),
        Event::OpinionIssued(op) => {
            s.status = Status::Answered;
            s.opinion = Some(op.clone());
            s.answered_at = Some(at);
        }
        Event::Settled { summary, .. } => {
            s.status = Status::Closed;
            s.closed_at = Some(at);
            s.close_reason = Some(summary.clone());
        }
        Event::Rated { rating, stage, .. } => s.ratings.push(RatingRecord {
            rating: rating.clone(),
            stage: stage.clone(),
            at,
        }),
        Event::ReviewRequested {
            reason,
            reviewing_unit,
        } => {
            s.status = Status::UnderReview;
            s.review = Some(ReviewStage::new(reviewing_unit, reason, at));
            s.move_to(reviewing_unit, at);
        }
        Event::ReviewDecided { outcome, opinion } => {
            s.status = Status::Reviewed;
            if let Some(r) = s.review.as_mut() {
                r.decide(*outcome, opinion, at);
            }
        }
        Event::ReReviewRequested {
            reason,
            reviewing_unit,
        } => {
            s.status = Status::UnderReReview;
            s.rereview = Some(ReviewStage::new(reviewing_unit, reason, at));
            s.move_to(reviewing_unit, at);
        }
        Event::HearingRecorded { days, .. } => {
            if let Some(r) = s.rereview.as_mut() {
                r.hearing_days += days;
            }
        }
        Event::ReReviewDecided { outcome, opinion } => {
            s.status = Status::Final;
            if let Some(r) = s.rereview.as_mut() {
                r.decide(*outcome, opinion, at);
            }
            s.closed_at = Some(at);
        }
        Event::AnsweredDirectly { answer } => {
            s.status = Status::Replied;
            s.reply = Some(answer.clone());
            s.replied_at = Some(at);
        }
        Event::EmergencyTransferred { service, .. } => {
            s.status = Status::Closed;
            s.emergency = Some(*service);
            s.closed_at = Some(at);
            s.close_reason = Some(format!("转{}", service.zh()));
        }
        Event::Dispatched { to_unit, .. } => {
            s.status = Status::Dispatched;
            s.move_to(to_unit, at);
        }
        Event::SignedFor => {
            s.status = Status::InProgress;
            s.accepted_at = Some(at);
        }
        Event::ReturnedByUnit { .. } => {
            s.status = Status::Returned;
            let office = s.reg.office_unit.clone();
            s.move_to(&office, at);
        }
        Event::ComplexApproved { .. } => s.complex_approved = true,
        Event::Replied { content } => {
            s.status = Status::Replied;
            s.reply = Some(content.clone());
            s.replied_at = Some(at);
        }
        Event::FollowedUp {
            rating,
            unsatisfied,
            ..
        } => {
            s.ratings.push(RatingRecord {
                rating: rating.clone(),
                stage: "followup".into(),
                at,
            });
            s.last_followup_unsatisfied = *unsatisfied;
        }
        Event::Reopened { .. } => {
            s.reopen_count += 1;
            s.status = Status::Dispatched;
            s.clock_started_at = at;
            s.reply = None;
            s.replied_at = None;
            s.last_followup_unsatisfied = false;
            // Back to the unit that replied (the current one); `units_involved` keeps first-seen
            // order, so after re-dispatch A → B → A its last entry is B, not A.
            let unit = if s.current_unit != s.reg.office_unit {
                s.current_unit.clone()
            } else {
                s.units_involved
                    .iter()
                    .rev()
                    .find(|u| **u != s.reg.office_unit)
                    .cloned()
                    .unwrap_or_else(|| s.reg.office_unit.clone())
            };
            s.move_to(&unit, at);
        }
        Event::Closed { reason } => {
            s.status = if s.reg.flow == Flow::Petition {
                Status::Final
            } else {
                Status::Closed
            };
            s.closed_at = Some(at);
            s.close_reason = Some(reason.clone());
        }
        Event::PersonalDataRevealed { .. } => {
            // Audit only: the case itself does not change.
        }
        Event::Merged {
            primary,
            primary_number,
            ..
        } => {
            s.status = Status::Merged;
            s.closed_at = Some(at);
            s.merged_into = Some(CaseLink {
                id: *primary,
                number: primary_number.clone(),
            });
        }
        Event::DuplicateAttached {
            duplicate,
            duplicate_number,
        } => s.duplicates.push(CaseLink {
            id: *duplicate,
            number: duplicate_number.clone(),
        }),
        Event::Supervised {
            instruction,
            respond_within_days,
        } => {
            let unit = s.current_unit.clone();
            s.supervisions.push(Supervision {
                at,
                unit,
                instruction: instruction.clone(),
                respond_within_days: *respond_within_days,
                answered_at: None,
                response: None,
                escalated_to: None,
                escalated_at: None,
                public: false,
            });
        }
        Event::SupervisionAnswered { response } => {
            if let Some(open) = s.supervisions.iter_mut().rev().find(|x| x.is_open()) {
                open.answered_at = Some(at);
                open.response = Some(response.clone());
            }
        }
        Event::SupervisionEscalated { to_unit } => {
            if let Some(open) = s.supervisions.iter_mut().rev().find(|x| x.is_open()) {
                open.escalated_to = Some(to_unit.clone());
                open.escalated_at = Some(at);
            }
        }
        Event::SupervisionPublished => {
            if let Some(last) = s.supervisions.last_mut() {
                last.public = true;
            }
        }
        Event::LeaderAssigned { leader, post } => {
            s.leader = Some(LeaderCase {
                leader: leader.clone(),
                post: post.clone(),
                at,
            });
        }
        Event::Referred {
            kind,
            body,
            note,
            due,
        } => referral::apply_referred(&mut s, *kind, body, note, *due, at),
        Event::ReferralConcluded { outcome, note } => {
            referral::apply_concluded(&mut s, *outcome, note, at)
        }
        Event::GridAssigned { .. }
        | Event::SiteVisited { .. }
        | Event::ResolvedOnSpot { .. }
        | Event::EscalatedToTownship { .. } => grid::apply(&mut s, event, at),
        Event::ExternalOrderLinked {
            partner_id,
            partner,
            order_id,
            linked,
        } => s.external_orders.push(ExternalOrder {
            partner_id: *partner_id,
            partner: partner.clone(),
            order_id: order_id.clone(),
            linked: *linked,
            at,
        }),
    }
    Some(s)
}

impl ReviewStage {
    fn new(unit: &str, reason: &str, at: DateTime<Utc>) -> Self {
        ReviewStage {
            unit: unit.to_string(),
            requested_at: at,
            reason: reason.to_string(),
            hearing_days: 0,
            decided_at: None,
            outcome: None,
            opinion: None,
        }
    }

    fn decide(&mut self, outcome: ReviewOutcome, opinion: &str, at: DateTime<Utc>) {
        self.outcome = Some(outcome);
        self.opinion = Some(opinion.to_string());
        self.decided_at = Some(at);
    }
}

/// Decides what a command means for a case. `state` is `None` only for registration.
pub fn decide(
    state: Option<&CaseState>,
    command: &Command,
    ctx: &Context<'_>,
) -> Result<Vec<Event>, DomainError> {
    match (state, command) {
        (None, Command::Register(reg)) => register::decide(reg, ctx),
        (Some(s), Command::Register(_)) => Err(not_allowed("register", s)),
        (None, _) => Err(DomainError::Unknown {
            what: "case",
            id: String::new(),
        }),
        (Some(s), Command::RevealPersonalData { field, purpose }) => {
            let field = match field.as_str() {
                "name" | "phone" | "id_number" | "address" => field.clone(),
                _ => {
                    return Err(DomainError::invalid(
                        "field",
                        "只能查看姓名、电话、身份证号或住址",
                        "only name, phone, id_number or address can be revealed",
                    ));
                }
            };
            if !crate::access::can_reveal(ctx.actor, s, ctx.directory) {
                return Err(DomainError::Forbidden {
                    command: "reveal_personal_data",
                });
            }
            let purpose = crate::petitioner::clean_text("purpose", purpose, 2, 200)?;
            Ok(vec![Event::PersonalDataRevealed { field, purpose }])
        }
        (
            Some(s),
            cmd @ (Command::Merge { .. }
            | Command::AttachDuplicate { .. }
            | Command::Supervise { .. }
            | Command::AnswerSupervision { .. }
            | Command::EscalateSupervision
            | Command::PublishSupervision
            | Command::AssignLeader { .. }),
        ) => oversight::decide(s, cmd, ctx),
        (Some(s), cmd @ (Command::Refer { .. } | Command::RecordReferralOutcome { .. })) => {
            referral::decide(s, cmd, ctx)
        }
        (
            Some(s),
            cmd @ (Command::RecordSiteVisit { .. }
            | Command::ResolveOnSpot { .. }
            | Command::EscalateToTownship { .. }),
        ) => grid::decide(s, cmd, ctx),
        (Some(s), cmd @ Command::LinkExternalOrder { .. }) => external::decide(s, cmd, ctx),
        (Some(s), cmd) if s.reg.flow == Flow::Petition => petition::decide(s, cmd, ctx),
        (Some(s), cmd) => hotline::decide(s, cmd, ctx),
    }
}

/// Folds a whole history.
pub fn replay<'a>(
    case_id: uuid::Uuid,
    events: impl IntoIterator<Item = (DateTime<Utc>, &'a Event)>,
) -> Option<CaseState> {
    events
        .into_iter()
        .fold(None, |s, (at, e)| apply(s, case_id, at, e))
}

pub(crate) fn not_allowed(command: &'static str, s: &CaseState) -> DomainError {
    DomainError::NotAllowedInState {
        command,
        status: s.status.as_str(),
    }
}

/// Checks that a rating code is one of the policy's options.
pub(crate) fn check_rating(ctx: &Context<'_>, rating: &str) -> Result<(), DomainError> {
    if ctx.policy.rating(rating).is_none() {
        return Err(DomainError::Unknown {
            what: "rating",
            id: rating.to_string(),
        });
    }
    Ok(())
}

pub(crate) fn text(
    field: &'static str,
    raw: &str,
    min: usize,
    max: usize,
) -> Result<String, DomainError> {
    crate::petitioner::clean_text(field, raw, min, max)
}

pub(crate) use crate::access::Role;
