//! Open311 GeoReport v2 over real HTTP in both formats: discovery, services and definitions,
//! api_key issuing and checking, POST creating a hotline case, GET with every filter, paging,
//! the notes history, every error code, and no personal data in GET output.

use crate::both;
use crate::harness::TestApp;
use quick_xml::events::Event;
use serde_json::{Value, json};

const V2: &str = "/open311/v2";

/// A parsed XML element: name, text and children (enough to check the spec's shapes).
#[derive(Debug, Default)]
struct El {
    name: String,
    text: String,
    children: Vec<El>,
}

impl El {
    fn child(&self, name: &str) -> &El {
        self.children
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("<{}> has no <{name}>: {self:?}", self.name))
    }

    fn all(&self, name: &str) -> Vec<&El> {
        self.children.iter().filter(|c| c.name == name).collect()
    }

    fn names(&self) -> Vec<&str> {
        self.children.iter().map(|c| c.name.as_str()).collect()
    }
}

/// Parses with quick-xml, checking the declaration and that nothing carries a namespace.
fn parse_xml(text: &str) -> El {
    assert!(
        text.starts_with(r#"<?xml version="1.0" encoding="utf-8"?>"#),
        "{text}"
    );
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<El> = vec![El::default()];
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                let name = e.name().as_ref().to_string();
                assert!(!name.contains(':'), "namespaced element {name}");
                assert!(
                    e.attributes()
                        .all(|a| !a.expect("attr").key.as_ref().starts_with("xmlns")),
                    "namespace declared on {name}"
                );
                stack.push(El {
                    name,
                    ..El::default()
                });
            }
            Event::Empty(e) => {
                let name = e.name().as_ref().to_string();
                stack.last_mut().expect("parent").children.push(El {
                    name,
                    ..El::default()
                });
            }
            Event::Text(t) => {
                // Entities arrive as GeneralRef events, so text is already plain.
                let s = t.into_inner().into_owned();
                stack.last_mut().expect("el").text.push_str(&s);
            }
            Event::GeneralRef(r) => {
                let name = r.into_inner().into_owned();
                let s = quick_xml::escape::unescape(&format!("&{name};"))
                    .expect("entity")
                    .into_owned();
                stack.last_mut().expect("el").text.push_str(&s);
            }
            Event::End(_) => {
                let done = stack.pop().expect("open element");
                stack.last_mut().expect("parent").children.push(done);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut doc = stack.pop().expect("document");
    assert_eq!(doc.children.len(), 1, "one root element");
    doc.children.pop().expect("root")
}

async fn raw_get(app: &TestApp, path: &str) -> (u16, String, String) {
    let r = app
        .client
        .get(format!("{}{V2}{path}", app.base))
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|h| h.to_str().unwrap_or("").to_string())
        .unwrap_or_default();
    (status, ct, r.text().await.unwrap_or_default())
}

async fn get_json(app: &TestApp, path: &str) -> (u16, Value) {
    let (s, ct, body) = raw_get(app, path).await;
    assert!(ct.starts_with("application/json"), "{path}: {ct}");
    (
        s,
        serde_json::from_str(&body).unwrap_or_else(|_| panic!("{path}: {body}")),
    )
}

async fn get_xml(app: &TestApp, path: &str) -> (u16, El) {
    let (s, ct, body) = raw_get(app, path).await;
    assert!(ct.starts_with("text/xml"), "{path}: {ct}");
    (s, parse_xml(&body))
}

