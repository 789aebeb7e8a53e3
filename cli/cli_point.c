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

int cli_point_parse(cli_point *p, const cli_cmd *cmd, int argc, char **argv)
{
    const char *pos[1];
    size_t n_pos = 0;
    int rc = cli_opt_parse(cmd, argc, argv, p, pos, &n_pos);
    if (rc < 0)
        p->net_arg = pos[0];
    return rc;
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
