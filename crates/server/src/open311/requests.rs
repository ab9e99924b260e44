//! POST and GET service requests. A posted request becomes a case through the same service as
//! every other channel; the GET side maps a case onto the spec's fields without the petitioner.

use super::format::{Doc, Fail, Fmt, Node};
use super::services::{KINDS, is_service, service_of};
use super::{arg, check_jurisdiction, pairs, respond};
use crate::abuse::held::Outcome;
use crate::service::{self, NewCaseInput, PetitionerInput};
use crate::state::AppState;
use crate::views::unit_ref;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Duration, FixedOffset, SecondsFormat, Utc};
use minsheng_core::case::{CaseKind, Channel, Location, Status};
use minsheng_core::deadline;
use minsheng_core::region::{Directory, UnitKind};
use minsheng_core::workflow::CaseState;
use minsheng_store::open311::Open311Query;

/// The spec's window: at most 90 days per query, the last 90 days by default.
const WINDOW_DAYS: i64 = 90;
/// "…or first 1000 requests returned, whichever is smallest".
const MAX_PAGE: u32 = 1000;
const MAX_DESCRIPTION: usize = 4000;

/// W3C datetimes in China time, which is what the people reading them live in.
fn w3c(t: DateTime<Utc>) -> String {
    let cst = FixedOffset::east_opt(8 * 3600).expect("UTC+8");
    t.with_timezone(&cst)
        .to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn parse_w3c(name: &str, s: &str) -> Result<DateTime<Utc>, Fail> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            Fail::bad(
                &format!("{name} 应为带时区的 W3C 日期时间，例如 2026-01-01T00:00:00+08:00"),
                &format!(
                    "{name} must be a W3C datetime with a time zone, e.g. 2026-01-01T00:00:00Z"
                ),
            )
        })
}

/// Phone and ID numbers a citizen typed into the description are masked (see
/// `minsheng_text::numbers`): GET output is public.
pub fn mask_numbers(s: &str) -> String {
    minsheng_text::numbers::mask_middle(s)
}

/// Terminal statuses are `closed` ("it has been resolved"); everything else is still `open`,
/// including a hotline reply awaiting the follow-up call, which can still reopen the order.
fn is_closed(s: Status) -> bool {
    s.is_terminal()
}

fn request_node(st: &AppState, dir: &Directory, c: &CaseState, notes: Node) -> Node {
    let policy = st.policy_for_region(&c.location.region);
    let due = deadline::current_duty(c, &policy, &st.calendar);
    let closed = is_closed(c.status);
    let service = service_of(dir, &c.topic);
    let notice = if let Some(d) = &c.declined {
        format!("不予受理：{}", d.reason)
    } else if let (false, Some(d)) = (closed, &due) {
        format!(
            "将于 {} 前答复 / Reply expected by {}",
            d.last_day, d.last_day
        )
    } else {
        String::new()
    };
    let updated = if closed {
        c.closed_at.unwrap_or(c.updated_at)
    } else {
        c.updated_at
    };
    Node::Obj(vec![
        ("service_request_id", c.number.clone().into()),
        ("status", if closed { "closed" } else { "open" }.into()),
        (
            "status_notes",
            format!("{} / {}", c.status.zh(), c.status.en()).into(),
        ),
        (
            "service_name",
            service
                .map(|t| t.name_zh.clone())
                .unwrap_or_default()
                .into(),
        ),
        (
            "service_code",
            service
                .map(|t| t.code.clone())
                .unwrap_or_else(|| c.topic.clone())
                .into(),
        ),
        ("description", mask_numbers(&c.request).into()),
        (
            "agency_responsible",
            unit_ref(dir, &c.current_unit).name_zh.into(),
        ),
        ("service_notice", notice.into()),
        ("requested_datetime", w3c(c.registered_at).into()),
        ("updated_datetime", w3c(updated).into()),
        ("expected_datetime", due.map(|d| w3c(d.due)).into()),
        ("address", mask_numbers(&c.location.address).into()),
        ("address_id", c.location.region.clone().into()),
        ("zipcode", "".into()),
        ("lat", c.location.lat.map(Node::Float).unwrap_or(Node::Null)),
        (
            "long",
            c.location.lng.map(Node::Float).unwrap_or(Node::Null),
        ),
        ("media_url", "".into()),
        ("notes", notes),
    ])
}

