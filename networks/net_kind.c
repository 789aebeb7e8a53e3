/* net_kind.c - the layer-kind table: one row per net_kind with its operand count, the YAML keys
 * it takes and their reader (docs/NETWORKS.md), the ONNX operators it imports and their
 * lowering (docs/ONNX.md; semantics from onnx.ai/onnx/operators), and its shape rule.
 * Shape rules are PyTorch's (floor division for conv and pools); batch-norm is folded into the
 * conv as a per-channel bias, as HAWQ-V3 does (Yao et al., ICML 2021). Adding a layer kind:
 * its NET_KIND_LIST line in net.h, one row here and the functions the row names. */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "networks/net_impl.h"

static const struct {
    const char *name;
    net_gemm_form form;
} kind_names[] = {
#define NET_KIND_ROW(e, s, w) {s, w},
    NET_KIND_LIST(NET_KIND_ROW)
#undef NET_KIND_ROW
};

const char *net_kind_name(net_kind kind)
{
    return (unsigned)kind < NET_KIND_COUNT ? kind_names[kind].name : "?";
}

net_gemm_form net_kind_gemm_form(net_kind kind)
{
    return (unsigned)kind < NET_KIND_COUNT ? kind_names[kind].form : NET_GEMM_NONE;
}

int net_kind_has_weights(net_kind kind)
{
    return net_kind_gemm_form(kind) != NET_GEMM_NONE;
}

/* ---- Shared rules -------------------------------------------------------------------------- */
/* Output size of a sliding window along one axis; 0 when the window does not fit. */
static int window_out(int in, int k, int stride, int pad)
{
    long span = (long)in + 2L * pad - k;
    return span < 0 ? 0 : (int)(span / stride + 1);
}

/* v within lo..hi -> *out; else BASE_ERANGE naming the layer and the parameter. */
static base_status param(const net_at *at, const net_layer *l, const char *what, int64_t v, long lo,
                         long hi, int *out)
{
    if (v < lo || v > hi)
        return base_error_at(BASE_ERANGE, at->file, at->line, at->col,
                             "layer '%s': %s %lld is outside %ld..%ld", l->name, what, (long long)v,
                             lo, hi);
    *out = (int)v;
    return BASE_OK;
}

/* Reads the window of a conv or pool from spec into l (kernel, stride, pad). */
static base_status window_params(const net_layer_spec *s, const net_at *at, net_layer *l)
{
    base_status st;
    if ((st = param(at, l, "kernel height", s->kh, 1, NET_MAX_KERNEL, &l->kh)) != BASE_OK ||
        (st = param(at, l, "kernel width", s->kw, 1, NET_MAX_KERNEL, &l->kw)) != BASE_OK ||
        (st = param(at, l, "stride", s->stride, 1, NET_MAX_KERNEL, &l->stride)) != BASE_OK)
        return st;
    return param(at, l, "pad", s->pad, 0, NET_MAX_KERNEL, &l->pad);
}

/* ---- Shape rules ----------------------------------------------------------------------------- */
static base_status conv_shape(const net_network *net, net_layer *l, const net_layer_spec *s,
                              const net_at *at)
{
    (void)net;
    base_status st;
    if ((st = window_params(s, at, l)) != BASE_OK ||
        (st = param(at, l, "out", s->out, 1, NET_MAX_CHANNELS, &l->c_out)) != BASE_OK ||
        (st = param(at, l, "groups", s->groups, 1, NET_MAX_CHANNELS, &l->groups)) != BASE_OK)
        return st;
    l->has_bias = s->has_bias != 0;
    if (l->c_in % l->groups != 0 || l->c_out % l->groups != 0)
        return base_error_at(BASE_ESHAPE, at->file, at->line, at->col,
                             "layer '%s': groups %d must divide input channels %d and output "
                             "channels %d",
                             l->name, l->groups, l->c_in, l->c_out);
    l->h_out = window_out(l->h_in, l->kh, l->stride, l->pad);
    l->w_out = window_out(l->w_in, l->kw, l->stride, l->pad);
    return BASE_OK;
}

/* Transposed convolution (ONNX ConvTranspose, no dilation): out = (in - 1) stride - 2 pad +
 * kernel + out_pad; every input pixel meets the whole kernel: MACs c_in kh kw (c_out / groups)
 * h_in w_in (the weights are those of a conv with c_in and c_out swapped). */
