//! Administration pages: users and roles (add, list), regions and units, the dispatch
//! catalogue, and the policy in force for a chosen region.

use super::chrome::{Chrome, WebStaff, render, respond};
use super::forms::FormData;
use super::present::{self, Choice};
use crate::api::admin::NewUserRequest;
use crate::error::ApiError;
use crate::state::AppState;
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use minsheng_core::access::Role;
use minsheng_core::region::{Directory, DispatchRule, Unit, UnitKind};

pub struct UserRow {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_zh: String,
    pub unit_en: String,
    pub active: bool,
}

pub struct UnitRow {
    pub id: String,
    pub zh: String,
    pub en: String,
    pub kind_zh: &'static str,
    pub kind_en: &'static str,
    pub region_zh: String,
    pub region_en: String,
}

pub struct DispatchRow {
    pub region_zh: String,
    pub region_en: String,
    pub topic: String,
    pub topic_zh: String,
    pub topic_en: String,
    pub unit_zh: String,
    pub unit_en: String,
}

pub struct PeriodRow {
    pub group: &'static str,
    pub name: &'static str,
    pub zh: String,
    pub en: String,
}

#[derive(Template)]
#[template(path = "staff/admin.html")]
struct AdminPage {
    c: Chrome,
    users: Vec<UserRow>,
    units: Vec<UnitRow>,
    regions: Vec<Choice>,
    dispatch: Vec<DispatchRow>,
    policy_region: String,
    periods: Vec<PeriodRow>,
    ratings: Vec<minsheng_core::policy::RatingOption>,
    roles: Vec<Choice>,
    unit_choices: Vec<Choice>,
    unit_kinds: Vec<Choice>,
    topics: Vec<present::ChoiceGroup>,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(serde::Deserialize, Default)]
pub struct AdminQuery {
    #[serde(default)]
    region: String,
    #[serde(default)]
    added: String,
    #[serde(default)]
    saved: String,
}

fn require_admin(ws: &WebStaff) -> Result<(), ApiError> {
    if ws.staff.user.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

async fn admin_page(
    st: &AppState,
    c: &Chrome,
    region: &str,
    notice: Option<String>,
    error: Option<String>,
) -> Result<AdminPage, ApiError> {
    let dir = st.directory();
    let unit_names = |id: Option<&str>| {
        id.and_then(|u| dir.unit(u).ok())
            .map(|u| (u.name_zh.clone(), u.name_en.clone()))
            .unwrap_or_default()
    };
    let users = st
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| {
            let (unit_zh, unit_en) = unit_names(u.unit.as_deref());
            UserRow {
                username: u.username,
                display_name: u.display_name,
                role: u.role,
                unit_zh,
                unit_en,
                active: u.active,
            }
        })
        .collect();
    let region_name = |code: &str| {
        dir.region(code)
            .map(|r| (r.name_zh.clone(), r.name_en.clone()))
            .unwrap_or_else(|_| (code.to_string(), code.to_string()))
    };
    let mut units: Vec<UnitRow> = dir
        .units()
        .map(|u| {
            let (region_zh, region_en) = region_name(&u.region);
            UnitRow {
                id: u.id.clone(),
                zh: u.name_zh.clone(),
                en: u.name_en.clone(),
                kind_zh: u.kind.zh(),
                kind_en: u.kind.en(),
                region_zh,
                region_en,
            }
        })
        .collect();
    units.sort_by(|a, b| a.id.cmp(&b.id));
    let dispatch = dir
        .dispatch_rules()
        .map(|r| {
            let (region_zh, region_en) = region_name(&r.region);
            let topic = dir.topic(&r.topic).ok();
            let (unit_zh, unit_en) = unit_names(Some(&r.unit));
            DispatchRow {
                region_zh,
                region_en,
                topic_zh: topic.map(|t| t.name_zh.clone()).unwrap_or_default(),
                topic_en: topic.map(|t| t.name_en.clone()).unwrap_or_default(),
                topic: r.topic.clone(),
                unit_zh,
                unit_en,
            }
        })
        .collect();
    let region = if region.is_empty() || dir.region(region).is_err() {
        dir.regions()
            .find(|r| r.parent.is_none())
            .map(|r| r.code.clone())
            .unwrap_or_default()
    } else {
        region.to_string()
    };
    let policy = st.policy_for_region(&region);
    let mut periods: Vec<PeriodRow> = policy
        .petition
        .periods()
        .iter()
        .map(|(n, p)| PeriodRow {
            group: "petition",
            name: n,
            zh: p.label_zh(),
            en: p.label_en(),
        })
        .collect();
    periods.extend(policy.hotline.periods().iter().map(|(n, p)| PeriodRow {
        group: "hotline",
        name: n,
        zh: p.label_zh(),
        en: p.label_en(),
    }));
    let roles = Role::STAFF
        .iter()
        .map(|r| Choice {
            value: r.as_str().into(),
            zh: r.zh().into(),
            en: r.en().into(),
            selected: false,
        })
        .collect();
    Ok(AdminPage {
        c: c.clone(),
        users,
        units,
        regions: present::region_choices(&dir, &region),
        dispatch,
        policy_region: region,
        periods,
        ratings: policy.rating.options.clone(),
        roles,
        unit_choices: present::unit_choices(&dir, ""),
        unit_kinds: present::choices(
            UnitKind::ALL,
            "",
            UnitKind::as_str,
            UnitKind::zh,
            UnitKind::en,
        ),
        topics: present::topic_groups(&dir, ""),
        notice,
        error,
    })
}

