//! The asset register (情報資産台帳) as a table: which column holds which field, how a row becomes an
//! [`Asset`], and how an asset becomes a row again.
//!
//! Registers come from Excel, typed by many hands, so columns are found by their Japanese (or English)
//! header names in any order, values accept the spellings people actually use, and every problem is
//! reported with its row and column rather than half-imported.

use crate::asset::{Asset, AssetKind, AssetStatus, ServiceTerms};
use crate::classification::{Dimension, Scheme};
use crate::lang::Lang;
use crate::org::{Department, InformationSystem, Staff};
use crate::zone::Zone;
use chrono::{Datelike, NaiveDate};
use std::collections::HashMap;

/// The columns of the register, in export order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Id,
    Name,
    Kind,
    DepartmentCode,
    Department,
    ManagerId,
    Manager,
    Location,
    Zone,
    System,
    Confidentiality,
    Integrity,
    Availability,
    PersonalInfo,
    MyNumber,
    Retention,
    DisposalMethod,
    Status,
    DisposedOn,
    NextReview,
    ExternalService,
    ExternalTerms,
    Notes,
}

impl Column {
    pub const ALL: [Column; 23] = [
        Column::Id,
        Column::Name,
        Column::Kind,
        Column::DepartmentCode,
        Column::Department,
        Column::ManagerId,
        Column::Manager,
        Column::Location,
        Column::Zone,
        Column::System,
        Column::Confidentiality,
        Column::Integrity,
        Column::Availability,
        Column::PersonalInfo,
        Column::MyNumber,
        Column::Retention,
        Column::DisposalMethod,
        Column::Status,
        Column::DisposedOn,
        Column::NextReview,
        Column::ExternalService,
        Column::ExternalTerms,
        Column::Notes,
    ];

    /// The header mamori writes.
    pub fn header(self, lang: Lang) -> &'static str {
        let (ja, en) = self.names();
        lang.pick(ja, en)
    }

    fn names(self) -> (&'static str, &'static str) {
        match self {
            Column::Id => ("資産番号", "Asset ID"),
            Column::Name => ("情報資産名", "Name"),
            Column::Kind => ("種別", "Kind"),
            Column::DepartmentCode => ("所管課コード", "Department code"),
            Column::Department => ("所管課", "Department"),
            Column::ManagerId => ("管理者職員番号", "Manager ID"),
            Column::Manager => ("管理者", "Manager"),
            Column::Location => ("保管場所", "Location"),
            Column::Zone => ("ネットワーク区分", "Zone"),
            Column::System => ("関連情報システム", "Information system"),
            Column::Confidentiality => ("機密性", "Confidentiality"),
            Column::Integrity => ("完全性", "Integrity"),
            Column::Availability => ("可用性", "Availability"),
            Column::PersonalInfo => ("個人情報", "Personal information"),
            Column::MyNumber => ("特定個人情報", "My Number data"),
            Column::Retention => ("保存期間", "Retention"),
            Column::DisposalMethod => ("廃棄方法", "Disposal method"),
            Column::Status => ("状態", "Status"),
            Column::DisposedOn => ("廃棄日", "Disposed on"),
            Column::NextReview => ("次回見直し日", "Next review"),
            Column::ExternalService => ("外部サービス", "External service"),
            Column::ExternalTerms => ("外部サービス契約形態", "Service terms"),
            Column::Notes => ("備考", "Notes"),
        }
    }

    /// Other headers seen in municipal registers for the same column.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Id => &["資産ID", "管理番号", "番号", "id"],
            Column::Name => &["名称", "資産名", "情報資産の名称"],
            Column::Kind => &["資産種別", "分類", "type"],
            Column::DepartmentCode => &["所属コード", "課コード"],
            Column::Department => &["所属", "所管部署", "担当課", "管理課"],
            Column::ManagerId => &["管理者ID"],
            Column::Manager => &["管理責任者", "情報資産管理者"],
            Column::Location => &["保管場所・設置場所", "設置場所", "保存場所"],
            Column::Zone => &["ネットワーク", "配置", "系統", "区分"],
            Column::System => &["情報システム", "システム"],
            Column::Confidentiality => &["機密性分類"],
            Column::Integrity => &["完全性分類"],
            Column::Availability => &["可用性分類"],
            Column::PersonalInfo => &["個人情報の有無"],
            Column::MyNumber => &["特定個人情報の有無", "マイナンバー"],
            Column::Retention => &["保存年限"],
            Column::DisposalMethod => &["廃棄の方法"],
            Column::Status => &["利用状況", "ステータス"],
            Column::DisposedOn => &["廃棄年月日"],
            Column::NextReview => &["見直し予定日", "次回見直し"],
            Column::ExternalService => &["クラウドサービス", "利用サービス"],
            Column::ExternalTerms => &["契約形態"],
            Column::Notes => &["摘要", "メモ"],
        }
    }

    fn matches(self, header: &str) -> bool {
        let h = fold_header(header);
        let (ja, en) = self.names();
        fold_header(ja) == h
            || fold_header(en) == h
            || self.aliases().iter().any(|a| fold_header(a) == h)
    }

    /// Columns a row cannot do without.
    pub fn required(self) -> bool {
        matches!(self, Column::Id | Column::Name | Column::Kind)
    }
}

