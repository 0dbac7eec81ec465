//! `detect-events --model deep --report DIR`: a Markdown report answering the event brief's
//! five questions about the deep detector — which features and why, which architecture and
//! why, which loss, how it was trained, which metric judges it — with the run's own numbers,
//! and its charts (loss curves, score histogram, ROC and precision–recall) as SVG beside it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::chart::anomalies::{ScoreCharts, precision_recall, roc, score_histogram};
use crate::chart::render::{self, ImageFormat};
use crate::chart::training::loss_curves;
use crate::export::{CHART_SIZE, ExportError, replace_manifest, write};
use streamlens_deep::SequenceAutoencoder;
use streamlens_events::labels::EventMetrics;
use streamlens_events::saved::EventModel;
use streamlens_events::score::LEVEL_NAMES;
use streamlens_events::view::ReportView;

/// What the report is written from.
pub struct DeepReportInput<'a> {
    /// The deep run's scores, labels and metrics.
    pub view: &'a ReportView,
    /// The deep models behind the scores (one per level).
    pub model: &'a EventModel,
    /// What was scored, in words (files and filter).
    pub data: &'a str,
    /// A classical detector's metrics on the same events and labels, with its name.
    pub baseline: Option<(&'a str, &'a EventMetrics)>,
    /// Wall-clock seconds of the deep run (reading, training, scoring).
    pub seconds: f64,
}

