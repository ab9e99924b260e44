//! Demo suggestion work: an expert pool, campaigns (an open themed one, an open targeted one
//! with invited advisers, an ended one with its collective answer) and suggestions at two
//! district offices in every state, with a panel, conversions, a reward, published suggestions
//! with supporters and one past the support threshold. Everything goes through the real command
//! path, so the demo data obeys the same rules as live data.

use super::service::{self, SuggesterInput, SuggestionInput};
use super::support;
use crate::error::ApiResult;
use crate::state::AppState;
use minsheng_core::access::{Actor, Role};
use minsheng_core::case::Channel;
use minsheng_core::deadline::local_date;
use minsheng_core::suggestion::{
    CampaignCommand, CampaignDraft, CampaignKind, Expert, SuggestionCommand, SuggestionState,
};
use serde_json::json;
use std::net::{IpAddr, Ipv4Addr};

/// What the demo made: counts and the invited advisers' personal links (shown once).
pub struct DemoSuggestions {
    pub campaigns: usize,
    pub suggestions: usize,
    pub adviser_links: Vec<(String, String)>,
}

fn staff(name: &str, role: Role, unit: &str) -> Actor {
    Actor {
        user_id: None,
        name: name.into(),
        role,
        unit: Some(unit.into()),
    }
}

fn input(
    campaign: Option<uuid::Uuid>,
    token: Option<String>,
    (title, reason, proposal): (&str, &str, &str),
    region: &str,
    who: (&str, &str),
) -> SuggestionInput {
    SuggestionInput {
        channel: None,
        campaign,
        adviser_token: token,
        title: title.into(),
        reason: reason.into(),
        proposal: proposal.into(),
        topic: "010101".into(),
        region: region.into(),
        office_unit: None,
        suggester: SuggesterInput {
            name: who.0.into(),
            phone: who.1.into(),
            address: None,
            organisation: false,
        },
    }
}

async fn run(
    st: &AppState,
    actor: &Actor,
    s: SuggestionState,
    cmd: serde_json::Value,
) -> ApiResult<SuggestionState> {
    let cmd: SuggestionCommand = super::api::parse_command(cmd)?;
    service::execute(st, actor, s, cmd).await
}

const TEXTS: &[(&str, &str, &str)] = &[
    (
        "关于完善老旧小区加装电梯补贴政策的建议",
        "全区老旧小区居民老龄化程度高，加装电梯意愿强，但审批环节多、补贴标准不清。",
        "建议建立加装电梯一站式审批机制，明确补贴标准，并公开办理进度。",
    ),
    (
        "关于增设社区托育服务点的建议",
        "双职工家庭三岁以下婴幼儿照护需求大，社区普惠托育资源不足。",
        "建议利用社区闲置用房建设普惠托育点，政府给予运营补贴。",
    ),
    (
        "关于优化公交线网衔接地铁站的建议",
        "新开通地铁站周边公交接驳不足，市民换乘步行距离长。",
        "建议调整公交线路，在地铁站出口设置接驳站点并统一换乘标识。",
    ),
    (
        "关于推广垃圾分类积分激励制度的建议",
        "部分小区垃圾分类投放准确率不高，居民参与积极性有待提升。",
        "建议在全区推广垃圾分类积分兑换制度，积分可兑换生活用品。",
    ),
    (
        "关于建设滨江慢行步道的建议",
        "滨江一带步行和骑行的市民很多，但缺少连续的慢行道。",
        "建议沿江建设连续的慢行步道并完善夜间照明。",
    ),
    (
        "关于完善夜间经济街区管理的建议",
        "夜间经济街区噪声和停车问题影响周边居民休息。",
        "建议制定夜间经济街区管理办法，设置错时停车和噪声监测。",
    ),
    (
        "关于在公园增设无障碍设施的建议",
        "区内公园部分园路台阶多，轮椅和婴儿车通行不便。",
        "建议对公园主园路进行无障碍改造，增设坡道和无障碍卫生间。",
    ),
    (
        "关于建立社区食堂的建议",
        "独居老人用餐不便，社区缺少价格实惠的助餐点。",
        "建议依托社区服务中心建立社区食堂，对高龄老人给予用餐补贴。",
    ),
];