fn fold_header(h: &str) -> String {
    h.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '※' | '（' | '）' | '(' | ')'))
        .map(fold_width)
        .collect::<String>()
        .to_lowercase()
}

fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Where each known column sits in a file.
#[derive(Debug, Clone)]
pub struct ColumnMap {
    positions: HashMap<Column, usize>,
    headers: Vec<String>,
    /// Headers mamori does not know; they are reported, not guessed at.
    pub ignored: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("required columns missing: {0:?}")]
    Missing(Vec<Column>),
    #[error("columns {first} and {second} both mean {column:?}")]
    Duplicate {
        column: Column,
        first: String,
        second: String,
    },
}

impl HeaderError {
    pub fn message(&self, lang: Lang) -> String {
        match self {
            HeaderError::Missing(cols) => {
                let names: Vec<&str> = cols.iter().map(|c| c.header(lang)).collect();
                match lang {
                    Lang::Ja => format!(
                        "必須の列がありません: {}。1行目（見出し行）に列名を入れてください。",
                        names.join("、")
                    ),
                    Lang::En => format!(
                        "Required columns are missing: {}. Put the column names in the header row.",
                        names.join(", ")
                    ),
                }
            }
            HeaderError::Duplicate {
                column,
                first,
                second,
            } => match lang {
                Lang::Ja => format!(
                    "列「{first}」と列「{second}」がどちらも「{}」を表しています。どちらか一方にしてください。",
                    column.header(Lang::Ja)
                ),
                Lang::En => format!(
                    "Columns \"{first}\" and \"{second}\" both mean \"{}\". Keep only one.",
                    column.header(Lang::En)
                ),
            },
        }
    }
}

impl ColumnMap {
    pub fn from_headers(headers: &[String]) -> Result<ColumnMap, HeaderError> {
        let mut positions: HashMap<Column, usize> = HashMap::new();
        let mut ignored = Vec::new();
        for (i, header) in headers.iter().enumerate() {
            match Column::ALL.into_iter().find(|c| c.matches(header)) {
                Some(column) => {
                    if let Some(&first) = positions.get(&column) {
                        return Err(HeaderError::Duplicate {
                            column,
                            first: headers.get(first).cloned().unwrap_or_default(),
                            second: header.clone(),
                        });
                    }
                    positions.insert(column, i);
                }
                None if header.trim().is_empty() => {}
                None => ignored.push(header.clone()),
            }
        }
        let missing: Vec<Column> = Column::ALL
            .into_iter()
            .filter(|c| c.required() && !positions.contains_key(c))
            .collect();
        if !missing.is_empty() {
            return Err(HeaderError::Missing(missing));
        }
        Ok(ColumnMap {
            positions,
            headers: headers.to_vec(),
            ignored,
        })
    }

    pub fn has(&self, column: Column) -> bool {
        self.positions.contains_key(&column)
    }

    fn cell<'r>(&self, cells: &'r [String], column: Column) -> &'r str {
        self.positions
            .get(&column)
            .and_then(|&i| cells.get(i))
            .map(|s| s.trim())
            .unwrap_or("")
    }

    fn header_of(&self, column: Column) -> String {
        self.positions
            .get(&column)
            .and_then(|&i| self.headers.get(i))
            .cloned()
            .unwrap_or_else(|| column.header(Lang::Ja).to_string())
    }
}

/// The organisation's reference data that register values point into.
pub struct Reference<'a> {
    pub scheme: &'a Scheme,
    departments_by_code: HashMap<&'a str, &'a Department>,
    departments_by_name: HashMap<&'a str, Vec<&'a Department>>,
    staff_by_id: HashMap<&'a str, &'a Staff>,
    staff_by_name: HashMap<&'a str, Vec<&'a Staff>>,
    systems_by_code: HashMap<&'a str, &'a InformationSystem>,
    systems_by_name: HashMap<&'a str, Vec<&'a InformationSystem>>,
}

