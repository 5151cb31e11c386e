import { ClientBase } from 'pg';
import { TenancyConfig } from '../tenant-data/tenant-data.types';

/**
 * The demo platform database: what `npm start` protects when no SOURCE_DATABASE_URL is set, and the platform the
 * tests run against. It has every column type and table shape SPEC §11 asks a restore to bring back byte-identical. Data is deterministic (no random(), no now()) so two seeded databases hash the same.
 * Text values carry the tenant's slug, so a leak of another tenant's rows is visible in an export.
 */
export const DEMO_TENANTS = {
  A: { id: '11111111-1111-4111-8111-111111111111', slug: 'acme', name: 'Acme Ωmega GmbH', status: 'active' },
  B: { id: '22222222-2222-4222-8222-222222222222', slug: 'globex', name: 'Globex 株式会社', status: 'active' },
  C: { id: '33333333-3333-4333-8333-333333333333', slug: 'initech', name: 'Initech', status: 'suspended' },
} as const;

export const DEFAULT_TENANCY: TenancyConfig = {
  tenantTable: 'tenants',
  tenantIdColumn: 'tenant_id',
  activeFilter: { column: 'status', value: 'active' },
};

/** Rows per table of tenants A and B (before `extraRowsPerTenant`); C is smaller. */
const BASE_ROWS = 30;
const SMALL_TENANT_ROWS = 6;

