/* net_kind_tensor.c - the networks/ rows' functions of the kinds that rearrange or combine whole
 * activation tensors: concat (channel stacking, ONNX Concat on axis 1), resize (integer
 * upsampling, ONNX Resize/Upsample) and matmul (a product of two activations, ONNX MatMul when
 * neither operand is a constant; handed over by the fc lowering, net_kind.c). Semantics from
 * onnx.ai/onnx/operators (Concat-13, Resize-19, Upsample-9, MatMul-13); PyTorch's exports of
 * nn.Upsample(scale_factor=s) (Resize, asymmetric/floor nearest) and of bilinear interpolation
 * with align_corners=False (half_pixel linear) are the forms accepted. */
#include <math.h>
#include <string.h>

#include "networks/net_impl.h"

/* ---- Shape rules --------------------------------------------------------------------------- */
base_status net_concat_shape(const net_network *net, net_layer *l, const net_layer_spec *s,
                             const net_at *at)
{
    (void)s;
    long c = 0;
    for (int j = 0; j < l->n_inputs; j++) {
        int cj, hj, wj;
        net_operand_shape(net, l->inputs[j], &cj, &hj, &wj);
        if (hj != l->h_in || wj != l->w_in)
            return base_error_at(BASE_ESHAPE, at->file, s->inputs_line ? s->inputs_line : at->line,
                                 s->inputs_line ? s->inputs_col : at->col,
                                 "layer '%s': concat operands differ in height x width: "
                                 "%dx%dx%d and %dx%dx%d",
                                 l->name, l->c_in, l->h_in, l->w_in, cj, hj, wj);
        c += cj;
    }
    if (c > NET_MAX_CHANNELS)
        return base_error_at(BASE_ESHAPE, at->file, at->line, at->col,
                             "layer '%s': %ld concatenated channels exceed %ld", l->name, c,
                             NET_MAX_CHANNELS);
    l->c_in = l->c_out = (int)c;
    l->h_out = l->h_in;
    l->w_out = l->w_in;
    return BASE_OK;
}

base_status net_resize_shape(const net_network *net, net_layer *l, const net_layer_spec *s,
                             const net_at *at)
{
    (void)net;
    if (s->scale < 1 || s->scale > NET_RESIZE_SCALE_MAX)
        return base_error_at(BASE_ERANGE, at->file, at->line, at->col,
                             "layer '%s': scale %lld is outside 1..%d", l->name,
                             (long long)s->scale, NET_RESIZE_SCALE_MAX);
    if (s->mode != NET_RESIZE_NEAREST && s->mode != NET_RESIZE_BILINEAR)
        return base_error_at(BASE_ERANGE, at->file, at->line, at->col, "layer '%s': no mode %d",
                             l->name, (int)s->mode);
    l->scale = (int)s->scale;
    l->mode = s->mode;
    long h = (long)l->h_in * l->scale, w = (long)l->w_in * l->scale;
    if (h > NET_MAX_SPATIAL || w > NET_MAX_SPATIAL)
        return base_error_at(BASE_ESHAPE, at->file, at->line, at->col,
                             "layer '%s': resized map %ldx%ld exceeds %ld", l->name, h, w,
                             NET_MAX_SPATIAL);
    l->c_out = l->c_in;
    l->h_out = (int)h;
    l->w_out = (int)w;
    return BASE_OK;
}

/* a (C x H x K) times b (C x K x N), batched over C: C x H x N, C*H*K*N MACs. */
base_status net_matmul_shape(const net_network *net, net_layer *l, const net_layer_spec *s,
                             const net_at *at)
{
    int c2, k2, n;
    net_operand_shape(net, l->inputs[1], &c2, &k2, &n);
    if (c2 != l->c_in || k2 != l->w_in)
        return base_error_at(BASE_ESHAPE, at->file, s->inputs_line ? s->inputs_line : at->line,
                             s->inputs_line ? s->inputs_col : at->col,
                             "layer '%s': matmul operands %dx%dx%d and %dx%dx%d do not chain "
                             "(a is C x H x K, b must be C x K x N)",
                             l->name, l->c_in, l->h_in, l->w_in, c2, k2, n);
    l->c_out = l->c_in;
    l->h_out = l->h_in;
    l->w_out = n;
    uint64_t chw = (uint64_t)l->c_in * (uint64_t)l->h_in * (uint64_t)l->w_in; /* < 2^52 */
    if (!net_mul_u64(chw, (uint64_t)n, &l->macs) || l->macs > NET_MAX_TOTAL)
        return base_error_at(BASE_ERANGE, at->file, at->line, at->col,
                             "layer '%s': its MACs reach 2^56, more than a network may have",
                             l->name);
    return BASE_OK;
}

