//! Dashboards, exports, the annual report and the public transparency page: the numbers shown
//! equal the store's, downloads open with the expected typed cells, roles see what they may,
//! and the public page never shows personal data.

use crate::harness::{TestApp, new_case};
use chrono::{Datelike, Utc};
use minsheng_core::kpi::{Grain, Metric, Scope};
use serde_json::json;

// The KPI projection is kept by the store's writer as events commit; the dashboard reads it.
// Before reading, the tests check the writer did fill it, so a dashboard test also fails when
// the write path stops counting.

pub async fn assert_kpi_kept(app: &TestApp) {
    let n = app
        .query_text("SELECT CAST(COUNT(*) AS TEXT) FROM kpi_cells")
        .await;
    assert_ne!(
        n.first().map(String::as_str),
        Some("0"),
        "the writer keeps kpi_cells for the cases registered"
    );
}

// ---- Helpers ---------------------------------------------------------------------------------

async fn get_bytes(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
) -> (u16, String, String, Vec<u8>) {
    let r = c
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .expect("get");
    let s = r.status().as_u16();
    let h = |k: &str| {
        r.headers()
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (ct, cd) = (h("content-type"), h("content-disposition"));
    (s, ct, cd, r.bytes().await.expect("body").to_vec())
}

fn year() -> i32 {
    minsheng_core::deadline::local_date(Utc::now()).year()
}

/// A CSV download as rows of fields (BOM checked and removed).
fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    assert!(
        bytes.starts_with("\u{feff}".as_bytes()),
        "CSV starts with a BOM"
    );
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[3..]);
    r.records()
        .map(|rec| rec.expect("csv row").iter().map(str::to_string).collect())
        .collect()
}

/// Registers `n` cases at the Donghu office; the first is assigned to the Donghu housing bureau.
async fn some_cases(app: &TestApp, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let channel = if i % 2 == 0 { "visit" } else { "letter" };
        let (id, _, _) = app
            .register(
                "intake.donghu",
                &new_case("appeal", channel, &format!("1380000{:04}", 3000 + i)),
            )
            .await;
        ids.push(id);
    }
    app.assign_to_housing(&ids[0]).await;
    ids
}

/// Takes a registered case to "answered" (assigned, accepted, opinion issued).
async fn answer(app: &TestApp, id: &str) {
    app.answered_by_housing(id).await;
}

// ---- Tests -----------------------------------------------------------------------------------

