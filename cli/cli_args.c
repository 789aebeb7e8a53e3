/* cli_args.c - command-line numbers, the single output file of a command (-o FILE, - for
 * stdout), the network a command names (with --input-shape) and the
 * exit status of a failed command. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

base_status cli_parse_ulong(const char *option, const char *text, unsigned long min,
                            unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = text[0] >= '0' && text[0] <= '9' ? strtoul(text, &end, 10) : 0;
    if (!(text[0] >= '0' && text[0] <= '9') || *end != '\0' || errno == ERANGE || v < min ||
        v > max)
        return BASE_ERROR(BASE_EINVAL, "%s: expected a whole number in %lu..%lu, found '%s'",
                          option, min, max, text);
    *out = v;
    return BASE_OK;
}

base_status cli_parse_double(const char *option, const char *text, double min, double max,
                             double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || !base_is_decimal(text) || errno == ERANGE ||
        !(v >= min && v <= max))
        return BASE_ERROR(BASE_EINVAL, "%s: expected a number in %g..%g, found '%s'", option, min,
                          max, text);
    *out = v;
    return BASE_OK;
}

base_status cli_load_network(const char *net_arg, const char *input_shape_arg, net_network **out)
{
    net_load_opts opts = {0};
    char path[4096];
    *out = NULL;
    if (input_shape_arg) {
        base_status st = net_input_shape_parse(input_shape_arg, &opts.input_shape);
        if (st != BASE_OK)
            return BASE_ERROR(st, "--input-shape: %s", base_error_inner());
    }
    base_status st = net_find_builtin(net_arg, path, sizeof path);
    return st != BASE_OK ? st : net_load_with(path, &opts, out);
}

int cli_exit_code(base_status status)
{
    switch (status) {
    case BASE_OK:
        return 0;
    case BASE_EINVAL:
    case BASE_ERANGE:
    case BASE_EOVERLAP:
    case BASE_EPARSE:
    case BASE_EKEY:
    case BASE_ETYPE:
    case BASE_ESHAPE:
    case BASE_ENOTFOUND:
    case BASE_ECAPACITY:
    case BASE_EUNSUPPORTED:
        return 2;
    case BASE_EIO:
        return 3;
    default:
        return 1;
    }
}

int cli_out_is_stdout(const char *path)
{
    return path && strcmp(path, "-") == 0;
}

base_status cli_write_file(const char *path, base_writer_fn fn, const void *ctx)
{
    if (!cli_out_is_stdout(path))
        return base_write_atomic(path, fn, ctx);
    base_status st = fn(stdout, ctx);
    errno = 0;
    if (st == BASE_OK && (fflush(stdout) != 0 || ferror(stdout)))
        st = BASE_ERROR(BASE_EIO, "cannot write the standard output: %s",
                        errno ? strerror(errno) : "write error");
    return st;
}
