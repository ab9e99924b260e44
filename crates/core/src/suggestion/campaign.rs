//! Campaigns (征集活动): themed collections (专项征集, Shanghai Art. 8: topic, explanation,
//! channels and collection period made public) and targeted ones (定向征集, Huai'an practice:
//! invited advisers, 特邀建议人, rules.md §4.3), as a small decider of their own. Suggestions
//! without a campaign are routine (日常接收).
//!
//! An invited adviser reaches a targeted campaign through a personal link carrying an
//! unguessable token. The server makes the token from random bytes ([`adviser_token_from_random`]),
//! shows it once, and passes only its hash ([`adviser_token_hash`]) in `InviteAdviser`: the log
//! never holds a usable token.

use super::{CampaignKind, office_only};
use crate::case::Channel;
use crate::deadline::local_date;
use crate::error::DomainError;
use crate::workflow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const ARTICLE: &str = "《上海市人民建议征集若干规定》第八条";

/// A campaign as the office opens it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CampaignDraft {
    pub kind: CampaignKind,
    /// 征集议题.
    pub title: String,
    /// 征集说明: background and what is asked.
    pub explanation: String,
    /// 征集渠道: submissions through other channels are refused.
    pub channels: Vec<Channel>,
    /// 征集期限, China-time days, both inclusive.
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    /// The suggestion office that owns it.
    pub office_unit: String,
    /// Problem-taxonomy code, when the campaign is about one topic.
    #[serde(default)]
    pub topic: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "command", rename_all = "snake_case", deny_unknown_fields)]
pub enum CampaignCommand {
    Open(Box<CampaignDraft>),
    /// Changes what is public; the kind, owner and opening day stay.
    Amend {
        #[serde(default)]
        title: Option<String>,
        #[serde(default)]
        explanation: Option<String>,
        #[serde(default)]
        channels: Option<Vec<Channel>>,
        #[serde(default)]
        closes_on: Option<NaiveDate>,
    },
    /// Ends the campaign before its closing day.
    Close {
        reason: String,
    },
    /// 特邀建议人 of a targeted campaign; `token_hash` from [`adviser_token_hash`].
    InviteAdviser {
        adviser_id: String,
        display_name: String,
        token_hash: String,
    },
    RevokeInvitation {
        adviser_id: String,
        reason: String,
    },
    /// 集中反馈 (Shanghai Art. 12): the collective answer, once the campaign has ended.
    PublishAnswer {
        content: String,
    },
}

impl CampaignCommand {
    pub fn name(&self) -> &'static str {
        match self {
            CampaignCommand::Open(_) => "open_campaign",
            CampaignCommand::Amend { .. } => "amend_campaign",
            CampaignCommand::Close { .. } => "close_campaign",
            CampaignCommand::InviteAdviser { .. } => "invite_adviser",
            CampaignCommand::RevokeInvitation { .. } => "revoke_invitation",
            CampaignCommand::PublishAnswer { .. } => "publish_campaign_answer",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CampaignEvent {
    Opened(Box<CampaignDraft>),
    Amended {
        title: Option<String>,
        explanation: Option<String>,
        channels: Option<Vec<Channel>>,
        closes_on: Option<NaiveDate>,
    },
    Closed {
        reason: String,
    },
    AdviserInvited {
        adviser_id: String,
        display_name: String,
        token_hash: String,
    },
    InvitationRevoked {
        adviser_id: String,
        reason: String,
    },
    AnswerPublished {
        content: String,
    },
}

impl CampaignEvent {
    pub fn name(&self) -> &'static str {
        match self {
            CampaignEvent::Opened(_) => "opened",
            CampaignEvent::Amended { .. } => "amended",
            CampaignEvent::Closed { .. } => "closed",
            CampaignEvent::AdviserInvited { .. } => "adviser_invited",
            CampaignEvent::InvitationRevoked { .. } => "invitation_revoked",
            CampaignEvent::AnswerPublished { .. } => "answer_published",
        }
    }

    pub fn zh(&self) -> &'static str {
        match self {
            CampaignEvent::Opened(_) => "发布征集",
            CampaignEvent::Amended { .. } => "修改征集公告",
            CampaignEvent::Closed { .. } => "提前结束征集",
            CampaignEvent::AdviserInvited { .. } => "邀请特邀建议人",
            CampaignEvent::InvitationRevoked { .. } => "撤销邀请",
            CampaignEvent::AnswerPublished { .. } => "发布集中反馈",
        }
    }

