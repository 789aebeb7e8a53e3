/* cli.h - internal: the subcommand handlers of the apsim command (cli/cli_*.c), each taking
 * the arguments after its name and returning the process exit status (0, 1 run failure,
 * 2 usage or input error). Registered in the commands[] table of cli/apsim.c. */
#ifndef CLI_H
#define CLI_H

#include <stddef.h>
#include <stdio.h>

#include "base/base.h"
#include "exec/exec.h"
#include "fmnist/fmnist.h"
#include "sim/sim.h"
#include "study/study.h"

/* ---- Command line ---------------------------------------------------------------------
 * Each subcommand takes argc/argv after the subcommand name and returns the process exit
 * status: 0 success, 1 run failure, 2 usage or input error. */
typedef int (*cli_fn)(int argc, char **argv);

/* ---- Options ---------------------------------------------------------------------------
 * Every command declares its options once, in a table (cli_opt.c parses with it and prints
 * the --help text, the man page section and the completion words from it). */
typedef struct cli_opt {
    const char *name;  /* long name without the dashes: "bits" for --bits */
    char short_name;   /* 'o' for -o, 0 for none */
    const char *value; /* the value's name in the help ("SPEC"), NULL for a flag */
    const char *help;  /* one help line (may hold "\n" for more) */
    size_t slot;       /* offsetof the const char * in the command's option struct that
                          receives the value (a flag: its long name, non-NULL when given) */
} cli_opt;

typedef struct cli_cmd {
    const char *name;        /* "run", "fmnist train" */
    const char *args;        /* the positionals in the synopsis: "<network>", "" */
    size_t min_pos, max_pos; /* how many positionals it takes */
    const char *summary;     /* one line */
    const char *details;     /* more help after the options, or NULL */
    const cli_opt *opts;     /* the options (-h/--help is implied) */
    size_t n_opts;
    void (*more_help)(FILE *fp); /* prints more after details (computed lists), or NULL */
} cli_cmd;

/* Parses argv (the arguments after the command name) with cmd's table: --opt value,
 * --opt=value, -o value for a short form, -h/--help, -- ending the options. Values go to
 * the slots in *dst, positionals to pos[0..*n_pos) (pos holds cmd->max_pos entries).
 * Returns -1 to go on, 0 after printing --help on stdout, or 2 after reporting a usage error
 * as "apsim <cmd>: error: ..." and one hint line on stderr. */
int cli_opt_parse(const cli_cmd *cmd, int argc, char **argv, void *dst, const char **pos,
                  size_t *n_pos);
/* The --help text of cmd on fp. */
void cli_opt_help(const cli_cmd *cmd, FILE *fp);
/* One option per line ("--bits", "-o"...), the completion words of cmd. */
void cli_opt_words(const cli_cmd *cmd, FILE *fp);
/* cmd's roff section of the man page. */
void cli_opt_man(const cli_cmd *cmd, FILE *fp);
/* Refuses '-' as a set-writing command's output directory: 2 after reporting it, else -1. */
int cli_opt_out_dir(const cli_cmd *cmd, const char *out);

/* The option tables of the commands (cli/cli_*.c), in the order of the manual. */
extern const cli_cmd cli_cmd_net, cli_cmd_run, cli_cmd_dynamic, cli_cmd_sweep, cli_cmd_compare,
    cli_cmd_conformance, cli_cmd_calibrate, cli_cmd_fmnist, cli_cmd_fmnist_train,
    cli_cmd_fmnist_eval, cli_cmd_fmnist_sweep, cli_cmd_export;

/* apsim help CMD [SUB] | --options [CMD [SUB]] | --man (cli_help.c). */
int cli_help(int argc, char **argv);

/* Parses a command-line number (whole string, finite, within [min, max]); BASE_EINVAL
 * naming the option otherwise. */
base_status cli_parse_double(const char *option, const char *text, double min, double max,
                             double *out);

/* Parses a whole non-negative integer option (decimal, no sign, no fraction) within
 * [min, max]; BASE_EINVAL naming the option otherwise. */
base_status cli_parse_ulong(const char *option, const char *text, unsigned long min,
                            unsigned long max, unsigned long *out);

/* Whether a single-file command's -o/--out names standard output ("-"). */
int cli_out_is_stdout(const char *path);
/* Writes a single-file command's output: to stdout for "-", else atomically to path. */
base_status cli_write_file(const char *path, base_writer_fn fn, const void *ctx);

/* Exit status for a failed status code: input errors -> 2, I/O failures (BASE_EIO) -> 3,
 * others -> 1 (docs/CLI.md). */
int cli_exit_code(base_status status);

