/* exec_export.c - a quantized model described for the ONNX writer (networks/net_onnx_write.c):
 * integer weights and biases as they are, and float32 scales chosen so that onnxruntime's
 * QLinearConv multiplier, computed in float as x_scale * w_scale / y_scale (the ONNX operator
 * specification's requantization; onnxruntime's CPU kernel, qlinearconv.cc), equals the
 * model's dyadic multiplier scale_b / 2^(pre_shift + shift) exactly (docs/ONNX.md, "Export"). */
#include <math.h>
#include <string.h>

#include "exec/exec.h"
#include "exec/exec_impl.h"

/* Widest integer the QLinear operators and MatMulInteger take (int8/uint8). */
#define EXPORT_MAX_BITS 8
/* The tie nudge of exec_export_target: used while 2^-(S + o) stays above twice float32's
 * relative precision 2^-24 (S: the total shift, o: the output bits). */
#define EXPORT_NUDGE_MAX 20
/* Float32 steps searched around the real weight and output scales. */
#define EXPORT_SEARCH_W 64
#define EXPORT_SEARCH_Y 4

float exec_export_multiplier(float x_scale, float w_scale, float y_scale)
{
    volatile float p = x_scale * w_scale; /* float32 arithmetic, step by step */
    volatile float r = p / y_scale;
    return r;
}

/* The float32 at k steps from v (k may be negative). */
static float step_float(float v, int k)
{
    for (; k > 0; k--)
        v = nextafterf(v, INFINITY);
    for (; k < 0; k++)
        v = nextafterf(v, 0.0f);
    return v;
}

base_status exec_export_scales(float xs, double w_real, float m, float *ws, float *ys)
{
    const float w0 = (float)w_real;
    for (int j = 0; j <= 2 * EXPORT_SEARCH_W; j++) {
        const float w = step_float(w0, (j & 1) ? (j + 1) / 2 : -(j / 2));
        const float y0 = (float)((double)xs * (double)w / (double)m);
        for (int i = 0; i <= 2 * EXPORT_SEARCH_Y; i++) {
            const float y = step_float(y0, (i & 1) ? (i + 1) / 2 : -(i / 2));
            if (exec_export_multiplier(xs, w, y) == m) {
                *ws = w;
                *ys = y;
                return BASE_OK;
            }
        }
    }
    return BASE_ERROR(BASE_ERANGE, "no float32 scales near the real ones give the multiplier %.9g",
                      (double)m);
}

float exec_export_target(const exec_qmodel *qm, size_t li)
{
    const exec_requant *rq = &qm->layers[li].rq;
    const unsigned s = rq->pre_shift + rq->shift, o = exec_layer_at(qm, li).o;
    const double m = ldexp((double)rq->scale_b, -(int)s);
    const int relu_next = li + 1 < qm->net->n_layers && qm->net->layers[li + 1].kind == NET_RELU;
    if (!relu_next || s + o > EXPORT_NUDGE_MAX)
        return (float)m;
    return (float)(m * (1.0 + ldexp(1.0, -(int)(s + o))));
}

/* Layer li of a chain: the kind and widths the writer takes, else an error naming it. */
static base_status check_layer(const exec_qmodel *qm, size_t li)
{
    const exec_layer_ctx lc = exec_layer_at(qm, li);
    const net_layer *l = lc.l;
    const char *kind = net_kind_name(l->kind);
    int requant = lc.o < lc.src, last = li + 1 == qm->net->n_layers;
    if (l->n_inputs != 1 || l->inputs[0] != (int)li - 1)
        return BASE_ERROR(BASE_EUNSUPPORTED,
                          "export: layer '%s' does not read the layer before it (the ONNX "
                          "export takes a chain)",
                          l->name);
    if (net_kind_has_weights(l->kind) &&
        (lc.b->w_bits > EXPORT_MAX_BITS || lc.b->a_bits > EXPORT_MAX_BITS))
        return BASE_ERROR(BASE_ERANGE,
                          "export: layer '%s': w%ua%u: ONNX's QLinear operators take at most %d "
                          "bits",
                          l->name, lc.b->w_bits, lc.b->a_bits, EXPORT_MAX_BITS);
    if (l->kind == NET_CONV && l->groups == 1 && requant && lc.o <= EXPORT_MAX_BITS)
        return BASE_OK;
    if (l->kind == NET_CONV)
        return BASE_ERROR(BASE_EUNSUPPORTED,
                          "export: layer '%s': a conv exports as QLinearConv: groups 1 and a "
                          "requantized output of at most %d bits (here groups %d, %u bits)",
                          l->name, EXPORT_MAX_BITS, l->groups, lc.o);
    if (l->kind == NET_FC && last && !requant)
        return BASE_OK;
    if (l->kind == NET_FC)
        return BASE_ERROR(BASE_EUNSUPPORTED,
                          "export: layer '%s': a fc exports only as the last layer, its int32 "
                          "accumulators the output",
                          l->name);
    if ((l->kind == NET_RELU || l->kind == NET_MAXPOOL || l->kind == NET_FLATTEN) && !requant &&
        !last)
        return BASE_OK;
    return BASE_ERROR(BASE_EUNSUPPORTED,
                      "export: layer '%s': kind '%s'%s has no ONNX export (conv, relu, maxpool, "
                      "flatten, and a last fc)",
                      l->name, kind, requant ? " with a requantization" : "");
}

