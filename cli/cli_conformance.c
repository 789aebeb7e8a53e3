/* cli_conformance.c - `apsim conformance [node_dir]`: ONNX's integer node tests (Debian
 * libonnx-testdata) executed functionally on the AP model; prints one line per passed, failed
 * or skipped case and "N passed, N failed". Exit 0 only when at least one case passed and none
 * failed or could not be read (ERROR). docs/ONNX.md. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "exec/exec.h"

#define DEFAULT_NODE_DIR "/usr/share/libonnx-testdata/data/node"

int cli_conformance(int argc, char **argv)
{
    const char *dir = DEFAULT_NODE_DIR;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: apsim conformance [<onnx node test dir>]\n"
                   "  default dir: " DEFAULT_NODE_DIR "\n");
            return 0;
        }
        if (i == 0 && argv[i][0] != '-') {
            dir = argv[i];
        } else {
            fprintf(stderr, "apsim conformance: error: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
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
