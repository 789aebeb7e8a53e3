/* net_onnx_import.c - lowers an ONNX graph to apsim's network layers (docs/ONNX.md): each
 * supported node becomes one layer of the YAML format of docs/NETWORKS.md, which the YAML
 * loader then shape-checks; weights' ONNX shapes are checked against the inferred ones, and
 * QDQ/QOperator integer types give per-layer bits. Operator semantics: onnx.ai/onnx/operators. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "networks/net.h"

/* What a tensor name stands for while walking the graph. */
typedef struct value {
    const char *tensor; /* borrowed from the graph */
    int layer;          /* producing emitted layer, -1 = network input, -2 = none */
    const net_tensor *init;
    unsigned bits; /* integer width it is stored at (0 = float / unknown) */
} value;

typedef struct importer {
    const net_onnx_graph *g;
    value *vals;
    size_t n_vals;
    char **names; /* emitted layer names */
    const net_onnx_node **nodes;
    const net_tensor **weights;
    unsigned *w_bits, *a_bits;
    long *bias_at;              /* conv/fc: offset of its "bias: false" value in text, else -1 */
    unsigned char *bias_fold;   /* 1 when a later bias Add or BatchNormalization folds in */
    const net_tensor **reshape; /* Reshape's target shape for its flatten layer, else NULL */
    size_t n_layers;
    FILE *yaml;
    char *text;
    size_t text_len;
} importer;

static const value *lookup(const importer *im, const char *tensor)
{
    for (size_t i = im->n_vals; i-- > 0;)
        if (strcmp(im->vals[i].tensor, tensor) == 0)
            return &im->vals[i];
    return NULL;
}

static void put_value(importer *im, const char *tensor, int layer, const net_tensor *init,
                      unsigned bits)
{
    value *v = &im->vals[im->n_vals++];
    v->tensor = tensor;
    v->layer = layer;
    v->init = init;
    v->bits = bits;
}

static unsigned int_bits(int dtype)
{
    return net_dtype_is_int(dtype) ? net_dtype_bits(dtype) : 0;
}

/* Writes s as a double-quoted YAML scalar. */
static void put_quoted(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fputc('\\', fp);
        fputc(c < 0x20 || c == 0x7f ? '_' : c, fp);
    }
    fputc('"', fp);
}

static const char *layer_ref(const importer *im, int layer)
{
    return layer < 0 ? "input" : im->names[layer];
}

/* Starts a layer for node nd reading producer `in`; returns its index. */
static base_status begin_layer(importer *im, const net_onnx_node *nd, const char *type, int in,
                               const net_tensor *weight, unsigned w_bits, unsigned a_bits)
{
    size_t k = im->n_layers;
    char *name = NULL;
    for (unsigned suffix = 0; !name; suffix++) {
        size_t len = strlen(nd->name) + 16;
        char *cand = base_malloc(len);
        if (!cand)
            return BASE_ERROR(BASE_ENOMEM, "out of memory");
        if (suffix)
            snprintf(cand, len, "%s_%u", nd->name, suffix);
        else
            snprintf(cand, len, "%s", nd->name);
        int clash = strcmp(cand, "input") == 0 || *cand == '\0';
        for (size_t i = 0; i < k && !clash; i++)
            clash = strcmp(im->names[i], cand) == 0;
        if (clash)
            base_free(cand);
        else
            name = cand;
    }
    im->names[k] = name;
    im->nodes[k] = nd;
    im->weights[k] = weight;
    im->w_bits[k] = w_bits;
    im->a_bits[k] = a_bits;
    im->bias_at[k] = -1;
    im->reshape[k] = NULL;
    im->n_layers++;
    fputs("  - {name: ", im->yaml);
    put_quoted(im->yaml, name);
    fprintf(im->yaml, ", type: %s", type);
    if (in != -2) {
        fputs(", input: ", im->yaml);
        put_quoted(im->yaml, layer_ref(im, in));
    }
    return BASE_OK;
}

/* Writes ", bias: true}" or ", bias: false}" ending a conv/fc line, remembering where the
 * value sits so that a later bias Add or BatchNormalization can set it (bias_set). */
