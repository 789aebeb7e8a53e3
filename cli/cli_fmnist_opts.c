/* cli_fmnist_opts.c - the options of `apsim fmnist train|eval|sweep`: one table per
 * subcommand (their --help, man page sections and completion words) and the checks that need
 * no data, run before anything is loaded. */
#include <string.h>

#include "cli/cli_fmnist.h"

#define FM_OPT(n, v, h, f)                                                                         \
    {                                                                                              \
        n, 0, v, h, offsetof(fm_opts, f)                                                           \
    }
#define FM_DATA                                                                                    \
    FM_OPT("data", "DIR", "the Fashion-MNIST IDX files (default " FM_DATA_DIR ")", data_dir)
#define FM_NET   FM_OPT("net", "N", "built-in network or YAML file (default fmnist_cnn)", net_arg)
#define FM_SHAPE FM_OPT("input-shape", "NxCxHxW", "load --net at this input shape", shape_arg)
#define FM_QUIET                                                                                   \
    {                                                                                              \
        "quiet", 'q', NULL, "print nothing on success", offsetof(fm_opts, quiet)                   \
    }
#define FM_WEIGHTS_OPT                                                                             \
    FM_OPT("weights", "FILE", "the float weights (default " FM_WEIGHTS "; trained when absent)",   \
           weights)
#define FM_AP                                                                                      \
    FM_OPT("ap", "N|all",                                                                          \
           "run N (default 20) of the test images on the AP too, N <= --test;\n"                   \
           "all: every test image",                                                                \
           ap_arg)
#define FM_TEST FM_OPT("test", "N", "the first N test images (default all)", test_arg)
#define FM_CALIB                                                                                   \
    FM_OPT("calib", "N",                                                                           \
           "calibrate the activation scales on the first N training images\n"                      \
           "(default 1000)",                                                                       \
           calib_arg)
#define FM_TECH FM_OPT("tech", "T", "the AP's technology (default " SIM_DEFAULT_TECH ")", tech_arg)

/* What eval and sweep share: the weights, which images, the calibration, the AP's technology
 * and the network. */
#define FM_MEASURE FM_WEIGHTS_OPT, FM_AP, FM_TEST, FM_CALIB, FM_TECH, FM_DATA, FM_NET, FM_SHAPE

static const cli_opt train_opts[] = {
    FM_OPT("epochs", "N", "training epochs (default 3)", epochs_arg),
    FM_OPT("train", "N", "the first N training images (default all)", train_arg),
    {"out", 'o', "DIR", "write DIR/weights.bin (default: " FM_WEIGHTS ")",
     offsetof(fm_opts, out_dir)},
    FM_DATA,
    FM_NET,
    FM_SHAPE,
    FM_QUIET,
};
static const cli_opt eval_opts[] = {
    FM_OPT("bits", "SPEC",
           "int8, w4a8, ... or one wXaY per conv/fc layer: w8a8,w4a4,w8a8\n"
           "(required)",
           bits_arg),
    FM_MEASURE,
    FM_OPT("dump", "FILE", "labels, reference and AP logits, binary (docs/FMNIST.md)", dump),
    FM_OPT("model", "FILE.onnx", "the integer model of `apsim export` instead of --weights", model),
    FM_QUIET,
};
static const cli_opt sweep_opts[] = {
    {"out", 'o', "DIR", "the output directory (default results/fmnist)",
     offsetof(fm_opts, out_dir)},
    FM_MEASURE,
    FM_QUIET,
};

#define FM_MPI "Under mpirun the ranks share the images (docs/PARALLEL.md).\n"
const cli_cmd cli_cmd_fmnist_train = {
    "fmnist train",
    "",
    0,
    0,
    "train the Fashion-MNIST CNN in C (float)",
    FM_MPI,
    train_opts,
    sizeof train_opts / sizeof train_opts[0],
    NULL,
};
const cli_cmd cli_cmd_fmnist_eval = {
    "fmnist eval",
    "",
    0,
    0,
    "measured accuracy of one quantized configuration, checked bit for bit on the AP",
    FM_MPI,
    eval_opts,
    sizeof eval_opts / sizeof eval_opts[0],
    NULL,
};
const cli_cmd cli_cmd_fmnist_sweep = {
    "fmnist sweep",
    "",
    0,
    0,
    "accuracy and EDP of the quantized configurations: configs, cascade and points CSVs",
    FM_MPI,
    sweep_opts,
    sizeof sweep_opts / sizeof sweep_opts[0],
    NULL,
};

static void fmnist_more_help(FILE *fp)
{
    fprintf(fp, "\n");
    cli_opt_help(&cli_cmd_fmnist_train, fp);
    fprintf(fp, "\n");
    cli_opt_help(&cli_cmd_fmnist_eval, fp);
    fprintf(fp, "\n");
    cli_opt_help(&cli_cmd_fmnist_sweep, fp);
}

