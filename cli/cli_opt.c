/* cli_opt.c - the one option parser of every apsim command: each command declares its
 * options once in a cli_cmd table (cli.h), and this file parses argv with it (getopt_long's
 * rules: --opt value, --opt=value, -o value, -- ending the options) and prints the same
 * table as --help text, as the command's man page section and as completion words, so that
 * none of them drifts from what the parser accepts. */
#include <stdarg.h>
#include <string.h>

#include "cli/cli.h"

/* The option names the commands dropped for -o/--out: their "unknown option" says so. */
static const char *const renamed_to_out[] = {"csv", "results"};

static const char **slot_of(const cli_cmd *cmd, size_t k, void *dst)
{
    return (const char **)(void *)((char *)dst + cmd->opts[k].slot);
}

static void hint(const cli_cmd *cmd)
{
    fprintf(stderr, "usage: apsim %s [options]%s%s (options: 'apsim %s --help')\n", cmd->name,
            cmd->args[0] ? " " : "", cmd->args, cmd->name);
}

static int usage_error(const cli_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int usage_error(const cli_cmd *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "apsim %s: error: ", cmd->name);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    hint(cmd);
    return 2;
}

static int has_out(const cli_cmd *cmd)
{
    for (size_t k = 0; k < cmd->n_opts; k++)
        if (strcmp(cmd->opts[k].name, "out") == 0)
            return 1;
    return 0;
}

static int unknown(const cli_cmd *cmd, const char *arg, size_t len)
{
    for (size_t r = 0; r < sizeof renamed_to_out / sizeof renamed_to_out[0]; r++)
        if (has_out(cmd) && len == strlen(renamed_to_out[r]) + 2 &&
            strncmp(arg + 2, renamed_to_out[r], len - 2) == 0) {
            fprintf(stderr, "apsim %s: error: unknown option '%.*s': the output is -o/--out now\n",
                    cmd->name, (int)len, arg);
            hint(cmd);
            return 2;
        }
    fprintf(stderr, "apsim %s: error: unknown option '%.*s' (try 'apsim %s --help')\n", cmd->name,
            (int)len, arg, cmd->name);
    hint(cmd);
    return 2;
}

/* The option argv[*i] names (long, or short with its value possibly attached): stores its
 * value, advancing *i past a separate value. Returns -1 on success or 0/2 as
 * cli_opt_parse. */
static int take_option(const cli_cmd *cmd, int argc, char **argv, int *i, void *dst,
                       unsigned char *seen)
{
    const char *a = argv[*i], *inline_val = NULL;
    size_t k = cmd->n_opts, len;
    char dashed[64];
    if (a[1] == '-') {
        const char *eq = strchr(a, '=');
        len = eq ? (size_t)(eq - a) : strlen(a);
        inline_val = eq ? eq + 1 : NULL;
        if ((len == 6 && strncmp(a, "--help", 6) == 0) && !inline_val)
            return cli_opt_help(cmd, stdout), 0;
        for (k = 0; k < cmd->n_opts; k++)
            if (strlen(cmd->opts[k].name) == len - 2 &&
                strncmp(a + 2, cmd->opts[k].name, len - 2) == 0)
                break;
    } else {
        len = 2;
        inline_val = a[2] ? a + 2 : NULL;
        if (a[1] == 'h' && !inline_val)
            return cli_opt_help(cmd, stdout), 0;
        for (k = 0; k < cmd->n_opts; k++)
            if (cmd->opts[k].short_name && cmd->opts[k].short_name == a[1])
                break;
    }
    if (k == cmd->n_opts)
        return unknown(cmd, a, len);
    const cli_opt *o = &cmd->opts[k];
    snprintf(dashed, sizeof dashed, "--%s", o->name);
    if (seen[k])
        return usage_error(cmd, "option '%s' given twice", dashed);
    seen[k] = 1;
    if (!o->value) {
        if (inline_val)
            return usage_error(cmd, "option '%s' takes no value", dashed);
        *slot_of(cmd, k, dst) = o->name;
        return -1;
    }
    if (!inline_val) {
        if (*i + 1 >= argc)
            return usage_error(cmd, "option '%s' needs a value", dashed);
        inline_val = argv[++*i];
    }
    *slot_of(cmd, k, dst) = inline_val;
    return -1;
}

int cli_opt_parse(const cli_cmd *cmd, int argc, char **argv, void *dst, const char **pos,
                  size_t *n_pos)
{
    unsigned char seen[64] = {0};
    int options_done = 0;
    *n_pos = 0;
    if (cmd->n_opts > sizeof seen)
        return usage_error(cmd, "%zu options in its table, at most %zu", cmd->n_opts, sizeof seen);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!options_done && strcmp(a, "--") == 0) {
            options_done = 1;
            continue;
        }
        if (!options_done && a[0] == '-' && a[1] != '\0') {
            int rc = take_option(cmd, argc, argv, &i, dst, seen);
            if (rc >= 0)
                return rc;
            continue;
        }
        if (*n_pos >= cmd->max_pos)
            return usage_error(cmd, "unexpected argument '%s'", a);
        pos[(*n_pos)++] = a;
    }
    if (*n_pos < cmd->min_pos)
        return usage_error(cmd, "missing %s", cmd->args);
    return -1;
}