impl<'a> Reference<'a> {
    pub fn new(
        scheme: &'a Scheme,
        departments: &'a [Department],
        staff: &'a [Staff],
        systems: &'a [InformationSystem],
    ) -> Self {
        let mut departments_by_name: HashMap<&str, Vec<&Department>> = HashMap::new();
        for d in departments {
            departments_by_name
                .entry(d.name.as_str())
                .or_default()
                .push(d);
        }
        let mut staff_by_name: HashMap<&str, Vec<&Staff>> = HashMap::new();
        for s in staff {
            staff_by_name.entry(s.name.as_str()).or_default().push(s);
        }
        let mut systems_by_name: HashMap<&str, Vec<&InformationSystem>> = HashMap::new();
        for s in systems {
            systems_by_name.entry(s.name.as_str()).or_default().push(s);
        }
        Reference {
            scheme,
            departments_by_code: departments.iter().map(|d| (d.code.as_str(), d)).collect(),
            departments_by_name,
            staff_by_id: staff.iter().map(|s| (s.id.as_str(), s)).collect(),
            staff_by_name,
            systems_by_code: systems.iter().map(|s| (s.code.as_str(), s)).collect(),
            systems_by_name,
        }
    }

    pub fn department_name(&self, code: &str) -> Option<&str> {
        self.departments_by_code.get(code).map(|d| d.name.as_str())
    }

    pub fn staff_name(&self, id: &str) -> Option<&str> {
        self.staff_by_id.get(id).map(|s| s.name.as_str())
    }

    pub fn system_name(&self, code: &str) -> Option<&str> {
        self.systems_by_code.get(code).map(|s| s.name.as_str())
    }
}

/// What is wrong with one cell or row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Required,
    UnknownKind(String),
    UnknownZone(String),
    UnknownStatus(String),
    UnknownTerms(String),
    UnknownLevel {
        dimension: Dimension,
        value: String,
        allowed: Vec<String>,
    },
    UnknownDepartment(String),
    AmbiguousDepartment(String),
    DepartmentMismatch {
        code: String,
        name: String,
    },
    UnknownStaff(String),
    AmbiguousStaff(String),
    UnknownSystem(String),
    AmbiguousSystem(String),
    BadDate(String),
    BadFlag(String),
    MyNumberWithoutPersonalInfo,
    DuplicateId {
        first_row: usize,
    },
    TooLong {
        max: usize,
    },
    /// The person importing may not change this asset (as stored, or as the row would make it).
    NotPermitted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// The row number the user sees in Excel (or the CSV line).
    pub row: usize,
    /// The column header as written in the file.
    pub column: Option<String>,
    pub problem: Problem,
}

impl RowError {
    /// What is wrong, without the row and column (for a table that shows them separately).
    pub fn reason(&self, lang: Lang) -> String {
        problem_message(&self.problem, lang)
    }

    pub fn message(&self, lang: Lang) -> String {
        let what = problem_message(&self.problem, lang);
        match (lang, &self.column) {
            (Lang::Ja, Some(c)) => format!("{}行目「{c}」: {what}", self.row),
            (Lang::Ja, None) => format!("{}行目: {what}", self.row),
            (Lang::En, Some(c)) => format!("row {}, column \"{c}\": {what}", self.row),
            (Lang::En, None) => format!("row {}: {what}", self.row),
        }
    }
}

