//! The case service: turns API input into commands, gathers what the decider needs from the
//! store (earlier matters, current state), decides, and appends. Rules stay in core.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use minsheng_core::access::{self, Actor, Role};
use minsheng_core::case::*;
use minsheng_core::deadline;
use minsheng_core::ids;
use minsheng_core::kpi::CaseLinks;
use minsheng_core::petitioner::{Email, IdNumber, NotifyChannel, Phone, clean_text, mask_name};
use minsheng_core::region::UnitKind;
use minsheng_core::workflow::{
    self, CaseState, Command, Context, PriorCase, PriorMatters, Registration,
};
use minsheng_store::{
    AppendEvents, CaseFilter, CasePage, CreateCase, Created, IdempotencyKey, NewPetitioner, Scope,
    StoreError,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Now, truncated to the millisecond precision the store keeps, so projections equal replays.
pub fn now() -> DateTime<Utc> {
    let t = Utc::now();
    DateTime::from_timestamp_millis(t.timestamp_millis()).unwrap_or(t)
}

#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PetitionerInput {
    #[serde(default)]
    pub anonymous: bool,
    #[serde(default)]
    pub organisation: bool,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    /// For notices by e-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// sms, email or none; without a choice, SMS when a phone is given, else e-mail when an
    /// address is.
    #[serde(default)]
    pub notify: Option<NotifyChannel>,
}

/// A new case as submitted through the API.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseInput {
    pub channel: Channel,
    #[serde(default)]
    pub flow: Option<Flow>,
    pub kind: CaseKind,
    #[serde(default)]
    pub urgent: bool,
    pub title: String,
    pub request: String,
    #[serde(default)]
    pub facts_reasons: String,
    pub topic: String,
    pub location: Location,
    pub petitioner: PetitionerInput,
    #[serde(default = "one")]
    pub group_size: u32,
    #[serde(default = "one")]
    pub representatives: u32,
    /// Receiving unit; defaults to the staff member's unit, or for online submissions to the
    /// petition office where the matter is.
    #[serde(default)]
    pub office_unit: Option<String>,
    #[serde(default)]
    pub accused_unit: Option<String>,
    #[serde(default)]
    pub about_officials: bool,
}

fn one() -> u32 {
    1
}

/// The petitioner of a new case, checked: the reference the case keeps (masked), the record the
/// store seals, and the parsed numbers for the repeat look-up.
pub struct Person {
    pub reference: PetitionerRef,
    pub record: NewPetitioner,
    pub phone: Option<Phone>,
    pub id_number: Option<IdNumber>,
}

pub fn parse_person(p: &PetitionerInput) -> ApiResult<Person> {
    let id = uuid::Uuid::now_v7();
    if p.anonymous {
        if p.name.is_some()
            || p.id_number.is_some()
            || p.address.is_some()
            || p.phone.is_some()
            || p.email.is_some()
        {
            return Err(minsheng_core::DomainError::invalid(
                "petitioner",
                "匿名反映时不登记姓名、电话、身份证号和住址",
                "an anonymous report records no name, phone, ID number or address",
            )
            .into());
        }
        return Ok(Person {
            reference: PetitionerRef {
                id,
                anonymous: true,
                name_masked: "匿名".into(),
                phone_masked: None,
                organisation: false,
                notify: None,
            },
            record: NewPetitioner {
                id,
                name: None,
                phone: None,
                id_number: None,
                address: None,
                email: None,
                notify: None,
            },
            phone: None,
            id_number: None,
        });
    }
    let name = clean_text("petitioner.name", p.name.as_deref().unwrap_or(""), 1, 100)?;
    let phone = p
        .phone
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(Phone::parse)
        .transpose()?;
    let id_number = p
        .id_number
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(IdNumber::parse)
        .transpose()?;
    let address = p
        .address
        .as_deref()
        .map(|a| clean_text("petitioner.address", a, 0, 300))
        .transpose()?
        .filter(|a| !a.is_empty());
    let email = p
        .email
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(Email::parse)
        .transpose()?;
    let notify = notify_channel(p.notify, phone.is_some(), email.is_some())?;
    if phone.is_none() && address.is_none() {
        return Err(minsheng_core::DomainError::invalid(
            "petitioner",
            "请留下电话或住址，以便告知办理情况（《信访工作条例》第十九条）",
            "give a phone number or an address so we can tell you the outcome (Art. 19)",
        )
        .into());
    }
    Ok(Person {
        reference: PetitionerRef {
            id,
            anonymous: false,
            name_masked: if p.organisation {
                name.clone()
            } else {
                mask_name(&name)
            },
            phone_masked: phone.as_ref().map(Phone::masked),
            organisation: p.organisation,
            notify: Some(notify),
        },
        record: NewPetitioner {
            id,
            name: Some(name),
            phone: phone.clone(),
            id_number: id_number.clone(),
            address,
            email: email.map(|e| e.as_str().to_string()),
            notify: Some(notify),
        },
        phone,
        id_number,
    })
}

