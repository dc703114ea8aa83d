//! One function per subcommand: read the arguments, call the use case, print the result.

mod mail;
mod measures;
mod net;
mod policy;
mod risk;
mod web;

use crate::cli::SchemeCommand;
use crate::cli::{
    AssetsCommand, AuditCommand, Cli, Command, Encoding, FilterArgs, InitArgs, Model, SeedArgs,
};
use crate::output::table;
use anyhow::{Context, anyhow};
use mamori_app::{Actor, Now};
use mamori_core::{Dimension, Lang, ModelVariant, Scheme, Zone};
use mamori_sheets::{CsvEncoding, Format};
use mamori_store::{AssetFilter, AuditVerdict, OpenMode, Store};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

pub async fn run(cli: Cli, lang: Lang) -> anyhow::Result<ExitCode> {
    let actor = actor();
    let now = Now(chrono::Utc::now());
    match cli.command {
        Command::Init(args) => init(&cli.db, args, &actor, now, lang).await,
        Command::SeedDemo(args) => seed_demo(&cli.db, &args, &actor, now, lang).await,
        Command::Demo(args) => web::demo(&cli.db, &args, &actor, now, lang).await,
        Command::Serve(args) => web::serve(&cli.db, &args, lang).await,
        Command::User(cmd) => web::user(&cli.db, cmd, &actor, now, lang).await,
        Command::Assets(cmd) => {
            let store = Store::open(&cli.db, OpenMode::Existing).await?;
            match cmd {
                AssetsCommand::Import { file, dry_run } => {
                    import(&store, &file, dry_run, &actor, now, lang).await
                }
                AssetsCommand::Export {
                    file,
                    encoding,
                    filter,
                } => export(&store, &file, encoding, &filter, lang).await,
                AssetsCommand::List {
                    filter,
                    json,
                    limit,
                    all,
                    timing,
                } => {
                    // A terminal gets a page, not a dump of the whole register; JSON is for
                    // programs and gets everything unless a limit is given.
                    let limit = match (all, json, limit) {
                        (true, _, _) => None,
                        (false, _, Some(l)) => Some(l),
                        (false, true, None) => None,
                        (false, false, None) => Some(DEFAULT_PAGE),
                    };
                    list(&store, &filter, json, limit, timing, lang).await
                }
            }
        }
        Command::Check(args) => {
            let store = Store::open(&cli.db, OpenMode::Existing).await?;
            check(&store, args.json, now, lang).await
        }
        Command::Audit(cmd) => {
            let store = Store::open(&cli.db, OpenMode::Existing).await?;
            match cmd {
                AuditCommand::Verify => audit_verify(&store, lang).await,
                AuditCommand::Log { limit } => audit_log(&store, limit).await,
            }
        }
        Command::Net(crate::cli::NetCommand::Check(args)) => net::check(&args, lang),
        Command::Sanitize(args) => mail::sanitize(&args, lang),
        Command::Relay(args) => mail::relay(&args, &cli.db, lang).await,
        Command::Org(crate::cli::OrgCommand::Roles { json }) => {
            let store = Store::open(&cli.db, OpenMode::Existing).await?;
            org_roles(&store, json, lang).await
        }
        Command::Measures(cmd) => {
            let store = Store::open(&cli.db, OpenMode::Existing).await?;
            measures::run(&store, cmd, &actor, now, lang).await
        }
        Command::Risk(cmd) => {
            let store = Store::open(&cli.db, OpenMode::Existing).await?;
            risk::run(&store, cmd, &actor, now, lang).await
        }
        Command::Policy(cmd) => {
            let store = Store::open(&cli.db, OpenMode::Existing).await?;
            policy::run(&store, cmd, &actor, now, lang).await
        }
        Command::Scheme(cmd) => {
            let store = Store::open(&cli.db, OpenMode::Existing).await?;
            match cmd {
                SchemeCommand::Show { json } => scheme_show(&store, json, lang).await,
                SchemeCommand::Update { file } => {
                    scheme_update(&store, &file, &actor, now, lang).await
                }
            }
        }
    }
}

