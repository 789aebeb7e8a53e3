/* sim_io.c - atomic output files (write to a temporary name, then rename) and mkdir -p. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg/cfg.h"
#include "sim/sim.h"

sim_status sim_outfile_open(sim_outfile *f, const char *path)
{
    memset(f, 0, sizeof *f);
    size_t len = strlen(path) + 32;
    f->path = sim_strdup(path);
    f->tmp_path = sim_malloc(len);
    if (!f->path || !f->tmp_path) {
        sim_outfile_abort(f);
        return SIM_ERROR(SIM_ENOMEM, "out of memory opening %s", path);
    }
    snprintf(f->tmp_path, len, "%s.tmp.%ld", path, (long)getpid());
    f->fp = fopen(f->tmp_path, "w");
    if (!f->fp) {
        sim_status st = sim_error_at(SIM_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
        sim_outfile_abort(f);
        return st;
    }
    return SIM_OK;
}

sim_status sim_outfile_commit(sim_outfile *f)
{
    sim_status st = SIM_OK;
    int bad = ferror(f->fp);
    if (fclose(f->fp) != 0 || bad)
        st = sim_error_at(SIM_EIO, f->path, 0, 0, "write failed");
    f->fp = NULL;
    if (st == SIM_OK && rename(f->tmp_path, f->path) != 0)
        st = sim_error_at(SIM_EIO, f->path, 0, 0, "cannot rename into place: %s", strerror(errno));
    if (st != SIM_OK)
        remove(f->tmp_path);
    sim_free(f->path);
    sim_free(f->tmp_path);
    memset(f, 0, sizeof *f);
    return st;
}

void sim_outfile_abort(sim_outfile *f)
{
    if (f->fp) {
        fclose(f->fp);
        remove(f->tmp_path);
    }
    sim_free(f->path);
    sim_free(f->tmp_path);
    memset(f, 0, sizeof *f);
}

sim_status sim_write_atomic(const char *path, sim_writer_fn fn, const void *ctx)
{
    sim_outfile f;
    sim_status st = sim_outfile_open(&f, path);
    if (st != SIM_OK)
        return st;
    st = fn(f.fp, ctx);
    if (st != SIM_OK) {
        sim_outfile_abort(&f);
        return st;
    }
    return sim_outfile_commit(&f);
}

sim_status sim_write_set(const char *dir, const sim_output *outs, size_t n, const void *ctx)
{
    char path[4200];
    sim_status st = sim_mkdir_p(dir);
    sim_outfile *files = st == SIM_OK ? sim_calloc(n ? n : 1, sizeof *files) : NULL;
    if (st == SIM_OK && !files)
        st = SIM_ERROR(SIM_ENOMEM, "out of memory writing %s", dir);
    for (size_t i = 0; st == SIM_OK && i < n; i++) {
        if (!outs[i].on)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, outs[i].file);
        st = sim_outfile_open(&files[i], path);
        if (st == SIM_OK)
            st = outs[i].fn(files[i].fp, ctx);
    }
    for (size_t i = 0; files && i < n; i++) {
        if (!files[i].path)
            continue;
        if (st == SIM_OK)
            st = sim_outfile_commit(&files[i]);
        else
            sim_outfile_abort(&files[i]);
    }
    sim_free(files);
    return st;
}

sim_status sim_write_status(FILE *fp)
{
    return ferror(fp) ? SIM_ERROR(SIM_EIO, "write error") : SIM_OK;
}

void sim_json_str(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(fp, "\\%c", *c);
        else if (*c < 0x20)
            fprintf(fp, "\\u%04x", *c);
        else
            fputc(*c, fp);
    }
    fputc('"', fp);
}

sim_status sim_parse_ulong(const char *option, const char *text, unsigned long min,
                           unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = text[0] >= '0' && text[0] <= '9' ? strtoul(text, &end, 10) : 0;
    if (!(text[0] >= '0' && text[0] <= '9') || *end != '\0' || errno == ERANGE || v < min ||
        v > max)
        return SIM_ERROR(SIM_EINVAL, "%s: expected a whole number in %lu..%lu, found '%s'", option,
                         min, max, text);
    *out = v;
    return SIM_OK;
}

sim_status sim_mkdir_p(const char *path)
{
    char buf[4096];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof buf)
        return sim_error_at(SIM_EIO, path, 0, 0, "bad directory name");
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return sim_error_at(SIM_EIO, buf, 0, 0, "cannot create directory: %s",
                                    strerror(errno));
            buf[i] = c;
        }
    }
    return SIM_OK;
}

sim_status sim_parse_double(const char *option, const char *text, double min, double max,
                            double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !(v >= min && v <= max))
        return SIM_ERROR(SIM_EINVAL, "%s: expected a number in %g..%g, found '%s'", option, min,
                         max, text);
    *out = v;
    return SIM_OK;
}

int sim_exit_code(sim_status status)
{
    switch (status) {
    case SIM_OK:
        return 0;
    case SIM_EINVAL:
    case SIM_ERANGE:
    case SIM_EOVERLAP:
    case SIM_EPARSE:
    case SIM_EKEY:
    case SIM_ETYPE:
    case SIM_ESHAPE:
    case SIM_ENOTFOUND:
    case SIM_EIO:
    case SIM_ECAPACITY:
    case SIM_EUNSUPPORTED:
        return 2;
    default:
        return 1;
    }
}

sim_status sim_error_at_node(const cfg_node *n, sim_status st, const char *what)
{
    const char *msg = sim_last_error();
    if (strncmp(msg, "error: ", 7) != 0)
        return st;
    char copy[768];
    snprintf(copy, sizeof copy, "%s", msg + 7);
    return what ? cfg_error(n, st, "%s: %s", what, copy) : cfg_error(n, st, "%s", copy);
}
