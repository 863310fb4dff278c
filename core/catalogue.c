/* catalogue: accelerator models and name normalisation (see catalogue.h). */
#include "catalogue.h"

#include "suggest.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

static const struct accelerator entries[] = {
    {"A100", "nvidia", false},      {"A800", "nvidia", false},
    {"A30", "nvidia", false},       {"H100", "nvidia", false},
    {"H200", "nvidia", false},      {"H800", "nvidia", false},
    {"H20", "nvidia", false},       {"L20", "nvidia", false},
    {"L40S", "nvidia", false},      {"B200", "nvidia", false},
    {"Ascend910B", "huawei", true}, {"Ascend910C", "huawei", true},
    {"Ascend310P", "huawei", true}, {"MLU370", "cambricon", true},
    {"MLU590", "cambricon", true},  {"KunlunR300", "kunlunxin", true},
    {"DCUZ100", "hygon", true},
    /* Hygon DCUs dcu-exporter names (rocm-smi subsystem name) */
    {"DCUK100", "hygon", true},     {"DCUK100AI", "hygon", true},
    /* Cambricon cards mlu-exporter reports beside MLU370/MLU590 (cndev's
     * device types; the card name's suffix, -M5, -X5K, -S4, is dropped) */
    {"MLU290", "cambricon", true},  {"MLU270", "cambricon", true},
    {"MLU220", "cambricon", true},  {"MLU365", "cambricon", true},
    /* cnDeviceGetName's "MLU580" (Cambricon mlu-ops' device name table) */
    {"MLU580", "cambricon", true},
    /* issue 35: MetaX (mx-exporter's modelName), Iluvatar CoreX (ix-exporter's
     * name, "Iluvatar BI-V150S" is a BI-V150), Kunlunxin, Moore Threads */
    {"MXC500", "metax", true},      {"MXC550", "metax", true},
    {"BI-V100", "iluvatar", true},  {"BI-V150", "iluvatar", true},
    {"MR-V50", "iluvatar", true},   {"MR-V100", "iluvatar", true},
    {"TG-V200", "iluvatar", true},
    {"KunlunP800", "kunlunxin", true}, {"KunlunR200", "kunlunxin", true},
    {"MTTS4000", "mthreads", true}, {"MTTS3000", "mthreads", true},
    {"MTTS5000", "mthreads", true},
    /* Hygon's BW1000 (dcu-exporter v2.4's name, as an operator's model
     * table beside it normalises it); Moore Threads' MTT S80 */
    {"DCUBW1000", "hygon", true},   {"MTTS80", "mthreads", true},
    /* Huawei chips npu-exporter and npu-smi name in published outputs: the
     * first Ascend 910 (npu-exporter's model_name 910A-Ascend-V1,
     * 910Awn-Ascend-V1) and the 310B SoCs (npu-smi's 310B1, 310B4). A bare
     * "Ascend910" stays unknown: A3's npu-smi prints it too. */
    {"Ascend910A", "huawei", true}, {"Ascend310B", "huawei", true},
};
#define NENTRIES (int)(sizeof entries / sizeof entries[0])

/* Other spellings, normalised, and the model they mean. */
static const struct {
    const char *alias, *model;
} aliases[] = {
    {"910B", "Ascend910B"},        {"910C", "Ascend910C"}, {"310P", "Ascend310P"},
    {"ATLAS800TA2", "Ascend910B"}, {"Z100", "DCUZ100"},    {"R300", "KunlunR300"},
    {"K100", "DCUK100"},           {"K100AI", "DCUK100AI"},
    /* HAMi registers Hygon's cards as HCUs (HCU-K100_AI) */
    {"HCUK100", "DCUK100"},        {"HCUK100AI", "DCUK100AI"}, {"BW1000", "DCUBW1000"},
    /* Atlas A3's chip: CANN and npu-exporter call it 910_93 (npu-smi
     * "Ascend910", which collect npu-smi reports as Ascend910_93) */
    {"91093", "Ascend910C"},       {"ASCEND91093", "Ascend910C"},
    {"C500", "MXC500"},            {"C550", "MXC550"},     {"P800", "KunlunP800"},
    {"R200", "KunlunR200"},        {"S4000", "MTTS4000"},  {"S3000", "MTTS3000"},
    {"S5000", "MTTS5000"},
    {"910A", "Ascend910A"},        {"310B", "Ascend310B"},
};

static const char *const vendor_prefixes[] = {"NVIDIA", "HUAWEI",    "CAMBRICON",
                                              "HYGON",  "KUNLUNXIN", "TESLA",
                                              "METAX",  "ILUVATAR",  "MOORETHREADS"};

/* Letters and digits only, upper case. */
static void normalise(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in && n + 1 < cap; in++)
        if (isalnum((unsigned char)*in)) out[n++] = (char)toupper((unsigned char)*in);
    out[n] = '\0';
}

static bool starts_with(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

const char *catalogue_suggest(const char *name)
{
    struct suggest s;
    suggest_init(&s, name);
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++)
        suggest_offer(&s, entries[i].model);
    return suggest_result(&s);
}

const struct accelerator *catalogue_find(const char *reported)
{
    char name[128], key[64];
    normalise(reported, name, sizeof name);
    const char *rest = name;
    for (size_t i = 0; i < sizeof vendor_prefixes / sizeof vendor_prefixes[0]; i++)
        if (starts_with(rest, vendor_prefixes[i])) rest += strlen(vendor_prefixes[i]);
    const struct accelerator *best = NULL;
    size_t best_len = 0;
    for (int i = 0; i < NENTRIES; i++) {
        normalise(entries[i].model, key, sizeof key);
        if (starts_with(rest, key) && strlen(key) > best_len) {
            best = &entries[i];
            best_len = strlen(key);
        }
    }
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (starts_with(rest, aliases[i].alias) && strlen(aliases[i].alias) > best_len) {
            best = catalogue_find(aliases[i].model);
            best_len = strlen(aliases[i].alias);
        }
    return best;
}

bool catalogue_has_vendor(const char *vendor)
{
    for (int i = 0; i < NENTRIES; i++)
        if (!strcmp(entries[i].vendor, vendor)) return true;
    return false;
}

const char *catalogue_vendor_name(const char *vendor)
{
    static const struct {
        const char *vendor, *name;
    } names[] = {{"nvidia", "NVIDIA"},       {"huawei", "Huawei"}, {"cambricon", "Cambricon"},
                 {"kunlunxin", "Kunlunxin"}, {"hygon", "Hygon"},
                 {"metax", "MetaX"},         {"iluvatar", "Iluvatar CoreX"},
                 {"mthreads", "Moore Threads"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(vendor, names[i].vendor)) return names[i].name;
    return vendor;
}
