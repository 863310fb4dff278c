/* Issue 36's documents: the maintenance document and a contract's "sla",
 * each read exactly when valid, and every validation rule with its JSON
 * path (docs/availability.md, "Maintenance"; docs/contracts.md, "SLA"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/timeutil.h"
#include "terms/contract.h"
#include "pricing/terms.h"
#include "terms/maintenance.h"
#include "terms/maintenance_doc.h"
#include "tests/unit/doc_problems.h"

#include <stdio.h>
#include <string.h>

static int64_t at(const char *rfc3339)
{
    int64_t ms;
    if (!time_parse_rfc3339(rfc3339, &ms)) fail_msg("bad test time %s", rfc3339);
    return ms;
}

static void test_rfc3339_with_zone(void **state)
{
    (void)state;
    int64_t ms;
    assert_true(time_parse_rfc3339_zoned("2026-12-12T02:00:00+08:00", &ms));
    assert_int_equal(ms, at("2026-12-11T18:00:00Z"));
    assert_true(time_parse_rfc3339_zoned("2026-12-11T13:30:00.250-05:30", &ms));
    assert_int_equal(ms, at("2026-12-11T19:00:00.250Z"));
    assert_true(time_parse_rfc3339_zoned("2026-12-11T18:00:00Z", &ms));
    assert_int_equal(ms, at("2026-12-11T18:00:00Z"));
    assert_false(time_parse_rfc3339_zoned("2026-12-11T18:00:00", &ms));
    assert_false(time_parse_rfc3339_zoned("2026-12-11T18:00:00+8:00", &ms));
    assert_false(time_parse_rfc3339_zoned("2026-12-11T18:00:00+15:00", &ms));
    assert_false(time_parse_rfc3339_zoned("2026-12-11 18:00:00+08:00", &ms));
    /* the instant, not only its local text, is in the years a UTC time
     * is read in (1970 to 9999): a local 9999-12-31 22:00 at -08:00 is
     * 10000-01-01T06:00Z, which gpumeter would print and never read back */
    ms = 0;
    if (time_parse_rfc3339_zoned("9999-12-31T22:00:00-08:00", &ms))
        fail_msg("9999-12-31T22:00:00-08:00: expected refused (year 10000 in UTC), got %lld ms",
                 (long long)ms);
    if (time_parse_rfc3339_zoned("1970-01-01T00:30:00+01:00", &ms))
        fail_msg("1970-01-01T00:30:00+01:00: expected refused (1969 in UTC), got %lld ms",
                 (long long)ms);
    assert_true(time_parse_rfc3339_zoned("9999-12-31T15:59:59-08:00", &ms));
    assert_int_equal(ms, at("9999-12-31T23:59:59Z"));
    assert_true(time_parse_rfc3339_zoned("1970-01-01T08:00:00+08:00", &ms));
    assert_int_equal(ms, 0);
}

static const char maintenance_json[] =
    "{\"maintenance\":\"bj1-2026-12\",\"name\":\"Beijing December\","
    "\"effective_from\":\"2026-12-01\",\"windows\":["
    "{\"site\":\"bj1\",\"start\":\"2026-12-12T02:00:00+08:00\","
    "\"end\":\"2026-12-12T06:00:00+08:00\",\"announced_at\":\"2026-12-01T10:00:00+08:00\","
    "\"reason\":\"UPS replacement\"},"
    "{\"site\":\"bj1\",\"node\":\"gpu-node-07\",\"start\":\"2026-12-20T00:00:00Z\","
    "\"end\":\"2026-12-20T03:00:00Z\",\"announced_at\":\"2026-12-19T00:00:00Z\","
    "\"reason\":\"BIOS update\"},"
    "{\"site\":\"bj1\",\"node\":\"gpu-node-07\","
    "\"device\":\"GPU-5fd0a6e1-3f2c-4a8b-9c71-1e2d3c4b5a69\","
    "\"start\":\"2026-12-20T01:00:00Z\",\"end\":\"2026-12-20T02:00:00Z\","
    "\"announced_at\":\"2026-12-10T00:00:00Z\",\"reason\":\"reseat\"}]}";

