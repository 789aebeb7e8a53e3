/* check_main.c - runs every Check suite listed in suites.h; exit status = failure count.
 * Quiet on success (one line: how many checks passed); on a failure Check's normal report
 * (each failed check with its file and line). CK_VERBOSITY set in the environment chooses
 * Check's own output instead. CK_RUN_SUITE/CK_RUN_CASE filters work and are announced, so a
 * filter that matches nothing is not mistaken for a pass. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/suites.h"

#define DECLARE(name) Suite *name(void);
APSIM_SUITES(DECLARE)

int main(void)
{
    if (getenv("CK_RUN_SUITE") || getenv("CK_RUN_CASE"))
        fprintf(stderr, "check_apsim: note: CK_RUN_SUITE/CK_RUN_CASE filter is set\n");
    SRunner *sr = srunner_create(NULL);
#define ADD(name) srunner_add_suite(sr, name());
    APSIM_SUITES(ADD)
    const int own_report = getenv("CK_VERBOSITY") == NULL;
    srunner_run_all(sr, own_report ? CK_SILENT : CK_ENV);
    int failed = srunner_ntests_failed(sr), run = srunner_ntests_run(sr);
    if (own_report && failed)
        srunner_print(sr, CK_NORMAL);
    else if (own_report)
        printf("check_apsim: %d checks passed\n", run);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
