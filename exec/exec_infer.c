/* exec_infer.c - bit-exact inference of a whole quantized CNN: a plain-C integer reference and
 * the same arithmetic on ap_core arrays with the planner's mapping (docs/SIM_MODEL.md), one
 * array per fold of rows. Requantization is HAWQ-V3's dyadic scaling (Yao et al., ICML 2021)
 * with calibrated scales; semantics and layouts are documented in docs/INFERENCE.md. */
#include <math.h>
#include <string.h>

#include "ap_core/ap.h"
#include "exec/exec.h"

int64_t exec_wrap_signed(int64_t v, unsigned bits)
{
    uint64_t mask = bits >= 64 ? ~0ull : (1ull << bits) - 1;
    uint64_t u = (uint64_t)v & mask;
    if (bits < 64 && (u >> (bits - 1)) & 1)
        return (int64_t)(u | ~mask);
    return (int64_t)u;
}

int64_t exec_shr_round(int64_t v, unsigned shift)
{
    return (v >> shift) + ((v >> (shift - 1)) & 1);
}

uint64_t exec_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t exec_layer_k(const net_layer *l)
{
    return (uint64_t)l->c_in * (uint64_t)l->kh * (uint64_t)l->kw;
}

static int32_t rand_signed(uint64_t *s, unsigned bits)
{
    return (int32_t)exec_wrap_signed((int64_t)(exec_splitmix64(s) >> 20), bits);
}

/* ---- Layer kinds: each kind's plain-C reference and AP fold, then the table -------------- */

/* Width at which a conv/fc layer's input enters the signed multiply. */
static unsigned conv_in_width(const net_network *net, size_t li, const net_layer_bits *b)
{
    return sim_act_width(net, li, b->a_bits);
}

/* One layer in context: the model, its index and what both paths read of it. */
typedef struct layer_ctx {
    const exec_qmodel *qm;
    size_t li;
    const net_layer *l;
    const net_layer_bits *b;
    const exec_qlayer *q;
    unsigned src, o; /* result bits before requantization; output bits */
} layer_ctx;

/* Raw (pre-requantization) results of a conv/fc layer for one image. */
static void ref_gemm(const layer_ctx *lc, const int32_t *x, const int32_t *x2, int64_t *raw)
{
    const net_layer *l = lc->l;
    const exec_qlayer *q = lc->q;
    const size_t m = (size_t)l->h_out * (size_t)l->w_out, hw_in = (size_t)l->h_in * (size_t)l->w_in;
    const unsigned aw = conv_in_width(lc->qm->net, lc->li, lc->b);
    const size_t k = (size_t)exec_layer_k(l);
    (void)x2;
    for (int oc = 0; oc < l->c_out; oc++) {
        int64_t *acc = raw + (size_t)oc * m;
        for (size_t p = 0; p < m; p++)
            acc[p] = q->bias ? q->bias[oc] : 0;
        for (size_t i = 0; i < k; i++) {
            int64_t w = exec_wrap_signed(q->weight[(size_t)oc * k + i], lc->b->w_bits);
            int c = (int)(i / (size_t)(l->kh * l->kw)), r = (int)(i % (size_t)(l->kh * l->kw));
            int ky = r / l->kw, kx = r % l->kw;
            if (w == 0)
                continue;
            for (int oy = 0; oy < l->h_out; oy++) {
                int y = oy * l->stride - l->pad + ky;
                if (y < 0 || y >= l->h_in)
                    continue;
                const int32_t *row = x + (size_t)c * hw_in + (size_t)y * (size_t)l->w_in;
                int64_t *out = acc + (size_t)oy * (size_t)l->w_out;
                for (int ox = 0; ox < l->w_out; ox++) {
                    int xx = ox * l->stride - l->pad + kx;
                    if (xx >= 0 && xx < l->w_in)
                        out[ox] += w * exec_wrap_signed(row[xx], aw);
                }
            }
        }
        for (size_t p = 0; p < m; p++)
            acc[p] = exec_wrap_signed(acc[p], lc->src);
    }
}

static void ref_relu(const layer_ctx *lc, const int32_t *x, const int32_t *x2, int64_t *raw)
{
    (void)x2;
    for (size_t j = 0; j < (size_t)net_layer_out_elems(lc->l); j++) {
        int64_t v = exec_wrap_signed(x[j], lc->b->a_bits);
        raw[j] = v < 0 ? 0 : v;
    }
}

static void ref_add(const layer_ctx *lc, const int32_t *x, const int32_t *x2, int64_t *raw)
{
    const unsigned a = lc->b->a_bits;
    for (size_t j = 0; j < (size_t)net_layer_out_elems(lc->l); j++)
        raw[j] = exec_wrap_signed(exec_wrap_signed(x[j], a) + exec_wrap_signed(x2[j], a), a);
}

