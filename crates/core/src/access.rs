//! Who may do and see what. Pure rules; the server supplies the actor it authenticated.

use crate::case::{CaseKind, Status};
use crate::error::DomainError;
use crate::region::Directory;
use crate::workflow::CaseState;
use serde::{Deserialize, Serialize};

/// Roles of staff users, plus the citizen (reached with a query code) and the system itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 登记员 / 话务员: registers calls, letters, visits; hotline dispatch and follow-up.
    Intake,
    /// 信访部门 coordinator: screens, transfers, assigns, watches deadlines.
    Coordinator,
    /// 承办单位 officer: unit-scoped.
    Handler,
    /// 督查: reads everything, supervises.
    Supervisor,
    /// Configuration: users, units, policy.
    Admin,
    /// 领导 / 分析员: reads statistics (dashboard, KPIs, league tables, the annual report,
    /// alerts) and never case contents, personal data or any action.
    Analyst,
    /// A citizen reaching their own case with the query code.
    Citizen,
    /// Integrations (Open311, 12345 exchange) and background jobs.
    System,
    /// 网格员: works the matters of their grid(s) only (`grid_worker_may_view`).
    GridWorker,
}

impl Role {
    /// The roles a staff account may hold (what user administration offers).
    pub const STAFF: [Role; 7] = [
        Role::Intake,
        Role::Coordinator,
        Role::Handler,
        Role::Supervisor,
        Role::Analyst,
        Role::Admin,
        Role::GridWorker,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Intake => "intake",
            Role::Coordinator => "coordinator",
            Role::Handler => "handler",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Citizen => "citizen",
            Role::System => "system",
            Role::GridWorker => "grid_worker",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "intake" => Some(Role::Intake),
            "coordinator" => Some(Role::Coordinator),
            "handler" => Some(Role::Handler),
            "supervisor" => Some(Role::Supervisor),
            "admin" => Some(Role::Admin),
            "analyst" => Some(Role::Analyst),
            "grid_worker" => Some(Role::GridWorker),
            _ => None,
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Role::Intake => "Intake agent",
            Role::Coordinator => "Coordinator",
            Role::Handler => "Handling officer",
            Role::Supervisor => "Supervisor",
            Role::Admin => "Administrator",
            Role::Analyst => "Analyst",
            Role::Citizen => "Citizen",
            Role::System => "System",
            Role::GridWorker => "Grid worker",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Role::Intake => "登记员/话务员",
            Role::Coordinator => "信访部门协调员",
            Role::Handler => "承办单位经办人",
            Role::Supervisor => "督查员",
            Role::Admin => "系统管理员",
            Role::Analyst => "统计分析员",
            Role::Citizen => "群众",
            Role::System => "系统",
            Role::GridWorker => "网格员",
        }
    }
}

/// Whoever issues a command or reads a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Actor {
    pub user_id: Option<uuid::Uuid>,
    pub name: String,
    pub role: Role,
    pub unit: Option<String>,
}

impl Actor {
    pub fn citizen() -> Self {
        Actor {
            user_id: None,
            name: "信访人".into(),
            role: Role::Citizen,
            unit: None,
        }
    }

    pub fn system(name: &str) -> Self {
        Actor {
            user_id: None,
            name: name.into(),
            role: Role::System,
            unit: None,
        }
    }

    pub fn in_unit(&self, unit: &str) -> bool {
        self.unit.as_deref() == Some(unit)
    }

    /// Requires one of `roles` and, when `unit` is given, membership of that unit.
    pub fn require(
        &self,
        command: &'static str,
        roles: &[Role],
        unit: Option<&str>,
    ) -> Result<(), DomainError> {
        if !roles.contains(&self.role) {
            return Err(DomainError::Forbidden { command });
        }
        if let Some(u) = unit
            && matches!(self.role, Role::Intake | Role::Coordinator | Role::Handler)
            && !self.in_unit(u)
        {
            return Err(DomainError::Forbidden { command });
        }
        Ok(())
    }
}

