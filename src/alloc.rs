//! The process's allocator: the system allocator, switched to a bump arena
//! by one-shot commands that build a large structure, report and exit.
//!
//! Why: `alloy check` on a large config spends about a fifth of its
//! instructions in glibc `malloc`/`free` and, on top of that, a quarter of
//! its CPU time in the kernel handling page faults (tens of thousands of
//! 4 KiB first touches) — and it frees nothing that matters, since it exits
//! right after the report. In arena mode each thread carves allocations out
//! of its own 2 MiB chunk of one reserved region (no locking, no free
//! lists), the region asks for transparent huge pages (a first touch maps
//! 2 MiB at once), and freeing is a no-op except for the thread's most
//! recent allocation (so short-lived temporaries and growing vectors still
//! reuse memory). On a 4 MB config, measured in one run (docs/benchmarks.md,
//! "check"): page faults 34,400 -> 7,800, CPU time -35 %, wall -33 %;
//! without the huge page advice the arena saved only a tenth (its memory is
//! all fresh, and every fresh 4 KiB page is a fault).
//!
//! Limits that keep this safe for any input: what does not fit in the
//! reserved region goes to the system allocator, so a config too large for
//! the arena is checked exactly as before, only not faster. Pointers are told apart by address: anything
//! inside the region is the arena's, everything else is the system's, so
//! memory allocated before the switch (or after the arena is exhausted) is
//! freed normally.
//!
//! The server and the runtime never switch: they live long and free what
//! they allocate.

// An allocator is unsafe by nature; this module is the only unsafe code in
// the binary, and every block states why it holds.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// The allocator registered in `main.rs`.
pub struct Allocator;

/// Bytes of address space reserved for the arena (not memory: pages are
/// only backed when touched, and the mapping is not charged to
/// overcommit accounting).
const RESERVE: usize = 4 << 30;

/// Each thread takes this much of the region at a time.
const CHUNK: usize = 2 << 20;

/// Allocations above this size do not come from a thread's chunk but from
/// the top of the region, page-aligned: a chunk would waste too much of
/// itself on them.
const LARGE: usize = 256 << 10;

/// Page size for large allocations (and the largest alignment they keep).
const PAGE: usize = 4096;

/// First address of the region; zero while the arena is off. Written once,
/// after [`END`] and [`FREE`], with release ordering.
static START: AtomicUsize = AtomicUsize::new(0);
/// One past the region's last byte.
static END: AtomicUsize = AtomicUsize::new(0);
/// The part of the region not handed out yet: chunks are taken from its
/// bottom, large allocations from its top. Both are rare (a chunk serves
/// thousands of allocations), so a lock is cheap; it keeps the two ends
/// from crossing. (`std`'s mutex does not allocate.)
static FREE: Mutex<(usize, usize)> = Mutex::new((0, 0));

thread_local! {
    /// This thread's chunk: the next free address and the chunk's end
    /// (both zero before the thread's first arena allocation). Constant
    /// initialiser and no destructor, so it is usable from an allocator.
    static BUMP: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

/// Switches later allocations to the arena. Call once, early, before the
/// work that allocates (threads started afterwards use it too). Does
/// nothing if the region cannot be reserved or the arena is already on.
pub fn use_arena() {
    if START.load(Ordering::Acquire) != 0 {
        return;
    }
    // SAFETY: a fresh private anonymous mapping; no existing memory is
    // affected, and failure is checked.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            RESERVE + CHUNK,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        return;
    }
    // Chunks aligned to the huge page size, so each can be one huge page
    // (and any alignment up to it holds at a chunk's start).
    let start = (base as usize).next_multiple_of(CHUNK);
    // SAFETY: the range lies inside the mapping made above. The advice is
    // only a hint; failure (no transparent huge pages) changes nothing.
    unsafe {
        libc::madvise(start as *mut libc::c_void, RESERVE, libc::MADV_HUGEPAGE);
    }
    END.store(start + RESERVE, Ordering::Relaxed);
    *FREE.lock().unwrap_or_else(|e| e.into_inner()) = (start, start + RESERVE);
    START.store(start, Ordering::Release);
}

