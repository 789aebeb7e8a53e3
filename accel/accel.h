/* accel.h - analytic cost models of rival precision-flexible accelerators (Sparq, PoTAcc,
 * a bitwise systolic array, Ax-BxP) behind one interface: the cost of a layer given its
 * shape, its weight/activation bits and a parameter set loaded from YAML. Facts per design
 * come from each design's paper; equations and provenance are in docs/ACCEL.md. */
#ifndef ACCEL_H
#define ACCEL_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

/* One layer as every model sees it, independent of the networks module. A convolution
 * fills the shape fields; a fully connected layer sets is_conv = 0, c_in = inputs,
 * c_out = outputs and 1 for the spatial fields. The GEMM view is what most models cost:
 * M = output pixels x batch, N = output channels, K = c_in*kh*kw/groups, so
 * n_macs = m*n*k. acc_layer_init_conv/_fc fill everything consistently. */
typedef struct acc_layer {
    const char *name; /* borrowed; may be NULL */
    int is_conv;      /* else FC/GEMM */
    unsigned batch;
    int c_in, h_in, w_in, c_out, h_out, w_out, kh, kw, stride, pad, groups;
    uint64_t m, n, k;        /* GEMM view, see above */
    unsigned a_bits, w_bits; /* input-activation and weight bits, 1..16 */
} acc_layer;

/* Cost of a layer (or a network: sums) on one model. */
typedef struct acc_cost {
    double latency_ns, energy_pj;
    double n_cycles; /* in the model's own clock */
    uint64_t n_macs;
    const char *path; /* datapath/mode used (static string), e.g. "16-bit packed";
                         "mixed" for a network whose layers used several */
} acc_cost;

typedef struct acc_model acc_model;   /* a row of the static model table */
typedef struct acc_params acc_params; /* a loaded parameter set (heap) */
typedef struct acc_workload acc_workload;
typedef struct acc_fit acc_fit;

/* ---- Layers --------------------------------------------------------------------------- */

/* Fills l for a convolution (output size from pad and stride) or an FC layer. name is
 * borrowed. BASE_EINVAL (with the reason) for non-positive sizes, groups not dividing both
 * channel counts, kernels larger than the padded input, bits outside 1..16. */
base_status acc_layer_init_conv(acc_layer *l, const char *name, unsigned batch, int c_in, int h_in,
                                int w_in, int c_out, int kh, int kw, int stride, int pad,
                                int groups, unsigned a_bits, unsigned w_bits);
base_status acc_layer_init_fc(acc_layer *l, const char *name, unsigned batch, int n_in, int n_out,
                              unsigned a_bits, unsigned w_bits);
/* Checks a caller-filled layer (the same rules, plus m, n, k agreeing with the shape).
 * BASE_EINVAL or BASE_ESHAPE naming the layer. */
base_status acc_layer_check(const acc_layer *l);

/* ---- Models --------------------------------------------------------------------------- */

/* Number of models in the table and the i-th (NULL when i is out of range). */
size_t acc_model_count(void);
const acc_model *acc_model_at(size_t i);
/* Looks a model up by name ("sparq", "potacc", "bitsys", "axbxp"); BASE_ENOTFOUND. */
base_status acc_model_find(const char *name, const acc_model **out);
const char *acc_model_name(const acc_model *m);
/* A one-line description with its source paper. */
const char *acc_model_title(const acc_model *m);
/* The model's own baselines, e.g. "conv16" for Sparq; NULL when i is out of range. */
size_t acc_model_n_baselines(const acc_model *m);
const char *acc_model_baseline(const acc_model *m, size_t i);

/* ---- Parameters ----------------------------------------------------------------------- */

/* Loads a parameter file (accel/<model>.yaml) or a calibrated file
 * (accel/calibrated/<model>.yaml, which names its base parameter file by a path relative
 * to the calibrated file's directory, and overrides the fitted values; `fit` records
 * n_iter and the per-target ratios, checked but not applied). Strict: unknown, duplicate or missing
 * keys, values outside their range, a parameter without a source and a file for another model are
 * errors with file:line:col. Caller frees *out with acc_params_free. BASE_EIO, BASE_EPARSE,
 * BASE_EKEY, BASE_ETYPE, BASE_ERANGE, BASE_EINVAL, BASE_ENOMEM. */
