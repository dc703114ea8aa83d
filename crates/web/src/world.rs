//! What nearly every request reads — the organisation, its staff and appointments, and the whole
//! register — kept in memory as of one position of the audit chain.
//!
//! Every write of the store moves the chain head in its own transaction, so while the head stays
//! put, so does everything here; one cheap query per request (`Store::audit_head_seq`) checks it.
//! When the head moves the small parts are reloaded, and the register only if an asset changed.
//! Derived data (each person's visibility of every asset, sort orders, filtered lists) is computed
//! on first use and lives as long as its snapshot. Authorisation is still decided by
//! `Policy::visibility`; this only remembers its answers for the snapshot they were given for.

use crate::listing::{Filters, Sort};
use crate::session::OrgView;
use crate::{AppState, WebError};
use mamori_core::access::{AssetRef, Subject, Visibility};
use mamori_core::org::RoleAssignment;
use mamori_core::{Asset, Dimension, InformationSystem, Staff};
use mamori_store::Organisation;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Filtered lists kept per snapshot: beyond this many rows in all (16 MiB of indices) the cache
/// starts again, so that many different filters cannot grow the server's memory.
const MAX_CACHED_ROWS: usize = 4 << 20;

/// The register as of one asset-change position, with the lower-cased texts search needs.
pub(crate) struct Register {
    pub(crate) asset_seq: i64,
    pub(crate) assets: Vec<Asset>,
    pub(crate) id_lower: Vec<String>,
    pub(crate) name_lower: Vec<String>,
}

impl Register {
    fn new(asset_seq: i64, assets: Vec<Asset>) -> Register {
        Register {
            asset_seq,
            id_lower: assets.iter().map(|a| a.id.to_lowercase()).collect(),
            name_lower: assets.iter().map(|a| a.name.to_lowercase()).collect(),
            assets,
        }
    }
}

/// Who an API token acts as (see `api::auth`).
#[derive(Clone)]
pub(crate) struct TokenOwner {
    pub(crate) token_id: i64,
    pub(crate) login: String,
    pub(crate) staff: String,
}

/// A person as the policy sees them, with the name the pages show.
pub(crate) struct Person {
    pub(crate) name: String,
    pub(crate) subject: Subject,
}

pub(crate) struct World {
    pub(crate) head: i64,
    pub(crate) org: OrgView,
    pub(crate) organisation: Organisation,
    pub(crate) staff: HashMap<String, Staff>,
    pub(crate) assignments: HashMap<String, Vec<RoleAssignment>>,
    pub(crate) systems: Vec<InformationSystem>,
    pub(crate) register: Arc<Register>,
    derived: Arc<Derived>,
    /// Token owners looked up in this snapshot. Never carried over: revoking a token or disabling
    /// its owner moves the head.
    pub(crate) tokens: Mutex<HashMap<String, TokenOwner>>,
}

/// What is computed from the register, the departments, the scheme, the staff and appointments.
/// Carried over to the next snapshot when none of them changed (sign-ins and views of 機密性3
/// assets move the audit head but change none of them).
#[derive(Default)]
struct Derived {
    /// Index into `org.departments` of each asset's department (None when unset or unknown).
    asset_department: OnceLock<Vec<Option<u32>>>,
    orders: [OnceLock<Vec<u32>>; Sort::ALL.len()],
    visibility: Mutex<HashMap<String, Arc<Vec<Visibility>>>>,
    lists: Mutex<ListCache>,
}

#[derive(Default)]
struct ListCache {
    lists: HashMap<(String, String), Arc<Vec<u32>>>,
    rows: usize,
}

impl World {
    async fn load(
        state: &AppState,
        head: i64,
        previous: Option<Arc<World>>,
    ) -> Result<World, WebError> {
        let store = &state.store;
        let asset_seq = store.last_change_seq("asset").await?;
        let register = match &previous {
            Some(w) if w.register.asset_seq == asset_seq => w.register.clone(),
            _ => Arc::new(Register::new(
                asset_seq,
                store.assets(&mamori_store::AssetFilter::default()).await?,
            )),
        };
        let org = OrgView::read(state).await?;
        let organisation = store.organisation().await?;
        let staff = store
            .staff()
            .await?
            .into_iter()
            .map(|s| (s.id.clone(), s))
            .collect();
        let mut assignments: HashMap<String, Vec<RoleAssignment>> = HashMap::new();
        for a in store.role_assignments().await? {
            assignments.entry(a.staff.clone()).or_default().push(a);
        }
        let derived = match previous {
            Some(w)
                if Arc::ptr_eq(&w.register, &register)
                    && w.org.departments == org.departments
                    && w.organisation == organisation
                    && w.staff == staff
                    && w.assignments == assignments =>
            {
                w.derived.clone()
            }
            _ => Arc::new(Derived::default()),
        };
        Ok(World {
            head,
            org,
            organisation,
            staff,
            assignments,
            systems: store.systems().await?,
            register,
            derived,
            tokens: Mutex::new(HashMap::new()),
        })
    }

