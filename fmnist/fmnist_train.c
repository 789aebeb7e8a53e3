/* fmnist_train.c - the float CNN of the Fashion-MNIST pipeline, trained deterministically in
 * plain C: He initialisation (He et al. 2015) from a seeded generator, softmax cross-entropy,
 * Adam (Kingma and Ba 2015), seeded data order, one thread (docs/FMNIST.md). Each layer kind
 * the trainer runs has a row of float forward/backward functions. */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "exec/exec.h"
#include "fmnist/fmnist.h"
#include "par/par.h"

/* ---- Float model ------------------------------------------------------------------------ */

/* Uniform in (0, 1). */
static double next_unit(uint64_t *s)
{
    return ((double)(exec_splitmix64(s) >> 11) + 0.5) * 0x1.0p-53;
}

static size_t layer_k(const net_layer *l)
{
    return (size_t)exec_layer_k(l);
}

static size_t elems(const net_layer *l)
{
    return (size_t)net_layer_out_elems(l);
}

/* Output columns [lo, hi) whose input column ox * stride - pad + kx lies inside the input. */
static void valid_range(const net_layer *l, int kx, int n_in, int n_out, int *lo, int *hi)
{
    int a = l->pad - kx, b = n_in - 1 + l->pad - kx;
    *lo = a <= 0 ? 0 : (a + l->stride - 1) / l->stride;
    *hi = b < 0 ? 0 : b / l->stride + 1;
    if (*hi > n_out)
        *hi = n_out;
}

/* Convolution (fc is the 1x1 case on a C x 1 x 1 input): y = b + w * x. */
static void conv_fwd(const net_layer *l, const float *w, const float *b, const float *x, float *y)
{
    const size_t m = (size_t)l->h_out * (size_t)l->w_out;
    for (int oc = 0; oc < l->c_out; oc++) {
        float *yo = y + (size_t)oc * m;
        for (size_t p = 0; p < m; p++)
            yo[p] = b ? b[oc] : 0.0f;
        for (int c = 0; c < l->c_in; c++)
            for (int ky = 0; ky < l->kh; ky++)
                for (int kx = 0; kx < l->kw; kx++) {
                    float wv = w[(((size_t)oc * (size_t)l->c_in + (size_t)c) * (size_t)l->kh +
                                  (size_t)ky) *
                                     (size_t)l->kw +
                                 (size_t)kx];
                    int lo, hi;
                    valid_range(l, kx, l->w_in, l->w_out, &lo, &hi);
                    for (int oy = 0; oy < l->h_out; oy++) {
                        int iy = oy * l->stride - l->pad + ky;
                        if (iy < 0 || iy >= l->h_in)
                            continue;
                        const float *xr =
                            x + ((size_t)c * (size_t)l->h_in + (size_t)iy) * (size_t)l->w_in;
                        float *yr = yo + (size_t)oy * (size_t)l->w_out;
                        for (int ox = lo; ox < hi; ox++)
                            yr[ox] += wv * xr[ox * l->stride - l->pad + kx];
                    }
                }
    }
}

/* Gradients of conv_fwd: gw += dy (x) x, gb += sum dy, dx = w^T dy (dx may be NULL). */
static void conv_bwd(const net_layer *l, const float *w, const float *x, const float *dy, float *gw,
                     float *gb, float *dx)
{
    const size_t m = (size_t)l->h_out * (size_t)l->w_out;
    if (dx)
        memset(dx, 0, (size_t)l->c_in * (size_t)l->h_in * (size_t)l->w_in * sizeof *dx);
    for (int oc = 0; oc < l->c_out; oc++) {
        const float *dyo = dy + (size_t)oc * m;
        if (gb) {
            float s = 0.0f;
            for (size_t p = 0; p < m; p++)
                s += dyo[p];
            gb[oc] += s;
        }
        for (int c = 0; c < l->c_in; c++)
            for (int ky = 0; ky < l->kh; ky++)
                for (int kx = 0; kx < l->kw; kx++) {
                    size_t wi =
                        (((size_t)oc * (size_t)l->c_in + (size_t)c) * (size_t)l->kh + (size_t)ky) *
                            (size_t)l->kw +
                        (size_t)kx;
                    float wv = w[wi], g = 0.0f;
                    int lo, hi;
                    valid_range(l, kx, l->w_in, l->w_out, &lo, &hi);
                    for (int oy = 0; oy < l->h_out; oy++) {
                        int iy = oy * l->stride - l->pad + ky;
                        if (iy < 0 || iy >= l->h_in)
                            continue;
                        size_t row = ((size_t)c * (size_t)l->h_in + (size_t)iy) * (size_t)l->w_in;
                        const float *dyr = dyo + (size_t)oy * (size_t)l->w_out;
                        for (int ox = lo; ox < hi; ox++) {
                            size_t xi = row + (size_t)(ox * l->stride - l->pad + kx);
                            g += dyr[ox] * x[xi];
                            if (dx)
                                dx[xi] += wv * dyr[ox];
                        }
                    }
                    gw[wi] += g;
                }
    }
}