/// The channel a petitioner's notices go out on: the one chosen, if its address was given;
/// without a choice SMS when there is a phone, else e-mail when there is an address, else none.
pub fn notify_channel(
    chosen: Option<NotifyChannel>,
    phone: bool,
    email: bool,
) -> ApiResult<NotifyChannel> {
    match chosen {
        Some(NotifyChannel::Sms) if !phone => Err(minsheng_core::DomainError::invalid(
            "petitioner.notify",
            "选择短信通知时请留下手机号码",
            "give a phone number to be notified by SMS",
        )
        .into()),
        Some(NotifyChannel::Email) if !email => Err(minsheng_core::DomainError::invalid(
            "petitioner.notify",
            "选择邮件通知时请留下电子邮箱",
            "give an e-mail address to be notified by e-mail",
        )
        .into()),
        Some(c) => Ok(c),
        None if phone => Ok(NotifyChannel::Sms),
        None if email => Ok(NotifyChannel::Email),
        None => Ok(NotifyChannel::None),
    }
}

/// The outcome of a registration.
pub struct Registered {
    pub case: CaseState,
    pub query_code: Option<String>,
    pub new: bool,
}

pub async fn register(
    st: &AppState,
    actor: &Actor,
    input: NewCaseInput,
    idempotency: Option<IdempotencyKey>,
) -> ApiResult<Registered> {
    register_with_code(st, actor, input, idempotency, new_query_code()?).await
}

/// A fresh query code (查询码).
pub fn new_query_code() -> ApiResult<String> {
    let code_bytes: [u8; ids::QUERY_CODE_LEN] =
        minsheng_store::crypto::random_bytes().map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(ids::query_code_from_random(&code_bytes))
}

/// Registers with a query code the citizen already holds (a submission released from review).
pub async fn register_with_code(
    st: &AppState,
    actor: &Actor,
    input: NewCaseInput,
    idempotency: Option<IdempotencyKey>,
    query_code: String,
) -> ApiResult<Registered> {
    let at = now();
    let (registration, person, earlier) = prepare(st, actor, input, &query_code, at).await?;
    let created = create_decided(
        st,
        actor,
        registration,
        at,
        person.record,
        query_code.clone(),
        idempotency,
        Some(earlier),
    )
    .await?;
    Ok(match created {
        Created::New(case) => Registered {
            case,
            query_code: Some(query_code),
            new: true,
        },
        Created::Existing(case) => {
            let code = st.store.query_code(case.id).await?;
            Registered {
                case,
                query_code: code,
                new: false,
            }
        }
    })
}

/// What the case would look like if registered now, without writing anything: the intake
/// console shows its deadlines (and any refusal) before the agent saves.
pub async fn preview(st: &AppState, actor: &Actor, input: NewCaseInput) -> ApiResult<CaseState> {
    let at = now();
    let (registration, _, _) = prepare(st, actor, input, "preview", at).await?;
    let rules = Rules::for_region(st, &registration.location.region);
    let events = workflow::decide(
        None,
        &Command::Register(Box::new(registration)),
        &rules.context(st, actor, at),
    )?;
    workflow::replay(uuid::Uuid::nil(), events.iter().map(|e| (at, e)))
        .ok_or_else(|| ApiError::Internal("registration produced no case".into()))
}