static void put_bias(importer *im, int has_bias)
{
    fputs(", bias: ", im->yaml);
    fflush(im->yaml);
    im->bias_at[im->n_layers - 1] = has_bias ? -1 : ftell(im->yaml);
    fputs(has_bias ? "true}\n" : "false}\n", im->yaml);
}

/* Records that conv/fc layer `layer` gets a bias; apply_bias_folds writes it once the text
 * is final. 0 when layer is no conv/fc (nothing to fold into). */
static int bias_set(importer *im, int layer)
{
    if (layer < 0 || !im->weights[layer])
        return 0;
    im->bias_fold[layer] = 1;
    return 1;
}

/* Closes the YAML stream (after which the text buffer is ours, POSIX open_memstream) and
 * turns each folded layer's "false" into "true " (same length, still YAML). */
static base_status apply_bias_folds(importer *im)
{
    int bad = fclose(im->yaml) != 0;
    im->yaml = NULL;
    if (bad || !im->text)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    for (size_t k = 0; k < im->n_layers; k++)
        if (im->bias_fold[k] && im->bias_at[k] >= 0)
            memcpy(im->text + im->bias_at[k], "true ", 5);
    return BASE_OK;
}

static int64_t attr_int(const net_onnx_node *nd, const char *name, int64_t dflt)
{
    const net_onnx_attr *a = net_onnx_attr_find(nd, name);
    return a && a->has_i ? a->i : dflt;
}

/* All n_ints of attribute name equal (or absent: dflt) -> *v; else an error naming the node. */
static base_status attr_uniform(const importer *im, const net_onnx_node *nd, const char *name,
                                int64_t dflt, int64_t *v)
{
    const net_onnx_attr *a = net_onnx_attr_find(nd, name);
    *v = dflt;
    if (!a || a->n_ints == 0)
        return BASE_OK;
    *v = a->ints[0];
    for (size_t i = 1; i < a->n_ints; i++)
        if (a->ints[i] != *v)
            return BASE_ERROR(BASE_EUNSUPPORTED,
                              "%s: node '%s' (%s): unequal %s are not supported (apsim layers have "
                              "one value for both axes)",
                              im->g->path, nd->name, nd->op_type, name);
    if (*v < 0 || *v > 1024)
        return BASE_ERROR(BASE_ERANGE, "%s: node '%s': %s %lld out of range", im->g->path, nd->name,
                          name, (long long)*v);
    return BASE_OK;
}

/* The data input value (a layer or the network input) of node input i. */
static base_status data_input(const importer *im, const net_onnx_node *nd, size_t i,
                              const value **out)
{
    const value *v = i < nd->n_inputs ? lookup(im, nd->inputs[i]) : NULL;
    if (!v || v->layer == -2)
        return BASE_ERROR(BASE_ESHAPE,
                          "%s: node '%s' (%s): input %zu '%s' is not produced by an "
                          "earlier node or the graph input",
                          im->g->path, nd->name, nd->op_type, i,
                          i < nd->n_inputs ? nd->inputs[i] : "");
    *out = v;
    return BASE_OK;
}

static base_status weight_input(const importer *im, const net_onnx_node *nd, size_t i, int rank,
                                const value **out)
{
    const value *v = i < nd->n_inputs ? lookup(im, nd->inputs[i]) : NULL;
    if (!v || !v->init)
        return BASE_ERROR(BASE_EUNSUPPORTED,
                          "%s: node '%s' (%s): input %zu must be a constant weight initializer",
                          im->g->path, nd->name, nd->op_type, i);
    if (v->init->n_dims != rank)
        return BASE_ERROR(BASE_EUNSUPPORTED,
                          "%s: node '%s' (%s): weight '%s' has %d dimensions, "
                          "apsim takes %d",
                          im->g->path, nd->name, nd->op_type, v->init->name, v->init->n_dims, rank);
    *out = v;
    return BASE_OK;
}

