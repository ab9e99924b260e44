//! The seed corpora, generated from the project's own files and examples (never from outside
//! data): `cargo run -p minsheng-fuzz-targets --bin fuzz-seeds` writes them to
//! `fuzz/corpus/NAME/`. Small on purpose: libFuzzer grows its own corpus from these.

use minsheng_core::calendar::SHIPPED_CALENDAR;
use minsheng_core::policy::SHIPPED_POLICY;
use minsheng_core::region::SHIPPED_TOPICS;
use minsheng_text::classify::{Classifier, TrainConfig};
use minsheng_text::lexicon::SHIPPED_LEXICON;

/// (target, file name, bytes)
pub type Seed = (&'static str, &'static str, Vec<u8>);

fn s(target: &'static str, name: &'static str, text: &str) -> Seed {
    (target, name, text.as_bytes().to_vec())
}

/// The first `n` lines of a shipped file: enough structure for the fuzzer to start from.
fn head(text: &str, n: usize) -> String {
    text.lines().take(n).collect::<Vec<_>>().join("\n") + "\n"
}

fn tiny_model() -> Vec<u8> {
    let rows = [
        ("01", "电梯故障", "翠湖苑3栋电梯停运一周"),
        ("01", "电梯停运", "小区电梯经常故障没人修"),
        ("02", "拖欠工资", "公司拖欠工资三个月"),
        ("02", "工资拖欠", "老板不发工资怎么办"),
    ];
    let cfg = TrainConfig {
        calibration_folds: 0,
        threads: 1,
        ..TrainConfig::default()
    };
    let model = Classifier::train_rows(&rows, &cfg).expect("a tiny model trains");
    let mut out = Vec::new();
    model.write_to(&mut out).expect("writes to memory");
    out
}

