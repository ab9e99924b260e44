//! The period a statistics page covers, from its query (`period=month&month=2026-03`,
//! `period=year&year=2026`, `period=range&from=2026-01-01&to=2026-03-31`): the KPI/volume keys
//! to read at which grain, the keys of the trend below it, and the China-time instants it spans.

use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use minsheng_core::deadline::{end_of_day, local_date};
use minsheng_core::kpi::Grain;

/// Longest custom range: long enough for multi-year comparisons, short enough to stay cheap.
const MAX_RANGE_DAYS: i64 = 3 * 366;
/// Custom ranges up to this long trend by day, longer ones by month.
const DAILY_TREND_DAYS: i64 = 62;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    Month,
    Year,
    Range,
}

#[derive(Debug, Clone)]
pub struct Period {
    pub kind: PeriodKind,
    /// Grain and inclusive keys for totals (KPI counts, volumes).
    pub grain: Grain,
    pub from: String,
    pub to: String,
    /// Grain and keys of the trend; `trend_cut` > 0 means "read days, sum them by month".
    pub trend_grain: Grain,
    pub trend_from: String,
    pub trend_to: String,
    pub trend_cut: usize,
    /// The first and last China calendar day covered.
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct PeriodQuery {
    #[serde(default)]
    pub period: String,
    #[serde(default)]
    pub month: String,
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

fn bad(field: &str, zh_format: &str, en_format: &str) -> ApiError {
    ApiError::bad(
        "invalid_period",
        format!("统计期间无效（{field}）：应为 {zh_format}"),
        format!("Invalid period ({field}): use {en_format}"),
    )
}

fn parse_year(s: &str) -> ApiResult<i32> {
    s.parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| {
            bad(
                "year",
                "2000–2100 之间的年份",
                "a year between 2000 and 2100",
            )
        })
}

fn last_of_month(y: i32, m: u32) -> Option<NaiveDate> {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    NaiveDate::from_ymd_opt(ny, nm, 1).and_then(|d| d.pred_opt())
}

impl Period {
    /// The whole China-calendar year `y`.
    pub fn year(y: i32) -> ApiResult<Period> {
        let first = NaiveDate::from_ymd_opt(y, 1, 1).ok_or_else(|| {
            bad(
                "year",
                "2000–2100 之间的年份",
                "a year between 2000 and 2100",
            )
        })?;
        let last = NaiveDate::from_ymd_opt(y, 12, 31).ok_or_else(|| {
            bad(
                "year",
                "2000–2100 之间的年份",
                "a year between 2000 and 2100",
            )
        })?;
        Ok(Period {
            kind: PeriodKind::Year,
            grain: Grain::Year,
            from: y.to_string(),
            to: y.to_string(),
            trend_grain: Grain::Month,
            trend_from: format!("{y}-01"),
            trend_to: format!("{y}-12"),
            trend_cut: 0,
            first_day: first,
            last_day: last,
        })
    }

    /// Parses the query; an empty query is the current year (China time).
    pub fn parse(q: &PeriodQuery, now: DateTime<Utc>) -> ApiResult<Period> {
        let today = local_date(now);
        match q.period.as_str() {
            "" | "year" => {
                let y = if q.year.is_empty() {
                    today.year()
                } else {
                    parse_year(&q.year)?
                };
                Period::year(y)
            }
            "month" => {
                let m = if q.month.is_empty() {
                    today.format("%Y-%m").to_string()
                } else {
                    q.month.clone()
                };
                let first = NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
                    .ok()
                    .filter(|d| (2000..=2100).contains(&d.year()) && m.len() == 7)
                    .ok_or_else(|| bad("month", "YYYY-MM", "YYYY-MM"))?;
                let last = last_of_month(first.year(), first.month())
                    .ok_or_else(|| bad("month", "YYYY-MM", "YYYY-MM"))?;
                Ok(Period {
                    kind: PeriodKind::Month,
                    grain: Grain::Month,
                    from: m.clone(),
                    to: m,
                    trend_grain: Grain::Day,
                    trend_from: first.format("%Y-%m-%d").to_string(),
                    trend_to: last.format("%Y-%m-%d").to_string(),
                    trend_cut: 0,
                    first_day: first,
                    last_day: last,
                })
            }
            "range" => {
                let day = |s: &str, field: &str| {
                    NaiveDate::parse_from_str(s, "%Y-%m-%d")
                        .ok()
                        .filter(|d| (2000..=2100).contains(&d.year()))
                        .ok_or_else(|| bad(field, "YYYY-MM-DD", "YYYY-MM-DD"))
                };
                let first = day(&q.from, "from")?;
                let last = day(&q.to, "to")?;
                let span = (last - first).num_days();
                if span < 0 {
                    return Err(ApiError::bad(
                        "invalid_period",
                        "结束日期早于开始日期",
                        "The end date is before the start date",
                    ));
                }
                if span > MAX_RANGE_DAYS {
                    return Err(ApiError::bad(
                        "period_too_long",
                        "自定义期间最长三年",
                        "A custom period is at most three years long",
                    ));
                }
                let (from, to) = (
                    first.format("%Y-%m-%d").to_string(),
                    last.format("%Y-%m-%d").to_string(),
                );
                Ok(Period {
                    kind: PeriodKind::Range,
                    grain: Grain::Day,
                    trend_grain: Grain::Day,
                    trend_from: from.clone(),
                    trend_to: to.clone(),
                    trend_cut: if span > DAILY_TREND_DAYS { 7 } else { 0 },
                    from,
                    to,
                    first_day: first,
                    last_day: last,
                })
            }
            _ => Err(bad(
                "period",
                "month、year 或 range",
                "month, year or range",
            )),
        }
    }

