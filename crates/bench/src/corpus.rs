//! Synthetic cases: Chinese petitions and hotline work orders assembled from place names
//! (regions, estates built from common name parts, roads), issue templates per topic, fact
//! sentences and handling opinions. Deterministic for a seed, so every run measures the same
//! documents. Estate and road names are deliberately not in the segmenter's domain dictionary,
//! as in a real deployment where only regions, units and topics are.

use chrono::{DateTime, Duration, TimeZone, Utc};
use minsheng_text::search::CaseDoc;

/// xorshift-multiply generator; quality is ample for picking words.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    pub fn pick<'a, T: ?Sized>(&mut self, xs: &[&'a T]) -> &'a T {
        xs[self.below(xs.len())]
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

pub const CITY: &str = "临江市";
/// (code, name) of a region.
type Named = (&'static str, &'static str);
/// (code, district, townships)
pub const DISTRICTS: &[(&str, &str, &[Named])] = &[
    (
        "990102",
        "东湖区",
        &[
            ("990102001", "湖滨街道"),
            ("990102002", "松林街道"),
            ("990102003", "翠屏街道"),
        ],
    ),
    (
        "990103",
        "西城区",
        &[("990103001", "石桥街道"), ("990103002", "金沙街道")],
    ),
    (
        "990104",
        "南山区",
        &[("990104001", "望江街道"), ("990104002", "桂园街道")],
    ),
    (
        "990105",
        "北塘区",
        &[("990105001", "北塘街道"), ("990105002", "新河街道")],
    ),
    (
        "990121",
        "清河县",
        &[
            ("990121001", "柳溪镇"),
            ("990121002", "南溪乡"),
            ("990121003", "石门镇"),
        ],
    ),
];

const ESTATE_HEADS: &[&str] = &[
    "翠湖",
    "金桂",
    "锦绣",
    "望江",
    "松林",
    "阳光",
    "柳岸",
    "东方明珠",
    "石桥",
    "南溪",
    "碧水",
    "丽景",
    "龙湖",
    "天元",
    "紫荆",
    "梧桐",
    "香樟",
    "银杏",
    "和平",
    "幸福",
    "春晖",
    "枫林",
    "御景",
    "滨江",
    "湖光",
    "翠屏",
    "金沙",
    "桂花",
    "长江",
    "明珠",
    "书香",
    "凤凰",
    "青云",
    "绿洲",
];
const ESTATE_TAILS: &[&str] = &[
    "苑", "园", "花园", "小区", "新村", "家园", "华庭", "雅居", "公寓", "新城", "名苑", "山庄",
    "人家",
];
pub const ROAD_HEADS: &[&str] = &[
    "人民", "解放", "建设", "中山", "湖滨", "翠湖", "文化", "胜利", "长江", "新华", "和平", "工业",
    "学府", "滨江", "迎宾", "朝阳",
];
pub const ROAD_TAILS: &[&str] = &["路", "大道", "北路", "南路", "东路", "西路", "街", "巷"];

pub struct Topic {
    pub code: &'static str,
    pub name: &'static str,
    pub unit: &'static str,
    /// (title, request)
    pub issues: &'static [(&'static str, &'static str)],
}

