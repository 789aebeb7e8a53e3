/* cli_compare.c - `apsim compare`: the AP and the four rival models of accel/ (Sparq,
 * PoTAcc, bitwise systolic array, Ax-BxP; docs/ACCEL.md) on one network and bit
 * configuration: latency, energy and EDP side by side, each relative to the AP. The rivals
 * model only conv/FC (GEMM) layers, so ratios are taken against the AP's conv/FC layers.
 * Every rival is moved to the AP technology's node and supply (sim_accel_basis_of_tech;
 * docs/ACCEL.md, "One basis") unless --native keeps each on its own platform. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

/* The AP (network and conv/fc scope) and every rival model accel/ registers (at most 8). */
enum { MAX_RIVALS = 8, MAX_ROWS = 2 + MAX_RIVALS };

static const cli_opt compare_opts[] = {
    CLI_POINT_OPTS,
    {"out", 'o', "FILE", "also write the table as CSV to FILE (atomically); '-': stdout",
     offsetof(cli_point, out_arg)},
    {"native", 0, NULL,
     "keep each rival's figures on its own platform (node, supply, FPGA)\n"
     "instead of moving them to the AP technology's node and supply",
     offsetof(cli_point, native)},
};

const cli_cmd cli_cmd_compare = {
    "compare",
    "<network>",
    1,
    1,
    "the AP and the rival accelerators on one network and bit config",
    CLI_NETWORK_HELP,
    compare_opts,
    sizeof compare_opts / sizeof compare_opts[0],
    NULL,
};

typedef struct cmp_row {
    const char *accel, *scope, *path;
    int ok;
    double latency_ns, energy_pj;
    sim_accel_basis basis; /* rivals only */
} cmp_row;

typedef struct cmp_table {
    const net_network *net;
    const net_bitcfg *bits;
    const char *label, *tech;
    const char *design;    /* "ap", or a measured chip's architecture name */
    double vdd_v, node_nm; /* the basis; a chip's supply is its node's nominal [est] */
    int native, chip;
    unsigned batch;
    size_t n_rows;
    cmp_row rows[MAX_ROWS];
} cmp_table;

static double edp_js(const cmp_row *r)
{
    return sim_edp_js(r->energy_pj, r->latency_ns);
}

/* The reference row: the AP's conv/FC layers. */
static const cmp_row *ref_row(const cmp_table *t)
{
    return &t->rows[1];
}

static void csv_num(FILE *fp, double v)
{
    fputc(',', fp);
    if (!isnan(v))
        fprintf(fp, "%.6e", v);
}

/* The basis columns: the basis (ap or native), its node and supply, the row's platform, the
 * factors applied to its native figures and the conversion in words. */
static void write_basis(FILE *fp, const cmp_table *t, const cmp_row *r, int ap)
{
    const sim_accel_basis *b = &r->basis;
    int native = !ap && t->native;
    fprintf(fp, ",%s", native ? "native" : "ap");
    if (native && b->platform->node_nm > 0)
        fprintf(fp, ",%g,%.3f", b->platform->node_nm, b->from_vdd_v);
    else if (native)
        fputs(",,", fp);
    else
        fprintf(fp, ",%g,%.3f", t->node_nm, t->vdd_v);
    if (ap) {
        fprintf(fp, ",%s,1,1,AP technology", base_csv(t->tech));
        return;
    }
    fprintf(fp, ",%s", base_csv(b->platform->device));
    csv_num(fp, b->latency);
    csv_num(fp, b->energy);
    fprintf(fp, ",%s", base_csv(b->label));
}

