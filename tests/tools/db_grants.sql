-- db_grants.sql: every privilege of the database as sorted lines, one per
-- object and grantee, to compare with the documented list
-- (tests/fixtures/db/grants.txt, docs/operations.md#database-roles):
--
--   psql -XtA -f tests/tools/db_grants.sql | diff tests/fixtures/db/grants.txt -
--
-- Lists, in the schema public: tables, views and sequences (not usage
-- partitions or archived months: they are reached through usage_hourly,
-- or are the owner's to dump), their column grants, every function with
-- whether it runs as its owner (security definer) and its settings, and
-- who may execute it; the schema's and the database's own grants; default
-- privileges; and memberships of the gpumeter_ roles. The owner's own
-- rights are not listed (owning is checked apart), and the administrator
-- running this (migrate's role) is written "(administrator)", so that the
-- list does not depend on its name.
WITH names AS (
    SELECT oid, CASE WHEN rolname = current_user THEN '(administrator)' ELSE rolname END AS name
    FROM pg_roles
    UNION ALL SELECT 0, 'PUBLIC'
),
acl AS ( -- (object, owner, grantee, privilege, grantable)
    SELECT CASE c.relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view' ELSE 'table' END
               || ' ' || c.relname AS what, c.relowner AS owner, a.*
    FROM pg_class c
    CROSS JOIN LATERAL aclexplode(coalesce(c.relacl, acldefault(
        (CASE c.relkind WHEN 'S' THEN 's' ELSE 'r' END)::"char", c.relowner))) a
    WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      AND NOT c.relispartition AND c.relname !~ '^usage_archive_[0-9]{4}_[0-9]{2}$'
    UNION ALL
    SELECT 'column ' || c.relname || '.' || t.attname, c.relowner, a.*
    FROM pg_class c JOIN pg_attribute t ON t.attrelid = c.oid
    CROSS JOIN LATERAL aclexplode(t.attacl) a
    WHERE c.relnamespace = 'public'::regnamespace AND NOT c.relispartition
      AND t.attacl IS NOT NULL AND NOT t.attisdropped
    UNION ALL
    SELECT 'function ' || p.oid::regprocedure::text, p.proowner, a.*
    FROM pg_proc p CROSS JOIN LATERAL aclexplode(coalesce(p.proacl, acldefault('f'::"char", p.proowner))) a
    WHERE p.pronamespace = 'public'::regnamespace
    UNION ALL
    SELECT 'schema ' || n.nspname, n.nspowner, a.*
    FROM pg_namespace n CROSS JOIN LATERAL aclexplode(coalesce(n.nspacl, acldefault('n'::"char", n.nspowner))) a
    WHERE n.nspname = 'public'
    UNION ALL
    SELECT 'database', d.datdba, a.*
    FROM pg_database d CROSS JOIN LATERAL aclexplode(coalesce(d.datacl, acldefault('d'::"char", d.datdba))) a
    WHERE d.datname = current_database()
)
SELECT line FROM (
    SELECT format('%s: %s %s%s', acl.what, g.name,
                  string_agg(acl.privilege_type, ',' ORDER BY acl.privilege_type),
                  CASE WHEN bool_or(acl.is_grantable) THEN ' WITH GRANT OPTION' ELSE '' END) AS line
    FROM acl JOIN names g ON g.oid = acl.grantee
    WHERE acl.grantee <> acl.owner
    GROUP BY acl.what, g.name
    UNION ALL -- each function once, granted or not, with how it runs
    SELECT format('function %s: %s%s', p.oid::regprocedure,
                  CASE WHEN p.prosecdef THEN 'security definer' ELSE 'security invoker' END,
                  coalesce(' ' || array_to_string(p.proconfig, ' '), ''))
    FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
    UNION ALL -- what a new object gets before roles.sql grants it
    SELECT format('default privileges of %s on %s%s: %s', r.name,
                  CASE d.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences'
                       WHEN 'f' THEN 'functions' WHEN 'T' THEN 'types' ELSE 'schemas' END,
                  CASE WHEN d.defaclnamespace = 0 THEN ''
                       ELSE ' in ' || d.defaclnamespace::regnamespace::text END,
                  coalesce((SELECT string_agg(g.name || ' ' || a.privilege_type, ', '
                                              ORDER BY g.name, a.privilege_type)
                            FROM aclexplode(d.defaclacl) a JOIN names g ON g.oid = a.grantee
                            WHERE a.grantee <> d.defaclrole), 'owner only'))
    FROM pg_default_acl d JOIN names r ON r.oid = d.defaclrole
    UNION ALL
    SELECT format('role %s is a member of %s', m.name, r.name)
    FROM pg_auth_members am JOIN names m ON m.oid = am.member JOIN names r ON r.oid = am.roleid
    WHERE m.name LIKE 'gpumeter\_%' OR r.name LIKE 'gpumeter\_%'
) lines
ORDER BY line COLLATE "C";
