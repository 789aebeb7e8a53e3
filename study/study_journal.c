/* study_journal.c - the sweep's memory between runs: an FNV-1a hash of the cost-model version
 * and of the bytes of every input file (not how its path was spelled), and the resume
 * journals, .journal.csv (a serial run) or .journal.<rank>.csv (one shard per MPI rank), one
 * flushed line per finished point, each ending in its own checksum, under a header holding
 * that hash, so an interrupted sweep resumes without redoing a point, with any number of
 * ranks, and never reuses figures of other inputs or of a damaged line (docs/EXPERIMENTS.md,
 * "Resuming"; docs/PARALLEL.md). The results directory is locked (flock) while a sweep writes
 * it. FNV-1a: Fowler, Noll and Vo's hash, 64-bit offset basis and prime. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "study/study_impl.h"

#define JOURNAL_MAGIC "# apsim sweep journal v2"
#define FNV_OFFSET    1469598103934665603ull
#define FNV_PRIME     1099511628211ull

static void hash_bytes(uint64_t *h, const void *data, size_t n)
{
    const unsigned char *b = data;
    for (size_t i = 0; i < n; i++) {
        *h ^= b[i];
        *h *= FNV_PRIME;
    }
}

/* Folds a resolved input file into the experiment's hash: its contents and their length (a
 * file that cannot be read folds a marker: loading it fails anyway). The path is left out, so
 * ./x.yaml and /abs/x.yaml resume each other's sweeps. */
void study_hash_file(study_experiment *e, const char *path)
{
    unsigned char buf[4096];
    size_t n;
    uint64_t len = 0;
    FILE *fp = NULL;
    if (base_open_input(path, &fp) != BASE_OK) {
        base_error_clear();
        hash_bytes(&e->hash, "unreadable", 11);
        return;
    }
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0) {
        hash_bytes(&e->hash, buf, n);
        len += n;
    }
    hash_bytes(&e->hash, &len, sizeof len);
    fclose(fp);
}

/* Folds the file a bit configuration or architecture names into the hash: the file itself
 * when name is a path, else the shipped file it resolves to under dir (<dir>/<name>.yaml, as
 * net_bitcfg_resolve and sim_arch_find look it up). Shorthands such as int8 have no file and
 * fold nothing, nor does a missing file (loading it failed already). */
void study_hash_named(study_experiment *e, const char *name, const char *dir)
{
    char path[4096];
    base_ref ref;
    if (base_resolve(dir, name, path, sizeof path, &ref) == BASE_OK)
        study_hash_file(e, path);
    else
        base_error_clear(); /* nothing to fold is not an error */
}

void study_hash_start(study_experiment *e)
{
    e->hash = FNV_OFFSET;
    hash_bytes(&e->hash, SIM_MODEL_VERSION, sizeof SIM_MODEL_VERSION);
}

/* ---- Journal of finished points (resume) ---------------------------------------------- */

/* The figures of a record in the order they are written: latency, energy, the components,
 * then the efficiency figures. */
#define JOURNAL_FIGS (2 + SIM_COMP_COUNT + 5)
static void journal_figs(study_point *p, double **v)
{
    size_t k = 0;
    v[k++] = &p->latency_ns;
    v[k++] = &p->energy_pj;
    for (int c = 0; c < SIM_COMP_COUNT; c++)
        v[k++] = &p->e_comp_pj[c];
    v[k++] = &p->tops_per_w;
    v[k++] = &p->gops_per_mm2;
    v[k++] = &p->inf_s;
    v[k++] = &p->area_mm2;
    v[k++] = &p->peak_tops_per_w;
}

/* The checksum closing a record: FNV-1a of the record's text before it. */
static uint64_t record_sum(const char *text, size_t len)
{
    uint64_t h = FNV_OFFSET;
    hash_bytes(&h, text, len);
    return h;
}