/// Checks the person, chooses the receiving unit and gathers earlier matters. Also returns the
/// person's earlier cases, which the repeat link needs again.
async fn prepare(
    st: &AppState,
    actor: &Actor,
    input: NewCaseInput,
    query_code: &str,
    at: DateTime<Utc>,
) -> ApiResult<(Registration, Person, Vec<CaseState>)> {
    let person = parse_person(&input.petitioner)?;
    let earlier = earlier_cases(st, person.phone.as_ref(), person.id_number.as_ref()).await?;
    let prior = prior_matters(st, &earlier, &input, at);
    let registration = registration(&st.directory(), actor, input, &person, query_code, prior)?;
    Ok((registration, person, earlier))
}

/// A person's cases by phone or ID-number index (none without either).
async fn earlier_cases(
    st: &AppState,
    phone: Option<&minsheng_core::petitioner::Phone>,
    id_number: Option<&minsheng_core::petitioner::IdNumber>,
) -> ApiResult<Vec<CaseState>> {
    let phone_hash = phone.map(|p| st.store.phone_index(p));
    let id_hash = id_number.map(|i| st.store.id_index(i));
    if phone_hash.is_none() && id_hash.is_none() {
        return Ok(Vec::new());
    }
    Ok(st
        .store
        .cases_of_person(phone_hash.as_deref(), id_hash.as_deref())
        .await?)
}

/// The registration command for a checked person: chooses the receiving unit. Pure, so the
/// fuzz targets run the JSON API's whole validation without a store.
pub fn registration(
    dir: &minsheng_core::region::Directory,
    actor: &Actor,
    input: NewCaseInput,
    person: &Person,
    query_code: &str,
    prior: PriorMatters,
) -> ApiResult<Registration> {
    let office_unit = match (&input.office_unit, actor.role) {
        (Some(u), _) => u.clone(),
        (None, Role::Intake | Role::Coordinator) => {
            actor.unit.clone().ok_or(ApiError::Forbidden)?
        }
        (None, _) => {
            dir.region(&input.location.region)?;
            dir.nearest_unit(&input.location.region, UnitKind::PetitionOffice)
                .map(|u| u.id.clone())
                .ok_or_else(|| {
                    minsheng_core::DomainError::invalid(
                        "office_unit",
                        "该地区没有信访部门，请指定受理单位",
                        "no petition office covers this region; name the receiving unit",
                    )
                })?
        }
    };
    Ok(Registration {
        channel: input.channel,
        flow: input.flow,
        kind: input.kind,
        urgent: input.urgent,
        title: input.title,
        request: input.request,
        facts_reasons: input.facts_reasons,
        topic: input.topic,
        location: input.location,
        petitioner: person.reference.clone(),
        group_size: input.group_size,
        representatives: input.representatives,
        office_unit,
        accused_unit: input.accused_unit,
        about_officials: input.about_officials,
        query_code_hash: ids::query_code_hash(query_code),
        prior,
    })
}

/// Earlier matters of the same person on the same topic and facts (Arts. 19 ¶3, 36 ¶3).
fn prior_matters(
    st: &AppState,
    cases: &[CaseState],
    input: &NewCaseInput,
    now: DateTime<Utc>,
) -> PriorMatters {
    let text = format!("{}{}", input.request, input.facts_reasons);
    let mut prior = PriorMatters::default();
    for c in cases
        .iter()
        .filter(|c| c.topic == input.topic && c.flow == Flow::Petition)
    {
        if !minsheng_text::same_matter(&text, &format!("{}{}", c.request, c.facts_reasons)) {
            continue;
        }
        let decided_rereview = c.rereview.as_ref().is_some_and(|r| r.decided_at.is_some());
        if c.status == Status::Final && decided_rereview && prior.final_same_matter.is_none() {
            prior.final_same_matter = Some(PriorCase {
                id: c.id,
                number: c.number.clone(),
                unit: c.current_unit.clone(),
                within_time_limit: false,
            });
        }
        if c.status == Status::Handling && prior.pending_same_matter.is_none() {
            let policy = st.policy_for_region(&c.location.region);
            let within =
                deadline::current_duty(c, &policy, &st.calendar).is_some_and(|d| d.due > now);
            prior.pending_same_matter = Some(PriorCase {
                id: c.id,
                number: c.number.clone(),
                unit: c.current_unit.clone(),
                within_time_limit: within,
            });
        }
    }
    prior
}

