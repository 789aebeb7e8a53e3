/* infer_check.h - the tests' one bit-exact harness (docs/INFERENCE.md): a network planned on a
 * given architecture, one synthetic image calibrated on itself, run in the plain-C integer
 * reference and bit by bit on the AP; outputs must be identical and the data-independent
 * counters equal to the plan. Used by tests/check_sim.c and tests/check_onnx.c. */
#ifndef INFER_CHECK_H
#define INFER_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "exec/exec.h"

/* Plans net under the uniform bit spec on arch (sram at its nominal supply), synthetic weights
 * from seed and the input from seed + 1; checks AP output == reference output (and, with
 * varied, that more than half the outputs differ from the first: not a constant result) and
 * compares, written cells, plane reads and writes, compared cells and match-line segments
 * against exec_infer_expected. *stats (may be NULL) receives the AP run's statistics. */
void ic_check_bit_exact(const net_network *net, const char *spec, const sim_arch *arch,
                        uint64_t seed, bool varied, exec_infer_stats *stats);

/* The AP run's compares, writes, plane reads and writes, compared cells and match-line
 * segments equal the plan's (exec_infer_expected); *written (may be NULL) receives the plan's
 * expected written cells. */
void ic_check_counters(const sim_plan *plan, const sim_result *res, const exec_infer_stats *st,
                       double *written);

#endif /* INFER_CHECK_H */