static void test_valid_maintenance_reads_exactly(void **state)
{
    (void)state;
    static struct maintenance mm;
    struct maintenance *m = &mm;
    assert_string_equal(check(&maintenance_kind, maintenance_json, m), "");
    assert_string_equal(m->code, "bj1-2026-12");
    assert_int_equal(m->effective_from, time_days_from_civil(2026, 12, 1));
    assert_int_equal(m->nwindows, 3);
    /* a site window: no node or device; +08:00 read as UTC */
    assert_string_equal(m->windows[0].site, "bj1");
    assert_string_equal(m->windows[0].node, "");
    assert_string_equal(m->windows[0].device, "");
    assert_int_equal(m->windows[0].start_ms, at("2026-12-11T18:00:00Z"));
    assert_int_equal(m->windows[0].end_ms, at("2026-12-11T22:00:00Z"));
    assert_int_equal(m->windows[0].announced_ms, at("2026-12-01T02:00:00Z"));
    assert_string_equal(m->windows[0].reason, "UPS replacement");
    assert_string_equal(m->windows[1].node, "gpu-node-07");
    assert_string_equal(m->windows[1].device, "");
    /* overlapping windows are allowed: [2] lies inside [1] */
    assert_string_equal(m->windows[2].device, "GPU-5fd0a6e1-3f2c-4a8b-9c71-1e2d3c4b5a69");
    assert_int_equal(m->windows[2].start_ms, at("2026-12-20T01:00:00Z"));
}

static void test_every_maintenance_rule_names_its_path(void **state)
{
    (void)state;
    static struct maintenance mm;
    struct maintenance *m = &mm;
    const char *bad =
        "{\"maintenance\":\"BJ\",\"effective_from\":\"2026-12-01\",\"colour\":1,\"windows\":["
        "{\"site\":\"bj1\",\"device\":\"GPU-1\",\"start\":\"2026-12-12T02:00:00+08:00\","
        "\"end\":\"2026-12-12T02:00:00+08:00\",\"announced_at\":\"yesterday\",\"reason\":\"x\"},"
        "{\"site\":\"bj1\",\"start\":\"2026-11-30T23:00:00Z\",\"end\":\"2026-12-01T01:00:00Z\","
        "\"announced_at\":\"2026-11-01T00:00:00Z\",\"reason\":\"\",\"rack\":\"r1\"},"
        "{\"site\":\"bj1\",\"start\":\"2026-12-12T02:00:00\",\"end\":\"2026-12-13T00:00:00Z\","
        "\"announced_at\":\"2026-11-01T00:00:00Z\"},"
        "{\"site\":\"bj1\",\"node\":\"n1\",\"start\":\"2026-12-05T00:00:00Z\","
        "\"end\":\"2026-12-05T01:00:00Z\",\"announced_at\":\"2026-11-01T00:00:00Z\","
        "\"reason\":\"a\"},"
        "{\"site\":\"bj1\",\"node\":\"n1\",\"start\":\"2026-12-05T08:00:00+08:00\","
        "\"end\":\"2026-12-05T01:00:00Z\",\"announced_at\":\"2026-11-02T00:00:00Z\","
        "\"reason\":\"b\"},"
        "3]}";
    const char *e = check(&maintenance_kind, bad, m);
    expect_problem(e, "$.colour: unknown field");
    expect_problem(e, "$.maintenance: use lower-case letters, digits, '-' and '_'");
    expect_problem(e, "$.windows[0].device: a device is named with its node: add \"node\"");
    expect_problem(e, "$.windows[0].end: must be after start");
    expect_problem(e, "$.windows[0].announced_at: must be an RFC 3339 time with its zone like");
    expect_problem(e, "$.windows[1].rack: unknown field");
    expect_problem(e, "$.windows[1].reason: must be a string of 1 to 256 characters");
    expect_problem(e, "$.windows[1].start: must not be before effective_from (00:00 UTC)");
    expect_problem(e, "$.windows[2].start: must be an RFC 3339 time with its zone like");
    expect_problem(e, "$.windows[2].reason: is required");
    expect_problem(e, "$.windows[4]: the same window as windows[3]");
    expect_problem(e, "$.windows[5]: must be an object");
    /* a local time in 9999 that is the year 10000 in UTC: refused, saying so */
    e = check(&maintenance_kind,
              "{\"maintenance\":\"m\",\"effective_from\":\"2026-12-01\",\"windows\":["
              "{\"site\":\"bj1\",\"start\":\"9999-12-31T22:00:00-08:00\","
              "\"end\":\"9999-12-31T23:00:00-08:00\",\"announced_at\":\"2026-11-01T00:00:00Z\","
              "\"reason\":\"x\"}]}",
              m);
    expect_problem(e, "$.windows[0].start: must be an RFC 3339 time with its zone like "
                      "\"2026-12-12T02:00:00+08:00\", from 1970 to 9999 in UTC");
    expect_problem(e, "$.windows[0].end: must be an RFC 3339 time with its zone like "
                      "\"2026-12-12T02:00:00+08:00\", from 1970 to 9999 in UTC");
    /* no windows at all, and a window with nothing */
    e = check(&maintenance_kind,
              "{\"maintenance\":\"m\",\"effective_from\":\"2026-12-01\",\"windows\":[]}", m);
    expect_problem(e, "$.windows: ");
    e = check(&maintenance_kind,
              "{\"maintenance\":\"m\",\"effective_from\":\"2026-12-01\",\"windows\":[{}]}", m);
    expect_problem(e, "$.windows[0].site: is required");
    expect_problem(e, "$.windows[0].start: is required");
    expect_problem(e, "$.windows[0].end: is required");
    expect_problem(e, "$.windows[0].announced_at: is required");
}

