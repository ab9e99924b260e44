//! Tables as downloads: every list and KPI table the pages show can be taken away as XLSX or
//! CSV. Headers are Chinese with the English in brackets (one file serves both readers), cells
//! keep their types (numbers stay numbers, rates are numbers with a percent format, times are
//! real Excel dates in Asia/Shanghai), and CSV starts with a UTF-8 BOM so Excel in China opens it
//! without mangling the characters.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use minsheng_core::kpi::Rate;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

/// One cell, typed.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Num(f64),
    /// A rate: a number 0–1 shown as a percentage; empty when there is no data (never 0 %).
    Rate(Rate),
    /// An instant, written as China time.
    Time(DateTime<Utc>),
    Date(NaiveDate),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<u64> for Cell {
    fn from(n: u64) -> Self {
        Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

impl From<Rate> for Cell {
    fn from(r: Rate) -> Self {
        Cell::Rate(r)
    }
}

impl From<DateTime<Utc>> for Cell {
    fn from(t: DateTime<Utc>) -> Self {
        Cell::Time(t)
    }
}

impl<T: Into<Cell>> From<Option<T>> for Cell {
    fn from(v: Option<T>) -> Self {
        v.map_or(Cell::Empty, Into::into)
    }
}

/// A table ready to download: a sheet name, bilingual column headers and typed rows.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Sheet name and file stem (ASCII letters, digits and dashes are safest in a file name).
    pub name: String,
    /// Column headers as (Chinese, English).
    pub columns: Vec<(String, String)>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(name: &str, columns: &[(&str, &str)]) -> Self {
        Table {
            name: name.to_string(),
            columns: columns
                .iter()
                .map(|(zh, en)| (zh.to_string(), en.to_string()))
                .collect(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }

    fn header(&self, i: usize) -> String {
        let (zh, en) = &self.columns[i];
        format!("{zh}（{en}）")
    }
}

/// The download formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Xlsx,
    Csv,
}

impl ExportFormat {
    /// From a `format=` query value; anything else is not a download.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "xlsx" => Some(ExportFormat::Xlsx),
            "csv" => Some(ExportFormat::Csv),
            _ => None,
        }
    }
}

fn china_time(t: &DateTime<Utc>) -> chrono::NaiveDateTime {
    t.with_timezone(&minsheng_core::deadline::china())
        .naive_local()
}

/// The table as an XLSX workbook with one sheet.
pub fn to_xlsx(t: &Table) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    // Excel refuses sheet names over 31 characters or with []:*?/\ in them.
    let name: String = t
        .name
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    if !name.is_empty() {
        sheet.set_name(&name)?;
    }
    let bold = Format::new().set_bold();
    let pct = Format::new().set_num_format("0.0%");
    let time = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for i in 0..t.columns.len() {
        let col = u16::try_from(i).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, col, t.header(i), &bold)?;
        sheet.set_column_width(col, 16)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            match cell {
                Cell::Text(s) => {
                    sheet.write_string(r, c, s)?;
                }
                Cell::Int(n) => {
                    sheet.write_number(r, c, *n as f64)?;
                }
                Cell::Num(x) => {
                    sheet.write_number(r, c, *x)?;
                }
                Cell::Rate(rate) => {
                    if let Some(v) = rate.value() {
                        sheet.write_number_with_format(r, c, v, &pct)?;
                    }
                }
                Cell::Time(ts) => {
                    let dt = ExcelDateTime::from_timestamp(china_time(ts).and_utc().timestamp())?;
                    sheet.write_datetime_with_format(r, c, &dt, &time)?;
                }
                Cell::Date(d) => {
                    let dt = ExcelDateTime::parse_from_str(&d.format("%Y-%m-%d").to_string())?;
                    sheet.write_datetime_with_format(r, c, &dt, &date)?;
                }
                Cell::Empty => {}
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

/// The table as CSV: UTF-8 with a BOM, rates as percentages with one decimal, China time.
pub fn to_csv(t: &Table) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record((0..t.columns.len()).map(|i| t.header(i)))?;
        for row in &t.rows {
            w.write_record(row.iter().map(|cell| {
                match cell {
                    Cell::Text(s) => csv_safe(s),
                    Cell::Int(n) => n.to_string(),
                    Cell::Num(x) => x.to_string(),
                    Cell::Rate(r) => r
                        .value()
                        .map(|v| format!("{:.1}%", v * 100.0))
                        .unwrap_or_default(),
                    Cell::Time(ts) => china_time(ts).format("%Y-%m-%d %H:%M").to_string(),
                    Cell::Date(d) => d.format("%Y-%m-%d").to_string(),
                    Cell::Empty => String::new(),
                }
            }))?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// Text that a spreadsheet would run as a formula (=, +, -, @ first) is prefixed with a quote:
/// citizens' words must never become a formula on an officer's machine (CSV injection).
fn csv_safe(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// The download response (a writer failure is ours, logged and answered 500).
pub fn download(t: &Table, format: ExportFormat) -> Response {
    let stem: String = t
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let (body, mime, ext) = match format {
        ExportFormat::Xlsx => (
            to_xlsx(t).map_err(|e| e.to_string()),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        ExportFormat::Csv => (
            to_csv(t).map_err(|e| e.to_string()),
            "text/csv; charset=utf-8",
            "csv",
        ),
    };
    match body {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, mime.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{stem}.{ext}\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "export failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "导出失败 / Export failed",
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_has_bom_headers_and_neutralised_formulas() {
        let mut t = Table::new("t", &[("名称", "Name"), ("满意率", "Satisfaction")]);
        t.push(vec!["=1+1".into(), Rate { num: 1, den: 3 }.into()]);
        t.push(vec!["东湖".into(), Rate { num: 0, den: 0 }.into()]);
        let s = String::from_utf8(to_csv(&t).unwrap()).unwrap();
        assert!(s.starts_with('\u{feff}'));
        let lines: Vec<&str> = s.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines[0], "名称（Name）,满意率（Satisfaction）");
        assert_eq!(lines[1], "'=1+1,33.3%");
        assert_eq!(lines[2], "东湖,");
    }
}
