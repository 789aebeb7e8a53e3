/* check_dynamic.c - dynamic mixed precision (study/study_dyn_load.c, study_dyn_eval.c,
 * study_dyn_write.c): a one-config schedule equals the static run bit for bit, the AP's zero
 * switching cost follows from its pass counts (A then B costs cost(A) + cost(B)), fixed-at-max
 * never beats bit-fluid, budget selection, cascade endpoints, weight storage, outputs, and every
 * schedule-loader error path. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "study/study.h"

Suite *dynamic_suite(void);

/* ---- helpers -------------------------------------------------------------------------- */
#define HEAD "name: t\nnetwork: resnet18\nrivals: []\n"

static study_dyn_schedule *sched_ok(const char *text)
{
    study_dyn_schedule *s = NULL;
    base_status st = study_dyn_load_string("s.yaml", text, strlen(text), &s);
    ck_assert_msg(st == BASE_OK, "%s", base_last_error());
    return s;
}

static study_dyn_result *eval_ok(const study_dyn_schedule *s)
{
    study_dyn_result *r = NULL;
    base_status st = study_dyn_eval(s, &r);
    ck_assert_msg(st == BASE_OK, "%s", base_last_error());
    return r;
}

static void sched_fails(const char *text, base_status want, const char *msg)
{
    study_dyn_schedule *s = NULL;
    base_status st = study_dyn_load_string("s.yaml", text, strlen(text), &s);
    ck_assert_msg(st == want, "status %d, want %d: %s", st, want, base_last_error());
    ck_assert_ptr_null(s);
    ck_assert_str_eq(base_last_error(), msg);
}

/* The static AP run of a config of s (same network, architecture, technology, supply). */
static sim_result *static_run(const study_dyn_schedule *s, size_t config, uint64_t *passes)
{
    sim_plan *plan = NULL;
    sim_result *res = NULL;
    ck_assert_int_eq(sim_plan_new(s->net, s->configs[config].bits, &s->arch, &plan), BASE_OK);
    ck_assert_int_eq(sim_result_new(plan, &res), BASE_OK);
    ck_assert_int_eq(sim_plan_eval(plan, s->tech, s->vdd_v, res), BASE_OK);
    if (passes)
        *passes = study_dyn_plan_passes(plan, res);
    sim_plan_free(plan);
    return res;
}

static const study_dyn_design *design(const study_dyn_point *pt, const char *name)
{
    for (size_t k = 0; k < pt->n_designs; k++)
        if (strcmp(pt->design[k].name, name) == 0)
            return &pt->design[k];
    ck_abort_msg("no design %s", name);
    return NULL;
}

/* ---- equality with the static run ---------------------------------------------------- */
START_TEST(test_dyn_one_config_equals_static)
{
    study_dyn_schedule *s = sched_ok(HEAD "kind: per_request\n"
                                          "configs: [{name: a, bits: resnet18_latency_0.5}]\n"
                                          "requests: [{config: a}]\n");
    study_dyn_result *r = eval_ok(s);
    uint64_t passes;
    sim_result *st = static_run(s, 0, &passes);
    ck_assert_uint_eq(r->n_rows, 1);
    /* Bit for bit: the same plan evaluated the same way. */
    ck_assert(r->rows[0].latency_ns == st->latency_ns);
    ck_assert(r->rows[0].energy_pj == st->energy_pj);
    ck_assert_uint_eq(r->rows[0].n_passes, passes);
    const study_dyn_design *d = design(&r->points[0], "ap_bit_fluid");
    ck_assert(d->latency_ns == st->latency_ns);
    ck_assert(d->energy_pj == st->energy_pj);
    ck_assert(d->edp_total_js == sim_edp_js(st->energy_pj, st->latency_ns));
    ck_assert_double_eq_tol(r->points[0].top1_pct, 70.34, 1e-12);
    /* The only config is its own best static one: no difference. */
    ck_assert_int_eq(r->points[0].best_static, 0);
    ck_assert_double_eq_tol(r->points[0].edp_vs_best_static_pct, 0, 1e-9);
    /* A single config is its own maximum: fixed-at-max costs the same. */
    ck_assert_int_eq(r->max_config, 0);
    ck_assert(design(&r->points[0], "ap_fixed_max")->latency_ns == st->latency_ns);
    sim_result_free(st);
    study_dyn_result_free(r);
    study_dyn_free(s);
}
END_TEST

START_TEST(test_dyn_repeat_sums_static)
{
    study_dyn_schedule *s = sched_ok(HEAD "kind: per_request\n"
                                          "configs: [{name: a, bits: resnet18_uniform4}]\n"
                                          "requests: [{config: a, repeat: 3}]\n");
    study_dyn_result *r = eval_ok(s);
    sim_result *st = static_run(s, 0, NULL);
    double lat = 0, en = 0;
    for (int i = 0; i < 3; i++) {
        lat += st->latency_ns;
        en += st->energy_pj;
    }
    const study_dyn_design *d = design(&r->points[0], "ap_bit_fluid");
    ck_assert(d->latency_ns == lat);
    ck_assert(d->energy_pj == en);
    ck_assert_uint_eq(d->n_runs, 3);
    ck_assert_double_eq_tol(d->edp_per_input_js, st->edp_pj_ns * 1e-21,
                            1e-12 * d->edp_per_input_js);
    sim_result_free(st);
    study_dyn_result_free(r);
    study_dyn_free(s);
}
END_TEST

