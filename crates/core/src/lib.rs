//! mamori-core: the regulation (能代市情報セキュリティ対策に関する規程, modelled on the MIC guideline)
//! as types and rules. No I/O, no SQL, no HTTP: everything here is pure and testable.

pub mod access;
pub mod asset;
pub mod citation;
pub mod classification;
pub mod compliance;
pub mod lang;
pub mod measures;
pub mod org;
pub mod policy_doc;
pub mod register;
pub mod risk;
pub mod threats;
pub mod zone;

pub use asset::{Asset, AssetKind, AssetStatus, ServiceTerms};
pub use citation::Citation;
pub use classification::{Classification, Dimension, Level, Scale, Scheme, SchemeEditError};
pub use lang::{Lang, Text};
pub use org::{
    Department, DepartmentKind, InformationSystem, Role, RoleAssignment, RoleScope, Staff,
};
pub use zone::{ModelVariant, Zone};
