/* check_export.c - the ONNX export (exec/exec_export.c, networks/net_onnx_write.c): a quantized
 * Fashion-MNIST CNN with seeded synthetic weights, calibrated, written and read back with
 * apsim's own importer (same layers, shapes and --bits onnx widths; the weights, biases and
 * scales in the file; every conv's float32 multiplier equal to its dyadic one), and the error
 * paths (docs/ONNX.md, "Export"). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "exec/exec.h"

Suite *export_suite(void);

/* fmnist_cnn (or another built-in) at bits, synthetic weights, calibrated on 4 seeded images. */
static exec_qmodel *make_model(const char *name, const char *spec, net_network **net,
                               net_bitcfg **bits)
{
    char path[4096];
    ck_assert_int_eq(net_find_builtin(name, path, sizeof path), BASE_OK);
    ck_assert_int_eq(net_load(path, net), BASE_OK);
    ck_assert_int_eq(net_bitcfg_resolve(spec, *net, bits), BASE_OK);
    exec_qmodel *qm = NULL;
    ck_assert_msg(exec_qmodel_new(*net, *bits, &qm) == BASE_OK, "%s", base_last_error());
    exec_qmodel_synthetic(qm, 7);
    size_t n = 4, hw = (size_t)(*net)->c_in * (size_t)(*net)->h_in * (size_t)(*net)->w_in;
    int32_t *in = base_malloc(n * hw * sizeof *in);
    ck_assert_ptr_nonnull(in);
    exec_infer_synthetic_input(*net, (*bits)->input_bits, 11, n, in);
    qm->in_scale = 1.0 / 127.0;
    ck_assert_int_eq(exec_qmodel_calibrate(qm, in, n), BASE_OK);
    base_free(in);
    return qm;
}

static void tmp_path(char *buf, size_t cap, const char *leaf)
{
    snprintf(buf, cap, "/tmp/apsim_export_%ld_%s", (long)getpid(), leaf);
}

static const net_tensor *init_of(const net_onnx_graph *g, const char *layer, const char *suffix)
{
    char name[128];
    snprintf(name, sizeof name, "%s_%s", layer, suffix);
    const net_tensor *t = net_onnx_find_init(g, name);
    ck_assert_msg(t != NULL, "initializer %s missing", name);
    return t;
}

/* The file's weights, biases and scales are the model's; each conv's multiplier is exact. */
static void check_contents(const exec_qmodel *qm, const net_onnx_graph *g)
{
    const net_network *net = qm->net;
    float xs = (float)net_onnx_find_init(g, "input_scale")->fval[0];
    double nudges = 0.0; /* the tie nudges so far, carried by the scales that follow */
    ck_assert(xs == (float)qm->in_scale);
    for (size_t li = 0; li < net->n_layers; li++) {
        const net_layer *l = &net->layers[li];
        const exec_qlayer *q = &qm->layers[li];
        if (!net_kind_has_weights(l->kind))
            continue;
        const net_tensor *w = init_of(g, l->name, "w"), *b = init_of(g, l->name, "b");
        size_t k = (size_t)exec_layer_k(l), n = (size_t)l->c_out;
        ck_assert_int_eq(w->dtype, NET_DT_INT8);
        ck_assert_uint_eq(w->n_elems, n * k);
        for (size_t o = 0; o < n; o++)
            for (size_t j = 0; j < k; j++) /* fc: MatMulInteger's K x N */
                ck_assert_int_eq(w->ival[l->kind == NET_CONV ? o * k + j : j * n + o],
                                 q->weight[o * k + j]);
        ck_assert_int_eq(b->dtype, NET_DT_INT32);
        for (size_t o = 0; o < n; o++)
            ck_assert_int_eq(b->ival[o], q->bias[o]);
        float ys = (float)init_of(g, l->name, "y_scale")->fval[0];
        if (l->kind == NET_FC) {
            ck_assert(ys == xs * (float)q->w_scale);
            continue;
        }
        float ws = (float)init_of(g, l->name, "w_scale")->fval[0];
        float m = exec_export_target(qm, li);
        ck_assert_msg(exec_export_multiplier(xs, ws, ys) == m, "%s: multiplier", l->name);
        /* int8: exactly the dyadic multiplier (S + o > 20); narrower: nudged up by 2^-(S+o). */
        double d = ldexp((double)q->rq.scale_b, -(int)(q->rq.pre_shift + q->rq.shift));
        unsigned so = q->rq.pre_shift + q->rq.shift + qm->bits->bits[li].o_bits;
        ck_assert(so > 20 ? (double)m == d
                          : (double)m > d && (double)m < d * (1 + ldexp(1, 1 - (int)so)));
        /* The scales stay the real ones to float32 precision (and the tie nudge). */
        ck_assert_double_le(fabs((double)ws / q->w_scale - 1.0), 1e-5);
        nudges += so > 20 ? 0.0 : ldexp(1.0, -(int)so);
        ck_assert_double_le(fabs((double)ys / q->out_scale - 1.0), 1e-5 + 1.01 * nudges);
        xs = ys;
    }
}

