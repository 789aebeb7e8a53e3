/* study_journal.c - the sweep's memory between runs: an FNV-1a hash of the cost-model version
 * and of every input file (path and bytes), and the resume journal .journal.csv, one flushed
 * line per finished point under a header holding that hash, so an interrupted sweep resumes
 * without redoing a point and never reuses figures of other inputs (docs/EXPERIMENTS.md,
 * "Resuming"). FNV-1a: Fowler, Noll and Vo's hash, 64-bit offset basis and prime. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "study/study_impl.h"

#define JOURNAL_MAGIC "# apsim sweep journal v1"
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

/* Folds a resolved input file into the experiment's hash: its path, then its contents (a file
 * that cannot be read folds nothing more: loading it fails anyway). */
void study_hash_file(study_experiment *e, const char *path)
{
    unsigned char buf[4096];
    size_t n;
    hash_bytes(&e->hash, path, strlen(path) + 1);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        hash_bytes(&e->hash, buf, n);
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

void study_journal_write(FILE *fp, size_t i, const study_point *p)
{
    double *v[JOURNAL_FIGS];
    journal_figs((study_point *)p, v);
    fprintf(fp, "%zu|%d", i, p->status);
    for (size_t k = 0; k < JOURNAL_FIGS; k++)
        fprintf(fp, "|%.17g", *v[k]);
    fprintf(fp, "|%" PRIu64 "|%s\n", p->macs, p->path);
    fflush(fp);
}

/* Parses one whole journal line into pts; malformed or out-of-range lines are ignored, and
 * that point is simply evaluated again. */
static void journal_parse(char *line, study_point *pts, size_t n)
{
    enum { N_FIELDS = 2 + JOURNAL_FIGS + 2 };
    char *f[N_FIELDS + 1];
    size_t k = 0;
    line[strcspn(line, "\n")] = '\0';
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
    char *end;
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
        if (*end)
            return;
    }
    q.macs = strtoull(f[2 + JOURNAL_FIGS], &end, 10);
    if (*end || strlen(f[3 + JOURNAL_FIGS]) >= sizeof q.path)
        return;
    snprintf(q.path, sizeof q.path, "%s", f[3 + JOURNAL_FIGS]);
    q.done = 1;
    pts[idx] = q;
}

/* Opens the journal for appending, first taking in what an interrupted run of the same
 * inputs left. Only whole lines count: a torn last line (a kill mid-write) is cut off the file
 * before appending, so the next record starts on a line of its own. *n_resumed counts the
 * points recovered. */
base_status study_journal_open(const study_experiment *e, const char *path, study_point *pts,
                               size_t *n_resumed, FILE **out)
{
    char header[128], line[1024];
    FILE *fp = fopen(path, "r");
    int same = 0;
    long whole = 0; /* bytes up to the end of the last whole line */
    snprintf(header, sizeof header, "%s %016" PRIx64 " %zu\n", JOURNAL_MAGIC, e->hash, e->n_points);
    *n_resumed = 0;
    if (fp) {
        same = fgets(line, sizeof line, fp) && strcmp(line, header) == 0;
        whole = same ? ftell(fp) : 0;
        while (same && fgets(line, sizeof line, fp)) {
            size_t len = strlen(line);
            if (len == 0 || line[len - 1] != '\n')
                break; /* torn (or overlong) line: it and anything after it are dropped */
            journal_parse(line, pts, e->n_points);
            whole = ftell(fp);
        }
        fclose(fp);
    }
    if (same && whole > 0 && truncate(path, (off_t)whole) != 0)
        return base_error_at(BASE_EIO, path, 0, 0, "cannot repair the sweep journal: %s",
                             strerror(errno));
    for (size_t i = 0; i < e->n_points; i++)
        *n_resumed += pts[i].done ? 1u : 0u;
    *out = fopen(path, same ? "a" : "w");
    if (!*out)
        return base_error_at(BASE_EIO, path, 0, 0, "cannot write the sweep journal: %s",
                             strerror(errno));
    if (!same)
        fputs(header, *out);
    fflush(*out);
    return BASE_OK;
}
