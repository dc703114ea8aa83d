use mamori_core::Lang;

/// Everything that can go wrong in the store, phrased for the person who has to act on it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database {url}: {source}")]
    Open { url: String, source: sqlx::Error },
    #[error("database file {0} does not exist")]
    Missing(String),
    #[error("unsupported database URL {0}")]
    UnsupportedUrl(String),
    #[error("the database is locked by another process")]
    Locked,
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the organisation is not initialised; run `mamori init` first")]
    NotInitialised,
    #[error("the organisation is already initialised as {0}")]
    AlreadyInitialised(String),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("{entity} {id} does not exist")]
    NotFound { entity: &'static str, id: String },
    #[error("{0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if is_locked(&e) {
            StoreError::Locked
        } else {
            StoreError::Database(e)
        }
    }
}

fn is_locked(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            let m = db.message();
            m.contains("database is locked") || m.contains("database table is locked")
        }
        _ => false,
    }
}

impl StoreError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (StoreError::Open { url, source }, Lang::Ja) => {
                if is_locked(source) {
                    format!("データベース {url} は他の処理が使用中です。しばらく待ってからやり直してください。")
                } else {
                    format!("データベース {url} を開けません（{source}）。パスや接続先、権限を確認してください。")
                }
            }
            (StoreError::Open { url, source }, Lang::En) => format!(
                "Cannot open the database {url} ({source}). Check the path or server and the permissions."
            ),
            (StoreError::Missing(path), Lang::Ja) => format!(
                "データベース {path} を開けません。ファイルがありません。`mamori init` で作成するか、--db で正しいファイルを指定してください。"
            ),
            (StoreError::Missing(path), Lang::En) => format!(
                "Cannot open the database {path}: the file does not exist. Create it with `mamori init` or give the right file with --db."
            ),
            (StoreError::UnsupportedUrl(url), Lang::Ja) => format!(
                "データベースURL「{url}」は使えません。ファイル名（例: ./mamori.db）、sqlite://… 又は postgres://… を指定してください。"
            ),
            (StoreError::UnsupportedUrl(url), Lang::En) => format!(
                "The database URL \"{url}\" is not supported. Give a file name (./mamori.db), sqlite://… or postgres://…."
            ),
            (StoreError::Locked, Lang::Ja) => "データベースは他の処理が使用中（ロック中）です。しばらく待ってからやり直してください。何も変更していません。".into(),
            (StoreError::Locked, Lang::En) => "The database is locked by another process. Try again shortly; nothing was changed.".into(),
            (StoreError::Migrate(e), Lang::Ja) => format!("データベースの更新（マイグレーション）に失敗しました: {e}"),
            (StoreError::Migrate(e), Lang::En) => format!("Updating the database schema failed: {e}"),
            (StoreError::NotInitialised, Lang::Ja) => "組織が初期化されていません。先に `mamori init` を実行してください。".into(),
            (StoreError::NotInitialised, Lang::En) => "The organisation is not initialised. Run `mamori init` first.".into(),
            (StoreError::AlreadyInitialised(name), Lang::Ja) => format!("このデータベースは「{name}」として初期化済みです。"),
            (StoreError::AlreadyInitialised(name), Lang::En) => format!("This database is already initialised as \"{name}\"."),
            (StoreError::Corrupt(what), Lang::Ja) => format!("保存されたデータが壊れています: {what}"),
            (StoreError::Corrupt(what), Lang::En) => format!("Stored data is damaged: {what}"),
            (StoreError::NotFound { entity, id }, Lang::Ja) => format!("{entity}「{id}」は存在しません。"),
            (StoreError::NotFound { entity, id }, Lang::En) => format!("{entity} \"{id}\" does not exist."),
            (StoreError::Invalid(m), _) => m.clone(),
            (StoreError::Database(e), Lang::Ja) => format!("データベースの処理に失敗しました。何も変更していません（{e}）。"),
            (StoreError::Database(e), Lang::En) => format!("The database operation failed; nothing was changed ({e})."),
        }
    }
}
