/* base_out.c - outputs that are never half-written.
 * One file: written to "<path>.tmp.<pid>" and renamed over path, unless path is a FIFO, a
 * device or a symlink to one (written in place, never replaced; a symlink to a file keeps the
 * link and replaces the file it names).
 * A set of files in a directory D (a sweep's points.csv, front.csv, summary.json, ...): every
 * file is written into a stage directory D/.apsim-out.<pid>/; a manifest listing the moves is
 * then renamed into the stage, which is the commit; the moves run with SIGINT/SIGTERM/SIGHUP
 * held, and a failed move is undone from hard links of the previous files. A process killed
 * before the manifest's rename leaves D as it was; one killed after it leaves a committed
 * stage that the next write into D finishes (the classic write-ahead rename; see
 * rename(2)'s atomicity guarantee in POSIX). Stale stages and "*.tmp.<pid>" files of dead
 * processes are removed by the next write into the same place.
 * Write errors keep the errno of the failing write(2) (an fopencookie stream), so messages
 * say "<path>: error: cannot write: No space left on device". */
#define _GNU_SOURCE /* fopencookie */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"

/* ---- Test hooks: ENOSPC once a byte budget is spent, EIO from the n-th rename on ---------- */
static long write_budget = -1, rename_budget = -1;

void base_io_fail_write_after(long bytes)
{
    write_budget = bytes;
}

void base_io_fail_rename_after(long n)
{
    rename_budget = n;
}

static int do_rename(const char *from, const char *to)
{
    if (rename_budget == 0) {
        errno = EIO;
        return -1;
    }
    if (rename_budget > 0)
        rename_budget--;
    return rename(from, to);
}

/* ---- Temporary paths removed when a signal stops the process -------------------------- */
#define TRACK_SLOTS 32
static char tracked[TRACK_SLOTS][PATH_MAX];
static volatile sig_atomic_t tracked_on[TRACK_SLOTS];
static const char *signal_prog = "apsim";

static void block_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, old);
}

static void restore_signals(const sigset_t *old)
{
    sigprocmask(SIG_SETMASK, old, NULL);
}

static void track(const char *path)
{
    sigset_t old;
    block_signals(&old);
    for (int i = 0; i < TRACK_SLOTS; i++)
        if (!tracked_on[i] && strlen(path) < PATH_MAX) {
            strcpy(tracked[i], path);
            tracked_on[i] = 1;
            break;
        }
    restore_signals(&old);
}

static void untrack(const char *path)
{
    sigset_t old;
    block_signals(&old);
    for (int i = 0; i < TRACK_SLOTS; i++)
        if (tracked_on[i] && strcmp(tracked[i], path) == 0) {
            tracked_on[i] = 0;
            break;
        }
    restore_signals(&old);
}

/* Appends s to buf (async-signal-safe). */
static size_t put(char *buf, size_t len, size_t cap, const char *s)
{
    while (*s && len + 1 < cap)
        buf[len++] = *s++;
    return len;
}

static void on_signal(int sig)
{
    int removed = 0;
    for (int i = 0; i < TRACK_SLOTS; i++) /* files first, */
        if (tracked_on[i] && unlink(tracked[i]) == 0)
            tracked_on[i] = 0, removed++;
    for (int i = 0; i < TRACK_SLOTS; i++) /* then the stage directories they were in */
        if (tracked_on[i] && rmdir(tracked[i]) == 0)
            tracked_on[i] = 0, removed++;
    char msg[256], num[16];
    size_t len = put(msg, 0, sizeof msg, signal_prog);
    len = put(msg, len, sizeof msg,
              sig == SIGINT    ? ": stopped by SIGINT"
              : sig == SIGTERM ? ": stopped by SIGTERM"
                               : ": stopped by SIGHUP");
    int k = sizeof num - 1;
    num[k] = '\0';
    do
        num[--k] = (char)('0' + removed % 10), removed /= 10;
    while (removed > 0 && k > 0);
    len = put(msg, len, sizeof msg, "; temporary files removed: ");
    len = put(msg, len, sizeof msg, num + k);
    len = put(msg, len, sizeof msg, "; earlier outputs are as they were\n");
    ssize_t w = write(STDERR_FILENO, msg, len);
    (void)w;
    signal(sig, SIG_DFL); /* and die of it, so the parent sees 128 + sig */
    raise(sig);
}