/* Max-pooling; arg receives the input index of each output's maximum (padding never wins). */
static void pool_fwd(const net_layer *l, const float *x, float *y, uint32_t *arg)
{
    for (int c = 0; c < l->c_out; c++)
        for (int oy = 0; oy < l->h_out; oy++)
            for (int ox = 0; ox < l->w_out; ox++) {
                float best = -INFINITY;
                uint32_t at = 0;
                for (int ky = 0; ky < l->kh; ky++)
                    for (int kx = 0; kx < l->kw; kx++) {
                        int iy = oy * l->stride - l->pad + ky, ix = ox * l->stride - l->pad + kx;
                        if (iy < 0 || iy >= l->h_in || ix < 0 || ix >= l->w_in)
                            continue;
                        uint32_t i = (uint32_t)(((size_t)c * (size_t)l->h_in + (size_t)iy) *
                                                    (size_t)l->w_in +
                                                (size_t)ix);
                        if (x[i] > best) {
                            best = x[i];
                            at = i;
                        }
                    }
                size_t o =
                    ((size_t)c * (size_t)l->h_out + (size_t)oy) * (size_t)l->w_out + (size_t)ox;
                y[o] = best;
                arg[o] = at;
            }
}

/* Training workspace: activations, their gradients, pooling indices, parameter gradients and
 * Adam's moments, all sized once. */
typedef struct train_ws {
    float *x;            /* one input image */
    float **act, **dact; /* per layer output and its gradient */
    uint32_t **arg;      /* maxpool argmax */
    float **gw, **gb, **mw, **vw, **mb, **vb;
} train_ws;

/* ---- Layer kinds: the float trainer's row of each kind -------------------------------- */

static void fwd_gemm(const fmnist_fmodel *m, train_ws *ws, size_t i, const float *x, float *y)
{
    (void)ws;
    conv_fwd(&m->net->layers[i], m->weight[i], m->bias[i], x, y);
}

static void bwd_gemm(const fmnist_fmodel *m, train_ws *ws, size_t i, const float *x,
                     const float *dy, float *dx)
{
    conv_bwd(&m->net->layers[i], m->weight[i], x, dy, ws->gw[i], ws->gb[i], dx);
}

static void fwd_relu(const fmnist_fmodel *m, train_ws *ws, size_t i, const float *x, float *y)
{
    (void)ws;
    for (size_t j = 0; j < elems(&m->net->layers[i]); j++)
        y[j] = x[j] > 0.0f ? x[j] : 0.0f;
}

static void bwd_relu(const fmnist_fmodel *m, train_ws *ws, size_t i, const float *x,
                     const float *dy, float *dx)
{
    (void)ws;
    for (size_t j = 0; dx && j < elems(&m->net->layers[i]); j++)
        dx[j] = x[j] > 0.0f ? dy[j] : 0.0f;
}

static void fwd_maxpool(const fmnist_fmodel *m, train_ws *ws, size_t i, const float *x, float *y)
{
    pool_fwd(&m->net->layers[i], x, y, ws->arg[i]);
}

static void bwd_maxpool(const fmnist_fmodel *m, train_ws *ws, size_t i, const float *x,
                        const float *dy, float *dx)
{
    const net_layer *l = &m->net->layers[i];
    (void)x;
    if (!dx)
        return;
    memset(dx, 0, (size_t)l->c_in * (size_t)l->h_in * (size_t)l->w_in * sizeof *dx);
    for (size_t j = 0; j < elems(l); j++)
        dx[ws->arg[i][j]] += dy[j];
}

