/* bench_ap.c - speed of the AP model: row-passes per second for the 8-bit in-place add and
 * the 8x8 unsigned multiply on 65,536 rows, pass by pass and fused (ap_array_set_fused), then
 * (through tests/bench_ap_callgrind.sh, when valgrind is installed) instructions per row-pass.
 * Usage: bench_ap                    timing, then the callgrind figures
 *        bench_ap --ir OP [--fused]  run OP (add or mul) a fixed number of times, for callgrind */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ap_core/ap.h"

#define N_ROWS 65536u
/* The callgrind driver, relative to the working directory: `make bench` runs from the
 * repository root. */
#define CALLGRIND_SCRIPT "tests/bench_ap_callgrind.sh"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const ap_field fa = {0, 8}, fb = {8, 8}, fp = {17, 16};
static const unsigned carry = 16;

static ap_array *setup(void)
{
    ap_array *arr;
    if (ap_array_new(N_ROWS, 40, &arr) != BASE_OK)
        return NULL;
    uint32_t *v = malloc(N_ROWS * sizeof *v);
    if (!v) {
        ap_array_free(arr);
        return NULL;
    }
    uint64_t s = 0x1234567u;
    for (unsigned f = 0; f < 2; f++) {
        for (unsigned r = 0; r < N_ROWS; r++) {
            s = s * 6364136223846793005u + 1442695040888963407u;
            v[r] = (uint32_t)(s >> 56);
        }
        if (ap_array_field_load(arr, f ? fb : fa, v, N_ROWS) != BASE_OK) {
            free(v);
            ap_array_free(arr);
            return NULL;
        }
    }
    free(v);
    ap_array_counters_reset(arr);
    return arr;
}

static base_status run_op(ap_array *arr, int mul)
{
    return mul ? ap_mul(arr, fa, fb, fp, carry, false) : ap_add(arr, fa, fb, carry);
}

/* Runs argv[0] with arguments argv (no shell); returns its exit status, -1 if it could not
 * be run or did not exit normally. quiet sends its stdout and stderr to /dev/null. */
static int run_argv(char *const argv[], int quiet)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (quiet && (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)))
            _exit(127);
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs the op reps times; returns seconds (-1 on failure), *row_passes the row-passes done. */
static double timed(ap_array *arr, int mul, unsigned reps, double *row_passes)
{
    ap_array_counters_reset(arr);
    double t0 = now_s();
    for (unsigned i = 0; i < reps; i++)
        if (run_op(arr, mul) != BASE_OK)
            return -1;
    double t = now_s() - t0;
    ap_counters k;
    ap_array_counters(arr, &k);
    *row_passes = (double)k.n_compares * N_ROWS;
    return t;
}

int main(int argc, char **argv)
{
    ap_array *arr = setup();
    if (!arr) {
        fprintf(stderr, "bench_ap: %s\n", base_last_error());
        return 1;
    }
    if ((argc == 3 || argc == 4) && strcmp(argv[1], "--ir") == 0) {
        int mul = strcmp(argv[2], "mul") == 0;
        if (argc == 4 && ap_array_set_fused(arr, strcmp(argv[3], "--fused") == 0) != BASE_OK) {
            ap_array_free(arr);
            return 1;
        }
        double rp;
        if (timed(arr, mul, mul ? 4u : 32u, &rp) < 0) {
            fprintf(stderr, "bench_ap: %s\n", base_last_error());
            ap_array_free(arr);
            return 1;
        }
        printf("row_passes %.0f\n", rp);
        ap_array_free(arr);
        return 0;
    }
    const char *names[] = {"add 8-bit (in place)", "mul 8x8 unsigned"};
    for (int k = 0; k < 4; k++) {
        int mul = k & 1, fused = k >> 1;
        if (ap_array_set_fused(arr, fused) != BASE_OK) {
            fprintf(stderr, "bench_ap: %s\n", base_last_error());
            return 1;
        }
        double rp, t, best = 0;
        for (int trial = 0; trial < 3; trial++) {
            t = timed(arr, mul, mul ? 40u : 320u, &rp);
            if (t <= 0) {
                fprintf(stderr, "bench_ap: %s\n", base_last_error());
                return 1;
            }
            if (rp / t > best)
                best = rp / t;
        }
        printf("%-22s %-13s rows %u  passes/op %-4.0f  %.3g row-passes/s\n", names[mul],
               fused ? "fused" : "pass by pass", N_ROWS, rp / N_ROWS / (mul ? 40.0 : 320.0), best);
    }
    ap_array_free(arr);
    fflush(stdout);
    char *probe[] = {"valgrind", "--version", NULL};
    if (argc == 1 && run_argv(probe, 1) == 0) {
        if (access(CALLGRIND_SCRIPT, R_OK) != 0) {
            fprintf(stderr, "bench_ap: %s not found (run from the repository root)\n",
                    CALLGRIND_SCRIPT);
            return 1;
        }
        char *cg[] = {"sh", CALLGRIND_SCRIPT, argv[0], NULL};
        return run_argv(cg, 0) == 0 ? 0 : 1;
    }
    return 0;
}