/* Pooling: the window's maximum (padding never wins) or its sum (padding counts 0). */
static void ref_pool(const layer_ctx *lc, const int32_t *x, int64_t *raw, int is_max)
{
    const net_layer *l = lc->l;
    const unsigned a = lc->b->a_bits;
    const size_t hw_in = (size_t)l->h_in * (size_t)l->w_in;
    for (int c = 0; c < l->c_out; c++)
        for (int oy = 0; oy < l->h_out; oy++)
            for (int ox = 0; ox < l->w_out; ox++) {
                int64_t best = -(1ll << (a - 1)), sum = 0;
                for (int ky = 0; ky < l->kh; ky++)
                    for (int kx = 0; kx < l->kw; kx++) {
                        int y = oy * l->stride - l->pad + ky, xx = ox * l->stride - l->pad + kx;
                        int64_t v = 0;
                        if (y >= 0 && y < l->h_in && xx >= 0 && xx < l->w_in)
                            v = exec_wrap_signed(
                                x[(size_t)c * hw_in + (size_t)y * (size_t)l->w_in + (size_t)xx], a);
                        else if (is_max)
                            v = best; /* padding never wins */
                        best = v > best ? v : best;
                        sum += v;
                    }
                raw[((size_t)c * (size_t)l->h_out + (size_t)oy) * (size_t)l->w_out + (size_t)ox] =
                    is_max ? best : exec_wrap_signed(sum, lc->src);
            }
}

static void ref_maxpool(const layer_ctx *lc, const int32_t *x, const int32_t *x2, int64_t *raw)
{
    (void)x2;
    ref_pool(lc, x, raw, 1);
}

static void ref_avgpool(const layer_ctx *lc, const int32_t *x, const int32_t *x2, int64_t *raw)
{
    (void)x2;
    ref_pool(lc, x, raw, 0);
}

/* A view (flatten): the input as it is. */
static void ref_view(const layer_ctx *lc, const int32_t *x, const int32_t *x2, int64_t *raw)
{
    (void)x2;
    for (size_t j = 0; j < (size_t)net_layer_out_elems(lc->l); j++)
        raw[j] = x[j];
}

/* Per-run workspace: value buffer and per-row im2col state, sized for the largest fold. */
typedef struct infer_ws {
    uint32_t *vals;
    int32_t *r_ch, *r_ky, *r_kx, *r_y0, *r_x0;
    uint64_t *r_i;
    int32_t *r_oc;
    exec_infer_stats st;
} infer_ws;

/* One fold on the AP: outputs [base, base + n_out) of a layer, group rows each. */
typedef struct fold_args {
    const layer_ctx *lc;
    const sim_candidate *c;
    const sim_arch *arch;
    const int32_t *x, *x2;
    ap_array *arr;
    infer_ws *ws;
    size_t group, base, n_out;
    int32_t *out;
} fold_args;

static void account(infer_ws *ws, const ap_array *arr, const ap_counters *before)
{
    ap_counters c;
    ap_array_counters(arr, &c);
    ws->st.n_row_passes += (c.n_compares - before->n_compares) * (uint64_t)ap_array_rows(arr);
}

/* Copies a fold's results out of vals (width bits): output element base + j is row j * group. */
static void copy_outputs(const fold_args *f, unsigned width)
{
    for (size_t j = 0; j < f->n_out; j++)
        f->out[f->base + j] = (int32_t)exec_wrap_signed((int64_t)f->ws->vals[j * f->group], width);
}

/* The GEMM row layout of a conv/fc layer's candidate on arch (false: it disagrees with the
 * plan, which built the candidate from the same layout). */
static bool gemm_layout(const layer_ctx *lc, const sim_candidate *c, const sim_arch *arch,
                        sim_gemm_layout *lay)
{
    return sim_gemm_layout_make(conv_in_width(lc->qm->net, lc->li, lc->b), lc->b->w_bits,
                                c->acc_bits, lc->o, c->n_chunks, c->chunk_k, arch->cap_cols, lay) &&
           lay->n_slots == c->n_slots;
}

/* The operands of a conv/fc fold: row r's next K element from its (channel, ky, kx) state. */
static void gemm_fill(void *ctx, uint64_t j, bool weight, uint32_t *vals, size_t rows)
{
    const fold_args *f = ctx;
    const net_layer *l = f->lc->l;
    const infer_ws *ws = f->ws;
    const uint64_t k = exec_layer_k(l);
    const size_t hw_in = (size_t)l->h_in * (size_t)l->w_in;
    (void)j;
    if (!weight) {
        for (size_t r = 0; r < rows; r++) {
            uint32_t v = 0;
            if (ws->r_i[r] < k) {
                int y = ws->r_y0[r] + ws->r_ky[r], xx = ws->r_x0[r] + ws->r_kx[r];
                if (y >= 0 && y < l->h_in && xx >= 0 && xx < l->w_in)
                    v = (uint32_t)f->x[(size_t)ws->r_ch[r] * hw_in + (size_t)y * (size_t)l->w_in +
                                       (size_t)xx];
            }
            vals[r] = v;
        }
        return;
    }
    for (size_t r = 0; r < rows; r++) {
        uint64_t i = ws->r_i[r];
        vals[r] = i < k ? (uint32_t)f->lc->q->weight[(uint64_t)ws->r_oc[r] * k + i] : 0;
        /* Advance the row to its next K element. */
        ws->r_i[r] = i + 1;
        if (++ws->r_kx[r] == l->kw) {
            ws->r_kx[r] = 0;
            if (++ws->r_ky[r] == l->kh) {
                ws->r_ky[r] = 0;
                ws->r_ch[r]++;
            }
        }
    }
}

