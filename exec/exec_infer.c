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

static uint32_t mask_u(unsigned bits)
{
    return bits >= 32 ? 0xffffffffu : (uint32_t)((1ull << bits) - 1);
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

ap_field exec_take_field(unsigned *col, unsigned width)
{
    ap_field f = {*col, width};
    *col += width;
    return f;
}

static int32_t rand_signed(uint64_t *s, unsigned bits)
{
    return (int32_t)exec_wrap_signed((int64_t)(exec_splitmix64(s) >> 20), bits);
}

/* ---- Layer arithmetic shared by both paths ------------------------------------------- */

/* Bits of a layer's result before requantization, and the width its input is read at. */
static unsigned conv_in_width(const net_network *net, size_t li, const net_layer_bits *b)
{
    return sim_act_width(net, li, b->a_bits);
}

static unsigned result_bits(const net_network *net, size_t li, const net_layer_bits *b)
{
    const net_layer *l = &net->layers[li];
    switch (l->kind) {
    case NET_CONV:
    case NET_FC:
        return conv_in_width(net, li, b) + b->w_bits + sim_ceil_log2(exec_layer_k(l));
    case NET_AVGPOOL:
        return b->a_bits + sim_ceil_log2((uint64_t)(l->kh * l->kw));
    default:
        return b->a_bits;
    }
}

static unsigned out_bits(const net_network *net, size_t li, const net_layer_bits *b)
{
    unsigned r = result_bits(net, li, b);
    if (net->layers[li].kind == NET_FLATTEN)
        return r; /* a view: never requantized */
    return b->o_bits < r ? b->o_bits : r;
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

/* Raw (pre-requantization) results of layer li for one image into raw. */
static void ref_raw(const exec_qmodel *qm, size_t li, const int32_t *x, const int32_t *x2,
                    int64_t *raw)
{
    const net_layer *l = &qm->net->layers[li];
    const net_layer_bits *b = &qm->bits->bits[li];
    const exec_qlayer *q = &qm->layers[li];
    const size_t m = (size_t)l->h_out * (size_t)l->w_out, hw_in = (size_t)l->h_in * (size_t)l->w_in;
    const unsigned acc_bits = result_bits(qm->net, li, b);
    switch (l->kind) {
    case NET_CONV:
    case NET_FC: {
        const unsigned aw = conv_in_width(qm->net, li, b);
        const size_t k = (size_t)exec_layer_k(l);
        for (int oc = 0; oc < l->c_out; oc++) {
            int64_t *acc = raw + (size_t)oc * m;
            for (size_t p = 0; p < m; p++)
                acc[p] = q->bias ? q->bias[oc] : 0;
            for (size_t i = 0; i < k; i++) {
                int64_t w = exec_wrap_signed(q->weight[(size_t)oc * k + i], b->w_bits);
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
                acc[p] = exec_wrap_signed(acc[p], acc_bits);
        }
        break;
    }
    case NET_RELU:
        for (size_t j = 0; j < (size_t)net_layer_out_elems(l); j++) {
            int64_t v = exec_wrap_signed(x[j], b->a_bits);
            raw[j] = v < 0 ? 0 : v;
        }
        break;
    case NET_ADD:
        for (size_t j = 0; j < (size_t)net_layer_out_elems(l); j++)
            raw[j] = exec_wrap_signed(
                exec_wrap_signed(x[j], b->a_bits) + exec_wrap_signed(x2[j], b->a_bits), b->a_bits);
        break;
    case NET_MAXPOOL:
    case NET_AVGPOOL:
        for (int c = 0; c < l->c_out; c++)
            for (int oy = 0; oy < l->h_out; oy++)
                for (int ox = 0; ox < l->w_out; ox++) {
                    int64_t best = -(1ll << (b->a_bits - 1)), sum = 0;
                    for (int ky = 0; ky < l->kh; ky++)
                        for (int kx = 0; kx < l->kw; kx++) {
                            int y = oy * l->stride - l->pad + ky, xx = ox * l->stride - l->pad + kx;
                            int64_t v = 0;
                            if (y >= 0 && y < l->h_in && xx >= 0 && xx < l->w_in)
                                v = exec_wrap_signed(
                                    x[(size_t)c * hw_in + (size_t)y * (size_t)l->w_in + (size_t)xx],
                                    b->a_bits);
                            else if (l->kind == NET_MAXPOOL)
                                v = best; /* padding never wins */
                            best = v > best ? v : best;
                            sum += v;
                        }
                    raw[((size_t)c * (size_t)l->h_out + (size_t)oy) * (size_t)l->w_out +
                        (size_t)ox] =
                        l->kind == NET_MAXPOOL ? best : exec_wrap_signed(sum, acc_bits);
                }
        break;
    default: /* flatten: a view */
        for (size_t j = 0; j < (size_t)net_layer_out_elems(l); j++)
            raw[j] = x[j];
        break;
    }
}

static int feeds_add(const net_network *net, size_t li)
{
    for (size_t j = li + 1; j < net->n_layers; j++)
        if (net->layers[j].kind == NET_ADD &&
            (net->layers[j].inputs[0] == (int)li || net->layers[j].inputs[1] == (int)li))
            return 1;
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
        const net_layer_bits *b = &qm->bits->bits[li];
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
        for (size_t img = 0; img < n_images; img++)
            ref_raw(qm, li, input_of(qm, t, input, li, 0, img),
                    l->n_inputs > 1 ? input_of(qm, t, input, li, 1, img) : NULL, raw + img * e);
        unsigned src = result_bits(net, li, b), o = out_bits(net, li, b);
        if (calibrate) {
            int64_t max_abs = 0;
            for (size_t j = 0; j < e * n_images; j++) {
                int64_t a = raw[j] < 0 ? -raw[j] : raw[j];
                max_abs = a > max_abs ? a : max_abs;
            }
            if (o < src) {
                double top = ldexp(1.0, (int)o - (feeds_add(net, li) ? 2 : 1)) - 1;
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

/* Per-run workspace: value buffer and per-row im2col state, sized for the largest fold. */
typedef struct infer_ws {
    uint32_t *vals;
    int32_t *r_ch, *r_ky, *r_kx, *r_y0, *r_x0;
    uint64_t *r_i;
    int32_t *r_oc;
    exec_infer_stats st;
} infer_ws;

base_status exec_ap_requant(ap_array *arr, uint32_t *vals, size_t rows, const exec_requant *rq,
                            ap_field src, unsigned o, unsigned *col, unsigned carry,
                            ap_field *result)
{
    base_status st = BASE_OK;
    unsigned m = sim_requant_scale_bits(o);
    if (src.width > SIM_REQUANT_SCALE_BITS_MAX) {
        ap_field pre = exec_take_field(col, SIM_REQUANT_SCALE_BITS_MAX);
        st = ap_shr_round(arr, src, rq->pre_shift, pre, carry, true);
        src = pre;
    }
    ap_field bf = exec_take_field(col, m), pf = exec_take_field(col, src.width + m),
             of = exec_take_field(col, o);
    for (size_t r = 0; r < rows; r++)
        vals[r] = (uint32_t)rq->scale_b & mask_u(m);
    if (st == BASE_OK)
        st = ap_array_field_load(arr, bf, vals, rows);
    if (st == BASE_OK)
        st = ap_mul(arr, src, bf, pf, carry, true);
    if (st == BASE_OK)
        st = ap_shr_round(arr, pf, rq->shift, of, carry, true);
    *result = of;
    return st;
}

static void account(infer_ws *ws, const ap_array *arr, const ap_counters *before)
{
    ap_counters c;
    ap_array_counters(arr, &c);
    ws->st.n_row_passes += (c.n_compares - before->n_compares) * (uint64_t)ap_array_rows(arr);
}

/* Stores a fold's results: output element base + j is row j * group. */
static base_status store_outputs(ap_array *arr, infer_ws *ws, ap_field res, size_t rows,
                                 size_t group, size_t base, size_t n_out, int32_t *out)
{
    base_status st = ap_array_field_store(arr, res, ws->vals, rows);
    for (size_t j = 0; j < n_out && st == BASE_OK; j++)
        out[base + j] = (int32_t)exec_wrap_signed((int64_t)ws->vals[j * group], res.width);
    return st;
}

/* One fold of a conv/fc layer: outputs [base, base + n_out) (index oc * M + p), n_chunks rows
 * each. */
static base_status conv_fold(const exec_qmodel *qm, size_t li, const sim_candidate *c,
                             const int32_t *x, ap_array *arr, infer_ws *ws, size_t base,
                             size_t n_out, int32_t *out)
{
    const net_layer *l = &qm->net->layers[li];
    const net_layer_bits *b = &qm->bits->bits[li];
    const exec_qlayer *q = &qm->layers[li];
    const unsigned aw = conv_in_width(qm->net, li, b), wb = b->w_bits, prod = aw + wb;
    const unsigned acc_bits = c->acc_bits, o = out_bits(qm->net, li, b);
    const size_t g = (size_t)c->n_chunks, rows = n_out * g, m = (size_t)l->h_out * (size_t)l->w_out;
    const uint64_t k = exec_layer_k(l), ck = c->chunk_k, n_slots = c->n_slots;
    const size_t hw_in = (size_t)l->h_in * (size_t)l->w_in;
    const uint32_t amask = mask_u(aw), wmask = mask_u(wb);
    base_status st = BASE_OK;
    unsigned col = (unsigned)n_slots * prod;
    unsigned rq_cols = sim_requant_cols(acc_bits, o);
    col = col > rq_cols ? col : rq_cols;
    ap_field scratch = exec_take_field(&col, prod > acc_bits ? prod : acc_bits);
    ap_field mac_acc = exec_take_field(&col, acc_bits);
    ap_field red_acc = g > 1 ? exec_take_field(&col, acc_bits) : mac_acc;
    unsigned carry = col++;
    ap_counters before;
    ap_array_counters(arr, &before);

    /* Row state: output channel, next K index and its (channel, ky, kx), window origin. */
    for (size_t r = 0; r < rows; r++) {
        size_t oi = base + r / g, p = oi % m;
        uint64_t i = (uint64_t)(r % g) * ck;
        ws->r_oc[r] = (int32_t)(oi / m);
        ws->r_i[r] = i;
        ws->r_y0[r] = (int32_t)(p / (size_t)l->w_out) * l->stride - l->pad;
        ws->r_x0[r] = (int32_t)(p % (size_t)l->w_out) * l->stride - l->pad;
        uint64_t kk = i < k ? i : 0, area = (uint64_t)(l->kh * l->kw);
        ws->r_ch[r] = (int32_t)(kk / area);
        ws->r_ky[r] = (int32_t)((kk % area) / (uint64_t)l->kw);
        ws->r_kx[r] = (int32_t)(kk % (uint64_t)l->kw);
        ws->vals[r] =
            (r % g == 0 && q->bias) ? (uint32_t)q->bias[ws->r_oc[r]] & mask_u(acc_bits) : 0;
    }
    st = ap_array_field_load(arr, mac_acc, ws->vals, rows);
    ap_field prodf = {scratch.col, prod};
    for (uint64_t j = 0; j < ck && st == BASE_OK; j++) {
        ap_field act = {(unsigned)(j % n_slots) * aw, aw};
        ap_field wt = {(unsigned)n_slots * aw + (unsigned)(j % n_slots) * wb, wb};
        for (size_t r = 0; r < rows; r++) {
            uint32_t v = 0;
            if (ws->r_i[r] < k) {
                int y = ws->r_y0[r] + ws->r_ky[r], xx = ws->r_x0[r] + ws->r_kx[r];
                if (y >= 0 && y < l->h_in && xx >= 0 && xx < l->w_in)
                    v = (uint32_t)x[(size_t)ws->r_ch[r] * hw_in + (size_t)y * (size_t)l->w_in +
                                    (size_t)xx] &
                        amask;
            }
            ws->vals[r] = v;
        }
        st = ap_array_field_load(arr, act, ws->vals, rows);
        for (size_t r = 0; r < rows; r++) {
            uint64_t i = ws->r_i[r];
            ws->vals[r] = i < k ? (uint32_t)q->weight[(uint64_t)ws->r_oc[r] * k + i] & wmask : 0;
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
        if (st == BASE_OK)
            st = ap_array_field_load(arr, wt, ws->vals, rows);
        if (st == BASE_OK)
            st = ap_mac(arr, act, wt, mac_acc, prodf, carry, true);
    }
    if (st == BASE_OK && g > 1) {
        ap_field tmp = {scratch.col, acc_bits};
        st = ap_reduce_sum_groups(arr, mac_acc, red_acc, tmp, carry, true, g);
    }
    ap_field result = red_acc;
    if (st == BASE_OK && o < acc_bits) {
        unsigned rc = 0;
        st = exec_ap_requant(arr, ws->vals, rows, &q->rq, red_acc, o, &rc, carry, &result);
    }
    if (st == BASE_OK)
        st = store_outputs(arr, ws, result, rows, g, base, n_out, out);
    ws->st.n_macs += (uint64_t)n_out * k;
    account(ws, arr, &before);
    return st;
}

/* One fold of an element-wise or pooling layer: outputs [base, base + n_out), group rows
 * each (avgpool: the window padded to a power of two; others 1). */
static base_status elt_fold(const exec_qmodel *qm, size_t li, const int32_t *x, const int32_t *x2,
                            ap_array *arr, infer_ws *ws, size_t group, size_t base, size_t n_out,
                            int32_t *out)
{
    const net_layer *l = &qm->net->layers[li];
    const net_layer_bits *b = &qm->bits->bits[li];
    const unsigned a = b->a_bits, src = result_bits(qm->net, li, b), o = out_bits(qm->net, li, b);
    const size_t rows = n_out * group, hw_out = (size_t)l->h_out * (size_t)l->w_out;
    const size_t hw_in = (size_t)l->h_in * (size_t)l->w_in;
    const uint32_t amask = mask_u(a);
    const int window = l->kh * l->kw;
    unsigned col = 0;
    base_status st = BASE_OK;
    ap_field result = {0, a};
    ap_counters before;
    ap_array_counters(arr, &before);
    switch (l->kind) {
    case NET_RELU:
        for (size_t r = 0; r < rows; r++)
            ws->vals[r] = (uint32_t)x[base + r] & amask;
        result = exec_take_field(&col, a);
        st = ap_array_field_load(arr, result, ws->vals, rows);
        if (st == BASE_OK)
            st = ap_relu(arr, result);
        break;
    case NET_ADD: {
        ap_field f0 = exec_take_field(&col, a), f1 = exec_take_field(&col, a);
        for (size_t r = 0; r < rows; r++)
            ws->vals[r] = (uint32_t)x[base + r] & amask;
        st = ap_array_field_load(arr, f0, ws->vals, rows);
        for (size_t r = 0; r < rows; r++)
            ws->vals[r] = (uint32_t)x2[base + r] & amask;
        if (st == BASE_OK)
            st = ap_array_field_load(arr, f1, ws->vals, rows);
        if (st == BASE_OK)
            st = ap_add(arr, f1, f0, col++);
        result = f0;
        break;
    }
    case NET_MAXPOOL:
    case NET_AVGPOOL: {
        /* Maxpool: window element j of output r in slot j; avgpool: element r % group of
         * output r / group in one field (0 past the window and in the padding). */
        int is_max = l->kind == NET_MAXPOOL;
        int n_fields = is_max ? window : 1;
        uint32_t pad = is_max ? (1u << (a - 1)) : 0; /* most negative a-bit value */
        col = (unsigned)n_fields * a;
        for (int f = 0; f < n_fields && st == BASE_OK; f++) {
            for (size_t r = 0; r < rows; r++) {
                size_t oi = base + r / group;
                int j = is_max ? f : (int)(r % group);
                uint32_t v = pad;
                if (j < window) {
                    size_t ch = oi / hw_out, p = oi % hw_out;
                    int y = (int)(p / (size_t)l->w_out) * l->stride - l->pad + j / l->kw;
                    int xx = (int)(p % (size_t)l->w_out) * l->stride - l->pad + j % l->kw;
                    if (y >= 0 && y < l->h_in && xx >= 0 && xx < l->w_in)
                        v = (uint32_t)x[ch * hw_in + (size_t)y * (size_t)l->w_in + (size_t)xx] &
                            amask;
                }
                ws->vals[r] = v;
            }
            ap_field fld = {(unsigned)f * a, a};
            st = ap_array_field_load(arr, fld, ws->vals, rows);
        }
        if (is_max) {
            unsigned flag = col++;
            for (int f = 1; f < window && st == BASE_OK; f++) {
                ap_field fa = {(unsigned)f * a, a};
                st = ap_max(arr, fa, result, flag, true);
            }
        } else {
            ap_field acc = exec_take_field(&col, src), tmp = exec_take_field(&col, src);
            unsigned carry = col++;
            if (st == BASE_OK)
                st = ap_reduce_sum_groups(arr, result, acc, tmp, carry, true, group);
            result = acc;
        }
        break;
    }
    default:
        return BASE_ERROR(BASE_EUNSUPPORTED, "layer kind '%s' has no AP execution",
                          net_kind_name(l->kind));
    }
    if (st == BASE_OK && o < src) {
        unsigned carry = col++;
        st = exec_ap_requant(arr, ws->vals, rows, &qm->layers[li].rq, result, o, &col, carry,
                             &result);
    }
    if (st == BASE_OK)
        st = store_outputs(arr, ws, result, rows, group, base, n_out, out);
    account(ws, arr, &before);
    return st;
}

/* Columns a layer's arrays need (generous: every field the fold functions take). */
static unsigned layer_cols(const exec_qmodel *qm, size_t li, const sim_candidate *c)
{
    const net_layer *l = &qm->net->layers[li];
    const net_layer_bits *b = &qm->bits->bits[li];
    unsigned src = result_bits(qm->net, li, b), o = out_bits(qm->net, li, b);
    if (net_kind_has_weights(l->kind)) {
        unsigned prod = conv_in_width(qm->net, li, b) + b->w_bits;
        unsigned ops = (unsigned)c->n_slots * prod, rq = sim_requant_cols(src, o);
        return (ops > rq ? ops : rq) + (prod > src ? prod : src) + 2 * src + 1;
    }
    return (unsigned)(l->kh * l->kw) * b->a_bits + 2 * b->a_bits + 2 * src + 4 +
           sim_requant_cols(src, o);
}

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

static base_status run_layer(const exec_qmodel *qm, size_t li, const sim_candidate *c,
                             const sim_arch *arch, const int32_t *x, const int32_t *x2,
                             infer_ws *ws, int32_t *out)
{
    const net_layer *l = &qm->net->layers[li];
    size_t n_outputs = (size_t)net_layer_out_elems(l);
    size_t group = 1;
    if (l->kind == NET_FLATTEN) {
        memcpy(out, x, n_outputs * sizeof *out);
        return BASE_OK;
    }
    if (net_kind_has_weights(l->kind))
        group = (size_t)c->n_chunks;
    else if (l->kind == NET_AVGPOOL)
        group = (size_t)1 << sim_ceil_log2((uint64_t)(l->kh * l->kw));
    size_t per_fold = (size_t)(arch->cap_rows / group) * arch->n_caps;
    unsigned cols = layer_cols(qm, li, c);
    ap_array *arr = NULL;
    size_t arr_outs = 0;
    base_status st = BASE_OK;
    for (size_t base = 0; base < n_outputs && st == BASE_OK; base += per_fold) {
        size_t n = n_outputs - base < per_fold ? n_outputs - base : per_fold;
        if (n != arr_outs) {
            /* A fresh array when the fold size changes (the last, partial fold). */
            flush_array(ws, arr);
            arr = NULL;
            st = ap_array_new(n * group, cols, &arr);
            if (st != BASE_OK)
                break;
            ws->st.n_arrays++;
            arr_outs = n;
        }
        if (net_kind_has_weights(l->kind))
            st = conv_fold(qm, li, c, x, arr, ws, base, n, out);
        else
            st = elt_fold(qm, li, x, x2, arr, ws, group, base, n, out);
    }
    flush_array(ws, arr);
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
        st = run_layer(qm, li, c, arch, x, x2, &ws, t[li]);
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
