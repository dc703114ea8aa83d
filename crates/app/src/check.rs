//! `mamori check`: the compliance rules over the whole register.

use crate::{AppError, Now};
use mamori_core::compliance::{Finding, RuleContext, evaluate};
use mamori_store::{AssetFilter, Store};

pub async fn findings(store: &Store, now: Now) -> Result<Vec<Finding>, AppError> {
    let org = store.organisation().await?;
    let systems = store.systems().await?;
    let assets = store.assets(&AssetFilter::default()).await?;
    let ctx = RuleContext::new(&org.scheme, now.today_in_japan(), &systems);
    Ok(evaluate(&assets, &ctx))
}
