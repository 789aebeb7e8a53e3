/* cli_point.c - the design point `apsim run` and `apsim compare` share: parses the options
 * that name it and loads the network, bit configuration, technology (moved to --node's CMOS
 * node when given: docs/TECH.md, "Nodes") and architecture. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "tech/tech.h"

void cli_point_init(cli_point *p)
{
    memset(p, 0, sizeof *p);
    p->bits_arg = "int8";
    p->arch_arg = SIM_DEFAULT_ARCH;
}

int cli_point_option(cli_point *p, int argc, char **argv, int *i)
{
    static const char *const names[] = {"--bits",  "--tech", "--vdd",        "--arch",
                                        "--batch", "--node", "--input-shape"};
    const char **slots[] = {&p->bits_arg,  &p->tech_arg, &p->vdd_arg,        &p->arch_arg,
                            &p->batch_arg, &p->node_arg, &p->input_shape_arg};
    if (*i + 1 >= argc)
        return 0;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        if (strcmp(argv[*i], names[k]) == 0) {
            *slots[k] = argv[++*i];
            return 1;
        }
    }
    return 0;
}

int cli_point_parse(cli_point *p, const char *cmd, const char *extra_opt, const char **extra_val,
                    int *quiet, void (*usage)(FILE *), int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        } else if (cli_point_option(p, argc, argv, &i)) {
            continue;
        } else if (strcmp(a, extra_opt) == 0 && i + 1 < argc) {
            *extra_val = argv[++i];
        } else if (strcmp(a, "--quiet") == 0) {
            *quiet = 1;
        } else if (a[0] == '-' || p->net_arg) {
            fprintf(stderr, "apsim %s: error: unexpected argument '%s'\n", cmd, a);
            usage(stderr);
            return 2;
        } else {
            p->net_arg = a;
        }
    }
    if (!p->net_arg) {
        usage(stderr);
        return 2;
    }
    return -1;
}

base_status cli_point_load(cli_point *p)
{
    base_status st = cli_load_network(p->net_arg, p->input_shape_arg, &p->net);
    if (st == BASE_OK)
        st = net_bitcfg_resolve(p->bits_arg, p->net, &p->bits);
    if (st == BASE_OK)
        st = tech_open(p->tech_arg ? p->tech_arg : SIM_DEFAULT_TECH, &p->tech);
    if (st == BASE_OK)
        st = sim_arch_find(p->arch_arg, &p->arch);
    /* A measured chip has its own process and supply: nothing to choose or move. */
    if (st == BASE_OK && p->arch.kind == SIM_ARCH_MEASURED &&
        (p->tech_arg || p->vdd_arg || p->node_arg))
        st = BASE_ERROR(BASE_EINVAL,
                        "architecture '%s' is a measured chip (%s): --tech, --vdd and --node "
                        "do not apply",
                        p->arch.name, p->arch.measured.technology);
    if (st == BASE_OK && p->node_arg)
        st = cli_parse_double("--node", p->node_arg, 1e-3, 1e4, &p->arch.node_nm);
    if (st == BASE_OK && p->node_arg) {
        tech_params *moved = NULL;
        st = tech_params_at_node(p->tech, p->arch.node_nm, &moved);
        if (st == BASE_OK) {
            tech_params_free(p->tech);
            p->tech = moved;
        }
    }
    if (st == BASE_OK)
        p->vdd_v = p->tech->vdd_nom_v.value;
    if (st == BASE_OK && p->vdd_arg)
        st = cli_parse_double("--vdd", p->vdd_arg, 0.05, 10.0, &p->vdd_v);
    if (st == BASE_OK && p->batch_arg) {
        unsigned long b = 0;
        st = cli_parse_ulong("--batch", p->batch_arg, 1, 65536, &b);
        if (st == BASE_OK)
            p->arch.batch = (unsigned)b;
    }
    return st;
}

void cli_point_fini(cli_point *p)
{
    tech_params_free(p->tech);
    net_bitcfg_free(p->bits);
    net_free(p->net);
    p->tech = NULL;
    p->bits = NULL;
    p->net = NULL;
}