/// Runs a command against a case, re-reading and deciding again if someone else got there first.
/// A merge also records the duplicate on its primary case.
pub async fn execute(
    st: &AppState,
    actor: &Actor,
    case: CaseState,
    command: &Command,
) -> ApiResult<CaseState> {
    match command {
        Command::Register(_) => Err(ApiError::bad(
            "register_via_create",
            "新事项请通过登记接口提交",
            "Register new cases through the create endpoint",
        )),
        Command::AttachDuplicate { .. } => Err(ApiError::bad(
            "attach_via_merge",
            "重复件由并案操作自动记录",
            "Duplicates are attached by the merge command",
        )),
        Command::Merge { primary, .. } => merge(st, actor, case, *primary, command).await,
        _ => execute_one(st, actor, case, command).await,
    }
}

/// 并单: checks the primary (visible to the actor, open, not the case itself), records the
/// duplicate on it, then closes the duplicate as merged. The duplicate's command is tried first
/// without writing so a refusal leaves both cases untouched.
async fn merge(
    st: &AppState,
    actor: &Actor,
    duplicate: CaseState,
    primary_id: uuid::Uuid,
    command: &Command,
) -> ApiResult<CaseState> {
    if let Some(Availability::Refused { .. }) | None = availability(st, actor, &duplicate, command)
    {
        // Let the decider say why, with its own error.
        return execute_one(st, actor, duplicate, command).await;
    }
    let primary = load_visible(st, actor, &primary_id.to_string())
        .await
        .map_err(|_| {
            ApiError::Domain(minsheng_core::DomainError::Unknown {
                what: "primary case",
                id: primary_id.to_string(),
            })
        })?;
    if primary.merged_into.is_some() {
        return Err(minsheng_core::DomainError::invalid(
            "primary",
            "主件本身已并入其他事项，请并入最终的主件",
            "the primary was itself merged; merge into the case it was merged into",
        )
        .into());
    }
    let attach = Command::AttachDuplicate {
        duplicate: duplicate.id,
        duplicate_number: duplicate.number.clone(),
    };
    let reason = match command {
        Command::Merge { reason, .. } => reason.clone(),
        _ => String::new(),
    };
    // The primary's number comes from the store, not from the request.
    let merge = Command::Merge {
        primary: primary.id,
        primary_number: primary.number.clone(),
        reason,
    };
    execute_one(st, actor, primary, &attach).await?;
    let merged = execute_one(st, actor, duplicate, &merge).await?;
    // Boxed: following the merge runs a command through `execute` again.
    Box::pin(crate::exchange::follow_merge(st, &merged)).await;
    Ok(merged)
}

/// One command against one case, with re-reads on concurrent change.
async fn execute_one(
    st: &AppState,
    actor: &Actor,
    mut case: CaseState,
    command: &Command,
) -> ApiResult<CaseState> {
    for _attempt in 0..3 {
        match append_decided(st, actor, &case, command, now()).await {
            Err(ApiError::Store(StoreError::Conflict)) => {
                case = st
                    .store
                    .get_case(case.id)
                    .await?
                    .ok_or(ApiError::NotFound)?;
            }
            result => return result,
        }
    }
    Err(StoreError::Conflict.into())
}

/// The directory snapshot and the policy in force where a matter is: what every decision needs.
struct Rules {
    directory: std::sync::Arc<minsheng_core::region::Directory>,
    policy: std::sync::Arc<minsheng_core::policy::PolicySet>,
}