/* One fold of a conv/fc layer: output index oc * M + p, n_chunks rows each, through the
 * shared GEMM row program. */
static base_status fold_gemm(const fold_args *f)
{
    const net_layer *l = f->lc->l;
    const exec_qlayer *q = f->lc->q;
    const sim_candidate *c = f->c;
    infer_ws *ws = f->ws;
    const size_t g = f->group, rows = f->n_out * g, m = (size_t)l->h_out * (size_t)l->w_out;
    const uint64_t k = exec_layer_k(l), ck = c->chunk_k, area = (uint64_t)(l->kh * l->kw);
    sim_gemm_layout lay;
    if (!gemm_layout(f->lc, c, f->arch, &lay))
        return BASE_ERROR(BASE_EINVAL, "the GEMM row layout disagrees with the plan");
    ap_counters before;
    ap_array_counters(f->arr, &before);
    /* Row state: output channel, next K index and its (channel, ky, kx), window origin; the
     * accumulator starts from the bias in each output's first row. */
    for (size_t r = 0; r < rows; r++) {
        size_t oi = f->base + r / g, p = oi % m;
        uint64_t i = (uint64_t)(r % g) * ck, kk = i < k ? i : 0;
        ws->r_oc[r] = (int32_t)(oi / m);
        ws->r_i[r] = i;
        ws->r_y0[r] = (int32_t)(p / (size_t)l->w_out) * l->stride - l->pad;
        ws->r_x0[r] = (int32_t)(p % (size_t)l->w_out) * l->stride - l->pad;
        ws->r_ch[r] = (int32_t)(kk / area);
        ws->r_ky[r] = (int32_t)((kk % area) / (uint64_t)l->kw);
        ws->r_kx[r] = (int32_t)(kk % (uint64_t)l->kw);
        ws->vals[r] =
            (r % g == 0 && q->bias) ? (uint32_t)q->bias[ws->r_oc[r]] & exec_mask_u(c->acc_bits) : 0;
    }
    exec_gemm_job job = {&lay, rows, g, ck, &q->rq, gemm_fill, (void *)(uintptr_t)f};
    unsigned width;
    base_status st = exec_gemm_run(f->arr, &job, ws->vals, &width);
    if (st == BASE_OK)
        copy_outputs(f, width);
    ws->st.n_macs += (uint64_t)f->n_out * k;
    account(ws, f->arr, &before);
    return st;
}

/* Loads the fold's rows' element of x (a bits) into field fld. */
static base_status load_elems(const fold_args *f, const int32_t *x, ap_field fld)
{
    const size_t rows = f->n_out * f->group;
    for (size_t r = 0; r < rows; r++)
        f->ws->vals[r] = (uint32_t)x[f->base + r] & exec_mask_u(fld.width);
    return ap_array_field_load(f->arr, fld, f->ws->vals, rows);
}

static base_status elt_relu(const fold_args *f, unsigned *col, ap_field *result)
{
    *result = exec_take_field(col, f->lc->b->a_bits);
    base_status st = load_elems(f, f->x, *result);
    return st == BASE_OK ? ap_relu(f->arr, *result) : st;
}

static base_status elt_add(const fold_args *f, unsigned *col, ap_field *result)
{
    const unsigned a = f->lc->b->a_bits;
    ap_field f0 = exec_take_field(col, a), f1 = exec_take_field(col, a);
    base_status st = load_elems(f, f->x, f0);
    if (st == BASE_OK)
        st = load_elems(f, f->x2, f1);
    if (st == BASE_OK)
        st = ap_add(f->arr, f1, f0, (*col)++);
    *result = f0;
    return st;
}

/* Loads pooling windows: maxpool puts window element j of output r in field j; avgpool
 * element r % group of output r / group in one field (0 past the window and in the padding;
 * maxpool's padding is the most negative a-bit value). */
static base_status pool_load(const fold_args *f, int is_max, int n_fields)
{
    const net_layer *l = f->lc->l;
    const unsigned a = f->lc->b->a_bits;
    const size_t rows = f->n_out * f->group, hw_out = (size_t)l->h_out * (size_t)l->w_out;
    const size_t hw_in = (size_t)l->h_in * (size_t)l->w_in;
    const int window = l->kh * l->kw;
    const uint32_t pad = is_max ? (1u << (a - 1)) : 0;
    base_status st = BASE_OK;
    for (int fi = 0; fi < n_fields && st == BASE_OK; fi++) {
        for (size_t r = 0; r < rows; r++) {
            size_t oi = f->base + r / f->group;
            int j = is_max ? fi : (int)(r % f->group);
            uint32_t v = pad;
            if (j < window) {
                size_t ch = oi / hw_out, p = oi % hw_out;
                int y = (int)(p / (size_t)l->w_out) * l->stride - l->pad + j / l->kw;
                int xx = (int)(p % (size_t)l->w_out) * l->stride - l->pad + j % l->kw;
                if (y >= 0 && y < l->h_in && xx >= 0 && xx < l->w_in)
                    v = (uint32_t)f->x[ch * hw_in + (size_t)y * (size_t)l->w_in + (size_t)xx] &
                        exec_mask_u(a);
            }
            f->ws->vals[r] = v;
        }
        ap_field fld = {(unsigned)fi * a, a};
        st = ap_array_field_load(f->arr, fld, f->ws->vals, rows);
    }
    return st;
}

