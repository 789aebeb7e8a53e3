/* cli_net.c - `apsim net`: loads a network and an optional bit configuration and prints
 * per-layer shapes, MACs, parameters, bits and BOPS with totals and model size, as a table
 * on stdout and optionally as CSV (written atomically). Model: networks/net.h. */
#include <stdio.h>
#include <string.h>

#include "networks/net.h"
#include "sim/cli.h"
#include "sim/sim.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: apsim net <network> [--bits <spec>] [--csv <out.csv>] [--quiet]\n"
            "  <network>  a shipped name (alexnet, vgg16, resnet18, resnet50, fmnist_cnn) or a\n"
            "             YAML file\n"
            "  --bits     int8, int4, intN, wXaY[rZ], a bit-config YAML file (HAWQ-V3 or\n"
            "             native), or a shipped HAWQ scheme such as resnet18_latency_0.5\n"
            "  --csv      also write one CSV row per layer to this file\n"
            "  --quiet    no table on stdout\n");
}

static int fail(sim_status st)
{
    fprintf(stderr, "apsim net: %s\n", sim_last_error());
    return sim_exit_code(st);
}

int sim_cli_net(int argc, char **argv)
{
    const char *net_arg = NULL, *bits_arg = NULL, *csv_arg = NULL;
    int quiet = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--bits") == 0 && i + 1 < argc) {
            bits_arg = argv[++i];
        } else if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc) {
            csv_arg = argv[++i];
        } else if (strcmp(argv[i], "--quiet") == 0) {
            quiet = 1;
        } else if (argv[i][0] == '-' || net_arg) {
            fprintf(stderr, "apsim net: error: unexpected argument '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        } else {
            net_arg = argv[i];
        }
    }
    if (!net_arg) {
        usage(stderr);
        return 2;
    }
    char path[4096];
    net_network *net = NULL;
    net_bitcfg *cfg = NULL;
    sim_outfile csv;
    int rc = 0;
    sim_status st = net_find_builtin(net_arg, path, sizeof path);
    if (st == SIM_OK)
        st = net_load(path, &net);
    if (st == SIM_OK && bits_arg)
        st = net_bitcfg_resolve(bits_arg, net, &cfg);
    if (st != SIM_OK) {
        rc = fail(st);
        goto free_all;
    }
    if (csv_arg) {
        if ((st = sim_outfile_open(&csv, csv_arg)) != SIM_OK) {
            rc = fail(st);
            goto free_all;
        }
        st = net_report_write_csv(csv.fp, net, cfg);
        if (st != SIM_OK) {
            sim_outfile_abort(&csv);
            rc = fail(st);
            goto free_all;
        }
        if ((st = sim_outfile_commit(&csv)) != SIM_OK) {
            rc = fail(st);
            goto free_all;
        }
    }
    if (!quiet && (st = net_report_write_table(stdout, net, cfg)) != SIM_OK)
        rc = fail(st);
free_all:
    net_bitcfg_free(cfg);
    net_free(net);
    return rc;
}