static base_status deconv_shape(const net_network *net, net_layer *l, const net_layer_spec *s,
                                const net_at *at)
{
    base_status st = conv_shape(net, l, s, at);
    if (st != BASE_OK ||
        (st = param(at, l, "out_pad", s->out_pad, 0, l->stride - 1, &l->out_pad)) != BASE_OK)
        return st;
    long h = ((long)l->h_in - 1) * l->stride - 2L * l->pad + l->kh + l->out_pad;
    long w = ((long)l->w_in - 1) * l->stride - 2L * l->pad + l->kw + l->out_pad;
    if (h < 1 || w < 1 || h > NET_MAX_SPATIAL || w > NET_MAX_SPATIAL)
        return base_error_at(BASE_ESHAPE, at->file, at->line, at->col,
                             "layer '%s': deconv output %ldx%ld is outside 1..%ld", l->name, h, w,
                             NET_MAX_SPATIAL);
    l->h_out = (int)h;
    l->w_out = (int)w;
    uint64_t k = (uint64_t)l->c_in * (uint64_t)l->kh * (uint64_t)l->kw; /* < 2^40 */
    if (!net_mul_u64(k, (uint64_t)(l->c_out / l->groups) * (uint64_t)l->h_in, &k) ||
        !net_mul_u64(k, (uint64_t)l->w_in, &l->macs) || l->macs > NET_MAX_TOTAL)
        return base_error_at(BASE_ERANGE, at->file, at->line, at->col,
                             "layer '%s': its MACs reach 2^56, more than a network may have",
                             l->name);
    return BASE_OK;
}

static base_status fc_shape(const net_network *net, net_layer *l, const net_layer_spec *s,
                            const net_at *at)
{
    (void)net;
    base_status st = param(at, l, "out", s->out, 1, NET_MAX_CHANNELS, &l->c_out);
    if (st != BASE_OK)
        return st;
    l->has_bias = s->has_bias != 0;
    if (l->h_in != 1 || l->w_in != 1)
        return base_error_at(BASE_ESHAPE, at->file, at->line, at->col,
                             "layer '%s': fc needs a flattened input, got %dx%dx%d (add a "
                             "flatten layer)",
                             l->name, l->c_in, l->h_in, l->w_in);
    l->h_out = l->w_out = 1;
    return BASE_OK;
}

static base_status pool_shape(const net_network *net, net_layer *l, const net_layer_spec *s,
                              const net_at *at)
{
    (void)net;
    base_status st;
    if (s->global) {
        l->kh = l->h_in;
        l->kw = l->w_in;
    } else {
        if ((st = window_params(s, at, l)) != BASE_OK)
            return st;
        if (2 * l->pad > l->kh || 2 * l->pad > l->kw)
            return base_error_at(BASE_ESHAPE, at->file, at->line, at->col,
                                 "layer '%s': pool padding %d exceeds half the window %dx%d",
                                 l->name, l->pad, l->kh, l->kw);
    }
    l->c_out = l->c_in;
    l->h_out = window_out(l->h_in, l->kh, l->stride, l->pad);
    l->w_out = window_out(l->w_in, l->kw, l->stride, l->pad);
    return BASE_OK;
}

/* relu, add: the shape passes through (add operands are checked by the builder). */
static base_status same_shape(const net_network *net, net_layer *l, const net_layer_spec *s,
                              const net_at *at)
{
    (void)net;
    (void)s;
    (void)at;
    l->c_out = l->c_in;
    l->h_out = l->h_in;
    l->w_out = l->w_in;
    return BASE_OK;
}

/* mul: the second operand has the first's shape, or is C x 1 x 1 (one value per channel,
 * broadcast over H x W: the squeeze-and-excite scale). */
static base_status mul_shape(const net_network *net, net_layer *l, const net_layer_spec *s,
                             const net_at *at)
{
    int c2, h2, w2;
    net_operand_shape(net, l->inputs[1], &c2, &h2, &w2);
    if (c2 != l->c_in || !((h2 == l->h_in && w2 == l->w_in) || (h2 == 1 && w2 == 1)))
        return base_error_at(BASE_ESHAPE, at->file, s->inputs_line ? s->inputs_line : at->line,
                             s->inputs_line ? s->inputs_col : at->col,
                             "layer '%s': mul operands %dx%dx%d and %dx%dx%d: the second must "
                             "have the first's shape or be %dx1x1 (broadcast per channel)",
                             l->name, l->c_in, l->h_in, l->w_in, c2, h2, w2, l->c_in);
    return same_shape(net, l, s, at);
}

static base_status flatten_shape(const net_network *net, net_layer *l, const net_layer_spec *s,
                                 const net_at *at)
{
    (void)net;
    (void)s;
    long n = (long)l->c_in * l->h_in * l->w_in;
    if (n > INT_MAX)
        return base_error_at(BASE_ESHAPE, at->file, at->line, at->col,
                             "layer '%s': flattened size %ld is too large", l->name, n);
    l->c_out = (int)n;
    l->h_out = l->w_out = 1;
    return BASE_OK;
}