/* Export, then import with apsim's own ONNX importer: same layers, shapes and widths. */
static void round_trip(const char *spec, unsigned want_bits)
{
    net_network *net = NULL, *back = NULL;
    net_bitcfg *bits = NULL, *obits = NULL;
    exec_qmodel *qm = make_model("fmnist_cnn", spec, &net, &bits);
    char path[256];
    tmp_path(path, sizeof path, "rt.onnx");
    ck_assert_msg(exec_qmodel_export_onnx(qm, path) == BASE_OK, "%s", base_last_error());
    ck_assert_msg(net_onnx_load(path, &back) == BASE_OK, "%s", base_last_error());
    ck_assert_uint_eq(back->n_layers, net->n_layers);
    ck_assert_int_eq(back->c_in, net->c_in);
    ck_assert_int_eq(back->h_in, net->h_in);
    ck_assert_int_eq(back->w_in, net->w_in);
    ck_assert_int_eq(net_onnx_bitcfg(back, &obits), BASE_OK);
    for (size_t i = 0; i < net->n_layers; i++) {
        const net_layer *a = &net->layers[i], *b = &back->layers[i];
        ck_assert_str_eq(a->name, b->name);
        ck_assert_int_eq(a->kind, b->kind);
        ck_assert_int_eq(a->c_out, b->c_out);
        ck_assert_int_eq(a->h_out, b->h_out);
        ck_assert_int_eq(a->w_out, b->w_out);
        ck_assert_int_eq(a->kh, b->kh);
        ck_assert_int_eq(a->stride, b->stride);
        ck_assert_int_eq(a->pad, b->pad);
        ck_assert_int_eq(a->has_bias, b->has_bias);
        if (net_kind_has_weights(a->kind)) {
            ck_assert_uint_eq(obits->bits[i].w_bits, want_bits);
            ck_assert_uint_eq(obits->bits[i].a_bits, want_bits);
        }
    }
    ck_assert_uint_eq(back->total_macs, net->total_macs);
    ck_assert_uint_eq(back->total_params, net->total_params);
    net_onnx_graph *g = NULL;
    ck_assert_int_eq(net_onnx_graph_load(path, &g), BASE_OK);
    check_contents(qm, g);
    net_onnx_graph_free(g);
    remove(path);
    net_bitcfg_free(obits);
    net_free(back);
    exec_qmodel_free(qm);
    net_bitcfg_free(bits);
    net_free(net);
}

START_TEST(test_export_round_trip_int8)
{
    round_trip("int8", 8);
}
END_TEST

/* Narrower widths travel in int8 tensors: the importer reads 8 bits back (docs/ONNX.md). */
START_TEST(test_export_round_trip_int4)
{
    round_trip("int4", 8);
}
END_TEST

/* The same model gives the same bytes. */
START_TEST(test_export_deterministic)
{
    net_network *net = NULL;
    net_bitcfg *bits = NULL;
    exec_qmodel *qm = make_model("fmnist_cnn", "int8", &net, &bits);
    char p1[256], p2[256];
    tmp_path(p1, sizeof p1, "d1.onnx");
    tmp_path(p2, sizeof p2, "d2.onnx");
    ck_assert_int_eq(exec_qmodel_export_onnx(qm, p1), BASE_OK);
    ck_assert_int_eq(exec_qmodel_export_onnx(qm, p2), BASE_OK);
    FILE *a = fopen(p1, "rb"), *b = fopen(p2, "rb");
    ck_assert(a && b);
    int ca, cb;
    long n = 0;
    do {
        ca = fgetc(a);
        cb = fgetc(b);
        ck_assert_int_eq(ca, cb);
        n++;
    } while (ca != EOF);
    ck_assert_int_gt(n, 1000);
    fclose(a);
    fclose(b);
    remove(p1);
    remove(p2);
    exec_qmodel_free(qm);
    net_bitcfg_free(bits);
    net_free(net);
}
END_TEST

