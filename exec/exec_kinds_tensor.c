/* exec_kinds_tensor.c - the executor's rows of concat, resize, deconv and matmul
 * (docs/INFERENCE.md): their plain-C integer references and their folds on ap_core arrays, as
 * the planner maps them (sim/sim_plan_tensor.c).
 * - concat: the inputs stacked along channels on one scale: each input's integers
 *   (sign-extended to the widest stored width, a_bits) times a multiplier proportional to its
 *   producer's calibrated scale, then requantized to o bits like any result (the common-scale
 *   concatenation of quantized runtimes: TFLite's quantization spec gives a concatenation's
 *   inputs and output one scale).
 * - nearest resize: x[c][oy / s][ox / s] (ONNX asymmetric coordinates, floor).
 * - bilinear resize (half_pixel, PyTorch's align_corners=False): four taps with integer
 *   weights in units of 1/(2s) per axis, clamped at the edges as ONNX's reference pads with
 *   edge values; the sum, (2s)^2 times the interpolated value, is requantized like an average
 *   pool's window sum.
 * - deconv: the stride-1 conv over the zero-inserted input (its zero taps are MACs with a 0
 *   operand); matmul: a product of two activations.
 * The last three run the shared GEMM row program (exec_gemm.c), their operands produced by one
 * function for the reference and the AP alike. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ap_core/ap.h"
#include "exec/exec.h"
#include "exec/exec_impl.h"

/* ---- Concat and nearest resize: element gathers ------------------------------------------ */
/* Element oi of a concat's output: its channel's input (*which), at the same position. */
static int32_t concat_elem(const net_layer *l, const int32_t *const *in, const int *c_of, size_t oi,
                           int *which)
{
    const size_t hw = (size_t)l->h_out * (size_t)l->w_out;
    size_t c = oi / hw, p = oi % hw;
    int j = 0;
    while (c >= (size_t)c_of[j]) {
        c -= (size_t)c_of[j];
        j++;
    }
    *which = j;
    return in[j][c * hw + p];
}

/* Channels of each of l's inputs (net_layer keeps producers by index). */
static void input_channels(const net_network *net, const net_layer *l, int *c_of)
{
    for (int j = 0; j < l->n_inputs; j++)
        c_of[j] = l->inputs[j] < 0 ? net->c_in : net->layers[l->inputs[j]].c_out;
}

static int32_t nearest_elem(const net_layer *l, const int32_t *x, size_t oi)
{
    const size_t hw = (size_t)l->h_out * (size_t)l->w_out;
    size_t c = oi / hw, p = oi % hw;
    size_t y = p / (size_t)l->w_out / (size_t)l->scale,
           xx = p % (size_t)l->w_out / (size_t)l->scale;
    return x[(c * (size_t)l->h_in + y) * (size_t)l->w_in + xx];
}

/* A concat's inputs on one scale: input j's integers times b_j = round(B s_j / s_max), B the
 * largest m-bit multiplier (m = sim_requant_scale_bits(a)), s_j its producer's calibrated
 * scale; the product's unit is s_max / B. *s_max (optional) gets the largest scale. */
static unsigned concat_multipliers(const exec_layer_ctx *lc, int64_t *b, double *s_max)
{
    const exec_qmodel *qm = lc->qm;
    const net_layer *l = lc->l;
    const unsigned m = sim_requant_scale_bits(lc->b->a_bits);
    const double top = (double)((1 << (m - 1)) - 1);
    double s[NET_MAX_INPUTS], max = 0;
    for (int j = 0; j < l->n_inputs; j++) {
        s[j] = l->inputs[j] < 0 ? qm->in_scale : qm->layers[l->inputs[j]].out_scale;
        max = s[j] > max ? s[j] : max;
    }
    for (int j = 0; j < l->n_inputs; j++)
        b[j] = max > 0 ? llround(top * s[j] / max) : (int64_t)top;
    if (s_max)
        *s_max = max > 0 ? max / top : 1.0;
    return m;
}

unsigned exec_bits_concat(const net_network *net, size_t li, const net_layer_bits *b)
{
    (void)net;
    (void)li;
    return b->a_bits + sim_requant_scale_bits(b->a_bits);
}

