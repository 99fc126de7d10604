//! Why a change cannot be applied: business-rule failures, reported to clients as `userErrors`.

/// A stable, machine-readable reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemCode {
    /// The territory a change is about does not exist (in this tenant).
    NotFound,
    /// The named parent does not exist (in this tenant).
    ParentNotFound,
    /// The move would create a cycle.
    Cycle,
    /// The hierarchy would get too deep.
    DepthExceeded,
    /// Another territory already has this code.
    CodeTaken,
    /// The territory changed since the client read it.
    StaleVersion,
    /// A territory with children cannot be deleted.
    HasChildren,
    /// An update that changes nothing.
    NothingToChange,
    /// An account the change names does not exist (in this tenant).
    AccountNotFound,
    /// A territory the change sends accounts to does not exist (in this tenant).
    TerritoryNotFound,
    /// A territory that still holds accounts cannot be deleted.
    HasAccounts,
    /// What a draft or a revert relies on was changed by someone else since.
    Conflict,
    /// A boundary operation (merge, split) has no valid result.
    InvalidBoundary,
    /// The realignment is not in a state that allows this (e.g. applying a discarded draft).
    InvalidStatus,
    /// A scheduled time that is not in the future.
    InvalidEffectiveAt,
    /// A change that cannot join this draft (e.g. anything beside a whole-tenant engine run).
    InvalidChange,
    /// A rep the change names does not exist (in this tenant).
    RepNotFound,
    /// A deactivated rep cannot be given territories.
    RepInactive,
    /// The territory already has an OWNER.
    OwnerTaken,
}

impl ProblemCode {
    /// The wire spelling (`userErrors.code`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => "NOT_FOUND",
            Self::ParentNotFound => "PARENT_NOT_FOUND",
            Self::Cycle => "CYCLE",
            Self::DepthExceeded => "DEPTH_EXCEEDED",
            Self::CodeTaken => "CODE_TAKEN",
            Self::StaleVersion => "STALE_VERSION",
            Self::HasChildren => "HAS_CHILDREN",
            Self::NothingToChange => "NOTHING_TO_CHANGE",
            Self::AccountNotFound => "ACCOUNT_NOT_FOUND",
            Self::TerritoryNotFound => "TERRITORY_NOT_FOUND",
            Self::HasAccounts => "HAS_ACCOUNTS",
            Self::Conflict => "CONFLICT",
            Self::InvalidBoundary => "INVALID_BOUNDARY",
            Self::InvalidStatus => "INVALID_STATUS",
            Self::InvalidEffectiveAt => "INVALID_EFFECTIVE_AT",
            Self::InvalidChange => "INVALID_CHANGE",
            Self::RepNotFound => "REP_NOT_FOUND",
            Self::RepInactive => "REP_INACTIVE",
            Self::OwnerTaken => "OWNER_TAKEN",
        }
    }

    /// Every code, for parsing.
    const ALL: [ProblemCode; 19] = [
        Self::NotFound,
        Self::ParentNotFound,
        Self::Cycle,
        Self::DepthExceeded,
        Self::CodeTaken,
        Self::StaleVersion,
        Self::HasChildren,
        Self::NothingToChange,
        Self::AccountNotFound,
        Self::TerritoryNotFound,
        Self::HasAccounts,
        Self::Conflict,
        Self::InvalidBoundary,
        Self::InvalidStatus,
        Self::InvalidEffectiveAt,
        Self::InvalidChange,
        Self::RepNotFound,
        Self::RepInactive,
        Self::OwnerTaken,
    ];

    /// Parses the wire spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// One reason a realignment cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Which change (index in the realignment's list).
    pub change_index: usize,
    /// Stable code.
    pub code: ProblemCode,
    /// The input field at fault, e.g. `["parentId"]`.
    pub field: Vec<String>,
    /// A sentence for people.
    pub message: String,
}

impl Problem {
    /// A problem with change `change_index`, on input `field`.
    pub fn new(
        change_index: usize,
        code: ProblemCode,
        field: &str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            change_index,
            code,
            field: vec![field.to_owned()],
            message: message.into(),
        }
    }
}
