/* check_infer.c - bit-exact inference (exec/exec_infer.c): whole ResNet18 and ResNet50 at small
 * resolutions with seeded synthetic weights run on ap_core with the planner's mapping and in
 * the plain-C reference; outputs must be identical and the AP counters must equal the plan.
 * Also the grouped reduction op it added to ap_core, and the dyadic requantization. */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap_core/ap.h"
#include "exec/exec.h"
#include "tech/tech.h"
#include "tests/infer_check.h"

/* Loads a network from YAML text with uniform INT8 bits. */
static void load_int8(const char *name, const char *yaml, net_network **net, net_bitcfg **bits)
{
    ck_assert_msg(net_load_string(name, yaml, strlen(yaml), net) == BASE_OK, "%s",
                  base_last_error());
    ck_assert_int_eq(net_bitcfg_uniform("int8", *net, bits), BASE_OK);
}

/* A hard activation needs x + three in a + 1 signed bits with three >= 1: at least 2-bit
 * inputs, else BASE_EUNSUPPORTED naming the layer. */
START_TEST(test_qmodel_new_rejects_one_bit_hard_kinds)
{
    static const char yaml[] = "name: h\n"
                               "input: {channels: 2, height: 4, width: 4}\n"
                               "layers:\n"
                               "  - {name: c, type: conv, out: 2, kernel: 1}\n"
                               "  - {name: hs, type: hardsigmoid}\n"
                               "  - {name: d, type: conv, out: 2, kernel: 1}\n";
    net_network *net = NULL;
    net_bitcfg *bits = NULL;
    exec_qmodel *qm = NULL;
    ck_assert_int_eq(net_load_string("h.yaml", yaml, strlen(yaml), &net), BASE_OK);
    ck_assert_int_eq(net_bitcfg_uniform("w4a1", net, &bits), BASE_OK);
    ck_assert_int_eq(exec_qmodel_new(net, bits, &qm), BASE_EUNSUPPORTED);
    ck_assert_ptr_null(qm);
    ck_assert_str_eq(base_last_error(),
                     "error: layer 'hs': hardsigmoid needs inputs of at least 2 bits, got 1");
    net_bitcfg_free(bits);
    ck_assert_int_eq(net_bitcfg_uniform("w4a2", net, &bits), BASE_OK);
    ck_assert_int_eq(exec_qmodel_new(net, bits, &qm), BASE_OK);
    ck_assert_int_eq(qm->layers[1].three, 1);
    exec_qmodel_free(qm);
    net_bitcfg_free(bits);
    net_free(net);
}
END_TEST

/* A layer kind without an executor row is refused up front, named in the message. */
START_TEST(test_qmodel_new_rejects_kind_without_row)
{
    static const char yaml[] = "name: k\n"
                               "input: {channels: 1, height: 4, width: 4}\n"
                               "layers:\n"
                               "  - {name: r, type: relu}\n";
    net_network *net = NULL;
    net_bitcfg *bits = NULL;
    exec_qmodel *qm = NULL;
    load_int8("k.yaml", yaml, &net, &bits);
    net->layers[0].kind = NET_INPUT; /* the one kind that never is a layer: no row */
    ck_assert_int_eq(exec_qmodel_new(net, bits, &qm), BASE_EUNSUPPORTED);
    ck_assert_ptr_null(qm);
    ck_assert_ptr_nonnull(strstr(base_last_error(), "has no bit-exact execution"));
    net_bitcfg_free(bits);
    net_free(net);
}
END_TEST

/* The GEMM row layout: the planner's column count and slots are the layout's, and its fields
 * lie side by side without overlap inside row_cols. */
START_TEST(test_gemm_layout_matches_plan)
{
    sim_arch arch;
    memset(&arch, 0, sizeof arch);
    arch.n_caps = 1;
    arch.cap_rows = 256;
    static const unsigned cols[] = {64, 128, 256, 512};
    for (size_t i = 0; i < 4; i++)
        for (uint64_t chunks = 1; chunks <= 8; chunks *= 2) {
            arch.cap_cols = cols[i];
            sim_candidate c;
            bool fits;
            ck_assert_int_eq(sim_gemm_candidate(&arch, 4, 4, 72, 9, 8, 8, 8, chunks, &c, &fits),
                             BASE_OK);
            sim_gemm_layout lay;
            bool lay_fits =
                sim_gemm_layout_make(9, 8, c.acc_bits, 8, chunks, c.chunk_k, cols[i], &lay);
            ck_assert_int_eq(fits, lay_fits);
            if (!fits)
                continue;
            ck_assert_uint_eq(lay.n_slots, c.n_slots);
            ck_assert_uint_eq(lay.row_cols, c.row_cols);
            ck_assert_uint_le(lay.row_cols, cols[i]);
            ap_field last = sim_gemm_wt_field(&lay, lay.n_slots - 1);
            ck_assert_uint_le(last.col + last.width, lay.scratch.col);
            ck_assert_uint_le(lay.requant_col + lay.requant_cols, lay.scratch.col);
            ck_assert_uint_eq(lay.mac_acc.col, lay.scratch.col + lay.scratch.width);
            ck_assert_uint_eq(lay.tree_acc.col == lay.mac_acc.col, chunks == 1);
            ck_assert_uint_eq(lay.carry + 1, lay.row_cols);
        }
}
END_TEST

/* ap_counters_add sums every field. */
START_TEST(test_counters_add)
{
    ap_counters acc = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
                x = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
    ap_counters_add(&acc, &x);
    ap_counters want = {11, 22, 33, 44, 55, 66, 77, 88, 99, 110};
    ck_assert_int_eq(memcmp(&acc, &want, sizeof acc), 0);
}
END_TEST