/// The KPI table and deadline health on the dashboard are the store's numbers for the
/// viewer's scope: everything for a supervisor, the office's region for a coordinator.
async fn dashboard_numbers_equal_the_store(app: &TestApp) {
    some_cases(app, 3).await;
    assert_kpi_kept(app).await;
    let y = year().to_string();
    let basically = app
        .state
        .policy
        .national()
        .rating
        .basically_counts_as_satisfied;
    let home = app
        .state
        .directory()
        .unit("990102-xfj")
        .expect("Donghu office")
        .region
        .clone();
    // (user, KPI scope, cases in it, open cases the user may see)
    for (user, scope, cases, open) in [
        ("supervisor", Scope::All, 3, 3),
        ("coord.donghu", Scope::Region(home.clone()), 3, 3),
        ("handler.donghu.zjj", Scope::Unit("990102-zjj".into()), 1, 1),
    ] {
        let expected = app
            .state
            .store
            .kpi_counts(Grain::Year, &scope, &y, &y)
            .await
            .expect("kpi counts");
        assert_eq!(expected.cases, cases, "{user}: the cells hold the cases");
        let c = app.web_client(Some(user)).await;
        let (s, html) = app
            .page(&c, &format!("/staff/dashboard?period=year&year={y}"))
            .await;
        assert_eq!(s, 200, "{user}: {html}");
        assert!(
            html.contains(&format!("期间内登记的事项 {} 件", expected.cases)),
            "{user}: case count shown"
        );
        let unit = matches!(scope, Scope::Unit(_));
        for id in ["sec-deadlines", "sec-kpi"] {
            assert!(html.contains(id), "{user}: section {id}");
        }
        for id in ["sec-trend", "sec-topics", "sec-league"] {
            assert_eq!(html.contains(id), !unit, "{user}: section {id}");
        }
        let (s, _, _, body) = get_bytes(
            &c,
            app,
            &format!("/staff/dashboard?period=year&year={y}&table=kpi&format=csv"),
        )
        .await;
        assert_eq!(s, 200);
        let rows = csv_rows(&body);
        assert_eq!(rows.len(), 1 + Metric::ALL.len());
        for (m, row) in Metric::ALL.iter().zip(&rows[1..]) {
            let n = expected.count(*m);
            assert_eq!(row[0], m.zh(), "{user}");
            assert_eq!(
                row[1..5],
                [
                    n.hit.to_string(),
                    n.basically.to_string(),
                    n.miss.to_string(),
                    n.total().to_string()
                ],
                "{user}: {m:?}"
            );
            let rate = n.rate(basically);
            let shown = rate
                .value()
                .map(|v| format!("{:.1}%", v * 100.0))
                .unwrap_or_default();
            assert_eq!(row[5], shown, "{user}: {m:?} rate, never 0% without data");
        }
        // Deadline health: every case is still open.
        let (_, _, _, body) = get_bytes(
            &c,
            app,
            &format!("/staff/dashboard?period=year&year={y}&table=deadlines&format=csv"),
        )
        .await;
        let shown: u64 = csv_rows(&body)[1..]
            .iter()
            .map(|r| r[1].parse::<u64>().expect("number"))
            .sum();
        assert_eq!(shown, open, "{user}: open cases");
        if unit {
            continue;
        }
        // The intake trend counts the three cases (2 visits, 1 letter).
        let (_, _, _, body) = get_bytes(
            &c,
            app,
            &format!("/staff/dashboard?period=year&year={y}&table=trend&format=csv"),
        )
        .await;
        let rows = csv_rows(&body);
        let total: u64 = rows[1..]
            .iter()
            .map(|r| r.last().expect("total").parse::<u64>().expect("number"))
            .sum();
        assert_eq!(total, 3, "{user}: trend total {rows:?}");
        assert_eq!(rows.len(), 13, "{user}: twelve months, zeros included");
    }
    // A drill-down to a region with no cases shows no data, not zeros dressed as rates.
    let c = app.web_client(Some("supervisor")).await;
    let (s, html) = app
        .page(&c, "/staff/dashboard?period=year&region=990200")
        .await;
    assert_eq!(s, 200);
    assert!(html.contains("期间内登记的事项 0 件"));
    assert!(!html.contains("0.0%"), "no 0% for metrics without data");
}
crate::both!(dashboard_numbers_equal_the_store);

/// Downloads open with the expected cells: bilingual headers, numbers as numbers, rates as
/// fractions, times as Excel dates in China time.
async fn xlsx_opens_with_the_expected_cells(app: &TestApp) {
    use calamine::{Data, Reader, Xlsx};
    some_cases(app, 2).await;
    assert_kpi_kept(app).await;
    let c = app.web_client(Some("supervisor")).await;
    let y = year();
    let (s, ct, cd, body) = get_bytes(
        &c,
        app,
        &format!("/staff/dashboard?period=year&year={y}&table=kpi&format=xlsx"),
    )
    .await;
    assert_eq!(s, 200);
    assert!(ct.contains("spreadsheetml"), "{ct}");
    assert!(cd.contains(&format!("kpi-{y}.xlsx")), "{cd}");
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(body)).expect("xlsx");
    let sheet = book.worksheet_range_at(0).expect("sheet").expect("range");
    assert_eq!(
        sheet.get((0, 0)),
        Some(&Data::String("指标（Metric）".into()))
    );
    assert_eq!(
        sheet.get((0, 5)),
        Some(&Data::String("比率（Rate）".into()))
    );
    let counts = app
        .state
        .store
        .kpi_counts(Grain::Year, &Scope::All, &y.to_string(), &y.to_string())
        .await
        .expect("counts");
    for (i, m) in Metric::ALL.iter().enumerate() {
        let row = i + 1;
        let n = counts.count(*m);
        assert_eq!(
            sheet.get((row, 1)),
            Some(&Data::Float(n.hit as f64)),
            "{m:?}"
        );
        match n.rate(false).value() {
            Some(v) => assert_eq!(sheet.get((row, 5)), Some(&Data::Float(v)), "{m:?}"),
            None => assert!(
                matches!(sheet.get((row, 5)), None | Some(Data::Empty)),
                "{m:?}: no data is an empty cell, never 0"
            ),
        }
    }

    // The queue download: masked petitioner, China-time registration date.
    let (s, _, cd, body) = get_bytes(&c, app, "/staff?sort=newest&format=xlsx").await;
    assert_eq!(s, 200);
    assert!(cd.contains("queue.xlsx"), "{cd}");
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(body)).expect("xlsx");
    let sheet = book.worksheet_range_at(0).expect("sheet").expect("range");
    assert_eq!(
        sheet.get((0, 0)),
        Some(&Data::String("编号（Number）".into()))
    );
    assert_eq!(sheet.height(), 3, "header and two cases");
    let number = match sheet.get((1, 0)) {
        Some(Data::String(s)) => s.clone(),
        other => panic!("number cell {other:?}"),
    };
    let case = app
        .state
        .store
        .get_case_by_number(&number)
        .await
        .expect("read")
        .expect("case");
    assert_eq!(
        sheet.get((1, 9)),
        Some(&Data::String(case.petitioner.name_masked.clone()))
    );
    assert_ne!(case.petitioner.name_masked, "张三丰", "masked");
    let phone = match sheet.get((1, 10)) {
        Some(Data::String(s)) => s.clone(),
        other => panic!("phone cell {other:?}"),
    };
    assert!(phone.contains("****"), "phone masked: {phone}");
    let registered = match sheet.get((1, 11)) {
        Some(Data::DateTime(d)) => d.as_f64(),
        other => panic!("registered is a date cell: {other:?}"),
    };
    let local = case
        .registered_at
        .with_timezone(&minsheng_core::deadline::china())
        .naive_local();
    let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
        .expect("epoch")
        .and_hms_opt(0, 0, 0)
        .expect("midnight");
    let expected = (local - epoch).num_seconds() as f64 / 86_400.0;
    assert!(
        (registered - expected).abs() < 1.0 / 86_400.0 * 1.5,
        "China time {registered} vs {expected}"
    );
}
crate::both!(xlsx_opens_with_the_expected_cells);