/// Seeds the demo suggestion work (into a database with the demo directory).
pub async fn seed_suggestions(st: &AppState) -> ApiResult<DemoSuggestions> {
    let citizen = Actor::citizen();
    let today = local_date(crate::service::now());
    for (id, name, field, unit) in [
        ("E001", "李教授（城市规划）", "城建", None),
        ("E002", "张研究员（社会保障）", "民生", None),
        ("E003", "赵工程师（交通）", "城建", Some("990102-zjj")),
        ("E004", "王律师（法律）", "法律", None),
        ("E005", "陈教授（公共管理）", "城建", None),
        ("E006", "刘高工（建筑）", "城建", None),
    ] {
        st.store
            .save_expert(&Expert {
                id: id.into(),
                name: name.into(),
                fields: vec![field.into()],
                unit: unit.map(str::to_string),
                active: true,
            })
            .await?;
    }
    let mut n = 0usize;
    let mut links = Vec::new();
    let mut campaigns = 0usize;
    for (office, county, community, xfj, zjj, rsj) in [
        (
            "990102-xfj",
            "990102",
            "990102001001",
            "东湖区信访局 陈协调",
            "990102-zjj",
            "990102-rsj",
        ),
        (
            "990103-xfj",
            "990103",
            "990103001001",
            "西城区信访局 征集办",
            "990103-zjj",
            "990103-rsj",
        ),
    ] {
        let coord = staff(xfj, Role::Coordinator, office);
        let zjj_h = staff("住建局经办人", Role::Handler, zjj);
        let rsj_h = staff("人社局经办人", Role::Handler, rsj);
        let draft = |kind, title: &str, explanation: &str, days: i64| CampaignDraft {
            kind,
            title: title.into(),
            explanation: explanation.into(),
            channels: vec![Channel::Online, Channel::Letter],
            opens_on: today,
            closes_on: today + chrono::Duration::days(days),
            office_unit: office.into(),
            topic: None,
        };
        let themed = service::open_campaign(
            st,
            &coord,
            draft(
                CampaignKind::Themed,
                "老旧小区改造和加装电梯意见征集",
                "为做好老旧小区改造和加装电梯工作，现向社会公开征集意见建议，欢迎市民踊跃参与。",
                30,
            ),
        )
        .await?;
        let targeted = service::open_campaign(
            st,
            &coord,
            draft(
                CampaignKind::Targeted,
                "城市慢行系统规划专家定向征集",
                "邀请规划、交通领域的特邀建议人就城市慢行系统规划提出专业意见。",
                20,
            ),
        )
        .await?;
        let mut targeted = targeted;
        let mut token = String::new();
        for (id, name) in [("A01", "孙规划师"), ("A02", "周交通工程师")] {
            let (k, t) = service::invite_adviser(st, &coord, targeted, id, name).await?;
            targeted = k;
            links.push((format!("{office} {name}"), service::invitation_path(&t)));
            if token.is_empty() {
                token = t;
            }
        }
        let ended = service::open_campaign(
            st,
            &coord,
            draft(
                CampaignKind::Themed,
                "社区养老服务设施布局意见征集",
                "就社区养老服务设施的布局和功能向社会征集意见建议，征集已结束。",
                10,
            ),
        )
        .await?;
        campaigns += 3;
        let base = if office == "990102-xfj" { 0 } else { 100 };
        let submit = |i: usize, campaign: Option<uuid::Uuid>, tok: Option<String>| {
            let names = [
                "王建言",
                "李思远",
                "张晓明",
                "刘芳",
                "陈立新",
                "赵敏",
                "孙浩",
                "周宁",
            ];
            let phone = format!("1370000{:04}", i + base);
            let body = input(
                campaign,
                tok,
                TEXTS[i % TEXTS.len()],
                community,
                (names[i % names.len()], &phone),
            );
            let actor = citizen.clone();
            async move { service::submit(st, &actor, body).await.map(|r| r.state) }
        };
        n += 9;
        // registered (in the themed campaign)
        submit(0, Some(themed.id), None).await?;
        // redirected: a personal request, recognised at the door
        {
            let phone = format!("1370000{:04}", 50 + base);
            service::submit(
                st,
                &citizen,
                input(
                    None,
                    None,
                    (
                        "楼道灯坏了没人修",
                        "我家楼道的灯坏了一个月，物业一直不修。",
                        "请帮我尽快修好楼道灯。",
                    ),
                    community,
                    ("刘小华", &phone),
                ),
            )
            .await?;
            n += 1;
        }
        // withdrawn
        let s = submit(2, None, None).await?;
        let s = run(st, &coord, s, json!({"command": "accept"})).await?;
        run(
            st,
            &coord,
            s,
            json!({"command": "withdraw", "reason": "建议人来电要求撤回"}),
        )
        .await?;
        // assessing, with an expert panel and one opinion
        let s = submit(3, Some(themed.id), None).await?;
        let s = run(st, &coord, s, json!({"command": "accept"})).await?;
        let s = run(
            st,
            &coord,
            s,
            json!({"command": "draw_panel", "size": 3, "seed": 2026, "field": "城建", "conflict_units": [zjj]}),
        )
        .await?;
        if let Some(first) = s.panel.as_ref().and_then(|p| p.experts.first()).cloned() {
            run(
                st,
                &coord,
                s,
                json!({"command": "record_expert_opinion", "expert_id": first.id, "recommendation": "adopt", "opinion": "建议可行，具有推广价值。"}),
            )
            .await?;
        }
        // assessed
        let s = submit(4, None, None).await?;
        let s = run(st, &coord, s, json!({"command": "accept"})).await?;
        run(
            st,
            &coord,
            s,
            json!({"command": "assess", "important": false, "opinion": "有参考价值，拟转交通部门研究。"}),
        )
        .await?;
        // forwarded to two units, one answered; published with supporters
        let s = submit(5, Some(themed.id), None).await?;
        let s = forward(st, &coord, s, &[zjj, rsj], true).await?;
        let s = run(
            st,
            &zjj_h,
            s,
            json!({"command": "answer", "outcome": "planned", "reply": "已列入明年工作计划，分步实施。"}),
        )
        .await?;
        let s = run(
            st,
            &coord,
            s,
            json!({"command": "publish", "summary": "建议制定夜间经济街区管理办法，设置错时停车和噪声监测。"}),
        )
        .await?;
        supporters(st, &s, 12, 1).await?;
        // the adviser's suggestion in the targeted campaign, forwarded
        let s = submit(6, Some(targeted.id), Some(token.clone())).await?;
        forward(st, &coord, s, &[zjj], false).await?;
        // answered (adopted), feedback due
        let s = submit(7, None, None).await?;
        let s = forward(st, &coord, s, &[rsj], true).await?;
        run(
            st,
            &rsj_h,
            s,
            json!({"command": "answer", "outcome": "adopted", "reply": "采纳，将在社区服务中心试点社区食堂。"}),
        )
        .await?;
        // concluded: adopted, converted, fed back, rewarded; published past the threshold
        let s = submit(8, Some(themed.id), None).await?;
        let s = forward(st, &coord, s, &[zjj], true).await?;
        let s = run(
            st,
            &coord,
            s,
            json!({"command": "publish", "summary": "建议建立加装电梯一站式审批机制，明确补贴标准。"}),
        )
        .await?;
        let s = run(
            st,
            &zjj_h,
            s,
            json!({"command": "answer", "outcome": "adopted", "reply": "采纳，已出台加装电梯一站式审批办法。"}),
        )
        .await?;
        let s = run(
            st,
            &zjj_h,
            s,
            json!({"command": "record_conversion", "route": "law_policy", "reference": format!("{county}政办〔2026〕12号"), "summary": "加装电梯一站式审批办法"}),
        )
        .await?;
        let s = run(
            st,
            &coord,
            s,
            json!({"command": "give_feedback", "mode": "individual", "content": "您的建议已被采纳，并转化为区政府办公室文件。感谢您的参与！"}),
        )
        .await?;
        let cycle = today.format("%Y").to_string();
        let s = run(
            st,
            &coord,
            s,
            json!({"command": "award", "cycle": cycle, "tier": "second", "citation": "优秀人民建议"}),
        )
        .await?;
        let threshold = st.policy_for_region(county).suggestion.support.threshold;
        supporters(st, &s, threshold, 2).await?;
        // concluded: not adopted, fed back collectively after the campaign ended
        let s = submit(9, Some(ended.id), None).await?;
        let s = forward(st, &coord, s, &[rsj], false).await?;
        let s = run(
            st,
            &rsj_h,
            s,
            json!({"command": "answer", "outcome": "not_adopted", "reply": "经研究暂不采纳。", "reason": "与现行养老设施专项规划不一致"}),
        )
        .await?;
        let ended = service::campaign_command(
            st,
            &coord,
            ended,
            &CampaignCommand::Close {
                reason: "征集目标已完成".into(),
            },
        )
        .await?;
        service::campaign_command(
            st,
            &coord,
            ended,
            &CampaignCommand::PublishAnswer {
                content: "本次征集共收到意见建议若干条，已吸收进社区养老服务设施布局规划，感谢广大市民的参与。".into(),
            },
        )
        .await?;
        run(
            st,
            &coord,
            s,
            json!({"command": "give_feedback", "mode": "collective"}),
        )
        .await?;
    }
    Ok(DemoSuggestions {
        campaigns,
        suggestions: n,
        adviser_links: links,
    })
}

