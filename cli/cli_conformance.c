/* cli_conformance.c - `apsim conformance [node_dir]`: ONNX's integer node tests (Debian
 * libonnx-testdata) executed functionally on the AP model; prints one line per passed, failed
 * or skipped case and "N passed, N failed". Exit 0 only when at least one case passed and none
 * failed or could not be read (ERROR). docs/ONNX.md. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "exec/exec.h"

#define DEFAULT_NODE_DIR "/usr/share/libonnx-testdata/data/node"

const cli_cmd cli_cmd_conformance = {
    "conformance",
    "[<node test dir>]",
    0,
    1,
    "ONNX integer node tests run functionally on the AP",
    "<node test dir>: ONNX's node tests (default: " DEFAULT_NODE_DIR ")\n",
    NULL,
    0,
    NULL,
};

int cli_conformance(int argc, char **argv)
{
    const char *dir = DEFAULT_NODE_DIR, *pos[1];
    size_t n_pos;
    int early = cli_opt_parse(&cli_cmd_conformance, argc, argv, NULL, pos, &n_pos);
    if (early >= 0)
        return early;
    if (n_pos)
        dir = pos[0];
    exec_conf_counts c;
    base_status st = exec_onnx_conformance(dir, stdout, &c);
    if (st != BASE_OK) {
        fprintf(stderr, "apsim conformance: %s\n", base_last_error());
        return cli_exit_code(st);
    }
    printf("%d skipped (listed above with the reason), %d other cases are operators the AP "
           "executor does not cover\n",
           c.n_skipped, c.n_other);
    if (c.n_errors)
        printf("%d cases could not be read (ERROR lines above)\n", c.n_errors);
    printf("%d passed, %d failed\n", c.n_passed, c.n_failed);
    return c.n_failed || c.n_errors || c.n_passed == 0 ? 1 : 0;
}
