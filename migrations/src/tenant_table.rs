//! Builders for the shape every tenant-owned table shares.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::uuid;

/// `CREATE TABLE name (tenant_id uuid NOT NULL REFERENCES tenants(id), ...)`, with the columns
/// `extra_key` appended to the primary key `(tenant_id, ...)` by the caller through [`primary_key`].
pub fn create(name: &'static str) -> TableCreateStatement {
    Table::create()
        .table(name)
        .col(uuid("tenant_id"))
        .foreign_key(
            ForeignKey::create()
                .name(format!("fk_{name}_tenant"))
                .from(name, "tenant_id")
                .to("tenants", "id"),
        )
        .to_owned()
}

/// Primary key `(tenant_id, cols...)`.
pub fn primary_key(cols: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.col("tenant_id");
    for col in cols {
        index.col(*col);
    }
    index.primary().to_owned()
}

/// A composite foreign key `(tenant_id, column) -> target(tenant_id, id)`.
pub fn reference(
    name: &'static str,
    column: &'static str,
    target: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{name}_{column}"))
        .from(name, ("tenant_id", column))
        .to(target, ("tenant_id", "id"))
        .to_owned()
}

/// A plain index on `(tenant_id, cols...)`.
pub fn index(name: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(format!("ix_{name}_{}", cols.join("_")))
        .table(name)
        .col("tenant_id");
    for col in cols {
        index.col(*col);
    }
    index.to_owned()
}