fn problem_message(p: &Problem, lang: Lang) -> String {
    match (p, lang) {
        (Problem::Required, Lang::Ja) => "必須項目が空欄です。".into(),
        (Problem::Required, Lang::En) => "this value is required.".into(),
        (Problem::UnknownKind(v), Lang::Ja) => format!(
            "種別「{v}」は使えません。{}のいずれかを入力してください。",
            AssetKind::ALL.map(|k| k.label(Lang::Ja)).join("、")
        ),
        (Problem::UnknownKind(v), Lang::En) => format!(
            "unknown kind \"{v}\"; use one of {}.",
            AssetKind::ALL.map(|k| k.label(Lang::En)).join(", ")
        ),
        (Problem::UnknownZone(v), Lang::Ja) => format!(
            "ネットワーク区分「{v}」は使えません。{}のいずれかを入力してください。",
            Zone::ALL.map(|z| z.label(Lang::Ja)).join("、")
        ),
        (Problem::UnknownZone(v), Lang::En) => format!(
            "unknown zone \"{v}\"; use one of {}.",
            Zone::ALL.map(|z| z.label(Lang::En)).join(", ")
        ),
        (Problem::UnknownStatus(v), Lang::Ja) => {
            format!("状態「{v}」は使えません。「使用中」又は「廃棄済」を入力してください。")
        }
        (Problem::UnknownStatus(v), Lang::En) => {
            format!("unknown status \"{v}\"; use \"In use\" or \"Disposed\".")
        }
        (Problem::UnknownTerms(v), Lang::Ja) => {
            format!("契約形態「{v}」は使えません。「約款」又は「個別契約」を入力してください。")
        }
        (Problem::UnknownTerms(v), Lang::En) => format!(
            "unknown service terms \"{v}\"; use \"Standard terms\" or \"Negotiated contract\"."
        ),
        (
            Problem::UnknownLevel {
                dimension,
                value,
                allowed,
            },
            Lang::Ja,
        ) => format!(
            "{}「{value}」は分類基準にありません。{}のいずれかを入力してください。",
            dimension.label(Lang::Ja),
            allowed.join("、")
        ),
        (
            Problem::UnknownLevel {
                dimension,
                value,
                allowed,
            },
            Lang::En,
        ) => format!(
            "{} \"{value}\" is not a level of the scheme; use one of {}.",
            dimension.label(Lang::En),
            allowed.join(", ")
        ),
        (Problem::UnknownDepartment(v), Lang::Ja) => {
            format!("所属「{v}」は組織に登録されていません。")
        }
        (Problem::UnknownDepartment(v), Lang::En) => {
            format!("department \"{v}\" is not registered.")
        }
        (Problem::AmbiguousDepartment(v), Lang::Ja) => {
            format!("所属名「{v}」は複数あります。所管課コードを入力してください。")
        }
        (Problem::AmbiguousDepartment(v), Lang::En) => {
            format!("more than one department is named \"{v}\"; give the department code.")
        }
        (Problem::DepartmentMismatch { code, name }, Lang::Ja) => {
            format!("所管課コード「{code}」と所管課「{name}」が一致しません。")
        }
        (Problem::DepartmentMismatch { code, name }, Lang::En) => {
            format!("department code \"{code}\" and department \"{name}\" do not match.")
        }
        (Problem::UnknownStaff(v), Lang::Ja) => format!("職員「{v}」は登録されていません。"),
        (Problem::UnknownStaff(v), Lang::En) => format!("staff member \"{v}\" is not registered."),
        (Problem::AmbiguousStaff(v), Lang::Ja) => {
            format!("職員名「{v}」は複数います。管理者職員番号を入力してください。")
        }
        (Problem::AmbiguousStaff(v), Lang::En) => {
            format!("more than one staff member is named \"{v}\"; give the manager ID.")
        }
        (Problem::UnknownSystem(v), Lang::Ja) => {
            format!("情報システム「{v}」は登録されていません。")
        }
        (Problem::UnknownSystem(v), Lang::En) => {
            format!("information system \"{v}\" is not registered.")
        }
        (Problem::AmbiguousSystem(v), Lang::Ja) => {
            format!("情報システム名「{v}」は複数あります。システムコードを入力してください。")
        }
        (Problem::AmbiguousSystem(v), Lang::En) => {
            format!("more than one system is named \"{v}\"; give the system code.")
        }
        (Problem::BadDate(v), Lang::Ja) => format!(
            "日付「{v}」を読めません。2025-04-01、2025/4/1、令和7年4月1日 のように入力してください。"
        ),
        (Problem::BadDate(v), Lang::En) => {
            format!("cannot read the date \"{v}\"; write it like 2025-04-01.")
        }
        (Problem::BadFlag(v), Lang::Ja) => {
            format!("「{v}」を読めません。「はい」又は「いいえ」を入力してください。")
        }
        (Problem::BadFlag(v), Lang::En) => format!("cannot read \"{v}\"; write yes or no."),
        (Problem::MyNumberWithoutPersonalInfo, Lang::Ja) => {
            "特定個人情報を含む資産は個人情報も「はい」にしてください。".into()
        }
        (Problem::MyNumberWithoutPersonalInfo, Lang::En) => {
            "an asset with My Number data also holds personal information; mark it yes.".into()
        }
        (Problem::DuplicateId { first_row }, Lang::Ja) => {
            format!("資産番号が{first_row}行目と重複しています。")
        }
        (Problem::DuplicateId { first_row }, Lang::En) => {
            format!("the asset ID duplicates row {first_row}.")
        }
        (Problem::TooLong { max }, Lang::Ja) => format!("{max}文字以内で入力してください。"),
        (Problem::TooLong { max }, Lang::En) => format!("keep it within {max} characters."),
        (Problem::NotPermitted, Lang::Ja) => {
            "この情報資産を登録・変更する権限がありません（情報セキュリティ管理者は所管する課の情報資産に限られます）。".into()
        }
        (Problem::NotPermitted, Lang::En) => {
            "you are not permitted to register or change this asset (administrators only those of the departments they manage).".into()
        }
    }
}

const MAX_TEXT: usize = 1000;

