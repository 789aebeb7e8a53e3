/* check_accel.c - the rival-accelerator models: headline ratios with the committed calibrated
 * parameters (within 10%), precision rules, strict parameter/workload loading and the GSL
 * calibration; a fresh fit reproduces the committed accel/calibrated/<model>.yaml (rewritten by
 * `apsim calibrate`, docs/ACCEL.md). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "accel/accel.h"

Suite *accel_suite(void);

#define WL_DIR "accel/workloads"
static const char *const model_names[] = {"sparq", "potacc", "bitsys", "axbxp"};

static const acc_model *model(const char *name)
{
    const acc_model *m = NULL;
    ck_assert_int_eq(acc_model_find(name, &m), BASE_OK);
    return m;
}

static acc_params *params(const char *name, int calibrated)
{
    char path[128];
    snprintf(path, sizeof path, calibrated ? "accel/calibrated/%s.yaml" : "accel/%s.yaml", name);
    acc_params *p = NULL;
    base_status st = acc_params_load(model(name), path, &p);
    ck_assert_msg(st == BASE_OK, "%s", base_last_error());
    return p;
}

static acc_workload *workload(const char *name)
{
    char path[128];
    snprintf(path, sizeof path, WL_DIR "/%s.yaml", name);
    acc_workload *w = NULL;
    base_status st = acc_workload_load(path, &w);
    ck_assert_msg(st == BASE_OK, "%s", base_last_error());
    return w;
}

/* Within 10% of the published figure. */
static void near_headline(double got, double paper, const char *what)
{
    ck_assert_msg(fabs(got / paper - 1.0) <= 0.10, "%s: model %.4f vs paper %.4f", what, got,
                  paper);
}

/* Baseline / design ratio of a network (metric 0: latency, 1: energy). */
static double net_ratio(const char *mname, acc_params *p, const char *baseline, const acc_layer *l,
                        size_t n, int energy)
{
    acc_cost d, b;
    ck_assert_int_eq(acc_network_cost(model(mname), p, l, n, &d), BASE_OK);
    ck_assert_int_eq(acc_network_baseline_cost(model(mname), p, baseline, l, n, &b), BASE_OK);
    return energy ? b.energy_pj / d.energy_pj : b.latency_ns / d.latency_ns;
}

/* ---- headlines -------------------------------------------------------------------------- */

START_TEST(test_sparq_headline_conv7x7)
{
    acc_params *p = params("sparq", 1);
    acc_layer l;
    const unsigned bits[2] = {2, 4};
    const double paper[2] = {3.2, 1.7};
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(acc_layer_init_conv(&l, "conv7x7", 1, 128, 128, 128, 128, 7, 7, 1, 3, 1,
                                             bits[i], bits[i]),
                         BASE_OK);
        near_headline(net_ratio("sparq", p, "conv16", &l, 1, 0), paper[i], "sparq speed-up");
    }
    acc_params_free(p);
}
END_TEST

static const char *const cnns[] = {"alexnet", "resnet50", "mobilenetv2"};

START_TEST(test_potacc_headline_three_cnns)
{
    acc_params *p = params("potacc", 1);
    double sum[4] = {0, 0, 0, 0};
    for (int i = 0; i < 3; i++) {
        acc_workload *w = workload(cnns[i]);
        size_t n;
        const acc_layer *src = acc_workload_layers(w, &n);
        acc_layer *l = malloc(n * sizeof *l);
        memcpy(l, src, n * sizeof *l);
        for (size_t j = 0; j < n; j++)
            l[j].w_bits = 4; /* PoT weights; activations stay int8 */
        sum[0] += net_ratio("potacc", p, "mult", l, n, 0);
        sum[1] += net_ratio("potacc", p, "mult", l, n, 1);
        sum[2] += net_ratio("potacc", p, "cpu", l, n, 0);
        sum[3] += net_ratio("potacc", p, "cpu", l, n, 1);
        free(l);
        acc_workload_free(w);
    }
    near_headline(sum[0] / 3, 1.23, "potacc speed-up vs multiplier accelerator");
    near_headline(sum[1] / 3, 1.24, "potacc energy vs multiplier accelerator");
    near_headline(sum[2] / 3, 2.46, "potacc speed-up vs CPU-only");
    near_headline(sum[3] / 3, 1.83, "potacc energy vs CPU-only");
    acc_params_free(p);
}
END_TEST

START_TEST(test_bitsys_headline_mixed_mnist)
{
    static const char *const nets[] = {"mnist_fc_a", "mnist_fc_b", "mnist_fc_c", "mnist_fc_d"};
    acc_params *p = params("bitsys", 1);
    for (int i = 0; i < 4; i++) {
        acc_workload *w = workload(nets[i]);
        size_t n;
        const acc_layer *l = acc_workload_layers(w, &n);
        double s = net_ratio("bitsys", p, "mult8", l, n, 0);
        ck_assert_msg(s >= 1.3185 * 0.9 && s <= 3.5671 * 1.1, "%s: speed-up %.4f", nets[i], s);
        acc_workload_free(w);
    }
    acc_params_free(p);
}
END_TEST

START_TEST(test_axbxp_headline_per_network)
{
    acc_params *p = params("axbxp", 1);
    for (int i = 0; i < 3; i++) {
        acc_workload *w = workload(cnns[i]);
        size_t n;
        const acc_layer *l = acc_workload_layers(w, &n);
        ck_assert_int_eq(acc_params_select_network(p, cnns[i]), BASE_OK);
        double e = net_ratio("axbxp", p, "fxp8", l, n, 1);
        double s = net_ratio("axbxp", p, "fxp8", l, n, 0);
        ck_assert_msg(e >= 1.11 * 0.9 && e <= 1.34 * 1.1, "%s: energy %.4f", cnns[i], e);
        ck_assert_msg(s >= 1.29 * 0.9 && s <= 1.6 * 1.1, "%s: performance %.4f", cnns[i], s);
        acc_workload_free(w);
    }
    acc_params_free(p);
}
END_TEST

/* Every target in every calibrated file, evaluated through acc_target_eval. */
START_TEST(test_targets_within_ten_percent)
{
    const char *name = model_names[_i];
    acc_params *p = params(name, 1);
    for (size_t t = 0; t < acc_params_n_targets(p); t++) {
        const char *tn;
        double lo, hi, mean, per[8];
        size_t nw;
        ck_assert_int_eq(acc_target_info(p, t, &tn, NULL, &lo, &hi, &nw), BASE_OK);
        ck_assert_uint_le(nw, 8);
        ck_assert_int_eq(acc_target_eval(model(name), p, t, WL_DIR, &mean, per), BASE_OK);
        if (lo == hi)
            near_headline(mean, lo, tn);
        else
            for (size_t w = 0; w < nw; w++)
                ck_assert_msg(per[w] >= 0.9 * lo && per[w] <= 1.1 * hi, "%s[%zu] = %.4f", tn, w,
                              per[w]);
    }
    acc_params_free(p);
}
END_TEST

/* ---- calibration -------------------------------------------------------------------------- */

static char tmpdir[64];