static base_status write_csv(FILE *fp, const void *ctx)
{
    const cmp_table *t = ctx;
    const cmp_row *ref = ref_row(t);
    fprintf(fp, "network,bits,label,accelerator,scope,technology,vdd_v,batch,status,path,"
                "latency_ms,energy_mj,edp_js,latency_rel_ap,energy_rel_ap,edp_rel_ap,"
                "basis,basis_node_nm,basis_vdd_v,platform,latency_factor,energy_factor,"
                "conversion\n");
    for (size_t i = 0; i < t->n_rows; i++) {
        const cmp_row *r = &t->rows[i];
        int ap = i < 2;
        fprintf(fp, "%s,%s,%s,%s,%s,%s,", base_csv(t->net->name), base_csv(sim_bits_name(t->bits)),
                base_csv(t->label), base_csv(r->accel), base_csv(r->scope),
                ap ? base_csv(t->tech) : "");
        if (ap && !t->chip)
            fprintf(fp, "%.3f", t->vdd_v);
        fprintf(fp, ",%u,%s,%s", t->batch, r->ok ? "ok" : "unsupported", base_csv(r->path));
        double nan = (double)NAN;
        csv_num(fp, r->ok ? r->latency_ns * 1e-6 : nan);
        csv_num(fp, r->ok ? r->energy_pj * 1e-9 : nan);
        csv_num(fp, r->ok ? edp_js(r) : nan);
        csv_num(fp, r->ok ? r->latency_ns / ref->latency_ns : nan);
        csv_num(fp, r->ok ? r->energy_pj / ref->energy_pj : nan);
        csv_num(fp, r->ok ? edp_js(r) / edp_js(ref) : nan);
        write_basis(fp, t, r, ap);
        fputc('\n', fp);
    }
    return base_write_status(fp);
}

static void print_table(const cmp_table *t)
{
    const cmp_row *ref = ref_row(t);
    printf("%s, %s (%s), batch %u; ", t->net->name, sim_bits_name(t->bits), t->label, t->batch);
    if (t->chip)
        printf("%s: %s, measured op table and board power\n", t->design, t->tech);
    else
        printf("AP on %s at %.3f V\n", t->tech, t->vdd_v);
    if (t->native)
        printf("basis: native (--native): each rival on its own platform, node and supply\n\n");
    else if (t->chip)
        printf("basis: %g nm at %.3f V (%s's node at its nominal supply: the chip's is not\n"
               "  published); ASIC rivals moved by Stillmaker-Baas node factors, FPGA rivals\n"
               "  first divided by the Kuon-Rose FPGA-to-ASIC gap (delay %.1fx, energy %.0fx)\n\n",
               t->node_nm, t->vdd_v, t->design, SIM_FPGA_GAP_DELAY, SIM_FPGA_GAP_ENERGY);
    else
        printf(
            "basis: %g nm at %.3f V (the AP technology's node and supply); ASIC rivals moved by\n"
            "  Stillmaker-Baas node factors, FPGA rivals first divided by the Kuon-Rose\n"
            "  FPGA-to-ASIC gap (delay %.1fx, energy %.0fx)\n\n",
            t->node_nm, t->vdd_v, SIM_FPGA_GAP_DELAY, SIM_FPGA_GAP_ENERGY);
    printf("  %-8s %-8s %-22s %12s %12s %12s %9s %9s %9s\n", "accel", "scope", "path", "latency_ms",
           "energy_mj", "edp_js", "lat/AP", "energy/AP", "EDP/AP");
    for (size_t i = 0; i < t->n_rows; i++) {
        const cmp_row *r = &t->rows[i];
        if (!r->ok) {
            printf("  %-8s %-8s %-22s %12s   (this datapath cannot run these bits)\n", r->accel,
                   r->scope, "-", "unsupported");
            continue;
        }
        printf("  %-8s %-8s %-22.22s %12.4f %12.4f %12.4e %9.4g %9.4g %9.4g\n", r->accel, r->scope,
               r->path[0] ? r->path : "-", r->latency_ns * 1e-6, r->energy_pj * 1e-9, edp_js(r),
               r->latency_ns / ref->latency_ns, r->energy_pj / ref->energy_pj,
               edp_js(r) / edp_js(ref));
    }
    printf("\n  Ratios are to the %s's conv/fc layers (row 2): the rival models cost only conv/fc\n"
           "  (GEMM) layers.\n  Rival platforms%s:\n",
           t->chip ? t->design : "AP",
           t->native ? " (figures native)" : " and conversions (x latency, x energy)");
    for (size_t i = 2; i < t->n_rows; i++) {
        const sim_accel_basis *b = &t->rows[i].basis;
        if (t->native)
            printf("  %-8s %s: %s\n", t->rows[i].accel, b->platform->device, b->label);
        else
            printf("  %-8s %s: %s (x %.4g, x %.4g)\n", t->rows[i].accel, b->platform->device,
                   b->label, b->latency, b->energy);
    }
}