void base_signals_install(const char *prog)
{
    signal_prog = prog;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigfillset(&sa.sa_mask);
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction prev;
        /* A signal ignored by whoever started us (nohup, a background job) stays ignored. */
        if (sigaction(sigs[i], NULL, &prev) == 0 && prev.sa_handler == SIG_IGN)
            continue;
        sigaction(sigs[i], &sa, NULL);
    }
}

/* ---- A stdio stream that keeps the errno of its first failed write ------------------- */
struct base_sink {
    int fd;
    int err; /* errno of the first failed write or close; 0 when none */
};
typedef struct base_sink sink;

static ssize_t sink_write(void *cookie, const char *buf, size_t n)
{
    sink *s = cookie;
    size_t done = 0;
    while (done < n) {
        size_t want = n - done;
        if (write_budget >= 0 && (long)want > write_budget)
            want = (size_t)write_budget;
        ssize_t w = want == 0 ? (errno = ENOSPC, -1) : write(s->fd, buf + done, want);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (!s->err)
                s->err = w < 0 ? errno : EIO;
            return (ssize_t)done;
        }
        if (write_budget >= 0)
            write_budget -= w;
        done += (size_t)w;
    }
    return (ssize_t)done;
}

static int sink_close(void *cookie)
{
    sink *s = cookie;
    int rc = close(s->fd);
    if (rc != 0 && !s->err)
        s->err = errno;
    return rc;
}

/* Opens path for writing through a sink with open(2)'s flags. On failure returns NULL with
 * errno set. */
static FILE *sink_open(const char *path, int flags, sink **out)
{
    sink *s = malloc(sizeof *s);
    if (!s)
        return errno = ENOMEM, NULL;
    s->err = 0;
    s->fd = open(path, flags | O_CLOEXEC, 0666);
    if (s->fd < 0) {
        int e = errno;
        free(s);
        return errno = e, NULL;
    }
    cookie_io_functions_t io = {NULL, sink_write, NULL, sink_close};
    FILE *fp = fopencookie(s, "w", io);
    if (!fp) {
        int e = errno;
        close(s->fd);
        free(s);
        return errno = e, NULL;
    }
    *out = s;
    return fp;
}

/* Closes f's stream; the errno of its first failure (0 when none). */
static int sink_finish(base_outfile *f)
{
    int err = 0;
    if (f->fp) {
        fflush(f->fp);
        int bad = ferror(f->fp);
        fclose(f->fp);
        err = f->sink->err ? f->sink->err : bad ? EIO : 0;
    }
    free(f->sink);
    f->fp = NULL;
    f->sink = NULL;
    return err;
}

/* ---- Stale temporary files ------------------------------------------------------------ */
/* 1 when text is a decimal process id of a process that no longer exists. */
static int dead_pid(const char *text)
{
    if (!*text || strspn(text, "0123456789") != strlen(text) || strlen(text) > 9)
        return 0;
    long pid = strtol(text, NULL, 10);
    if (pid <= 0 || pid == (long)getpid())
        return 0;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* Removes, in dir, "<name>.tmp.<pid>" of dead processes for each of names[0..n) (only what
 * apsim writes there is touched), and finishes or removes the stages of dead processes. */
static void clean_stale(const char *dir, const char *const *names, size_t n);

/* ---- One file --------------------------------------------------------------------------- */
/* Splits path into its directory ("." when none) and base name. */
static void split_path(const char *path, char *dir, size_t cap, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, cap, ".");
        *base = path;
    } else {
        snprintf(dir, cap, "%.*s", slash == path ? 1 : (int)(slash - path), path);
        *base = slash + 1;
    }
}