void exec_calib_concat(exec_qmodel *qm, size_t li, double *s_src)
{
    const exec_layer_ctx lc = exec_layer_at(qm, li);
    int64_t b[NET_MAX_INPUTS];
    concat_multipliers(&lc, b, s_src);
}

void exec_ref_concat(const exec_layer_ctx *lc, const int32_t *const *in, int64_t *raw)
{
    int c_of[NET_MAX_INPUTS], j;
    int64_t b[NET_MAX_INPUTS];
    input_channels(lc->qm->net, lc->l, c_of);
    concat_multipliers(lc, b, NULL);
    for (size_t oi = 0; oi < (size_t)net_layer_out_elems(lc->l); oi++) {
        int64_t x = exec_wrap_signed(concat_elem(lc->l, in, c_of, oi, &j), lc->b->a_bits);
        raw[oi] = exec_wrap_signed(x * b[j], lc->src);
    }
}

/* A concat's rows: the gathered element (a bits), its input's multiplier (m bits), their
 * product (a + m bits, the result), a carry; as sim_plan_tensor.c's work_concat. */
static base_status elt_concat(const exec_fold *f, unsigned *col, ap_field *result)
{
    const unsigned a = f->lc->b->a_bits;
    int c_of[NET_MAX_INPUTS], j;
    int64_t b[NET_MAX_INPUTS];
    input_channels(f->lc->qm->net, f->lc->l, c_of);
    const unsigned m = concat_multipliers(f->lc, b, NULL);
    ap_field x = exec_take_field(col, a), bf = exec_take_field(col, m);
    *result = exec_take_field(col, a + m);
    unsigned carry = (*col)++;
    uint32_t *v = f->ws->vals;
    for (size_t r = 0; r < f->n_out; r++)
        v[r] = (uint32_t)concat_elem(f->lc->l, f->in, c_of, f->base + r, &j) & exec_mask_u(a);
    base_status st = ap_array_field_load(f->arr, x, v, f->n_out);
    for (size_t r = 0; r < f->n_out && st == BASE_OK; r++) {
        concat_elem(f->lc->l, f->in, c_of, f->base + r, &j);
        v[r] = (uint32_t)b[j] & exec_mask_u(m);
    }
    if (st == BASE_OK)
        st = ap_array_field_load(f->arr, bf, v, f->n_out);
    return st == BASE_OK ? ap_mul(f->arr, x, bf, *result, carry, true) : st;
}

base_status exec_fold_concat(const exec_fold *f)
{
    return exec_fold_elt(f, elt_concat);
}

/* A nearest resize's rows: the copied element (a bits). */
static base_status elt_nearest(const exec_fold *f, unsigned *col, ap_field *result)
{
    const unsigned a = f->lc->b->a_bits;
    *result = exec_take_field(col, a);
    for (size_t r = 0; r < f->n_out; r++)
        f->ws->vals[r] = (uint32_t)nearest_elem(f->lc->l, f->in[0], f->base + r) & exec_mask_u(a);
    return ap_array_field_load(f->arr, *result, f->ws->vals, f->n_out);
}

/* ---- The GEMM kinds: one operand function for reference and AP --------------------------- */
/* Per-axis bilinear taps of output o (half_pixel, integer factor s, n inputs): indices
 * idx[0..1] clamped to 0..n-1, weights w[0..1] in units of 1/(2s), summing to 2s. */
static void bilinear_axis(int o, int s, int n, int idx[2], int w[2])
{
    int d = 2 * s, num = 2 * o + 1 - s; /* the source coordinate is num / d */
    int i0 = num >= 0 ? num / d : -((-num + d - 1) / d);
    int frac = num - i0 * d;
    idx[0] = i0 < 0 ? 0 : i0 > n - 1 ? n - 1 : i0;
    idx[1] = i0 + 1 < 0 ? 0 : i0 + 1 > n - 1 ? n - 1 : i0 + 1;
    w[0] = d - frac;
    w[1] = frac;
}

/* The activation and weight of output oi's K element kk (0 for a zero tap), wrapped to the
 * operand widths of g. */
