//! Writes generated messages (newsletters, plain replies, Office and PDF attachments) into a
//! directory, as seeds for the cargo-fuzz corpus:
//! `cargo run -p mamori-sanitize --example write_seeds -- crates/sanitize/fuzz/corpus/sanitize`.

#[path = "support/corpus.rs"]
mod corpus;

use corpus::Rng;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: write_seeds DIR");
        return ExitCode::from(2);
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("{}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let mut rng = Rng(0x5eed);
    let mut messages = Vec::new();
    for i in 0..4 {
        messages.push(corpus::newsletter(i, &mut rng));
        messages.push(corpus::plain_reply(i, &mut rng));
    }
    for i in 0..3 {
        messages.push(corpus::with_attachment(i, &mut rng));
    }
    for (i, m) in messages.iter().enumerate() {
        let path = dir.join(format!("seed-{i:02}.eml"));
        if let Err(e) = std::fs::write(&path, m) {
            eprintln!("{}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!("{} seeds in {}", messages.len(), dir.display());
    ExitCode::SUCCESS
}
