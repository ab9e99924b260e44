//! Grids and grid workers: a matter lands in the grid whose cells hold its coordinates (not the
//! neighbour's) or whose address keyword it mentions; a grid worker sees their grid's matters
//! only; a site visit stores its photos (bad type or size refused, nothing stored); resolving
//! on the spot counts in 就地化解率; escalating puts the matter in the township's queue.

use crate::both;
use crate::harness::{TestApp, assert_error, new_case};
use serde_json::{Value, json};

/// 翠湖社区 and its neighbour 柳岸社区, about 1.5 km apart: one ring of resolution-9 cells each.
const CUIHU: (f64, f64) = (30.5000, 114.3000);
const LIUAN: (f64, f64) = (30.5000, 114.3160);

async fn grids(app: &TestApp) -> String {
    let admin = app.login("admin").await;
    for (id, name, region, (lat, lng), kw) in [
        (
            "cuihu-01",
            "翠湖社区第一网格",
            "990102001001",
            CUIHU,
            "翠湖苑",
        ),
        (
            "liuan-01",
            "柳岸社区第一网格",
            "990102001002",
            LIUAN,
            "柳岸花园",
        ),
    ] {
        let (s, b) = app
            .post(
                "/api/v1/admin/grids",
                Some(&admin),
                &json!({"id": id, "name": name, "region": region,
                        "center": {"lat": lat, "lng": lng}, "rings": 1, "keywords": [kw]}),
            )
            .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["h3_resolution"], 9, "the configured resolution");
        assert_eq!(b["h3_cells"].as_array().map(Vec::len), Some(7), "{b}");
    }
    // A second worker for the neighbour grid.
    let (s, b) = app
        .post(
            "/api/v1/admin/users",
            Some(&admin),
            &json!({"username": "grid.liuan", "display_name": "柳岸社区网格员",
                    "password": minsheng_server::demo::DEMO_PASSWORD, "role": "grid_worker"}),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    for (grid, user) in [("cuihu-01", "grid.cuihu"), ("liuan-01", "grid.liuan")] {
        let (s, b) = app
            .post(
                &format!("/api/v1/admin/grids/{grid}/workers"),
                Some(&admin),
                &json!({"usernames": [user]}),
            )
            .await;
        assert_eq!(s, 204, "{b}");
    }
    admin
}

/// Registers a matter at (lat, lng) (or without coordinates) with an address; returns the view.
async fn matter(app: &TestApp, at: Option<(f64, f64)>, region: &str, address: &str) -> Value {
    let mut body = new_case("appeal", "visit", "13812345678");
    body["location"] = json!({"region": region, "address": address});
    if let Some((lat, lng)) = at {
        body["location"]["lat"] = json!(lat);
        body["location"]["lng"] = json!(lng);
    }
    app.register("intake.donghu", &body).await.2
}

async fn a_case_lands_in_its_grid(app: &TestApp) {
    grids(app).await;
    // Coordinates inside 柳岸 place it there, even though the address names 翠湖苑.
    let by_point = matter(
        app,
        Some((LIUAN.0 + 0.0005, LIUAN.1 + 0.0004)),
        "990102001002",
        "翠湖苑对面的路口",
    )
    .await;
    assert_eq!(by_point["grid"], "liuan-01", "{by_point}");
    let inside_cuihu = matter(app, Some(CUIHU), "990102001001", "无名路").await;
    assert_eq!(inside_cuihu["grid"], "cuihu-01");
    // No coordinates: the address keyword decides.
    let by_address = matter(app, None, "990102001002", "柳岸社区柳岸花园5栋").await;
    assert_eq!(by_address["grid"], "liuan-01");
    // Neither: no grid.
    let nowhere = matter(app, Some((30.60, 114.50)), "990102001001", "某路").await;
    assert!(nowhere["grid"].is_null(), "{nowhere}");

    // The placement is an event of the case, with its basis.
    let t = app.login("coord.donghu").await;
    let id = by_address["id"].as_str().unwrap();
    let (_, events) = app
        .get(&format!("/api/v1/cases/{id}/events"), Some(&t))
        .await;
    let placed = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "grid_assigned")
        .unwrap_or_else(|| panic!("{events}"));
    assert_eq!(placed["event"]["grid"], "liuan-01");
    assert_eq!(placed["event"]["basis"], "address");

    // Bad grids are refused and nothing is stored.
    let admin = app.login("admin").await;
    for (bad, code) in [
        (
            json!({"id": "x", "name": "重叠网格", "region": "990102001001", "center": {"lat": CUIHU.0, "lng": CUIHU.1}, "rings": 0}),
            "grid_overlap",
        ),
        (
            json!({"id": "y", "name": "街道网格", "region": "990102001", "center": {"lat": 31.0, "lng": 114.0}}),
            "grid_region_level",
        ),
        (
            json!({"id": "z", "name": "坏单元", "region": "990102001001", "h3_cells": ["not-a-cell"]}),
            "invalid_field",
        ),
        (
            json!({"id": "w", "name": "无范围", "region": "990102001001"}),
            "grid_area",
        ),
        (
            json!({"id": "v", "name": "坐标越界", "region": "990102001001", "center": {"lat": 95.0, "lng": 0.0}}),
            "invalid_field",
        ),
    ] {
        let r = app.post("/api/v1/admin/grids", Some(&admin), &bad).await;
        assert_eq!(r.1["code"], code, "{bad} → {r:?}");
        assert!((400..500).contains(&r.0));
    }
    let (_, list) = app.get("/api/v1/admin/grids", Some(&admin)).await;
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");
    assert_eq!(list[0]["workers"], json!(["grid.cuihu"]));
}
both!(a_case_lands_in_its_grid);