pub const TOPICS: &[Topic] = &[
    Topic {
        code: "03",
        name: "城乡建设",
        unit: "住房和城乡建设局",
        issues: &[
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
            ("物业公司乱收停车费", "请求核查停车收费标准并退还多收费用"),
            ("小区门口道路积水严重", "请求疏通排水管网，解决雨天积水问题"),
            ("夜间施工噪音影响休息", "请求责令施工单位停止夜间违规施工"),
            ("自来水水质发黄有异味", "请求供水公司检测水质并清洗管道"),
        ],
    },
    Topic {
        code: "04",
        name: "劳动和社会保障",
        unit: "人力资源和社会保障局",
        issues: &[
            ("工地拖欠农民工工资", "请求责令施工单位足额支付拖欠的工资"),
            ("单位未依法缴纳社会保险", "请求核查并责令单位补缴社会保险费"),
            ("退休待遇核定有误", "请求重新核定养老金待遇"),
            ("公司违法解除劳动合同", "请求依法支付经济补偿金"),
        ],
    },
    Topic {
        code: "05",
        name: "教育文体",
        unit: "教育局",
        issues: &[
            ("学校违规收取补课费用", "请求查处违规收费并退还费用"),
            ("适龄儿童入学难", "请求协调解决孩子就近入学问题"),
            ("校外培训机构跑路退费难", "请求监管部门督促退还预付学费"),
        ],
    },
    Topic {
        code: "06",
        name: "环境保护",
        unit: "生态环境局",
        issues: &[
            ("企业夜间排放刺鼻废气", "请求环保部门夜间检查并依法处理"),
            ("河道被倾倒建筑垃圾", "请求清理河道垃圾并追究倾倒者责任"),
            ("餐饮油烟扰民", "请求督促商户安装油烟净化设施"),
            ("楼下烧烤店油烟噪音扰民", "请求规范烧烤店经营时间并治理油烟"),
        ],
    },
    Topic {
        code: "07",
        name: "卫生计生",
        unit: "卫生健康委员会",
        issues: &[
            ("医院收费项目不明", "请求核查收费明细并退还不合理费用"),
            ("诊所无证行医", "请求卫生监督部门依法查处"),
            ("社区医院挂号排队时间长", "请求增加窗口和医生，缩短排队时间"),
        ],
    },
    Topic {
        code: "08",
        name: "交通运输",
        unit: "交通运输局",
        issues: &[
            ("公交线路调整后出行不便", "请求恢复原公交站点或增设接驳线路"),
            ("出租车拒载绕路", "请求查处违规出租车驾驶员"),
            ("路口红绿灯时间设置不合理", "请求交警部门优化信号灯配时"),
        ],
    },
    Topic {
        code: "09",
        name: "国土资源",
        unit: "自然资源和规划局",
        issues: &[
            ("征地补偿款未足额发放", "请求核查补偿标准并足额发放补偿款"),
            ("耕地被违法占用", "请求依法制止违法占地行为"),
            (
                "房屋不动产证迟迟办不下来",
                "请求协调开发商和登记部门尽快办证",
            ),
        ],
    },
    Topic {
        code: "10",
        name: "农村农业",
        unit: "农业农村局",
        issues: &[
            ("惠农补贴未发放到户", "请求核查补贴发放情况"),
            ("村务财务不公开", "请求督促村委会公开村务财务"),
        ],
    },
    Topic {
        code: "11",
        name: "民政",
        unit: "民政局",
        issues: &[
            ("低保申请迟迟未获审批", "请求依法审核低保申请"),
            ("养老院服务质量差", "请求主管部门检查整改"),
        ],
    },
    Topic {
        code: "12",
        name: "政法",
        unit: "公安局",
        issues: &[
            ("小区附近夜间噪音扰民", "请求公安机关依法处理"),
            ("电动车频繁被盗", "请求加强巡逻并侦破盗窃案件"),
        ],
    },
    Topic {
        code: "13",
        name: "商贸旅游",
        unit: "市场监督管理局",
        issues: &[
            ("超市销售过期食品", "请求市场监管部门查处并赔偿损失"),
            ("预付卡商家关门无法退款", "请求督促商家退还预付卡余额"),
            ("景区门票价格虚高", "请求价格主管部门核查"),
        ],
    },
];

pub const FACT_SENTENCES: &[&str] = &[
    "该问题已经持续了较长时间，严重影响了周边居民的正常生活。",
    "我们曾多次向相关单位反映，但至今没有得到明确答复。",
    "现场情况已拍照留存，周边多户居民均可证实。",
    "相关单位曾口头承诺处理，但一直没有实际行动。",
    "家中有老人和小孩，安全隐患让我们十分担心。",
    "希望政府部门高度重视，尽快核实情况并依法处理。",
    "此事涉及群众切身利益，大家意见很大。",
    "我们理解工作有难度，但希望能给出一个明确的办理时间。",
    "上周三晚上又发生了同样的情况，一直到凌晨才停止。",
    "物业表示需要业主委员会同意才能动用维修资金。",
    "社区网格员已经来看过，说会向上级反映。",
    "附近还有一所小学，孩子们每天上下学都要经过这里。",
];

const OPINIONS: &[&str] = &[
    "经核查，反映情况属实，已责令相关单位限期整改，并将持续跟踪督办。",
    "经调查，相关单位已按规定处理，现将有关政策解释如下，请予理解。",
    "经现场核实，问题已于本周内解决，群众表示满意。",
    "经研究，该诉求不符合相关规定，不予支持，如有异议可申请复查。",
    "已协调街道、社区和物业公司召开专题会议，明确了整改方案和时间表。",
];

pub const KINDS: &[&str] = &[
    "complaint",
    "help",
    "consultation",
    "report",
    "suggestion",
    "appeal",
];
pub const CHANNELS: &[&str] = &["hotline_12345", "online", "phone", "letter", "visit"];
pub const STATUSES: &[&str] = &["registered", "assigned", "handling", "replied", "closed"];

