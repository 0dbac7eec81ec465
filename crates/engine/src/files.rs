//! The one way the project writes files: whole or not at all (a temporary file in the same
//! folder, fsync, rename), and every CSV through the `csv` crate (RFC 4180 quoting, so a
//! field with a comma, a quote or a line break reads back as written).

use std::io::Write;
use std::path::Path;

/// Write `bytes` to `path` atomically. See [`atomic_write_with`].
pub fn atomic_write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    atomic_write_with(path, |w| w.write_all(bytes))
}

/// Write `path` atomically by streaming into `write`: the bytes go to a uniquely named
/// temporary file in the same folder, which is flushed to disk (fsync) and then renamed over
/// `path`; the folder is synced too where the platform allows. A crash or an error at any
/// point leaves either the old file or the new one, never a mix, and no temporary file.
/// The temporary name carries the writer's process id: a writer that was killed (and so could
/// not clean up) leaves one behind, which the next write of the same file removes.
pub fn atomic_write_with(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<&std::fs::File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    remove_orphaned_temporaries(dir, &name);
    let prefix = format!(".{name}.{}.", std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // A temporary file is private (0600); the file it becomes keeps the permissions of the
    // file it replaces, else those of any new file (0666 less the umask).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path).map_or(0o666, |m| m.permissions().mode() & 0o7777);
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    let tmp = builder.tempfile_in(dir)?;
    {
        let mut out = std::io::BufWriter::new(tmp.as_file());
        write(&mut out)?;
        out.flush()?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    // The rename itself is durable once the folder is synced (not possible on every OS).
    if let Ok(folder) = std::fs::File::open(dir) {
        let _ = folder.sync_all();
    }
    Ok(())
}

/// Removes `.{name}.{pid}.*.tmp` files in `dir` whose writer process no longer runs (Linux,
/// where `/proc` tells; elsewhere nothing is removed).
fn remove_orphaned_temporaries(dir: &Path, name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = format!(".{name}.");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(rest) = file
            .to_str()
            .and_then(|f| f.strip_prefix(&prefix))
            .and_then(|rest| rest.strip_suffix(".tmp"))
        else {
            continue;
        };
        let Some(pid) = rest.split('.').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Most bytes [`read_text`] reads from a model, labels or feature-table file (2 GiB).
pub const MAX_TEXT_FILE_BYTES: u64 = 2 << 30;

/// The whole text of a file that must be UTF-8 text (a model, a labels file, a feature
/// table), read in bounded memory: see [`read_bounded`]; bytes that are not UTF-8 are an
/// error saying where.
pub fn read_text(path: &Path, max_bytes: u64) -> std::io::Result<String> {
    String::from_utf8(read_bounded(path, max_bytes)?).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "is not UTF-8 text (byte {}): save it as UTF-8",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}

/// The whole of a file that should be text, as UTF-8 (UTF-16/32 after a byte-order mark is
/// transcoded, a UTF-8 mark dropped), never read without end: a folder, NUL bytes in the
/// first 64 KiB (a binary file, or `/dev/zero`) or more than [`MAX_TEXT_FILE_BYTES`] (or
/// `max_bytes`, if smaller) are errors saying so.
pub fn read_bounded(path: &Path, max_bytes: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let invalid = |why: String| std::io::Error::new(std::io::ErrorKind::InvalidData, why);
    if path.is_dir() {
        return Err(invalid("is a folder, not a file".into()));
    }
    let limit = max_bytes.min(MAX_TEXT_FILE_BYTES);
    let mut bytes = Vec::new();
    let mut file = std::fs::File::open(path)?.take(limit + 1);
    let head = (&mut file).take(64 << 10).read_to_end(&mut bytes)?;
    if let Some(why) = crate::encoding::binary_reason(&bytes[..head]) {
        return Err(invalid(why.into()));
    }
    file.read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(invalid(format!(
            "is larger than {} MiB: not a file of this kind",
            limit >> 20
        )));
    }
    crate::encoding::to_utf8(bytes).map_err(invalid)
}

/// A CSV writer with the project's settings (comma, `\n` line ends, quoting where needed).
pub fn csv_writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out)
}