    /// Every trend period in order (days or months), so periods without cases show as zero.
    pub fn trend_keys(&self) -> Vec<String> {
        let monthly = self.trend_grain == Grain::Month || self.trend_cut > 0;
        let mut out = Vec::new();
        let mut d = self.first_day;
        while d <= self.last_day {
            let key = if monthly {
                d.format("%Y-%m").to_string()
            } else {
                d.format("%Y-%m-%d").to_string()
            };
            if out.last() != Some(&key) {
                out.push(key);
            }
            match d.succ_opt() {
                Some(n) => d = n,
                None => break,
            }
        }
        out
    }

    /// The first instant covered (China midnight of the first day).
    pub fn start(&self) -> DateTime<Utc> {
        end_of_day(self.first_day - Days::new(1))
    }

    /// The first instant after the period.
    pub fn until(&self) -> DateTime<Utc> {
        end_of_day(self.last_day)
    }

    /// The query that selects this period again (for links and downloads).
    pub fn query(&self) -> String {
        match self.kind {
            PeriodKind::Year => format!("period=year&year={}", self.from),
            PeriodKind::Month => format!("period=month&month={}", self.from),
            PeriodKind::Range => format!("period=range&from={}&to={}", self.from, self.to),
        }
    }

    /// A short label in both languages.
    pub fn label(&self) -> (String, String) {
        match self.kind {
            PeriodKind::Year => (format!("{}年", self.from), self.from.clone()),
            PeriodKind::Month => {
                let (y, m) = (self.first_day.year(), self.first_day.month());
                (format!("{y}年{m}月"), self.from.clone())
            }
            PeriodKind::Range => (
                format!("{} 至 {}", self.from, self.to),
                format!("{} to {}", self.from, self.to),
            ),
        }
    }

    /// A file-name-safe tag ("2026", "2026-03", "2026-01-01_2026-03-31").
    pub fn tag(&self) -> String {
        if self.from == self.to {
            self.from.clone()
        } else {
            format!("{}_{}", self.from, self.to)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(period: &str, month: &str, year: &str, from: &str, to: &str) -> PeriodQuery {
        PeriodQuery {
            period: period.into(),
            month: month.into(),
            year: year.into(),
            from: from.into(),
            to: to.into(),
        }
    }

    #[test]
    fn periods_parse_and_refuse() {
        let now = Utc::now();
        let m = Period::parse(&q("month", "2026-02", "", "", ""), now).unwrap();
        assert_eq!(
            (m.trend_from.as_str(), m.trend_to.as_str()),
            ("2026-02-01", "2026-02-28")
        );
        let y = Period::parse(&q("year", "", "2025", "", ""), now).unwrap();
        assert_eq!(y.start().to_rfc3339(), "2024-12-31T16:00:00+00:00");
        let r = Period::parse(&q("range", "", "", "2026-01-01", "2026-06-30"), now).unwrap();
        assert_eq!(r.trend_cut, 7);
        assert_eq!(r.trend_keys().len(), 6);
        assert_eq!(y.trend_keys().first().map(String::as_str), Some("2025-01"));
        assert_eq!(y.trend_keys().len(), 12);
        assert_eq!(m.trend_keys().len(), 28);
        for bad in [
            q("month", "2026-13", "", "", ""),
            q("month", "2026-1", "", "", ""),
            q("year", "", "99999", "", ""),
            q("range", "", "", "2026-02-01", "2026-01-01"),
            q("range", "", "", "2020-01-01", "2026-01-01"),
            q("week", "", "", "", ""),
        ] {
            assert!(Period::parse(&bad, now).is_err(), "{:?}", bad.period);
        }
    }
}