/// The `notes` extension: the public history, as the citizen's tracking page shows it.
async fn notes(st: &AppState, c: &CaseState) -> Result<Node, Fail> {
    let records = st.store.events(c.id).await?;
    Ok(Node::List(
        records
            .iter()
            .filter(|r| r.event.is_public())
            .map(|r| {
                Node::Obj(vec![
                    ("datetime", w3c(r.at).into()),
                    (
                        "description",
                        format!("{} / {}", r.event.zh(), r.event.en()).into(),
                    ),
                    ("type", r.event.name().into()),
                ])
            })
            .collect(),
    ))
}

async fn render_cases(st: &AppState, cases: &[CaseState]) -> Result<Doc, Fail> {
    let dir = st.directory();
    let mut items = Vec::with_capacity(cases.len());
    for c in cases {
        let n = notes(st, c).await?;
        items.push(request_node(st, &dir, c, n));
    }
    Ok(Doc {
        root: "service_requests",
        body: Node::List(items),
    })
}

fn comma_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

fn positive(name: &str, s: Option<&str>, default: u32, max: u32) -> Result<u32, Fail> {
    match s {
        None => Ok(default),
        Some(v) => v
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                Fail::bad(
                    &format!("{name} 应为 1 到 {max} 之间的整数"),
                    &format!("{name} must be an integer from 1 to {max}"),
                )
            }),
    }
}

/// The spec's query: an id list overrides everything; otherwise service codes, status and a
/// date window of at most 90 days, plus the page/page_size extension.
pub fn query(
    dir: &Directory,
    p: &[(String, String)],
    now: DateTime<Utc>,
) -> Result<Open311Query, Fail> {
    check_jurisdiction(dir, p)?;
    let page = positive("page", arg(p, "page"), 1, u32::MAX / MAX_PAGE)?;
    let page_size = positive("page_size", arg(p, "page_size"), MAX_PAGE, MAX_PAGE)?;
    if let Some(ids) = arg(p, "service_request_id") {
        return Ok(Open311Query {
            numbers: Some(comma_list(ids)),
            limit: MAX_PAGE,
            ..Open311Query::default()
        });
    }
    let topics = match arg(p, "service_code") {
        None => None,
        Some(codes) => {
            let mut topics = Vec::new();
            for code in comma_list(codes) {
                if !is_service(dir, &code) {
                    return Err(Fail::not_found(
                        &format!("未知的 service_code {code}"),
                        &format!("Unknown service_code {code}"),
                    ));
                }
                topics.extend(
                    dir.topics()
                        .filter(|t| dir.topic_chain(&t.code).contains(&code.as_str()))
                        .map(|t| t.code.clone()),
                );
            }
            Some(topics)
        }
    };
    let statuses = match arg(p, "status") {
        None => None,
        Some(s) => {
            let (mut open, mut closed) = (false, false);
            for v in comma_list(s) {
                match v.as_str() {
                    "open" => open = true,
                    "closed" => closed = true,
                    _ => {
                        return Err(Fail::bad(
                            "status 只能是 open 或 closed",
                            "status must be open or closed",
                        ));
                    }
                }
            }
            (open != closed).then(|| {
                Status::ALL
                    .iter()
                    .filter(|s| is_closed(**s) == closed)
                    .map(|s| s.as_str().to_string())
                    .collect()
            })
        }
    };
    let window = Duration::days(WINDOW_DAYS);
    let start = arg(p, "start_date")
        .map(|s| parse_w3c("start_date", s))
        .transpose()?;
    let end = arg(p, "end_date")
        .map(|s| parse_w3c("end_date", s))
        .transpose()?;
    let (from, to) = match (start, end) {
        (Some(s), Some(e)) => (s, e),
        (Some(s), None) => (s, s + window),
        (None, Some(e)) => (e - window, e),
        (None, None) => (now - window, now),
    };
    if to < from {
        return Err(Fail::bad(
            "end_date 不能早于 start_date",
            "end_date is before start_date",
        ));
    }
    if to - from > window {
        return Err(Fail::bad(
            "start_date 与 end_date 相隔不能超过90天",
            "start_date and end_date may be at most 90 days apart",
        ));
    }
    // A jurisdiction narrows the list to the matters located inside it.
    let regions = arg(p, "jurisdiction_id").map(|j| {
        dir.regions()
            .filter(|r| dir.is_within(&r.code, j))
            .map(|r| r.code.clone())
            .collect()
    });
    Ok(Open311Query {
        numbers: None,
        topics,
        regions,
        statuses,
        from: Some(from),
        to: Some(to),
        offset: (page - 1) * page_size,
        limit: page_size,
    })
}

