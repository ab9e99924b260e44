//! Print-ready documents (A4, laid out like official notices): 受理告知书, 不予受理告知书,
//! 延期告知书, 信访处理意见书, 复查意见书. Issued documents are in Chinese, as the originals are;
//! the surrounding controls follow the page language.

use super::chrome::{Chrome, WebStaff, render, respond};
use crate::error::ApiError;
use crate::service;
use crate::state::AppState;
use crate::views;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use chrono::{DateTime, Utc};
use minsheng_core::access::{self, PetitionerVisibility};
use minsheng_core::workflow::CaseState;

/// One paragraph of a document body.
pub struct Para {
    pub heading: Option<&'static str>,
    pub text: String,
}

#[derive(Template)]
#[template(path = "docs/document.html")]
struct Document {
    c: Chrome,
    title: &'static str,
    doc_number: String,
    addressee: String,
    paras: Vec<Para>,
    issuer: String,
    date: String,
    notice: &'static str,
}

fn chinese_date(t: &DateTime<Utc>) -> String {
    t.with_timezone(&minsheng_core::deadline::china())
        .format("%Y年%-m月%-d日")
        .to_string()
}

fn para(heading: Option<&'static str>, text: impl Into<String>) -> Para {
    Para {
        heading,
        text: text.into(),
    }
}

/// The document body for `slug`, or `None` when the case has no such document (yet).
fn compose(
    case: &CaseState,
    slug: &str,
    issuer: &str,
) -> Option<(&'static str, Vec<Para>, DateTime<Utc>, &'static str)> {
    let matter = format!(
        "您于{}反映的“{}”一事（编号：{}）",
        chinese_date(&case.registered_at),
        case.title,
        case.number
    );
    match slug {
        "acceptance" => {
            let at = case.accepted_at?;
            Some((
                "受理告知书",
                vec![
                    para(
                        None,
                        format!("{matter}，本机关已于{}依法受理。", chinese_date(&at)),
                    ),
                    para(
                        None,
                        "本机关将自受理之日起六十日内办结，并出具信访处理意见书。情况复杂的，经批准可以适当延长办理期限，并告知延期理由。",
                    ),
                    // Filled from the Accepted event by the caller: the state keeps only the time.
                    para(Some("告知内容"), String::new()),
                ],
                at,
                "《信访工作条例》第二十三条、第三十四条",
            ))
        }
        "non-acceptance" => {
            let d = case.declined.as_ref()?;
            Some((
                "不予受理告知书",
                vec![
                    para(None, format!("{matter}，经审查，本机关决定不予受理。")),
                    para(Some("理由"), d.reason.clone()),
                    para(
                        None,
                        d.article
                            .clone()
                            .map(|a| format!("依据：{a}"))
                            .unwrap_or_default(),
                    ),
                ],
                d.at,
                "《信访工作条例》第二十三条",
            ))
        }
        "extension" => {
            let e = case.extensions.last()?;
            Some((
                "延期告知书",
                vec![
                    para(
                        None,
                        format!(
                            "{matter}，因情况复杂，经{}批准，办理期限延长{}日。",
                            e.approver, e.days
                        ),
                    ),
                    para(Some("延期理由"), e.reason.clone()),
                ],
                e.at,
                "《信访工作条例》第三十四条",
            ))
        }
        "opinion" => {
            let o = case.opinion.as_ref()?;
            Some((
                "信访处理意见书",
                vec![
                    para(Some("信访人诉求"), o.request.clone()),
                    para(Some("查明的事实和理由"), o.facts_reasons.clone()),
                    para(
                        Some("处理意见"),
                        format!("{}。{}", o.outcome.zh(), o.opinion),
                    ),
                    para(Some("依据"), o.legal_basis.clone()),
                    para(
                        None,
                        format!(
                            "如对本处理意见不服，可以自收到本意见书之日起三十日内向{issuer}的上一级机关请求复查。"
                        ),
                    ),
                ],
                case.answered_at.unwrap_or(case.updated_at),
                "《信访工作条例》第三十二条、第三十五条",
            ))
        }
        "review" => {
            let r = case.review.as_ref()?;
            let at = r.decided_at?;
            Some((
                "复查意见书",
                vec![
                    para(
                        None,
                        format!(
                            "{matter}，您于{}对处理意见提出复查请求。",
                            chinese_date(&r.requested_at)
                        ),
                    ),
                    para(Some("复查请求理由"), r.reason.clone()),
                    para(
                        Some("复查意见"),
                        format!(
                            "{}。{}",
                            r.outcome.map(|o| o.zh()).unwrap_or(""),
                            r.opinion.clone().unwrap_or_default()
                        ),
                    ),
                    para(
                        None,
                        "如对复查意见不服，可以自收到本意见书之日起三十日内向复查机关的上一级机关请求复核。",
                    ),
                ],
                at,
                "《信访工作条例》第三十五条、第三十六条",
            ))
        }
        _ => None,
    }
}

pub async fn document(
    State(st): State<AppState>,
    ws: WebStaff,
    Path((id, slug)): Path<(String, String)>,
) -> Response {
    let actor = ws.staff.actor();
    let c = &ws.c;
    let r = async {
        let case = service::load_visible(&st, &actor, &id).await?;
        let dir = st.directory();
        let issuer_unit = match slug.as_str() {
            "review" => case
                .review
                .as_ref()
                .map(|r| r.unit.clone())
                .unwrap_or_else(|| case.current_unit.clone()),
            _ => case.current_unit.clone(),
        };
        let issuer = views::unit_ref(&dir, &issuer_unit).name_zh;
        let (title, mut paras, at, basis) =
            compose(&case, &slug, &issuer).ok_or(ApiError::NotFound)?;
        if slug == "acceptance" {
            let records = st.store.events(case.id).await?;
            let notice = records.iter().rev().find_map(|r| match &r.event {
                minsheng_core::workflow::Event::Accepted { notice } => Some(notice.clone()),
                _ => None,
            });
            if let Some(p) = paras.iter_mut().find(|p| p.heading == Some("告知内容")) {
                p.text = notice.unwrap_or_default();
            }
        }
        paras.retain(|p| !p.text.is_empty());
        let addressee = match access::petitioner_visibility(&actor, &case) {
            PetitionerVisibility::Withheld => "信访人".to_string(),
            _ if case.petitioner.anonymous => "匿名信访人".to_string(),
            _ => case.petitioner.name_masked.clone(),
        };
        Ok(render(&Document {
            c: c.clone(),
            title,
            doc_number: format!(
                "{}〔{}〕{}号",
                issuer,
                &case.number[..4.min(case.number.len())],
                case.number
            ),
            addressee,
            paras,
            issuer,
            date: chinese_date(&at),
            notice: basis,
        }))
    }
    .await;
    respond(c, r)
}
