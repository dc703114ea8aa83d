//! Command-line arguments. Help is bilingual because clap's help is fixed at build time.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "mamori",
    version,
    about = "mamori（守り）— 情報セキュリティ対策規程の運用 / information-security management for municipalities"
)]
pub struct Cli {
    /// データベース（ファイル名、sqlite://… 又は postgres://…） / database file or URL
    #[arg(long, global = true, env = "MAMORI_DATABASE_URL", default_value = mamori_store::DEFAULT_DATABASE)]
    pub db: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// 組織を初期化する / initialise the organisation
    Init(InitArgs),
    /// 架空の市（あおば市）のデモデータを作る / create a fictional demo city
    SeedDemo(SeedArgs),
    /// デモの市を用意し、役割ごとのアカウントを表示してサーバを起動する / seed a demo city and serve it
    Demo(DemoArgs),
    /// Web サーバを起動する / serve the web application
    Serve(ServeArgs),
    /// 利用者アカウント / user accounts
    #[command(subcommand)]
    User(UserCommand),
    /// 情報資産台帳 / the asset register
    #[command(subcommand)]
    Assets(AssetsCommand),
    /// 規程に照らした点検（指摘があれば終了コード1） / compliance check (exit 1 on findings)
    Check(CheckArgs),
    /// 監査ログ / the audit log
    #[command(subcommand)]
    Audit(AuditCommand),
    /// 分類基準（機密性・完全性・可用性） / the classification scheme
    #[command(subcommand)]
    Scheme(SchemeCommand),
    /// ネットワーク（三層の対策の検証） / network: verify the three-tier separation
    #[command(subcommand)]
    Net(NetCommand),
    /// 無害化 SMTP 中継（インターネット側 MTA → mamori → LGWAN 側 MTA） / the sanitising SMTP relay
    Relay(RelayArgs),
    /// メール1通を無害化する（3: 解析できず全体を隔離） / sanitise one internet mail (exit 3: quarantined whole)
    Sanitize(SanitizeArgs),
    /// 規程・対策基準・実施手順（第9条・第10条） / policy documents
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// リスク分析（第8条） / risk analysis
    #[command(subcommand)]
    Risk(RiskCommand),
    /// 組織（第5条の体制） / the organisation
    #[command(subcommand)]
    Org(OrgCommand),
    /// 対策（第6条）の実施状況と適用宣言書 / measures: status and statement of applicability
    #[command(subcommand)]
    Measures(MeasuresCommand),
}