/* Integer width of the optional zero-point input i (type decides the quantized width). */
static unsigned zp_bits(const importer *im, const net_onnx_node *nd, size_t i, unsigned dflt)
{
    const value *v = i < nd->n_inputs && *nd->inputs[i] ? lookup(im, nd->inputs[i]) : NULL;
    return v && v->init ? int_bits(v->init->dtype) : dflt;
}

static unsigned wbits_of(const value *w)
{
    return w->bits ? w->bits : int_bits(w->init->dtype);
}

/* Clip as a relu: min constant 0 (opset >= 11: input 1; older: attribute min); any max. */
static int clip_is_relu(const importer *im, const net_onnx_node *nd)
{
    const net_onnx_attr *a = net_onnx_attr_find(nd, "min");
    if (a)
        return a->has_f && a->f == 0.0;
    const value *v = nd->n_inputs > 1 && *nd->inputs[1] ? lookup(im, nd->inputs[1]) : NULL;
    const net_tensor *t = v ? v->init : NULL;
    if (!t || t->n_elems != 1)
        return 0;
    return t->ival ? t->ival[0] == 0 : t->fval[0] == 0.0;
}

/* Reshape's target when it is a flatten: a constant 2-element integer shape whose first
 * entry keeps the batch (0, 1 or the input's N) and whose second is -1 or positive (checked
 * against C*H*W once shapes are inferred, check_weights). NULL otherwise. */
static const net_tensor *reshape_target(const importer *im, const net_onnx_node *nd)
{
    const value *v = nd->n_inputs > 1 && *nd->inputs[1] ? lookup(im, nd->inputs[1]) : NULL;
    const net_tensor *t = v ? v->init : NULL;
    if (!t || !t->ival || t->n_elems != 2)
        return NULL;
    int64_t n = im->g->input_dims[0][0] > 0 ? im->g->input_dims[0][0] : 1;
    if (t->ival[0] != 0 && t->ival[0] != 1 && t->ival[0] != n)
        return NULL;
    if (t->ival[1] != -1 && t->ival[1] < 1)
        return NULL;
    return t;
}