    /// An active member of staff as the policy sees them; None for unknown or inactive staff.
    pub(crate) fn person(&self, staff_id: &str) -> Option<Person> {
        let staff = self.staff.get(staff_id).filter(|s| s.active)?;
        Some(Person {
            name: staff.name.clone(),
            subject: Subject {
                staff_id: staff.id.clone(),
                department: staff.department.clone(),
                assignments: self.assignments.get(staff_id).cloned().unwrap_or_default(),
            },
        })
    }

    /// How much of each asset this person may see, by `Policy::visibility`, indexed like
    /// `register.assets`. Computed once per person and snapshot.
    pub(crate) fn visibility(&self, subject: &Subject) -> Arc<Vec<Visibility>> {
        if let Ok(cache) = self.derived.visibility.lock()
            && let Some(v) = cache.get(&subject.staff_id)
        {
            return v.clone();
        }
        let policy = self.org.policy();
        let scheme = &self.organisation.scheme;
        let computed: Arc<Vec<Visibility>> = Arc::new(
            self.register
                .assets
                .iter()
                .map(|a| policy.visibility(subject, &AssetRef::of(a, scheme)))
                .collect(),
        );
        if let Ok(mut cache) = self.derived.visibility.lock() {
            cache.insert(subject.staff_id.clone(), computed.clone());
        }
        computed
    }

    pub(crate) fn asset_department(&self) -> &[Option<u32>] {
        self.derived.asset_department.get_or_init(|| {
            let index: HashMap<&str, u32> = self
                .org
                .departments
                .iter()
                .enumerate()
                .map(|(i, d)| (d.code.as_str(), i as u32))
                .collect();
            self.register
                .assets
                .iter()
                .map(|a| a.department.as_deref().and_then(|d| index.get(d).copied()))
                .collect()
        })
    }

    /// The register's indices in the order of `sort`, as if every asset were fully visible.
    /// (Orders that depend on visibility are finished in `listing::ordered`.)
    pub(crate) fn order(&self, sort: Sort) -> &[u32] {
        self.derived.orders[sort as usize].get_or_init(|| {
            let assets = &self.register.assets;
            let mut order: Vec<u32> = (0..assets.len() as u32).collect();
            let at = |i: &u32| &assets[*i as usize];
            match sort {
                Sort::Id => order.sort_by(|x, y| at(x).id.cmp(&at(y).id)),
                Sort::Name => {
                    order.sort_by(|x, y| (&at(x).name, &at(x).id).cmp(&(&at(y).name, &at(y).id)))
                }
                Sort::Department => {
                    let name =
                        |i: &u32| self.org.name_of(at(i).department.as_deref().unwrap_or(""));
                    order.sort_by(|x, y| (name(x), &at(x).id).cmp(&(name(y), &at(y).id)))
                }
                Sort::Confidentiality => {
                    let scheme = &self.organisation.scheme;
                    let rank = |i: &u32| at(i).rank(scheme, Dimension::Confidentiality);
                    order.sort_by(|x, y| rank(y).cmp(&rank(x)).then(at(x).id.cmp(&at(y).id)))
                }
                Sort::Review => order.sort_by(|x, y| {
                    let key = |i: &u32| {
                        let d = at(i).next_review;
                        (d.is_none(), d, &at(i).id)
                    };
                    key(x).cmp(&key(y))
                }),
            }
            order
        })
    }

    /// Every asset this person may find with these filters, in order (indices into the register).
    /// Kept per (person, filters) for the snapshot, so paging through a list filters it once.
    pub(crate) fn matching(&self, subject: &Subject, filters: &Filters) -> Arc<Vec<u32>> {
        let key = (subject.staff_id.clone(), filters.cache_key());
        if let Ok(cache) = self.derived.lists.lock()
            && let Some(v) = cache.lists.get(&key)
        {
            return v.clone();
        }
        let visibility = self.visibility(subject);
        let found = Arc::new(crate::listing::select(self, &visibility, filters));
        if let Ok(mut cache) = self.derived.lists.lock() {
            if cache.rows + found.len() > MAX_CACHED_ROWS {
                *cache = ListCache::default();
            }
            cache.rows += found.len();
            cache.lists.insert(key, found.clone());
        }
        found
    }
}

impl AppState {
    /// The snapshot for the audit chain's current position, reloading what changed.
    pub(crate) async fn world(&self) -> Result<Arc<World>, WebError> {
        let head = self.store.audit_head_seq().await?;
        let current = self.world.lock().ok().and_then(|w| w.clone());
        if let Some(w) = &current
            && w.head == head
        {
            return Ok(w.clone());
        }
        // One loader at a time: a large register takes seconds and memory to load, and fifty
        // requests arriving together must not each load their own copy.
        let _loading = self.world_loading.lock().await;
        let current = self.world.lock().ok().and_then(|w| w.clone());
        if let Some(w) = &current
            && w.head >= head
        {
            return Ok(w.clone());
        }
        // Read the head before loading: a write landing during the load makes the snapshot newer
        // than its recorded position, never older, so the next request reloads.
        let head = self.store.audit_head_seq().await?;
        let world = Arc::new(World::load(self, head, current).await?);
        if let Ok(mut slot) = self.world.lock() {
            *slot = Some(world.clone());
        }
        Ok(world)
    }
}
