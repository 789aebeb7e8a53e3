/* exec_impl.h - private to exec/: the executor's row of each layer kind (exec_kinds.c) and
 * the context its functions run in, shared by the reference and AP drivers (exec_infer.c).
 * Adding a layer kind adds one row to exec_kind_rows (docs/INFERENCE.md). */
#ifndef EXEC_IMPL_H
#define EXEC_IMPL_H

#include <stdbool.h>

#include "exec/exec.h"

/* One layer in context: the model, its index and what both paths read of it. */
typedef struct exec_layer_ctx {
    const exec_qmodel *qm;
    size_t li;
    const net_layer *l;
    const net_layer_bits *b;
    const exec_qlayer *q;
    unsigned src, o;         /* result bits before requantization; output bits */
    sim_placement placement; /* the GEMM operand slots' placement the planner chose */
} exec_layer_ctx;

/* Per-run workspace: value buffer and per-row im2col state, sized for the largest fold. */
typedef struct exec_infer_ws {
    uint32_t *vals;
    /* GEMM folds: the K state of each chunk of K (exec_kinds.c, gemm_fill): element index,
     * channel, ky, kx and its offset from the window origin in the input */
    int32_t *r_ch, *r_ky, *r_kx;
    uint64_t *r_i;
    int64_t *r_coff;
    uint64_t k_step; /* the MAC step the per-chunk K state is at */
    exec_infer_stats st;
    bool fused; /* arrays evaluate their ops fused (exec_infer_ap_fused) */
} exec_infer_ws;

/* One fold on the AP: outputs [base, base + n_out) of a layer, group rows each. */
typedef struct exec_fold {
    const exec_layer_ctx *lc;
    const sim_candidate *c;
    const sim_arch *arch;
    const int32_t *x, *x2;    /* in[0], in[1] (x2 NULL with one input) */
    const int32_t *const *in; /* every input of the layer, in its order */
    ap_array *arr;
    exec_infer_ws *ws;
    size_t group, base, n_out;
    int32_t *out;
} exec_fold;

/* The executor's row of one layer kind; a kind without a row has no bit-exact execution. */
typedef struct exec_kind_row {
    /* Bits of the result before requantization (NULL: a_bits). */
    unsigned (*result_bits)(const net_network *net, size_t li, const net_layer_bits *b);
    /* Raw (pre-requantization) results of one image from its inputs in[0 .. n_inputs - 1]. */
    void (*ref)(const exec_layer_ctx *lc, const int32_t *const *in, int64_t *raw);
    /* One fold on the AP (NULL for a view). */
    base_status (*fold)(const exec_fold *f);
    /* Rows per output (NULL: 1). */
    size_t (*group)(const net_layer *l, const sim_candidate *c);
    /* Columns of the layer's arrays (0: the candidate disagrees with the row layout). */
    unsigned (*cols)(const exec_layer_ctx *lc, const sim_candidate *c, const sim_arch *arch);
    bool view;          /* a view of its input: never requantized, no AP work */
    bool halves_inputs; /* its inputs are calibrated to half their range (residual add) */
    /* Calibration of a kind with constants or a scale of its own (NULL: the result's scale is
     * its first input's, times w_scale for conv/fc): sets the layer's constants from its
     * inputs' calibrated scales and *s_src, the real value of one LSB of its raw result. */
    void (*calibrate)(exec_qmodel *qm, size_t li, double *s_src);
    /* Units a fold places group rows each (NULL: one per output element; softmax: pixels). */
    size_t (*units)(const net_layer *l);
} exec_kind_row;
extern const exec_kind_row exec_kind_rows[NET_KIND_COUNT];

/* The fold of an element-wise kind (exec_kinds.c): its part loads its operands from column 0
 * on and runs its ops, leaving *col past its fields and *result the field holding its result;
 * exec_fold_elt requantizes that to o bits and reads it out. */
typedef base_status (*exec_elt_fn)(const exec_fold *f, unsigned *col, ap_field *result);
base_status exec_fold_elt(const exec_fold *f, exec_elt_fn elt);
/* Adds a fold's row passes since before to its run's; copies its results (width bits) out. */
void exec_fold_account(const exec_fold *f, const ap_counters *before);
void exec_fold_copy_outputs(const exec_fold *f, unsigned width);

/* The rows' functions of concat, resize, deconv and matmul (exec_kinds_tensor.c). */
void exec_ref_concat(const exec_layer_ctx *lc, const int32_t *const *in, int64_t *raw);
void exec_ref_resize(const exec_layer_ctx *lc, const int32_t *const *in, int64_t *raw);
void exec_ref_deconv(const exec_layer_ctx *lc, const int32_t *const *in, int64_t *raw);
void exec_ref_matmul(const exec_layer_ctx *lc, const int32_t *const *in, int64_t *raw);
base_status exec_fold_concat(const exec_fold *f);
base_status exec_fold_resize(const exec_fold *f);
base_status exec_fold_ap_gemm(const exec_fold *f);
unsigned exec_bits_ap_gemm(const net_network *net, size_t li, const net_layer_bits *b);
size_t exec_group_ap_gemm(const net_layer *l, const sim_candidate *c);
unsigned exec_cols_tensor(const exec_layer_ctx *lc, const sim_candidate *c, const sim_arch *arch);
unsigned exec_bits_concat(const net_network *net, size_t li, const net_layer_bits *b);
void exec_calib_concat(exec_qmodel *qm, size_t li, double *s_src);

/* Bits of layer li's result before requantization, and the bits it is stored at. */
unsigned exec_result_bits(const net_network *net, size_t li, const net_layer_bits *b);
unsigned exec_out_bits(const net_network *net, size_t li, const net_layer_bits *b);
/* Layer li of qm in context. */
exec_layer_ctx exec_layer_at(const exec_qmodel *qm, size_t li);

#endif /* EXEC_IMPL_H */