static base_status lower_node(importer *im, const net_onnx_node *nd)
{
    const char *op = nd->op_type, *path = im->g->path;
    const value *x = NULL, *w = NULL;
    base_status st;
    int layer = (int)im->n_layers;
    unsigned out_bits = 0;
    if (nd->n_outputs < 1)
        return BASE_ERROR(BASE_EPARSE, "%s: node '%s' has no output", path, nd->name);
    const net_onnx_attr *autopad = net_onnx_attr_find(nd, "auto_pad");
    if (autopad && autopad->s && strcmp(autopad->s, "NOTSET") != 0 &&
        strcmp(autopad->s, "VALID") != 0)
        return BASE_ERROR(BASE_EUNSUPPORTED,
                          "%s: node '%s' (%s): auto_pad %s is not supported (give "
                          "explicit pads)",
                          path, nd->name, nd->op_type, autopad->s);
    if (!strcmp(op, "QuantizeLinear") || !strcmp(op, "DequantizeLinear") ||
        !strcmp(op, "Identity") || !strcmp(op, "Dropout") || !strcmp(op, "BatchNormalization") ||
        !strcmp(op, "Cast")) {
        const value *v = nd->n_inputs ? lookup(im, nd->inputs[0]) : NULL;
        if (!v)
            return BASE_ERROR(BASE_ESHAPE, "%s: node '%s' (%s): input is not produced earlier",
                              path, nd->name, op);
        unsigned bits = v->bits;
        /* BatchNormalization after a conv/fc folds into it: scale into the weights, shift
         * into a per-channel bias (no MACs); elsewhere it is passed through unmodelled. */
        if (!strcmp(op, "BatchNormalization"))
            bias_set(im, v->layer);
        if (!strcmp(op, "QuantizeLinear"))
            bits = zp_bits(im, nd, 2, 8); /* uint8 when the zero point is omitted */
        else if (!strcmp(op, "DequantizeLinear") && v->init)
            bits = int_bits(v->init->dtype);
        put_value(im, nd->outputs[0], v->layer, v->init, bits);
        return BASE_OK;
    }
    int is_conv = !strcmp(op, "Conv") || !strcmp(op, "ConvInteger") || !strcmp(op, "QLinearConv");
    int is_fc = !strcmp(op, "Gemm") || !strcmp(op, "MatMul") || !strcmp(op, "MatMulInteger") ||
                !strcmp(op, "QLinearMatMul");
    if (is_conv || is_fc) {
        int qlin = op[0] == 'Q', integer = strstr(op, "Integer") != NULL;
        if ((st = data_input(im, nd, 0, &x)) != BASE_OK ||
            (st = weight_input(im, nd, qlin ? 3 : 1, is_conv ? 4 : 2, &w)) != BASE_OK)
            return st;
        unsigned a_bits = qlin      ? zp_bits(im, nd, 2, 8)
                          : integer ? zp_bits(im, nd, 2, x->bits)
                                    : x->bits;
        unsigned w_bits = qlin ? zp_bits(im, nd, 5, wbits_of(w)) : wbits_of(w);
        if (is_conv) {
            int64_t s, p, dil;
            if ((st = attr_uniform(im, nd, "strides", 1, &s)) != BASE_OK ||
                (st = attr_uniform(im, nd, "pads", 0, &p)) != BASE_OK ||
                (st = attr_uniform(im, nd, "dilations", 1, &dil)) != BASE_OK)
                return st;
            if (dil != 1)
                return BASE_ERROR(BASE_EUNSUPPORTED, "%s: node '%s' (%s): dilated convolution",
                                  path, nd->name, op);
            int has_bias = qlin ? nd->n_inputs > 8 && *nd->inputs[8]
                                : !integer && nd->n_inputs > 2 && *nd->inputs[2];
            if ((st = begin_layer(im, nd, "conv", x->layer, w->init, w_bits, a_bits)) != BASE_OK)
                return st;
            fprintf(im->yaml, ", out: %lld, kernel: [%lld, %lld], stride: %lld, pad: %lld",
                    (long long)w->init->dims[0], (long long)w->init->dims[2],
                    (long long)w->init->dims[3], (long long)s, (long long)p);
            fprintf(im->yaml, ", groups: %lld", (long long)attr_int(nd, "group", 1));
            put_bias(im, has_bias);
        } else {
            int trans = !strcmp(op, "Gemm") && attr_int(nd, "transB", 0);
            if (!strcmp(op, "Gemm") && attr_int(nd, "transA", 0))
                return BASE_ERROR(BASE_EUNSUPPORTED, "%s: node '%s' (Gemm): transA", path,
                                  nd->name);
            int has_bias = (!strcmp(op, "Gemm") && nd->n_inputs > 2 && *nd->inputs[2]);
            if ((st = begin_layer(im, nd, "fc", x->layer, w->init, w_bits, a_bits)) != BASE_OK)
                return st;
            fprintf(im->yaml, ", out: %lld", (long long)w->init->dims[trans ? 0 : 1]);
            put_bias(im, has_bias);
        }
        out_bits = qlin ? zp_bits(im, nd, 7, 8) : integer ? 32 : 0;
    } else if (!strcmp(op, "Relu") || !strcmp(op, "Clip")) {
        if (!strcmp(op, "Clip") && !clip_is_relu(im, nd))
            return BASE_ERROR(BASE_EUNSUPPORTED,
                              "%s: node '%s' (Clip): only a constant min of 0 is supported "
                              "(a relu; max saturation is not modelled)",
                              path, nd->name);
        if ((st = data_input(im, nd, 0, &x)) != BASE_OK ||
            (st = begin_layer(im, nd, "relu", x->layer, NULL, 0, x->bits)) != BASE_OK)
            return st;
        fputs("}\n", im->yaml);
        out_bits = x->bits;
    } else if (!strcmp(op, "MaxPool") || !strcmp(op, "AveragePool")) {
        const net_onnx_attr *ks = net_onnx_attr_find(nd, "kernel_shape");
        int64_t s, p;
        if ((st = data_input(im, nd, 0, &x)) != BASE_OK)
            return st;
        if (!ks || ks->n_ints != 2 || ks->ints[0] < 1 || ks->ints[1] < 1 || ks->ints[0] > 1024 ||
            ks->ints[1] > 1024)
            return BASE_ERROR(BASE_EUNSUPPORTED, "%s: node '%s' (%s): needs a 2-D kernel_shape",
                              path, nd->name, op);
        if (attr_int(nd, "ceil_mode", 0) || attr_int(nd, "storage_order", 0))
            return BASE_ERROR(BASE_EUNSUPPORTED, "%s: node '%s' (%s): ceil_mode/storage_order",
                              path, nd->name, op);
        if ((st = attr_uniform(im, nd, "strides", 1, &s)) != BASE_OK ||
            (st = attr_uniform(im, nd, "pads", 0, &p)) != BASE_OK)
            return st;
        if ((st = begin_layer(im, nd, op[0] == 'M' ? "maxpool" : "avgpool", x->layer, NULL, 0,
                              x->bits)) != BASE_OK)
            return st;
        fprintf(im->yaml, ", kernel: [%lld, %lld], stride: %lld, pad: %lld}\n",
                (long long)ks->ints[0], (long long)ks->ints[1], (long long)s, (long long)p);
        out_bits = x->bits;
    } else if (!strcmp(op, "GlobalAveragePool")) {
        if ((st = data_input(im, nd, 0, &x)) != BASE_OK ||
            (st = begin_layer(im, nd, "avgpool", x->layer, NULL, 0, x->bits)) != BASE_OK)
            return st;
        fputs(", global: true}\n", im->yaml);
        out_bits = x->bits;
    } else if (!strcmp(op, "Flatten") || !strcmp(op, "Reshape")) {
        const net_tensor *shape = NULL;
        if (!strcmp(op, "Reshape") && !(shape = reshape_target(im, nd)))
            return BASE_ERROR(BASE_EUNSUPPORTED,
                              "%s: node '%s' (Reshape): only a constant target [N, -1] or "
                              "[N, C*H*W] (a flatten) is supported",
                              path, nd->name);
        if ((st = data_input(im, nd, 0, &x)) != BASE_OK ||
            (st = begin_layer(im, nd, "flatten", x->layer, NULL, 0, x->bits)) != BASE_OK)
            return st;
        im->reshape[layer] = shape;
        fputs("}\n", im->yaml);
        out_bits = x->bits;
    } else if (!strcmp(op, "Add")) {
        const value *a = nd->n_inputs == 2 ? lookup(im, nd->inputs[0]) : NULL;
        const value *b = nd->n_inputs == 2 ? lookup(im, nd->inputs[1]) : NULL;
        if (!a || !b)
            return BASE_ERROR(BASE_ESHAPE, "%s: node '%s' (Add): inputs are not produced earlier",
                              path, nd->name);
        if (a->init || b->init) { /* a bias add: folded into its conv/fc producer */
            const value *d = a->init ? b : a;
            if (!bias_set(im, d->layer))
                return BASE_ERROR(BASE_EUNSUPPORTED,
                                  "%s: node '%s' (Add): a constant is only supported as the bias "
                                  "of a conv/fc",
                                  path, nd->name);
            put_value(im, nd->outputs[0], d->layer, d->init, d->bits);
            return BASE_OK;
        }
        if ((st = begin_layer(im, nd, "add", -2, NULL, 0, a->bits)) != BASE_OK)
            return st;
        fputs(", inputs: [", im->yaml);
        put_quoted(im->yaml, layer_ref(im, a->layer));
        fputs(", ", im->yaml);
        put_quoted(im->yaml, layer_ref(im, b->layer));
        fputs("]}\n", im->yaml);
        out_bits = a->bits > b->bits ? a->bits : b->bits;
    } else {
        return BASE_ERROR(BASE_EUNSUPPORTED, "%s: node '%s': unsupported ONNX operator '%s'", path,
                          nd->name, op);
    }
    put_value(im, nd->outputs[0], layer, NULL, out_bits);
    return BASE_OK;
}

