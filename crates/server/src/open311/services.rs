//! Discovery, the service list and service definitions. Services are the second level of the
//! topic taxonomy: the first level is too coarse for a citizen's app ("城乡建设"), the third too
//! fine for a picker, and is offered instead as the optional `subtopic` attribute.

use super::format::{Doc, Fail, Fmt, Node};
use super::{check_jurisdiction, pairs, respond};
use crate::state::AppState;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use minsheng_core::case::CaseKind;
use minsheng_core::region::{Directory, Topic};

/// Bumped whenever the service list or definitions change shape, so clients refresh caches.
const CHANGESET: &str = "2026-11-27T00:00:00+08:00";

/// The kinds an Open311 request may take: the hotline's. Accusations and appeals belong to
/// the petition flow, which Open311 does not feed.
pub(crate) const KINDS: &[CaseKind] = &[
    CaseKind::Help,
    CaseKind::Complaint,
    CaseKind::Consultation,
    CaseKind::Suggestion,
    CaseKind::Report,
];

pub(crate) fn discovery(headers: &HeaderMap) -> Doc {
    let host = headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("http");
    Doc {
        root: "discovery",
        body: Node::Obj(vec![
            ("changeset", CHANGESET.into()),
            (
                "contact",
                "民声平台管理员 / minsheng platform administrator".into(),
            ),
            (
                "key_service",
                "api_key 由平台管理员签发（/api/v1/admin/open311/clients）/ An api_key is issued by the platform administrator".into(),
            ),
            (
                "endpoints",
                Node::List(vec![Node::Obj(vec![
                    ("specification", "http://wiki.open311.org/GeoReport_v2".into()),
                    ("url", format!("{scheme}://{host}/open311/v2").into()),
                    ("changeset", CHANGESET.into()),
                    ("type", "production".into()),
                    (
                        "formats",
                        Node::List(vec!["text/xml".into(), "application/json".into()]),
                    ),
                ])]),
            ),
        ]),
    }
}

/// Second-level topics, in code order.
pub(crate) fn services(dir: &Directory) -> Vec<&Topic> {
    let mut v: Vec<&Topic> = dir
        .topics()
        .filter(|t| {
            t.parent
                .as_deref()
                .and_then(|p| dir.topic(p).ok())
                .is_some_and(|p| p.parent.is_none())
        })
        .collect();
    v.sort_by(|a, b| a.code.cmp(&b.code));
    v
}

/// The service a topic code belongs to (itself, or its second-level ancestor).
pub(crate) fn service_of<'a>(dir: &'a Directory, topic: &str) -> Option<&'a Topic> {
    let chain = dir.topic_chain(topic);
    chain.get(1).and_then(|c| dir.topic(c).ok())
}

pub(crate) fn is_service(dir: &Directory, code: &str) -> bool {
    service_of(dir, code).is_some_and(|t| t.code == code)
}

fn children<'a>(dir: &'a Directory, code: &str) -> Vec<&'a Topic> {
    let mut v: Vec<&Topic> = dir
        .topics()
        .filter(|t| t.parent.as_deref() == Some(code))
        .collect();
    v.sort_by(|a, b| a.code.cmp(&b.code));
    v
}

pub(crate) fn list(st: &AppState, p: &[(String, String)]) -> Result<Doc, Fail> {
    let dir = st.directory();
    check_jurisdiction(&dir, p)?;
    let items = services(&dir)
        .into_iter()
        .map(|t| {
            let group = t
                .parent
                .as_deref()
                .and_then(|g| dir.topic(g).ok())
                .map(|g| g.name_zh.clone())
                .unwrap_or_default();
            let keywords: Vec<String> = children(&dir, &t.code)
                .iter()
                .take(10)
                .map(|c| c.name_zh.clone())
                .collect();
            Node::Obj(vec![
                ("service_code", t.code.clone().into()),
                ("service_name", t.name_zh.clone().into()),
                ("description", bilingual(t).into()),
                ("metadata", true.into()),
                ("type", "realtime".into()),
                ("keywords", keywords.join(",").into()),
                ("group", group.into()),
            ])
        })
        .collect();
    Ok(Doc {
        root: "services",
        body: Node::List(items),
    })
}

/// Topics without an English name carry the Chinese one twice; say it once.
fn bilingual(t: &Topic) -> String {
    if t.name_en == t.name_zh {
        t.name_zh.clone()
    } else {
        format!("{} / {}", t.name_zh, t.name_en)
    }
}

fn value(key: &str, name: String) -> Node {
    Node::Obj(vec![("key", key.into()), ("name", name.into())])
}

fn attribute(
    code: &str,
    datatype: &str,
    order: i64,
    description: &str,
    datatype_description: &str,
    values: Vec<Node>,
) -> Node {
    Node::Obj(vec![
        ("variable", true.into()),
        ("code", code.into()),
        ("datatype", datatype.into()),
        ("required", false.into()),
        ("datatype_description", datatype_description.into()),
        ("order", Node::Int(order)),
        ("description", description.into()),
        ("values", Node::List(values)),
    ])
}

/// Every service asks the kind of request; services with third-level topics offer them as a
/// list; a free-text detail closes the form. All optional, so a bare client can still post.
pub(crate) fn definition_doc(dir: &Directory, code: &str) -> Result<Doc, Fail> {
    if !is_service(dir, code) {
        return Err(Fail::not_found(
            "未知的 service_code",
            "Unknown service_code",
        ));
    }
    let mut attrs = vec![attribute(
        "kind",
        "singlevaluelist",
        1,
        "诉求类别 / Kind of request",
        "默认：留下联系方式为求助，匿名为举报 / Default: help with contact details, report when anonymous",
        KINDS
            .iter()
            .map(|k| value(k.as_str(), format!("{} / {}", k.zh(), k.en())))
            .collect(),
    )];
    let subs = children(dir, code);
    let mut order = 2;
    if !subs.is_empty() {
        attrs.push(attribute(
            "subtopic",
            "singlevaluelist",
            order,
            "具体问题 / Specific problem",
            "",
            subs.iter().map(|t| value(&t.code, bilingual(t))).collect(),
        ));
        order += 1;
    }
    attrs.push(attribute(
        "detail",
        "text",
        order,
        "补充说明 / Further detail",
        "最多2000字 / At most 2000 characters",
        Vec::new(),
    ));
    Ok(Doc {
        root: "service_definition",
        body: Node::Obj(vec![
            ("service_code", code.into()),
            ("attributes", Node::List(attrs)),
        ]),
    })
}

pub(crate) async fn definition(
    State(st): State<AppState>,
    Path(file): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let Some((code, fmt)) = Fmt::split(&file) else {
        return super::unknown().await;
    };
    let r = pairs(q.unwrap_or_default().as_bytes())
        .and_then(|p| check_jurisdiction(&st.directory(), &p))
        .and_then(|()| definition_doc(&st.directory(), code));
    respond(fmt, r)
}