/// CSV downloads: BOM, bilingual headers, masked data; bad parameters are 400s, not 500s.
async fn csv_downloads_and_bad_parameters(app: &TestApp) {
    some_cases(app, 2).await;
    let c = app.web_client(Some("coord.donghu")).await;
    let (s, ct, cd, body) = get_bytes(&c, app, "/staff?sort=newest&format=csv").await;
    assert_eq!(s, 200);
    assert!(ct.starts_with("text/csv"), "{ct}");
    assert!(cd.contains("queue.csv"));
    let rows = csv_rows(&body);
    assert_eq!(rows[0][0], "编号（Number）");
    assert_eq!(rows[0][9], "信访人（Petitioner）");
    assert_eq!(rows.len(), 3);
    let text = String::from_utf8(body).expect("utf-8");
    assert!(
        !text.contains("张三丰") && !text.contains("13800003000"),
        "masked"
    );
    assert_eq!(
        app.query_text("SELECT detail FROM audit_log WHERE action = 'export.queue'")
            .await,
        vec!["2 rows".to_string()],
        "the download is audited"
    );
    // Search results download with the same masking (once the index has caught up).
    app.state.text.flush();
    let (s, _, cd, body) =
        get_bytes(&c, app, "/staff/search?q=%E7%94%B5%E6%A2%AF&format=csv").await;
    assert_eq!(s, 200);
    assert!(cd.contains("search.csv"), "{cd}");
    let rows = csv_rows(&body);
    assert_eq!(rows.len(), 3, "both cases mention 电梯: {rows:?}");
    assert!(rows[1][10].contains("****"), "phone masked");
    let (s, _, _, _) = get_bytes(&c, app, "/staff/search?format=csv").await;
    assert!(
        s < 500,
        "an empty search download is not a server error: {s}"
    );
    for path in [
        "/staff/dashboard?period=week",
        "/staff/dashboard?period=month&month=2026-13",
        "/staff/dashboard?period=range&from=2026-03-01&to=2026-01-01",
        "/staff/dashboard?metric=nope",
        "/staff/dashboard?rank=people",
        "/staff/dashboard?format=pdf&table=kpi",
        "/staff/dashboard?format=csv&table=nope",
        "/staff/dashboard?region=nowhere",
        "/staff?format=pdf",
        "/staff/reports/annual?year=abc",
    ] {
        let (s, html) = app.page(&c, path).await;
        assert!((400..500).contains(&s), "{path}: {s} {html}");
    }
}
crate::both!(csv_downloads_and_bad_parameters);

