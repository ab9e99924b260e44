//! Store conformance, run on SQLite and PostgreSQL: group commit under concurrency, optimistic
//! concurrency on append, idempotency, encryption at rest, chain verification.

use chrono::{DateTime, Utc};
use minsheng_core::access::{Actor, Role};
use minsheng_core::calendar::Calendar;
use minsheng_core::case::*;
use minsheng_core::ids;
use minsheng_core::petitioner::Phone;
use minsheng_core::policy::Policy;
use minsheng_core::region::{Directory, Level, Region, Topic, Unit, UnitKind};
use minsheng_core::workflow::{self, Command, Context, Registration};
use minsheng_store::{
    AppendEvents, CreateCase, Created, IdempotencyKey, NewPetitioner, OutboxMessage, Sealer, Store,
    StoreError,
};

fn directory() -> Directory {
    let region = |code: &str, level, parent: Option<&str>| Region {
        code: code.into(),
        name_zh: code.into(),
        name_en: code.into(),
        level,
        parent: parent.map(str::to_string),
    };
    let unit = |id: &str, kind, region: &str| Unit {
        id: id.into(),
        name_zh: id.into(),
        name_en: id.into(),
        kind,
        region: region.into(),
    };
    Directory::new(
        vec![
            region("990000", Level::Province, None),
            region("990100", Level::City, Some("990000")),
        ],
        vec![
            unit("office", UnitKind::PetitionOffice, "990100"),
            unit("dept", UnitKind::Department, "990100"),
        ],
        vec![Topic {
            code: "01".into(),
            name_zh: "城乡建设".into(),
            name_en: "Construction".into(),
            parent: None,
        }],
        vec![],
    )
    .unwrap()
}