base_status acc_params_load(const acc_model *m, const char *yaml_path, acc_params **out);
void acc_params_free(acc_params *p);
/* A parameter's value and source by name; BASE_ENOTFOUND for an unknown name. */
base_status acc_params_get(const acc_params *p, const char *name, double *value,
                           const char **source);
/* Sets a value (range-checked, BASE_ERANGE); the source becomes "set by caller". A parameter
 * the model's file-only section was checked against (Ax-BxP's operand_bits, block_bits) is
 * BASE_EINVAL: set it in the parameter file. */
base_status acc_params_set(acc_params *p, const char *name, double value);
/* Selects the network whose per-network settings apply (Ax-BxP's block configuration);
 * NULL or a name without settings selects the file's default. Copies the name. */
base_status acc_params_select_network(acc_params *p, const char *network);

/* ---- Costs ---------------------------------------------------------------------------- */

/* Cost of one layer on the model. BASE_EUNSUPPORTED for bits the datapath cannot run
 * (documented per model), BASE_EINVAL/BASE_ESHAPE for a malformed layer. */
base_status acc_layer_cost(const acc_model *m, const acc_params *p, const acc_layer *l,
                           acc_cost *out);
/* Cost of one layer on one of the model's own baselines (acc_model_baseline names);
 * BASE_ENOTFOUND for an unknown baseline name. */
base_status acc_baseline_cost(const acc_model *m, const acc_params *p, const char *baseline,
                              const acc_layer *l, acc_cost *out);
/* Cost of switching the datapath from the mode layer `from` ran in to the mode `to` needs
 * (zero when the mode is the same); from may be NULL (no previous layer: zero). */
base_status acc_mode_switch_cost(const acc_model *m, const acc_params *p, const acc_layer *from,
                                 const acc_layer *to, acc_cost *out);
/* Sum over layers of acc_layer_cost plus the mode switches between consecutive layers
 * (baseline == NULL) or of acc_baseline_cost (no switches). n == 0 is BASE_EINVAL. A per-layer
 * setting of the selected network that names none of the layers (Ax-BxP's
 * configs.<net>.layers.<name>) is BASE_ENOTFOUND with the setting's file:line:col. */
base_status acc_network_cost(const acc_model *m, const acc_params *p, const acc_layer *layers,
                             size_t n, acc_cost *total);
base_status acc_network_baseline_cost(const acc_model *m, const acc_params *p, const char *baseline,
                                      const acc_layer *layers, size_t n, acc_cost *total);

/* ---- Workloads ------------------------------------------------------------------------ */

/* Loads a layer-shape table (accel/workloads/<name>.yaml): name, non-empty provenance,
 * batch and the layers (unique names), each layer's a_bits/w_bits from the layer or else
 * the workload's a_bits/w_bits (one of them must give it: no default). Caller frees with
 * acc_workload_free. Errors as for acc_params_load, plus BASE_EINVAL for bad shapes. */
base_status acc_workload_load(const char *yaml_path, acc_workload **out);
void acc_workload_free(acc_workload *w);
const char *acc_workload_name(const acc_workload *w);
/* The layers (owned by w) and their count. */
const acc_layer *acc_workload_layers(const acc_workload *w, size_t *n);

/* ---- Calibration ---------------------------------------------------------------------- */

/* Headline targets come from the parameter file's `calibration:` section. Metrics:
 * speed-up (baseline latency / model latency) and energy ratio (baseline energy / model
 * energy), averaged (arithmetic mean) over the target's workloads. */
typedef enum acc_metric { ACC_SPEEDUP, ACC_ENERGY_RATIO } acc_metric;

