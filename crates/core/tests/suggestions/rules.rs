//! The pure rules: screening and redirection, expert panels, award cycles and quotas, public
//! support (one per phone, rate limits, bursts).

use super::*;
use minsheng_core::suggestion::reward::{check_quota, cycle_of};
use minsheng_core::suggestion::screening::{Verdict, screen};
use minsheng_core::suggestion::support::{
    self, RateDecision, SupportCheck, SupportDecision, SupportRecord, decide_support, rate_limit,
};
use minsheng_core::suggestion::{RateLimit, draw_panel};

fn rules() -> minsheng_core::suggestion::ScreeningPolicy {
    national().suggestion.screening_rules.clone()
}

#[test]
fn screening_scores_by_hand() {
    let p = rules();
    // own_household (40) + own_claim (50) = 90, no marker: redirect to the hotline.
    let s = screen(&["我家楼上漏水", "物业不管", "请帮我协调维修"], &p, None);
    assert_eq!((s.personal_request, s.litigation), (90, 0));
    assert_eq!(s.verdict, Verdict::Redirect);
    assert_eq!(s.kind, Some(NotASuggestion::PersonalRequest));
    assert_eq!(s.rules, ["own_household", "own_claim"]);
    assert!(s.reason_zh.contains("个人诉求"));
    // legal_procedure (50) + case_reference (40) = 90: litigation.
    let s = screen(
        &["对（2025）沪0101民初123号判决不服", "要求法院再审"],
        &p,
        None,
    );
    assert_eq!((s.personal_request, s.litigation), (0, 90));
    assert_eq!(s.kind, Some(NotASuggestion::Litigation));
    // A suggestion about arbitration itself: 50 − 3 markers × 10 = 20, a suggestion.
    let s = screen(&["关于完善劳动仲裁制度的建议"], &p, None);
    assert_eq!(s.litigation, 20);
    assert_eq!(s.markers, ["建议", "完善", "制度"]);
    assert_eq!((s.verdict, s.kind), (Verdict::Suggestion, None));
    // One legal phrase alone: 50, the office decides.
    let s = screen(&["法院门口停车难"], &p, None);
    assert_eq!((s.verdict, s.litigation), (Verdict::Review, 50));
    // The discount is capped at 40: 90 − 40 = 50.
    let s = screen(
        &["我家和我妈的房子，建议完善制度政策机制规划，帮我解决"],
        &p,
        None,
    );
    assert_eq!(s.personal_request, 50);
    // A classifier blends in at 50 %: (0 × 50 + 90 × 50) / 100 = 45 → review; with rules at 90
    // and the classifier at 70: (90 + 70) / 2 = 80 → redirect; at 69 → 79, review.
    let c = |personal_request| ClassifierScore {
        personal_request,
        litigation: 0,
    };
    let s = screen(&["小区绿化"], &p, Some(c(90)));
    assert_eq!((s.personal_request, s.verdict), (45, Verdict::Review));
    assert!(
        s.reason_zh.contains("个人诉求"),
        "a reason even without a rule"
    );
    let text = ["我家楼上漏水，请帮我协调"];
    assert_eq!(screen(&text, &p, Some(c(70))).verdict, Verdict::Redirect);
    let s = screen(&text, &p, Some(c(69)));
    assert_eq!((s.personal_request, s.verdict), (79, Verdict::Review));
    // Full-width letters and spaces do not hide a phrase.
    let s = screen(&["我 家 的事情，帮 我 办"], &p, None);
    assert_eq!(s.personal_request, 90);
}