/* Widths over 8 bits, networks the writer cannot express, an unwritable path. */
START_TEST(test_export_errors)
{
    net_network *net = NULL;
    net_bitcfg *bits = NULL;
    exec_qmodel *qm = NULL;
    char path[4096];
    ck_assert_int_eq(net_find_builtin("fmnist_cnn", path, sizeof path), BASE_OK);
    ck_assert_int_eq(net_load(path, &net), BASE_OK);
    ck_assert_int_eq(net_bitcfg_resolve("int12", net, &bits), BASE_OK);
    ck_assert_int_eq(exec_qmodel_new(net, bits, &qm), BASE_OK);
    ck_assert_int_eq(exec_qmodel_export_check(qm), BASE_ERANGE);
    ck_assert_ptr_nonnull(strstr(base_last_error(), "at most 8 bits"));
    exec_qmodel_free(qm);
    net_bitcfg_free(bits);
    net_free(net);

    /* ResNet18: a residual add (a branch) has no export. */
    ck_assert_int_eq(net_find_builtin("resnet18", path, sizeof path), BASE_OK);
    ck_assert_int_eq(net_load(path, &net), BASE_OK);
    ck_assert_int_eq(net_bitcfg_resolve("int8", net, &bits), BASE_OK);
    ck_assert_int_eq(exec_qmodel_new(net, bits, &qm), BASE_OK);
    ck_assert_int_eq(exec_qmodel_export_check(qm), BASE_EUNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(base_last_error(), "export"));
    exec_qmodel_free(qm);
    net_bitcfg_free(bits);
    net_free(net);

    /* An uncalibrated model has no multipliers; a model without an input scale is refused. */
    qm = make_model("fmnist_cnn", "int8", &net, &bits);
    qm->in_scale = 0.0;
    ck_assert_int_eq(exec_qmodel_export_onnx(qm, "/tmp/apsim_export_never.onnx"), BASE_EINVAL);
    qm->in_scale = 1.0 / 127.0;
    ck_assert_int_eq(exec_qmodel_export_onnx(qm, "/nonexistent-dir/x.onnx"), BASE_EIO);
    ck_assert_int_eq(access("/nonexistent-dir/x.onnx", F_OK), -1);
    exec_qmodel_free(qm);
    net_bitcfg_free(bits);
    net_free(net);
}
END_TEST

/* Scales for 2,000 seeded random (input scale, weight scale, multiplier) triples: the float32
 * multiplier is exact every time, the scales stay the real ones to 1e-5 (the plain guess
 * x * w / m rounded to float32 misses about a quarter of these). */
START_TEST(test_export_scales_exact)
{
    uint64_t seed = 5;
    int naive_misses = 0;
    for (int i = 0; i < 2000; i++) {
        double u1 = (double)(exec_splitmix64(&seed) >> 11) * 0x1p-53;
        double u2 = (double)(exec_splitmix64(&seed) >> 11) * 0x1p-53;
        uint64_t r = exec_splitmix64(&seed);
        float xs = (float)ldexp(1.0 + u1, -(int)(r % 10) - 1);
        double w = ldexp(1.0 + u2, -(int)((r >> 8) % 8) - 1);
        float m = (float)ldexp((double)(1 + (r >> 16) % 255), -8 - (int)((r >> 24) % 16));
        float ws = 0, ys = 0;
        ck_assert_int_eq(exec_export_scales(xs, w, m, &ws, &ys), BASE_OK);
        ck_assert(exec_export_multiplier(xs, ws, ys) == m);
        ck_assert_double_le(fabs((double)ws / w - 1.0), 1e-5);
        ck_assert_double_le(fabs((double)ys / ((double)xs * w / (double)m) - 1.0), 1e-5);
        float y0 = (float)((double)xs * (double)(float)w / (double)m);
        naive_misses += exec_export_multiplier(xs, (float)w, y0) != m;
    }
    ck_assert_int_gt(naive_misses, 100); /* the search is needed */
}
END_TEST

/* The tie nudge: for multipliers b / 2^S with S + o <= 20, every accumulator whose apsim
 * output a relu keeps is requantized by onnxruntime's float32 rounding (half to even, then
 * Clip to 0..2^(o-1)-1) to apsim's half-up value; without the nudge ties differ. */