size_t acc_params_n_targets(const acc_params *p);
/* Describes target i: its name, the published ratio (or range lo..hi; lo == hi for a
 * single value), the metric and the number of workloads. BASE_ERANGE for a bad i. */
base_status acc_target_info(const acc_params *p, size_t i, const char **name, acc_metric *metric,
                            double *lo, double *hi, size_t *n_workloads);
/* Evaluates target i with the current parameters: loads its workloads from workload_dir and
 * writes the mean ratio to *mean and each workload's ratio to per_workload[0..n) (may be
 * NULL). */
base_status acc_target_eval(const acc_model *m, acc_params *p, size_t i, const char *workload_dir,
                            double *mean, double *per_workload);

/* Fits the free parameters named in the file's calibration section to its targets with
 * GSL's gsl_multifit_nlinear (trust region, Levenberg-Marquardt, finite-difference
 * Jacobian) on log(parameter), minimising the relative errors (model/paper - 1) of every
 * target (a range target aims at its midpoint). On success p holds the fitted values and
 * *fit (caller frees with acc_fit_free) the residual and iteration count. A model without
 * free parameters gets a fit with its evaluated residual and 0 iterations. */
base_status acc_calibrate(const acc_model *m, acc_params *p, const char *workload_dir,
                          acc_fit **fit);
void acc_fit_free(acc_fit *fit);
/* Euclidean norm of the relative errors at the solution, and GSL's iteration count. */
double acc_fit_residual(const acc_fit *fit);
size_t acc_fit_n_iter(const acc_fit *fit);
/* Writes a calibrated file: model, base file (as given), fitted values, residual and the
 * per-target ratios, atomically (base_write_atomic). BASE_EIO on failure. */
base_status acc_fit_write(const acc_model *m, const acc_params *p, const acc_fit *fit,
                          const char *base_path, const char *out_path);

/* ---- Calibrating the shipped models (apsim calibrate) ---------------------------------- */

/* Largest relative difference acc_calib_compare accepts between a fresh fit's value of a
 * free parameter and a calibrated file's: the files hold 9 significant digits, and a refit
 * with another compiler or GSL may move the last few. */
#define ACC_CALIB_REL_TOL 1e-5

/* Loads model m's shipped parameter file (accel/<name>.yaml, found with base_find_data) and
 * fits it (acc_calibrate) on the workloads directory beside it (accel/workloads). Caller
 * frees *p and *fit (both NULL on failure). Errors as base_find_data, acc_params_load and
 * acc_calibrate. */
base_status acc_calib_fit_shipped(const acc_model *m, acc_params **p, acc_fit **fit);
/* The calibrated file of p's model: <dir>/<name>.yaml, or with dir NULL the calibrated/
 * directory beside p's parameter file (accel/calibrated/<name>.yaml for a shipped model).
 * BASE_ERANGE when it does not fit in cap. */
base_status acc_calib_path(const acc_params *p, const char *dir, char *path_out, size_t cap);
/* Writes the calibrated file of a fit to path (acc_fit_write) with base "../<parameter file
 * name>": like every calibrated file it belongs in the calibrated/ directory beside its
 * parameter file, and written elsewhere it is byte-identical but loads only once moved. */
base_status acc_calib_write(const acc_model *m, const acc_params *p, const acc_fit *fit,
                            const char *path);

/* A fresh fit against a calibrated file. Not matching is a result, not an error. */
typedef struct acc_calib_diff {
    int same;          /* every free parameter fitted in the file and within ACC_CALIB_REL_TOL */
    int unfitted;      /* `param` is free but its value in the file is not from a fit */
    const char *param; /* the free parameter that differs most (static); NULL: none */
    double committed, fresh; /* its value in the file and in the fresh fit */
    double max_rel;          /* the largest relative difference (0 without free parameters) */
} acc_calib_diff;
/* Loads the calibrated file at path (acc_params_load: its base must resolve) and compares
 * its values of fresh's free parameters with fresh's. Errors are the load's. */
base_status acc_calib_compare(const acc_params *fresh, const char *path, acc_calib_diff *diff);

#endif /* ACCEL_H */
