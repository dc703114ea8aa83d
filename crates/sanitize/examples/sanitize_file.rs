//! What `mamori sanitize IN.eml [-o OUT.eml] [--policy FILE] [--report json]` does, as an example:
//! `cargo run -p mamori-sanitize --example sanitize_file -- IN.eml [OUT.eml] [POLICY.toml]`
//! Prints the report as JSON on stderr; quarantined originals are written next to OUT as
//! `OUT.quarantine-N`.

use std::process::ExitCode;

use mamori_core::Lang;
use mamori_sanitize::{Policy, SanitizeContext, sanitize};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(input) = args.first() else {
        eprintln!("使い方 / usage: sanitize_file IN.eml [OUT.eml] [POLICY.toml]");
        return ExitCode::from(2);
    };
    let raw = match std::fs::read(input) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{input}: {e}");
            return ExitCode::from(1);
        }
    };
    let policy = match args.get(2) {
        Some(path) => match std::fs::read_to_string(path).map(|t| Policy::from_toml(&t)) {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => {
                eprintln!("{}\n{}", e.message(Lang::Ja), e.message(Lang::En));
                return ExitCode::from(2);
            }
            Err(e) => {
                eprintln!("{path}: {e}");
                return ExitCode::from(1);
            }
        },
        None => Policy::recommended(),
    };
    // The CLI passes the real time and a fresh quarantine ID here.
    let ctx = SanitizeContext::new(
        "Q-EXAMPLE-0001",
        chrono::DateTime::UNIX_EPOCH.fixed_offset(),
    );
    let out = sanitize(&raw, &policy, &ctx);
    match args.get(1) {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &out.message) {
                eprintln!("{path}: {e}");
                return ExitCode::from(1);
            }
            for (i, q) in out.quarantined.iter().enumerate() {
                let _ = std::fs::write(format!("{path}.quarantine-{i}"), &q.bytes);
            }
        }
        None => println!("{}", String::from_utf8_lossy(&out.message)),
    }
    eprintln!("{}", out.report.to_json());
    ExitCode::SUCCESS
}
