//! The two GeoReport v2 encodings from one ordered tree: JSON (lists as top-level arrays) and
//! schemaless XML without a namespace, where a list element's children take its singular name
//! (`services` → `service`, `errors` → `error`) as the spec's examples do.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::ser::{SerializeMap, SerializeSeq};

/// `.json` or `.xml`, from the path's suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fmt {
    Json,
    Xml,
}

impl Fmt {
    /// Splits `requests.json` into (`requests`, Json); any other suffix is `None` (a 404).
    pub fn split(file: &str) -> Option<(&str, Fmt)> {
        let (stem, ext) = file.rsplit_once('.')?;
        let fmt = match ext {
            "json" => Fmt::Json,
            "xml" => Fmt::Xml,
            _ => return None,
        };
        (!stem.is_empty()).then_some((stem, fmt))
    }
}

/// An ordered node: JSON objects keep field order here, which the XML needs.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    List(Vec<Node>),
    Obj(Vec<(&'static str, Node)>),
}

impl From<&str> for Node {
    fn from(s: &str) -> Self {
        Node::Text(s.to_string())
    }
}

impl From<String> for Node {
    fn from(s: String) -> Self {
        Node::Text(s)
    }
}

impl From<bool> for Node {
    fn from(b: bool) -> Self {
        Node::Bool(b)
    }
}

impl<T: Into<Node>> From<Option<T>> for Node {
    fn from(o: Option<T>) -> Self {
        o.map(Into::into).unwrap_or(Node::Null)
    }
}

impl serde::Serialize for Node {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Null => s.serialize_none(),
            Node::Bool(b) => s.serialize_bool(*b),
            Node::Int(i) => s.serialize_i64(*i),
            Node::Float(f) => s.serialize_f64(*f),
            Node::Text(t) => s.serialize_str(t),
            Node::List(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for i in items {
                    seq.serialize_element(i)?;
                }
                seq.end()
            }
            Node::Obj(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

/// The element name of one child of a list element.
fn singular(list: &str) -> &str {
    match list {
        "services" => "service",
        "service_requests" | "requests" => "request",
        "errors" => "error",
        "attributes" => "attribute",
        "values" => "value",
        "notes" => "note",
        "endpoints" => "endpoint",
        "formats" => "format",
        other => other.strip_suffix('s').unwrap_or(other),
    }
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 cannot carry most control characters even escaped.
            // Characters XML 1.0 cannot carry at all (C0 controls, U+FFFE, U+FFFF) are dropped:
            // one would make the whole document unreadable to every client.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

fn element(name: &str, node: &Node, out: &mut String) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    match node {
        Node::Null => {}
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Int(i) => out.push_str(&i.to_string()),
        Node::Float(f) => out.push_str(&f.to_string()),
        Node::Text(t) => escape(t, out),
        Node::List(items) => {
            let child = singular(name);
            for i in items {
                element(child, i, out);
            }
        }
        Node::Obj(fields) => {
            for (k, v) in fields {
                element(k, v, out);
            }
        }
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// A response document: the XML root element's name and the body.
pub struct Doc {
    pub root: &'static str,
    pub body: Node,
}

impl Doc {
    pub fn xml(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
        element(self.root, &self.body, &mut out);
        out.push('\n');
        out
    }

    pub fn render(&self, status: StatusCode, fmt: Fmt) -> Response {
        match fmt {
            Fmt::Json => (
                status,
                [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
                serde_json::to_string(&self.body).unwrap_or_else(|_| "[]".into()),
            )
                .into_response(),
            Fmt::Xml => (
                status,
                [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
                self.xml(),
            )
                .into_response(),
        }
    }
}

/// A GeoReport error: the HTTP status and one `{code, description}`; the description is
/// bilingual because it is "meant to be seen by the user".
#[derive(Debug)]
pub struct Fail {
    pub status: StatusCode,
    pub description: String,
}

impl Fail {
    pub fn new(status: StatusCode, zh: &str, en: &str) -> Self {
        Fail {
            status,
            description: format!("{zh} / {en}"),
        }
    }

    pub fn bad(zh: &str, en: &str) -> Self {
        Fail::new(StatusCode::BAD_REQUEST, zh, en)
    }

    pub fn not_found(zh: &str, en: &str) -> Self {
        Fail::new(StatusCode::NOT_FOUND, zh, en)
    }

    pub fn render(&self, fmt: Fmt) -> Response {
        Doc {
            root: "errors",
            body: Node::List(vec![Node::Obj(vec![
                ("code", Node::Int(i64::from(self.status.as_u16()))),
                ("description", self.description.clone().into()),
            ])]),
        }
        .render(self.status, fmt)
    }
}

/// Our API's errors as GeoReport errors: the spec knows only 400, 403 and 404, so domain
/// refusals (our 409/422) become 400 with the same bilingual message.
impl From<crate::error::ApiError> for Fail {
    fn from(e: crate::error::ApiError) -> Self {
        let (status, body) = e.parts();
        let status = match status {
            StatusCode::FORBIDDEN | StatusCode::NOT_FOUND => status,
            s if s.is_server_error() => {
                tracing::error!(error = %e, "open311 request failed");
                s
            }
            _ => StatusCode::BAD_REQUEST,
        };
        Fail {
            status,
            description: format!("{} / {}", body.message_zh, body.message_en),
        }
    }
}

impl From<minsheng_store::StoreError> for Fail {
    fn from(e: minsheng_store::StoreError) -> Self {
        crate::error::ApiError::from(e).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_lists_take_singular_children_and_escape_text() {
        let d = Doc {
            root: "services",
            body: Node::List(vec![Node::Obj(vec![
                ("service_code", "0101".into()),
                ("service_name", "a<b&c".into()),
                ("metadata", true.into()),
            ])]),
        };
        assert_eq!(
            d.xml(),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<services><service><service_code>0101</service_code>\
             <service_name>a&lt;b&amp;c</service_name><metadata>true</metadata></service></services>\n"
        );
        assert_eq!(
            serde_json::to_string(&d.body).unwrap(),
            r#"[{"service_code":"0101","service_name":"a<b&c","metadata":true}]"#
        );
    }

    #[test]
    fn characters_xml_cannot_carry_are_dropped() {
        // Found by fuzzing: U+FFFE in a description made the XML answer unreadable.
        let d = Doc {
            root: "errors",
            body: Node::Text("a\u{FFFE}b\u{FFFF}c\u{1}d\te".into()),
        };
        assert!(d.xml().contains("<errors>abcd\te</errors>"), "{}", d.xml());
    }

    #[test]
    fn suffixes() {
        assert_eq!(Fmt::split("requests.json"), Some(("requests", Fmt::Json)));
        assert_eq!(
            Fmt::split("2026-1127-000001.xml"),
            Some(("2026-1127-000001", Fmt::Xml))
        );
        assert_eq!(Fmt::split("requests.csv"), None);
        assert_eq!(Fmt::split("requests"), None);
    }
}
