//! Demo oversight data, after the demo cases exist: alerts at several levels and in every
//! status, a few supervision orders (one ignored past its deadline, one public), and
//! leader-owned cases, so the alert and supervision pages are not empty.

use crate::error::ApiResult;
use crate::service;
use crate::state::AppState;
use chrono::Duration;
use minsheng_core::access::{Actor, Role};
use minsheng_core::alert::{AlertDraft, AlertRule, Evidence};
use minsheng_core::case::Status;
use minsheng_core::workflow::{CaseState, Command};
use minsheng_store::AlertFilter;

fn supervisor() -> Actor {
    Actor {
        user_id: None,
        name: "省督查室 周督查".into(),
        role: Role::Supervisor,
        unit: None,
    }
}

/// What was added: (alerts worked on or raised, supervision orders, leader-owned cases).
pub async fn seed(st: &AppState) -> ApiResult<(usize, usize, usize)> {
    let now = service::now();
    let sup = supervisor();
    let mut alerts = 0;

    // Older alerts were worked on by the duty officers; the last day's are still waiting.
    let all = st
        .store
        .list_alerts(&AlertFilter {
            limit: 500,
            ..AlertFilter::default()
        })
        .await?;
    for (i, rec) in all
        .iter()
        .filter(|r| r.alert.raised_at < now - Duration::days(1))
        .enumerate()
    {
        let id = rec.alert.id.to_string();
        let steps: &[(&str, &str)] = match i % 4 {
            0 | 3 => &[
                ("acknowledge", ""),
                ("handle", "已会同属地乡镇做好解释疏导，当事人情绪平稳"),
                ("close", "经回访无异常"),
            ],
            1 => &[("acknowledge", ""), ("handle", "已约谈相关单位，限期解决")],
            _ => &[("acknowledge", "已通知属地核实")],
        };
        for (name, note) in steps {
            let cmd = super::command(name, &sup.name, note)?;
            super::act(st, &sup, &id, &cmd, now).await?;
        }
        alerts += 1;
    }

    let open: Vec<CaseState> = st.store.open_cases(None, 2000).await?;
    // Two fresh group matters: one still within its deadline, one past it (the escalation job
    // takes it up on its first round).
    for (case, hours) in open.iter().rev().take(2).zip([1i64, 13]) {
        let draft = AlertDraft {
            rule: AlertRule::GroupMatter,
            level: 4,
            key: format!("group_matter:{}:demo", case.id),
            evidence: Evidence {
                cases: vec![case.id],
                count: 6,
                threshold: 5,
                place: Some(case.location.region.clone()),
                topic: Some(case.topic.clone()),
                ..Evidence::default()
            },
        };
        super::raise(
            st,
            draft,
            Some(case.location.region.clone()),
            Some(case.current_unit.clone()),
            now - Duration::hours(hours),
        )
        .await?;
        alerts += 1;
    }

    // Supervision orders on cases being handled by a unit: one recent, one ignored for ten
    // days (untouched since), one made public.
    let handling: Vec<&CaseState> = open
        .iter()
        .filter(|c| matches!(c.status, Status::Handling | Status::InProgress))
        .collect();
    let mut orders = 0;
    let quiet = handling
        .iter()
        .find(|c| c.updated_at < now - Duration::days(11));
    if let Some(c) = quiet {
        let at = now - Duration::days(10);
        let cmd = Command::Supervise {
            instruction: "该事项办理进度缓慢，请于三日内报告办理情况".into(),
            respond_within_days: 3,
        };
        if service::append_decided(st, &sup, c, &cmd, at).await.is_ok() {
            orders += 1;
        }
    }
    for c in handling
        .iter()
        .filter(|c| Some(c.id) != quiet.map(|q| q.id))
        .take(2)
    {
        let cmd = Command::Supervise {
            instruction: "群众反映强烈，请加快办理并于五日内报告".into(),
            respond_within_days: 5,
        };
        if let Ok(next) = service::append_decided(st, &sup, c, &cmd, now).await {
            orders += 1;
            if orders == 2 {
                service::append_decided(st, &sup, &next, &Command::PublishSupervision, now)
                    .await
                    .ok();
            }
        }
    }

    // 领导包案: two open matters and one already answered.
    let answered = st
        .store
        .cases_for_index(None, 2000)
        .await?
        .into_iter()
        .map(|(c, _)| c)
        .find(|c| c.status == Status::Answered);
    let mut leaders = 0;
    let picks = handling
        .iter()
        .rev()
        .take(2)
        .map(|c| (*c).clone())
        .chain(answered);
    for (c, (leader, post)) in picks.zip([
        ("李明华", "东湖区副区长"),
        ("赵振国", "临江市信访局局长"),
        ("孙丽", "西城区委副书记"),
    ]) {
        let cmd = Command::AssignLeader {
            leader: leader.into(),
            post: post.into(),
        };
        // Answered cases are not terminal: a leader may still take charge of the follow-up.
        if service::append_decided(st, &sup, &c, &cmd, now)
            .await
            .is_ok()
        {
            leaders += 1;
        }
    }
    Ok((alerts, orders, leaders))
}
