/* net_onnx_pattern.c - the decomposed hard activations older exporters write (PyTorch before
 * opset 14 exports nn.Hardswish as x * Clip(x + 3, 0, 6) / 6 and nn.Hardsigmoid as
 * Clip(x + 3, 0, 6) / 6; Howard et al., "Searching for MobileNetV3", ICCV 2019, defines
 * h-swish(x) = x relu6(x + 3) / 6), recognised in the importer's one pass and emitted as one
 * hardswish or hardsigmoid layer (docs/ONNX.md). Each node that continues a pattern turns its
 * output into a pending value; the node that completes it emits the layer. A pending value read
 * by anything else is an error naming both nodes, except a complete hard-sigmoid, which then
 * becomes a layer of its own. Constants may be initializers or Constant nodes (folded into
 * constant values before this pass sees them, net_onnx_fold.c). Operator semantics:
 * onnx.ai/onnx/operators. */
#include <math.h>
#include <string.h>

#include "networks/net_impl.h"

/* How far a pending value has come. */
typedef enum pend_stage {
    PEND_PLUS3 = 1, /* x + 3 */
    PEND_RELU6,     /* Clip(x + 3, 0, 6) */
    PEND_HSIG,      /* Clip(x + 3, 0, 6) / 6: a complete hard-sigmoid */
    PEND_XRELU6     /* x * Clip(x + 3, 0, 6) */
} pend_stage;

typedef struct pend {
    const char *tensor;
    pend_stage stage;
    net_onnx_value x;          /* the pattern's input */
    const net_onnx_node *from; /* the Add that started it */
    const net_onnx_node *last; /* the node that made this value */
    size_t root;               /* the entry it aliases (a pass-through), else itself */
    int layer;                 /* a materialized hard-sigmoid's layer, else -3 */
} pend;

struct net_onnx_patterns {
    const net_onnx_graph *g;
    pend *p;
    size_t n, cap;
};

base_status net_onnx_patterns_new(const net_onnx_graph *g, net_onnx_patterns **out)
{
    net_onnx_patterns *pat = base_calloc(1, sizeof *pat);
    size_t n = g->n_nodes + 1;
    if (pat)
        pat->p = base_calloc(n, sizeof *pat->p);
    if (!pat || !pat->p) {
        net_onnx_patterns_free(pat);
        return BASE_ERROR(BASE_ENOMEM, "out of memory");
    }
    pat->g = g;
    pat->cap = g->n_nodes + 1;
    *out = pat;
    return BASE_OK;
}

void net_onnx_patterns_free(net_onnx_patterns *pat)
{
    if (pat)
        base_free(pat->p);
    base_free(pat);
}

static pend *find_pend(net_onnx_patterns *pat, const char *tensor)
{
    for (size_t i = pat->n; i-- > 0;)
        if (!strcmp(pat->p[i].tensor, tensor))
            return &pat->p[i];
    return NULL;
}

int net_onnx_pattern_pending(net_onnx_patterns *pat, const char *tensor)
{
    return pat && find_pend(pat, tensor) != NULL;
}

static void add_pend(net_onnx_patterns *pat, const char *tensor, pend_stage stage,
                     const net_onnx_value *x, const net_onnx_node *from, const net_onnx_node *last)
{
    if (pat->n >= pat->cap)
        return; /* one entry per node at most: never reached */
    pat->p[pat->n] = (pend){tensor, stage, *x, from, last, pat->n, -3};
    pat->n++;
}

static int is_op(const net_onnx_node *nd, const char *op)
{
    return !strcmp(nd->op_type, op);
}

/* ---- Constants ------------------------------------------------------------------------------ */
/* The value of a scalar constant (an initializer, or a value bound to a constant) -> *v; 0
 * when tensor is no scalar constant. */
static int scalar_of(const net_onnx_importer *im, const char *tensor, double *v)
{
    const net_onnx_value *val = *tensor ? net_onnx_lookup(im, tensor) : NULL;
    const net_tensor *t = val ? val->init : NULL;
    if (!t || t->n_elems != 1)
        return 0;
    *v = t->ival ? (double)t->ival[0] : t->fval[0];
    return 1;
}

static int near(double v, double want)
{
    return fabs(v - want) <= 1e-6 * (fabs(want) > 1 ? fabs(want) : 1);
}

/* Input i of nd is the scalar constant want. */
static int input_is(const net_onnx_importer *im, const net_onnx_node *nd, size_t i, double want)
{
    double v;
    return i < nd->n_inputs && scalar_of(im, nd->inputs[i], &v) && near(v, want);
}

