-- Converts ledger_entries into a table partitioned by year of created_at (PostgreSQL 13+),
-- keeping every row, its id sequence, constraints, indexes and append-only triggers.
--
--   psql -v ON_ERROR_STOP=1 -h DB -U OWNER -d carbon -f migrations/partitioning/partition_ledger_entries.sql
--
-- Run it on the direct connection (not through PgBouncer), in a maintenance window: it is one
-- transaction that holds an exclusive lock on ledger_entries while it copies the rows (2
-- million entries took 7 s on a 2-core test machine), so stop the web instances and the
-- scheduler first. Take a backup first (README, "Backup and restore"). If anything fails,
-- nothing changes.
--
-- What changes: the primary key becomes (id, created_at), because a partitioned table's
-- unique constraints must include the partition key; ids still come from the same sequence,
-- so they stay unique in practice. No table references ledger_entries, so no foreign key has
-- to change. One partition per year from the oldest entry's year to next year, plus a
-- default partition. Each December, add the next year before it starts (README):
--   CREATE TABLE ledger_entries_2029 PARTITION OF ledger_entries
--       FOR VALUES FROM ('2029-01-01 00:00+00') TO ('2030-01-01 00:00+00');

\set ON_ERROR_STOP on
BEGIN;
SET LOCAL TIME ZONE 'UTC';
LOCK TABLE ledger_entries IN ACCESS EXCLUSIVE MODE;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = 'ledger_entries'::regclass) THEN
        RAISE EXCEPTION 'ledger_entries is partitioned already; nothing to do';
    END IF;
END
$$;

CREATE TEMPORARY TABLE ledger_entries_before ON COMMIT DROP AS
    SELECT count(*) AS entries, coalesce(sum(amount), 0) AS points,
           coalesce(sum(amount) FILTER (WHERE amount > 0), 0) AS credits
    FROM ledger_entries;

ALTER TABLE ledger_entries RENAME TO ledger_entries_unpartitioned;
ALTER SEQUENCE ledger_entries_id_seq OWNED BY NONE;

CREATE TABLE ledger_entries (
    id integer NOT NULL DEFAULT nextval('ledger_entries_id_seq'::regclass),
    transaction_id integer NOT NULL,
    account_id integer NOT NULL,
    amount bigint NOT NULL,
    created_at timestamp with time zone NOT NULL
) PARTITION BY RANGE (created_at);
ALTER SEQUENCE ledger_entries_id_seq OWNED BY ledger_entries.id;

DO $$
DECLARE
    first_year integer := coalesce(
        (SELECT extract(year FROM min(created_at))::integer FROM ledger_entries_unpartitioned),
        extract(year FROM now())::integer);
    last_year integer := extract(year FROM now())::integer + 1;
BEGIN
    FOR year IN first_year .. last_year LOOP
        EXECUTE format(
            'CREATE TABLE ledger_entries_%s PARTITION OF ledger_entries '
            'FOR VALUES FROM (%L) TO (%L)',
            year, make_date(year, 1, 1)::timestamptz, make_date(year + 1, 1, 1)::timestamptz);
    END LOOP;
END
$$;
CREATE TABLE ledger_entries_default PARTITION OF ledger_entries DEFAULT;

INSERT INTO ledger_entries (id, transaction_id, account_id, amount, created_at)
    SELECT id, transaction_id, account_id, amount, created_at
    FROM ledger_entries_unpartitioned;

DO $$
DECLARE
    before record;
    after record;
BEGIN
    SELECT * INTO before FROM ledger_entries_before;
    SELECT count(*) AS entries, coalesce(sum(amount), 0) AS points,
           coalesce(sum(amount) FILTER (WHERE amount > 0), 0) AS credits
        INTO after FROM ledger_entries;
    IF (before.entries, before.points, before.credits)
            IS DISTINCT FROM (after.entries, after.points, after.credits) THEN
        RAISE EXCEPTION 'ledger_entries copy differs: % entries, % points, % credited before; '
            '% , %, % after', before.entries, before.points, before.credits,
            after.entries, after.points, after.credits;
    END IF;
    RAISE NOTICE 'ledger_entries: % entries, % points, % credited: unchanged',
        after.entries, after.points, after.credits;
END
$$;

-- The old table goes first, so its constraint and index names are free again.
DROP TABLE ledger_entries_unpartitioned;

ALTER TABLE ledger_entries ADD CONSTRAINT pk_ledger_entries PRIMARY KEY (id, created_at);
ALTER TABLE ledger_entries
    ADD CONSTRAINT ck_ledger_entries_amount_not_zero CHECK (amount <> 0);
ALTER TABLE ledger_entries ADD CONSTRAINT fk_ledger_entries_account_id_ledger_accounts
    FOREIGN KEY (account_id) REFERENCES ledger_accounts (id);
ALTER TABLE ledger_entries ADD CONSTRAINT fk_ledger_entries_transaction_id_ledger_transactions
    FOREIGN KEY (transaction_id) REFERENCES ledger_transactions (id);
CREATE INDEX ix_ledger_entries_account_id_id ON ledger_entries (account_id, id);
CREATE INDEX ix_ledger_entries_transaction_id ON ledger_entries (transaction_id);

-- Append-only, as before: a row trigger on a partitioned table is cloned onto every
-- partition, present and future; TRUNCATE of the table or of one partition is refused too.
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION corp_carbon_reject_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION corp_carbon_reject_change();
DO $$
DECLARE
    part regclass;
BEGIN
    FOR part IN SELECT inhrelid::regclass FROM pg_inherits
                WHERE inhparent = 'ledger_entries'::regclass LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %s FOR EACH STATEMENT '
                       'EXECUTE FUNCTION corp_carbon_reject_change()',
                       part::text || '_no_truncate', part);
    END LOOP;
END
$$;

COMMIT;
