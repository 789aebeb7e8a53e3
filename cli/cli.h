/* cli.h - internal: the subcommand handlers of the apsim command (cli/cli_*.c), each taking
 * the arguments after its name and returning the process exit status (0, 1 run failure,
 * 2 usage or input error). Registered in the commands[] table of cli/apsim.c. */
#ifndef CLI_H
#define CLI_H

#include "base/base.h"
#include "exec/exec.h"
#include "fmnist/fmnist.h"
#include "sim/sim.h"
#include "study/study.h"

/* ---- Command line ---------------------------------------------------------------------
 * Each subcommand takes argc/argv after the subcommand name and returns the process exit
 * status: 0 success, 1 run failure, 2 usage or input error. */
typedef int (*cli_fn)(int argc, char **argv);

/* Parses a command-line number (whole string, finite, within [min, max]); BASE_EINVAL
 * naming the option otherwise. */
base_status cli_parse_double(const char *option, const char *text, double min, double max,
                             double *out);

/* Parses a whole non-negative integer option (decimal, no sign, no fraction) within
 * [min, max]; BASE_EINVAL naming the option otherwise. */
base_status cli_parse_ulong(const char *option, const char *text, unsigned long min,
                            unsigned long max, unsigned long *out);

/* Exit status for a failed status code: input errors -> 2, others -> 1. */
int cli_exit_code(base_status status);

/* Loads the network a command names (a shipped name or a file, net_find_builtin) at the
 * --input-shape given (NULL: the file's own; net_load_with). Errors as theirs, the shape's
 * prefixed with "--input-shape: ". */
base_status cli_load_network(const char *net_arg, const char *input_shape_arg, net_network **out);

/* The design point that `run` and `compare` share: a network, its bits, a technology at a
 * supply voltage and an architecture, named on the command line and loaded in one place. */
typedef struct cli_point {
    const char *net_arg, *bits_arg, *tech_arg, *arch_arg, *vdd_arg, *batch_arg, *node_arg;
    const char *input_shape_arg; /* --input-shape, NULL when not given */
    net_network *net;
    net_bitcfg *bits;
    tech_params *tech; /* moved to --node when given (tech_params_at_node) */
    sim_arch arch;     /* node_nm = --node, else 0 */
    double vdd_v;      /* the (moved) technology's nominal unless --vdd */
} cli_point;

/* Defaults: int8 on SIM_DEFAULT_TECH at its nominal Vdd, on the SIM_DEFAULT_ARCH
 * architecture. */
void cli_point_init(cli_point *p);
/* If argv[*i] is --bits, --tech, --vdd, --arch, --batch, --node or --input-shape with a value,
 * takes it, advances
 * *i past the value and returns 1; otherwise returns 0. */
int cli_point_option(cli_point *p, int argc, char **argv, int *i);
/* Parses a run-like command line: the design-point options, one more option taking a value
 * (extra_opt, e.g. "--out", stored in *extra_val), --quiet, --help and the network argument.
 * Returns -1 to go on, or the exit status to return at once (0 after --help, 2 after a
 * usage error, which it reports as "apsim <cmd>: error: ..."). */
int cli_point_parse(cli_point *p, const char *cmd, const char *extra_opt, const char **extra_val,
                    int *quiet, void (*usage)(FILE *), int argc, char **argv);
/* Loads everything named (net_arg must be set); on failure what was loaded stays for
 * cli_point_fini. With --node the technology is replaced by its copy moved to that node and
 * the architecture's node_nm set. Errors as the loaders', BASE_EINVAL for a bad --vdd, --batch
 * or --node, tech_params_at_node's (BASE_ERANGE outside 7..180 nm, BASE_EUNSUPPORTED for a
 * table with measured points). */
base_status cli_point_load(cli_point *p);
void cli_point_fini(cli_point *p);

/* apsim net <network> [--bits <spec|file>] [--input-shape NxCxHxW] [--csv <out.csv>] [--quiet] */
int cli_net(int argc, char **argv);

/* apsim run <network> [--bits] [--tech] [--node] [--vdd] [--arch] [--batch] [--out DIR]
 * [--quiet] */
int cli_run(int argc, char **argv);

/* apsim dynamic <schedule.yaml> [--out DIR] [--quiet] */
int cli_dynamic(int argc, char **argv);
/* apsim sweep <experiment.yaml> [--results DIR] [--quiet] */
int cli_sweep(int argc, char **argv);

/* apsim compare <network> [--bits] [--tech] [--node] [--vdd] [--arch] [--batch] [--csv FILE] */
int cli_compare(int argc, char **argv);
/* apsim conformance: ONNX integer node tests on the AP (cli_conformance.c). */
int cli_conformance(int argc, char **argv);

/* apsim calibrate [--model NAME] [--out DIR] [--check] (cli_calibrate.c, docs/ACCEL.md) */
int cli_calibrate(int argc, char **argv);

/* apsim fmnist train|eval|sweep [options] (docs/FMNIST.md) */
int cli_fmnist(int argc, char **argv);

/* apsim export -o FILE.onnx [--bits] [--net] [--weights] [--data] (cli_export.c, docs/ONNX.md) */
int cli_export(int argc, char **argv);

#endif /* CLI_H */
