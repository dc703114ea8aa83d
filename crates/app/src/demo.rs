//! A fictional city for demonstrations, screenshots and benchmarks: あおば市 (架空).
//!
//! Departments, staff, 第5条 appointments, information systems in all three tiers, and any number of
//! assets with realistic names and classifications. A few percent of the assets break a rule on
//! purpose, so that `mamori check` has something to show. Generation is deterministic for a seed.

use crate::{Actor, AppError, Now};
use chrono::{NaiveDate, TimeDelta};
use mamori_core::org::{RoleAssignment, RoleScope};
use mamori_core::{
    Asset, AssetKind, AssetStatus, Classification, Department, DepartmentKind, InformationSystem,
    Role, Scheme, ServiceTerms, Staff, Zone,
};
use mamori_store::{ImportSummary, OrgData, Store};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

pub const CITY_NAME: &str = "あおば市";

/// A 課 with its code and its 係.
type Ka = (&'static str, &'static str, &'static [&'static str]);

/// 部 → 課 → 係, with codes.
const TREE: &[(&str, &str, &[Ka])] = &[
    (
        "1000",
        "総務部",
        &[
            ("1100", "総務課", &["庶務係", "文書法制係"]),
            ("1200", "人事課", &["人事係", "給与厚生係"]),
            (
                "1300",
                "情報政策課",
                &["情報システム係", "情報セキュリティ係"],
            ),
            ("1400", "財政課", &["財政係", "契約管財係"]),
        ],
    ),
    (
        "2000",
        "企画部",
        &[
            ("2100", "企画政策課", &["企画係"]),
            ("2200", "広報広聴課", &["広報係", "広聴係"]),
        ],
    ),
    (
        "3000",
        "市民生活部",
        &[
            ("3100", "市民課", &["住民記録係", "戸籍係"]),
            ("3200", "税務課", &["市民税係", "資産税係", "収納係"]),
            ("3300", "環境課", &["環境保全係"]),
        ],
    ),
    (
        "4000",
        "健康福祉部",
        &[
            ("4100", "福祉課", &["障がい福祉係", "生活保護係"]),
            ("4200", "保険年金課", &["国保係", "年金係"]),
            ("4300", "介護保険課", &["介護認定係"]),
            ("4400", "子育て支援課", &["子育て給付係", "保育係"]),
        ],
    ),
    (
        "5000",
        "建設部",
        &[
            ("5100", "都市計画課", &["計画係"]),
            ("5200", "道路河川課", &["維持係"]),
        ],
    ),
    (
        "6000",
        "教育委員会事務局",
        &[
            ("6100", "教育総務課", &["総務係"]),
            ("6200", "学校教育課", &["学務係"]),
        ],
    ),
    ("9000", "監査委員事務局", &[("9100", "監査課", &["監査係"])]),
];

const SURNAMES: &[&str] = &[
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "山口",
    "松本",
    "井上",
    "木村",
    "斎藤",
    "工藤",
    "菅原",
    "三浦",
    "藤田",
    "成田",
    "畠山",
    "石川",
    "大塚",
];
const GIVEN: &[&str] = &[
    "翔太",
    "大輔",
    "健一",
    "直樹",
    "拓也",
    "誠",
    "浩二",
    "隆",
    "陽子",
    "美穂",
    "恵",
    "裕子",
    "真由美",
    "彩",
    "千尋",
    "由紀",
    "智子",
    "亮",
    "悠斗",
    "葵",
    "結衣",
    "蓮",
    "陽菜",
    "学",
];

/// (code, name, zone, owning 課)
const SYSTEMS: &[(&str, &str, Zone, &str)] = &[
    ("SYS-JUKI", "住民記録システム", Zone::MyNumber, "3100"),
    ("SYS-KOSEKI", "戸籍情報システム", Zone::MyNumber, "3100"),
    ("SYS-ZEI", "税務システム", Zone::MyNumber, "3200"),
    ("SYS-KOKUHO", "国民健康保険システム", Zone::MyNumber, "4200"),
    ("SYS-KAIGO", "介護保険システム", Zone::MyNumber, "4300"),
    ("SYS-FUKUSHI", "福祉総合システム", Zone::MyNumber, "4100"),
    ("SYS-CHUKAN", "中間サーバ接続端末", Zone::MyNumber, "1300"),
    ("SYS-ZAIMU", "財務会計システム", Zone::Lgwan, "1400"),
    ("SYS-BUNSHO", "文書管理システム", Zone::Lgwan, "1100"),
    ("SYS-JINJI", "人事給与システム", Zone::Lgwan, "1200"),
    ("SYS-GW", "グループウェア", Zone::Lgwan, "1300"),
    ("SYS-FILE", "庁内ファイルサーバ", Zone::Lgwan, "1300"),
    ("SYS-GIS", "統合型GIS", Zone::Lgwan, "5100"),
    ("SYS-MAIL", "インターネットメール", Zone::Internet, "1300"),
    (
        "SYS-CMS",
        "ホームページ管理システム",
        Zone::Internet,
        "2200",
    ),
    (
        "SYS-MUGAI",
        "メール無害化ゲートウェイ",
        Zone::Internet,
        "1300",
    ),
];

