//! Click heatmaps (issue 6): the clicks the tracker sends with
//! `data-heatmaps` (x as a fraction of the page's width, y in px from the
//! top, and the viewport's width), counted on a grid per viewport class.

use uuid::Uuid;

use crate::{error::ApiResult, ApiError, App};
use trackr_analytics::{ClickGrid, Window};

/// Viewports by width: mobile below 768 px, tablet below 1024, desktop.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ViewportClass {
    Mobile,
    Tablet,
    Desktop,
}

impl ViewportClass {
    /// `[min, max)` viewport widths of the class.
    pub fn widths(self) -> (i32, i32) {
        match self {
            ViewportClass::Mobile => (0, 768),
            ViewportClass::Tablet => (768, 1024),
            ViewportClass::Desktop => (1024, i32::MAX),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub column: i32,
    pub row: i32,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub columns: i32,
    pub cell_height: i32,
    pub clicks: i64,
    /// Non-empty cells, by row then column.
    pub cells: Vec<Cell>,
}

pub const DEFAULT_COLUMNS: i32 = 20;
pub const DEFAULT_CELL_HEIGHT: i32 = 50;

/// The column of a click at `x` (a fraction of the width), in integers as
/// the database computes it: x to 1/10 000, then `x * columns` rounded down.
pub fn column_of(x: f64, columns: i32) -> i32 {
    let x = (x.clamp(0.0, 1.0) * 10_000.0).round() as i64;
    ((x * i64::from(columns)) / 10_000).min(i64::from(columns) - 1) as i32
}

/// Bins clicks `(x fraction, y px, count)` on a grid of `columns` equal
/// columns and rows `cell_height` px tall.
pub fn bin(clicks: &[(f64, i32, i64)], columns: i32, cell_height: i32) -> Grid {
    let cells: Vec<(i32, i32, i64)> = clicks
        .iter()
        .map(|&(x, y, n)| (column_of(x, columns), y.max(0) / cell_height, n))
        .collect();
    grid(&cells, columns, cell_height)
}

/// A grid from per-cell counts `(column, row, count)`.
pub fn grid(cells: &[(i32, i32, i64)], columns: i32, cell_height: i32) -> Grid {
    let mut counts: std::collections::BTreeMap<(i32, i32), i64> = Default::default();
    let mut total = 0;
    for &(column, row, n) in cells {
        *counts.entry((row, column)).or_default() += n;
        total += n;
    }
    Grid {
        columns,
        cell_height,
        clicks: total,
        cells: counts
            .into_iter()
            .map(|((row, column), count)| Cell { column, row, count })
            .collect(),
    }
}

/// Most cells one heatmap answers.
pub const MAX_CELLS: u64 = 20_000;

pub async fn heatmap(
    app: &App,
    site: Uuid,
    window: Window,
    path: &str,
    class: ViewportClass,
    columns: Option<i32>,
    cell_height: Option<i32>,
) -> ApiResult<Grid> {
    let columns = columns.unwrap_or(DEFAULT_COLUMNS);
    if !(1..=200).contains(&columns) {
        return Err(ApiError::bad_input("columns", "must be between 1 and 200"));
    }
    let cell_height = cell_height.unwrap_or(DEFAULT_CELL_HEIGHT);
    if !(5..=10_000).contains(&cell_height) {
        return Err(ApiError::bad_input(
            "cellHeight",
            "must be between 5 and 10000 px",
        ));
    }
    let path = path.trim();
    if path.is_empty() || path.chars().count() > 2_000 {
        return Err(ApiError::bad_input("path", "must be 1 to 2000 characters"));
    }
    let grid_of = ClickGrid {
        widths: class.widths(),
        columns,
        cell_height,
        max_cells: MAX_CELLS,
    };
    let cells = app.events.clicks(site, window, path, grid_of).await?;
    if cells.len() as u64 > MAX_CELLS {
        return Err(ApiError::bad_input(
            "cellHeight",
            format!("more than {MAX_CELLS} cells: use taller cells or fewer columns"),
        ));
    }
    Ok(grid(&cells, columns, cell_height))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundary_clicks_land_where_the_database_puts_them() {
        // 0.29 * 100 is 28.999… in floating point: column 29 all the same.
        assert_eq!(column_of(0.29, 100), 29);
        assert_eq!(column_of(1.0, 20), 19);
        assert_eq!(column_of(0.0499, 20), 0);
    }

    #[test]
    fn clicks_fall_in_their_cells() {
        let g = bin(
            &[
                (0.0, 0, 1),
                (0.049, 49, 2),
                (0.05, 50, 1),
                (1.0, 120, 3),
                (0.5, -5, 1),
            ],
            20,
            50,
        );
        assert_eq!(g.clicks, 8);
        assert_eq!(
            g.cells,
            vec![
                Cell {
                    column: 0,
                    row: 0,
                    count: 3
                },
                Cell {
                    column: 10,
                    row: 0,
                    count: 1
                },
                Cell {
                    column: 1,
                    row: 1,
                    count: 1
                },
                Cell {
                    column: 19,
                    row: 2,
                    count: 3
                },
            ]
        );
    }
}
