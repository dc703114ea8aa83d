//! Print a regulation's provisions, one a line: `cargo run -p mamori-provisions --example outline FILE`.
fn main() -> std::process::ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: outline FILE");
        return std::process::ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{path}: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match mamori_provisions::parse(&text) {
        Ok(r) => {
            for p in r.provisions() {
                println!(
                    "{} | {} | {} | {}",
                    p.citation,
                    p.anchor,
                    p.caption.as_deref().unwrap_or("-"),
                    p.text.replace('\n', "⏎")
                );
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}", e.message(mamori_core::Lang::Ja));
            std::process::ExitCode::from(1)
        }
    }
}
