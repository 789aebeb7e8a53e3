/* fmnist.c - Fashion-MNIST (Xiao, Rasul and Vollgraf 2017) end to end: IDX files read with
 * zlib, a small float CNN trained deterministically in plain C (Adam, Kingma and Ba 2015; He
 * init, He et al. 2015), its weights file, and per-layer quantization into a exec_qmodel with
 * HAWQ-V3's dyadic requantization (Yao et al., ICML 2021). Formats in docs/FMNIST.md. */
#include <math.h>
#include <string.h>
#include <zlib.h>

#include "exec/exec.h"
#include "fmnist/fmnist.h"

/* ---- IDX files ------------------------------------------------------------------------ */

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* Reads exactly n bytes; BASE_EPARSE when the file ends first, BASE_EIO on a read error. */
static base_status gz_read_all(gzFile gz, const char *path, void *buf, size_t n, const char *what)
{
    unsigned char *p = buf;
    while (n > 0) {
        unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;
        int got = gzread(gz, p, chunk);
        if (got < 0) {
            int err = 0;
            const char *msg = gzerror(gz, &err);
            return BASE_ERROR(BASE_EIO, "%s: cannot read %s: %s", path, what, msg);
        }
        if (got == 0)
            return BASE_ERROR(BASE_EPARSE, "%s: truncated: the file ends inside the %s", path,
                              what);
        p += got;
        n -= (size_t)got;
    }
    return BASE_OK;
}

/* Opens an IDX file, checks its magic and reads its n_dims dimensions. */
static base_status idx_open(const char *path, uint32_t magic, unsigned n_dims, gzFile *gz,
                            uint32_t *dims)
{
    unsigned char hdr[16];
    *gz = gzopen(path, "rb");
    if (!*gz)
        return BASE_ERROR(BASE_EIO, "%s: cannot open", path);
    base_status st = gz_read_all(*gz, path, hdr, 4 + 4 * (size_t)n_dims, "IDX header");
    if (st == BASE_OK && be32(hdr) != magic)
        st = BASE_ERROR(BASE_EPARSE, "%s: not an IDX %s file (magic 0x%08x, expected 0x%08x)", path,
                        n_dims == 1 ? "label" : "image", be32(hdr), magic);
    for (unsigned i = 0; st == BASE_OK && i < n_dims; i++)
        dims[i] = be32(hdr + 4 + 4 * i);
    if (st != BASE_OK) {
        gzclose(*gz);
        *gz = NULL;
    }
    return st;
}

/* BASE_EPARSE unless the file has no bytes left. */
static base_status idx_expect_end(gzFile gz, const char *path)
{
    unsigned char c;
    int got = gzread(gz, &c, 1);
    if (got < 0)
        return BASE_ERROR(BASE_EIO, "%s: read error at the end of the data", path);
    if (got > 0)
        return BASE_ERROR(BASE_EPARSE, "%s: trailing bytes after the data", path);
    return BASE_OK;
}

base_status fmnist_dataset_load_idx(const char *images_path, const char *labels_path,
                                    fmnist_dataset **out)
{
    *out = NULL;
    uint32_t idims[3], ldims[1];
    gzFile gi = NULL, gl = NULL;
    fmnist_dataset *d = NULL;
    base_status st = idx_open(images_path, 0x803, 3, &gi, idims);
    if (st == BASE_OK)
        st = idx_open(labels_path, 0x801, 1, &gl, ldims);
    if (st != BASE_OK)
        goto close;
    if (idims[0] == 0 || idims[1] == 0 || idims[2] == 0 || idims[1] > 4096 || idims[2] > 4096 ||
        idims[0] > (1u << 24)) {
        st = BASE_ERROR(BASE_ERANGE, "%s: unsupported sizes %u x %u x %u", images_path, idims[0],
                        idims[1], idims[2]);
        goto close;
    }
    if (ldims[0] != idims[0]) {
        st = BASE_ERROR(BASE_EPARSE, "%s holds %u labels for the %u images of %s", labels_path,
                        ldims[0], idims[0], images_path);
        goto close;
    }
    d = base_calloc(1, sizeof *d);
    if (!d)
        goto nomem;
    d->n_images = idims[0];
    d->h = (int)idims[1];
    d->w = (int)idims[2];
    d->pixels = base_malloc(d->n_images * (size_t)d->h * (size_t)d->w);
    d->labels = base_malloc(d->n_images);
    if (!d->pixels || !d->labels)
        goto nomem;
    st = gz_read_all(gi, images_path, d->pixels, d->n_images * (size_t)d->h * (size_t)d->w,
                     "pixels");
    if (st == BASE_OK)
        st = idx_expect_end(gi, images_path);
    if (st == BASE_OK)
        st = gz_read_all(gl, labels_path, d->labels, d->n_images, "labels");
    if (st == BASE_OK)
        st = idx_expect_end(gl, labels_path);
    for (size_t i = 0; st == BASE_OK && i < d->n_images; i++)
        if (d->labels[i] + 1u > d->n_classes)
            d->n_classes = d->labels[i] + 1u;
    goto close;
nomem:
    st = BASE_ERROR(BASE_ENOMEM, "out of memory loading %s", images_path);
close:
    if (gi)
        gzclose(gi);
    if (gl)
        gzclose(gl);
    if (st != BASE_OK) {
        fmnist_dataset_free(d);
        d = NULL;
    }
    *out = d;
    return st;
}

