/* exec_kinds.c - the executor's row of each layer kind: its result width, its plain-C integer
 * reference and its fold on ap_core arrays (conv/fc through the shared GEMM row program of
 * exec_gemm.c, element-wise and pooling kinds one output per row or group of rows), as the
 * planner maps it in sim/sim_plan.c (docs/SIM_MODEL.md, docs/INFERENCE.md). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ap_core/ap.h"
#include "exec/exec.h"
#include "exec/exec_impl.h"

/* Width at which a conv/fc layer's input enters the signed multiply. */
static unsigned conv_in_width(const net_network *net, size_t li, const net_layer_bits *b)
{
    return sim_act_width(net, li, b->a_bits);
}

/* Offset in the input of the first channel output channel oc reads: a grouped conv's group
 * g = oc / (c_out / groups) reads channels g x c_in / groups onwards (0 for groups 1). */
static size_t group_in_offset(const net_layer *l, size_t oc)
{
    size_t cg = (size_t)(l->c_in / l->groups);
    return oc / (size_t)(l->c_out / l->groups) * cg * (size_t)l->h_in * (size_t)l->w_in;
}

/* Raw (pre-requantization) results of a conv/fc layer for one image. */
static void ref_gemm(const exec_layer_ctx *lc, const int32_t *const *in, int64_t *raw)
{
    const int32_t *x = in[0];
    const net_layer *l = lc->l;
    const exec_qlayer *q = lc->q;
    const size_t m = (size_t)l->h_out * (size_t)l->w_out, hw_in = (size_t)l->h_in * (size_t)l->w_in;
    const unsigned aw = conv_in_width(lc->qm->net, lc->li, lc->b);
    const size_t k = (size_t)exec_layer_k(l);
    const exec_mul_fn mul = lc->qm->mul;
    for (int oc = 0; oc < l->c_out; oc++) {
        int64_t *acc = raw + (size_t)oc * m;
        const int32_t *xg = x + group_in_offset(l, (size_t)oc);
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
                const int32_t *row = xg + (size_t)c * hw_in + (size_t)y * (size_t)l->w_in;
                int64_t *out = acc + (size_t)oy * (size_t)l->w_out;
                for (int ox = 0; ox < l->w_out; ox++) {
                    int xx = ox * l->stride - l->pad + kx;
                    if (xx >= 0 && xx < l->w_in && !mul)
                        out[ox] += w * exec_wrap_signed(row[xx], aw);
                    else if (xx >= 0 && xx < l->w_in)
                        out[ox] += mul(exec_wrap_signed(row[xx], aw), aw, w, lc->b->w_bits);
                }
            }
        }
        for (size_t p = 0; p < m; p++)
            acc[p] = exec_wrap_signed(acc[p], lc->src);
    }
}

static void ref_relu(const exec_layer_ctx *lc, const int32_t *const *in, int64_t *raw)
{
    const int32_t *x = in[0];
    for (size_t j = 0; j < (size_t)net_layer_out_elems(lc->l); j++) {
        int64_t v = exec_wrap_signed(x[j], lc->b->a_bits);
        raw[j] = v < 0 ? 0 : v;
    }
}

static void ref_add(const exec_layer_ctx *lc, const int32_t *const *in, int64_t *raw)
{
    const int32_t *x = in[0], *x2 = in[1];
    const unsigned a = lc->b->a_bits;
    for (size_t j = 0; j < (size_t)net_layer_out_elems(lc->l); j++)
        raw[j] = exec_wrap_signed(exec_wrap_signed(x[j], a) + exec_wrap_signed(x2[j], a), a);
}

/* hardsigmoid: t = min(max(x + three, 0), six), six = 2 three; hardswish: x t (one signed
 * product of a and a + 1 bits, exact); the 1/6 is folded into the requantization. */
static void ref_hard(const exec_layer_ctx *lc, const int32_t *x, int64_t *raw, bool swish)
{
    const unsigned a = lc->b->a_bits;
    const int64_t three = lc->q->three, six = 2 * three;
    for (size_t j = 0; j < (size_t)net_layer_out_elems(lc->l); j++) {
        int64_t v = exec_wrap_signed(x[j], a), t = v + three;
        t = t < 0 ? 0 : t > six ? six : t;
        raw[j] = swish ? v * t : t;
    }
}

static void ref_hardswish(const exec_layer_ctx *lc, const int32_t *const *in, int64_t *raw)
{
    ref_hard(lc, in[0], raw, true);
}

