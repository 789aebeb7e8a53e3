/* exec.h - bit-exact execution: quantized models whose integer arithmetic runs both in plain C
 * and pass by pass on ap_core arrays with the plan's chosen mappings (whole networks, single
 * conv layers), and ONNX's integer node tests run on the same executor. Model:
 * docs/INFERENCE.md, docs/ONNX.md. */
#ifndef EXEC_H
#define EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ap_core/ap.h"
#include "base/base.h"
#include "networks/net.h"
#include "sim/sim.h"

/* ---- Bit-exact quantized inference (exec_infer.c, docs/INFERENCE.md) ----------------------
 * A quantized model gives every layer of a network its integer parameters under a bit
 * configuration; exec_infer_reference runs it in plain C, exec_infer_ap runs the same integer
 * arithmetic on ap_core arrays with the plan's chosen mapping (one array per fold), and the
 * two agree bit for bit. Tensors are int32 arrays laid out [c][y][x]; a tensor of b bits
 * holds signed b-bit values. */

/* Dyadic requantization of a layer's result from src bits to o bits (HAWQ-V3): when src > 16,
 * v := round(v / 2^pre_shift) mod 2^16 first; then y := round(v * scale_b / 2^shift) mod 2^o
 * (round half up). scale_b is a signed m-bit multiplier, m = o + 1 capped at 16. */
typedef struct exec_requant {
    unsigned pre_shift; /* 1 .. src-1 when src > 16, else 0 */
    int32_t scale_b;    /* 0 .. 2^(m-1) - 1 */
    unsigned shift;     /* 1 .. min(src, 16) + m - 1 */
} exec_requant;

typedef struct exec_qlayer {
    int32_t *weight;  /* conv/fc: c_out x K (K = c_in x kh x kw), signed w_bits (owned) */
    int32_t *bias;    /* conv/fc: c_out, added to the accumulator, or NULL (owned) */
    exec_requant rq;  /* used when the layer narrows its result (o_bits < result bits) */
    double w_scale;   /* real value of one weight LSB (1 for synthetic models) */
    double out_scale; /* real value of one output LSB (set by calibration) */
    int32_t three;    /* hardswish, hardsigmoid: the integer of +3.0 in the input's scale,
                         1 .. 2^(a-2) (six = 2 three); 2^(a-3) (at least 1) until calibrated */
    double in_scale;  /* real value of one input LSB, which sigmoid and softmax build their
                         tables at: set by calibration; 8 / 2^(a_bits - 1) before (the a-bit
                         input range spans [-8, 8)) */
} exec_qlayer;

/* A conv/fc product other than the exact one, for modelling another design's arithmetic in
 * the plain-C reference (the Fashion-MNIST rivals, fmnist/fmnist_rival.c): a and w are the
 * operands as the reference reads them, signed a_bits- and w_bits-bit values. */
typedef int64_t (*exec_mul_fn)(int64_t a, unsigned a_bits, int64_t w, unsigned w_bits);

typedef struct exec_qmodel {
    const net_network *net; /* borrowed */
    const net_bitcfg *bits; /* borrowed */
    double in_scale;        /* real value of one input LSB */
    exec_qlayer *layers;    /* net->n_layers (owned) */
    exec_mul_fn mul;        /* NULL (exec_qmodel_new): exact a x w. Set, it replaces every
                               conv/fc product of exec_infer_reference and the calibrations;
                               exec_infer_ap ignores it (BASE_EINVAL), as the AP is exact */
} exec_qmodel;

/* A model with zero weights, zero biases (allocated for the layers that have one) and
 * identity-like requantization; a grouped conv's weights are c_out x (c_in / groups) x kh x kw
 * (ONNX's layout). BASE_ENOMEM; BASE_EUNSUPPORTED for a kind without an executor row. Free
 * with exec_qmodel_free. */
base_status exec_qmodel_new(const net_network *net, const net_bitcfg *bits, exec_qmodel **out);
void exec_qmodel_free(exec_qmodel *qm);
/* Seeded synthetic weights (uniform over w_bits) and biases. */
void exec_qmodel_synthetic(exec_qmodel *qm, uint64_t seed);
/* Seeded synthetic input of n_images (signed input_bits values). */
void exec_infer_synthetic_input(const net_network *net, unsigned input_bits, uint64_t seed,
                                size_t n_images, int32_t *input);
/* Chooses every layer's requantization so that the largest magnitude seen on n_images
 * calibration inputs maps to the top of the o-bit range (half of it for tensors that feed a
 * residual add), running the reference layer by layer; also sets out_scale. BASE_ENOMEM. */