static base_status elt_maxpool(const fold_args *f, unsigned *col, ap_field *result)
{
    const unsigned a = f->lc->b->a_bits;
    const int window = f->lc->l->kh * f->lc->l->kw;
    *col = (unsigned)window * a;
    *result = (ap_field){0, a};
    base_status st = pool_load(f, 1, window);
    unsigned flag = (*col)++;
    for (int fi = 1; fi < window && st == BASE_OK; fi++) {
        ap_field fa = {(unsigned)fi * a, a};
        st = ap_max(f->arr, fa, *result, flag, true);
    }
    return st;
}

static base_status elt_avgpool(const fold_args *f, unsigned *col, ap_field *result)
{
    const unsigned a = f->lc->b->a_bits, src = f->lc->src;
    *col = a;
    base_status st = pool_load(f, 0, 1);
    ap_field acc = exec_take_field(col, src), tmp = exec_take_field(col, src);
    unsigned carry = (*col)++;
    if (st == BASE_OK)
        st = ap_reduce_sum_groups(f->arr, (ap_field){0, a}, acc, tmp, carry, true, f->group);
    *result = acc;
    return st;
}

/* An element-wise kind's part of a fold: loads its operands from column 0 on, runs its ops,
 * leaves *col past its fields and *result the field holding its result. */
typedef base_status (*elt_fn)(const fold_args *f, unsigned *col, ap_field *result);

/* One fold of an element-wise or pooling layer: the kind's part, then the requantization. */
static base_status fold_elt(const fold_args *f, elt_fn elt)
{
    const unsigned src = f->lc->src, o = f->lc->o;
    const size_t rows = f->n_out * f->group;
    unsigned col = 0, width = 0;
    ap_field result;
    ap_counters before;
    ap_array_counters(f->arr, &before);
    base_status st = elt(f, &col, &result);
    if (st == BASE_OK && o < src) {
        unsigned carry = col++;
        st = exec_ap_requant(f->arr, f->ws->vals, rows, &f->lc->q->rq, result, o, &col, carry,
                             &result);
    }
    if (st == BASE_OK)
        st = ap_array_field_store(f->arr, result, f->ws->vals, rows);
    width = result.width;
    if (st == BASE_OK)
        copy_outputs(f, width);
    account(f->ws, f->arr, &before);
    return st;
}

static base_status fold_relu(const fold_args *f)
{
    return fold_elt(f, elt_relu);
}
static base_status fold_add(const fold_args *f)
{
    return fold_elt(f, elt_add);
}
static base_status fold_maxpool(const fold_args *f)
{
    return fold_elt(f, elt_maxpool);
}
static base_status fold_avgpool(const fold_args *f)
{
    return fold_elt(f, elt_avgpool);
}

/* Rows per output: a conv/fc candidate's chunks; an average pool's window padded to a power
 * of two (the tree's group). */
static size_t group_gemm(const net_layer *l, const sim_candidate *c)
{
    (void)l;
    return (size_t)c->n_chunks;
}
static size_t group_window(const net_layer *l, const sim_candidate *c)
{
    (void)c;
    return (size_t)1 << sim_ceil_log2((uint64_t)(l->kh * l->kw));
}

/* Columns of a layer's arrays: a conv/fc row as the layout places it (0: no layout); an
 * element-wise row generously (every field the elt functions take). */
static unsigned cols_gemm(const layer_ctx *lc, const sim_candidate *c, const sim_arch *arch)
{
    sim_gemm_layout lay;
    return gemm_layout(lc, c, arch, &lay) ? lay.row_cols : 0;
}
static unsigned cols_elt(const layer_ctx *lc, const sim_candidate *c, const sim_arch *arch)
{
    const net_layer *l = lc->l;
    (void)c;
    (void)arch;
    return (unsigned)(l->kh * l->kw) * lc->b->a_bits + 2 * lc->b->a_bits + 2 * lc->src + 4 +
           sim_requant_cols(lc->src, lc->o);
}

/* Result bits before requantization: a conv/fc accumulator, an average pool's window sum. */
static unsigned bits_gemm(const net_network *net, size_t li, const net_layer_bits *b)
{
    return conv_in_width(net, li, b) + b->w_bits + sim_ceil_log2(exec_layer_k(&net->layers[li]));
}
static unsigned bits_window_sum(const net_network *net, size_t li, const net_layer_bits *b)
{
    const net_layer *l = &net->layers[li];
    return b->a_bits + sim_ceil_log2((uint64_t)(l->kh * l->kw));
}