/* 10^6 requests of one config: a running sum drifted above the config's own accuracy and left
 * no best static config (index -1). The count-based mean keeps it the best static one. */
START_TEST(test_dyn_many_requests_best_static)
{
    study_dyn_schedule *s = sched_ok(HEAD "kind: per_request\n"
                                          "configs: [{name: a, bits: int4, top1: 68.45},\n"
                                          "          {name: b, bits: int8, top1: 71.5}]\n"
                                          "requests: [{config: a, repeat: 1000000}]\n");
    study_dyn_result *r = eval_ok(s);
    ck_assert_uint_eq(r->points[0].n_requests, 1000000);
    ck_assert_double_eq_tol(r->points[0].top1_pct, 68.45, 1e-9);
    ck_assert_int_eq(r->points[0].best_static, 0);
    ck_assert(r->points[0].best_static_edp_js == r->statics[0].edp_js);
    study_dyn_result_free(r);
    study_dyn_free(s);
}
END_TEST

/* ---- zero switching cost on the AP: a property of the pass counts -------------------- */
START_TEST(test_dyn_switch_free_additive)
{
    study_dyn_schedule *s = sched_ok("name: t\nnetwork: resnet18\nrivals: [bitsys]\n"
                                     "kind: per_request\n"
                                     "configs: [{name: a, bits: resnet18_uniform8},\n"
                                     "          {name: b, bits: resnet18_uniform4}]\n"
                                     "requests: [{config: a}, {config: b}, {config: b},\n"
                                     "           {config: a}]\n");
    study_dyn_result *r = eval_ok(s);
    uint64_t pa, pb;
    sim_result *ra = static_run(s, 0, &pa), *rb = static_run(s, 1, &pb);
    /* Each request pays exactly its own config's passes, whatever ran before it. */
    ck_assert_uint_eq(r->rows[0].n_passes, pa);
    ck_assert_uint_eq(r->rows[1].n_passes, pb);
    ck_assert_uint_eq(r->rows[2].n_passes, pb);
    ck_assert_uint_eq(r->rows[3].n_passes, pa);
    /* Only the passes of the precision in use: INT4 needs far fewer than INT8. */
    ck_assert_uint_lt(pb, pa);
    /* A then B then B then A = cost(A) + cost(B) + cost(B) + cost(A), exactly. */
    const study_dyn_design *d = design(&r->points[0], "ap_bit_fluid");
    ck_assert(d->latency_ns ==
              ((ra->latency_ns + rb->latency_ns) + rb->latency_ns) + ra->latency_ns);
    ck_assert(d->energy_pj == ((ra->energy_pj + rb->energy_pj) + rb->energy_pj) + ra->energy_pj);
    ck_assert(d->switch_latency_ns == 0 && d->switch_energy_pj == 0);
    ck_assert_uint_eq(d->n_switches, 0);
    /* A rival with a precision mode pays for the changes (two between requests at least). */
    const study_dyn_design *b = design(&r->points[0], "bitsys");
    ck_assert(b->supported);
    ck_assert(b->switch_latency_ns > 0);
    ck_assert_uint_ge(b->n_switches, 2);
    sim_result_free(ra);
    sim_result_free(rb);
    study_dyn_result_free(r);
    study_dyn_free(s);
}
END_TEST

START_TEST(test_dyn_order_independent)
{
    study_dyn_schedule *s1 = sched_ok(HEAD "kind: per_layer\n"
                                           "configs: [{name: a, bits: resnet18_latency_0.75},\n"
                                           "          {name: b, bits: resnet18_latency_0.25}]\n"
                                           "requests: [{cycle: [a, b], repeat: 2}]\n");
    study_dyn_schedule *s2 =
        sched_ok(HEAD "kind: per_layer\n"
                      "configs: [{name: a, bits: resnet18_latency_0.75},\n"
                      "          {name: b, bits: resnet18_latency_0.25}]\n"
                      "requests: [{config: b, repeat: 2}, {config: a, repeat: 2}]\n");
    study_dyn_result *r1 = eval_ok(s1), *r2 = eval_ok(s2);
    ck_assert_uint_eq(r1->n_rows, 4);
    ck_assert_int_eq(r1->rows[0].config, 0);
    ck_assert_int_eq(r1->rows[1].config, 1);
    ck_assert_int_eq(r1->rows[2].config, 0);
    /* No mode state: the totals do not depend on the order (up to summation order). */
    const study_dyn_design *d1 = design(&r1->points[0], "ap_bit_fluid");
    const study_dyn_design *d2 = design(&r2->points[0], "ap_bit_fluid");
    ck_assert_double_eq_tol(d1->latency_ns, d2->latency_ns, 1e-9 * d1->latency_ns);
    ck_assert_double_eq_tol(d1->energy_pj, d2->energy_pj, 1e-9 * d1->energy_pj);
    study_dyn_result_free(r1);
    study_dyn_result_free(r2);
    study_dyn_free(s1);
    study_dyn_free(s2);
}
END_TEST

