//! The 12345 exchange: a partner's work order (JSON bytes) through the server's own parser and
//! mapping, and the signature headers through the verifier.

use crate::fixtures;
use minsheng_server::exchange::error::FieldError;
use minsheng_server::exchange::order::{parse_body, to_case};
use minsheng_server::exchange::signature;

fn check_fields(errs: &[FieldError]) {
    assert!(!errs.is_empty(), "a refusal names at least one field");
    for e in errs {
        assert!(!e.field.is_empty(), "{e:?}");
        assert!(
            !e.message_zh.trim().is_empty() && !e.message_en.trim().is_empty(),
            "{e:?}"
        );
    }
}

pub fn order(data: &[u8]) {
    // Whatever the bytes, the signature check answers without panicking, and a body signed now
    // verifies while any other body does not.
    let now = fixtures::now();
    let window = std::time::Duration::from_secs(300);
    let head = String::from_utf8_lossy(&data[..data.len().min(40)]).to_string();
    let _ = signature::verify("k", &head, &head, data, now, window);
    let sig = signature::sign("k", now.timestamp(), data);
    assert_eq!(
        signature::verify("k", &now.timestamp().to_string(), &sig, data, now, window),
        Ok(now.timestamp())
    );
    let order = match parse_body(data) {
        Ok(o) => o,
        Err(errs) => return check_fields(&errs),
    };
    let dir = fixtures::directory();
    let input = match to_case(dir, "990102", &order) {
        Ok(i) => i,
        Err(errs) => return check_fields(&errs),
    };
    assert!(dir.region(&input.location.region).is_ok());
    assert!(dir.topic(&input.topic).is_ok());
    let chars = input.request.chars().count();
    assert!((2..=4000).contains(&chars), "content of {chars} characters");
    assert_eq!(input.channel, minsheng_core::case::Channel::Hotline12345);
    assert!(input.office_unit.is_some(), "an office is chosen");
    if let Err(e) = minsheng_server::service::parse_person(&input.petitioner) {
        crate::assert_client_error(&e);
    }
}
