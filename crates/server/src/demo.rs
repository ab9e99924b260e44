//! Demo data: a generated province (江川省, fictional) with regions down to communities, units
//! at every level, the dispatch catalogue, staff users with known demo passwords, and cases in
//! every state built through the real deciders with back-dated times. All text is generated
//! here from templates; none is copied from any data set.

use crate::error::{ApiError, ApiResult};
use crate::service;
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use minsheng_core::access::{Actor, Role};
use minsheng_core::case::*;
use minsheng_core::ids;
use minsheng_core::petitioner::{IdNumber, Phone, mask_name};
use minsheng_core::region::{
    Directory, DispatchRule, Level, Region, Unit, UnitKind, shipped_topics,
};
use minsheng_core::workflow::{CaseState, Command, Opinion, Registration};
use minsheng_store::NewPetitioner;

pub const DEMO_PASSWORD: &str = "minsheng-demo-2026";

/// Small deterministic generator so the same seed gives the same province and cases.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Departments by first-level topic: (suffix, 中文, English, kind).
const DEPARTMENTS: &[(&str, &str, &str, &str, UnitKind)] = &[
    (
        "城乡建设",
        "zjj",
        "住房和城乡建设局",
        "Housing and Urban-Rural Development Bureau",
        UnitKind::Department,
    ),
    (
        "劳动和社会保障",
        "rsj",
        "人力资源和社会保障局",
        "Human Resources and Social Security Bureau",
        UnitKind::Department,
    ),
    (
        "教育文体",
        "jyj",
        "教育局",
        "Education Bureau",
        UnitKind::Department,
    ),
    (
        "商贸旅游",
        "scj",
        "市场监督管理局",
        "Market Regulation Bureau",
        UnitKind::Department,
    ),
    (
        "环境保护",
        "sthj",
        "生态环境局",
        "Ecology and Environment Bureau",
        UnitKind::Department,
    ),
    (
        "卫生计生",
        "wjw",
        "卫生健康委员会",
        "Health Commission",
        UnitKind::Department,
    ),
    (
        "交通运输",
        "jtj",
        "交通运输局",
        "Transport Bureau",
        UnitKind::Department,
    ),
    (
        "国土资源",
        "zrzy",
        "自然资源局",
        "Natural Resources Bureau",
        UnitKind::Department,
    ),
    (
        "农村农业",
        "nyj",
        "农业农村局",
        "Agriculture and Rural Affairs Bureau",
        UnitKind::Department,
    ),
    (
        "民政",
        "mzj",
        "民政局",
        "Civil Affairs Bureau",
        UnitKind::Department,
    ),
    (
        "政法",
        "gaj",
        "公安局",
        "Public Security Bureau",
        UnitKind::PoliticalLegal,
    ),
    (
        "纪检监察",
        "jw",
        "纪委监委",
        "Discipline Inspection and Supervision Commission",
        UnitKind::Discipline,
    ),
];

struct Place {
    code: &'static str,
    zh: &'static str,
    en: &'static str,
    children: &'static [Place],
}

const fn p(
    code: &'static str,
    zh: &'static str,
    en: &'static str,
    children: &'static [Place],
) -> Place {
    Place {
        code,
        zh,
        en,
        children,
    }
}

