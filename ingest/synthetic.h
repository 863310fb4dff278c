/* synthetic: a simulated month of a small mixed cluster, reproducible from a
 * seed, with its exact totals written beside it so a run can be checked.
 * Not thread-safe: one command's run owns its generator. */
#ifndef GPUMETER_SYNTHETIC_H
#define GPUMETER_SYNTHETIC_H

int synthetic_collect(int argc, char **argv);

#endif