/// Who reaches the new pages.
async fn roles_on_statistics_pages(app: &TestApp) {
    some_cases(app, 1).await;
    let anon = app.web_client(None).await;
    let (s, _) = app.page(&anon, "/staff/dashboard").await;
    assert_eq!(s, 303, "signed out: to the sign-in page");
    let (s, _) = app.page(&anon, "/staff/reports/annual").await;
    assert_eq!(s, 303);
    let (s, html) = app.page(&anon, "/open").await;
    assert_eq!(s, 200, "the transparency page is public: {html}");

    let intake = app.web_client(Some("intake.donghu")).await;
    assert_eq!(app.page(&intake, "/staff/dashboard").await.0, 403);

    // A handler sees their own unit, cannot pick a region and has no annual report.
    let handler = app.web_client(Some("handler.donghu.zjj")).await;
    let (s, html) = app.page(&handler, "/staff/dashboard").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("东湖区住房和城乡建设局") || html.contains("住建"),
        "own unit"
    );
    assert!(!html.contains("sec-trend") && !html.contains("sec-league"));
    assert_eq!(
        app.page(&handler, "/staff/dashboard?region=990102").await.0,
        403
    );
    assert_eq!(app.page(&handler, "/staff/reports/annual").await.0, 403);

    // A coordinator sees their region and below, not a neighbour's.
    let coord = app.web_client(Some("coord.donghu")).await;
    let (s, _) = app.page(&coord, "/staff/dashboard").await;
    assert_eq!(s, 200);
    let home = app
        .state
        .directory()
        .unit("990102-xfj")
        .expect("unit")
        .region
        .clone();
    let dir = app.state.directory();
    let child = dir
        .regions()
        .find(|r| r.parent.as_deref() == Some(home.as_str()))
        .expect("a child region")
        .code
        .clone();
    assert_eq!(
        app.page(&coord, &format!("/staff/dashboard?region={child}"))
            .await
            .0,
        200
    );
    assert_eq!(
        app.page(&coord, "/staff/dashboard?region=990200").await.0,
        403
    );
    assert_eq!(app.page(&coord, "/staff/reports/annual").await.0, 200);

    for user in ["supervisor", "admin"] {
        let c = app.web_client(Some(user)).await;
        assert_eq!(app.page(&c, "/staff/dashboard?region=990200").await.0, 200);
        let (s, html) = app
            .page(&c, &format!("/staff/reports/annual?year={}", year()))
            .await;
        assert_eq!(s, 200);
        assert!(html.contains("第四十一条"), "the report cites its article");
    }
}
crate::both!(roles_on_statistics_pages);

/// The annual report counts transfers and assignments by mode, and the people's suggestions
/// received, adopted and converted (from the suggestion records) beside cases of kind suggestion.
async fn annual_report_counts(app: &TestApp) {
    let ids = some_cases(app, 2).await;
    let coord = app.login("coord.donghu").await;
    app.ok(
        &coord,
        &ids[1],
        json!({"command": "transfer", "to_unit": "990102-zjj", "mode": "transfer"}),
    )
    .await;
    app.register(
        "intake.donghu",
        &new_case("suggestion", "letter", "13800004444"),
    )
    .await;
    // Two people's suggestions: one adopted and converted, one still waiting to be screened.
    use crate::suggestions::{forwarded, ok, submit, suggestion_body};
    let (a, _, _) = submit(app, &suggestion_body(None, "13700005551")).await;
    submit(app, &suggestion_body(None, "13700005552")).await;
    forwarded(app, &a, &["990102-zjj"], false).await;
    let zjj = app.login("handler.donghu.zjj").await;
    ok(
        app,
        &zjj,
        &a,
        json!({"command": "answer", "outcome": "adopted", "reply": "同意采纳该建议"}),
    )
    .await;
    ok(
        app,
        &coord,
        &a,
        json!({"command": "record_conversion", "route": "people_benefit", "reference": "惠民实事2026-9"}),
    )
    .await;
    let c = app.web_client(Some("supervisor")).await;
    let y = year();
    let (s, html) = app
        .page(&c, &format!("/staff/reports/annual?year={y}"))
        .await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"report-total\">3<"), "three cases");
    let (_, _, _, body) = get_bytes(
        &c,
        app,
        &format!("/staff/reports/annual?year={y}&table=handling&format=csv"),
    )
    .await;
    let rows = csv_rows(&body);
    let find = |label: &str| {
        rows.iter()
            .find(|r| r[0] == label)
            .map(|r| r[1].clone())
            .unwrap_or_default()
    };
    assert_eq!(find("转送"), "1");
    assert_eq!(find("交办"), "1");
    let (_, _, _, body) = get_bytes(
        &c,
        app,
        &format!("/staff/reports/annual?year={y}&table=suggestions&format=csv"),
    )
    .await;
    let rows = csv_rows(&body);
    let find = |label: &str| {
        rows.iter()
            .find(|r| r[0] == label)
            .map(|r| r[1].clone())
            .unwrap_or_default()
    };
    assert_eq!(find("收到人民建议"), "2", "{rows:?}");
    assert_eq!(find("受理为建议"), "1", "{rows:?}");
    assert_eq!(find("采纳"), "1", "{rows:?}");
    assert_eq!(find("部分采纳"), "0", "{rows:?}");
    assert_eq!(find("转化为政策或工作成果"), "1", "{rows:?}");
    assert_eq!(find("信访、12345中的建议意见类事项"), "1", "{rows:?}");
    // The year before has nothing.
    let (s, html) = app
        .page(&c, &format!("/staff/reports/annual?year={}", y - 1))
        .await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"report-total\">0<"));
}
crate::both!(annual_report_counts);

