//! Turning a reader's panic into a value: a process-wide panic hook that stays silent while
//! any fuzz loop runs and remembers where the panic happened (the payload alone has only the
//! message), so a crash report names file and line.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, Once};

static ACTIVE: AtomicUsize = AtomicUsize::new(0);
static INSTALL: Once = Once::new();
/// The last panic seen on a thread that is not a fuzz loop (a worker pool's thread).
static FOREIGN: Mutex<Option<String>> = Mutex::new(None);

thread_local! {
    static FUZZING: RefCell<bool> = const { RefCell::new(false) };
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn install() {
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let location = info
                .location()
                .map_or_else(String::new, |l| format!("{}:{}", l.file(), l.line()));
            let text = format!(
                "{} at {location}",
                streamlens_engine::contain::panic_message(info.payload())
            );
            if FUZZING.with(|f| *f.borrow()) {
                LAST.with(|l| *l.borrow_mut() = Some(text));
            } else if ACTIVE.load(Ordering::SeqCst) > 0 {
                if let Ok(mut slot) = FOREIGN.lock() {
                    *slot = Some(text);
                }
            } else {
                previous(info);
            }
        }));
    });
}

/// Marks the calling thread as a fuzz loop while it lives.
pub struct Guard(());

impl Guard {
    #[must_use]
    pub fn enter() -> Self {
        install();
        ACTIVE.fetch_add(1, Ordering::SeqCst);
        FUZZING.with(|f| *f.borrow_mut() = true);
        Guard(())
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        FUZZING.with(|f| *f.borrow_mut() = false);
        ACTIVE.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs `f`; a panic becomes `Err("message at file:line")`.
pub fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    LAST.with(|l| l.borrow_mut().take());
    catch_unwind(AssertUnwindSafe(f)).map_err(|payload| {
        LAST.with(|l| l.borrow_mut().take())
            .or_else(|| FOREIGN.lock().ok().and_then(|mut s| s.take()))
            .unwrap_or_else(|| streamlens_engine::contain::panic_message(payload.as_ref()))
    })
}
