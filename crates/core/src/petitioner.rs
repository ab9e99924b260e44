//! Personal-data newtypes that can only be built valid ("parse, don't validate"), and their
//! masked forms for lists and screens.

use crate::error::DomainError;
use serde::{Deserialize, Serialize};

/// A mainland Chinese phone number: an 11-digit mobile (1[3-9]…) or a landline with area code.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let mut digits: String = raw
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '（' | '）'))
            .collect();
        if let Some(rest) = digits.strip_prefix("+86") {
            digits = rest.to_string();
        } else if digits.len() == 13
            && let Some(rest) = digits.strip_prefix("86")
        {
            digits = rest.to_string();
        }
        let bad = || {
            DomainError::invalid(
                "phone",
                "请填写11位手机号码或带区号的固定电话",
                "expected an 11-digit mobile number or a landline with area code",
            )
        };
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        let b = digits.as_bytes();
        let mobile = b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]);
        let landline = (10..=12).contains(&b.len()) && b[0] == b'0' && b[1] != b'0';
        if mobile || landline {
            Ok(Phone(digits))
        } else {
            Err(bad())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 138****5678 for mobiles; area code + **** + last four for landlines. At least four
    /// digits are always hidden: a short landline keeps less of its area code rather than
    /// showing all but two digits (found by fuzzing: `(071)87654321` was `0718***4321`).
    pub fn masked(&self) -> String {
        let s = &self.0;
        let area = if s.starts_with("01") || s.starts_with("02") {
            3
        } else {
            4
        };
        let keep = if s.starts_with('1') { 3 } else { area }.min(s.len() - 8);
        let tail = &s[s.len() - 4..];
        format!("{}{}{}", &s[..keep], "*".repeat(s.len() - keep - 4), tail)
    }

    pub fn last4(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }
}

impl std::fmt::Debug for Phone {
    // Debug output ends up in logs; never print the number in clear there.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl TryFrom<String> for Phone {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Phone::parse(&s)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}

/// An 18-character resident identity number (GB 11643) with a valid check digit and birth date.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdNumber(String);

impl IdNumber {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let s: String = raw.trim().to_ascii_uppercase();
        let bad = |zh: &str, en: &str| DomainError::invalid("id_number", zh, en);
        let b = s.as_bytes();
        if b.len() != 18
            || !b[..17].iter().all(u8::is_ascii_digit)
            || !(b[17].is_ascii_digit() || b[17] == b'X')
        {
            return Err(bad("身份证号码应为18位", "an ID number has 18 characters"));
        }
        const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        const CHECK: &[u8; 11] = b"10X98765432";
        let sum: u32 = b[..17]
            .iter()
            .zip(WEIGHTS)
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        if CHECK[(sum % 11) as usize] != b[17] {
            return Err(bad("身份证号码校验位不正确", "the check digit is wrong"));
        }
        let birth = chrono::NaiveDate::parse_from_str(&s[6..14], "%Y%m%d");
        if birth.is_err() {
            return Err(bad(
                "身份证号码中的出生日期无效",
                "the birth date is not a date",
            ));
        }
        Ok(IdNumber(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 110***********1234
    pub fn masked(&self) -> String {
        format!("{}{}{}", &self.0[..3], "*".repeat(11), &self.0[14..])
    }

    /// Builds the check digit for 17 leading digits (used by generators and tests).
    pub fn with_check_digit(first17: &str) -> Option<Self> {
        if first17.len() != 17 || !first17.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        const CHECK: &[u8; 11] = b"10X98765432";
        let sum: u32 = first17
            .bytes()
            .zip(WEIGHTS)
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        let full = format!("{first17}{}", CHECK[(sum % 11) as usize] as char);
        IdNumber::parse(&full).ok()
    }
}

impl std::fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

impl TryFrom<String> for IdNumber {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        IdNumber::parse(&s)
    }
}

impl From<IdNumber> for String {
    fn from(p: IdNumber) -> String {
        p.0
    }
}

/// Masks a person's name: the first character stays, the rest become `*` (张** / 欧阳**).
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        None => String::new(),
        Some(first) => {
            let rest = chars.count().max(1);
            format!("{first}{}", "*".repeat(rest))
        }
    }
}