const SUMMARY: &str = "某小区电梯停运两个月，群众多次反映。区住建局受理后责令物业公司限期修复，并督促落实电梯安全评估，电梯已恢复运行。";

/// Typical cases: who may publish and withdraw, what is refused, and that the public page
/// shows only the staff-written text with no personal data.
async fn typical_cases_publish_withdraw_and_privacy(app: &TestApp) {
    let mut body = new_case("appeal", "visit", "13911112222");
    body["petitioner"]["name"] = json!("欧阳娜娜");
    let (id, _, case) = app.register("intake.donghu", &body).await;
    let number = case["number"].as_str().expect("number").to_string();
    let path = format!("/staff/cases/{number}/typical");
    let form = |summary: &'static str| {
        vec![
            ("title", "电梯停运问题得到解决"),
            ("outcome", "supported"),
            ("summary", summary),
        ]
    };

    // Not finished yet: refused, nothing stored.
    let sup = app.web_client(Some("supervisor")).await;
    let (s, html) = app.post_form(&sup, &path, &form(SUMMARY)).await;
    assert_eq!(s, 422, "{html}");
    answer(app, &id).await;

    // Roles: handlers and intake agents may not; a coordinator of another region cannot see it.
    for user in ["handler.donghu.zjj", "intake.donghu"] {
        let c = app.web_client(Some(user)).await;
        assert_eq!(app.page(&c, &path).await.0, 403, "{user}");
        assert_eq!(
            app.post_form(&c, &path, &form(SUMMARY)).await.0,
            403,
            "{user}"
        );
    }
    let other = app.web_client(Some("coord.yunshan")).await;
    assert_eq!(app.page(&other, &path).await.0, 404);

    // Personal data in the text is refused.
    let coord = app.web_client(Some("coord.donghu")).await;
    for bad in [
        "群众欧阳娜娜反映电梯停运两个月，区住建局受理后责令物业公司限期修复。",
        "联系电话13911112222，电梯停运两个月，区住建局受理后责令物业公司修复。",
        "翠湖社区翠湖苑3栋电梯停运两个月，区住建局受理后责令物业公司限期修复。",
    ] {
        let (s, html) = app.post_form(&coord, &path, &form(bad)).await;
        assert_eq!(s, 422, "{bad}: {html}");
        assert!(html.contains("typical-error"), "{html}");
    }
    let (s, _) = app.page(&app.web_client(None).await, "/open").await;
    assert_eq!(s, 200);
    assert!(
        app.state
            .store
            .published_typical_cases(10)
            .await
            .expect("list")
            .is_empty(),
        "nothing published by refused posts"
    );

    // The coordinator publishes; the public page shows the staff text only.
    let (s, _) = app.post_form(&coord, &path, &form(SUMMARY)).await;
    assert_eq!(s, 303);
    let anon = app.web_client(None).await;
    let (s, html) = app.page(&anon, "/open").await;
    assert_eq!(s, 200);
    assert!(html.contains("电梯停运问题得到解决") && html.contains("区住建局受理后"));
    assert!(html.contains("支持诉求"), "outcome shown");
    for secret in [
        "欧阳娜娜",
        "13911112222",
        "2222",
        "11010519491231002X",
        "翠湖苑3栋101",
        "小区电梯长期故障",
        "请求责令物业公司",
        &number,
    ] {
        assert!(!html.contains(secret), "/open leaks {secret}");
    }

    // Withdrawing: a handler may not; the supervisor may, once.
    let handler = app.web_client(Some("handler.donghu.zjj")).await;
    assert_eq!(
        app.post_form(&handler, &format!("{path}/withdraw"), &[])
            .await
            .0,
        403
    );
    let (s, _) = app.post_form(&sup, &format!("{path}/withdraw"), &[]).await;
    assert_eq!(s, 303);
    let (_, html) = app.page(&anon, "/open").await;
    assert!(!html.contains("电梯停运问题得到解决"), "withdrawn");
    let (s, _) = app.post_form(&sup, &format!("{path}/withdraw"), &[]).await;
    assert_eq!(s, 400, "nothing to withdraw");

    // Accusations are never published.
    let (aid, _, acase) = app
        .register(
            "intake.donghu",
            &new_case("accusation", "letter", "13911113333"),
        )
        .await;
    let _ = aid;
    let apath = format!(
        "/staff/cases/{}/typical",
        acase["number"].as_str().expect("number")
    );
    let (s, html) = app.page(&sup, &apath).await;
    assert_eq!(s, 200);
    assert!(html.contains("typical-refusal") && !html.contains("typical-form"));
}
crate::both!(typical_cases_publish_withdraw_and_privacy);