void fmnist_dataset_free(fmnist_dataset *d)
{
    if (!d)
        return;
    base_free(d->pixels);
    base_free(d->labels);
    base_free(d);
}

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
        int ok = l->kind == NET_CONV || l->kind == NET_FC || l->kind == NET_RELU ||
                 l->kind == NET_MAXPOOL || l->kind == NET_FLATTEN;
        if (!ok || l->groups != 1 || l->n_inputs != 1 || l->inputs[0] != (int)i - 1)
            return BASE_ERROR(BASE_EUNSUPPORTED,
                              "layer '%s': the float trainer runs a chain of conv (groups 1), "
                              "fc, relu, maxpool and flatten layers",
                              l->name);
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
        if (l->kind == NET_MAXPOOL && !(ws->arg[i] = base_malloc(elems(l) * sizeof **ws->arg)))
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
    for (size_t i = 0; i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        const float *x = i == 0 ? ws->x : ws->act[i - 1];
        float *y = ws->act[i];
        switch (l->kind) {
        case NET_CONV:
        case NET_FC:
            conv_fwd(l, m->weight[i], m->bias[i], x, y);
            break;
        case NET_RELU:
            for (size_t j = 0; j < elems(l); j++)
                y[j] = x[j] > 0.0f ? x[j] : 0.0f;
            break;
        case NET_MAXPOOL:
            pool_fwd(l, x, y, ws->arg[i]);
            break;
        default: /* flatten */
            memcpy(y, x, elems(l) * sizeof *y);
            break;
        }
    }
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
    for (size_t i = net->n_layers; i-- > 0;) {
        const net_layer *l = &net->layers[i];
        const float *x = i == 0 ? ws->x : ws->act[i - 1];
        float *dx = i == 0 ? NULL : ws->dact[i - 1];
        const float *dy = ws->dact[i];
        switch (l->kind) {
        case NET_CONV:
        case NET_FC:
            conv_bwd(l, m->weight[i], x, dy, ws->gw[i], ws->gb[i], dx);
            break;
        case NET_RELU:
            for (size_t j = 0; dx && j < elems(l); j++)
                dx[j] = x[j] > 0.0f ? dy[j] : 0.0f;
            break;
        case NET_MAXPOOL:
            if (dx) {
                memset(dx, 0, (size_t)l->c_in * (size_t)l->h_in * (size_t)l->w_in * sizeof *dx);
                for (size_t j = 0; j < elems(l); j++)
                    dx[ws->arg[i][j]] += dy[j];
            }
            break;
        default:
            if (dx)
                memcpy(dx, dy, elems(l) * sizeof *dx);
            break;
        }
    }
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
        }
        if (epoch_loss)
            epoch_loss[e] = loss / (double)n;
    }
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
    train_ws ws;
    st = ws_new(m, 0, &ws);
    if (st != BASE_OK)
        return st;
    size_t last = m->net->n_layers - 1, n_out = elems(&m->net->layers[last]), correct = 0;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        load_image(d, i, ws.x);
        forward(m, &ws);
        sum += softmax_loss(m, &ws, d->labels[i], 0);
        size_t best = 0;
        for (size_t j = 1; j < n_out; j++)
            best = ws.act[last][j] > ws.act[last][best] ? j : best;
        correct += best == d->labels[i];
    }
    ws_free(m->net, &ws);
    *loss = sum / (double)n;
    *acc_pct = 100.0 * (double)correct / (double)n;
    return BASE_OK;
}

/* ---- Weights file ----------------------------------------------------------------------- */

static const char weights_magic[8] = {'A', 'P', 'S', 'I', 'M', 'F', 'W', '\0'};
#define WEIGHTS_VERSION 1u

static int put_u32(FILE *fp, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    return fwrite(b, 1, 4, fp) == 4;
}

