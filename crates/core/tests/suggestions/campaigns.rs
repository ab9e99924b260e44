//! Campaigns: themed and targeted, the collection period, channels, invited advisers' tokens,
//! amendments, early closing and the collective answer.

use super::*;

fn draft(kind: CampaignKind) -> CampaignDraft {
    CampaignDraft {
        kind,
        title: "“15分钟社区生活圈”建设金点子征集".into(),
        explanation: "围绕社区生活圈的公共服务、出行和养老设施，公开征集意见建议".into(),
        channels: vec![Channel::Online, Channel::Letter],
        opens_on: day("2026-03-05"),
        closes_on: day("2026-03-31"),
        office_unit: OFFICE.into(),
        topic: Some("01".into()),
    }
}

/// A campaign under test.
struct Camp {
    state: Option<Campaign>,
    log: Vec<(DateTime<Utc>, CampaignEvent)>,
}

impl Camp {
    fn try_cmd(
        &self,
        who: &Actor,
        when: &str,
        cmd: &CampaignCommand,
    ) -> Result<Vec<CampaignEvent>, DomainError> {
        let p = national();
        campaign::decide(self.state.as_ref(), cmd, &ctx(&p, who, t(when)))
    }

    fn ok(&mut self, who: &Actor, when: &str, cmd: CampaignCommand) -> Vec<CampaignEvent> {
        let events = self
            .try_cmd(who, when, &cmd)
            .unwrap_or_else(|e| panic!("{} refused: {e:?}", cmd.name()));
        for e in &events {
            self.state = campaign::apply(self.state.take(), CAMP_ID, t(when), e);
            self.log.push((t(when), e.clone()));
        }
        events
    }

    fn refuse(&self, who: &Actor, when: &str, cmd: &CampaignCommand, code: &str) {
        match self.try_cmd(who, when, cmd) {
            Ok(ev) => panic!("{} accepted: {ev:?}", cmd.name()),
            Err(e) => assert_eq!(e.code(), code, "{}: {e:?}", cmd.name()),
        }
    }

    fn get(&self) -> &Campaign {
        self.state.as_ref().unwrap()
    }
}

fn opened(kind: CampaignKind) -> Camp {
    let mut c = Camp {
        state: None,
        log: Vec::new(),
    };
    c.ok(
        &office(),
        "2026-03-01 09:00",
        CampaignCommand::Open(Box::new(draft(kind))),
    );
    c
}

fn to_campaign(c: &Campaign, token: Option<&str>, channel: Channel) -> Submission {
    Submission {
        campaign: Some(c.id),
        adviser_token: token.map(Into::into),
        channel,
        ..submission()
    }
}

#[test]
fn opening_is_for_the_office_and_checks_the_notice() {
    let empty = Camp {
        state: None,
        log: Vec::new(),
    };
    let open = |d: CampaignDraft| CampaignCommand::Open(Box::new(d));
    empty.refuse(
        &handler(DEPT),
        "2026-03-01 09:00",
        &open(draft(CampaignKind::Themed)),
        "forbidden",
    );
    empty.refuse(
        &coord(COUNTY),
        "2026-03-01 09:00",
        &open(draft(CampaignKind::Themed)),
        "forbidden",
    );
    let mut d = draft(CampaignKind::Themed);
    d.closes_on = day("2026-03-04");
    empty.refuse(&office(), "2026-03-01 09:00", &open(d), "invalid_field");
    let mut d = draft(CampaignKind::Themed);
    d.channels.clear();
    empty.refuse(&office(), "2026-03-01 09:00", &open(d), "invalid_field");
    empty.refuse(
        &office(),
        "2026-04-01 09:00",
        &open(draft(CampaignKind::Themed)),
        "invalid_field",
    );
    empty.refuse(
        &office(),
        "2026-03-01 09:00",
        &CampaignCommand::Close {
            reason: "结束".into(),
        },
        "unknown_reference",
    );
    let c = opened(CampaignKind::Themed);
    c.refuse(
        &office(),
        "2026-03-02 09:00",
        &open(draft(CampaignKind::Themed)),
        "not_allowed_in_state",
    );
    assert_eq!(
        c.get().phase(t("2026-03-04 23:59")),
        campaign::CampaignPhase::Scheduled
    );
    assert_eq!(
        c.get().phase(t("2026-03-05 00:00")),
        campaign::CampaignPhase::Open
    );
    assert_eq!(
        c.get().phase(t("2026-03-31 23:59")),
        campaign::CampaignPhase::Open
    );
    assert_eq!(
        c.get().phase(t("2026-04-01 00:00")),
        campaign::CampaignPhase::Ended
    );
    assert_eq!(
        campaign::replay(CAMP_ID, c.log.iter().map(|(t, e)| (*t, e))).as_ref(),
        c.state.as_ref()
    );
}