static void tmp_setup(void)
{
    strcpy(tmpdir, "/tmp/check_accel.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmp_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static const char *write_tmp(const char *file, const char *text)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, file);
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    fclose(fp);
    return path;
}

/* Reads a whole (small) file into a static buffer. */
static const char *slurp(const char *path)
{
    static char text[16384];
    FILE *fp = fopen(path, "r");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    size_t len = fread(text, 1, sizeof text - 1, fp);
    ck_assert(!ferror(fp) && feof(fp));
    fclose(fp);
    text[len] = '\0';
    return text;
}

/* Refits every model from its shipped parameter file (as `apsim calibrate` does): the
 * committed calibrated file holds the same values, and the file written for the fit into a
 * temporary directory is byte-identical to it. */
START_TEST(test_calibrate_matches_committed)
{
    const char *name = model_names[_i];
    acc_params *p = NULL;
    acc_fit *fit = NULL;
    base_status st = acc_calib_fit_shipped(model(name), &p, &fit);
    ck_assert_msg(st == BASE_OK, "%s", base_last_error());
    char committed[128], out[128];
    ck_assert_int_eq(acc_calib_path(p, NULL, committed, sizeof committed), BASE_OK);
    snprintf(out, sizeof out, "accel/calibrated/%s.yaml", name);
    ck_assert_str_eq(committed, out);
    acc_calib_diff d;
    ck_assert_int_eq(acc_calib_compare(p, committed, &d), BASE_OK);
    ck_assert_msg(d.same, "%s.%s: refit %.9g, committed %.9g", name, d.param ? d.param : "-",
                  d.fresh, d.committed);
    ck_assert_double_le(d.max_rel, ACC_CALIB_REL_TOL);
    ck_assert_int_eq(d.param == NULL, strcmp(name, "bitsys") == 0); /* no free parameters */
    if (strcmp(name, "bitsys") != 0)
        ck_assert_double_lt(acc_fit_residual(fit), 1e-6);

    ck_assert_int_eq(acc_calib_path(p, tmpdir, out, sizeof out), BASE_OK);
    ck_assert_int_eq(acc_calib_write(model(name), p, fit, out), BASE_OK);
    static char want[16384];
    snprintf(want, sizeof want, "%s", slurp(committed));
    ck_assert_str_eq(slurp(out), want);
    acc_fit_free(fit);
    acc_params_free(p);
}
END_TEST

/* A calibrated file that differs from a fresh fit, or whose free value is not from a fit, is
 * reported as a result; a file that does not load is an error. */
START_TEST(test_calibrate_compare_differs)
{
    acc_params *p = NULL;
    acc_fit *fit = NULL;
    ck_assert_int_eq(acc_calib_fit_shipped(model("sparq"), &p, &fit), BASE_OK);
    /* tmpdir/sparq.yaml is the base "../sparq.yaml" of tmpdir/cal/sparq.yaml. */
    static char base[16384];
    snprintf(base, sizeof base, "%s", slurp("accel/sparq.yaml"));
    write_tmp("sparq.yaml", base);
    char dir[128], path[160];
    snprintf(dir, sizeof dir, "%s/cal", tmpdir);
    ck_assert_int_eq(base_mkdir_p(dir), BASE_OK);
    ck_assert_int_eq(acc_calib_path(p, dir, path, sizeof path), BASE_OK);
    ck_assert_int_eq(acc_calib_write(model("sparq"), p, fit, path), BASE_OK);
    acc_calib_diff d;
    ck_assert_int_eq(acc_calib_compare(p, path, &d), BASE_OK);
    ck_assert(d.same);
    double v;
    ck_assert_int_eq(acc_params_get(p, "unpack_cycles", &v, NULL), BASE_OK);
    ck_assert_int_eq(acc_params_set(p, "unpack_cycles", v * 1.001), BASE_OK);
    ck_assert_int_eq(acc_calib_compare(p, path, &d), BASE_OK);
    ck_assert(!d.same && !d.unfitted);
    ck_assert_str_eq(d.param, "unpack_cycles");
    ck_assert_double_eq_tol(d.max_rel, 0.001 / 1.001, 1e-7);
    ck_assert_double_eq_tol(d.committed / v, 1, 1e-8);
    /* A base parameter file as the "calibrated" file: its values are not from a fit. */
    ck_assert_int_eq(acc_calib_compare(p, "accel/sparq.yaml", &d), BASE_OK);
    ck_assert(!d.same && d.unfitted);
    ck_assert_int_eq(acc_calib_compare(p, "/nonexistent/sparq.yaml", &d), BASE_ENOTFOUND);
    ck_assert_int_eq(acc_calib_path(p, tmpdir, path, 8), BASE_ERANGE);
    ck_assert_str_eq(base_last_error(), "error: path of the calibrated sparq file is too long");
    ck_assert_int_eq(acc_calib_write(model("sparq"), NULL, fit, path), BASE_EINVAL);
    acc_params *q = p;
    acc_fit *f = fit;
    ck_assert_int_eq(acc_calib_fit_shipped(NULL, &q, &f), BASE_EINVAL);
    ck_assert(q == NULL && f == NULL);
    acc_fit_free(fit);
    acc_params_free(p);
}
END_TEST

/* A PoTAcc file whose targets are the ratios of known parameters: the fit recovers them. */
START_TEST(test_calibrate_recovers_known_params)
{
    static const char *const names[] = {"shift_macs_per_unit_cycle", "cpu_gemm_macs_per_ns",
                                        "fpga_static_mw", "e_shift_mac_pj"};
    static const double truth[] = {96.0, 3.5, 450.0, 1.75};
    acc_params *p = params("potacc", 0);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(acc_params_set(p, names[i], truth[i]), BASE_OK);
    double r[4];
    for (size_t t = 0; t < 4; t++)
        ck_assert_int_eq(acc_target_eval(model("potacc"), p, t, WL_DIR, &r[t], NULL), BASE_OK);
    acc_params_free(p);

    FILE *in = fopen("accel/potacc.yaml", "r");
    ck_assert_ptr_nonnull(in);
    static char text[16384];
    size_t len = fread(text, 1, sizeof text - 1, in);
    fclose(in);
    text[len] = '\0';
    char *cal = strstr(text, "calibration:");
    ck_assert_ptr_nonnull(cal);
    snprintf(cal, sizeof text - (size_t)(cal - text),
             "calibration:\n  free: [%s, %s, %s, %s]\n  targets:\n"
             "    - {name: a, baseline: mult, metric: speedup, workloads: [alexnet, resnet50, "
             "mobilenetv2], "
             "bits: [8, 4], ratio: %.12g, source: synthetic}\n"
             "    - {name: b, baseline: mult, metric: energy, workloads: [alexnet, resnet50, "
             "mobilenetv2], "
             "bits: [8, 4], ratio: %.12g, source: synthetic}\n"
             "    - {name: c, baseline: cpu, metric: speedup, workloads: [alexnet, resnet50, "
             "mobilenetv2], "
             "bits: [8, 4], ratio: %.12g, source: synthetic}\n"
             "    - {name: d, baseline: cpu, metric: energy, workloads: [alexnet, resnet50, "
             "mobilenetv2], "
             "bits: [8, 4], ratio: %.12g, source: synthetic}\n",
             names[0], names[1], names[2], names[3], r[0], r[1], r[2], r[3]);
    ck_assert_int_eq(acc_params_load(model("potacc"), write_tmp("syn.yaml", text), &p), BASE_OK);
    acc_fit *fit = NULL;
    ck_assert_int_eq(acc_calibrate(model("potacc"), p, WL_DIR, &fit), BASE_OK);
    for (int i = 0; i < 4; i++) {
        double v;
        ck_assert_int_eq(acc_params_get(p, names[i], &v, NULL), BASE_OK);
        ck_assert_msg(fabs(v / truth[i] - 1) < 1e-4, "%s: %.9g vs %.9g", names[i], v, truth[i]);
    }
    ck_assert_double_lt(acc_fit_residual(fit), 1e-8);
    ck_assert_uint_gt(acc_fit_n_iter(fit), 0);
    /* Written and read back as a calibrated file over the synthetic base. */
    char out[128];
    snprintf(out, sizeof out, "%s/syn_cal.yaml", tmpdir);
    ck_assert_int_eq(acc_fit_write(model("potacc"), p, fit, "syn.yaml", out), BASE_OK);
    acc_params *q = NULL;
    ck_assert_int_eq(acc_params_load(model("potacc"), out, &q), BASE_OK);
    double v;
    ck_assert_int_eq(acc_params_get(q, names[2], &v, NULL), BASE_OK);
    ck_assert_double_eq_tol(v, 450.0, 0.05);
    acc_params_free(q);
    /* Paths and target names are written as double-quoted YAML strings. */
    FILE *fp = fopen(out, "r");
    ck_assert_ptr_nonnull(fp);
    len = fread(text, 1, sizeof text - 1, fp);
    text[len] = '\0';
    fclose(fp);
    ck_assert(strstr(text, "\nbase: \"syn.yaml\"\n") != NULL);
    ck_assert(strstr(text, "    - {name: \"a\", paper: ") != NULL);
    ck_assert(strstr(text, "# with: make calibrate") != NULL);
    acc_fit_free(fit);
    acc_params_free(p);
}
END_TEST

START_TEST(test_calibrate_errors)
{
    acc_params *p = params("sparq", 0);
    acc_fit *fit = NULL;
    ck_assert_int_eq(acc_calibrate(model("sparq"), p, "/nonexistent", &fit), BASE_ENOTFOUND);
    ck_assert_str_eq(base_last_error(),
                     "/nonexistent/sparq_conv7x7.yaml: error: cannot open: No such file or "
                     "directory");
    ck_assert_ptr_null(fit);
    ck_assert_int_eq(acc_calibrate(model("potacc"), p, WL_DIR, &fit), BASE_EINVAL);
    ck_assert_str_eq(base_last_error(), "error: parameters for 'sparq' used with model 'potacc'");
    ck_assert_int_eq(acc_target_info(p, 7, NULL, NULL, NULL, NULL, NULL), BASE_ERANGE);
    ck_assert_str_eq(base_last_error(), "error: sparq has 2 targets, no target 7");
    double mean;
    ck_assert_int_eq(acc_target_eval(model("sparq"), p, 2, WL_DIR, &mean, NULL), BASE_ERANGE);
    ck_assert_int_eq(acc_fit_write(model("potacc"), p, NULL, "a", "b"), BASE_EINVAL);
    ck_assert_int_eq(acc_calibrate(model("sparq"), p, WL_DIR, &fit), BASE_OK);
    ck_assert_int_eq(acc_fit_write(model("sparq"), p, fit, "../sparq.yaml", "/nonexistent/x.yaml"),
                     BASE_EIO);
    ck_assert_str_eq(base_last_error(), "/nonexistent/x.yaml: error: cannot write: No such file "
                                        "or directory");
    acc_fit_free(fit);
    acc_fit_free(NULL);
    acc_params_free(p);
}
END_TEST

START_TEST(test_calibrate_out_of_memory)
{
    acc_params *p = params("sparq", 0);
    for (long n = 1; n < 400; n++) {
        acc_fit *fit = NULL;
        base_alloc_fail_after(n);
        base_status st = acc_calibrate(model("sparq"), p, WL_DIR, &fit);
        base_alloc_fail_reset();
        if (st == BASE_OK) {
            acc_fit_free(fit);
            acc_params_free(p);
            return;
        }
        ck_assert_int_eq(st, BASE_ENOMEM);
        ck_assert_ptr_null(fit);
    }
    ck_abort_msg("calibration never succeeded");
}
END_TEST

/* ---- precision rules ------------------------------------------------------------------------ */

static const char *fc_path(const char *mname, acc_params *p, unsigned a, unsigned w,
                           base_status want)
{
    acc_layer l;
    ck_assert_int_eq(acc_layer_init_fc(&l, "fc", 1, 300, 20, a, w), BASE_OK);
    acc_cost c;
    base_status st = acc_layer_cost(model(mname), p, &l, &c);
    ck_assert_msg(st == want, "A%uW%u: %s", a, w, base_last_error());
    return st == BASE_OK ? c.path : NULL;
}

static const struct {
    unsigned a, w;
    const char *path;
} sparq_rules[] = {
    {1, 1, "8-bit packed"},  {2, 1, "8-bit packed"},  {1, 2, "8-bit packed"},
    {2, 2, "16-bit packed"}, {3, 3, "16-bit packed"}, {4, 2, "16-bit packed"},
    {3, 4, "16-bit packed"}, {5, 2, "16-bit packed"}, {1, 3, "16-bit packed"},
    {4, 4, "16-bit"},        {8, 1, "16-bit"},        {8, 8, "16-bit"},
    {16, 16, "16-bit"},      {6, 2, "16-bit"},
};

START_TEST(test_sparq_container_rule)
{
    acc_params *p = params("sparq", 1);
    ck_assert_str_eq(fc_path("sparq", p, sparq_rules[_i].a, sparq_rules[_i].w, BASE_OK),
                     sparq_rules[_i].path);
    acc_params_free(p);
}
END_TEST

START_TEST(test_sparq_packing_speeds_up)
{
    acc_params *p = params("sparq", 1);
    acc_layer l;
    acc_cost c1, c2, c4, b;
    ck_assert_int_eq(acc_layer_init_conv(&l, "c", 1, 64, 32, 32, 64, 3, 3, 1, 1, 1, 1, 1), BASE_OK);
    ck_assert_int_eq(acc_layer_cost(model("sparq"), p, &l, &c1), BASE_OK);
    l.a_bits = l.w_bits = 2;
    ck_assert_int_eq(acc_layer_cost(model("sparq"), p, &l, &c2), BASE_OK);
    l.a_bits = l.w_bits = 4;
    ck_assert_int_eq(acc_layer_cost(model("sparq"), p, &l, &c4), BASE_OK);
    ck_assert_int_eq(acc_baseline_cost(model("sparq"), p, "conv16", &l, &b), BASE_OK);
    ck_assert_double_lt(c1.latency_ns, c2.latency_ns);
    ck_assert_double_lt(c2.latency_ns, c4.latency_ns);
    ck_assert_double_lt(c4.latency_ns, b.latency_ns);
    ck_assert_uint_eq(c2.n_macs, 64ull * 64 * 9 * 32 * 32);
    ck_assert_double_eq_tol(c2.latency_ns, c2.n_cycles, 1e-6); /* 1 GHz */
    acc_params_free(p);
}
END_TEST

START_TEST(test_potacc_weight_path_rule)
{
    acc_params *p = params("potacc", 1);
    for (unsigned w = 1; w <= 8; w++)
        ck_assert_str_eq(fc_path("potacc", p, 8, w, BASE_OK),
                         w <= 4 ? "PoT shift-PE" : "int8 multiplier");
    fc_path("potacc", p, 9, 4, BASE_EUNSUPPORTED);
    ck_assert_str_eq(base_last_error(), "error: potacc: layer 'fc' A9W4: the datapath takes int8 "
                                        "activations and at most 8-bit weights");
    fc_path("potacc", p, 8, 12, BASE_EUNSUPPORTED);
    /* Activations are int8 on this datapath: fewer activation bits cost the same. */
    acc_layer l;
    acc_cost a2, a8;
    ck_assert_int_eq(acc_layer_init_conv(&l, "c", 1, 32, 28, 28, 64, 3, 3, 1, 1, 1, 2, 4), BASE_OK);
    ck_assert_int_eq(acc_layer_cost(model("potacc"), p, &l, &a2), BASE_OK);
    l.a_bits = 8;
    ck_assert_int_eq(acc_layer_cost(model("potacc"), p, &l, &a8), BASE_OK);
    ck_assert_double_eq_tol(a2.latency_ns, a8.latency_ns, 1e-9);
    ck_assert_double_eq_tol(a2.energy_pj, a8.energy_pj, 1e-6);
    /* Depthwise convolutions stay on the CPU. */
    ck_assert_int_eq(acc_layer_init_conv(&l, "dw", 1, 32, 28, 28, 32, 3, 3, 1, 1, 32, 8, 4),
                     BASE_OK);
    ck_assert_int_eq(acc_layer_cost(model("potacc"), p, &l, &a2), BASE_OK);
    ck_assert_str_eq(a2.path, "CPU (grouped conv)");
    ck_assert_int_eq(acc_baseline_cost(model("potacc"), p, "cpu", &l, &a8), BASE_OK);
    ck_assert_str_eq(a8.path, "CPU-only");
    ck_assert_double_eq_tol(a2.latency_ns, a8.latency_ns, 1e-9);
    acc_params_free(p);
}
END_TEST

START_TEST(test_bitsys_precision_rule)
{
    acc_params *p = params("bitsys", 1);
    static const char *const want[] = {"",         "1-bit x8", "2-bit x4", "4-bit x2", "4-bit x2",
                                       "8-bit x1", "8-bit x1", "8-bit x1", "8-bit x1"};
    for (unsigned b = 1; b <= 8; b++) {
        ck_assert_str_eq(fc_path("bitsys", p, b, 1, BASE_OK), want[b]);
        ck_assert_str_eq(fc_path("bitsys", p, 1, b, BASE_OK), want[b]);
    }
    fc_path("bitsys", p, 9, 2, BASE_EUNSUPPORTED);
    ck_assert_str_eq(base_last_error(),
                     "error: bitsys: layer 'fc' A9W2: the 8x8 bit-PE grid takes at most 8 bits");
    /* FC 300 -> 20 at p = 2: ceil(20/16) = 2 column tiles x ceil(300/4) = 75 cycles + 17 fill. */
    acc_layer l;
    acc_cost c;
    ck_assert_int_eq(acc_layer_init_fc(&l, "fc", 1, 300, 20, 2, 2), BASE_OK);
    ck_assert_int_eq(acc_layer_cost(model("bitsys"), p, &l, &c), BASE_OK);
    ck_assert_double_eq_tol(c.n_cycles, 2 * 75 + 17, 1e-9);
    ck_assert_double_eq_tol(c.latency_ns, (2 * 75 + 17) * 4.0, 1e-9);
    ck_assert_int_eq(acc_baseline_cost(model("bitsys"), p, "mult8", &l, &c), BASE_OK);
    ck_assert_double_eq_tol(c.n_cycles, 2 * 300 + 5, 1e-9);
    acc_params_free(p);
}
END_TEST

START_TEST(test_axbxp_block_configs)
{
    const char *path = write_tmp(
        "ax.yaml",
        "model: axbxp\nprovenance: test\nparams:\n"
        "  clock_mhz: {value: 500, source: t}\n  operand_bits: {value: 8, source: t}\n"
        "  block_bits: {value: 4, source: t}\n  n_pe: {value: 4, source: t}\n"
        "  block_mults_per_pe: {value: 4, source: t}\n"
        "  compose_slots_per_mac: {value: 0.5, source: t}\n"
        "  mem_bits_per_cycle: {value: 64, source: t}\n"
        "  e_block_product_pj: {value: 0.3, source: t}\n  e_mult8_pj: {value: 1.1, source: t}\n"
        "  e_mem_pj_per_bit: {value: 0.01, source: t}\n"
        "  mode_switch_cycles: {value: 16, source: t}\n"
        "configs:\n  default: {pairs: [[0, 0], [0, 1], [1, 0], [1, 1]]}\n"
        "  netx:\n    pairs: [[0, 0], [1, 0]]\n    layers: {fc2: {pairs: [[0, 0]]}}\n");
    acc_params *p = NULL;
    ck_assert_int_eq(acc_params_load(model("axbxp"), path, &p), BASE_OK);
    acc_layer l[2];
    acc_cost c;
    ck_assert_int_eq(acc_layer_init_fc(&l[0], "fc1", 1, 64, 32, 8, 8), BASE_OK);
    ck_assert_int_eq(acc_layer_init_fc(&l[1], "fc2", 1, 64, 32, 8, 8), BASE_OK);
    /* default: 4 pairs, K = 4: compute 2048 * 4.5 / 16 = 576, memory (512*8 + 64*8 + 32*8)/64. */
    ck_assert_int_eq(acc_layer_cost(model("axbxp"), p, &l[0], &c), BASE_OK);
    ck_assert_double_eq_tol(c.n_cycles, 576 + (2048.0 * 8 + 512 + 256) / 64, 1e-9);
    ck_assert_double_eq_tol(c.energy_pj, 2048 * 4 * 0.3 + (2048.0 * 8 + 512 + 256) * 0.01, 1e-9);
    ck_assert_int_eq(acc_params_select_network(p, "netx"), BASE_OK);
    /* netx: pairs (0,0), (1,0): both activation blocks, the weights' high block only. */
    ck_assert_int_eq(acc_layer_cost(model("axbxp"), p, &l[0], &c), BASE_OK);
    ck_assert_double_eq_tol(c.n_cycles, 2048 * 2.5 / 16 + (2048.0 * 4 + 512 + 256) / 64, 1e-9);
    /* Per-layer override of fc2: one pair, 4-bit activations and weights. */
    ck_assert_int_eq(acc_layer_cost(model("axbxp"), p, &l[1], &c), BASE_OK);
    ck_assert_double_eq_tol(c.n_cycles, 2048 * 1.5 / 16 + (2048.0 * 4 + 256 + 256) / 64, 1e-9);
    acc_cost sw, net;
    ck_assert_int_eq(acc_mode_switch_cost(model("axbxp"), p, &l[0], &l[1], &sw), BASE_OK);
    ck_assert_double_eq_tol(sw.n_cycles, 16, 1e-12);
    ck_assert_int_eq(acc_network_cost(model("axbxp"), p, l, 2, &net), BASE_OK);
    ck_assert_double_eq_tol(net.n_cycles,
                            2048 * 2.5 / 16 + (2048.0 * 4 + 768) / 64 + 2048 * 1.5 / 16 +
                                (2048.0 * 4 + 512) / 64 + 16,
                            1e-9);
    ck_assert_uint_eq(net.n_macs, 4096);
    /* 4-bit activations have one block: the pairs on block 1 drop out. */
    l[0].a_bits = 4;
    ck_assert_int_eq(acc_params_select_network(p, NULL), BASE_OK);
    ck_assert_int_eq(acc_layer_cost(model("axbxp"), p, &l[0], &c), BASE_OK);
    ck_assert_double_eq_tol(c.n_cycles, 2048 * 2.5 / 16 + (2048.0 * 8 + 256 + 256) / 64, 1e-9);
    l[0].a_bits = 12;
    ck_assert_int_eq(acc_layer_cost(model("axbxp"), p, &l[0], &c), BASE_EUNSUPPORTED);
    ck_assert_str_eq(base_last_error(),
                     "error: axbxp: layer 'fc1' A12W8: operands are at most 8 bits");
    /* The override of a layer the network does not have is an error at network cost. */
    acc_layer other[2];
    ck_assert_int_eq(acc_layer_init_fc(&other[0], "fc1", 1, 64, 32, 8, 8), BASE_OK);
    ck_assert_int_eq(acc_layer_init_fc(&other[1], "fc3", 1, 64, 32, 8, 8), BASE_OK);
    ck_assert_int_eq(acc_params_select_network(p, "netx"), BASE_OK);
    ck_assert_int_eq(acc_network_cost(model("axbxp"), p, other, 2, &net), BASE_ENOTFOUND);
    char want[512];
    snprintf(want, sizeof want,
             "%s:19:14: error: configs.netx.layers.fc2 names no layer of the network", path);
    ck_assert_str_eq(base_last_error(), want);
    ck_assert_int_eq(acc_network_baseline_cost(model("axbxp"), p, "fxp8", other, 2, &net),
                     BASE_ENOTFOUND);
    l[0].a_bits = 8;
    ck_assert_int_eq(acc_network_cost(model("axbxp"), p, l, 2, &net), BASE_OK);
    /* block_bits and operand_bits were checked against the configs: a file sets them. */
    ck_assert_int_eq(acc_params_set(p, "block_bits", 3), BASE_EINVAL);
    ck_assert_str_eq(base_last_error(),
                     "error: axbxp.block_bits shapes the model's configs and can "
                     "only be set in its parameter file");
    ck_assert_int_eq(acc_params_set(p, "operand_bits", 6), BASE_EINVAL);
    ck_assert_int_eq(acc_params_set(p, "mode_switch_cycles", 8), BASE_OK);
    acc_params_free(p);
}
END_TEST

START_TEST(test_mode_switch_costs)
{
    acc_layer a, b;
    acc_cost c;
    acc_params *p = params("sparq", 1);
    ck_assert_int_eq(acc_layer_init_fc(&a, "a", 1, 64, 64, 2, 2), BASE_OK);
    ck_assert_int_eq(acc_layer_init_fc(&b, "b", 1, 64, 64, 3, 3), BASE_OK);
    ck_assert_int_eq(acc_mode_switch_cost(model("sparq"), p, &a, &b, &c), BASE_OK);
    ck_assert_double_eq_tol(c.n_cycles, 0, 1e-12); /* both 16-bit packed */
    b.a_bits = b.w_bits = 8;
    ck_assert_int_eq(acc_mode_switch_cost(model("sparq"), p, &a, &b, &c), BASE_OK);
    ck_assert_double_eq_tol(c.n_cycles, 4, 1e-12);
    ck_assert_int_eq(acc_mode_switch_cost(model("sparq"), p, NULL, &b, &c), BASE_OK);
    ck_assert_double_eq_tol(c.latency_ns, 0, 1e-12);
    acc_params_free(p);
    p = params("potacc", 1);
    a.w_bits = 4;
    ck_assert_int_eq(acc_mode_switch_cost(model("potacc"), p, &a, &b, &c), BASE_OK);
    ck_assert_double_eq_tol(c.latency_ns, 1000, 1e-9);
    acc_params_free(p);
    p = params("bitsys", 1);
    ck_assert_int_eq(acc_mode_switch_cost(model("bitsys"), p, &a, &b, &c), BASE_OK);
    ck_assert_double_eq_tol(c.n_cycles, 1, 1e-12);
    acc_params_free(p);
}
END_TEST

/* ---- interface and layers ------------------------------------------------------------------- */

START_TEST(test_model_table)
{
    ck_assert_uint_eq(acc_model_count(), 4);
    for (size_t i = 0; i < acc_model_count(); i++) {
        const acc_model *m = acc_model_at(i);
        ck_assert_str_eq(acc_model_name(m), model_names[i]);
        ck_assert_ptr_nonnull(acc_model_title(m));
        ck_assert_uint_ge(acc_model_n_baselines(m), 1);
        ck_assert_ptr_null(acc_model_baseline(m, acc_model_n_baselines(m)));
    }
    ck_assert_ptr_null(acc_model_at(4));
    ck_assert_str_eq(acc_model_baseline(model("potacc"), 1), "cpu");
    const acc_model *m = NULL;
    ck_assert_int_eq(acc_model_find("eyeriss", &m), BASE_ENOTFOUND);
    ck_assert_ptr_null(m);
    ck_assert_str_eq(base_last_error(),
                     "error: unknown accelerator 'eyeriss' (known: sparq, potacc, bitsys, axbxp)");
    ck_assert_int_eq(acc_model_find(NULL, &m), BASE_EINVAL);
}
END_TEST

START_TEST(test_cost_argument_errors)
{
    acc_params *p = params("bitsys", 1);
    acc_layer l;
    acc_cost c;
    ck_assert_int_eq(acc_layer_init_fc(&l, "fc", 1, 64, 10, 4, 4), BASE_OK);
    ck_assert_int_eq(acc_baseline_cost(model("bitsys"), p, "fxp8", &l, &c), BASE_ENOTFOUND);
    ck_assert_str_eq(base_last_error(), "error: bitsys has no baseline 'fxp8'");
    ck_assert_int_eq(acc_layer_cost(model("sparq"), p, &l, &c), BASE_EINVAL);
    ck_assert_str_eq(base_last_error(), "error: parameters for 'bitsys' used with model 'sparq'");
    ck_assert_int_eq(acc_layer_cost(model("bitsys"), p, NULL, &c), BASE_EINVAL);
    ck_assert_int_eq(acc_layer_cost(model("bitsys"), NULL, &l, &c), BASE_EINVAL);
    ck_assert_int_eq(acc_network_cost(model("bitsys"), p, &l, 0, &c), BASE_EINVAL);
    ck_assert_str_eq(base_last_error(), "error: network cost: no layers");
    ck_assert_int_eq(acc_network_cost(model("bitsys"), p, &l, 1, NULL), BASE_EINVAL);
    ck_assert_int_eq(acc_network_baseline_cost(model("bitsys"), p, NULL, &l, 1, &c),
                     BASE_ENOTFOUND);
    acc_layer two[2] = {l, l};
    two[1].a_bits = 12;
    ck_assert_int_eq(acc_network_cost(model("bitsys"), p, two, 2, &c), BASE_EUNSUPPORTED);
    two[1].a_bits = two[1].w_bits = 2;
    ck_assert_int_eq(acc_network_cost(model("bitsys"), p, two, 2, &c), BASE_OK);
    ck_assert_str_eq(c.path, "mixed");
    two[0].m = 3;
    ck_assert_int_eq(acc_mode_switch_cost(model("bitsys"), p, &two[0], &two[1], &c), BASE_ESHAPE);
    double v;
    ck_assert_int_eq(acc_params_get(p, "nope", &v, NULL), BASE_ENOTFOUND);
    ck_assert_int_eq(acc_params_set(p, "nope", 2.0), BASE_ENOTFOUND);
    ck_assert_int_eq(acc_params_set(p, "pe_grid", 99.0), BASE_ERANGE);
    ck_assert_str_eq(base_last_error(), "error: bitsys.pe_grid = 99 is outside 1..64");
    acc_params_free(p);
    acc_params_free(NULL);
}
END_TEST

START_TEST(test_layer_init_and_check)
{
    acc_layer l;
    ck_assert_int_eq(acc_layer_init_conv(&l, "c", 2, 32, 56, 56, 64, 3, 3, 2, 1, 1, 4, 4), BASE_OK);
    ck_assert_int_eq(l.h_out, 28);
    ck_assert_uint_eq(l.m, 2 * 28 * 28);
    ck_assert_uint_eq(l.k, 32 * 9);
    ck_assert_int_eq(acc_layer_check(&l), BASE_OK);
    ck_assert_int_eq(acc_layer_init_conv(&l, "dw", 1, 32, 8, 8, 32, 3, 3, 1, 1, 32, 8, 8), BASE_OK);
    ck_assert_uint_eq(l.k, 9);
    ck_assert_int_eq(acc_layer_init_conv(&l, "g", 1, 30, 8, 8, 32, 3, 3, 1, 1, 4, 8, 8),
                     BASE_EINVAL);
    ck_assert_str_eq(base_last_error(), "error: layer 'g': groups 4 must divide 30 and 32");
    ck_assert_int_eq(acc_layer_init_conv(&l, "k", 1, 3, 4, 4, 8, 7, 7, 1, 1, 1, 8, 8), BASE_EINVAL);
    ck_assert_str_eq(base_last_error(),
                     "error: layer 'k': 7x7 kernel larger than the padded input");
    ck_assert_int_eq(acc_layer_init_conv(&l, NULL, 1, 0, 4, 4, 8, 1, 1, 1, 0, 1, 8, 8),
                     BASE_EINVAL);
    ck_assert_str_eq(base_last_error(),
                     "error: layer '(unnamed)': sizes must be positive (pad >= 0)");
    ck_assert_int_eq(acc_layer_init_fc(&l, "f", 1, 10, 10, 17, 8), BASE_EINVAL);
    ck_assert_str_eq(base_last_error(), "error: layer 'f': bits A17W8 outside 1..16");
    ck_assert_int_eq(acc_layer_init_fc(&l, "f", 0, 10, 10, 8, 8), BASE_EINVAL);
    ck_assert_int_eq(acc_layer_init_fc(&l, "f", 1, 0, 10, 8, 8), BASE_EINVAL);
    ck_assert_int_eq(acc_layer_init_fc(&l, "f", 3, 10, 20, 8, 8), BASE_OK);
    l.k = 11;
    ck_assert_int_eq(acc_layer_check(&l), BASE_ESHAPE);
    ck_assert_str_eq(base_last_error(),
                     "error: layer 'f': GEMM view 3x20x11 disagrees with FC 10->20, batch 3");
    ck_assert_int_eq(acc_layer_init_conv(&l, "c", 1, 8, 8, 8, 8, 3, 3, 1, 1, 1, 8, 8), BASE_OK);
    l.m = 63;
    ck_assert_int_eq(acc_layer_check(&l), BASE_ESHAPE);
    ck_assert_str_eq(base_last_error(), "error: layer 'c': GEMM view 63x8x72 disagrees with the "
                                        "conv shape (want 64x8x72)");
    l.m = 64;
    l.stride = 0;
    ck_assert_int_eq(acc_layer_check(&l), BASE_EINVAL);
    l.stride = 1;
    l.n = 0;
    ck_assert_int_eq(acc_layer_check(&l), BASE_EINVAL);
    ck_assert_int_eq(acc_layer_check(NULL), BASE_EINVAL);
}
END_TEST

START_TEST(test_workloads_load)
{
    acc_workload *w = workload("resnet50");
    size_t n;
    const acc_layer *l = acc_workload_layers(w, &n);
    ck_assert_uint_eq(n, 54);
    uint64_t macs = 0;
    for (size_t i = 0; i < n; i++)
        macs += l[i].m * l[i].n * l[i].k;
    /* pytorchcv / HAWQ-V3: ResNet50 3.86 GMAC. */
    ck_assert_double_eq_tol((double)macs / 1e9, 3.86, 0.01);
    ck_assert_str_eq(acc_workload_name(w), "resnet50");
    ck_assert_str_eq(l[n - 1].name, "fc");
    acc_workload_free(w);
    acc_workload_free(NULL);
    w = workload("mobilenetv2");
    l = acc_workload_layers(w, &n);
    ck_assert_int_eq(l[1].groups, 32);
    acc_workload_free(w);
}
END_TEST

/* ---- loader errors --------------------------------------------------------------------------- */

static const char sparq_head[] = "model: sparq\nprovenance: test\n";
static const char sparq_params[] =
    "params:\n"
    "  clock_ghz: {value: 1.0, source: p}\n  n_lanes: {value: 4, source: p}\n"
    "  macs_lane_cycle_16: {value: 4, source: p}\n"
    "  macs_lane_cycle_packed16: {value: 8, source: p}\n"
    "  macs_lane_cycle_packed8: {value: 16, source: p}\n"
    "  packed16_max_product: {value: 127, source: p}\n"
    "  packed8_max_product: {value: 3, source: p}\n  baseline_bits: {value: 16, source: p}\n"
    "  load_cycles_per_bit: {value: 0.02, source: p}\n  unpack_cycles: {value: 0.02, source: p}\n"
    "  energy_per_cycle_pj: {value: 100, source: p}\n"
    "  mode_switch_cycles: {value: 4, source: p}\n";
static const char sparq_cal[] =
    "calibration:\n  free: [unpack_cycles]\n  targets:\n"
    "    - {name: t, baseline: conv16, metric: speedup, workloads: [sparq_conv7x7], "
    "bits: [2, 2], ratio: 3.2, source: s}\n";

/* A bad file and the exact message its loading must give. Loads "head + params + tail",
 * with `from` in params replaced by `to` when from is not NULL. */
static const struct {
    const char *from, *to, *tail;
    base_status st;
    long line, col;
    const char *msg;
} bad[] = {
    {NULL, NULL, "colour: red\n", BASE_EKEY, 16, 1, "unknown key 'colour' in 'parameter file'"},
    {"  n_lanes: {value: 4, source: p}\n", "  n_lanes: {value: 4, source: p}\n  n_lane: 3\n", "",
     BASE_EKEY, 6, 3, "unknown parameter 'n_lane' for sparq"},
    {"  n_lanes: {value: 4, source: p}\n", "", "", BASE_EKEY, 4, 3,
     "missing parameter 'n_lanes' in 'params'"},
    {"{value: 4, source: p}", "{value: 99, source: p}", "", BASE_ERANGE, 5, 20,
     "value 99 is outside 1..64"},
    {"n_lanes: {value: 4, source: p}", "n_lanes: {value: 4}", "", BASE_EKEY, 5, 12,
     "missing key 'source' in 'n_lanes'"},
    {"n_lanes: {value: 4, source: p}", "n_lanes: {value: 4, source: ''}", "", BASE_EINVAL, 5, 31,
     "empty source for 'n_lanes': give the paper, repo or [est]"},
    {"n_lanes: {value: 4, source: p}", "n_lanes: {value: four, source: p}", "", BASE_ETYPE, 5, 20,
     "expected a number, found 'four'"},
    {"n_lanes: {value: 4, source: p}", "n_lanes: {value: 4, source: p, unit: x}", "", BASE_EKEY, 5,
     34, "unknown key 'unit' in 'n_lanes'"},
    {"n_lanes: {value: 4, source: p}", "n_lanes: {value: 4, value: 5, source: p}", "", BASE_EKEY, 5,
     23, "duplicate key 'value' (first at line 5)"},
    {NULL, NULL, "calibration:\n  free: [unpack]\n  targets: []\n", BASE_EKEY, 17, 10,
     "unknown free parameter 'unpack'"},
    {NULL, NULL, "calibration:\n  free: [unpack_cycles, unpack_cycles]\n  targets: []\n", BASE_EKEY,
     17, 25, "free parameter 'unpack_cycles' listed twice"},
    {NULL, NULL, "calibration:\n  free: [unpack_cycles]\n  targets: []\n", BASE_EINVAL, 17, 3,
     "1 free parameters but only 0 targets"},
    {NULL, NULL,
     "calibration:\n  targets:\n    - {name: t, baseline: conv8, metric: speedup, "
     "workloads: [x], ratio: 2, source: s}\n",
     BASE_ENOTFOUND, 18, 27, "unknown baseline 'conv8' for sparq"},
    {NULL, NULL,
     "calibration:\n  targets:\n    - {name: t, baseline: conv16, metric: edp, "
     "workloads: [x], ratio: 2, source: s}\n",
     BASE_EINVAL, 18, 43, "metric must be 'speedup' or 'energy', found 'edp'"},
    {NULL, NULL,
     "calibration:\n  targets:\n    - {name: t, baseline: conv16, metric: energy, "
     "workloads: [x], ratio: 2, range: [1, 2], source: s}\n",
     BASE_EKEY, 18, 7, "target 't' needs exactly one of 'ratio' and 'range'"},
    {NULL, NULL,
     "calibration:\n  targets:\n    - {name: t, baseline: conv16, metric: energy, "
     "workloads: [x], range: [2, 1], source: s}\n",
     BASE_ERANGE, 18, 74, "range [2, 1] is reversed"},
    {NULL, NULL,
     "calibration:\n  targets:\n    - {name: t, baseline: conv16, metric: energy, "
     "workloads: [x], bits: [2], ratio: 2, source: s}\n",
     BASE_EINVAL, 18, 73, "'bits' must be [a_bits, w_bits]"},
    {NULL, NULL,
     "calibration:\n  targets:\n    - {name: t, baseline: conv16, metric: energy, "
     "workloads: [], ratio: 2, source: s}\n",
     BASE_EINVAL, 18, 62, "'workloads' must not be empty"},
    {NULL, NULL,
     "calibration:\n  targets:\n    - {name: t, baseline: conv16, metric: energy, "
     "workloads: [x], ratio: 2}\n",
     BASE_EKEY, 18, 7, "missing key 'source' in 'target'"},
    {NULL, NULL,
     "calibration:\n  targets:\n    - {name: t, baseline: conv16, metric: energy, "
     "workloads: [x], ratio: 2, source: ''}\n",
     BASE_EINVAL, 18, 85, "target 't': empty source"},
};

START_TEST(test_params_load_errors)
{
    char text[4096], file[32], want[512];
    const char *params_text = sparq_params;
    char replaced[2048];
    if (bad[_i].from) {
        const char *at = strstr(sparq_params, bad[_i].from);
        ck_assert_ptr_nonnull(at);
        snprintf(replaced, sizeof replaced, "%.*s%s%s", (int)(at - sparq_params), sparq_params,
                 bad[_i].to, at + strlen(bad[_i].from));
        params_text = replaced;
    }
    snprintf(text, sizeof text, "%s%s%s", sparq_head, params_text, bad[_i].tail);
    snprintf(file, sizeof file, "bad%d.yaml", _i);
    const char *path = write_tmp(file, text);
    snprintf(want, sizeof want, "%s:%ld:%ld: error: %s", path, bad[_i].line, bad[_i].col,
             bad[_i].msg);
    acc_params *p = (acc_params *)1;
    ck_assert_int_eq(acc_params_load(model("sparq"), path, &p), bad[_i].st);
    ck_assert_ptr_null(p);
    ck_assert_str_eq(base_last_error(), want);
}
END_TEST

START_TEST(test_params_load_file_errors)
{
    char text[4096], want[512];
    acc_params *p = NULL;
    snprintf(text, sizeof text, "%s%s%s", sparq_head, sparq_params, sparq_cal);
    const char *path = write_tmp("good.yaml", text);
    ck_assert_int_eq(acc_params_load(model("sparq"), path, &p), BASE_OK);
    ck_assert_uint_eq(acc_params_n_targets(p), 1);
    acc_params_free(p);
    /* Another model's file. */
    ck_assert_int_eq(acc_params_load(model("bitsys"), path, &p), BASE_EINVAL);
    snprintf(want, sizeof want, "%s:1:8: error: file is for model 'sparq', not 'bitsys'", path);
    ck_assert_str_eq(base_last_error(), want);
    ck_assert_int_eq(acc_params_load(model("sparq"), "/nonexistent/s.yaml", &p), BASE_ENOTFOUND);
    ck_assert_int_eq(acc_params_load(NULL, path, &p), BASE_EINVAL);
    /* Missing provenance. */
    snprintf(text, sizeof text, "model: sparq\n%s", sparq_params);
    path = write_tmp("noprov.yaml", text);
    ck_assert_int_eq(acc_params_load(model("sparq"), path, &p), BASE_EKEY);
    snprintf(want, sizeof want, "%s:1:1: error: missing key 'provenance' in 'parameter file'",
             path);
    ck_assert_str_eq(base_last_error(), want);
    /* Calibrated files: a good one, then bad ones. */
    write_tmp("base.yaml", text);
    snprintf(text, sizeof text, "%s%s%s", sparq_head, sparq_params, sparq_cal);
    write_tmp("base.yaml", text);
    path = write_tmp("cal.yaml", "model: sparq\nprovenance: t\nbase: base.yaml\nfitted:\n"
                                 "  unpack_cycles: {value: 0.5, source: 'fit: t'}\n"
                                 "fit: {residual: 0.01, n_iter: 3, targets: []}\n");
    ck_assert_int_eq(acc_params_load(model("sparq"), path, &p), BASE_OK);
    double v;
    const char *src;
    ck_assert_int_eq(acc_params_get(p, "unpack_cycles", &v, &src), BASE_OK);
    ck_assert_double_eq_tol(v, 0.5, 1e-12);
    ck_assert_str_eq(src, "fit: t");
    acc_params_free(p);
    path = write_tmp("cal2.yaml", "model: sparq\nprovenance: t\nbase: cal.yaml\nfitted: {}\n"
                                  "fit: {residual: 0}\n");
    ck_assert_int_eq(acc_params_load(model("sparq"), path, &p), BASE_EINVAL);
    snprintf(want, sizeof want,
             "%s/cal.yaml:3:7: error: a calibrated file's base must be a "
             "parameter file",
             tmpdir);
    ck_assert_str_eq(base_last_error(), want);
    path = write_tmp("cal3.yaml", "model: sparq\nprovenance: t\nbase: base.yaml\n"
                                  "fitted: {unpack_cycles: {value: 0.5, source: f}}\n"
                                  "fit: {residual: -1}\n");
    ck_assert_int_eq(acc_params_load(model("sparq"), path, &p), BASE_ERANGE);
    snprintf(want, sizeof want, "%s:5:17: error: value -1 is outside 0..1e+09", path);
    ck_assert_str_eq(base_last_error(), want);
    static const struct {
        const char *fit;
        base_status st;
        long line, col;
        const char *msg;
    } fit_bad[] = {
        {"fit: {residual: 0.01, targets: []}\n", BASE_EKEY, 5, 6, "missing key 'n_iter' in 'fit'"},
        {"fit: {residual: 0.01, n_iter: -2, targets: []}\n", BASE_ERANGE, 5, 31,
         "value -2 is outside 0..1000000000"},
        {"fit: {residual: 0.01, n_iter: 3}\n", BASE_EKEY, 5, 6, "missing key 'targets' in 'fit'"},
        {"fit: {residual: 0.01, n_iter: 3, targets: {}}\n", BASE_ETYPE, 5, 43, NULL},
        {"fit: {residual: 0.01, n_iter: 3, targets: [{name: t, paper: 2}]}\n", BASE_EKEY, 5, 44,
         "missing key 'model' in 'fit target'"},
        {"fit: {residual: 0.01, n_iter: 3, targets: [{name: t, paper: x, model: 2}]}\n", BASE_ETYPE,
         5, 61, "expected a number, found 'x'"},
        {"fit: {residual: 0.01, n_iter: 3, targets: [{name: t, paper: 1, model: 2, z: 1}]}\n",
         BASE_EKEY, 5, 74, "unknown key 'z' in 'fit target'"},
    };
    for (size_t i = 0; i < sizeof fit_bad / sizeof fit_bad[0]; i++) {
        char body[512], name[32];
        snprintf(body, sizeof body,
                 "model: sparq\nprovenance: t\nbase: base.yaml\n"
                 "fitted: {unpack_cycles: {value: 0.5, source: f}}\n%s",
                 fit_bad[i].fit);
        snprintf(name, sizeof name, "fit%zu.yaml", i);
        path = write_tmp(name, body);
        ck_assert_int_eq(acc_params_load(model("sparq"), path, &p), fit_bad[i].st);
        ck_assert_ptr_null(p);
        snprintf(want, sizeof want, "%s:%ld:%ld: error: %s", path, fit_bad[i].line, fit_bad[i].col,
                 fit_bad[i].msg ? fit_bad[i].msg : "");
        if (fit_bad[i].msg)
            ck_assert_str_eq(base_last_error(), want);
        else
            ck_assert(strncmp(base_last_error(), want, strlen(want)) == 0);
    }
    path = write_tmp("cal4.yaml", "model: sparq\nprovenance: t\nbase: base.yaml\nfit: {}\n");
    ck_assert_int_eq(acc_params_load(model("sparq"), path, &p), BASE_EKEY);
    snprintf(want, sizeof want, "%s:1:1: error: missing key 'fitted' in 'calibrated file'", path);
    ck_assert_str_eq(base_last_error(), want);
    path = write_tmp("cal5.yaml", "model: sparq\nprovenance: t\nbase: base.yaml\n"
                                  "fitted: {clock: {value: 2, source: f}}\nfit: {}\n");
    ck_assert_int_eq(acc_params_load(model("sparq"), path, &p), BASE_EKEY);
    snprintf(want, sizeof want, "%s:4:10: error: unknown parameter 'clock' for sparq", path);
    ck_assert_str_eq(base_last_error(), want);
}
END_TEST

START_TEST(test_params_load_out_of_memory)
{
    for (long n = 1; n < 2000; n++) {
        acc_params *p = NULL;
        base_alloc_fail_after(n);
        base_status st = acc_params_load(model("axbxp"), "accel/calibrated/axbxp.yaml", &p);
        base_alloc_fail_reset();
        if (st == BASE_OK) {
            acc_params_free(p);
            return;
        }
        ck_assert_int_eq(st, BASE_ENOMEM);
        ck_assert_ptr_null(p);
    }
    ck_abort_msg("loading never succeeded");
}
END_TEST

static const char ax_params[] =
    "model: axbxp\nprovenance: test\nparams:\n"
    "  clock_mhz: {value: 500, source: t}\n  operand_bits: {value: 8, source: t}\n"
    "  block_bits: {value: 4, source: t}\n  n_pe: {value: 4, source: t}\n"
    "  block_mults_per_pe: {value: 4, source: t}\n"
    "  compose_slots_per_mac: {value: 0.5, source: t}\n"
    "  mem_bits_per_cycle: {value: 64, source: t}\n"
    "  e_block_product_pj: {value: 0.3, source: t}\n  e_mult8_pj: {value: 1.1, source: t}\n"
    "  e_mem_pj_per_bit: {value: 0.01, source: t}\n"
    "  mode_switch_cycles: {value: 16, source: t}\n";

static const struct {
    const char *configs;
    base_status st;
    long line, col;
    const char *msg;
} ax_bad[] = {
    {"", BASE_EKEY, 1, 1, "missing key 'configs' in 'parameter file'"},
    {"configs:\n  netx: {pairs: [[0, 0]]}\n", BASE_EKEY, 16, 3,
     "missing key 'default' in 'configs'"},
    {"configs:\n  default: {pairs: [[0, 0], [0, 2]]}\n", BASE_ERANGE, 16, 33,
     "value 2 is outside 0..1"},
    {"configs:\n  default: {pairs: [[0, 0], [0, 0]]}\n", BASE_EKEY, 16, 29,
     "pair [0, 0] listed twice"},
    {"configs:\n  default: {pairs: [[1, 1]]}\n", BASE_EINVAL, 16, 20,
     "a configuration must keep pair [0, 0] (the MSBs)"},
    {"configs:\n  default: {pairs: [[0]]}\n", BASE_EINVAL, 16, 21,
     "a pair is [activation_block, weight_block]"},
    {"configs:\n  default: {pairs: [[0, 0]], mode: x}\n", BASE_EKEY, 16, 30,
     "unknown key 'mode' in 'config'"},
    {"configs:\n  default: {pairs: [[0, 0]], layers: {c1: {pairs: [[0, 0]], layers: {}}}}\n",
     BASE_EKEY, 16, 43, "unknown key 'layers' in a layer's config"},
    {"configs: [1]\n", BASE_ETYPE, 15, 10, "expected a mapping for 'configs', found a sequence"},
};

START_TEST(test_axbxp_config_errors)
{
    char text[4096], file[32], want[512];
    snprintf(text, sizeof text, "%s%s", ax_params, ax_bad[_i].configs);
    snprintf(file, sizeof file, "ax%d.yaml", _i);
    const char *path = write_tmp(file, text);
    snprintf(want, sizeof want, "%s:%ld:%ld: error: %s", path, ax_bad[_i].line, ax_bad[_i].col,
             ax_bad[_i].msg);
    acc_params *p = NULL;
    ck_assert_int_eq(acc_params_load(model("axbxp"), path, &p), ax_bad[_i].st);
    ck_assert_str_eq(base_last_error(), want);
}
END_TEST

START_TEST(test_axbxp_block_bits_must_divide)
{
    char text[4096], want[512];
    const char *at = strstr(ax_params, "block_bits: {value: 4");
    snprintf(text, sizeof text,
             "%.*sblock_bits: {value: 3%s"
             "configs:\n  default: {pairs: [[0, 0]]}\n",
             (int)(at - ax_params), ax_params, at + strlen("block_bits: {value: 4"));
    const char *path = write_tmp("axk.yaml", text);
    acc_params *p = NULL;
    ck_assert_int_eq(acc_params_load(model("axbxp"), path, &p), BASE_EINVAL);
    snprintf(want, sizeof want,
             "%s:16:3: error: operand_bits (8) must be a whole multiple of "
             "block_bits (3)",
             path);
    ck_assert_str_eq(base_last_error(), want);
}
END_TEST

static const struct {
    const char *body;
    base_status st;
    long line, col;
    const char *msg;
} wl_bad[] = {
    {"name: w\nprovenance: t\nlayers: []\nbatch: 1\na_bits: 8\nw_bits: 8\n", BASE_EINVAL, 3, 9,
     "workload has no layers"},
    {"name: w\nlayers: [{name: a, fc: [2, 2]}]\nbatch: 1\na_bits: 8\nw_bits: 8\n", BASE_EKEY, 1, 1,
     "missing key 'provenance' in 'workload'"},
    {"name: w\nprovenance: t\nlayers: [{name: a, fc: [2, 2], conv: [1]}]\nbatch: 1\na_bits: "
     "8\nw_bits: 8\n",
     BASE_EKEY, 3, 10, "layer 'a' needs exactly one of 'conv' and 'fc'"},
    {"name: w\nprovenance: t\nlayers: [{name: a, conv: [1, 2, 3]}]\nbatch: 1\na_bits: 8\nw_bits: "
     "8\n",
     BASE_EINVAL, 3, 26, "'conv' must be [c_in, h, w, c_out, k, stride, pad, groups]"},
    {"name: w\nprovenance: t\nlayers: [{name: a, conv: [3, 4, 4, 8, 7, 1, 0, 1]}]\nbatch: "
     "1\na_bits: 8\nw_bits: 8\n",
     BASE_EINVAL, 3, 26, "layer 'a': 7x7 kernel larger than the padded input"},
    {"name: w\nprovenance: t\nlayers: [{name: a, fc: [2, 2], a_bits: 20}]\nbatch: 1\na_bits: "
     "8\nw_bits: 8\n",
     BASE_ERANGE, 3, 40, "value 20 is outside 1..16"},
    {"name: w\nprovenance: t\nbatch: 0\nlayers: [{name: a, fc: [2, 2]}]\na_bits: 8\nw_bits: 8\n",
     BASE_ERANGE, 3, 8, "value 0 is outside 1..65536"},
    {"name: w\nprovenance: t\nlayers: [{name: a, fc: [2, 2], kind: x}]\nbatch: 1\na_bits: "
     "8\nw_bits: 8\n",
     BASE_EKEY, 3, 32, "unknown key 'kind' in 'layer'"},
    {"name: w\nprovenance: t\nlayers: [{name: a, fc: [2, 2]}]\na_bits: 8\nw_bits: 8\n", BASE_EKEY,
     1, 1, "missing key 'batch' in 'workload'"},
    {"name: w\nprovenance: t\nbatch: 1\nw_bits: 8\nlayers: [{name: a, fc: [2, 2]}]\n", BASE_EKEY, 5,
     10, "layer 'a' has no a_bits (give it on the layer or the workload)"},
    {"name: w\nprovenance: t\nbatch: 1\nlayers: [{name: a, fc: [2, 2], a_bits: 8}]\n", BASE_EKEY, 4,
     10, "layer 'a' has no w_bits (give it on the layer or the workload)"},
    {"name: w\nprovenance: ''\nbatch: 1\na_bits: 8\nw_bits: 8\nlayers: [{name: a, fc: [2, 2]}]\n",
     BASE_EINVAL, 2, 13, "workload 'w': empty provenance"},
    {"name: w\nprovenance: t\nbatch: 1\na_bits: 8\nw_bits: 8\nlayers:\n  - {name: a, fc: [2, 2]}\n"
     "  - {name: a, fc: [2, 2]}\n",
     BASE_EKEY, 8, 12, "duplicate layer name 'a' (layer 1 and 2)"},
};

START_TEST(test_workload_load_errors)
{
    char file[32], want[512];
    snprintf(file, sizeof file, "wl%d.yaml", _i);
    const char *path = write_tmp(file, wl_bad[_i].body);
    snprintf(want, sizeof want, "%s:%ld:%ld: error: %s", path, wl_bad[_i].line, wl_bad[_i].col,
             wl_bad[_i].msg);
    acc_workload *w = (acc_workload *)1;
    ck_assert_int_eq(acc_workload_load(path, &w), wl_bad[_i].st);
    ck_assert_ptr_null(w);
    ck_assert_str_eq(base_last_error(), want);
}
END_TEST

Suite *accel_suite(void)
{
    Suite *s = suite_create("accel");
    TCase *tc = tcase_create("headline");
    tcase_add_test(tc, test_sparq_headline_conv7x7);
    tcase_add_test(tc, test_potacc_headline_three_cnns);
    tcase_add_test(tc, test_bitsys_headline_mixed_mnist);
    tcase_add_test(tc, test_axbxp_headline_per_network);
    tcase_add_loop_test(tc, test_targets_within_ten_percent, 0, 4);
    suite_add_tcase(s, tc);

    tc = tcase_create("calibrate");
    tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_calibrate_matches_committed, 0, 4);
    tcase_add_test(tc, test_calibrate_compare_differs);
    tcase_add_test(tc, test_calibrate_recovers_known_params);
    tcase_add_test(tc, test_calibrate_errors);
    tcase_add_test(tc, test_calibrate_out_of_memory);
    suite_add_tcase(s, tc);

    tc = tcase_create("precision");
    tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
    tcase_add_loop_test(tc, test_sparq_container_rule, 0,
                        (int)(sizeof sparq_rules / sizeof sparq_rules[0]));
    tcase_add_test(tc, test_sparq_packing_speeds_up);
    tcase_add_test(tc, test_potacc_weight_path_rule);
    tcase_add_test(tc, test_bitsys_precision_rule);
    tcase_add_test(tc, test_axbxp_block_configs);
    tcase_add_test(tc, test_mode_switch_costs);
    suite_add_tcase(s, tc);

    tc = tcase_create("interface");
    tcase_add_test(tc, test_model_table);
    tcase_add_test(tc, test_cost_argument_errors);
    tcase_add_test(tc, test_layer_init_and_check);
    tcase_add_test(tc, test_workloads_load);
    suite_add_tcase(s, tc);

    tc = tcase_create("load");
    tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
    tcase_add_loop_test(tc, test_params_load_errors, 0, (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(tc, test_params_load_file_errors);
    tcase_add_test(tc, test_params_load_out_of_memory);
    tcase_add_loop_test(tc, test_axbxp_config_errors, 0, (int)(sizeof ax_bad / sizeof ax_bad[0]));
    tcase_add_test(tc, test_axbxp_block_bits_must_divide);
    tcase_add_loop_test(tc, test_workload_load_errors, 0, (int)(sizeof wl_bad / sizeof wl_bad[0]));
    suite_add_tcase(s, tc);
    return s;
}