START_TEST(test_export_tie_nudge)
{
    static const char yaml[] = "name: one\ninput: {channels: 1, height: 1, width: 1}\nlayers:\n"
                               "  - {name: c, type: conv, out: 1, kernel: 1}\n"
                               "  - {name: r, type: relu}\n"
                               "  - {name: f, type: flatten}\n  - {name: fc, type: fc, out: 1}\n";
    static const struct {
        int b;
        unsigned shift, o;
    } cases[] = {{8, 8, 4}, {10, 8, 4}, {3, 4, 4}, {127, 12, 6}, {5, 6, 2}};
    int ties = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        net_network *net = NULL;
        net_bitcfg *bits = NULL;
        exec_qmodel *qm = NULL;
        char spec[16];
        snprintf(spec, sizeof spec, "int%u", cases[c].o);
        ck_assert_int_eq(net_load_string("one.yaml", yaml, strlen(yaml), &net), BASE_OK);
        ck_assert_int_eq(net_bitcfg_resolve(spec, net, &bits), BASE_OK);
        ck_assert_int_eq(exec_qmodel_new(net, bits, &qm), BASE_OK);
        exec_requant rq = {0, cases[c].b, cases[c].shift};
        qm->layers[0].rq = rq;
        float m = exec_export_target(qm, 0), exact = (float)ldexp(cases[c].b, -(int)cases[c].shift);
        const double top = ldexp(1.0, (int)cases[c].o - 1) - 1;
        for (int64_t acc = -(1 << 12); acc <= (1 << 12); acc++) {
            int64_t ap = exec_requant_apply(&rq, acc, 16, cases[c].o);
            double hu = floor((double)acc * (double)exact + 0.5);
            if (hu > top || hu < -top - 1) /* apsim wraps there */
                continue;
            double ort = fmin(fmax((double)nearbyintf((float)acc * m), 0.0), top);
            ck_assert_msg(ort == (double)(ap > 0 ? ap : 0), "b %d acc %lld", cases[c].b,
                          (long long)acc);
            double plain = fmin(fmax((double)nearbyintf((float)acc * exact), 0.0), top);
            ties += plain != (double)(ap > 0 ? ap : 0);
        }
        exec_qmodel_free(qm);
        net_bitcfg_free(bits);
        net_free(net);
    }
    ck_assert_int_gt(ties, 0); /* the nudge is needed */
}
END_TEST

/* An export read back (exec_qmodel_load_onnx) and calibrated on the same images is the same
 * model: weights, biases and requantizations equal, the file's multipliers confirmed; other
 * calibration images, a file that is no apsim export and wider weights are errors. */
START_TEST(test_export_read_back)
{
    net_network *net = NULL;
    net_bitcfg *bits = NULL, *bits4 = NULL;
    exec_qmodel *qm = make_model("fmnist_cnn", "int8", &net, &bits), *back = NULL;
    char path[256];
    tmp_path(path, sizeof path, "back.onnx");
    ck_assert_int_eq(exec_qmodel_export_onnx(qm, path), BASE_OK);
    size_t n = 4, hw = (size_t)net->h_in * (size_t)net->w_in;
    int32_t *in = base_malloc(2 * n * hw * sizeof *in);
    ck_assert_ptr_nonnull(in);
    exec_infer_synthetic_input(net, bits->input_bits, 11, n, in); /* make_model's images */
    ck_assert_int_eq(exec_qmodel_new(net, bits, &back), BASE_OK);
    ck_assert_msg(exec_qmodel_load_onnx(back, path) == BASE_OK, "%s", base_last_error());
    ck_assert_int_eq(exec_qmodel_calibrate(back, in, n), BASE_OK);
    ck_assert_msg(exec_qmodel_check_onnx(back, path) == BASE_OK, "%s", base_last_error());
    for (size_t li = 0; li < net->n_layers; li++) {
        const exec_qlayer *a = &qm->layers[li], *b = &back->layers[li];
        ck_assert_mem_eq(&a->rq, &b->rq, sizeof a->rq);
        if (!net_kind_has_weights(net->layers[li].kind))
            continue;
        size_t k = (size_t)exec_layer_k(&net->layers[li]) * (size_t)net->layers[li].c_out;
        ck_assert_mem_eq(a->weight, b->weight, k * sizeof *a->weight);
        ck_assert_mem_eq(a->bias, b->bias, (size_t)net->layers[li].c_out * sizeof *a->bias);
    }
    /* Calibrated on other images, the multipliers disagree with the file's. */
    exec_infer_synthetic_input(net, bits->input_bits, 99, 2 * n, in);
    ck_assert_int_eq(exec_qmodel_calibrate(back, in, 2 * n), BASE_OK);
    ck_assert_int_eq(exec_qmodel_check_onnx(back, path), BASE_EINVAL);
    ck_assert_ptr_nonnull(strstr(base_last_error(), "not exported by apsim"));
    exec_qmodel_free(back);
    /* Not an apsim export of this network; weights wider than int4. */
    ck_assert_int_eq(exec_qmodel_new(net, bits, &back), BASE_OK);
    ck_assert_int_eq(exec_qmodel_load_onnx(back, "tests/data/onnx_small_qdq.onnx"), BASE_ESHAPE);
    exec_qmodel_free(back);
    ck_assert_int_eq(net_bitcfg_resolve("int4", net, &bits4), BASE_OK);
    ck_assert_int_eq(exec_qmodel_new(net, bits4, &back), BASE_OK);
    ck_assert_int_eq(exec_qmodel_load_onnx(back, path), BASE_ERANGE);
    exec_qmodel_free(back);
    ck_assert_int_eq(exec_qmodel_new(net, bits, &back), BASE_OK);
    ck_assert_int_eq(exec_qmodel_load_onnx(back, "/nonexistent.onnx"), BASE_ENOTFOUND);
    exec_qmodel_free(back);
    remove(path);
    base_free(in);
    exec_qmodel_free(qm);
    net_bitcfg_free(bits4);
    net_bitcfg_free(bits);
    net_free(net);
}
END_TEST