void study_journal_write(FILE *fp, size_t i, const study_point *p)
{
    double *v[JOURNAL_FIGS];
    char line[1024];
    journal_figs((study_point *)p, v);
    size_t n = (size_t)snprintf(line, sizeof line, "%zu|%d", i, p->status);
    for (size_t k = 0; k < JOURNAL_FIGS && n < sizeof line; k++)
        n += (size_t)snprintf(line + n, sizeof line - n, "|%.17g", *v[k]);
    if (n < sizeof line)
        n += (size_t)snprintf(line + n, sizeof line - n, "|%" PRIu64 "|%s", p->macs, p->path);
    if (n >= sizeof line - 20) /* cannot happen (paths are short); the point is redone */
        return;
    fprintf(fp, "%s|%016" PRIx64 "\n", line, record_sum(line, n));
    fflush(fp);
}

/* Parses one whole journal line into pts; a line whose checksum does not match its text, or
 * that is malformed or out of range, is ignored, and that point is simply evaluated again. */
static void journal_parse(char *line, study_point *pts, size_t n)
{
    enum { N_FIELDS = 2 + JOURNAL_FIGS + 2 };
    char *f[N_FIELDS + 1];
    size_t k = 0;
    line[strcspn(line, "\n")] = '\0';
    char *bar = strrchr(line, '|'), *end;
    if (!bar || strlen(bar + 1) != 16)
        return;
    errno = 0;
    uint64_t sum = strtoull(bar + 1, &end, 16);
    if (*end || errno || sum != record_sum(line, (size_t)(bar - line)))
        return;
    *bar = '\0';
    for (char *s = line; k < N_FIELDS + 1; k++) {
        f[k] = s;
        s = strchr(s, '|');
        if (!s) {
            k++;
            break;
        }
        *s++ = '\0';
    }
    if (k != N_FIELDS)
        return;
    errno = 0;
    unsigned long long idx = strtoull(f[0], &end, 10);
    if (*end || idx >= n || errno)
        return;
    study_point q = pts[idx];
    double *vals[JOURNAL_FIGS];
    journal_figs(&q, vals);
    long status = strtol(f[1], &end, 10);
    if (*end || status < STUDY_PT_OK || status > STUDY_PT_NOFIT)
        return;
    q.status = (int)status;
    for (size_t j = 0; j < JOURNAL_FIGS; j++) {
        *vals[j] = strtod(f[j + 2], &end);
        if (*end) /* NaN is legitimate (a figure a rival does not have): the sum guards it */
            return;
    }
    q.macs = strtoull(f[2 + JOURNAL_FIGS], &end, 10);
    if (*end || strlen(f[3 + JOURNAL_FIGS]) >= sizeof q.path)
        return;
    snprintf(q.path, sizeof q.path, "%s", f[3 + JOURNAL_FIGS]);
    q.done = 1;
    pts[idx] = q;
}

/* Reads the journal at path when its header is that of e's inputs (else, or when it cannot be
 * opened, returns 0): its whole lines go into pts (NULL: read only) and *whole gets the bytes up
 * to the end of the last whole line. A torn (or overlong) line ends the reading: it and
 * anything after it are dropped. */
static int journal_read(const study_experiment *e, const char *path, study_point *pts, long *whole)
{
    char header[128], line[1024];
    FILE *fp = fopen(path, "r");
    snprintf(header, sizeof header, "%s %016" PRIx64 " %zu\n", JOURNAL_MAGIC, e->hash, e->n_points);
    *whole = 0;
    if (!fp)
        return 0;
    int same = fgets(line, sizeof line, fp) && strcmp(line, header) == 0;
    *whole = same ? ftell(fp) : 0;
    while (same && fgets(line, sizeof line, fp)) {
        size_t len = strlen(line);
        if (len == 0 || line[len - 1] != '\n')
            break;
        if (pts)
            journal_parse(line, pts, e->n_points);
        *whole = ftell(fp);
    }
    fclose(fp);
    return same;
}

