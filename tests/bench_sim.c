/* bench_sim.c - design-point evaluations per second for full ResNet50 on one core: a design
 * point is (bit configuration, technology, Vdd) with the per-layer mapping search (least-EDP
 * chunk) included. Plans (technology-independent AP counts) are built once per bit
 * configuration and reused across technologies and voltages, as `apsim sweep` does; the
 * cold figure rebuilds the plan for every point. Timing uses CLOCK_MONOTONIC. */
#include <stdio.h>
#include <time.h>

#include "sim/sim.h"
#include "tech/tech.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int die(void)
{
    fprintf(stderr, "bench_sim: %s\n", base_last_error());
    return 1;
}

int main(void)
{
    static const char *const bits_specs[] = {"int8", "int4", "w4a8", "w8a4"};
    static const char *const tech_names[] = {"sram", "reram", "fefet"};
    static const double vdds[] = {0.6, 0.7, 0.8, 0.9, 1.0};
    enum { N_BITS = 4, N_TECH = 3, N_VDD = 5 };
    char path[1024];
    net_network *net = NULL;
    net_bitcfg *bits[N_BITS] = {0};
    tech_params *tech[N_TECH] = {0};
    sim_plan *plan[N_BITS] = {0};
    sim_result *res = NULL;
    sim_arch arch;
    if (net_find_builtin("resnet50", path, sizeof path) || net_load(path, &net) ||
        sim_arch_find("bf_imna", &arch))
        return die();
    for (int b = 0; b < N_BITS; b++)
        if (net_bitcfg_uniform(bits_specs[b], net, &bits[b]) ||
            sim_plan_new(net, bits[b], &arch, &plan[b]))
            return die();
    for (int t = 0; t < N_TECH; t++)
        if (tech_open(tech_names[t], &tech[t]))
            return die();
    if (sim_result_new(plan[0], &res))
        return die();

    /* Warm: plans reused, every point runs the mapping search over all layers. */
    long n_points = 0;
    double sink = 0, t0 = now_s(), elapsed = 0;
    while ((elapsed = now_s() - t0) < 2.0) {
        for (int b = 0; b < N_BITS; b++)
            for (int t = 0; t < N_TECH; t++)
                for (int v = 0; v < N_VDD; v++) {
                    if (sim_plan_eval(plan[b], tech[t], vdds[v], res))
                        return die();
                    sink += res->edp_pj_ns;
                    n_points++;
                }
    }
    printf("resnet50 design points per second (plans reused, mapping search included): %.0f\n",
           (double)n_points / elapsed);
    printf("  %ld points in %.2f s over %zu layers each\n", n_points, elapsed, net->n_layers);

    /* Cold: a new plan for every point. */
    long n_cold = 0;
    t0 = now_s();
    while ((elapsed = now_s() - t0) < 2.0) {
        sim_plan *p = NULL;
        if (sim_plan_new(net, bits[n_cold % N_BITS], &arch, &p) ||
            sim_plan_eval(p, tech[n_cold % N_TECH], 0.9, res))
            return die();
        sink += res->edp_pj_ns;
        sim_plan_free(p);
        n_cold++;
    }
    printf("resnet50 design points per second (plan rebuilt every point): %.0f\n",
           (double)n_cold / elapsed);
    printf("  (checksum %.3e)\n", sink);

    sim_result_free(res);
    for (int b = 0; b < N_BITS; b++) {
        sim_plan_free(plan[b]);
        net_bitcfg_free(bits[b]);
    }
    for (int t = 0; t < N_TECH; t++)
        tech_params_free(tech[t]);
    net_free(net);
    return 0;
}
