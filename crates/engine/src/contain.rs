//! Panics of third-party decoders on damaged input, turned into errors. A library panicking on
//! a bad file is that file's problem, not a crash of ours: [`contained`] catches it, and the
//! hook installed by [`quiet_contained_panics`] keeps the standard "thread panicked" report
//! (and backtrace) off stderr while it does, so the user reads one clear error.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

thread_local! {
    static CONTAINING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`; a panic on this thread becomes `Err(its message)`. Nested calls are allowed.
///
/// # Errors
/// The panic's message when `f` panicked.
pub fn contained<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let outer = CONTAINING.with(|c| c.replace(true));
    let outcome = catch_unwind(AssertUnwindSafe(f));
    CONTAINING.with(|c| c.set(outer));
    outcome.map_err(|payload| panic_message(payload.as_ref()))
}

/// The text a panic was raised with (`panic!("…")` gives a `&str` or a `String`).
#[must_use]
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// Installs (once per process) a panic hook that stays silent for panics [`contained`]
/// catches and reports every other one as before. For binaries; libraries never call it.
pub fn quiet_contained_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CONTAINING.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::contained;

    #[test]
    fn a_panic_becomes_its_message_and_a_value_passes_through() {
        assert_eq!(contained(|| 7), Ok(7));
        let e = contained(|| -> u8 { panic!("bad footer {}", 3) }).unwrap_err();
        assert_eq!(e, "bad footer 3");
        assert_eq!(
            contained(|| contained(|| panic!("inner"))),
            Ok(Err("inner".into()))
        );
    }
}