/* A view (flatten): values and gradients pass through. */
static void fwd_view(const fmnist_fmodel *m, train_ws *ws, size_t i, const float *x, float *y)
{
    (void)ws;
    memcpy(y, x, elems(&m->net->layers[i]) * sizeof *y);
}

static void bwd_view(const fmnist_fmodel *m, train_ws *ws, size_t i, const float *x,
                     const float *dy, float *dx)
{
    (void)ws;
    (void)x;
    if (dx)
        memcpy(dx, dy, elems(&m->net->layers[i]) * sizeof *dx);
}

/* The trainer's row of each kind; a kind without one is not trained (fmnist_fmodel_new says
 * so), so a new layer kind needs no change here; messages name the rows (trained_kinds). */
static const struct float_row {
    void (*fwd)(const fmnist_fmodel *m, train_ws *ws, size_t i, const float *x, float *y);
    /* dy: the output's gradient; dx: the input's (NULL for the first layer). */
    void (*bwd)(const fmnist_fmodel *m, train_ws *ws, size_t i, const float *x, const float *dy,
                float *dx);
    bool argmax;      /* keeps each output's argmax (ws->arg) for backward */
    const char *note; /* limits of the row, for messages ("" when none) */
} float_rows[NET_KIND_COUNT] = {
    [NET_CONV] = {fwd_gemm, bwd_gemm, false, " (groups 1)"},
    [NET_FC] = {fwd_gemm, bwd_gemm, false, ""},
    [NET_RELU] = {fwd_relu, bwd_relu, false, ""},
    [NET_MAXPOOL] = {fwd_maxpool, bwd_maxpool, true, ""},
    [NET_FLATTEN] = {fwd_view, bwd_view, false, ""},
};

/* "conv (groups 1), fc, relu, maxpool and flatten": the kinds with a row, into buf. */
static const char *trained_kinds(char *buf, size_t cap)
{
    size_t n_rows = 0, seen = 0, used = 0;
    for (int k = 0; k < NET_KIND_COUNT; k++)
        n_rows += float_rows[k].fwd != NULL;
    buf[0] = '\0';
    for (int k = 0; k < NET_KIND_COUNT && used < cap; k++) {
        if (!float_rows[k].fwd)
            continue;
        const char *sep = seen == 0 ? "" : seen + 1 == n_rows ? " and " : ", ";
        int n = snprintf(buf + used, cap - used, "%s%s%s", sep, net_kind_name((net_kind)k),
                         float_rows[k].note);
        used += n > 0 ? (size_t)n : 0;
        seen++;
    }
    return buf;
}

/* The model's arrays, allocated (weights uninitialised, biases zero), without the random
 * initialisation: what fmnist_fmodel_load fills. */
static base_status fmodel_alloc(const net_network *net, fmnist_fmodel **out)
{
    *out = NULL;
    if (net->c_in != 1)
        return BASE_ERROR(BASE_ESHAPE, "%s: the float trainer takes one input channel, not %d",
                          net->name, net->c_in);
    for (size_t i = 0; i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        if (!float_rows[l->kind].fwd || l->groups != 1 || l->n_inputs != 1 ||
            l->inputs[0] != (int)i - 1) {
            char kinds[256];
            return BASE_ERROR(BASE_EUNSUPPORTED,
                              "layer '%s': the float trainer runs a chain of %s layers", l->name,
                              trained_kinds(kinds, sizeof kinds));
        }
    }
    fmnist_fmodel *m = base_calloc(1, sizeof *m);
    if (!m)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    m->net = net;
    m->weight = base_calloc(net->n_layers, sizeof *m->weight);
    m->bias = base_calloc(net->n_layers, sizeof *m->bias);
    if (!m->weight || !m->bias)
        goto nomem;
    for (size_t i = 0; i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        if (!net_kind_has_weights(l->kind))
            continue;
        size_t n = layer_k(l) * (size_t)l->c_out;
        m->weight[i] = base_malloc(n * sizeof **m->weight);
        if (!m->weight[i])
            goto nomem;
        if (l->has_bias && !(m->bias[i] = base_calloc((size_t)l->c_out, sizeof **m->bias)))
            goto nomem;
    }
    *out = m;
    return BASE_OK;
nomem:
    fmnist_fmodel_free(m);
    return BASE_ERROR(BASE_ENOMEM, "out of memory for the float model of %s", net->name);
}