const PROVINCE: Place = p(
    "990000",
    "江川省",
    "Jiangchuan Province",
    &[
        p(
            "990100",
            "临江市",
            "Linjiang City",
            &[
                p(
                    "990102",
                    "东湖区",
                    "Donghu District",
                    &[
                        p(
                            "990102001",
                            "湖滨街道",
                            "Hubin Subdistrict",
                            &[
                                p("990102001001", "翠湖社区", "Cuihu Community", &[]),
                                p("990102001002", "柳岸社区", "Liu'an Community", &[]),
                            ],
                        ),
                        p(
                            "990102002",
                            "东山街道",
                            "Dongshan Subdistrict",
                            &[
                                p("990102002001", "松林社区", "Songlin Community", &[]),
                                p("990102002002", "望江社区", "Wangjiang Community", &[]),
                            ],
                        ),
                    ],
                ),
                p(
                    "990103",
                    "西城区",
                    "Xicheng District",
                    &[
                        p(
                            "990103001",
                            "西门街道",
                            "Ximen Subdistrict",
                            &[p("990103001001", "石桥社区", "Shiqiao Community", &[])],
                        ),
                        p(
                            "990103002",
                            "金沙街道",
                            "Jinsha Subdistrict",
                            &[p("990103002001", "金沙社区", "Jinsha Community", &[])],
                        ),
                    ],
                ),
                p(
                    "990121",
                    "清河县",
                    "Qinghe County",
                    &[
                        p(
                            "990121001",
                            "清河镇",
                            "Qinghe Town",
                            &[
                                p("990121001001", "南溪村", "Nanxi Village", &[]),
                                p("990121001002", "北岗村", "Beigang Village", &[]),
                            ],
                        ),
                        p(
                            "990121002",
                            "柳溪乡",
                            "Liuxi Township",
                            &[p("990121002001", "柳溪村", "Liuxi Village", &[])],
                        ),
                    ],
                ),
            ],
        ),
        p(
            "990200",
            "云山市",
            "Yunshan City",
            &[
                p(
                    "990202",
                    "南岭区",
                    "Nanling District",
                    &[p(
                        "990202001",
                        "南岭街道",
                        "Nanling Subdistrict",
                        &[p("990202001001", "桂园社区", "Guiyuan Community", &[])],
                    )],
                ),
                p(
                    "990221",
                    "石门县",
                    "Shimen County",
                    &[p(
                        "990221001",
                        "石门镇",
                        "Shimen Town",
                        &[p("990221001001", "石门村", "Shimen Village", &[])],
                    )],
                ),
            ],
        ),
    ],
);

fn level_of(depth: usize) -> Level {
    match depth {
        0 => Level::Province,
        1 => Level::City,
        2 => Level::County,
        3 => Level::Township,
        _ => Level::Community,
    }
}

/// The demo province: regions, units, shipped topics and the dispatch catalogue.
pub fn province() -> ApiResult<Directory> {
    let mut regions = Vec::new();
    let mut units = Vec::new();
    let topics = shipped_topics();
    let mut rules = Vec::new();
    fn walk(
        pl: &Place,
        parent: Option<&str>,
        depth: usize,
        regions: &mut Vec<Region>,
        units: &mut Vec<Unit>,
    ) {
        let level = level_of(depth);
        regions.push(Region {
            code: pl.code.into(),
            name_zh: pl.zh.into(),
            name_en: pl.en.into(),
            level,
            parent: parent.map(str::to_string),
        });
        let unit = |suffix: &str, zh: &str, en: &str, kind: UnitKind| Unit {
            id: format!("{}-{suffix}", pl.code),
            name_zh: format!("{}{zh}", pl.zh),
            name_en: format!("{} {en}", pl.en),
            kind,
            region: pl.code.into(),
        };
        match level {
            Level::Province | Level::City | Level::County => {
                units.push(unit(
                    "xfj",
                    "信访局",
                    "Petition Bureau",
                    UnitKind::PetitionOffice,
                ));
                units.push(unit(
                    "gov",
                    "人民政府",
                    "People's Government",
                    UnitKind::Government,
                ));
                for (_, suffix, zh, en, kind) in DEPARTMENTS {
                    units.push(unit(suffix, zh, en, *kind));
                }
                if level == Level::City {
                    units.push(unit(
                        "12345",
                        "12345政务服务便民热线",
                        "12345 Hotline Centre",
                        UnitKind::HotlineCenter,
                    ));
                }
            }
            Level::Township => {
                let (zh, en) = if pl.zh.ends_with("街道") {
                    ("办事处", "Office")
                } else {
                    ("人民政府", "Government")
                };
                units.push(unit("gov", zh, en, UnitKind::Government));
            }
            Level::Community => {
                units.push(unit(
                    "cmt",
                    "居（村）民委员会",
                    "Committee",
                    UnitKind::Community,
                ));
            }
        }
        for c in pl.children {
            walk(c, Some(pl.code), depth + 1, regions, units);
        }
    }
    walk(&PROVINCE, None, 0, &mut regions, &mut units);
    for r in regions
        .iter()
        .filter(|r| matches!(r.level, Level::City | Level::County))
    {
        for t in topics.iter().filter(|t| t.parent.is_none()) {
            let suffix = DEPARTMENTS
                .iter()
                .find(|d| d.0 == t.name_zh)
                .map(|d| d.1)
                .unwrap_or("gov");
            rules.push(DispatchRule {
                region: r.code.clone(),
                topic: t.code.clone(),
                unit: format!("{}-{suffix}", r.code),
            });
        }
    }
    Ok(Directory::new(regions, units, topics, rules)?)
}

/// Demo suggestion work (campaigns, suggestions in every state): see `suggest::demo`.
pub use crate::suggest::demo::seed_suggestions;

