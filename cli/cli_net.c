/* cli_net.c - `apsim net`: loads a network and an optional bit configuration and prints
 * per-layer shapes, MACs, parameters, bits and BOPS with totals and model size, as a table
 * on stdout and optionally as CSV (written atomically). Model: networks/net.h. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "networks/net.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: apsim net <network> [--bits <spec>] [--input-shape NxCxHxW] [--csv <out.csv>]\n"
            "                 [--quiet]\n"
            "  <network>  a shipped name (alexnet, vgg16, resnet18, resnet50, mobilenet_v2,\n"
            "             fmnist_cnn), a YAML file or an ONNX model\n"
            "  --input-shape  load it at this input shape (NxCxHxW or CxHxW): fills an ONNX\n"
            "             model's symbolic dimensions; a YAML network's height and width\n"
            "  --bits     int8, int4, intN, wXaY[rZ], a bit-config YAML file (HAWQ-V3 or\n"
            "             native), or a shipped HAWQ scheme such as resnet18_latency_0.5\n"
            "  --csv      also write one CSV row per layer to this file\n"
            "  --quiet    no table on stdout\n");
}

static int fail(base_status st)
{
    fprintf(stderr, "apsim net: %s\n", base_last_error());
    return cli_exit_code(st);
}

int cli_net(int argc, char **argv)
{
    const char *net_arg = NULL, *bits_arg = NULL, *csv_arg = NULL, *shape_arg = NULL;
    int quiet = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--bits") == 0 && i + 1 < argc) {
            bits_arg = argv[++i];
        } else if (strcmp(argv[i], "--input-shape") == 0 && i + 1 < argc) {
            shape_arg = argv[++i];
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
    net_network *net = NULL;
    net_bitcfg *cfg = NULL;
    base_outfile csv;
    int rc = 0;
    base_status st = cli_load_network(net_arg, shape_arg, &net);
    if (st == BASE_OK && bits_arg)
        st = net_bitcfg_resolve(bits_arg, net, &cfg);
    if (st != BASE_OK) {
        rc = fail(st);
        goto free_all;
    }
    if (csv_arg) {
        if ((st = base_outfile_open(&csv, csv_arg)) != BASE_OK) {
            rc = fail(st);
            goto free_all;
        }
        st = net_report_write_csv(csv.fp, net, cfg);
        if (st != BASE_OK) {
            base_outfile_abort(&csv);
            rc = fail(st);
            goto free_all;
        }
        if ((st = base_outfile_commit(&csv)) != BASE_OK) {
            rc = fail(st);
            goto free_all;
        }
    }
    if (!quiet && (st = net_report_write_table(stdout, net, cfg)) != BASE_OK)
        rc = fail(st);
free_all:
    net_bitcfg_free(cfg);
    net_free(net);
    return rc;
}