impl Rules {
    fn for_region(st: &AppState, region: &str) -> Self {
        Rules {
            directory: st.directory(),
            policy: st.policy_for_region(region),
        }
    }

    fn context<'a>(
        &'a self,
        st: &'a AppState,
        actor: &'a Actor,
        now: DateTime<Utc>,
    ) -> Context<'a> {
        Context {
            policy: &self.policy,
            calendar: &st.calendar,
            directory: &self.directory,
            actor,
            now,
        }
    }
}

/// A registration decided and ready for the store's writer, with what the projections need
/// once it is written.
pub struct DecidedCase {
    pub op: CreateCase,
    caller_key: Option<String>,
    directory: std::sync::Arc<minsheng_core::region::Directory>,
}

/// Decides a registration at `at` and writes the new case (one attempt). `earlier` are the
/// petitioner's earlier cases when the caller has read them (else they are read here).
#[allow(clippy::too_many_arguments)]
pub async fn create_decided(
    st: &AppState,
    actor: &Actor,
    registration: Registration,
    at: DateTime<Utc>,
    petitioner: NewPetitioner,
    query_code: String,
    idempotency: Option<IdempotencyKey>,
    earlier: Option<Vec<CaseState>>,
) -> ApiResult<Created> {
    let d = decide_create(
        st,
        actor,
        registration,
        at,
        petitioner,
        query_code,
        idempotency,
        earlier,
    )
    .await?;
    let wake = !d.op.outbox.is_empty();
    let facts = d.op.kpi.as_ref().map(|k| k.facts.clone());
    let created = st.store.create_case(d.op).await?;
    if wake {
        st.outbox.wake();
    }
    if let Created::New(case) = &created {
        st.text
            .project_new(case, d.caller_key.clone(), &d.directory);
        crate::alerts::after_registration(st, case, d.caller_key.as_deref(), facts.as_ref()).await;
    }
    Ok(created)
}

/// Everything a registration does before the write: checks, decision, KPI facts. The intake
/// benchmark writes the result itself to measure the bare cost of the rows.
pub async fn plan_registration(
    st: &AppState,
    actor: &Actor,
    input: NewCaseInput,
) -> ApiResult<DecidedCase> {
    let at = now();
    let query_code = new_query_code()?;
    let (registration, person, earlier) = prepare(st, actor, input, &query_code, at).await?;
    decide_create(
        st,
        actor,
        registration,
        at,
        person.record,
        query_code,
        None,
        Some(earlier),
    )
    .await
}

/// Decides a registration at `at`: the events, the state, the deadline and the KPI facts
/// (with the repeat link), without writing anything. `earlier` are the petitioner's earlier
/// cases, read here when not given.
#[allow(clippy::too_many_arguments)]
async fn decide_create(
    st: &AppState,
    actor: &Actor,
    registration: Registration,
    at: DateTime<Utc>,
    petitioner: NewPetitioner,
    query_code: String,
    idempotency: Option<IdempotencyKey>,
    earlier: Option<Vec<CaseState>>,
) -> ApiResult<DecidedCase> {
    let rules = Rules::for_region(st, &registration.location.region);
    let policy = &rules.policy;
    let mut events = workflow::decide(
        None,
        &Command::Register(Box::new(registration)),
        &rules.context(st, actor, at),
    )?;
    crate::grids::place(st, &mut events).await?;
    let case_id = uuid::Uuid::now_v7();
    let state = workflow::replay(case_id, events.iter().map(|e| (at, e)))
        .ok_or_else(|| ApiError::Internal("registration produced no case".into()))?;
    let due = deadline::current_duty(&state, policy, &st.calendar);
    let caller_key = petitioner.phone.as_ref().map(|p| st.store.phone_index(p));
    // 重复信访: link to the earlier petition and derive both cases with the link.
    let earlier = match earlier {
        Some(cases) => cases,
        None => earlier_cases(st, petitioner.phone.as_ref(), petitioner.id_number.as_ref()).await?,
    };
    let repeat = crate::kpi::find_repeat(st, &state, &earlier, at);
    let links = CaseLinks {
        repeat_of: repeat.as_ref().map(|c| c.id),
        repeated_later: false,
    };
    let kpi = crate::kpi::update_for(
        st,
        &rules.directory,
        &state,
        events.iter().map(|e| (at, e)),
        &links,
        at,
    )?;
    let repeat_refresh = match &repeat {
        Some(earlier) => {
            let mut l = st.store.case_links(earlier.id).await?;
            l.repeated_later = true;
            // If it cannot be derived now, the writer marks it due for the refresh job.
            crate::kpi::rederive(st, &rules.directory, earlier, &l, at)
                .await
                .ok()
        }
        None => None,
    };
    let outbox = crate::outbox::messages_for(
        st,
        &crate::outbox::Change {
            before: None,
            after: &state,
            events: &events,
            actor,
            at,
        },
    );
    Ok(DecidedCase {
        op: CreateCase {
            case_id,
            at,
            actor: actor.clone(),
            events,
            state,
            due,
            petitioner,
            query_code,
            idempotency,
            kpi: Some(kpi),
            repeat_refresh,
            outbox,
        },
        caller_key,
        directory: rules.directory,
    })
}