/// Writes `report.md` and its SVG charts into `dir` (created if needed); returns the files.
pub fn write_deep_report(
    dir: &Path,
    input: &DeepReportInput<'_>,
) -> Result<Vec<PathBuf>, ExportError> {
    std::fs::create_dir_all(dir).map_err(|source| ExportError::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let levels: Vec<(&str, &SequenceAutoencoder)> = deep_levels(input.model);
    let logs: Vec<(&str, &streamlens_deep::TrainingLog)> =
        levels.iter().map(|(name, m)| (*name, &m.log)).collect();
    let charts_of = ScoreCharts::of_events(input.view);
    let threshold = input.view.report.threshold;
    let mut charts = vec![loss_curves(&logs), score_histogram(&charts_of, threshold)];
    charts.extend(roc(&charts_of, threshold));
    charts.extend(precision_recall(&charts_of, threshold));
    let mut written = Vec::new();
    let mut names = Vec::new();
    for spec in &charts {
        let name = format!("{}.svg", spec.id);
        let path = dir.join(&name);
        render::save(spec, &path, ImageFormat::Svg, CHART_SIZE.0, CHART_SIZE.1)?;
        written.push(path);
        names.push((spec.title.clone(), name));
    }
    let path = dir.join("report.md");
    write(&path, markdown(input, &levels, &names).as_bytes())?;
    written.push(path);
    replace_manifest(dir, &written)?;
    Ok(written)
}

/// The levels that have a deep model, with their names.
fn deep_levels(model: &EventModel) -> Vec<(&'static str, &SequenceAutoencoder)> {
    LEVEL_NAMES
        .iter()
        .zip(&model.deep)
        .filter_map(|(&name, m)| m.as_ref().map(|m| (name, m)))
        .collect()
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{v:.3}"))
}

/// The report's text; `charts` are (title, file name) pairs to embed.
#[must_use]
pub fn markdown(
    input: &DeepReportInput<'_>,
    levels: &[(&str, &SequenceAutoencoder)],
    charts: &[(String, String)],
) -> String {
    let mut md = String::new();
    let report = &input.view.report;
    let flagged = report.events.iter().filter(|e| e.flagged).count();
    let _ = writeln!(md, "# Deep anomaly detector: report of one run\n");
    let _ = writeln!(
        md,
        "Data: {}. {} events, {} rows; {flagged} events flagged at threshold {:.3}. \
         The run took {:.1} s.\n",
        input.data,
        report.events.len(),
        report.rows,
        report.threshold,
        input.seconds
    );
    features_section(&mut md, input);
    architecture_section(&mut md, levels);
    loss_section(&mut md);
    training_section(&mut md, levels);
    metric_section(&mut md, input);
    let _ = writeln!(md, "## Charts\n");
    for (title, file) in charts {
        let _ = writeln!(md, "![{title}]({file})\n");
    }
    md
}

fn features_section(md: &mut String, input: &DeepReportInput<'_>) {
    let _ = writeln!(md, "## 1. Features: which and why\n");
    let _ = writeln!(
        md,
        "The model sees per-minute windows of each unit — the whole event, each city, each \
         country × viewer type with enough viewers — and, per minute, these features:\n"
    );
    let _ = writeln!(md, "| feature | what it measures |\n|---|---|");
    for f in &input.model.features {
        let _ = writeln!(md, "| `{}` | {} |", f.name(), f.describe());
    }
    let _ = writeln!(
        md,
        "\nWhy these: QoE and buffering are what a network problem does to a viewer; the 10th \
         percentile and the share of bad samples catch a problem that hits a minority (one \
         office) before it moves the mean; engagement tells a real outage from an audience \
         that simply looks away. Each feature enters as its *badness*: the deviation from that \
         unit's own usual minute (median, scaled by 1.4826·MAD), signed so that higher is \
         worse — an office with a slow link is not anomalous for being itself. Before the \
         network, each badness is scaled again by its training median and MAD and passed \
         through sign(z)·ln(1+|z|), so a few extreme minutes do not dominate the loss.\n"
    );
}

fn architecture_section(md: &mut String, levels: &[(&str, &SequenceAutoencoder)]) {
    let _ = writeln!(md, "## 2. Architecture: which and why\n");
    let Some((_, first)) = levels.first() else {
        let _ = writeln!(md, "No level had enough windows to train a model.\n");
        return;
    };
    let p = &first.params;
    let _ = writeln!(
        md,
        "A GRU sequence autoencoder (candle, CPU), one per level. Input: {w} consecutive \
         minutes × {d} features. Encoder: a GRU; its last state goes through a linear layer \
         and tanh to a code of {c} numbers. Decoder: the code repeated {w} times feeds a second \
         GRU whose states a linear layer maps back to {d} features per minute.\n",
        w = p.window,
        d = first.dim,
        c = p.code
    );
    let _ = writeln!(
        md,
        "| level | GRU hidden units | parameters |\n|---|---|---|"
    );
    for (name, m) in levels {
        let _ = writeln!(md, "| {name} | {} | {} |", m.hidden, m.parameter_count());
    }
    let _ = writeln!(
        md,
        "\nWhy: a network incident is a shape over minutes (a drop that lasts, spreads, \
         recovers), not one odd minute, so the model reads sequences. Labelled incidents are \
         rare, so it learns what *usual* sequences look like from the events themselves and \
         judges a minute by how badly it fails to reconstruct it; the narrow code keeps it \
         from copying its input. A GRU has fewer weights than an LSTM, which suits \
         ten-step sequences and a few hundred events on a laptop CPU.\n"
    );
}

fn loss_section(md: &mut String) {
    let _ = writeln!(md, "## 3. Loss\n");
    let _ = writeln!(
        md,
        "Training minimises the mean squared reconstruction error over every minute and \
         feature of the scaled sequences (AdamW, no weight decay). The anomaly score of a \
         minute is the mean, over the sequences covering it, of \
         √Σ_f (max(0, x_f − x̂_f) / r_f)², where r_f is feature f's residual RMS on the \
         validation events (at least 0.05): only *worse than reconstructed* counts, since a \
         minute better than usual is no network problem. An event's score is then its highest \
         smoothed window score over all its units, exactly as for the classical detectors, \
         and the root cause names the unit and span.\n"
    );
}

fn training_section(md: &mut String, levels: &[(&str, &SequenceAutoencoder)]) {
    let _ = writeln!(md, "## 4. Training\n");
    let Some((_, first)) = levels.first() else {
        let _ = writeln!(md, "Nothing was trained.\n");
        return;
    };
    let p = &first.params;
    let _ = writeln!(
        md,
        "Split by event, never by window: a share of {:.0} % of the events (by seeded draw) \
         is held out for validation, so no validation minute comes from an event the model \
         trained on. In both sets the {:.0} % of sequences with the most energy (badness) are \
         left out: they are likelier to hold incidents, and the model should learn the usual. At most {} sequences per level; batches of \
         {}; at most {} epochs per candidate, stopping after {} epochs without a better \
         validation loss and keeping the best epoch's weights. Search: GRU hidden units {:?} \
         × learning rates {:?}, the candidate with the lowest validation loss is kept. \
         Seed {}.\n",
        100.0 * p.validation_share,
        100.0 * p.trim,
        p.max_sequences,
        p.batch,
        p.epochs,
        p.patience,
        p.search.hidden,
        p.search.learning_rate,
        p.seed
    );
    let _ = writeln!(
        md,
        "| level | training events | validation events | training sequences | validation \
         sequences |\n|---|---|---|---|---|"
    );
    for (name, m) in levels {
        let l = &m.log;
        let _ = writeln!(
            md,
            "| {name} | {} | {} | {} | {} |",
            l.training_groups, l.validation_groups, l.training_sequences, l.validation_sequences
        );
    }
    let _ = writeln!(
        md,
        "\n| level | hidden | learning rate | epochs run | best epoch | best validation loss | \
         kept |\n|---|---|---|---|---|---|---|"
    );
    for (name, m) in levels {
        for (i, c) in m.log.candidates.iter().enumerate() {
            let _ = writeln!(
                md,
                "| {name} | {} | {} | {} | {} | {:.4} | {} |",
                c.hidden,
                c.learning_rate,
                c.validation_loss.len(),
                c.best_epoch,
                c.best_validation_loss(),
                if i == m.log.chosen { "yes" } else { "" }
            );
        }
    }
    let _ = writeln!(md);
}

fn metric_section(md: &mut String, input: &DeepReportInput<'_>) {
    let _ = writeln!(md, "## 5. Metric\n");
    let Some(m) = &input.view.metrics else {
        let _ = writeln!(
            md,
            "No labels were given, so nothing here says how good the ranking is. Give \
             `--labels` (as `streamlens generate` writes them) to get ROC AUC, average \
             precision and the scope hit rate.\n"
        );
        return;
    };
    let _ = writeln!(
        md,
        "Judged on {} labelled events ({} anomalous). **ROC AUC** is the headline: the \
         chance that a random anomalous event scores above a random normal one, independent \
         of any threshold (0.5 = guessing). **Average precision** matters because anomalies \
         are rare (guessing gives {:.3}). **Scope hit** is the share of anomalous events whose \
         root cause names the labelled unit — whether the user is sent to the right office.\n",
        m.labelled_events,
        m.anomalous_events,
        m.anomalous_events as f64 / m.labelled_events.max(1) as f64
    );
    let mut header = String::from("| metric | deep |");
    let mut rule = String::from("|---|---|");
    if let Some((name, _)) = input.baseline {
        let _ = write!(header, " {name} (same data) |");
        rule.push_str("---|");
    }
    let _ = writeln!(md, "{header}\n{rule}");
    let row = |md: &mut String, label: &str, get: &dyn Fn(&EventMetrics) -> Option<f64>| {
        let mut line = format!("| {label} | {} |", num(get(m)));
        if let Some((_, b)) = input.baseline {
            let _ = write!(line, " {} |", num(get(b)));
        }
        let _ = writeln!(md, "{line}");
    };
    row(md, "ROC AUC", &|m| m.roc_auc);
    row(md, "average precision", &|m| m.average_precision);
    row(md, "scope hit rate", &|m| m.scope_hit_rate);
    row(md, "span overlap rate", &|m| m.span_overlap_rate);
    row(md, "precision at its threshold", &|m| {
        m.at_threshold.precision
    });
    row(md, "recall at its threshold", &|m| m.at_threshold.recall);
    let _ = writeln!(md);
    if let (Some((name, b)), Some(deep), Some(other)) = (
        input.baseline,
        m.roc_auc,
        input.baseline.and_then(|(_, b)| b.roc_auc),
    ) {
        let verdict = if deep >= other {
            format!("The deep detector ranks these events at least as well as {name}")
        } else {
            format!(
                "The deep detector ranks these events worse than {name}: prefer {name} on \
                 data like this, or, with labels, the supervised classifier (`--model \
                 deep-supervised`), which learns the labelled incidents"
            )
        };
        let _ = writeln!(
            md,
            "{verdict} (ROC AUC {deep:.3} vs {other:.3}; average precision {} vs {}).\n",
            num(m.average_precision),
            num(b.average_precision)
        );
    }
}