base_status base_outfile_open(base_outfile *f, const char *path)
{
    memset(f, 0, sizeof *f);
    struct stat sb;
    char real[PATH_MAX];
    const char *target = path; /* what is renamed over: path, or the file a symlink names */
    /* Written in place, never replaced: /dev and /proc paths (/dev/stdout appends to what
     * the shell opened), FIFOs, devices and links that dangle or lead to one. */
    int in_place = strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/proc/", 6) == 0;
    int flags = O_WRONLY | O_CREAT | O_TRUNC;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return base_error_at(BASE_EINVAL, path, 0, 0,
                             "is a directory; name the output file inside it");
    if (in_place) {
        flags = O_WRONLY | O_CREAT | (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) ? O_APPEND : 0);
    } else if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode)) {
        if (realpath(path, real) && stat(real, &sb) == 0 && S_ISREG(sb.st_mode))
            target = real;
        else
            in_place = 1, flags = O_WRONLY | O_CREAT;
    } else if (lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        in_place = 1, flags = O_WRONLY;
    }
    size_t len = strlen(target) + 32;
    f->path = base_strdup(path);
    f->tmp_path = in_place ? NULL : base_malloc(len);
    f->target = in_place ? NULL : base_strdup(target);
    if (!f->path || (!in_place && (!f->tmp_path || !f->target))) {
        base_outfile_abort(f);
        return BASE_ERROR(BASE_ENOMEM, "out of memory opening %s", path);
    }
    if (!in_place) {
        char dir[PATH_MAX];
        const char *base;
        split_path(target, dir, sizeof dir, &base);
        clean_stale(dir, &base, 1);
        snprintf(f->tmp_path, len, "%s.tmp.%ld", target, (long)getpid());
        track(f->tmp_path);
    }
    f->fp = sink_open(in_place ? path : f->tmp_path, flags, &f->sink);
    if (!f->fp) {
        base_status st = base_error_at(BASE_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
        base_outfile_abort(f);
        return st;
    }
    return BASE_OK;
}

static void outfile_free(base_outfile *f)
{
    if (f->tmp_path)
        untrack(f->tmp_path);
    base_free(f->path);
    base_free(f->tmp_path);
    base_free(f->target);
    memset(f, 0, sizeof *f);
}

base_status base_outfile_commit(base_outfile *f)
{
    base_status st = BASE_OK;
    int err = sink_finish(f);
    if (err)
        st = base_error_at(BASE_EIO, f->path, 0, 0, "cannot write: %s", strerror(err));
    else if (f->tmp_path && do_rename(f->tmp_path, f->target) != 0)
        st = base_error_at(BASE_EIO, f->path, 0, 0, "cannot rename %s into place: %s", f->tmp_path,
                           strerror(errno));
    if (st != BASE_OK && f->tmp_path)
        unlink(f->tmp_path);
    outfile_free(f);
    return st;
}

void base_outfile_abort(base_outfile *f)
{
    sink_finish(f);
    if (f->tmp_path)
        unlink(f->tmp_path);
    outfile_free(f);
}

/* The writer's status, or when the stream failed under it, the failure naming path. */
static base_status writer_status(base_status st, const base_outfile *f)
{
    int flushed = !f->fp || (fflush(f->fp) == 0 && !ferror(f->fp));
    if (st != BASE_OK && st != BASE_EIO)
        return st;
    if (st == BASE_OK && flushed)
        return BASE_OK;
    int err = f->sink && f->sink->err ? f->sink->err : EIO;
    return base_error_at(BASE_EIO, f->path, 0, 0, "cannot write: %s", strerror(err));
}

base_status base_write_atomic(const char *path, base_writer_fn fn, const void *ctx)
{
    base_outfile f;
    base_status st = base_outfile_open(&f, path);
    if (st != BASE_OK)
        return st;
    st = writer_status(fn(f.fp, ctx), &f);
    if (st != BASE_OK) {
        base_outfile_abort(&f);
        return st;
    }
    return base_outfile_commit(&f);
}

/* ---- A set of files --------------------------------------------------------------------- */
#define STAGE_PREFIX ".apsim-out."

/* out := a "/" b; 0 (out empty) when it does not fit in cap. */
static int join(char *out, size_t cap, const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la + 1 + lb >= cap) {
        out[0] = '\0';
        return 0;
    }
    memcpy(out, a, la);
    out[la] = '/';
    memcpy(out + la + 1, b, lb + 1);
    return 1;
}

/* Removes a stage: its files, its prev/ folder of backups, itself. */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char p[PATH_MAX];
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            /* unlink(2) of a directory fails with EISDIR on Linux, EPERM elsewhere */
            if (join(p, sizeof p, dir, e->d_name) && unlink(p) != 0 &&
                (errno == EISDIR || errno == EPERM))
                remove_tree(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* Applies a committed stage's manifest: each "put NAME" moves stage/NAME to dir/NAME (when
 * it is still there), each "del NAME" removes dir/NAME. Used by the next writer when the
 * process that committed died before finishing. */
