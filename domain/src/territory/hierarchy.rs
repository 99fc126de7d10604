//! The territory tree: who is whose parent, and the rules every change to it must keep —
//! no cycles, parents that exist, and at most [`MAX_DEPTH`] levels below a root.

use std::collections::HashMap;

use crate::ids::TerritoryId;

/// Deepest a territory may sit: a root has depth 0, its children 1, and so on up to 12.
pub const MAX_DEPTH: usize = 12;

/// Why a place in the tree was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HierarchyError {
    /// The named parent is not a territory of this tenant.
    #[error("parent territory not found")]
    ParentNotFound,
    /// The move would put a territory under itself or one of its descendants.
    #[error("a territory cannot be placed under itself or one of its descendants")]
    Cycle,
    /// The move would put some territory deeper than [`MAX_DEPTH`].
    #[error("the hierarchy would be {depth} levels deep; at most {MAX_DEPTH} are allowed")]
    TooDeep {
        /// The depth the deepest affected territory would reach.
        depth: usize,
    },
}

/// A tenant's territory tree, as a parent map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hierarchy {
    parents: HashMap<TerritoryId, Option<TerritoryId>>,
}

impl Hierarchy {
    /// Builds the tree from `(id, parent)` pairs.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (TerritoryId, Option<TerritoryId>)>) -> Self {
        Self {
            parents: pairs.into_iter().collect(),
        }
    }

    /// Whether `id` is in the tree.
    pub fn contains(&self, id: TerritoryId) -> bool {
        self.parents.contains_key(&id)
    }

    /// The parent of `id`, if it has one.
    pub fn parent(&self, id: TerritoryId) -> Option<TerritoryId> {
        self.parents.get(&id).copied().flatten()
    }

    /// The chain above `id`, nearest first. Stops after `len()` steps so even a corrupt map
    /// cannot loop forever.
    pub fn ancestors(&self, id: TerritoryId) -> Vec<TerritoryId> {
        let mut chain = Vec::new();
        let mut current = self.parent(id);
        while let Some(parent) = current {
            if chain.len() > self.parents.len() {
                break;
            }
            chain.push(parent);
            current = self.parent(parent);
        }
        chain
    }

    /// How many ancestors `id` has (a root has depth 0).
    pub fn depth(&self, id: TerritoryId) -> usize {
        self.ancestors(id).len()
    }

    /// The direct children of `id`.
    pub fn children(&self, id: TerritoryId) -> Vec<TerritoryId> {
        self.parents
            .iter()
            .filter(|(_, parent)| **parent == Some(id))
            .map(|(child, _)| *child)
            .collect()
    }

    /// How many levels hang below `id` (0 for a leaf).
    pub fn height(&self, id: TerritoryId) -> usize {
        let mut children_of: HashMap<TerritoryId, Vec<TerritoryId>> = HashMap::new();
        for (child, parent) in &self.parents {
            if let Some(parent) = parent {
                children_of.entry(*parent).or_default().push(*child);
            }
        }
        let mut height = 0;
        let mut level = vec![id];
        while !level.is_empty() && height <= self.parents.len() {
            level = level
                .iter()
                .flat_map(|node| children_of.get(node).cloned().unwrap_or_default())
                .collect();
            if !level.is_empty() {
                height += 1;
            }
        }
        height
    }

    /// Checks that a new territory may be created under `parent`.
    pub fn check_new(&self, parent: Option<TerritoryId>) -> Result<(), HierarchyError> {
        let Some(parent) = parent else { return Ok(()) };
        if !self.contains(parent) {
            return Err(HierarchyError::ParentNotFound);
        }
        let depth = self.depth(parent) + 1;
        if depth > MAX_DEPTH {
            return Err(HierarchyError::TooDeep { depth });
        }
        Ok(())
    }

    /// Checks that existing territory `id` (with its whole subtree) may move under `parent`.
    pub fn check_move(
        &self,
        id: TerritoryId,
        parent: Option<TerritoryId>,
    ) -> Result<(), HierarchyError> {
        let Some(parent) = parent else { return Ok(()) };
        if !self.contains(parent) {
            return Err(HierarchyError::ParentNotFound);
        }
        if parent == id || self.ancestors(parent).contains(&id) {
            return Err(HierarchyError::Cycle);
        }
        let depth = self.depth(parent) + 1 + self.height(id);
        if depth > MAX_DEPTH {
            return Err(HierarchyError::TooDeep { depth });
        }
        Ok(())
    }

    /// Records `id` under `parent` (insert or move); callers check first.
    pub fn set_parent(&mut self, id: TerritoryId, parent: Option<TerritoryId>) {
        self.parents.insert(id, parent);
    }

    /// Removes `id`; callers make sure it has no children first.
    pub fn remove(&mut self, id: TerritoryId) {
        self.parents.remove(&id);
    }

    /// Number of territories in the tree.
    pub fn len(&self) -> usize {
        self.parents.len()
    }

    /// Whether the tree is empty.
    pub fn is_empty(&self) -> bool {
        self.parents.is_empty()
    }

    /// Whether every territory reaches a root (no cycles anywhere).
    pub fn is_acyclic(&self) -> bool {
        self.parents.keys().all(|id| {
            let mut current = self.parent(*id);
            let mut steps = 0;
            while let Some(parent) = current {
                steps += 1;
                if steps > self.parents.len() {
                    return false;
                }
                current = self.parent(parent);
            }
            true
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chain(n: usize) -> (Hierarchy, Vec<TerritoryId>) {
        let ids: Vec<_> = (0..n).map(|_| TerritoryId::new()).collect();
        let pairs = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, i.checked_sub(1).map(|p| ids[p])));
        (Hierarchy::from_pairs(pairs), ids)
    }

    #[test]
    fn ancestors_depth_and_height() {
        let (h, ids) = chain(4);
        assert_eq!(h.ancestors(ids[3]), vec![ids[2], ids[1], ids[0]]);
        assert_eq!(h.depth(ids[0]), 0);
        assert_eq!(h.depth(ids[3]), 3);
        assert_eq!(h.height(ids[0]), 3);
        assert_eq!(h.height(ids[3]), 0);
        assert_eq!(h.children(ids[1]), vec![ids[2]]);
    }

    #[test]
    fn refuses_cycles() {
        let (h, ids) = chain(3);
        assert_eq!(
            h.check_move(ids[0], Some(ids[2])),
            Err(HierarchyError::Cycle)
        );
        assert_eq!(
            h.check_move(ids[1], Some(ids[1])),
            Err(HierarchyError::Cycle)
        );
        assert_eq!(h.check_move(ids[2], None), Ok(()));
    }

    #[test]
    fn refuses_unknown_parents() {
        let (h, ids) = chain(2);
        assert_eq!(
            h.check_new(Some(TerritoryId::new())),
            Err(HierarchyError::ParentNotFound)
        );
        assert_eq!(
            h.check_move(ids[1], Some(TerritoryId::new())),
            Err(HierarchyError::ParentNotFound)
        );
    }

    #[test]
    fn depth_limit_counts_the_moved_subtree() {
        let (h, ids) = chain(MAX_DEPTH + 1); // depths 0..=12
        assert_eq!(h.check_new(Some(ids[MAX_DEPTH - 1])), Ok(()));
        assert_eq!(
            h.check_new(Some(ids[MAX_DEPTH])),
            Err(HierarchyError::TooDeep { depth: 13 })
        );

        let (mut h2, other) = chain(3); // a subtree of height 2
        for (id, parent) in h.parents.iter() {
            h2.set_parent(*id, *parent);
        }
        assert_eq!(h2.check_move(other[0], Some(ids[9])), Ok(())); // lands at 10..=12
        assert_eq!(
            h2.check_move(other[0], Some(ids[10])),
            Err(HierarchyError::TooDeep { depth: 13 })
        );
    }

    proptest! {
        /// Whatever moves are attempted, applying only those the rules accept never yields a cycle
        /// nor a territory deeper than the limit.
        #[test]
        fn checked_moves_never_create_cycles(
            parents in proptest::collection::vec(proptest::option::of(0usize..40), 1..40),
            moves in proptest::collection::vec((0usize..40, proptest::option::of(0usize..40)), 0..200),
        ) {
            let ids: Vec<TerritoryId> = (0..parents.len()).map(|_| TerritoryId::new()).collect();
            let mut h = Hierarchy::default();
            for (i, parent) in parents.iter().enumerate() {
                let parent = parent.filter(|p| *p < i).map(|p| ids[p]);
                if h.check_new(parent).is_ok() {
                    h.set_parent(ids[i], parent);
                }
            }
            for (child, parent) in moves {
                let child = ids[child % ids.len()];
                if !h.contains(child) { continue; }
                let parent = parent.map(|p| ids[p % ids.len()]);
                if h.check_move(child, parent).is_ok() {
                    h.set_parent(child, parent);
                }
                prop_assert!(h.is_acyclic());
            }
            for id in ids.iter().filter(|id| h.contains(**id)) {
                prop_assert!(h.depth(*id) <= MAX_DEPTH);
            }
        }
    }
}