/// /open shows per-unit rates and topics from the KPI cells, and no case text.
async fn open_page_shows_aggregates_only(app: &TestApp) {
    let mut body = new_case("appeal", "visit", "13922223333");
    body["petitioner"]["name"] = json!("司马相如");
    let (id, _, _) = app.register("intake.donghu", &body).await;
    answer(app, &id).await;
    assert_kpi_kept(app).await;
    let anon = app.web_client(None).await;
    let (s, html) = app.page(&anon, "/open").await;
    assert_eq!(s, 200);
    assert!(html.contains("sec-units") && html.contains("sec-topics"));
    assert!(html.contains("data-chart"), "topic chart");
    assert!(
        html.contains("住房和城乡建设") || html.contains("住建"),
        "the unit is listed"
    );
    for secret in ["司马相如", "13922223333", "小区电梯长期故障", "翠湖苑"] {
        assert!(!html.contains(secret), "/open leaks {secret}");
    }
    assert!(
        !html.contains("format=xlsx"),
        "no downloads on the public page"
    );
}
crate::both!(open_page_shows_aggregates_only);

/// Alerts by level: a case with a level-1 risk phrase raises an alert, and the supervisor's
/// dashboard counts it at level 1 (open), in the table and in its XLSX download; a handler of
/// another unit does not see it counted.
async fn alerts_by_level_on_the_dashboard(app: &TestApp) {
    let mut body = new_case("appeal", "phone", "13800009001");
    body["facts_reasons"] = json!("补偿款拖了三年一直不给，再不解决我明天就去市政府楼顶跳楼。");
    body["title"] = json!("征收补偿款长期未兑现");
    body["topic"] = json!("0102");
    app.register("intake.donghu", &body).await;
    let sup = app.web_client(Some("supervisor")).await;
    let (s, html) = app.page(&sup, "/staff/dashboard").await;
    assert_eq!(s, 200);
    assert!(html.contains("预警分级"), "the alerts section is there");
    let (s, _, _, bytes) = get_bytes(&sup, app, "/staff/dashboard?table=alerts&format=csv").await;
    assert_eq!(s, 200);
    let csv = String::from_utf8(bytes).unwrap();
    let level1 = csv
        .lines()
        .find(|l| l.starts_with("1级"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert_eq!(level1, "1级,1,0", "{csv}");
    let other = app.web_client(Some("handler.xicheng.zjj")).await;
    let (s, _, _, bytes) = get_bytes(&other, app, "/staff/dashboard?table=alerts&format=csv").await;
    assert_eq!(s, 200);
    let csv = String::from_utf8(bytes).unwrap();
    assert!(csv.lines().any(|l| l == "1级,0,0"), "{csv}");
}
crate::both!(alerts_by_level_on_the_dashboard);