/* The writer's own checks on a hand-made description. */
START_TEST(test_export_writer_errors)
{
    static const int32_t w[4] = {1, -128, 127, 0}, big[4] = {1, 200, 0, 0}, bias[2] = {5, -5};
    net_qx_layer l[2] = {
        {.op = NET_QX_FLATTEN, .name = "flat"},
        {.op = NET_QX_FC,
         .name = "fc",
         .c_in = 2,
         .c_out = 2,
         .weight = w,
         .bias = bias,
         .w_scale = 0.5f,
         .y_scale = 0.25f},
    };
    net_qexport q = {.name = "tiny",
                     .c_in = 2,
                     .h_in = 1,
                     .w_in = 1,
                     .in_scale = 0.5f,
                     .n_layers = 2,
                     .layers = l};
    char path[256];
    tmp_path(path, sizeof path, "tiny.onnx");
    ck_assert_msg(net_onnx_export(&q, path) == BASE_OK, "%s", base_last_error());
    net_network *back = NULL;
    ck_assert_msg(net_onnx_load(path, &back) == BASE_OK, "%s", base_last_error());
    ck_assert_uint_eq(back->n_layers, 2);
    ck_assert_int_eq(back->layers[1].kind, NET_FC);
    ck_assert_int_eq(back->layers[1].has_bias, 1);
    net_free(back);
    remove(path);

    l[1].weight = big; /* outside int8 */
    ck_assert_int_eq(net_onnx_export(&q, path), BASE_EINVAL);
    ck_assert_ptr_nonnull(strstr(base_last_error(), "outside int8"));
    l[1].weight = w;
    l[1].y_scale = -1.0f; /* not a positive scale */
    ck_assert_int_eq(net_onnx_export(&q, path), BASE_EINVAL);
    l[1].y_scale = 0.25f;
    q.n_layers = 1; /* the last layer is no fc */
    ck_assert_int_eq(net_onnx_export(&q, path), BASE_EINVAL);
    ck_assert_ptr_nonnull(strstr(base_last_error(), "last layer"));
    q.n_layers = 0;
    ck_assert_int_eq(net_onnx_export(&q, path), BASE_EINVAL);
    ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

Suite *export_suite(void)
{
    Suite *s = suite_create("export");
    TCase *tc = tcase_create("export");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_export_round_trip_int8);
    tcase_add_test(tc, test_export_round_trip_int4);
    tcase_add_test(tc, test_export_deterministic);
    tcase_add_test(tc, test_export_errors);
    tcase_add_test(tc, test_export_writer_errors);
    tcase_add_test(tc, test_export_scales_exact);
    tcase_add_test(tc, test_export_tie_nudge);
    tcase_add_test(tc, test_export_read_back);
    suite_add_tcase(s, tc);
    return s;
}