/// Turn one row into an asset, collecting every problem in the row rather than stopping at the first.
pub fn parse_row(
    map: &ColumnMap,
    cells: &[String],
    row: usize,
    reference: &Reference,
) -> Result<Asset, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut err = |column: Column, problem: Problem| {
        errors.push(RowError {
            row,
            column: Some(map.header_of(column)),
            problem,
        });
    };
    let text = |column: Column, err: &mut dyn FnMut(Column, Problem)| -> String {
        let v = map.cell(cells, column);
        if v.chars().count() > MAX_TEXT {
            err(column, Problem::TooLong { max: MAX_TEXT });
        }
        v.to_string()
    };

    let id = text(Column::Id, &mut err);
    if id.is_empty() {
        err(Column::Id, Problem::Required);
    }
    let name = text(Column::Name, &mut err);
    if name.is_empty() {
        err(Column::Name, Problem::Required);
    }
    let kind_text = map.cell(cells, Column::Kind);
    let kind = if kind_text.is_empty() {
        err(Column::Kind, Problem::Required);
        None
    } else {
        let k = AssetKind::parse(kind_text);
        if k.is_none() {
            err(Column::Kind, Problem::UnknownKind(kind_text.into()));
        }
        k
    };

    let department = resolve_department(map, cells, reference, &mut err);
    let manager = resolve_staff(map, cells, reference, &mut err);
    let system = {
        let v = map.cell(cells, Column::System);
        if v.is_empty() {
            None
        } else if let Some(s) = reference.systems_by_code.get(v) {
            Some(s.code.clone())
        } else {
            match reference.systems_by_name.get(v).map(Vec::as_slice) {
                Some([one]) => Some(one.code.clone()),
                Some([_, _, ..]) => {
                    err(Column::System, Problem::AmbiguousSystem(v.into()));
                    None
                }
                _ => {
                    err(Column::System, Problem::UnknownSystem(v.into()));
                    None
                }
            }
        }
    };
    let zone = {
        let v = map.cell(cells, Column::Zone);
        if v.is_empty() {
            None
        } else {
            let z = Zone::parse(v);
            if z.is_none() {
                err(Column::Zone, Problem::UnknownZone(v.into()));
            }
            z
        }
    };

    let mut classification = crate::classification::Classification::default();
    for (dimension, column) in [
        (Dimension::Confidentiality, Column::Confidentiality),
        (Dimension::Integrity, Column::Integrity),
        (Dimension::Availability, Column::Availability),
    ] {
        let v = map.cell(cells, column);
        if v.is_empty() {
            continue;
        }
        let scale = reference.scheme.scale(dimension);
        match scale.level(v) {
            Some(level) => *classification.code_mut(dimension) = Some(level.code.clone()),
            None => err(
                column,
                Problem::UnknownLevel {
                    dimension,
                    value: v.into(),
                    allowed: scale.codes().into_iter().rev().map(String::from).collect(),
                },
            ),
        }
    }

    let flag = |column: Column, err: &mut dyn FnMut(Column, Problem)| -> bool {
        let v = map.cell(cells, column);
        match parse_flag(v) {
            Some(b) => b,
            None => {
                err(column, Problem::BadFlag(v.into()));
                false
            }
        }
    };
    let personal_info = flag(Column::PersonalInfo, &mut err);
    let my_number = flag(Column::MyNumber, &mut err);
    if my_number
        && !personal_info
        && map.has(Column::PersonalInfo)
        && !map.cell(cells, Column::PersonalInfo).is_empty()
    {
        err(Column::PersonalInfo, Problem::MyNumberWithoutPersonalInfo);
    }

    let date = |column: Column, err: &mut dyn FnMut(Column, Problem)| -> Option<NaiveDate> {
        let v = map.cell(cells, column);
        if v.is_empty() {
            return None;
        }
        let d = parse_date(v);
        if d.is_none() {
            err(column, Problem::BadDate(v.into()));
        }
        d
    };
    let disposed_on = date(Column::DisposedOn, &mut err);
    let next_review = date(Column::NextReview, &mut err);

    let status = {
        let v = map.cell(cells, Column::Status);
        AssetStatus::parse(v).unwrap_or_else(|| {
            err(Column::Status, Problem::UnknownStatus(v.into()));
            AssetStatus::InUse
        })
    };
    let external_terms = {
        let v = map.cell(cells, Column::ExternalTerms);
        if v.is_empty() {
            None
        } else {
            let t = ServiceTerms::parse(v);
            if t.is_none() {
                err(Column::ExternalTerms, Problem::UnknownTerms(v.into()));
            }
            t
        }
    };
    let location = text(Column::Location, &mut err);
    let retention = text(Column::Retention, &mut err);
    let disposal_method = text(Column::DisposalMethod, &mut err);
    let external_service = text(Column::ExternalService, &mut err);
    let notes = text(Column::Notes, &mut err);

    match kind {
        Some(kind) if errors.is_empty() => Ok(Asset {
            id,
            name,
            kind,
            department,
            manager,
            location,
            zone,
            system,
            classification,
            // 特定個人情報 is personal information by definition; a blank 個人情報 cell follows it.
            personal_info: personal_info || my_number,
            my_number,
            retention,
            disposal_method,
            status,
            disposed_on,
            next_review,
            external_service,
            external_terms,
            notes,
        }),
        _ => Err(errors),
    }
}