/// The audit log's "who": the operating-system user at the terminal.
fn actor() -> Actor {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    Actor(format!("cli:{user}"))
}

fn scheme(id: &str) -> anyhow::Result<Scheme> {
    Scheme::builtin(id).ok_or_else(|| anyhow!("unknown scheme {id}"))
}

pub(crate) fn model(m: Model) -> ModelVariant {
    match m {
        Model::Alpha => ModelVariant::Alpha,
        Model::Beta => ModelVariant::Beta,
        Model::BetaPrime => ModelVariant::BetaPrime,
        Model::AlphaPrime => ModelVariant::AlphaPrime,
    }
}

async fn init(
    db: &str,
    args: InitArgs,
    actor: &Actor,
    now: Now,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let scheme = scheme(&args.scheme)?;
    let name = args.name.trim();
    if name.is_empty() {
        return Err(anyhow!(
            lang.pick(
                "団体名（--name）を指定してください。",
                "Give the organisation name (--name)."
            )
            .to_string()
        ));
    }
    let store = Store::open(db, OpenMode::Create).await?;
    store
        .init_organisation(name, &scheme, model(args.model), &actor.0, &now.timestamp())
        .await?;
    println!(
        "{}",
        match lang {
            Lang::Ja => format!(
                "「{name}」を初期化しました（分類基準: {}、{}）。データベース: {db}",
                scheme.name.ja,
                model(args.model).label(lang)
            ),
            Lang::En => format!(
                "Initialised \"{name}\" (scheme: {}, {}). Database: {db}",
                scheme.name.en,
                model(args.model).label(lang)
            ),
        }
    );
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn seed_demo(
    db: &str,
    args: &SeedArgs,
    actor: &Actor,
    now: Now,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let store = Store::open(db, OpenMode::Create).await?;
    let scheme = scheme(&args.scheme)?;
    eprintln!(
        "{}",
        lang.pick("デモデータを作成しています…", "Creating demo data…")
    );
    let started = Instant::now();
    let s = mamori_app::demo::seed(&store, args.assets, args.seed, &scheme, actor, now).await?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}",
        match lang {
            Lang::Ja => format!(
                "{}（架空）を作成しました: 組織 {}、職員 {}、情報システム {}、役割の任命 {}、情報資産 {}件（{secs:.1}秒）。データベース: {db}",
                mamori_app::demo::CITY_NAME,
                s.departments,
                s.staff,
                s.systems,
                s.assignments,
                s.assets.created
            ),
            Lang::En => format!(
                "Created the fictional city {}: {} departments, {} staff, {} information systems, {} role appointments, {} assets ({secs:.1} s). Database: {db}",
                mamori_app::demo::CITY_NAME,
                s.departments,
                s.staff,
                s.systems,
                s.assignments,
                s.assets.created
            ),
        }
    );
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn read_file(path: &Path, lang: Lang) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| match lang {
        Lang::Ja => format!("ファイル {} を読めません", path.display()),
        Lang::En => format!("cannot read {}", path.display()),
    })
}

