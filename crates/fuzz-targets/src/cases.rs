//! JSON case bodies: `POST /api/v1/cases` and `/api/v1/public/cases`, through the whole check
//! the API runs before the store is touched (fields, petitioner, receiving unit, the decider).

use crate::{assert_client_error, assert_domain_error, fixtures};
use minsheng_core::access::Actor;
use minsheng_core::case::Channel;
use minsheng_core::petitioner::clean_text;
use minsheng_core::workflow::{self, Command, Context, PriorMatters};
use minsheng_server::extract::parse_json;
use minsheng_server::service::{NewCaseInput, parse_person, registration};

pub fn case_json(data: &[u8]) {
    match parse_json::<NewCaseInput>(data) {
        Ok(input) => {
            // As the API is used: citizens submit online, integrations post their channels,
            // an intake agent registers the rest.
            let actor = match input.channel {
                Channel::Online => Actor::citizen(),
                Channel::Api | Channel::Open311 | Channel::Hotline12345 => Actor::system("fuzz"),
                _ => fixtures::intake(),
            };
            check_new_case(input, &actor)
        }
        Err(e) => assert_client_error(&e),
    }
}

/// A new case is refused with a client error, or registers into a case that keeps what was
/// asked and shows the petitioner only masked.
pub(crate) fn check_new_case(input: NewCaseInput, actor: &Actor) {
    let person = match parse_person(&input.petitioner) {
        Ok(p) => p,
        Err(e) => return assert_client_error(&e),
    };
    if let Some(phone) = &person.phone {
        let masked = person.reference.phone_masked.as_deref().expect("masked");
        assert!(!masked.contains(phone.as_str()), "phone shown unmasked");
    }
    let dir = fixtures::directory();
    let (title, request) = (input.title.clone(), input.request.clone());
    let r = match registration(
        dir,
        actor,
        input,
        &person,
        "ABCDEFGHJK",
        PriorMatters::default(),
    ) {
        Ok(r) => r,
        Err(e) => return assert_client_error(&e),
    };
    let policy = fixtures::policy().for_chain(&dir.chain(&r.location.region));
    let ctx = Context {
        policy: &policy,
        calendar: fixtures::calendar(),
        directory: dir,
        actor,
        now: fixtures::now(),
    };
    let events = match workflow::decide(None, &Command::Register(Box::new(r)), &ctx) {
        Ok(ev) => ev,
        Err(e) => return assert_domain_error(e),
    };
    let at = fixtures::now();
    let case = workflow::replay(uuid::Uuid::nil(), events.iter().map(|e| (at, e)))
        .expect("a registration replays into a case");
    // The case keeps the text as written, only trimmed and without control characters.
    let cleaned = |s: &str| clean_text("text", s, 0, usize::MAX).expect("no bounds");
    assert_eq!(case.title, cleaned(&title));
    assert_eq!(case.request, cleaned(&request));
    assert!(
        case.petitioner.anonymous || !case.petitioner.name_masked.is_empty(),
        "a named petitioner keeps a masked name"
    );
}