int cli_opt_out_dir(const cli_cmd *cmd, const char *out)
{
    if (out && strcmp(out, "-") == 0)
        return usage_error(cmd, "-o/--out names a directory here (this command writes a set "
                                "of files), not '-' for standard output");
    if (out && !*out)
        return usage_error(cmd, "-o/--out needs a directory, not an empty name");
    return -1;
}

/* "  -o, --out DIR" or "      --bits SPEC" into buf. */
static void option_label(const cli_opt *o, char *buf, size_t cap)
{
    char shrt[8] = "    ";
    if (o->short_name)
        snprintf(shrt, sizeof shrt, "-%c, ", o->short_name);
    snprintf(buf, cap, "%s--%s%s%s", shrt, o->name, o->value ? " " : "", o->value ? o->value : "");
}

/* A help text whose continuation lines are indented by indent columns. */
static void indented(FILE *fp, const char *text, int indent)
{
    for (const char *p = text; *p; p++) {
        fputc(*p, fp);
        if (*p == '\n' && p[1])
            fprintf(fp, "%*s", indent, "");
    }
    fputc('\n', fp);
}

void cli_opt_help(const cli_cmd *cmd, FILE *fp)
{
    char label[96];
    fprintf(fp, "usage: apsim %s [options]%s%s\n%s\n", cmd->name, cmd->args[0] ? " " : "",
            cmd->args, cmd->summary);
    fprintf(fp, "\noptions:\n");
    for (size_t k = 0; k < cmd->n_opts; k++) {
        option_label(&cmd->opts[k], label, sizeof label);
        if (strlen(label) > 24)
            fprintf(fp, "  %s\n  %-24s ", label, "");
        else
            fprintf(fp, "  %-24s ", label);
        indented(fp, cmd->opts[k].help, 27);
    }
    fprintf(fp, "  %-24s this help\n", "-h, --help");
    if (cmd->details)
        fprintf(fp, "\n%s", cmd->details);
    if (cmd->more_help)
        cmd->more_help(fp);
}

void cli_opt_words(const cli_cmd *cmd, FILE *fp)
{
    for (size_t k = 0; k < cmd->n_opts; k++) {
        const cli_opt *o = &cmd->opts[k];
        fprintf(fp, "--%s%s%s\n", o->name, o->value ? " " : "", o->value ? o->value : "");
        if (o->short_name)
            fprintf(fp, "-%c%s%s\n", o->short_name, o->value ? " " : "", o->value ? o->value : "");
    }
    fprintf(fp, "--help\n-h\n");
}

/* Text for roff: backslashes and dashes escaped, a line starting with a dot or quote
 * protected. */
static void roff(FILE *fp, const char *s)
{
    int bol = 1;
    for (const char *p = s; *p; p++) {
        if (bol && (*p == '.' || *p == '\''))
            fputs("\\&", fp);
        if (*p == '\\')
            fputs("\\e", fp);
        else if (*p == '-')
            fputs("\\-", fp);
        else
            fputc(*p, fp);
        bol = *p == '\n';
    }
}

void cli_opt_man(const cli_cmd *cmd, FILE *fp)
{
    fputs(".SS \"apsim ", fp);
    roff(fp, cmd->name);
    fputs("\"\n.B apsim ", fp);
    roff(fp, cmd->name);
    fputs("\n[\\fIoptions\\fR]", fp);
    if (cmd->args[0]) {
        fputs(" \\fI", fp);
        roff(fp, cmd->args);
        fputs("\\fR", fp);
    }
    fputs("\n.PP\n", fp);
    roff(fp, cmd->summary);
    fputc('\n', fp);
    for (size_t k = 0; k < cmd->n_opts; k++) {
        const cli_opt *o = &cmd->opts[k];
        fputs(".TP\n", fp);
        if (o->short_name)
            fprintf(fp, "\\fB\\-%c\\fR, ", o->short_name);
        fputs("\\fB\\-\\-", fp);
        roff(fp, o->name);
        fputs("\\fR", fp);
        if (o->value) {
            fputs(" \\fI", fp);
            roff(fp, o->value);
            fputs("\\fR", fp);
        }
        fputc('\n', fp);
        roff(fp, o->help);
        fputc('\n', fp);
    }
    fputs(".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nthis help\n", fp);
    if (cmd->details) {
        fputs(".PP\n", fp);
        roff(fp, cmd->details);
    }
}
