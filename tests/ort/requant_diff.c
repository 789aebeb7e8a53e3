/* requant_diff.c - why onnxruntime and apsim differ on the exported model (docs/ONNX.md,
 * "onnxruntime as a judge"): runs the quantized Fashion-MNIST CNN (a chain of conv, relu,
 * maxpool, flatten, fc) image by image with apsim's integer semantics (docs/INFERENCE.md) and,
 * at every conv, requantizes the same accumulators as onnxruntime's QLinearConv does with the
 * exported scales (exec_qmodel_export: float32 acc x (x_scale * w_scale / y_scale), round half
 * to even, saturate to int8; the ONNX QLinearConv specification) followed by the exported relu
 * (Clip to 0..2^(o-1)-1), then sorts each output that differs after the relu by cause:
 * saturation (the exact value is outside the output range, where apsim wraps), the
 * pre-shift's double rounding, the tie rule (half up against half to even), or float32
 * rounding of the product. Usage: requant_diff [WEIGHTS [BITS]]; make ort-diff. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "fmnist/fmnist.h"

#define DATA "/usr/share/datasets/fashion-mnist"

enum { N_OUT, N_DIFF, N_DIFF_POS, N_SAT, N_DOUBLE, N_TIE, N_FLOAT, N_COUNTS };
static const char *const count_names[N_COUNTS] = {"outputs",
                                                  "differ",
                                                  "differ after the relu",
                                                  "saturation/wrap",
                                                  "pre-shift double rounding",
                                                  "tie rule",
                                                  "float32 product"};

/* One conv layer of image values in (c_in x h x w) into out, counting the differences. */
static void conv(const exec_qmodel *qm, size_t li, float m_ort, int relu_max, const int32_t *in,
                 int32_t *out, long *cnt)
{
    const net_layer *l = &qm->net->layers[li];
    const exec_qlayer *q = &qm->layers[li];
    const net_layer_bits *b = &qm->bits->bits[li];
    const unsigned src = sim_act_width(qm->net, li, b->a_bits) + b->w_bits +
                         sim_ceil_log2(exec_layer_k(l)),
                   o = b->o_bits;
    const double m = ldexp((double)q->rq.scale_b, -(int)(q->rq.pre_shift + q->rq.shift));
    const double top = ldexp(1.0, (int)o - 1) - 1;
    for (int oc = 0; oc < l->c_out; oc++)
        for (int y = 0; y < l->h_out; y++)
            for (int x = 0; x < l->w_out; x++) {
                int64_t acc = q->bias ? q->bias[oc] : 0;
                for (int c = 0; c < l->c_in; c++)
                    for (int ky = 0; ky < l->kh; ky++)
                        for (int kx = 0; kx < l->kw; kx++) {
                            int yy = y * l->stride + ky - l->pad, xx = x * l->stride + kx - l->pad;
                            if (yy < 0 || xx < 0 || yy >= l->h_in || xx >= l->w_in)
                                continue;
                            acc += (int64_t)in[(c * l->h_in + yy) * l->w_in + xx] *
                                   q->weight[((oc * l->c_in + c) * l->kh + ky) * l->kw + kx];
                        }
                int64_t ap = exec_requant_apply(&q->rq, acc, src, o);
                double ort = fmin(fmax((double)nearbyintf((float)acc * m_ort), -128.0), 127.0);
                double exact = (double)acc * m, ap_r = ap > 0 ? (double)ap : 0.0;
                double ort_r = fmin(fmax(ort, 0.0), (double)relu_max);
                cnt[N_OUT]++;
                cnt[N_DIFF] += (double)ap != ort;
                if (ap_r != ort_r) {
                    cnt[N_DIFF_POS]++;
                    cnt[fabs(floor(exact + 0.5)) > top           ? N_SAT
                        : (double)ap != floor(exact + 0.5)       ? N_DOUBLE
                        : floor(exact + 0.5) != nearbyint(exact) ? N_TIE
                                                                 : N_FLOAT]++;
                }
                out[(oc * l->h_out + y) * l->w_out + x] = (int32_t)ap;
            }
}

/* relu and maxpool as docs/INFERENCE.md has them (values already of their width). */
static void eltwise(const net_layer *l, const int32_t *in, int32_t *out)
{
    size_t n = (size_t)l->c_out * (size_t)l->h_out * (size_t)l->w_out;
    if (l->kind != NET_MAXPOOL) {
        for (size_t i = 0; i < n; i++)
            out[i] = l->kind == NET_RELU && in[i] < 0 ? 0 : in[i];
        return;
    }
    for (int c = 0; c < l->c_out; c++)
        for (int y = 0; y < l->h_out; y++)
            for (int x = 0; x < l->w_out; x++) {
                int32_t best = INT32_MIN;
                for (int ky = 0; ky < l->kh; ky++)
                    for (int kx = 0; kx < l->kw; kx++) {
                        int yy = y * l->stride + ky - l->pad, xx = x * l->stride + kx - l->pad;
                        if (yy >= 0 && xx >= 0 && yy < l->h_in && xx < l->w_in) {
                            int32_t v = in[(c * l->h_in + yy) * l->w_in + xx];
                            best = v > best ? v : best;
                        }
                    }
                out[(c * l->h_out + y) * l->w_out + x] = best;
            }
}