static void roll_forward(const char *dir, const char *stage)
{
    char p[PATH_MAX], from[PATH_MAX], to[PATH_MAX], line[PATH_MAX];
    if (!join(p, sizeof p, stage, "manifest"))
        return;
    FILE *m = fopen(p, "r");
    if (!m)
        return;
    while (fgets(line, sizeof line, m)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "put ", 4) == 0 && join(from, sizeof from, stage, line + 4) &&
            join(to, sizeof to, dir, line + 4) && access(from, F_OK) == 0)
            rename(from, to);
        else if (strncmp(line, "del ", 4) == 0 && join(to, sizeof to, dir, line + 4))
            unlink(to);
    }
    fclose(m);
}

static void clean_stale(const char *dir, const char *const *names, size_t n)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[PATH_MAX];
    while ((e = readdir(d))) {
        const char *nm = e->d_name;
        if (strncmp(nm, STAGE_PREFIX, strlen(STAGE_PREFIX)) == 0) {
            if (dead_pid(nm + strlen(STAGE_PREFIX)) && join(p, sizeof p, dir, nm)) {
                roll_forward(dir, p);
                remove_tree(p);
            }
            continue;
        }
        for (size_t i = 0; i < n; i++) {
            size_t len = strlen(names[i]);
            if (strncmp(nm, names[i], len) == 0 && strncmp(nm + len, ".tmp.", 5) == 0 &&
                dead_pid(nm + len + 5) && join(p, sizeof p, dir, nm))
                unlink(p);
        }
    }
    closedir(d);
}

/* Undoes the first n moves of a failed commit: each file that had a previous version gets it
 * back from stage/prev/ (unlink and link, so no rename is needed); a new one is removed. */
static void roll_back(const char *dir, const char *stage, const base_output *outs, size_t n,
                      const char *had_prev)
{
    char dst[PATH_MAX], prev[PATH_MAX];
    for (size_t i = 0; i < n; i++) {
        if (!join(dst, sizeof dst, dir, outs[i].file))
            continue;
        if (snprintf(prev, sizeof prev, "%s/prev/%s", stage, outs[i].file) >= (int)sizeof prev)
            continue;
        unlink(dst);
        if (had_prev[i])
            link(prev, dst);
    }
}

/* Moves the staged set into dir: manifest (the commit), backups, moves, removals. Runs with
 * the stopping signals held. On failure dir is as it was. */
static base_status commit_set(const char *dir, const char *stage, const base_output *outs, size_t n)
{
    char src[PATH_MAX], dst[PATH_MAX], prev[PATH_MAX], man[PATH_MAX], man_tmp[PATH_MAX];
    char *had_prev = calloc(n ? n : 1, 1);
    if (!had_prev)
        return BASE_ERROR(BASE_ENOMEM, "out of memory writing %s", dir);
    base_status st = BASE_OK;
    if (!join(prev, sizeof prev, stage, "prev") || mkdir(prev, 0777) != 0)
        st = base_error_at(BASE_EIO, prev, 0, 0, "cannot create: %s", strerror(errno));
    /* Hard links of the previous files: what a failed move is undone from. */
    for (size_t i = 0; st == BASE_OK && i < n; i++) {
        struct stat sb;
        if (!join(dst, sizeof dst, dir, outs[i].file) || lstat(dst, &sb) != 0 ||
            snprintf(prev, sizeof prev, "%s/prev/%s", stage, outs[i].file) >= (int)sizeof prev)
            continue;
        if (link(dst, prev) == 0)
            had_prev[i] = 1;
        else
            st = base_error_at(BASE_EIO, dst, 0, 0, "cannot keep the previous file: %s",
                               strerror(errno));
    }
    /* The manifest, renamed into place: the commit point. */
    if (st == BASE_OK) {
        join(man, sizeof man, stage, "manifest");
        join(man_tmp, sizeof man_tmp, stage, "manifest.tmp");
        FILE *m = fopen(man_tmp, "w");
        for (size_t i = 0; m && i < n; i++)
            fprintf(m, "%s %s\n", outs[i].on ? "put" : "del", outs[i].file);
        int err = m ? 0 : errno;
        if (m) {
            int bad = ferror(m);
            errno = 0;
            if (fclose(m) != 0 || bad)
                err = errno ? errno : EIO;
        }
        if (!err && do_rename(man_tmp, man) != 0)
            err = errno;
        if (err)
            st = base_error_at(BASE_EIO, dir, 0, 0, "cannot commit the outputs: %s", strerror(err));
    }
    /* The moves; a failure puts back what was moved so far. */
    size_t done = 0;
    for (; st == BASE_OK && done < n; done++) {
        join(dst, sizeof dst, dir, outs[done].file);
        if (!outs[done].on) {
            if (unlink(dst) != 0 && errno != ENOENT)
                st = base_error_at(BASE_EIO, dst, 0, 0, "cannot remove the previous file: %s",
                                   strerror(errno));
            continue;
        }
        join(src, sizeof src, stage, outs[done].file);
        if (do_rename(src, dst) != 0)
            st =
                base_error_at(BASE_EIO, dst, 0, 0, "cannot rename into place: %s", strerror(errno));
    }
    if (st != BASE_OK)
        roll_back(dir, stage, outs, done, had_prev);
    free(had_prev);
    return st;
}