/* ---- fixed at the maximum precision --------------------------------------------------- */
START_TEST(test_dyn_fixed_max_costs_more)
{
    study_dyn_schedule *s = sched_ok(HEAD "kind: per_layer\n"
                                          "configs: [{name: a, bits: resnet18_latency_0.75},\n"
                                          "          {name: b, bits: resnet18_latency_0.5},\n"
                                          "          {name: c, bits: resnet18_latency_0.25}]\n"
                                          "requests: [{cycle: [a, b, c], repeat: 2}]\n");
    study_dyn_result *r = eval_ok(s);
    const study_dyn_design *f = design(&r->points[0], "ap_bit_fluid");
    const study_dyn_design *m = design(&r->points[0], "ap_fixed_max");
    ck_assert_double_ge(m->latency_ns, f->latency_ns);
    ck_assert_double_ge(m->energy_pj, f->energy_pj);
    ck_assert_double_gt(m->edp_per_input_js, f->edp_per_input_js);
    ck_assert_uint_eq(m->n_runs, 6);
    /* The maximum holds every layer at the widest of the three configs. */
    for (size_t i = 0; i < s->net->n_layers; i++)
        for (size_t c = 0; c < 3; c++) {
            ck_assert_uint_ge(r->max_bits->bits[i].w_bits, s->configs[c].bits->bits[i].w_bits);
            ck_assert_uint_ge(r->max_bits->bits[i].a_bits, s->configs[c].bits->bits[i].a_bits);
        }
    study_dyn_result_free(r);
    study_dyn_free(s);
}
END_TEST

/* ---- budgets -------------------------------------------------------------------------- */
#define FIVE_CONFIGS                                                                               \
    "configs: [{name: i8, bits: resnet18_uniform8},\n"                                             \
    "          {name: l75, bits: resnet18_latency_0.75},\n"                                        \
    "          {name: l50, bits: resnet18_latency_0.5},\n"                                         \
    "          {name: l25, bits: resnet18_latency_0.25},\n"                                        \
    "          {name: i4, bits: resnet18_uniform4}]\n"

START_TEST(test_dyn_budget_most_accurate_fit)
{
    /* Budgets sit between the configs' static AP figures, computed first, so the test checks
     * the selection rule rather than particular latencies. */
    study_dyn_schedule *probe =
        sched_ok(HEAD "kind: per_request\n" FIVE_CONFIGS "requests: [{config: i8}]\n");
    study_dyn_result *pr = eval_ok(probe);
    double ms[5], mj[5];
    for (size_t c = 0; c < 5; c++) {
        ms[c] = pr->statics[c].latency_ns * 1e-6;
        mj[c] = pr->statics[c].energy_pj * 1e-9;
    }
    study_dyn_result_free(pr);
    study_dyn_free(probe);
    char text[2048];
    snprintf(text, sizeof text,
             HEAD "kind: per_request\n" FIVE_CONFIGS
                  "requests: [{budget_ms: 1000}, {budget_ms: %.6f},\n"
                  "           {budget_ms: %.6f}, {budget_ms: %.6f},\n"
                  "           {budget_mj: %.6f}, {budget_ms: %.6f, budget_mj: %.6f},\n"
                  "           {budget_ms: 0.001}, {budget_mj: 0.001}]\n",
             0.5 * (ms[0] + ms[1]), 0.5 * (ms[1] + ms[2]), 0.5 * (ms[2] + ms[3]), 1.5 * mj[4],
             1.01 * ms[3], 1.01 * mj[3]);
    study_dyn_schedule *s = sched_ok(text);
    study_dyn_result *r = eval_ok(s);
    for (size_t i = 0; i < r->n_rows; i++) {
        const study_dyn_row *w = &r->rows[i];
        for (size_t c = 0; c < 5; c++) {
            const study_dyn_static *x = &r->statics[c];
            int fits = (w->budget_ms <= 0 || x->latency_ns * 1e-6 <= w->budget_ms) &&
                       (w->budget_mj <= 0 || x->energy_pj * 1e-9 <= w->budget_mj);
            /* Met: nothing that fits is more accurate. Missed: nothing fits at all. */
            if (w->met)
                ck_assert_msg(!fits || s->configs[c].top1_pct <= w->top1_pct,
                              "request %zu: %s fits and is more accurate", i, s->configs[c].name);
            else
                ck_assert_msg(!fits, "request %zu missed but %s fits", i, s->configs[c].name);
        }
    }
    ck_assert_str_eq(s->configs[r->rows[0].config].name, "i8");
    ck_assert_str_eq(s->configs[r->rows[1].config].name, "l75");
    ck_assert_str_eq(s->configs[r->rows[2].config].name, "l50");
    ck_assert_str_eq(s->configs[r->rows[3].config].name, "l25");
    ck_assert_int_eq(r->rows[3].met, 1);
    /* Nothing fits: the fastest (latency budget) or the most frugal (energy only) runs. */
    ck_assert_int_eq(r->rows[6].met, 0);
    ck_assert_str_eq(s->configs[r->rows[6].config].name, "i4");
    ck_assert_int_eq(r->rows[7].met, 0);
    ck_assert_str_eq(s->configs[r->rows[7].config].name, "i4");
    ck_assert_uint_eq(design(&r->points[0], "ap_bit_fluid")->n_missed, 2);
    study_dyn_result_free(r);
    study_dyn_free(s);
}
END_TEST