/* ---- YAML ---------------------------------------------------------------------------------- */
const char *const net_keys_concat[] = {"name", "type", "inputs", NULL};
const char *const net_keys_resize[] = {"name", "type", "input", "scale", "mode", NULL};

base_status net_resize_yaml(const cfg_node *m, net_layer_spec *s)
{
    const cfg_node *k;
    long v;
    base_status st;
    if ((st = cfg_map_require(m, "scale", "resize", &k)) != BASE_OK ||
        (st = cfg_to_long(k, 1, NET_RESIZE_SCALE_MAX, &v)) != BASE_OK)
        return st;
    s->scale = v;
    s->mode = NET_RESIZE_NEAREST;
    const cfg_node *mn = cfg_map_get(m, "mode");
    const char *mode;
    if (!mn)
        return BASE_OK;
    if ((st = cfg_to_str(mn, &mode)) != BASE_OK)
        return st;
    if (!strcmp(mode, "bilinear"))
        s->mode = NET_RESIZE_BILINEAR;
    else if (strcmp(mode, "nearest") != 0)
        return cfg_error(mn, BASE_EINVAL, "layer '%s': resize mode '%s' is not nearest or bilinear",
                         s->name, mode);
    return BASE_OK;
}

/* ---- ONNX ---------------------------------------------------------------------------------- */
const char *const net_ops_concat[] = {"Concat", NULL};
const char *const net_ops_resize[] = {"Resize", "Upsample", NULL};

static base_status unsupported(const net_onnx_importer *im, const net_onnx_node *nd,
                               const char *what)
{
    return base_error_at(BASE_EUNSUPPORTED, net_onnx_graph_of(im)->path, 0, 0, "node '%s' (%s): %s",
                         nd->name, nd->op_type, what);
}

/* Concat of 2..NET_MAX_INPUTS activations along the channel axis (1 of N x C x H x W, or -3):
 * stored at the widest of their widths. */
base_status net_concat_onnx(net_onnx_importer *im, const net_onnx_node *nd, net_onnx_lowered *out)
{
    int64_t axis = net_onnx_attr_int(nd, "axis", 1);
    if (axis != 1 && axis != -3)
        return unsupported(im, nd, "only axis 1 (channels) is supported");
    if (nd->n_inputs < 2 || nd->n_inputs > NET_MAX_INPUTS)
        return unsupported(im, nd, "takes 2 to 8 inputs");
    out->spec.n_inputs = (int)nd->n_inputs;
    for (size_t i = 0; i < nd->n_inputs; i++) {
        const net_onnx_value *x;
        base_status st = net_onnx_data_input(im, nd, i, &x);
        if (st != BASE_OK)
            return st;
        out->spec.inputs[i] = x->layer;
        out->a_bits = x->bits > out->a_bits ? x->bits : out->a_bits;
    }
    out->out_bits = out->a_bits;
    return BASE_OK;
}

/* The constant scales [1, 1, s, s] (float) or sizes [N, C, H s, W s] (integer) -> *scale. */
static base_status resize_factor(const net_onnx_importer *im, const net_onnx_node *nd,
                                 const net_onnx_value *x, int64_t *scale)
{
    const int upsample = !strcmp(nd->op_type, "Upsample");
    const net_tensor *sc = NULL, *sz = NULL;
    const net_onnx_value *v;
    if (upsample || nd->n_inputs == 2) /* Upsample-9, Resize-10: (X, scales) */
        sc = (v = net_onnx_input(im, nd, 1)) ? v->init : NULL;
    else {
        sc = (v = net_onnx_input(im, nd, 2)) ? v->init : NULL;
        sz = (v = net_onnx_input(im, nd, 3)) ? v->init : NULL;
    }
    double f[4];
    if (upsample && !sc) /* Upsample-7's float-list attribute is not read */
        return unsupported(im, nd, "needs its scales as a constant input (Upsample-9)");
    if (sc && sc->n_elems == 4 && sc->fval) {
        for (int i = 0; i < 4; i++)
            f[i] = sc->fval[i];
    } else if (!sc && sz && sz->n_elems == 4 && sz->ival) {
        int c, h, w;
        net_onnx_value_chw(im, x, &c, &h, &w);
        f[0] = 1;
        f[1] = sz->ival[1] == c ? 1 : 0;
        f[2] = sz->ival[2] % h == 0 ? (double)(sz->ival[2] / h) : 0.5;
        f[3] = sz->ival[3] % w == 0 ? (double)(sz->ival[3] / w) : 0.5;
    } else
        return unsupported(im, nd, "needs constant 4-element scales or sizes");
    if (f[0] != 1 || f[1] != 1 || f[2] != f[3] || f[2] != floor(f[2]) || f[2] < 1 ||
        f[2] > NET_RESIZE_SCALE_MAX)
        return unsupported(im, nd, "scales must be [1, 1, s, s] with one integer factor s (1..64)");
    *scale = (int64_t)f[2];
    return BASE_OK;
}