fn resolve_department(
    map: &ColumnMap,
    cells: &[String],
    reference: &Reference,
    err: &mut dyn FnMut(Column, Problem),
) -> Option<String> {
    let code = map.cell(cells, Column::DepartmentCode);
    let name = map.cell(cells, Column::Department);
    if !code.is_empty() {
        match reference.departments_by_code.get(code) {
            Some(d) if name.is_empty() || d.name == name => Some(d.code.clone()),
            Some(_) => {
                err(
                    Column::DepartmentCode,
                    Problem::DepartmentMismatch {
                        code: code.into(),
                        name: name.into(),
                    },
                );
                None
            }
            None => {
                err(
                    Column::DepartmentCode,
                    Problem::UnknownDepartment(code.into()),
                );
                None
            }
        }
    } else if !name.is_empty() {
        match reference.departments_by_name.get(name).map(Vec::as_slice) {
            Some([one]) => Some(one.code.clone()),
            Some([_, _, ..]) => {
                err(
                    Column::Department,
                    Problem::AmbiguousDepartment(name.into()),
                );
                None
            }
            _ => match reference.departments_by_code.get(name) {
                // Some registers put the code in the name column.
                Some(d) => Some(d.code.clone()),
                None => {
                    err(Column::Department, Problem::UnknownDepartment(name.into()));
                    None
                }
            },
        }
    } else {
        None
    }
}

fn resolve_staff(
    map: &ColumnMap,
    cells: &[String],
    reference: &Reference,
    err: &mut dyn FnMut(Column, Problem),
) -> Option<String> {
    let id = map.cell(cells, Column::ManagerId);
    let name = map.cell(cells, Column::Manager);
    if !id.is_empty() {
        match reference.staff_by_id.get(id) {
            Some(s) => Some(s.id.clone()),
            None => {
                err(Column::ManagerId, Problem::UnknownStaff(id.into()));
                None
            }
        }
    } else if !name.is_empty() {
        match reference.staff_by_name.get(name).map(Vec::as_slice) {
            Some([one]) => Some(one.id.clone()),
            Some([_, _, ..]) => {
                err(Column::Manager, Problem::AmbiguousStaff(name.into()));
                None
            }
            _ => {
                err(Column::Manager, Problem::UnknownStaff(name.into()));
                None
            }
        }
    } else {
        None
    }
}

/// はい/いいえ and the other ways registers say yes and no. Blank means no.
pub fn parse_flag(v: &str) -> Option<bool> {
    let folded: String = v
        .trim()
        .chars()
        .map(fold_width)
        .collect::<String>()
        .to_lowercase();
    match folded.as_str() {
        "" | "いいえ" | "無" | "なし" | "無し" | "×" | "x" | "-" | "no" | "n" | "false" | "0"
        | "非該当" => Some(false),
        "はい" | "有" | "あり" | "有り" | "○" | "〇" | "◯" | "✓" | "yes" | "y" | "true" | "1"
        | "該当" => Some(true),
        _ => None,
    }
}

/// Dates as typed in Japanese offices: 2025-04-01, 2025/4/1, 2025.4.1, 2025年4月1日, 令和7年4月1日, R7.4.1.
pub fn parse_date(v: &str) -> Option<NaiveDate> {
    let s: String = v.trim().chars().map(fold_width).collect();
    // Excel datetime strings "2025-04-01 00:00:00": the time part is not part of a register date.
    let s = s.split_once(' ').map(|(d, _)| d.to_string()).unwrap_or(s);
    let (era_offset, rest) = if let Some(r) = s
        .strip_prefix("令和")
        .or_else(|| s.strip_prefix('R').or_else(|| s.strip_prefix('r')))
    {
        (Some(2018), r)
    } else if let Some(r) = s
        .strip_prefix("平成")
        .or_else(|| s.strip_prefix('H').or_else(|| s.strip_prefix('h')))
    {
        (Some(1988), r)
    } else {
        (None, s.as_str())
    };
    let rest = rest.replace("元年", "1年");
    let parts: Vec<&str> = rest
        .split(['-', '/', '.', '年', '月', '日'])
        .filter(|p| !p.is_empty())
        .collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let y: i32 = y.parse().ok()?;
    let m: u32 = m.parse().ok()?;
    let d: u32 = d.parse().ok()?;
    let year = match era_offset {
        Some(offset) if (1..=99).contains(&y) => y + offset,
        Some(_) => return None,
        None if (1900..=9999).contains(&y) => y,
        None => return None,
    };
    NaiveDate::from_ymd_opt(year, m, d)
}

pub fn format_date(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

fn flag_text(b: bool, lang: Lang) -> &'static str {
    match (b, lang) {
        (true, Lang::Ja) => "はい",
        (false, Lang::Ja) => "いいえ",
        (true, Lang::En) => "yes",
        (false, Lang::En) => "no",
    }
}

/// The register headers mamori writes, in order.
pub fn export_headers(lang: Lang) -> Vec<String> {
    Column::ALL
        .iter()
        .map(|c| c.header(lang).to_string())
        .collect()
}