#define CONTRACT_HEAD                                                                              \
    "{\"contract\":\"alpha-2027\",\"customer\":\"alpha\",\"effective_from\":\"2027-01-01\","     \
    "\"plan\":\"p\",\"currency\":\"CNY\",\"tax_rate\":\"0.06\","                                  \
    "\"accounts\":[{\"account\":\"ns-alpha\"}],"

static void test_valid_sla_reads_exactly(void **state)
{
    (void)state;
    static struct contract k;
    const char *json =
        CONTRACT_HEAD "\"commitment\":{\"amount\":\"10000.00\"},"
                      "\"sla\":{\"measured\":\"reserved\",\"reserved\":[{\"site\":\"sz1\"},"
                      "{\"site\":\"sz2\",\"node\":\"n7\"},{\"site\":\"sz2\",\"node\":\"n8\","
                      "\"device\":\"GPU-0\"}],\"target\":\"99.5\",\"tiers\":["
                      "{\"below\":\"99.5\",\"credit\":\"10\"},{\"below\":\"99.0\",\"credit\":"
                      "\"25\"},{\"below\":\"95.125\",\"credit\":\"50\"}],\"cap\":\"30\","
                      "\"commitment_shrink\":true,\"excludes\":[\"maintenance\","
                      "\"customer_caused\"]}}";
    assert_string_equal(check(&contract_kind, json, &k), "");
    assert_true(k.sla.present);
    assert_int_equal(k.sla.measured, SLA_MEASURED_RESERVED);
    assert_int_equal(k.sla.nreserved, 3);
    assert_int_equal(k.sla.target_ppm, 995000);
    assert_int_equal(k.sla.ntiers, 3);
    assert_int_equal(k.sla.tiers[0].below_ppm, 995000);
    assert_int_equal(k.sla.tiers[0].credit_ppm, 100000);
    assert_int_equal(k.sla.tiers[1].below_ppm, 990000);
    assert_int_equal(k.sla.tiers[1].credit_ppm, 250000);
    assert_int_equal(k.sla.tiers[2].below_ppm, 951250);
    assert_int_equal(k.sla.tiers[2].credit_ppm, 500000);
    assert_int_equal(k.sla.cap_ppm, 300000);
    assert_true(k.sla.commitment_shrink);
    assert_true(k.sla.exclude_maintenance);
    assert_true(k.sla.exclude_customer_caused);
    /* the least: one reserved site, no cap (100%), nothing excluded, no shrink */
    json = CONTRACT_HEAD "\"sla\":{\"measured\":\"reserved\",\"reserved\":[{\"site\":\"sz1\"}],"
                         "\"target\":\"99.9\",\"tiers\":[{\"below\":\"99.9\",\"credit\":\"5\"}]}}";
    assert_string_equal(check(&contract_kind, json, &k), "");
    assert_int_equal(k.sla.measured, SLA_MEASURED_RESERVED);
    assert_int_equal(k.sla.nreserved, 1);
    assert_int_equal(k.sla.target_ppm, 999000);
    assert_int_equal(k.sla.cap_ppm, 1000000);
    assert_false(k.sla.commitment_shrink);
    assert_false(k.sla.exclude_maintenance);
    assert_false(k.sla.exclude_customer_caused);
    /* and a contract without one has none */
    assert_string_equal(check(&contract_kind, CONTRACT_HEAD "\"billing_basis\":\"gpu_hours\"}", &k),
                        "");
    assert_false(k.sla.present);
}