base_status exec_qmodel_calibrate(exec_qmodel *qm, const int32_t *input, size_t n_images);
/* Dyadic parameters for a real multiplier r applied to src-bit values whose largest
 * magnitude is max_abs (used to pick the pre-shift), producing o bits. */
void exec_requant_choose(double r, unsigned src_bits, unsigned o_bits, int64_t max_abs,
                         exec_requant *out);
/* The requantization in plain C, exactly as the AP computes it (src <= o: v unchanged). */
int64_t exec_requant_apply(const exec_requant *rq, int64_t v, unsigned src_bits, unsigned o_bits);

/* Element count of the network output (the last layer's tensor). */
size_t exec_infer_out_elems(const net_network *net);
/* Plain-C integer reference: n_images inputs (c_in x h_in x w_in each) -> outputs. Fails only
 * with BASE_ENOMEM. */
base_status exec_infer_reference(const exec_qmodel *qm, const int32_t *input, size_t n_images,
                                 int32_t *out);

typedef struct exec_infer_stats {
    ap_counters counters; /* all arrays, all layers and folds */
    uint64_t n_macs;      /* multiply-accumulates executed: conv/fc/matmul the useful ones, a deconv
                             every tap (its zero-inserted input's too), a bilinear resize 4 per output */
    uint64_t n_row_passes; /* sum over compares of the array's rows: emulation work */
    uint64_t n_arrays;     /* arrays created (one per layer, two with a partial last fold) */
} exec_infer_stats;

/* One image on ap_core with the candidate res chose for each layer (res evaluated from plan,
 * which must be built from qm's network and bits with arch batch 1). stats may be NULL.
 * BASE_EINVAL (batch, mismatch), BASE_ENOMEM, ap_core's errors. */
base_status exec_infer_ap(const exec_qmodel *qm, const sim_plan *plan, const sim_result *res,
                          const int32_t *input, int32_t *out, exec_infer_stats *stats);
/* The same run with every ap_core op evaluated fused (ap_array_set_fused): bit-identical
 * outputs and the same counters, except the written and flipped cells, which depend on the
 * data and are not counted. For checking results fast (Fashion-MNIST, benchmarks). */
base_status exec_infer_ap_fused(const exec_qmodel *qm, const sim_plan *plan, const sim_result *res,
                                const int32_t *input, int32_t *out, exec_infer_stats *stats);
/* What the plan says that run costs: compares, writes, plane reads and writes summed over
 * folds, compared cells over rows; *written_cells the expected written cells. */
void exec_infer_expected(const sim_plan *plan, const sim_result *res, ap_counters *out,
                         double *written_cells);

/* ---- Small arithmetic shared by the executors and the Fashion-MNIST pipeline ------------ */
/* v wrapped to a signed bits-bit value (two's complement), as an AP field reads back. */
int64_t exec_wrap_signed(int64_t v, unsigned bits);
/* round(v / 2^shift), half up, as ap_shr_round does before wrapping (shift >= 1). */
int64_t exec_shr_round(int64_t v, unsigned shift);
/* splitmix64: one step of the seeded generator of synthetic data and initial weights. */
uint64_t exec_splitmix64(uint64_t *state);
/* Reduction length K of a conv/fc layer: c_in / groups x kh x kw. */
uint64_t exec_layer_k(const net_layer *l);
/* The next width-bit field of a row layout at *col (advanced past it). */
ap_field exec_take_field(unsigned *col, unsigned width);
/* The AP requantization program: field src (src.width bits) to o bits with rq, its fields
 * taken from *col (sim_requant_cols(src.width, o) columns); vals is a rows-long buffer. The
 * same steps sim_requant_program counts and exec_requant_apply computes. */
base_status exec_ap_requant(ap_array *arr, uint32_t *vals, size_t rows, const exec_requant *rq,
                            ap_field src, unsigned o, unsigned *col, unsigned carry,
                            ap_field *result);

/* The tables of the table kinds (docs/INFERENCE.md), shared by the plain-C reference and the
 * AP: entry u of an a-bit input (u its bit pattern, x = u read as signed, scale s).
 * Sigmoid: round(sigmoid(x s) (2^(a-1) - 1)), half up: a non-negative a-bit result, one LSB
 * 1 / (2^(a-1) - 1). Softmax's exponential of d = u (unsigned, max - x): round(exp(-d s)
 * (2^e - 1)), half up. */
uint32_t exec_sigmoid_entry(double in_scale, unsigned a, uint32_t u);
uint32_t exec_exp_entry(double in_scale, unsigned e, uint32_t d);