/* ---- YAML readers ---------------------------------------------------------------------------- */
static const char *const keys_conv[] = {"name",   "type", "input",  "out",  "kernel",
                                        "stride", "pad",  "groups", "bias", NULL};
static const char *const keys_fc[] = {"name", "type", "input", "out", "bias", NULL};
static const char *const keys_pool[] = {"name",   "type", "input",  "kernel",
                                        "stride", "pad",  "global", NULL};
static const char *const keys_deconv[] = {"name", "type",    "input",  "out",  "kernel", "stride",
                                          "pad",  "out_pad", "groups", "bias", NULL};
static const char *const keys_plain[] = {"name", "type", "input", NULL};
static const char *const keys_add[] = {"name", "type", "inputs", NULL};

/* Reads `kernel:` as one integer or a [kh, kw] pair. */
static base_status read_kernel(const cfg_node *n, int64_t *kh, int64_t *kw)
{
    long a, b;
    base_status st;
    if (cfg_node_kind(n) == CFG_SEQ) {
        if (cfg_node_len(n) != 2)
            return cfg_error(n, BASE_ETYPE, "kernel must be one integer or [height, width]");
        if ((st = cfg_to_long(cfg_seq_at(n, 0), 1, NET_MAX_KERNEL, &a)) != BASE_OK ||
            (st = cfg_to_long(cfg_seq_at(n, 1), 1, NET_MAX_KERNEL, &b)) != BASE_OK)
            return st;
    } else {
        if ((st = cfg_to_long(n, 1, NET_MAX_KERNEL, &a)) != BASE_OK)
            return st;
        b = a;
    }
    *kh = a;
    *kw = b;
    return BASE_OK;
}

/* Optional integer key (dflt when absent) within lo..hi. */
static base_status get_int(const cfg_node *m, const char *key, long dflt, long lo, long hi,
                           int64_t *out)
{
    long v = dflt;
    base_status st = cfg_get_long(m, key, lo, hi, &v);
    *out = v;
    return st;
}

/* Required `out:` of a conv or fc. */
static base_status read_out(const cfg_node *m, const char *what, int64_t *out)
{
    const cfg_node *k;
    long v;
    base_status st;
    if ((st = cfg_map_require(m, "out", what, &k)) != BASE_OK ||
        (st = cfg_to_long(k, 1, NET_MAX_CHANNELS, &v)) != BASE_OK)
        return st;
    *out = v;
    return BASE_OK;
}

static base_status conv_yaml(const cfg_node *m, net_layer_spec *s)
{
    const cfg_node *k;
    base_status st;
    if ((st = cfg_map_require(m, "kernel", net_kind_name(s->kind), &k)) != BASE_OK ||
        (st = read_kernel(k, &s->kh, &s->kw)) != BASE_OK ||
        (st = read_out(m, net_kind_name(s->kind), &s->out)) != BASE_OK ||
        (st = get_int(m, "stride", 1, 1, NET_MAX_KERNEL, &s->stride)) != BASE_OK ||
        (st = get_int(m, "pad", 0, 0, NET_MAX_KERNEL, &s->pad)) != BASE_OK ||
        (st = get_int(m, "groups", 1, 1, NET_MAX_CHANNELS, &s->groups)) != BASE_OK)
        return st;
    s->has_bias = 1;
    return cfg_get_bool(m, "bias", &s->has_bias);
}

static base_status deconv_yaml(const cfg_node *m, net_layer_spec *s)
{
    base_status st = conv_yaml(m, s);
    return st != BASE_OK ? st : get_int(m, "out_pad", 0, 0, NET_MAX_KERNEL, &s->out_pad);
}

static base_status fc_yaml(const cfg_node *m, net_layer_spec *s)
{
    base_status st = read_out(m, "fc", &s->out);
    if (st != BASE_OK)
        return st;
    s->has_bias = 1;
    return cfg_get_bool(m, "bias", &s->has_bias);
}