static void test_every_sla_rule_names_its_path(void **state)
{
    (void)state;
    static struct contract k;
    const char *e = check(
        &contract_kind,
        CONTRACT_HEAD "\"sla\":{\"measured\":\"allocated\",\"target\":\"100.5\",\"tiers\":["
                      "{\"below\":\"99\",\"credit\":\"10\",\"when\":1},"
                      "{\"below\":\"99\",\"credit\":\"5\"},{\"below\":\"0\",\"credit\":\"0\"},"
                      "{\"below\":\"98.12345\"}],\"cap\":\"120\",\"commitment_shrink\":true,"
                      "\"excludes\":[\"maintenance\",\"weather\",\"maintenance\"],\"colour\":1}}",
        &k);
    expect_problem(e, "$.sla.colour: unknown field");
    expect_problem(e, "$.sla.measured: must be \"reserved\"");
    expect_problem(e, "$.sla.target: must be a percent above 0 and at most 100");
    expect_problem(e, "$.sla.tiers[0].when: unknown field");
    expect_problem(e, "$.sla.tiers[1].below: must be below tiers[0].below: bounds strictly "
                      "decreasing");
    expect_problem(e, "$.sla.tiers[1].credit: must be at least tiers[0].credit: a worse month "
                      "never earns less");
    expect_problem(e, "$.sla.tiers[2].below: must be a percent above 0 and at most 100");
    expect_problem(e, "$.sla.tiers[2].credit: must be a percent above 0 and at most 100");
    expect_problem(e, "$.sla.tiers[3].below: must be a decimal string");
    expect_problem(e, "$.sla.tiers[3].credit: is required");
    expect_problem(e, "$.sla.cap: must be a percent above 0 and at most 100");
    expect_problem(e, "$.sla.commitment_shrink: the contract has no commitment to shrink");
    expect_problem(e, "$.sla.excludes[1]: must be \"maintenance\" or \"customer_caused\"");
    expect_problem(e, "$.sla.excludes[2]: \"maintenance\" is named twice");
    /* the first bound above the target; "used", which no usage can measure;
     * reserved devices named wrongly */
    e = check(&contract_kind,
              CONTRACT_HEAD "\"commitment\":{\"amount\":\"1.00\"},\"sla\":{\"measured\":\"used\","
                            "\"reserved\":[{\"site\":\"sz1\",\"device\":\"GPU-1\"},7,{\"node\":\"n1\","
                            "\"rack\":\"r1\"}],"
                            "\"target\":\"99\",\"tiers\":[{\"below\":\"99.5\",\"credit\":\"10\"}],"
                            "\"commitment_shrink\":true}}",
              &k);
    expect_problem(e, "$.sla.tiers[0].below: must be at most the target: a month that meets it "
                      "earns no credit");
    expect_problem(e, "$.sla.measured: \"used\" (the devices the customer's jobs ran on) is not "
                      "measurable: usage names its model and site, not its device; list the devices "
                      "in \"reserved\" and measure \"reserved\"");
    expect_problem(e, "$.sla.reserved: lists reserved devices: needs \"measured\": \"reserved\"");
    expect_problem(e, "$.sla.reserved[0].device: a device is named with its node: add \"node\"");
    expect_problem(e, "$.sla.reserved[1]: must be an object");
    expect_problem(e, "$.sla.reserved[2].rack: unknown field");
    expect_problem(e, "$.sla.reserved[2].site: is required");
    /* reserved without its devices */
    e = check(&contract_kind, CONTRACT_HEAD "\"sla\":{\"measured\":\"reserved\",\"target\":\"99\","
                                            "\"tiers\":[{\"below\":\"99\",\"credit\":\"10\"}]}}", &k);
    expect_problem(e, "$.sla.reserved: is required");
    /* the required fields */
    e = check(&contract_kind, CONTRACT_HEAD "\"sla\":{}}", &k);
    expect_problem(e, "$.sla.measured: is required");
    expect_problem(e, "$.sla.target: is required");
    expect_problem(e, "$.sla.tiers: is required");
    e = check(&contract_kind, CONTRACT_HEAD "\"sla\":{\"measured\":\"reserved\",\"reserved\":[{"
                                            "\"site\":\"sz1\"}],\"target\":\"99\","
                                            "\"tiers\":[],\"commitment_shrink\":\"yes\"}}", &k);
    expect_problem(e, "$.sla.tiers: ");
    expect_problem(e, "$.sla.commitment_shrink: must be true or false");
}