/// May this staff member open the case at all? Units accused in an accusation never see it
/// (信访工作条例 Art. 30), whatever else holds. Supervisors and admins see every case; intake
/// and coordinators see cases located in their unit's region or held by their unit at some
/// point (属地管理); handlers only cases their unit holds or has held.
pub fn can_view(actor: &Actor, case: &CaseState, dir: &Directory) -> bool {
    if case.kind == CaseKind::Accusation && is_accused(actor, case) {
        return false;
    }
    let involved = |unit: &str| case.units_involved.iter().any(|u| u == unit);
    match actor.role {
        Role::Admin | Role::Supervisor => true,
        Role::Coordinator | Role::Intake => {
            let Some(unit) = actor.unit.as_deref() else {
                return false;
            };
            involved(unit)
                || dir
                    .unit(unit)
                    .is_ok_and(|u| dir.is_within(&case.location.region, &u.region))
        }
        Role::Handler => actor.unit.as_deref().is_some_and(involved),
        // Analysts read aggregates only: no case is ever theirs to open. Grid workers open
        // cases only through the grid pages (`grid_worker_may_view`), never the staff ones.
        Role::Analyst | Role::Citizen | Role::System | Role::GridWorker => false,
    }
}

/// True when the actor belongs to the unit the case accuses or complains about.
pub fn is_accused(actor: &Actor, case: &CaseState) -> bool {
    match (&case.accused_unit, &actor.unit) {
        (Some(a), Some(u)) => a == u,
        _ => false,
    }
}

/// How much of the petitioner a viewer may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PetitionerVisibility {
    /// Nothing at all: not even the masked name (accused unit; anonymous accuser).
    Withheld,
    /// Masked values.
    Masked,
}

pub fn petitioner_visibility(actor: &Actor, case: &CaseState) -> PetitionerVisibility {
    if is_accused(actor, case) || case.petitioner.anonymous {
        PetitionerVisibility::Withheld
    } else {
        PetitionerVisibility::Masked
    }
}

/// May the actor reveal a masked personal field (an audited event)? Staff who deal with the
/// petitioner may; supervisors and admins read masked data only; the accused never.
pub fn can_reveal(actor: &Actor, case: &CaseState, dir: &Directory) -> bool {
    if !can_view(actor, case, dir)
        || petitioner_visibility(actor, case) == PetitionerVisibility::Withheld
    {
        return false;
    }
    match actor.role {
        Role::Intake | Role::Coordinator => true,
        Role::Handler => {
            actor.unit.as_deref() == Some(case.current_unit.as_str())
                && !matches!(case.status, Status::Declined | Status::Diverted)
        }
        _ => false,
    }
}

/// May the actor read statistics (dashboard, KPIs, league tables, the annual report)? Intake
/// agents register matters and have no statistics pages; citizens and integrations none.
pub fn can_read_statistics(actor: &Actor) -> bool {
    matches!(
        actor.role,
        Role::Coordinator | Role::Handler | Role::Supervisor | Role::Admin | Role::Analyst
    )
}

/// May the actor list or open case contents at all (queues, search, case pages, exports of
/// cases)? Every staff role that works matters may; the analyst reads aggregates only.
pub fn reads_cases(actor: &Actor) -> bool {
    matches!(
        actor.role,
        Role::Intake | Role::Coordinator | Role::Handler | Role::Supervisor | Role::Admin
    )
}

/// May a grid worker serving `grids` open this case on the grid pages? Only matters placed in
/// one of their grids, and never an accusation (检举控告): a grid worker lives among the people
/// accused and reported on, and Art. 30 keeps accusation material from reaching them.
pub fn grid_worker_may_view(actor: &Actor, grids: &[String], case: &CaseState) -> bool {
    actor.role == Role::GridWorker
        && case.kind != CaseKind::Accusation
        && case.accused_unit.is_none()
        && case
            .grid
            .as_ref()
            .is_some_and(|g| grids.iter().any(|x| x == g))
}