static void importer_clear(importer *im)
{
    for (size_t i = 0; i < im->n_layers; i++)
        base_free(im->names[i]);
    base_free(im->names);
    base_free(im->nodes);
    base_free(im->weights);
    base_free(im->w_bits);
    base_free(im->a_bits);
    base_free(im->bias_at);
    base_free(im->bias_fold);
    base_free(im->reshape);
    base_free(im->vals);
    if (im->yaml)
        fclose(im->yaml);
    free(im->text);
}

static base_status import_graph(const net_onnx_graph *g, importer *im)
{
    memset(im, 0, sizeof *im);
    im->g = g;
    size_t nn = g->n_nodes + 1, nv = g->n_inits + g->n_inputs + g->n_nodes + 1;
    im->vals = base_calloc(nv, sizeof *im->vals);
    im->names = base_calloc(nn, sizeof *im->names);
    im->nodes = base_calloc(nn, sizeof *im->nodes);
    im->weights = base_calloc(nn, sizeof *im->weights);
    im->w_bits = base_calloc(nn, sizeof *im->w_bits);
    im->a_bits = base_calloc(nn, sizeof *im->a_bits);
    im->bias_at = base_calloc(nn, sizeof *im->bias_at);
    im->bias_fold = base_calloc(nn, sizeof *im->bias_fold);
    im->reshape = base_calloc(nn, sizeof *im->reshape);
    im->yaml = open_memstream(&im->text, &im->text_len);
    if (!im->vals || !im->names || !im->nodes || !im->weights || !im->w_bits || !im->a_bits ||
        !im->bias_at || !im->bias_fold || !im->reshape || !im->yaml)
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    if (g->n_inputs < 1 || g->input_n_dims[0] < 0)
        return BASE_ERROR(BASE_ESHAPE, "%s: the graph input's shape is not declared", g->path);
    const int64_t *d = g->input_dims[0];
    int64_t c, h = 1, w = 1;
    if (g->input_n_dims[0] == 4) {
        c = d[1];
        h = d[2];
        w = d[3];
    } else if (g->input_n_dims[0] == 2) {
        c = d[1];
    } else {
        return BASE_ERROR(BASE_EUNSUPPORTED,
                          "%s: graph input '%s' has %d dimensions (apsim takes "
                          "N x C x H x W or N x F)",
                          g->path, g->inputs[0], g->input_n_dims[0]);
    }
    if (c < 1 || h < 1 || w < 1 || c > (1 << 20) || h > (1 << 16) || w > (1 << 16))
        return BASE_ERROR(BASE_ESHAPE, "%s: graph input '%s' has no usable fixed shape", g->path,
                          g->inputs[0]);
    for (size_t i = 0; i < g->n_inits; i++)
        put_value(im, g->inits[i].name, -2, &g->inits[i], 0);
    put_value(im, g->inputs[0], -1, NULL, int_bits(g->input_dtypes[0]));
    fprintf(im->yaml, "name: ");
    const char *base = strrchr(g->path, '/');
    put_quoted(im->yaml, base ? base + 1 : g->path);
    fprintf(im->yaml, "\ninput: {channels: %lld, height: %lld, width: %lld}\nlayers:\n",
            (long long)c, (long long)h, (long long)w);
    base_status st = BASE_OK;
    for (size_t i = 0; i < g->n_nodes && st == BASE_OK; i++)
        st = lower_node(im, &g->nodes[i]);
    if (st == BASE_OK && im->n_layers == 0)
        return BASE_ERROR(BASE_ESHAPE, "%s: the model has no layer apsim models", g->path);
    if (st == BASE_OK)
        st = apply_bias_folds(im);
    return st;
}

