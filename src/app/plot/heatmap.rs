//! The heatmap of a chart: cells with values, category names on both axes, a tooltip per
//! cell and the clicked cell reported back.

use egui::{Color32, Ui};
use egui_plot::{Heatmap, Plot, PlotPoint};

use super::category::{category_at, category_marks};
use super::num;
use streamlens_report::chart::{cell_decimals, cell_label};

/// Colour of a heatmap cell without a value (as in the exported image).
const EMPTY_CELL: Color32 = Color32::from_rgb(238, 238, 238);

pub(super) use streamlens_report::chart::HeatmapGrid as Grid;

/// The cell under plot coordinate `p` (row 0 is drawn at the top).
fn cell_at(grid: &Grid<'_>, p: PlotPoint) -> Option<(usize, usize)> {
    let (rows, cols) = (grid.rows(), grid.cols());
    let (col, y) = (p.x.round(), p.y.round());
    let inside = col >= 0.0 && y >= 0.0 && (col as usize) < cols && (y as usize) < rows;
    inside.then(|| (rows - 1 - y as usize, col as usize))
}

pub(super) fn heatmap_ui(
    ui: &mut Ui,
    plot: Plot<'_>,
    grid: &Grid<'_>,
) -> (egui::Response, Option<(usize, usize)>) {
    let (rows, cols) = (grid.rows(), grid.cols());
    // egui_plot puts its first row at the bottom; ours is at the top, so rows go in reversed.
    let values: Vec<f64> = (0..rows)
        .rev()
        .flat_map(|r| (0..cols).map(move |c| (r, c)))
        .map(|(r, c)| grid.value(r, c).unwrap_or(f64::NAN))
        .collect();
    let x_names = grid.x_labels.to_vec();
    let y_names: Vec<String> = (0..rows)
        .rev()
        .map(|r| grid.y_labels.get(r).cloned().unwrap_or_default())
        .collect();
    let scale = grid.scale;
    let decimals = cell_decimals(grid.values);
    let heatmap = Heatmap::new(values, cols)
        .at(PlotPoint::new(-0.5, -0.5))
        .custom_mapping(Box::new(move |v| {
            if v.is_finite() {
                let [r, g, b] = scale.color(v);
                Color32::from_rgb(r, g, b)
            } else {
                EMPTY_CELL
            }
        }))
        .formatter(Box::new(move |v| cell_label(v, decimals)))
        .show_labels(grid.show_values);
    let response = plot
        .show_grid(false)
        .x_grid_spacer(category_marks(cols))
        .y_grid_spacer(category_marks(rows))
        .x_axis_formatter(move |mark, _| category_at(&x_names, mark.value))
        .y_axis_formatter(move |mark, _| category_at(&y_names, mark.value))
        // The cell tooltip below names row, column and value; no coordinate label.
        .label_formatter(|_| None)
        .show(ui, |plot_ui| plot_ui.heatmap(heatmap));
    let cell_under = |pos: Option<egui::Pos2>| {
        pos.and_then(|p| cell_at(grid, response.transform.value_from_position(p)))
    };
    let hovered = cell_under(response.response.hover_pos());
    let clicked = if response.response.clicked() {
        cell_under(response.response.interact_pointer_pos())
    } else {
        None
    };
    let mut plot_response = response.response;
    if let Some((r, c)) = hovered {
        let row = grid.y_labels.get(r).map_or("", String::as_str);
        let col = grid.x_labels.get(c).map_or("", String::as_str);
        let v = grid.value(r, c).unwrap_or(f64::NAN);
        let value = if v.is_finite() {
            num(v)
        } else {
            "no value".to_string()
        };
        plot_response = plot_response.on_hover_text_at_pointer(format!("{row} × {col}\n{value}"));
    }
    (plot_response, clicked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use streamlens_report::chart::ColorScale;

    #[test]
    fn heatmap_cells_map_back_to_rows_and_columns() {
        let names = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let values = vec![vec![1.0, 2.0], vec![3.0, 4.0], vec![5.0, 6.0]];
        let grid = Grid {
            x_labels: &names[..2],
            y_labels: &names,
            values: &values,
            scale: ColorScale::Sequential { max: 6.0 },
            show_values: true,
        };
        // Row 0 is at the top: plot y = rows - 1.
        assert_eq!(cell_at(&grid, PlotPoint::new(0.1, 2.2)), Some((0, 0)));
        assert_eq!(cell_at(&grid, PlotPoint::new(1.4, 0.0)), Some((2, 1)));
        assert_eq!(cell_at(&grid, PlotPoint::new(2.6, 0.0)), None);
        assert_eq!(cell_at(&grid, PlotPoint::new(0.0, -0.7)), None);
    }
}
