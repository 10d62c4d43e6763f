//! Image decoding within a memory budget (`homedisk::preview::render::render`), the code a
//! thumbnail cache miss runs, on hostile bytes claiming to be each previewable type.
//!
//! Invariants: no panic (the server also guards against one, but a panic is a bug); no
//! allocation past the budget (run with `-malloc_limit_mb` above it: a decode that allocates
//! more than the budget allows is an unbounded allocation and fails the run); every decode
//! gives its reserved memory back.
#![no_main]

use std::io::Cursor;
use std::sync::OnceLock;

use homedisk::preview::budget::Budget;
use homedisk::preview::render::render;
use libfuzzer_sys::fuzz_target;

/// 64 MiB: fuzz inputs declaring huge images must be refused from their headers.
fn budget() -> &'static Budget {
    static BUDGET: OnceLock<Budget> = OnceLock::new();
    BUDGET.get_or_init(|| Budget::new(64 << 20))
}

const TYPES: [&str; 4] = ["image/jpeg", "image/png", "image/gif", "image/webp"];

fuzz_target!(|data: &[u8]| {
    let Some((&first, bytes)) = data.split_first() else { return };
    let mime = TYPES[usize::from(first) % TYPES.len()];
    let side = [256, 1024, 2048][usize::from(first / 4) % 3];
    let _ = render(Cursor::new(bytes), mime, side, budget());
    assert_eq!(budget().in_use(), 0, "a decode kept its reservation");
});