async fn open(
    backend: &str,
) -> (
    Store,
    String,
    Option<minsheng_testkit::TempPg>,
    std::path::PathBuf,
) {
    let dir = std::env::temp_dir().join(format!("minsheng-store-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let sealer = Sealer::from_master(&[42; 32]);
    if backend == "sqlite" {
        let url = format!("sqlite://{}/minsheng.db", dir.display());
        (Store::open(&url, sealer).await.unwrap(), url, None, dir)
    } else {
        let pg = minsheng_testkit::TempPg::create("minsheng_store").await;
        let store = Store::open(&pg.url, sealer).await.unwrap();
        (store, pg.url.clone(), Some(pg), dir)
    }
}

fn intake() -> Actor {
    Actor {
        user_id: None,
        name: "登记员".into(),
        role: Role::Intake,
        unit: Some("office".into()),
    }
}

fn new_case(i: usize, at: DateTime<Utc>, idem: Option<&str>) -> CreateCase {
    let dir = directory();
    let policy = Policy::shipped();
    let national = policy.national();
    let cal = Calendar::shipped();
    let phone = Phone::parse(&format!("139{:08}", i)).unwrap();
    let pid = uuid::Uuid::now_v7();
    let code = "ABCDEFGHJK".to_string();
    let reg = Registration {
        channel: Channel::Letter,
        flow: None,
        kind: CaseKind::Appeal,
        urgent: false,
        title: format!("第{i}号事项"),
        request: "请求维修道路".into(),
        facts_reasons: String::new(),
        topic: "01".into(),
        location: Location {
            region: "990100".into(),
            ..Default::default()
        },
        petitioner: PetitionerRef {
            id: pid,
            anonymous: false,
            name_masked: "张*".into(),
            phone_masked: Some(phone.masked()),
            organisation: false,
            notify: None,
        },
        group_size: 1,
        representatives: 1,
        office_unit: "office".into(),
        accused_unit: None,
        about_officials: false,
        query_code_hash: ids::query_code_hash(&code),
        prior: Default::default(),
    };
    let actor = intake();
    let ctx = Context {
        policy: &national,
        calendar: &cal,
        directory: &dir,
        actor: &actor,
        now: at,
    };
    let events = workflow::decide(None, &Command::Register(Box::new(reg)), &ctx).unwrap();
    let case_id = uuid::Uuid::now_v7();
    let state = workflow::replay(case_id, events.iter().map(|e| (at, e))).unwrap();
    CreateCase {
        case_id,
        at,
        actor,
        events,
        state,
        due: None,
        petitioner: NewPetitioner {
            id: pid,
            name: Some("张三".into()),
            phone: Some(phone),
            id_number: None,
            address: None,
            email: None,
            notify: None,
        },
        query_code: code,
        idempotency: idem.map(|k| IdempotencyKey {
            scope: "test".into(),
            key: k.into(),
            request_hash: "h".into(),
        }),
        kpi: None,
        repeat_refresh: None,
        outbox: Vec::new(),
    }
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap()
}

async fn conformance(backend: &str) {
    let (store, _url, pg, dir) = open(backend).await;
    store.save_directory(&directory()).await.unwrap();

    // Group commit: many concurrent creates, each acknowledged, all with distinct numbers.
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        let store = store.clone();
        tasks.spawn(async move { store.create_case(new_case(i, now(), None)).await });
    }
    let mut numbers = std::collections::HashSet::new();
    while let Some(r) = tasks.join_next().await {
        match r.unwrap().unwrap() {
            Created::New(c) => assert!(numbers.insert(c.number.clone()), "duplicate {}", c.number),
            Created::Existing(_) => panic!("no idempotency key was given"),
        }
    }
    assert_eq!(numbers.len(), 200);
    assert_eq!(store.count_cases().await.unwrap(), 200);

    // Idempotency: the same key returns the same case.
    let a = store
        .create_case(new_case(1000, now(), Some("k1")))
        .await
        .unwrap();
    let b = store
        .create_case(new_case(1001, now(), Some("k1")))
        .await
        .unwrap();
    let (Created::New(a), Created::Existing(b)) = (a, b) else {
        panic!("expected new then existing")
    };
    assert_eq!(a.id, b.id);
    assert_eq!(
        store.query_code(a.id).await.unwrap().as_deref(),
        Some("ABCDEFGHJK")
    );

    // Optimistic concurrency: an append against a stale version is a conflict.
    let dirx = directory();
    let policy = Policy::shipped().national();
    let cal = Calendar::shipped();
    let coord = Actor {
        role: Role::Coordinator,
        ..intake()
    };
    let at = now();
    let ctx = Context {
        policy: &policy,
        calendar: &cal,
        directory: &dirx,
        actor: &coord,
        now: at,
    };
    let cmd = Command::Transfer {
        to_unit: "dept".into(),
        mode: TransferMode::Transfer,
        note: String::new(),
        report_required: false,
    };
    let events = workflow::decide(Some(&a), &cmd, &ctx).unwrap();
    let next = workflow::apply(Some(a.clone()), a.id, at, &events[0]).unwrap();
    let op = |version| AppendEvents {
        case_id: a.id,
        expected_version: version,
        at,
        actor: coord.clone(),
        events: events.clone(),
        state: next.clone(),
        due: None,
        kpi: None,
        outbox: vec![OutboxMessage::new(
            "test:partner",
            Some(a.id),
            r#"{"phone":"13900001000"}"#.into(),
        )],
    };
    let (first, second) = tokio::join!(store.append(op(1)), store.append(op(1)));
    let outcomes = [first.is_ok(), second.is_ok()];
    assert_eq!(
        outcomes.iter().filter(|ok| **ok).count(),
        1,
        "exactly one wins"
    );
    assert!(matches!(
        store.append(op(1)).await,
        Err(StoreError::Conflict)
    ));
    // A failing operation in a batch fails alone: stale appends queued among creates are
    // refused, and every create still commits (the batch runs again with savepoints).
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..30 {
        let store = store.clone();
        let stale = op(1);
        tasks.spawn(async move {
            if i % 10 == 5 {
                matches!(store.append(stale).await, Err(StoreError::Conflict))
            } else {
                matches!(
                    store.create_case(new_case(2000 + i, now(), None)).await,
                    Ok(Created::New(_))
                )
            }
        });
    }
    while let Some(r) = tasks.join_next().await {
        assert!(r.unwrap(), "each operation gets its own outcome");
    }
    assert_eq!(store.count_cases().await.unwrap(), 228);

    let records = store.events(a.id).await.unwrap();
    assert_eq!(records.len(), 2);
    minsheng_core::event::verify_chain(&records).unwrap();
    outbox_semantics(&store, a.id, at).await;

    // Personal data comes back decrypted only through the store.
    let p = store.petitioner(a.petitioner.id).await.unwrap().unwrap();
    assert_eq!(p.phone.as_deref(), Some("13900001000"));
    let by_phone = store
        .cases_by_phone_index(
            &store.phone_index(&Phone::parse("13900001000").unwrap()),
            10,
        )
        .await
        .unwrap();
    assert_eq!(by_phone.len(), 1);

    let report = store.verify().await.unwrap();
    assert_eq!((report.cases, report.failures.len()), (228, 0));

    store.close().await;
    if let Some(pg) = pg {
        pg.drop().await;
    }
    std::fs::remove_dir_all(dir).ok();
}

/// The transactional outbox: only the committed append left its message; claims lease, keep
/// the order per topic and case, and retry or give up as told.
async fn outbox_semantics(store: &Store, case_id: uuid::Uuid, at: DateTime<Utc>) {
    use minsheng_store::DeliveryState;
    let written = store.outbox_for_case(case_id).await.unwrap();
    assert_eq!(written.len(), 1, "the losing append wrote no message");
    assert_eq!(written[0].payload, r#"{"phone":"13900001000"}"#);
    assert_eq!(written[0].state(), DeliveryState::Pending);

    // A second message about the same case waits behind the first.
    let second = OutboxMessage::new("test:partner", Some(case_id), "{}".into());
    let other = OutboxMessage::new("other:x", Some(case_id), "{}".into());
    store
        .outbox_enqueue(&[second.clone(), other.clone()], at)
        .await
        .unwrap();
    let later = |s: i64| at + chrono::Duration::seconds(s);
    let claimed = store
        .outbox_claim(&["test:"], at, later(30), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1, "only the oldest of the case is due");
    assert_eq!(claimed[0].id, written[0].id);
    // Leased: a second claimer (another node) gets nothing until the lease runs out.
    assert!(
        store
            .outbox_claim(&["test:"], at, later(30), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = store
        .outbox_claim(&["test:"], later(31), later(60), 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1, "an expired lease is due again");
    store
        .outbox_failed(
            again[0].id,
            later(31),
            Some(later(90)),
            "connection refused",
        )
        .await
        .unwrap();
    assert!(
        store
            .outbox_claim(&["test:"], later(89), later(120), 10)
            .await
            .unwrap()
            .is_empty(),
        "waits for its retry time, and holds back the next message of the case"
    );
    let retry = store
        .outbox_claim(&["test:"], later(90), later(120), 10)
        .await
        .unwrap();
    assert_eq!(retry.len(), 1);
    assert_eq!(retry[0].attempts, 1);
    assert_eq!(retry[0].last_error.as_deref(), Some("connection refused"));
    store
        .outbox_delivered(retry[0].id, later(91))
        .await
        .unwrap();
    let next = store
        .outbox_claim(&["test:"], later(91), later(120), 10)
        .await
        .unwrap();
    assert_eq!(next.iter().map(|r| r.id).collect::<Vec<_>>(), [second.id]);
    store
        .outbox_failed(second.id, later(92), None, "refused for good")
        .await
        .unwrap();
    // A LIKE wildcard in a prefix is literal.
    assert!(
        store
            .outbox_claim(&["%"], later(200), later(230), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let states: Vec<_> = store
        .outbox_for_case(case_id)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.topic.clone(), r.state(), r.attempts))
        .collect();
    assert_eq!(
        states,
        [
            ("test:partner".to_string(), DeliveryState::Delivered, 2),
            ("test:partner".to_string(), DeliveryState::Dead, 1),
            ("other:x".to_string(), DeliveryState::Pending, 0),
        ]
    );
    assert_eq!(store.outbox_next_due(&["other:"]).await.unwrap(), Some(at));
    assert_eq!(store.outbox_next_due(&["test:"]).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conformance_sqlite() {
    conformance("sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn conformance_postgres() {
    conformance("postgres").await;
}
