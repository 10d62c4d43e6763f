//! Times homedisk's thumbnail rendering (decode, shrink, orient, encode) in-process, the same
//! code `/preview` runs on a cache miss. Used by `bench/preview.sh` and `bench/thumbs.sh`.
//!
//!   cargo run --release --example thumbnail -- IMAGE [REPS] [SIDE…]
//!
//! Prints, per side, the median and best of REPS runs, and the output's size.

use std::io::{BufReader, Read};
use std::time::Instant;

use homedisk::preview::budget::Budget;

/// The binary's allocator (src/main.rs), so the times are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: thumbnail IMAGE [REPS] [SIDE…]");
        std::process::exit(2);
    };
    let reps: usize = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(15);
    let sides: Vec<u32> = match args.get(2..).filter(|s| !s.is_empty()) {
        Some(s) => s.iter().filter_map(|x| x.parse().ok()).collect(),
        None => vec![256, 1024],
    };
    // Only the first bytes, as an upload sniffs them: a copy of the whole file would count in
    // the peak RSS that bench/thumbs.sh reports.
    let mut head = Vec::with_capacity(512);
    if let Ok(file) = std::fs::File::open(path) {
        let _ = file.take(512).read_to_end(&mut head);
    }
    let mime = homedisk::files::upload::sniff(&head);
    // The server's default memory budget for decodes.
    let budget = Budget::new(256 << 20);
    for side in sides {
        let mut times = Vec::with_capacity(reps);
        let mut bytes = 0;
        for _ in 0..reps {
            let t = Instant::now();
            let file = std::fs::File::open(path).unwrap_or_else(|e| {
                eprintln!("{path}: {e}");
                std::process::exit(1);
            });
            match homedisk::preview::render::render(BufReader::new(file), &mime, side, &budget) {
                Ok(r) => bytes = r.bytes.len(),
                Err(e) => {
                    eprintln!("{path}: {e}");
                    std::process::exit(1);
                }
            }
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{side} px: median {:.1} ms, best {:.1} ms ({reps} runs, {bytes} bytes out)",
            times[reps / 2],
            times[0]
        );
    }
}
