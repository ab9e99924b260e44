//! Retention: how long each kind of record is kept before `minsheng purge` removes it. Part of
//! the policy file (`[retention]`), national only: a regional override may not shorten what the
//! law asks every deployment to keep.

use crate::policy::Period;
use serde::Deserialize;

/// The shortest audit-log retention allowed: 网络安全法 Art. 21(三) asks for network logs to be
/// kept no less than six months (rules.md §7); six months are at most 184 days, and 180 is the
/// floor operators know, so 180 is the minimum and the default.
pub const MIN_AUDIT_LOG_DAYS: u32 = 180;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionPolicy {
    /// The audit log (sign-ins, reveals outside cases, reviews, purges) by age.
    pub audit_log: Period,
    /// Sign-in tokens (sessions) this long after they expired.
    pub expired_sessions: Period,
    /// Held submissions a reviewer rejected as spam, this long after the rejection.
    pub rejected_held: Period,
    /// SMS codes for supporting a suggestion (the per-phone and per-network abuse records),
    /// this long after they expired.
    pub support_codes: Period,
    /// The petitioner's personal data of a closed case, this long after it closed. The events
    /// and the case stay (the hash chains still verify); the sealed name, phone, ID number and
    /// address, their blind indexes and the query code's look-up are removed. **Unverified**:
    /// rules.md names 电子档案 (grid measures Art. 14) and 人民建议档案 but no period for them.
    pub closed_case_personal_data: Period,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            audit_log: Period::Days(MIN_AUDIT_LOG_DAYS),
            expired_sessions: Period::Days(7),
            rejected_held: Period::Days(90),
            support_codes: Period::Days(30),
            closed_case_personal_data: Period::Days(3650),
        }
    }
}

impl RetentionPolicy {
    /// Every period by its policy-file name.
    pub fn periods(&self) -> [(&'static str, Period); 5] {
        [
            ("audit_log", self.audit_log),
            ("expired_sessions", self.expired_sessions),
            ("rejected_held", self.rejected_held),
            ("support_codes", self.support_codes),
            ("closed_case_personal_data", self.closed_case_personal_data),
        ]
    }

    /// Days of each period; every retention period is in calendar days.
    pub fn days(&self, period: Period) -> i64 {
        i64::from(period.days().unwrap_or(0))
    }

    pub(crate) fn validate(&self, scope: &str) -> Result<(), String> {
        for (name, period) in self.periods() {
            if period.days().is_none() {
                return Err(format!(
                    "{scope}: retention.{name} must be in calendar days, like \"180d\" \
                     (保留期限应以日计)"
                ));
            }
        }
        if self.audit_log.days().unwrap_or(0) < MIN_AUDIT_LOG_DAYS {
            return Err(format!(
                "{scope}: retention.audit_log must be at least {MIN_AUDIT_LOG_DAYS} days: the \
                 Cybersecurity Law Art. 21 keeps network logs no less than six months \
                 (审计日志保留期不得少于{MIN_AUDIT_LOG_DAYS}日：网络安全法第二十一条要求网络日志留存不少于六个月)"
            ));
        }
        if self.closed_case_personal_data.days() == Some(0) {
            return Err(format!(
                "{scope}: retention.closed_case_personal_data must be longer than zero \
                 (已办结事项个人信息的保留期限应大于零)"
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::policy::{Policy, SHIPPED_POLICY};

    #[test]
    fn shipped_retention_and_refusals() {
        let n = Policy::shipped().national();
        assert_eq!(n.retention, super::RetentionPolicy::default());
        for (from, to, says) in [
            (
                "audit_log = \"180d\"",
                "audit_log = \"179d\"",
                "at least 180 days",
            ),
            (
                "audit_log = \"180d\"",
                "audit_log = \"26wd\"",
                "calendar days",
            ),
            (
                "closed_case_personal_data = \"3650d\"",
                "closed_case_personal_data = \"0d\"",
                "longer than zero",
            ),
        ] {
            assert!(SHIPPED_POLICY.contains(from), "{from}");
            let bad = SHIPPED_POLICY.replacen(from, to, 1);
            let e = Policy::from_toml(&bad).expect_err(to);
            assert!(e.message_en().contains(says), "{to}: {}", e.message_en());
        }
        let longer = SHIPPED_POLICY.replacen("audit_log = \"180d\"", "audit_log = \"400d\"", 1);
        let p = Policy::from_toml(&longer).expect("a longer retention is fine");
        assert_eq!(
            p.national().retention.audit_log,
            crate::policy::Period::Days(400)
        );
        let regional = format!("{SHIPPED_POLICY}\n[override.retention]\naudit_log = \"400d\"\n");
        assert!(
            Policy::from_toml(&regional).is_err(),
            "retention is national"
        );
    }
}
