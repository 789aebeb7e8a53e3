/* exec_conv.c - functional execution of one quantized conv layer on ap_core with the
 * planner's mapping (sim_gemm_candidate): each output element gets n_chunks rows, each row
 * MACs its chunk of K, a 2D-AP tree adds the partial sums, and the dyadic requantization of
 * docs/SIM_MODEL.md follows. Beside it, the same arithmetic in plain C as the reference.
 * Tests use the pair to show the AP computes the integer convolution exactly and that its
 * counters equal the analytic plan. */
#include <string.h>

#include "ap_core/ap.h"
#include "exec/exec.h"

base_status exec_qconv_check(const exec_qconv *q)
{
    if (q->c_in < 1 || q->h_in < 1 || q->w_in < 1 || q->c_out < 1 || q->kh < 1 || q->kw < 1 ||
        q->stride < 1 || q->pad < 0 || q->kh > q->h_in + 2 * q->pad || q->kw > q->w_in + 2 * q->pad)
        return BASE_ERROR(BASE_EINVAL, "functional conv: bad shape");
    if (q->a_bits < 1 || q->a_bits > 15 || q->w_bits < 1 || q->w_bits > 16 || q->o_bits < 1 ||
        q->o_bits > 32)
        return BASE_ERROR(BASE_EINVAL, "functional conv: bits out of range");
    return BASE_OK;
}

void exec_qconv_gemm(const exec_qconv *q, uint64_t *m, uint64_t *n, uint64_t *k, int *h_out,
                     int *w_out)
{
    *h_out = (q->h_in + 2 * q->pad - q->kh) / q->stride + 1;
    *w_out = (q->w_in + 2 * q->pad - q->kw) / q->stride + 1;
    *m = (uint64_t)(*h_out) * (uint64_t)(*w_out);
    *n = (uint64_t)q->c_out;
    *k = (uint64_t)q->c_in * (uint64_t)q->kh * (uint64_t)q->kw;
}

/* The im2col element (output pixel p, reduction index k) of the input, 0 in the padding. */
static int32_t im2col(const exec_qconv *q, int w_out, uint64_t p, uint64_t k)
{
    int oy = (int)(p / (uint64_t)w_out), ox = (int)(p % (uint64_t)w_out);
    int c = (int)(k / (uint64_t)(q->kh * q->kw)), r = (int)(k % (uint64_t)(q->kh * q->kw));
    int y = oy * q->stride - q->pad + r / q->kw, x = ox * q->stride - q->pad + r % q->kw;
    if (y < 0 || y >= q->h_in || x < 0 || x >= q->w_in)
        return 0;
    return q->act[((size_t)c * (size_t)q->h_in + (size_t)y) * (size_t)q->w_in + (size_t)x];
}

static unsigned act_width(const exec_qconv *q)
{
    return q->act_unsigned ? q->a_bits + 1 : q->a_bits;
}

/* The requantization of an acc_bits accumulator, as the AP program runs it: pre-shift to
 * the widest multiply operand when wider, multiply by scale_b, shift back to o_bits. */
static exec_requant qconv_requant(const exec_qconv *q, unsigned acc_bits)
{
    exec_requant rq = {0, q->scale_b, 0};
    unsigned x = acc_bits;
    if (x > SIM_REQUANT_SCALE_BITS_MAX) {
        rq.pre_shift = x - SIM_REQUANT_SCALE_BITS_MAX;
        x = SIM_REQUANT_SCALE_BITS_MAX;
    }
    rq.shift = x + sim_requant_scale_bits(q->o_bits) - q->o_bits;
    return rq;
}

base_status exec_qconv_reference(const exec_qconv *q, int32_t *out)
{
    uint64_t m, n, k;
    int h_out, w_out;
    base_status st = exec_qconv_check(q);
    if (st != BASE_OK)
        return st;
    exec_qconv_gemm(q, &m, &n, &k, &h_out, &w_out);
    unsigned acc_bits = act_width(q) + q->w_bits + sim_ceil_log2(k);
    const exec_requant rq = qconv_requant(q, acc_bits);
    for (uint64_t oc = 0; oc < n; oc++)
        for (uint64_t p = 0; p < m; p++) {
            int64_t acc = 0;
            for (uint64_t i = 0; i < k; i++)
                acc += (int64_t)im2col(q, w_out, p, i) * q->weight[oc * k + i];
            out[oc * m + p] = (int32_t)exec_requant_apply(&rq, acc, acc_bits, q->o_bits);
        }
    return BASE_OK;
}

/* The operands of one output element's rows: row r takes K element r * chunk_k + j (0 past
 * K). */
typedef struct qconv_rows {
    const exec_qconv *q;
    int w_out;
    uint64_t p, oc, k, chunk_k;
} qconv_rows;

