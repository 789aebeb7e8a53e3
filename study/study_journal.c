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

void study_journal_write(FILE *fp, size_t i, const study_point *p)
{
    fprintf(fp,
            "%zu|%d|%.17g|%.17g|%.17g|%.17g|%.17g|%.17g|%.17g|%.17g|%.17g|%.17g|%.17g|%" PRIu64
            "|%s\n",
            i, p->status, p->latency_ns, p->energy_pj, p->e_search_pj, p->e_write_pj, p->e_move_pj,
            p->e_leak_pj, p->e_periph_pj, p->tops_per_w, p->gops_per_mm2, p->inf_s, p->area_mm2,
            p->macs, p->path);
    fflush(fp);
}

/* Parses one whole journal line into pts; malformed or out-of-range lines are ignored, and
 * that point is simply evaluated again. */
static void journal_parse(char *line, study_point *pts, size_t n)
{
    char *f[16];
    size_t k = 0;
    line[strcspn(line, "\n")] = '\0';
    for (char *s = line; k < 16; k++) {
        f[k] = s;
        s = strchr(s, '|');
        if (!s) {
            k++;
            break;
        }
        *s++ = '\0';
    }
    if (k != 15)
        return;
    char *end;
    errno = 0;
    unsigned long long idx = strtoull(f[0], &end, 10);
    if (*end || idx >= n || errno)
        return;
    study_point q = pts[idx];
    /* Fields 2..12 in the order study_journal_write prints them. */
    double *vals[] = {&q.latency_ns,   &q.energy_pj, &q.e_search_pj, &q.e_write_pj,
                      &q.e_move_pj,    &q.e_leak_pj, &q.e_periph_pj, &q.tops_per_w,
                      &q.gops_per_mm2, &q.inf_s,     &q.area_mm2};
    long status = strtol(f[1], &end, 10);
    if (*end || status < STUDY_PT_OK || status > STUDY_PT_NOFIT)
        return;
    q.status = (int)status;
    for (size_t j = 0; j < sizeof vals / sizeof vals[0]; j++) {
        *vals[j] = strtod(f[j + 2], &end);
        if (*end)
            return;
    }
    q.macs = strtoull(f[13], &end, 10);
    if (*end || strlen(f[14]) >= sizeof q.path)
        return;
    snprintf(q.path, sizeof q.path, "%s", f[14]);
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