static void ref_hardsigmoid(const exec_layer_ctx *lc, const int32_t *const *in, int64_t *raw)
{
    ref_hard(lc, in[0], raw, false);
}

/* Element j's value of mul's second operand: its own, or its channel's when C x 1 x 1. */
static size_t mul_index(const net_layer *l, const net_network *net, size_t j)
{
    int p = l->inputs[1];
    size_t hw2 = p < 0 ? (size_t)net->h_in * (size_t)net->w_in
                       : (size_t)net->layers[p].h_out * (size_t)net->layers[p].w_out;
    return hw2 == 1 ? j / ((size_t)l->h_out * (size_t)l->w_out) : j;
}

static void ref_mul(const exec_layer_ctx *lc, const int32_t *const *in, int64_t *raw)
{
    const int32_t *x = in[0], *x2 = in[1];
    const unsigned a = lc->b->a_bits;
    for (size_t j = 0; j < (size_t)net_layer_out_elems(lc->l); j++)
        raw[j] =
            exec_wrap_signed(x[j], a) * exec_wrap_signed(x2[mul_index(lc->l, lc->qm->net, j)], a);
}

/* Pooling: the window's maximum (padding never wins) or its sum (padding counts 0). */
static void ref_pool(const exec_layer_ctx *lc, const int32_t *x, int64_t *raw, int is_max)
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

static void ref_maxpool(const exec_layer_ctx *lc, const int32_t *const *in, int64_t *raw)
{
    ref_pool(lc, in[0], raw, 1);
}

static void ref_avgpool(const exec_layer_ctx *lc, const int32_t *const *in, int64_t *raw)
{
    ref_pool(lc, in[0], raw, 0);
}

/* A view (flatten): the input as it is. */
static void ref_view(const exec_layer_ctx *lc, const int32_t *const *in, int64_t *raw)
{
    for (size_t j = 0; j < (size_t)net_layer_out_elems(lc->l); j++)
        raw[j] = in[0][j];
}

static void account(exec_infer_ws *ws, const ap_array *arr, const ap_counters *before)
{
    ap_counters c;
    ap_array_counters(arr, &c);
    ws->st.n_row_passes += (c.n_compares - before->n_compares) * (uint64_t)ap_array_rows(arr);
}

/* Copies a fold's results out of vals (width bits): output element base + j is row j * group. */
static void copy_outputs(const exec_fold *f, unsigned width)
{
    for (size_t j = 0; j < f->n_out; j++)
        f->out[f->base + j] = (int32_t)exec_wrap_signed((int64_t)f->ws->vals[j * f->group], width);
}

/* The GEMM row layout of a conv/fc layer's candidate on arch (false: it disagrees with the
 * plan, which built the candidate from the same layout). */
static bool gemm_layout(const exec_layer_ctx *lc, const sim_candidate *c, const sim_arch *arch,
                        sim_gemm_layout *lay)
{
    if (!sim_gemm_layout_make(conv_in_width(lc->qm->net, lc->li, lc->b), lc->b->w_bits, c->acc_bits,
                              lc->o, c->n_chunks, c->chunk_k, arch->cap_cols, lay))
        return false;
    sim_gemm_layout_place(lay, lc->placement);
    return lay->n_slots == c->n_slots;
}

/* The operands of a conv/fc fold: row r's K element of MAC step j. Row r holds chunk r % g of
 * output base + r / g (g, the rows per output, a power of two), that is output channel
 * oc = output / M at position p = output % M. Every row of one chunk is at the same K
 * element, so the (index, channel, ky, kx) state is kept per chunk (ws->r_i, r_ch, r_ky, r_kx
 * indexed by chunk, at step ws->k_step); the position and channel are stepped along the
 * rows of a range, with one division at its start: nothing per row is stored. */
typedef struct row_walk {
    size_t oc, py, px; /* output channel and position of the current row */
} row_walk;

static row_walk walk_at(const exec_fold *f, size_t r)
{
    const net_layer *l = f->lc->l;
    size_t oi = f->base + r / f->group, m = (size_t)l->h_out * (size_t)l->w_out, p = oi % m;
    return (row_walk){oi / m, p / (size_t)l->w_out, p % (size_t)l->w_out};
}