/* The shared helpers: wrapping, rounding shift, and the requantization's column count equal
 * to the columns the AP program takes. */
START_TEST(test_shared_helpers)
{
    ck_assert_int_eq(exec_wrap_signed(130, 8), -126);
    ck_assert_int_eq(exec_wrap_signed(-129, 8), 127);
    ck_assert_int_eq(exec_wrap_signed(-5, 64), -5);
    ck_assert_int_eq(exec_shr_round(5, 1), 3);
    ck_assert_int_eq(exec_shr_round(-5, 1), -2);
    uint64_t s1 = 7, s2 = 7;
    ck_assert_uint_eq(exec_splitmix64(&s1), exec_splitmix64(&s2));
    ck_assert_uint_ne(exec_splitmix64(&s1), exec_splitmix64(&s1));
    static const unsigned src_o[][2] = {{20, 8}, {12, 4}, {30, 2}, {16, 8}};
    for (size_t i = 0; i < 4; i++) {
        unsigned src = src_o[i][0], o = src_o[i][1], col = 0;
        ap_array *arr = NULL;
        uint32_t vals[4] = {0};
        exec_requant rq = {src > 16 ? src - 16 : 0, 3, 2};
        ap_field f = {0, src}, res;
        ck_assert_int_eq(ap_array_new(4, src + 1 + sim_requant_cols(src, o), &arr), BASE_OK);
        col = src + 1;
        ck_assert_int_eq(exec_ap_requant(arr, vals, 4, &rq, f, o, &col, src, &res), BASE_OK);
        ck_assert_uint_eq(col - (src + 1), sim_requant_cols(src, o));
        ck_assert_uint_eq(res.width, o);
        ap_array_free(arr);
    }
}
END_TEST

Suite *infer_suite(void);

/* Loads a shipped network with its input resized to side x side. */
static net_network *load_resized(const char *name, int side)
{
    char path[1024], from[64], to[64];
    net_network *net = NULL;
    ck_assert_int_eq(net_find_builtin(name, path, sizeof path), BASE_OK);
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    char *text = calloc(1, 1 << 16);
    size_t n = fread(text, 1, (1 << 16) - 1, fp);
    fclose(fp);
    snprintf(from, sizeof from, "height: 224, width: 224");
    snprintf(to, sizeof to, "height: %d, width: %d", side, side);
    char *at = strstr(text, from);
    ck_assert_ptr_nonnull(at);
    size_t lf = strlen(from), lt = strlen(to);
    memmove(at + lt, at + lf, n - (size_t)(at - text) - lf + 1);
    memcpy(at, to, lt);
    ck_assert_msg(net_load_string(name, text, strlen(text), &net) == BASE_OK, "%s",
                  base_last_error());
    free(text);
    return net;
}

/* Small fold size so that layers need several folds and partial last folds. */
static sim_arch small_arch(void)
{
    sim_arch a;
    ck_assert_msg(sim_arch_find("bf_imna", &a) == BASE_OK, "%s", base_last_error());
    a.n_caps = 4;
    a.cap_rows = 512;
    a.batch = 1;
    return a;
}

/* Runs net (owned) under spec on both paths and checks outputs and counters: the AP must run
 * macs multiply-accumulates in at least min_arrays arrays. */
static void check_loaded(net_network *net, const char *name, const char *spec, uint64_t seed,
                         uint64_t macs, uint64_t min_arrays)
{
    net_bitcfg *bits = NULL;
    tech_params *tech = NULL;
    exec_qmodel *qm = NULL;
    sim_plan *plan = NULL;
    sim_result *res = NULL;
    sim_arch arch = small_arch();
    ck_assert_msg(net_bitcfg_resolve(spec, net, &bits) == BASE_OK, "%s", base_last_error());
    ck_assert_int_eq(tech_open("sram", &tech), BASE_OK);
    ck_assert_msg(sim_plan_new(net, bits, &arch, &plan) == BASE_OK, "%s", base_last_error());
    ck_assert_int_eq(sim_result_new(plan, &res), BASE_OK);
    ck_assert_int_eq(sim_plan_eval(plan, tech, tech->vdd_nom_v.value, res), BASE_OK);
    ck_assert_int_eq(exec_qmodel_new(net, bits, &qm), BASE_OK);
    exec_qmodel_synthetic(qm, seed);
    size_t n_in = (size_t)net->c_in * (size_t)net->h_in * (size_t)net->w_in;
    size_t n_out = exec_infer_out_elems(net);
    int32_t *in = calloc(n_in, sizeof *in), *ref = calloc(n_out, sizeof *ref),
            *ap = calloc(n_out, sizeof *ap);
    exec_infer_synthetic_input(net, bits->input_bits, seed + 1, 1, in);
    ck_assert_msg(exec_qmodel_calibrate(qm, in, 1) == BASE_OK, "%s", base_last_error());
    ck_assert_int_eq(exec_infer_reference(qm, in, 1, ref), BASE_OK);
    exec_infer_stats stats;
    ck_assert_msg(exec_infer_ap(qm, plan, res, in, ap, &stats) == BASE_OK, "%s", base_last_error());
    size_t n_distinct = 0;
    for (size_t i = 0; i < n_out; i++) {
        ck_assert_msg(ap[i] == ref[i], "%s %s: output %zu: AP %d, reference %d", name, spec, i,
                      ap[i], ref[i]);
        n_distinct += i > 0 && ref[i] != ref[0];
    }
    ck_assert_msg(n_distinct > n_out / 2, "outputs are nearly constant");
    double written;
    ic_check_counters(plan, res, &stats, &written);
    /* Written cells depend on the data: the plan's uniform-operand expectation is an upper
     * estimate (small accumulators, zero padding), see docs/INFERENCE.md. */
    double ratio = (double)stats.counters.n_written_cells / written;
    ck_assert_msg(ratio > 0.3 && ratio < 1.1, "written cells %.3g of the plan's", ratio);
    ck_assert_uint_eq(stats.n_macs, macs);
    ck_assert_uint_ge(stats.n_arrays, min_arrays);
    /* Fused: the same outputs and data-independent counters, no written or flipped cells. */
    exec_infer_stats fs;
    memset(ap, 0, n_out * sizeof *ap);
    ck_assert_msg(exec_infer_ap_fused(qm, plan, res, in, ap, &fs) == BASE_OK, "%s",
                  base_last_error());
    ck_assert_msg(memcmp(ap, ref, n_out * sizeof *ap) == 0, "%s %s: fused outputs differ", name,
                  spec);
    ic_check_counters(plan, res, &fs, NULL);
    /* Only the clears' written cells and the tree moves' flips remain. */
    ck_assert_uint_lt(fs.counters.n_written_cells, stats.counters.n_written_cells);
    ck_assert_uint_lt(fs.counters.n_flipped_cells, stats.counters.n_flipped_cells);
    free(in);
    free(ref);
    free(ap);
    exec_qmodel_free(qm);
    sim_result_free(res);
    sim_plan_free(plan);
    tech_params_free(tech);
    net_bitcfg_free(bits);
    net_free(net);
}