pub fn seeds() -> Vec<Seed> {
    vec![
        s("policy", "shipped.toml", SHIPPED_POLICY),
        s("policy", "periods.txt", "15d\n5wd\n24h\n 60 d\n3651d\n"),
        s("calendar", "shipped.toml", SHIPPED_CALENDAR),
        s(
            "calendar",
            "small.toml",
            "[[year]]\nyear = 2026\nholidays = [2026-10-01, 2026-10-02]\nworkdays = [2026-09-27]\n",
        ),
        s("topics", "head.csv", &head(SHIPPED_TOPICS, 24)),
        s(
            "topics",
            "cycle.csv",
            "code,parent,name_zh,name_en\n01,02,甲,\n02,01,乙,B\n",
        ),
        s("lexicon", "shipped.toml", SHIPPED_LEXICON),
        s(
            "hotspot_csv",
            "export.csv",
            "\u{feff}id,user,title,time,body,likes,dislikes\n\
             1,u1,翠湖苑小区电梯故障,2024-03-01 09:00:00,电梯又坏了，物业不修。,3,0\n\
             2,u2,翠湖苑电梯故障没人修,2024-03-02T10:30:00+08:00,\"电梯故障一周，\"\"请\"\"督促\",,0\n\
             3,u1,翠湖苑电梯,2024/03/04 20:15,电梯故障，老人下不了楼。,1,0\n",
        ),
        s(
            "labelled_csv",
            "train.csv",
            "id,label,time,title,body,tokens,form\n\
             1,城乡建设,2024-01-01,电梯故障,小区电梯停运,,raw\n\
             2,劳动和社会保障,,,,拖欠 工资 三个月,tokens\n",
        ),
        s(
            "labelled_csv",
            "eval.csv",
            "id,label,time,title,body\n1,交通运输,2024-01-02,公交线路,\"公交车, 太少\"\n",
        ),
        ("topic_model", "tiny.model", tiny_model()),
        s(
            "open311_form",
            "post.txt",
            "api_key=KEY&service_code=0101&address_string=%E4%B8%B4%E6%B1%9F%E5%B8%82%E4%B8%9C%E6%B9%96%E5%8C%BA%E7%BF%A0%E6%B9%96%E7%A4%BE%E5%8C%BA&description=%E7%94%B5%E6%A2%AF%E5%81%9C%E8%BF%90+13812345678&phone=13900001111&first_name=%E6%9D%8E&lat=30.1&long=120.2",
        ),
        s(
            "open311_form",
            "get.txt",
            "service_code=01,0101&status=open,closed&start_date=2026-04-01T00:00:00%2B08:00&end_date=2026-06-01T00:00:00Z&page=2&page_size=50&jurisdiction_id=990102",
        ),
        s(
            "open311_form",
            "anonymous.txt",
            "api_key=k&service_code=0101&address_id=990102001001&description=%E5%99%AA%E9%9F%B3&attribute[kind]=report&attribute[detail]=x&media_url=http://a/b",
        ),
        s(
            "exchange_order",
            "order.json",
            r#"{"order_id":"HZ-20260615-0001","kind":"complaint","topic":"0101","title":null,"content":"翠湖苑3栋电梯停运一周","region":"990102","address":"翠湖苑3栋","urgent":false,"caller":{"anonymous":false,"name":"李四","phone":"13900001111","id_number":null}}"#,
        ),
        s(
            "exchange_order",
            "anonymous.json",
            r#"{"order_id":"x","kind":"report","topic":"01","content":"噪音扰民","caller":{"anonymous":true}}"#,
        ),
        s(
            "open311_xml",
            "text.txt",
            "电梯停运 <b>&amp;</b> \"引号\" 'apos'\r\n\ttab \u{7}bell ＡＢＣ",
        ),
        s(
            "web_form",
            "portal.txt",
            "kind=appeal&title=%E7%94%B5%E6%A2%AF%E5%81%9C%E8%BF%90&request=%E8%AF%B7%E5%B0%BD%E5%BF%AB%E7%BB%B4%E4%BF%AE%E7%94%B5%E6%A2%AF&facts_reasons=x&topic=0101&region=990102001001&address=%E7%BF%A0%E6%B9%96%E8%8B%913%E6%A0%8B&name=%E5%BC%A0%E4%B8%89&phone=13812345678&group_size=3&representatives=1&urgent=on",
        ),
        s(
            "web_form",
            "accusation.txt",
            "kind=accusation&anonymous=on&about_officials=1&title=ab&request=cdef&topic=01&region=990102&accused_unit=990102-zjj",
        ),
        s(
            "web_form",
            "command.txt",
            "command=extend&days=30&approver=%E7%8E%8B&reason=x&version=3",
        ),
        s(
            "web_form",
            "transfer.txt",
            "command=transfer&to_unit=990102-zjj&mode=assign&note=&report_required=on",
        ),
        s("query_string", "month.txt", "period=month&month=2026-03"),
        s(
            "query_string",
            "range.txt",
            "period=range&from=2025-01-01&to=2026-03-31&status=raised&level=2",
        ),
        s(
            "query_string",
            "cases.txt",
            "status=registered&limit=5&sort=due&region=990102&topic=01&kind=appeal&channel=online&flow=petition&overdue=true&due_before=2026-07-01T00:00:00Z&cursor=2026_abc",
        ),
        s(
            "search_query",
            "search.txt",
            "q=%E7%94%B5%E6%A2%AF&sort=newest&from=2026-01-01&to=2026-12-31&page=0",
        ),
        s(
            "search_query",
            "filters.txt",
            "q=%E6%8B%96%E6%AC%A0%E5%B7%A5%E8%B5%84+abc&status=registered&kind=appeal&unit=990102-xfj&region=990102&topic=01&sort=relevance",
        ),
        s(
            "case_json",
            "online.json",
            r#"{"channel":"online","kind":"appeal","title":"电梯停运","request":"请尽快维修电梯","facts_reasons":"停运一周","topic":"0101","location":{"region":"990102001001","address":"翠湖苑3栋"},"petitioner":{"name":"张三","phone":"138 1234 5678","id_number":"11010519491231002X"}}"#,
        ),
        s(
            "case_json",
            "visit.json",
            r#"{"channel":"visit","kind":"accusation","urgent":true,"title":"检举","request":"检举某单位","topic":"01","location":{"region":"990102","address":""},"petitioner":{"anonymous":true},"group_size":12,"representatives":4,"office_unit":"990102-xfj","accused_unit":"990102-zjj","about_officials":true}"#,
        ),
        s(
            "text_pipeline",
            "petition.txt",
            "翠湖苑3栋电梯停运一周，请尽快维修！电话13812345678，身份证11010519491231002X，１３９１２３４５６７８。<script>alert(1)</script>",
        ),
        s(
            "text_pipeline",
            "spam.txt",
            "注册送88元，澳门葡京 www.xx.vip 加微信 abc123 我们明天去市政府聚集",
        ),
        s("identifiers", "phone.txt", "+86 138-1234-5678"),
        s("identifiers", "landline.txt", "（0571）87654321"),
        s("identifiers", "id.txt", "11010519491231002x"),
        s("identifiers", "code.txt", "abcd-efgh-jk"),
        s("identifiers", "status.txt", "registered"),
    ]
}