pub(crate) async fn list(st: &AppState, p: &[(String, String)]) -> Result<Doc, Fail> {
    let q = query(&st.directory(), p, service::now())?;
    let cases = st.store.open311_cases(&q).await?;
    render_cases(st, &cases).await
}

/// One case that came in through Open311, by number.
async fn open311_case(st: &AppState, number: &str) -> Result<CaseState, Fail> {
    let missing = || Fail::not_found("未找到该诉求", "No such service request");
    if number.len() > 32 {
        return Err(missing());
    }
    match st.store.get_case_by_number(number).await? {
        Some(c) if c.channel == Channel::Open311 => Ok(c),
        _ => Err(missing()),
    }
}

pub(crate) async fn one(State(st): State<AppState>, Path(file): Path<String>) -> Response {
    let Some((id, fmt)) = Fmt::split(&file) else {
        return super::unknown().await;
    };
    let r = match open311_case(&st, id).await {
        Ok(c) => render_cases(&st, std::slice::from_ref(&c)).await,
        Err(f) => Err(f),
    };
    respond(fmt, r)
}

/// Where the matter is: `address_id` is a region code; otherwise the most specific region
/// named in `address_string` (inside `jurisdiction_id` when given); otherwise the
/// jurisdiction; otherwise the directory's only root. There is no geocoder yet, so lat/long
/// are kept on the case but do not choose the region.
fn place(dir: &Directory, p: &[(String, String)]) -> Result<String, Fail> {
    if let Some(id) = arg(p, "address_id") {
        return dir.region(id).map(|r| r.code.clone()).map_err(|_| {
            Fail::bad(
                "未知的 address_id（应为行政区划代码）",
                "Unknown address_id (use a region code)",
            )
        });
    }
    let jurisdiction = arg(p, "jurisdiction_id");
    if let Some(addr) = arg(p, "address_string")
        && let Some(r) = dir
            .regions()
            .filter(|r| addr.contains(r.name_zh.as_str()))
            .filter(|r| jurisdiction.is_none_or(|j| dir.is_within(&r.code, j)))
            .max_by_key(|r| (r.level.depth(), r.name_zh.chars().count()))
    {
        return Ok(r.code.clone());
    }
    if let Some(j) = jurisdiction {
        return Ok(j.to_string());
    }
    let mut roots = dir.regions().filter(|r| r.parent.is_none());
    match (roots.next(), roots.next()) {
        (Some(r), None) => Ok(r.code.clone()),
        _ => Err(Fail::bad(
            "无法确定诉求所在地区：请提供 address_id（行政区划代码）、jurisdiction_id，或在 address_string 中写明区县、街道",
            "Cannot place the request: give address_id (a region code), jurisdiction_id, or name the district in address_string",
        )),
    }
}

fn attribute<'a>(p: &'a [(String, String)], code: &str) -> Option<&'a str> {
    arg(p, &format!("attribute[{code}]"))
}

