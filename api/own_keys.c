/* own_keys: a customer's own API keys (see own_keys.h). */
#include "api/own_keys.h"

#include "core/credential.h"
#include "core/db.h"
#include "core/utf8.h"

#include <openssl/crypto.h>
#include <string.h>

#define TIME_JSON(col)                                                                          \
    "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* The caller's own customer, refusing customer= naming another (403). */
static bool own_customer(struct request *r)
{
    const char *customer;
    return http_customer(r, &customer);
}

static void json_time_or_null(struct strbuf *b, const char *name, PGresult *res, int row, int col)
{
    sb_printf(b, ",\"%s\":", name);
    if (PQgetisnull(res, row, col))
        sb_puts(b, "null");
    else
        sb_put_json_string(b, PQgetvalue(res, row, col));
}

bool handle_keys(struct request *r)
{
    if (!own_customer(r)) return false;
    const char *p[] = {r->who.customer};
    PGresult *res = db_query(
        r->conn, "list the customer's keys",
        "SELECT k.id, k.label, k.read_only, " TIME_JSON("k.created_at") ", " TIME_JSON(
            "k.last_used_at") ", " TIME_JSON("k.revoked_at") " "
                                                             "FROM api_key k JOIN customer c ON "
                                                             "c.id = k.customer_id "
                                                             "WHERE c.code = $1 "
                                                             "ORDER BY k.created_at, k.id",
        1, p);
    if (!res) return http_error(r, 503, "unavailable", "the database failed the query");
    struct strbuf *b = &r->body;
    sb_puts(b, "{\"customer\":");
    sb_put_json_string(b, r->who.customer);
    sb_puts(b, ",\"current\":");
    sb_put_json_string(b, r->who.key_id);
    sb_puts(b, ",\"keys\":[");
    for (int i = 0; i < PQntuples(res); i++) {
        sb_puts(b, i ? ",{\"id\":" : "{\"id\":");
        sb_put_json_string(b, PQgetvalue(res, i, 0));
        sb_puts(b, ",\"label\":");
        sb_put_json_string(b, PQgetvalue(res, i, 1));
        sb_printf(b, ",\"role\":\"customer\",\"read_only\":%s",
                  !strcmp(PQgetvalue(res, i, 2), "t") ? "true" : "false");
        json_time_or_null(b, "created_at", res, i, 3);
        json_time_or_null(b, "last_used_at", res, i, 4);
        json_time_or_null(b, "revoked_at", res, i, 5);
        sb_putc(b, '}');
    }
    sb_puts(b, "]}\n");
    PQclear(res);
    return true;
}

/* A label a person typed: utf8_text_problem's rule, 1 to OWN_KEY_LABEL_MAX
 * characters. */
static bool label_ok(struct request *r, const char *label)
{
    const char *why = label ? utf8_text_problem(label, strlen(label)) : "is missing";
    if (!why && utf8_chars(label, strlen(label)) > OWN_KEY_LABEL_MAX) why = "is too long";
    return !why || http_error(r, 400, "bad_request",
                              "label %s: it says what the key is for, 1 to %d characters", why,
                              OWN_KEY_LABEL_MAX);
}

/* An error of schema 070's functions as the API answers it. */
static bool refused(struct request *r)
{
    const char *state = db_last_sqlstate();
    if (!strcmp(state, "42501"))
        return http_error(r, 403, "forbidden", "this key may not manage keys");
    if (!strcmp(state, "54000"))
        return http_error(r, 409, "too_many_keys", "a customer holds at most 100 live keys");
    return http_error(r, 503, "unavailable", "the database failed the query");
}

bool handle_key_create(struct request *r)
{
    const char *label = http_param(r, "label");
    if (!own_customer(r) || !label_ok(r, label)) return false;
    char key[CREDENTIAL_LEN + 1], id[CREDENTIAL_ID_LEN + 1], hash[65];
    if (!keys_new(key, id, hash))
        return http_error(r, 503, "unavailable", "no randomness for a key");
    const char *p[] = {r->who.key_id, id, hash, label};
    db_clear_error();
    PGresult *res = db_query(r->conn, "create the customer's key",
                             "SELECT to_char(api_key_own_create($1, $2, $3, $4) AT TIME ZONE "
                             "'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
                             4, p);
    bool ok = res != NULL;
    if (ok) {
        r->status = 201;
        r->cache_control = "no-store";
        struct strbuf *b = &r->body;
        sb_printf(b, "{\"id\":\"%s\",\"key\":\"%s\",\"label\":", id, key);
        sb_put_json_string(b, label);
        sb_puts(b, ",\"role\":\"customer\",\"read_only\":true,\"created_at\":");
        sb_put_json_string(b, PQgetvalue(res, 0, 0));
        sb_puts(b, "}\n");
    }
    PQclear(res);
    OPENSSL_cleanse(key, sizeof key);
    return ok || refused(r);
}

bool handle_key_revoke(struct request *r)
{
    const char *id = r->path_arg;
    if (!own_customer(r)) return false;
    if (strlen(id) != CREDENTIAL_ID_LEN || strspn(id, "0123456789abcdef") != CREDENTIAL_ID_LEN)
        return http_error(r, 404, "not_found", "no such key");
    if (!strcmp(id, r->who.key_id))
        return http_error(r, 409, "own_key",
                          "this is the key this request is made with: revoke it with another "
                          "key, or ask the operator");
    const char *p[] = {r->who.key_id, id};
    db_clear_error();
    PGresult *res =
        db_query(r->conn, "revoke the customer's key", "SELECT api_key_own_revoke($1, $2)", 2, p);
    if (!res) return refused(r);
    bool revoked = !strcmp(PQgetvalue(res, 0, 0), "t");
    PQclear(res);
    if (!revoked) return http_error(r, 404, "not_found", "no such key");
    sb_printf(&r->body, "{\"id\":\"%s\",\"revoked\":true}\n", id);
    return true;
}
