/* base.h - the ground layer: status codes, the error path, the allocator seam, atomic output
 * files and the search for shipped data files. Every other module includes it and it includes
 * nothing of theirs: it is the floor the one-way dependency graph stands on.
 * Modelled on GSL's GSL_ERROR (one reporting path) and Lua's lua_Alloc (one allocator). */
#ifndef BASE_H
#define BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* The tool's version: `apsim --version` prints it and every JSON output carries it. */
#define APSIM_VERSION "0.9"

/* One status enum for every fallible function in apsim. Results come back through pointers. */
typedef enum base_status {
    BASE_OK = 0,       /* success */
    BASE_ENOMEM,       /* an allocation failed */
    BASE_EINVAL,       /* an argument is out of its documented range */
    BASE_ERANGE,       /* a field, width or index lies outside the object it addresses */
    BASE_EOVERLAP,     /* two fields that must be disjoint overlap */
    BASE_EIO,          /* a file could not be opened, read, written or renamed */
    BASE_EPARSE,       /* input is not well-formed (YAML syntax, bad number) */
    BASE_EKEY,         /* a key is unknown, duplicated or missing */
    BASE_ETYPE,        /* a value has the wrong type (string where a number belongs, ...) */
    BASE_ESHAPE,       /* tensor shapes or layer connections do not agree */
    BASE_ENOTFOUND,    /* a named thing (table row, layer, network, file) does not exist */
    BASE_ECAPACITY,    /* the work does not fit the modelled hardware */
    BASE_EUNSUPPORTED, /* a valid request this version does not implement */
    BASE_ECANCELED,    /* the caller asked to stop (e.g. a progress callback returned false) */
    BASE_STATUS_COUNT
} base_status;

/* One-line description of a status code; never NULL. */
const char *base_strerror(base_status status);

/* The last error as a value: what went wrong and where. Callers that add context or a
 * position re-raise it through base_error_wrap or cfg_error_at_node; nothing parses text. */
typedef struct base_error {
    base_status status;
    char file[512];     /* input file or path the error is about; "" when none */
    long line, col;     /* 1-based position in file; 0 when unknown */
    char message[1024]; /* the message alone, without "file:line:col: error: " */
} base_error;

/* The single reporting path: records status, file (may be NULL), line, col (1-based, 0 leaves
 * them out) and the message as the last error and returns status unchanged, so callers write
 * `return base_error_at(...)`. The arguments may point into the last error itself. Set a
 * breakpoint here to catch every error apsim raises. Nothing is printed: front ends print
 * base_last_error(). */