base_status exec_qmodel_export_check(const exec_qmodel *qm)
{
    if (qm->bits->input_bits > EXPORT_MAX_BITS)
        return BASE_ERROR(BASE_ERANGE,
                          "export: %u-bit input: ONNX's QLinear operators take at "
                          "most %d bits",
                          qm->bits->input_bits, EXPORT_MAX_BITS);
    for (size_t li = 0; li < qm->net->n_layers; li++) {
        base_status st = check_layer(qm, li);
        if (st != BASE_OK)
            return st;
    }
    return BASE_OK;
}

base_status exec_qmodel_export(const exec_qmodel *qm, net_qx_layer *layers, net_qexport *out)
{
    const net_network *net = qm->net;
    memset(out, 0, sizeof *out);
    base_status st = exec_qmodel_export_check(qm);
    if (st != BASE_OK)
        return st;
    if (!(qm->in_scale > 0.0) || !isfinite(qm->in_scale))
        return BASE_ERROR(BASE_EINVAL, "export: the model's input scale is not set");
    float xs = (float)qm->in_scale;
    for (size_t li = 0; li < net->n_layers; li++) {
        const net_layer *l = &net->layers[li];
        const exec_qlayer *q = &qm->layers[li];
        net_qx_layer *x = &layers[li];
        memset(x, 0, sizeof *x);
        x->name = l->name;
        x->kh = l->kh;
        x->kw = l->kw;
        x->stride = l->stride;
        x->pad = l->pad;
        x->op = l->kind == NET_CONV      ? NET_QX_CONV
                : l->kind == NET_RELU    ? NET_QX_RELU
                : l->kind == NET_MAXPOOL ? NET_QX_MAXPOOL
                : l->kind == NET_FLATTEN ? NET_QX_FLATTEN
                                         : NET_QX_FC;
        if (l->kind == NET_RELU)
            x->relu_max = (int)exec_mask_u(exec_layer_at(qm, li).o - 1);
        if (!net_kind_has_weights(l->kind))
            continue;
        x->c_in = l->kind == NET_CONV ? l->c_in : (int)exec_layer_k(l);
        x->c_out = l->c_out;
        x->weight = q->weight;
        x->bias = q->bias;
        if (l->kind == NET_FC) {
            x->w_scale = (float)q->w_scale;
            x->y_scale = xs * x->w_scale; /* one accumulator LSB */
            continue;
        }
        const float m = (float)ldexp((double)q->rq.scale_b, -(int)(q->rq.pre_shift + q->rq.shift));
        if ((double)m != ldexp((double)q->rq.scale_b, -(int)(q->rq.pre_shift + q->rq.shift)) ||
            m <= 0.0f)
            return BASE_ERROR(BASE_ERANGE,
                              "export: layer '%s': multiplier %d / 2^%u is no "
                              "positive float32",
                              l->name, (int)q->rq.scale_b, q->rq.pre_shift + q->rq.shift);
        st = exec_export_scales(xs, q->w_scale, exec_export_target(qm, li), &x->w_scale,
                                &x->y_scale);
        if (st != BASE_OK)
            return BASE_ERROR(st, "export: layer '%s': %s", l->name, base_last_error());
        xs = x->y_scale;
    }
    out->name = net->name;
    out->c_in = net->c_in;
    out->h_in = net->h_in;
    out->w_in = net->w_in;
    out->in_scale = (float)qm->in_scale;
    out->n_layers = net->n_layers;
    out->layers = layers;
    return BASE_OK;
}

base_status exec_qmodel_export_onnx(const exec_qmodel *qm, const char *path)
{
    net_qx_layer *layers = base_calloc(qm->net->n_layers, sizeof *layers);
    if (!layers)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    net_qexport q;
    base_status st = exec_qmodel_export(qm, layers, &q);
    if (st == BASE_OK)
        st = net_onnx_export(&q, path);
    base_free(layers);
    return st;
}