static base_status pool_yaml(const cfg_node *m, net_layer_spec *s)
{
    base_status st;
    if ((st = cfg_get_bool(m, "global", &s->global)) != BASE_OK)
        return st;
    const cfg_node *k = cfg_map_get(m, "kernel");
    if (s->global) {
        if (k || cfg_map_get(m, "stride") || cfg_map_get(m, "pad"))
            return cfg_error(m, BASE_EINVAL,
                             "layer '%s': a global pool takes no kernel, stride or pad", s->name);
        return BASE_OK;
    }
    if ((st = cfg_map_require(m, "kernel", net_kind_name(s->kind), &k)) != BASE_OK ||
        (st = read_kernel(k, &s->kh, &s->kw)) != BASE_OK)
        return st;
    if (s->kh != s->kw && !cfg_map_get(m, "stride"))
        return cfg_error(k, BASE_EINVAL,
                         "layer '%s': a non-square pool window %lldx%lld needs an explicit "
                         "stride (the default stride is the square kernel)",
                         s->name, (long long)s->kh, (long long)s->kw);
    if ((st = get_int(m, "stride", (long)s->kh, 1, NET_MAX_KERNEL, &s->stride)) != BASE_OK)
        return st;
    return get_int(m, "pad", 0, 0, NET_MAX_KERNEL, &s->pad);
}

/* ---- ONNX lowerings ------------------------------------------------------------------------ */
static const char *const ops_conv[] = {"Conv", "ConvInteger", "QLinearConv", NULL};
static const char *const ops_fc[] = {"Gemm", "MatMul", "MatMulInteger", "QLinearMatMul", NULL};
static const char *const ops_maxpool[] = {"MaxPool", NULL};
static const char *const ops_avgpool[] = {"AveragePool", "GlobalAveragePool", NULL};
static const char *const ops_relu[] = {"Relu", "Clip", NULL};
static const char *const ops_add[] = {"Add", NULL};
static const char *const ops_flatten[] = {"Flatten", "Reshape", NULL};
static const char *const ops_hardswish[] = {"HardSwish", NULL};
static const char *const ops_hardsigmoid[] = {"HardSigmoid", NULL};
static const char *const ops_mul[] = {"Mul", NULL};
static const char *const ops_deconv[] = {"ConvTranspose", NULL};

/* Bits of a conv/fc node: QOperator (QLinear*) zero points, integer ops (*Integer) accumulate
 * at 32 bits, QDQ takes the widths of the dequantized input and weight. */
static void gemm_bits(net_onnx_importer *im, const net_onnx_node *nd, const net_onnx_value *x,
                      const net_onnx_value *w, net_onnx_lowered *out)
{
    int qlin = nd->op_type[0] == 'Q', integer = strstr(nd->op_type, "Integer") != NULL;
    unsigned wb = w->bits ? w->bits : net_onnx_int_bits(w->init->dtype);
    out->a_bits = qlin      ? net_onnx_zp_bits(im, nd, 2, 8)
                  : integer ? net_onnx_zp_bits(im, nd, 2, x->bits)
                            : x->bits;
    out->w_bits = qlin ? net_onnx_zp_bits(im, nd, 5, wb) : wb;
    out->out_bits = qlin ? net_onnx_zp_bits(im, nd, 7, 8) : integer ? 32 : 0;
}

static int has_input(const net_onnx_node *nd, size_t i)
{
    return nd->n_inputs > i && *nd->inputs[i];
}

static base_status conv_onnx(net_onnx_importer *im, const net_onnx_node *nd, net_onnx_lowered *out)
{
    const char *op = nd->op_type;
    int qlin = op[0] == 'Q', integer = strstr(op, "Integer") != NULL;
    const net_onnx_value *x, *w;
    int64_t dil;
    net_layer_spec *s = &out->spec;
    base_status st;
    if ((st = net_onnx_data_input(im, nd, 0, &x)) != BASE_OK ||
        (st = net_onnx_weight_input(im, nd, qlin ? 3 : 1, 4, &w)) != BASE_OK)
        return st;
    gemm_bits(im, nd, x, w, out);
    if ((st = net_onnx_attr_uniform(im, nd, "strides", 1, &s->stride)) != BASE_OK ||
        (st = net_onnx_attr_uniform(im, nd, "pads", 0, &s->pad)) != BASE_OK ||
        (st = net_onnx_attr_uniform(im, nd, "dilations", 1, &dil)) != BASE_OK)
        return st;
    if (dil != 1)
        return BASE_ERROR(BASE_EUNSUPPORTED, "%s: node '%s' (%s): dilated convolution",
                          net_onnx_graph_of(im)->path, nd->name, op);
    s->has_bias = qlin ? has_input(nd, 8) : !integer && has_input(nd, 2);
    s->inputs[0] = x->layer;
    s->out = w->init->dims[0];
    s->kh = w->init->dims[2];
    s->kw = w->init->dims[3];
    s->groups = net_onnx_attr_int(nd, "group", 1);
    out->weight = w->init;
    out->weight_k = w->init->dims[1];
    return BASE_OK;
}

/* ConvTranspose: weight C_in x C_out/group x kh x kw, optional bias (input 2); no dilation,
 * no output_shape. */