/* A reservation's distinct sites are kept (each is checked against its
 * site document when applied): 32 of them, the 33rd named by its path;
 * repeats of a site are one. */
static void test_sla_reserved_sites(void **state)
{
    (void)state;
    static struct contract k;
    char json[8192];
    int n = snprintf(json, sizeof json, "%s", CONTRACT_HEAD "\"sla\":{\"measured\":\"reserved\","
                                                             "\"reserved\":[");
    for (int i = 0; i < 33; i++)
        n += snprintf(json + n, sizeof json - (size_t)n, "%s{\"site\":\"s%d\"},{\"site\":\"s%d\","
                      "\"node\":\"n1\"}", i ? "," : "", i, i);
    snprintf(json + n, sizeof json - (size_t)n,
             "],\"target\":\"99\",\"tiers\":[{\"below\":\"99\",\"credit\":\"10\"}]}}");
    const char *e = check(&contract_kind, json, &k);
    expect_problem(e, "$.sla.reserved[64].site: a reservation names at most 32 sites");
    assert_int_equal(k.sla.nreserved_sites, 32);
    assert_string_equal(k.sla.reserved_sites[31], "s31");
    assert_int_equal(k.sla.reserved_site_entry[31], 62);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3339_with_zone),
        cmocka_unit_test(test_valid_maintenance_reads_exactly),
        cmocka_unit_test(test_every_maintenance_rule_names_its_path),
        cmocka_unit_test(test_valid_sla_reads_exactly),
        cmocka_unit_test(test_every_sla_rule_names_its_path),
        cmocka_unit_test(test_sla_reserved_sites),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