/* The executor's row of each layer kind (absent: no bit-exact execution). Adding a kind adds
 * its row here, beside its networks/ row and its planner row in sim/sim_plan.c. */
static const struct exec_kind_row {
    unsigned (*result_bits)(const net_network *, size_t, const net_layer_bits *); /* NULL: a */
    void (*ref)(const layer_ctx *, const int32_t *, const int32_t *, int64_t *);  /* one image */
    base_status (*fold)(const fold_args *); /* one fold on the AP (NULL with view) */
    size_t (*group)(const net_layer *, const sim_candidate *); /* rows per output (NULL: 1) */
    unsigned (*cols)(const layer_ctx *, const sim_candidate *, const sim_arch *);
    bool view;          /* a view of its input: never requantized, no AP work */
    bool halves_inputs; /* its inputs are calibrated to half their range (residual add) */
} kind_rows[NET_KIND_COUNT] = {
    [NET_CONV] = {bits_gemm, ref_gemm, fold_gemm, group_gemm, cols_gemm, false, false},
    [NET_FC] = {bits_gemm, ref_gemm, fold_gemm, group_gemm, cols_gemm, false, false},
    [NET_MAXPOOL] = {NULL, ref_maxpool, fold_maxpool, NULL, cols_elt, false, false},
    [NET_AVGPOOL] = {bits_window_sum, ref_avgpool, fold_avgpool, group_window, cols_elt, false,
                     false},
    [NET_RELU] = {NULL, ref_relu, fold_relu, NULL, cols_elt, false, false},
    [NET_ADD] = {NULL, ref_add, fold_add, NULL, cols_elt, false, true},
    [NET_FLATTEN] = {NULL, ref_view, NULL, NULL, NULL, true, false},
};

static unsigned result_bits(const net_network *net, size_t li, const net_layer_bits *b)
{
    const struct exec_kind_row *row = &kind_rows[net->layers[li].kind];
    return row->result_bits ? row->result_bits(net, li, b) : b->a_bits;
}

static unsigned out_bits(const net_network *net, size_t li, const net_layer_bits *b)
{
    unsigned r = result_bits(net, li, b);
    if (kind_rows[net->layers[li].kind].view)
        return r; /* a view: never requantized */
    return b->o_bits < r ? b->o_bits : r;
}

static layer_ctx layer_at(const exec_qmodel *qm, size_t li)
{
    layer_ctx lc = {qm, li, &qm->net->layers[li], &qm->bits->bits[li], &qm->layers[li], 0, 0};
    lc.src = result_bits(qm->net, li, lc.b);
    lc.o = out_bits(qm->net, li, lc.b);
    return lc;
}

int64_t exec_requant_apply(const exec_requant *rq, int64_t v, unsigned src_bits, unsigned o_bits)
{
    if (o_bits >= src_bits)
        return v;
    if (src_bits > SIM_REQUANT_SCALE_BITS_MAX)
        v = exec_wrap_signed(exec_shr_round(v, rq->pre_shift), SIM_REQUANT_SCALE_BITS_MAX);
    return exec_wrap_signed(exec_shr_round(v * (int64_t)rq->scale_b, rq->shift), o_bits);
}

void exec_requant_choose(double r, unsigned src_bits, unsigned o_bits, int64_t max_abs,
                         exec_requant *out)
{
    unsigned m = sim_requant_scale_bits(o_bits), x = src_bits;
    memset(out, 0, sizeof *out);
    if (x > SIM_REQUANT_SCALE_BITS_MAX) {
        /* Smallest pre-shift that keeps max_abs inside 16 signed bits, at least 1. */
        unsigned s = 1;
        while (s + 1 < src_bits && (max_abs >> s) > (1 << (SIM_REQUANT_SCALE_BITS_MAX - 1)) - 2)
            s++;
        out->pre_shift = s;
        r *= ldexp(1.0, (int)s);
        x = SIM_REQUANT_SCALE_BITS_MAX;
    }
    int64_t b_max = (1ll << (m - 1)) - 1;
    unsigned shift = 1;
    /* The largest shift whose multiplier still fits m signed bits: the most precise scale. */
    while (shift + 1 < x + m && llround(r * ldexp(1.0, (int)shift + 1)) <= b_max)
        shift++;
    int64_t b = llround(r * ldexp(1.0, (int)shift));
    out->scale_b = (int32_t)(b > b_max ? b_max : b < 0 ? 0 : b);
    out->shift = shift;
}

static double requant_real(const exec_requant *rq, unsigned src_bits, unsigned o_bits)
{
    if (o_bits >= src_bits)
        return 1.0;
    return (double)rq->scale_b / ldexp(1.0, (int)(rq->pre_shift + rq->shift));
}

/* ---- The model -------------------------------------------------------------------------- */