#[test]
fn personal_requests_are_redirected_at_the_door_with_the_reason() {
    let mut sub = submission();
    sub.title = "楼上漏水".into();
    sub.reason = "我家楼上漏水三个月".into();
    sub.proposal = "请帮我协调物业维修".into();
    let s = try_submit(
        &national(),
        &Actor::citizen(),
        "2026-03-02 10:00",
        sub.clone(),
        None,
    )
    .unwrap();
    assert_eq!(s.status(), SS::Redirected);
    let r = s.state.redirection.as_ref().unwrap();
    assert_eq!(
        (r.kind, r.to, r.automatic),
        (NotASuggestion::PersonalRequest, Flow::Hotline, true)
    );
    assert!(
        r.reason.contains("个人诉求") && r.reason.contains("12345"),
        "{}",
        r.reason
    );
    assert!(r.reason_en.contains("personal request"));
    assert!(r.article.contains("第十条"));
    assert_eq!(s.state.screening.verdict, Verdict::Redirect);
    assert!(s.state.closed_at.is_some());
    s.refuse(
        &office(),
        "2026-03-03 10:00",
        &accept(),
        "not_allowed_in_state",
    );
    // Litigation goes to the petition flow (where 诉访分离 steers it on).
    let mut lit = submission();
    lit.reason = "对（2025）沪0101民初123号判决不服，已上诉".into();
    lit.proposal = "要求再审".into();
    lit.title = "判决问题".into();
    let s = try_submit(
        &national(),
        &Actor::citizen(),
        "2026-03-02 10:00",
        lit,
        None,
    )
    .unwrap();
    let r = s.state.redirection.as_ref().unwrap();
    assert_eq!((r.kind, r.to), (NotASuggestion::Litigation, Flow::Petition));
    // With auto-redirect off, the office decides; the screening is kept as evidence.
    let manual = policy_with("auto_redirect = true", "auto_redirect = false");
    let mut s = try_submit(&manual, &Actor::citizen(), "2026-03-02 10:00", sub, None).unwrap();
    assert_eq!(s.status(), SS::Registered);
    assert_eq!(
        s.state.screening.kind,
        Some(NotASuggestion::PersonalRequest)
    );
    s.refuse(
        &office(),
        "2026-03-03 10:00",
        &SC::Redirect {
            kind: NotASuggestion::PersonalRequest,
            reason: "短".into(),
            to: None,
        },
        "invalid_field",
    );
    s.ok(
        &office(),
        "2026-03-03 10:00",
        SC::Redirect {
            kind: NotASuggestion::PersonalRequest,
            reason: "您反映的是个人诉求，已转信访渠道办理".into(),
            to: Some(Flow::Petition),
        },
    );
    let r = s.state.redirection.as_ref().unwrap();
    assert_eq!((r.to, r.automatic), (Flow::Petition, false));
    // Redirect targets are policy.
    let to_petition = policy_with(
        "personal_request_to = \"hotline\"",
        "personal_request_to = \"petition\"",
    );
    let mut sub = submission();
    sub.reason = "我家楼上漏水三个月".into();
    sub.proposal = "请帮我协调物业维修".into();
    let s = try_submit(
        &to_petition,
        &Actor::citizen(),
        "2026-03-02 10:00",
        sub,
        None,
    )
    .unwrap();
    assert_eq!(s.state.redirection.as_ref().unwrap().to, Flow::Petition);
    // The ordinary suggestion passes.
    assert_eq!(submit("2026-03-02 10:00").status(), SS::Registered);
}

#[test]
fn panel_draw_is_reproducible_and_excludes_conflicts() {
    let pool = pool();
    let conflicts = vec![DEPT.to_string(), TOWN.to_string()];
    let a = draw_panel(&pool, 3, 2026, None, &conflicts).unwrap();
    let mut reversed = pool.clone();
    reversed.reverse();
    let b = draw_panel(&reversed, 3, 2026, None, &conflicts).unwrap();
    assert_eq!(a, b, "pool order does not matter");
    assert_eq!(a.eligible, 4);
    assert!(a.experts.iter().all(|e| e.id != "e2" && e.id != "e3"));
    let mut ids: Vec<&str> = a.experts.iter().map(|e| e.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 3, "no expert twice");
    // Different seeds give different panels somewhere, and every eligible expert gets drawn.
    let mut seen = std::collections::BTreeSet::new();
    let mut distinct = std::collections::BTreeSet::new();
    for seed in 0..64 {
        let d = draw_panel(&pool, 2, seed, None, &conflicts).unwrap();
        distinct.insert(d.experts.iter().map(|e| e.id.clone()).collect::<Vec<_>>());
        seen.extend(d.experts.into_iter().map(|e| e.id));
    }
    assert!(distinct.len() > 3);
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        ["e1", "e4", "e5", "e6"]
    );
    // Too few without a conflict; inactive and wrong-field experts are out.
    let e = draw_panel(&pool, 5, 1, None, &conflicts).unwrap_err();
    assert_eq!(e.code(), "expert_pool_too_small");
    let mut p2 = pool.clone();
    p2[0].active = false;
    p2[3].fields = vec!["教育".into()];
    assert_eq!(
        draw_panel(&p2, 1, 1, Some("交通"), &conflicts)
            .unwrap()
            .eligible,
        2
    );
    assert_eq!(
        draw_panel(&pool, 0, 1, None, &[]).unwrap_err().code(),
        "invalid_field"
    );
    // The decider refuses a second draw and a panel above the policy size.
    let mut s = submit("2026-03-02 10:00");
    s.ok(&office(), "2026-03-03 10:00", accept());
    let big = SC::DrawPanel {
        size: 16,
        seed: 1,
        field: None,
        conflict_units: vec![],
        pool: pool.clone(),
    };
    s.refuse(&office(), "2026-03-04 10:00", &big, "invalid_field");
    let bad_unit = SC::DrawPanel {
        size: 1,
        seed: 1,
        field: None,
        conflict_units: vec!["nowhere".into()],
        pool: pool.clone(),
    };
    s.refuse(
        &office(),
        "2026-03-04 10:00",
        &bad_unit,
        "unknown_reference",
    );
    s.ok(&office(), "2026-03-04 10:00", draw(1));
    s.refuse(
        &office(),
        "2026-03-04 11:00",
        &draw(2),
        "panel_already_drawn",
    );
    s.refuse(
        &office(),
        "2026-03-04 11:00",
        &opinion("e2"),
        "unknown_reference",
    );
}

