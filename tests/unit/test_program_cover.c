/* The one rule of what a voucher or subsidy program covers, by cell (site,
 * accelerator model as reported, meter), that settle_bill prices by and the
 * yield places program money by (pricing/settle.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/meter.h"
#include "pricing/settle.h"

#include <string.h>

static void test_domestic_subsidy_covers_domestic_energy_on_its_sites(void **state)
{
    (void)state;
    struct subsidy s = {.nsites = 1, .domestic_only = true};
    strcpy(s.sites[0], "sz1");
    assert_true(subsidy_covers_cell(&s, "sz1", "Ascend910B", "energy_mj"));
    assert_true(subsidy_covers_cell(&s, "sz1", "Huawei Ascend 910B", "energy_mj")); /* as reported */
    assert_false(subsidy_covers_cell(&s, "sz1", "H800", "energy_mj"));          /* imported */
    assert_false(subsidy_covers_cell(&s, "sh1", "Ascend910B", "energy_mj"));    /* another site */
    assert_false(subsidy_covers_cell(&s, "sz1", "Ascend910B", "gpu_ms"));       /* not energy */
    assert_false(subsidy_covers_cell(&s, "sz1", "NoSuchChip", "energy_mj"));    /* unknown */
}

static void test_vendor_subsidy_covers_its_vendors_only(void **state)
{
    (void)state;
    struct subsidy s = {.nsites = 1, .nvendors = 1};
    strcpy(s.sites[0], "sz1");
    strcpy(s.vendors[0], "hygon");
    assert_true(subsidy_covers_cell(&s, "sz1", "K100_AI", "energy_mj"));
    assert_false(subsidy_covers_cell(&s, "sz1", "Ascend910B", "energy_mj"));
}

static void test_voucher_covers_its_meters_and_domestic_models(void **state)
{
    (void)state;
    struct voucher any = {.meters = meter_bit_code("gpu_ms")};
    struct voucher dom = {.meters = meter_bit_code("gpu_ms") | meter_bit_code("tokens"),
                          .domestic_only = true};
    assert_true(voucher_covers_cell(&any, "H800", "gpu_ms"));
    assert_true(voucher_covers_cell(&any, "Ascend910B", "gpu_ms"));
    assert_false(voucher_covers_cell(&any, "H800", "tokens")); /* not its meter */
    assert_true(voucher_covers_cell(&dom, "Ascend910B", "gpu_ms"));
    assert_true(voucher_covers_cell(&dom, "K100_AI", "tokens"));
    assert_false(voucher_covers_cell(&dom, "H800", "gpu_ms"));
    assert_false(voucher_covers_cell(&dom, "NoSuchChip", "gpu_ms")); /* unknown: not domestic */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_domestic_subsidy_covers_domestic_energy_on_its_sites),
        cmocka_unit_test(test_vendor_subsidy_covers_its_vendors_only),
        cmocka_unit_test(test_voucher_covers_its_meters_and_domestic_models),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