// String.raw keeps SQL escapes (E'\n', '\N') exactly as PostgreSQL should read them.
const SCHEMA_SQL = String.raw`
CREATE TYPE invoice_status AS ENUM ('draft', 'open', 'paid', 'void');

-- Global tables: shared by all tenants, never part of a tenant backup.
CREATE TABLE currencies (
  code char(3) PRIMARY KEY,
  name text NOT NULL,
  symbol text NOT NULL,
  minor_units smallint NOT NULL
);
CREATE TABLE exchange_rates (
  base char(3) NOT NULL REFERENCES currencies (code),
  quote char(3) NOT NULL REFERENCES currencies (code),
  rate numeric(20, 10) NOT NULL,
  PRIMARY KEY (base, quote)
);
CREATE TABLE feature_flags (
  key text PRIMARY KEY,
  description text,
  default_enabled boolean NOT NULL DEFAULT false
);

CREATE TABLE tenants (
  id uuid PRIMARY KEY,
  slug text NOT NULL UNIQUE,
  name text NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'suspended')),
  home_currency char(3) NOT NULL REFERENCES currencies (code),
  created_at timestamptz NOT NULL
);

-- Keyed by the tenant id: the FK to tenants is its only link.
CREATE TABLE tenant_settings (
  tenant_id uuid PRIMARY KEY REFERENCES tenants (id),
  locale text NOT NULL,
  time_zone text NOT NULL,
  preferences jsonb NOT NULL DEFAULT '{}',
  logo bytea
);
CREATE TABLE tenant_features (
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  flag_key text NOT NULL REFERENCES feature_flags (key),
  enabled boolean NOT NULL,
  PRIMARY KEY (tenant_id, flag_key)
);
-- No tenant column: belongs to a tenant through a differently named FK to tenants.
CREATE TABLE tenant_domains (
  domain text PRIMARY KEY,
  owner_tenant uuid NOT NULL REFERENCES tenants (id),
  verified boolean NOT NULL DEFAULT false
);

CREATE TABLE users (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  email text NOT NULL,
  display_name text NOT NULL,
  bio text,
  is_admin boolean NOT NULL DEFAULT false,
  birth_date date,
  last_login_at timestamptz,
  login_count integer NOT NULL DEFAULT 0,
  roles text[] NOT NULL DEFAULT '{}',
  avatar bytea,
  created_at timestamptz NOT NULL,
  UNIQUE (tenant_id, email)
);

-- A tree per tenant through a self-reference; some parents have a higher id than their children.
CREATE TABLE categories (
  id serial PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  parent_id integer REFERENCES categories (id),
  position integer NOT NULL,
  name text NOT NULL,
  UNIQUE (tenant_id, position)
);

CREATE TABLE customers (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  name text NOT NULL,
  email text,
  balance numeric(38, 12) NOT NULL DEFAULT 0,
  lifetime_value numeric,
  external_ref bigint,
  tags text[],
  scores integer[],
  metadata jsonb,
  account_manager_id bigint REFERENCES users (id),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);

CREATE TABLE invoices (
  id bigserial PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  customer_id uuid NOT NULL REFERENCES customers (id),
  number text NOT NULL,
  status invoice_status NOT NULL DEFAULT 'draft',
  currency char(3) NOT NULL REFERENCES currencies (code),
  issued_on date NOT NULL,
  payment_terms interval NOT NULL,
  subtotal numeric(14, 2) NOT NULL,
  tax_rate numeric(5, 4) NOT NULL,
  total numeric(14, 2) GENERATED ALWAYS AS (round(subtotal * (1 + tax_rate), 2)) STORED,
  memo text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (tenant_id, number)
);

-- No tenant column: depth 1 below invoices.
CREATE TABLE invoice_items (
  invoice_id bigint NOT NULL REFERENCES invoices (id),
  line_no integer NOT NULL,
  category_id integer REFERENCES categories (id),
  description text NOT NULL,
  quantity numeric(12, 3) NOT NULL,
  unit_price numeric(14, 4) NOT NULL,
  attachment bytea,
  PRIMARY KEY (invoice_id, line_no)
);

-- No tenant column: depth 2, through a composite FK.
CREATE TABLE item_adjustments (
  id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  invoice_id bigint NOT NULL,
  line_no integer NOT NULL,
  reason text NOT NULL,
  amount numeric(14, 2) NOT NULL,
  FOREIGN KEY (invoice_id, line_no) REFERENCES invoice_items (invoice_id, line_no)
);

-- Filled by a trigger on invoices: a restore that fires triggers would duplicate these rows.
CREATE TABLE activity_log (
  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  entity text NOT NULL,
  entity_id text NOT NULL,
  action text NOT NULL,
  at timestamptz NOT NULL
);

CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END $$;
CREATE TRIGGER customers_touch BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER invoices_touch BEFORE UPDATE ON invoices FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE FUNCTION log_invoice_created() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO activity_log (tenant_id, entity, entity_id, action, at) VALUES (NEW.tenant_id, 'invoice', NEW.number, 'created', NEW.created_at);
  RETURN NULL;
END $$;
CREATE TRIGGER invoices_log AFTER INSERT ON invoices FOR EACH ROW EXECUTE FUNCTION log_invoice_created();

-- A second schema, with its own enum and a table without tenant column below one with it.
CREATE SCHEMA billing;
CREATE TYPE billing.payment_method AS ENUM ('card', 'transfer', 'cash');
CREATE TABLE billing.payments (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id uuid NOT NULL REFERENCES tenants (id),
  invoice_id bigint NOT NULL REFERENCES invoices (id),
  amount numeric(14, 2) NOT NULL,
  currency char(3) NOT NULL REFERENCES currencies (code),
  method billing.payment_method NOT NULL,
  paid_at timestamptz NOT NULL,
  processor_payload jsonb,
  fee_cents bigint
);
CREATE TABLE billing.refunds (
  payment_id bigint NOT NULL REFERENCES billing.payments (id),
  seq smallint NOT NULL,
  amount numeric(14, 2) NOT NULL,
  reason text,
  refunded_at timestamptz NOT NULL,
  PRIMARY KEY (payment_id, seq)
);
`;