/* ---- cascades ------------------------------------------------------------------------- */
START_TEST(test_dyn_cascade_endpoints)
{
    study_dyn_schedule *s = sched_ok(HEAD "kind: cascade\n"
                                          "configs: [{name: lo, bits: resnet18_uniform4},\n"
                                          "          {name: hi, bits: resnet18_uniform8}]\n"
                                          "cascade: {low: lo, high: hi, inputs: 4,\n"
                                          "          fractions: [0, 0.3, 0.5, 1]}\n");
    study_dyn_result *r = eval_ok(s);
    sim_result *lo = static_run(s, 0, NULL), *hi = static_run(s, 1, NULL);
    ck_assert_uint_eq(r->n_points, 4);
    const study_dyn_point *p0 = &r->points[0], *p3 = &r->points[3];
    double lat0 = 0, lat1 = 0;
    for (int i = 0; i < 4; i++) {
        lat0 += lo->latency_ns;
        lat1 = (lat1 + lo->latency_ns) + hi->latency_ns;
    }
    /* f = 0: the low static run, input after input. */
    ck_assert(design(p0, "ap_bit_fluid")->latency_ns == lat0);
    ck_assert_double_eq_tol(p0->top1_pct, 68.45, 1e-12);
    ck_assert_uint_eq(p0->n_requests, 4);
    /* f = 1: every input also re-run at high precision; the accuracy is the high one's. */
    ck_assert(design(p3, "ap_bit_fluid")->latency_ns == lat1);
    ck_assert_double_eq_tol(p3->top1_pct, 71.56, 1e-12);
    ck_assert_uint_eq(p3->n_requests, 8);
    /* 0.3 of 4 inputs rounds to 1 re-run; 0.5 gives 2 and the mixing accuracy. */
    ck_assert_uint_eq(r->points[1].n_rerun, 1);
    ck_assert_double_eq_tol(r->points[1].fraction, 0.25, 1e-12);
    ck_assert_uint_eq(r->points[2].n_rerun, 2);
    ck_assert_double_eq_tol(r->points[2].top1_pct, 0.5 * 68.45 + 0.5 * 71.56, 1e-9);
    /* A fixed design runs each input once at the high precision. */
    const study_dyn_design *m = design(p3, "ap_fixed_max");
    ck_assert_uint_eq(m->n_runs, 4);
    ck_assert_double_eq_tol(m->latency_ns, 4 * hi->latency_ns, 1e-9 * m->latency_ns);
    ck_assert_int_eq(r->max_config, 1);
    ck_assert_double_eq_tol(m->top1_pct, 71.56, 1e-12);
    /* Best static at f = 0.5 (average 70.005%): only INT8 reaches it. */
    ck_assert_int_eq(r->points[2].best_static, 1);
    sim_result_free(lo);
    sim_result_free(hi);
    study_dyn_result_free(r);
    study_dyn_free(s);
}
END_TEST

/* ---- weight storage ------------------------------------------------------------------- */
START_TEST(test_dyn_storage_policies)
{
    study_dyn_schedule *s = sched_ok(HEAD "kind: per_request\n"
                                          "configs: [{name: a, bits: int8, top1: 71.5},\n"
                                          "          {name: b, bits: int4, top1: 68.4},\n"
                                          "          {name: c, bits: w8a4, top1: 70.0}]\n"
                                          "requests: [{config: a}, {config: b}, {config: c}]\n");
    study_dyn_result *r = eval_ok(s);
    net_totals t8, t4;
    net_totals_compute(s->net, s->configs[0].bits, &t8);
    net_totals_compute(s->net, s->configs[1].bits, &t4);
    /* Test-only accuracies. w8a4 shares INT8's 8-bit weights: it adds no copy. */
    ck_assert_double_eq_tol(r->storage.msb_bits, (double)t8.param_bits, 0.5);
    ck_assert_double_eq_tol(r->storage.per_precision_bits, (double)(t8.param_bits + t4.param_bits),
                            0.5);
    /* The shipped MAPs are sized from the network: whole 8 Mbit banks for the MSB copy. */
    ck_assert_double_eq_tol(r->storage.capacity_bits,
                            ceil((double)t8.param_bits / (65536.0 * 128)) * 65536.0 * 128, 0.5);
    ck_assert_int_eq(r->storage.msb_fits, 1);
    ck_assert_int_eq(r->storage.per_precision_fits,
                     r->storage.per_precision_bits <= r->storage.capacity_bits);
    study_dyn_result_free(r);
    study_dyn_free(s);
}
END_TEST

