//! The `homedisk` binary: parse the command line, load `.env` and the config, start logging,
//! then serve (or run an admin command). Everything else lives in the library.

use std::process::ExitCode;

use homedisk::cli::{self, Command};
use homedisk::config::Config;

/// mimalloc instead of glibc's malloc: the request threads free what the logging thread and
/// each other allocated, which glibc serialises on arena locks (Cargo.toml says what it
/// measured). The library and the tests keep the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let command = match cli::parse(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(message) => {
            eprintln!("homedisk: {message}\nRun `homedisk --help` for usage.");
            return ExitCode::from(2);
        }
    };
    match command {
        Command::Help => print!("{}", cli::help()),
        Command::Version => println!("homedisk {}", env!("CARGO_PKG_VERSION")),
        command => {
            // A missing .env is normal; a broken one is worth saying.
            if let Err(e) = dotenvy::dotenv()
                && !e.not_found()
            {
                eprintln!("homedisk: cannot read .env: {e}");
                return ExitCode::FAILURE;
            }
            let _log = homedisk::telemetry::init();
            let result = Config::from_env()
                .map_err(Into::into)
                .and_then(|config| cli::execute(command, config));
            if let Err(e) = result {
                eprintln!("homedisk: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