/* Clip(p, 0, 6): bounds as inputs 1 and 2 (opset >= 11) or attributes min and max. */
static int clip_0_6(const net_onnx_importer *im, const net_onnx_node *nd)
{
    const net_onnx_attr *lo = net_onnx_attr_find(nd, "min"), *hi = net_onnx_attr_find(nd, "max");
    if (lo || hi)
        return lo && hi && lo->has_f && hi->has_f && near(lo->f, 0) && near(hi->f, 6);
    return input_is(im, nd, 1, 0) && input_is(im, nd, 2, 6);
}

/* ---- The patterns --------------------------------------------------------------------------- */
static base_status partial(const net_onnx_importer *im, const net_onnx_node *nd, const pend *p,
                           const char *expected)
{
    return base_error_at(BASE_EUNSUPPORTED, net_onnx_graph_of(im)->path, 0, 0,
                         "node '%s' (%s): reads '%s', part of the hard-swish/hard-sigmoid "
                         "pattern started at node '%s' (Add of 3), where %s is expected",
                         nd->name, nd->op_type, p->tensor, p->from->name, expected);
}

/* Emits the pattern's layer of kind, named after nd, reading x; binds nd's output to it. */
static base_status emit_act(net_onnx_importer *im, const net_onnx_node *nd, net_kind kind,
                            const net_onnx_value *x, int *layer)
{
    net_onnx_lowered lw = {.emit = 1};
    lw.spec.kind = kind;
    lw.spec.n_inputs = 1;
    lw.spec.inputs[0] = x->layer;
    lw.spec.kh = lw.spec.kw = lw.spec.stride = lw.spec.groups = 1;
    lw.a_bits = lw.out_bits = x->bits;
    return net_onnx_emit(im, nd, &lw, layer);
}

/* A complete hard-sigmoid read by node nd outside a pattern: its layer (made once), bound to
 * the tensor nd reads. */
static base_status materialize(net_onnx_importer *im, net_onnx_patterns *pat, pend *p)
{
    pend *root = &pat->p[p->root];
    base_status st = BASE_OK;
    if (root->layer == -3)
        st = emit_act(im, root->last, NET_HARDSIGMOID, &root->x, &root->layer);
    if (st == BASE_OK && strcmp(p->tensor, root->last->outputs[0]) != 0) {
        net_onnx_value v = {p->tensor, root->layer, NULL, root->x.bits};
        net_onnx_pass(im, p->tensor, &v);
    }
    return st;
}

/* Operand index (0 or 1) of a two-input node that is the pending tensor p, the other being
 * *other; -1 when neither is. */
static int pend_side(const net_onnx_node *nd, const pend *p)
{
    for (int i = 0; i < 2 && (size_t)i < nd->n_inputs; i++)
        if (!strcmp(nd->inputs[i], p->tensor))
            return i;
    return -1;
}

/* The other operand of a Mul is the pattern's x (the same producing layer). */
static int other_is_x(const net_onnx_importer *im, const net_onnx_node *nd, int side, const pend *p)
{
    const net_onnx_value *v = nd->n_inputs == 2 ? net_onnx_lookup(im, nd->inputs[1 - side]) : NULL;
    return v && v->layer != -2 && v->layer == p->x.layer;
}

/* A division by 6: Div(p, 6) or Mul by 1/6 on either side. */
static int by_six(const net_onnx_importer *im, const net_onnx_node *nd, int side)
{
    if (nd->n_inputs != 2)
        return 0;
    if (is_op(nd, "Div"))
        return side == 0 && input_is(im, nd, 1, 6);
    return is_op(nd, "Mul") && input_is(im, nd, (size_t)(1 - side), 1.0 / 6.0);
}

