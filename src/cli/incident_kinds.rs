//! `detect-events`' incident kinds: the flagged events' incidents clustered into kinds,
//! written as `incidents.csv` and `incident_kinds.csv`, judged against the labels' kinds
//! (purity) when there are labels.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;

use streamlens_clusters::incidents::kinds_of_flagged;
use streamlens_engine::files::atomic_write;
use streamlens_events::EventReport;
use streamlens_events::labels::EventLabel;
use streamlens_report::incident_tables::{incidents_table, kinds_table};

/// Clusters the flagged events' incidents, writes the two tables into `out` and says what it
/// found on stdout.
pub fn write(
    out: &Path,
    report: &EventReport,
    labels: Option<&[EventLabel]>,
    seed: u64,
) -> anyhow::Result<()> {
    let kinds = kinds_of_flagged(report, report.threshold, seed)?;
    for table in [incidents_table(&kinds), kinds_table(&kinds)] {
        let path = out.join(format!("{}.csv", table.id));
        atomic_write(&path, table.to_csv().as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if kinds.incidents.is_empty() {
        println!("no flagged event to sort into incident kinds");
        return Ok(());
    }
    println!(
        "{} incidents in {} kinds{}; wrote {}",
        kinds.incidents.len(),
        kinds.kinds.len(),
        kinds
            .silhouette
            .map_or_else(String::new, |s| format!(" (silhouette {s:.3})")),
        out.join("incidents.csv").display()
    );
    for k in &kinds.kinds {
        println!("  {} incidents · {}: {}", k.size, k.name, k.description);
    }
    if let Some(labels) = labels {
        let known: HashMap<String, String> = labels
            .iter()
            .filter(|l| l.anomalous && !l.kind.is_empty())
            .map(|l| (l.event_id.clone(), l.kind.clone()))
            .collect();
        if let Some(purity) = kinds.purity(&known) {
            let judged = kinds
                .incidents
                .iter()
                .filter(|c| known.contains_key(&c.event_id))
                .count();
            println!(
                "kind_purity {purity:.4} ({judged} flagged events with a labelled kind, {} \
                 without: flagged normal events)",
                kinds.incidents.len() - judged
            );
        }
    }
    Ok(())
}