/* All-ones mask of a bits-bit field (bits up to 32). */
uint32_t exec_mask_u(unsigned bits);

/* ---- The GEMM row program (exec_gemm.c): one executor for every conv/fc/matmul ----------
 * Fields where sim_gemm_layout puts them; each row MACs chunk_k operand pairs, the 2D-AP tree
 * adds each output's group of rows, the dyadic requantization narrows the sum to
 * lay->o_bits: what sim_gemm_candidate counts. */
/* Writes into out the operand MAC step j reads in rows r0 .. r0 + n - 1: the activations
 * (weight false) or the weights (weight true); bits above the field's width are ignored.
 * For each j in order it is called for every row range with false, then with true. */
typedef void (*exec_gemm_fill_fn)(void *ctx, uint64_t j, bool weight, size_t r0, size_t n,
                                  uint32_t *out);
typedef struct exec_gemm_job {
    const sim_gemm_layout *lay;
    size_t rows;            /* rows in use: outputs x group */
    size_t group;           /* rows per output: the tree's group (1: no tree) */
    uint64_t chunk_k;       /* MAC steps per row */
    const exec_requant *rq; /* used when lay->o_bits < lay->acc_bits */
    exec_gemm_fill_fn fill;
    void *ctx;
} exec_gemm_job;
/* Runs job on arr (cleared by the caller as needed). vals (rows long) holds on entry each
 * row's accumulator start (acc_bits wide), on return the result field of every row (output
 * i's at row i x group), *result_bits wide. ap_core's errors. */
base_status exec_gemm_run(ap_array *arr, const exec_gemm_job *job, uint32_t *vals,
                          unsigned *result_bits);

/* Calibration hook: called in layer order, before layer li (one with a bias) runs, with the
 * real value of one LSB of its accumulator (its input's calibrated scale x w_scale), so the
 * caller can set the layer's integer bias at that scale. */
typedef void (*exec_bias_fn)(exec_qmodel *qm, size_t li, double s_acc, void *ctx);
/* exec_qmodel_calibrate in one pass that also sets the biases through bias_fn (NULL: none). */
base_status exec_qmodel_calibrate_biases(exec_qmodel *qm, const int32_t *input, size_t n_images,
                                         exec_bias_fn bias_fn, void *ctx);
/* A calibration shared by several callers (MPI ranks), each with its share of the images: a
 * layer's requantization comes from its largest magnitude over all of them, so max_fn must
 * leave in *v the maximum of every sharer's *v. It is called exactly once per layer, in layer
 * order, by every sharer (also when the run fails, with 0), so it may be a collective. The
 * result equals exec_qmodel_calibrate_biases over all the images. */
typedef void (*exec_max_fn)(void *ctx, int64_t *v);
base_status exec_qmodel_calibrate_shared(exec_qmodel *qm, const int32_t *input, size_t n_images,
                                         exec_bias_fn bias_fn, void *bias_ctx, exec_max_fn max_fn,
                                         void *max_ctx);

/* ---- Functional execution of one conv layer on ap_core (exec_conv.c) ---------------------
 * A quantized conv (groups 1): activations a_bits (unsigned when act_unsigned, else signed),
 * signed w_bits weights, output requantized to o_bits with the m-bit multiplier scale_b
 * (m = sim_requant_scale_bits(o_bits)). Layouts: act[c][y][x], weight[oc][c][ky][kx]. */
typedef struct exec_qconv {
    int c_in, h_in, w_in, c_out, kh, kw, stride, pad;
    unsigned a_bits, w_bits, o_bits;
    int act_unsigned;
    const int32_t *act;
    const int32_t *weight;
    int32_t scale_b;
    unsigned cap_cols; /* row width for the mapping (0: 4096, room for every operand) */
} exec_qconv;

base_status exec_qconv_check(const exec_qconv *q);
/* GEMM view and output size of q. */
void exec_qconv_gemm(const exec_qconv *q, uint64_t *m, uint64_t *n, uint64_t *k, int *h_out,
                     int *w_out);
/* Plain-C integer reference: out[oc][y][x] (c_out x h_out x w_out). */
base_status exec_qconv_reference(const exec_qconv *q, int32_t *out);
/* The same on ap_core with n_chunks rows per output; *plan receives the planner's candidate
 * for the layer (its per-fold counts are what one group of rows costs), *per_group the
 * counters of the first output's rows and *total the counters summed over all outputs. */