START_TEST(test_dyn_storage_overflow)
{
    /* Four weight widths (test-only accuracies): 26 bits per weight do not fit the MAPs sized
     * for the 8-bit MSB copy, which does. Only configs the schedule uses count (e is never run). */
    study_dyn_schedule *s = sched_ok(HEAD "kind: per_request\n"
                                          "configs: [{name: a, bits: int8, top1: 71.5},\n"
                                          "          {name: b, bits: w7a8, top1: 71.4},\n"
                                          "          {name: c, bits: w6a8, top1: 71.0},\n"
                                          "          {name: d, bits: w5a8, top1: 70.1},\n"
                                          "          {name: e, bits: w4a8, top1: 69.0}]\n"
                                          "requests: [{cycle: [a, b, c, d]}]\n");
    study_dyn_result *r = eval_ok(s);
    double per = 0;
    for (size_t c = 0; c < 4; c++) {
        net_totals t;
        net_totals_compute(s->net, s->configs[c].bits, &t);
        per += (double)t.param_bits;
        if (c == 0)
            ck_assert_double_eq_tol(r->storage.msb_bits, (double)t.param_bits, 0.5);
    }
    ck_assert_double_eq_tol(r->storage.per_precision_bits, per, 0.5);
    ck_assert_int_eq(r->storage.msb_fits, 1);
    ck_assert_int_eq(r->storage.per_precision_fits, 0);
    ck_assert_double_gt(r->storage.per_precision_bits, r->storage.capacity_bits);
    /* The maximum is a config of the schedule (INT8), so it carries its accuracy. */
    ck_assert_int_eq(r->max_config, 0);
    study_dyn_result_free(r);
    study_dyn_free(s);
}
END_TEST

/* ---- rivals that cannot run a config -------------------------------------------------- */
START_TEST(test_dyn_rival_unsupported)
{
    study_dyn_schedule *s = sched_ok("name: t\nnetwork: resnet18\nrivals: [potacc, sparq]\n"
                                     "kind: per_request\n"
                                     "configs: [{name: a, bits: int8, top1: 71.5},\n"
                                     "          {name: w, bits: w10a4, top1: 71.7}]\n"
                                     "requests: [{config: a}, {config: w}]\n");
    study_dyn_result *r = eval_ok(s);
    const study_dyn_design *p = design(&r->points[0], "potacc");
    ck_assert_int_eq(p->supported, 0);
    ck_assert_ptr_nonnull(strstr(p->reason, "at most 8-bit weights"));
    ck_assert_int_eq(design(&r->points[0], "potacc_fixed_max")->supported, 0);
    ck_assert_int_eq(design(&r->points[0], "sparq")->supported, 1);
    study_dyn_result_free(r);
    study_dyn_free(s);
}
END_TEST

/* ---- outputs -------------------------------------------------------------------------- */
START_TEST(test_dyn_outputs_written)
{
    char dir[] = "/tmp/check_dynamic.XXXXXX", path[256], line[512];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    study_dyn_schedule *s =
        sched_ok(HEAD "kind: cascade\n"
                      "configs: [{name: lo, bits: resnet18_uniform4},\n"
                      "          {name: hi, bits: resnet18_uniform8}]\n"
                      "cascade: {low: lo, high: hi, inputs: 2, fractions: [0, 1]}\n");
    study_dyn_result *r = eval_ok(s);
    ck_assert_int_eq(study_dyn_write_outputs(r, dir), BASE_OK);
    static const char *const files[] = {"requests.csv", "summary.csv", "summary.json",
                                        "family.csv",   "static.csv",  "plots.list"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        FILE *fp = fopen(path, "r");
        ck_assert_msg(fp != NULL, "%s missing", files[i]);
        ck_assert_ptr_nonnull(fgets(line, sizeof line, fp));
        if (i == 0)
            ck_assert_str_eq(line, "point,fraction,request,input,rerun,config,budget_ms,"
                                   "budget_mj,met,passes,latency_ms,energy_mj,edp_js,top1_pct\n");
        if (i == 5)
            ck_assert(strncmp(line, "dynamic|family.csv|", 19) == 0);
        fclose(fp);
        unlink(path);
    }
    rmdir(dir);
    study_dyn_result_free(r);
    study_dyn_free(s);
}
END_TEST

START_TEST(test_dyn_out_of_memory)
{
    /* Every allocation of load and evaluation may fail: the status is BASE_ENOMEM (or an error
     * the failing loader reports) and nothing leaks (checked under ASan). Sampled every 7th
     * allocation at first, then more sparsely (planning traces allocate per candidate), to keep
     * the suite fast. */
    static const char text[] = "name: t\nnetwork: alexnet\nrivals: [bitsys]\nkind: cascade\n"
                               "configs: [{name: lo, bits: int4, top1: 50},\n"
                               "          {name: hi, bits: int8, top1: 56}]\n"
                               "cascade: {low: lo, high: hi, inputs: 2, fractions: [0.5]}\n";
    int done = 0;
    for (long n = 1; !done && n < 200000; n += 7 + n / 8) {
        study_dyn_schedule *s = NULL;
        study_dyn_result *r = NULL;
        base_alloc_fail_after(n);
        base_status st = study_dyn_load_string("s.yaml", text, strlen(text), &s);
        if (st == BASE_OK)
            st = study_dyn_eval(s, &r);
        base_alloc_fail_reset();
        if (st == BASE_OK)
            done = 1;
        else
            ck_assert_int_ne(st, BASE_OK);
        study_dyn_result_free(r);
        study_dyn_free(s);
    }
    ck_assert(done);
}
END_TEST

