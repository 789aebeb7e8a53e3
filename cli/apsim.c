/* apsim.c - the apsim command: a table of subcommands, each implemented in cli/cli_*.c. Under
 * MPI (par/, docs/PARALLEL.md) every rank runs main: only rank 0 writes normal output
 * (stdout), and the commands that do not share their work among the ranks run on rank 0
 * alone while the others wait for it. */
#define _XOPEN_SOURCE 700 /* realpath, for the data directory --version prints */
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "par/par.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

/* The subcommand table: name, handler, one-line summary, and whether the handler shares its
 * work among MPI ranks (the others run on rank 0 only). */
static const struct command {
    const char *name;
    cli_fn fn;
    const char *summary;
    int sharded;
} commands[] = {
    {"help", cmd_help, "the commands; help CMD: its options; help --man: the man page", 0},
    {"version", cmd_version, "the version, and whether this is an MPI build", 1},
    {"net", cli_net, "per-layer shapes, MACs, parameters, bits, BOPS and model size", 0},
    {"run", cli_run, "latency, energy, EDP of a network on the AP system, per layer and total", 0},
    {"dynamic", cli_dynamic, "run-time precision schedules: bit-fluid AP vs fixed and rivals", 0},
    {"sweep", cli_sweep, "run an experiment file: CSV, JSON summary and plot list in results/", 1},
    {"compare", cli_compare, "the AP and the rival accelerators on one network and bit config", 0},
    {"conformance", cli_conformance, "ONNX integer node tests run functionally on the AP", 0},
    {"calibrate", cli_calibrate, "refit the rival models to their papers' headline ratios", 0},
    {"fmnist", cli_fmnist, "Fashion-MNIST CNN: train, quantize, measured accuracy and EDP", 1},
    {"export", cli_export, "write a quantized network as a QOperator ONNX model", 1},
};

static int cmd_help(int argc, char **argv)
{
    if (argc > 0 && strcmp(argv[0], "--help") != 0 && strcmp(argv[0], "-h") != 0)
        return cli_help(argc, argv);
    printf("usage: apsim <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        printf("  %-10s %s\n", commands[i].name, commands[i].summary);
    printf("\nRun 'apsim help <command>' or 'apsim <command> --help' for a command's options;\n"
           "'apsim --version' for the version; 'apsim help --man' prints the man page.\n");
    return 0;
}

static int cmd_version(int argc, char **argv)
{
    if (argc == 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
        printf("usage: apsim version\nthe version, and whether this is an MPI build\n");
        return 0;
    }
    if (argc > 0) {
        fprintf(stderr, "apsim version: error: no arguments expected\n");
        return 2;
    }
    printf("apsim %s (%s)\n", APSIM_VERSION, SIM_MODEL_VERSION);
    printf("parallel: %s\n", par_describe());
    /* Where shipped names are looked up (base_find_data): $APSIM_DATA first, when set. */
    const char *env = getenv("APSIM_DATA");
    char dir[4096], real[PATH_MAX];
    if (base_data_dir(dir, sizeof dir) != BASE_OK)
        snprintf(dir, sizeof dir, "none found next to the binary");
    else if (realpath(dir, real))
        snprintf(dir, sizeof dir, "%s", real);
    printf("data: %s%s%s\n", env && *env ? env : "", env && *env ? " ($APSIM_DATA), then " : "",
           dir);
    return 0;
}

/* Runs the command line on this rank. */
static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        cmd_help(0, NULL);
        return 2;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].sharded || par_rank() == 0 ? commands[i].fn(argc - 2, argv + 2) : 0;
    if (strcmp(argv[1], "--version") == 0)
        return cmd_version(argc - 2, argv + 2);
    if (par_rank() != 0)
        return 0;
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cmd_help(0, NULL);
    fprintf(stderr, "apsim: error: unknown command '%s' (try 'apsim help')\n", argv[1]);
    return 2;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "C");
    if (par_init(&argc, &argv) != BASE_OK) {
        fprintf(stderr, "apsim: %s\n", base_last_error());
        return 1;
    }
    if (par_rank() != 0 && !freopen("/dev/null", "w", stdout)) {
        fprintf(stderr, "apsim: error: rank %d cannot silence its standard output\n", par_rank());
        par_finalize();
        return 1;
    }
    /* SIGINT, SIGTERM, SIGHUP: temporary outputs removed, a message, then the usual death. */
    base_signals_install("apsim");
    int rc = dispatch(argc, argv);
    /* What the command printed must have reached its reader: a full disk or a closed pipe
     * behind stdout is a failure, not a success. */
    errno = 0;
    if ((fflush(stdout) != 0 || ferror(stdout)) && rc == 0) {
        fprintf(stderr, "apsim: error: cannot write the standard output: %s\n",
                errno ? strerror(errno) : "write error");
        rc = 3;
    }
    par_finalize();
    return rc;
}
