/* exec_infer.c - bit-exact inference of a whole quantized CNN: a plain-C integer reference and
 * the same arithmetic on ap_core arrays with the planner's mapping (docs/SIM_MODEL.md), one
 * array per fold of rows. Requantization is HAWQ-V3's dyadic scaling (Yao et al., ICML 2021)
 * with calibrated scales; semantics and layouts are documented in docs/INFERENCE.md. */
#include <math.h>
#include <string.h>

#include "ap_core/ap.h"
#include "exec/exec.h"
#include "exec/exec_impl.h"

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
    return (uint64_t)(l->c_in / l->groups) * (uint64_t)l->kh * (uint64_t)l->kw;
}

static int32_t rand_signed(uint64_t *s, unsigned bits)
{
    return (int32_t)exec_wrap_signed((int64_t)(exec_splitmix64(s) >> 20), bits);
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
        if (!exec_kind_rows[net->layers[i].kind].ref)
            return BASE_ERROR(BASE_EUNSUPPORTED, "layer '%s': kind '%s' has no bit-exact execution",
                              net->layers[i].name, net_kind_name(net->layers[i].kind));
    for (size_t i = 0; i < net->n_layers; i++) {
        net_kind k = net->layers[i].kind;
        if ((k == NET_HARDSWISH || k == NET_HARDSIGMOID) && bits->bits[i].a_bits < 2)
            return BASE_ERROR(BASE_EUNSUPPORTED,
                              "layer '%s': %s needs inputs of at least 2 bits, got %u",
                              net->layers[i].name, net_kind_name(k), bits->bits[i].a_bits);
        sim_softmax_layout lay;
        if (net->layers[i].kind == NET_SOFTMAX &&
            !sim_softmax_layout_make(bits->bits[i].a_bits, (uint64_t)net->layers[i].c_in, &lay))
            return BASE_ERROR(BASE_EUNSUPPORTED,
                              "layer '%s': a softmax over %d channels of %u bits does not fit "
                              "the AP's %u-bit division (a_bits 2..15, at most 2^14 "
                              "channels)",
                              net->layers[i].name, net->layers[i].c_in, bits->bits[i].a_bits,
                              SIM_OPERAND_BITS_MAX);
    }
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
        q->in_scale = ldexp(8.0, 1 - (int)bits->bits[i].a_bits);
        q->rq.scale_b = 1;
        q->rq.shift = 1;
        q->rq.pre_shift = 1;
        unsigned a = bits->bits[i].a_bits;
        q->three = a > 3 ? (int32_t)1 << (a - 3) : 1;
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
    unsigned acc = exec_result_bits(qm->net, li, &qm->bits->bits[li]);
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
        for (int k = 0; k < l->n_inputs && exec_kind_rows[l->kind].halves_inputs; k++)
            if (l->inputs[k] == (int)li)
                return 1;
    }
    return 0;
}

/* How a calibration runs: whether it does, its bias hook, and its sharing hook (max_fn NULL:
 * these images are all of them). */
typedef struct calib_hooks {
    int calibrate;
    exec_bias_fn bias_fn;
    void *bias_ctx;
    exec_max_fn max_fn;
    void *max_ctx;
} calib_hooks;

/* The largest magnitude of a layer's raw results, combined over the sharers when shared. */
static int64_t layer_max(const calib_hooks *h, const int64_t *raw, size_t n)
{
    int64_t max_abs = 0;
    for (size_t j = 0; j < n; j++) {
        int64_t a = raw[j] < 0 ? -raw[j] : raw[j];
        max_abs = a > max_abs ? a : max_abs;
    }
    if (h->max_fn)
        h->max_fn(h->max_ctx, &max_abs);
    return max_abs;
}

/* Runs the reference over n images; with calibrate, each layer's requantization is chosen
 * from the raw results before it is applied. Every buffer is allocated before the first
 * layer, so a shared calibration that fails does so before its first max_fn call; it then
 * still calls max_fn once per layer, as its contract says. */