/* ---- loader errors: one per path, exact file:line:col ---------------------------------- */
typedef struct bad_case {
    const char *text;
    base_status status;
    const char *msg;
} bad_case;

#define PR "name: t\nnetwork: resnet18\nrivals: []\nkind: per_request\n"
#define CF "configs: [{name: a, bits: resnet18_uniform8}, {name: b, bits: resnet18_uniform4}]\n"

static const bad_case bad_cases[] = {
    {PR CF "requests: [{config: a}]\nfoo: 1\n", BASE_EKEY,
     "s.yaml:7:1: error: unknown key 'foo' in 'schedule'"},
    {PR CF "requests: [{config: a}]\nkind: cascade\n", BASE_EKEY,
     "s.yaml:7:1: error: duplicate key 'kind' (first at line 4)"},
    {PR CF "requests: 5\n", BASE_ETYPE,
     "s.yaml:6:11: error: expected a sequence for 'requests', found a scalar"},
    {PR "configs: []\nrequests: [{config: a}]\n", BASE_EINVAL,
     "s.yaml:5:10: error: empty 'configs': a schedule needs at least one"},
    {PR "requests: [{config: a}]\n", BASE_EKEY,
     "s.yaml:1:1: error: missing key 'configs' in 'schedule'"},
    {PR CF "requests: []\n", BASE_EINVAL,
     "s.yaml:6:11: error: empty 'requests': a schedule needs at least one"},
    {PR CF, BASE_EKEY, "s.yaml:1:1: error: missing key 'requests' in 'schedule'"},
    {PR CF "requests: [{config: z}]\n", BASE_ENOTFOUND,
     "s.yaml:6:21: error: unknown config 'z' (not listed under 'configs')"},
    {"name: t\nnetwork: resnet18\nkind: burst\n", BASE_EINVAL,
     "s.yaml:3:7: error: unknown schedule kind 'burst' (per_request, cascade or per_layer)"},
    {"name: t\nnetwork: resnet18\n", BASE_EKEY,
     "s.yaml:1:1: error: missing key 'kind' in 'schedule'"},
    {"- a\n", BASE_ETYPE, "s.yaml:1:1: error: expected a mapping for 'schedule', found a sequence"},
    {PR CF "requests: [{config: a, budget_ms: 3}]\n", BASE_EINVAL,
     "s.yaml:6:12: error: a request needs exactly one of 'config', 'cycle' or a budget "
     "('budget_ms', 'budget_mj')"},
    {PR CF "requests: [{repeat: 2}]\n", BASE_EINVAL,
     "s.yaml:6:12: error: a request needs exactly one of 'config', 'cycle' or a budget "
     "('budget_ms', 'budget_mj')"},
    {PR CF "requests: [{config: a, repeat: 0}]\n", BASE_ERANGE,
     "s.yaml:6:32: error: value 0 is outside 1..1000000"},
    {PR CF "requests: [{budget_ms: fast}]\n", BASE_ETYPE,
     "s.yaml:6:24: error: expected a number, found 'fast'"},
    {PR CF "requests: [{budget_mj: -2}]\n", BASE_ERANGE,
     "s.yaml:6:24: error: value -2 is outside 1e-09..1e+12"},
    {PR CF "requests: [{config: a, colour: red}]\n", BASE_EKEY,
     "s.yaml:6:24: error: unknown key 'colour' in 'requests'"},
    {PR CF "requests: [{cycle: []}]\n", BASE_EINVAL, "s.yaml:6:20: error: empty 'cycle'"},
    {PR CF "requests: [{cycle: a}]\n", BASE_ETYPE,
     "s.yaml:6:20: error: expected a sequence for 'cycle', found a scalar"},
    {PR CF "requests: [{config: a, repeat: 600000}, {config: b, repeat: 600000}]\n", BASE_ERANGE,
     "s.yaml:6:41: error: more than 1000000 requests"},
    {PR "configs: [{name: a, bits: resnet18_uniform8}, {name: a, bits: int4}]\n"
        "requests: [{config: a}]\n",
     BASE_EINVAL, "s.yaml:5:54: error: duplicate config name 'a'"},
    {PR "configs: [{name: a, bits: int8}]\nrequests: [{config: a}]\n", BASE_EKEY,
     "s.yaml:5:11: error: config 'a' has no published top-1 accuracy: give 'top1' (percent)"},
    {PR "configs: [{name: a, bits: int8, top1: 101}]\nrequests: [{config: a}]\n", BASE_ERANGE,
     "s.yaml:5:39: error: value 101 is outside 0..100"},
    {PR "configs: [{name: a, bits: int99}]\nrequests: [{config: a}]\n", BASE_ENOTFOUND,
     "s.yaml:5:27: error: config: unknown bit configuration 'int99': not a shorthand (int8, "
     "int4, wXaY[rZ]), a file, or a shipped scheme networks/hawq_v3/<name>.yaml"},
    {PR "configs: [{name: a}]\nrequests: [{config: a}]\n", BASE_EKEY,
     "s.yaml:5:11: error: missing key 'bits' in 'configs'"},
    {PR "configs: [{name: '', bits: int8}]\nrequests: [{config: a}]\n", BASE_EINVAL,
     "s.yaml:5:18: error: empty 'name' in 'configs'"},
    {PR "configs: [{name: a, bits: int8, w: 3}]\nrequests: [{config: a}]\n", BASE_EKEY,
     "s.yaml:5:33: error: unknown key 'w' in 'configs'"},
    {PR CF "static: [{name: s, bits: resnet18_latency_0.5}]\nrequests: [{config: s}]\n",
     BASE_ENOTFOUND, "s.yaml:7:21: error: unknown config 's' (not listed under 'configs')"},
    {PR CF "static: {name: s}\nrequests: [{config: a}]\n", BASE_ETYPE,
     "s.yaml:6:9: error: expected a sequence for 'static', found a mapping"},
    {"name: t\nnetwork: resnet18\nrivals: [tpu]\nkind: per_request\n" CF
     "requests: [{config: a}]\n",
     BASE_ENOTFOUND, "s.yaml:3:10: error: unknown rival 'tpu' (sparq, potacc, bitsys or axbxp)"},
    {"name: t\nnetwork: resnet18\nrivals: [sparq, sparq]\nkind: per_request\n" CF
     "requests: [{config: a}]\n",
     BASE_EINVAL, "s.yaml:3:17: error: rival 'sparq' listed twice"},
    {"name: t\nnetwork: resnet19\nkind: per_request\n" CF "requests: [{config: a}]\n",
     BASE_ENOTFOUND, NULL},
    {"name: t\nnetwork: resnet18\nvdd_v: 5\nkind: per_request\n" CF "requests: [{config: a}]\n",
     BASE_ERANGE, NULL},
    {"name: t\nnetwork: resnet18\nbatch: 0\nkind: per_request\n" CF "requests: [{config: a}]\n",
     BASE_ERANGE, "s.yaml:3:8: error: value 0 is outside 1..65536"},
    {"name: t\nnetwork: resnet18\nkind: cascade\n" CF "requests: [{config: a}]\n", BASE_EKEY,
     "s.yaml:5:1: error: unknown key 'requests' in 'schedule'"},
    {"name: t\nnetwork: resnet18\nkind: cascade\n" CF, BASE_EKEY,
     "s.yaml:1:1: error: missing key 'cascade' in 'schedule'"},
    {"name: t\nnetwork: resnet18\nkind: cascade\n" CF
     "cascade: {low: a, high: a, inputs: 2, fractions: [0]}\n",
     BASE_EINVAL, "s.yaml:5:25: error: cascade 'low' and 'high' name the same config"},
    {"name: t\nnetwork: resnet18\nkind: cascade\n" CF
     "cascade: {low: a, high: b, fractions: [0]}\n",
     BASE_EKEY, "s.yaml:5:10: error: missing key 'inputs' in 'cascade'"},
    {"name: t\nnetwork: resnet18\nkind: cascade\n" CF
     "cascade: {low: a, high: b, inputs: 2, fractions: []}\n",
     BASE_EINVAL, "s.yaml:5:50: error: empty 'fractions'"},
    {"name: t\nnetwork: resnet18\nkind: cascade\n" CF
     "cascade: {low: a, high: b, inputs: 2, fractions: [0.5, 0.5]}\n",
     BASE_EINVAL,
     "s.yaml:5:56: error: fraction 0.5 re-runs 1 of 2 inputs, as fraction 0.5 before it does: "
     "give distinct fractions"},
    {"name: t\nnetwork: resnet18\nkind: cascade\n" CF
     "cascade: {low: a, high: b, inputs: 2, fractions: [0.5, 0.6]}\n",
     BASE_EINVAL,
     "s.yaml:5:56: error: fraction 0.6 re-runs 1 of 2 inputs, as fraction 0.5 before it does: "
     "give distinct fractions"},
    {PR CF "requests: [{cycle: [a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, "
           "a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, a, "
           "a, a, a, a, a, a, a, a, a, a, a, a, a, a]}]\n",
     BASE_ERANGE, "s.yaml:6:20: error: a cycle holds at most 64 configs"},
    {"name: t\nnetwork: resnet18\nkind: cascade\n" CF
     "cascade: {low: a, high: b, inputs: 2, fractions: [0, 1.5]}\n",
     BASE_ERANGE, "s.yaml:5:54: error: value 1.5 is outside 0..1"},
    {"name: t\nnetwork: resnet18\nkind: cascade\n" CF
     "cascade: {low: a, high: c, inputs: 2, fractions: [0]}\n",
     BASE_ENOTFOUND, "s.yaml:5:25: error: unknown config 'c' (not listed under 'configs')"},
    {"name: t\nnetwork: resnet18\nkind: cascade\n" CF
     "cascade: {low: a, high: b, inputs: 0, fractions: [0]}\n",
     BASE_ERANGE, "s.yaml:5:36: error: value 0 is outside 1..500000"},
    {"name: t\nnetwork: resnet18\nkind: cascade\n" CF
     "cascade: {low: a, high: b, inputs: 2, fractions: [0], mode: x}\n",
     BASE_EKEY, "s.yaml:5:55: error: unknown key 'mode' in 'cascade'"},
    {"network: resnet18\nkind: per_request\n" CF "requests: [{config: a}]\n", BASE_EKEY,
     "s.yaml:1:1: error: missing key 'name' in 'schedule'"},
    {"name: t\nnetwork: resnet18\nkind: [a]\n", BASE_ETYPE,
     "s.yaml:3:7: error: expected a scalar, found a sequence"},
    {"name: t\nnetwork: resnet18\ninput_shape: 1x3\nkind: per_request\n" CF
     "requests: [{config: a}]\n",
     BASE_EINVAL,
     "s.yaml:3:14: error: input_shape: input shape '1x3': 2 dimensions (expected NxCxHxW or "
     "CxHxW, e.g. 1x3x224x224)"},
    {"name: t\nnetwork: resnet18\ninput_shape: 1x2x224x224\nkind: per_request\n" CF
     "requests: [{config: a}]\n",
     BASE_ESHAPE,
     "networks/resnet18.yaml:6:8: error: input shape 1x2x224x224 gives 2 channels, network "
     "'resnet18' takes 3 (only N, H and W may change)"},
};