    pub fn en(&self) -> &'static str {
        match self {
            CampaignEvent::Opened(_) => "Campaign opened",
            CampaignEvent::Amended { .. } => "Campaign notice amended",
            CampaignEvent::Closed { .. } => "Campaign closed early",
            CampaignEvent::AdviserInvited { .. } => "Adviser invited",
            CampaignEvent::InvitationRevoked { .. } => "Invitation revoked",
            CampaignEvent::AnswerPublished { .. } => "Collective answer published",
        }
    }

    /// Shown on the public campaign page (invitations are not).
    pub fn is_public(&self) -> bool {
        !matches!(
            self,
            CampaignEvent::AdviserInvited { .. } | CampaignEvent::InvitationRevoked { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invitation {
    pub adviser_id: String,
    pub display_name: String,
    pub token_hash: String,
    pub invited_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CollectiveAnswer {
    pub content: String,
    pub at: DateTime<Utc>,
}

/// Where a campaign stands at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CampaignPhase {
    /// Published, before its opening day.
    Scheduled,
    Open,
    /// Past its closing day, or closed early.
    Ended,
}

impl CampaignPhase {
    pub fn zh(self) -> &'static str {
        match self {
            CampaignPhase::Scheduled => "即将开始",
            CampaignPhase::Open => "征集中",
            CampaignPhase::Ended => "已结束",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            CampaignPhase::Scheduled => "Opens soon",
            CampaignPhase::Open => "Open",
            CampaignPhase::Ended => "Ended",
        }
    }
}

/// A campaign folded from its events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Campaign {
    pub id: uuid::Uuid,
    #[serde(flatten)]
    pub draft: CampaignDraft,
    pub invitations: Vec<Invitation>,
    pub opened_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub close_reason: Option<String>,
    pub answer: Option<CollectiveAnswer>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

impl std::ops::Deref for Campaign {
    type Target = CampaignDraft;
    fn deref(&self) -> &CampaignDraft {
        &self.draft
    }
}

impl Campaign {
    pub fn phase(&self, now: DateTime<Utc>) -> CampaignPhase {
        let today = local_date(now);
        if self.closed_at.is_some() || today > self.closes_on {
            CampaignPhase::Ended
        } else if today < self.opens_on {
            CampaignPhase::Scheduled
        } else {
            CampaignPhase::Open
        }
    }

    /// The live invitation whose token is `token`, if any.
    pub fn invitation_for(&self, token: &str) -> Option<&Invitation> {
        let hash = adviser_token_hash(token);
        self.invitations
            .iter()
            .find(|i| i.revoked_at.is_none() && i.token_hash == hash)
    }

    /// May a submission through `channel`, carrying `token` (an invited adviser's), enter the
    /// campaign at `now`? Returns the adviser's id for a targeted campaign.
    pub fn admit(
        &self,
        now: DateTime<Utc>,
        channel: Channel,
        token: Option<&str>,
    ) -> Result<Option<String>, DomainError> {
        match self.phase(now) {
            CampaignPhase::Open => {}
            phase => {
                return Err(DomainError::rule(
                    "campaign_not_open",
                    ARTICLE,
                    format!(
                        "该征集活动{}（征集期限{}至{}），不能提交",
                        phase.zh(),
                        self.opens_on,
                        self.closes_on
                    ),
                    format!(
                        "this campaign is not open ({}; collection period {} to {})",
                        phase.en().to_lowercase(),
                        self.opens_on,
                        self.closes_on
                    ),
                ));
            }
        }
        if !self.channels.is_empty() && !self.channels.contains(&channel) {
            return Err(DomainError::rule(
                "campaign_channel",
                ARTICLE,
                format!("该征集活动不通过“{}”渠道接收建议", channel.zh()),
                format!(
                    "this campaign does not take suggestions by {}",
                    channel.en()
                ),
            ));
        }
        match self.kind {
            CampaignKind::Themed => Ok(None),
            CampaignKind::Targeted => match token.and_then(|t| self.invitation_for(t)) {
                Some(inv) => Ok(Some(inv.adviser_id.clone())),
                None => Err(DomainError::rule(
                    "not_invited",
                    "定向征集工作规范",
                    "定向征集只接收特邀建议人通过专属链接提交的建议，链接无效或邀请已撤销",
                    "a targeted campaign only takes suggestions through an invited adviser's personal link; this link is invalid or revoked",
                )),
            },
        }
    }
}

/// Folds one event; `None` only before `Opened`.
pub fn apply(
    state: Option<Campaign>,
    id: uuid::Uuid,
    at: DateTime<Utc>,
    event: &CampaignEvent,
) -> Option<Campaign> {
    let mut c = match (state, event) {
        (None, CampaignEvent::Opened(d)) => {
            return Some(Campaign {
                id,
                draft: (**d).clone(),
                invitations: Vec::new(),
                opened_at: at,
                closed_at: None,
                close_reason: None,
                answer: None,
                updated_at: at,
                version: 1,
            });
        }
        (None, _) => return None,
        (Some(c), _) => c,
    };
    c.version += 1;
    c.updated_at = at;
    match event {
        CampaignEvent::Opened(_) => {}
        CampaignEvent::Amended {
            title,
            explanation,
            channels,
            closes_on,
        } => {
            if let Some(t) = title {
                c.draft.title = t.clone();
            }
            if let Some(e) = explanation {
                c.draft.explanation = e.clone();
            }
            if let Some(ch) = channels {
                c.draft.channels = ch.clone();
            }
            if let Some(d) = closes_on {
                c.draft.closes_on = *d;
            }
        }
        CampaignEvent::Closed { reason } => {
            c.closed_at = Some(at);
            c.close_reason = Some(reason.clone());
        }
        CampaignEvent::AdviserInvited {
            adviser_id,
            display_name,
            token_hash,
        } => c.invitations.push(Invitation {
            adviser_id: adviser_id.clone(),
            display_name: display_name.clone(),
            token_hash: token_hash.clone(),
            invited_at: at,
            revoked_at: None,
        }),
        CampaignEvent::InvitationRevoked { adviser_id, .. } => {
            if let Some(i) = c
                .invitations
                .iter_mut()
                .find(|i| &i.adviser_id == adviser_id && i.revoked_at.is_none())
            {
                i.revoked_at = Some(at);
            }
        }
        CampaignEvent::AnswerPublished { content } => {
            c.answer = Some(CollectiveAnswer {
                content: content.clone(),
                at,
            })
        }
    }
    Some(c)
}

pub fn replay<'a>(
    id: uuid::Uuid,
    events: impl IntoIterator<Item = (DateTime<Utc>, &'a CampaignEvent)>,
) -> Option<Campaign> {
    events
        .into_iter()
        .fold(None, |s, (at, e)| apply(s, id, at, e))
}

fn text(field: &'static str, raw: &str, min: usize, max: usize) -> Result<String, DomainError> {
    crate::petitioner::clean_text(field, raw, min, max)
}

fn channels(list: &[Channel]) -> Result<Vec<Channel>, DomainError> {
    let mut out: Vec<Channel> = Vec::new();
    for c in list {
        if !out.contains(c) {
            out.push(*c);
        }
    }
    if out.is_empty() {
        return Err(DomainError::invalid(
            "channels",
            "至少公布一个征集渠道（第八条）",
            "at least one submission channel must be published (Art. 8)",
        ));
    }
    Ok(out)
}

fn period_ok(opens: NaiveDate, closes: NaiveDate, today: NaiveDate) -> Result<(), DomainError> {
    if closes < opens {
        return Err(DomainError::invalid(
            "closes_on",
            "截止日期不能早于开始日期",
            "the closing day cannot be before the opening day",
        ));
    }
    if closes < today {
        return Err(DomainError::invalid(
            "closes_on",
            "截止日期已过",
            "the closing day is in the past",
        ));
    }
    if (closes - opens).num_days() > 366 {
        return Err(DomainError::invalid(
            "closes_on",
            "征集期限不能超过一年",
            "a collection period cannot exceed a year",
        ));
    }
    Ok(())
}

/// Decides a campaign command. `state` is `None` only for `Open`.
pub fn decide(
    state: Option<&Campaign>,
    cmd: &CampaignCommand,
    ctx: &Context<'_>,
) -> Result<Vec<CampaignEvent>, DomainError> {
    let today = local_date(ctx.now);
    let c = match (state, cmd) {
        (None, CampaignCommand::Open(d)) => {
            office_only(ctx.actor, "open_campaign", &d.office_unit)?;
            ctx.directory.unit(&d.office_unit)?;
            if let Some(t) = &d.topic {
                ctx.directory.topic(t)?;
            }
            period_ok(d.opens_on, d.closes_on, today)?;
            return Ok(vec![CampaignEvent::Opened(Box::new(CampaignDraft {
                kind: d.kind,
                title: text("title", &d.title, 4, 200)?,
                explanation: text("explanation", &d.explanation, 10, 20000)?,
                channels: channels(&d.channels)?,
                opens_on: d.opens_on,
                closes_on: d.closes_on,
                office_unit: d.office_unit.clone(),
                topic: d.topic.clone(),
            }))]);
        }
        (Some(_), CampaignCommand::Open(_)) => {
            return Err(DomainError::NotAllowedInState {
                command: "open_campaign",
                status: "opened",
            });
        }
        (None, _) => {
            return Err(DomainError::Unknown {
                what: "campaign",
                id: String::new(),
            });
        }
        (Some(c), _) => c,
    };
    office_only(ctx.actor, cmd.name(), &c.office_unit)?;
    let phase = c.phase(ctx.now);
    let ended = || DomainError::NotAllowedInState {
        command: cmd.name(),
        status: "ended",
    };
    match cmd {
        // Handled above: a campaign is opened once.
        CampaignCommand::Open(_) => Err(DomainError::NotAllowedInState {
            command: "open_campaign",
            status: "opened",
        }),
        CampaignCommand::Amend {
            title,
            explanation,
            channels: chans,
            closes_on,
        } => {
            if phase == CampaignPhase::Ended {
                return Err(ended());
            }
            if let Some(d) = closes_on {
                period_ok(c.opens_on, *d, today)?;
            }
            let ev = CampaignEvent::Amended {
                title: title
                    .as_deref()
                    .map(|t| text("title", t, 4, 200))
                    .transpose()?,
                explanation: explanation
                    .as_deref()
                    .map(|t| text("explanation", t, 10, 20000))
                    .transpose()?,
                channels: chans.as_deref().map(channels).transpose()?,
                closes_on: *closes_on,
            };
            if matches!(
                &ev,
                CampaignEvent::Amended {
                    title: None,
                    explanation: None,
                    channels: None,
                    closes_on: None
                }
            ) {
                return Err(DomainError::invalid(
                    "amend",
                    "没有需要修改的内容",
                    "nothing to amend",
                ));
            }
            Ok(vec![ev])
        }
        CampaignCommand::Close { reason } => {
            if phase == CampaignPhase::Ended {
                return Err(ended());
            }
            Ok(vec![CampaignEvent::Closed {
                reason: text("reason", reason, 2, 2000)?,
            }])
        }
        CampaignCommand::InviteAdviser {
            adviser_id,
            display_name,
            token_hash,
        } => {
            if c.kind != CampaignKind::Targeted {
                return Err(DomainError::rule(
                    "not_targeted",
                    ARTICLE,
                    "只有定向征集可以邀请特邀建议人",
                    "only a targeted campaign invites advisers",
                ));
            }
            if phase == CampaignPhase::Ended {
                return Err(ended());
            }
            let adviser_id = text("adviser_id", adviser_id, 1, 100)?;
            if token_hash.len() != 64 || !token_hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(DomainError::invalid(
                    "token_hash",
                    "应为64位十六进制摘要",
                    "must be a 64-digit hex digest",
                ));
            }
            let token_hash = token_hash.to_ascii_lowercase();
            if c.invitations
                .iter()
                .any(|i| i.adviser_id == adviser_id && i.revoked_at.is_none())
            {
                return Err(DomainError::rule(
                    "already_invited",
                    ARTICLE,
                    "该建议人已被邀请",
                    "this adviser is already invited",
                ));
            }
            if c.invitations.iter().any(|i| i.token_hash == token_hash) {
                return Err(DomainError::invalid(
                    "token_hash",
                    "专属链接重复，请重新生成",
                    "this token was used before; generate a new one",
                ));
            }
            Ok(vec![CampaignEvent::AdviserInvited {
                adviser_id,
                display_name: text("display_name", display_name, 1, 100)?,
                token_hash,
            }])
        }
        CampaignCommand::RevokeInvitation { adviser_id, reason } => {
            if !c
                .invitations
                .iter()
                .any(|i| &i.adviser_id == adviser_id && i.revoked_at.is_none())
            {
                return Err(DomainError::Unknown {
                    what: "invitation",
                    id: adviser_id.clone(),
                });
            }
            Ok(vec![CampaignEvent::InvitationRevoked {
                adviser_id: adviser_id.clone(),
                reason: text("reason", reason, 2, 2000)?,
            }])
        }
        CampaignCommand::PublishAnswer { content } => {
            if phase != CampaignPhase::Ended {
                return Err(DomainError::NotAllowedInState {
                    command: cmd.name(),
                    status: if phase == CampaignPhase::Open {
                        "open"
                    } else {
                        "scheduled"
                    },
                });
            }
            if c.answer.is_some() {
                return Err(DomainError::rule(
                    "answer_already_published",
                    "《上海市人民建议征集若干规定》第十二条",
                    "集中反馈已经发布",
                    "the collective answer has already been published",
                ));
            }
            Ok(vec![CampaignEvent::AnswerPublished {
                content: text("content", content, 10, 50000)?,
            }])
        }
    }
}

/// Lower-case RFC 4648 base32 of 20 random bytes: 32 characters, 160 bits.
pub fn adviser_token_from_random(bytes: &[u8; 20]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::with_capacity(32);
    let (mut acc, mut bits) = (0u32, 0u32);
    for b in bytes {
        acc = (acc << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize] as char);
        }
        acc &= (1 << bits) - 1;
    }
    out
}

/// The stored form of an adviser token (case and surrounding spaces ignored).
pub fn adviser_token_hash(token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"minsheng-adviser-token:");
    h.update(token.trim().to_ascii_lowercase().as_bytes());
    hex::encode(h.finalize())
}
