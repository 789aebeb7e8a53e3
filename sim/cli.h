/* cli.h - internal: the subcommand handlers of the apsim command (sim/cli_*.c), each taking
 * the arguments after its name and returning the process exit status (0, 1 run failure,
 * 2 usage or input error). Registered in the commands[] table of sim/apsim.c. */
#ifndef SIM_CLI_H
#define SIM_CLI_H

#include "sim/sim.h"

/* The design point that `run` and `compare` share: a network, its bits, a technology at a
 * supply voltage and an architecture, named on the command line and loaded in one place. */
typedef struct sim_cli_point {
    const char *net_arg, *bits_arg, *tech_arg, *arch_arg, *vdd_arg, *batch_arg;
    net_network *net;
    net_bitcfg *bits;
    tech_params *tech;
    sim_arch arch;
    double vdd_v; /* the technology's nominal unless --vdd */
} sim_cli_point;

/* Defaults: int8 on sram at its nominal Vdd, on the bf_imna architecture. */
void sim_cli_point_init(sim_cli_point *p);
/* If argv[*i] is --bits, --tech, --vdd, --arch or --batch with a value, takes it, advances *i
 * past the value and returns 1; otherwise returns 0. */
int sim_cli_point_option(sim_cli_point *p, int argc, char **argv, int *i);
/* Parses a run-like command line: the design-point options, one more option taking a value
 * (extra_opt, e.g. "--out", stored in *extra_val), --quiet, --help and the network argument.
 * Returns -1 to go on, or the exit status to return at once (0 after --help, 2 after a
 * usage error, which it reports as "apsim <cmd>: error: ..."). */
int sim_cli_point_parse(sim_cli_point *p, const char *cmd, const char *extra_opt,
                        const char **extra_val, int *quiet, void (*usage)(FILE *), int argc,
                        char **argv);
/* Loads everything named (net_arg must be set); on failure what was loaded stays for
 * sim_cli_point_fini. Errors as the loaders', SIM_EINVAL for a bad --vdd or --batch. */
sim_status sim_cli_point_load(sim_cli_point *p);
void sim_cli_point_fini(sim_cli_point *p);

/* apsim net <network> [--bits <spec|file>] [--csv <out.csv>] [--quiet] */
int sim_cli_net(int argc, char **argv);

/* apsim run <network> [--bits] [--tech] [--vdd] [--arch] [--batch] [--out DIR] [--quiet] */
int sim_cli_run(int argc, char **argv);

/* apsim dynamic <schedule.yaml> [--out DIR] [--quiet] */
int sim_cli_dynamic(int argc, char **argv);
/* apsim sweep <experiment.yaml> [--results DIR] [--quiet] */
int sim_cli_sweep(int argc, char **argv);

/* apsim compare <network> [--bits] [--tech] [--vdd] [--arch] [--batch] [--csv FILE] */
int sim_cli_compare(int argc, char **argv);
/* apsim conformance: ONNX integer node tests on the AP (cli_conformance.c). */
int sim_cli_conformance(int argc, char **argv);

/* apsim fmnist train|eval|sweep [options] (docs/FMNIST.md) */
int sim_cli_fmnist(int argc, char **argv);

#endif /* SIM_CLI_H */