/// Demo staff: (user name, display name, role, unit).
pub const DEMO_USERS: &[(&str, &str, Role, Option<&str>)] = &[
    ("admin", "系统管理员", Role::Admin, None),
    ("supervisor", "省督查室 周督查", Role::Supervisor, None),
    ("analyst", "省政府研究室 钱分析", Role::Analyst, None),
    (
        "coord.province",
        "省信访局 王协调",
        Role::Coordinator,
        Some("990000-xfj"),
    ),
    (
        "coord.linjiang",
        "临江市信访局 李协调",
        Role::Coordinator,
        Some("990100-xfj"),
    ),
    (
        "intake.linjiang",
        "临江市信访局 赵登记",
        Role::Intake,
        Some("990100-xfj"),
    ),
    (
        "coord.donghu",
        "东湖区信访局 陈协调",
        Role::Coordinator,
        Some("990102-xfj"),
    ),
    (
        "intake.donghu",
        "东湖区信访局 孙登记",
        Role::Intake,
        Some("990102-xfj"),
    ),
    (
        "hotline.linjiang",
        "临江市12345 刘话务",
        Role::Intake,
        Some("990100-12345"),
    ),
    (
        "handler.donghu.zjj",
        "东湖区住建局 吴经办",
        Role::Handler,
        Some("990102-zjj"),
    ),
    (
        "handler.donghu.rsj",
        "东湖区人社局 郑经办",
        Role::Handler,
        Some("990102-rsj"),
    ),
    (
        "handler.donghu.jw",
        "东湖区纪委监委 冯经办",
        Role::Handler,
        Some("990102-jw"),
    ),
    (
        "handler.xicheng.zjj",
        "西城区住建局 何经办",
        Role::Handler,
        Some("990103-zjj"),
    ),
    // Serves the grids an administrator assigns (none at first: see README "Grids").
    (
        "grid.cuihu",
        "翠湖社区网格员 黄网格",
        Role::GridWorker,
        None,
    ),
];

/// Creates the demo users (all with `DEMO_PASSWORD`).
pub async fn seed_users(st: &AppState) -> ApiResult<()> {
    for (username, display, role, unit) in DEMO_USERS {
        crate::api::admin::add_user(
            st,
            crate::api::admin::NewUserRequest {
                username: (*username).into(),
                display_name: (*display).into(),
                password: DEMO_PASSWORD.into(),
                role: *role,
                unit: unit.map(str::to_string),
            },
        )
        .await?;
    }
    Ok(())
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高",
];
const GIVEN: &[&str] = &[
    "建国", "秀英", "海燕", "志强", "丽娟", "伟", "芳", "敏", "静", "磊", "洋", "桂兰", "国庆",
    "红梅", "德明", "晓东", "春花", "永刚",
];
const ESTATES: &[&str] = &[
    "翠湖苑",
    "金桂园",
    "锦绣华庭",
    "望江花园",
    "松林小区",
    "阳光新城",
    "柳岸人家",
    "东方明珠苑",
    "石桥新村",
    "南溪家园",
];

