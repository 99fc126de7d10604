//! Planned changes as JSON: how a draft keeps them, and how clients read them back. The reader
//! accepts only what the writer produces (plus validated values), so a stored plan round-trips.

use serde_json::{Value, json};

use super::change::{CreateTerritory, MoveTerritory, SetMember, SetQuota, UpdateTerritory};
use super::plan::{
    DeletePlan, MergeTerritories, MoveAccounts, PlanChange, RerunAssignment, SplitTerritory,
};
use crate::account::Amount;
use crate::ids::{AccountId, RepId, TerritoryId};
use crate::quota::{Metric, Period, QuotaKey};
use crate::rep::MemberRole;
use crate::territory::{Boundary, TerritoryCode, TerritoryName};

impl PlanChange {
    /// The change as JSON (`type` plus its fields, ids as UUIDs).
    pub fn to_json(&self) -> Value {
        let boundary = |b: &Option<Boundary>| b.as_ref().map(Boundary::to_geojson_value);
        let mut v = match self {
            PlanChange::MoveAccounts(c) => json!({
                "accountIds": c.account_ids,
                "to": c.to,
                "pin": c.pin,
                "expectedFrom": c.expected_from.iter().map(|(a, t)| json!([a, t])).collect::<Vec<_>>(),
            }),
            PlanChange::CreateTerritory(c) => json!({
                "id": c.id,
                "name": c.name.as_str(),
                "code": c.code.as_str(),
                "parentId": c.parent_id,
                "boundary": boundary(&c.boundary),
            }),
            PlanChange::UpdateTerritory(c) => {
                let mut v = json!({ "id": c.id, "expectedVersion": c.expected_version });
                if let Some(name) = &c.name {
                    v["name"] = json!(name.as_str());
                }
                if let Some(code) = &c.code {
                    v["code"] = json!(code.as_str());
                }
                if let Some(b) = &c.boundary {
                    v["boundary"] = json!(boundary(b));
                }
                v
            }
            PlanChange::MoveTerritory(c) => json!({
                "id": c.id,
                "parentId": c.parent_id,
                "expectedVersion": c.expected_version,
            }),
            PlanChange::DeleteTerritory(c) => json!({
                "id": c.id,
                "reassignAccountsTo": c.reassign_accounts_to,
                "expectedVersion": c.expected_version,
            }),
            PlanChange::MergeTerritories(c) => json!({
                "fromId": c.from_id,
                "intoId": c.into_id,
                "fromVersion": c.from_version,
                "intoVersion": c.into_version,
            }),
            PlanChange::SplitTerritory(c) => json!({
                "id": c.id,
                "newId": c.new_id,
                "boundary": c.boundary.to_geojson_value(),
                "newName": c.new_name.as_str(),
                "newCode": c.new_code.as_str(),
                "expectedVersion": c.expected_version,
            }),
            PlanChange::RerunAssignment(c) => json!({ "territoryId": c.territory_id }),
            PlanChange::SetMember(c) => json!({
                "territoryId": c.territory_id,
                "repId": c.rep_id,
                "role": c.role.map(MemberRole::as_str),
            }),
            PlanChange::SetQuota(c) => json!({
                "territoryId": c.key.territory_id,
                "period": c.key.period.label(),
                "metric": c.key.metric.as_str(),
                "amount": c.amount.map(|a| a.value().to_string()),
            }),
        };
        // The base of a staffing change, when it has one (null: the rep had no role there).
        if let PlanChange::SetMember(SetMember {
            expected: Some(expected),
            ..
        }) = self
        {
            v["expectedRole"] = json!(expected.map(MemberRole::as_str));
        }
        // The base of a quota change, when it has one (null: the quota was not set then).
        if let PlanChange::SetQuota(SetQuota {
            expected: Some(expected),
            ..
        }) = self
        {
            v["expectedAmount"] = json!(expected.map(|a| a.value().to_string()));
        }
        v["type"] = json!(self.kind());
        v
    }