/* Loads the network a command names (a shipped name or a file, net_find_builtin) at the
 * --input-shape given (NULL: the file's own; net_load_with). Errors as theirs, the shape's
 * prefixed with "--input-shape: ". */
base_status cli_load_network(const char *net_arg, const char *input_shape_arg, net_network **out);

/* The design point that `run` and `compare` share: a network, its bits, a technology at a
 * supply voltage and an architecture, named on the command line and loaded in one place. */
typedef struct cli_point {
    const char *net_arg, *bits_arg, *tech_arg, *arch_arg, *vdd_arg, *batch_arg, *node_arg;
    const char *input_shape_arg;          /* --input-shape, NULL when not given */
    const char *out_arg, *quiet, *native; /* -o/--out, --quiet, --native (compare) */
    net_network *net;
    net_bitcfg *bits;
    tech_params *tech; /* moved to --node when given (tech_params_at_node) */
    sim_arch arch;     /* node_nm = --node, else 0 */
    double vdd_v;      /* the (moved) technology's nominal unless --vdd */
} cli_point;

/* The design-point options of run and compare (cli_opt entries on cli_point). */
#define CLI_POINT_OPTS                                                                             \
    {"bits", 0, "SPEC",                                                                            \
     "int8 (default), int4, intN, wXaY[rZ], a HAWQ-V3 scheme such as\n"                            \
     "resnet18_latency_0.5, or a bit-config YAML file",                                            \
     offsetof(cli_point, bits_arg)},                                                               \
        {"tech", 0, "NAME",                                                                        \
         "the AP's technology: " SIM_DEFAULT_TECH " (default), reram, fefet or a YAML file",       \
         offsetof(cli_point, tech_arg)},                                                           \
        {"node", 0, "NM",                                                                          \
         "move the technology and architecture to CMOS node NM (7..180 nm)\n"                      \
         "with the Stillmaker-Baas fits; NVM device writes stay the device's",                     \
         offsetof(cli_point, node_arg)},                                                           \
        {"vdd", 0, "V", "logic supply in volts (default: the (moved) technology's nominal)",       \
         offsetof(cli_point, vdd_arg)},                                                            \
        {"arch", 0, "NAME", SIM_DEFAULT_ARCH " (default) or an architecture YAML file",            \
         offsetof(cli_point, arch_arg)},                                                           \
        {"batch", 0, "N", "images per inference batch (default: the architecture's)",              \
         offsetof(cli_point, batch_arg)},                                                          \
        {"input-shape", 0, "NxCxHxW", "load the network at this input shape (or CxHxW)",           \
         offsetof(cli_point, input_shape_arg)},                                                    \
    {                                                                                              \
        "quiet", 'q', NULL, "print nothing on success", offsetof(cli_point, quiet)                 \
    }

/* The <network> argument's help. */
#define CLI_NETWORK_HELP                                                                           \
    "<network>: a shipped name (alexnet, vgg16, resnet18, resnet50, mobilenet_v2, fmnist_cnn),\n"  \
    "a network YAML file or an ONNX model\n"

/* Defaults: int8 on SIM_DEFAULT_TECH at its nominal Vdd, on the SIM_DEFAULT_ARCH
 * architecture. */
void cli_point_init(cli_point *p);
/* Parses a run-like command line with cmd's table (its slots in cli_point, CLI_POINT_OPTS)
 * and the network argument; returns as cli_opt_parse. */
int cli_point_parse(cli_point *p, const cli_cmd *cmd, int argc, char **argv);
/* Loads everything named (net_arg must be set); on failure what was loaded stays for
 * cli_point_fini. With --node the technology is replaced by its copy moved to that node and
 * the architecture's node_nm set. Errors as the loaders', BASE_EINVAL for a bad --vdd, --batch
 * or --node, tech_params_at_node's (BASE_ERANGE outside 7..180 nm, BASE_EUNSUPPORTED for a
 * table with measured points). */
base_status cli_point_load(cli_point *p);
void cli_point_fini(cli_point *p);

/* apsim net <network> [--bits <spec|file>] [--input-shape NxCxHxW] [-o <out.csv>|-] [-q] */
int cli_net(int argc, char **argv);

/* apsim run <network> [--bits] [--tech] [--node] [--vdd] [--arch] [--batch] [--out DIR]
 * [--quiet] */
int cli_run(int argc, char **argv);

/* apsim dynamic <schedule.yaml> [-o DIR] [-q] (DIR default: results/<schedule name>) */
int cli_dynamic(int argc, char **argv);
/* apsim sweep <experiment.yaml> [-o DIR] [-q] (DIR default: results/<experiment name>) */
int cli_sweep(int argc, char **argv);

/* apsim compare <network> [--bits] [--tech] [--node] [--vdd] [--arch] [--batch] [-o FILE] */
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