/* Checks the ONNX weight shapes against the layers the YAML loader inferred. */
static base_status check_weights(const importer *im, const net_network *net)
{
    for (size_t i = 0; i < net->n_layers && i < im->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        const net_tensor *rs = im->reshape[i];
        if (rs && rs->ival[1] > 0 && rs->ival[1] != (int64_t)l->c_out)
            return BASE_ERROR(BASE_EUNSUPPORTED,
                              "%s: node '%s' (Reshape): target [%lld, %lld] is no flatten of "
                              "the %d x %d x %d input",
                              im->g->path, im->nodes[i]->name, (long long)rs->ival[0],
                              (long long)rs->ival[1], l->c_in, l->h_in, l->w_in);
        const net_tensor *wt = im->weights[i];
        if (!wt)
            continue;
        int64_t k = l->kind == NET_CONV ? wt->dims[1]
                    : !strcmp(im->nodes[i]->op_type, "Gemm") && attr_int(im->nodes[i], "transB", 0)
                        ? wt->dims[1]
                        : wt->dims[0];
        int64_t want = l->c_in / l->groups;
        if (k != want)
            return BASE_ERROR(BASE_ESHAPE,
                              "%s: node '%s' (%s): weight '%s' expects %lld input "
                              "channels, the inferred input has %lld",
                              im->g->path, im->nodes[i]->name, im->nodes[i]->op_type, wt->name,
                              (long long)k, (long long)want);
    }
    return BASE_OK;
}

