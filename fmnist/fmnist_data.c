/* fmnist_data.c - Fashion-MNIST's IDX files (Xiao, Rasul and Vollgraf 2017; the format of
 * LeCun's MNIST), gzipped or plain, read with zlib into an fmnist_dataset (docs/FMNIST.md). */
#include <errno.h>
#include <string.h>
#include <zlib.h>

#include "fmnist/fmnist.h"

/* ---- IDX files ------------------------------------------------------------------------ */

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

/* Reads exactly n bytes; BASE_EPARSE when the file ends first, BASE_EIO on a read error. */
static base_status gz_read_all(gzFile gz, const char *path, void *buf, size_t n, const char *what)
{
    unsigned char *p = buf;
    while (n > 0) {
        unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;
        int got = gzread(gz, p, chunk);
        if (got < 0) {
            int err = 0;
            const char *msg = gzerror(gz, &err);
            return base_error_at(BASE_EIO, path, 0, 0, "cannot read %s: %s", what, msg);
        }
        if (got == 0)
            return base_error_at(BASE_EPARSE, path, 0, 0, "truncated: the file ends inside the %s",
                                 what);
        p += got;
        n -= (size_t)got;
    }
    return BASE_OK;
}

/* Opens an IDX file, checks its magic and reads its n_dims dimensions. */
static base_status idx_open(const char *path, uint32_t magic, unsigned n_dims, gzFile *gz,
                            uint32_t *dims)
{
    unsigned char hdr[16];
    errno = 0;
    *gz = gzopen(path, "rb");
    if (!*gz)
        return base_error_at(errno == ENOENT ? BASE_ENOTFOUND : BASE_EIO, path, 0, 0,
                             "cannot open: %s", errno ? strerror(errno) : "gzopen failed");
    base_status st = gz_read_all(*gz, path, hdr, 4 + 4 * (size_t)n_dims, "IDX header");
    if (st == BASE_OK && be32(hdr) != magic)
        st = base_error_at(BASE_EPARSE, path, 0, 0,
                           "not an IDX %s file (magic 0x%08x, expected 0x%08x)",
                           n_dims == 1 ? "label" : "image", be32(hdr), magic);
    for (unsigned i = 0; st == BASE_OK && i < n_dims; i++)
        dims[i] = be32(hdr + 4 + 4 * i);
    if (st != BASE_OK) {
        gzclose(*gz);
        *gz = NULL;
    }
    return st;
}

/* BASE_EPARSE unless the file has no bytes left. */
static base_status idx_expect_end(gzFile gz, const char *path)
{
    unsigned char c;
    int got = gzread(gz, &c, 1);
    if (got < 0)
        return base_error_at(BASE_EIO, path, 0, 0, "read error at the end of the data");
    if (got > 0)
        return base_error_at(BASE_EPARSE, path, 0, 0, "trailing bytes after the data");
    return BASE_OK;
}

base_status fmnist_dataset_load_idx(const char *images_path, const char *labels_path,
                                    fmnist_dataset **out)
{
    *out = NULL;
    uint32_t idims[3], ldims[1];
    gzFile gi = NULL, gl = NULL;
    fmnist_dataset *d = NULL;
    base_status st = idx_open(images_path, 0x803, 3, &gi, idims);
    if (st == BASE_OK)
        st = idx_open(labels_path, 0x801, 1, &gl, ldims);
    if (st != BASE_OK)
        goto close;
    if (idims[0] == 0 || idims[1] == 0 || idims[2] == 0 || idims[1] > 4096 || idims[2] > 4096 ||
        idims[0] > (1u << 24)) {
        st = base_error_at(BASE_ERANGE, images_path, 0, 0, "unsupported sizes %u x %u x %u",
                           idims[0], idims[1], idims[2]);
        goto close;
    }
    if (ldims[0] != idims[0]) {
        st = BASE_ERROR(BASE_EPARSE, "%s holds %u labels for the %u images of %s", labels_path,
                        ldims[0], idims[0], images_path);
        goto close;
    }
    d = base_calloc(1, sizeof *d);
    if (!d)
        goto nomem;
    d->n_images = idims[0];
    d->h = (int)idims[1];
    d->w = (int)idims[2];
    d->pixels = base_malloc(d->n_images * (size_t)d->h * (size_t)d->w);
    d->labels = base_malloc(d->n_images);
    if (!d->pixels || !d->labels)
        goto nomem;
    st = gz_read_all(gi, images_path, d->pixels, d->n_images * (size_t)d->h * (size_t)d->w,
                     "pixels");
    if (st == BASE_OK)
        st = idx_expect_end(gi, images_path);
    if (st == BASE_OK)
        st = gz_read_all(gl, labels_path, d->labels, d->n_images, "labels");
    if (st == BASE_OK)
        st = idx_expect_end(gl, labels_path);
    for (size_t i = 0; st == BASE_OK && i < d->n_images; i++)
        if (d->labels[i] + 1u > d->n_classes)
            d->n_classes = d->labels[i] + 1u;
    goto close;
nomem:
    st = BASE_ERROR(BASE_ENOMEM, "out of memory loading %s", images_path);
close:
    if (gi)
        gzclose(gi);
    if (gl)
        gzclose(gl);
    if (st != BASE_OK) {
        fmnist_dataset_free(d);
        d = NULL;
    }
    *out = d;
    return st;
}

void fmnist_dataset_free(fmnist_dataset *d)
{
    if (!d)
        return;
    base_free(d->pixels);
    base_free(d->labels);
    base_free(d);
}