/// An asset pattern: (name, kind, zone, 機密性 grade, 完全性, 可用性, personal, my number, system, retention).
type Template = (
    &'static str,
    AssetKind,
    Option<Zone>,
    u8,
    &'static str,
    &'static str,
    bool,
    bool,
    Option<&'static str>,
    &'static str,
);

const TEMPLATES: &[Template] = &[
    (
        "住民基本台帳データ",
        AssetKind::Information,
        Some(Zone::MyNumber),
        3,
        "2",
        "2",
        true,
        true,
        Some("SYS-JUKI"),
        "永年",
    ),
    (
        "戸籍副本データ",
        AssetKind::Information,
        Some(Zone::MyNumber),
        3,
        "2",
        "2",
        true,
        true,
        Some("SYS-KOSEKI"),
        "永年",
    ),
    (
        "個人住民税課税台帳",
        AssetKind::Information,
        Some(Zone::MyNumber),
        3,
        "2",
        "2",
        true,
        true,
        Some("SYS-ZEI"),
        "7年",
    ),
    (
        "固定資産課税台帳",
        AssetKind::Information,
        Some(Zone::MyNumber),
        3,
        "2",
        "2",
        true,
        true,
        Some("SYS-ZEI"),
        "7年",
    ),
    (
        "国民健康保険被保険者台帳",
        AssetKind::Information,
        Some(Zone::MyNumber),
        3,
        "2",
        "2",
        true,
        true,
        Some("SYS-KOKUHO"),
        "5年",
    ),
    (
        "介護認定調査票",
        AssetKind::Information,
        Some(Zone::MyNumber),
        3,
        "2",
        "1",
        true,
        true,
        Some("SYS-KAIGO"),
        "5年",
    ),
    (
        "生活保護ケース記録",
        AssetKind::Information,
        Some(Zone::MyNumber),
        3,
        "2",
        "2",
        true,
        true,
        Some("SYS-FUKUSHI"),
        "5年",
    ),
    (
        "住民票の写し等交付申請書",
        AssetKind::Printed,
        None,
        3,
        "1",
        "1",
        true,
        false,
        None,
        "1年",
    ),
    (
        "マイナンバーカード交付関係書類",
        AssetKind::Printed,
        None,
        3,
        "2",
        "1",
        true,
        true,
        None,
        "15年",
    ),
    (
        "予算編成資料",
        AssetKind::Information,
        Some(Zone::Lgwan),
        2,
        "2",
        "1",
        false,
        false,
        Some("SYS-ZAIMU"),
        "10年",
    ),
    (
        "支出負担行為データ",
        AssetKind::Information,
        Some(Zone::Lgwan),
        2,
        "2",
        "2",
        false,
        false,
        Some("SYS-ZAIMU"),
        "5年",
    ),
    (
        "入札参加資格者名簿",
        AssetKind::Information,
        Some(Zone::Lgwan),
        2,
        "2",
        "1",
        true,
        false,
        Some("SYS-ZAIMU"),
        "5年",
    ),
    (
        "起案文書（電子決裁）",
        AssetKind::Information,
        Some(Zone::Lgwan),
        2,
        "2",
        "2",
        false,
        false,
        Some("SYS-BUNSHO"),
        "10年",
    ),
    (
        "職員人事記録",
        AssetKind::Information,
        Some(Zone::Lgwan),
        3,
        "2",
        "1",
        true,
        false,
        Some("SYS-JINJI"),
        "永年",
    ),
    (
        "給与支給データ",
        AssetKind::Information,
        Some(Zone::Lgwan),
        3,
        "2",
        "2",
        true,
        false,
        Some("SYS-JINJI"),
        "5年",
    ),
    (
        "庁内会議資料",
        AssetKind::Information,
        Some(Zone::Lgwan),
        2,
        "1",
        "1",
        false,
        false,
        Some("SYS-FILE"),
        "3年",
    ),
    (
        "業務マニュアル",
        AssetKind::Information,
        Some(Zone::Lgwan),
        2,
        "1",
        "1",
        false,
        false,
        Some("SYS-FILE"),
        "常用",
    ),
    (
        "都市計画図データ",
        AssetKind::Information,
        Some(Zone::Lgwan),
        1,
        "2",
        "1",
        false,
        false,
        Some("SYS-GIS"),
        "永年",
    ),
    (
        "道路台帳",
        AssetKind::Information,
        Some(Zone::Lgwan),
        1,
        "2",
        "1",
        false,
        false,
        Some("SYS-GIS"),
        "永年",
    ),
    (
        "市ホームページ掲載原稿",
        AssetKind::Information,
        Some(Zone::Internet),
        1,
        "2",
        "2",
        false,
        false,
        Some("SYS-CMS"),
        "5年",
    ),
    (
        "広報紙原稿",
        AssetKind::Information,
        Some(Zone::Internet),
        1,
        "1",
        "1",
        false,
        false,
        Some("SYS-CMS"),
        "5年",
    ),
    (
        "市民からの問合せメール",
        AssetKind::Information,
        Some(Zone::Internet),
        2,
        "1",
        "1",
        true,
        false,
        Some("SYS-MAIL"),
        "1年",
    ),
    (
        "イベント参加申込データ",
        AssetKind::Information,
        Some(Zone::External),
        2,
        "1",
        "1",
        true,
        false,
        None,
        "1年",
    ),
    (
        "業務用端末",
        AssetKind::Equipment,
        Some(Zone::Lgwan),
        2,
        "2",
        "2",
        false,
        false,
        None,
        "耐用年数",
    ),
    (
        "マイナンバー系業務端末",
        AssetKind::Equipment,
        Some(Zone::MyNumber),
        3,
        "2",
        "2",
        false,
        false,
        None,
        "耐用年数",
    ),
    (
        "インターネット閲覧用端末",
        AssetKind::Equipment,
        Some(Zone::Internet),
        1,
        "1",
        "1",
        false,
        false,
        None,
        "耐用年数",
    ),
    (
        "複合機",
        AssetKind::Equipment,
        Some(Zone::Lgwan),
        2,
        "1",
        "2",
        false,
        false,
        None,
        "耐用年数",
    ),
    (
        "USBメモリ（暗号化）",
        AssetKind::Media,
        Some(Zone::Lgwan),
        2,
        "1",
        "1",
        false,
        false,
        None,
        "耐用年数",
    ),
    (
        "バックアップテープ",
        AssetKind::Media,
        Some(Zone::MyNumber),
        3,
        "2",
        "2",
        true,
        true,
        None,
        "5年",
    ),
    (
        "庁内LAN",
        AssetKind::Network,
        Some(Zone::Lgwan),
        2,
        "2",
        "2",
        false,
        false,
        None,
        "常用",
    ),
    (
        "システム仕様書",
        AssetKind::SystemDocument,
        None,
        2,
        "1",
        "1",
        false,
        false,
        None,
        "常用",
    ),
    (
        "ネットワーク構成図",
        AssetKind::SystemDocument,
        None,
        3,
        "2",
        "1",
        false,
        false,
        None,
        "常用",
    ),
];