const GLOBAL_SEED_SQL = String.raw`
INSERT INTO currencies VALUES ('EUR', 'Euro', '€', 2), ('USD', 'US Dollar', '$', 2), ('JPY', 'Japanese Yen', '¥', 0), ('BHD', 'Bahraini Dinar', '.د.ب', 3);
INSERT INTO exchange_rates VALUES ('EUR', 'USD', 1.0834500000), ('USD', 'JPY', 151.2345678901), ('EUR', 'BHD', 0.4087000000);
INSERT INTO feature_flags VALUES ('dark_mode', 'Dark UI', false), ('new_invoicing', 'New invoicing engine', false), ('exports', 'CSV exports', true), ('sso', NULL, false);
`;

/**
 * One tenant's rows; $1 tenant id, $2 slug, $3 rows per table. Joins rather than correlated lookups, so large
 * `extraRowsPerTenant` values seed in linear time.
 */
const TENANT_SEED_SQL = [
  String.raw`
INSERT INTO tenant_settings (tenant_id, locale, time_zone, preferences, logo)
VALUES ($1, CASE $2::text WHEN 'acme' THEN 'de-DE' WHEN 'globex' THEN 'ja-JP' ELSE 'en-US' END, 'Europe/Zurich',
  jsonb_build_object('theme', 'dark', 'slug', $2::text, 'none', NULL,
    'digest', jsonb_build_object('hour', 7, 'days', jsonb_build_array('mon', 'wed'), 'note', E'ü 日本語 🚀\n\t"quoted" \\ back')),
  decode('89504e470d0a1a0a0000000d49484452', 'hex'))`,

  String.raw`
INSERT INTO tenant_features (tenant_id, flag_key, enabled)
SELECT $1, key, (ascii(key) + ascii($2::text)) % 2 = 0 FROM feature_flags`,

  String.raw`
INSERT INTO tenant_domains (domain, owner_tenant, verified)
VALUES ($2::text || '.example.test', $1, true), ('www.' || $2::text || '.example.test', $1, false)`,

  String.raw`
INSERT INTO users (tenant_id, email, display_name, bio, is_admin, birth_date, last_login_at, login_count, roles, avatar, created_at)
SELECT $1, $2::text || '.user' || i || '@example.test',
  $2::text || ' ' || (ARRAY['Zoë Ørsted', '東京 太郎', 'Ωmega Δelta', 'O''Brien, "Bob"', 'Emoji 🚀👩‍💻'])[1 + i % 5] || ' ' || i,
  CASE i % 6
    WHEN 0 THEN NULL
    WHEN 1 THEN E'Line one\nline two\ttabbed \\back\\slash'
    WHEN 2 THEN E'\\N'
    WHEN 3 THEN ''
    WHEN 4 THEN E'carriage\r\nreturn, trailing backslash \\'
    ELSE 'NULL' END,
  i % 7 = 1,
  CASE WHEN i % 5 = 0 THEN NULL WHEN i = 3 THEN date 'infinity' ELSE date '1970-01-01' + i * 367 END,
  CASE WHEN i % 4 = 0 THEN NULL WHEN i = 2 THEN timestamptz '-infinity'
    ELSE timestamptz '2024-03-01 09:00:00.123456+00' + i * interval '1 day 1.234567 second' END,
  i * 3,
  CASE WHEN i % 3 = 0 THEN '{}' ELSE ARRAY['member', 'a,b', 'say "hi"', NULL, E'back\\slash', '{brace}', ''] END,
  CASE WHEN i % 2 = 0 THEN NULL ELSE decode('00ff00' || lpad(to_hex(i % 256), 2, '0') || '5c0a0d09', 'hex') END,
  timestamptz '2023-01-01 00:00:00+00' + i * interval '1 hour'
FROM generate_series(1, $3::int) i`,

  String.raw`
INSERT INTO categories (tenant_id, position, name)
SELECT $1, i, $2::text || ' category ' || i || (ARRAY['', ' › Sub', ' / Ærø'])[1 + i % 3]
FROM generate_series(1, $3::int) i`,

  // A binary-heap tree (parent of i is i/2), except that 2 hangs under 3: a parent inserted after its child.
  String.raw`
UPDATE categories c SET parent_id = p.id
FROM categories p
WHERE c.tenant_id = $1 AND p.tenant_id = $1 AND c.position > 1
  AND p.position = CASE WHEN c.position = 2 THEN 3 ELSE c.position / 2 END`,

  String.raw`
INSERT INTO customers (id, tenant_id, name, email, balance, lifetime_value, external_ref, tags, scores, metadata, account_manager_id, created_at, updated_at)
SELECT md5($2::text || ' customer ' || i)::uuid, $1,
  $2::text || ' customer ' || i || (ARRAY[' Müller & Söhne', ' 株式会社', ' "Quoted"', E' tab\there', ''])[1 + i % 5],
  CASE WHEN i % 4 = 0 THEN NULL ELSE $2::text || '.customer' || i || '@example.test' END,
  (i * 1234567.123456789012 * CASE WHEN i % 2 = 0 THEN -1 ELSE 1 END)::numeric(38, 12),
  CASE WHEN i % 5 = 0 THEN NULL WHEN i = 7 THEN 'NaN'::numeric
    ELSE ('123456789012345678901234567890.' || repeat(i::text, 10))::numeric END,
  CASE i % 3 WHEN 0 THEN NULL WHEN 1 THEN 9223372036854775807 - i ELSE -9223372036854775807 + i END,
  CASE WHEN i % 4 = 0 THEN NULL ELSE ARRAY['vip', 'comma, inside', 'quote"inside', NULL, 'ü', E'new\nline'] END,
  CASE WHEN i % 4 = 1 THEN NULL ELSE ARRAY[i, NULL, -i, 2147483647] END,
  CASE WHEN i % 6 = 0 THEN NULL ELSE jsonb_build_object('source', $2::text, 'rank', i, 'ratio', i / 7.0,
    'flags', jsonb_build_array(true, false, NULL),
    'address', jsonb_build_object('city', (ARRAY['Zürich', '東京', 'São Paulo'])[1 + i % 3], 'lines', jsonb_build_array(E'Line\n2', E'back\\slash'))) END,
  u.id,
  timestamptz '2023-02-01 12:00:00+00' + i * interval '90 minutes',
  timestamptz '2023-02-01 12:00:00+00' + i * interval '2 days'
FROM generate_series(1, $3::int) i
LEFT JOIN users u ON i % 3 <> 0 AND u.tenant_id = $1 AND u.email = $2::text || '.user' || (1 + i % 5) || '@example.test'`,

  String.raw`
INSERT INTO invoices (tenant_id, customer_id, number, status, currency, issued_on, payment_terms, subtotal, tax_rate, memo, created_at, updated_at)
SELECT $1, md5($2::text || ' customer ' || (1 + i * 7 % $3::int))::uuid, upper($2::text) || '-' || lpad(i::text, 6, '0'),
  (ARRAY['draft', 'open', 'paid', 'void']::invoice_status[])[1 + i % 4],
  (ARRAY['EUR', 'USD', 'JPY', 'BHD'])[1 + i % 4],
  date '2024-01-01' + i,
  (ARRAY[interval '30 days', interval '1 mon 2 days 03:04:05.678901', interval '-1 day', interval '1 year 2 mons'])[1 + i % 4],
  round(i * 101.37, 2),
  (ARRAY[0, 0.19, 0.075, 0.2])[1 + i % 4],
  CASE WHEN i % 3 = 0 THEN NULL ELSE E'Memo for ' || $2::text || E'\n\t– thanks! ✓' END,
  timestamptz '2024-01-01 08:00:00+00' + i * interval '1 day 1 hour',
  timestamptz '2024-01-01 08:00:00+00' + i * interval '1 day 2 hours'
FROM generate_series(1, $3::int) i`,

  String.raw`
INSERT INTO invoice_items (invoice_id, line_no, category_id, description, quantity, unit_price, attachment)
SELECT inv.id, l, CASE WHEN l = 2 THEN NULL ELSE cat.id END,
  $2::text || ' item ' || i || '.' || l || (ARRAY[' widget ⚙', E' with \\N inside', E' tab\tand\nnewline'])[1 + l % 3],
  (i * l * 1.125)::numeric(12, 3),
  round(i * 3.14159, 4),
  CASE WHEN l = 1 THEN decode(md5($2::text || i) || '0000000000', 'hex') END
FROM generate_series(1, $3::int) i
JOIN invoices inv ON inv.tenant_id = $1 AND inv.number = upper($2::text) || '-' || lpad(i::text, 6, '0')
CROSS JOIN generate_series(1, 1 + i % 3) l
JOIN categories cat ON cat.tenant_id = $1 AND cat.position = 1 + (i + l) % $3::int`,

  String.raw`
INSERT INTO item_adjustments (invoice_id, line_no, reason, amount)
SELECT inv.id, 1, 'discount ' || $2::text || ' ' || i, -round(i * 0.5, 2)
FROM generate_series(1, $3::int) i
JOIN invoices inv ON inv.tenant_id = $1 AND inv.number = upper($2::text) || '-' || lpad(i::text, 6, '0')
WHERE i % 2 = 0`,

  String.raw`
INSERT INTO billing.payments (tenant_id, invoice_id, amount, currency, method, paid_at, processor_payload, fee_cents)
SELECT $1, inv.id, inv.total, inv.currency,
  (ARRAY['card', 'transfer', 'cash']::billing.payment_method[])[1 + i % 3],
  inv.created_at + interval '3 days 4 hours',
  CASE WHEN i % 2 = 0 THEN NULL ELSE jsonb_build_object('charge', 'ch_' || md5($2::text || i), 'card', jsonb_build_object('brand', 'visa', 'last4', '4242')) END,
  i * 29 + 30
FROM generate_series(1, $3::int) i
JOIN invoices inv ON inv.tenant_id = $1 AND inv.number = upper($2::text) || '-' || lpad(i::text, 6, '0')
WHERE i % 3 <> 0`,

  String.raw`
INSERT INTO billing.refunds (payment_id, seq, amount, reason, refunded_at)
SELECT p.id, s, round(p.amount / 4, 2), CASE WHEN s = 1 THEN 'partial: ' || $2::text END, p.paid_at + s * interval '1 day'
FROM generate_series(1, $3::int) i
JOIN invoices inv ON inv.tenant_id = $1 AND inv.number = upper($2::text) || '-' || lpad(i::text, 6, '0')
JOIN billing.payments p ON p.invoice_id = inv.id
CROSS JOIN generate_series(1, 2) s
WHERE i % 5 = 0`,
];

/** Creates the platform schema in an empty database and seeds tenants A, B (active) and C (suspended). */
export async function seedDemoPlatform(client: ClientBase, options: { extraRowsPerTenant?: number } = {}): Promise<void> {
  const extra = options.extraRowsPerTenant ?? 0;
  await client.query(SCHEMA_SQL);
  await client.query(GLOBAL_SEED_SQL);
  for (const [key, tenant] of Object.entries(DEMO_TENANTS)) {
    await client.query('INSERT INTO tenants (id, slug, name, status, home_currency, created_at) VALUES ($1, $2, $3, $4, $5, $6)', [
      tenant.id,
      tenant.slug,
      tenant.name,
      tenant.status,
      key === 'B' ? 'JPY' : 'EUR',
      '2022-06-01T00:00:00Z',
    ]);
    const rows = key === 'C' ? SMALL_TENANT_ROWS : BASE_ROWS + extra;
    const params = [tenant.id, tenant.slug, rows];
    // PostgreSQL refuses parameters a statement does not use, so each gets as many as its highest $n.
    for (const sql of TENANT_SEED_SQL) await client.query(sql, params.slice(0, Math.max(...[...sql.matchAll(/\$(\d)/g)].map((m) => Number(m[1])))));
  }
}
