//! Click heatmaps (issue 6): the clicks the tracker sends with
//! `data-heatmaps` (x as a fraction of the page's width, y in px from the
//! top, and the viewport's width), counted on a grid per viewport class.

use uuid::Uuid;

use super::{queries, range::Window};
use crate::{error::ApiResult, ApiError, App};

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

/// Bins clicks `(x fraction, y px, count)` on a grid of `columns` equal
/// columns and rows `cell_height` px tall.
pub fn bin(clicks: &[(f64, i32, i64)], columns: i32, cell_height: i32) -> Grid {
    let mut counts: std::collections::BTreeMap<(i32, i32), i64> = Default::default();
    let mut total = 0;
    for &(x, y, n) in clicks {
        let column = ((x.clamp(0.0, 1.0) * f64::from(columns)).floor() as i32).min(columns - 1);
        let row = y.max(0) / cell_height;
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
    if !(1..=10_000).contains(&cell_height) {
        return Err(ApiError::bad_input(
            "cellHeight",
            "must be between 1 and 10000 px",
        ));
    }
    let path = path.trim();
    if path.is_empty() || path.chars().count() > 2_000 {
        return Err(ApiError::bad_input("path", "must be 1 to 2000 characters"));
    }
    let clicks = queries::clicks(&app.db, site, window, path, class.widths()).await?;
    Ok(bin(&clicks, columns, cell_height))
}

#[cfg(test)]
mod tests {
    use super::*;

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
