//! The working-day calendar and Civil Code period counting (民法典 Arts. 200–203).
//!
//! A period in days starts the day after the event; when its last day is not a working day
//! (weekend or statutory holiday) it ends on the next working day; working-day periods skip every
//! non-working day. Make-up working days (调休) are working days even on a weekend.

use crate::error::DomainError;
use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// The calendar shipped with minsheng (2025 and 2026).
pub const SHIPPED_CALENDAR: &str = include_str!("../data/calendar-cn.toml");

#[derive(Debug, Clone, Default)]
pub struct Calendar {
    years: BTreeMap<i32, Year>,
}

#[derive(Debug, Clone, Default)]
struct Year {
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
}

#[derive(Deserialize)]
struct CalendarFile {
    year: Vec<YearFile>,
}

#[derive(Deserialize)]
struct YearFile {
    year: i32,
    #[serde(default)]
    holidays: Vec<NaiveDate>,
    #[serde(default)]
    workdays: Vec<NaiveDate>,
}

impl Calendar {
    /// Parses a calendar file and checks that every date belongs to the year it is listed under
    /// and that no date is both a holiday and a make-up working day.
    pub fn from_toml(text: &str) -> Result<Self, DomainError> {
        let file: CalendarFile = toml::from_str(text).map_err(|e| {
            DomainError::invalid(
                "calendar",
                format!("日历文件格式错误：{}", e.message()),
                format!("calendar file is malformed: {}", e.message()),
            )
        })?;
        let mut years = BTreeMap::new();
        for y in file.year {
            let mut year = Year::default();
            for d in &y.holidays {
                check_year(y.year, *d)?;
                year.holidays.insert(*d);
            }
            for d in &y.workdays {
                check_year(y.year, *d)?;
                if year.holidays.contains(d) {
                    return Err(DomainError::invalid(
                        "calendar",
                        format!("{d} 同时被列为节假日和调休工作日"),
                        format!("{d} is listed both as a holiday and a make-up working day"),
                    ));
                }
                year.workdays.insert(*d);
            }
            if years.insert(y.year, year).is_some() {
                return Err(DomainError::invalid(
                    "calendar",
                    format!("{} 年重复出现", y.year),
                    format!("year {} appears twice", y.year),
                ));
            }
        }
        Ok(Calendar { years })
    }

    pub fn shipped() -> Self {
        Self::from_toml(SHIPPED_CALENDAR).expect("the shipped calendar is valid")
    }

    pub fn known_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.keys().copied()
    }

    pub fn last_known_year(&self) -> Option<i32> {
        self.years.keys().next_back().copied()
    }

    pub fn is_working_day(&self, d: NaiveDate) -> Result<bool, DomainError> {
        let year = self
            .years
            .get(&d.year())
            .ok_or(DomainError::CalendarGap { year: d.year() })?;
        if year.workdays.contains(&d) {
            return Ok(true);
        }
        if year.holidays.contains(&d) {
            return Ok(false);
        }
        Ok(!matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
    }

    /// Last day of a calendar-day period of `days` days starting after `start` (Civil Code).
    pub fn add_days(&self, start: NaiveDate, days: u32) -> Result<NaiveDate, DomainError> {
        // Past the end of chrono's dates is past any calendar too (found by fuzzing).
        let mut last = start
            .checked_add_days(chrono::Days::new(u64::from(days)))
            .ok_or(DomainError::CalendarGap {
                year: start.year().saturating_add(1),
            })?;
        while !self.is_working_day(last)? {
            last = last
                .succ_opt()
                .ok_or(DomainError::CalendarGap { year: last.year() })?;
        }
        Ok(last)
    }

    /// Last day of a period of `days` working days starting after `start`.
    pub fn add_working_days(&self, start: NaiveDate, days: u32) -> Result<NaiveDate, DomainError> {
        let mut d = start;
        let mut left = days;
        if left == 0 {
            // "within 0 working days" means the same working day, rolled to a working day.
            while !self.is_working_day(d)? {
                d = d
                    .succ_opt()
                    .ok_or(DomainError::CalendarGap { year: d.year() })?;
            }
            return Ok(d);
        }
        while left > 0 {
            d = d
                .succ_opt()
                .ok_or(DomainError::CalendarGap { year: d.year() })?;
            if self.is_working_day(d)? {
                left -= 1;
            }
        }
        Ok(d)
    }

    /// Working days strictly after `from` up to and including `to`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Result<u32, DomainError> {
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = d
                .succ_opt()
                .ok_or(DomainError::CalendarGap { year: d.year() })?;
            if self.is_working_day(d)? {
                n += 1;
            }
        }
        Ok(n)
    }
}