#[test]
fn award_cycles_and_quotas() {
    let p = national().suggestion.reward.clone();
    let c = cycle_of(day("2026-05-06"), &p);
    assert_eq!(
        (c.label.as_str(), c.start, c.end),
        ("2026", day("2026-01-01"), day("2026-12-31"))
    );
    let nov = policy_with("cycle_start = \"01-01\"", "cycle_start = \"11-01\"")
        .suggestion
        .reward
        .clone();
    assert_eq!(
        cycle_of(day("2026-10-31"), &nov).label,
        "2025-11-01~2026-10-31"
    );
    assert_eq!(
        cycle_of(day("2026-11-01"), &nov).label,
        "2026-11-01~2027-10-31"
    );
    let three = policy_with("cycle_years = 1", "cycle_years = 3")
        .suggestion
        .reward
        .clone();
    let c = cycle_of(day("2026-05-06"), &three);
    assert_eq!((c.start, c.end), (day("2024-01-01"), day("2026-12-31")));
    assert_eq!(cycle_of(day("2027-01-01"), &three).start, day("2027-01-01"));
    // Quotas: one special prize a cycle, five first prizes.
    assert!(check_quota(&[], "special", &p).is_ok());
    assert_eq!(
        check_quota(&["special"], "special", &p).unwrap_err().code(),
        "reward_quota_reached"
    );
    assert!(check_quota(&["first"; 4], "first", &p).is_ok());
    assert_eq!(
        check_quota(&["first"; 5], "first", &p).unwrap_err().code(),
        "reward_quota_reached"
    );
    assert_eq!(
        check_quota(&[], "gold", &p).unwrap_err().code(),
        "unknown_reference"
    );
}

fn at(s: &str) -> DateTime<Utc> {
    t(s)
}

#[test]
fn rate_limits_with_retry_after() {
    let limit = RateLimit {
        max: 3,
        window_minutes: 60,
    };
    let now = at("2026-03-02 10:00");
    let times = [
        at("2026-03-02 09:10"),
        at("2026-03-02 09:30"),
        at("2026-03-02 09:50"),
    ];
    assert_eq!(rate_limit(&times[..2], now, limit), RateDecision::Allow);
    // Full: the 09:10 support leaves the window at 10:10, in 600 s.
    assert_eq!(
        rate_limit(&times, now, limit),
        RateDecision::Deny {
            retry_after_secs: 600
        }
    );
    // Older events do not count; the window is (now − 60 min, now].
    let old = [
        at("2026-03-02 09:00"),
        at("2026-03-02 09:30"),
        at("2026-03-02 09:50"),
    ];
    assert_eq!(rate_limit(&old, now, limit), RateDecision::Allow);
    // Over the limit (events let through before a policy change): wait for enough to leave.
    let five = [
        at("2026-03-02 09:05"),
        at("2026-03-02 09:20"),
        at("2026-03-02 09:30"),
        at("2026-03-02 09:40"),
        at("2026-03-02 09:55"),
    ];
    // Three must leave for two to remain: the third oldest (09:30) leaves at 10:30.
    assert_eq!(
        rate_limit(&five, now, limit),
        RateDecision::Deny {
            retry_after_secs: 1800
        }
    );
}

