//! `mamori sanitize`: make one internet mail harmless (無害化, 第2条第13号) from the command line.

use crate::cli::{RelayArgs, SanitizeArgs};
use anyhow::{Context, anyhow};
use mamori_core::Lang;
use rand::Rng;
use std::process::ExitCode;

pub fn sanitize(args: &SanitizeArgs, lang: Lang) -> anyhow::Result<ExitCode> {
    let raw = super::read_file(&args.input, lang)?;
    let policy = match &args.policy {
        Some(path) => {
            let text = String::from_utf8(super::read_file(path, lang)?).map_err(|_| {
                anyhow!(
                    lang.pick(
                        "ポリシーファイルは UTF-8 の TOML で書いてください。",
                        "The policy file must be UTF-8 TOML."
                    )
                    .to_string()
                )
            })?;
            mamori_sanitize::Policy::from_toml(&text).map_err(|e| anyhow!(e.message(lang)))?
        }
        None => mamori_sanitize::Policy::default(),
    };
    let now = chrono::Local::now().fixed_offset();
    // The quarantine ID is what a recipient quotes when asking for an original: date plus a random
    // suffix, so IDs from different runs never collide.
    let suffix: u32 = rand::rng().random_range(0..0x1_0000_0000u64) as u32;
    let quarantine_id = format!("Q-{}-{suffix:08X}", now.format("%Y%m%d-%H%M%S"));
    let ctx = mamori_sanitize::SanitizeContext::new(quarantine_id.clone(), now);
    let outcome = mamori_sanitize::sanitize(&raw, &policy, &ctx);

    match &args.output {
        Some(path) => super::write_atomically(path, &outcome.message, lang)?,
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&outcome.message)?;
        }
    }
    if !outcome.quarantined.is_empty() {
        match &args.quarantine_dir {
            Some(dir) => {
                let dir = dir.join(&quarantine_id);
                std::fs::create_dir_all(&dir).with_context(|| format!("{}", dir.display()))?;
                for (i, item) in outcome.quarantined.iter().enumerate() {
                    // Names come from the mail: never trust them as paths.
                    let safe: String = item
                        .name
                        .chars()
                        .map(|c| {
                            if c == '/' || c == '\\' || c.is_control() {
                                '_'
                            } else {
                                c
                            }
                        })
                        .collect();
                    let name = format!("{:02}-{}", i + 1, safe.trim_start_matches('.'));
                    super::write_atomically(&dir.join(name), &item.bytes, lang)?;
                }
                eprintln!(
                    "{}",
                    match lang {
                        Lang::Ja => format!(
                            "隔離した原本 {}件を {} に保存しました。",
                            outcome.quarantined.len(),
                            dir.display()
                        ),
                        Lang::En => format!(
                            "Stored {} quarantined originals in {}.",
                            outcome.quarantined.len(),
                            dir.display()
                        ),
                    }
                );
            }
            None => eprintln!(
                "{}",
                match lang {
                    Lang::Ja => format!(
                        "注意: 隔離対象の原本が {}件ありますが、--quarantine-dir が指定されていないため保存していません。",
                        outcome.quarantined.len()
                    ),
                    Lang::En => format!(
                        "Note: {} originals were quarantined but not stored (no --quarantine-dir).",
                        outcome.quarantined.len()
                    ),
                }
            ),
        }
    }
    if args.report.as_deref() == Some("json") {
        eprintln!("{}", outcome.report.to_json());
    } else if args.output.is_some() {
        // The message went to a file: tell the person at the terminal what was done to it.
        eprint!(
            "{}",
            lang.pick(&outcome.report.notice_ja, &outcome.report.notice_en)
        );
    }
    // 3: nothing of the original was passed on (unparseable or too large) — scripts can tell.
    Ok(match outcome.report.status {
        mamori_sanitize::Status::Sanitized => ExitCode::SUCCESS,
        mamori_sanitize::Status::QuarantinedWhole => ExitCode::from(3),
    })
}

/// `mamori relay`: run the sanitising relay until Ctrl-C/SIGTERM, printing what it does.
pub async fn relay(args: &RelayArgs, db: &str, lang: Lang) -> anyhow::Result<ExitCode> {
    let mut config = mamori_relay::RelayConfig::new(
        args.listen,
        args.deliver.clone(),
        args.spool.clone(),
        args.accept_domains.clone(),
    );
    if let Some(path) = &args.policy {
        let text = String::from_utf8(super::read_file(path, lang)?).map_err(|_| {
            anyhow!(
                lang.pick(
                    "ポリシーファイルは UTF-8 の TOML で書いてください。",
                    "The policy file must be UTF-8 TOML."
                )
                .to_string()
            )
        })?;
        config.policy =
            mamori_sanitize::Policy::from_toml(&text).map_err(|e| anyhow!(e.message(lang)))?;
    }
    if let Some(h) = &args.hostname {
        config.hostname = h.clone();
    }
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        config.tls = Some(
            mamori_relay::TlsConfig::from_pem_files(cert, key)
                .map_err(|e| anyhow!(e.message(lang)))?,
        );
        config.require_tls = args.require_tls;
    }
    let records = if args.record_quarantine {
        let store = mamori_store::Store::open(db, mamori_store::OpenMode::Existing)
            .await
            .map_err(|e| anyhow!(e.message(lang)))?;
        let mut records = mamori_relay::QuarantineRecords::new(store);
        records.retention = chrono::TimeDelta::days(i64::from(args.retention_days));
        Some(records)
    } else {
        None
    };
    let relay = mamori_relay::Relay::bind_with(
        config,
        std::sync::Arc::new(mamori_relay::SystemClock),
        records,
    )
    .await
    .map_err(|e| anyhow!(e.message(lang)))?;
    let mut events = relay.subscribe();
    tokio::spawn(async move {
        while let Ok(event) = events.recv().await {
            eprintln!("{}", event.message(lang));
        }
    });
    println!(
        "{}",
        match lang {
            Lang::Ja => format!(
                "無害化中継を {} で起動しました（配送先 {}、停止は Ctrl-C）。",
                args.listen, args.deliver
            ),
            Lang::En => format!(
                "The sanitising relay is listening on {} (delivering to {}; Ctrl-C to stop).",
                args.listen, args.deliver
            ),
        }
    );
    relay
        .run(mamori_web::shutdown_signal())
        .await
        .map_err(|e| anyhow!(e.message(lang)))?;
    Ok(ExitCode::SUCCESS)
}