START_TEST(test_dyn_load_errors)
{
    const bad_case *b = &bad_cases[_i];
    if (b->msg) {
        sched_fails(b->text, b->status, b->msg);
        return;
    }
    /* Messages that come from another module's loader: status, and the schedule position. */
    study_dyn_schedule *s = NULL;
    base_status st = study_dyn_load_string("s.yaml", b->text, strlen(b->text), &s);
    ck_assert_msg(st == b->status, "status %d: %s", st, base_last_error());
    ck_assert_ptr_null(s);
    ck_assert_msg(strncmp(base_last_error(), "s.yaml:", 7) == 0, "%s", base_last_error());
}
END_TEST

START_TEST(test_dyn_load_file_errors)
{
    study_dyn_schedule *s = NULL;
    ck_assert_int_eq(study_dyn_load("no/such/schedule.yaml", &s), BASE_ENOTFOUND);
    ck_assert_ptr_null(s);
    /* Every shipped schedule loads. */
    static const char *const shipped[] = {"experiments/dynamic/resnet18_budget.yaml",
                                          "experiments/dynamic/resnet18_cascade.yaml",
                                          "experiments/dynamic/resnet18_per_layer.yaml"};
    for (size_t i = 0; i < sizeof shipped / sizeof shipped[0]; i++) {
        base_status st = study_dyn_load(shipped[i], &s);
        ck_assert_msg(st == BASE_OK, "%s", base_last_error());
        study_dyn_free(s);
    }
    /* input_shape: loads the network at it; the caller's shape wins over the file's. */
    const char *text = "name: t\nnetwork: resnet18\ninput_shape: [3, 112, 112]\n"
                       "kind: per_request\nconfigs: [{name: a, bits: int8, top1: 70}]\n"
                       "requests: [{config: a}]\n";
    s = sched_ok(text);
    ck_assert_str_eq(s->net->name, "resnet18@3x112x112");
    ck_assert_int_eq(s->net->h_in, 112);
    study_dyn_free(s);
    net_input_shape shape;
    ck_assert_int_eq(net_input_shape_parse("1x3x64x64", &shape), BASE_OK);
    ck_assert_int_eq(study_dyn_load_shape("tests/golden/dynamic_small.yaml", &shape, &s), BASE_OK);
    ck_assert_str_eq(s->net->name, "resnet18@3x64x64");
    study_dyn_free(s);
    ck_assert_str_eq(study_dyn_kind_name(STUDY_DYN_PER_LAYER), "per_layer");
    ck_assert_str_eq(study_dyn_kind_name((study_dyn_kind)7), "?");
}
END_TEST

