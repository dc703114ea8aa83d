//! `mamori serve`, `mamori demo` and `mamori user …`: the web application and its accounts.

use crate::cli::{DemoArgs, ServeArgs, UserCommand};
use anyhow::anyhow;
use mamori_app::{Actor, Now};
use mamori_core::Lang;
use mamori_store::{OpenMode, Store, StoreError};
use rand::Rng;
use std::process::ExitCode;

/// Logins `mamori demo` makes, one per role (see mamori_web::accounts::demo_accounts).
const DEMO_LOGINS: [&str; 7] = [
    "ciso",
    "tokatsu",
    "sekininsha",
    "kanrisha",
    "system",
    "kansa",
    "shokuin",
];

fn config(args: &ServeArgs, lang: Lang) -> anyhow::Result<mamori_web::ServerConfig> {
    let mut c = mamori_web::ServerConfig::new(args.listen);
    c.secure_cookies = args.secure_cookies;
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        c.tls = Some(
            mamori_web::TlsConfig::from_pem_files(cert, key)
                .map_err(|e| anyhow!(e.message(lang)))?,
        );
    }
    Ok(c)
}

pub async fn serve(db: &str, args: &ServeArgs, lang: Lang) -> anyhow::Result<ExitCode> {
    let store = Store::open(db, OpenMode::Existing).await?;
    store.organisation().await?;
    // Certificate problems stop here, before anything listens.
    let config = config(args, lang)?;
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    println!(
        "{}",
        match lang {
            Lang::Ja => format!(
                "mamori を {scheme}://{} で起動しました（停止は Ctrl-C）。",
                args.listen
            ),
            Lang::En => format!(
                "mamori is serving on {scheme}://{} (Ctrl-C to stop).",
                args.listen
            ),
        }
    );
    mamori_web::serve(store, config, mamori_web::shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// A password people can type: 16 characters without look-alikes.
fn generated_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY346789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

pub async fn demo(
    db: &str,
    args: &DemoArgs,
    actor: &Actor,
    now: Now,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let store = Store::open(db, OpenMode::Create).await?;
    let fresh = match store.organisation().await {
        Ok(org) => {
            println!(
                "{}",
                match lang {
                    Lang::Ja => format!("既存のデータベースを使います: {}（{db}）", org.name),
                    Lang::En => format!("Using the existing database: {} ({db})", org.name),
                }
            );
            false
        }
        Err(StoreError::NotInitialised) => {
            super::seed_demo(db, &args.seed, actor, now, lang).await?;
            // The policy library, threats, measures and risk register, so that every page has content.
            mamori_app::demo_policy::seed(&store, actor, now)
                .await
                .map_err(|e| anyhow!(e.message(lang)))?;
            true
        }
        Err(e) => return Err(e.into()),
    };
    // Fresh passwords every start: a demo's passwords are printed, so they should not outlive it.
    let mut accounts: Vec<(String, String, String)> = Vec::new();
    if !fresh {
        for login in DEMO_LOGINS {
            let password = generated_password();
            if mamori_web::accounts::set_password(
                &store,
                login,
                &password,
                actor,
                now,
                &mut rand::rng(),
            )
            .await
            .is_ok()
            {
                // New passwords, new authenticator registrations: nothing from an earlier demo
                // run keeps working.
                mamori_web::mfa::reset(&store, login, actor, now)
                    .await
                    .map_err(|e| anyhow!(e.message(lang)))?;
                accounts.push((login.to_string(), login.to_string(), password));
            }
        }
    }
    if accounts.is_empty() {
        accounts = mamori_web::accounts::demo_accounts(&store, actor, now, &mut rand::rng())
            .await
            .map_err(|e| anyhow!(e.message(lang)))?
            .into_iter()
            .map(|a| (a.role_label, a.login, a.password))
            .collect();
    }
    println!();
    println!(
        "{}",
        lang.pick(
            "■ デモ用アカウント（役割ごと）",
            "■ Demo accounts (one per role)"
        )
    );
    let rows: Vec<Vec<String>> = accounts
        .into_iter()
        .map(|(role, login, password)| vec![role, login, password])
        .collect();
    let headers = [
        lang.pick("役割", "Role"),
        lang.pick("ログイン名", "Login"),
        lang.pick("パスワード", "Password"),
    ];
    print!("{}", crate::output::table(&headers, &rows));
    println!();
    println!(
        "{}",
        lang.pick(
            "※ 管理者・情報セキュリティ責任者・管理者・監査担当など機密性3の情報を扱う役割は、最初のログインで\n   認証アプリ（TOTP）の登録を求められます。画面の QR コードを読み取るか、表示されたキーを入力してください。\n   一般職員はパスワードだけでログインできます。",
            "Note: administrators and the other roles that handle confidentiality-3 information (security officers and\n  administrators, auditors) are asked to register an authenticator app (TOTP) at their first sign-in: scan the\n  QR code or type the key shown. Ordinary staff sign in with the password alone."
        )
    );
    println!();
    serve(db, &args.serve, lang).await
}

fn password_from_stdin(lang: Lang) -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let p = line.trim_end_matches(['\r', '\n']).to_string();
    if p.is_empty() {
        return Err(anyhow!(
            lang.pick(
                "標準入力からパスワードを読めませんでした。",
                "No password on standard input."
            )
            .to_string()
        ));
    }
    Ok(p)
}

pub async fn user(
    db: &str,
    cmd: UserCommand,
    actor: &Actor,
    now: Now,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    let store = Store::open(db, OpenMode::Existing).await?;
    let fail = |e: mamori_web::accounts::AccountError| anyhow!(e.message(lang));
    match cmd {
        UserCommand::Add {
            login,
            staff,
            lang: ui_lang,
            password_stdin,
        } => {
            let (password, shown) = if password_stdin {
                (password_from_stdin(lang)?, false)
            } else {
                (generated_password(), true)
            };
            let account = mamori_web::accounts::NewAccount {
                login: &login,
                staff_id: &staff,
                password: &password,
                lang: if ui_lang == "en" { Lang::En } else { Lang::Ja },
            };
            mamori_web::accounts::create_user(&store, account, actor, now, &mut rand::rng())
                .await
                .map_err(fail)?;
            match (lang, shown) {
                (Lang::Ja, true) => println!(
                    "アカウント「{login}」を作成しました。初期パスワード: {password}（初回サインイン後に変更してください）"
                ),
                (Lang::En, true) => println!(
                    "Created the account \"{login}\". Initial password: {password} (change it after signing in)"
                ),
                (Lang::Ja, false) => println!("アカウント「{login}」を作成しました。"),
                (Lang::En, false) => println!("Created the account \"{login}\"."),
            }
        }
        UserCommand::Passwd {
            login,
            password_stdin,
        } => {
            let (password, shown) = if password_stdin {
                (password_from_stdin(lang)?, false)
            } else {
                (generated_password(), true)
            };
            mamori_web::accounts::set_password(
                &store,
                &login,
                &password,
                actor,
                now,
                &mut rand::rng(),
            )
            .await
            .map_err(fail)?;
            match (lang, shown) {
                (Lang::Ja, true) => println!(
                    "「{login}」のパスワードを設定し直しました: {password}（すべてのセッションを終了しました）"
                ),
                (Lang::En, true) => {
                    println!("Reset the password of \"{login}\": {password} (all sessions ended)")
                }
                (Lang::Ja, false) => println!(
                    "「{login}」のパスワードを設定し直しました（すべてのセッションを終了しました）。"
                ),
                (Lang::En, false) => {
                    println!("Reset the password of \"{login}\" (all sessions ended).")
                }
            }
        }
        UserCommand::Disable { login } => {
            mamori_web::accounts::disable_user(&store, &login, actor, now)
                .await
                .map_err(fail)?;
            println!(
                "{}",
                match lang {
                    Lang::Ja => format!("「{login}」を無効にしました。"),
                    Lang::En => format!("Disabled \"{login}\"."),
                }
            );
        }
        UserCommand::ResetMfa { login } => {
            let removed = mamori_web::mfa::reset(&store, &login, actor, now)
                .await
                .map_err(fail)?;
            println!(
                "{}",
                match (lang, removed) {
                    (Lang::Ja, true) => format!(
                        "「{login}」の多要素認証の登録を初期化しました。次回ログイン時に認証アプリを登録し直します。"
                    ),
                    (Lang::En, true) => format!(
                        "Reset the multi-factor authentication of \"{login}\"; they register an authenticator app again at their next sign-in."
                    ),
                    (Lang::Ja, false) => {
                        format!("「{login}」は多要素認証を登録していません。何も変更していません。")
                    }
                    (Lang::En, false) => format!(
                        "\"{login}\" has no multi-factor authentication enrolled. Nothing was changed."
                    ),
                }
            );
        }
        UserCommand::Enable { login } => {
            mamori_web::accounts::enable_user(&store, &login, actor, now)
                .await
                .map_err(fail)?;
            println!(
                "{}",
                match lang {
                    Lang::Ja => format!("「{login}」を有効にしました。"),
                    Lang::En => format!("Enabled \"{login}\"."),
                }
            );
        }
        UserCommand::Token { login, name } => {
            let created = mamori_web::tokens::create_token(
                &store,
                &login,
                &name,
                &actor.0,
                now,
                &mut rand::rng(),
            )
            .await?;
            // Only the token on standard output, so that scripts can capture it.
            eprintln!(
                "{}",
                match lang {
                    Lang::Ja => format!(
                        "「{login}」の API トークン（{name}）を作成しました。二度と表示されません:"
                    ),
                    Lang::En => format!(
                        "Created an API token ({name}) for \"{login}\". It will not be shown again:"
                    ),
                }
            );
            println!("{}", created.token);
        }
    }
    Ok(ExitCode::SUCCESS)
}
