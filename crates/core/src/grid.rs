//! Grids (网格): the lowest regions, each a set of H3 cells at a configured resolution, with
//! address keywords for matters that arrive without coordinates. Placing a matter in its grid is
//! a pure function of the grids and the matter's location.
//!
//! Why H3 cells and not drawn polygons: a cell set is exact to compare (a point is in a grid when
//! its cell at the grid's resolution is), grids never overlap by construction when cells are
//! assigned once, and the grid size is the resolution — configuration, not code (rules.md §5.2:
//! no household number per grid is confirmed). A drawn polygon can be added beside the cells
//! (geo 0.33 `Contains`) without changing `place`'s callers.

use crate::case::{Location, str_enum};
use crate::error::DomainError;
use crate::region::Directory;
use h3o::{CellIndex, LatLng, Resolution};
use serde::Deserialize;
use std::collections::HashMap;

str_enum!(
    /// How a matter was placed in its grid.
    GridBasis {
        Point = "point", "按坐标定位", "By coordinates";
        Address = "address", "按地址匹配", "By address";
    }
);

/// Grid configuration (`[grid]` in the policy file).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GridPolicy {
    /// H3 resolution new grids are drawn at: 9 is about 0.1 km² a cell, 8 about 0.7 km².
    pub h3_resolution: u8,
    /// Most cells one grid may hold (a guard against a whole city drawn as one grid).
    pub max_cells: u32,
}

impl Default for GridPolicy {
    fn default() -> Self {
        GridPolicy {
            h3_resolution: 9,
            max_cells: 2000,
        }
    }
}

impl GridPolicy {
    pub(crate) fn validate(&self, scope: &str) -> Result<(), String> {
        if self.h3_resolution > 15 {
            return Err(format!("{scope}: grid.h3_resolution must be 0 to 15"));
        }
        if self.max_cells == 0 {
            return Err(format!("{scope}: grid.max_cells must be positive"));
        }
        Ok(())
    }
}

/// What placement needs of a grid.
#[derive(Debug, Clone, PartialEq)]
pub struct GridShape {
    pub id: String,
    /// The community (or village) region the grid belongs to.
    pub region: String,
    pub resolution: u8,
    /// H3 cell indexes in their hexadecimal form.
    pub cells: Vec<String>,
    pub keywords: Vec<String>,
}

fn resolution(r: u8) -> Result<Resolution, DomainError> {
    Resolution::try_from(r).map_err(|_| {
        DomainError::invalid(
            "h3_resolution",
            "H3 分辨率应为0到15",
            "the H3 resolution must be 0 to 15",
        )
    })
}

/// The point as H3 wants it, if it is a real coordinate.
pub fn lat_lng(lat: f64, lng: f64) -> Result<LatLng, DomainError> {
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lng) {
        return Err(DomainError::invalid(
            "location",
            "经纬度超出范围",
            "latitude or longitude out of range",
        ));
    }
    LatLng::new(lat, lng)
        .map_err(|_| DomainError::invalid("location", "经纬度无效", "invalid coordinates"))
}

/// The cell containing a point at a resolution, hexadecimal.
pub fn cell_of(lat: f64, lng: f64, res: u8) -> Result<String, DomainError> {
    Ok(lat_lng(lat, lng)?.to_cell(resolution(res)?).to_string())
}

/// The cells within `rings` steps of the cell containing a point: a compact way to draw a grid
/// around its centre.
pub fn cells_around(lat: f64, lng: f64, res: u8, rings: u32) -> Result<Vec<String>, DomainError> {
    if rings > 20 {
        return Err(DomainError::invalid(
            "rings",
            "环数不能超过20",
            "at most 20 rings",
        ));
    }
    let centre = lat_lng(lat, lng)?.to_cell(resolution(res)?);
    let mut cells: Vec<String> = centre
        .grid_disk::<Vec<CellIndex>>(rings)
        .into_iter()
        .map(|c| c.to_string())
        .collect();
    cells.sort();
    Ok(cells)
}

/// Checks a cell list: every entry an H3 cell at `res`, no duplicates, within the policy's size.
pub fn check_cells(cells: &[String], res: u8, max: u32) -> Result<Vec<String>, DomainError> {
    let want = resolution(res)?;
    let mut out = Vec::with_capacity(cells.len());
    for raw in cells {
        let cell: CellIndex = raw.trim().parse().map_err(|_| {
            DomainError::invalid(
                "h3_cells",
                format!("不是有效的H3单元：{raw}"),
                format!("not an H3 cell: {raw}"),
            )
        })?;
        if cell.resolution() != want {
            return Err(DomainError::invalid(
                "h3_cells",
                format!("H3单元 {raw} 的分辨率不是{res}"),
                format!("H3 cell {raw} is not at resolution {res}"),
            ));
        }
        out.push(cell.to_string());
    }
    out.sort();
    out.dedup();
    if out.is_empty() || out.len() as u64 > u64::from(max) {
        return Err(DomainError::invalid(
            "h3_cells",
            format!("网格应包含1到{max}个单元"),
            format!("a grid holds 1 to {max} cells"),
        ));
    }
    Ok(out)
}

/// The grid a matter lands in: the one whose cells contain its coordinates; failing that, the
/// grid whose address keyword (the longest one found in the address) matches, among grids in
/// the same branch of the region tree as the matter.
pub fn place<'a>(
    grids: &'a [GridShape],
    loc: &Location,
    dir: &Directory,
) -> Option<(&'a GridShape, GridBasis)> {
    if let (Some(lat), Some(lng)) = (loc.lat, loc.lng)
        && let Ok(point) = lat_lng(lat, lng)
    {
        let mut by_res: HashMap<u8, String> = HashMap::new();
        for g in grids {
            let Ok(res) = resolution(g.resolution) else {
                continue;
            };
            let cell = by_res
                .entry(g.resolution)
                .or_insert_with(|| point.to_cell(res).to_string());
            if g.cells.iter().any(|c| c == cell) {
                return Some((g, GridBasis::Point));
            }
        }
    }
    let address = loc.address.trim();
    if address.is_empty() {
        return None;
    }
    let related = |g: &GridShape| {
        loc.region.is_empty()
            || dir.is_within(&g.region, &loc.region)
            || dir.is_within(&loc.region, &g.region)
    };
    grids
        .iter()
        .filter(|g| related(g))
        .filter_map(|g| {
            g.keywords
                .iter()
                .filter(|k| !k.trim().is_empty() && address.contains(k.trim()))
                .map(|k| k.trim().chars().count())
                .max()
                .map(|len| (g, len))
        })
        // Longest keyword wins; equal lengths go to the first grid by id, so placement never
        // depends on the order grids were loaded in.
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.id.cmp(&a.0.id)))
        .map(|(g, _)| (g, GridBasis::Address))
}

/// The township above a region, and its government unit: where a grid escalates to (乡镇).
pub fn township_unit<'a>(dir: &'a Directory, region: &str) -> Option<&'a crate::region::Unit> {
    use crate::region::{Level, UnitKind};
    let township = dir
        .chain(region)
        .into_iter()
        .rev()
        .find(|c| dir.region(c).is_ok_and(|r| r.level == Level::Township))?
        .to_string();
    dir.units()
        .find(|u| u.region == township && u.kind == UnitKind::Government)
}