base_status exec_qmodel_new(const net_network *net, const net_bitcfg *bits, exec_qmodel **out)
{
    *out = NULL;
    if (bits->n_layers != net->n_layers)
        return BASE_ERROR(BASE_EINVAL, "bit configuration '%s' does not belong to network '%s'",
                          bits->name, net->name);
    for (size_t i = 0; i < net->n_layers; i++)
        if (net->layers[i].groups != 1)
            return BASE_ERROR(BASE_EUNSUPPORTED, "layer '%s': grouped convolution is not supported",
                              net->layers[i].name);
    exec_qmodel *qm = base_calloc(1, sizeof *qm);
    if (!qm)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    qm->net = net;
    qm->bits = bits;
    qm->in_scale = 1.0;
    qm->layers = base_calloc(net->n_layers, sizeof *qm->layers);
    if (!qm->layers)
        goto fail;
    for (size_t i = 0; i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        exec_qlayer *q = &qm->layers[i];
        q->w_scale = q->out_scale = 1.0;
        q->rq.scale_b = 1;
        q->rq.shift = 1;
        q->rq.pre_shift = 1;
        if (!net_kind_has_weights(l->kind))
            continue;
        q->weight = base_calloc((size_t)(exec_layer_k(l) * (uint64_t)l->c_out), sizeof *q->weight);
        if (!q->weight)
            goto fail;
        if (l->has_bias) {
            q->bias = base_calloc((size_t)l->c_out, sizeof *q->bias);
            if (!q->bias)
                goto fail;
        }
    }
    *out = qm;
    return BASE_OK;
fail:
    exec_qmodel_free(qm);
    return BASE_ERROR(BASE_ENOMEM, "out of memory for the quantized model of %s", net->name);
}

void exec_qmodel_free(exec_qmodel *qm)
{
    if (!qm)
        return;
    if (qm->layers)
        for (size_t i = 0; i < qm->net->n_layers; i++) {
            base_free(qm->layers[i].weight);
            base_free(qm->layers[i].bias);
        }
    base_free(qm->layers);
    base_free(qm);
}

/* Largest bias magnitude that keeps the accumulator overflow-free: the products sum to at
 * most 2^(acc-2), so a bias below that leaves the sign bit intact. */
static int32_t bias_limit(const exec_qmodel *qm, size_t li)
{
    unsigned acc = result_bits(qm->net, li, &qm->bits->bits[li]);
    return (int32_t)((1ll << (acc - 2)) - 1);
}

void exec_qmodel_synthetic(exec_qmodel *qm, uint64_t seed)
{
    uint64_t s = seed;
    for (size_t i = 0; i < qm->net->n_layers; i++) {
        const net_layer *l = &qm->net->layers[i];
        exec_qlayer *q = &qm->layers[i];
        if (!q->weight)
            continue;
        unsigned w = qm->bits->bits[i].w_bits;
        size_t n = (size_t)(exec_layer_k(l) * (uint64_t)l->c_out);
        for (size_t j = 0; j < n; j++)
            q->weight[j] = rand_signed(&s, w);
        if (q->bias) {
            int32_t lim = bias_limit(qm, i);
            unsigned bb = w + qm->bits->bits[i].a_bits;
            for (int c = 0; c < l->c_out; c++) {
                int32_t v = rand_signed(&s, bb);
                q->bias[c] = v > lim ? lim : v < -lim ? -lim : v;
            }
        }
    }
}

void exec_infer_synthetic_input(const net_network *net, unsigned input_bits, uint64_t seed,
                                size_t n_images, int32_t *input)
{
    uint64_t s = seed;
    size_t n = (size_t)net->c_in * (size_t)net->h_in * (size_t)net->w_in * n_images;
    for (size_t j = 0; j < n; j++)
        input[j] = rand_signed(&s, input_bits);
}

size_t exec_infer_out_elems(const net_network *net)
{
    return (size_t)net_layer_out_elems(&net->layers[net->n_layers - 1]);
}

/* ---- Plain-C reference ------------------------------------------------------------------ */

static size_t in_elems(const net_network *net)
{
    return (size_t)net->c_in * (size_t)net->h_in * (size_t)net->w_in;
}

/* Tensor of layer input k for image img (n images stacked). */
static const int32_t *input_of(const exec_qmodel *qm, int32_t *const *t, const int32_t *input,
                               size_t li, int k, size_t img)
{
    int src = qm->net->layers[li].inputs[k];
    if (src < 0)
        return input + img * in_elems(qm->net);
    return t[src] + img * (size_t)net_layer_out_elems(&qm->net->layers[src]);
}

/* 1 when layer li feeds a layer whose inputs are calibrated to half their range. */
static int feeds_halved(const net_network *net, size_t li)
{
    for (size_t j = li + 1; j < net->n_layers; j++) {
        const net_layer *l = &net->layers[j];
        for (int k = 0; k < l->n_inputs && kind_rows[l->kind].halves_inputs; k++)
            if (l->inputs[k] == (int)li)
                return 1;
    }
    return 0;
}

/* Runs the reference over n images; with calibrate, each layer's requantization is chosen
 * from the raw results before it is applied. */