const LOCATIONS: &[&str] = &[
    "本庁舎3階サーバ室",
    "本庁舎2階執務室",
    "第二庁舎1階書庫",
    "データセンター（県域）",
    "本庁舎地下書庫",
    "各課執務室",
];

fn confidentiality_code(scheme: &Scheme, grade: u8, rng: &mut StdRng) -> Option<String> {
    let levels: Vec<&str> = scheme
        .confidentiality
        .levels
        .iter()
        .filter(|l| l.grade == grade)
        .map(|l| l.code.as_str())
        .collect();
    // Under mic-r6 most grade-3 information is 3B or 3C; 3A (secret documents) is rare.
    let weighted: Vec<&str> = levels
        .iter()
        .flat_map(|c| std::iter::repeat_n(*c, if *c == "3A" { 1 } else { 6 }))
        .collect();
    weighted.choose(rng).map(|s| s.to_string())
}

fn person(rng: &mut StdRng) -> String {
    format!(
        "{} {}",
        SURNAMES.choose(rng).unwrap_or(&"佐藤"),
        GIVEN.choose(rng).unwrap_or(&"翔太")
    )
}

/// The organisation of the demo city.
pub fn organisation(rng: &mut StdRng) -> OrgData {
    let mut data = OrgData::default();
    let mut staff_no = 0;
    let mut next_staff = |dept: &str, rng: &mut StdRng, data: &mut OrgData| {
        staff_no += 1;
        let id = format!("S{staff_no:05}");
        data.staff.push(Staff {
            id: id.clone(),
            name: person(rng),
            department: dept.to_string(),
            email: Some(format!("s{staff_no:05}@city.aoba.example.lg.jp")),
            active: true,
        });
        id
    };
    let mut heads_of_bu = Vec::new();
    for (bu_code, bu_name, kas) in TREE {
        data.departments.push(Department {
            code: (*bu_code).into(),
            name: (*bu_name).into(),
            kind: DepartmentKind::Bu,
            parent: None,
        });
        let head = next_staff(bu_code, rng, &mut data);
        heads_of_bu.push(head.clone());
        data.assignments.push(RoleAssignment {
            staff: head.clone(),
            role: Role::SecurityOfficer,
            scope: RoleScope::Department((*bu_code).into()),
        });
        data.assignments.push(RoleAssignment {
            staff: head,
            role: Role::CommitteeMember,
            scope: RoleScope::Organisation,
        });
        for (ka_code, ka_name, kakaris) in *kas {
            data.departments.push(Department {
                code: (*ka_code).into(),
                name: (*ka_name).into(),
                kind: DepartmentKind::Ka,
                parent: Some((*bu_code).into()),
            });
            let ka_head = next_staff(ka_code, rng, &mut data);
            data.assignments.push(RoleAssignment {
                staff: ka_head,
                role: Role::SecurityAdministrator,
                scope: RoleScope::Department((*ka_code).into()),
            });
            for (i, kakari) in kakaris.iter().enumerate() {
                let code = format!("{}{}", &ka_code[..3], i + 1);
                data.departments.push(Department {
                    code: code.clone(),
                    name: (*kakari).into(),
                    kind: DepartmentKind::Kakari,
                    parent: Some((*ka_code).into()),
                });
                for _ in 0..rng.random_range(2..=4) {
                    next_staff(&code, rng, &mut data);
                }
            }
        }
    }
    // The CISO is the deputy mayor; the 統括 is the head of 総務部, who also chairs the committee.
    let ciso = next_staff("1000", rng, &mut data);
    data.assignments.push(RoleAssignment {
        staff: ciso,
        role: Role::Ciso,
        scope: RoleScope::Organisation,
    });
    if let Some(general_affairs_head) = heads_of_bu.first() {
        data.assignments.push(RoleAssignment {
            staff: general_affairs_head.clone(),
            role: Role::ChiefSecurityOfficer,
            scope: RoleScope::Organisation,
        });
    }
    for _ in 0..3 {
        let member = next_staff("1302", rng, &mut data);
        data.assignments.push(RoleAssignment {
            staff: member,
            role: Role::CsirtMember,
            scope: RoleScope::Organisation,
        });
    }
    let auditor = next_staff("9101", rng, &mut data);
    data.assignments.push(RoleAssignment {
        staff: auditor,
        role: Role::Auditor,
        scope: RoleScope::Organisation,
    });

    for (code, name, zone, owner) in SYSTEMS {
        data.systems.push(InformationSystem {
            code: (*code).into(),
            name: (*name).into(),
            zone: *zone,
            department: (*owner).into(),
        });
        let admin = next_staff(owner, rng, &mut data);
        data.assignments.push(RoleAssignment {
            staff: admin,
            role: Role::SystemAdministrator,
            scope: RoleScope::System((*code).into()),
        });
        let operator = next_staff(owner, rng, &mut data);
        data.assignments.push(RoleAssignment {
            staff: operator,
            role: Role::SystemOperator,
            scope: RoleScope::System((*code).into()),
        });
    }
    data
}