async fn forward(
    st: &AppState,
    coord: &Actor,
    s: SuggestionState,
    units: &[&str],
    important: bool,
) -> ApiResult<SuggestionState> {
    let s = run(
        st,
        coord,
        s,
        json!({"command": "accept", "note": "属于公共政策建议"}),
    )
    .await?;
    let s = run(
        st,
        coord,
        s,
        json!({"command": "assess", "important": important, "opinion": "具有可行性，转相关部门研究办理。"}),
    )
    .await?;
    run(
        st,
        coord,
        s,
        json!({"command": "forward", "units": units, "note": "请研究办理并按期答复"}),
    )
    .await
}

/// `count` verified supporters from many networks (the demo has no SMS gateway).
async fn supporters(st: &AppState, s: &SuggestionState, count: u32, salt: u8) -> ApiResult<()> {
    for i in 0..count {
        let phone = minsheng_core::petitioner::Phone::parse(&format!("139{:02}{:06}", salt, i))?;
        let s = st
            .store
            .get_suggestion(s.id)
            .await?
            .unwrap_or_else(|| s.clone());
        // One address per /24, so the per-network limit never bites.
        let ip = IpAddr::V4(Ipv4Addr::new(100, 64 + salt, (i % 250) as u8, 1));
        support::add_verified(
            st,
            s,
            &st.store.phone_index(&phone),
            ip,
            crate::service::now(),
        )
        .await?;
    }
    Ok(())
}