/* 1 when name is a journal's: ".journal.csv" (a serial run) or ".journal.<rank>.csv". */
static int journal_name(const char *name)
{
    if (strcmp(name, ".journal.csv") == 0)
        return 1;
    if (strncmp(name, ".journal.", 9) != 0)
        return 0;
    size_t k = strspn(name + 9, "0123456789");
    return k > 0 && strcmp(name + 9 + k, ".csv") == 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The journal files in dir, sorted by name (*names and each name freed by the caller with
 * free_names). A directory that cannot be read holds none. */
static base_status journal_list(const char *dir, char ***names, size_t *n)
{
    size_t cap = 0;
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d)
        return BASE_OK;
    base_status st = BASE_OK;
    for (struct dirent *ent = readdir(d); ent && st == BASE_OK; ent = readdir(d)) {
        if (!journal_name(ent->d_name))
            continue;
        if (*n == cap) {
            cap = cap ? 2 * cap : 8;
            char **grown = base_realloc(*names, cap * sizeof *grown);
            if (!grown) {
                st = BASE_ERROR(BASE_ENOMEM, "out of memory listing %s", dir);
                break;
            }
            *names = grown;
        }
        if (!((*names)[*n] = base_strdup(ent->d_name)))
            st = BASE_ERROR(BASE_ENOMEM, "out of memory listing %s", dir);
        else
            (*n)++;
    }
    closedir(d);
    if (*n)
        qsort(*names, *n, sizeof **names, cmp_names);
    return st;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        base_free(names[i]);
    base_free(names);
}

void study_journal_path(char *path, size_t cap, const char *dir, int rank, int size)
{
    if (size <= 1)
        snprintf(path, cap, "%s/.journal.csv", dir);
    else
        snprintf(path, cap, "%s/.journal.%d.csv", dir, rank);
}

base_status study_journal_load(const study_experiment *e, const char *dir, study_point *pts)
{
    char **names, path[4200];
    size_t n;
    long whole;
    base_status st = journal_list(dir, &names, &n);
    for (size_t i = 0; st == BASE_OK && i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        journal_read(e, path, pts, &whole);
    }
    free_names(names, n);
    return st;
}

base_status study_journal_open(const study_experiment *e, const char *path, FILE **out)
{
    long whole = 0; /* bytes up to the end of the last whole line */
    int same = journal_read(e, path, NULL, &whole);
    if (same && whole > 0 && truncate(path, (off_t)whole) != 0)
        return base_error_at(BASE_EIO, path, 0, 0, "cannot repair the sweep journal: %s",
                             strerror(errno));
    *out = fopen(path, same ? "a" : "w");
    if (!*out)
        return base_error_at(BASE_EIO, path, 0, 0, "cannot write the sweep journal: %s",
                             strerror(errno));
    if (!same)
        fprintf(*out, "%s %016" PRIx64 " %zu\n", JOURNAL_MAGIC, e->hash, e->n_points);
    fflush(*out);
    return BASE_OK;
}

base_status study_journal_remove(const char *dir)
{
    char **names, path[4200];
    size_t n;
    base_status st = journal_list(dir, &names, &n);
    for (size_t i = 0; st == BASE_OK && i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (remove(path) != 0)
            st = base_error_at(BASE_EIO, path, 0, 0, "cannot remove the sweep journal: %s",
                               strerror(errno));
    }
    free_names(names, n);
    return st;
}

/* ---- The results directory's lock ------------------------------------------------------ */
base_status study_lock_take(const char *dir, int *fd_out)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/.lock", dir);
    *fd_out = -1;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return base_error_at(BASE_EIO, path, 0, 0, "cannot create the sweep lock: %s",
                             strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int busy = errno == EWOULDBLOCK;
        base_status st =
            busy ? base_error_at(BASE_EIO, dir, 0, 0,
                                 "another apsim sweep is writing this results directory; wait "
                                 "for it or give another --out")
                 : base_error_at(BASE_EIO, path, 0, 0, "cannot lock: %s", strerror(errno));
        close(fd);
        return st;
    }
    *fd_out = fd;
    return BASE_OK;
}

void study_lock_release(const char *dir, int fd)
{
    if (fd < 0)
        return;
    char path[4200];
    snprintf(path, sizeof path, "%s/.lock", dir);
    remove(path); /* while still held: a sweep waiting on it then locks a fresh file */
    close(fd);
}
