/* bench_infer.c - emulation speed of bit-exact inference (exec/exec_infer.c): one ResNet18 (and,
 * with an argument "resnet50", ResNet50) image at 224x224, INT8, seeded synthetic weights, on
 * ap_core with the plan's mapping (bf_imna, SRAM nominal Vdd), checked against the plain-C
 * reference, with every op fused (exec_infer_ap_fused); with a second argument "exact", pass
 * by pass as well (exec_infer_ap, which also counts written cells). Reports seconds, MACs/s,
 * row-passes/s and peak memory (getrusage maxrss). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "exec/exec.h"
#include "tech/tech.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int run_one(const char *name, bool fused)
{
    char path[1024];
    net_network *net = NULL;
    net_bitcfg *bits = NULL;
    tech_params *tech = NULL;
    sim_plan *plan = NULL;
    sim_result *res = NULL;
    exec_qmodel *qm = NULL;
    sim_arch arch;
    if (net_find_builtin(name, path, sizeof path) || net_load(path, &net) ||
        net_bitcfg_uniform("int8", net, &bits) || tech_open("sram", &tech) ||
        sim_arch_find("bf_imna", &arch))
        goto fail;
    arch.batch = 1;
    if (sim_plan_new(net, bits, &arch, &plan) || sim_result_new(plan, &res) ||
        sim_plan_eval(plan, tech, tech->vdd_nom_v.value, res) || exec_qmodel_new(net, bits, &qm))
        goto fail;
    size_t n_in = (size_t)net->c_in * (size_t)net->h_in * (size_t)net->w_in;
    size_t n_out = exec_infer_out_elems(net);
    int32_t *in = malloc(n_in * sizeof *in), *ref = malloc(n_out * sizeof *ref),
            *ap = malloc(n_out * sizeof *ap);
    if (!in || !ref || !ap)
        return 1;
    exec_qmodel_synthetic(qm, 1);
    exec_infer_synthetic_input(net, bits->input_bits, 2, 1, in);
    double t0 = now_s();
    if (exec_qmodel_calibrate(qm, in, 1) || exec_infer_reference(qm, in, 1, ref))
        goto fail;
    double t1 = now_s();
    exec_infer_stats st;
    if ((fused ? exec_infer_ap_fused : exec_infer_ap)(qm, plan, res, in, ap, &st))
        goto fail;
    double t2 = now_s();
    int same = memcmp(ref, ap, n_out * sizeof *ap) == 0;
    ap_counters want;
    double written;
    exec_infer_expected(plan, res, &want, &written);
    int counts_equal = want.n_compares == st.counters.n_compares &&
                       want.n_writes == st.counters.n_writes &&
                       want.n_plane_reads == st.counters.n_plane_reads &&
                       want.n_plane_writes == st.counters.n_plane_writes &&
                       want.n_compared_cells == st.counters.n_compared_cells;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double secs = t2 - t1;
    printf("%s 224x224 INT8 functional on the AP, %s: %.1f s, %.3g MAC/s, %.3g row-passes/s, "
           "%.3g row-passes, bit-exact vs reference: %s (reference + calibration %.1f s), "
           "peak RSS %.0f MiB; counters equal the plan: %s",
           name, fused ? "fused" : "pass by pass", secs, (double)st.n_macs / secs,
           (double)st.n_row_passes / secs, (double)st.n_row_passes, same ? "yes" : "NO", t1 - t0,
           (double)ru.ru_maxrss / 1024.0, counts_equal ? "yes" : "NO");
    if (fused)
        printf(" (written cells not counted when fused)\n");
    else
        printf(", written cells %.2f of the plan's\n",
               (double)st.counters.n_written_cells / written);
    free(in);
    free(ref);
    free(ap);
    exec_qmodel_free(qm);
    sim_result_free(res);
    sim_plan_free(plan);
    tech_params_free(tech);
    net_bitcfg_free(bits);
    net_free(net);
    return same && counts_equal ? 0 : 1;
fail:
    fprintf(stderr, "bench_infer: %s\n", base_last_error());
    return 1;
}

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "resnet18";
    int rc = run_one(name, true);
    if (rc == 0 && argc > 2 && strcmp(argv[2], "exact") == 0)
        rc = run_one(name, false);
    return rc;
}