fn check_year(year: i32, d: NaiveDate) -> Result<(), DomainError> {
    if d.year() != year {
        return Err(DomainError::invalid(
            "calendar",
            format!("{d} 不属于 {year} 年"),
            format!("{d} is not in year {year}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn shipped_calendar_knows_make_up_days() {
        let c = Calendar::shipped();
        assert!(c.is_working_day(d("2026-02-14")).unwrap(), "Saturday 调休");
        assert!(
            !c.is_working_day(d("2026-02-16")).unwrap(),
            "Spring Festival"
        );
        assert!(!c.is_working_day(d("2026-11-28")).unwrap(), "Saturday");
        assert!(matches!(
            c.is_working_day(d("2027-01-05")),
            Err(DomainError::CalendarGap { year: 2027 })
        ));
    }

    #[test]
    fn calendar_days_roll_over_holidays() {
        let c = Calendar::shipped();
        // 2026-09-16 + 15 = 2026-10-01 (National Day) → first working day after is 2026-10-08.
        assert_eq!(c.add_days(d("2026-09-16"), 15).unwrap(), d("2026-10-08"));
        // Ends on a make-up Sunday (调休): a working day, so it stays.
        assert_eq!(c.add_days(d("2026-09-05"), 15).unwrap(), d("2026-09-20"));
        assert_eq!(c.add_days(d("2026-09-30"), 10).unwrap(), d("2026-10-10"));
    }

    #[test]
    fn working_days_skip_holidays_and_count_make_up_days() {
        let c = Calendar::shipped();
        // Thu 2026-09-24: Fri 25–Sun 27 holiday, Mon 28, Tue 29, Wed 30, Oct 1–7 off, Sat 10 works.
        assert_eq!(
            c.add_working_days(d("2026-09-24"), 3).unwrap(),
            d("2026-09-30")
        );
        assert_eq!(
            c.add_working_days(d("2026-09-24"), 5).unwrap(),
            d("2026-10-09")
        );
        assert_eq!(
            c.add_working_days(d("2026-09-24"), 6).unwrap(),
            d("2026-10-10")
        );
        assert!(c.add_working_days(d("2026-12-28"), 5).is_err());
    }

    #[test]
    fn the_last_representable_year_is_a_gap_not_a_panic() {
        // Found by fuzzing: a calendar listing year 262142 overflowed chrono's dates.
        let cal = Calendar::from_toml("[[year]]\nyear = 262142\n").unwrap();
        let last = NaiveDate::from_ymd_opt(262142, 12, 20).unwrap();
        assert!(matches!(
            cal.add_days(last, 15),
            Err(DomainError::CalendarGap { .. })
        ));
    }

    #[test]
    fn rejects_bad_files() {
        assert!(Calendar::from_toml("[[year]]\nyear=2026\nholidays=[\"2025-01-01\"]").is_err());
        assert!(
            Calendar::from_toml(
                "[[year]]\nyear=2026\nholidays=[\"2026-01-01\"]\nworkdays=[\"2026-01-01\"]"
            )
            .is_err()
        );
        assert!(Calendar::from_toml("nonsense").is_err());
    }
}