base_status base_error_at(base_status status, const char *file, long line, long col,
                          const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Shorthand for errors with no input position. */
#define BASE_ERROR(status, ...) base_error_at((status), NULL, 0, 0, __VA_ARGS__)
/* Evaluates expr (a base_status) and returns it from the calling function unless BASE_OK. */
#define BASE_TRY(expr)                                                                             \
    do {                                                                                           \
        base_status base_try_st_ = (expr);                                                         \
        if (base_try_st_ != BASE_OK)                                                               \
            return base_try_st_;                                                                   \
    } while (0)

/* The last error recorded (status BASE_OK and empty strings when none). Owned by the library. */
const base_error *base_error_last(void);
/* The last error formatted for people: "file:line:col: error: message" ("file:line: ...",
 * "file: ..." or "error: message" when parts are unknown); "" when there is none. */
const char *base_last_error(void);
/* The last error as text to embed in another message: its message alone when it has no file,
 * else the whole formatted line, so an inner position is never lost. */
const char *base_error_inner(void);
/* Re-raises the last error with status st at file:line:col (file may be NULL) and the context
 * fmt (e.g. "layer '%s': ") put before base_error_inner(). Returns st. */
base_status base_error_wrap(base_status st, const char *file, long line, long col, const char *fmt,
                            ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
/* Forget the last error. */
void base_error_clear(void);

/* Allocator seam. Every heap allocation in apsim goes through these; base_free(NULL) is a
 * no-op. base_malloc(0) returns a unique non-NULL pointer. */
void *base_malloc(size_t size);
void *base_calloc(size_t count, size_t size);
void *base_realloc(void *ptr, size_t size);
void base_free(void *ptr);
/* strdup through the seam; NULL on failure or when s is NULL. Caller frees with base_free. */
char *base_strdup(const char *s);

/* Test hook: the n-th allocation from now on (1-based) and every later one fail, until
 * base_alloc_fail_reset(). n <= 0 disables failure injection. */
void base_alloc_fail_after(long n);
void base_alloc_fail_reset(void);
/* Number of successful allocations since the program started (for tests and benches). */
unsigned long base_alloc_count(void);

/* The one CSV escaper: every text field of every CSV apsim writes goes through it. s as one
 * CSV field (RFC 4180): s itself, or when it holds a comma, a double quote, CR or LF, a copy
 * in double quotes with its quotes doubled, valid until 32 more quotings (enough for one
 * fprintf of a row). Out of memory it returns "" and base_write_status reports it. */
const char *base_csv(const char *s);
/* Whether a base_csv allocation failed since the last call (and clears it). */
bool base_csv_failed(void);
/* Writes base_csv(s). Write errors show in ferror(fp). */
void base_csv_field(FILE *fp, const char *s);

/* ---- Outputs that are never half-written (base_out.c) -------------------------------
 * A file is written to "<path>.tmp.<pid>" and renamed over path on commit, so a failed run
 * never leaves a half-written file; a FIFO, a device, a /dev or /proc path, or a link that
 * dangles or leads to one is written in place and never replaced (a link to a file keeps the
 * link). Write errors name the path and the system's reason ("<path>: error: cannot write:
 * No space left on device"), all BASE_EIO. */
struct base_sink;
typedef struct base_outfile {
    FILE *fp;               /* write here */
    char *path;             /* the path as named, for messages (owned) */
    char *tmp_path;         /* temporary path (owned); NULL when written in place */
    char *target;           /* what tmp_path is renamed over (owned); NULL in place */
    struct base_sink *sink; /* keeps the errno of the first failed write */
} base_outfile;

/* Opens a temporary file next to path (or path itself, in place); first removes stale
 * "<path>.tmp.<pid>" files of processes that no longer run. BASE_EIO, BASE_EINVAL (path is a
 * directory) or BASE_ENOMEM on failure. */
base_status base_outfile_open(base_outfile *f, const char *path);
/* Flushes, closes and renames onto the final path; on any failure removes the temporary
 * file and returns BASE_EIO. Always releases f's memory. */
base_status base_outfile_commit(base_outfile *f);
/* Closes and removes the temporary file; releases f's memory. Safe on a zeroed f. */
void base_outfile_abort(base_outfile *f);

/* Writes a whole file atomically: opens path's temporary file, calls fn(fp, ctx), commits
 * on BASE_OK and aborts otherwise. Returns fn's or the commit's status; a write that failed
 * under fn is reported naming path. */
typedef base_status (*base_writer_fn)(FILE *fp, const void *ctx);
base_status base_write_atomic(const char *path, base_writer_fn fn, const void *ctx);

/* One output of a set written by base_write_set: file name inside the directory, the writer,
 * and whether it is written this time (an output that is off is removed from the directory
 * with the same commit, so no stale file poses as part of the new set). */
typedef struct base_output {
    const char *file;
    base_writer_fn fn;
    int on;
} base_output;
/* Writes a set of files into dir (created if needed) as a whole: every file is written into
 * the stage dir/.apsim-out.<pid>/, then a manifest renamed into the stage commits the set
 * and the files are moved into dir with SIGINT, SIGTERM and SIGHUP held; a failed move puts
 * the previous files back (kept as hard links). On any failure dir holds the previous set. A
 * stage left by a killed process is finished (committed) or removed (not committed) by the
 * next base_write_set into dir, which also removes stale "<file>.tmp.<pid>" files. */
base_status base_write_set(const char *dir, const base_output *outs, size_t n, const void *ctx);
/* BASE_EIO "write error" when fp has an error indicator set (base_write_atomic and
 * base_write_set then name the path and the reason), BASE_ENOMEM when base_csv could not
 * quote a field, else BASE_OK. */
base_status base_write_status(FILE *fp);

/* Installs handlers for SIGINT, SIGTERM and SIGHUP (unless ignored at start) that remove
 * the temporary files and stages of outputs being written, print "<prog>: stopped by
 * SIGINT; temporary files removed: N; earlier outputs are as they were" and end the process
 * by the same signal (exit status 128 + its number). prog must outlive the process. */
void base_signals_install(const char *prog);

/* Test hooks: after `bytes` more bytes reach output files every write fails with ENOSPC
 * (a disk filling mid-write); after n more renames of outputs every rename fails with EIO.
 * A negative value turns the hook off. */
void base_io_fail_write_after(long bytes);
void base_io_fail_rename_after(long n);

/* Creates a directory and its parents (mkdir -p). BASE_EIO on failure. */
base_status base_mkdir_p(const char *path);

/* The data directory next to the running binary (/proc/self/exe): <bindir>/../share/apsim
 * once installed, the source root for a build/<variant>/ binary; "." when that directory is
 * the working directory. BASE_ENOTFOUND when neither holds a networks/ folder, BASE_ERANGE. */
base_status base_data_dir(char *out, size_t cap);
/* Resolves a data file: rel (e.g. "networks/resnet18.yaml") is looked up under $APSIM_DATA
 * (when set), then in base_data_dir (the current directory when there is none). Writes the
 * first existing path into path_out. BASE_ENOTFOUND (listing where it looked) or BASE_ERANGE
 * (cap too small). */
base_status base_find_data(const char *rel, char *path_out, size_t cap);
/* Where base_find_data looks, for messages: "$APSIM_DATA=<dir> or <data dir>" or
 * "$APSIM_DATA (unset) or <data dir>". Returns buf. */
const char *base_data_where(char *buf, size_t cap);

/* "Is this a shipped name or a file path?", decided in one place. A value that names an
 * existing file, or is written as a path (holds '/' or ends in ".yaml"), is a path; anything
 * else is a shipped name ([A-Za-z0-9._-]+) looked up as <dir>/<name>.yaml with base_find_data
 * (dir is "networks", "tech", "sim/arch", ...). */
typedef enum base_ref {
    BASE_REF_FILE,    /* an existing file, used as given */
    BASE_REF_MISSING, /* written as a path, but no such file */
    BASE_REF_NOTFILE, /* written as a path that exists but is not a regular file */
    BASE_REF_NAME     /* a shipped name */
} base_ref;
/* Opens an input file for reading ("rb"): a regular file only, so that a FIFO never blocks
 * and a directory or device is named as such. Errors name the path: BASE_ENOTFOUND ("cannot
 * open: No such file or directory"), BASE_EINVAL (what the path is instead: "is a directory,
 * not a file", "is not a regular file (a FIFO, device or socket)"), BASE_EIO (any other
 * reason the system gives, e.g. "Permission denied"). */
base_status base_open_input(const char *path, FILE **out);

/* 1 when s is a decimal number as people write one: an optional sign, digits with at most
 * one '.', an optional exponent (1, -2.5, .5, 3e-2). Hexadecimal (0x1p-1), inf, nan, spaces
 * and empty text are not: strtod would take them, apsim's inputs do not. */
bool base_is_decimal(const char *s);

/* 1 when s is written as a path: it holds '/' or ends in ".yaml". */
bool base_is_pathlike(const char *s);
/* Resolves name_or_path into path_out and says which it was in *ref. BASE_ENOTFOUND (a missing
 * path: "<path>: error: no such file"; a name: where it was looked for), BASE_EINVAL (a
 * malformed name), BASE_ERANGE (too long). Callers re-raise with what the thing is. */
base_status base_resolve(const char *dir, const char *name_or_path, char *path_out, size_t cap,
                         base_ref *ref);

/* ---- Progress on long work ------------------------------------------------------------
 * A one-line bar redrawn in place ("\r<label> [#####.....] 12/36 images, 4 s, ~8 s left"),
 * for a person at a terminal: the front end passes stderr when stderr is a terminal (and it
 * is rank 0 under MPI), NULL otherwise, and then nothing is ever written. Drawn at most ten
 * times a second (and at the end), so it costs nothing measurable; it never changes a result. */
typedef struct base_progress {
    FILE *fp;          /* NULL: silent */
    const char *label; /* e.g. "apsim fmnist train" */
    const char *unit;  /* e.g. "batches" */
    size_t total, done;
    double start_s, drawn_s; /* monotonic clock at begin and at the last draw */
} base_progress;

/* Starts a bar of total steps on fp (NULL: silent); label and unit must outlive the bar. */
void base_progress_begin(base_progress *p, FILE *fp, const char *label, const char *unit,
                         size_t total);
/* Records that done of the total steps are complete, redrawing when due. p may be NULL. */
void base_progress_update(base_progress *p, size_t done);
/* Draws the final state and ends the line (also after a failure, so an error message starts
 * on a line of its own). p may be NULL; a second call does nothing. */
void base_progress_end(base_progress *p);
/* stderr when it is a terminal, NULL otherwise: where a command's progress should go. */
FILE *base_progress_stream(void);

#endif /* BASE_H */