static void operands(const exec_layer_ctx *lc, const sim_ap_gemm *g, const int32_t *const *in,
                     size_t oi, uint64_t kk, int64_t *act, int64_t *wt)
{
    const net_layer *l = lc->l;
    const size_t hw_out = (size_t)l->h_out * (size_t)l->w_out;
    const size_t hw_in = (size_t)l->h_in * (size_t)l->w_in;
    int64_t a = 0, w = 0;
    if (l->kind == NET_DECONV) {
        size_t oc = oi / hw_out, p = oi % hw_out, area = (size_t)(l->kh * l->kw);
        int oy = (int)(p / (size_t)l->w_out), ox = (int)(p % (size_t)l->w_out);
        size_t ic = (size_t)kk / area, r = (size_t)kk % area;
        int ty = oy + l->pad - (int)(r / (size_t)l->kw),
            tx = ox + l->pad - (int)(r % (size_t)l->kw);
        w = lc->q->weight[oc * (size_t)g->k + (size_t)kk];
        if (ty >= 0 && tx >= 0 && ty % l->stride == 0 && tx % l->stride == 0 &&
            ty / l->stride < l->h_in && tx / l->stride < l->w_in)
            a = in[0][ic * hw_in + (size_t)(ty / l->stride) * (size_t)l->w_in +
                      (size_t)(tx / l->stride)];
    } else if (l->kind == NET_MATMUL) {
        size_t n = (size_t)l->w_out, h = (size_t)l->h_in, k = (size_t)l->w_in;
        size_t c = oi / (h * n), row = oi / n % h, col = oi % n;
        a = in[0][(c * h + row) * k + (size_t)kk];
        w = in[1][(c * k + (size_t)kk) * n + col];
    } else { /* bilinear resize: tap kk = (ty, tx) */
        size_t c = oi / hw_out, p = oi % hw_out;
        int iy[2], wy[2], ix[2], wx[2];
        bilinear_axis((int)(p / (size_t)l->w_out), l->scale, l->h_in, iy, wy);
        bilinear_axis((int)(p % (size_t)l->w_out), l->scale, l->w_in, ix, wx);
        int ty = (int)(kk >> 1), tx = (int)(kk & 1);
        a = in[0][c * hw_in + (size_t)iy[ty] * (size_t)l->w_in + (size_t)ix[tx]];
        w = (int64_t)wy[ty] * wx[tx];
    }
    *act = exec_wrap_signed(a, g->a_width);
    *wt = exec_wrap_signed(w, g->w_bits);
}

/* The GEMM of layer lc (true for the three GEMM kinds). */
static bool ap_gemm(const exec_layer_ctx *lc, sim_ap_gemm *g)
{
    return sim_layer_ap_gemm(lc->qm->net, lc->li, lc->b, 1, g);
}

/* Bias of output oi (a deconv's output channel), 0 without. */
static int64_t bias_of(const exec_layer_ctx *lc, size_t oi)
{
    const net_layer *l = lc->l;
    if (!lc->q->bias)
        return 0;
    return lc->q->bias[oi / ((size_t)l->h_out * (size_t)l->w_out)];
}

static void ref_ap_gemm(const exec_layer_ctx *lc, const int32_t *const *in, int64_t *raw)
{
    sim_ap_gemm g;
    ap_gemm(lc, &g);
    for (size_t oi = 0; oi < (size_t)net_layer_out_elems(lc->l); oi++) {
        int64_t acc = bias_of(lc, oi), a, w;
        for (uint64_t kk = 0; kk < g.k; kk++) {
            operands(lc, &g, in, oi, kk, &a, &w);
            acc += a * w;
        }
        raw[oi] = exec_wrap_signed(acc, lc->src);
    }
}

void exec_ref_deconv(const exec_layer_ctx *lc, const int32_t *const *in, int64_t *raw)
{
    ref_ap_gemm(lc, in, raw);
}

void exec_ref_matmul(const exec_layer_ctx *lc, const int32_t *const *in, int64_t *raw)
{
    ref_ap_gemm(lc, in, raw);
}

void exec_ref_resize(const exec_layer_ctx *lc, const int32_t *const *in, int64_t *raw)
{
    if (lc->l->mode == NET_RESIZE_BILINEAR) {
        ref_ap_gemm(lc, in, raw);
        return;
    }
    for (size_t j = 0; j < (size_t)net_layer_out_elems(lc->l); j++)
        raw[j] = exec_wrap_signed(nearest_elem(lc->l, in[0], j), lc->b->a_bits);
}

