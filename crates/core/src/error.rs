//! Domain errors. Each carries a stable machine code, a Chinese and an English message and,
//! where a rule of the regulation is the reason, the article that says so.

use thiserror::Error;

/// Why a command or a value was refused by the domain.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    #[error("invalid field {field}: {reason_en}")]
    Invalid {
        field: &'static str,
        reason_zh: String,
        reason_en: String,
    },
    #[error("command {command} not allowed in state {status}")]
    NotAllowedInState {
        command: &'static str,
        status: &'static str,
    },
    #[error("actor may not perform {command}")]
    Forbidden { command: &'static str },
    #[error("rule refused: {code}")]
    Rule {
        code: &'static str,
        article: String,
        message_zh: String,
        message_en: String,
    },
    #[error("calendar does not cover {year}")]
    CalendarGap { year: i32 },
    #[error("unknown {what}: {id}")]
    Unknown { what: &'static str, id: String },
}

impl DomainError {
    pub fn invalid(field: &'static str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        DomainError::Invalid {
            field,
            reason_zh: zh.into(),
            reason_en: en.into(),
        }
    }

    pub fn rule(
        code: &'static str,
        article: impl Into<String>,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) -> Self {
        DomainError::Rule {
            code,
            article: article.into(),
            message_zh: zh.into(),
            message_en: en.into(),
        }
    }

    /// Stable machine-readable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::Invalid { .. } => "invalid_field",
            DomainError::NotAllowedInState { .. } => "not_allowed_in_state",
            DomainError::Forbidden { .. } => "forbidden",
            DomainError::Rule { code, .. } => code,
            DomainError::CalendarGap { .. } => "calendar_gap",
            DomainError::Unknown { .. } => "unknown_reference",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            DomainError::Invalid {
                field, reason_zh, ..
            } => format!("字段 {field} 无效：{reason_zh}"),
            DomainError::NotAllowedInState { command, status } => {
                format!(
                    "当前状态（{}）下不能执行该操作（{command}）",
                    crate::case::status_zh(status)
                )
            }
            DomainError::Forbidden { command } => format!("您无权执行该操作（{command}）"),
            DomainError::Rule {
                message_zh,
                article,
                ..
            } => format!("{message_zh}（依据：{article}）"),
            DomainError::CalendarGap { year } => {
                format!("工作日历未包含 {year} 年的节假日安排，无法计算期限；请管理员补充日历")
            }
            DomainError::Unknown { what, id } => format!("未找到{}：{id}", what_zh(what)),
        }
    }

    pub fn message_en(&self) -> String {
        match self {
            DomainError::Invalid {
                field, reason_en, ..
            } => format!("Invalid field {field}: {reason_en}"),
            DomainError::NotAllowedInState { command, status } => {
                format!("The action {command} is not allowed while the case is {status}")
            }
            DomainError::Forbidden { command } => {
                format!("You are not allowed to perform {command}")
            }
            DomainError::Rule {
                message_en,
                article,
                ..
            } => format!("{message_en} (basis: {article})"),
            DomainError::CalendarGap { year } => format!(
                "The working-day calendar has no holiday data for {year}; an administrator must add it before this deadline can be computed"
            ),
            DomainError::Unknown { what, id } => format!("Unknown {what}: {id}"),
        }
    }
}

fn what_zh(what: &str) -> &'static str {
    match what {
        "unit" => "单位",
        "region" => "区域",
        "topic" => "问题分类",
        "rating" => "评价选项",
        "case" => "信访事项",
        "suggestion" => "人民建议",
        "campaign" => "征集活动",
        "invitation" => "特邀建议人邀请",
        "expert" => "专家",
        "reward_tier" => "奖励等次",
        _ => "对象",
    }
}