/// Whether `address` was handed out by the arena.
#[inline]
fn in_arena(address: usize) -> bool {
    let start = START.load(Ordering::Acquire);
    start != 0 && address >= start && address < END.load(Ordering::Relaxed)
}

/// Takes `layout` from this thread's chunk, starting a new chunk when it
/// does not fit, or from the top of the region when it is large. `None`
/// when the arena is off, exhausted, or the thread's local storage is gone
/// (thread exit).
#[inline]
fn bump(layout: Layout) -> Option<*mut u8> {
    // Chunks are aligned to CHUNK: a larger alignment is the system's.
    if START.load(Ordering::Acquire) == 0 || layout.align() > CHUNK {
        return None;
    }
    if layout.size() > LARGE {
        return large(layout);
    }
    BUMP.try_with(|cell| {
        let (top, end) = cell.get();
        let at = top.next_multiple_of(layout.align());
        if top != 0 && at + layout.size() <= end {
            cell.set((at + layout.size(), end));
            return Some(at as *mut u8);
        }
        let chunk = new_chunk()?;
        // A chunk is aligned to CHUNK, so any alignment up to it holds.
        cell.set((chunk + layout.size(), chunk + CHUNK));
        Some(chunk as *mut u8)
    })
    .ok()
    .flatten()
}

/// Whether `[address, address + size)` is the most recent allocation in
/// this thread's chunk `[end - CHUNK, end)`. The lower bound matters: a
/// range of another thread's chunk can end exactly where this chunk starts.
#[inline]
fn owns_top(address: usize, size: usize, top: usize, end: usize) -> bool {
    end != 0 && address >= end - CHUNK && address + size == top
}

#[cold]
fn new_chunk() -> Option<usize> {
    let mut free = FREE.lock().unwrap_or_else(|e| e.into_inner());
    let (bottom, top) = *free;
    (bottom + CHUNK <= top).then(|| {
        free.0 = bottom + CHUNK;
        bottom
    })
}

/// A large allocation, whole pages from the top of the region. Freed only
/// with the process (a no-op free, like every range not at a thread's top).
#[cold]
fn large(layout: Layout) -> Option<*mut u8> {
    if layout.align() > PAGE {
        return None;
    }
    let size = layout.size().checked_next_multiple_of(PAGE)?;
    let mut free = FREE.lock().unwrap_or_else(|e| e.into_inner());
    let (bottom, top) = *free;
    let at = top.checked_sub(size).filter(|&at| at >= bottom)?;
    free.1 = at;
    Some(at as *mut u8)
}