/* Runs shipped network name at side x side under spec on both paths. */
static void check_network(const char *name, int side, const char *spec, uint64_t seed)
{
    net_network *net = load_resized(name, side);
    check_loaded(net, name, spec, seed, net->total_macs, net->n_layers - 1); /* but the flatten */
}

/* A small MobileNetV3-like network (Howard et al., ICCV 2019): a hard-swish stem, an inverted
 * residual block (1x1 expansion, depthwise conv, squeeze-and-excite (global pool, 1x1 convs, relu,
 * hard-sigmoid, a per-channel mul), a pointwise projection with a residual add, a grouped conv, and
 * a classifier. */
static const char mobile_yaml[] =
    "name: mobile_tiny\n"
    "input: {channels: 3, height: 12, width: 12}\n"
    "layers:\n"
    "  - {name: stem, type: conv, out: 8, kernel: 3, stride: 2, pad: 1}\n"
    "  - {name: stem_hs, type: hardswish}\n"
    "  - {name: block_in, type: conv, out: 8, kernel: 1}\n"
    "  - {name: expand, type: conv, out: 8, kernel: 1}\n"
    "  - {name: expand_hs, type: hardswish}\n"
    "  - {name: dw, type: conv, out: 8, kernel: 3, pad: 1, groups: 8}\n"
    "  - {name: dw_hs, type: hardswish}\n"
    "  - {name: se_pool, type: avgpool, global: true}\n"
    "  - {name: se_fc1, type: conv, out: 4, kernel: 1}\n"
    "  - {name: se_relu, type: relu}\n"
    "  - {name: se_fc2, type: conv, out: 8, kernel: 1}\n"
    "  - {name: se_gate, type: hardsigmoid}\n"
    "  - {name: se_scale, type: mul, inputs: [dw_hs, se_gate]}\n"
    "  - {name: project, type: conv, out: 8, kernel: 1}\n"
    "  - {name: res, type: add, inputs: [project, block_in]}\n"
    "  - {name: grouped, type: conv, out: 12, kernel: 3, pad: 1, groups: 4}\n"
    "  - {name: pool, type: avgpool, global: true}\n"
    "  - {name: flat, type: flatten}\n"
    "  - {name: fc, type: fc, out: 10}\n";

/* Global average and max pools over 24x24 pixels of signed conv outputs: 576 elements in a
 * group of 1024 rows per output on the small architecture's 512-row CAPs, so each output's tree
 * spans two CAPs (the max pool's im2col row would need 576 x a columns: it takes the max
 * tree). */
static const char bigpool_yaml[] = "name: bigpool_tiny\n"
                                   "input: {channels: 3, height: 24, width: 24}\n"
                                   "layers:\n"
                                   "  - {name: c, type: conv, out: 5, kernel: 3, pad: 1}\n"
                                   "  - {name: g, type: avgpool, global: true}\n"
                                   "  - {name: f, type: flatten}\n"
                                   "  - {name: d, type: fc, out: 10}\n";

START_TEST(test_infer_pool_spanning_caps_bit_exact)
{
    static const char *const specs[] = {"int8", "w4a6"};
    char yaml[sizeof bigpool_yaml];
    memcpy(yaml, bigpool_yaml, sizeof yaml);
    if (_i >= 2) /* the same network with a global max pool */
        memcpy(strstr(yaml, "avgpool"), "maxpool", 7);
    net_network *net = NULL;
    ck_assert_msg(net_load_string("bigpool.yaml", yaml, strlen(yaml), &net) == BASE_OK, "%s",
                  base_last_error());
    ck_assert_int_gt(net->layers[1].kh * net->layers[1].kw, (int)small_arch().cap_rows);
    check_loaded(net, "bigpool_tiny", specs[_i % 2], 31u + (uint64_t)_i, net->total_macs,
                 net->n_layers - 1);
}
END_TEST