static int fail(const char *what)
{
    fprintf(stderr, "requant_diff: %s: %s\n", what, base_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    const char *weights = argc > 1 ? argv[1] : "results/fmnist/weights.bin";
    const char *spec = argc > 2 ? argv[2] : "int8";
    char path[4096];
    net_network *net = NULL;
    net_bitcfg *bits = NULL;
    fmnist_fmodel *fm = NULL;
    fmnist_dataset *train = NULL, *test = NULL;
    exec_qmodel *qm = NULL;
    if (net_find_builtin("fmnist_cnn", path, sizeof path) != BASE_OK ||
        net_load(path, &net) != BASE_OK || net_bitcfg_resolve(spec, net, &bits) != BASE_OK)
        return fail("network");
    if (fmnist_fmodel_load(net, weights, &fm) != BASE_OK)
        return fail("weights");
    if (fmnist_dataset_load_idx(DATA "/train-images-idx3-ubyte.gz",
                                DATA "/train-labels-idx1-ubyte.gz", &train) != BASE_OK ||
        fmnist_dataset_load_idx(DATA "/t10k-images-idx3-ubyte.gz",
                                DATA "/t10k-labels-idx1-ubyte.gz", &test) != BASE_OK)
        return fail("data");
    if (fmnist_quantize(fm, bits, train, FMNIST_N_CALIB, &qm) != BASE_OK)
        return fail("quantize");
    net_qx_layer *xl = calloc(net->n_layers, sizeof *xl);
    net_qexport xq;
    if (!xl || exec_qmodel_export(qm, xl, &xq) != BASE_OK)
        return fail("export");
    float *m_ort = calloc(net->n_layers, sizeof *m_ort), xs = xq.in_scale;
    for (size_t li = 0; m_ort && li < net->n_layers; li++)
        if (xl[li].op == NET_QX_CONV) {
            m_ort[li] = exec_export_multiplier(xs, xl[li].w_scale, xl[li].y_scale);
            xs = xl[li].y_scale;
        }
    size_t biggest = (size_t)net->c_in * (size_t)net->h_in * (size_t)net->w_in;
    for (size_t li = 0; li < net->n_layers; li++) {
        size_t e = (size_t)net_layer_out_elems(&net->layers[li]);
        biggest = e > biggest ? e : biggest;
    }
    int32_t *a = calloc(biggest, sizeof *a), *b = calloc(biggest, sizeof *b);
    long(*cnt)[N_COUNTS] = calloc(net->n_layers, sizeof *cnt);
    if (!a || !b || !cnt || !m_ort)
        return 1;
    for (size_t i = 0; i < test->n_images; i++) {
        fmnist_input(test, i, 1, bits->input_bits, a);
        for (size_t li = 0; li < net->n_layers && net->layers[li].kind != NET_FLATTEN; li++) {
            if (net->layers[li].kind == NET_CONV)
                conv(qm, li, m_ort[li], li + 1 < net->n_layers ? xl[li + 1].relu_max : 127, a, b,
                     cnt[li]);
            else
                eltwise(&net->layers[li], a, b);
            int32_t *t = a;
            a = b;
            b = t;
        }
    }
    printf("%zu test images, %s; conv outputs where onnxruntime's QLinearConv differs:\n",
           test->n_images, spec);
    for (size_t li = 0; li < net->n_layers; li++) {
        if (net->layers[li].kind != NET_CONV)
            continue;
        printf("%s (pre-shift %u, multiplier %d / 2^%u, exported %.9g):", net->layers[li].name,
               qm->layers[li].rq.pre_shift, (int)qm->layers[li].rq.scale_b,
               qm->layers[li].rq.pre_shift + qm->layers[li].rq.shift, (double)m_ort[li]);
        for (int k = 0; k < N_COUNTS; k++)
            printf("%s %s %ld", k ? "," : "", count_names[k], cnt[li][k]);
        printf("\n");
    }
    free(a);
    free(b);
    free(cnt);
    free(m_ort);
    free(xl);
    exec_qmodel_free(qm);
    fmnist_dataset_free(train);
    fmnist_dataset_free(test);
    fmnist_fmodel_free(fm);
    net_bitcfg_free(bits);
    net_free(net);
    return 0;
}
