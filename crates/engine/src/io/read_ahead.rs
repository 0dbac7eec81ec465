//! Text chunks read one ahead on their own thread, so that copying the next 48 MB from the
//! file overlaps parsing the current one (reading is a third of a load's serial time).

use std::io::BufRead;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

use super::csv::{CsvChunks, TextChunk};

/// Where a load takes its chunks from, and gives finished buffers back to.
pub trait ChunkSource {
    fn next_chunk(&mut self) -> std::io::Result<Option<TextChunk>>;
    /// A finished chunk's buffer, for a later chunk to reuse.
    fn recycle(&mut self, bytes: Vec<u8>);
}

impl<R: BufRead> ChunkSource for CsvChunks<R> {
    fn next_chunk(&mut self) -> std::io::Result<Option<TextChunk>> {
        CsvChunks::next_chunk(self)
    }

    fn recycle(&mut self, bytes: Vec<u8>) {
        CsvChunks::recycle(self, bytes);
    }
}

/// The caller's side of a reading thread.
struct ReadAhead {
    chunks: Receiver<std::io::Result<Option<TextChunk>>>,
    spares: Sender<Vec<u8>>,
    finished: bool,
}

impl ChunkSource for ReadAhead {
    fn next_chunk(&mut self) -> std::io::Result<Option<TextChunk>> {
        if self.finished {
            return Ok(None);
        }
        match self.chunks.recv() {
            Ok(Ok(Some(chunk))) => Ok(Some(chunk)),
            Ok(other) => {
                self.finished = true;
                other
            }
            // The reader only hangs up early when it panicked: never pass that off as the end.
            Err(_) => Err(std::io::Error::other("the file-reading thread stopped")),
        }
    }

    fn recycle(&mut self, bytes: Vec<u8>) {
        // A reader that has finished needs no buffers.
        let _ = self.spares.send(bytes);
    }
}

/// Runs `work` with `chunks` read one ahead on another thread (or, when no thread can be
/// started, read in turn on this one). Dropping out of `work` early stops the reader after
/// at most the chunk it is reading.
pub fn with_read_ahead<R: BufRead + Send, T>(
    chunks: CsvChunks<R>,
    work: impl FnOnce(&mut dyn ChunkSource) -> T,
) -> T {
    let shared = Mutex::new(chunks);
    std::thread::scope(|scope| {
        let (chunk_tx, chunk_rx) = sync_channel(1);
        let (spare_tx, spare_rx) = channel();
        let shared = &shared;
        let reader = std::thread::Builder::new()
            .name("streamlens-read".into())
            .spawn_scoped(scope, move || read(shared, &chunk_tx, &spare_rx));
        if reader.is_ok() {
            work(&mut ReadAhead {
                chunks: chunk_rx,
                spares: spare_tx,
                finished: false,
            })
        } else {
            match shared.lock() {
                Ok(mut chunks) => work(&mut *chunks),
                Err(poisoned) => work(&mut *poisoned.into_inner()),
            }
        }
    })
}

fn read<R: BufRead>(
    shared: &Mutex<CsvChunks<R>>,
    chunks: &SyncSender<std::io::Result<Option<TextChunk>>>,
    spares: &Receiver<Vec<u8>>,
) {
    loop {
        let Ok(mut source) = shared.lock() else {
            return;
        };
        while let Ok(spare) = spares.try_recv() {
            source.recycle(spare);
        }
        let next = source.next_chunk();
        drop(source);
        let last = !matches!(next, Ok(Some(_)));
        if chunks.send(next).is_err() || last {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chunk_arrives_in_order_and_early_exits_stop_the_reader() {
        let text: String = std::iter::once("h\n".to_string())
            .chain((0..500).map(|i| format!("{i}\n")))
            .collect();
        let open = || {
            CsvChunks::open_with_chunk(std::io::Cursor::new(text.clone().into_bytes()), 64)
                .unwrap()
                .unwrap()
        };
        let mut inline = open();
        let mut expected = Vec::new();
        while let Some(chunk) = inline.next_chunk().unwrap() {
            expected.push((chunk.first_row, chunk.bytes));
        }
        let got = with_read_ahead(open(), |source| {
            let mut got = Vec::new();
            while let Some(chunk) = source.next_chunk().unwrap() {
                got.push((chunk.first_row, chunk.bytes.clone()));
                source.recycle(chunk.bytes);
            }
            assert!(source.next_chunk().unwrap().is_none());
            got
        });
        assert_eq!(got, expected);
        let first = with_read_ahead(open(), |source| source.next_chunk().unwrap().unwrap());
        assert_eq!(first.first_row, 2);
    }
}