#[test]
fn themed_campaign_takes_submissions_only_while_open_and_by_its_channels() {
    let p = national();
    let mut c = opened(CampaignKind::Themed);
    let camp = c.get().clone();
    let citizen = Actor::citizen();
    let refused = |when: &str, sub: Submission, camp: &Campaign, code: &str| {
        let e = try_submit(&p, &citizen, when, sub, Some(camp))
            .err()
            .expect("refused");
        assert_eq!(e.code(), code, "{when}");
    };
    refused(
        "2026-03-04 10:00",
        to_campaign(&camp, None, Channel::Online),
        &camp,
        "campaign_not_open",
    );
    refused(
        "2026-04-01 00:30",
        to_campaign(&camp, None, Channel::Online),
        &camp,
        "campaign_not_open",
    );
    let s = try_submit(
        &p,
        &citizen,
        "2026-03-05 10:00",
        to_campaign(&camp, None, Channel::Online),
        Some(&camp),
    )
    .unwrap();
    assert_eq!(s.state.campaign, Some(CAMP_ID));
    assert_eq!(s.state.campaign_kind, Some(CampaignKind::Themed));
    assert_eq!(s.state.adviser, None);
    // Phone is not a channel of this campaign (staff registering a call).
    let phone = Submission {
        channel: Channel::Phone,
        ..to_campaign(&camp, None, Channel::Phone)
    };
    let e = try_submit(&p, &intake(OFFICE), "2026-03-06 10:00", phone, Some(&camp))
        .err()
        .unwrap();
    assert_eq!(e.code(), "campaign_channel");
    // The campaign must be the one named, and run by the office the suggestion goes to.
    let e = try_submit(
        &p,
        &citizen,
        "2026-03-06 10:00",
        to_campaign(&camp, None, Channel::Online),
        None,
    )
    .err()
    .unwrap();
    assert_eq!(e.code(), "unknown_reference");
    let mut elsewhere = to_campaign(&camp, None, Channel::Online);
    elsewhere.office_unit = COUNTY.into();
    refused("2026-03-06 10:00", elsewhere, &camp, "invalid_field");
    // Amend: extend the period, then close early.
    c.refuse(
        &office(),
        "2026-03-10 10:00",
        &CampaignCommand::Amend {
            title: None,
            explanation: None,
            channels: None,
            closes_on: None,
        },
        "invalid_field",
    );
    c.refuse(
        &handler(DEPT),
        "2026-03-10 10:00",
        &CampaignCommand::Amend {
            title: None,
            explanation: None,
            channels: None,
            closes_on: Some(day("2026-04-15")),
        },
        "forbidden",
    );
    c.ok(
        &office(),
        "2026-03-10 10:00",
        CampaignCommand::Amend {
            title: None,
            explanation: None,
            channels: Some(vec![Channel::Online, Channel::Phone]),
            closes_on: Some(day("2026-04-15")),
        },
    );
    let camp = c.get().clone();
    assert!(
        try_submit(
            &p,
            &citizen,
            "2026-04-10 10:00",
            to_campaign(&camp, None, Channel::Online),
            Some(&camp)
        )
        .is_ok()
    );
    c.ok(
        &office(),
        "2026-04-11 10:00",
        CampaignCommand::Close {
            reason: "征集目标已达成".into(),
        },
    );
    let camp = c.get().clone();
    refused(
        "2026-04-12 10:00",
        to_campaign(&camp, None, Channel::Online),
        &camp,
        "campaign_not_open",
    );
    c.refuse(
        &office(),
        "2026-04-12 10:00",
        &CampaignCommand::Close {
            reason: "再次结束".into(),
        },
        "not_allowed_in_state",
    );
    c.refuse(
        &office(),
        "2026-04-12 10:00",
        &CampaignCommand::Amend {
            title: Some("新的征集标题".into()),
            explanation: None,
            channels: None,
            closes_on: None,
        },
        "not_allowed_in_state",
    );
    // Invitations belong to targeted campaigns only.
    let themed = opened(CampaignKind::Themed);
    themed.refuse(
        &office(),
        "2026-03-02 10:00",
        &CampaignCommand::InviteAdviser {
            adviser_id: "a1".into(),
            display_name: "张代表".into(),
            token_hash: adviser_token_hash("x"),
        },
        "not_targeted",
    );
}