/* String attribute name, or dflt. */
static const char *attr_str(const net_onnx_node *nd, const char *name, const char *dflt)
{
    const net_onnx_attr *a = net_onnx_attr_find(nd, name);
    return a && a->s ? a->s : dflt;
}

base_status net_resize_onnx(net_onnx_importer *im, const net_onnx_node *nd, net_onnx_lowered *out)
{
    const net_onnx_value *x;
    char msg[160];
    base_status st = net_onnx_data_input(im, nd, 0, &x);
    if (st != BASE_OK || (st = resize_factor(im, nd, x, &out->spec.scale)) != BASE_OK)
        return st;
    const int upsample = !strcmp(nd->op_type, "Upsample");
    const char *mode = attr_str(nd, "mode", "nearest");
    /* Resize-11+ defaults to half_pixel; Resize-10 and Upsample are asymmetric. */
    const char *ctm = attr_str(nd, "coordinate_transformation_mode",
                               upsample || nd->n_inputs == 2 ? "asymmetric" : "half_pixel");
    const char *nm = attr_str(nd, "nearest_mode", "round_prefer_floor");
    if (!strcmp(mode, "nearest")) {
        out->spec.mode = NET_RESIZE_NEAREST;
        if (strcmp(ctm, "asymmetric") != 0) {
            snprintf(msg, sizeof msg,
                     "coordinate_transformation_mode '%s' with nearest (apsim takes asymmetric)",
                     ctm);
            return unsupported(im, nd, msg);
        }
        /* ox / s has fractions k / s: round_prefer_floor floors them only for s <= 2. */
        if (!upsample && strcmp(nm, "floor") != 0 &&
            !(strcmp(nm, "round_prefer_floor") == 0 && out->spec.scale <= 2)) {
            snprintf(msg, sizeof msg, "nearest_mode '%s' (apsim takes floor)", nm);
            return unsupported(im, nd, msg);
        }
    } else if (!strcmp(mode, "linear") && !upsample) {
        out->spec.mode = NET_RESIZE_BILINEAR;
        if (strcmp(ctm, "half_pixel") != 0 && strcmp(ctm, "pytorch_half_pixel") != 0) {
            snprintf(msg, sizeof msg,
                     "coordinate_transformation_mode '%s' with linear (apsim takes half_pixel)",
                     ctm);
            return unsupported(im, nd, msg);
        }
    } else {
        snprintf(msg, sizeof msg, "mode '%s' (apsim takes nearest, or linear in Resize)", mode);
        return unsupported(im, nd, msg);
    }
    out->spec.inputs[0] = x->layer;
    out->a_bits = out->out_bits = x->bits;
    return BASE_OK;
}

/* MatMul of two activations (the fc lowering hands it over when input 1 is no constant). */
base_status net_matmul_onnx(net_onnx_importer *im, const net_onnx_node *nd, net_onnx_lowered *out)
{
    const net_onnx_value *a, *b;
    base_status st;
    if ((st = net_onnx_data_input(im, nd, 0, &a)) != BASE_OK ||
        (st = net_onnx_data_input(im, nd, 1, &b)) != BASE_OK)
        return st;
    out->spec.kind = NET_MATMUL;
    out->spec.n_inputs = 2;
    out->spec.inputs[0] = a->layer;
    out->spec.inputs[1] = b->layer;
    out->a_bits = a->bits > b->bits ? a->bits : b->bits;
    out->out_bits = 0;
    return BASE_OK;
}