async fn grid_worker_sees_only_their_grid(app: &TestApp) {
    grids(app).await;
    let mine = matter(app, Some(CUIHU), "990102001001", "翠湖苑3栋").await;
    let theirs = matter(app, Some(LIUAN), "990102001002", "柳岸花园1栋").await;
    let mut acc = new_case("accusation", "letter", "13812345679");
    acc["location"]["address"] = json!("翠湖苑9栋");
    acc["accused_unit"] = json!("990102-zjj");
    let accusation = app.register("intake.donghu", &acc).await.2;
    assert_eq!(accusation["grid"], "cuihu-01", "accusations are placed too");

    let c = app.web_client(Some("grid.cuihu")).await;
    let r = c.get(format!("{}/staff", app.base)).send().await.unwrap();
    assert_eq!(r.headers()["location"], "/staff/grid");
    let (s, html) = app.page(&c, "/staff/grid").await;
    assert_eq!(s, 200);
    assert!(
        html.contains(mine["number"].as_str().unwrap()),
        "my grid's matter"
    );
    assert!(
        !html.contains(theirs["number"].as_str().unwrap()),
        "not the neighbour's"
    );
    assert!(
        !html.contains(accusation["number"].as_str().unwrap()),
        "never an accusation"
    );
    assert!(html.contains("张*"), "the masked name only");
    assert!(!html.contains("张三丰") && !html.contains("13812345678"));
    assert!(html.contains("翠湖社区第一网格"));

    let (s, html) = app
        .page(
            &c,
            &format!("/staff/grid/cases/{}", mine["number"].as_str().unwrap()),
        )
        .await;
    assert_eq!(s, 200);
    assert!(
        html.contains("action-visit")
            && html.contains("action-resolve")
            && html.contains("action-escalate")
    );
    assert!(!html.contains("13812345678") && !html.contains("11010519491231002X"));
    for other in [&theirs, &accusation] {
        let (s, _) = app
            .page(
                &c,
                &format!("/staff/grid/cases/{}", other["number"].as_str().unwrap()),
            )
            .await;
        assert_eq!(s, 404);
    }
    // The staff case pages and the case API stay closed to a grid worker.
    let (s, _) = app
        .page(
            &c,
            &format!("/staff/cases/{}", mine["number"].as_str().unwrap()),
        )
        .await;
    assert!(matches!(s, 403 | 404), "{s}");
    let t = app.login("grid.cuihu").await;
    let (s, _) = app.get("/api/v1/cases", Some(&t)).await;
    assert_eq!(s, 403);
    // Other staff do not reach the grid pages.
    let coord = app.web_client(Some("coord.donghu")).await;
    let (s, _) = app.page(&coord, "/staff/grid").await;
    assert_eq!(s, 403);
}
both!(grid_worker_sees_only_their_grid);

const BOUNDARY: &str = "----minsheng-test-boundary";

fn multipart(notes: &str, photos: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"notes\"\r\n\r\n{notes}\r\n"
        )
        .as_bytes(),
    );
    for (name, ctype, bytes) in photos {
        b.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"{name}\"\r\nContent-Type: {ctype}\r\n\r\n"
            )
            .as_bytes(),
        );
        b.extend_from_slice(bytes);
        b.extend_from_slice(b"\r\n");
    }
    b.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    b
}

