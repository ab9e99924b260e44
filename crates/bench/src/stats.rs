//! Median and spread of repeated runs.

use std::fmt;

/// Several runs of one measurement.
#[derive(Debug, Clone)]
pub struct Runs(pub Vec<f64>);

impl Runs {
    fn sorted(&self) -> Vec<f64> {
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        v
    }

    pub fn median(&self) -> f64 {
        let v = self.sorted();
        match v.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        }
    }

    pub fn min(&self) -> f64 {
        self.sorted().first().copied().unwrap_or(f64::NAN)
    }

    pub fn max(&self) -> f64 {
        self.sorted().last().copied().unwrap_or(f64::NAN)
    }

    /// Half the range relative to the median, in percent: how far runs strayed.
    pub fn spread_pct(&self) -> f64 {
        (self.max() - self.min()) / 2.0 / self.median() * 100.0
    }

    pub fn list(&self) -> String {
        self.0
            .iter()
            .map(|v| format!("{v:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Runs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:.0} ({:.0}–{:.0}, ±{:.0} %)",
            self.median(),
            self.min(),
            self.max(),
            self.spread_pct()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::Runs;

    #[test]
    fn median_and_spread() {
        let r = Runs(vec![30.0, 10.0, 20.0]);
        assert_eq!(r.median(), 20.0);
        assert_eq!(r.min(), 10.0);
        assert_eq!(r.max(), 30.0);
        assert_eq!(r.spread_pct(), 50.0);
        assert_eq!(Runs(vec![1.0, 3.0]).median(), 2.0);
        assert!(Runs(vec![]).median().is_nan());
    }
}
