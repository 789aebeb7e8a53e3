/* sim_base.c - status strings, the one error-reporting path and the allocator seam. */
#include "sim/sim_base.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One table: the status code's one-line meaning, indexed by the enum. */
static const char *const status_text[SIM_STATUS_COUNT] = {
    [SIM_OK] = "success",
    [SIM_ENOMEM] = "out of memory",
    [SIM_EINVAL] = "invalid argument",
    [SIM_ERANGE] = "out of range",
    [SIM_EOVERLAP] = "fields overlap",
    [SIM_EIO] = "input/output error",
    [SIM_EPARSE] = "malformed input",
    [SIM_EKEY] = "unknown, duplicate or missing key",
    [SIM_ETYPE] = "wrong value type",
    [SIM_ESHAPE] = "shape mismatch",
    [SIM_ENOTFOUND] = "not found",
    [SIM_ECAPACITY] = "does not fit the hardware",
    [SIM_EUNSUPPORTED] = "not supported",
};

const char *sim_strerror(sim_status status)
{
    if ((int)status < 0 || status >= SIM_STATUS_COUNT)
        return "unknown status";
    return status_text[status];
}

static char last_error[1024];

sim_status sim_error_at(sim_status status, const char *file, long line, long col, const char *fmt,
                        ...)
{
    size_t used = 0;
    int n;
    if (file && line > 0 && col > 0)
        n = snprintf(last_error, sizeof last_error, "%s:%ld:%ld: error: ", file, line, col);
    else if (file && line > 0)
        n = snprintf(last_error, sizeof last_error, "%s:%ld: error: ", file, line);
    else if (file)
        n = snprintf(last_error, sizeof last_error, "%s: error: ", file);
    else
        n = snprintf(last_error, sizeof last_error, "error: ");
    if (n > 0)
        used = (size_t)n < sizeof last_error ? (size_t)n : sizeof last_error - 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error + used, sizeof last_error - used, fmt, ap);
    va_end(ap);
    return status;
}

const char *sim_last_error(void)
{
    return last_error;
}

void sim_error_clear(void)
{
    last_error[0] = '\0';
}

static long fail_countdown; /* 0: never fail; k > 0: the k-th allocation from now fails */
static int failing;
static unsigned long n_allocs;

void sim_alloc_fail_after(long n)
{
    fail_countdown = n > 0 ? n : 0;
    failing = 0;
}

void sim_alloc_fail_reset(void)
{
    sim_alloc_fail_after(0);
}

unsigned long sim_alloc_count(void)
{
    return n_allocs;
}

/* Decides whether this allocation is the injected failure (or one after it). */
static int should_fail(void)
{
    if (failing)
        return 1;
    if (fail_countdown > 0 && --fail_countdown == 0) {
        failing = 1;
        return 1;
    }
    return 0;
}

void *sim_malloc(size_t size)
{
    if (should_fail())
        return NULL;
    void *p = malloc(size ? size : 1);
    if (p)
        n_allocs++;
    return p;
}

void *sim_calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p)
        n_allocs++;
    return p;
}

void *sim_realloc(void *ptr, size_t size)
{
    if (should_fail())
        return NULL;
    void *p = realloc(ptr, size ? size : 1);
    if (p && !ptr)
        n_allocs++;
    return p;
}

void sim_free(void *ptr)
{
    free(ptr);
}

char *sim_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s) + 1;
    char *d = sim_malloc(len);
    if (d)
        memcpy(d, s, len);
    return d;
}

void sim_csv_field(FILE *fp, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}