Suite *dynamic_suite(void)
{
    Suite *s = suite_create("dynamic");
    TCase *t = tcase_create("static_equality");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, test_dyn_one_config_equals_static);
    tcase_add_test(t, test_dyn_repeat_sums_static);
    tcase_add_test(t, test_dyn_many_requests_best_static);
    suite_add_tcase(s, t);
    t = tcase_create("switching");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, test_dyn_switch_free_additive);
    tcase_add_test(t, test_dyn_order_independent);
    tcase_add_test(t, test_dyn_fixed_max_costs_more);
    tcase_add_test(t, test_dyn_rival_unsupported);
    suite_add_tcase(s, t);
    t = tcase_create("schedules");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, test_dyn_budget_most_accurate_fit);
    tcase_add_test(t, test_dyn_cascade_endpoints);
    tcase_add_test(t, test_dyn_storage_policies);
    tcase_add_test(t, test_dyn_storage_overflow);
    tcase_add_test(t, test_dyn_outputs_written);
    tcase_add_test(t, test_dyn_out_of_memory);
    suite_add_tcase(s, t);
    t = tcase_create("loader");
    tcase_set_timeout(t, 60);
    tcase_add_loop_test(t, test_dyn_load_errors, 0, (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_test(t, test_dyn_load_file_errors);
    suite_add_tcase(s, t);
    return s;
}