/* Writes n floats little-endian, a buffer of them per fwrite. */
static int put_floats(FILE *fp, const float *v, size_t n)
{
    unsigned char buf[4096] = {0};
    const size_t per = sizeof buf / 4;
    for (size_t i0 = 0; i0 < n; i0 += per) {
        size_t cnt = n - i0 < per ? n - i0 : per;
        for (size_t i = 0; i < cnt; i++) {
            uint32_t u;
            memcpy(&u, &v[i0 + i], sizeof u);
            for (int b = 0; b < 4; b++)
                buf[4 * i + (size_t)b] = (unsigned char)(u >> (8 * b));
        }
        if (fwrite(buf, 4, cnt, fp) != cnt)
            return 0;
    }
    return 1;
}

static base_status write_weights(FILE *fp, const void *ctx)
{
    const fmnist_fmodel *m = ctx;
    const net_network *net = m->net;
    uint32_t n_w = 0;
    for (size_t i = 0; i < net->n_layers; i++)
        n_w += (uint32_t)(m->weight[i] != NULL);
    int ok = fwrite(weights_magic, 1, sizeof weights_magic, fp) == sizeof weights_magic &&
             put_u32(fp, WEIGHTS_VERSION) && put_u32(fp, n_w);
    for (size_t i = 0; ok && i < net->n_layers; i++)
        if (m->weight[i])
            ok = put_u32(fp, (uint32_t)net->layers[i].c_out) &&
                 put_u32(fp, (uint32_t)layer_k(&net->layers[i])) && put_u32(fp, m->bias[i] != NULL);
    for (size_t i = 0; ok && i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        if (!m->weight[i])
            continue;
        ok = put_floats(fp, m->weight[i], layer_k(l) * (size_t)l->c_out);
        if (ok && m->bias[i])
            ok = put_floats(fp, m->bias[i], (size_t)l->c_out);
    }
    return ok ? BASE_OK : BASE_ERROR(BASE_EIO, "cannot write the weights file");
}

base_status fmnist_fmodel_save(const fmnist_fmodel *m, const char *path)
{
    return base_write_atomic(path, write_weights, m);
}

static base_status get_u32(FILE *fp, const char *path, uint32_t *v)
{
    unsigned char b[4];
    if (fread(b, 1, 4, fp) != 4)
        return BASE_ERROR(BASE_EPARSE, "%s: truncated weights file", path);
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return BASE_OK;
}

/* Reads n little-endian floats with one fread, converts them in place to the host's order
 * and rejects NaN and infinities (BASE_EPARSE). */
static base_status get_floats(FILE *fp, const char *path, const char *layer, float *v, size_t n)
{
    if (fread(v, 4, n, fp) != n)
        return BASE_ERROR(BASE_EPARSE, "%s: truncated weights file", path);
    unsigned char *b = (unsigned char *)v;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = b + 4 * i;
        uint32_t u =
            (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        memcpy(&v[i], &u, sizeof u);
        if (!isfinite(v[i]))
            return BASE_ERROR(BASE_EPARSE, "%s: layer '%s': parameter %zu is not a finite number",
                              path, layer, i);
    }
    return BASE_OK;
}