static base_status forward(exec_qmodel *qm, const int32_t *input, size_t n_images, int32_t *out,
                           int calibrate, exec_bias_fn bias_fn, void *ctx)
{
    const net_network *net = qm->net;
    base_status st = BASE_OK;
    int32_t **t = base_calloc(net->n_layers, sizeof *t);
    size_t max_elems = 1;
    for (size_t i = 0; i < net->n_layers; i++) {
        size_t e = (size_t)net_layer_out_elems(&net->layers[i]);
        max_elems = e > max_elems ? e : max_elems;
    }
    int64_t *raw = base_malloc(max_elems * n_images * sizeof *raw);
    if (!t || !raw) {
        st = BASE_ERROR(BASE_ENOMEM, "out of memory running %s", net->name);
        goto done;
    }
    for (size_t li = 0; li < net->n_layers; li++) {
        const net_layer *l = &net->layers[li];
        size_t e = (size_t)net_layer_out_elems(l);
        t[li] = base_malloc(e * n_images * sizeof **t);
        if (!t[li]) {
            st = BASE_ERROR(BASE_ENOMEM, "out of memory running %s", net->name);
            goto done;
        }
        double s_in = l->inputs[0] < 0 ? qm->in_scale : qm->layers[l->inputs[0]].out_scale;
        double s_src = s_in;
        if (net_kind_has_weights(l->kind))
            s_src = s_in * qm->layers[li].w_scale;
        if (calibrate && bias_fn && qm->layers[li].bias)
            bias_fn(qm, li, s_src, ctx); /* the input's scale is calibrated by now */
        const layer_ctx lc = layer_at(qm, li);
        for (size_t img = 0; img < n_images; img++)
            kind_rows[l->kind].ref(&lc, input_of(qm, t, input, li, 0, img),
                                   l->n_inputs > 1 ? input_of(qm, t, input, li, 1, img) : NULL,
                                   raw + img * e);
        unsigned src = lc.src, o = lc.o;
        if (calibrate) {
            int64_t max_abs = 0;
            for (size_t j = 0; j < e * n_images; j++) {
                int64_t a = raw[j] < 0 ? -raw[j] : raw[j];
                max_abs = a > max_abs ? a : max_abs;
            }
            if (o < src) {
                double top = ldexp(1.0, (int)o - (feeds_halved(net, li) ? 2 : 1)) - 1;
                double r = max_abs > 0 ? top / (double)max_abs : 1.0;
                exec_requant_choose(r, src, o, max_abs, &qm->layers[li].rq);
            }
            qm->layers[li].out_scale = s_src / requant_real(&qm->layers[li].rq, src, o);
        }
        for (size_t j = 0; j < e * n_images; j++)
            t[li][j] = (int32_t)exec_requant_apply(&qm->layers[li].rq, raw[j], src, o);
    }
    if (out) {
        size_t e = exec_infer_out_elems(net);
        memcpy(out, t[net->n_layers - 1], e * n_images * sizeof *out);
    }
done:
    if (t)
        for (size_t i = 0; i < net->n_layers; i++)
            base_free(t[i]);
    base_free(t);
    base_free(raw);
    return st;
}

base_status exec_infer_reference(const exec_qmodel *qm, const int32_t *input, size_t n_images,
                                 int32_t *out)
{
    return forward((exec_qmodel *)(uintptr_t)qm, input, n_images, out, 0, NULL, NULL);
}

base_status exec_qmodel_calibrate(exec_qmodel *qm, const int32_t *input, size_t n_images)
{
    return forward(qm, input, n_images, NULL, 1, NULL, NULL);
}

base_status exec_qmodel_calibrate_biases(exec_qmodel *qm, const int32_t *input, size_t n_images,
                                         exec_bias_fn bias_fn, void *ctx)
{
    return forward(qm, input, n_images, NULL, 1, bias_fn, ctx);
}

/* ---- On the AP ---------------------------------------------------------------------------- */

/* Adds an array's counters to the run's and frees it (NULL: nothing). */
static void flush_array(infer_ws *ws, ap_array *arr)
{
    if (!arr)
        return;
    ap_counters c;
    ap_array_counters(arr, &c);
    ap_counters_add(&ws->st.counters, &c);
    ap_array_free(arr);
}

/* One layer on the AP, fold by fold: as many outputs per fold as the CAPs' rows hold. */
static base_status run_layer(const layer_ctx *lc, const sim_candidate *c, const sim_arch *arch,
                             const int32_t *x, const int32_t *x2, infer_ws *ws, int32_t *out)
{
    const net_layer *l = lc->l;
    const struct exec_kind_row *row = &kind_rows[l->kind];
    size_t n_outputs = (size_t)net_layer_out_elems(l);
    if (row->view) {
        memcpy(out, x, n_outputs * sizeof *out);
        return BASE_OK;
    }
    if (!row->fold)
        return BASE_ERROR(BASE_EUNSUPPORTED, "layer kind '%s' has no AP execution",
                          net_kind_name(l->kind));
    fold_args f = {lc, c, arch, x, x2, NULL, ws, row->group ? row->group(l, c) : 1, 0, 0, out};
    size_t per_fold = (size_t)(arch->cap_rows / f.group) * arch->n_caps;
    unsigned cols = row->cols(lc, c, arch);
    if (cols == 0)
        return BASE_ERROR(BASE_EINVAL, "the GEMM row layout disagrees with the plan");
    base_status st = BASE_OK;
    for (f.base = 0; f.base < n_outputs && st == BASE_OK; f.base += per_fold) {
        size_t n = n_outputs - f.base < per_fold ? n_outputs - f.base : per_fold;
        if (n != f.n_out) {
            /* A fresh array when the fold size changes (the last, partial fold). */
            flush_array(ws, f.arr);
            f.arr = NULL;
            st = ap_array_new(n * f.group, cols, &f.arr);
            if (st != BASE_OK)
                break;
            ws->st.n_arrays++;
            f.n_out = n;
        }
        st = row->fold(&f);
    }
    flush_array(ws, f.arr);
    return st;
}