static base_status deconv_onnx(net_onnx_importer *im, const net_onnx_node *nd,
                               net_onnx_lowered *out)
{
    const net_onnx_value *x, *w;
    int64_t dil;
    net_layer_spec *s = &out->spec;
    const char *path = net_onnx_graph_of(im)->path;
    base_status st;
    if ((st = net_onnx_data_input(im, nd, 0, &x)) != BASE_OK ||
        (st = net_onnx_weight_input(im, nd, 1, 4, &w)) != BASE_OK)
        return st;
    gemm_bits(im, nd, x, w, out);
    if ((st = net_onnx_attr_uniform(im, nd, "strides", 1, &s->stride)) != BASE_OK ||
        (st = net_onnx_attr_uniform(im, nd, "pads", 0, &s->pad)) != BASE_OK ||
        (st = net_onnx_attr_uniform(im, nd, "output_padding", 0, &s->out_pad)) != BASE_OK ||
        (st = net_onnx_attr_uniform(im, nd, "dilations", 1, &dil)) != BASE_OK)
        return st;
    if (dil != 1 || net_onnx_attr_find(nd, "output_shape"))
        return base_error_at(BASE_EUNSUPPORTED, path, 0, 0,
                             "node '%s' (ConvTranspose): %s is not supported", nd->name,
                             dil != 1 ? "dilation" : "output_shape (give pads)");
    s->groups = net_onnx_attr_int(nd, "group", 1);
    if (s->groups < 1 || w->init->dims[0] % s->groups != 0)
        return base_error_at(BASE_ESHAPE, path, 0, 0,
                             "node '%s' (ConvTranspose): group %lld does not divide the "
                             "weight's %lld input channels",
                             nd->name, (long long)s->groups, (long long)w->init->dims[0]);
    s->has_bias = has_input(nd, 2);
    s->inputs[0] = x->layer;
    s->out = w->init->dims[1] * s->groups;
    s->kh = w->init->dims[2];
    s->kw = w->init->dims[3];
    out->weight = w->init;
    out->weight_k = w->init->dims[0] / s->groups; /* checked against c_in / groups */
    return BASE_OK;
}

static base_status fc_onnx(net_onnx_importer *im, const net_onnx_node *nd, net_onnx_lowered *out)
{
    const char *op = nd->op_type;
    int qlin = op[0] == 'Q', gemm = !strcmp(op, "Gemm");
    const net_onnx_value *x, *w;
    base_status st;
    const net_onnx_value *b = net_onnx_input(im, nd, 1);
    if (!strcmp(op, "MatMul") && b && !b->init) /* two activations: the matmul kind */
        return net_matmul_onnx(im, nd, out);
    if ((st = net_onnx_data_input(im, nd, 0, &x)) != BASE_OK ||
        (st = net_onnx_weight_input(im, nd, qlin ? 3 : 1, 2, &w)) != BASE_OK)
        return st;
    gemm_bits(im, nd, x, w, out);
    int trans = gemm && net_onnx_attr_int(nd, "transB", 0);
    if (gemm && net_onnx_attr_int(nd, "transA", 0))
        return BASE_ERROR(BASE_EUNSUPPORTED, "%s: node '%s' (Gemm): transA",
                          net_onnx_graph_of(im)->path, nd->name);
    out->spec.has_bias = gemm && has_input(nd, 2);
    out->spec.inputs[0] = x->layer;
    out->spec.out = w->init->dims[trans ? 0 : 1];
    out->weight = w->init;
    out->weight_k = w->init->dims[trans ? 1 : 0];
    return BASE_OK;
}

/* Clip as a relu: min constant 0 (opset >= 11: input 1; older: attribute min); any max. */
static int clip_is_relu(const net_onnx_importer *im, const net_onnx_node *nd)
{
    const net_onnx_attr *a = net_onnx_attr_find(nd, "min");
    if (a)
        return a->has_f && a->f == 0.0;
    const net_onnx_value *v = net_onnx_input(im, nd, 1);
    const net_tensor *t = v ? v->init : NULL;
    if (!t || t->n_elems != 1)
        return 0;
    return t->ival ? t->ival[0] == 0 : t->fval[0] == 0.0;
}

/* A weightless one-input layer reading data input 0: its bits pass through. */
static base_status pass_bits(net_onnx_importer *im, const net_onnx_node *nd, net_onnx_lowered *out)
{
    const net_onnx_value *x;
    base_status st = net_onnx_data_input(im, nd, 0, &x);
    if (st != BASE_OK)
        return st;
    out->spec.inputs[0] = x->layer;
    out->a_bits = out->out_bits = x->bits;
    return BASE_OK;
}