base_status base_write_set(const char *dir, const base_output *outs, size_t n, const void *ctx)
{
    char stage[PATH_MAX], path[PATH_MAX];
    base_status st = base_mkdir_p(dir);
    if (st != BASE_OK)
        return st;
    const char **names = base_calloc(n ? n : 1, sizeof *names);
    if (!names)
        return BASE_ERROR(BASE_ENOMEM, "out of memory writing %s", dir);
    for (size_t i = 0; i < n; i++)
        names[i] = outs[i].file;
    clean_stale(dir, names, n);
    base_free(names);
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        if (join(path, sizeof path, dir, outs[i].file) && lstat(path, &sb) == 0 &&
            S_ISDIR(sb.st_mode))
            return base_error_at(BASE_EIO, path, 0, 0,
                                 "cannot write the output: a directory is in the way");
    }
    int len = snprintf(stage, sizeof stage, "%s/" STAGE_PREFIX "%ld", dir, (long)getpid());
    if (len < 0 || (size_t)len >= sizeof stage - 64)
        return base_error_at(BASE_ERANGE, dir, 0, 0, "directory name is too long");
    remove_tree(stage); /* a leftover of this pid's earlier call */
    if (mkdir(stage, 0777) != 0)
        return base_error_at(BASE_EIO, dir, 0, 0, "cannot write: %s", strerror(errno));
    track(stage);
    for (size_t i = 0; st == BASE_OK && i < n; i++) {
        if (!outs[i].on)
            continue;
        base_outfile f;
        memset(&f, 0, sizeof f);
        join(path, sizeof path, stage, outs[i].file);
        track(path);
        f.fp = sink_open(path, O_WRONLY | O_CREAT | O_TRUNC, &f.sink);
        f.path = base_malloc(strlen(dir) + strlen(outs[i].file) + 2);
        if (f.path)
            sprintf(f.path, "%s/%s", dir, outs[i].file);
        if (!f.fp || !f.path)
            st = f.path ? base_error_at(BASE_EIO, f.path, 0, 0, "cannot write: %s", strerror(errno))
                        : BASE_ERROR(BASE_ENOMEM, "out of memory writing %s", dir);
        else
            st = writer_status(outs[i].fn(f.fp, ctx), &f);
        int err = sink_finish(&f);
        if (st == BASE_OK && err)
            st = base_error_at(BASE_EIO, f.path, 0, 0, "cannot write: %s", strerror(err));
        base_free(f.path);
    }
    if (st == BASE_OK) {
        sigset_t old;
        block_signals(&old);
        st = commit_set(dir, stage, outs, n);
        remove_tree(stage);
        restore_signals(&old);
    } else {
        remove_tree(stage);
    }
    for (size_t i = 0; i < n; i++)
        if (join(path, sizeof path, stage, outs[i].file))
            untrack(path);
    untrack(stage);
    return st;
}

base_status base_write_status(FILE *fp)
{
    if (base_csv_failed())
        return BASE_ERROR(BASE_ENOMEM, "out of memory quoting a CSV field");
    return ferror(fp) ? BASE_ERROR(BASE_EIO, "write error") : BASE_OK;
}