const cli_cmd cli_cmd_fmnist = {
    "fmnist",
    "train|eval|sweep",
    1,
    1,
    "Fashion-MNIST CNN: train, quantize, measured accuracy and EDP (docs/FMNIST.md)",
    "subcommands: train, eval, sweep; 'apsim fmnist SUB --help' for one.\n",
    NULL,
    0,
    fmnist_more_help,
};

static int usage(void)
{
    fprintf(stderr,
            "usage: apsim fmnist train|eval|sweep [options] (options: 'apsim fmnist --help')\n");
    return 2;
}

/* A per-layer spec ("w8a8,w4a4,w8a8"): only w, a, digits and commas, no empty element.
 * Returns 1 when it is well formed, else writes why into why. */
int cli_fmnist_bits_list_ok(const char *spec, char *why, size_t cap)
{
    size_t n = strlen(spec);
    for (size_t i = 0; i < n; i++)
        if (!strchr("wa0123456789,", spec[i])) {
            snprintf(why, cap, "character '%c' is not allowed (use w, a, digits and commas)",
                     spec[i]);
            return 0;
        }
    if (n == 0 || spec[0] == ',' || spec[n - 1] == ',' || strstr(spec, ",,")) {
        snprintf(why, cap, "empty element");
        return 0;
    }
    return 1;
}

/* A whole number option given as text into *out (unchanged when not given). */
static int whole(const cli_cmd *cmd, const char *name, const char *text, double min, double max,
                 double *out)
{
    if (!text)
        return 1;
    unsigned long v = 0;
    if (cli_parse_ulong(name, text, (unsigned long)min, (unsigned long)max, &v) != BASE_OK) {
        fprintf(stderr, "apsim %s: %s\n", cmd->name, base_last_error());
        return 0;
    }
    *out = (double)v;
    return 1;
}

/* Returns -1 to go on, else the exit status. */
static int parse_opts(const cli_cmd *cmd, int argc, char **argv, fm_opts *o)
{
    const char *pos[1];
    size_t n_pos;
    int rc = cli_opt_parse(cmd, argc, argv, o, pos, &n_pos);
    if (rc < 0)
        rc = cli_opt_out_dir(cmd, o->out_dir);
    if (rc >= 0)
        return rc;
    if (o->ap_arg && strcmp(o->ap_arg, "all") == 0)
        o->n_ap = -1;
    else if (!whole(cmd, "--ap", o->ap_arg, 0, 10000, &o->n_ap))
        return 2;
    if (!whole(cmd, "--epochs", o->epochs_arg, 1, 64, &o->epochs) ||
        !whole(cmd, "--train", o->train_arg, 0, 1e8, &o->n_train) ||
        !whole(cmd, "--test", o->test_arg, 0, 10000, &o->n_test) ||
        !whole(cmd, "--calib", o->calib_arg, 1, 60000, &o->n_calib))
        return 2;
    return -1;
}

/* Checks that need no data: --ap within --test, a per-layer --bits spec well formed. */
static int check_opts(const fm_opts *o)
{
    char why[96];
    if (o->n_test > 0 && o->n_ap > o->n_test) {
        fprintf(stderr,
                "apsim fmnist: error: --ap %.0f exceeds --test %.0f: the AP images are "
                "checked against the first --test reference results\n",
                o->n_ap, o->n_test);
        return 0;
    }
    if (o->bits_arg && strchr(o->bits_arg, ',') &&
        !cli_fmnist_bits_list_ok(o->bits_arg, why, sizeof why)) {
        fprintf(stderr, "apsim fmnist: error: --bits '%s': %s\n", o->bits_arg, why);
        return 0;
    }
    return 1;
}

int cli_fmnist_parse(int argc, char **argv, fm_opts *o, size_t *sub)
{
    static const cli_cmd *const subs[] = {&cli_cmd_fmnist_train, &cli_cmd_fmnist_eval,
                                          &cli_cmd_fmnist_sweep};
    if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
        cli_opt_help(&cli_cmd_fmnist, stdout);
        return 0;
    }
    size_t k = 0;
    while (argc >= 1 && k < 3 && strcmp(argv[0], subs[k]->name + strlen("fmnist ")) != 0)
        k++;
    if (argc < 1) {
        fprintf(stderr, "apsim fmnist: error: missing the subcommand (train, eval or sweep)\n");
        return usage();
    }
    if (k == 3) {
        fprintf(stderr, "apsim fmnist: error: unknown subcommand '%s'\n", argv[0]);
        return usage();
    }
    o->data_dir = FM_DATA_DIR;
    o->weights = FM_WEIGHTS;
    o->net_arg = "fmnist_cnn";
    o->tech_arg = SIM_DEFAULT_TECH;
    o->epochs = 3;
    o->n_ap = 20;
    o->n_calib = FMNIST_N_CALIB;
    int rc = parse_opts(subs[k], argc - 1, argv + 1, o);
    if (rc >= 0)
        return rc;
    if (!check_opts(o))
        return 2;
    if (k == 1 && !o->bits_arg) {
        fprintf(stderr, "apsim fmnist eval: error: --bits is required\n");
        return 2;
    }
    *sub = k;
    return -1;
}