/* The next output: one position on, the next channel after the last position. */
static inline void walk_next(const net_layer *l, row_walk *rw)
{
    if (++rw->px == (size_t)l->w_out) {
        rw->px = 0;
        if (++rw->py == (size_t)l->h_out) {
            rw->py = 0;
            rw->oc++;
        }
    }
}

/* Chunk c's element's offset in the input from its window origin: channel, ky, kx. */
static void chunk_offset(const net_layer *l, exec_infer_ws *ws, size_t c)
{
    ws->r_coff[c] =
        (int64_t)ws->r_ch[c] * l->h_in * l->w_in + (int64_t)ws->r_ky[c] * l->w_in + ws->r_kx[c];
}

/* Moves every chunk's K state to step j (the steps come in order: one step at a time). */
static void chunks_to(const exec_fold *f, uint64_t j)
{
    const net_layer *l = f->lc->l;
    exec_infer_ws *ws = f->ws;
    for (; ws->k_step < j; ws->k_step++)
        for (size_t c = 0; c < f->group; c++) {
            ws->r_i[c]++;
            if (++ws->r_kx[c] == l->kw) {
                ws->r_kx[c] = 0;
                if (++ws->r_ky[c] == l->kh) {
                    ws->r_ky[c] = 0;
                    ws->r_ch[c]++;
                }
            }
            chunk_offset(l, ws, c);
        }
}

/* Rows r0 .. r0 + n - 1 output by output: each output's chunks c0 .. c1 - 1 in the range get
 * their weight (weight true) or their activation, 0 past K and in the padding. */
static void gemm_fill(void *ctx, uint64_t j, bool weight, size_t r0, size_t n, uint32_t *out)
{
    const exec_fold *f = ctx;
    const exec_infer_ws *ws = f->ws;
    const net_layer *l = f->lc->l;
    const uint64_t k = exec_layer_k(l);
    const size_t g = f->group;
    const unsigned h = (unsigned)l->h_in, w = (unsigned)l->w_in;
    chunks_to(f, j);
    row_walk rw = walk_at(f, r0);
    for (size_t r = r0; r < r0 + n;) {
        size_t c0 = r & (g - 1), c1 = c0 + (r0 + n - r) < g ? c0 + (r0 + n - r) : g;
        uint32_t *o = out + (r - r0);
        if (weight) {
            const int32_t *row = f->lc->q->weight + (uint64_t)rw.oc * k;
            for (size_t c = c0; c < c1; c++)
                o[c - c0] = ws->r_i[c] < k ? (uint32_t)row[ws->r_i[c]] : 0;
        } else {
            int yb = (int)rw.py * l->stride - l->pad, xb = (int)rw.px * l->stride - l->pad;
            /* the window origin's offset, in the channels of the output channel's group */
            int64_t base = (int64_t)yb * (int64_t)w + xb + (int64_t)group_in_offset(l, rw.oc);
            for (size_t c = c0; c < c1; c++) {
                unsigned y = (unsigned)(yb + ws->r_ky[c]), xx = (unsigned)(xb + ws->r_kx[c]);
                /* negative coordinates wrap above h, w */
                o[c - c0] =
                    ws->r_i[c] < k && y < h && xx < w ? (uint32_t)f->x[base + ws->r_coff[c]] : 0;
            }
        }
        r += c1 - c0;
        if (c1 == g)
            walk_next(l, &rw);
    }
}

/* One fold of a conv/fc layer: output index oc * M + p, n_chunks rows each, through the
 * shared GEMM row program. */