base_status fmnist_fmodel_load(const net_network *net, const char *path, fmnist_fmodel **out)
{
    *out = NULL;
    fmnist_fmodel *m = NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return BASE_ERROR(BASE_EIO, "%s: cannot open the weights file", path);
    char magic[8];
    uint32_t version = 0, n_w = 0, expect = 0;
    base_status st = BASE_OK;
    if (fread(magic, 1, sizeof magic, fp) != sizeof magic ||
        memcmp(magic, weights_magic, sizeof magic) != 0)
        st = BASE_ERROR(BASE_EPARSE, "%s: not an apsim weights file (bad magic)", path);
    if (st == BASE_OK)
        st = get_u32(fp, path, &version);
    if (st == BASE_OK && version != WEIGHTS_VERSION)
        st = BASE_ERROR(BASE_EUNSUPPORTED, "%s: weights file version %u (this apsim reads %u)",
                        path, version, WEIGHTS_VERSION);
    if (st == BASE_OK)
        st = get_u32(fp, path, &n_w);
    if (st == BASE_OK)
        st = fmodel_alloc(net, &m);
    for (size_t i = 0; st == BASE_OK && i < net->n_layers; i++)
        expect += (uint32_t)(m->weight[i] != NULL);
    if (st == BASE_OK && n_w != expect)
        st = BASE_ERROR(BASE_ESHAPE, "%s: %u layers with weights, network %s has %u", path, n_w,
                        net->name, expect);
    for (size_t i = 0; st == BASE_OK && i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        uint32_t c_out = 0, k = 0, has_bias = 0;
        if (!m->weight[i])
            continue;
        st = get_u32(fp, path, &c_out);
        if (st == BASE_OK)
            st = get_u32(fp, path, &k);
        if (st == BASE_OK)
            st = get_u32(fp, path, &has_bias);
        if (st == BASE_OK && (c_out != (uint32_t)l->c_out || k != (uint32_t)layer_k(l) ||
                              has_bias != (uint32_t)(m->bias[i] != NULL)))
            st = BASE_ERROR(BASE_ESHAPE,
                            "%s: layer '%s' is %u x %u (bias %u) in the file, %d x %zu (bias %d) "
                            "in network %s",
                            path, l->name, c_out, k, has_bias, l->c_out, layer_k(l),
                            m->bias[i] != NULL, net->name);
    }
    for (size_t i = 0; st == BASE_OK && i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        if (!m->weight[i])
            continue;
        st = get_floats(fp, path, l->name, m->weight[i], layer_k(l) * (size_t)l->c_out);
        if (st == BASE_OK && m->bias[i])
            st = get_floats(fp, path, l->name, m->bias[i], (size_t)l->c_out);
    }
    if (st == BASE_OK && fgetc(fp) != EOF)
        st = BASE_ERROR(BASE_EPARSE, "%s: trailing bytes after the weights", path);
    fclose(fp);
    if (st != BASE_OK) {
        fmnist_fmodel_free(m);
        return st;
    }
    *out = m;
    return BASE_OK;
}

/* ---- Quantization ------------------------------------------------------------------------ */

double fmnist_input_scale(unsigned input_bits)
{
    return 1.0 / (ldexp(1.0, (int)input_bits - 1) - 1.0);
}

void fmnist_input(const fmnist_dataset *d, size_t first, size_t n, unsigned input_bits,
                  int32_t *out)
{
    const double inv = 1.0 / fmnist_input_scale(input_bits);
    const size_t hw = (size_t)d->h * (size_t)d->w;
    const uint8_t *p = d->pixels + first * hw;
    for (size_t j = 0; j < n * hw; j++)
        out[j] = (int32_t)lround(((double)p[j] * (2.0 / 255.0) - 1.0) * inv);
}

/* Symmetric scale of one layer's weights at w_bits: the clipping (a fraction of the largest
 * magnitude) that minimises the squared rounding and clipping error. */
static double weight_scale(const float *w, size_t n, unsigned w_bits)
{
    const double qmax = ldexp(1.0, (int)w_bits - 1) - 1.0;
    double amax = 0.0;
    for (size_t j = 0; j < n; j++)
        amax = fabs((double)w[j]) > amax ? fabs((double)w[j]) : amax;
    if (amax == 0.0)
        return 1.0;
    double best_s = amax / qmax, best_err = INFINITY;
    for (int a = 0; a < 16; a++) {
        double s = amax * (1.0 - 0.05 * a) / qmax, err = 0.0;
        for (size_t j = 0; j < n; j++) {
            double q = nearbyint((double)w[j] / s);
            q = q > qmax ? qmax : q < -qmax ? -qmax : q;
            err += ((double)w[j] - q * s) * ((double)w[j] - q * s);
        }
        if (err < best_err) {
            best_err = err;
            best_s = s;
        }
    }
    return best_s;
}

/* Calibration hook: layer li's float bias at accumulator scale s_acc, clamped to the
 * overflow-free range of its accumulator. */
static void set_bias(exec_qmodel *qm, size_t li, double s_acc, void *ctx)
{
    const fmnist_fmodel *m = ctx;
    const net_layer *l = &qm->net->layers[li];
    const net_layer_bits *b = &qm->bits->bits[li];
    unsigned acc = sim_act_width(qm->net, li, b->a_bits) + b->w_bits + sim_ceil_log2(layer_k(l));
    double lim = ldexp(1.0, (int)acc - 2) - 1.0;
    for (int c = 0; c < l->c_out; c++) {
        double v = nearbyint((double)m->bias[li][c] / s_acc);
        qm->layers[li].bias[c] = (int32_t)(v > lim ? lim : v < -lim ? -lim : v);
    }
}