fn text(p: &[(String, String)], key: &str, max: usize) -> Result<Option<String>, Fail> {
    match arg(p, key) {
        Some(v) if v.chars().count() > max => Err(Fail::bad(
            &format!("{key} 不能超过 {max} 个字符"),
            &format!("{key} may have at most {max} characters"),
        )),
        v => Ok(v.map(str::to_string)),
    }
}

fn full_name(first: Option<&str>, last: Option<&str>) -> Option<String> {
    match (last, first) {
        (None, None) => None,
        (Some(n), None) | (None, Some(n)) => Some(n.to_string()),
        (Some(l), Some(f)) if l.is_ascii() && f.is_ascii() => Some(format!("{f} {l}")),
        (Some(l), Some(f)) => Some(format!("{l}{f}")),
    }
}

/// The pure half of POST requests: the form's arguments checked and mapped onto a new case
/// (everything but the api_key, which needs the store). Fuzzed on its own.
pub fn parse_request(dir: &Directory, p: &[(String, String)]) -> Result<NewCaseInput, Fail> {
    check_jurisdiction(dir, p)?;
    let code = arg(p, "service_code")
        .ok_or_else(|| Fail::bad("缺少 service_code", "service_code is required"))?;
    if !is_service(dir, code) {
        return Err(Fail::not_found(
            "未知的 service_code",
            "Unknown service_code",
        ));
    }
    let coords = match (arg(p, "lat"), arg(p, "long")) {
        (None, None) => None,
        (Some(a), Some(o)) => match (a.parse::<f64>(), o.parse::<f64>()) {
            (Ok(a), Ok(o)) if a.is_finite() && o.is_finite() => Some((a, o)),
            _ => {
                return Err(Fail::bad(
                    "lat/long 应为数字",
                    "lat and long must be numbers",
                ));
            }
        },
        _ => {
            return Err(Fail::bad(
                "lat 与 long 须同时提供",
                "lat and long must be sent together",
            ));
        }
    };
    let address = text(p, "address_string", 300)?;
    if coords.is_none() && address.is_none() && arg(p, "address_id").is_none() {
        return Err(Fail::bad(
            "请提供位置：lat 和 long、address_string 或 address_id",
            "A location is required: lat and long, address_string or address_id",
        ));
    }
    let description = text(p, "description", MAX_DESCRIPTION)?
        .ok_or_else(|| Fail::bad("请描述诉求内容（description）", "description is required"))?;
    let region = place(dir, p)?;
    let office = dir
        .nearest_unit(&region, UnitKind::HotlineCenter)
        .or_else(|| dir.nearest_unit(&region, UnitKind::PetitionOffice))
        .map(|u| u.id.clone())
        .ok_or_else(|| {
            Fail::bad(
                "该地区没有受理单位",
                "No hotline centre or petition office covers this place",
            )
        })?;

    let topic = match attribute(p, "subtopic") {
        Some(t)
            if dir
                .topic(t)
                .is_ok_and(|t| t.parent.as_deref() == Some(code)) =>
        {
            t.to_string()
        }
        Some(_) => {
            return Err(Fail::bad(
                "attribute[subtopic] 不是该服务下的具体问题",
                "attribute[subtopic] is not a problem of this service",
            ));
        }
        None => code.to_string(),
    };
    let name = full_name(
        text(p, "first_name", 50)?.as_deref(),
        text(p, "last_name", 50)?.as_deref(),
    );
    let phone = text(p, "phone", 30)?;
    let anonymous = name.is_none() && phone.is_none();
    if name.is_some() && phone.is_none() {
        return Err(Fail::bad(
            "留下姓名时请同时留下电话，以便告知办理结果；也可以都不填匿名反映",
            "With a name, give a phone number so we can report back; or give neither to stay anonymous",
        ));
    }
    let kind = match attribute(p, "kind") {
        Some(k) => KINDS
            .iter()
            .copied()
            .find(|c| c.as_str() == k)
            .ok_or_else(|| {
                Fail::bad(
                    "attribute[kind] 应为 help、complaint、consultation、suggestion 或 report",
                    "attribute[kind] must be help, complaint, consultation, suggestion or report",
                )
            })?,
        None if anonymous => CaseKind::Report,
        None => CaseKind::Help,
    };
    let mut facts = text(p, "attribute[detail]", 2000)?.unwrap_or_default();
    if let Some(m) = text(p, "media_url", 1000)? {
        if !facts.is_empty() {
            facts.push('\n');
        }
        facts.push_str(&format!("media_url: {m}"));
    }
    let service_name = dir
        .topic(code)
        .map(|t| t.name_zh.clone())
        .unwrap_or_default();
    let title: String = format!(
        "{service_name}：{}",
        description.chars().take(40).collect::<String>()
    );
    Ok(NewCaseInput {
        channel: Channel::Open311,
        flow: None,
        kind,
        urgent: false,
        title,
        request: description,
        facts_reasons: facts,
        topic,
        location: Location {
            region,
            address: address.unwrap_or_default(),
            lat: coords.map(|c| c.0),
            lng: coords.map(|c| c.1),
        },
        petitioner: PetitionerInput {
            anonymous,
            organisation: false,
            name: (!anonymous).then(|| name.unwrap_or_else(|| "Open311 用户".into())),
            phone,
            id_number: None,
            address: None,
            email: None,
            notify: None,
        },
        group_size: 1,
        representatives: 1,
        office_unit: Some(office),
        accused_unit: None,
        about_officials: false,
    })
}