/// One asset as the cells of an exported row, matching [`export_headers`]. Importing the row again
/// gives the same asset.
pub fn export_row(asset: &Asset, reference: &Reference, lang: Lang) -> Vec<String> {
    Column::ALL
        .iter()
        .map(|c| {
            let s: &str = match c {
                Column::Id => &asset.id,
                Column::Name => &asset.name,
                Column::Kind => asset.kind.label(lang),
                Column::DepartmentCode => asset.department.as_deref().unwrap_or(""),
                Column::Department => asset
                    .department
                    .as_deref()
                    .and_then(|d| reference.department_name(d))
                    .unwrap_or(""),
                Column::ManagerId => asset.manager.as_deref().unwrap_or(""),
                Column::Manager => asset
                    .manager
                    .as_deref()
                    .and_then(|m| reference.staff_name(m))
                    .unwrap_or(""),
                Column::Location => &asset.location,
                Column::Zone => asset.zone.map(|z| z.label(lang)).unwrap_or(""),
                Column::System => asset.system.as_deref().unwrap_or(""),
                Column::Confidentiality => asset
                    .classification
                    .confidentiality
                    .as_deref()
                    .unwrap_or(""),
                Column::Integrity => asset.classification.integrity.as_deref().unwrap_or(""),
                Column::Availability => asset.classification.availability.as_deref().unwrap_or(""),
                Column::PersonalInfo => flag_text(asset.personal_info, lang),
                Column::MyNumber => flag_text(asset.my_number, lang),
                Column::Retention => &asset.retention,
                Column::DisposalMethod => &asset.disposal_method,
                Column::Status => asset.status.label(lang),
                Column::DisposedOn => {
                    return asset.disposed_on.map(format_date).unwrap_or_default();
                }
                Column::NextReview => {
                    return asset.next_review.map(format_date).unwrap_or_default();
                }
                Column::ExternalService => &asset.external_service,
                Column::ExternalTerms => asset.external_terms.map(|t| t.label(lang)).unwrap_or(""),
                Column::Notes => &asset.notes,
            };
            s.to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classification::mic_r6;
    use crate::org::DepartmentKind;

    struct Fixture {
        scheme: Scheme,
        departments: Vec<Department>,
        staff: Vec<Staff>,
        systems: Vec<InformationSystem>,
    }

    fn fixture() -> Fixture {
        let dept = |code: &str, name: &str| Department {
            code: code.into(),
            name: name.into(),
            kind: DepartmentKind::Ka,
            parent: None,
        };
        Fixture {
            scheme: mic_r6(),
            departments: vec![
                dept("1110", "市民課"),
                dept("2210", "庶務係"),
                dept("3310", "庶務係"),
            ],
            staff: vec![
                Staff {
                    id: "S001".into(),
                    name: "能代 太郎".into(),
                    department: "1110".into(),
                    email: None,
                    active: true,
                },
                Staff {
                    id: "S002".into(),
                    name: "佐藤 花子".into(),
                    department: "1110".into(),
                    email: None,
                    active: true,
                },
                Staff {
                    id: "S003".into(),
                    name: "佐藤 花子".into(),
                    department: "2210".into(),
                    email: None,
                    active: true,
                },
            ],
            systems: vec![InformationSystem {
                code: "JUKI".into(),
                name: "住民記録システム".into(),
                zone: Zone::MyNumber,
                department: "1110".into(),
            }],
        }
    }

    fn row(pairs: &[(&str, &str)]) -> (Vec<String>, Vec<String>) {
        (
            pairs.iter().map(|p| p.0.to_string()).collect(),
            pairs.iter().map(|p| p.1.to_string()).collect(),
        )
    }

    #[test]
    fn full_row_round_trips_through_export() {
        let f = fixture();
        let r = Reference::new(&f.scheme, &f.departments, &f.staff, &f.systems);
        let (headers, cells) = row(&[
            ("資産番号", "A-0001"),
            ("情報資産名", "住民基本台帳データ"),
            ("種別", "情報（電子データ）"),
            ("所管課", "市民課"),
            ("管理者", "能代 太郎"),
            ("ネットワーク区分", "ＬＧＷＡＮ接続系"),
            ("関連情報システム", "住民記録システム"),
            ("機密性", "３ｂ"),
            ("完全性", "2"),
            ("可用性", "2"),
            ("個人情報", "○"),
            ("特定個人情報", "有"),
            ("次回見直し日", "令和8年4月1日"),
            ("外部サービス契約形態", "個別契約"),
        ]);
        let map = ColumnMap::from_headers(&headers).unwrap();
        let asset = parse_row(&map, &cells, 2, &r).unwrap();
        assert_eq!(asset.department.as_deref(), Some("1110"));
        assert_eq!(asset.manager.as_deref(), Some("S001"));
        assert_eq!(asset.system.as_deref(), Some("JUKI"));
        assert_eq!(asset.zone, Some(Zone::Lgwan));
        assert_eq!(asset.classification.confidentiality.as_deref(), Some("3B"));
        assert!(asset.personal_info && asset.my_number);
        assert_eq!(asset.next_review, NaiveDate::from_ymd_opt(2026, 4, 1));

        for lang in [Lang::Ja, Lang::En] {
            let headers = export_headers(lang);
            let cells = export_row(&asset, &r, lang);
            let map = ColumnMap::from_headers(&headers).unwrap();
            assert_eq!(parse_row(&map, &cells, 2, &r).unwrap(), asset, "{lang:?}");
        }
    }

    #[test]
    fn every_problem_in_a_row_is_reported_with_its_column() {
        let f = fixture();
        let r = Reference::new(&f.scheme, &f.departments, &f.staff, &f.systems);
        let (headers, cells) = row(&[
            ("資産番号", ""),
            ("名称", "台帳"),
            ("種別", "不明"),
            ("所属", "庶務係"),
            ("管理責任者", "佐藤 花子"),
            ("機密性", "4"),
            ("次回見直し日", "2025/13/40"),
            ("個人情報", "たぶん"),
        ]);
        let map = ColumnMap::from_headers(&headers).unwrap();
        let errors = parse_row(&map, &cells, 7, &r).unwrap_err();
        let got: Vec<(Option<&str>, &Problem)> = errors
            .iter()
            .map(|e| (e.column.as_deref(), &e.problem))
            .collect();
        assert!(got.contains(&(Some("資産番号"), &Problem::Required)));
        assert!(got.contains(&(Some("種別"), &Problem::UnknownKind("不明".into()))));
        assert!(got.contains(&(Some("所属"), &Problem::AmbiguousDepartment("庶務係".into()))));
        assert!(got.contains(&(
            Some("管理責任者"),
            &Problem::AmbiguousStaff("佐藤 花子".into())
        )));
        assert!(got.contains(&(Some("次回見直し日"), &Problem::BadDate("2025/13/40".into()))));
        assert!(got.contains(&(Some("個人情報"), &Problem::BadFlag("たぶん".into()))));
        assert!(
            got.iter()
                .any(|(c, p)| *c == Some("機密性") && matches!(p, Problem::UnknownLevel { .. }))
        );
        assert_eq!(errors.len(), 7);
        let msg = errors[0].message(Lang::Ja);
        assert!(msg.starts_with("7行目「資産番号」"), "{msg}");
        assert!(
            errors[0]
                .message(Lang::En)
                .starts_with("row 7, column \"資産番号\"")
        );
    }

    #[test]
    fn headers_in_english_and_aliases_are_found() {
        let headers: Vec<String> = ["Asset ID", "Name", "Kind", "管理番号"]
            .map(String::from)
            .to_vec();
        let err = ColumnMap::from_headers(&headers).unwrap_err();
        assert!(matches!(
            err,
            HeaderError::Duplicate {
                column: Column::Id,
                ..
            }
        ));
        let headers: Vec<String> = ["名称", "メモ", "謎の列"].map(String::from).to_vec();
        let err = ColumnMap::from_headers(&headers).unwrap_err();
        assert_eq!(err, HeaderError::Missing(vec![Column::Id, Column::Kind]));
        let headers: Vec<String> = ["資産番号 ", "（名称）", "種別", "謎の列"]
            .map(String::from)
            .to_vec();
        let map = ColumnMap::from_headers(&headers).unwrap();
        assert_eq!(map.ignored, vec!["謎の列".to_string()]);
    }

    #[test]
    fn dates_in_japanese_forms() {
        let d = NaiveDate::from_ymd_opt(2025, 4, 1);
        for s in [
            "2025-04-01",
            "2025/4/1",
            "2025.4.1",
            "2025年4月1日",
            "令和7年4月1日",
            "R7.4.1",
            "２０２５／４／１",
            "2025-04-01 00:00:00",
        ] {
            assert_eq!(parse_date(s), d, "{s}");
        }
        assert_eq!(
            parse_date("令和元年5月1日"),
            NaiveDate::from_ymd_opt(2019, 5, 1)
        );
        assert_eq!(
            parse_date("平成31年4月30日"),
            NaiveDate::from_ymd_opt(2019, 4, 30)
        );
        for bad in ["2025-02-30", "昨日", "25/4/1", "2025-04", ""] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn flags() {
        assert_eq!(parse_flag("はい"), Some(true));
        assert_eq!(parse_flag("〇"), Some(true));
        assert_eq!(parse_flag("ＹＥＳ"), Some(true));
        assert_eq!(parse_flag(""), Some(false));
        assert_eq!(parse_flag("無"), Some(false));
        assert_eq!(parse_flag("maybe"), None);
    }
}