// SAFETY: every pointer handed out is either the system allocator's (and
// returned to it) or a range of the reserved region given to exactly one
// caller: a chunk belongs to one thread, and within it ranges are handed
// out in increasing order; the only range taken back (the thread's most
// recent one, on free or realloc) is given out again only after its owner
// released or resized it.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match bump(layout) {
            Some(ptr) => ptr,
            // SAFETY: same contract as ours.
            None => unsafe { System.alloc(layout) },
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match bump(layout) {
            // Large allocations are fresh pages, never handed out twice:
            // already zero.
            Some(ptr) if layout.size() > LARGE => ptr,
            Some(ptr) => {
                // Memory given back and handed out again is not zero.
                // SAFETY: `ptr` is valid for `layout.size()` bytes.
                unsafe { ptr.write_bytes(0, layout.size()) };
                ptr
            }
            // SAFETY: same contract as ours.
            None => unsafe { System.alloc_zeroed(layout) },
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let address = ptr as usize;
        if in_arena(address) {
            // The thread's most recent allocation is taken back; anything
            // else stays until the process exits.
            let _ = BUMP.try_with(|cell| {
                let (top, end) = cell.get();
                if owns_top(address, layout.size(), top, end) {
                    cell.set((address, end));
                }
            });
            return;
        }
        // SAFETY: not the arena's, so the system allocator's.
        unsafe { System.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let address = ptr as usize;
        if !in_arena(address) {
            // SAFETY: the system allocator's pointer, same contract.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // The most recent allocation grows or shrinks in place while it
        // fits in the chunk: a vector being filled, the common case.
        let in_place = BUMP
            .try_with(|cell| {
                let (top, end) = cell.get();
                let fits = owns_top(address, layout.size(), top, end) && address + new_size <= end;
                if fits {
                    cell.set((address + new_size, end));
                }
                fits
            })
            .unwrap_or(false);
        if in_place || new_size <= layout.size() {
            return ptr;
        }
        // SAFETY: `new_size` is non-zero and, rounded to the alignment,
        // does not overflow (the caller's contract for `realloc`).
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: a valid, non-zero layout.
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both are valid for `layout.size()` bytes and distinct.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size());
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test binary runs with the system allocator; these exercise the
    /// arena through the same entry points with the region switched on.
    fn arena() -> Allocator {
        use_arena();
        assert!(START.load(Ordering::Acquire) != 0, "region reserved");
        Allocator
    }

    #[test]
    fn small_allocations_come_from_the_arena_aligned_and_distinct() {
        let a = arena();
        let mut seen = Vec::new();
        for (size, align) in [(1, 1), (3, 2), (24, 8), (100, 16), (7, 64), (4096, 4096)] {
            let layout = Layout::from_size_align(size, align).expect("layout");
            let ptr = unsafe { a.alloc(layout) };
            assert!(in_arena(ptr as usize));
            assert_eq!(ptr as usize % align, 0, "aligned to {align}");
            unsafe { ptr.write_bytes(0xAB, size) };
            seen.push((ptr as usize, size));
        }
        seen.sort();
        for pair in seen.windows(2) {
            assert!(
                pair[0].0 + pair[0].1 <= pair[1].0,
                "ranges overlap: {pair:?}"
            );
        }
    }

    #[test]
    fn large_allocations_take_whole_pages_from_the_top() {
        let a = arena();
        let layout = Layout::from_size_align(LARGE + 1, 8).expect("layout");
        let first = unsafe { a.alloc(layout) };
        let second = unsafe { a.alloc(layout) };
        for ptr in [first, second] {
            assert!(in_arena(ptr as usize));
            assert_eq!(ptr as usize % PAGE, 0);
            unsafe { ptr.write_bytes(0x5A, LARGE + 1) };
        }
        let (lo, hi) = (first.min(second) as usize, first.max(second) as usize);
        assert!(lo + LARGE < hi, "large allocations overlap");
        unsafe { a.dealloc(first, layout) };
        // An alignment above a page is the system's.
        let odd = Layout::from_size_align(LARGE + 1, 2 * PAGE).expect("layout");
        let ptr = unsafe { a.alloc(odd) };
        assert!(!ptr.is_null() && !in_arena(ptr as usize));
        unsafe { a.dealloc(ptr, odd) };
    }

    #[test]
    fn chunks_and_large_allocations_never_cross() {
        let _ = arena();
        let (bottom, top) = *FREE.lock().unwrap_or_else(|e| e.into_inner());
        assert!(bottom <= top);
        assert!(top <= END.load(Ordering::Relaxed));
    }

    #[test]
    fn alignments_beyond_a_chunk_are_honoured() {
        let a = arena();
        // Chunks alternate between 4 MiB-aligned and not: several tries.
        for size in [16, 16, 16, 16, LARGE + 1] {
            let layout = Layout::from_size_align(size, 2 * CHUNK).expect("layout");
            let ptr = unsafe { a.alloc(layout) };
            assert!(!ptr.is_null());
            assert!((ptr as usize).is_multiple_of(2 * CHUNK), "size {size}");
            unsafe { a.dealloc(ptr, layout) };
        }
        let large = Layout::from_size_align(LARGE + PAGE, 8).expect("layout");
        let zeroed = unsafe { a.alloc_zeroed(large) };
        let bytes = unsafe { std::slice::from_raw_parts(zeroed, LARGE + PAGE) };
        assert!(bytes.iter().all(|&b| b == 0), "large zeroed allocation");
    }

    #[test]
    fn the_most_recent_allocation_is_reused_after_free() {
        let a = arena();
        let layout = Layout::from_size_align(48, 8).expect("layout");
        let first = unsafe { a.alloc(layout) };
        unsafe { a.dealloc(first, layout) };
        let second = unsafe { a.alloc(layout) };
        assert_eq!(first, second);
    }

    #[test]
    fn zeroed_allocations_are_zero_even_when_memory_is_reused() {
        let a = arena();
        let layout = Layout::from_size_align(64, 8).expect("layout");
        let dirty = unsafe { a.alloc(layout) };
        unsafe { dirty.write_bytes(0xFF, 64) };
        unsafe { a.dealloc(dirty, layout) };
        let zeroed = unsafe { a.alloc_zeroed(layout) };
        assert_eq!(zeroed, dirty, "reused the freed range");
        let bytes = unsafe { std::slice::from_raw_parts(zeroed, 64) };
        assert!(bytes.iter().all(|&b| b == 0));
    }

    #[test]
    fn realloc_grows_in_place_then_moves_keeping_the_contents() {
        let a = arena();
        let layout = Layout::from_size_align(16, 8).expect("layout");
        let ptr = unsafe { a.alloc(layout) };
        for i in 0..16u8 {
            unsafe { ptr.add(usize::from(i)).write(i) };
        }
        let grown = unsafe { a.realloc(ptr, layout, 64) };
        assert_eq!(grown, ptr, "the top allocation grows in place");
        // Something else allocated after it: the next growth must move.
        let other = unsafe { a.alloc(layout) };
        let moved = unsafe { a.realloc(grown, Layout::from_size_align(64, 8).expect("l"), 128) };
        assert_ne!(moved, grown);
        let bytes = unsafe { std::slice::from_raw_parts(moved, 16) };
        assert_eq!(bytes, (0..16u8).collect::<Vec<_>>().as_slice());
        assert_ne!(moved, other);
        // Growing past LARGE when it cannot grow in place moves to the
        // large allocations, contents intact.
        let _pin = unsafe { a.alloc(layout) };
        let big = unsafe {
            a.realloc(
                moved,
                Layout::from_size_align(128, 8).expect("l"),
                LARGE * 2,
            )
        };
        assert!(in_arena(big as usize) && (big as usize).is_multiple_of(PAGE));
        let bytes = unsafe { std::slice::from_raw_parts(big, 16) };
        assert_eq!(bytes, (0..16u8).collect::<Vec<_>>().as_slice());
        unsafe { a.dealloc(big, Layout::from_size_align(LARGE * 2, 8).expect("l")) };
    }

    #[test]
    fn a_range_ending_where_this_chunk_starts_is_not_this_threads_top() {
        let end = 8 * CHUNK;
        let start = end - CHUNK;
        // This thread freed everything: its top is its chunk's start.
        assert!(!owns_top(start - 64, 64, start, end));
        assert!(owns_top(start, 64, start + 64, end));
        assert!(!owns_top(start, 64, start + 128, end));
        assert!(!owns_top(start, 64, start + 64, 0), "no chunk yet");
    }

    #[test]
    fn threads_get_their_own_chunks() {
        let _ = arena();
        let ranges: Vec<(usize, usize)> = (0..4)
            .map(|_| {
                std::thread::spawn(|| {
                    let layout = Layout::from_size_align(1000, 8).expect("layout");
                    let ptrs: Vec<usize> = (0..100)
                        .map(|_| unsafe { Allocator.alloc(layout) } as usize)
                        .collect();
                    let lo = ptrs.iter().copied().min().unwrap_or(0);
                    let hi = ptrs.iter().copied().max().unwrap_or(0) + 1000;
                    (lo, hi)
                })
                .join()
                .expect("thread")
            })
            .collect();
        for (i, a) in ranges.iter().enumerate() {
            assert!(in_arena(a.0));
            for b in &ranges[i + 1..] {
                assert!(
                    a.1 <= b.0 || b.1 <= a.0,
                    "threads share memory: {a:?} {b:?}"
                );
            }
        }
    }
}