/// Issue templates per first-level topic: (title, request).
fn issues(topic_zh: &str) -> &'static [(&'static str, &'static str)] {
    match topic_zh {
        "城乡建设" => &[
            (
                "小区电梯长期故障无人维修",
                "请求责令物业公司尽快修复电梯并公开维修资金使用情况",
            ),
            (
                "楼顶渗水多次报修未果",
                "请求督促开发商履行保修责任，修复屋面防水",
            ),
            ("小区违章搭建影响通行", "请求城管部门依法拆除违章建筑"),
            ("道路井盖缺失存在安全隐患", "请求尽快补装井盖并设置警示标志"),
        ],
        "劳动和社会保障" => &[
            ("工地拖欠农民工工资", "请求责令施工单位足额支付拖欠的工资"),
            ("单位未依法缴纳社会保险", "请求核查并责令单位补缴社会保险费"),
            ("退休待遇核定有误", "请求重新核定养老金待遇"),
        ],
        "教育文体" => &[
            ("学校违规收取补课费用", "请求查处违规收费并退还费用"),
            ("适龄儿童入学难", "请求协调解决孩子就近入学问题"),
        ],
        "环境保护" => &[
            ("企业夜间排放刺鼻废气", "请求环保部门夜间检查并依法处理"),
            ("河道被倾倒建筑垃圾", "请求清理河道垃圾并追究倾倒者责任"),
            ("餐饮油烟扰民", "请求督促商户安装油烟净化设施"),
        ],
        "卫生计生" => &[
            ("医院收费项目不明", "请求核查收费明细并退还不合理费用"),
            ("诊所无证行医", "请求卫生监督部门依法查处"),
        ],
        "交通运输" => &[
            ("公交线路调整后出行不便", "请求恢复原公交站点或增设接驳线路"),
            ("出租车拒载绕路", "请求查处违规出租车驾驶员"),
        ],
        "国土资源" => &[
            ("征地补偿款未足额发放", "请求核查补偿标准并足额发放补偿款"),
            ("耕地被违法占用", "请求依法制止违法占地行为"),
        ],
        "农村农业" => &[
            ("惠农补贴未发放到户", "请求核查补贴发放情况"),
            ("村务财务不公开", "请求督促村委会公开村务财务"),
        ],
        "民政" => &[
            ("低保申请迟迟未获审批", "请求依法审核低保申请"),
            ("养老院服务质量差", "请求主管部门检查整改"),
        ],
        "政法" => &[
            ("小区附近夜间噪音扰民", "请求公安机关依法处理"),
            ("电动车频繁被盗", "请求加强巡逻并侦破盗窃案件"),
        ],
        "纪检监察" => &[("村干部优亲厚友违规分配补助", "请求纪检监察机关调查处理")],
        _ => &[
            ("办事窗口推诿扯皮", "请求改进服务，明确办理时限"),
            ("政策咨询无人答复", "请求相关部门答复政策执行口径"),
        ],
    }
}

const FACT_SENTENCES: &[&str] = &[
    "该问题已经持续了较长时间，严重影响了周边居民的正常生活。",
    "我们曾多次向相关单位反映，但至今没有得到明确答复。",
    "现场情况已拍照留存，周边多户居民均可证实。",
    "相关单位曾口头承诺处理，但一直没有实际行动。",
    "家中有老人和小孩，安全隐患让我们十分担心。",
    "希望政府部门高度重视，尽快核实情况并依法处理。",
    "此事涉及群众切身利益，大家意见很大。",
    "我们理解工作有难度，但希望能给出一个明确的办理时间。",
];

fn person(rng: &mut Rng) -> (String, Phone, Option<IdNumber>, String) {
    let name = format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN));
    let phone = Phone::parse(&format!(
        "1{}{:09}",
        3 + rng.below(7),
        rng.below(1_000_000_000)
    ))
    .unwrap_or_else(|_| Phone::parse("13800000000").expect("valid"));
    let id = IdNumber::with_check_digit(&format!(
        "990102{}{:02}{:02}{:03}",
        1950 + rng.below(55),
        1 + rng.below(12),
        1 + rng.below(28),
        rng.below(1000)
    ));
    let addr = format!("江川省临江市{}{}号", rng.pick(ESTATES), 1 + rng.below(30));
    (name, phone, id, addr)
}

/// One simulated case moving through the workflow with back-dated times.
struct Sim<'a> {
    st: &'a AppState,
    case: CaseState,
}

