//! What applying a change did: territory before/after pairs and account moves, with the
//! streaming digest that stands for a bulk move in the audit log.

use sha2::{Digest, Sha256};

use crate::account::Amount;
use crate::assignment::Assignment;
use crate::ids::{AccountId, RepId, TerritoryId};
use crate::quota::QuotaKey;
use crate::rep::MemberRole;
use crate::territory::Territory;

/// What one change did.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// A territory changed.
    Territory(Box<TerritoryEffect>),
    /// Accounts moved.
    Accounts(AccountsEffect),
    /// A rep's role on a territory changed.
    Member(MemberEffect),
    /// A quota changed.
    Quota(QuotaEffect),
}

/// A rep's role on a territory before and after (`None`: not a member).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberEffect {
    /// Index of the change in the realignment.
    pub change_index: usize,
    /// The territory.
    pub territory_id: TerritoryId,
    /// The rep.
    pub rep_id: RepId,
    /// Before.
    pub before: Option<MemberRole>,
    /// After.
    pub after: Option<MemberRole>,
}

/// A quota before and after (`None`: not set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaEffect {
    /// Index of the change in the realignment.
    pub change_index: usize,
    /// Which quota.
    pub key: QuotaKey,
    /// Before.
    pub before: Option<Amount>,
    /// After.
    pub after: Option<Amount>,
}

/// One account's move: where it was and where it is now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccountMove {
    /// The account.
    pub account_id: AccountId,
    /// Before (`None`: unassigned).
    pub from: Option<Assignment>,
    /// After (`None`: unassigned).
    pub to: Option<Assignment>,
}

/// The accounts one change moved (moves to where an account already was are left out).
#[derive(Debug, Clone, PartialEq)]
pub struct AccountsEffect {
    /// Index of the change in the realignment.
    pub change_index: usize,
    /// The moves, in account-id order.
    pub moves: Vec<AccountMove>,
}

impl AccountsEffect {
    /// The [`MoveDigest`] of the moves, in account-id order: the audit event of a bulk move
    /// records this instead of one event per account.
    pub fn digest(&self) -> String {
        let mut digest = MoveDigest::default();
        self.moves.iter().for_each(|m| digest.add(m));
        digest.finish()
    }
}

/// SHA-256 over account moves, one canonical line each
/// (`account,from_territory,from_source,from_rule,from_pinned,to_territory,to_source,to_rule,to_pinned`),
/// fed in account-id order. Streaming, so a store can compute it over millions of stored move
/// rows without holding them, and an auditor can recompute it from the rows.
#[derive(Debug, Clone, Default)]
pub struct MoveDigest {
    hasher: Sha256,
    count: u64,
}

impl MoveDigest {
    /// Feeds the next move (callers feed moves in account-id order).
    pub fn add(&mut self, m: &AccountMove) {
        let side = |a: &Option<Assignment>| match a {
            Some(a) => format!(
                "{},{},{},{}",
                a.territory_id,
                a.source.as_str(),
                a.rule_id.map(|r| r.to_string()).unwrap_or_default(),
                a.pinned
            ),
            None => ",,,".to_owned(),
        };
        self.hasher
            .update(format!("{},{},{}\n", m.account_id, side(&m.from), side(&m.to)).as_bytes());
        self.count += 1;
    }

    /// How many moves were fed.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The hex digest.
    pub fn finish(self) -> String {
        hex::encode(self.hasher.finalize())
    }
}

/// What a change did to a territory: before and after (`None` = did not exist / deleted).
#[derive(Debug, Clone, PartialEq)]
pub struct TerritoryEffect {
    /// Index of the change in the realignment.
    pub change_index: usize,
    /// Audit action, e.g. `territory.moved`.
    pub action: &'static str,
    /// Which territory.
    pub territory_id: TerritoryId,
    /// Before the change.
    pub before: Option<Territory>,
    /// After the change.
    pub after: Option<Territory>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assignment::Source;

    fn moved(to: Option<TerritoryId>) -> AccountMove {
        AccountMove {
            account_id: AccountId::new(),
            from: None,
            to: to.map(|territory_id| Assignment {
                territory_id,
                source: Source::Manual,
                rule_id: None,
                pinned: true,
            }),
        }
    }

    #[test]
    fn streamed_digest_equals_the_effect_digest_and_depends_on_every_move() {
        let moves: Vec<_> = (0..5).map(|_| moved(Some(TerritoryId::new()))).collect();
        let effect = AccountsEffect {
            change_index: 0,
            moves: moves.clone(),
        };
        let mut streamed = MoveDigest::default();
        moves.iter().for_each(|m| streamed.add(m));
        assert_eq!(streamed.count(), 5);
        assert_eq!(streamed.finish(), effect.digest());

        let mut changed = moves.clone();
        changed[3].to = None;
        let other = AccountsEffect {
            change_index: 0,
            moves: changed,
        };
        assert_ne!(other.digest(), effect.digest());
    }
}
