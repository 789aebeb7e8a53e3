/* cli_fmnist.h - internal to `apsim fmnist`: its options (cli_fmnist_opts.c parses them with
 * the subcommands' tables) as cli_fmnist.c runs them. */
#ifndef CLI_FMNIST_H
#define CLI_FMNIST_H

#include "cli/cli.h"

#define FM_DATA_DIR "/usr/share/datasets/fashion-mnist"
#define FM_WEIGHTS  "results/fmnist/weights.bin"

typedef struct fm_opts {
    const char *data_dir, *weights, *net_arg, *bits_arg, *out_dir, *tech_arg, *shape_arg, *dump,
        *model, *quiet;
    const char *epochs_arg, *train_arg, *ap_arg, *test_arg, *calib_arg; /* numbers as given */
    double epochs, n_train, n_ap, n_test, n_calib;                      /* n_ap -1: --ap all */
    int rivals; /* sweep: also each rival's own accuracy and cost */
} fm_opts;

/* Parses `apsim fmnist SUB [options]` into *o (defaults filled) and *sub (0 train, 1 eval,
 * 2 sweep), with the checks that need no data. Returns -1 to go on, else the exit status
 * (0 after --help, 2 after a usage error, reported). */
int cli_fmnist_parse(int argc, char **argv, fm_opts *o, size_t *sub);

/* A per-layer --bits spec ("w8a8,w4a4,w8a8") well formed: 1, else 0 with the reason in why. */
int cli_fmnist_bits_list_ok(const char *spec, char *why, size_t cap);

#endif /* CLI_FMNIST_H */
