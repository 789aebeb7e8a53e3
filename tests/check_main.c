/* check_main.c - runs every Check suite listed in suites.h; exit status = failure count.
 * CK_RUN_SUITE/CK_RUN_CASE are refused: a filter that matches nothing would run zero tests
 * and still pass. */
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
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
