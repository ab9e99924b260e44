//! The case (信访事项 / 工单) vocabulary: channels, kinds, flows, statuses.

use serde::{Deserialize, Serialize};

macro_rules! str_enum {
    // `$s` is a `tt`, not a `literal`: a `literal` fragment reaches derive macros wrapped in an
    // invisible group, and utoipa then ignored the serde rename, documenting `Online` where the
    // API sends `online` (found by schemathesis).
    ($(#[$m:meta])* $name:ident { $($variant:ident = $s:tt, $zh:literal, $en:literal;)* }) => {
        $(#[$m])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            ::serde::Serialize, ::serde::Deserialize,
        )]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name { $(#[serde(rename = $s)] $variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $s),* } }
            pub fn zh(self) -> &'static str { match self { $($name::$variant => $zh),* } }
            pub fn en(self) -> &'static str { match self { $($name::$variant => $en),* } }
            pub fn parse(s: &str) -> Result<Self, $crate::error::DomainError> {
                match s {
                    $($s => Ok($name::$variant),)*
                    _ => Err($crate::error::DomainError::invalid(
                        stringify!($name),
                        format!("未知的取值 {s:?}"),
                        format!("unknown value {s:?}"),
                    )),
                }
            }
        }
    };
}
pub(crate) use str_enum;

str_enum!(
    /// 渠道: how the matter reached us.
    Channel {
        Online = "online", "网上信访", "Online";
        Letter = "letter", "来信", "Letter";
        Phone = "phone", "来电", "Phone";
        Visit = "visit", "来访", "Visit";
        Fax = "fax", "传真", "Fax";
        Hotline12345 = "hotline_12345", "12345热线", "12345 hotline";
        Open311 = "open311", "Open311", "Open311";
        Api = "api", "系统接口", "API";
    }
);

str_enum!(
    /// 类别. Petitions use the first three; the hotline uses the last four plus suggestion.
    CaseKind {
        Suggestion = "suggestion", "建议意见", "Suggestion";
        Accusation = "accusation", "检举控告", "Accusation";
        Appeal = "appeal", "申诉求决", "Appeal / request";
        Consultation = "consultation", "咨询", "Consultation";
        Help = "help", "求助", "Request for help";
        Complaint = "complaint", "投诉", "Complaint";
        Report = "report", "举报", "Report";
    }
);

str_enum!(
    /// Which statutory flow the case follows.
    Flow {
        Petition = "petition", "信访", "Petition";
        Hotline = "hotline", "12345热线", "12345 hotline";
    }
);

str_enum!(
    /// Where a case stands. Petition and hotline flows share the engine and some states.
    Status {
        Registered = "registered", "已登记", "Registered";
        Diverted = "diverted", "已引导至法定途径", "Diverted to a legal route";
        AwaitingAcceptance = "awaiting_acceptance", "待受理", "Awaiting acceptance";
        Handling = "handling", "办理中", "Being handled";
        Answered = "answered", "已出具处理意见", "Answered";
        UnderReview = "under_review", "复查中", "Under review";
        Reviewed = "reviewed", "已复查", "Reviewed";
        UnderReReview = "under_rereview", "复核中", "Under re-review";
        Final = "final", "已终结", "Final";
        Declined = "declined", "不予受理", "Declined";
        Dispatched = "dispatched", "已派单", "Dispatched";
        InProgress = "in_progress", "已签收办理中", "Signed for, in progress";
        Returned = "returned", "已退单", "Returned";
        Replied = "replied", "已答复", "Replied";
        Closed = "closed", "已办结", "Closed";
        Merged = "merged", "已并案办理", "Merged into another case";
        Referred = "referred", "调解中", "In mediation";
    }
);

impl Status {
    /// No further handling: the case only accepts audit events.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Status::Diverted | Status::Final | Status::Declined | Status::Closed | Status::Merged
        )
    }
}

/// Chinese label for a status given its code (for messages built from `&'static str`).
pub fn status_zh(code: &str) -> &'static str {
    Status::parse(code)
        .map(Status::zh)
        .or_else(|_| crate::suggestion::SuggestionStatus::parse(code).map(|s| s.zh()))
        .unwrap_or("未知")
}

impl Channel {
    /// The flow a new case from this channel follows unless told otherwise.
    pub fn default_flow(self) -> Flow {
        match self {
            Channel::Hotline12345 | Channel::Open311 => Flow::Hotline,
            _ => Flow::Petition,
        }
    }
}

impl CaseKind {
    pub fn allowed_in(self, flow: Flow) -> bool {
        match flow {
            Flow::Petition => matches!(
                self,
                CaseKind::Suggestion | CaseKind::Accusation | CaseKind::Appeal
            ),
            Flow::Hotline => !matches!(self, CaseKind::Accusation | CaseKind::Appeal),
        }
    }
}

str_enum!(
    /// 诉访分离: the legal route a matter is steered to instead of the petition flow (Art. 31).
    LegalRoute {
        Litigation = "litigation", "诉讼", "Litigation";
        Arbitration = "arbitration", "仲裁", "Arbitration";
        Reconsideration = "reconsideration", "行政复议", "Administrative reconsideration";
        PartyAppeal = "party_appeal", "党员申诉", "Party-member appeal";
        AdministrativeProcedure = "administrative_procedure", "其他行政程序", "Other administrative procedure";
    }
);

str_enum!(
    /// 处理意见书 outcome (Art. 32).
    Outcome {
        Support = "support", "予以支持", "Supported";
        Explain = "explain", "作出解释说明", "Explained";
        Reject = "reject", "不予支持", "Not supported";
    }
);

str_enum!(
    /// 复查 / 复核 outcome.
    ReviewOutcome {
        Uphold = "uphold", "维持", "Upheld";
        Revoke = "revoke", "撤销", "Revoked";
        Modify = "modify", "变更", "Modified";
    }
);

str_enum!(
    /// Emergency lines a hotline call is handed to (国办发〔2022〕12号).
    EmergencyService {
        Police110 = "110", "110 报警", "110 police";
        Fire119 = "119", "119 火警", "119 fire";
        Ambulance120 = "120", "120 急救", "120 ambulance";
        Traffic122 = "122", "122 交通事故", "122 traffic";
    }
);

str_enum!(
    /// How the petition office sends a matter on (Art. 22).
    TransferMode {
        Transfer = "transfer", "转送", "Transfer";
        Assign = "assign", "交办", "Assign";
    }
);

/// Where the matter is (not the petitioner's home).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Location {
    pub region: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lng: Option<f64>,
}

/// What the event log keeps of the petitioner: a reference to the encrypted record and the
/// masked forms shown in lists. Clear values never enter the log, so purging a person's data
/// never breaks a hash chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PetitionerRef {
    pub id: uuid::Uuid,
    pub anonymous: bool,
    pub name_masked: String,
    pub phone_masked: Option<String>,
    #[serde(default)]
    pub organisation: bool,
    /// The channel notices go out on (absent in cases registered before there was a choice,
    /// and for anonymous reports, which get none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<crate::petitioner::NotifyChannel>,
}
