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
    const int32_t *x, *x2;
    ap_array *arr;
    exec_infer_ws *ws;
    size_t group, base, n_out;
    int32_t *out;
} exec_fold;

/* The executor's row of one layer kind; a kind without a row has no bit-exact execution. */
typedef struct exec_kind_row {
    /* Bits of the result before requantization (NULL: a_bits). */
    unsigned (*result_bits)(const net_network *net, size_t li, const net_layer_bits *b);
    /* Raw (pre-requantization) results of one image from its inputs x (and x2). */
    void (*ref)(const exec_layer_ctx *lc, const int32_t *x, const int32_t *x2, int64_t *raw);
    /* One fold on the AP (NULL for a view). */
    base_status (*fold)(const exec_fold *f);
    /* Rows per output (NULL: 1). */
    size_t (*group)(const net_layer *l, const sim_candidate *c);
    /* Columns of the layer's arrays (0: the candidate disagrees with the row layout). */
    unsigned (*cols)(const exec_layer_ctx *lc, const sim_candidate *c, const sim_arch *arch);
    bool view;          /* a view of its input: never requantized, no AP work */
    bool halves_inputs; /* its inputs are calibrated to half their range (residual add) */
    /* Real value of one result LSB when the kind fixes it (a table kind; NULL: the input's
     * scale, times the weights' for conv/fc). */
    double (*result_scale)(const exec_layer_ctx *lc);
    /* Units a fold places group rows each (NULL: one per output element; softmax: pixels). */
    size_t (*units)(const net_layer *l);
} exec_kind_row;
extern const exec_kind_row exec_kind_rows[NET_KIND_COUNT];

/* Bits of layer li's result before requantization, and the bits it is stored at. */
unsigned exec_result_bits(const net_network *net, size_t li, const net_layer_bits *b);
unsigned exec_out_bits(const net_network *net, size_t li, const net_layer_bits *b);
/* Layer li of qm in context. */
exec_layer_ctx exec_layer_at(const exec_qmodel *qm, size_t li);

#endif /* EXEC_IMPL_H */