impl Sim<'_> {
    /// Runs a command at a simulated time; `false` when the rules refuse it then (a window
    /// closed), which simply ends that case's story.
    async fn step(&mut self, actor: &Actor, cmd: Command, at: DateTime<Utc>) -> ApiResult<bool> {
        match service::append_decided(self.st, actor, &self.case, &cmd, at).await {
            Ok(case) => {
                self.case = case;
                Ok(true)
            }
            Err(ApiError::Domain(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

fn staff(name: &str, role: Role, unit: &str) -> Actor {
    Actor {
        user_id: None,
        name: name.into(),
        role,
        unit: Some(unit.into()),
    }
}

fn ms(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

/// Generates `n` cases spread over every state of both flows, registered over the last
/// `days` days. Returns how many were written.
pub async fn generate_cases(st: &AppState, n: usize, seed: u64, days: i64) -> ApiResult<usize> {
    let dir = st.directory();
    let now = Utc::now();
    // Only the demo province has the units, streets and communities the generator draws on.
    let counties: Vec<String> = dir
        .regions()
        .filter(|r| r.level == Level::County && dir.is_within(&r.code, PROVINCE.code))
        .map(|r| r.code.clone())
        .collect();
    if counties.is_empty() {
        return Err(ApiError::Internal("demo needs the demo province".into()));
    }
    let tops: Vec<(String, String)> = dir
        .topics()
        .filter(|t| t.parent.is_none())
        .map(|t| (t.code.clone(), t.name_zh.clone()))
        .collect();
    let mut written = 0;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..n {
        let st = st.clone();
        let dir = dir.clone();
        let counties = counties.clone();
        let tops = tops.clone();
        tasks.spawn(async move {
            let mut rng = Rng::new(seed.wrapping_add(i as u64 * 7919));
            let start = ms(now - Duration::minutes(rng.below((days * 24 * 60) as u64) as i64 + 30));
            one_case(&st, &dir, &mut rng, &counties, &tops, start, now).await
        });
        if tasks.len() >= 64
            && let Some(r) = tasks.join_next().await
        {
            written += r.map_err(|e| ApiError::Internal(e.to_string()))??;
        }
    }
    while let Some(r) = tasks.join_next().await {
        written += r.map_err(|e| ApiError::Internal(e.to_string()))??;
    }
    Ok(written)
}

async fn one_case(
    st: &AppState,
    dir: &Directory,
    rng: &mut Rng,
    counties: &[String],
    tops: &[(String, String)],
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ApiResult<usize> {
    let county = rng.pick(counties).clone();
    let townships: Vec<&Region> = dir
        .regions()
        .filter(|r| r.parent.as_deref() == Some(county.as_str()))
        .collect();
    let town = rng.pick(&townships).code.clone();
    let communities: Vec<&Region> = dir
        .regions()
        .filter(|r| r.parent.as_deref() == Some(town.as_str()))
        .collect();
    let region = if communities.is_empty() {
        town
    } else {
        rng.pick(&communities).code.clone()
    };
    let (topic, topic_zh) = rng.pick(tops).clone();
    let leaves: Vec<String> = dir
        .topics()
        .filter(|t| dir.topic_chain(&t.code).first() == Some(&topic.as_str()) && t.code.len() == 6)
        .map(|t| t.code.clone())
        .collect();
    let leaf = if leaves.is_empty() {
        topic.clone()
    } else {
        rng.pick(&leaves).clone()
    };
    let (title, request) = *rng.pick(issues(&topic_zh));
    let estate = rng.pick(ESTATES);
    let place = dir
        .region(&region)
        .map(|r| r.name_zh.clone())
        .unwrap_or_default();
    let mut facts = format!("我是{place}{estate}的居民。");
    for _ in 0..(3 + rng.below(5)) {
        let sentence: &&str = rng.pick(FACT_SENTENCES);
        facts.push_str(sentence);
    }
    let hotline = rng.chance(40);
    let city = dir
        .region(&county)
        .ok()
        .and_then(|r| r.parent.clone())
        .unwrap_or_default();
    let (channel, kind, office) = if hotline {
        let kind = *rng.pick(&[
            CaseKind::Consultation,
            CaseKind::Help,
            CaseKind::Complaint,
            CaseKind::Complaint,
            CaseKind::Report,
            CaseKind::Suggestion,
        ]);
        (Channel::Hotline12345, kind, format!("{city}-12345"))
    } else {
        let kind = if topic_zh == "纪检监察" {
            CaseKind::Accusation
        } else {
            *rng.pick(&[
                CaseKind::Appeal,
                CaseKind::Appeal,
                CaseKind::Appeal,
                CaseKind::Suggestion,
            ])
        };
        let channel = *rng.pick(&[
            Channel::Online,
            Channel::Online,
            Channel::Letter,
            Channel::Phone,
            Channel::Visit,
        ]);
        (channel, kind, format!("{county}-xfj"))
    };
    let (name, phone, idn, addr) = person(rng);
    let query_code = ids::query_code_from_random(&std::array::from_fn(|_| rng.below(256) as u8));
    let pid = uuid::Uuid::now_v7();
    let group = if channel == Channel::Visit && rng.chance(15) {
        6 + rng.below(20) as u32
    } else {
        1
    };
    let registration = Registration {
        channel,
        flow: None,
        kind,
        urgent: hotline && rng.chance(5),
        title: title.into(),
        request: format!("{request}。"),
        facts_reasons: facts,
        topic: leaf.clone(),
        location: Location {
            region: region.clone(),
            address: format!("{place}{estate}"),
            lat: None,
            lng: None,
        },
        petitioner: PetitionerRef {
            id: pid,
            anonymous: false,
            name_masked: mask_name(&name),
            phone_masked: Some(phone.masked()),
            organisation: false,
            notify: None,
        },
        group_size: group,
        representatives: group.min(5),
        office_unit: office.clone(),
        accused_unit: None,
        about_officials: kind == CaseKind::Accusation,
        query_code_hash: ids::query_code_hash(&query_code),
        prior: Default::default(),
    };
    let intake = staff("登记员", Role::Intake, &office);
    let petitioner = NewPetitioner {
        id: pid,
        name: Some(name),
        phone: Some(phone),
        id_number: idn,
        address: Some(addr),
        email: None,
        notify: None,
    };
    let created = service::create_decided(
        st,
        &intake,
        registration,
        start,
        petitioner,
        query_code,
        None,
        None,
    )
    .await?;
    let minsheng_store::Created::New(case) = created else {
        return Ok(1);
    };
    let unit = dir
        .dispatch_unit(&county, &topic)
        .map(|u| u.id.clone())
        .unwrap_or_else(|| format!("{county}-gov"));
    let mut sim = Sim { st, case };
    let mut t = start;
    let mut advance = |rng: &mut Rng, max_hours: u64| -> Option<DateTime<Utc>> {
        t = ms(t + Duration::minutes(20 + rng.below(max_hours * 60) as i64));
        (t < now).then_some(t)
    };
    if hotline {
        simulate_hotline(&mut sim, rng, &office, &unit, &mut advance).await?;
    } else {
        simulate_petition(&mut sim, rng, &office, &unit, &mut advance).await?;
    }
    Ok(1)
}

type Advance<'a> = dyn FnMut(&mut Rng, u64) -> Option<DateTime<Utc>> + Send + 'a;

async fn simulate_petition(
    sim: &mut Sim<'_>,
    rng: &mut Rng,
    office: &str,
    unit: &str,
    advance: &mut Advance<'_>,
) -> ApiResult<()> {
    let coord = staff("信访局协调员", Role::Coordinator, office);
    let handler = staff("承办单位经办人", Role::Handler, unit);
    let Some(at) = advance(rng, 96) else {
        return Ok(());
    };
    if rng.chance(6) {
        let route = *rng.pick(LegalRoute::ALL);
        sim.step(
            &coord,
            Command::Divert {
                route,
                guidance: format!(
                    "您反映的事项属于{}范围，请依法通过{}途径解决。",
                    route.zh(),
                    route.zh()
                ),
            },
            at,
        )
        .await?;
        return Ok(());
    }
    let mode = if rng.chance(30) {
        TransferMode::Assign
    } else {
        TransferMode::Transfer
    };
    if !sim
        .step(
            &coord,
            Command::Transfer {
                to_unit: unit.into(),
                mode,
                note: "请依法处理并按期答复。".into(),
                report_required: mode == TransferMode::Assign,
            },
            at,
        )
        .await?
    {
        return Ok(());
    }
    let Some(at) = advance(rng, 72) else {
        return Ok(());
    };
    if rng.chance(5) {
        sim.step(
            &handler,
            Command::Object {
                reason: "该事项不属于本单位职责范围，建议转送属地人民政府。".into(),
            },
            at,
        )
        .await?;
        return Ok(());
    }
    if rng.chance(5) {
        sim.step(
            &handler,
            Command::Decline {
                reason: "该事项已经通过诉讼程序处理，依法不予受理。".into(),
            },
            at,
        )
        .await?;
        return Ok(());
    }
    sim.step(
        &handler,
        Command::Accept {
            notice: "您反映的事项本机关已依法受理，将在规定期限内办理并书面答复。".into(),
        },
        at,
    )
    .await?;
    if rng.chance(12) {
        let Some(at) = advance(rng, 24 * 20) else {
            return Ok(());
        };
        sim.step(
            &handler,
            Command::Extend {
                days: 10 + rng.below(21) as u32,
                approver: "单位负责人".into(),
                reason: "案情复杂，需要进一步调查核实。".into(),
            },
            at,
        )
        .await?;
    }
    let Some(at) = advance(rng, 24 * 30) else {
        return Ok(());
    };
    let outcome = *rng.pick(&[
        Outcome::Support,
        Outcome::Support,
        Outcome::Explain,
        Outcome::Reject,
    ]);
    let opinion = Opinion {
        request: sim.case.request.clone(),
        facts_reasons: "经调查核实，信访人反映的情况基本属实。".into(),
        opinion: match outcome {
            Outcome::Support => "责令相关责任单位于三十日内整改到位，并向信访人反馈。".into(),
            Outcome::Explain => {
                "信访人的诉求有一定合理性，但现行政策暂无依据，已作解释说明。".into()
            }
            Outcome::Reject => "信访人的请求缺乏事实依据，不予支持。".into(),
        },
        legal_basis: "《信访工作条例》第三十二条及相关法律法规。".into(),
        outcome,
    };
    if !sim
        .step(&handler, Command::IssueOpinion(opinion), at)
        .await?
    {
        return Ok(());
    }
    let citizen = Actor::citizen();
    if rng.chance(70) {
        let Some(at) = advance(rng, 24 * 5) else {
            return Ok(());
        };
        let rating = *rng.pick(&[
            "satisfied",
            "satisfied",
            "basically_satisfied",
            "unsatisfied",
        ]);
        sim.step(
            &citizen,
            Command::Rate {
                rating: rating.into(),
                comment: String::new(),
            },
            at,
        )
        .await?;
    }
    if rng.chance(20) {
        let Some(at) = advance(rng, 24 * 10) else {
            return Ok(());
        };
        if !sim
            .step(
                &citizen,
                Command::RequestReview {
                    reason: "对处理意见不服，认为事实认定不清。".into(),
                },
                at,
            )
            .await?
        {
            return Ok(());
        }
        if rng.chance(25) {
            return Ok(()); // still under review
        }
        let reviewer = staff(
            "复查机关工作人员",
            Role::Coordinator,
            &sim.case.current_unit.clone(),
        );
        let Some(at) = advance(rng, 24 * 20) else {
            return Ok(());
        };
        sim.step(
            &reviewer,
            Command::DecideReview {
                outcome: ReviewOutcome::Uphold,
                opinion: "经复查，原处理意见事实清楚，适用依据正确，予以维持。".into(),
            },
            at,
        )
        .await?;
        if rng.chance(40) {
            let Some(at) = advance(rng, 24 * 10) else {
                return Ok(());
            };
            if !sim
                .step(
                    &citizen,
                    Command::RequestReReview {
                        reason: "对复查意见仍然不服。".into(),
                    },
                    at,
                )
                .await?
            {
                return Ok(());
            }
            let rereviewer = staff(
                "复核机关工作人员",
                Role::Coordinator,
                &sim.case.current_unit.clone(),
            );
            let Some(at) = advance(rng, 24 * 20) else {
                return Ok(());
            };
            sim.step(
                &rereviewer,
                Command::DecideReReview {
                    outcome: ReviewOutcome::Uphold,
                    opinion: "经复核，维持复查意见。本事项复核终结。".into(),
                },
                at,
            )
            .await?;
        }
    } else if rng.chance(50) {
        let Some(at) = advance(rng, 24 * 40) else {
            return Ok(());
        };
        let coord = staff(
            "信访局协调员",
            Role::Coordinator,
            &sim.case.current_unit.clone(),
        );
        sim.step(
            &coord,
            Command::Close {
                reason: "信访人未在规定期限内申请复查，事项办结。".into(),
            },
            at,
        )
        .await?;
    }
    Ok(())
}

async fn simulate_hotline(
    sim: &mut Sim<'_>,
    rng: &mut Rng,
    office: &str,
    unit: &str,
    advance: &mut Advance<'_>,
) -> ApiResult<()> {
    let agent = staff("12345话务员", Role::Intake, office);
    let handler = staff("承办单位经办人", Role::Handler, unit);
    let Some(at) = advance(rng, 2) else {
        return Ok(());
    };
    if sim.case.kind == CaseKind::Consultation && rng.chance(60) {
        sim.step(
            &agent,
            Command::AnswerDirectly {
                answer: "已根据知识库向来电人解答相关政策。".into(),
            },
            at,
        )
        .await?;
    } else if rng.chance(3) {
        let service = *rng.pick(EmergencyService::ALL);
        sim.step(
            &agent,
            Command::EmergencyTransfer {
                service,
                note: "来电反映紧急情况，已一键转接。".into(),
            },
            at,
        )
        .await?;
        return Ok(());
    } else {
        sim.step(
            &agent,
            Command::Dispatch {
                to_unit: unit.into(),
                note: "请按时限办理并答复来电人。".into(),
            },
            at,
        )
        .await?;
        let Some(at) = advance(rng, 24) else {
            return Ok(());
        };
        if rng.chance(8) {
            sim.step(
                &handler,
                Command::Return {
                    reason: "该事项不属于本单位职责，申请退单。".into(),
                },
                at,
            )
            .await?;
            if rng.chance(30) {
                return Ok(()); // waiting at the hotline centre for re-dispatch (改派)
            }
            let Some(at) = advance(rng, 8) else {
                return Ok(());
            };
            sim.step(
                &agent,
                Command::Dispatch {
                    to_unit: unit.into(),
                    note: "经核实仍由该单位办理。".into(),
                },
                at,
            )
            .await?;
        }
        let Some(at) = advance(rng, 24) else {
            return Ok(());
        };
        sim.step(&handler, Command::SignFor, at).await?;
        if rng.chance(8) {
            let Some(at) = advance(rng, 24) else {
                return Ok(());
            };
            sim.step(
                &agent,
                Command::ApproveComplex {
                    approver: "热线中心负责人".into(),
                    reason: "涉及多个部门，需要协调。".into(),
                },
                at,
            )
            .await?;
        }
        let Some(at) = advance(rng, 24 * 5) else {
            return Ok(());
        };
        sim.step(
            &handler,
            Command::Reply {
                content: "经现场核查，已协调相关责任方处理，并电话告知来电人。".into(),
            },
            at,
        )
        .await?;
    }
    let Some(at) = advance(rng, 24 * 2) else {
        return Ok(());
    };
    let rating = *rng.pick(&[
        "satisfied",
        "satisfied",
        "satisfied",
        "basically_satisfied",
        "unsatisfied",
    ]);
    let resolved = rating != "unsatisfied";
    sim.step(
        &agent,
        Command::FollowUp {
            rating: rating.into(),
            resolved,
            note: "电话回访。".into(),
        },
        at,
    )
    .await?;
    if !resolved {
        let Some(at) = advance(rng, 24) else {
            return Ok(());
        };
        if rng.chance(60) {
            sim.step(
                &agent,
                Command::Reopen {
                    reason: "来电人对处理结果不满意，重新派单办理。".into(),
                },
                at,
            )
            .await?;
        } else {
            sim.step(
                &agent,
                Command::Close {
                    reason: "已向来电人充分解释，按不满意办结。".into(),
                },
                at,
            )
            .await?;
        }
    }
    Ok(())
}

/// Knowledge-base articles for the demo: published ones the hotline answers from, one draft and
/// one past its validity (to show the review states).
pub async fn seed_articles(st: &AppState) -> ApiResult<usize> {
    use minsheng_core::knowledge::{Article, ArticleState};
    let today = minsheng_core::deadline::local_date(crate::service::now());
    let day = |offset: i64| today + chrono::Duration::days(offset);
    let articles = [
        (
            "电梯故障报修和维修责任",
            "住宅电梯由物业服务企业（或使用单位）负责日常维护保养。电梯停运时，请先向物业报修；物业超过24小时未处理的，可向所在区住房和城乡建设局反映，或拨打12345。维修资金使用需经业主大会同意，紧急情况下可申请应急使用专项维修资金。",
            "990102-zjj",
            ArticleState::Published,
            None,
        ),
        (
            "拖欠工资如何投诉",
            "劳动者被拖欠工资的，可携带劳动合同、考勤记录、工资条等证据，向用人单位所在地人力资源和社会保障局劳动保障监察机构投诉，也可以申请劳动争议仲裁。农民工工资拖欠问题可拨打12345转接处理。",
            "990102-rsj",
            ArticleState::Published,
            None,
        ),
        (
            "12345热线受理范围",
            "12345政务服务便民热线受理企业和群众的咨询、求助、投诉、举报和意见建议。紧急事项请拨打110、119、120、122。涉及诉讼、仲裁、行政复议等法定途径的事项，将告知您相应途径。",
            "990100-12345",
            ArticleState::Published,
            None,
        ),
        (
            "2025年冬季供暖收费标准（已到期）",
            "2025年供暖季居民供暖费按建筑面积每平方米每月5元收取。本条目已过有效期，待主管部门更新。",
            "990100-12345",
            ArticleState::Published,
            Some(day(-30)),
        ),
        (
            "老旧小区加装电梯补贴（草稿）",
            "正在征求意见：既有住宅加装电梯，每台补贴标准拟为二十万元，具体以正式文件为准。",
            "990102-zjj",
            ArticleState::Draft,
            None,
        ),
    ];
    let mut n = 0;
    for (title, body, unit, state, until) in articles {
        let a = Article {
            id: uuid::Uuid::now_v7(),
            title: title.into(),
            body: body.into(),
            owner_unit: unit.into(),
            valid_from: day(-200),
            valid_until: until,
            state,
            updated_at: crate::service::now(),
            updated_by: "demo".into(),
            version: 1,
        };
        st.store.save_article(&a).await?;
        st.text.project_article(&a);
        n += 1;
    }
    Ok(n)
}
