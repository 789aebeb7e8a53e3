/* base_io.c - mkdir -p, input files, and the search for shipped data files (outputs are in
 * base_out.c). */
#define _XOPEN_SOURCE 700 /* realpath, to name the data directory next to the binary */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"

base_status base_mkdir_p(const char *path)
{
    char buf[4096];
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof buf)
        return base_error_at(BASE_EIO, path, 0, 0, "bad directory name");
    memcpy(buf, path, len + 1);
    for (size_t i = 1; i <= len; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST)
                return base_error_at(BASE_EIO, buf, 0, 0, "cannot create directory: %s",
                                     strerror(errno));
            buf[i] = c;
        }
    }
    struct stat sb;
    int err = stat(path, &sb) != 0 ? errno : S_ISDIR(sb.st_mode) ? 0 : ENOTDIR;
    if (err)
        return base_error_at(BASE_EIO, path, 0, 0, "cannot create directory: %s", strerror(err));
    return BASE_OK;
}

static int is_file(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static base_status try_path(const char *dir, const char *rel, char *out, size_t cap, int *found)
{
    int n = dir ? snprintf(out, cap, "%s/%s", dir, rel) : snprintf(out, cap, "%s", rel);
    if (n < 0 || (size_t)n >= cap)
        return BASE_ERROR(BASE_ERANGE, "path for '%s' is too long", rel);
    *found = is_file(out);
    return BASE_OK;
}

/* 1 when dir/networks is a directory: the mark of a data directory. */
static int is_data_dir(const char *dir)
{
    char p[4096];
    struct stat sb;
    int n = snprintf(p, sizeof p, "%s/networks", dir);
    return n > 0 && (size_t)n < sizeof p && stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

base_status base_data_dir(char *out, size_t cap)
{
    /* The binary is <bindir>/apsim (data in <bindir>/../share/apsim) or, in the source tree,
     * build/<variant>/apsim (data in the source root, two levels up). */
    static const char *const up[] = {"/../share/apsim", "/../.."};
    char exe[4096], cand[4096 + 32], real[PATH_MAX], cwd[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
    }
    for (size_t i = 0; len > 0 && i < sizeof up / sizeof up[0]; i++) {
        snprintf(cand, sizeof cand, "%s%s", exe, up[i]);
        if (!is_data_dir(cand) || !realpath(cand, real))
            continue;
        /* The data directory that is the working directory is written as ".", so that
         * paths in messages stay short when apsim runs in its source tree. */
        const char *dir = getcwd(cwd, sizeof cwd) && strcmp(cwd, real) == 0 ? "." : real;
        int n = snprintf(out, cap, "%s", dir);
        if (n < 0 || (size_t)n >= cap)
            return BASE_ERROR(BASE_ERANGE, "data directory '%s' is too long", dir);
        return BASE_OK;
    }
    return BASE_ERROR(BASE_ENOTFOUND, "no data directory next to the apsim binary");
}

const char *base_data_where(char *buf, size_t cap)
{
    const char *env = getenv("APSIM_DATA");
    char dir[4096];
    if (base_data_dir(dir, sizeof dir) != BASE_OK)
        snprintf(dir, sizeof dir, "%s", ".");
    snprintf(buf, cap, "$APSIM_DATA%s%s or %s", env && env[0] ? "=" : " (unset)",
             env && env[0] ? env : "", dir);
    return buf;
}

base_status base_find_data(const char *rel, char *path_out, size_t cap)
{
    const char *env = getenv("APSIM_DATA");
    char bin_dir[4096];
    const char *dirs[2] = {env && env[0] ? env : NULL,
                           base_data_dir(bin_dir, sizeof bin_dir) == BASE_OK ? bin_dir : "."};
    for (int i = 0; i < 2; i++) {
        if (!dirs[i])
            continue;
        int found = 0;
        base_status st =
            try_path(strcmp(dirs[i], ".") == 0 ? NULL : dirs[i], rel, path_out, cap, &found);
        if (st != BASE_OK || found)
            return st;
    }
    char where[8192];
    return BASE_ERROR(BASE_ENOTFOUND, "cannot find '%s' (looked in %s)", rel,
                      base_data_where(where, sizeof where));
}

bool base_is_pathlike(const char *s)
{
    size_t len = strlen(s);
    return strchr(s, '/') || (len > 5 && strcmp(s + len - 5, ".yaml") == 0);
}

base_status base_resolve(const char *dir, const char *name_or_path, char *path_out, size_t cap,
                         base_ref *ref)
{
    const char *s = name_or_path;
    if (is_file(s) || base_is_pathlike(s)) {
        struct stat sb;
        const int exists = stat(s, &sb) == 0;
        *ref = exists && S_ISREG(sb.st_mode) ? BASE_REF_FILE
               : exists                      ? BASE_REF_NOTFILE
                                             : BASE_REF_MISSING;
        int n = snprintf(path_out, cap, "%s", s);
        if (n < 0 || (size_t)n >= cap)
            return BASE_ERROR(BASE_ERANGE, "path '%s' is too long", s);
        if (*ref == BASE_REF_FILE)
            return BASE_OK;
        return base_error_at(BASE_ENOTFOUND, s, 0, 0, "%s",
                             !exists               ? "no such file"
                             : S_ISDIR(sb.st_mode) ? "is a directory, not a file"
                                                   : "is not a regular file (a FIFO, device or "
                                                     "socket)");
    }
    *ref = BASE_REF_NAME;
    if (!*s ||
        strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") != strlen(s))
        return BASE_ERROR(BASE_EINVAL,
                          "invalid name '%s' (use letters, digits, '.', '_' and '-', or a path "
                          "to a .yaml file)",
                          s);
    char rel[512];
    int n = snprintf(rel, sizeof rel, "%s/%s.yaml", dir, s);
    if (n < 0 || (size_t)n >= sizeof rel)
        return BASE_ERROR(BASE_ERANGE, "name '%s' is too long", s);
    base_status st = base_find_data(rel, path_out, cap);
    struct stat sb;
    if (st == BASE_ENOTFOUND && stat(s, &sb) == 0) { /* no shipped name, but a folder here */
        *ref = BASE_REF_NOTFILE;
        return base_error_at(BASE_ENOTFOUND, s, 0, 0, "%s",
                             S_ISDIR(sb.st_mode) ? "is a directory, not a file"
                                                 : "is not a regular file (a FIFO, device or "
                                                   "socket)");
    }
    return st;
}

base_status base_open_input(const char *path, FILE **out)
{
    *out = NULL;
    /* O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting. */
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0)
        return base_error_at(errno == ENOENT || errno == ENOTDIR ? BASE_ENOTFOUND : BASE_EIO, path,
                             0, 0, "cannot open: %s", strerror(errno));
    struct stat sb;
    const char *why = NULL;
    base_status st = BASE_EIO;
    if (fstat(fd, &sb) != 0)
        why = strerror(errno);
    else if (S_ISDIR(sb.st_mode))
        why = "is a directory, not a file", st = BASE_EINVAL;
    else if (!S_ISREG(sb.st_mode))
        why = "is not a regular file (a FIFO, device or socket)", st = BASE_EINVAL;
    int flags = why ? 0 : fcntl(fd, F_GETFL);
    if (!why && (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0))
        why = strerror(errno);
    FILE *fp = why ? NULL : fdopen(fd, "rb");
    if (!fp) {
        st = base_error_at(st, path, 0, 0, "cannot open: %s", why ? why : strerror(errno));
        close(fd);
        return st;
    }
    *out = fp;
    return BASE_OK;
}
