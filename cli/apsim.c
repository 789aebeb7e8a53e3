/* apsim.c - the apsim command: a table of subcommands, each implemented in cli/cli_*.c. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static int cmd_help(int argc, char **argv);

/* The subcommand table: name, handler, one-line summary. */
static const struct command {
    const char *name;
    cli_fn fn;
    const char *summary;
} commands[] = {
    {"help", cmd_help, "list the subcommands"},
    {"net", cli_net, "per-layer shapes, MACs, parameters, bits, BOPS and model size"},
    {"run", cli_run, "latency, energy, EDP of a network on the AP system, per layer and total"},
    {"dynamic", cli_dynamic, "run-time precision schedules: bit-fluid AP vs fixed and rivals"},
    {"sweep", cli_sweep, "run an experiment file: CSV, JSON summary and plot list in results/"},
    {"compare", cli_compare, "the AP and the rival accelerators on one network and bit config"},
    {"conformance", cli_conformance, "ONNX integer node tests run functionally on the AP"},
    {"calibrate", cli_calibrate, "refit the rival models to their papers' headline ratios"},
    {"fmnist", cli_fmnist, "Fashion-MNIST CNN: train, quantize, measured accuracy and EDP"},
};

static int cmd_help(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("usage: apsim <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        printf("  %-10s %s\n", commands[i].name, commands[i].summary);
    printf("\nRun 'apsim <command> --help' for a command's options.\n");
    return 0;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "C");
    if (argc < 2) {
        cmd_help(0, NULL);
        return 2;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 2, argv + 2);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
        return cmd_help(0, NULL);
    fprintf(stderr, "apsim: error: unknown command '%s' (try 'apsim help')\n", argv[1]);
    return 2;
}