pub async fn overview(
    State(st): State<AppState>,
    ws: WebStaff,
    Query(q): Query<AdminQuery>,
) -> Response {
    let c = &ws.c;
    let r = async {
        require_admin(&ws)?;
        let notice = if !q.added.is_empty() {
            Some(c.pick(
                &format!("已添加用户 {}", q.added),
                &format!("User {} added", q.added),
            ))
        } else if !q.saved.is_empty() {
            Some(c.pick("目录已保存", "Directory saved"))
        } else {
            None
        };
        Ok(render(&admin_page(&st, c, &q.region, notice, None).await?))
    }
    .await;
    respond(c, r)
}

pub async fn add_user(State(st): State<AppState>, ws: WebStaff, body: Bytes) -> Response {
    let c = &ws.c;
    let r = async {
        require_admin(&ws)?;
        let f = FormData::parse(&body)?;
        let role = Role::parse(f.get("role"))
            .ok_or_else(|| ApiError::bad("invalid_role", "角色无效", "Invalid role"))?;
        let req = NewUserRequest {
            username: f.get("username").to_string(),
            display_name: f.get("display_name").to_string(),
            password: f.get("password").to_string(),
            role,
            unit: f.opt("unit"),
        };
        match crate::api::admin::add_user(&st, req).await {
            Ok(u) => Ok(Redirect::to(&format!(
                "/staff/admin?added={}",
                super::chrome::urlencode(&u.username)
            ))
            .into_response()),
            Err(e)
                if super::portal::is_user_error(&e)
                    || matches!(e, ApiError::Store(_)) && e.parts().0.is_client_error() =>
            {
                let status = e.parts().0;
                let msg = c.message(&e);
                Ok((
                    status,
                    render(&admin_page(&st, c, "", None, Some(msg)).await?),
                )
                    .into_response())
            }
            Err(e) => Err(e),
        }
    }
    .await;
    respond(c, r)
}

/// Directory edits are read-modify-write of the whole directory: one at a time.
static DIRECTORY_EDIT: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Applies an edit to a copy of the directory, validates it, stores it and swaps it in.
async fn edit_directory(
    st: &AppState,
    edit: impl FnOnce(&mut Vec<Unit>, &mut Vec<DispatchRule>) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let _guard = DIRECTORY_EDIT.lock().await;
    let dir = st.directory();
    let mut units: Vec<Unit> = dir.units().cloned().collect();
    let mut rules: Vec<DispatchRule> = dir.dispatch_rules().collect();
    edit(&mut units, &mut rules)?;
    let next = Directory::new(
        dir.regions().cloned().collect(),
        units,
        dir.topics().cloned().collect(),
        rules,
    )?;
    st.store.save_directory(&next).await?;
    st.set_directory(next);
    Ok(())
}

fn saved() -> Response {
    Redirect::to("/staff/admin?saved=1").into_response()
}