    /// Reads a change written by [`PlanChange::to_json`].
    pub fn from_json(v: &Value) -> Result<PlanChange, String> {
        let kind = v["type"].as_str().ok_or("missing type")?;
        Ok(match kind {
            "moveAccounts" => PlanChange::MoveAccounts(MoveAccounts {
                account_ids: list(&v["accountIds"], |x| uuid(x).map(AccountId::from_uuid))?,
                to: opt_territory(&v["to"])?,
                pin: v["pin"].as_bool().unwrap_or(false),
                expected_from: list(&v["expectedFrom"], |pair| {
                    Ok((
                        AccountId::from_uuid(uuid(&pair[0])?),
                        opt_territory(&pair[1])?,
                    ))
                })?,
            }),
            "createTerritory" => PlanChange::CreateTerritory(CreateTerritory {
                id: territory(&v["id"])?,
                name: name(&v["name"])?,
                code: code(&v["code"])?,
                parent_id: opt_territory(&v["parentId"])?,
                boundary: opt_boundary(&v["boundary"])?,
            }),
            "updateTerritory" => PlanChange::UpdateTerritory(UpdateTerritory {
                id: territory(&v["id"])?,
                name: v.get("name").map(name).transpose()?,
                code: v.get("code").map(code).transpose()?,
                boundary: v.get("boundary").map(opt_boundary).transpose()?,
                expected_version: v["expectedVersion"].as_i64(),
            }),
            "moveTerritory" => PlanChange::MoveTerritory(MoveTerritory {
                id: territory(&v["id"])?,
                parent_id: opt_territory(&v["parentId"])?,
                expected_version: v["expectedVersion"].as_i64(),
            }),
            "deleteTerritory" => PlanChange::DeleteTerritory(DeletePlan {
                id: territory(&v["id"])?,
                reassign_accounts_to: opt_territory(&v["reassignAccountsTo"])?,
                expected_version: v["expectedVersion"].as_i64(),
            }),
            "mergeTerritories" => PlanChange::MergeTerritories(MergeTerritories {
                from_id: territory(&v["fromId"])?,
                into_id: territory(&v["intoId"])?,
                from_version: v["fromVersion"].as_i64(),
                into_version: v["intoVersion"].as_i64(),
            }),
            "splitTerritory" => PlanChange::SplitTerritory(SplitTerritory {
                id: territory(&v["id"])?,
                new_id: territory(&v["newId"])?,
                boundary: opt_boundary(&v["boundary"])?.ok_or("split without boundary")?,
                new_name: name(&v["newName"])?,
                new_code: code(&v["newCode"])?,
                expected_version: v["expectedVersion"].as_i64(),
            }),
            "rerunAssignment" => PlanChange::RerunAssignment(RerunAssignment {
                territory_id: opt_territory(&v["territoryId"])?,
            }),
            "assignRep" | "unassignRep" => PlanChange::SetMember(SetMember {
                territory_id: territory(&v["territoryId"])?,
                rep_id: RepId::from_uuid(uuid(&v["repId"])?),
                role: match v["role"].as_str() {
                    None => None,
                    Some(r) => Some(MemberRole::parse(r).map_err(|e| e.to_string())?),
                },
                expected: match v.get("expectedRole") {
                    None => None,
                    Some(Value::Null) => Some(None),
                    Some(r) => Some(Some(
                        MemberRole::parse(r.as_str().ok_or("expectedRole must be a string")?)
                            .map_err(|e| e.to_string())?,
                    )),
                },
            }),
            "setQuota" => PlanChange::SetQuota(SetQuota {
                key: QuotaKey {
                    territory_id: territory(&v["territoryId"])?,
                    period: Period::parse(v["period"].as_str().unwrap_or_default())
                        .map_err(|e| e.to_string())?,
                    metric: Metric::parse(v["metric"].as_str().unwrap_or_default())
                        .ok_or("unknown metric")?,
                },
                amount: match v["amount"].as_str() {
                    None => None,
                    Some(a) => Some(Amount::parse(a).map_err(|e| e.to_string())?),
                },
                expected: match v.get("expectedAmount") {
                    None => None,
                    Some(Value::Null) => Some(None),
                    Some(e) => Some(Some(
                        Amount::parse(e.as_str().ok_or("expectedAmount must be a string")?)
                            .map_err(|e| e.to_string())?,
                    )),
                },
            }),
            other => return Err(format!("unknown change type {other}")),
        })
    }
}

fn uuid(v: &Value) -> Result<uuid::Uuid, String> {
    v.as_str()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("not a uuid: {v}"))
}

fn territory(v: &Value) -> Result<TerritoryId, String> {
    uuid(v).map(TerritoryId::from_uuid)
}

fn opt_territory(v: &Value) -> Result<Option<TerritoryId>, String> {
    if v.is_null() {
        Ok(None)
    } else {
        territory(v).map(Some)
    }
}

fn name(v: &Value) -> Result<TerritoryName, String> {
    TerritoryName::parse(v.as_str().unwrap_or_default()).map_err(|e| e.to_string())
}