static base_status fold_gemm(const exec_fold *f)
{
    const net_layer *l = f->lc->l;
    const exec_qlayer *q = f->lc->q;
    const sim_candidate *c = f->c;
    exec_infer_ws *ws = f->ws;
    const size_t g = f->group, rows = f->n_out * g, m = (size_t)l->h_out * (size_t)l->w_out;
    const uint64_t k = exec_layer_k(l), ck = c->chunk_k, area = (uint64_t)(l->kh * l->kw);
    sim_gemm_layout lay;
    if (!gemm_layout(f->lc, c, f->arch, &lay))
        return BASE_ERROR(BASE_EINVAL, "the GEMM row layout disagrees with the plan");
    if (g & (g - 1)) /* the planner's n_chunks are powers of two (gemm_fill relies on it) */
        return BASE_ERROR(BASE_EINVAL, "%zu rows per output is not a power of two", g);
    ap_counters before;
    ap_array_counters(f->arr, &before);
    /* Row state: output channel, next K index and its (channel, ky, kx), window origin; the
     * accumulator starts from the bias in each output's first row. */
    ws->k_step = 0;
    for (size_t ch = 0; ch < g; ch++) { /* chunk ch starts at K element ch * chunk_k */
        uint64_t i = (uint64_t)ch * ck, kk = i < k ? i : 0;
        ws->r_i[ch] = i;
        ws->r_ch[ch] = (int32_t)(kk / area);
        ws->r_ky[ch] = (int32_t)((kk % area) / (uint64_t)l->kw);
        ws->r_kx[ch] = (int32_t)(kk % (uint64_t)l->kw);
        chunk_offset(l, ws, ch);
    }
    for (size_t r = 0; r < rows; r++) {
        size_t oc = (f->base + r / g) / m;
        ws->vals[r] =
            (r % g == 0 && q->bias) ? (uint32_t)q->bias[oc] & exec_mask_u(c->acc_bits) : 0;
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
static base_status load_elems(const exec_fold *f, const int32_t *x, ap_field fld)
{
    const size_t rows = f->n_out * f->group;
    for (size_t r = 0; r < rows; r++)
        f->ws->vals[r] = (uint32_t)x[f->base + r] & exec_mask_u(fld.width);
    return ap_array_field_load(f->arr, fld, f->ws->vals, rows);
}

static base_status elt_relu(const exec_fold *f, unsigned *col, ap_field *result)
{
    *result = exec_take_field(col, f->lc->b->a_bits);
    base_status st = load_elems(f, f->x, *result);
    return st == BASE_OK ? ap_relu(f->arr, *result) : st;
}

static base_status elt_add(const exec_fold *f, unsigned *col, ap_field *result)
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

/* Loads rows' values fn(f, element) (wrapped to their field's width) into fld. */
static base_status load_rows(const exec_fold *f, ap_field fld,
                             int64_t (*fn)(const exec_fold *f, size_t e))
{
    const size_t rows = f->n_out * f->group;
    for (size_t r = 0; r < rows; r++)
        f->ws->vals[r] = (uint32_t)fn(f, f->base + r) & exec_mask_u(fld.width);
    return ap_array_field_load(f->arr, fld, f->ws->vals, rows);
}

static int64_t val_x(const exec_fold *f, size_t e)
{
    return exec_wrap_signed(f->x[e], f->lc->b->a_bits);
}
static int64_t val_y(const exec_fold *f, size_t e)
{
    return exec_wrap_signed(f->x2[mul_index(f->lc->l, f->lc->qm->net, e)], f->lc->b->a_bits);
}
static int64_t val_three(const exec_fold *f, size_t e)
{
    (void)e;
    return f->lc->q->three;
}
static int64_t val_six(const exec_fold *f, size_t e)
{
    (void)e;
    return 2 * (int64_t)f->lc->q->three;
}

/* hardswish, hardsigmoid, mul: the fields of sim_act_layout loaded (x sign-extended into t,
 * the constants in every row, mul's second operand per row or per channel), then the shared
 * op program sim_act_ops. */
static base_status elt_act(const exec_fold *f, unsigned *col, ap_field *result)
{
    const net_kind kind = f->lc->l->kind;
    sim_act_fields a;
    sim_act_layout(kind, f->lc->b->a_bits, &a);
    base_status st = BASE_OK;
    if (a.x.width)
        st = load_rows(f, a.x, val_x);
    if (st == BASE_OK && a.y.width)
        st = load_rows(f, a.y, val_y);
    if (st == BASE_OK && a.t.width)
        st = load_rows(f, a.t, val_x);
    if (st == BASE_OK && a.three.width)
        st = load_rows(f, a.three, val_three);
    if (st == BASE_OK && a.six.width)
        st = load_rows(f, a.six, val_six);
    if (st == BASE_OK && a.top.width)
        st = load_rows(f, a.top, val_six);
    if (st == BASE_OK)
        st = sim_act_ops(f->arr, kind, &a);
    *result = a.result;
    *col = a.cols;
    return st;
}

/* Loads pooling windows: maxpool's im2col puts window element j of output r in field j; a
 * pooling tree (avgpool, or maxpool in groups) element r % group of output r / group in one
 * field (avgpool: 0 past the window and in the padding; maxpool: the most negative a-bit
 * value, which never wins). */
static base_status pool_load(const exec_fold *f, int is_max, int n_fields)
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
            int j = f->group == 1 && is_max ? fi : (int)(r % f->group);
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

static base_status elt_maxpool(const exec_fold *f, unsigned *col, ap_field *result)
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

/* A pooling window in a group of rows, summed (average pool) or maximised (a max pool too
 * wide for im2col's columns) by a 2D-AP tree, as sim_plan.c's work_window_tree traces it. */
static base_status elt_window_tree(const exec_fold *f, unsigned *col, ap_field *result, bool is_max)
{
    const unsigned a = f->lc->b->a_bits, w = is_max ? a : f->lc->src;
    *col = a;
    base_status st = pool_load(f, is_max, 1);
    ap_field in = {0, a}, acc = exec_take_field(col, w), tmp = exec_take_field(col, w);
    unsigned flag = (*col)++;
    if (st == BASE_OK)
        st = is_max ? ap_reduce_max_groups(f->arr, in, acc, tmp, flag, true, f->group)
                    : ap_reduce_sum_groups(f->arr, in, acc, tmp, flag, true, f->group);
    *result = acc;
    return st;
}

static base_status elt_maxpool_tree(const exec_fold *f, unsigned *col, ap_field *result)
{
    return elt_window_tree(f, col, result, true);
}

static base_status elt_avgpool(const exec_fold *f, unsigned *col, ap_field *result)
{
    return elt_window_tree(f, col, result, false);
}

/* ---- Table kinds: sigmoid and softmax ---------------------------------------------------- */

uint32_t exec_sigmoid_entry(double in_scale, unsigned a, uint32_t u)
{
    double top = ldexp(1.0, (int)a - 1) - 1.0;
    double x = (double)exec_wrap_signed((int64_t)u, a) * in_scale;
    return (uint32_t)floor(top / (1.0 + exp(-x)) + 0.5);
}

uint32_t exec_exp_entry(double in_scale, unsigned e, uint32_t d)
{
    return (uint32_t)floor(exp(-(double)d * in_scale) * (ldexp(1.0, (int)e) - 1.0) + 0.5);
}

static void ref_sigmoid(const exec_layer_ctx *lc, const int32_t *const *in, int64_t *raw)
{
    const int32_t *x = in[0];
    const unsigned a = lc->b->a_bits;
    for (size_t j = 0; j < (size_t)net_layer_out_elems(lc->l); j++)
        raw[j] = exec_sigmoid_entry(lc->q->in_scale, a, (uint32_t)x[j] & exec_mask_u(a));
}

static base_status elt_sigmoid(const exec_fold *f, unsigned *col, ap_field *result)
{
    const unsigned a = f->lc->b->a_bits;
    ap_field x = exec_take_field(col, a);
    *result = exec_take_field(col, a);
    uint32_t *table = base_malloc(sizeof *table << a);
    if (!table)
        return BASE_ERROR(BASE_ENOMEM, "out of memory for a sigmoid table");
    for (uint32_t u = 0; u < (1u << a); u++)
        table[u] = exec_sigmoid_entry(f->lc->q->in_scale, a, u);
    base_status st = load_elems(f, f->x, x);
    if (st == BASE_OK)
        st = ap_lookup(f->arr, x, *result, table);
    base_free(table);
    return st;
}

static void calib_sigmoid(exec_qmodel *qm, size_t li, double *s_src)
{
    double top = ldexp(1.0, (int)qm->bits->bits[li].a_bits - 1) - 1.0;
    *s_src = top > 0 ? 1.0 / top : 1.0;
}

/* Softmax over the channels of each pixel, as sim_softmax_program computes it. */
static void ref_softmax(const exec_layer_ctx *lc, const int32_t *const *in, int64_t *raw)
{
    const int32_t *x = in[0];
    const net_layer *l = lc->l;
    const unsigned a = lc->b->a_bits;
    const size_t hw = (size_t)l->h_in * (size_t)l->w_in;
    sim_softmax_layout lay;
    if (!sim_softmax_layout_make(a, (uint64_t)l->c_in, &lay))
        return; /* refused by exec_qmodel_new */
    for (size_t px = 0; px < hw; px++) {
        int64_t m = INT64_MIN, sum = 0;
        for (int c = 0; c < l->c_in; c++) {
            int64_t v = exec_wrap_signed(x[(size_t)c * hw + px], a);
            m = v > m ? v : m;
        }
        for (int c = 0; c < l->c_in; c++) {
            uint32_t d = (uint32_t)(m - exec_wrap_signed(x[(size_t)c * hw + px], a));
            int64_t e = exec_exp_entry(lc->q->in_scale, lay.e, d);
            raw[(size_t)c * hw + px] = e;
            sum += e;
        }
        for (int c = 0; c < l->c_in; c++) {
            int64_t *y = &raw[(size_t)c * hw + px];
            *y = (*y << lay.p) / sum;
        }
    }
}

/* One fold of a softmax: pixels base .. base + n_out - 1, a group of rows each (row j: channel
 * j, or padding), sim_softmax_program, the requantization, the outputs back in place. */
static base_status fold_softmax(const exec_fold *f)
{
    const net_layer *l = f->lc->l;
    const unsigned a = f->lc->b->a_bits, o = f->lc->o;
    const size_t g = f->group, rows = f->n_out * g, hw = (size_t)l->h_in * (size_t)l->w_in;
    uint32_t *vals = f->ws->vals;
    sim_softmax_layout lay;
    if (!sim_softmax_layout_make(a, (uint64_t)l->c_in, &lay))
        return BASE_ERROR(BASE_EUNSUPPORTED, "softmax too wide for the AP's division");
    ap_counters before;
    ap_array_counters(f->arr, &before);
    for (size_t r = 0; r < rows; r++) {
        size_t ch = r % g, px = f->base + r / g;
        vals[r] = ch < (size_t)l->c_in ? (uint32_t)f->x[ch * hw + px] & exec_mask_u(a)
                                       : 1u << (a - 1); /* the most negative: never the max */
    }
    base_status st = ap_array_field_load(f->arr, lay.x, vals, rows);
    for (size_t r = 0; r < rows; r++)
        vals[r] = r % g < (size_t)l->c_in;
    if (st == BASE_OK)
        st = ap_array_field_load(f->arr, lay.valid, vals, rows);
    uint32_t *table = base_malloc(sizeof *table << a);
    if (!table && st == BASE_OK)
        st = BASE_ERROR(BASE_ENOMEM, "out of memory for a softmax table");
    for (uint32_t d = 0; table && d < (1u << a); d++)
        table[d] = exec_exp_entry(f->lc->q->in_scale, lay.e, d) << lay.p;
    if (st == BASE_OK)
        st = sim_softmax_program(f->arr, &lay, table);
    base_free(table);
    ap_field result = lay.result;
    unsigned col = lay.cols;
    if (st == BASE_OK && o < result.width) {
        unsigned carry = col++;
        st = exec_ap_requant(f->arr, vals, rows, &f->lc->q->rq, result, o, &col, carry, &result);
    }
    if (st == BASE_OK)
        st = ap_array_field_store(f->arr, result, vals, rows);
    for (size_t r = 0; st == BASE_OK && r < rows; r++)
        if (r % g < (size_t)l->c_in)
            f->out[(r % g) * hw + f->base + r / g] =
                (int32_t)exec_wrap_signed((int64_t)vals[r], result.width);
    account(f->ws, f->arr, &before);
    return st;
}

static void calib_softmax(exec_qmodel *qm, size_t li, double *s_src)
{
    *s_src = ldexp(1.0, -(int)(qm->bits->bits[li].a_bits - 1));
}

/* An element-wise kind's part of a fold: loads its operands from column 0 on, runs its ops,
 * leaves *col past its fields and *result the field holding its result. */
typedef base_status (*elt_fn)(const exec_fold *f, unsigned *col, ap_field *result);

/* One fold of an element-wise or pooling layer: the kind's part, then the requantization. */
static base_status fold_elt(const exec_fold *f, elt_fn elt)
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

static base_status fold_relu(const exec_fold *f)
{
    return fold_elt(f, elt_relu);
}
static base_status fold_add(const exec_fold *f)
{
    return fold_elt(f, elt_add);
}
static base_status fold_act(const exec_fold *f)
{
    return fold_elt(f, elt_act);
}
static base_status fold_maxpool(const exec_fold *f)
{
    return fold_elt(f, f->group > 1 ? elt_maxpool_tree : elt_maxpool);
}
static base_status fold_avgpool(const exec_fold *f)
{
    return fold_elt(f, elt_avgpool);
}

static base_status fold_sigmoid(const exec_fold *f)
{
    return fold_elt(f, elt_sigmoid);
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

/* A maxpool: one row (im2col), or the planner's tree group (its n_chunks). */
static size_t group_maxpool(const net_layer *l, const sim_candidate *c)
{
    (void)l;
    return c->n_chunks ? (size_t)c->n_chunks : 1;
}

/* A softmax: one group of 2^ceil(log2 C) rows per pixel. */
static size_t group_channels(const net_layer *l, const sim_candidate *c)
{
    (void)c;
    return (size_t)1 << sim_ceil_log2((uint64_t)l->c_in);
}
static size_t units_pixels(const net_layer *l)
{
    return (size_t)l->h_out * (size_t)l->w_out;
}

/* Columns of a layer's arrays: a conv/fc row as the layout places it (0: no layout); an
 * element-wise row generously (every field the elt functions take). */
static unsigned cols_gemm(const exec_layer_ctx *lc, const sim_candidate *c, const sim_arch *arch)
{
    sim_gemm_layout lay;
    return gemm_layout(lc, c, arch, &lay) ? lay.row_cols : 0;
}
static unsigned cols_elt(const exec_layer_ctx *lc, const sim_candidate *c, const sim_arch *arch)
{
    const net_layer *l = lc->l;
    (void)c;
    (void)arch;
    return (unsigned)(l->kh * l->kw) * lc->b->a_bits + 2 * lc->b->a_bits + 2 * lc->src + 4 +
           sim_requant_cols(lc->src, lc->o);
}
static unsigned cols_maxpool(const exec_layer_ctx *lc, const sim_candidate *c, const sim_arch *arch)
{
    return c->n_chunks ? 3 * lc->b->a_bits + 2 + sim_requant_cols(lc->src, lc->o)
                       : cols_elt(lc, c, arch);
}
static unsigned cols_act(const exec_layer_ctx *lc, const sim_candidate *c, const sim_arch *arch)
{
    sim_act_fields a;
    (void)c;
    (void)arch;
    sim_act_layout(lc->l->kind, lc->b->a_bits, &a);
    return a.cols + 1 + sim_requant_cols(lc->src, lc->o);
}

static unsigned cols_softmax(const exec_layer_ctx *lc, const sim_candidate *c, const sim_arch *arch)
{
    sim_softmax_layout lay;
    (void)c;
    (void)arch;
    if (!sim_softmax_layout_make(lc->b->a_bits, (uint64_t)lc->l->c_in, &lay))
        return 0;
    return lay.cols + 1 + sim_requant_cols(lay.result.width, lc->o);
}

/* Result bits before requantization: a conv/fc accumulator, an average pool's window sum. */
static unsigned bits_gemm(const net_network *net, size_t li, const net_layer_bits *b)
{
    return conv_in_width(net, li, b) + b->w_bits + sim_ceil_log2(exec_layer_k(&net->layers[li]));
}
static unsigned bits_act(const net_network *net, size_t li, const net_layer_bits *b)
{
    return sim_act_result_bits(net->layers[li].kind, b->a_bits);
}
static unsigned bits_window_sum(const net_network *net, size_t li, const net_layer_bits *b)
{
    const net_layer *l = &net->layers[li];
    return b->a_bits + sim_ceil_log2((uint64_t)(l->kh * l->kw));
}

/* The scale of a layer's operand k (its producer's, or the network input's). */
static double operand_scale(const exec_qmodel *qm, size_t li, int k)
{
    int p = qm->net->layers[li].inputs[k];
    return p < 0 ? qm->in_scale : qm->layers[p].out_scale;
}

/* hardswish, hardsigmoid: three = round(3.0 / s_in) within 1 .. 2^(a-2); the raw result is
 * t (hardsigmoid, real t s_in / 6) or x t (hardswish, real x t s_in^2 / 6). */
static void calib_hard(exec_qmodel *qm, size_t li, double *s_src)
{
    const double s_in = operand_scale(qm, li, 0);
    const unsigned a = qm->bits->bits[li].a_bits;
    const double top = ldexp(1.0, (int)a - 2), v = s_in > 0 ? nearbyint(3.0 / s_in) : top;
    qm->layers[li].three = (int32_t)(v < 1 ? 1 : v > top ? top : v);
    *s_src = (qm->net->layers[li].kind == NET_HARDSWISH ? s_in * s_in : s_in) / 6.0;
}

/* mul: the product of the operands' scales. */
static void calib_mul(exec_qmodel *qm, size_t li, double *s_src)
{
    *s_src = operand_scale(qm, li, 0) * operand_scale(qm, li, 1);
}

/* A softmax's quotient: a + 1 bits (0 .. 2^(a-1)). */
static unsigned bits_softmax(const net_network *net, size_t li, const net_layer_bits *b)
{
    (void)net;
    (void)li;
    return b->a_bits + 1;
}

/* The executor's row of each layer kind (absent: no bit-exact execution). Adding a kind adds
 * its row here, beside its networks/ row and its planner row in sim/sim_plan.c. */
const exec_kind_row exec_kind_rows[NET_KIND_COUNT] = {
    [NET_CONV] = {bits_gemm, ref_gemm, fold_gemm, group_gemm, cols_gemm, false, false},
    [NET_FC] = {bits_gemm, ref_gemm, fold_gemm, group_gemm, cols_gemm, false, false},
    [NET_MAXPOOL] = {NULL, ref_maxpool, fold_maxpool, group_maxpool, cols_maxpool, false, false},
    [NET_AVGPOOL] = {bits_window_sum, ref_avgpool, fold_avgpool, group_window, cols_elt, false,
                     false},
    [NET_RELU] = {NULL, ref_relu, fold_relu, NULL, cols_elt, false, false},
    [NET_ADD] = {NULL, ref_add, fold_add, NULL, cols_elt, false, true},
    [NET_FLATTEN] = {NULL, ref_view, NULL, NULL, NULL, true, false},
    [NET_HARDSWISH] = {bits_act, ref_hardswish, fold_act, NULL, cols_act, false, false, calib_hard},
    [NET_HARDSIGMOID] = {bits_act, ref_hardsigmoid, fold_act, NULL, cols_act, false, false,
                         calib_hard},
    [NET_MUL] = {bits_act, ref_mul, fold_act, NULL, cols_act, false, false, calib_mul},
    [NET_CONCAT] = {exec_bits_concat, exec_ref_concat, exec_fold_concat, NULL, exec_cols_tensor,
                    false, false, exec_calib_concat},
    [NET_RESIZE] = {exec_bits_ap_gemm, exec_ref_resize, exec_fold_resize, exec_group_ap_gemm,
                    exec_cols_tensor, false, false},
    [NET_DECONV] = {exec_bits_ap_gemm, exec_ref_deconv, exec_fold_ap_gemm, exec_group_ap_gemm,
                    exec_cols_tensor, false, false},
    [NET_MATMUL] = {exec_bits_ap_gemm, exec_ref_matmul, exec_fold_ap_gemm, exec_group_ap_gemm,
                    exec_cols_tensor, false, false},
    [NET_SIGMOID] = {NULL, ref_sigmoid, fold_sigmoid, NULL, cols_elt, false, false, calib_sigmoid},
    [NET_SOFTMAX] = {bits_softmax, ref_softmax, fold_softmax, group_channels, cols_softmax, false,
                     false, calib_softmax, units_pixels},
};

unsigned exec_result_bits(const net_network *net, size_t li, const net_layer_bits *b)
{
    const struct exec_kind_row *row = &exec_kind_rows[net->layers[li].kind];
    return row->result_bits ? row->result_bits(net, li, b) : b->a_bits;
}

unsigned exec_out_bits(const net_network *net, size_t li, const net_layer_bits *b)
{
    unsigned r = exec_result_bits(net, li, b);
    if (exec_kind_rows[net->layers[li].kind].view)
        return r; /* a view: never requantized */
    return b->o_bits < r ? b->o_bits : r;
}

base_status exec_fold_elt(const exec_fold *f, exec_elt_fn elt)
{
    return fold_elt(f, elt);
}

void exec_fold_account(const exec_fold *f, const ap_counters *before)
{
    account(f->ws, f->arr, before);
}

void exec_fold_copy_outputs(const exec_fold *f, unsigned width)
{
    copy_outputs(f, width);
}

exec_layer_ctx exec_layer_at(const exec_qmodel *qm, size_t li)
{
    exec_layer_ctx lc = {qm, li, &qm->net->layers[li], &qm->bits->bits[li], &qm->layers[li],
                         0,  0,  SIM_PLACE_GROUPED};
    lc.src = exec_result_bits(qm->net, li, lc.b);
    lc.o = exec_out_bits(qm->net, li, lc.b);
    return lc;
}
