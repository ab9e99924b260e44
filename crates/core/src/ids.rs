//! Identifiers people see: case numbers and query codes.

use crate::error::DomainError;
use chrono::NaiveDate;
use sha2::{Digest, Sha256};

/// Characters for query codes: no 0/O, 1/I/L, to be read out over the phone.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const QUERY_CODE_LEN: usize = 10;

/// Builds a query code (查询码) from random bytes supplied by the caller.
pub fn query_code_from_random(bytes: &[u8; QUERY_CODE_LEN]) -> String {
    bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

/// Normalises what a person typed as a query code (case, spaces, dashes).
pub fn parse_query_code(raw: &str) -> Result<String, DomainError> {
    let s: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if s.len() != QUERY_CODE_LEN || !s.bytes().all(|b| ALPHABET.contains(&b)) {
        return Err(DomainError::invalid(
            "query_code",
            "查询码应为10位字母数字",
            "a query code has 10 letters and digits",
        ));
    }
    Ok(s)
}

/// The stored form of a query code: only its hash is kept.
pub fn query_code_hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.as_bytes()))
}

/// Human case number: `2026-1126-000123` (date of registration, China time, and a daily serial).
pub fn case_number(day: NaiveDate, serial: u64) -> String {
    format!("{}-{:06}", day.format("%Y-%m%d"), serial)
}

/// The counter name a day's serials are drawn from.
pub fn case_number_counter(day: NaiveDate) -> String {
    format!("case_number:{}", day.format("%Y%m%d"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        let c = query_code_from_random(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 255]);
        assert_eq!(c.len(), 10);
        assert_eq!(parse_query_code(&c.to_lowercase()).unwrap(), c);
        assert!(parse_query_code("O0O0O0O0O0").is_err());
        assert_eq!(
            case_number("2026-11-26".parse().unwrap(), 123),
            "2026-1126-000123"
        );
    }
}