base_status fmnist_fmodel_new(const net_network *net, uint64_t seed, fmnist_fmodel **out)
{
    fmnist_fmodel *m = NULL;
    base_status st = fmodel_alloc(net, &m);
    *out = NULL;
    if (st != BASE_OK)
        return st;
    uint64_t s = seed;
    for (size_t i = 0; i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        if (!m->weight[i])
            continue;
        size_t k = layer_k(l), n = k * (size_t)l->c_out;
        double std = sqrt(2.0 / (double)k);
        for (size_t j = 0; j < n; j++) {
            /* Box-Muller, one normal per pair of uniforms. */
            double u1 = next_unit(&s), u2 = next_unit(&s);
            m->weight[i][j] = (float)(std * sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2));
        }
    }
    *out = m;
    return BASE_OK;
}

void fmnist_fmodel_free(fmnist_fmodel *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->net->n_layers; i++) {
        if (m->weight)
            base_free(m->weight[i]);
        if (m->bias)
            base_free(m->bias[i]);
    }
    base_free(m->weight);
    base_free(m->bias);
    base_free(m);
}

static void ws_free(const net_network *net, train_ws *ws)
{
    float **lists[] = {ws->act, ws->dact, ws->gw, ws->gb, ws->mw, ws->vw, ws->mb, ws->vb};
    for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++) {
        for (size_t i = 0; lists[k] && i < net->n_layers; i++)
            base_free(lists[k][i]);
        base_free(lists[k]);
    }
    for (size_t i = 0; ws->arg && i < net->n_layers; i++)
        base_free(ws->arg[i]);
    base_free(ws->arg);
    base_free(ws->x);
    memset(ws, 0, sizeof *ws);
}

static base_status ws_new(const fmnist_fmodel *m, int with_grads, train_ws *ws)
{
    const net_network *net = m->net;
    size_t n = net->n_layers;
    memset(ws, 0, sizeof *ws);
    ws->x = base_malloc((size_t)net->h_in * (size_t)net->w_in * sizeof *ws->x);
    ws->act = base_calloc(n, sizeof *ws->act);
    ws->dact = base_calloc(n, sizeof *ws->dact);
    ws->arg = base_calloc(n, sizeof *ws->arg);
    float ***params[] = {&ws->gw, &ws->gb, &ws->mw, &ws->vw, &ws->mb, &ws->vb};
    for (size_t k = 0; k < sizeof params / sizeof params[0]; k++)
        *params[k] = base_calloc(n, sizeof **params[k]);
    if (!ws->x || !ws->act || !ws->dact || !ws->arg || !ws->gw || !ws->gb || !ws->mw || !ws->vw ||
        !ws->mb || !ws->vb)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        const net_layer *l = &net->layers[i];
        if (!(ws->act[i] = base_malloc(elems(l) * sizeof **ws->act)))
            goto nomem;
        if (with_grads && !(ws->dact[i] = base_malloc(elems(l) * sizeof **ws->dact)))
            goto nomem;
        if (float_rows[l->kind].argmax && !(ws->arg[i] = base_malloc(elems(l) * sizeof **ws->arg)))
            goto nomem;
        if (!with_grads || !net_kind_has_weights(l->kind))
            continue;
        size_t nw = layer_k(l) * (size_t)l->c_out, nb = m->bias[i] ? (size_t)l->c_out : 0;
        if (!(ws->gw[i] = base_calloc(nw, sizeof(float))) ||
            !(ws->mw[i] = base_calloc(nw, sizeof(float))) ||
            !(ws->vw[i] = base_calloc(nw, sizeof(float))))
            goto nomem;
        if (nb && (!(ws->gb[i] = base_calloc(nb, sizeof(float))) ||
                   !(ws->mb[i] = base_calloc(nb, sizeof(float))) ||
                   !(ws->vb[i] = base_calloc(nb, sizeof(float)))))
            goto nomem;
    }
    return BASE_OK;
