/* base.c - status strings, the one error-reporting path and the allocator seam. */
#include "base/base.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One table: the status code's one-line meaning, indexed by the enum. */
static const char *const status_text[BASE_STATUS_COUNT] = {
    [BASE_OK] = "success",
    [BASE_ENOMEM] = "out of memory",
    [BASE_EINVAL] = "invalid argument",
    [BASE_ERANGE] = "out of range",
    [BASE_EOVERLAP] = "fields overlap",
    [BASE_EIO] = "input/output error",
    [BASE_EPARSE] = "malformed input",
    [BASE_EKEY] = "unknown, duplicate or missing key",
    [BASE_ETYPE] = "wrong value type",
    [BASE_ESHAPE] = "shape mismatch",
    [BASE_ENOTFOUND] = "not found",
    [BASE_ECAPACITY] = "does not fit the hardware",
    [BASE_EUNSUPPORTED] = "not supported",
};

const char *base_strerror(base_status status)
{
    if ((int)status < 0 || status >= BASE_STATUS_COUNT)
        return "unknown status";
    return status_text[status];
}

static char last_error[1024];

base_status base_error_at(base_status status, const char *file, long line, long col,
                          const char *fmt, ...)
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

const char *base_last_error(void)
{
    return last_error;
}

void base_error_clear(void)
{
    last_error[0] = '\0';
}

static long fail_countdown; /* 0: never fail; k > 0: the k-th allocation from now fails */
static int failing;
static unsigned long n_allocs;

void base_alloc_fail_after(long n)
{
    fail_countdown = n > 0 ? n : 0;
    failing = 0;
}

void base_alloc_fail_reset(void)
{
    base_alloc_fail_after(0);
}

unsigned long base_alloc_count(void)
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

void *base_malloc(size_t size)
{
    if (should_fail())
        return NULL;
    void *p = malloc(size ? size : 1);
    if (p)
        n_allocs++;
    return p;
}

void *base_calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p)
        n_allocs++;
    return p;
}

void *base_realloc(void *ptr, size_t size)
{
    if (should_fail())
        return NULL;
    void *p = realloc(ptr, size ? size : 1);
    if (p && !ptr)
        n_allocs++;
    return p;
}

void base_free(void *ptr)
{
    free(ptr);
}

char *base_strdup(const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s) + 1;
    char *d = base_malloc(len);
    if (d)
        memcpy(d, s, len);
    return d;
}

void base_csv_field(FILE *fp, const char *s)
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
