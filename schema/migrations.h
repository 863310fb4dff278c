/* migrations: the SQL files of schema/, embedded in the binary by embed.sh.
 * Versions are the NNN prefixes, strictly increasing; a migration once
 * applied must never change (gpumeter migrate checks its SHA-256).
 * Read-only embedded data; thread-safe. */
#ifndef GPUMETER_MIGRATIONS_H
#define GPUMETER_MIGRATIONS_H

struct migration {
    int version;
    const char *name;
    const char *sql;
};

extern const struct migration migrations[];
extern const int migration_count;
/* schema/roles.sql: the roles and the privilege matrix, applied after the
 * migrations on every run (idempotent). */
extern const char roles_sql[];

#endif
