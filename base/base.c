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
    [BASE_ECANCELED] = "stopped by the caller",
};

const char *base_strerror(base_status status)
{
    if ((int)status < 0 || status >= BASE_STATUS_COUNT)
        return "unknown status";
    return status_text[status];
}

static base_error last;
static char formatted[sizeof last.file + sizeof last.message + 64];

static base_status record(base_status status, const char *file, long line, long col,
                          const char *fmt, va_list ap)
{
    char msg[sizeof last.message]; /* fmt's arguments may point into last */
    char where[sizeof last.file];
    vsnprintf(msg, sizeof msg, fmt, ap);
    snprintf(where, sizeof where, "%s", file ? file : "");
    last.status = status;
    memcpy(last.file, where, sizeof where);
    last.line = file && line > 0 ? line : 0;
    last.col = last.line > 0 && col > 0 ? col : 0;
    memcpy(last.message, msg, sizeof msg);
    return status;
}

base_status base_error_at(base_status status, const char *file, long line, long col,
                          const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(status, file, line, col, fmt, ap);
    va_end(ap);
    return status;
}

const base_error *base_error_last(void)
{
    return &last;
}

const char *base_last_error(void)
{
    if (last.status == BASE_OK && !last.message[0])
        formatted[0] = '\0';
    else if (last.file[0] && last.col > 0)
        snprintf(formatted, sizeof formatted, "%s:%ld:%ld: error: %s", last.file, last.line,
                 last.col, last.message);
    else if (last.file[0] && last.line > 0)
        snprintf(formatted, sizeof formatted, "%s:%ld: error: %s", last.file, last.line,
                 last.message);
    else if (last.file[0])
        snprintf(formatted, sizeof formatted, "%s: error: %s", last.file, last.message);
    else
        snprintf(formatted, sizeof formatted, "error: %s", last.message);
    return formatted;
}

const char *base_error_inner(void)
{
    return last.file[0] ? base_last_error() : last.message;
}

base_status base_error_wrap(base_status st, const char *file, long line, long col, const char *fmt,
                            ...)
{
    char context[256], inner[sizeof formatted];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(context, sizeof context, fmt, ap);
    va_end(ap);
    snprintf(inner, sizeof inner, "%s", base_error_inner());
    return base_error_at(st, file, line, col, "%s%s", context, inner);
}

void base_error_clear(void)
{
    memset(&last, 0, sizeof last);
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

/* The quoted copies base_csv hands out: each lives until CSV_RING later quotings, enough for
 * every field of one fprintf. A failed allocation is remembered for base_csv_failed. */
#define CSV_RING 32
static char *csv_ring[CSV_RING];
static unsigned csv_next;
static bool csv_failed;

const char *base_csv(const char *s)
{
    if (!strpbrk(s, ",\"\r\n"))
        return s;
    size_t n = 3;
    for (const char *p = s; *p; p++)
        n += *p == '"' ? 2 : 1;
    char *d = malloc(n);
    if (!d) {
        csv_failed = true;
        return "\"\"";
    }
    char *w = d;
    *w++ = '"';
    for (; *s; s++) {
        if (*s == '"')
            *w++ = '"';
        *w++ = *s;
    }
    *w++ = '"';
    *w = '\0';
    free(csv_ring[csv_next]);
    csv_ring[csv_next] = d;
    csv_next = (csv_next + 1) % CSV_RING;
    return d;
}

bool base_csv_failed(void)
{
    bool f = csv_failed;
    csv_failed = false;
    return f;
}

void base_csv_field(FILE *fp, const char *s)
{
    fputs(base_csv(s), fp);
}

bool base_is_decimal(const char *s)
{
    size_t i = s[0] == '+' || s[0] == '-' ? 1 : 0, digits = 0;
    for (; s[i] >= '0' && s[i] <= '9'; i++)
        digits++;
    if (s[i] == '.')
        for (i++; s[i] >= '0' && s[i] <= '9'; i++)
            digits++;
    if (digits == 0)
        return false;
    if (s[i] == 'e' || s[i] == 'E') {
        i += s[i + 1] == '+' || s[i + 1] == '-' ? 2 : 1;
        if (!(s[i] >= '0' && s[i] <= '9'))
            return false;
        while (s[i] >= '0' && s[i] <= '9')
            i++;
    }
    return s[i] == '\0';
}
