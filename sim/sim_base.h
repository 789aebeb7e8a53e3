/* sim_base.h - the project-wide status codes, error reporting and allocator seam.
 * Every module (tech, ap_core, networks, cfg, accel, sim) includes this one header and
 * nothing else of sim/: it is the floor the one-way dependency graph stands on.
 * Modelled on GSL's GSL_ERROR (one reporting path) and Lua's lua_Alloc (one allocator). */
#ifndef SIM_BASE_H
#define SIM_BASE_H

#include <stddef.h>
#include <stdio.h>

/* One status enum for every fallible function in apsim. Results come back through pointers. */
typedef enum sim_status {
    SIM_OK = 0,       /* success */
    SIM_ENOMEM,       /* an allocation failed */
    SIM_EINVAL,       /* an argument is out of its documented range */
    SIM_ERANGE,       /* a field, width or index lies outside the object it addresses */
    SIM_EOVERLAP,     /* two fields that must be disjoint overlap */
    SIM_EIO,          /* a file could not be opened, read, written or renamed */
    SIM_EPARSE,       /* input is not well-formed (YAML syntax, bad number) */
    SIM_EKEY,         /* a key is unknown, duplicated or missing */
    SIM_ETYPE,        /* a value has the wrong type (string where a number belongs, ...) */
    SIM_ESHAPE,       /* tensor shapes or layer connections do not agree */
    SIM_ENOTFOUND,    /* a named thing (table row, layer, network, file) does not exist */
    SIM_ECAPACITY,    /* the work does not fit the modelled hardware */
    SIM_EUNSUPPORTED, /* a valid request this version does not implement */
    SIM_STATUS_COUNT
} sim_status;

/* One-line description of a status code; never NULL. */
const char *sim_strerror(sim_status status);

/* The single reporting path: records "file:line:col: error: <message>" (or "error: <message>"
 * when file is NULL; line and col are 1-based, 0 leaves them out) as the last error and returns
 * status unchanged, so callers write `return sim_error_at(...)`. Set a breakpoint here to
 * catch every error apsim raises. Nothing is printed: front ends print sim_last_error(). */
sim_status sim_error_at(sim_status status, const char *file, long line, long col, const char *fmt,
                        ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Shorthand for errors with no input position. */
#define SIM_ERROR(status, ...) sim_error_at((status), NULL, 0, 0, __VA_ARGS__)

/* The message recorded by the last sim_error_at() ("" if none). Owned by the library. */
const char *sim_last_error(void);
/* Forget the last error. */
void sim_error_clear(void);

/* Allocator seam. Every heap allocation in apsim goes through these; sim_free(NULL) is a
 * no-op. sim_malloc(0) returns a unique non-NULL pointer. */
void *sim_malloc(size_t size);
void *sim_calloc(size_t count, size_t size);
void *sim_realloc(void *ptr, size_t size);
void sim_free(void *ptr);
/* strdup through the seam; NULL on failure or when s is NULL. Caller frees with sim_free. */
char *sim_strdup(const char *s);

/* Test hook: the n-th allocation from now on (1-based) and every later one fail, until
 * sim_alloc_fail_reset(). n <= 0 disables failure injection. */
void sim_alloc_fail_after(long n);
void sim_alloc_fail_reset(void);
/* Number of successful allocations since the program started (for tests and benches). */
unsigned long sim_alloc_count(void);

/* Writes s as one CSV field (RFC 4180): as is, or in double quotes with its quotes doubled
 * when it holds a comma, a double quote, CR or LF. Write errors show in ferror(fp). */
void sim_csv_field(FILE *fp, const char *s);

#endif /* SIM_BASE_H */