base_status fmnist_quantize(const fmnist_fmodel *m, const net_bitcfg *bits,
                            const fmnist_dataset *calib, size_t n_calib, exec_qmodel **out)
{
    const net_network *net = m->net;
    *out = NULL;
    for (size_t i = 0; i < net->n_layers; i++) {
        const net_layer_bits *b = &bits->bits[i];
        if (i < bits->n_layers && net_kind_has_weights(net->layers[i].kind) &&
            (b->w_bits < 2 || b->w_bits > 8 || b->a_bits < 2 || b->a_bits > 8))
            return BASE_ERROR(BASE_ERANGE, "layer '%s': w%ua%u: quantization takes 2..8 bits",
                              net->layers[i].name, b->w_bits, b->a_bits);
    }
    n_calib = n_calib > calib->n_images ? calib->n_images : n_calib;
    if (n_calib == 0 || calib->h != net->h_in || calib->w != net->w_in)
        return BASE_ERROR(BASE_EINVAL, "calibration needs images of %dx%d", net->h_in, net->w_in);
    exec_qmodel *qm = NULL;
    base_status st = exec_qmodel_new(net, bits, &qm);
    if (st != BASE_OK)
        return st;
    int32_t *in = base_malloc(n_calib * (size_t)net->h_in * (size_t)net->w_in * sizeof *in);
    if (!in) {
        exec_qmodel_free(qm);
        return BASE_ERROR(BASE_ENOMEM, "out of memory quantizing %s", net->name);
    }
    qm->in_scale = fmnist_input_scale(bits->input_bits);
    fmnist_input(calib, 0, n_calib, bits->input_bits, in);
    for (size_t i = 0; i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        exec_qlayer *q = &qm->layers[i];
        if (!net_kind_has_weights(l->kind))
            continue;
        const unsigned wb = bits->bits[i].w_bits;
        const size_t n = layer_k(l) * (size_t)l->c_out;
        const double qmax = ldexp(1.0, (int)wb - 1) - 1.0;
        q->w_scale = weight_scale(m->weight[i], n, wb);
        for (size_t j = 0; j < n; j++) {
            double v = nearbyint((double)m->weight[i][j] / q->w_scale);
            q->weight[j] = (int32_t)(v > qmax ? qmax : v < -qmax ? -qmax : v);
        }
    }
    /* A bias lives at the scale of its layer's input times its weights; the calibration
     * hands each biased layer that scale once its input is calibrated (one pass). */
    st = exec_qmodel_calibrate_biases(qm, in, n_calib, set_bias, (void *)(uintptr_t)m);
    base_free(in);
    if (st != BASE_OK) {
        exec_qmodel_free(qm);
        return st;
    }
    *out = qm;
    return BASE_OK;
}

base_status fmnist_logits(const exec_qmodel *qm, const fmnist_dataset *d, size_t n, int32_t *logits)
{
    const net_network *net = qm->net;
    const size_t batch = 250, hw = (size_t)net->h_in * (size_t)net->w_in;
    const size_t n_out = exec_infer_out_elems(net);
    if (d->h != net->h_in || d->w != net->w_in || n > d->n_images)
        return BASE_ERROR(BASE_EINVAL, "%zu images of %dx%d do not fit network %s", n, d->h, d->w,
                          net->name);
    int32_t *in = base_malloc(batch * hw * sizeof *in);
    if (!in)
        return BASE_ERROR(BASE_ENOMEM, "out of memory running %s", net->name);
    base_status st = BASE_OK;
    for (size_t b0 = 0; b0 < n && st == BASE_OK; b0 += batch) {
        size_t bn = n - b0 < batch ? n - b0 : batch;
        fmnist_input(d, b0, bn, qm->bits->input_bits, in);
        st = exec_infer_reference(qm, in, bn, logits + b0 * n_out);
    }
    base_free(in);
    return st;
}

void fmnist_top(const int32_t *logits, size_t n_classes, size_t *top1, int64_t *margin)
{
    size_t best = 0;
    for (size_t j = 1; j < n_classes; j++)
        best = logits[j] > logits[best] ? j : best;
    int64_t second = INT64_MIN;
    for (size_t j = 0; j < n_classes; j++)
        if (j != best && logits[j] > second)
            second = logits[j];
    *top1 = best;
    *margin = n_classes > 1 ? (int64_t)logits[best] - second : 0;
}

void fmnist_cascade(const int32_t *lo, double lo_scale, const int32_t *hi, const uint8_t *labels,
                    size_t n, size_t n_classes, double threshold, fmnist_cascade_point *out)
{
    memset(out, 0, sizeof *out);
    out->threshold = threshold;
    out->n_inputs = n;
    for (size_t i = 0; i < n; i++) {
        size_t top;
        int64_t margin;
        fmnist_top(lo + i * n_classes, n_classes, &top, &margin);
        if ((double)margin * lo_scale < threshold) {
            out->n_rerun++;
            fmnist_top(hi + i * n_classes, n_classes, &top, &margin);
        }
        out->n_correct += top == labels[i];
    }
}