#[test]
fn one_support_per_phone_and_the_decision_order() {
    let p = national().suggestion.support.clone();
    let now = at("2026-03-02 10:00");
    let ok = SupportCheck {
        published: true,
        ..Default::default()
    };
    assert_eq!(decide_support(&ok, now, &p), SupportDecision::Accept);
    let unpublished = SupportCheck {
        published: false,
        already_supported: true,
        ..Default::default()
    };
    assert_eq!(
        decide_support(&unpublished, now, &p),
        SupportDecision::NotPublished
    );
    let again = SupportCheck {
        already_supported: true,
        ..ok.clone()
    };
    assert_eq!(decide_support(&again, now, &p).code(), "already_supported");
    let phone: Vec<DateTime<Utc>> = (0..20)
        .map(|i| now - Duration::minutes(i * 60 + 30))
        .collect();
    let d = decide_support(
        &SupportCheck {
            phone_recent: &phone,
            ..ok.clone()
        },
        now,
        &p,
    );
    // 20 a day: the oldest of the 20 (19 h 30 min ago) leaves in 4 h 30 min.
    assert_eq!(
        d,
        SupportDecision::PhoneRateLimited {
            retry_after_secs: 4 * 3600 + 1800
        }
    );
    assert_eq!(d.retry_after_secs(), Some(16200));
    let net: Vec<DateTime<Utc>> = (0..60)
        .map(|i| now - Duration::seconds(i * 10 + 5))
        .collect();
    let d = decide_support(
        &SupportCheck {
            network_recent: &net,
            ..ok.clone()
        },
        now,
        &p,
    );
    assert_eq!(d.code(), "network_rate_limited");
    // Counting: a phone counts once per suggestion whatever the rows say.
    let s1 = uuid::Uuid::from_u128(1);
    let s2 = uuid::Uuid::from_u128(2);
    let rec = |s, phone: &str| SupportRecord {
        suggestion: s,
        phone_hash: phone.into(),
        network: "n".into(),
        at: now,
    };
    let rows = [rec(s1, "p1"), rec(s1, "p1"), rec(s1, "p2"), rec(s2, "p1")];
    assert_eq!(support::supporters(&rows, s1), 2);
    assert_eq!(support::supporters(&rows, s2), 1);
    assert!(support::has_supported(&rows, s2, "p1"));
    assert!(!support::has_supported(&rows, s2, "p2"));
    // The threshold: crossed exactly once.
    assert!(!support::answer_required(99, &p));
    assert!(support::answer_required(100, &p));
    assert!(support::threshold_crossed(99, 100, &p));
    assert!(!support::threshold_crossed(100, 101, &p));
    assert!(!support::threshold_crossed(98, 99, &p));
}

#[test]
fn network_keys_group_addresses() {
    let p = national().suggestion.support.clone();
    let key = |s: &str| support::network_key(s.parse().unwrap(), &p);
    assert_eq!(key("203.0.113.77"), "203.0.113.0/24");
    assert_eq!(key("203.0.113.1"), key("203.0.113.254"));
    assert_ne!(key("203.0.113.1"), key("203.0.114.1"));
    assert_eq!(key("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
    assert_eq!(key("::ffff:203.0.113.9"), "203.0.113.0/24");
}

#[test]
fn bursts_for_review() {
    let p = national().suggestion.support.clone();
    let s1 = uuid::Uuid::from_u128(1);
    let s2 = uuid::Uuid::from_u128(2);
    let base = at("2026-03-02 10:00");
    let rec = |s, i: i64, secs: i64, net: &str| SupportRecord {
        suggestion: s,
        phone_hash: format!("p{i}"),
        network: net.into(),
        at: base + Duration::seconds(secs),
    };
    // 30 supports in 9 min 40 s on s1, 20 from one network: a concentrated burst.
    let mut rows: Vec<SupportRecord> = (0..30)
        .map(|i| {
            rec(
                s1,
                i,
                i * 20,
                if i < 20 { "10.0.0.0/24" } else { "10.9.9.0/24" },
            )
        })
        .collect();
    // 29 on s2 within a minute: below the burst size.
    rows.extend((0..29).map(|i| rec(s2, i, i, "10.1.1.0/24")));
    // A slow trickle on s1 much later does not extend the burst.
    rows.extend((0..5).map(|i| rec(s1, 100 + i, 7200 + i * 600, "10.2.2.0/24")));
    let bursts = support::detect_bursts(&rows, &p);
    assert_eq!(bursts.len(), 1, "{bursts:?}");
    let b = &bursts[0];
    assert_eq!((b.suggestion, b.supports, b.networks), (s1, 30, 2));
    assert_eq!(
        (b.top_network.as_str(), b.top_network_supports),
        ("10.0.0.0/24", 20)
    );
    assert!(b.concentrated);
    assert_eq!((b.from, b.to), (base, base + Duration::seconds(580)));
    // Spread over 10 minutes or more, the same 30 are no burst (the window is half-open).
    let slow: Vec<SupportRecord> = (0..30).map(|i| rec(s1, i, i * 21, "n")).collect();
    assert!(support::detect_bursts(&slow, &p).is_empty());
    // Two separate bursts on one suggestion, 40 evenly spread networks: not concentrated.
    let mut two: Vec<SupportRecord> = (0..40).map(|i| rec(s1, i, i, &format!("n{i}"))).collect();
    two.extend((0..30).map(|i| rec(s1, 100 + i, 3600 + i, "m")));
    let bursts = support::detect_bursts(&two, &p);
    assert_eq!(
        bursts.iter().map(|b| b.supports).collect::<Vec<_>>(),
        [40, 30]
    );
    assert!(!bursts[0].concentrated && bursts[1].concentrated);
}
