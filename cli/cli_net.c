/* cli_net.c - `apsim net`: loads a network and an optional bit configuration and prints
 * per-layer shapes, MACs, parameters, bits and BOPS with totals and model size, as a table
 * on stdout and optionally as CSV (-o FILE, written atomically, or - for stdout). Model:
 * networks/net.h. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "networks/net.h"

typedef struct net_opts {
    const char *bits, *input_shape, *out, *quiet;
} net_opts;

static const cli_opt net_opts_table[] = {
    {"bits", 0, "SPEC",
     "int8, int4, intN, wXaY[rZ], a bit-config YAML file (HAWQ-V3 or\n"
     "native), or a shipped HAWQ scheme such as resnet18_latency_0.5",
     offsetof(net_opts, bits)},
    {"input-shape", 0, "NxCxHxW",
     "load it at this input shape (NxCxHxW or CxHxW): fills an ONNX\n"
     "model's symbolic dimensions; a YAML network's height and width",
     offsetof(net_opts, input_shape)},
    {"out", 'o', "FILE",
     "also write one CSV row per layer to FILE; '-': the CSV on stdout\n"
     "in place of the table",
     offsetof(net_opts, out)},
    {"quiet", 'q', NULL, "no table on stdout", offsetof(net_opts, quiet)},
};

const cli_cmd cli_cmd_net = {
    "net",
    "<network>",
    1,
    1,
    "per-layer shapes, MACs, parameters, bits, BOPS and model size",
    CLI_NETWORK_HELP,
    net_opts_table,
    sizeof net_opts_table / sizeof net_opts_table[0],
    NULL,
};

static base_status write_csv(FILE *fp, const void *ctx)
{
    const void *const *nc = ctx;
    return net_report_write_csv(fp, nc[0], nc[1]);
}

static int fail(base_status st)
{
    fprintf(stderr, "apsim net: %s\n", base_last_error());
    return cli_exit_code(st);
}

int cli_net(int argc, char **argv)
{
    net_opts o = {0};
    const char *pos[1];
    size_t n_pos;
    int early = cli_opt_parse(&cli_cmd_net, argc, argv, &o, pos, &n_pos);
    if (early >= 0)
        return early;
    const char *net_arg = pos[0], *bits_arg = o.bits, *csv_arg = o.out, *shape_arg = o.input_shape;
    int quiet = o.quiet != NULL || cli_out_is_stdout(csv_arg);
    net_network *net = NULL;
    net_bitcfg *cfg = NULL;
    int rc = 0;
    base_status st = cli_load_network(net_arg, shape_arg, &net);
    if (st == BASE_OK && bits_arg)
        st = net_bitcfg_resolve(bits_arg, net, &cfg);
    if (st != BASE_OK) {
        rc = fail(st);
        goto free_all;
    }
    const void *nc[2] = {net, cfg};
    if (csv_arg && (st = cli_write_file(csv_arg, write_csv, nc)) != BASE_OK) {
        rc = fail(st);
        goto free_all;
    }
    if (!quiet && (st = net_report_write_table(stdout, net, cfg)) != BASE_OK)
        rc = fail(st);
free_all:
    net_bitcfg_free(cfg);
    net_free(net);
    return rc;
}