base_status exec_qconv_on_ap(const exec_qconv *q, uint64_t n_chunks, int32_t *out,
                             sim_candidate *plan, ap_counters *per_group, ap_counters *total);

/* ---- ONNX node test cases (onnx/backend/test/data/node, shipped by Debian's libonnx-testdata)
 * executed functionally on the AP model (exec_onnx.c, docs/ONNX.md). */
typedef enum exec_conf_result {
    EXEC_CONF_PASS, /* every output equals output_*.pb exactly */
    EXEC_CONF_FAIL, /* an output differs (why says where) */
    EXEC_CONF_SKIP, /* out of scope (why says why: float-only, too wide for the AP, ...) */
    EXEC_CONF_OTHER /* the node is no operator the AP executor knows (not listed) */
} exec_conf_result;

/* Runs one test case directory (model.onnx + test_data_set_*). Returns an error status only
 * when the case's files cannot be read or are malformed; *res and why (cap bytes) report. */
base_status exec_onnx_case_run(const char *case_dir, exec_conf_result *res, char *why, size_t cap);

typedef struct exec_conf_counts {
    int n_passed, n_failed, n_skipped, n_other, n_errors;
} exec_conf_counts;

/* Runs every case directory under node_dir in name order, writing one line per passed,
 * failed, skipped or erroneous case to fp (NULL: silent). BASE_EIO if node_dir cannot be read. */
base_status exec_onnx_conformance(const char *node_dir, FILE *fp, exec_conf_counts *counts);

/* ---- ONNX export (exec_export.c, docs/ONNX.md "Export") --------------------------------
 * The writer's description of qm (networks/net_onnx_write.c) into out, its layers in layers
 * (net->n_layers entries, borrowing qm's weights and biases): a chain of conv (groups 1,
 * requantized), relu, maxpool and flatten layers ending in a fc whose accumulators are the
 * output, every width at most 8 bits. Each conv's float32 weight and output scales are the
 * nearest to the real ones whose onnxruntime multiplier exec_export_multiplier is exactly its
 * dyadic scale_b / 2^(pre_shift + shift). BASE_EUNSUPPORTED (a kind, a branch, grouped conv),
 * BASE_ERANGE (a width above 8 bits), BASE_EINVAL (no input scale). */
base_status exec_qmodel_export(const exec_qmodel *qm, net_qx_layer *layers, net_qexport *out);
/* The kinds, chain and widths part of exec_qmodel_export alone (no scales needed). */
base_status exec_qmodel_export_check(const exec_qmodel *qm);
/* An export read back (apsim fmnist eval --model): qm's conv/fc weights, biases and weight
 * scales and its input scale from the model at path (the initializers net_onnx_export names
 * after the layers; fc weights transposed back). The requantizations are not in the file's
 * integers: calibrate qm on the export's images, then exec_qmodel_check_onnx. BASE_ESHAPE (a
 * tensor missing or of another shape), BASE_ERANGE (a weight wider than its w_bits), the
 * export check's and the ONNX reader's errors. */
base_status exec_qmodel_load_onnx(exec_qmodel *qm, const char *path);
/* Every conv's float32 multiplier in the file equals the one qm's calibration gives
 * (exec_export_target): the file and the calibration describe the same model. BASE_EINVAL
 * naming the first layer that differs. */
base_status exec_qmodel_check_onnx(const exec_qmodel *qm, const char *path);
/* exec_qmodel_export, then net_onnx_export to path (atomically). */
base_status exec_qmodel_export_onnx(const exec_qmodel *qm, const char *path);
/* onnxruntime's requantization multiplier: x_scale * w_scale / y_scale in float32. */
float exec_export_multiplier(float x_scale, float w_scale, float y_scale);
/* The multiplier conv li's scales must give in float32: its dyadic scale_b / 2^S (S = pre_shift
 * + shift) exactly, except for a conv followed by a relu with S + o <= 20 (o: its output bits),
 * where it is that times (1 + 2^-(S + o)), rounded to float32: ties then round up, as apsim's
 * half-up rounding does for the values a relu keeps, and nothing else moves (an output's
 * distance from a rounding boundary is at least 2^-S, the nudge at most 2^-(S + 1)). */
float exec_export_target(const exec_qmodel *qm, size_t li);
/* The float32 weight and output scales nearest the real w_real and x_scale * w_real / m (the
 * first found within 64 and 4 float32 steps) whose exec_export_multiplier with x_scale is
 * exactly m. BASE_ERANGE when there is none. */
base_status exec_export_scales(float x_scale, double w_real, float m, float *w_scale,
                               float *y_scale);

#endif /* EXEC_H */