async fn post_form(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (u16, String) {
    app.post_form(&app.client, &format!("{V2}{path}"), form)
        .await
}

/// Asserts a GeoReport JSON error: an array of {code, description} with the HTTP code.
fn assert_json_error(status: u16, body: &Value, expected: u16) {
    assert_eq!(status, expected, "{body}");
    let errs = body
        .as_array()
        .unwrap_or_else(|| panic!("errors array: {body}"));
    assert_eq!(errs.len(), 1, "{body}");
    assert_eq!(errs[0]["code"], expected, "{body}");
    assert!(
        errs[0]["description"]
            .as_str()
            .is_some_and(|d| d.contains(" / ")),
        "bilingual description: {body}"
    );
}

fn assert_xml_error(status: u16, doc: &El, expected: u16) {
    assert_eq!(status, expected);
    assert_eq!(doc.name, "errors");
    let e = doc.child("error");
    assert_eq!(e.child("code").text, expected.to_string());
    assert!(!e.child("description").text.is_empty());
}

/// Issues an api_key through the admin endpoint.
async fn api_key(app: &TestApp) -> String {
    let admin = app.login("admin").await;
    let (s, b) = app
        .post(
            "/api/v1/admin/open311/clients",
            Some(&admin),
            &json!({"name": "随手拍 App"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    b["api_key"].as_str().expect("api_key").to_string()
}

async fn discovery_and_services(app: &TestApp) {
    let (s, d) = get_json(app, "/discovery.json").await;
    assert_eq!(s, 200, "{d}");
    assert!(d["changeset"].is_string(), "{d}");
    let ep = &d["endpoints"][0];
    assert_eq!(ep["specification"], "http://wiki.open311.org/GeoReport_v2");
    assert!(
        ep["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/open311/v2")),
        "{d}"
    );
    assert_eq!(ep["formats"], json!(["text/xml", "application/json"]));
    let (s, x) = get_xml(app, "/discovery.xml").await;
    assert_eq!(s, 200);
    assert_eq!(x.name, "discovery");
    assert_eq!(
        x.names(),
        vec!["changeset", "contact", "key_service", "endpoints"]
    );
    let formats = x.child("endpoints").child("endpoint").child("formats");
    assert_eq!(formats.all("format").len(), 2);

    let (s, list) = get_json(app, "/services.json").await;
    assert_eq!(s, 200);
    let list = list.as_array().expect("top-level array");
    assert!(list.len() > 20, "{}", list.len());
    let first = &list[0];
    assert_eq!(first["service_code"], "0101");
    assert_eq!(first["group"], "城乡建设");
    assert_eq!(first["type"], "realtime");
    assert_eq!(first["metadata"], true);
    assert!(
        list.iter()
            .all(|s| s["service_code"].as_str().is_some_and(|c| c.len() == 4)),
        "second-level topics only"
    );
    let (s, x) = get_xml(app, "/services.xml?jurisdiction_id=990000").await;
    assert_eq!(s, 200);
    assert_eq!(x.name, "services");
    assert_eq!(x.all("service").len(), list.len());
    assert_eq!(
        x.all("service")[0].names(),
        vec![
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group"
        ]
    );

    let (s, def) = get_json(app, "/services/0102.json").await;
    assert_eq!(s, 200, "{def}");
    assert_eq!(def["service_code"], "0102");
    let attrs = def["attributes"].as_array().expect("attributes");
    let codes: Vec<&str> = attrs.iter().map(|a| a["code"].as_str().unwrap()).collect();
    assert_eq!(codes, vec!["kind", "subtopic", "detail"]);
    assert_eq!(attrs[1]["datatype"], "singlevaluelist");
    assert!(
        attrs[1]["values"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["key"] == "010212"),
        "{def}"
    );
    assert_eq!(attrs[2]["datatype"], "text");
    assert_eq!(attrs[2]["order"], 3);
    let (s, x) = get_xml(app, "/services/0102.xml").await;
    assert_eq!(s, 200);
    assert_eq!(x.name, "service_definition");
    let a = x.child("attributes").all("attribute");
    assert_eq!(a.len(), 3);
    assert_eq!(a[0].child("code").text, "kind");
    assert!(a[1].child("values").all("value").len() > 5);
    assert_eq!(
        a[1].child("values").all("value")[0].names(),
        vec!["key", "name"]
    );

    // 404s: unknown service (both formats), unknown suffix, unknown jurisdiction, token.
    let (s, e) = get_json(app, "/services/9999.json").await;
    assert_json_error(s, &e, 404);
    let (s, e) = get_xml(app, "/services/01.xml").await;
    assert_xml_error(s, &e, 404);
    let (s, e) = get_json(app, "/services.csv").await;
    assert_json_error(s, &e, 404);
    let (s, e) = get_json(app, "/nothing.json").await;
    assert_json_error(s, &e, 404);
    let (s, e) = get_json(app, "/services.json?jurisdiction_id=sfgov.org").await;
    assert_json_error(s, &e, 404);
    let (s, e) = get_xml(app, "/tokens/abc.xml").await;
    assert_xml_error(s, &e, 404);
    let (s, e) = get_json(app, "/requests/2000-0101-000001.json").await;
    assert_json_error(s, &e, 404);
}
both!(discovery_and_services);

async fn api_keys_are_checked(app: &TestApp) {
    // Only administrators issue keys.
    let intake = app.login("hotline.linjiang").await;
    let (s, _) = app
        .post(
            "/api/v1/admin/open311/clients",
            Some(&intake),
            &json!({"name": "x"}),
        )
        .await;
    assert_eq!(s, 403);
    let key = api_key(app).await;
    let admin = app.login("admin").await;
    let (s, clients) = app.get("/api/v1/admin/open311/clients", Some(&admin)).await;
    assert_eq!(s, 200);
    assert_eq!(clients[0]["name"], "随手拍 App");
    assert!(clients[0].get("api_key").is_none(), "keys are shown once");

    let valid = [
        ("service_code", "0102"),
        ("address_id", "990102001001"),
        ("description", "路灯不亮"),
    ];
    let before = app.case_count().await;
    let (s, b) = post_form(app, "/requests.json", &valid).await;
    assert_json_error(s, &serde_json::from_str(&b).unwrap(), 403);
    let mut bad = valid.to_vec();
    bad.push(("api_key", "o311_wrong"));
    let (s, b) = post_form(app, "/requests.xml", &bad).await;
    assert_xml_error(s, &parse_xml(&b), 403);
    assert_eq!(app.case_count().await, before, "nothing registered");

    // 400 and 404 on POST.
    let with_key = |drop: &str, extra: &[(&'static str, &'static str)]| {
        let mut f: Vec<(&str, &str)> = valid.iter().copied().filter(|(k, _)| *k != drop).collect();
        f.extend_from_slice(extra);
        f
    };
    for (form, code) in [
        (with_key("service_code", &[]), 400),
        (with_key("service_code", &[("service_code", "9999")]), 404),
        (with_key("address_id", &[]), 400),
        (with_key("description", &[]), 400),
        (with_key("address_id", &[("lat", "30.1")]), 400),
        (with_key("", &[("jurisdiction_id", "nowhere")]), 404),
        (with_key("", &[("attribute[kind]", "appeal")]), 400),
        (
            with_key("", &[("first_name", "雷"), ("last_name", "李")]),
            400,
        ),
    ] {
        let mut form = form.clone();
        form.push(("api_key", key.as_str()));
        let (s, b) = post_form(app, "/requests.json", &form).await;
        assert_json_error(s, &serde_json::from_str(&b).unwrap(), code);
    }
    assert_eq!(app.case_count().await, before);
}
both!(api_keys_are_checked);

/// Posts a request; returns its service_request_id.
async fn submit(app: &TestApp, key: &str, extra: &[(&str, &str)]) -> String {
    let mut form = vec![("api_key", key)];
    form.extend_from_slice(extra);
    let (s, b) = post_form(app, "/requests.json", &form).await;
    assert_eq!(s, 200, "{b}");
    let v: Value = serde_json::from_str(&b).expect("json");
    let items = v.as_array().expect("array");
    assert_eq!(items.len(), 1);
    assert!(items[0].get("token").is_none(), "never both id and token");
    items[0]["service_request_id"]
        .as_str()
        .expect("id")
        .to_string()
}

async fn a_request_becomes_a_hotline_case(app: &TestApp) {
    let key = api_key(app).await;
    let id = submit(
        app,
        &key,
        &[
            ("service_code", "0102"),
            ("attribute[subtopic]", "010204"),
            ("attribute[kind]", "complaint"),
            ("attribute[detail]", "已经坏了一周"),
            ("lat", "30.27"),
            ("long", "120.15"),
            ("address_string", "临江市东湖区翠湖社区翠湖苑北门"),
            ("first_name", "雷"),
            ("last_name", "李"),
            ("phone", "13812345678"),
            ("email", "lilei@example.com"),
            ("account_id", "u-42"),
            ("description", "北门路灯不亮，请回电13812345678"),
        ],
    )
    .await;
    let case = app
        .state
        .store
        .get_case_by_number(&id)
        .await
        .expect("store")
        .expect("the case exists");
    assert_eq!(case.channel.as_str(), "open311");
    assert_eq!(case.flow.as_str(), "hotline");
    assert_eq!(case.kind.as_str(), "complaint");
    assert_eq!(case.topic, "010204");
    assert_eq!(case.office_unit, "990100-12345", "the city hotline centre");
    assert_eq!(case.location.lat, Some(30.27));
    assert!(case.facts_reasons.contains("已经坏了一周"));
    let events = app.state.store.events(case.id).await.expect("events");
    assert!(
        events[0].actor.name.contains("随手拍 App"),
        "{:?}",
        events[0].actor
    );

    // Staff see it like any other work order.
    let operator = app.login("hotline.linjiang").await;
    let (s, v) = app
        .get(&format!("/api/v1/cases/{}", case.id), Some(&operator))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["channel"], "open311");

    let (s, list) = get_json(app, &format!("/requests/{id}.json")).await;
    assert_eq!(s, 200, "{list}");
    let r = &list.as_array().expect("wrapped in a list")[0];
    assert_eq!(r["service_request_id"], id.as_str());
    assert_eq!(r["status"], "open");
    assert_eq!(r["status_notes"], "已登记 / Registered");
    assert_eq!(r["service_code"], "0102");
    assert_eq!(r["service_name"], "城市建设和市政管理");
    assert_eq!(r["agency_responsible"], "临江市12345政务服务便民热线");
    assert_eq!(r["address_id"], "990102001001");
    assert_eq!(r["lat"], 30.27);
    assert_eq!(r["long"], 120.15);
    assert_eq!(r["media_url"], "");
    assert!(r["expected_datetime"].is_string(), "{r}");
    assert!(
        r["requested_datetime"]
            .as_str()
            .is_some_and(|t| t.ends_with("+08:00")),
        "{r}"
    );
    assert_eq!(r["notes"][0]["type"], "registered");
    let text = list.to_string();
    for secret in ["李雷", "13812345678", "lilei@example.com", "u-42"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }

    let (s, x) = get_xml(app, &format!("/requests/{id}.xml")).await;
    assert_eq!(s, 200);
    assert_eq!(x.name, "service_requests");
    let req = x.child("request");
    assert_eq!(req.child("service_request_id").text, id);
    assert_eq!(req.child("status").text, "open");
    assert_eq!(
        req.child("notes").child("note").child("type").text,
        "registered"
    );
    for field in [
        "status_notes",
        "service_name",
        "service_code",
        "description",
        "agency_responsible",
        "service_notice",
        "requested_datetime",
        "updated_datetime",
        "expected_datetime",
        "address",
        "lat",
        "long",
        "media_url",
    ] {
        req.child(field);
    }

    // XML POST answers in XML; an anonymous request without a kind is a report.
    let (s, b) = post_form(
        app,
        "/requests.xml",
        &[
            ("api_key", &key),
            ("service_code", "0101"),
            ("address_string", "东湖区"),
            ("description", "工地夜间施工噪音"),
        ],
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let x = parse_xml(&b);
    assert_eq!(x.name, "service_requests");
    let anon = x.child("request").child("service_request_id").text.clone();
    let c = app
        .state
        .store
        .get_case_by_number(&anon)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.kind.as_str(), "report");
    assert!(c.petitioner.anonymous);
    assert_eq!(c.location.region, "990102");
}
both!(a_request_becomes_a_hotline_case);

async fn filters_and_pages(app: &TestApp) {
    let key = api_key(app).await;
    let place = ("address_id", "990102001001");
    let a = submit(
        app,
        &key,
        &[("service_code", "0101"), place, ("description", "一号")],
    )
    .await;
    let b = submit(
        app,
        &key,
        &[("service_code", "0102"), place, ("description", "二号")],
    )
    .await;
    let c = submit(
        app,
        &key,
        &[("service_code", "0102"), place, ("description", "三号")],
    )
    .await;
    // Cases from other channels never appear.
    app.register(
        "intake.donghu",
        &crate::harness::new_case("appeal", "visit", "13900001111"),
    )
    .await;

    // Close c: the operator hands it to 110.
    let operator = app.login("hotline.linjiang").await;
    let cid = app
        .state
        .store
        .get_case_by_number(&c)
        .await
        .unwrap()
        .unwrap()
        .id
        .to_string();
    app.ok(
        &operator,
        &cid,
        json!({"command": "emergency_transfer", "service": "110", "note": "转110"}),
    )
    .await;

    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("array")
            .iter()
            .map(|r| r["service_request_id"].as_str().unwrap().to_string())
            .collect()
    };
    let (s, all) = get_json(app, "/requests.json").await;
    assert_eq!(s, 200, "{all}");
    assert_eq!(
        ids(&all),
        vec![c.clone(), b.clone(), a.clone()],
        "newest first"
    );

    let (_, v) = get_json(app, "/requests.json?service_code=0102").await;
    assert_eq!(ids(&v), vec![c.clone(), b.clone()]);
    let (_, v) = get_json(app, "/requests.json?service_code=0101,0102&status=open").await;
    assert_eq!(ids(&v), vec![b.clone(), a.clone()]);
    let (_, v) = get_json(app, "/requests.json?status=closed").await;
    assert_eq!(ids(&v), vec![c.clone()]);
    assert_eq!(v[0]["status"], "closed");
    assert!(v[0]["expected_datetime"].is_null(), "{v}");
    let (_, v) = get_json(app, "/requests.json?status=open,closed&service_code=").await;
    assert_eq!(ids(&v).len(), 3, "empty arguments are absent ones");

    let (_, v) = get_json(app, "/requests.json?jurisdiction_id=990102").await;
    assert_eq!(ids(&v).len(), 3);
    let (_, v) = get_json(app, "/requests.json?jurisdiction_id=990200").await;
    assert_eq!(ids(&v), Vec::<String>::new(), "another city");

    // The id list overrides every other argument, including an old date window.
    let (_, v) = get_json(
        app,
        &format!(
            "/requests.json?service_request_id={a},{c}&service_code=0102&status=open&start_date=2001-01-01T00:00:00Z&end_date=2001-01-02T00:00:00Z"
        ),
    )
    .await;
    assert_eq!(ids(&v), vec![c.clone(), a.clone()]);

    // Date windows.
    let (_, v) = get_json(
        app,
        "/requests.json?start_date=2020-01-01T00:00:00Z&end_date=2020-03-01T00:00:00%2B08:00",
    )
    .await;
    assert_eq!(ids(&v), Vec::<String>::new());
    let (s, e) = get_json(
        app,
        "/requests.json?start_date=2020-01-01T00:00:00Z&end_date=2020-06-01T00:00:00Z",
    )
    .await;
    assert_json_error(s, &e, 400);
    let (s, e) = get_xml(app, "/requests.xml?start_date=2020-01-01").await;
    assert_xml_error(s, &e, 400);
    let (s, e) = get_json(app, "/requests.json?status=pending").await;
    assert_json_error(s, &e, 400);
    let (s, e) = get_json(app, "/requests.json?service_code=9999").await;
    assert_json_error(s, &e, 404);

    // page / page_size.
    let (_, p1) = get_json(app, "/requests.json?page_size=2").await;
    let (_, p2) = get_json(app, "/requests.json?page_size=2&page=2").await;
    assert_eq!(ids(&p1), vec![c.clone(), b.clone()]);
    assert_eq!(ids(&p2), vec![a.clone()]);
    let (s, e) = get_json(app, "/requests.json?page=0").await;
    assert_json_error(s, &e, 400);
    let (s, e) = get_json(app, "/requests.json?page_size=1001").await;
    assert_json_error(s, &e, 400);

    let (s, x) = get_xml(app, "/requests.xml?page_size=2&page=2").await;
    assert_eq!(s, 200);
    assert_eq!(x.all("request").len(), 1);
}
both!(filters_and_pages);