nomem:
    ws_free(net, ws);
    return BASE_ERROR(BASE_ENOMEM, "out of memory training %s", net->name);
}

static void load_image(const fmnist_dataset *d, size_t i, float *x)
{
    const uint8_t *p = d->pixels + i * (size_t)d->h * (size_t)d->w;
    for (size_t j = 0; j < (size_t)d->h * (size_t)d->w; j++)
        x[j] = (float)p[j] * (2.0f / 255.0f) - 1.0f;
}

static void forward(const fmnist_fmodel *m, train_ws *ws)
{
    const net_network *net = m->net;
    for (size_t i = 0; i < net->n_layers; i++)
        float_rows[net->layers[i].kind].fwd(m, ws, i, i == 0 ? ws->x : ws->act[i - 1], ws->act[i]);
}

/* Softmax cross-entropy of the last layer's output against label; with grad, writes dL/dy
 * into the last layer's gradient. */
static double softmax_loss(const fmnist_fmodel *m, train_ws *ws, unsigned label, int grad)
{
    size_t last = m->net->n_layers - 1, n = elems(&m->net->layers[last]);
    const float *y = ws->act[last];
    double mx = (double)y[0], sum = 0.0;
    for (size_t j = 1; j < n; j++)
        mx = (double)y[j] > mx ? (double)y[j] : mx;
    for (size_t j = 0; j < n; j++)
        sum += exp((double)y[j] - mx);
    if (grad)
        for (size_t j = 0; j < n; j++)
            ws->dact[last][j] = (float)(exp((double)y[j] - mx) / sum - (j == label ? 1.0 : 0.0));
    return log(sum) + mx - (double)y[label];
}

static void backward(const fmnist_fmodel *m, train_ws *ws)
{
    const net_network *net = m->net;
    for (size_t i = net->n_layers; i-- > 0;)
        float_rows[net->layers[i].kind].bwd(m, ws, i, i == 0 ? ws->x : ws->act[i - 1], ws->dact[i],
                                            i == 0 ? NULL : ws->dact[i - 1]);
}

/* One Adam step on n parameters with gradient g (summed over the batch; scaled by inv_b). */
static void adam(float *p, float *g, float *mo, float *vo, size_t n, float inv_b, float lr_t)
{
    const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
    for (size_t j = 0; j < n; j++) {
        float gj = g[j] * inv_b;
        mo[j] = b1 * mo[j] + (1.0f - b1) * gj;
        vo[j] = b2 * vo[j] + (1.0f - b2) * gj * gj;
        p[j] -= lr_t * mo[j] / (sqrtf(vo[j]) + eps);
        g[j] = 0.0f;
    }
}

static base_status check_data(const fmnist_fmodel *m, const fmnist_dataset *d)
{
    const net_network *net = m->net;
    if (d->h != net->h_in || d->w != net->w_in)
        return BASE_ERROR(BASE_EINVAL, "images are %dx%d, network %s takes %dx%d", d->h, d->w,
                          net->name, net->h_in, net->w_in);
    if (d->n_classes > elems(&net->layers[net->n_layers - 1]))
        return BASE_ERROR(BASE_EINVAL, "labels go up to %u, network %s has %zu outputs",
                          d->n_classes - 1, net->name, elems(&net->layers[net->n_layers - 1]));
    return BASE_OK;
}

void fmnist_train_opts_init(fmnist_train_opts *o)
{
    o->n_epochs = 3;
    o->batch = 32;
    o->lr = 0.002;
    o->n_train = 0;
    o->seed = 1;
    o->progress = NULL;
}

