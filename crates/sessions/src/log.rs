//! What reading player events gives: the coded events with their columns' labels, the
//! report of kept and dropped rows, and located errors.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::event::PlayerEvent;

/// A located problem: which file, row (spreadsheet numbering: header = 1; JSON Lines: line),
/// column, what was found and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Located {
    pub file: String,
    pub row: u64,
    pub column: String,
    pub found: String,
    pub expected: String,
}

impl std::fmt::Display for Located {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}, row {}, column `{}`: expected {}, found `{}`",
            self.file, self.row, self.column, self.expected, self.found
        )
    }
}

/// Why reading failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Not text, not gzip, or the file ended inside a gzip stream.
    Unreadable {
        file: String,
        message: String,
    },
    Empty {
        file: String,
    },
    MissingColumn {
        file: String,
        column: String,
        found: String,
        aliases: String,
    },
    /// Strict reading: the first bad row.
    BadRow(Box<Located>),
    NoValidRows {
        file: String,
        first: Option<Box<Located>>,
    },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Unreadable { file, message } => write!(f, "{file}: cannot read: {message}"),
            ReadError::Empty { file } => write!(f, "{file}: the file is empty"),
            ReadError::MissingColumn {
                file,
                column,
                found,
                aliases,
            } => write!(
                f,
                "{file}: no `{column}` column (also accepted: {aliases}); the columns are: {}",
                streamlens_engine::error::quote(found)
            ),
            ReadError::BadRow(at) => write!(f, "{at}"),
            ReadError::NoValidRows { file, first } => match first {
                Some(at) => write!(f, "{file}: no valid row; the first bad one: {at}"),
                None => write!(f, "{file}: no rows after the header"),
            },
        }
    }
}

impl std::error::Error for ReadError {}

/// The code of a value that was not kept: viewer ids and dimension values are coded on
/// `request` rows only (a view takes them from its first request; other rows' are unused).
pub const NOT_KEPT: u32 = u32::MAX;

/// Labels of one coded column, by code (first seen first).
#[derive(Clone, Default, Serialize)]
pub struct Labels {
    pub labels: Vec<String>,
    /// Codes by their label's hash (each label stored once, in `labels`).
    #[serde(skip)]
    index: hashbrown::HashTable<u32>,
    /// The code given last: rows in a row often share a value (the same webcast, customer
    /// or player), and one comparison is cheaper than a hash lookup.
    #[serde(skip)]
    last: Option<u32>,
}

impl std::fmt::Debug for Labels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Labels")
            .field("labels", &self.labels)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Labels {
    /// The same labels under the same codes (the lookup caches do not count).
    fn eq(&self, other: &Self) -> bool {
        self.labels == other.labels
    }
}

/// The hash labels are looked up by.
fn hash_of(label: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x5e55_1095).hash_one(label)
}

/// Byte equality written out for the short labels of ids and dimensions (a call to the C
/// library's `memcmp` per row cost more than the comparison itself).
fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let (a_words, a_rest) = a.as_chunks::<8>();
    let (b_words, b_rest) = b.as_chunks::<8>();
    a_words
        .iter()
        .zip(b_words)
        .all(|(x, y)| u64::from_ne_bytes(*x) == u64::from_ne_bytes(*y))
        && a_rest.iter().zip(b_rest).all(|(x, y)| x == y)
}

impl Labels {
    /// No labels, keeping the storage.
    pub(crate) fn clear(&mut self) {
        self.labels.clear();
        self.index.clear();
        self.last = None;
    }

    pub(crate) fn code(&mut self, label: &str) -> u32 {
        let wanted = label.as_bytes();
        if let Some(last) = self.last
            && same(self.labels[last as usize].as_bytes(), wanted)
        {
            return last;
        }
        let hash = hash_of(wanted);
        let labels = &mut self.labels;
        let found = self
            .index
            .find(hash, |&c| same(labels[c as usize].as_bytes(), wanted));
        let c = if let Some(&c) = found {
            c
        } else {
            let c = labels.len() as u32;
            labels.push(label.to_string());
            self.index
                .insert_unique(hash, c, |&c| hash_of(labels[c as usize].as_bytes()));
            c
        };
        self.last = Some(c);
        c
    }
}

/// A dimension of the events (country, device, cdn, … or any unknown column), per event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dimension {
    pub name: String,
    pub labels: Labels,
    /// Per event, its value's code: on `request` rows only (the rows views take their
    /// values from), [`NOT_KEPT`] on the others.
    pub codes: Vec<u32>,
}

/// What reading kept and dropped.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReadReport {
    pub rows_read: u64,
    pub rows_kept: u64,
    /// Dropped rows per reason.
    pub dropped: BTreeMap<String, u64>,
    pub first_drop: Option<Located>,
    /// Parquet dimension columns of a type streamlens cannot read (DECIMAL, FLOAT16), left
    /// out: `file: column (TYPE)`.
    pub columns_left_out: Vec<String>,
}

