//! `streamlens generate sessions`: seeded player beacons (CSV, gzip when the name ends in
//! `.gz`) and, with `--cdn`, the Edgecast log of the same views (JSON Lines), written
//! atomically. The data comes from [`streamlens_sessions::generate_sessions`].

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use streamlens_sessions::{SessionSynthParams, generate_sessions};

use super::write_atomically;

#[derive(Debug, Args)]
pub struct SessionsArgs {
    /// About this many viewers over all webcasts (failed attempts are retried as new views).
    #[arg(long, value_name = "N", default_value_t = 1_200, value_parser = clap::value_parser!(u32).range(1..=50_000_000))]
    pub viewers: u32,
    /// Weekly webcasts; the last one has a network incident (see --no-incident).
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=1_000))]
    pub webcasts: u32,
    /// Length of each webcast in minutes.
    #[arg(long, value_name = "N", default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=1_440))]
    pub minutes: u32,
    /// No incident in the last webcast.
    #[arg(long)]
    pub no_incident: bool,
    /// Random seed; the same seed and options write the same files.
    #[arg(long, value_name = "N", default_value_t = 42)]
    pub seed: u64,
    /// Player-event CSV to write (gzip when it ends in .gz).
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// Also write the CDN log records (JSON Lines; gzip when it ends in .gz).
    #[arg(long, value_name = "PATH")]
    pub cdn: Option<PathBuf>,
}

fn gzipped(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

/// `write` through gzip when `path` asks for it.
fn maybe_gzip<T>(
    path: &Path,
    out: &mut dyn Write,
    write: impl FnOnce(&mut dyn Write) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    if gzipped(path) {
        let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::default());
        let value = write(&mut gz)?;
        gz.finish()?;
        Ok(value)
    } else {
        write(out)
    }
}

pub fn run(args: &SessionsArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.cdn.as_deref() != Some(args.out.as_path()),
        "--cdn and --out must be different files"
    );
    let params = SessionSynthParams {
        seed: args.seed,
        viewers: args.viewers as usize,
        webcasts: args.webcasts as usize,
        minutes: args.minutes,
        incident: !args.no_incident,
        ..SessionSynthParams::default()
    };
    // The CDN records are produced in the same pass, so they are buffered (they are about
    // a tenth of the beacons) and written once the beacons are safely in place.
    let mut cdn_records = Vec::new();
    let summary = write_atomically(&args.out, |out| {
        maybe_gzip(&args.out, out, |events| {
            let cdn: Option<&mut dyn Write> = args.cdn.as_ref().map(|_| &mut cdn_records as _);
            Ok(generate_sessions(&params, events, cdn)?)
        })
    })?;
    if let Some(path) = &args.cdn {
        write_atomically(path, |out| {
            maybe_gzip(path, out, |w| Ok(w.write_all(&cdn_records)?))
        })?;
    }
    eprintln!(
        "wrote {} player events of {} sessions in {} webcasts ({}) to {}{}",
        summary.rows,
        summary.sessions,
        summary.webcasts.len(),
        summary.webcasts.join(", "),
        args.out.display(),
        args.cdn.as_ref().map_or_else(String::new, |p| format!(
            "; {} CDN records to {}",
            summary.cdn_records,
            p.display()
        )),
    );
    Ok(())
}
