/* sim_onnx.h - internal: ONNX node test cases (onnx/backend/test/data/node, shipped by Debian's
 * libonnx-testdata) executed functionally on the AP model (sim/sim_onnx.c, docs/ONNX.md).
 * Not part of the public interface; used by `apsim conformance` and tests/check_onnx.c. */
#ifndef SIM_ONNX_H
#define SIM_ONNX_H

#include <stddef.h>
#include <stdio.h>

#include "sim/sim_base.h"

typedef enum sim_conf_result {
    SIM_CONF_PASS, /* every output equals output_*.pb exactly */
    SIM_CONF_FAIL, /* an output differs (why says where) */
    SIM_CONF_SKIP, /* out of scope (why says why: float-only, too wide for the AP, ...) */
    SIM_CONF_OTHER /* the node is no operator the AP executor knows (not listed) */
} sim_conf_result;

/* Runs one test case directory (model.onnx + test_data_set_*). Returns an error status only
 * when the case's files cannot be read or are malformed; *res and why (cap bytes) report. */
sim_status sim_onnx_case_run(const char *case_dir, sim_conf_result *res, char *why, size_t cap);

typedef struct sim_conf_counts {
    int n_passed, n_failed, n_skipped, n_other, n_errors;
} sim_conf_counts;

/* Runs every case directory under node_dir in name order, writing one line per passed,
 * failed, skipped or erroneous case to fp (NULL: silent). SIM_EIO if node_dir cannot be read. */
sim_status sim_onnx_conformance(const char *node_dir, FILE *fp, sim_conf_counts *counts);

#endif /* SIM_ONNX_H */