async fn import(
    store: &Store,
    file: &Path,
    dry_run: bool,
    actor: &Actor,
    now: Now,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let bytes = read_file(file, lang)?;
    eprintln!(
        "{}",
        match lang {
            Lang::Ja => format!("{} を読み込み、検証しています…", file.display()),
            Lang::En => format!("Reading and validating {}…", file.display()),
        }
    );
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Row errors are printed by the caller's error printer, all of them with row and column.
    let report = mamori_app::register::import(store, &name, &bytes, dry_run, actor, now).await?;
    if !report.ignored_columns.is_empty() {
        eprintln!(
            "{}",
            match lang {
                Lang::Ja => format!(
                    "注意: 次の列は台帳の項目ではないため読み込んでいません: {}",
                    report.ignored_columns.join("、")
                ),
                Lang::En => format!(
                    "Note: these columns are not register fields and were not read: {}",
                    report.ignored_columns.join(", ")
                ),
            }
        );
    }
    let s = report.summary;
    println!(
        "{}",
        match (lang, report.dry_run) {
            (Lang::Ja, true) => format!(
                "検証のみ（書き込みなし）: {}行すべて正常です。取り込むと 新規 {}件、更新 {}件、変更なし {}件 になります。",
                report.rows, s.created, s.updated, s.unchanged
            ),
            (Lang::Ja, false) => format!(
                "取り込みました: {}行（新規 {}件、更新 {}件、変更なし {}件）。",
                report.rows, s.created, s.updated, s.unchanged
            ),
            (Lang::En, true) => format!(
                "Dry run (nothing written): all {} rows are valid. Importing would create {}, update {}, leave {} unchanged.",
                report.rows, s.created, s.updated, s.unchanged
            ),
            (Lang::En, false) => format!(
                "Imported {} rows: {} created, {} updated, {} unchanged.",
                report.rows, s.created, s.updated, s.unchanged
            ),
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// Turn the CLI's filter words into a store filter, checked against the organisation's scheme.
async fn filter(store: &Store, args: &FilterArgs, lang: Lang) -> anyhow::Result<AssetFilter> {
    let mut f = AssetFilter {
        department: args.department.clone(),
        ..Default::default()
    };
    if let Some(z) = &args.zone {
        f.zone = Some(Zone::parse(z).ok_or_else(|| {
            anyhow!(match lang {
                Lang::Ja => format!("ネットワーク区分「{z}」は使えません。mynumber、lgwan、internet、external のいずれかを指定してください。"),
                Lang::En => format!("Unknown zone \"{z}\". Use mynumber, lgwan, internet or external."),
            })
        })?);
    }
    if let Some(level) = &args.min_confidentiality {
        let org = store.organisation().await?;
        let scale = org.scheme.scale(Dimension::Confidentiality);
        f.min_confidentiality_rank = Some(scale.rank(level).ok_or_else(|| {
            let codes = scale.codes().into_iter().rev().collect::<Vec<_>>();
            anyhow!(match lang {
                Lang::Ja => format!(
                    "機密性「{level}」は分類基準にありません。{}のいずれかを指定してください。",
                    codes.join("、")
                ),
                Lang::En => format!(
                    "Confidentiality \"{level}\" is not in the scheme. Use one of {}.",
                    codes.join(", ")
                ),
            })
        })?);
    }
    Ok(f)
}

async fn export(
    store: &Store,
    file: &Path,
    encoding: Encoding,
    args: &FilterArgs,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let format = match ext.as_deref() {
        Some("xlsx") => Format::Xlsx,
        Some("csv") => Format::Csv,
        _ => {
            return Err(anyhow!(
                lang.pick(
                    "書き出し先のファイル名は .xlsx 又は .csv で終えてください。",
                    "The output file name must end in .xlsx or .csv."
                )
                .to_string()
            ));
        }
    };
    let encoding = match encoding {
        Encoding::Utf8 => CsvEncoding::Utf8Bom,
        Encoding::Cp932 => CsvEncoding::Cp932,
    };
    let f = filter(store, args, lang).await?;
    let (bytes, rows) = mamori_app::register::export(store, format, encoding, &f, lang).await?;
    write_atomically(file, &bytes, lang)?;
    println!(
        "{}",
        match lang {
            Lang::Ja => format!("{}件を {} に書き出しました。", rows, file.display()),
            Lang::En => format!("Exported {} assets to {}.", rows, file.display()),
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// Rows a terminal listing shows unless told otherwise.
const DEFAULT_PAGE: i64 = 100;

async fn list(
    store: &Store,
    args: &FilterArgs,
    json: bool,
    limit: Option<i64>,
    timing: bool,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let mut f = filter(store, args, lang).await?;
    f.limit = limit;
    let started = Instant::now();
    let assets = store.assets(&f).await?;
    let total = match limit {
        Some(l) if assets.len() as i64 >= l => store.count_matching(&f).await?,
        _ => assets.len() as i64,
    };
    let elapsed = started.elapsed();
    if json {
        println!("{}", serde_json::to_string_pretty(&assets)?);
    } else {
        let departments = store.departments().await?;
        let dept_name = |code: &Option<String>| {
            code.as_deref()
                .and_then(|c| departments.iter().find(|d| d.code == c))
                .map(|d| d.name.clone())
                .unwrap_or_default()
        };
        let rows: Vec<Vec<String>> = assets
            .iter()
            .map(|a| {
                let c = &a.classification;
                vec![
                    a.id.clone(),
                    a.name.clone(),
                    dept_name(&a.department),
                    a.zone
                        .map(|z| z.label(lang).to_string())
                        .unwrap_or_default(),
                    format!(
                        "{}/{}/{}",
                        c.confidentiality.as_deref().unwrap_or("-"),
                        c.integrity.as_deref().unwrap_or("-"),
                        c.availability.as_deref().unwrap_or("-")
                    ),
                    a.status.label(lang).to_string(),
                ]
            })
            .collect();
        let headers = [
            lang.pick("資産番号", "ID"),
            lang.pick("情報資産名", "Name"),
            lang.pick("所管課", "Department"),
            lang.pick("ネットワーク区分", "Zone"),
            lang.pick("機密性/完全性/可用性", "C/I/A"),
            lang.pick("状態", "Status"),
        ];
        print!("{}", table(&headers, &rows));
        let shown = assets.len() as i64;
        println!(
            "{}",
            match (lang, shown < total) {
                (Lang::Ja, false) => format!("{total}件"),
                (Lang::En, false) => format!("{total} assets"),
                (Lang::Ja, true) => format!(
                    "全{total}件のうち{shown}件を表示しました。すべて表示するには --all、ファイルに出すには assets export を使ってください。"
                ),
                (Lang::En, true) => format!(
                    "Showing {shown} of {total} assets. Use --all for every one, or assets export for a file."
                ),
            }
        );
    }
    if timing {
        eprintln!(
            "query: {:.2} ms ({} of {total} rows)",
            elapsed.as_secs_f64() * 1000.0,
            assets.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn check(store: &Store, json: bool, now: Now, lang: Lang) -> anyhow::Result<ExitCode> {
    let findings = mamori_app::check::findings(store, now).await?;
    if json {
        let out: Vec<serde_json::Value> = findings
            .iter()
            .map(|f| {
                serde_json::json!({
                    "rule": f.rule,
                    "article": f.citation.to_string(),
                    "article_en": f.citation.english(),
                    "asset_id": f.asset_id,
                    "asset_name": f.asset_name,
                    "title": f.title.get(lang),
                    "detail": f.detail.get(lang),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else if findings.is_empty() {
        println!("{}", lang.pick("指摘事項はありません。", "No findings."));
    } else {
        for f in &findings {
            let article = match lang {
                Lang::Ja => f.citation.to_string(),
                Lang::En => f.citation.english(),
            };
            println!(
                "[{article}] {} {}: {}",
                f.asset_id,
                f.asset_name,
                f.title.get(lang)
            );
            println!("    {}", f.detail.get(lang));
        }
        println!(
            "{}",
            match lang {
                Lang::Ja => format!("指摘 {}件", findings.len()),
                Lang::En => format!("{} findings", findings.len()),
            }
        );
    }
    Ok(if findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn audit_verify(store: &Store, lang: Lang) -> anyhow::Result<ExitCode> {
    let verdict = store.verify_audit().await?;
    match &verdict {
        AuditVerdict::Intact { .. } => {
            println!("{}", verdict.message(lang));
            Ok(ExitCode::SUCCESS)
        }
        AuditVerdict::Broken { .. } => {
            eprintln!("{}", verdict.message(lang));
            Ok(ExitCode::from(1))
        }
    }
}

async fn audit_log(store: &Store, limit: i64) -> anyhow::Result<ExitCode> {
    for e in store.audit_entries(limit, None).await? {
        println!(
            "{:>6}  {}  {}  {} {} {}",
            e.seq, e.at, e.actor, e.action, e.entity, e.entity_id
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn scheme_show(store: &Store, json: bool, lang: Lang) -> anyhow::Result<ExitCode> {
    let scheme = store.organisation().await?.scheme;
    if json {
        println!("{}", serde_json::to_string_pretty(&scheme)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}（{}）", scheme.name.get(lang), scheme.id);
    for d in Dimension::ALL {
        println!();
        println!("■ {}", d.label(lang));
        for level in scheme.scale(d).levels.iter().rev() {
            println!(
                "  {}: {}",
                level.label.get(lang),
                level.definition.get(lang)
            );
            let h = &level.handling;
            for (what, text) in [
                (lang.pick("表示", "Labelling"), &h.labelling),
                (lang.pick("保管", "Storage"), &h.storage),
                (lang.pick("複製", "Copying"), &h.copying),
                (lang.pick("送信", "Transmission"), &h.transmission),
                (lang.pick("持ち出し", "Carrying out"), &h.carrying_out),
                (lang.pick("廃棄", "Disposal"), &h.disposal),
            ] {
                println!("      {what}: {}", text.get(lang));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn scheme_update(
    store: &Store,
    file: &Path,
    actor: &Actor,
    now: Now,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let bytes = read_file(file, lang)?;
    let edited: Scheme = serde_json::from_slice(&bytes).map_err(|e| {
        anyhow!(match lang {
            Lang::Ja => format!("{} は分類基準の JSON として読めません（{}行{}列: {e}）。mamori scheme show --json の出力を編集してください。", file.display(), e.line(), e.column()),
            Lang::En => format!("{} is not a scheme JSON ({}:{}: {e}). Edit the output of mamori scheme show --json.", file.display(), e.line(), e.column()),
        })
    })?;
    store
        .update_scheme(&edited, &actor.0, &now.timestamp())
        .await?;
    println!(
        "{}",
        lang.pick(
            "分類基準の文言を更新しました。",
            "Updated the scheme texts."
        )
    );
    Ok(ExitCode::SUCCESS)
}

async fn org_roles(store: &Store, json: bool, lang: Lang) -> anyhow::Result<ExitCode> {
    let (assignments, staff, departments, systems) = (
        store.role_assignments().await?,
        store.staff().await?,
        store.departments().await?,
        store.systems().await?,
    );
    if json {
        println!("{}", serde_json::to_string_pretty(&assignments)?);
        return Ok(ExitCode::SUCCESS);
    }
    for role in mamori_core::Role::ALL {
        let holders: Vec<String> = assignments
            .iter()
            .filter(|a| a.role == role)
            .map(|a| {
                let name = staff
                    .iter()
                    .find(|s| s.id == a.staff)
                    .map(|s| s.name.as_str())
                    .unwrap_or("?");
                let scope = match &a.scope {
                    mamori_core::RoleScope::Organisation => String::new(),
                    mamori_core::RoleScope::Department(c) => {
                        format!(
                            "（{}）",
                            departments
                                .iter()
                                .find(|d| &d.code == c)
                                .map(|d| d.name.as_str())
                                .unwrap_or(c)
                        )
                    }
                    mamori_core::RoleScope::System(c) => {
                        format!(
                            "（{}）",
                            systems
                                .iter()
                                .find(|s| &s.code == c)
                                .map(|s| s.name.as_str())
                                .unwrap_or(c)
                        )
                    }
                };
                format!("{} {name}{scope}", a.staff)
            })
            .collect();
        println!("■ {}（{}）", role.label(lang), role.citation());
        if holders.is_empty() {
            println!("  {}", lang.pick("（未任命）", "(none)"));
        }
        for h in holders {
            println!("  {h}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Write beside the target and rename, so a failed write never leaves half a file behind.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8], lang: Lang) -> anyhow::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!("{name}.part"));
    std::fs::write(&tmp, bytes)
        .and_then(|_| std::fs::rename(&tmp, path))
        .with_context(|| match lang {
            Lang::Ja => format!("{} に書き込めません", path.display()),
            Lang::En => format!("cannot write {}", path.display()),
        })
}

/// Reports that only make sense in Excel are written as .xlsx; say so before doing any work.
pub(crate) fn require_xlsx(path: &Path, lang: Lang) -> anyhow::Result<()> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if ext.as_deref() == Some("xlsx") {
        Ok(())
    } else {
        Err(anyhow!(
            lang.pick(
                "書き出し先は .xlsx にしてください。",
                "The output file must end in .xlsx."
            )
            .to_string()
        ))
    }
}