/// A whole CSV as text: `header`, then one line per row.
pub fn csv_text<R, F>(header: &[&str], rows: R) -> String
where
    R: IntoIterator<Item = Vec<F>>,
    F: AsRef<[u8]>,
{
    let mut writer = csv_writer(Vec::new());
    // Writing to memory cannot fail; a failure would be a bug in the csv crate.
    writer.write_record(header).expect("CSV to memory");
    for row in rows {
        writer.write_record(&row).expect("CSV to memory");
    }
    let bytes = writer.into_inner().expect("CSV to memory");
    String::from_utf8(bytes).expect("CSV of UTF-8 fields is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_os = "linux")]
    #[test]
    fn a_killed_writers_temporary_file_is_removed_by_the_next_write() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("telemetry.csv");
        // pid 0 never names a user process; a live writer's temporary (our own pid) stays.
        let orphan = dir.path().join(".telemetry.csv.0.abc123.tmp");
        let live = dir
            .path()
            .join(format!(".telemetry.csv.{}.def456.tmp", std::process::id()));
        let other = dir.path().join(".other.csv.0.abc123.tmp");
        for p in [&orphan, &live, &other] {
            std::fs::write(p, "half").unwrap();
        }
        atomic_write(&out, b"whole").unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"whole");
        assert!(!orphan.exists());
        assert!(live.exists() && other.exists());
    }

    #[test]
    fn text_files_are_read_in_bounded_memory() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.json");
        std::fs::write(&p, "{\"a\": 1}").unwrap();
        assert_eq!(read_text(&p, 1 << 20).unwrap(), "{\"a\": 1}");
        let why = |path: &Path, max| read_text(path, max).unwrap_err().to_string();
        assert!(why(dir.path(), 1 << 20).contains("is a folder"));
        std::fs::write(&p, vec![b' '; 3 << 20]).unwrap();
        assert!(why(&p, 1 << 20).contains("larger than 1 MiB"));
        std::fs::write(&p, b"ab\0cd").unwrap();
        assert!(why(&p, 1 << 20).contains("NUL bytes"));
        std::fs::write(&p, b"ab\xffcd").unwrap();
        assert!(why(&p, 1 << 20).contains("not UTF-8 text (byte 2)"));
        #[cfg(unix)]
        assert!(why(Path::new("/dev/zero"), 1 << 20).contains("NUL bytes"));
    }

    #[test]
    fn replaces_whole_files_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.json");
        atomic_write(&p, b"one").unwrap();
        atomic_write(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let readable = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o044;
            let plain = dir.path().join("plain");
            std::fs::File::create(&plain).unwrap();
            assert_eq!(
                readable(&p),
                readable(&plain),
                "as readable as any new file"
            );
            std::fs::remove_file(&plain).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
            atomic_write(&p, b"three").unwrap();
            assert_eq!(readable(&p), 0, "a replaced file keeps its permissions");
        }
    }

    #[test]
    fn a_failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x.csv");
        atomic_write(&p, b"old").unwrap();
        let err = atomic_write_with(&p, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn csv_quotes_what_needs_quoting_and_reads_back() {
        let text = csv_text(
            &["id", "note"],
            [
                vec!["1".to_string(), "plain".to_string()],
                vec!["2".into(), "a, b".into()],
                vec!["3".into(), "say \"hi\"".into()],
                vec!["4".into(), "two\nlines\r".into()],
            ],
        );
        assert!(text.starts_with("id,note\n1,plain\n2,\"a, b\"\n3,\"say \"\"hi\"\"\"\n"));
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let notes: Vec<String> = reader
            .records()
            .map(|r| r.unwrap()[1].to_string())
            .collect();
        assert_eq!(notes, ["plain", "a, b", "say \"hi\"", "two\nlines\r"]);
    }
}