START_TEST(test_infer_mobile_bit_exact)
{
    static const char *const specs[] = {"int8", "w4a6"};
    net_network *net = NULL;
    ck_assert_msg(net_load_string("mobile_tiny.yaml", mobile_yaml, strlen(mobile_yaml), &net) ==
                      BASE_OK,
                  "%s", base_last_error());
    check_loaded(net, "mobile_tiny", specs[_i], 3u + (uint64_t)_i, net->total_macs,
                 net->n_layers - 1); /* but the flatten */
}
END_TEST

START_TEST(test_infer_resnet18_bit_exact)
{
    static const char *const specs[] = {"int8", "w4a6"};
    check_network("resnet18", 64, specs[_i], 11u + (uint64_t)_i);
}
END_TEST

START_TEST(test_infer_resnet50_bit_exact)
{
    check_network("resnet50", 32, "int4", 5u);
}
END_TEST

START_TEST(test_infer_hawq_mixed_bit_exact)
{
    check_network("resnet18", 32, "resnet18_latency_0.5", 7u);
}
END_TEST

/* The dyadic scale approximates the real multiplier within half an output LSB. */
/* Two sharers of a calibration, as two MPI ranks would be: each publishes its value, both
 * wait, both take the larger. */
typedef struct share2 {
    pthread_barrier_t bar;
    int64_t slot[2];
} share2;
typedef struct sharer {
    share2 *s;
    int id;
    exec_qmodel *qm;
    const int32_t *in;
    size_t n;
    base_status st;
} sharer;

static void max_of_two(void *ctx, int64_t *v)
{
    sharer *me = ctx;
    me->s->slot[me->id] = *v;
    pthread_barrier_wait(&me->s->bar);
    *v = me->s->slot[0] > me->s->slot[1] ? me->s->slot[0] : me->s->slot[1];
    pthread_barrier_wait(&me->s->bar);
}

static void *calibrate_half(void *arg)
{
    sharer *me = arg;
    me->st = exec_qmodel_calibrate_shared(me->qm, me->in, me->n, NULL, NULL, max_of_two, me);
    return NULL;
}

START_TEST(test_calibrate_shared_equals_whole)
{
    /* Two sharers, each calibrating on its half of five images (3 and 2), end with exactly
     * the requantizations and scales one calibration over all five gives. */
    char path[1024];
    net_network *net = NULL;
    net_bitcfg *bits = NULL;
    ck_assert_int_eq(net_find_builtin("fmnist_cnn", path, sizeof path), BASE_OK);
    ck_assert_int_eq(net_load(path, &net), BASE_OK);
    ck_assert_int_eq(net_bitcfg_resolve("int8", net, &bits), BASE_OK);
    size_t n_in = (size_t)net->c_in * (size_t)net->h_in * (size_t)net->w_in, n = 5;
    int32_t *in = calloc(n * n_in, sizeof *in);
    exec_infer_synthetic_input(net, bits->input_bits, 5, n, in);
    exec_qmodel *whole, *half[2];
    ck_assert_int_eq(exec_qmodel_new(net, bits, &whole), BASE_OK);
    exec_qmodel_synthetic(whole, 3);
    ck_assert_int_eq(exec_qmodel_calibrate(whole, in, n), BASE_OK);
    share2 s;
    pthread_barrier_init(&s.bar, NULL, 2);
    sharer sh[2];
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(exec_qmodel_new(net, bits, &half[i]), BASE_OK);
        exec_qmodel_synthetic(half[i], 3);
        sh[i] = (sharer){&s, i, half[i], in + (i ? 3 : 0) * n_in, i ? 2 : 3, BASE_EINVAL};
        ck_assert_int_eq(pthread_create(&th[i], NULL, calibrate_half, &sh[i]), 0);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&s.bar);
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(sh[i].st, BASE_OK);
        for (size_t li = 0; li < net->n_layers; li++) {
            ck_assert(memcmp(&half[i]->layers[li].rq, &whole->layers[li].rq,
                             sizeof whole->layers[li].rq) == 0);
            ck_assert(half[i]->layers[li].out_scale == whole->layers[li].out_scale);
        }
        exec_qmodel_free(half[i]);
    }
    exec_qmodel_free(whole);
    free(in);
    net_bitcfg_free(bits);
    net_free(net);
}
END_TEST

START_TEST(test_requant_choose_precision)
{
    static const unsigned srcs[] = {12, 16, 20, 29};
    const unsigned src = srcs[_i], o = 8;
    const int64_t max_abs = (1ll << (src - 2)) + 12345;
    const double r = 100.0 / (double)max_abs;
    exec_requant rq;
    exec_requant_choose(r, src, o, max_abs, &rq);
    ck_assert_uint_ge(rq.shift, 1);
    for (int64_t v = -max_abs; v <= max_abs; v += max_abs / 97) {
        double want = (double)v * r;
        int64_t got = exec_requant_apply(&rq, v, src, o);
        ck_assert_msg(fabs((double)got - want) < 1.0, "src %u: %lld -> %lld, want %.3f", src,
                      (long long)v, (long long)got, want);
    }
    /* Widening leaves the value alone. */
    ck_assert_int_eq(exec_requant_apply(&rq, -777, 10, 12), -777);
}
END_TEST

/* ---- Table kinds: sigmoid and softmax ----------------------------------------------------- */

/* A per-pixel softmax (6 channels: groups padded to 8 rows), a sigmoid, and a classifier
 * ending fc -> softmax, with scales that make the tables non-trivial. */