fn code(v: &Value) -> Result<TerritoryCode, String> {
    TerritoryCode::parse(v.as_str().unwrap_or_default()).map_err(|e| e.to_string())
}

fn opt_boundary(v: &Value) -> Result<Option<Boundary>, String> {
    if v.is_null() {
        return Ok(None);
    }
    Boundary::from_stored(&v.to_string())
        .map(Some)
        .map_err(|e| e.to_string())
}

fn list<T>(v: &Value, item: impl Fn(&Value) -> Result<T, String>) -> Result<Vec<T>, String> {
    v.as_array()
        .map(|items| items.iter().map(&item).collect())
        .unwrap_or_else(|| Ok(Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips() {
        let t = TerritoryId::new;
        let a = AccountId::new();
        let changes = vec![
            PlanChange::MoveAccounts(MoveAccounts {
                account_ids: vec![a],
                to: Some(t()),
                pin: true,
                expected_from: vec![(a, None)],
            }),
            PlanChange::CreateTerritory(CreateTerritory {
                id: t(),
                name: TerritoryName::parse("West").unwrap(),
                code: TerritoryCode::parse("W").unwrap(),
                parent_id: Some(t()),
                boundary: Some(Boundary::rectangle(0.0, 0.0, 1.0, 1.0).unwrap()),
            }),
            PlanChange::UpdateTerritory(UpdateTerritory {
                id: t(),
                name: None,
                code: Some(TerritoryCode::parse("X").unwrap()),
                boundary: Some(None),
                expected_version: Some(3),
            }),
            PlanChange::MoveTerritory(MoveTerritory {
                id: t(),
                parent_id: None,
                expected_version: Some(1),
            }),
            PlanChange::DeleteTerritory(DeletePlan {
                id: t(),
                reassign_accounts_to: Some(t()),
                expected_version: None,
            }),
            PlanChange::MergeTerritories(MergeTerritories {
                from_id: t(),
                into_id: t(),
                from_version: Some(2),
                into_version: Some(5),
            }),
            PlanChange::SplitTerritory(SplitTerritory {
                id: t(),
                new_id: t(),
                boundary: Boundary::rectangle(0.0, 0.0, 1.0, 1.0).unwrap(),
                new_name: TerritoryName::parse("North").unwrap(),
                new_code: TerritoryCode::parse("N").unwrap(),
                expected_version: Some(1),
            }),
            PlanChange::RerunAssignment(RerunAssignment { territory_id: None }),
            PlanChange::SetMember(SetMember {
                expected: None,
                territory_id: t(),
                rep_id: RepId::new(),
                role: Some(MemberRole::Owner),
            }),
            PlanChange::SetMember(SetMember {
                expected: None,
                territory_id: t(),
                rep_id: RepId::new(),
                role: None,
            }),
            PlanChange::SetMember(SetMember {
                territory_id: t(),
                rep_id: RepId::new(),
                role: Some(MemberRole::Overlay),
                expected: Some(None),
            }),
            PlanChange::SetMember(SetMember {
                territory_id: t(),
                rep_id: RepId::new(),
                role: None,
                expected: Some(Some(MemberRole::Owner)),
            }),
            PlanChange::SetQuota(SetQuota {
                expected: None,
                key: QuotaKey {
                    territory_id: t(),
                    period: Period::parse("FY2027-Q2").unwrap(),
                    metric: Metric::Units,
                },
                amount: Some(Amount::parse("12.5").unwrap()),
            }),
            // Planned against a quota that was not set, and against one that was.
            PlanChange::SetQuota(SetQuota {
                expected: Some(None),
                key: QuotaKey {
                    territory_id: t(),
                    period: Period::parse("FY2027").unwrap(),
                    metric: Metric::Revenue,
                },
                amount: Some(Amount::parse("10").unwrap()),
            }),
            PlanChange::SetQuota(SetQuota {
                expected: Some(Some(Amount::parse("7.25").unwrap())),
                key: QuotaKey {
                    territory_id: t(),
                    period: Period::parse("FY2027-M03").unwrap(),
                    metric: Metric::Revenue,
                },
                amount: None,
            }),
        ];
        for change in changes {
            let back = PlanChange::from_json(&change.to_json()).unwrap();
            assert_eq!(back, change);
        }
        assert!(PlanChange::from_json(&json!({ "type": "dance" })).is_err());
        assert!(PlanChange::from_json(&json!({ "type": "moveTerritory", "id": 7 })).is_err());
    }
}
