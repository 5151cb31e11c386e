/** How the platform database marks tenants and their rows (SPEC §2). */
export interface TenancyConfig {
  /** Table listing tenants, optionally schema-qualified (`tenants`, `public.tenants`). Key column `id`. */
  tenantTable: string;
  /** Column that marks tenant-owned rows (`tenant_id`). */
  tenantIdColumn: string;
  /** Column of the tenants table whose value marks active tenants, and that value; null disables the filter. */
  activeFilter: { column: string; value: string } | null;
}

export interface ColumnSpec {
  name: string;
  /** format_type() of the column, e.g. `numeric(12,2)`, `public.invoice_status`, `text[]`. */
  type: string;
  nullable: boolean;
  hasDefault: boolean;
  /** Stored generated columns are never exported nor written: PostgreSQL recomputes them. */
  generated: boolean;
  /** 'a' (ALWAYS), 'd' (BY DEFAULT) or null. */
  identity: 'a' | 'd' | null;
}

export interface ForeignKeySpec {
  name: string;
  columns: string[];
  /** Qualified name of the referenced table, `"schema"."table"` (the form of TableSpec.qualifiedName). */
  references: string;
  referencedColumns: string[];
  /** Set for a key added NOT VALID and not validated since: rows older than it may break it. */
  notValid?: true;
}

/** How a table's rows are tied to the tenant (docs/TENANT-SCOPE.md). */
export type TenantScope =
  | { kind: 'tenant-row' } // the tenants table itself: WHERE id = tenant
  | { kind: 'tenant-column'; column: string } // WHERE <column> = tenant (the configured tenantIdColumn)
  // Rows reaching a tenant-scoped parent through these keys (every tenant-reaching key). With an `owner`, only that
  // key decides: a row belongs to the tenant its parent through it belongs to. Without, it belongs to each tenant one
  // of `via` reaches.
  | { kind: 'foreign-key'; via: ForeignKeySpec[]; owner?: ForeignKeySpec };

export interface TableSpec {
  schema: string;
  name: string;
  /** `"schema"."name"`, quoted for SQL. */
  qualifiedName: string;
  columns: ColumnSpec[];
  primaryKey: string[];
  foreignKeys: ForeignKeySpec[];
  scope: TenantScope;
  /** Sequences owned by this table's columns (serial / identity), `"schema"."seq"` (usable as a regclass) with the column. */
  sequences: { column: string; sequence: string }[];
  /**
   * The leading plain columns of each valid, non-partial index, in index order (an expression ends the list): what
   * a lookup by those columns can use. Read by discovery; absent, no index is known.
   */
  indexes?: string[][];
}

/** A tenant's tables in dependency order: parents before children (self-references aside). */
export interface TenantGraph {
  tables: TableSpec[];
  /** Tables that are neither tenant-owned nor reach a tenant table: never exported, never touched. Qualified names, sorted. */
  globalTables: string[];
}