static const char tables_yaml[] = "name: tables\n"
                                  "input: {channels: 2, height: 8, width: 8}\n"
                                  "layers:\n"
                                  "  - {name: conv1, type: conv, out: 6, kernel: 3, pad: 1}\n"
                                  "  - {name: pix_softmax, type: softmax}\n"
                                  "  - {name: conv2, type: conv, out: 8, kernel: 3, pad: 1}\n"
                                  "  - {name: sig, type: sigmoid}\n"
                                  "  - {name: pool, type: maxpool, kernel: 2}\n"
                                  "  - {name: flatten, type: flatten}\n"
                                  "  - {name: fc, type: fc, out: 10}\n"
                                  "  - {name: softmax, type: softmax}\n";

START_TEST(test_infer_table_kinds_bit_exact)
{
    static const char *const specs[] = {"int8", "w4a6"};
    net_network *net = NULL;
    net_bitcfg *bits = NULL;
    tech_params *tech = NULL;
    exec_qmodel *qm = NULL;
    sim_plan *plan = NULL;
    sim_result *res = NULL;
    sim_arch arch = small_arch();
    arch.cap_rows = 64; /* several folds, and a partial one */
    ck_assert_msg(net_load_string("tables.yaml", tables_yaml, strlen(tables_yaml), &net) == BASE_OK,
                  "%s", base_last_error());
    ck_assert_int_eq(net_bitcfg_resolve(specs[_i], net, &bits), BASE_OK);
    ck_assert_int_eq(tech_open("sram", &tech), BASE_OK);
    ck_assert_msg(sim_plan_new(net, bits, &arch, &plan) == BASE_OK, "%s", base_last_error());
    ck_assert_int_eq(sim_result_new(plan, &res), BASE_OK);
    ck_assert_int_eq(sim_plan_eval(plan, tech, tech->vdd_nom_v.value, res), BASE_OK);
    ck_assert_int_eq(exec_qmodel_new(net, bits, &qm), BASE_OK);
    exec_qmodel_synthetic(qm, 21u + (uint64_t)_i);
    /* Real scales: inputs in [-1, 1), weights in [-1, 1) of their range. */
    qm->in_scale = ldexp(1.0, 1 - (int)bits->input_bits);
    for (size_t i = 0; i < net->n_layers; i++)
        if (bits->bits[i].w_bits)
            qm->layers[i].w_scale = ldexp(1.0, 1 - (int)bits->bits[i].w_bits);
    size_t n_in = 2 * 8 * 8, n_out = exec_infer_out_elems(net);
    int32_t in[128], ref[10], ap[10];
    exec_infer_synthetic_input(net, bits->input_bits, 7u, 1, in);
    ck_assert_int_eq(exec_qmodel_calibrate(qm, in, 1), BASE_OK);
    ck_assert_int_eq(exec_infer_reference(qm, in, 1, ref), BASE_OK);
    exec_infer_stats st, fs;
    ck_assert_msg(exec_infer_ap(qm, plan, res, in, ap, &st) == BASE_OK, "%s", base_last_error());
    ck_assert_int_eq(memcmp(ap, ref, sizeof ref), 0);
    ck_assert_msg(exec_infer_ap_fused(qm, plan, res, in, ap, &fs) == BASE_OK, "%s",
                  base_last_error());
    ck_assert_int_eq(memcmp(ap, ref, sizeof ref), 0);
    /* The classifier's outputs: fractions of 2^(a-1) summing to it within the floors. */
    unsigned p = bits->bits[net->n_layers - 1].a_bits - 1;
    int32_t sum = 0, n_distinct = 0;
    for (size_t i = 0; i < n_out; i++) {
        ck_assert_int_ge(ref[i], 0);
        sum += ref[i];
        n_distinct += ref[i] != ref[0];
    }
    ck_assert_int_le(sum, 1 << p);
    ck_assert_int_gt(sum, (1 << p) - (int32_t)n_out);
    ck_assert_int_ge(n_distinct, 2);
    ap_counters want;
    double written;
    exec_infer_expected(plan, res, &want, &written);
    const ap_counters *runs[] = {&st.counters, &fs.counters};
    for (int k = 0; k < 2; k++) {
        ck_assert_uint_eq(runs[k]->n_compares, want.n_compares);
        ck_assert_uint_eq(runs[k]->n_writes, want.n_writes);
        ck_assert_uint_eq(runs[k]->n_plane_writes, want.n_plane_writes);
        ck_assert_uint_eq(runs[k]->n_plane_reads, want.n_plane_reads);
        ck_assert_uint_eq(runs[k]->n_compared_cells, want.n_compared_cells);
        ck_assert_uint_eq(runs[k]->n_ml_segments, want.n_ml_segments);
    }
    (void)n_in;
    exec_qmodel_free(qm);
    sim_result_free(res);
    sim_plan_free(plan);
    tech_params_free(tech);
    net_bitcfg_free(bits);
    net_free(net);
}
END_TEST

/* The integer softmax (plain-C reference, bit-exact with the AP above) against float softmax
 * of the same real inputs, over 10 channels of 8 bits at the default input scale 1/16: random
 * inputs and peaked ones (one channel far above the rest). The largest error is reported in
 * output LSBs (2^-7) and held below 2. */