fn jpeg(len: usize) -> Vec<u8> {
    let mut v = vec![0xFF, 0xD8, 0xFF, 0xE0];
    v.resize(len, 0x42);
    v
}

fn photo_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.dir.join("grid-photos"))
        .map(|d| d.count())
        .unwrap_or(0)
}

async fn case_version(app: &TestApp, id: &str) -> Value {
    let t = app.login("coord.donghu").await;
    app.get(&format!("/api/v1/cases/{id}"), Some(&t)).await.1["version"].clone()
}

async fn visit_with_photos(app: &TestApp) {
    grids(app).await;
    let case = matter(app, Some(CUIHU), "990102001001", "翠湖苑3栋").await;
    let number = case["number"].as_str().unwrap();
    let id = case["id"].as_str().unwrap();
    let c = app.web_client(Some("grid.cuihu")).await;
    let post = |body: Vec<u8>| {
        let c = c.clone();
        let url = format!("{}/staff/grid/cases/{number}/visit", app.base);
        async move {
            let r = c
                .post(url)
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .body(body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let v0 = case_version(app, id).await;
    // Refused: not an image (whatever it claims), an image of the wrong declared type, too big.
    for (bad, code) in [
        (
            multipart(
                "现场查看",
                &[("a.jpg", "image/jpeg", b"<svg onload=alert(1)>")],
            ),
            "photo_type",
        ),
        (
            multipart("现场查看", &[("a.gif", "image/gif", b"GIF89a......")]),
            "photo_type",
        ),
        (
            multipart("现场查看", &[("a.png", "image/png", &jpeg(100))]),
            "photo_type",
        ),
        (
            multipart(
                "现场查看",
                &[
                    ("ok.jpg", "image/jpeg", &jpeg(100)),
                    ("big.jpg", "image/jpeg", &jpeg(8 * 1024 * 1024 + 1)),
                ],
            ),
            "photo_too_large",
        ),
        (
            multipart("", &[("ok.jpg", "image/jpeg", &jpeg(100))]),
            "invalid_field",
        ),
    ] {
        let (s, html) = post(bad).await;
        assert!((400..500).contains(&s), "{code}: {s}");
        assert!(html.contains("grid-error"), "{code}: the page says why");
        assert_eq!(
            app.state
                .store
                .photo_count(uuid::Uuid::parse_str(id).unwrap())
                .await
                .unwrap(),
            0,
            "{code}"
        );
        assert_eq!(photo_files(app), 0, "{code}: no file left behind");
    }
    assert_eq!(case_version(app, id).await, v0, "nothing recorded");

    let (s, html) = post(multipart(
        "现场查看<b>电梯</b>停运，已联系物业",
        &[
            ("1.jpg", "image/jpeg", &jpeg(2048)),
            ("2.png", "image/png", b"\x89PNG\r\n\x1a\nrest-of-png"),
        ],
    ))
    .await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("走访已记录"));
    assert!(!html.contains("<b>电梯</b>"), "notes escaped");
    assert_eq!(photo_files(app), 2);
    let srcs: Vec<String> = html
        .match_indices("src=\"/staff/grid/photos/")
        .map(|(i, _)| html[i + 5..].split('"').next().unwrap().to_string())
        .collect();
    assert_eq!(srcs.len(), 2, "{html}");
    // Served to the worker and to staff who may see the case; not to others, not anonymously.
    let r = c
        .get(format!("{}{}", app.base, srcs[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().len(), 2048);
    let coord = app.web_client(Some("coord.donghu")).await;
    assert_eq!(
        coord
            .get(format!("{}{}", app.base, srcs[1]))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    for who in [Some("handler.xicheng.zjj"), Some("grid.liuan")] {
        let other = app.web_client(who).await;
        let s = other
            .get(format!("{}{}", app.base, srcs[0]))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(s, 404, "{who:?}");
    }
    let anon = app.web_client(None).await;
    let s = anon
        .get(format!("{}{}", app.base, srcs[0]))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(s, 303, "to the sign-in page");
    let t = app.login("coord.donghu").await;
    let (_, events) = app
        .get(&format!("/api/v1/cases/{id}/events"), Some(&t))
        .await;
    let visit = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "site_visited")
        .unwrap();
    assert_eq!(visit["event"]["photos"].as_array().map(Vec::len), Some(2));
}
both!(visit_with_photos);

async fn resolve_and_escalate(app: &TestApp) {
    grids(app).await;
    let a = matter(app, Some(CUIHU), "990102001001", "翠湖苑3栋").await;
    let b = matter(app, Some(CUIHU), "990102001001", "翠湖苑4栋").await;
    let _c = matter(app, None, "990102001001", "翠湖苑5栋").await;
    let c = app.web_client(Some("grid.cuihu")).await;
    let form = |path: String, fields: Vec<(&'static str, &'static str)>| {
        let c = c.clone();
        async move {
            let r = c
                .post(format!("{}{path}", app.base))
                .form(&fields)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let an = a["number"].as_str().unwrap();
    let (s, _) = form(
        format!("/staff/grid/cases/{an}/resolve"),
        vec![("note", "")],
    )
    .await;
    assert_eq!(s, 422, "a note is required");
    let (s, html) = form(
        format!("/staff/grid/cases/{an}/resolve"),
        vec![("note", "当场协调物业修复电梯，群众满意")],
    )
    .await;
    assert_eq!(s, 200, "{html}");
    let t = app.login("coord.donghu").await;
    let (_, view) = app
        .get(
            &format!("/api/v1/cases/{}", a["id"].as_str().unwrap()),
            Some(&t),
        )
        .await;
    assert_eq!(view["status"], "closed", "{view}");
    // Once resolved, neither again nor escalation.
    let (s, _) = form(
        format!("/staff/grid/cases/{an}/escalate"),
        vec![("reason", "需要街道协调")],
    )
    .await;
    assert_eq!(s, 409);

    let bn = b["number"].as_str().unwrap();
    let (s, html) = form(
        format!("/staff/grid/cases/{bn}/escalate"),
        vec![("reason", "涉及多个部门，网格无法化解")],
    )
    .await;
    assert_eq!(s, 200, "{html}");
    let (_, view) = app
        .get(
            &format!("/api/v1/cases/{}", b["id"].as_str().unwrap()),
            Some(&t),
        )
        .await;
    assert_eq!(view["current_unit"]["id"], "990102001-gov");
    assert_eq!(view["status"], "awaiting_acceptance");
    // In the township's queue.
    let sup = app.login("supervisor").await;
    let (_, list) = app
        .get("/api/v1/cases?unit=990102001-gov", Some(&sup))
        .await;
    let numbers: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["number"].as_str())
        .collect();
    assert_eq!(numbers, vec![bn]);

    // 就地化解率: 1 of the 3 matters in the grid, none in the neighbour.
    for who in ["analyst", "grid.cuihu"] {
        let tok = app.login(who).await;
        let (s, r) = app.get("/api/v1/grids/rates", Some(&tok)).await;
        assert_eq!(s, 200, "{who}: {r}");
        let row = r["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["grid_id"] == "cuihu-01")
            .cloned()
            .unwrap();
        assert_eq!(
            (row["matters"].as_i64(), row["resolved_on_spot"].as_i64()),
            (Some(3), Some(1)),
            "{r}"
        );
        assert_eq!(row["rate_percent"], 33.3);
        let liuan = r["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["grid_id"] == "liuan-01");
        assert_eq!(
            liuan,
            who == "analyst",
            "a grid worker sees only their grids"
        );
    }
    let (s, html) = app.page(&c, "/staff/grid/report").await;
    assert_eq!(s, 200);
    assert!(html.contains("33.3%"), "the data table");
    let tok = app.login("intake.donghu").await;
    assert_error(
        &app.get("/api/v1/grids/rates", Some(&tok)).await,
        403,
        "forbidden",
    );
    let tok = app.login("analyst").await;
    assert_error(
        &app.get("/api/v1/grids/rates?from=2026-13-01", Some(&tok))
            .await,
        400,
        "invalid_date",
    );
}
both!(resolve_and_escalate);

async fn admin_draws_grids_on_the_web(app: &TestApp) {
    let c = app.web_client(Some("admin")).await;
    let post = |fields: Vec<(&'static str, &'static str)>, path: &'static str| {
        let c = c.clone();
        async move {
            let r = c
                .post(format!("{}{path}", app.base))
                .form(&fields)
                .send()
                .await
                .unwrap();
            let s = r.status().as_u16();
            (s, r.text().await.unwrap())
        }
    };
    let (s, _) = post(
        vec![
            ("id", "cuihu-02"),
            ("name", "翠湖社区第二网格"),
            ("region", "990102001001"),
            ("lat", "30.6"),
            ("lng", "114.4"),
            ("rings", "1"),
            ("keywords", "翠湖苑，湖滨路"),
        ],
        "/staff/admin/grids",
    )
    .await;
    assert_eq!(s, 303);
    let (s, _) = post(
        vec![("grid", "cuihu-02"), ("usernames", "grid.cuihu")],
        "/staff/admin/grids/workers",
    )
    .await;
    assert_eq!(s, 303);
    let (s, html) = app.page(&c, "/staff/admin/grids").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("翠湖社区第二网格")
            && html.contains("翠湖苑、湖滨路")
            && html.contains("grid.cuihu"),
        "{html}"
    );
    for (fields, path, code) in [
        (
            vec![
                ("id", "x-1"),
                ("name", "坏网格"),
                ("region", "990102001001"),
                ("lat", "abc"),
                ("lng", "1"),
            ],
            "/staff/admin/grids",
            400,
        ),
        (
            vec![
                ("id", "x-2"),
                ("name", "坏网格"),
                ("region", "990102001001"),
                ("lat", "30.6"),
                ("lng", "114.4"),
                ("rings", "0"),
            ],
            "/staff/admin/grids",
            400,
        ),
        (
            vec![("grid", "cuihu-02"), ("usernames", "coord.donghu")],
            "/staff/admin/grids/workers",
            400,
        ),
    ] {
        let (s, html) = post(fields, path).await;
        assert_eq!(s, code, "{html}");
        assert!(html.contains("grid-admin-error"));
    }
    let admin = app.login("admin").await;
    let (_, list) = app.get("/api/v1/admin/grids", Some(&admin)).await;
    assert_eq!(
        list.as_array().map(Vec::len),
        Some(1),
        "only the good grid: {list}"
    );
    assert_eq!(list[0]["workers"], json!(["grid.cuihu"]));
    // The grid is used at once.
    let case = matter(app, Some((30.6, 114.4)), "990102001001", "某路").await;
    assert_eq!(case["grid"], "cuihu-02");
}
both!(admin_draws_grids_on_the_web);

/// A real 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x64, 0x60, 0xf8, 0x5f,
    0x0f, 0x00, 0x02, 0x87, 0x01, 0x80, 0xeb, 0x47, 0xba, 0x92, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// The grid worker's pages on a 375 px phone: sign in, the list, a matter, a visit with a photo
/// chosen in the file input (sent as a browser sends a multipart form, token in the body),
/// then resolving it on the spot; no page scrolls sideways.
async fn grid_pages_on_a_phone(app: &TestApp) {
    grids(app).await;
    let case = matter(app, Some(CUIHU), "990102001001", "翠湖苑3栋").await;
    let number = case["number"].as_str().unwrap().to_string();
    let photo = app.dir.join("site.png");
    std::fs::write(&photo, PNG).unwrap();
    let b = crate::browser::Browser::start(app, "grid").await;
    b.c.set_window_size(375, 800).await.expect("resize");
    b.sign_in("grid.cuihu").await;
    b.goto("/staff/grid").await;
    b.find("#grid-cases").await;
    assert!(b.fits_narrow_screen().await, "the list fits 375 px");
    b.submit(&format!("a[href='/staff/grid/cases/{number}']"))
        .await;
    b.find("#action-visit").await;
    assert!(b.fits_narrow_screen().await, "the matter fits 375 px");
    b.fill("#visit-notes", "现场查看，电梯停运属实").await;
    b.find("#visit-photo")
        .await
        .send_keys(photo.to_str().unwrap())
        .await
        .expect("choose the photo");
    b.submit("#action-visit button[type=submit]").await;
    assert!(b.text("#grid-notice").await.contains("走访已记录"));
    // Thumbnails load lazily: bring the first into view and wait for it.
    b.js("document.querySelector('#visits img.thumb').scrollIntoView(); return true;")
        .await;
    let mut loaded = Value::Bool(false);
    for _ in 0..100 {
        loaded = b
            .js("const i = document.querySelector('#visits img.thumb'); return !!i && i.complete && i.naturalWidth === 1;")
            .await;
        if loaded == Value::Bool(true) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        loaded,
        Value::Bool(true),
        "the photo is shown from its protected URL"
    );
    assert!(b.fits_narrow_screen().await);
    b.click("#action-resolve summary").await;
    b.fill("#resolve-note", "协调物业当场修复").await;
    b.submit("#action-resolve button[type=submit]").await;
    assert_eq!(b.text("#grid-status").await, "已办结");
    assert!(b.fits_narrow_screen().await);
    b.shot("grid-375").await;
    b.close().await;
}
both!(grid_pages_on_a_phone);