static base_status relu_onnx(net_onnx_importer *im, const net_onnx_node *nd, net_onnx_lowered *out)
{
    if (!strcmp(nd->op_type, "Clip") && !clip_is_relu(im, nd))
        return BASE_ERROR(BASE_EUNSUPPORTED,
                          "%s: node '%s' (Clip): only a constant min of 0 is supported "
                          "(a relu; max saturation is not modelled)",
                          net_onnx_graph_of(im)->path, nd->name);
    return pass_bits(im, nd, out);
}

static base_status pool_onnx(net_onnx_importer *im, const net_onnx_node *nd, net_onnx_lowered *out)
{
    const char *op = nd->op_type, *path = net_onnx_graph_of(im)->path;
    net_layer_spec *s = &out->spec;
    base_status st = pass_bits(im, nd, out);
    if (st != BASE_OK || !strcmp(op, "GlobalAveragePool")) {
        s->global = 1;
        return st;
    }
    const net_onnx_attr *ks = net_onnx_attr_find(nd, "kernel_shape");
    if (!ks || ks->n_ints != 2 || ks->ints[0] < 1 || ks->ints[1] < 1 || ks->ints[0] > 1024 ||
        ks->ints[1] > 1024)
        return base_error_at(BASE_EUNSUPPORTED, path, 0, 0,
                             "node '%s' (%s): needs a 2-D kernel_shape", nd->name, op);
    if (net_onnx_attr_int(nd, "ceil_mode", 0) || net_onnx_attr_int(nd, "storage_order", 0))
        return base_error_at(BASE_EUNSUPPORTED, path, 0, 0,
                             "node '%s' (%s): ceil_mode/storage_order", nd->name, op);
    s->kh = ks->ints[0];
    s->kw = ks->ints[1];
    if ((st = net_onnx_attr_uniform(im, nd, "strides", 1, &s->stride)) != BASE_OK)
        return st;
    return net_onnx_attr_uniform(im, nd, "pads", 0, &s->pad);
}

/* Reshape of an activation: the target is a constant (an initializer or a folded shape
 * subgraph such as PyTorch's x.view(x.size(0), -1)), resolved against the input's known shape
 * (0 copies a dimension, -1 takes the rest). [N, C*H*W] is a flatten; the input's own shape is
 * no change (*same = 1, no layer); anything else is BASE_EUNSUPPORTED naming both shapes. */
static base_status reshape_target(const net_onnx_importer *im, const net_onnx_node *nd,
                                  const net_onnx_value *x, int *same)
{
    const char *path = net_onnx_graph_of(im)->path;
    const net_onnx_value *v = net_onnx_input(im, nd, 1);
    const net_tensor *t = v ? v->init : NULL;
    int64_t in[NET_TENSOR_DIMS_MAX], want[NET_TENSOR_DIMS_MAX], n_in_elems = 1, known = 1;
    int n_in, infer = -1;
    char sa[128], sb[128];
    if (!t || !t->ival || t->n_dims != 1 || t->n_elems > NET_TENSOR_DIMS_MAX)
        return base_error_at(BASE_EUNSUPPORTED, path, 0, 0,
                             "node '%s' (Reshape): the target shape is not a constant 1-D integer "
                             "tensor (apsim folds shape subgraphs of constants and known shapes)",
                             nd->name);
    net_onnx_value_shape(im, x, &n_in, in);
    for (int i = 0; i < n_in; i++)
        if (n_in_elems < 0 || __builtin_mul_overflow(n_in_elems, in[i], &n_in_elems))
            n_in_elems = -1;
    for (size_t i = 0; i < t->n_elems; i++) {
        want[i] = t->ival[i] == 0 && (int)i < n_in ? in[i] : t->ival[i];
        if (want[i] == -1 && infer < 0)
            infer = (int)i;
        else if (want[i] < 1 || known < 0 || __builtin_mul_overflow(known, want[i], &known))
            known = -1;
    }
    if (infer >= 0 && known > 0 && n_in_elems > 0 && n_in_elems % known == 0)
        want[infer] = n_in_elems / known;
    int k = (int)t->n_elems;
    int flat = k == 2 && n_in_elems > 0 && want[0] == in[0] && want[1] == n_in_elems / in[0];
    *same = k == n_in && !memcmp(want, in, (size_t)k * sizeof *in);
    if (flat || *same)
        return BASE_OK;
    net_onnx_dims_text(in, n_in, sa, sizeof sa);
    net_onnx_dims_text(t->ival, k, sb, sizeof sb);
    return base_error_at(BASE_EUNSUPPORTED, path, 0, 0,
                         "node '%s' (Reshape): target %s of the %s input is no flatten [N, C*H*W] "
                         "(the only reshape apsim models)",
                         nd->name, sb, sa);
}