static void qconv_fill(void *ctx, uint64_t j, bool weight, size_t r0, size_t n, uint32_t *out)
{
    const qconv_rows *g = ctx;
    for (size_t r = r0; r < r0 + n; r++) {
        uint64_t i = r * g->chunk_k + j;
        if (i >= g->k)
            out[r - r0] = 0;
        else if (weight)
            out[r - r0] = (uint32_t)g->q->weight[g->oc * g->k + i];
        else
            out[r - r0] = (uint32_t)im2col(g->q, g->w_out, g->p, i);
    }
}

/* Runs one output element's group of rows on arr; returns its result in *y. */
static base_status run_group(ap_array *arr, const exec_qconv *q, const sim_candidate *c,
                             const sim_gemm_layout *lay, int w_out, uint64_t p, uint64_t oc,
                             uint64_t k, uint32_t *vals, int64_t *y)
{
    const exec_requant rq = qconv_requant(q, c->acc_bits);
    qconv_rows g = {q, w_out, p, oc, k, c->chunk_k};
    exec_gemm_job job = {lay, (size_t)c->n_chunks, (size_t)c->n_chunks, c->chunk_k, &rq, qconv_fill,
                         &g};
    unsigned width;
    memset(vals, 0, job.rows * sizeof *vals);
    base_status st = exec_gemm_run(arr, &job, vals, &width);
    if (st == BASE_OK)
        *y = exec_wrap_signed((int64_t)vals[0], width);
    return st;
}

base_status exec_qconv_on_ap(const exec_qconv *q, uint64_t n_chunks, int32_t *out,
                             sim_candidate *plan, ap_counters *per_group, ap_counters *total)
{
    uint64_t m, n, k;
    int h_out, w_out;
    base_status st = exec_qconv_check(q);
    if (st != BASE_OK)
        return st;
    exec_qconv_gemm(q, &m, &n, &k, &h_out, &w_out);
    /* The planner's view of this layer: one CAP as wide as needed, as many rows as asked. */
    sim_arch arch;
    memset(&arch, 0, sizeof arch);
    arch.n_caps = 1;
    arch.cap_rows = (unsigned)(m * n * n_chunks);
    arch.cap_cols = q->cap_cols ? q->cap_cols : 4096;
    arch.ml_segment_cols = 16; /* the shipped preset's (sim/arch/bf_imna.yaml) */
    bool fits;
    st = sim_gemm_candidate(&arch, m, n, k, act_width(q), q->a_bits, q->w_bits, q->o_bits, n_chunks,
                            plan, &fits);
    if (st != BASE_OK)
        return st;
    if (!fits)
        return BASE_ERROR(BASE_ECAPACITY, "functional conv does not fit");
    sim_gemm_layout lay;
    if (!sim_gemm_layout_make(act_width(q), q->w_bits, plan->acc_bits, q->o_bits, n_chunks,
                              plan->chunk_k, arch.cap_cols, &lay) ||
        lay.n_slots != plan->n_slots)
        return BASE_ERROR(BASE_EINVAL, "functional conv: the row layout disagrees with the plan");
    uint32_t *vals = base_calloc((size_t)n_chunks, sizeof *vals);
    ap_array *arr = NULL;
    if (!vals)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    st = ap_array_new((size_t)n_chunks, plan->row_cols, &arr);
    if (st == BASE_OK)
        ap_array_set_ml_segment_cols(arr, arch.ml_segment_cols);
    size_t n_words = arr ? ap_array_plane_words(arr) : 0;
    uint64_t *zeros = base_calloc(n_words ? n_words : 1, sizeof *zeros);
    if (st == BASE_OK && !zeros)
        st = BASE_ERROR(BASE_ENOMEM, "out of memory");
    memset(total, 0, sizeof *total);
    for (uint64_t oc = 0; oc < n && st == BASE_OK; oc++)
        for (uint64_t p = 0; p < m && st == BASE_OK; p++) {
            /* Every group starts from a clear array with zero counters, as a fresh one. */
            for (unsigned col = 0; col < plan->row_cols && st == BASE_OK; col++)
                st = ap_array_plane_write(arr, col, zeros, n_words);
            ap_array_tags_fill(arr, false);
            ap_array_counters_reset(arr);
            int64_t y = 0;
            if (st == BASE_OK)
                st = run_group(arr, q, plan, &lay, w_out, p, oc, k, vals, &y);
            if (st == BASE_OK) {
                ap_counters g;
                ap_array_counters(arr, &g);
                if (oc == 0 && p == 0)
                    *per_group = g;
                ap_counters_add(total, &g);
                out[oc * m + p] = (int32_t)y;
            }
        }
    ap_array_free(arr);
    base_free(zeros);
    base_free(vals);
    return st;
}