#[test]
fn targeted_campaign_takes_only_invited_advisers_tokens() {
    let p = national();
    let mut c = opened(CampaignKind::Targeted);
    let token = adviser_token_from_random(&[7u8; 20]);
    assert_eq!(token.len(), 32);
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
    );
    assert_ne!(token, adviser_token_from_random(&[8u8; 20]));
    let invite = |id: &str, tok: &str| CampaignCommand::InviteAdviser {
        adviser_id: id.into(),
        display_name: "特邀建议人".into(),
        token_hash: adviser_token_hash(tok),
    };
    c.refuse(
        &handler(DEPT),
        "2026-03-02 10:00",
        &invite("a1", &token),
        "forbidden",
    );
    c.ok(&office(), "2026-03-02 10:00", invite("a1", &token));
    c.refuse(
        &office(),
        "2026-03-02 10:00",
        &invite("a1", "other-token"),
        "already_invited",
    );
    c.refuse(
        &office(),
        "2026-03-02 10:00",
        &invite("a2", &token),
        "invalid_field",
    );
    c.refuse(
        &office(),
        "2026-03-02 10:00",
        &CampaignCommand::InviteAdviser {
            adviser_id: "a2".into(),
            display_name: "x".into(),
            token_hash: "not-a-hash".into(),
        },
        "invalid_field",
    );
    let other = adviser_token_from_random(&[9u8; 20]);
    c.ok(&office(), "2026-03-02 10:00", invite("a2", &other));
    let camp = c.get().clone();
    let citizen = Actor::citizen();
    for tok in [None, Some("guess"), Some("")] {
        let e = try_submit(
            &p,
            &citizen,
            "2026-03-06 10:00",
            to_campaign(&camp, tok, Channel::Online),
            Some(&camp),
        )
        .err()
        .unwrap();
        assert_eq!(e.code(), "not_invited", "{tok:?}");
    }
    // The link works with the token as typed (case, spaces), and records the adviser only.
    let typed = format!(" {} ", token.to_uppercase());
    let s = try_submit(
        &p,
        &citizen,
        "2026-03-06 10:00",
        to_campaign(&camp, Some(&typed), Channel::Online),
        Some(&camp),
    )
    .unwrap();
    assert_eq!(s.state.adviser.as_deref(), Some("a1"));
    assert_eq!(s.state.campaign_kind, Some(CampaignKind::Targeted));
    let logged = serde_json::to_string(&s.log).unwrap() + &serde_json::to_string(&c.log).unwrap();
    assert!(!logged.contains(&token), "the token itself is never logged");
    // Revoked: the link stops working; the other adviser's still works.
    c.refuse(
        &office(),
        "2026-03-07 10:00",
        &CampaignCommand::RevokeInvitation {
            adviser_id: "zz".into(),
            reason: "无此人".into(),
        },
        "unknown_reference",
    );
    c.ok(
        &office(),
        "2026-03-07 10:00",
        CampaignCommand::RevokeInvitation {
            adviser_id: "a1".into(),
            reason: "任期届满".into(),
        },
    );
    let camp = c.get().clone();
    let e = try_submit(
        &p,
        &citizen,
        "2026-03-08 10:00",
        to_campaign(&camp, Some(&token), Channel::Online),
        Some(&camp),
    )
    .err()
    .unwrap();
    assert_eq!(e.code(), "not_invited");
    let s = try_submit(
        &p,
        &citizen,
        "2026-03-08 10:00",
        to_campaign(&camp, Some(&other), Channel::Online),
        Some(&camp),
    )
    .unwrap();
    assert_eq!(s.state.adviser.as_deref(), Some("a2"));
    // Re-invited with a fresh token after revocation.
    c.ok(&office(), "2026-03-09 10:00", invite("a1", "fresh-token"));
    assert!(c.get().invitation_for("fresh-token").is_some());
    assert!(c.get().invitation_for(&token).is_none());
    assert!(
        c.log.iter().any(|(_, e)| !e.is_public()),
        "invitations stay off the public page"
    );
}