/// Masks an address: keeps the first six characters (province/city/district), hides the rest.
pub fn mask_address(addr: &str) -> String {
    let n = addr.chars().count();
    if n <= 6 {
        return "*".repeat(n);
    }
    let head: String = addr.chars().take(6).collect();
    format!("{head}{}", "*".repeat((n - 6).min(8)))
}

/// Text fields entered by people: trimmed, bounded, control characters removed.
pub fn clean_text(
    field: &'static str,
    raw: &str,
    min: usize,
    max: usize,
) -> Result<String, DomainError> {
    let s: String = raw
        .trim()
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .collect();
    let n = s.chars().count();
    if n < min {
        return Err(DomainError::invalid(
            field,
            if min == 1 {
                "不能为空".to_string()
            } else {
                format!("至少需要 {min} 个字")
            },
            if min == 1 {
                "must not be empty".to_string()
            } else {
                format!("needs at least {min} characters")
            },
        ));
    }
    if n > max {
        return Err(DomainError::invalid(
            field,
            format!("不能超过 {max} 个字"),
            format!("must not exceed {max} characters"),
        ));
    }
    Ok(s)
}

/// How a petitioner wants to hear about their case (受理、延期、答复): by SMS, by e-mail, or not
/// at all (they follow it with the query code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum NotifyChannel {
    Sms,
    Email,
    None,
}

impl NotifyChannel {
    pub fn as_str(self) -> &'static str {
        match self {
            NotifyChannel::Sms => "sms",
            NotifyChannel::Email => "email",
            NotifyChannel::None => "none",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sms" => Some(NotifyChannel::Sms),
            "email" => Some(NotifyChannel::Email),
            "none" => Some(NotifyChannel::None),
            _ => None,
        }
    }
}

/// An e-mail address, checked enough to be worth sending to: one `@`, a dotted domain, no
/// spaces or control characters, at most 254 characters.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let s = raw.trim();
        let bad = || {
            DomainError::invalid(
                "petitioner.email",
                "电子邮箱格式不正确",
                "the e-mail address is not valid",
            )
        };
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        let ok = s.len() <= 254
            && !local.is_empty()
            && local.len() <= 64
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !s.chars().any(|c| {
                c.is_whitespace() || c.is_control() || c == '<' || c == '>' || c == ',' || c == ';'
            });
        if ok {
            Ok(Email(s.to_string()))
        } else {
            Err(bad())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// z***@example.com: the first character of the local part and the domain.
    pub fn masked(&self) -> String {
        let (local, domain) = self.0.split_once('@').unwrap_or((&self.0, ""));
        let first: String = local.chars().take(1).collect();
        format!("{first}***@{domain}")
    }
}

impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Email({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones() {
        assert_eq!(
            Phone::parse("138 1234 5678").unwrap().masked(),
            "138****5678"
        );
        assert_eq!(
            Phone::parse("+8613812345678").unwrap().as_str(),
            "13812345678"
        );
        assert_eq!(
            Phone::parse("0571-87654321").unwrap().masked(),
            "0571****4321"
        );
        assert_eq!(
            Phone::parse("010-12345678").unwrap().masked(),
            "010****5678"
        );
        assert_eq!(
            Phone::parse("(071)87654321").unwrap().masked(),
            "071****4321"
        );
        assert_eq!(Phone::parse("010-1234567").unwrap().masked(), "01****4567");
        assert!(Phone::parse("12812345678").is_err());
        assert!(Phone::parse("1381234567").is_err());
        assert!(Phone::parse("abc").is_err());
    }

    #[test]
    fn id_numbers() {
        let id = IdNumber::with_check_digit("11010519491231002").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.masked(), "110***********002X");
        assert!(IdNumber::parse("110105194912310021").is_err());
        assert!(IdNumber::parse("11010519491331002X").is_err());
    }

    #[test]
    fn masks() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳明月"), "欧***");
        assert_eq!(
            mask_address("浙江省杭州市西湖区文三路1号"),
            "浙江省杭州市********"
        );
    }
}