pub fn estate_names() -> Vec<String> {
    let mut v = Vec::new();
    for h in ESTATE_HEADS {
        for t in ESTATE_TAILS {
            v.push(format!("{h}{t}"));
        }
    }
    v
}

/// One generated case plus the fields only the related-case benchmark uses.
pub struct Generated {
    pub doc: CaseDoc,
    pub caller: u64,
    pub place: String,
    pub topic: &'static str,
}

pub struct Generator {
    rng: Rng,
    estates: Vec<String>,
    start: DateTime<Utc>,
    n: usize,
    /// Callers so far, for repeat callers.
    callers: u64,
}

impl Generator {
    pub fn new(seed: u64) -> Self {
        Generator {
            rng: Rng::new(seed),
            estates: estate_names(),
            start: Utc
                .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
                .single()
                .unwrap_or_default(),
            n: 0,
            callers: 0,
        }
    }

    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    pub fn case(&mut self, total: usize) -> Generated {
        let i = self.n;
        self.n += 1;
        let r = &mut self.rng;
        let (dcode, district, towns) = DISTRICTS[r.below(DISTRICTS.len())];
        let (tcode, town) = towns[r.below(towns.len())];
        let estate = self.estates[r.below(self.estates.len())].clone();
        let road = format!("{}{}", r.pick(ROAD_HEADS), r.pick(ROAD_TAILS));
        let topic = &TOPICS[r.below(TOPICS.len())];
        let issue = r.below(topic.issues.len());
        let (title, ask) = topic.issues[issue];
        let building = format!("{}栋{}单元", 1 + r.below(30), 1 + r.below(6));
        let title = if r.chance(50) {
            format!("{estate}{title}")
        } else {
            title.to_string()
        };
        let request = format!(
            "本人住在{district}{town}{estate}{building}，{}，{ask}。",
            topic.issues[issue].0
        );
        let mut facts = String::new();
        for _ in 0..2 + r.below(3) {
            facts.push_str(r.pick(FACT_SENTENCES));
        }
        if r.chance(30) {
            facts.push_str(&format!(
                "联系电话1{}{:09}。",
                3 + r.below(7),
                r.below(1_000_000_000)
            ));
        }
        let address = format!("{CITY}{district}{road}{}号{estate}", 1 + r.below(300));
        let status = r.pick(STATUSES);
        let opinion = if status == "replied" || status == "closed" {
            format!("{}{}", topic.unit, r.pick(OPINIONS))
        } else {
            String::new()
        };
        // Cases spread over two years, in order.
        let created =
            self.start + Duration::seconds((i as i64) * (2 * 365 * 86_400) / (total.max(1) as i64));
        // About one case in five comes from someone who called before.
        let caller = if self.callers > 0 && r.chance(20) {
            r.next_u64() % self.callers
        } else {
            self.callers += 1;
            self.callers - 1
        };
        let unit = format!("u-{}-{}", topic.code, dcode);
        let doc = CaseDoc {
            id: format!("c{i:08}"),
            title,
            request,
            facts,
            address,
            opinion,
            status: status.to_string(),
            kind: r.pick(KINDS).to_string(),
            channel: r.pick(CHANNELS).to_string(),
            handling_unit: Some(unit.clone()),
            visible_to: vec![unit, format!("u-office-{dcode}")],
            region_chain: vec![tcode.to_string(), dcode.to_string(), "990100".to_string()],
            topic_chain: vec![topic.code.to_string()],
            created,
        };
        Generated {
            doc,
            caller,
            place: format!("{estate}{building}"),
            topic: topic.code,
        }
    }
}

/// Region, unit and topic names: the domain dictionary a deployment's directory gives.
pub fn domain_words() -> (Vec<String>, Vec<String>, Vec<String>) {
    let mut places = vec![CITY.to_string(), "江川省".to_string()];
    for (_, d, towns) in DISTRICTS {
        places.push(d.to_string());
        for (_, t) in *towns {
            places.push(t.to_string());
        }
    }
    let mut units = Vec::new();
    for (_, d, _) in DISTRICTS {
        for t in TOPICS {
            units.push(format!("{d}{}", t.unit));
        }
    }
    let topics = TOPICS.iter().map(|t| t.name.to_string()).collect();
    (places, units, topics)
}

/// The text a person would search: what the index holds, personal numbers masked.
pub fn searchable_text(d: &CaseDoc) -> String {
    let text = format!(
        "{}\n{}\n{}\n{}\n{}",
        d.title, d.request, d.facts, d.address, d.opinion
    );
    minsheng_text::search::mask_digit_runs(&text)
}
