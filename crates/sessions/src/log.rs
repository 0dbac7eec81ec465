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
                "{file}: no `{column}` column (also accepted: {aliases}); the columns are: {found}"
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

/// Labels of one coded column, by code (first seen first).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Labels {
    pub labels: Vec<String>,
    #[serde(skip)]
    index: foldhash::HashMap<String, u32>,
    /// The code given last: rows in a row often share a value (the same webcast, customer
    /// or player), and one comparison is cheaper than a hash lookup.
    #[serde(skip)]
    last: Option<u32>,
}

impl PartialEq for Labels {
    /// The same labels under the same codes (the lookup caches do not count).
    fn eq(&self, other: &Self) -> bool {
        self.labels == other.labels
    }
}

impl Labels {
    pub(crate) fn code(&mut self, label: &str) -> u32 {
        if let Some(last) = self.last
            && self.labels[last as usize] == label
        {
            return last;
        }
        let c = if let Some(&c) = self.index.get(label) {
            c
        } else {
            let c = self.labels.len() as u32;
            self.labels.push(label.to_string());
            self.index.insert(label.to_string(), c);
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
}

/// The events of one file with their columns' labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
    }
}

impl PlayerLog {
    /// Adds another file's events: ids and dimension values are matched by label (the same
    /// session id in two files is one session); a dimension one file lacks reads
    /// `(missing)` there.
    pub fn append(&mut self, other: PlayerLog) {
        let recode = |into: &mut Labels, from: &Labels| -> Vec<u32> {
            from.labels.iter().map(|l| into.code(l)).collect()
        };
        let sessions = recode(&mut self.sessions, &other.sessions);
        let viewers = recode(&mut self.viewers, &other.viewers);
        let webcasts = recode(&mut self.webcasts, &other.webcasts);
        let before = self.events.len();
        self.events.extend(other.events.iter().map(|e| PlayerEvent {
            session: sessions[e.session as usize],
            viewer: viewers[e.viewer as usize],
            ..*e
        }));
        self.webcast_of
            .extend(other.webcast_of.iter().map(|&w| webcasts[w as usize]));
        let added = self.events.len() - before;
        match (&mut self.customers, &other.customers) {
            (Some(into), Some(from)) => {
                let map = recode(into, from);
                self.customer_of
                    .extend(other.customer_of.iter().map(|&c| map[c as usize]));
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
                    .chain(other.customer_of.iter().map(|&c| map[c as usize]))
                    .collect();
                self.customers = Some(labels);
            }
            (None, None) => {}
        }
        let mut theirs: Vec<Option<Dimension>> = other.dimensions.into_iter().map(Some).collect();
        for mine in &mut self.dimensions {
            let found = theirs
                .iter_mut()
                .find(|d| d.as_ref().is_some_and(|d| d.name == mine.name))
                .and_then(Option::take);
            if let Some(from) = found {
                let map = recode(&mut mine.labels, &from.labels);
                mine.codes
                    .extend(from.codes.iter().map(|&c| map[c as usize]));
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
                .chain(from.codes.iter().map(|&c| map[c as usize]))
                .collect();
            self.dimensions.push(Dimension {
                name: from.name,
                labels,
                codes,
            });
        }
        self.report.absorb(other.report);
    }
}