#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    /// 第5条の役割と任命されている職員 / the 第5条 roles and who holds them
    Roles {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum MeasuresCommand {
    /// 対策の一覧と全体の実施状況 / the catalogue with overall status
    List,
    /// 所属又は情報システムごとの実施状況を記録する / record the status for a department or system
    Set {
        /// 対策番号（例: M-11） / measure ID
        measure: String,
        /// 所属コード / department code
        #[arg(long, conflicts_with = "system", required_unless_present = "system")]
        department: Option<String>,
        /// 情報システムコード / system code
        #[arg(long)]
        system: Option<String>,
        #[arg(long, value_enum)]
        status: MeasureStatus,
        /// 証跡（ファイル名・文書番号、複数可） / evidence references
        #[arg(long)]
        evidence: Vec<String>,
        /// 評価日（省略時は今日） / assessment date (default today)
        #[arg(long)]
        date: Option<String>,
        /// 対象外の理由 / why not applicable
        #[arg(long, default_value = "")]
        justification: String,
    },
    /// 適用宣言書を xlsx に書き出す / export the statement of applicability
    Export { file: PathBuf },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum MeasureStatus {
    Implemented,
    Partial,
    NotImplemented,
    NotApplicable,
}

#[derive(Subcommand, Debug)]
pub enum RiskCommand {
    /// 情報システム×脅威のリスク台帳を作成・更新する / create or refresh the risk register (system × threat)
    Assess {
        /// リスクマトリクス / matrix
        #[arg(long, default_value = "5x5", value_parser = ["3x3", "5x5"])]
        matrix: String,
    },
    /// リスク台帳を xlsx に書き出す / export the risk register as xlsx
    Export { file: PathBuf },
    /// リスクの評価・対応を記録する（対象は情報システムコード、脅威は T-01 等） / record likelihood, treatment, residual
    Set {
        /// 情報システムコード（例: SYS-JUKI） / system code
        system: String,
        /// 脅威番号（例: T-01） / threat ID
        threat: String,
        #[arg(long)]
        likelihood: Option<u8>,
        /// 影響度（提案値を上書き） / impact (overrides the proposal)
        #[arg(long)]
        impact: Option<u8>,
        #[arg(long, value_enum)]
        treatment: Option<TreatmentArg>,
        /// 対策番号（カンマ区切り） / measure IDs, comma-separated
        #[arg(long)]
        measures: Option<String>,
        #[arg(long)]
        residual_likelihood: Option<u8>,
        #[arg(long)]
        residual_impact: Option<u8>,
    },
    /// 残留リスクを受容する（統括情報セキュリティ責任者又はCISO） / accept the residual risk
    Accept {
        system: String,
        threat: String,
        /// 受容する職員の職員番号 / accepting staff ID
        #[arg(long = "as")]
        staff: String,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum TreatmentArg {
    Reduce,
    Avoid,
    Transfer,
    Accept,
}

#[derive(Subcommand, Debug)]
pub enum PolicyCommand {
    /// 条文（テキスト又は .docx）を取り込み、新しい版（起案中）にする / import text or .docx as a new draft version
    Import {
        file: PathBuf,
        /// 文書ID（例: kitei、kijun） / document ID
        #[arg(long)]
        id: String,
        /// 区分 / tier
        #[arg(long, value_enum, default_value_t = Tier::Regulation)]
        tier: Tier,
        /// 文書名（省略時は本文の題名） / title (default: the title line)
        #[arg(long)]
        title: Option<String>,
        /// 改正内容の要旨 / what changed
        #[arg(long, default_value = "")]
        summary: String,
        /// 見直しの周期（月） / review cycle in months
        #[arg(long, default_value_t = 12)]
        review_months: u32,
    },
    /// 文書の一覧 / list documents
    List,
    /// 条文を表示する / show the provisions of a version
    Show {
        id: String,
        #[arg(long)]
        version: Option<u32>,
    },
    /// 二つの版の新旧対照 / provision-by-provision differences between two versions
    Diff { id: String, from: u32, to: u32 },
    /// 版を審議・決定・施行へ進める（役割を確認） / move a version through review, decision and force
    Advance {
        id: String,
        version: u32,
        /// 進める先 / the new state
        #[arg(long, value_enum)]
        to: Stage,
        /// 操作する職員の職員番号（第5条の役割で可否を判断） / acting staff ID (their 第5条 roles decide)
        #[arg(long = "as")]
        staff: String,
        /// 訓令番号（施行時） / instrument number, when bringing into force
        #[arg(long)]
        instrument: Option<String>,
        /// 施行日 YYYY-MM-DD（施行時） / effective date, when bringing into force
        #[arg(long)]
        effective: Option<String>,
    },
    /// 実施手順（非公開、第10条第2項）を閲覧できる役割を表示・設定する / show or set the roles that may open 実施手順
    Readers {
        /// 役割をカンマ区切りで（例: ciso,chief-security-officer,auditor） / comma-separated role IDs
        #[arg(long)]
        set: Option<String>,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum Stage {
    Draft,
    UnderReview,
    Approved,
    InForce,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum Tier {
    Regulation,
    Standards,
    Procedures,
}

#[derive(Subcommand, Debug)]
pub enum NetCommand {
    /// ファイアウォール設定から第6条第2号の三層分離を検証（0: 適合、1: 違反、2: 入力不完全） / verify (0 ok, 1 violations, 2 incomplete)
    Check(NetCheckArgs),
}

#[derive(Args, Debug)]
pub struct NetCheckArgs {
    /// インベントリ（TOML） / inventory file (TOML)
    #[arg(long)]
    pub inventory: PathBuf,
    /// モデルをインベントリの指定から変えて検証する / override the inventory's model variant
    #[arg(long, value_enum)]
    pub model: Option<Model>,
    /// 出力形式 / output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ReportFormat {
    Text,
    Json,
    Sarif,
}

#[derive(Args, Debug)]
pub struct RelayArgs {
    /// 待ち受けるアドレス / address to listen on
    #[arg(long)]
    pub listen: std::net::SocketAddr,
    /// LGWAN 側 MTA（host:port） / next hop
    #[arg(long)]
    pub deliver: String,
    /// 受付・隔離用のスプール / spool directory
    #[arg(long)]
    pub spool: PathBuf,
    /// 受け付ける宛先ドメイン（複数可、それ以外は拒否） / recipient domains accepted (repeatable)
    #[arg(long = "accept-domain", required = true)]
    pub accept_domains: Vec<String>,
    /// 無害化ポリシー（TOML） / policy file
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// 挨拶・EHLO・不達通知に使うホスト名 / our host name
    #[arg(long)]
    pub hostname: Option<String>,
    /// STARTTLS の証明書（PEM） / certificate for STARTTLS
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// STARTTLS の秘密鍵（PEM） / private key for STARTTLS
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// STARTTLS を必須にする / refuse mail before STARTTLS
    #[arg(long, requires = "tls_cert")]
    pub require_tls: bool,
    /// 隔離したメールを --db のデータベースに記録し、Web 画面で承認された原本を配送する /
    /// record quarantined mail in the --db database and deliver originals approved in the web UI
    #[arg(long)]
    pub record_quarantine: bool,
    /// 隔離した原本の保存期間（日）。過ぎたものは削除する / days originals are kept before purging
    #[arg(long, default_value_t = 30, requires = "record_quarantine", value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub retention_days: u32,
}

#[derive(Args, Debug)]
pub struct SanitizeArgs {
    /// 受信したメール（.eml） / the received message (.eml)
    pub input: PathBuf,
    /// 無害化したメールの出力先（省略時は標準出力） / output file (default: standard output)
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// 無害化ポリシー（TOML） / policy file (TOML)
    #[arg(long)]
    pub policy: Option<PathBuf>,
    /// 報告を JSON で標準エラーに出す / print the report as JSON on standard error
    #[arg(long, value_parser = ["json"])]
    pub report: Option<String>,
    /// 隔離した原本の保存先 / where to store quarantined originals
    #[arg(long)]
    pub quarantine_dir: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum SchemeCommand {
    /// 分類基準を表示する（--json で編集用に書き出す） / show the scheme (--json to edit it)
    Show {
        #[arg(long)]
        json: bool,
    },
    /// 編集した JSON で名称・定義・取扱いの文言を更新する / update the texts from an edited JSON file
    Update { file: PathBuf },
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// 分類基準 / classification scheme
    #[arg(long, default_value = "mic-r6", value_parser = ["mic-r6", "mic-legacy"])]
    pub scheme: String,
    /// 団体名 / organisation name
    #[arg(long)]
    pub name: String,
    /// 三層の対策のモデル / model variant
    #[arg(long, value_enum, default_value_t = Model::Alpha)]
    pub model: Model,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum Model {
    Alpha,
    Beta,
    BetaPrime,
    AlphaPrime,
}

#[derive(Args, Debug)]
pub struct DemoArgs {
    #[command(flatten)]
    pub seed: SeedArgs,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// 待ち受けるアドレス / address to listen on
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: std::net::SocketAddr,
    /// Cookie に Secure を付ける（TLS 終端のリバースプロキシの内側で使うとき） / mark cookies Secure (behind a TLS proxy)
    #[arg(long)]
    pub secure_cookies: bool,
    /// HTTPS にする: サーバ証明書（PEM、中間証明書を続けて可） / serve HTTPS: certificate chain (PEM)
    #[arg(long, requires = "tls_key", value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// HTTPS の秘密鍵（PEM） / the private key for HTTPS (PEM)
    #[arg(long, requires = "tls_cert", value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// 職員のアカウントを作る（パスワードは生成して表示、又は --password-stdin） / create an account
    Add {
        login: String,
        /// 職員番号 / staff ID
        #[arg(long)]
        staff: String,
        /// 表示言語 / language
        #[arg(long, default_value = "ja", value_parser = ["ja", "en"])]
        lang: String,
        /// パスワードを標準入力から読む / read the password from standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// パスワードを設定し直す（すべてのセッションを終了） / reset the password (ends all sessions)
    Passwd {
        login: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// アカウントを無効にする / disable an account
    Disable { login: String },
    /// アカウントを有効に戻す / enable an account again
    Enable { login: String },
    /// 多要素認証（認証アプリ）の登録を初期化する（スマートフォン紛失時。次回ログインで再登録） / reset TOTP (lost phone; re-enrol at next sign-in)
    ResetMfa { login: String },
    /// API トークンを作り、標準出力に一度だけ表示する（所有者と同じ権限） / make a personal API token and print it once (acts as its owner)
    Token {
        login: String,
        /// トークンの名前（用途） / what the token is for
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Args, Debug)]
pub struct SeedArgs {
    /// 作る情報資産の数 / number of assets
    #[arg(long, default_value_t = 300)]
    pub assets: usize,
    /// 乱数の種（同じ種なら同じデータ） / random seed (same seed, same data)
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// 分類基準 / classification scheme
    #[arg(long, default_value = "mic-r6", value_parser = ["mic-r6", "mic-legacy"])]
    pub scheme: String,
}

#[derive(Subcommand, Debug)]
pub enum AssetsCommand {
    /// xlsx / CSV から取り込む（全件成功か何もしないか） / import xlsx or CSV (all or nothing)
    Import {
        file: PathBuf,
        /// 検証だけ行い、書き込まない / validate only
        #[arg(long)]
        dry_run: bool,
    },
    /// xlsx / CSV に書き出す（拡張子で形式を選ぶ） / export to xlsx or CSV (by extension)
    Export {
        file: PathBuf,
        /// CSV の文字コード / CSV encoding
        #[arg(long, value_enum, default_value_t = Encoding::Utf8)]
        encoding: Encoding,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// 一覧を表示する / list assets
    List {
        #[command(flatten)]
        filter: FilterArgs,
        /// JSON で出力する / print JSON
        #[arg(long)]
        json: bool,
        /// 表示件数（表形式の既定は100件） / show at most this many (table default 100)
        #[arg(long, conflicts_with = "all")]
        limit: Option<i64>,
        /// 該当するすべてを表示する / show every matching asset
        #[arg(long)]
        all: bool,
        /// 検索にかかった時間を表示する / print the query time
        #[arg(long)]
        timing: bool,
    },
}

#[derive(Args, Debug, Default)]
pub struct FilterArgs {
    /// ネットワーク区分 / zone (mynumber, lgwan, internet, external, or the Japanese name)
    #[arg(long)]
    pub zone: Option<String>,
    /// 機密性がこの分類以上 / confidentiality at least this level (e.g. 2, 3B)
    #[arg(long)]
    pub min_confidentiality: Option<String>,
    /// 所管課コード / owning department code
    #[arg(long)]
    pub department: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Cp932,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// JSON で出力する / print JSON
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// ハッシュ連鎖を検証する（改ざんがあれば終了コード1） / verify the hash chain (exit 1 if broken)
    Verify,
    /// 最近の記録を表示する / show recent entries
    Log {
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
}