#[test]
fn collective_answer_and_feedback() {
    let p = national();
    let mut c = opened(CampaignKind::Themed);
    let camp = c.get().clone();
    let mut s = try_submit(
        &p,
        &Actor::citizen(),
        "2026-03-06 10:00",
        to_campaign(&camp, None, Channel::Online),
        Some(&camp),
    )
    .unwrap();
    s.ok(&office(), "2026-03-07 10:00", accept());
    s.ok(&office(), "2026-03-08 10:00", assess(false));
    s.ok(&office(), "2026-03-09 10:00", forward(&[DEPT]));
    s.ok(
        &handler(DEPT),
        "2026-03-20 10:00",
        answer(Adoption::Adopted),
    );
    let collective = SC::GiveFeedback {
        mode: FeedbackMode::Collective,
        content: String::new(),
    };
    s.refuse(
        &office(),
        "2026-03-21 10:00",
        &collective,
        "no_collective_answer",
    );
    let publish = CampaignCommand::PublishAnswer {
        content: "本次征集共收到建议120条，采纳15条，具体情况如下……".into(),
    };
    c.refuse(
        &office(),
        "2026-03-21 10:00",
        &publish,
        "not_allowed_in_state",
    );
    c.ok(&office(), "2026-04-02 10:00", publish.clone());
    c.refuse(
        &office(),
        "2026-04-03 10:00",
        &publish,
        "answer_already_published",
    );
    s.campaign = c.state.clone();
    let ev = s.ok(&office(), "2026-04-03 10:00", collective.clone());
    assert!(
        matches!(&ev[0], SE::FeedbackGiven { mode: FeedbackMode::Collective, content } if content.starts_with("本次征集"))
    );
    assert_eq!(s.status(), SS::Concluded);
    // A routine suggestion has no collective answer to point to.
    let mut r = submit("2026-03-06 10:00");
    r.ok(&office(), "2026-03-07 10:00", accept());
    r.ok(&office(), "2026-03-08 10:00", assess(false));
    r.ok(&office(), "2026-03-09 10:00", forward(&[DEPT]));
    r.ok(
        &handler(DEPT),
        "2026-03-20 10:00",
        answer(Adoption::Adopted),
    );
    r.campaign = c.state.clone();
    r.refuse(
        &office(),
        "2026-04-03 10:00",
        &collective,
        "no_collective_answer",
    );
    r.refuse(
        &office(),
        "2026-04-03 10:00",
        &SC::GiveFeedback {
            mode: FeedbackMode::Individual,
            content: "".into(),
        },
        "invalid_field",
    );
}