/* ---- Reading an export back -------------------------------------------------------------- */
static const net_tensor *find_tensor(const net_onnx_graph *g, const char *layer, const char *suffix,
                                     size_t n, int want_int)
{
    char name[300];
    snprintf(name, sizeof name, "%s%s%s", layer, *layer ? "_" : "", suffix);
    const net_tensor *t = net_onnx_find_init(g, name);
    if (!t || t->n_elems != n || (want_int ? !t->ival : !t->fval))
        return NULL;
    return t;
}

/* Conv/fc layer li's weights, bias and weight scale from g into qm; *xs: the scale of its
 * input in the file, then of its output. */
static base_status load_layer(exec_qmodel *qm, const net_onnx_graph *g, size_t li, double *xs)
{
    const net_layer *l = &qm->net->layers[li];
    exec_qlayer *q = &qm->layers[li];
    const size_t k = (size_t)exec_layer_k(l), n = (size_t)l->c_out;
    const net_tensor *w = find_tensor(g, l->name, "w", n * k, 1);
    const net_tensor *b = find_tensor(g, l->name, "b", n, 1);
    const net_tensor *ws = find_tensor(g, l->name, "w_scale", 1, 0);
    const net_tensor *ys = find_tensor(g, l->name, "y_scale", 1, 0);
    if (!w || !ys || (l->kind == NET_CONV && !ws) || (q->bias != NULL) != (b != NULL))
        return base_error_at(BASE_ESHAPE, g->path, 0, 0,
                             "layer '%s': no %s_w, %s_b or scale of the shapes of an apsim "
                             "export of %s",
                             l->name, l->name, l->name, qm->net->name);
    const int64_t lim = (int64_t)exec_mask_u(qm->bits->bits[li].w_bits - 1);
    for (size_t o = 0; o < n; o++)
        for (size_t j = 0; j < k; j++) {
            int64_t v = w->ival[l->kind == NET_FC ? j * n + o : o * k + j];
            if (v < -lim - 1 || v > lim)
                return base_error_at(BASE_ERANGE, g->path, 0, 0,
                                     "layer '%s': weight %lld does not fit %u bits", l->name,
                                     (long long)v, qm->bits->bits[li].w_bits);
            q->weight[o * k + j] = (int32_t)v;
        }
    for (size_t o = 0; b && o < n; o++)
        q->bias[o] = (int32_t)b->ival[o];
    /* A fc's file scale is one accumulator LSB, x_scale * w_scale. */
    q->w_scale = l->kind == NET_FC ? ys->fval[0] / *xs : ws->fval[0];
    *xs = ys->fval[0];
    return BASE_OK;
}

base_status exec_qmodel_load_onnx(exec_qmodel *qm, const char *path)
{
    net_onnx_graph *g = NULL;
    base_status st = exec_qmodel_export_check(qm);
    if (st == BASE_OK)
        st = net_onnx_graph_load(path, &g);
    const net_tensor *in = st == BASE_OK ? find_tensor(g, "", "input_scale", 1, 0) : NULL;
    if (st == BASE_OK && !in)
        st = base_error_at(BASE_ESHAPE, path, 0, 0, "no input_scale: not an apsim export");
    double xs = in ? in->fval[0] : 0.0;
    if (st == BASE_OK)
        qm->in_scale = xs;
    for (size_t li = 0; st == BASE_OK && li < qm->net->n_layers; li++)
        if (net_kind_has_weights(qm->net->layers[li].kind))
            st = load_layer(qm, g, li, &xs);
    net_onnx_graph_free(g);
    return st;
}

base_status exec_qmodel_check_onnx(const exec_qmodel *qm, const char *path)
{
    net_onnx_graph *g = NULL;
    base_status st = net_onnx_graph_load(path, &g);
    float xs = (float)qm->in_scale;
    for (size_t li = 0; st == BASE_OK && li < qm->net->n_layers; li++) {
        const net_layer *l = &qm->net->layers[li];
        if (l->kind != NET_CONV)
            continue;
        const net_tensor *ws = find_tensor(g, l->name, "w_scale", 1, 0);
        const net_tensor *ys = find_tensor(g, l->name, "y_scale", 1, 0);
        if (!ws || !ys) {
            st = base_error_at(BASE_ESHAPE, path, 0, 0, "layer '%s': no scales", l->name);
            break;
        }
        float m = exec_export_multiplier(xs, (float)ws->fval[0], (float)ys->fval[0]);
        if (m != exec_export_target(qm, li))
            st = base_error_at(BASE_EINVAL, path, 0, 0,
                               "layer '%s': the file's multiplier %.9g is not the %.9g its "
                               "calibration gives (not exported by apsim from these images "
                               "and bits)",
                               l->name, (double)m, (double)exec_export_target(qm, li));
        xs = (float)ys->fval[0];
    }
    net_onnx_graph_free(g);
    return st;
}
