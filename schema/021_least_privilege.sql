-- 021_least_privilege: rated quantities only grow, and a rollup zone is
-- one PostgreSQL knows.
--
-- Who may EXECUTE which function is roles.sql's business (applied after
-- every migrate, so that it covers functions added later); this migration
-- holds what must exist once: the guard triggers and the zone check
-- (docs/operations.md#database-roles).
--
-- Rated usage and capacity only ever grow. The rater adds each batch to
-- the hourly rows (rating/usage.c, rating/capacity.c: ON CONFLICT ... DO
-- UPDATE SET quantity = quantity + excluded.quantity) and nothing in the
-- application lowers them: late usage and rerating read them, archiving a
-- month detaches its partition whole (017), and invoices are corrected by
-- new lines, never by editing quantities. So an UPDATE that lowers a
-- quantity or a count is refused unless the role acting is the owner's
-- member (the administrator `gpumeter migrate` runs as, or a superuser:
-- maintenance). The rater's grants (roles.sql) do the rest: it may UPDATE
-- only the columns its upsert adds to, so it cannot move usage to another
-- account, hour or job, and it holds no DELETE or TRUNCATE.
--
-- A WHEN clause, so the function runs only for a row that shrinks: the
-- rater's upserts pay for one comparison per row, not a PL/pgSQL call.
-- The table is named by the trigger's argument: a row trigger on a
-- partitioned table fires on the partition (TG_TABLE_NAME
-- usage_hourly_2026_01).
CREATE FUNCTION rated_only_grows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF pg_has_role(current_user, 'gpumeter_owner', 'MEMBER') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '% only grows: % may not lower a rated quantity', TG_ARGV[0], current_user
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Usage is corrected by rating more events or by the administrator, never by the application''s roles.';
END $$;
CREATE TRIGGER usage_hourly_only_grows BEFORE UPDATE ON usage_hourly FOR EACH ROW
    WHEN (NEW.quantity < OLD.quantity OR NEW.events < OLD.events)
    EXECUTE FUNCTION rated_only_grows('usage_hourly');
CREATE TRIGGER capacity_hourly_only_grows BEFORE UPDATE ON capacity_hourly FOR EACH ROW
    WHEN (NEW.installed_ms < OLD.installed_ms OR NEW.allocated_ms < OLD.allocated_ms
          OR NEW.idle_whole_ms < OLD.idle_whole_ms OR NEW.idle_stranded_ms < OLD.idle_stranded_ms
          OR NEW.idle_energy_mj < OLD.idle_energy_mj OR NEW.energy_ms < OLD.energy_ms
          OR NEW.events < OLD.events)
    EXECUTE FUNCTION rated_only_grows('capacity_hourly');

-- A rollup zone must be one PostgreSQL knows: one it does not, once in
-- usage_zone, would fail every later write of usage (the rollup trigger
-- converts each hour into every zone). `contract apply` checks a contract's
-- zone before it writes; this holds for any other writer of a contract
-- document, and for a direct call of usage_zone_add by the role allowed to
-- make one (billing, roles.sql). Converting a fixed instant raises `time
-- zone "..." not recognized` for an unknown zone (timezone() is immutable,
-- as a CHECK needs).
ALTER TABLE usage_zone ADD CONSTRAINT usage_zone_known
    CHECK ((timestamptz '2000-01-01 00:00Z' AT TIME ZONE tz) IS NOT NULL);