START_TEST(test_softmax_matches_float)
{
    static const char yaml[] = "name: sm\n"
                               "input: {channels: 10, height: 1, width: 1}\n"
                               "layers:\n"
                               "  - {name: softmax, type: softmax}\n";
    net_network *net = NULL;
    net_bitcfg *bits = NULL;
    exec_qmodel *qm = NULL;
    load_int8("sm.yaml", yaml, &net, &bits);
    ck_assert_int_eq(exec_qmodel_new(net, bits, &qm), BASE_OK);
    const double s = qm->layers[0].in_scale;
    ck_assert_double_eq(s, 1.0 / 16.0);
    double worst[2] = {0, 0};
    uint64_t seed = 3;
    for (int peaked = 0; peaked < 2; peaked++)
        for (int trial = 0; trial < 2000; trial++) {
            int32_t x[10], y[10];
            double z = 0, f[10];
            for (int c = 0; c < 10; c++) {
                x[c] = (int32_t)(exec_splitmix64(&seed) % 256u) - 128;
                if (peaked)
                    x[c] = c == trial % 10 ? 60 + x[c] % 60 : -128 + (x[c] + 128) % 100;
            }
            ck_assert_int_eq(exec_infer_reference(qm, x, 1, y), BASE_OK);
            for (int c = 0; c < 10; c++)
                z += (f[c] = exp(x[c] * s));
            for (int c = 0; c < 10; c++) {
                double err = fabs(y[c] - 128.0 * f[c] / z);
                worst[peaked] = err > worst[peaked] ? err : worst[peaked];
            }
        }
    ck_assert_msg(worst[0] < 2.0 && worst[1] < 2.0,
                  "softmax vs float, largest error in output LSBs: random %.3f, peaked %.3f",
                  worst[0], worst[1]);
    exec_qmodel_free(qm);
    net_bitcfg_free(bits);
    net_free(net);
}
END_TEST

/* A softmax whose division would need operands past the AP's 16 bits is refused by the
 * executor and by the planner, naming the layer. */
START_TEST(test_softmax_too_wide_refused)
{
    static const char yaml[] = "name: wide\n"
                               "input: {channels: 10, height: 1, width: 1}\n"
                               "layers:\n"
                               "  - {name: fc, type: fc, out: 10}\n"
                               "  - {name: probs, type: softmax}\n";
    net_network *net = NULL;
    net_bitcfg *bits = NULL;
    exec_qmodel *qm = NULL;
    sim_plan *plan = NULL;
    sim_arch arch = small_arch();
    ck_assert_int_eq(net_load_string("wide.yaml", yaml, strlen(yaml), &net), BASE_OK);
    ck_assert_int_eq(net_bitcfg_uniform("w8a16", net, &bits), BASE_OK);
    ck_assert_int_eq(exec_qmodel_new(net, bits, &qm), BASE_EUNSUPPORTED);
    ck_assert_str_eq(base_last_error(),
                     "error: layer 'probs': a softmax over 10 channels of 16 bits does not "
                     "fit the AP's 16-bit division (a_bits 2..15, at most 2^14 channels)");
    ck_assert_int_eq(sim_plan_new(net, bits, &arch, &plan), BASE_EUNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(base_last_error(), "layer 'probs': softmax over 10 channels"));
    net_bitcfg_free(bits);
    /* One input bit leaves the exponential one bit: refused too. */
    ck_assert_int_eq(net_bitcfg_uniform("w8a1", net, &bits), BASE_OK);
    ck_assert_int_eq(exec_qmodel_new(net, bits, &qm), BASE_EUNSUPPORTED);
    ck_assert_int_eq(sim_plan_new(net, bits, &arch, &plan), BASE_EUNSUPPORTED);
    net_bitcfg_free(bits);
    net_free(net);
}
END_TEST

START_TEST(test_infer_errors)
{
    net_network *net = load_resized("resnet18", 32);
    net_bitcfg *bits = NULL, *other = NULL;
    exec_qmodel *qm = NULL;
    sim_plan *plan = NULL;
    sim_result *res = NULL;
    tech_params *tech = NULL;
    sim_arch arch = small_arch();
    ck_assert_int_eq(net_bitcfg_uniform("int8", net, &bits), BASE_OK);
    ck_assert_int_eq(exec_qmodel_new(net, bits, &qm), BASE_OK);
    ck_assert_int_eq(tech_open("sram", &tech), BASE_OK);
    /* Batch above 1 is refused. */
    arch.batch = 2;
    ck_assert_int_eq(sim_plan_new(net, bits, &arch, &plan), BASE_OK);
    ck_assert_int_eq(sim_result_new(plan, &res), BASE_OK);
    ck_assert_int_eq(sim_plan_eval(plan, tech, tech->vdd_nom_v.value, res), BASE_OK);
    int32_t in[3 * 32 * 32] = {0}, out[1000];
    ck_assert_int_eq(exec_infer_ap(qm, plan, res, in, out, NULL), BASE_EINVAL);
    /* A result from another bit configuration is refused. */
    ck_assert_int_eq(net_bitcfg_uniform("int4", net, &other), BASE_OK);
    exec_qmodel *qm4 = NULL;
    ck_assert_int_eq(exec_qmodel_new(net, other, &qm4), BASE_OK);
    ck_assert_int_eq(exec_infer_ap(qm4, plan, res, in, out, NULL), BASE_EINVAL);
    exec_qmodel_free(qm4);
    /* Out of memory while building a model. */
    exec_qmodel *qmf = NULL;
    for (long k = 1; k <= 4; k++) {
        base_alloc_fail_after(k);
        ck_assert_int_eq(exec_qmodel_new(net, bits, &qmf), BASE_ENOMEM);
        ck_assert_ptr_null(qmf);
    }
    base_alloc_fail_reset();
    /* Mismatched bit configuration. */
    net_network *n50 = load_resized("resnet50", 32);
    ck_assert_int_eq(exec_qmodel_new(n50, bits, &qmf), BASE_EINVAL);
    net_free(n50);
    exec_qmodel_free(NULL);
    exec_qmodel_free(qm);
    sim_result_free(res);
    sim_plan_free(plan);
    tech_params_free(tech);
    net_bitcfg_free(other);
    net_bitcfg_free(bits);
    net_free(net);
}
END_TEST