pub(crate) async fn create(st: &AppState, body: &[u8]) -> Result<Doc, Fail> {
    let p = pairs(body)?;
    let client = match arg(&p, "api_key") {
        Some(k) => st.store.open311_client_by_key(k).await?,
        None => None,
    }
    .ok_or_else(|| {
        Fail::new(
            StatusCode::FORBIDDEN,
            "api_key 缺失或无效，无法提交诉求",
            "Invalid api_key received -- can't proceed with create_request",
        )
    })?;
    let input = parse_request(&st.directory(), &p)?;
    let r = match crate::abuse::held::submit_open311(st, &client.name, input).await? {
        Outcome::Registered(r) => r,
        // Held by the spam screen: the spec's `token` instead of an id ("never both"); the
        // client follows it at /tokens/{token} until a reviewer releases it.
        Outcome::Held { token, .. } => {
            return Ok(Doc {
                root: "service_requests",
                body: Node::List(vec![Node::Obj(vec![
                    ("token", token.to_string().into()),
                    (
                        "service_notice",
                        "内容审核中，审核通过后登记 / In content review; registered once released"
                            .into(),
                    ),
                    (
                        "account_id",
                        arg(&p, "account_id").map(str::to_string).into(),
                    ),
                ])]),
            });
        }
    };
    let c = r.case;
    let policy = st.policy_for_region(&c.location.region);
    let notice = match (
        &c.declined,
        deadline::current_duty(&c, &policy, &st.calendar),
    ) {
        (Some(d), _) => format!("不予受理：{}", d.reason),
        (None, Some(d)) => format!(
            "已登记，将于 {} 前答复 / Registered; reply expected by {}",
            d.last_day, d.last_day
        ),
        (None, None) => "已登记 / Registered".into(),
    };
    Ok(Doc {
        root: "service_requests",
        body: Node::List(vec![Node::Obj(vec![
            ("service_request_id", c.number.clone().into()),
            ("service_notice", notice.into()),
            (
                "account_id",
                arg(&p, "account_id").map(str::to_string).into(),
            ),
        ])]),
    })
}

#[cfg(test)]
mod tests {
    use super::mask_numbers;

    #[test]
    fn long_digit_runs_are_masked() {
        assert_eq!(
            mask_numbers("电话13712345678请回电"),
            "电话137******78请回电"
        );
        assert_eq!(mask_numbers("3栋101室"), "3栋101室");
        // Found by fuzzing: a number typed with full-width digits was published whole.
        assert_eq!(
            mask_numbers("电话１３９１２３４５６７８"),
            "电话１３９******７８"
        );
        // Separators no longer hide a number.
        assert_eq!(mask_numbers("电话139-1234-5678"), "电话139-****-**78");
    }
}