/// The events of one file with their columns' labels.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PlayerLog {
    #[serde(skip)]
    pub events: Vec<PlayerEvent>,
    pub sessions: Labels,
    pub viewers: Labels,
    pub webcasts: Labels,
    /// Per event, its webcast (`event_id`) code.
    #[serde(skip)]
    pub webcast_of: Vec<u32>,
    pub customers: Option<Labels>,
    /// Per event, its customer code, on `request` rows only (as dimension codes).
    #[serde(skip)]
    pub customer_of: Vec<u32>,
    pub dimensions: Vec<Dimension>,
    pub report: ReadReport,
}

impl ReadReport {
    /// Adds another file's counts; the first drop stays the earliest file's.
    pub fn absorb(&mut self, other: ReadReport) {
        self.rows_read += other.rows_read;
        self.rows_kept += other.rows_kept;
        for (reason, n) in other.dropped {
            *self.dropped.entry(reason).or_default() += n;
        }
        if self.first_drop.is_none() {
            self.first_drop = other.first_drop;
        }
        self.columns_left_out.extend(other.columns_left_out);
    }
}

/// Codes of one log's labels in another's, by the first log's code.
struct Recode(Vec<u32>);

impl Recode {
    fn of(&self, code: u32) -> u32 {
        if code == NOT_KEPT {
            NOT_KEPT
        } else {
            self.0[code as usize]
        }
    }
}

impl PlayerLog {
    /// No events and no labels, keeping the storage (for the next piece of a file).
    pub(crate) fn clear(&mut self) {
        self.events.clear();
        self.sessions.clear();
        self.viewers.clear();
        self.webcasts.clear();
        self.webcast_of.clear();
        if let Some(c) = &mut self.customers {
            c.clear();
        }
        self.customer_of.clear();
        for d in &mut self.dimensions {
            d.labels.clear();
            d.codes.clear();
        }
        self.report = ReadReport::default();
    }

    /// Adds another file's events: ids and dimension values are matched by label (the same
    /// session id in two files is one session); a dimension one file lacks reads
    /// `(missing)` there.
    pub fn append(&mut self, other: &PlayerLog) {
        let recode = |into: &mut Labels, from: &Labels| -> Recode {
            Recode(from.labels.iter().map(|l| into.code(l)).collect())
        };
        let sessions = recode(&mut self.sessions, &other.sessions);
        let viewers = recode(&mut self.viewers, &other.viewers);
        let webcasts = recode(&mut self.webcasts, &other.webcasts);
        let before = self.events.len();
        self.events.extend(other.events.iter().map(|e| PlayerEvent {
            session: sessions.of(e.session),
            viewer: viewers.of(e.viewer),
            ..*e
        }));
        self.webcast_of
            .extend(other.webcast_of.iter().map(|&w| webcasts.of(w)));
        let added = self.events.len() - before;
        match (&mut self.customers, &other.customers) {
            (Some(into), Some(from)) => {
                let map = recode(into, from);
                self.customer_of
                    .extend(other.customer_of.iter().map(|&c| map.of(c)));
            }
            (Some(into), None) => {
                let missing = into.code("(missing)");
                self.customer_of.extend(std::iter::repeat_n(missing, added));
            }
            (None, Some(from)) => {
                let mut labels = Labels::default();
                let missing = labels.code("(missing)");
                let map = recode(&mut labels, from);
                self.customer_of = std::iter::repeat_n(missing, before)
                    .chain(other.customer_of.iter().map(|&c| map.of(c)))
                    .collect();
                self.customers = Some(labels);
            }
            (None, None) => {}
        }
        let mut theirs: Vec<Option<&Dimension>> = other.dimensions.iter().map(Some).collect();
        for mine in &mut self.dimensions {
            let found = theirs
                .iter_mut()
                .find(|d| d.is_some_and(|d| d.name == mine.name))
                .and_then(Option::take);
            if let Some(from) = found {
                let map = recode(&mut mine.labels, &from.labels);
                mine.codes.extend(from.codes.iter().map(|&c| map.of(c)));
            } else {
                let missing = mine.labels.code("(missing)");
                mine.codes.extend(std::iter::repeat_n(missing, added));
            }
        }
        for from in theirs.into_iter().flatten() {
            let mut labels = Labels::default();
            let missing = labels.code("(missing)");
            let map = recode(&mut labels, &from.labels);
            let codes = std::iter::repeat_n(missing, before)
                .chain(from.codes.iter().map(|&c| map.of(c)))
                .collect();
            self.dimensions.push(Dimension {
                name: from.name.clone(),
                labels,
                codes,
            });
        }
        self.report.absorb(other.report.clone());
    }
}
