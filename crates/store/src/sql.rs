//! SQL text built in step with its bind values (numbered placeholders, the same on both
//! backends), and the case-list access clause every query over cases must apply the same way:
//! one place, so a list, a count and a download can never disagree about who sees what.

use crate::read::Scope;

pub(crate) struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
}

pub(crate) enum Arg {
    Text(String),
    Int(i64),
}

impl Sql {
    pub fn new(base: &str) -> Self {
        Sql {
            text: base.to_string(),
            args: Vec::new(),
        }
    }

    pub fn bind(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }

    pub fn and(&mut self, clause: &str) {
        self.text.push_str(" AND ");
        self.text.push_str(clause);
    }

    pub fn in_list(&mut self, column: &str, values: &[String]) {
        if values.is_empty() {
            self.and("1 = 0");
            return;
        }
        let ph: Vec<String> = values
            .iter()
            .map(|v| self.bind(Arg::Text(v.clone())))
            .collect();
        self.and(&format!("{column} IN ({})", ph.join(", ")));
    }

    /// The access scope over `cases c`: never an accusation against the viewer's own unit.
    pub fn scope(&mut self, scope: &Scope) {
        match scope {
            Scope::All => {}
            Scope::Unit(u) => {
                let p = self.bind(Arg::Text(u.clone()));
                self.and(&format!(
                    "c.id IN (SELECT case_id FROM case_units WHERE unit = {p}) \
                     AND NOT (c.kind = 'accusation' AND c.accused_unit IS NOT NULL AND c.accused_unit = {p})"
                ));
            }
            Scope::Local { unit, regions } => {
                let p = self.bind(Arg::Text(unit.clone()));
                let ph: Vec<String> = regions
                    .iter()
                    .map(|r| self.bind(Arg::Text(r.clone())))
                    .collect();
                let in_regions = if ph.is_empty() {
                    "1 = 0".to_string()
                } else {
                    format!("c.region IN ({})", ph.join(", "))
                };
                self.and(&format!(
                    "({in_regions} OR c.id IN (SELECT case_id FROM case_units WHERE unit = {p})) \
                     AND NOT (c.kind = 'accusation' AND c.accused_unit IS NOT NULL AND c.accused_unit = {p})"
                ));
            }
        }
    }
}