/// Runs a directory edit from a form: back to the page on success, the form with its error on
/// a refusal the administrator can fix.
async fn edit_from_form(
    st: &AppState,
    c: &Chrome,
    edit: impl FnOnce(&mut Vec<Unit>, &mut Vec<DispatchRule>) -> Result<(), ApiError>,
) -> Result<Response, ApiError> {
    match edit_directory(st, edit).await {
        Ok(()) => Ok(saved()),
        Err(e) => admin_form_error(st, c, e).await,
    }
}

async fn admin_form_error(st: &AppState, c: &Chrome, e: ApiError) -> Result<Response, ApiError> {
    if !super::portal::is_user_error(&e) {
        return Err(e);
    }
    let status = e.parts().0;
    let msg = c.message(&e);
    Ok((
        status,
        render(&admin_page(st, c, "", None, Some(msg)).await?),
    )
        .into_response())
}

/// Adds a unit (a department, office or committee) in a region.
pub async fn add_unit(State(st): State<AppState>, ws: WebStaff, body: Bytes) -> Response {
    let c = &ws.c;
    let r = async {
        require_admin(&ws)?;
        let f = FormData::parse(&body)?;
        let id = f.get("id").trim().to_string();
        let valid_id = !id.is_empty()
            && id.len() <= 40
            && id
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_');
        let unit = Unit {
            id: id.clone(),
            name_zh: minsheng_core::petitioner::clean_text("name_zh", f.get("name_zh"), 2, 100)?,
            name_en: minsheng_core::petitioner::clean_text("name_en", f.get("name_en"), 0, 200)?,
            kind: UnitKind::parse(f.get("kind")).ok_or_else(|| {
                ApiError::bad("invalid_kind", "单位类型无效", "Invalid unit kind")
            })?,
            region: f.get("region").to_string(),
        };
        edit_from_form(&st, c, |units, _| {
            if !valid_id {
                return Err(ApiError::bad(
                    "invalid_unit_id",
                    "单位编码只能包含字母、数字、连字符和下划线（1到40个字符）",
                    "A unit code has 1 to 40 letters, digits, hyphens or underscores",
                ));
            }
            if units.iter().any(|u| u.id == id) {
                return Err(ApiError::bad(
                    "duplicate_unit",
                    "该单位编码已存在",
                    "A unit with this code already exists",
                ));
            }
            let mut unit = unit;
            if unit.name_en.is_empty() {
                unit.name_en = unit.name_zh.clone();
            }
            units.push(unit);
            Ok(())
        })
        .await
    }
    .await;
    respond(c, r)
}

/// Sets the unit responsible for a topic in a region (a line of the dispatch catalogue).
pub async fn set_dispatch(State(st): State<AppState>, ws: WebStaff, body: Bytes) -> Response {
    let c = &ws.c;
    let r = async {
        require_admin(&ws)?;
        let f = FormData::parse(&body)?;
        let rule = DispatchRule {
            region: f.get("region").to_string(),
            topic: f.get("topic").to_string(),
            unit: f.get("unit").to_string(),
        };
        edit_from_form(&st, c, |_, rules| {
            rules.retain(|r| !(r.region == rule.region && r.topic == rule.topic));
            rules.push(rule);
            Ok(())
        })
        .await
    }
    .await;
    respond(c, r)
}

/// Enables or disables a staff account; a disabled account cannot sign in.
pub async fn set_user_active(State(st): State<AppState>, ws: WebStaff, body: Bytes) -> Response {
    let c = &ws.c;
    let r = async {
        require_admin(&ws)?;
        let f = FormData::parse(&body)?;
        let user = st
            .store
            .user_by_username(f.get("username"))
            .await?
            .ok_or(ApiError::NotFound)?;
        if user.id == ws.staff.user.id {
            return admin_form_error(
                &st,
                c,
                ApiError::bad(
                    "cannot_disable_self",
                    "不能停用自己的账号",
                    "You cannot disable your own account",
                ),
            )
            .await;
        }
        let active = f.get("active") == "1";
        st.store.set_user_active(user.id, active).await?;
        st.store
            .audit(
                &ws.staff.user.username,
                if active {
                    "user_enabled"
                } else {
                    "user_disabled"
                },
                &user.username,
            )
            .await?;
        Ok(saved())
    }
    .await;
    respond(c, r)
}
