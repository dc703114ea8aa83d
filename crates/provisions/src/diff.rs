//! The difference between two versions of a regulation, provision by provision (新旧対照).

use crate::model::{Provision, Regulation};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ChangeKind {
    Added,
    Removed,
    Modified,
}

/// One changed provision, matched by its citation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub citation: String,
    pub kind: ChangeKind,
    pub old: Option<Provision>,
    pub new: Option<Provision>,
}

/// Changes from `old` to `new`, in the new document's order, removed provisions after the one
/// that preceded them. Captions count as part of a provision.
pub fn diff(old: &Regulation, new: &Regulation) -> Vec<Change> {
    let (old_list, new_list) = (old.provisions(), new.provisions());
    let mut changes = Vec::new();
    for n in &new_list {
        match old_list.iter().find(|o| o.citation == n.citation) {
            None => changes.push(Change {
                citation: n.citation.clone(),
                kind: ChangeKind::Added,
                old: None,
                new: Some(n.clone()),
            }),
            Some(o) if o.text != n.text || o.caption != n.caption => changes.push(Change {
                citation: n.citation.clone(),
                kind: ChangeKind::Modified,
                old: Some(o.clone()),
                new: Some(n.clone()),
            }),
            Some(_) => {}
        }
    }
    for (i, o) in old_list.iter().enumerate() {
        if new_list.iter().any(|n| n.citation == o.citation) {
            continue;
        }
        // Place it after the change list's entry for the provision that preceded it, if any.
        let anchor = old_list[..i]
            .iter()
            .rev()
            .find_map(|prev| changes.iter().position(|c| c.citation == prev.citation));
        let at = anchor.map_or(changes.len(), |p| p + 1);
        changes.insert(
            at,
            Change {
                citation: o.citation.clone(),
                kind: ChangeKind::Removed,
                old: Some(o.clone()),
                new: None,
            },
        );
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    #[test]
    fn finds_added_removed_and_modified_provisions() {
        let old = parse("○規程\n（趣旨）\n第１条 趣旨。\n第２条 次のとおり。\n（１） 一\n（２） 二\n第３条 雑則。\n").unwrap();
        let new = parse("○規程\n（目的）\n第１条 趣旨。\n第２条 次のとおり。\n（１） 一（改）\n第３条 雑則。\n２ 追加の項。\n").unwrap();
        let got: Vec<(String, ChangeKind)> = diff(&old, &new)
            .into_iter()
            .map(|c| (c.citation, c.kind))
            .collect();
        assert_eq!(
            got,
            [
                ("第1条".to_string(), ChangeKind::Modified),
                ("第2条第1号".to_string(), ChangeKind::Modified),
                ("第2条第2号".to_string(), ChangeKind::Removed),
                ("第3条第2項".to_string(), ChangeKind::Added),
            ]
        );
        assert!(diff(&new, &new).is_empty());
    }
}