base_status exec_infer_ap(const exec_qmodel *qm, const sim_plan *plan, const sim_result *res,
                          const int32_t *input, int32_t *out, exec_infer_stats *stats)
{
    const net_network *net = qm->net;
    const sim_arch *arch = &res->arch;
    if (res->net != net || res->bits != qm->bits || sim_plan_n_layers(plan) != net->n_layers)
        return BASE_ERROR(BASE_EINVAL, "functional inference: plan and model do not match");
    if (arch->batch != 1)
        return BASE_ERROR(BASE_EINVAL, "functional inference runs one image: batch is %u",
                          arch->batch);
    infer_ws ws;
    memset(&ws, 0, sizeof ws);
    base_status st = BASE_OK;
    size_t max_rows = (size_t)arch->cap_rows * arch->n_caps, max_elems = 1;
    int32_t **t = base_calloc(net->n_layers, sizeof *t);
    ws.vals = base_malloc(max_rows * sizeof *ws.vals);
    ws.r_ch = base_malloc(max_rows * sizeof *ws.r_ch);
    ws.r_ky = base_malloc(max_rows * sizeof *ws.r_ky);
    ws.r_kx = base_malloc(max_rows * sizeof *ws.r_kx);
    ws.r_y0 = base_malloc(max_rows * sizeof *ws.r_y0);
    ws.r_x0 = base_malloc(max_rows * sizeof *ws.r_x0);
    ws.r_oc = base_malloc(max_rows * sizeof *ws.r_oc);
    ws.r_i = base_malloc(max_rows * sizeof *ws.r_i);
    if (!t || !ws.vals || !ws.r_ch || !ws.r_ky || !ws.r_kx || !ws.r_y0 || !ws.r_x0 || !ws.r_oc ||
        !ws.r_i) {
        st = BASE_ERROR(BASE_ENOMEM, "out of memory running %s on the AP", net->name);
        goto done;
    }
    for (size_t li = 0; li < net->n_layers && st == BASE_OK; li++) {
        const net_layer *l = &net->layers[li];
        size_t e = (size_t)net_layer_out_elems(l);
        max_elems = e > max_elems ? e : max_elems;
        t[li] = base_malloc(e * sizeof **t);
        if (!t[li]) {
            st = BASE_ERROR(BASE_ENOMEM, "out of memory running %s on the AP", net->name);
            break;
        }
        const sim_layer_plan *lp = sim_plan_layer(plan, li);
        const sim_candidate *c = &lp->cand[res->layers[li].chosen];
        const int32_t *x = input_of(qm, t, input, li, 0, 0);
        const int32_t *x2 = l->n_inputs > 1 ? input_of(qm, t, input, li, 1, 0) : NULL;
        const layer_ctx lc = layer_at(qm, li);
        st = run_layer(&lc, c, arch, x, x2, &ws, t[li]);
        if (st != BASE_OK && st != BASE_ENOMEM)
            st = base_error_wrap(st, NULL, 0, 0, "layer '%s': ", l->name);
    }
    if (st == BASE_OK)
        memcpy(out, t[net->n_layers - 1], exec_infer_out_elems(net) * sizeof *out);
    if (stats)
        *stats = ws.st;
done:
    if (t)
        for (size_t i = 0; i < net->n_layers; i++)
            base_free(t[i]);
    base_free(t);
    base_free(ws.vals);
    base_free(ws.r_ch);
    base_free(ws.r_ky);
    base_free(ws.r_kx);
    base_free(ws.r_y0);
    base_free(ws.r_x0);
    base_free(ws.r_oc);
    base_free(ws.r_i);
    return st;
}

void exec_infer_expected(const sim_plan *plan, const sim_result *res, ap_counters *out,
                         double *written_cells)
{
    memset(out, 0, sizeof *out);
    *written_cells = 0;
    for (size_t li = 0; li < sim_plan_n_layers(plan); li++) {
        const sim_candidate *c = &sim_plan_layer(plan, li)->cand[res->layers[li].chosen];
        out->n_compares += c->n_compares * c->n_folds;
        out->n_writes += c->n_writes * c->n_folds;
        out->n_plane_writes += c->n_plane_writes * c->n_folds;
        out->n_plane_reads += c->n_plane_reads * c->n_folds;
        out->n_compared_cells += c->compared_cols * c->n_rows;
        *written_cells += c->written_cells_per_row * (double)c->n_rows;
    }
}