/* Node nd reads pending value p (operand side): continues, completes or breaks the pattern. */
static base_status advance(net_onnx_importer *im, net_onnx_patterns *pat, const net_onnx_node *nd,
                           pend *p, int side, int *handled)
{
    static const char *const pass[] = {"QuantizeLinear", "DequantizeLinear", "Identity",
                                       "Cast",           "Dropout",          NULL};
    for (const char *const *o = pass; *o; o++)
        if (is_op(nd, *o) && side == 0) { /* a pass-through: the same pending value */
            add_pend(pat, nd->outputs[0], p->stage, &p->x, p->from, p->last);
            pat->p[pat->n - 1].root = p->root;
            *handled = 1;
            return BASE_OK;
        }
    *handled = 1;
    switch (p->stage) {
    case PEND_PLUS3:
        if (!is_op(nd, "Clip") || side != 0 || !clip_0_6(im, nd))
            return partial(im, nd, p, "Clip(0, 6)");
        add_pend(pat, nd->outputs[0], PEND_RELU6, &p->x, p->from, nd);
        return BASE_OK;
    case PEND_RELU6:
        if (by_six(im, nd, side)) {
            add_pend(pat, nd->outputs[0], PEND_HSIG, &p->x, p->from, nd);
            return BASE_OK;
        }
        if (!is_op(nd, "Mul") || !other_is_x(im, nd, side, p))
            return partial(im, nd, p, "a Div by 6, a Mul by 1/6 or a Mul by the pattern's input");
        add_pend(pat, nd->outputs[0], PEND_XRELU6, &p->x, p->from, nd);
        return BASE_OK;
    case PEND_XRELU6:
        if (!by_six(im, nd, side))
            return partial(im, nd, p, "a Div by 6 or a Mul by 1/6");
        return emit_act(im, nd, NET_HARDSWISH, &p->x, NULL);
    case PEND_HSIG:
        if (is_op(nd, "Mul") && other_is_x(im, nd, side, p))
            return emit_act(im, nd, NET_HARDSWISH, &p->x, NULL);
        *handled = 0; /* any other reader: a hard-sigmoid layer, then the node as usual */
        return materialize(im, pat, p);
    }
    return BASE_OK;
}

/* A node no pending value reaches: an Add of x and 3 starts a pattern; a Div by a constant
 * outside one is refused by name. */
static base_status start(net_onnx_importer *im, net_onnx_patterns *pat, const net_onnx_node *nd,
                         int *handled)
{
    const net_onnx_graph *g = net_onnx_graph_of(im);
    if (nd->n_inputs != 2 || nd->n_outputs < 1)
        return BASE_OK;
    double v;
    int c = scalar_of(im, nd->inputs[1], &v) ? 1 : scalar_of(im, nd->inputs[0], &v) ? 0 : -1;
    if (c < 0)
        return BASE_OK;
    if (is_op(nd, "Div"))
        return base_error_at(BASE_EUNSUPPORTED, g->path, 0, 0,
                             "node '%s' (Div): a division by a constant is only supported as "
                             "the / 6 of a hard-swish or hard-sigmoid pattern",
                             nd->name);
    if (is_op(nd, "Mul"))
        return base_error_at(BASE_EUNSUPPORTED, g->path, 0, 0,
                             "node '%s' (Mul): a product with a constant is not supported "
                             "(only within a hard-swish or hard-sigmoid pattern)",
                             nd->name);
    const net_onnx_value *x = net_onnx_lookup(im, nd->inputs[1 - c]);
    if (!is_op(nd, "Add") || !near(v, 3) || !x || x->layer == -2)
        return BASE_OK;
    add_pend(pat, nd->outputs[0], PEND_PLUS3, x, nd, nd);
    *handled = 1;
    return BASE_OK;
}

base_status net_onnx_pattern_node(net_onnx_importer *im, net_onnx_patterns *pat,
                                  const net_onnx_node *nd, int *handled)
{
    *handled = 0;
    for (size_t i = 0; i < nd->n_inputs; i++) {
        pend *p = *nd->inputs[i] ? find_pend(pat, nd->inputs[i]) : NULL;
        if (!p)
            continue;
        int side = pend_side(nd, p);
        base_status st = advance(im, pat, nd, p, side < 0 ? (int)i : side, handled);
        if (st != BASE_OK || *handled)
            return st;
    }
    return start(im, pat, nd, handled);
}

base_status net_onnx_pattern_finish(net_onnx_importer *im, net_onnx_patterns *pat)
{
    const net_onnx_graph *g = net_onnx_graph_of(im);
    for (size_t o = 0; o < g->n_outputs; o++) {
        pend *p = find_pend(pat, g->outputs[o]);
        if (!p)
            continue;
        if (p->stage != PEND_HSIG)
            return base_error_at(BASE_EUNSUPPORTED, g->path, 0, 0,
                                 "graph output '%s' ends the hard-swish/hard-sigmoid pattern "
                                 "started at node '%s' (Add of 3) before it completes",
                                 p->tensor, p->from->name);
        base_status st = materialize(im, pat, p);
        if (st != BASE_OK)
            return st;
    }
    return BASE_OK;
}