static base_status forward(exec_qmodel *qm, const int32_t *input, size_t n_images, int32_t *out,
                           const calib_hooks *h)
{
    const net_network *net = qm->net;
    base_status st = BASE_OK;
    int32_t **t = base_calloc(net->n_layers, sizeof *t);
    size_t max_elems = 1;
    for (size_t i = 0; i < net->n_layers; i++) {
        size_t e = (size_t)net_layer_out_elems(&net->layers[i]);
        max_elems = e > max_elems ? e : max_elems;
    }
    int64_t *raw = base_malloc(max_elems * (n_images ? n_images : 1) * sizeof *raw);
    if (!t || !raw)
        st = BASE_ERROR(BASE_ENOMEM, "out of memory running %s", net->name);
    for (size_t li = 0; li < net->n_layers && st == BASE_OK; li++) {
        size_t e = (size_t)net_layer_out_elems(&net->layers[li]) * (n_images ? n_images : 1);
        if (!(t[li] = base_malloc(e * sizeof **t)))
            st = BASE_ERROR(BASE_ENOMEM, "out of memory running %s", net->name);
    }
    if (st != BASE_OK) {
        for (size_t li = 0; h->calibrate && h->max_fn && li < net->n_layers; li++) {
            int64_t none = 0;
            h->max_fn(h->max_ctx, &none);
        }
        goto done;
    }
    for (size_t li = 0; li < net->n_layers; li++) {
        const net_layer *l = &net->layers[li];
        size_t e = (size_t)net_layer_out_elems(l);
        double s_in = l->inputs[0] < 0 ? qm->in_scale : qm->layers[l->inputs[0]].out_scale;
        double s_src = s_in;
        if (net_kind_has_weights(l->kind))
            s_src = s_in * qm->layers[li].w_scale;
        if (h->calibrate && exec_kind_rows[l->kind].calibrate)
            exec_kind_rows[l->kind].calibrate(qm, li, &s_src);
        if (h->calibrate && h->bias_fn && qm->layers[li].bias)
            h->bias_fn(qm, li, s_src, h->bias_ctx); /* the input's scale is calibrated by now */
        if (h->calibrate)
            qm->layers[li].in_scale = s_in;
        const exec_layer_ctx lc = exec_layer_at(qm, li);
        for (size_t img = 0; img < n_images; img++) {
            const int32_t *in[NET_MAX_INPUTS] = {NULL};
            for (int k = 0; k < l->n_inputs; k++)
                in[k] = input_of(qm, t, input, li, k, img);
            exec_kind_rows[l->kind].ref(&lc, in, raw + img * e);
        }
        unsigned src = lc.src, o = lc.o;
        if (h->calibrate) {
            int64_t max_abs = layer_max(h, raw, e * n_images);
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
    calib_hooks h = {0, NULL, NULL, NULL, NULL};
    return forward((exec_qmodel *)(uintptr_t)qm, input, n_images, out, &h);
}

base_status exec_qmodel_calibrate(exec_qmodel *qm, const int32_t *input, size_t n_images)
{
    calib_hooks h = {1, NULL, NULL, NULL, NULL};
    return forward(qm, input, n_images, NULL, &h);
}

base_status exec_qmodel_calibrate_biases(exec_qmodel *qm, const int32_t *input, size_t n_images,
                                         exec_bias_fn bias_fn, void *ctx)
{
    calib_hooks h = {1, bias_fn, ctx, NULL, NULL};
    return forward(qm, input, n_images, NULL, &h);
}

base_status exec_qmodel_calibrate_shared(exec_qmodel *qm, const int32_t *input, size_t n_images,
                                         exec_bias_fn bias_fn, void *bias_ctx, exec_max_fn max_fn,
                                         void *max_ctx)
{
    calib_hooks h = {1, bias_fn, bias_ctx, max_fn, max_ctx};
    return forward(qm, input, n_images, NULL, &h);
}

/* ---- On the AP ---------------------------------------------------------------------------- */

/* Adds an array's counters to the run's and frees it (NULL: nothing). */
static void flush_array(exec_infer_ws *ws, ap_array *arr)
{
    if (!arr)
        return;
    ap_counters c;
    ap_array_counters(arr, &c);
    ap_counters_add(&ws->st.counters, &c);
    ap_array_free(arr);
}

/* One layer on the AP, fold by fold: as many outputs per fold as the CAPs' rows hold. */
static base_status run_layer(const exec_layer_ctx *lc, const sim_candidate *c, const sim_arch *arch,
                             const int32_t *const *in, exec_infer_ws *ws, int32_t *out)
{
    const net_layer *l = lc->l;
    const struct exec_kind_row *row = &exec_kind_rows[l->kind];
    size_t n_outputs = (size_t)net_layer_out_elems(l);
    if (row->view) {
        memcpy(out, in[0], n_outputs * sizeof *out);
        return BASE_OK;
    }
    if (!row->fold)
        return BASE_ERROR(BASE_EUNSUPPORTED, "layer kind '%s' has no AP execution",
                          net_kind_name(l->kind));
    if (row->units)
        n_outputs = row->units(l);
    exec_fold f = {lc, c, arch, in[0], in[1], in, NULL, ws, row->group ? row->group(l, c) : 1,
                   0,  0, out};
    size_t per_fold = (size_t)sim_outputs_per_fold(arch, f.group);
    if (per_fold == 0)
        return BASE_ERROR(BASE_ECAPACITY, "a group of %zu rows spans more CAPs than there are",
                          f.group);
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
            if (st == BASE_OK)
                ap_array_set_ml_segment_cols(f.arr, arch->ml_segment_cols);
            if (st == BASE_OK && ws->fused)
                st = ap_array_set_fused(f.arr, true);
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

static base_status infer_ap(const exec_qmodel *qm, const sim_plan *plan, const sim_result *res,
                            const int32_t *input, int32_t *out, exec_infer_stats *stats,
                            bool fused);

base_status exec_infer_ap(const exec_qmodel *qm, const sim_plan *plan, const sim_result *res,
                          const int32_t *input, int32_t *out, exec_infer_stats *stats)
{
    return infer_ap(qm, plan, res, input, out, stats, false);
}

base_status exec_infer_ap_fused(const exec_qmodel *qm, const sim_plan *plan, const sim_result *res,
                                const int32_t *input, int32_t *out, exec_infer_stats *stats)
{
    return infer_ap(qm, plan, res, input, out, stats, true);
}

static base_status infer_ap(const exec_qmodel *qm, const sim_plan *plan, const sim_result *res,
                            const int32_t *input, int32_t *out, exec_infer_stats *stats, bool fused)
{
    const net_network *net = qm->net;
    const sim_arch *arch = &res->arch;
    if (res->net != net || res->bits != qm->bits || sim_plan_n_layers(plan) != net->n_layers)
        return BASE_ERROR(BASE_EINVAL, "functional inference: plan and model do not match");
    if (qm->mul)
        return BASE_ERROR(BASE_EINVAL, "functional inference: the AP runs exact products only");
    if (arch->batch != 1)
        return BASE_ERROR(BASE_EINVAL, "functional inference runs one image: batch is %u",
                          arch->batch);
    exec_infer_ws ws;
    memset(&ws, 0, sizeof ws);
    ws.fused = fused;
    base_status st = BASE_OK;
    size_t max_rows = (size_t)arch->cap_rows * arch->n_caps, max_elems = 1;
    int32_t **t = base_calloc(net->n_layers, sizeof *t);
    ws.vals = base_malloc(max_rows * sizeof *ws.vals);
    ws.r_ch = base_malloc(max_rows * sizeof *ws.r_ch);
    ws.r_ky = base_malloc(max_rows * sizeof *ws.r_ky);
    ws.r_kx = base_malloc(max_rows * sizeof *ws.r_kx);
    ws.r_i = base_malloc(max_rows * sizeof *ws.r_i);
    ws.r_coff = base_malloc(max_rows * sizeof *ws.r_coff);
    if (!t || !ws.vals || !ws.r_ch || !ws.r_ky || !ws.r_kx || !ws.r_i || !ws.r_coff) {
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
        const int32_t *in[NET_MAX_INPUTS] = {NULL};
        for (int k = 0; k < l->n_inputs; k++)
            in[k] = input_of(qm, t, input, li, k, 0);
        exec_layer_ctx lc = exec_layer_at(qm, li);
        lc.placement = res->layers[li].placement;
        st = run_layer(&lc, c, arch, in, &ws, t[li]);
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
    base_free(ws.r_i);
    base_free(ws.r_coff);
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
        /* The planner counts a plane read as a one-column compare and plane writes as driven
         * cells; the array's counters keep both apart. */
        for (int ph = 0; ph < SIM_PHASE_COUNT; ph++) {
            const sim_work *w = &c->work[ph];
            out->n_compared_cells += (w->compared_cols - w->n_plane_reads) * c->n_rows;
            out->n_ml_segments +=
                (uint64_t)(w->ml_segments[res->layers[li].placement] - (double)w->n_plane_reads) *
                c->n_rows;
            *written_cells += (w->written_cells + w->driven_cells - (double)w->n_plane_writes) *
                              (double)c->n_rows;
        }
    }
}
