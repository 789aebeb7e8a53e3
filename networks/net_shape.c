/* net_shape.c - the input shape a network is loaded at (--input-shape, an experiment's
 * `input_shape:`; docs/ONNX.md, "Symbolic shapes"): parsing "NxCxHxW" / "CxHxW" strings and
 * YAML sequences, and its printed form. */
#include <stdio.h>
#include <string.h>

#include "cfg/cfg.h"
#include "networks/net.h"

/* One dimension: the digits of s[0..len) as a value 1..NET_SHAPE_DIM_MAX. */
static base_status parse_dim(const char *text, const char *s, size_t len, int k, int64_t *out)
{
    if (len == 0)
        return BASE_ERROR(BASE_EINVAL,
                          "input shape '%s': dimension %d is empty (expected NxCxHxW or CxHxW, "
                          "e.g. 1x3x224x224)",
                          text, k);
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return BASE_ERROR(BASE_EINVAL,
                              "input shape '%s': dimension %d '%.*s' is not a whole number "
                              "(expected NxCxHxW or CxHxW, e.g. 1x3x224x224)",
                              text, k, (int)len, s);
        v = v * 10 + (s[i] - '0');
        if (v > NET_SHAPE_DIM_MAX)
            return BASE_ERROR(BASE_ERANGE, "input shape '%s': dimension %d '%.*s' exceeds %ld",
                              text, k, (int)len, s, NET_SHAPE_DIM_MAX);
    }
    if (v < 1)
        return BASE_ERROR(BASE_ERANGE, "input shape '%s': dimension %d is 0 (each must be >= 1)",
                          text, k);
    *out = v;
    return BASE_OK;
}

base_status net_input_shape_parse(const char *text, net_input_shape *out)
{
    net_input_shape s = {0};
    const char *p = text;
    memset(out, 0, sizeof *out);
    for (int k = 0;; k++) {
        const char *x = strchr(p, 'x');
        size_t len = x ? (size_t)(x - p) : strlen(p);
        if (k >= 4)
            return BASE_ERROR(BASE_EINVAL,
                              "input shape '%s': more than 4 dimensions (expected NxCxHxW or "
                              "CxHxW, e.g. 1x3x224x224)",
                              text);
        base_status st = parse_dim(text, p, len, k, &s.dims[k]);
        if (st != BASE_OK)
            return st;
        s.n_dims = k + 1;
        if (!x)
            break;
        p = x + 1;
    }
    if (s.n_dims < 3)
        return BASE_ERROR(BASE_EINVAL,
                          "input shape '%s': %d dimension%s (expected NxCxHxW or CxHxW, e.g. "
                          "1x3x224x224)",
                          text, s.n_dims, s.n_dims == 1 ? "" : "s");
    *out = s;
    return BASE_OK;
}

base_status net_input_shape_from_cfg(const cfg_node *n, net_input_shape *out)
{
    memset(out, 0, sizeof *out);
    if (cfg_node_kind(n) != CFG_SEQ) {
        const char *text;
        base_status st = cfg_to_str(n, &text);
        if (st == BASE_OK && (st = net_input_shape_parse(text, out)) != BASE_OK)
            return cfg_error_at_node(n, st, "input_shape");
        return st;
    }
    size_t len = cfg_node_len(n);
    if (len != 3 && len != 4)
        return cfg_error(n, BASE_EINVAL,
                         "input_shape has %zu entries (expected [N, C, H, W] or [C, H, W])", len);
    for (size_t i = 0; i < len; i++) {
        long v;
        base_status st = cfg_to_long(cfg_seq_at(n, i), 1, NET_SHAPE_DIM_MAX, &v);
        if (st != BASE_OK)
            return st;
        out->dims[i] = v;
    }
    out->n_dims = (int)len;
    return BASE_OK;
}

void net_input_shape_format(const net_input_shape *s, char *buf, size_t cap)
{
    int k = s->n_dims == 4 ? 1 : 0;
    long long n = s->n_dims == 4 ? (long long)s->dims[0] : 1;
    snprintf(buf, cap, "%lldx%lldx%lldx%lld", n, (long long)s->dims[k], (long long)s->dims[k + 1],
             (long long)s->dims[k + 2]);
}