/* Fills the AP rows: the whole network and its GEMM layers (conv/fc/deconv/matmul) alone. */
static void ap_rows(cmp_table *t, const sim_result *res)
{
    cmp_row *all = &t->rows[0], *gemm = &t->rows[1];
    *all = (cmp_row){t->design, "network", "", 1, res->latency_ns, res->energy_pj, {0}};
    *gemm = (cmp_row){t->design, "conv/fc", "", 1, 0, 0, {0}};
    for (size_t i = 0; i < res->n_layers; i++) {
        uint64_t m, n, k; /* the layers the rivals cost: those with a GEMM view (a matmul too) */
        net_layer_gemm(&res->net->layers[res->layers[i].layer], 1, &m, &n, &k);
        if (m == 0)
            continue;
        gemm->latency_ns += res->layers[i].latency_ns;
        gemm->energy_pj += res->layers[i].energy_pj;
    }
}

static base_status rival_rows(cmp_table *t, unsigned batch)
{
    t->n_rows = 2;
    for (size_t i = 0; i < acc_model_count() && i < MAX_RIVALS; i++) {
        sim_accel a;
        acc_cost c;
        const char *name = acc_model_name(acc_model_at(i));
        cmp_row *r = &t->rows[t->n_rows++];
        sim_accel_basis basis;
        base_status st = sim_accel_basis_at(name, t->node_nm, t->vdd_v, t->native, &basis);
        if (st != BASE_OK)
            return st;
        st = sim_accel_open(name, &a);
        if (st == BASE_OK)
            st = sim_accel_run(&a, t->net, t->bits, batch, &c);
        sim_accel_close(&a);
        *r = (cmp_row){name, "conv/fc", "", 0, 0, 0, basis};
        if (st == BASE_EUNSUPPORTED) {
            base_error_clear();
            continue;
        }
        if (st != BASE_OK)
            return st;
        sim_accel_basis_apply(&basis, &c);
        r->ok = 1;
        r->path = c.path ? c.path : "";
        r->latency_ns = c.latency_ns;
        r->energy_pj = c.energy_pj;
    }
    return BASE_OK;
}

int cli_compare(int argc, char **argv)
{
    cli_point pt;
    cli_point_init(&pt);
    int early = cli_point_parse(&pt, &cli_cmd_compare, argc, argv);
    if (early >= 0)
        return early;
    const char *csv_arg = pt.out_arg;
    int native = pt.native != NULL;
    /* The CSV on stdout stands for the table there. */
    int quiet = pt.quiet != NULL || cli_out_is_stdout(csv_arg);
    char label[16];
    sim_result *res = NULL;
    cmp_table t;
    base_status st = cli_point_load(&pt);
    if (st == BASE_OK)
        st = sim_run(pt.net, pt.bits, &pt.arch, pt.tech, pt.vdd_v, &res);
    if (st == BASE_OK) {
        memset(&t, 0, sizeof t);
        t.net = pt.net;
        t.bits = pt.bits;
        t.label = sim_bits_label(pt.net, pt.bits, label, sizeof label);
        t.tech = sim_result_tech_name(res);
        t.chip = pt.arch.kind == SIM_ARCH_MEASURED;
        t.design = t.chip ? pt.arch.name : "ap";
        t.vdd_v = pt.vdd_v;
        t.node_nm = t.chip ? pt.arch.measured.node_nm : pt.tech->node_nm.value;
        if (t.chip)
            st = tech_node_vdd(t.node_nm, &t.vdd_v);
    }
    if (st == BASE_OK) {
        t.native = native;
        t.batch = pt.arch.batch;
        ap_rows(&t, res);
        st = rival_rows(&t, pt.arch.batch);
    }
    if (st == BASE_OK && csv_arg)
        st = cli_write_file(csv_arg, write_csv, &t);
    int rc = 0;
    if (st != BASE_OK) {
        fprintf(stderr, "apsim compare: %s\n", base_last_error());
        rc = cli_exit_code(st);
    } else if (!quiet) {
        print_table(&t);
    }
    sim_result_free(res);
    cli_point_fini(&pt);
    return rc;
}