/// Decides a command against `case` at `at` and appends the events if the case is still at the
/// version it was read at (one attempt; a conflict is returned as such).
pub async fn append_decided(
    st: &AppState,
    actor: &Actor,
    case: &CaseState,
    command: &Command,
    at: DateTime<Utc>,
) -> ApiResult<CaseState> {
    let rules = Rules::for_region(st, &case.location.region);
    let policy = &rules.policy;
    let events = workflow::decide(Some(case), command, &rules.context(st, actor, at))?;
    let mut next = case.clone();
    for e in &events {
        next = workflow::apply(Some(next), case.id, at, e)
            .ok_or_else(|| ApiError::Internal("apply lost the case".into()))?;
    }
    let due = deadline::current_duty(&next, policy, &st.calendar);
    // The KPI facts over the whole history, committed with the events (docs/kpi.md).
    let history = crate::kpi::history(st, case).await?;
    let links = st.store.case_links(case.id).await?;
    let kpi = crate::kpi::update_for(
        st,
        &rules.directory,
        &next,
        history
            .iter()
            .map(|(t, e)| (*t, e))
            .chain(events.iter().map(|e| (at, e))),
        &links,
        at,
    )?;
    let outbox = crate::outbox::messages_for(
        st,
        &crate::outbox::Change {
            before: Some(case),
            after: &next,
            events: &events,
            actor,
            at,
        },
    );
    let wake = !outbox.is_empty();
    let next = st
        .store
        .append(AppendEvents {
            case_id: case.id,
            expected_version: case.version,
            at,
            actor: actor.clone(),
            events,
            state: next,
            due,
            kpi: Some(kpi),
            outbox,
        })
        .await?;
    if wake {
        st.outbox.wake();
    }
    st.text.project(&next, &rules.directory);
    Ok(next)
}

/// Loads a case by id or number if this staff member may see it; 404 otherwise, so that
/// existence is not disclosed.
pub async fn load_visible(st: &AppState, actor: &Actor, key: &str) -> ApiResult<CaseState> {
    let case = match uuid::Uuid::parse_str(key) {
        Ok(id) => st.store.get_case(id).await?,
        Err(_) if key.len() <= 32 => st.store.get_case_by_number(key).await?,
        Err(_) => None,
    };
    match case {
        Some(c) if access::can_view(actor, &c, &st.directory()) => Ok(c),
        _ => Err(ApiError::NotFound),
    }
}

/// Finds a citizen's case by query code and, when a phone is on file, its last four digits.
pub async fn load_for_citizen(st: &AppState, code: &str, last4: &str) -> ApiResult<CaseState> {
    let parsed = ids::parse_query_code(code)?;
    let Some(case) = st
        .store
        .case_by_query_code(&ids::query_code_hash(&parsed))
        .await?
    else {
        return Err(crate::abuse::held::not_registered_yet(st, code, last4).await?);
    };
    let record = st
        .store
        .petitioner(case.petitioner.id)
        .await?
        .unwrap_or_default();
    if !last4_matches(record.phone.as_deref().unwrap_or(""), last4) {
        return Err(ApiError::NotFound);
    }
    Ok(case)
}

