/* fmnist_quant.c - the float model quantized into an exec_qmodel (symmetric per-layer
 * weights, biases at the accumulator's scale, activations calibrated with HAWQ-V3's dyadic
 * requantization, Yao et al., ICML 2021), integer logits (shared among MPI ranks by image,
 * docs/PARALLEL.md), and the two-config cascade (docs/FMNIST.md). */
#include <math.h>
#include <string.h>

#include "exec/exec.h"
#include "fmnist/fmnist.h"
#include "par/par.h"

static size_t layer_k(const net_layer *l)
{
    return (size_t)exec_layer_k(l);
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

/* PoTAcc's weights: levels 0 and +-alpha 2^-e (e = 0..max_exp), held as the integers 0 and
 * +-2^(max_exp - e) at LSB alpha / 2^max_exp; alpha chosen among the same 16 clippings as
 * weight_scale for least squared error, each weight rounded to its nearest level. */
static double pot_scale(const float *w, size_t n, unsigned max_exp)
{
    const double top = ldexp(1.0, (int)max_exp);
    double amax = 0.0;
    for (size_t j = 0; j < n; j++)
        amax = fabs((double)w[j]) > amax ? fabs((double)w[j]) : amax;
    if (amax == 0.0)
        return 1.0;
    double best_s = amax / top, best_err = INFINITY;
    for (int a = 0; a < 16; a++) {
        double s = amax * (1.0 - 0.05 * a) / top, err = 0.0;
        for (size_t j = 0; j < n; j++) {
            double d = (double)w[j] - fmnist_pot_round((double)w[j] / s, max_exp) * s;
            err += d * d;
        }
        if (err < best_err) {
            best_err = err;
            best_s = s;
        }
    }
    return best_s;
}

/* exec_max_fn over the ranks: the largest of every rank's value (exact: magnitudes stay far
 * below 2^53); a failed reduction is kept in *ctx. */
static void share_max(void *ctx, int64_t *v)
{
    double d = (double)*v;
    base_status st = par_max_double(&d, 1);
    if (st != BASE_OK)
        *(base_status *)ctx = st;
    *v = (int64_t)d;
}

base_status fmnist_quantize(const fmnist_fmodel *m, const net_bitcfg *bits,
                            const fmnist_dataset *calib, size_t n_calib, exec_qmodel **out)
{
    return fmnist_quantize_design(m, bits, FMNIST_AP, bits, calib, n_calib, out);
}

base_status fmnist_quantize_design(const fmnist_fmodel *m, const net_bitcfg *bits,
                                   fmnist_design design, const net_bitcfg *dbits,
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
    if (dbits->n_layers != bits->n_layers)
        return BASE_ERROR(BASE_EINVAL, "design bits do not match '%s'", bits->name);
    base_status st = exec_qmodel_new(net, dbits, &qm);
    if (st != BASE_OK)
        return st;
    if (design == FMNIST_AXBXP)
        qm->mul = fmnist_axbxp_mul;
    int32_t *in = base_malloc(n_calib * (size_t)net->h_in * (size_t)net->w_in * sizeof *in);
    /* Every rank agrees before the shared calibration's collectives. */
    st =
        par_agree(in ? BASE_OK : BASE_ERROR(BASE_ENOMEM, "out of memory quantizing %s", net->name));
    if (st != BASE_OK) {
        base_free(in);
        exec_qmodel_free(qm);
        return st;
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
        if (design == FMNIST_POTACC && wb <= FMNIST_POT_MAX_BITS) {
            const unsigned e = fmnist_pot_max_exp(wb);
            q->w_scale = pot_scale(m->weight[i], n, e);
            for (size_t j = 0; j < n; j++)
                q->weight[j] = fmnist_pot_round((double)m->weight[i][j] / q->w_scale, e);
            continue;
        }
        q->w_scale = weight_scale(m->weight[i], n, wb);
        for (size_t j = 0; j < n; j++) {
            double v = nearbyint((double)m->weight[i][j] / q->w_scale);
            q->weight[j] = (int32_t)(v > qmax ? qmax : v < -qmax ? -qmax : v);
        }
    }
    /* A bias lives at the scale of its layer's input times its weights; the calibration
     * hands each biased layer that scale once its input is calibrated (one pass). Under MPI
     * each rank calibrates on its block of the images and the ranks agree on each layer's
     * largest magnitude: the same scales as one rank over all of them. */
    size_t first, end;
    par_block(n_calib, &first, &end);
    base_status shared = BASE_OK;
    st = exec_qmodel_calibrate_shared(qm, in + first * (size_t)net->h_in * (size_t)net->w_in,
                                      end - first, set_bias, (void *)(uintptr_t)m, share_max,
                                      &shared);
    st = par_agree(st != BASE_OK ? st : shared);
    base_free(in);
    if (st != BASE_OK) {
        exec_qmodel_free(qm);
        return st;
    }
    *out = qm;
    return BASE_OK;
}

base_status fmnist_quantize_onnx(const net_network *net, const net_bitcfg *bits, const char *path,
                                 const fmnist_dataset *calib, size_t n_calib, exec_qmodel **out)
{
    *out = NULL;
    n_calib = n_calib > calib->n_images ? calib->n_images : n_calib;
    if (n_calib == 0 || calib->h != net->h_in || calib->w != net->w_in)
        return BASE_ERROR(BASE_EINVAL, "calibration needs images of %dx%d", net->h_in, net->w_in);
    exec_qmodel *qm = NULL;
    base_status st = exec_qmodel_new(net, bits, &qm);
    if (st == BASE_OK)
        st = exec_qmodel_load_onnx(qm, path);
    if (st == BASE_OK && (float)qm->in_scale != (float)fmnist_input_scale(bits->input_bits))
        st = base_error_at(BASE_EINVAL, path, 0, 0,
                           "input scale %.9g is not that of %u-bit Fashion-MNIST inputs",
                           qm->in_scale, bits->input_bits);
    int32_t *in = base_malloc(n_calib * (size_t)net->h_in * (size_t)net->w_in * sizeof *in);
    if (st == BASE_OK && !in)
        st = BASE_ERROR(BASE_ENOMEM, "out of memory reading %s", path);
    st = par_agree(st); /* the shared calibration's collectives follow */
    if (st == BASE_OK) {
        /* The input scale as fmnist_quantize has it (the file holds its float32). */
        qm->in_scale = fmnist_input_scale(bits->input_bits);
        fmnist_input(calib, 0, n_calib, bits->input_bits, in);
        size_t first, end;
        par_block(n_calib, &first, &end);
        base_status shared = BASE_OK;
        st = exec_qmodel_calibrate_shared(qm, in + first * (size_t)net->h_in * (size_t)net->w_in,
                                          end - first, NULL, NULL, share_max, &shared);
        st = par_agree(st != BASE_OK ? st : shared);
    }
    if (st == BASE_OK)
        st = exec_qmodel_check_onnx(qm, path);
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
    /* This rank's block of images; the others' are zero here until the merge. */
    size_t first, end;
    par_block(n, &first, &end);
    memset(logits, 0, n * n_out * sizeof *logits);
    int32_t *in = base_malloc(batch * hw * sizeof *in);
    base_status st = in ? BASE_OK : BASE_ERROR(BASE_ENOMEM, "out of memory running %s", net->name);
    for (size_t b0 = first; b0 < end && st == BASE_OK; b0 += batch) {
        size_t bn = end - b0 < batch ? end - b0 : batch;
        fmnist_input(d, b0, bn, qm->bits->input_bits, in);
        st = exec_infer_reference(qm, in, bn, logits + b0 * n_out);
    }
    base_free(in);
    st = par_agree(st);
    return st == BASE_OK ? par_merge(logits, n * n_out * sizeof *logits) : st;
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
