/* cli_help.c - `apsim help CMD [SUB]` (a command's --help), `apsim help --options CMD [SUB]`
 * (its option words, one a line, for cli/apsim.bash) and `apsim help --man` (the apsim(1) man
 * page in roff): all printed from the commands' option tables so none drifts from the
 * parser. */
#include <string.h>

#include "cli/cli.h"

/* The commands in the order of the manual; fmnist's subcommands follow it. */
static const cli_cmd *const manual[] = {
    &cli_cmd_net,          &cli_cmd_run,         &cli_cmd_dynamic,      &cli_cmd_sweep,
    &cli_cmd_compare,      &cli_cmd_conformance, &cli_cmd_calibrate,    &cli_cmd_fmnist,
    &cli_cmd_fmnist_train, &cli_cmd_fmnist_eval, &cli_cmd_fmnist_sweep, &cli_cmd_export,
};
enum { N_MANUAL = sizeof manual / sizeof manual[0] };

/* The command named by argv[0] (and argv[1] for a subcommand); NULL if none. */
static const cli_cmd *find(int argc, char **argv)
{
    char name[64];
    if (argc < 1 || argc > 2)
        return NULL;
    snprintf(name, sizeof name, "%s%s%s", argv[0], argc == 2 ? " " : "", argc == 2 ? argv[1] : "");
    for (size_t i = 0; i < N_MANUAL; i++)
        if (strcmp(manual[i]->name, name) == 0)
            return manual[i];
    return NULL;
}

static const char *const man_head =
    ".TH APSIM 1 \"\" \"apsim " APSIM_VERSION "\" \"User Commands\"\n"
    ".SH NAME\n"
    "apsim \\- architecture simulator for associative processors\n"
    ".SH SYNOPSIS\n"
    ".B apsim\n"
    ".I command\n"
    "[\\fIoptions\\fR] [\\fIarguments\\fR]\n"
    ".br\n"
    ".B apsim help\n"
    "[\\fIcommand\\fR]\n"
    ".br\n"
    ".B apsim \\-\\-version\n"
    ".SH DESCRIPTION\n"
    "apsim models the latency, energy and area of quantized neural networks on an\n"
    "associative processor (AP) system and on rival accelerators, sweeps design points,\n"
    "evaluates run\\-time precision schedules, and trains and checks a Fashion\\-MNIST CNN\n"
    "bit for bit on the AP. Every command takes \\fB\\-\\-opt value\\fR or\n"
    "\\fB\\-\\-opt=value\\fR, \\fB\\-h\\fR/\\fB\\-\\-help\\fR, and \\fB\\-\\-\\fR to end the\n"
    "options. \\fB\\-o\\fR/\\fB\\-\\-out\\fR names the output: a file (\\fB\\-\\fR for standard\n"
    "output) for net, compare and export, the output directory for the others.\n"
    ".SH COMMANDS\n";

static const char *const man_tail =
    ".SH EXIT STATUS\n"
    ".TP\n0\nsuccess\n"
    ".TP\n1\na run failure (out of memory, a check that failed)\n"
    ".TP\n2\na usage or input error (unknown option, bad value, missing or invalid file, a\n"
    "directory or FIFO where a file goes)\n"
    ".TP\n3\nan I/O failure: an output that cannot be written or renamed (full disk, missing\n"
    "or read-only directory), an input the system refuses to read, a standard output that\n"
    "cannot be written, a sweep directory another sweep holds\n"
    ".TP\n128+N\nstopped by signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP), after removing\n"
    "the temporary files being written; earlier outputs are left as they were\n"
    ".SH ENVIRONMENT\n"
    ".TP\n.B APSIM_DATA\n"
    "the data directory (networks, technologies, architectures, experiments) when not the\n"
    "installed one\n"
    ".TP\n.B LC_ALL\n"
    "ignored: apsim forces the C locale, so numbers always print with a dot\n"
    ".SH FILES\n"
    ".TP\n.I results/\n"
    "the default parent of the output directories of sweep, dynamic and fmnist\n"
    ".TP\n.I results/fmnist/weights.bin\n"
    "the float Fashion\\-MNIST weights of \\fBapsim fmnist train\\fR\n"
    ".SH EXAMPLES\n"
    ".nf\n"
    "apsim net resnet18 \\-\\-bits resnet18_latency_0.5\n"
    "apsim run resnet18 \\-\\-bits int4 \\-\\-tech reram \\-\\-vdd 0.8 \\-o /tmp/r18\n"
    "apsim sweep experiments/resnet18_hawq.yaml\n"
    "apsim compare resnet18 \\-\\-bits int4 \\-o \\- > compare.csv\n"
    "apsim dynamic experiments/dynamic/resnet18_cascade.yaml \\-o results/cascade\n"
    "apsim export \\-o model.onnx \\-\\-bits int8\n"
    ".fi\n"
    ".SH SEE ALSO\n"
    "README.md and docs/*.md of the apsim sources (docs/CLI.md: the command line).\n";

static void man_page(FILE *fp)
{
    fputs(man_head, fp);
    for (size_t i = 0; i < N_MANUAL; i++)
        cli_opt_man(manual[i], fp);
    fputs(man_tail, fp);
}

static int bad(const char *what, int argc, char **argv)
{
    fprintf(stderr, "apsim help: error: %s '%s%s%s' (try 'apsim help')\n", what,
            argc ? argv[0] : "", argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
    return 2;
}

int cli_help(int argc, char **argv)
{
    if (argc == 1 && strcmp(argv[0], "--man") == 0) {
        man_page(stdout);
        return 0;
    }
    if (argc >= 1 && strcmp(argv[0], "--options") == 0) {
        const cli_cmd *cmd = find(argc - 1, argv + 1);
        if (argc == 1) { /* the command names */
            for (size_t i = 0; i < N_MANUAL; i++)
                if (!strchr(manual[i]->name, ' '))
                    printf("%s\n", manual[i]->name);
            printf("help\nversion\n");
            return 0;
        }
        if (!cmd)
            return bad("unknown command", argc - 1, argv + 1);
        if (cmd == &cli_cmd_fmnist)
            printf("train\neval\nsweep\n");
        cli_opt_words(cmd, stdout);
        return 0;
    }
    const cli_cmd *cmd = find(argc, argv);
    if (!cmd)
        return bad("unknown command", argc, argv);
    cli_opt_help(cmd, stdout);
    return 0;
}