/// `count` assets spread over the 課 of the organisation.
pub fn assets(
    count: usize,
    org: &OrgData,
    scheme: &Scheme,
    today: NaiveDate,
    rng: &mut StdRng,
) -> Vec<Asset> {
    let kas: Vec<&Department> = org
        .departments
        .iter()
        .filter(|d| d.kind == DepartmentKind::Ka)
        .collect();
    let staff_of = |dept: &str| -> Vec<&Staff> {
        org.staff
            .iter()
            .filter(|s| s.department == dept || s.department.starts_with(&dept[..3]))
            .collect()
    };
    let mut out = Vec::with_capacity(count);
    for n in 1..=count {
        let t = TEMPLATES[rng.random_range(0..TEMPLATES.len())];
        let (
            name,
            kind,
            zone,
            grade,
            integrity,
            availability,
            personal,
            my_number,
            system,
            retention,
        ) = t;
        // Systems belong to their own 課; other assets to any 課.
        let owner = system
            .and_then(|s| SYSTEMS.iter().find(|x| x.0 == s))
            .map(|x| x.3.to_string())
            .or_else(|| kas.choose(rng).map(|d| d.code.clone()));
        let owner_name = owner
            .as_deref()
            .and_then(|c| org.departments.iter().find(|d| d.code == c))
            .map(|d| d.name.as_str())
            .unwrap_or("");
        let year = rng.random_range(2019..=2026);
        let mut a = Asset::new(
            format!("A-{n:06}"),
            format!("{name}（{owner_name}・{year}年度）"),
            kind,
        );
        a.manager = owner
            .as_deref()
            .and_then(|o| staff_of(o).choose(rng).map(|s| s.id.clone()));
        a.department = owner;
        a.zone = zone;
        a.system = system.map(String::from);
        a.location = LOCATIONS.choose(rng).unwrap_or(&"").to_string();
        a.classification = Classification {
            confidentiality: confidentiality_code(scheme, grade, rng),
            integrity: Some(integrity.into()),
            availability: Some(availability.into()),
        };
        a.personal_info = personal;
        a.my_number = my_number;
        a.retention = retention.into();
        a.disposal_method = match kind {
            AssetKind::Printed | AssetKind::SystemDocument => "溶解処理".into(),
            AssetKind::Equipment | AssetKind::Media => "物理破壊（証明書取得）".into(),
            _ => "データ消去ソフトによる完全消去".into(),
        };
        a.next_review = Some(today + TimeDelta::days(rng.random_range(30..=365)));
        if zone == Some(Zone::External) {
            a.external_service = "電子申請サービス（県共同調達）".into();
            a.external_terms = Some(ServiceTerms::Contract);
        }
        // About 4% are in disorder on purpose, the way real registers are.
        match rng.random_range(0..100) {
            0 => a.next_review = Some(today - TimeDelta::days(rng.random_range(1..=400))),
            1 => a.classification.availability = None,
            2 if zone == Some(Zone::External) => {
                a.external_service = "無料オンラインストレージ".into();
                a.external_terms = Some(ServiceTerms::Standard);
            }
            3 if my_number => a.zone = Some(Zone::Lgwan),
            4 => {
                a.status = AssetStatus::Disposed;
                a.disposed_on = Some(today - TimeDelta::days(rng.random_range(1..=700)));
                if rng.random_bool(0.3) {
                    a.disposal_method.clear();
                }
            }
            _ => {}
        }
        out.push(a);
    }
    out
}

/// What seed-demo made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seeded {
    pub departments: usize,
    pub staff: usize,
    pub systems: usize,
    pub assignments: usize,
    pub assets: ImportSummary,
}

/// Initialise `store` as the demo city (if it is empty) and add `asset_count` assets.
pub async fn seed(
    store: &Store,
    asset_count: usize,
    seed: u64,
    scheme: &Scheme,
    actor: &Actor,
    now: Now,
) -> Result<Seeded, AppError> {
    let mut rng = StdRng::seed_from_u64(seed);
    let at = now.timestamp();
    store
        .init_organisation(
            CITY_NAME,
            scheme,
            mamori_core::ModelVariant::Alpha,
            &actor.0,
            &at,
        )
        .await?;
    let org = organisation(&mut rng);
    store.add_org_data(&org, &actor.0, &at).await?;
    let assets = assets(asset_count, &org, scheme, now.today_in_japan(), &mut rng);
    let summary = store
        .import_assets(assets, scheme, &actor.0, &at, false)
        .await?;
    Ok(Seeded {
        departments: org.departments.len(),
        staff: org.staff.len(),
        systems: org.systems.len(),
        assignments: org.assignments.len(),
        assets: summary,
    })
}
