//! A sortable grid for any [`TableSpec`], with an Export CSV button.

use egui_extras::{Column, TableBuilder};

use streamlens_report::tables::TableSpec;

/// Sort state of one table: column index and ascending.
pub type SortState = Option<(usize, bool)>;

/// Draws `table` (at most `max_height` tall); returns true when Export CSV was clicked.
pub fn table_ui(
    ui: &mut egui::Ui,
    table: &TableSpec,
    sort: &mut SortState,
    max_height: f32,
) -> bool {
    // Every widget id inside derives from the table's id, so tables never clash.
    ui.push_id(("table", &table.id), |ui| {
        table_grid_ui(ui, table, sort, max_height, false).0
    })
    .inner
}

/// [`table_ui`] whose rows are buttons: also returns the index (in `table.rows`) of the
/// row clicked.
pub fn clickable_table_ui(
    ui: &mut egui::Ui,
    table: &TableSpec,
    sort: &mut SortState,
    max_height: f32,
) -> (bool, Option<usize>) {
    ui.push_id(("table", &table.id), |ui| {
        table_grid_ui(ui, table, sort, max_height, true)
    })
    .inner
}

fn table_grid_ui(
    ui: &mut egui::Ui,
    table: &TableSpec,
    sort: &mut SortState,
    max_height: f32,
    clickable: bool,
) -> (bool, Option<usize>) {
    let mut export = false;
    let mut clicked = None;
    ui.horizontal(|ui| {
        ui.strong(&table.title);
        ui.label(format!("· {} rows", table.rows.len()));
        export = ui.button("Export CSV…").clicked();
    });
    if table.rows.is_empty() {
        ui.weak("No rows for this filter.");
        return (export, None);
    }
    let mut order: Vec<usize> = (0..table.rows.len()).collect();
    if let Some((col, ascending)) = *sort {
        order.sort_by(|&a, &b| {
            let o = table.rows[a][col].compare(&table.rows[b][col]);
            if ascending { o } else { o.reverse() }
        });
    }
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
    // Wide tables scroll sideways instead of hiding their last columns.
    egui::ScrollArea::horizontal()
        .id_salt(("table", &table.id))
        .show(ui, |ui| {
            TableBuilder::new(ui)
                .id_salt(&table.id)
                .striped(true)
                .resizable(true)
                .max_scroll_height(max_height)
                .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
                .columns(Column::auto().at_least(60.0), table.columns.len())
                .header(row_height + 4.0, |mut header| {
                    for (i, name) in table.columns.iter().enumerate() {
                        header.col(|ui| {
                            let arrow = match *sort {
                                Some((c, true)) if c == i => " ⏶",
                                Some((c, false)) if c == i => " ⏷",
                                _ => "",
                            };
                            if ui.button(format!("{name}{arrow}")).clicked() {
                                *sort = match *sort {
                                    Some((c, asc)) if c == i => Some((i, !asc)),
                                    _ => Some((i, true)),
                                };
                            }
                        });
                    }
                })
                .body(|body| {
                    body.rows(row_height, order.len(), |mut row| {
                        let index = order[row.index()];
                        let cells = &table.rows[index];
                        for (c, cell) in cells.iter().enumerate() {
                            row.col(|ui| {
                                if clickable && c == 0 {
                                    if ui.link(cell.display()).clicked() {
                                        clicked = Some(index);
                                    }
                                } else {
                                    ui.label(cell.display());
                                }
                            });
                        }
                    });
                });
        });
    (export, clicked)
}