static base_status flatten_onnx(net_onnx_importer *im, const net_onnx_node *nd,
                                net_onnx_lowered *out)
{
    const net_onnx_value *x;
    int same = 0;
    base_status st = net_onnx_data_input(im, nd, 0, &x);
    if (st == BASE_OK && !strcmp(nd->op_type, "Reshape") &&
        (st = reshape_target(im, nd, x, &same)) == BASE_OK && same) {
        net_onnx_pass(im, nd->outputs[0], x); /* a reshape to its own shape changes nothing */
        out->emit = 0;
        return BASE_OK;
    }
    return st != BASE_OK ? st : pass_bits(im, nd, out);
}

/* Add of two tensors: a residual sum; of a tensor and a constant: a bias folded into the
 * conv/fc that produces the tensor. */
static base_status add_onnx(net_onnx_importer *im, const net_onnx_node *nd, net_onnx_lowered *out)
{
    const char *path = net_onnx_graph_of(im)->path;
    const net_onnx_value *a = nd->n_inputs == 2 ? net_onnx_lookup(im, nd->inputs[0]) : NULL;
    const net_onnx_value *b = nd->n_inputs == 2 ? net_onnx_lookup(im, nd->inputs[1]) : NULL;
    if (!a || !b)
        return base_error_at(BASE_ESHAPE, path, 0, 0,
                             "node '%s' (Add): inputs are not produced earlier", nd->name);
    if (a->init || b->init) {
        const net_onnx_value *d = a->init ? b : a;
        if (!net_onnx_fold_bias(im, d->layer))
            return base_error_at(BASE_EUNSUPPORTED, path, 0, 0,
                                 "node '%s' (Add): a constant is only supported as the bias "
                                 "of a conv/fc",
                                 nd->name);
        net_onnx_pass(im, nd->outputs[0], d);
        out->emit = 0;
        return BASE_OK;
    }
    out->spec.inputs[0] = a->layer;
    out->spec.inputs[1] = b->layer;
    out->a_bits = a->bits;
    out->out_bits = a->bits > b->bits ? a->bits : b->bits;
    return BASE_OK;
}

/* HardSigmoid y = max(0, min(1, alpha x + beta)) is relu6(x + 3) / 6 when its offset
 * beta / alpha is 3 and its top 1 / alpha is 6 in x's units (alpha 1/6, beta 1/2: PyTorch's
 * export); the kind's integer constants are those, in x's scale. */
static base_status hardsigmoid_onnx(net_onnx_importer *im, const net_onnx_node *nd,
                                    net_onnx_lowered *out)
{
    const net_onnx_attr *a = net_onnx_attr_find(nd, "alpha"), *b = net_onnx_attr_find(nd, "beta");
    double alpha = a && a->has_f ? a->f : 0.2, beta = b && b->has_f ? b->f : 0.5;
    double offset = alpha > 0 ? beta / alpha : 0, top = alpha > 0 ? 1 / alpha : 0;
    if (fabs(offset - 3.0) > 1e-4 || fabs(top - 6.0) > 1e-4)
        return base_error_at(BASE_EUNSUPPORTED, net_onnx_graph_of(im)->path, 0, 0,
                             "node '%s' (HardSigmoid): alpha %g, beta %g give offset %g and top %g "
                             "in x's units; apsim's hardsigmoid is relu6(x + 3) / 6 (alpha 1/6, "
                             "beta 0.5)",
                             nd->name, alpha, beta, offset, top);
    return pass_bits(im, nd, out);
}

/* A Mul of two activations (the second of the first's shape or C x 1 x 1); a Mul by a constant
 * outside the hard-swish patterns (net_onnx_pattern.c) is not modelled. */
static base_status mul_onnx(net_onnx_importer *im, const net_onnx_node *nd, net_onnx_lowered *out)
{
    const net_onnx_value *a = net_onnx_input(im, nd, 0), *b = net_onnx_input(im, nd, 1);
    if (nd->n_inputs != 2 || !a || !b)
        return base_error_at(BASE_ESHAPE, net_onnx_graph_of(im)->path, 0, 0,
                             "node '%s' (Mul): inputs are not produced earlier", nd->name);
    if (a->layer == -2 || b->layer == -2)
        return base_error_at(BASE_EUNSUPPORTED, net_onnx_graph_of(im)->path, 0, 0,
                             "node '%s' (Mul): a product with a constant is not supported "
                             "(only within a hard-swish or hard-sigmoid pattern)",
                             nd->name);
    out->spec.inputs[0] = a->layer;
    out->spec.inputs[1] = b->layer;
    out->a_bits = a->bits > b->bits ? a->bits : b->bits;
    out->out_bits = a->bits && b->bits ? a->bits + b->bits : 0;
    return BASE_OK;
}