/* ---- Concat, resize, deconv, matmul ------------------------------------------------------ */
/* A U-Net-like head: downsampling, then nearest and bilinear upsampling and a deconv joined by
 * concats of inputs at different widths and scales (cat: a 16-bit residual sum beside 8-bit
 * tensors, brought to one scale). */
static const char unet_head[] =
    "name: unet_head\n"
    "input: {channels: 4, height: 8, width: 8}\n"
    "layers:\n"
    "  - {name: c1, type: conv, out: 8, kernel: 3, pad: 1}\n"
    "  - {name: r1, type: relu}\n"
    "  - {name: p1, type: maxpool, kernel: 2}\n"
    "  - {name: c2, type: conv, out: 8, kernel: 3, pad: 1}\n"
    "  - {name: up, type: resize, scale: 2}\n"
    "  - {name: bl, type: resize, scale: 2, mode: bilinear, input: c2}\n"
    "  - {name: dc, type: deconv, out: 8, kernel: 3, stride: 2, pad: 1, out_pad: 1, input: c2}\n"
    "  - {name: sk, type: add, inputs: [up, r1]}\n"
    "  - {name: cat, type: concat, inputs: [sk, bl, dc]}\n"
    "  - {name: cat2, type: concat, inputs: [r1, up]}\n"
    "  - {name: c3, type: conv, out: 4, kernel: 1, input: cat}\n"
    "  - {name: c4, type: conv, out: 4, kernel: 3, pad: 1, input: cat2}\n"
    "  - {name: out, type: concat, inputs: [c3, c4]}\n";

/* MACs the AP runs: conv/fc/matmul as the layer counts them, a deconv over its zero-inserted
 * input (every tap of every output), a bilinear resize four per output. */
static uint64_t ap_macs(const net_network *net)
{
    uint64_t n = 0;
    for (size_t i = 0; i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        if (l->kind == NET_DECONV)
            n += net_layer_out_elems(l) * (uint64_t)(l->c_in * l->kh * l->kw);
        else if (l->kind == NET_RESIZE && l->mode == NET_RESIZE_BILINEAR)
            n += 4 * net_layer_out_elems(l);
        else
            n += l->macs;
    }
    return n;
}

START_TEST(test_infer_unet_head_bit_exact)
{
    static const char *const specs[] = {"int8", "w4a6"};
    net_network *net = NULL;
    ck_assert_msg(net_load_string("unet.yaml", unet_head, strlen(unet_head), &net) == BASE_OK, "%s",
                  base_last_error());
    check_loaded(net, "unet_head", specs[_i], 21u + (uint64_t)_i, ap_macs(net), net->n_layers);
}
END_TEST

/* A matmul of two activations (C x H x K times C x K x N), then more layers. */
START_TEST(test_infer_matmul_bit_exact)
{
    static const char yaml[] =
        "name: mm\n"
        "input: {channels: 2, height: 6, width: 6}\n"
        "layers:\n"
        "  - {name: a, type: conv, out: 2, kernel: 1}\n"
        "  - {name: b, type: conv, out: 2, kernel: 3, pad: 1, input: input}\n"
        "  - {name: mm, type: matmul, inputs: [a, b]}\n"
        "  - {name: r, type: relu}\n"
        "  - {name: sq, type: matmul, inputs: [r, input]}\n"
        "  - {name: c, type: conv, out: 3, kernel: 3}\n";
    net_network *net = NULL;
    ck_assert_msg(net_load_string("mm.yaml", yaml, strlen(yaml), &net) == BASE_OK, "%s",
                  base_last_error());
    check_loaded(net, "mm", "int8", 31u, net->total_macs, net->n_layers);
}
END_TEST

/* The reference against the operators' definitions, computed here independently: a deconv by
 * scattering each input pixel times the kernel (ONNX ConvTranspose), a bilinear resize by
 * half_pixel interpolation in exact quarters (scale 2), a nearest resize by floor(o / s), a
 * concat by stacking on the common scale. One-layer networks: the output layer is stored
 * unrequantized. */
static void ref_one(const char *yaml, const int32_t *w, const int32_t *in, int64_t *out)
{
    net_network *net = NULL;
    net_bitcfg *bits = NULL;
    exec_qmodel *qm = NULL;
    load_int8("one.yaml", yaml, &net, &bits);
    ck_assert_int_eq(exec_qmodel_new(net, bits, &qm), BASE_OK);
    const net_layer *l = &net->layers[net->n_layers - 1];
    if (w)
        memcpy(qm->layers[net->n_layers - 1].weight, w,
               (size_t)l->c_out * (size_t)(l->c_in * l->kh * l->kw) * sizeof *w);
    size_t n = exec_infer_out_elems(net);
    int32_t *o = calloc(n, sizeof *o);
    ck_assert_int_eq(exec_infer_reference(qm, in, 1, o), BASE_OK);
    for (size_t j = 0; j < n; j++)
        out[j] = o[j];
    free(o);
    exec_qmodel_free(qm);
    net_bitcfg_free(bits);
    net_free(net);
}

