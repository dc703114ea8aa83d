//! The `mamori` command: CLI wiring over mamori-app, mamori-store and the engines. No logic of its own
//! beyond reading arguments, files and the clock, and printing in the user's language.

mod cli;
mod commands;
mod output;

use clap::Parser;
use std::process::ExitCode;

// Register import and listing allocate per cell across sqlx's worker thread and ours; mimalloc
// handles that cross-thread pattern far better than glibc's allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let lang = output::lang_from_env();
    let args = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!(
                "{}: {e}",
                lang.pick("実行環境を起動できません", "cannot start the runtime")
            );
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(commands::run(args, lang)) {
        Ok(code) => code,
        Err(e) => {
            output::print_error(&e, lang);
            ExitCode::from(2)
        }
    }
}
