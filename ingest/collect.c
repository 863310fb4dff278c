/* collect: the family of collectors, one subcommand per telemetry source. */
#include "commands.h"
#include "core/cli.h"
#include "ingest/synthetic.h"

#include <stddef.h>

static const struct cli_command collectors[] = {
    {"synthetic", collect_synthetic,
     "generate a simulated month of cluster usage with known totals"},
    {NULL, NULL, NULL},
};

int cmd_collect(int argc, char **argv)
{
    return cli_dispatch("gpumeter collect", collectors, argc, argv);
}
