//! The knowledge base (知识库): articles that explain policies, duties and procedures, owned by
//! a unit, valid for a period, and shown to agents and citizens only while published and valid.

use crate::error::DomainError;
use crate::petitioner::clean_text;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

crate::case::str_enum!(
    /// Review state of an article.
    ArticleState {
        Draft = "draft", "草稿", "Draft";
        Published = "published", "已发布", "Published";
        Withdrawn = "withdrawn", "已撤回", "Withdrawn";
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Article {
    pub id: uuid::Uuid,
    pub title: String,
    pub body: String,
    pub owner_unit: String,
    pub valid_from: NaiveDate,
    /// Last day it applies; `None` until withdrawn or replaced.
    pub valid_until: Option<NaiveDate>,
    pub state: ArticleState,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    pub version: i64,
}

impl Article {
    /// Shown to agents' suggestions and to the public: published, and `today` within validity.
    pub fn is_current(&self, today: NaiveDate) -> bool {
        self.state == ArticleState::Published
            && self.valid_from <= today
            && self.valid_until.is_none_or(|u| today <= u)
    }

    /// Published but past its last day: due for review.
    pub fn is_expired(&self, today: NaiveDate) -> bool {
        self.state == ArticleState::Published && self.valid_until.is_some_and(|u| today > u)
    }
}

/// An article as written in the editor, checked before it is stored.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ArticleInput {
    pub title: String,
    pub body: String,
    pub owner_unit: String,
    pub valid_from: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    pub state: ArticleState,
}

impl ArticleInput {
    pub fn checked(self) -> Result<ArticleInput, DomainError> {
        let title = clean_text("title", &self.title, 2, 100)?;
        let body = clean_text("body", &self.body, 10, 20_000)?;
        if let Some(until) = self.valid_until
            && until < self.valid_from
        {
            return Err(DomainError::invalid(
                "valid_until",
                "失效日期不能早于生效日期",
                "the last day cannot be before the first day",
            ));
        }
        Ok(ArticleInput {
            title,
            body,
            ..self
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(state: ArticleState, from: &str, until: Option<&str>) -> Article {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        Article {
            id: uuid::Uuid::nil(),
            title: "t".into(),
            body: "b".into(),
            owner_unit: "u".into(),
            valid_from: d(from),
            valid_until: until.map(d),
            state,
            updated_at: Utc::now(),
            updated_by: "x".into(),
            version: 1,
        }
    }

    #[test]
    fn current_only_while_published_and_valid() {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        let a = article(ArticleState::Published, "2026-01-01", Some("2026-06-30"));
        assert!(!a.is_current(day("2025-12-31")));
        assert!(a.is_current(day("2026-01-01")));
        assert!(a.is_current(day("2026-06-30")), "the last day counts");
        assert!(!a.is_current(day("2026-07-01")));
        assert!(a.is_expired(day("2026-07-01")));
        assert!(!article(ArticleState::Draft, "2026-01-01", None).is_current(day("2026-03-01")));
        assert!(
            !article(ArticleState::Withdrawn, "2026-01-01", None).is_current(day("2026-03-01"))
        );
        assert!(article(ArticleState::Published, "2026-01-01", None).is_current(day("2030-01-01")));
    }

    #[test]
    fn input_checks() {
        let ok = ArticleInput {
            title: "  低保申请条件 ".into(),
            body: "申请最低生活保障需要具备以下条件……".into(),
            owner_unit: "u".into(),
            valid_from: "2026-01-01".parse().unwrap(),
            valid_until: None,
            state: ArticleState::Draft,
        };
        assert_eq!(ok.clone().checked().unwrap().title, "低保申请条件");
        let mut bad = ok.clone();
        bad.valid_until = Some("2025-12-31".parse().unwrap());
        assert!(bad.checked().is_err());
        let mut short = ok;
        short.body = "太短".into();
        assert!(short.checked().is_err());
    }
}