unsigned exec_bits_ap_gemm(const net_network *net, size_t li, const net_layer_bits *b)
{
    sim_ap_gemm g;
    if (!sim_layer_ap_gemm(net, li, b, 1, &g))
        return b->a_bits; /* a nearest resize: the copied values */
    return g.a_width + g.w_bits + sim_ceil_log2(g.k);
}

size_t exec_group_ap_gemm(const net_layer *l, const sim_candidate *c)
{
    return l->kind == NET_RESIZE && l->mode == NET_RESIZE_NEAREST ? 1 : (size_t)c->n_chunks;
}

/* The GEMM row layout of the candidate (false: it disagrees with the plan). */
static bool layout(const exec_layer_ctx *lc, const sim_candidate *c, const sim_arch *arch,
                   sim_gemm_layout *lay)
{
    sim_ap_gemm g;
    if (!ap_gemm(lc, &g) || !sim_gemm_layout_make(g.a_width, g.w_bits, c->acc_bits, lc->o,
                                                  c->n_chunks, c->chunk_k, arch->cap_cols, lay))
        return false;
    sim_gemm_layout_place(lay, lc->placement);
    return lay->n_slots == c->n_slots;
}

unsigned exec_cols_tensor(const exec_layer_ctx *lc, const sim_candidate *c, const sim_arch *arch)
{
    sim_gemm_layout lay;
    sim_ap_gemm g;
    if (!ap_gemm(lc, &g)) /* a copy (and a concat's multiplier, product and carry), the
                             requantization */
        return 2 * lc->src + 2 + sim_requant_cols(lc->src, lc->o);
    return layout(lc, c, arch, &lay) ? lay.row_cols : 0;
}

/* Rows r0 .. r0 + n - 1: row r holds chunk r % group of output base + r / group, at K element
 * chunk * chunk_k + j (0 past K). */
static void tap_fill(void *ctx, uint64_t j, bool weight, size_t r0, size_t n, uint32_t *out)
{
    const exec_fold *f = ctx;
    sim_ap_gemm g;
    ap_gemm(f->lc, &g);
    for (size_t r = r0; r < r0 + n; r++) {
        uint64_t kk = (uint64_t)(r % f->group) * f->c->chunk_k + j;
        int64_t a = 0, w = 0;
        if (kk < g.k)
            operands(f->lc, &g, f->in, f->base + r / f->group, kk, &a, &w);
        out[r - r0] = (uint32_t)(weight ? w : a);
    }
}

base_status exec_fold_ap_gemm(const exec_fold *f)
{
    const sim_candidate *c = f->c;
    exec_infer_ws *ws = f->ws;
    const size_t g = f->group, rows = f->n_out * g;
    sim_gemm_layout lay;
    sim_ap_gemm gm;
    if (!ap_gemm(f->lc, &gm) || !layout(f->lc, c, f->arch, &lay))
        return BASE_ERROR(BASE_EINVAL, "the GEMM row layout disagrees with the plan");
    ap_counters before;
    ap_array_counters(f->arr, &before);
    for (size_t r = 0; r < rows; r++)
        ws->vals[r] =
            r % g == 0 ? (uint32_t)bias_of(f->lc, f->base + r / g) & exec_mask_u(c->acc_bits) : 0;
    exec_gemm_job job = {&lay, rows, g, c->chunk_k, &f->lc->q->rq, tap_fill, (void *)(uintptr_t)f};
    unsigned width;
    base_status st = exec_gemm_run(f->arr, &job, ws->vals, &width);
    if (st == BASE_OK)
        exec_fold_copy_outputs(f, width);
    ws->st.n_macs += (uint64_t)f->n_out * gm.k;
    exec_fold_account(f, &before);
    return st;
}

base_status exec_fold_resize(const exec_fold *f)
{
    if (f->lc->l->mode == NET_RESIZE_BILINEAR)
        return exec_fold_ap_gemm(f);
    return exec_fold_elt(f, elt_nearest);
}
