//! Browser tests: Debian's Chromium, headless, driven through chromedriver (WebDriver) against
//! the real server. Screenshots of the main pages are kept as test artifacts under
//! `target/tmp/screenshots/` (not committed). A missing browser is a failure, never a skip:
//! `scripts/test.sh` installs `chromium` and `chromium-driver`.

use crate::harness::{Backend, TestApp, new_case};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// One headless Chromium with its own chromedriver and profile; killed on drop.
pub struct Browser {
    pub c: Client,
    driver: Child,
    profile: std::path::PathBuf,
    base: String,
    name: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Browser {
    pub async fn start(app: &TestApp, name: &str) -> Browser {
        for bin in [CHROMIUM, CHROMEDRIVER] {
            assert!(
                std::path::Path::new(bin).exists(),
                "{bin} is missing: install Debian's chromium and chromium-driver (scripts/test.sh does)"
            );
        }
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = std::env::temp_dir().join(format!(
            "minsheng-chrome-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4()
        ));
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--no-first-run", "--window-size=1280,1000",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        for _ in 0..100 {
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => {
                    return Browser {
                        c,
                        driver,
                        profile,
                        base: app.base.clone(),
                        name: format!("{name}-{:?}", app.backend).to_lowercase(),
                    };
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("chromedriver did not start: {last:?}");
    }

    pub async fn goto(&self, path: &str) {
        self.c
            .goto(&format!("{}{path}", self.base))
            .await
            .expect("navigate");
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.c
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css}: {e}"))
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let el = self.find(css).await;
        el.clear().await.ok();
        el.send_keys(value).await.expect("type");
    }

    pub async fn select(&self, css: &str, value: &str) {
        self.find(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("select {value} in {css}: {e}"));
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.expect("click");
    }

    /// Clicks and waits for the next page to load.
    pub async fn submit(&self, css: &str) {
        let before = self.page_id().await;
        self.click(css).await;
        for _ in 0..100 {
            if self.page_id().await != before {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no new page after clicking {css}");
    }

    /// A marker set on each loaded document, to tell when a form post has produced a new page.
    async fn page_id(&self) -> String {
        let v = self
            .c
            .execute(
                "if (document.readyState !== 'complete') return 'loading';\
                 if (!window.__msid) window.__msid = Math.random().toString(36); return window.__msid;",
                vec![],
            )
            .await
            .unwrap_or(Value::Null);
        v.as_str().unwrap_or("loading").to_string()
    }

    pub async fn js(&self, script: &str) -> Value {
        self.c.execute(script, vec![]).await.expect("script")
    }

    pub async fn body_text(&self) -> String {
        self.js("return document.body.innerText;")
            .await
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    /// Keeps a screenshot of the current page as a test artifact.
    pub async fn shot(&self, page: &str) {
        let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).ok();
        if let Ok(png) = self.c.screenshot().await {
            std::fs::write(dir.join(format!("{}-{page}.png", self.name)), png).ok();
        }
    }

    pub async fn sign_in(&self, user: &str) {
        self.goto("/staff/login").await;
        if self
            .js("return !!document.querySelector('form[action=\"/staff/logout\"]');")
            .await
            == Value::Bool(true)
        {
            self.submit("form[action='/staff/logout'] button").await;
            self.goto("/staff/login").await;
        }
        self.fill("#username", user).await;
        self.fill("#password", minsheng_server::demo::DEMO_PASSWORD)
            .await;
        self.submit("form[action='/staff/login'] button[type=submit]")
            .await;
        let who = self.text("header .who").await;
        assert!(!who.is_empty(), "signed in as {user}");
    }

    pub async fn close(self) {
        let Browser { c, .. } = &self;
        c.clone().close().await.ok();
    }

    /// The page fits a 375 px wide phone screen without sideways scrolling.
    pub async fn fits_narrow_screen(&self) -> bool {
        self.js("return document.documentElement.scrollWidth <= window.innerWidth;")
            .await
            == Value::Bool(true)
    }
}

/// The whole petition journey, from the citizen portal to a review request.
async fn petition_journey(app: &TestApp) {
    let b = Browser::start(app, "journey").await;

    // Citizen submits online.
    b.goto("/submit?kind=appeal").await;
    b.shot("submit").await;
    b.select("#topic", "010101").await;
    b.fill("#title", "翠湖苑电梯停运两个月").await;
    b.fill("#request", "请求尽快修复翠湖苑3栋电梯").await;
    b.fill("#facts_reasons", "电梯停运两个月，多次报修无果。")
        .await;
    b.select("#region", "990102001001").await;
    b.fill("#address", "翠湖社区翠湖苑3栋").await;
    b.fill("#name", "李秀英").await;
    b.fill("#phone", "13912345678").await;
    b.submit("#submit-form button[type=submit]").await;
    let code = b.text("#query-code").await;
    let number = b.text("#case-number").await;
    assert_eq!(code.len(), 10, "query code shown: {code}");
    assert!(number.starts_with("20"), "case number shown: {number}");
    b.shot("submitted").await;

    // The coordinator of the receiving office transfers it to the unit in the catalogue.
    b.sign_in("coord.donghu").await;
    b.goto(&format!("/staff/cases/{number}")).await;
    b.shot("case-coordinator").await;
    b.click("#action-transfer summary").await;
    b.select("#transfer-unit", "990102-zjj").await;
    b.submit("#action-transfer button[type=submit]").await;
    assert!(b.text("#notice").await.contains('✓'));
    assert_eq!(b.text("#case-status").await, "待受理");

    // The handler accepts, extends, and writes the opinion.
    b.sign_in("handler.donghu.zjj").await;
    b.goto("/staff?sort=newest").await;
    b.shot("queue").await;
    assert!(
        b.body_text().await.contains(&number),
        "the case is in the handler's queue"
    );
    b.goto(&format!("/staff/cases/{number}")).await;
    b.click("#action-accept summary").await;
    b.submit("#action-accept button[type=submit]").await;
    assert_eq!(b.text("#case-status").await, "办理中");
    b.click("#action-extend summary").await;
    b.fill("#extend-days", "30").await;
    b.fill("#extend-approver", "东湖区住建局 刘局长").await;
    b.fill("#extend-reason", "需要检测机构出具电梯安全评估")
        .await;
    b.submit("#action-extend button[type=submit]").await;
    assert!(b.text("#notice").await.contains("延期"));
    b.click("#action-issue_opinion summary").await;
    b.fill("#op-facts", "经查，电梯主板损坏，物业未及时维修。")
        .await;
    b.fill("#op-opinion", "责令物业公司于15日内修复电梯。")
        .await;
    b.fill("#op-basis", "《物业管理条例》第三十五条").await;
    b.submit("#action-issue_opinion button[type=submit]").await;
    assert_eq!(b.text("#case-status").await, "已出具处理意见");
    b.shot("case-answered").await;
    b.goto(&format!("/staff/cases/{number}/documents/opinion"))
        .await;
    assert!(b.body_text().await.contains("信访处理意见书"));
    b.shot("document-opinion").await;
    b.goto(&format!("/staff/cases/{number}/documents/extension"))
        .await;
    assert!(b.body_text().await.contains("延期告知书"));

    // A handler of another unit cannot open it.
    b.sign_in("handler.xicheng.zjj").await;
    b.goto(&format!("/staff/cases/{number}")).await;
    let text = b.body_text().await;
    assert!(text.contains("未找到"), "other unit sees not-found: {text}");
    assert!(
        !text.contains("翠湖苑电梯停运两个月"),
        "no case content leaks"
    );
    b.submit("form[action='/staff/logout'] button").await;

    // The citizen tracks it, rates it unsatisfied and asks for a review.
    b.goto("/track").await;
    b.fill("#query_code", &code).await;
    b.fill("#phone_last4", "5678").await;
    b.submit("form[action='/track'] button[type=submit]").await;
    assert_eq!(b.text("#status").await, "已出具处理意见");
    assert!(b.text("#opinion").await.contains("责令物业公司"));
    b.shot("track").await;
    b.click("#rate-form input[value=unsatisfied]").await;
    b.fill("#comment", "电梯至今未修").await;
    b.submit("#rate-form button[type=submit]").await;
    assert!(b.text("#notice").await.contains("评价"));
    b.fill("#request_review-reason", "处理意见没有落实").await;
    b.submit("#request_review-form button[type=submit]").await;
    assert_eq!(b.text("#status").await, "复查中");
    b.shot("track-review").await;
    b.close().await;
}
crate::both!(petition_journey);

/// An intake agent registers a phone call and sees the caller's history while typing.
async fn intake_sees_caller_history(app: &TestApp) {
    let (_, _, earlier) = app
        .register("intake.donghu", &new_case("appeal", "phone", "13800001111"))
        .await;
    let earlier_number = earlier["number"].as_str().expect("number").to_string();
    let b = Browser::start(app, "intake").await;
    b.sign_in("intake.donghu").await;
    b.goto("/staff/intake").await;
    b.select("#channel", "phone").await;
    b.fill("#phone", "13800001111").await;
    let history = b.find("#history-list").await;
    assert!(
        history
            .text()
            .await
            .expect("history")
            .contains(&earlier_number),
        "the caller's earlier case is listed"
    );
    b.fill("#name", "王建国").await;
    b.select("#topic", "010101").await;
    b.fill("#title", "电梯又坏了").await;
    b.fill("#request", "请求修复电梯").await;
    b.select("#region", "990102001001").await;
    // The deadlines appear before saving.
    let preview = b.find("#preview table.deadlines").await;
    assert!(
        preview
            .text()
            .await
            .expect("preview")
            .contains("转送交办期限")
    );
    b.js("window.scrollTo(0, 0); return null;").await;
    b.shot("intake").await;
    b.submit("#intake-form button[type=submit]").await;
    assert_eq!(b.text("#query-code").await.len(), 10);
    b.click("#case-link").await;
    assert!(b.text("#case-title").await.contains("电梯又坏了"));
    b.close().await;
}
crate::both!(intake_sees_caller_history);

/// A call rings at the agent's desk: the console shows the masked number and the caller's
/// earlier case, fills the phone field, and the history panel follows.
async fn ringing_call_pops_on_the_console(app: &TestApp) {
    let (_, _, earlier) = app
        .register("intake.donghu", &new_case("appeal", "phone", "13800002222"))
        .await;
    let earlier_number = earlier["number"].as_str().expect("number").to_string();
    app.state.telephony.set_token(Some("cti-browser"));
    let b = Browser::start(app, "callpop").await;
    b.sign_in("intake.donghu").await;
    b.goto("/staff/intake").await;
    let mut live = false;
    for _ in 0..100 {
        let v = b
            .js("return document.getElementById('call-pop').getAttribute('data-live');")
            .await;
        if v == serde_json::json!("1") {
            live = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(live, "the console listens for calls");
    let r = app
        .client
        .post(format!("{}/api/v1/telephony/events", app.base))
        .bearer_auth("cti-browser")
        .json(&serde_json::json!({"call_id": "b-1", "event": "ringing", "caller": "13800002222", "agent": "intake.donghu"}))
        .send()
        .await
        .expect("call event");
    assert_eq!(r.status(), 202);
    let pop = b.find("#call-cases li").await;
    assert!(pop.text().await.expect("pop").contains(&earlier_number));
    assert_eq!(b.text("#call-number").await, "138****2222");
    assert_eq!(
        b.js("return document.getElementById('phone').value;").await,
        serde_json::json!("13800002222")
    );
    let history = b.find("#history-list").await;
    assert!(
        history
            .text()
            .await
            .expect("history")
            .contains(&earlier_number)
    );
    b.shot("callpop").await;
    b.close().await;
}
crate::both!(ringing_call_pops_on_the_console);

/// User text with markup shows as text on every page that shows it, and runs nothing.
async fn injected_markup_is_inert(app: &TestApp) {
    let evil_title = "<script>window.__pwned=1</script><img src=x onerror=\"window.__pwned=2\">";
    let evil_request = "请看 <a href=\"http://dafa888.example\">dafa888bet</a> <img src=x onerror=\"window.__pwned=3\">";
    let mut body = new_case("appeal", "phone", "13800002222");
    body["title"] = json!(evil_title);
    body["request"] = json!(evil_request);
    body["facts_reasons"] = json!("<b>粗体</b><iframe src=\"http://evil.example\"></iframe>");
    let (_, code, case) = app.register("intake.donghu", &body).await;
    let number = case["number"].as_str().expect("number").to_string();

    let browser = Browser::start(app, "inert").await;
    let b = &browser;
    let check = |page: &'static str| async move {
        let injected = b
            .js("return {pwned: window.__pwned || null,
                  imgs: document.querySelectorAll('img[src=x], main img').length,
                  scripts: Array.from(document.scripts).filter(s => !s.src).length,
                  links: Array.from(document.links).filter(a => a.textContent.includes('dafa888')).length,
                  frames: document.querySelectorAll('iframe, b').length};")
            .await;
        assert_eq!(
            injected,
            json!({"pwned": null, "imgs": 0, "scripts": 0, "links": 0, "frames": 0}),
            "{page}"
        );
        let text = b.body_text().await;
        assert!(
            text.contains("<script>window.__pwned=1</script>"),
            "{page} shows the text"
        );
        b.shot(page).await;
    };
    b.sign_in("coord.donghu").await;
    b.goto(&format!("/staff/cases/{number}")).await;
    check("inert-case").await;
    b.goto("/staff?sort=newest").await;
    check("inert-queue").await;
    b.goto("/staff/intake").await;
    b.fill("#phone", "13800002222").await;
    b.find("#history-list").await;
    check("inert-history").await;
    b.submit("form[action='/staff/logout'] button").await;
    b.goto("/track").await;
    b.fill("#query_code", &code).await;
    b.fill("#phone_last4", "2222").await;
    b.submit("form[action='/track'] button[type=submit]").await;
    check("inert-track").await;
    browser.close().await;
}
crate::both!(injected_markup_is_inert);

/// The visible text nodes of the page, in document order.
const VISIBLE_TEXTS: &str = "
    const out = [];
    const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) {
        const n = walk.currentNode; const t = n.textContent.trim();
        const el = n.parentElement;
        if (!t || !el || el.closest('script,style,[hidden]')) continue;
        const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
        if (r.width === 0 || r.height === 0 || s.visibility === 'hidden' || s.display === 'none') continue;
        if (el.closest('.skip')) continue;
        out.push(t);
    }
    return out;";

/// Text that reads the same in both languages (numbers, the other language's own name).
fn language_neutral(t: &str) -> bool {
    t.chars().all(|c| !c.is_alphabetic() || c.is_ascii_digit())
}

fn has_han(t: &str) -> bool {
    t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

async fn language_switch_flips_every_string(app: &TestApp) {
    let b = Browser::start(app, "lang").await;
    b.goto("/").await;
    let zh: Vec<String> = serde_json::from_value(b.js(VISIBLE_TEXTS).await).expect("texts");
    b.shot("home-zh").await;
    b.click("a.lang").await;
    b.find("html[lang=en]").await;
    let en: Vec<String> = serde_json::from_value(b.js(VISIBLE_TEXTS).await).expect("texts");
    b.shot("home-en").await;
    assert_eq!(zh.len(), en.len(), "same structure: {zh:?} / {en:?}");
    for (z, e) in zh.iter().zip(&en) {
        if language_neutral(z) {
            continue;
        }
        assert_ne!(z, e, "string not translated");
        assert!(
            !has_han(e) || e == "中文",
            "Chinese left on the English page: {e}"
        );
    }
    // The choice is remembered.
    b.goto("/submit").await;
    b.find("html[lang=en]").await;
    assert!(b.body_text().await.contains("Submit a matter"));
    b.click("a.lang").await;
    b.find("html[lang=zh-CN]").await;
    // Narrow phones: the main portal pages fit 375 px without sideways scrolling.
    b.c.set_window_size(375, 800).await.expect("resize");
    for page in ["/", "/submit", "/track"] {
        b.goto(page).await;
        assert!(b.fits_narrow_screen().await, "{page} fits 375 px");
    }
    b.goto("/").await;
    b.shot("home-375").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn language_switch() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    language_switch_flips_every_string(&app).await;
    app.finish().await;
}

/// A supervisor has the alert list open; a case registered afterwards raises an alert that
/// appears on the page without a reload (server-sent events), and the supervisor acknowledges
/// it in the browser. The stored lifecycle shows who acknowledged it.
async fn supervisor_acknowledges_an_alert_that_appears_live(app: &TestApp) {
    let b = Browser::start(app, "alerts").await;
    b.sign_in("supervisor").await;
    b.goto("/staff/alerts").await;
    b.find("#no-alerts").await;
    // The stream is open before the case is registered.
    for _ in 0..100 {
        if b.js("return document.getElementById('alert-panel').getAttribute('data-live');")
            .await
            == json!("1")
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    b.js("window.__noReload = 'still here'; return null;").await;

    let mut body = new_case("appeal", "phone", "13800009911");
    body["title"] = json!("征收补偿款长期未兑现");
    body["facts_reasons"] = json!("补偿款拖了三年，再不解决我就去市政府楼顶跳楼。");
    let (case_id, _, _) = app.register("intake.donghu", &body).await;

    let link = b.find("#alert-live li a.alert-link").await;
    assert_eq!(link.text().await.expect("text"), "风险词命中");
    assert_eq!(
        b.js("return window.__noReload || null;").await,
        json!("still here"),
        "the alert arrived without a reload"
    );
    assert!(b.text("#alert-live li .badge").await.contains("一级"));
    b.shot("alert-live").await;
    let href = link.attr("href").await.expect("href").expect("a link");
    let id = href.trim_start_matches("/staff/alerts/").to_string();
    b.submit("#alert-live li a.alert-link").await;
    assert!(b.body_text().await.contains("跳楼"), "matched phrase shown");
    b.fill("#alert-note", "已联系属地乡镇稳控").await;
    b.submit("#alert-act button[type=submit]").await;
    assert_eq!(b.text("#alert-status").await, "已签收");
    b.shot("alert-acknowledged").await;
    b.close().await;

    let uuid = uuid::Uuid::parse_str(&id).expect("alert id");
    let rec = app
        .state
        .store
        .get_alert(uuid)
        .await
        .expect("read")
        .expect("alert");
    assert_eq!(
        rec.alert.status,
        minsheng_core::alert::AlertStatus::Acknowledged
    );
    assert_eq!(rec.alert.evidence.cases[0].to_string(), case_id);
    let events = app.state.store.alert_events(uuid).await.expect("events");
    let steps: Vec<&str> = events.iter().map(|e| e.event.name()).collect();
    assert_eq!(steps, ["raised", "acknowledged"]);
    assert_eq!(
        events[1].actor.role,
        minsheng_core::access::Role::Supervisor
    );
    assert_eq!(events[1].event.note(), Some("已联系属地乡镇稳控"));
}
crate::both!(supervisor_acknowledges_an_alert_that_appears_live);
/// The dashboard draws its charts with ECharts, each table view shows the chart's numbers, and
/// a table's download link gives a workbook that opens with the same numbers.
async fn dashboard_charts_tables_and_export(app: &TestApp) {
    use calamine::{Data, Reader, Xlsx};
    for (i, channel) in ["visit", "letter", "visit"].iter().enumerate() {
        app.register(
            "intake.donghu",
            &new_case("appeal", channel, &format!("1380000{:04}", 5000 + i)),
        )
        .await;
    }
    crate::dashboard::assert_kpi_kept(app).await;
    let b = Browser::start(app, "dashboard").await;
    b.sign_in("supervisor").await;
    b.goto("/staff/dashboard?period=year").await;
    for key in ["trend", "topics", "deadlines", "league", "regions"] {
        b.find(&format!(
            "figure[data-chart='{key}'][data-chart-ready] .chart-canvas canvas"
        ))
        .await;
    }
    b.shot("dashboard").await;
    // The chart's numbers, read back from ECharts, equal the table view's.
    let same = b
        .js("function table(key) {
               return Array.from(document.querySelectorAll('#t-' + key + ' tbody tr'))
                 .map(tr => Array.from(tr.children).map(td => td.textContent.trim()));
             }
             function option(key) {
               const box = document.querySelector(\"figure[data-chart='\" + key + \"'] .chart-canvas\");
               return echarts.getInstanceByDom(box).getOption();
             }
             const trend = option('trend');
             const totals = trend.xAxis[0].data.map((_, i) =>
               trend.series.reduce((s, x) => s + Number(x.data[i]), 0));
             const trendTable = table('trend').map(r => Number(r[r.length - 1]));
             const dl = option('deadlines').series[0].data.map(d => Number(d.value));
             const dlTable = table('deadlines').map(r => Number(r[1]));
             const topics = option('topics').series[0].data.map(d => Number(d.value));
             const topicTable = table('topics').map(r => Number(r[1]));
             return {trend: [totals, trendTable], deadlines: [dl, dlTable], topics: [topics, topicTable]};")
        .await;
    for key in ["trend", "deadlines", "topics"] {
        assert_eq!(same[key][0], same[key][1], "{key}: chart and table agree");
    }
    assert_eq!(
        same["trend"][1]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_f64).sum::<f64>()),
        Some(3.0),
        "three cases in the trend"
    );
    // The download link, fetched in the signed-in browser session.
    let got =
        b.c.execute_async(
            "const done = arguments[arguments.length - 1];
             const a = document.querySelector('#sec-trend a.dl-xlsx');
             fetch(a.href).then(async r => {
               const bytes = Array.from(new Uint8Array(await r.arrayBuffer()));
               done({status: r.status, type: r.headers.get('content-type'),
                     disposition: r.headers.get('content-disposition'), body: bytes});
             }).catch(e => done({error: String(e)}));",
            vec![],
        )
        .await
        .expect("fetch the download");
    assert_eq!(got["status"], 200, "{got}");
    assert!(
        got["disposition"]
            .as_str()
            .is_some_and(|d| d.contains("attachment") && d.contains(".xlsx")),
        "{got}"
    );
    let bytes: Vec<u8> = got["body"]
        .as_array()
        .expect("body bytes")
        .iter()
        .filter_map(|v| v.as_u64().and_then(|n| u8::try_from(n).ok()))
        .collect();
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("a workbook");
    let sheet = book.worksheet_range_at(0).expect("sheet").expect("range");
    assert_eq!(
        sheet.get((0, 0)),
        Some(&Data::String("期间（Period）".into()))
    );
    let last = sheet.width() - 1;
    let total: f64 = (1..sheet.height())
        .filter_map(|r| match sheet.get((r, last)) {
            Some(Data::Float(x)) => Some(*x),
            _ => None,
        })
        .sum();
    assert_eq!(total, 3.0, "the workbook has the same numbers");
    b.goto("/staff/reports/annual").await;
    assert!(b.text("#report-title").await.contains("年度信访工作报告"));
    b.shot("annual").await;
    // The public page draws its chart too.
    b.goto("/open").await;
    b.find("figure[data-chart='topics'][data-chart-ready] canvas")
        .await;
    b.shot("open").await;
    b.close().await;
}
crate::both!(dashboard_charts_tables_and_export);
/// People's suggestions end to end: the office opens a themed and a targeted campaign, a citizen
/// submits to the first, an invited expert through the personal link to the second, a unit
/// answers 采纳 with a conversion, the suggester sees the feedback, the scoreboard counts it.
async fn suggestion_journey(app: &TestApp) {
    let b = Browser::start(app, "suggest").await;

    // The office opens a themed campaign.
    b.sign_in("coord.donghu").await;
    b.goto("/staff/suggest").await;
    b.submit("#new-campaign-link").await;
    b.fill("#c-title", "城市慢行系统建设意见征集").await;
    b.fill(
        "#c-explanation",
        "为完善城市慢行系统，现向社会公开征集意见建议。",
    )
    .await;
    b.submit("#campaign-form button[type=submit]").await;
    assert_eq!(b.text("#campaign-phase").await, "征集中");
    let themed_public = b
        .find("#public-page")
        .await
        .attr("href")
        .await
        .expect("attr")
        .expect("href");
    b.shot("suggest-campaign-staff").await;

    // And a targeted one, with an invited expert.
    b.goto("/staff/suggest/campaigns/new").await;
    b.click("#kind-targeted").await;
    b.fill("#c-title", "慢行系统专家定向征集").await;
    b.fill("#c-explanation", "请特邀专家就慢行系统规划提出专业建议。")
        .await;
    b.submit("#campaign-form button[type=submit]").await;
    b.click("#action-invite summary").await;
    b.fill("#adviser-id", "expert-07").await;
    b.fill("#adviser-name", "孙规划师").await;
    b.submit("#action-invite button[type=submit]").await;
    let link = b.text("#invite-link").await;
    assert!(link.starts_with("/suggest/invite/"), "{link}");
    b.submit("form[action='/staff/logout'] button").await;

    // A citizen submits to the themed campaign from its public page.
    b.goto("/suggest").await;
    b.shot("suggest-home").await;
    b.goto(&themed_public).await;
    b.submit("#submit-link").await;
    b.fill("#title", "建议增设滨江慢行步道").await;
    b.fill(
        "#reason",
        "滨江一带步行和骑行的市民很多，但缺少连续的慢行道。",
    )
    .await;
    b.fill("#proposal", "建议沿江建设连续的慢行步道并完善照明。")
        .await;
    b.select("#topic", "010101").await;
    b.select("#region", "990102001001").await;
    b.fill("#name", "钱思源").await;
    b.fill("#phone", "13612345678").await;
    b.submit("#suggest-form button[type=submit]").await;
    let code = b.text("#query-code").await;
    let number = b.text("#suggestion-number").await;
    assert_eq!(code.len(), 10);
    assert!(number.starts_with("JY"), "{number}");
    b.shot("suggest-submitted").await;

    // The invited expert submits through the personal link.
    b.goto(&link).await;
    assert!(b.text("#adviser-name").await.contains("孙规划师"));
    b.fill("#title", "慢行系统应与公交站点衔接").await;
    b.fill("#reason", "现有规划中慢行道与公交站点衔接不足。")
        .await;
    b.fill("#proposal", "建议在公交站点周边三百米内优先建设慢行道。")
        .await;
    b.select("#topic", "010101").await;
    b.select("#region", "990102001001").await;
    b.fill("#name", "孙规划").await;
    b.fill("#phone", "13698765432").await;
    b.submit("#suggest-form button[type=submit]").await;
    let expert_number = b.text("#suggestion-number").await;
    assert!(expert_number.starts_with("JY"));

    // The office screens, assesses and forwards the citizen's suggestion.
    b.sign_in("coord.donghu").await;
    b.goto(&format!("/staff/suggest/{expert_number}")).await;
    assert!(
        b.body_text().await.contains("expert-07"),
        "adviser recorded"
    );
    b.goto(&format!("/staff/suggest/{number}")).await;
    b.click("#action-accept summary").await;
    b.submit("#action-accept button[type=submit]").await;
    assert_eq!(b.text("#suggestion-status").await, "研究评估中");
    b.click("#action-assess summary").await;
    b.click("#assess-important").await;
    b.fill("#assess-opinion", "建议可行，转住建部门研究").await;
    b.submit("#action-assess button[type=submit]").await;
    b.click("#action-forward summary").await;
    b.click("#forward-990102-zjj").await;
    b.submit("#action-forward button[type=submit]").await;
    assert_eq!(b.text("#suggestion-status").await, "承办单位办理中");

    // The unit answers 采纳 and records the conversion.
    b.sign_in("handler.donghu.zjj").await;
    b.goto("/staff/suggest").await;
    assert!(b.body_text().await.contains(&number), "in the unit's list");
    b.goto(&format!("/staff/suggest/{number}")).await;
    b.click("#action-answer summary").await;
    b.select("#answer-outcome", "adopted").await;
    b.fill("#answer-reply", "采纳，已列入明年滨江慢行步道建设计划。")
        .await;
    b.submit("#action-answer button[type=submit]").await;
    assert_eq!(b.text("#suggestion-status").await, "已答复待反馈");
    b.click("#action-record_conversion summary").await;
    b.select("#conv-route", "people_benefit").await;
    b.fill("#conv-reference", "东湖区2027年惠民实事项目第5项")
        .await;
    b.submit("#action-record_conversion button[type=submit]")
        .await;
    assert!(b.text("#conversions").await.contains("惠民实事"));
    b.shot("suggest-answered").await;

    // The office feeds back.
    b.sign_in("coord.donghu").await;
    b.goto(&format!("/staff/suggest/{number}")).await;
    b.click("#action-give_feedback summary").await;
    b.fill(
        "#feedback-content",
        "您的建议已被采纳，列入2027年惠民实事项目。",
    )
    .await;
    b.submit("#action-give_feedback button[type=submit]").await;
    assert_eq!(b.text("#suggestion-status").await, "已反馈办结");

    // The scoreboard reflects it.
    b.goto("/staff/suggest/board").await;
    assert_eq!(b.text("#total-adopted").await, "1");
    assert_eq!(b.text("#total-conversions").await, "1");
    assert!(b.text("#league-offices").await.contains("东湖区信访局"));
    b.find("figure[data-chart-ready]").await;
    b.shot("suggest-board").await;
    b.submit("form[action='/staff/logout'] button").await;

    // The suggester sees the feedback.
    b.goto("/suggest/track").await;
    b.fill("#query_code", &code).await;
    b.fill("#phone_last4", "5678").await;
    b.submit("#track-form button[type=submit]").await;
    assert_eq!(b.text("#status").await, "已反馈办结");
    assert_eq!(b.text("#outcome").await, "采纳");
    assert!(b.text("#feedback").await.contains("惠民实事"));
    assert!(b.text("#conversions").await.contains("第5项"));
    b.shot("suggest-track").await;
    b.close().await;
}
crate::both!(suggestion_journey);