/* Sigmoid: a table on the AP (exec/exec_kinds.c); its bits pass through. */
static const char *const ops_sigmoid[] = {"Sigmoid", NULL};
static const char *const ops_softmax[] = {"Softmax", NULL};

/* Softmax over the channels: axis 1 of N x C x H x W (opset 13 semantics: per pixel) or of a
 * flattened N x C (also written -1 there); other axes are refused. */
static base_status softmax_onnx(net_onnx_importer *im, const net_onnx_node *nd,
                                net_onnx_lowered *out)
{
    base_status st = pass_bits(im, nd, out);
    if (st != BASE_OK)
        return st;
    int rank = net_onnx_layer_rank(im, out->spec.inputs[0]);
    int64_t axis = net_onnx_attr_int(nd, "axis", -1);
    if (axis == 1 || axis == 1 - rank)
        return BASE_OK;
    return BASE_ERROR(BASE_EUNSUPPORTED,
                      "%s: node '%s' (Softmax): axis %lld of a rank-%d tensor is not the channel "
                      "axis (only softmax over channels is supported)",
                      net_onnx_graph_of(im)->path, nd->name, (long long)axis, rank);
}

/* ---- The table --------------------------------------------------------------------------- */
static const net_kind_row rows[NET_KIND_COUNT] = {
    [NET_CONV] = {1, 0, keys_conv, conv_yaml, ops_conv, conv_onnx, conv_shape},
    [NET_FC] = {1, 0, keys_fc, fc_yaml, ops_fc, fc_onnx, fc_shape},
    [NET_MAXPOOL] = {1, 0, keys_pool, pool_yaml, ops_maxpool, pool_onnx, pool_shape},
    [NET_AVGPOOL] = {1, 0, keys_pool, pool_yaml, ops_avgpool, pool_onnx, pool_shape},
    [NET_RELU] = {1, 0, keys_plain, NULL, ops_relu, relu_onnx, same_shape},
    [NET_ADD] = {2, 0, keys_add, NULL, ops_add, add_onnx, same_shape},
    [NET_FLATTEN] = {1, 0, keys_plain, NULL, ops_flatten, flatten_onnx, flatten_shape},
    [NET_HARDSWISH] = {1, 0, keys_plain, NULL, ops_hardswish, pass_bits, same_shape},
    [NET_HARDSIGMOID] = {1, 0, keys_plain, NULL, ops_hardsigmoid, hardsigmoid_onnx, same_shape},
    [NET_MUL] = {2, 1, keys_add, NULL, ops_mul, mul_onnx, mul_shape},
    [NET_CONCAT] = {0, 1, net_keys_concat, NULL, net_ops_concat, net_concat_onnx, net_concat_shape},
    [NET_RESIZE] = {1, 0, net_keys_resize, net_resize_yaml, net_ops_resize, net_resize_onnx,
                    net_resize_shape},
    [NET_DECONV] = {1, 0, keys_deconv, deconv_yaml, ops_deconv, deconv_onnx, deconv_shape},
    /* ONNX MatMul is fc's operator: fc_onnx hands a MatMul of two activations to matmul. */
    [NET_MATMUL] = {2, 1, keys_add, NULL, NULL, NULL, net_matmul_shape},
    [NET_SIGMOID] = {1, 0, keys_plain, NULL, ops_sigmoid, pass_bits, same_shape},
    [NET_SOFTMAX] = {1, 0, keys_plain, NULL, ops_softmax, softmax_onnx, same_shape},
};

const net_kind_row *net_kind_row_of(net_kind k)
{
    return k > NET_INPUT && k < NET_KIND_COUNT && rows[k].shape ? &rows[k] : NULL;
}

net_kind net_kind_of_onnx_op(const char *op)
{
    for (int k = NET_CONV; k < NET_KIND_COUNT; k++)
        for (const char *const *o = rows[k].onnx_ops; o && *o; o++)
            if (strcmp(*o, op) == 0)
                return (net_kind)k;
    return NET_KIND_COUNT;
}

net_kind net_kind_by_name(const char *name, char *known, size_t cap)
{
    if (cap)
        known[0] = '\0';
    for (int k = NET_CONV; k < NET_KIND_COUNT; k++) {
        if (!rows[k].shape)
            continue; /* no row yet: not a kind a file can name */
        if (strcmp(name, kind_names[k].name) == 0)
            return (net_kind)k;
        size_t used = strlen(known);
        if (used < cap)
            snprintf(known + used, cap - used, "%s%s", k > NET_CONV ? ", " : "",
                     kind_names[k].name);
    }
    return NET_KIND_COUNT;
}
