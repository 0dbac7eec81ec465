//! A sortable grid for any [`TableSpec`], with Export CSV, Copy (the table as tab-separated
//! text) and a right-click menu that copies a cell or a row.

use egui_extras::{Column, TableBuilder};

use streamlens_report::tables::{Cell, TableSpec};

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
    let mut order: Vec<usize> = (0..table.rows.len()).collect();
    if let Some((col, ascending)) = *sort {
        order.sort_by(|&a, &b| {
            let o = table.rows[a][col].compare(&table.rows[b][col]);
            if ascending { o } else { o.reverse() }
        });
    }
    ui.horizontal(|ui| {
        ui.strong(&table.title);
        ui.label(format!("· {} rows", table.rows.len()));
        export = ui.button("Export CSV…").clicked();
        copy_rows_ui(ui, table, &order, COPY_HINT);
    });
    if table.rows.is_empty() {
        ui.weak("No rows for this filter.");
        return (export, None);
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
                                let response = if clickable && c == 0 {
                                    let link = ui.link(cell.display());
                                    if link.clicked() {
                                        clicked = Some(index);
                                    }
                                    link
                                } else {
                                    ui.label(cell.display())
                                };
                                copy_menu(&response, table, index, c);
                            });
                        }
                    });
                });
        });
    (export, clicked)
}

/// Right-click on a cell: copy the cell (full precision) or its row as tab-separated text.
pub(super) fn copy_menu(response: &egui::Response, table: &TableSpec, row: usize, column: usize) {
    response.context_menu(|ui| {
        if ui.button("Copy cell").clicked() {
            ui.ctx().copy_text(table.rows[row][column].tsv_field());
            ui.close();
        }
        if ui.button("Copy row").clicked() {
            let cells: Vec<String> = table.rows[row].iter().map(Cell::tsv_field).collect();
            ui.ctx().copy_text(cells.join("\t"));
            ui.close();
        }
    });
}

const COPY_HINT: &str = "Copy the whole table, as sorted, as tab-separated text: it pastes \
                         into a spreadsheet's cells. Right-click a cell to copy only it or its row.";

/// A Copy button for a table drawn elsewhere (its rows in their own order).
pub fn copy_button_ui(ui: &mut egui::Ui, table: &TableSpec) {
    let order: Vec<usize> = (0..table.rows.len()).collect();
    copy_rows_ui(
        ui,
        table,
        &order,
        "Copy the whole table as tab-separated text: it pastes into a spreadsheet's cells.",
    );
}

fn copy_rows_ui(ui: &mut egui::Ui, table: &TableSpec, order: &[usize], hint: &str) {
    if ui
        .add_enabled(!table.rows.is_empty(), egui::Button::new("Copy"))
        .on_hover_text(hint)
        .clicked()
    {
        ui.ctx().copy_text(table.to_tsv(order));
    }
}
