/* infer_check.c - the tests' bit-exact harness (tests/infer_check.h). */
#include "tests/infer_check.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "tech/tech.h"

void ic_check_counters(const sim_plan *plan, const sim_result *res, const exec_infer_stats *st,
                       double *written)
{
    ap_counters want;
    double w;
    exec_infer_expected(plan, res, &want, &w);
    ck_assert_uint_eq(st->counters.n_compares, want.n_compares);
    ck_assert_uint_eq(st->counters.n_writes, want.n_writes);
    ck_assert_uint_eq(st->counters.n_plane_writes, want.n_plane_writes);
    ck_assert_uint_eq(st->counters.n_plane_reads, want.n_plane_reads);
    ck_assert_uint_eq(st->counters.n_compared_cells, want.n_compared_cells);
    ck_assert_uint_eq(st->counters.n_ml_segments, want.n_ml_segments);
    if (written)
        *written = w;
}

void ic_check_bit_exact(const net_network *net, const char *spec, const sim_arch *arch,
                        uint64_t seed, bool varied, exec_infer_stats *stats)
{
    net_bitcfg *bits = NULL;
    sim_plan *plan = NULL;
    sim_result *res = NULL;
    tech_params *tech = NULL;
    exec_qmodel *qm = NULL;
    ck_assert_int_eq(net_bitcfg_uniform(spec, net, &bits), BASE_OK);
    ck_assert_int_eq(tech_open("sram", &tech), BASE_OK);
    ck_assert_msg(sim_plan_new(net, bits, arch, &plan) == BASE_OK, "%s", base_last_error());
    ck_assert_int_eq(sim_result_new(plan, &res), BASE_OK);
    ck_assert_int_eq(sim_plan_eval(plan, tech, tech->vdd_nom_v.value, res), BASE_OK);
    ck_assert_int_eq(exec_qmodel_new(net, bits, &qm), BASE_OK);
    exec_qmodel_synthetic(qm, seed);
    size_t n_in = (size_t)net->c_in * (size_t)net->h_in * (size_t)net->w_in;
    size_t n_out = exec_infer_out_elems(net);
    int32_t *in = calloc(n_in, sizeof *in), *ref = calloc(n_out, sizeof *ref);
    int32_t *ap = calloc(n_out, sizeof *ap);
    ck_assert(in && ref && ap);
    exec_infer_synthetic_input(net, bits->input_bits, seed + 1, 1, in);
    ck_assert_int_eq(exec_qmodel_calibrate(qm, in, 1), BASE_OK);
    ck_assert_int_eq(exec_infer_reference(qm, in, 1, ref), BASE_OK);
    exec_infer_stats st;
    ck_assert_msg(exec_infer_ap(qm, plan, res, in, ap, &st) == BASE_OK, "%s", base_last_error());
    ck_assert_int_eq(memcmp(ap, ref, n_out * sizeof *ap), 0);
    size_t n_distinct = 0;
    for (size_t i = 1; i < n_out; i++)
        n_distinct += ref[i] != ref[0];
    ck_assert(!varied || n_distinct > n_out / 2);
    ic_check_counters(plan, res, &st, NULL);
    if (stats)
        *stats = st;
    free(in);
    free(ref);
    free(ap);
    exec_qmodel_free(qm);
    sim_result_free(res);
    sim_plan_free(plan);
    tech_params_free(tech);
    net_bitcfg_free(bits);
}
