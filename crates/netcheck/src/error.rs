//! Errors that stop verification: the input cannot be read or is malformed.

use mamori_core::Lang;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum NetcheckError {
    #[error("cannot read {path}: {reason}")]
    Io { path: String, reason: String },

    #[error("{file}: file is empty")]
    EmptyFile { file: String },

    #[error("{file}:{line}:{column}: syntax error: {message}: `{text}`")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        text: String,
        message: String,
    },

    #[error("{file}: inventory error: {message}")]
    Inventory { file: String, message: String },

    #[error("zones `{a}` and `{b}` overlap ({a_prefix} and {b_prefix})")]
    OverlappingZones {
        a: String,
        b: String,
        a_prefix: String,
        b_prefix: String,
    },

    #[error("{what} address {address} is in no declared zone")]
    AddressInNoZone { what: String, address: String },

    #[error("device `{device}` has no configuration file")]
    DeviceWithoutConfig { device: String },

    #[error("configuration file {file} belongs to no device in the inventory")]
    ConfigWithoutDevice { file: String },

    #[error("{file} is larger than the limit of {limit} bytes")]
    TooLarge { file: String, limit: u64 },
}

impl NetcheckError {
    /// Exit code for the command line: input that cannot be verified is "incomplete" (2).
    pub fn exit_code(&self) -> i32 {
        2
    }

    /// The message in the user's language (Japanese first).
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (NetcheckError::Io { path, reason }, Lang::Ja) => {
                format!("{path} を読み込めません: {reason}")
            }
            (NetcheckError::EmptyFile { file }, Lang::Ja) => {
                format!("{file}: ファイルが空です")
            }
            (
                NetcheckError::Syntax {
                    file,
                    line,
                    column,
                    text,
                    message,
                },
                Lang::Ja,
            ) => format!("{file}:{line}:{column}: 構文エラー: {message}: `{text}`"),
            (NetcheckError::Inventory { file, message }, Lang::Ja) => {
                format!("{file}: 機器構成一覧(インベントリ)の誤り: {message}")
            }
            (
                NetcheckError::OverlappingZones {
                    a,
                    b,
                    a_prefix,
                    b_prefix,
                },
                Lang::Ja,
            ) => format!(
                "ゾーン「{a}」と「{b}」のアドレスが重複しています（{a_prefix} と {b_prefix}）"
            ),
            (NetcheckError::AddressInNoZone { what, address }, Lang::Ja) => {
                format!("{what} のアドレス {address} はどのゾーンにも属していません")
            }
            (NetcheckError::DeviceWithoutConfig { device }, Lang::Ja) => {
                format!("機器「{device}」に設定ファイルが指定されていません")
            }
            (NetcheckError::ConfigWithoutDevice { file }, Lang::Ja) => {
                format!("設定ファイル {file} はインベントリのどの機器にも対応していません")
            }
            (NetcheckError::TooLarge { file, limit }, Lang::Ja) => {
                format!("{file} は上限 {limit} バイトを超えています")
            }
            (other, Lang::En) => other.to_string(),
        }
    }
}