base_status fmnist_fmodel_train(fmnist_fmodel *m, const fmnist_dataset *d,
                                const fmnist_train_opts *o, double *epoch_loss)
{
    const net_network *net = m->net;
    size_t n = o->n_train == 0 || o->n_train > d->n_images ? d->n_images : o->n_train;
    if (o->n_epochs == 0 || o->batch == 0 || !(o->lr > 0.0) || n == 0)
        return BASE_ERROR(BASE_EINVAL, "training needs epochs, a batch, a step size and images");
    base_status st = check_data(m, d);
    if (st != BASE_OK)
        return st;
    train_ws ws;
    size_t *order = base_malloc(n * sizeof *order);
    if (!order)
        return BASE_ERROR(BASE_ENOMEM, "out of memory training %s", net->name);
    st = ws_new(m, 1, &ws);
    if (st != BASE_OK) {
        base_free(order);
        return st;
    }
    uint64_t s = o->seed;
    unsigned long step = 0;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    const size_t n_batches = (n + o->batch - 1) / o->batch;
    base_progress bar;
    base_progress_begin(&bar, o->progress, "training", "batches", n_batches * o->n_epochs);
    for (unsigned e = 0; e < o->n_epochs; e++) {
        /* Fisher-Yates with the seeded stream: the same order every run. */
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = (size_t)(exec_splitmix64(&s) % (uint64_t)(i + 1)), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        double loss = 0.0;
        for (size_t b0 = 0; b0 < n; b0 += o->batch) {
            size_t bn = n - b0 < o->batch ? n - b0 : o->batch;
            for (size_t k = 0; k < bn; k++) {
                size_t img = order[b0 + k];
                load_image(d, img, ws.x);
                forward(m, &ws);
                loss += softmax_loss(m, &ws, d->labels[img], 1);
                backward(m, &ws);
            }
            step++;
            /* Bias-corrected step size of Adam. */
            double lr_t =
                o->lr * sqrt(1.0 - pow(0.999, (double)step)) / (1.0 - pow(0.9, (double)step));
            for (size_t i = 0; i < net->n_layers; i++) {
                const net_layer *l = &net->layers[i];
                if (!net_kind_has_weights(l->kind))
                    continue;
                adam(m->weight[i], ws.gw[i], ws.mw[i], ws.vw[i], layer_k(l) * (size_t)l->c_out,
                     1.0f / (float)bn, (float)lr_t);
                if (m->bias[i])
                    adam(m->bias[i], ws.gb[i], ws.mb[i], ws.vb[i], (size_t)l->c_out,
                         1.0f / (float)bn, (float)lr_t);
            }
            base_progress_update(&bar, (size_t)step);
        }
        if (epoch_loss)
            epoch_loss[e] = loss / (double)n;
    }
    base_progress_end(&bar);
    ws_free(net, &ws);
    base_free(order);
    return BASE_OK;
}

base_status fmnist_fmodel_evaluate(const fmnist_fmodel *m, const fmnist_dataset *d, size_t n,
                                   double *loss, double *acc_pct)
{
    n = n > d->n_images ? d->n_images : n;
    base_status st = check_data(m, d);
    if (st != BASE_OK)
        return st;
    if (n == 0)
        return BASE_ERROR(BASE_EINVAL, "no images to evaluate");
    /* Each rank runs its block of images; the per-image losses and hits are merged and summed
     * in image order, so any number of ranks gives the same bytes. */
    train_ws ws;
    memset(&ws, 0, sizeof ws);
    double *img_loss = base_calloc(n, sizeof *img_loss);
    unsigned char *hit = base_calloc(n, 1);
    st = img_loss && hit ? ws_new(m, 0, &ws) : BASE_ERROR(BASE_ENOMEM, "out of memory evaluating");
    size_t last = m->net->n_layers - 1, n_out = elems(&m->net->layers[last]), first, end;
    par_block(n, &first, &end);
    for (size_t i = first; st == BASE_OK && i < end; i++) {
        load_image(d, i, ws.x);
        forward(m, &ws);
        img_loss[i] = softmax_loss(m, &ws, d->labels[i], 0);
        size_t best = 0;
        for (size_t j = 1; j < n_out; j++)
            best = ws.act[last][j] > ws.act[last][best] ? j : best;
        hit[i] = best == d->labels[i];
    }
    ws_free(m->net, &ws);
    st = par_agree(st);
    if (st == BASE_OK)
        st = par_merge(img_loss, n * sizeof *img_loss);
    if (st == BASE_OK)
        st = par_merge(hit, n);
    double sum = 0.0;
    size_t correct = 0;
    for (size_t i = 0; st == BASE_OK && i < n; i++) {
        sum += img_loss[i];
        correct += hit[i];
    }
    base_free(img_loss);
    base_free(hit);
    if (st != BASE_OK)
        return st;
    *loss = sum / (double)n;
    *acc_pct = 100.0 * (double)correct / (double)n;
    return BASE_OK;
}