static base_status load_both(const char *path, net_onnx_graph **g, importer *im, net_network **out)
{
    *out = NULL;
    memset(im, 0, sizeof *im);
    base_status st = net_onnx_graph_load(path, g);
    if (st == BASE_OK)
        st = import_graph(*g, im);
    if (st == BASE_OK)
        st = net_load_string(path, im->text, im->text_len, out);
    if (st == BASE_OK && (*out)->n_layers != im->n_layers)
        st = BASE_ERROR(BASE_ESHAPE, "%s: layer count mismatch after import", path);
    if (st == BASE_OK)
        st = check_weights(im, *out);
    if (st != BASE_OK) {
        net_free(*out);
        *out = NULL;
    }
    return st;
}

base_status net_onnx_load(const char *path, net_network **out)
{
    net_onnx_graph *g = NULL;
    importer im;
    base_status st = load_both(path, &g, &im, out);
    importer_clear(&im);
    net_onnx_graph_free(g);
    return st;
}

base_status net_onnx_bitcfg(const net_network *net, net_bitcfg **out)
{
    *out = NULL;
    if (!net->path)
        return BASE_ERROR(BASE_EINVAL, "bits 'onnx': the network was not loaded from a file");
    size_t len = strlen(net->path);
    if (len < 5 || strcmp(net->path + len - 5, ".onnx") != 0)
        return BASE_ERROR(BASE_EINVAL, "bits 'onnx' needs an ONNX model, not '%s'", net->path);
    net_onnx_graph *g = NULL;
    importer im;
    net_network *again = NULL;
    base_status st = load_both(net->path, &g, &im, &again);
    char *text = NULL;
    size_t text_len = 0;
    FILE *fp = NULL;
    if (st == BASE_OK && again->n_layers != net->n_layers)
        st = BASE_ERROR(BASE_EINVAL, "bits 'onnx': %s changed since it was loaded", net->path);
    if (st == BASE_OK && !(fp = open_memstream(&text, &text_len)))
        st = BASE_ERROR(BASE_ENOMEM, "out of memory");
    if (st == BASE_OK) {
        fputs("name: onnx\nlayers:\n", fp);
        for (size_t i = 0; i < im.n_layers && st == BASE_OK; i++) {
            if (!net_kind_has_weights(net->layers[i].kind))
                continue;
            unsigned wb = im.w_bits[i], ab = im.a_bits[i];
            if (wb < 1 || wb > 16 || ab < 1 || ab > 16) {
                st = BASE_ERROR(BASE_EINVAL,
                                "bits 'onnx': layer '%s' has no integer weights and input "
                                "(w %u, a %u bits): a float model; give --bits",
                                im.names[i], wb, ab);
                break;
            }
            fputs("  ", fp);
            put_quoted(fp, im.names[i]);
            fprintf(fp, ": {w: %u, a: %u}\n", wb, ab);
        }
    }
    if (fp)
        fclose(fp);
    if (st == BASE_OK)
        st = net_bitcfg_load_string("onnx", text, text_len, net, out);
    free(text);
    net_free(again);
    importer_clear(&im);
    net_onnx_graph_free(g);
    return st;
}
