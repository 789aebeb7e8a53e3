/* fmnist_weights.c - the float model's weights file (docs/FMNIST.md gives the format):
 * written atomically, read back with every size checked against the network. */
#include <math.h>
#include <string.h>

#include "exec/exec.h"
#include "fmnist/fmnist.h"

static size_t layer_k(const net_layer *l)
{
    return (size_t)exec_layer_k(l);
}

/* ---- Weights file ----------------------------------------------------------------------- */

static const char weights_magic[8] = {'A', 'P', 'S', 'I', 'M', 'F', 'W', '\0'};
#define WEIGHTS_VERSION 1u

static int put_u32(FILE *fp, uint32_t v)
{
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    return fwrite(b, 1, 4, fp) == 4;
}

/* Writes n floats little-endian, a buffer of them per fwrite. */
static int put_floats(FILE *fp, const float *v, size_t n)
{
    unsigned char buf[4096] = {0};
    const size_t per = sizeof buf / 4;
    for (size_t i0 = 0; i0 < n; i0 += per) {
        size_t cnt = n - i0 < per ? n - i0 : per;
        for (size_t i = 0; i < cnt; i++) {
            uint32_t u;
            memcpy(&u, &v[i0 + i], sizeof u);
            for (int b = 0; b < 4; b++)
                buf[4 * i + (size_t)b] = (unsigned char)(u >> (8 * b));
        }
        if (fwrite(buf, 4, cnt, fp) != cnt)
            return 0;
    }
    return 1;
}

static base_status write_weights(FILE *fp, const void *ctx)
{
    const fmnist_fmodel *m = ctx;
    const net_network *net = m->net;
    uint32_t n_w = 0;
    for (size_t i = 0; i < net->n_layers; i++)
        n_w += (uint32_t)(m->weight[i] != NULL);
    int ok = fwrite(weights_magic, 1, sizeof weights_magic, fp) == sizeof weights_magic &&
             put_u32(fp, WEIGHTS_VERSION) && put_u32(fp, n_w);
    for (size_t i = 0; ok && i < net->n_layers; i++)
        if (m->weight[i])
            ok = put_u32(fp, (uint32_t)net->layers[i].c_out) &&
                 put_u32(fp, (uint32_t)layer_k(&net->layers[i])) && put_u32(fp, m->bias[i] != NULL);
    for (size_t i = 0; ok && i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        if (!m->weight[i])
            continue;
        ok = put_floats(fp, m->weight[i], layer_k(l) * (size_t)l->c_out);
        if (ok && m->bias[i])
            ok = put_floats(fp, m->bias[i], (size_t)l->c_out);
    }
    return ok ? BASE_OK : BASE_ERROR(BASE_EIO, "cannot write the weights file");
}

base_status fmnist_fmodel_save(const fmnist_fmodel *m, const char *path)
{
    return base_write_atomic(path, write_weights, m);
}

static base_status get_u32(FILE *fp, const char *path, uint32_t *v)
{
    unsigned char b[4];
    if (fread(b, 1, 4, fp) != 4)
        return base_error_at(BASE_EPARSE, path, 0, 0, "truncated weights file");
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return BASE_OK;
}

/* Reads n little-endian floats with one fread, converts them in place to the host's order
 * and rejects NaN and infinities (BASE_EPARSE). */
static base_status get_floats(FILE *fp, const char *path, const char *layer, float *v, size_t n)
{
    if (fread(v, 4, n, fp) != n)
        return base_error_at(BASE_EPARSE, path, 0, 0, "truncated weights file");
    unsigned char *b = (unsigned char *)v;
    for (size_t i = 0; i < n; i++) {
        const unsigned char *p = b + 4 * i;
        uint32_t u =
            (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        memcpy(&v[i], &u, sizeof u);
        if (!isfinite(v[i]))
            return base_error_at(BASE_EPARSE, path, 0, 0,
                                 "layer '%s': parameter %zu is not a finite number", layer, i);
    }
    return BASE_OK;
}

base_status fmnist_fmodel_load(const net_network *net, const char *path, fmnist_fmodel **out)
{
    *out = NULL;
    fmnist_fmodel *m = NULL;
    FILE *fp = NULL;
    base_status open_st = base_open_input(path, &fp);
    if (open_st != BASE_OK)
        return base_error_at(open_st, path, 0, 0, "the weights file: %s",
                             base_error_last()->message);
    char magic[8];
    uint32_t version = 0, n_w = 0, expect = 0;
    base_status st = BASE_OK;
    if (fread(magic, 1, sizeof magic, fp) != sizeof magic ||
        memcmp(magic, weights_magic, sizeof magic) != 0)
        st = base_error_at(BASE_EPARSE, path, 0, 0, "not an apsim weights file (bad magic)");
    if (st == BASE_OK)
        st = get_u32(fp, path, &version);
    if (st == BASE_OK && version != WEIGHTS_VERSION)
        st = base_error_at(BASE_EUNSUPPORTED, path, 0, 0,
                           "weights file version %u (this apsim reads %u)", version,
                           WEIGHTS_VERSION);
    if (st == BASE_OK)
        st = get_u32(fp, path, &n_w);
    if (st == BASE_OK)
        st = fmnist_fmodel_new(net, 0, &m); /* every weight and bias is read below */
    for (size_t i = 0; st == BASE_OK && i < net->n_layers; i++)
        expect += (uint32_t)(m->weight[i] != NULL);
    if (st == BASE_OK && n_w != expect)
        st = base_error_at(BASE_ESHAPE, path, 0, 0, "%u layers with weights, network %s has %u",
                           n_w, net->name, expect);
    for (size_t i = 0; st == BASE_OK && i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        uint32_t c_out = 0, k = 0, has_bias = 0;
        if (!m->weight[i])
            continue;
        st = get_u32(fp, path, &c_out);
        if (st == BASE_OK)
            st = get_u32(fp, path, &k);
        if (st == BASE_OK)
            st = get_u32(fp, path, &has_bias);
        if (st == BASE_OK && (c_out != (uint32_t)l->c_out || k != (uint32_t)layer_k(l) ||
                              has_bias != (uint32_t)(m->bias[i] != NULL)))
            st = base_error_at(BASE_ESHAPE, path, 0, 0,
                               "layer '%s' is %u x %u (bias %u) in the file, %d x %zu (bias %d) "
                               "in network %s",
                               l->name, c_out, k, has_bias, l->c_out, layer_k(l),
                               m->bias[i] != NULL, net->name);
    }
    for (size_t i = 0; st == BASE_OK && i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        if (!m->weight[i])
            continue;
        st = get_floats(fp, path, l->name, m->weight[i], layer_k(l) * (size_t)l->c_out);
        if (st == BASE_OK && m->bias[i])
            st = get_floats(fp, path, l->name, m->bias[i], (size_t)l->c_out);
    }
    if (st == BASE_OK && fgetc(fp) != EOF)
        st = base_error_at(BASE_EPARSE, path, 0, 0, "trailing bytes after the weights");
    fclose(fp);
    if (st != BASE_OK) {
        fmnist_fmodel_free(m);
        return st;
    }
    *out = m;
    return BASE_OK;
}