/// Whether `given` is the last four digits of `phone`, compared without an early exit so the
/// time taken does not tell a guesser how many digits were right.
pub fn last4_matches(phone: &str, given: &str) -> bool {
    let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
    let expected = &digits[digits.len().saturating_sub(4)..];
    let given = given.trim();
    expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(true, |ok, (a, b)| ok & (a == b))
}

/// The part of the case table a staff member's role lets them list.
pub fn scope_for(st: &AppState, actor: &Actor) -> ApiResult<Scope> {
    let dir = st.directory();
    Ok(match actor.role {
        Role::Handler => Scope::Unit(actor.unit.clone().ok_or(ApiError::Forbidden)?),
        Role::Intake | Role::Coordinator => {
            let unit = actor.unit.clone().ok_or(ApiError::Forbidden)?;
            let home = dir.unit(&unit)?.region.clone();
            Scope::Local {
                regions: dir
                    .regions()
                    .filter(|r| dir.is_within(&r.code, &home))
                    .map(|r| r.code.clone())
                    .collect(),
                unit,
            }
        }
        // Analysts read aggregates (`stats_scope_for`), never case lists.
        // Grid workers list their grids' matters on the grid pages only.
        Role::Citizen | Role::Analyst | Role::GridWorker => return Err(ApiError::Forbidden),
        Role::Supervisor | Role::Admin | Role::System => Scope::All,
    })
}

/// The part of the case table a staff member's statistics count: their listing scope, and for
/// analysts (who have no unit and list nothing) the whole directory.
pub fn stats_scope_for(st: &AppState, actor: &Actor) -> ApiResult<Scope> {
    match actor.role {
        Role::Analyst => Ok(Scope::All),
        _ => scope_for(st, actor),
    }
}

/// One page of cases in `scope`, with the per-case access rule applied on top of the SQL scope.
pub async fn list_visible(
    st: &AppState,
    actor: &Actor,
    scope: &Scope,
    filter: &CaseFilter,
) -> ApiResult<CasePage> {
    let dir = st.directory();
    let mut page = st
        .store
        .list_cases(scope, filter)
        .await
        .map_err(|e| match e {
            StoreError::Corrupt(m) if m == "bad cursor" => {
                ApiError::bad("invalid_cursor", "分页游标无效", "Invalid cursor")
            }
            e => e.into(),
        })?;
    page.items.retain(|c| access::can_view(actor, c, &dir));
    Ok(page)
}

/// Whether a command could run on a case now: hidden (`None`) when the state or the role rules
/// it out, refused with the rule's words when a time limit or count does, open otherwise (bad
/// arguments are the form's business, not a reason to hide the action).
pub enum Availability {
    Open,
    Refused { zh: String, en: String },
}

/// Decides a command without writing: `Ok` when the workflow would accept it now.
pub fn check(st: &AppState, actor: &Actor, case: &CaseState, command: &Command) -> ApiResult<()> {
    let rules = Rules::for_region(st, &case.location.region);
    workflow::decide(Some(case), command, &rules.context(st, actor, now()))?;
    Ok(())
}

pub fn availability(
    st: &AppState,
    actor: &Actor,
    case: &CaseState,
    command: &Command,
) -> Option<Availability> {
    use minsheng_core::DomainError as D;
    let rules = Rules::for_region(st, &case.location.region);
    match workflow::decide(Some(case), command, &rules.context(st, actor, now())) {
        Ok(_) => Some(Availability::Open),
        Err(D::NotAllowedInState { .. } | D::Forbidden { .. }) => None,
        Err(e @ (D::Rule { .. } | D::CalendarGap { .. })) => Some(Availability::Refused {
            zh: e.message_zh(),
            en: e.message_en(),
        }),
        Err(_) => Some(Availability::Open),
    }
}
