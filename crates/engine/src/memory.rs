//! Handing the memory a load has freed back to the operating system.

/// Returns the allocator's free pages to the operating system. After a load, glibc keeps
/// the blocks the loader's threads freed (parse buffers of a few hundred kilobytes each)
/// in its arenas: about 110 MB stayed resident after a 20 M-row file, on top of the
/// dataset, for as long as the process runs. Elsewhere than Linux with glibc it does
/// nothing.
pub fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)]
    {
        unsafe extern "C" {
            // glibc: releases free memory at the top of the heap and whole free pages
            // inside every arena; takes no pointer and has no precondition.
            safe fn malloc_trim(pad: usize) -> i32;
        }
        malloc_trim(0);
    }
}
