//! `mamori policy …`: the regulation and its subordinate documents as versioned provision trees.

use crate::cli::{PolicyCommand, Stage, Tier};
use anyhow::anyhow;
use mamori_app::policy::PolicyDocumentSpec;
use mamori_app::{Actor, Now};
use mamori_core::Lang;
use mamori_core::policy_doc::DocumentTier;
use mamori_provisions::ChangeKind;
use mamori_store::Store;
use std::process::ExitCode;

pub async fn run(
    store: &Store,
    cmd: PolicyCommand,
    actor: &Actor,
    now: Now,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    match cmd {
        PolicyCommand::Readers { set } => readers(store, set, actor, now, lang).await,
        PolicyCommand::Import {
            file,
            id,
            tier,
            title,
            summary,
            review_months,
        } => {
            let bytes = super::read_file(&file, lang)?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let spec = PolicyDocumentSpec {
                id,
                tier: tier_of(tier),
                title,
                review_months,
                change_summary: summary,
            };
            let done = mamori_app::policy::import(store, &name, &bytes, spec, actor, now)
                .await
                .map_err(|e| anyhow!(e.message(lang)))?;
            println!(
                "{}",
                match lang {
                    Lang::Ja => format!(
                        "「{}」を文書「{}」の第{}版（起案中）として取り込みました: 条 {}、附則 {}、規定 {}件。",
                        done.title,
                        done.document_id,
                        done.version,
                        done.articles,
                        done.supplementary,
                        done.provisions
                    ),
                    Lang::En => format!(
                        "Imported \"{}\" as version {} (draft) of document \"{}\": {} articles, {} supplementary provisions, {} provisions.",
                        done.title,
                        done.version,
                        done.document_id,
                        done.articles,
                        done.supplementary,
                        done.provisions
                    ),
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::List => {
            let docs = store.policy_documents().await?;
            if docs.is_empty() {
                println!(
                    "{}",
                    lang.pick(
                        "文書はまだありません（mamori policy import で取り込みます）。",
                        "No documents yet (import with mamori policy import)."
                    )
                );
            }
            for d in docs {
                println!(
                    "{}  {}  {}  {} {}",
                    d.document.id,
                    d.document.tier.label(lang),
                    d.document.title,
                    match lang {
                        Lang::Ja => format!("第{}版", d.latest_version),
                        Lang::En => format!("v{}", d.latest_version),
                    },
                    d.latest_state.label(lang)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Show { id, version } => {
            let (stored, tree) = mamori_app::policy::load(store, &id, version)
                .await?
                .ok_or_else(|| not_found(&id, version, lang))?;
            println!("{}（{}）", tree.title, stored.version.state.label(lang));
            for p in tree.provisions() {
                match &p.caption {
                    Some(c) => println!("{}（{c}） {}", p.citation, p.text),
                    None => println!("{} {}", p.citation, p.text),
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Advance {
            id,
            version,
            to,
            staff,
            instrument,
            effective,
        } => {
            let roles: Vec<mamori_core::Role> = store
                .role_assignments()
                .await?
                .into_iter()
                .filter(|a| a.staff == staff)
                .map(|a| a.role)
                .collect();
            if !store.staff().await?.iter().any(|s| s.id == staff) {
                return Err(anyhow!(match lang {
                    Lang::Ja => format!("職員番号「{staff}」は登録されていません。"),
                    Lang::En => format!("Staff ID \"{staff}\" is not registered."),
                }));
            }
            let enactment =
                match (instrument, effective) {
                    (Some(i), Some(e)) => Some((
                        i,
                        mamori_core::register::parse_date(&e).ok_or_else(|| {
                            anyhow!(match lang {
                                Lang::Ja => format!(
                                    "施行日「{e}」を読めません（例: 2024-12-02、令和6年12月2日）。"
                                ),
                                Lang::En => format!(
                                    "Cannot read the effective date \"{e}\" (e.g. 2024-12-02)."
                                ),
                            })
                        })?,
                    )),
                    (None, None) => None,
                    _ => {
                        return Err(anyhow!(
                    lang.pick(
                        "訓令番号（--instrument）と施行日（--effective）は両方指定してください。",
                        "Give both --instrument and --effective."
                    )
                    .to_string()
                ));
                    }
                };
            let state = match to {
                Stage::Draft => mamori_core::policy_doc::VersionState::Draft,
                Stage::UnderReview => mamori_core::policy_doc::VersionState::UnderReview,
                Stage::Approved => mamori_core::policy_doc::VersionState::Approved,
                Stage::InForce => mamori_core::policy_doc::VersionState::InForce,
            };
            let actor = Actor(format!("{}（{staff}）", actor.0));
            let v = store
                .advance_policy_version(
                    &id,
                    version,
                    state,
                    &roles,
                    enactment,
                    &actor.0,
                    &now.timestamp(),
                )
                .await?;
            println!(
                "{}",
                match lang {
                    Lang::Ja => format!(
                        "文書「{id}」の第{version}版を「{}」にしました。",
                        v.state.label(lang)
                    ),
                    Lang::En => format!(
                        "Version {version} of \"{id}\" is now \"{}\".",
                        v.state.label(lang)
                    ),
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Diff { id, from, to } => {
            let (_, old) = mamori_app::policy::load(store, &id, Some(from))
                .await?
                .ok_or_else(|| not_found(&id, Some(from), lang))?;
            let (_, new) = mamori_app::policy::load(store, &id, Some(to))
                .await?
                .ok_or_else(|| not_found(&id, Some(to), lang))?;
            let changes = mamori_provisions::diff(&old, &new);
            for c in &changes {
                let kind = match c.kind {
                    ChangeKind::Added => lang.pick("追加", "added"),
                    ChangeKind::Removed => lang.pick("削除", "removed"),
                    ChangeKind::Modified => lang.pick("改正", "changed"),
                };
                println!("■ {} [{kind}]", c.citation);
                if let Some(o) = &c.old {
                    println!("  {} {}", lang.pick("旧:", "old:"), o.text);
                }
                if let Some(n) = &c.new {
                    println!("  {} {}", lang.pick("新:", "new:"), n.text);
                }
            }
            println!(
                "{}",
                match lang {
                    Lang::Ja => format!("変更 {}件", changes.len()),
                    Lang::En => format!("{} changes", changes.len()),
                }
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn tier_of(t: Tier) -> DocumentTier {
    match t {
        Tier::Regulation => DocumentTier::Regulation,
        Tier::Standards => DocumentTier::Standards,
        Tier::Procedures => DocumentTier::Procedures,
    }
}

fn not_found(id: &str, version: Option<u32>, lang: Lang) -> anyhow::Error {
    anyhow!(match (lang, version) {
        (Lang::Ja, Some(v)) => format!("文書「{id}」の第{v}版はありません。"),
        (Lang::Ja, None) => format!("文書「{id}」はありません。"),
        (Lang::En, Some(v)) => format!("Document \"{id}\" has no version {v}."),
        (Lang::En, None) => format!("There is no document \"{id}\"."),
    })
}

/// Show, or set, who may open 実施手順 (第10条第2項).
async fn readers(
    store: &Store,
    set: Option<String>,
    actor: &Actor,
    now: Now,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    if let Some(list) = set {
        let mut roles = Vec::new();
        for id in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let role = mamori_core::Role::parse(id).ok_or_else(|| {
                anyhow!(match lang {
                    Lang::Ja => format!(
                        "役割「{id}」はありません（例: ciso, chief-security-officer, auditor）。"
                    ),
                    Lang::En => format!(
                        "There is no role \"{id}\" (e.g. ciso, chief-security-officer, auditor)."
                    ),
                })
            })?;
            roles.push(role);
        }
        store
            .set_procedure_readers(&roles, &actor.0, &now.timestamp())
            .await
            .map_err(|e| anyhow!(e.message(lang)))?;
    }
    let (roles, default) = match store.procedure_readers().await? {
        Some(r) => (r, false),
        None => (
            mamori_core::access::DEFAULT_PROCEDURE_READERS.to_vec(),
            true,
        ),
    };
    let labels: Vec<String> = roles
        .iter()
        .map(|r| format!("{}（{}）", r.label(lang), r.id()))
        .collect();
    println!(
        "{}{}",
        lang.pick(
            "実施手順を閲覧できる役割: ",
            "Roles that may open the procedures: "
        ),
        labels.join(lang.pick("、", ", "))
    );
    if default {
        println!(
            "{}",
            lang.pick(
                "（既定値。--set で変更できます）",
                "(the default; change it with --set)"
            )
        );
    }
    Ok(ExitCode::SUCCESS)
}