START_TEST(test_ref_tensor_kinds_by_definition)
{
    int32_t in[2 * 3 * 3], w[2 * 2 * 3 * 3]; /* c_in 2, 3x3; weights [oc][ic][ky][kx] */
    for (int i = 0; i < 18; i++)
        in[i] = (i * 37 % 23) - 11;
    for (int i = 0; i < 36; i++)
        w[i] = (i * 29 % 19) - 9;
    /* deconv 3x3 stride 2 pad 1 out_pad 1: 3x3 -> 6x6 */
    int64_t got[2 * 9 * 9], want[2 * 6 * 6] = {0};
    ref_one("name: d\ninput: {channels: 2, height: 3, width: 3}\nlayers:\n"
            "  - {name: d, type: deconv, out: 2, kernel: 3, stride: 2, pad: 1, out_pad: 1, "
            "bias: false}\n",
            w, in, got);
    for (int ic = 0; ic < 2; ic++)
        for (int iy = 0; iy < 3; iy++)
            for (int ix = 0; ix < 3; ix++)
                for (int oc = 0; oc < 2; oc++)
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) {
                            int oy = iy * 2 - 1 + ky, ox = ix * 2 - 1 + kx;
                            if (oy >= 0 && oy < 6 && ox >= 0 && ox < 6)
                                want[(oc * 6 + oy) * 6 + ox] +=
                                    (int64_t)in[(ic * 3 + iy) * 3 + ix] *
                                    w[((oc * 2 + ic) * 3 + ky) * 3 + kx];
                        }
    for (int j = 0; j < 72; j++)
        ck_assert_msg(got[j] == want[j], "deconv %d: %lld, want %lld", j, (long long)got[j],
                      (long long)want[j]);
    /* bilinear x2: 16 x the half_pixel interpolation, edges clamped */
    ref_one("name: b\ninput: {channels: 2, height: 3, width: 3}\nlayers:\n"
            "  - {name: b, type: resize, scale: 2, mode: bilinear}\n",
            NULL, in, got);
    for (int c = 0; c < 2; c++)
        for (int oy = 0; oy < 6; oy++)
            for (int ox = 0; ox < 6; ox++) {
                double sy = fmax(0, (oy + 0.5) / 2 - 0.5), sx = fmax(0, (ox + 0.5) / 2 - 0.5);
                int y0 = (int)sy, x0 = (int)sx, y1 = y0 < 2 ? y0 + 1 : 2, x1 = x0 < 2 ? x0 + 1 : 2;
                double fy = sy - y0, fx = sx - x0;
                const int32_t *p = in + c * 9;
                double v = (1 - fy) * ((1 - fx) * p[y0 * 3 + x0] + fx * p[y0 * 3 + x1]) +
                           fy * ((1 - fx) * p[y1 * 3 + x0] + fx * p[y1 * 3 + x1]);
                ck_assert_int_eq(got[(c * 6 + oy) * 6 + ox], (int64_t)llround(16 * v));
            }
    /* nearest x3 and a concat of the input with itself */
    ref_one("name: n\ninput: {channels: 2, height: 3, width: 3}\nlayers:\n"
            "  - {name: n, type: resize, scale: 3}\n",
            NULL, in, got);
    for (int j = 0; j < 2 * 9 * 9; j++) {
        int c = j / 81, oy = j / 9 % 9, ox = j % 9;
        ck_assert_int_eq(got[j], in[c * 9 + oy / 3 * 3 + ox / 3]);
    }
    /* a concat of two inputs at one scale: each times the largest 9-bit multiplier, 255 */
    ref_one("name: k\ninput: {channels: 2, height: 3, width: 3}\nlayers:\n"
            "  - {name: k, type: concat, inputs: [input, input]}\n",
            NULL, in, got);
    for (int j = 0; j < 36; j++)
        ck_assert_int_eq(got[j], 255 * in[j % 18]);
}
END_TEST

Suite *infer_suite(void)
{
    Suite *s = suite_create("infer");
    TCase *tc = tcase_create("net");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, test_infer_resnet18_bit_exact, 0, 2);
    tcase_add_test(tc, test_infer_resnet50_bit_exact);
    tcase_add_test(tc, test_infer_hawq_mixed_bit_exact);
    tcase_add_test(tc, test_infer_errors);
    suite_add_tcase(s, tc);
    tc = tcase_create("mobile");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_infer_mobile_bit_exact, 0, 2);
    tcase_add_loop_test(tc, test_infer_pool_spanning_caps_bit_exact, 0, 4);
    suite_add_tcase(s, tc);
    tc = tcase_create("tables");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_infer_table_kinds_bit_exact, 0, 2);
    tcase_add_test(tc, test_softmax_matches_float);
    tcase_add_test(tc, test_softmax_too_wide_refused);
    suite_add_tcase(s, tc);
    tc = tcase_create("requant");
    tcase_add_loop_test(tc, test_requant_choose_precision, 0, 4);
    tcase_add_test(tc, test_counters_add);
    tcase_add_test(tc, test_qmodel_new_rejects_kind_without_row);
    tcase_add_test(tc, test_qmodel_new_rejects_one_bit_hard_kinds);
    tcase_add_test(tc, test_gemm_layout_matches_plan);
    tcase_add_test(tc, test_shared_helpers);
    tcase_add_test(tc, test_calibrate_shared_equals_whole);
    suite_add_tcase(s, tc);
    tc = tcase_create("tensor"); /* concat, resize, deconv, matmul */
    tcase_add_loop_test(tc, test_infer_unet_head_bit_exact, 0, 2);
    tcase_add_test(tc, test_infer_matmul_bit_exact);
    tcase_add_test(tc, test_ref_tensor_kinds_by_definition);
    suite_add_tcase(s, tc);
    return s;
}
