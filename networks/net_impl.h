/* net_impl.h - private to networks/: the layer-kind table (one row per net_kind: operand count,
 * YAML keys and reader, ONNX operators and lowering, shape rule) and the services its rows use
 * from the builder (net_builder.c), the YAML loader (net_load.c) and the ONNX importer
 * (net_onnx_import.c). Not installed; other folders use networks/net.h only. */
#ifndef NET_IMPL_H
#define NET_IMPL_H

#include "cfg/cfg.h"
#include "networks/net.h"

/* Where errors about a layer point: the network's file, the spec's line and column. */
typedef struct net_at {
    const char *file;
    long line, col;
} net_at;

/* ---- ONNX import services (net_onnx_import.c) ------------------------------------------ */
typedef struct net_onnx_importer net_onnx_importer;

/* What a tensor name stands for while walking the graph. */
typedef struct net_onnx_value {
    const char *tensor; /* borrowed from the graph */
    int layer;          /* producing layer, -1 = network input, -2 = none (an initializer) */
    const net_tensor *init;
    unsigned bits; /* integer width it is stored at (0 = float / unknown) */
} net_onnx_value;

/* What a kind's ONNX lowering makes of a node. */
typedef struct net_onnx_lowered {
    int emit;                 /* 0: the node folded away (the lowering passed its output on) */
    net_layer_spec spec;      /* the layer (name, line and col are the importer's) */
    const net_tensor *weight; /* conv/fc weight, its input-channel extent checked ... */
    int64_t weight_k;         /* ... against c_in / groups once the shape is inferred */
    unsigned w_bits, a_bits;  /* the layer's bits (0 = not integer) */
    unsigned out_bits;        /* width of its output tensor (0 = float) */
} net_onnx_lowered;

const net_onnx_graph *net_onnx_graph_of(const net_onnx_importer *im);
/* The value tensor names (latest definition), or NULL. */
const net_onnx_value *net_onnx_lookup(const net_onnx_importer *im, const char *tensor);
/* Node input i when it is named (not omitted), else NULL. */
const net_onnx_value *net_onnx_input(const net_onnx_importer *im, const net_onnx_node *nd,
                                     size_t i);
/* Binds a node output to a value (a pass-through or folded node). */
void net_onnx_pass(net_onnx_importer *im, const char *tensor, const net_onnx_value *v);
/* Gives conv/fc layer `layer` a bias; 0 when it is none. */
int net_onnx_fold_bias(net_onnx_importer *im, int layer);
/* Data input i: produced by a layer or the graph input, else BASE_ESHAPE naming the node. */
base_status net_onnx_data_input(const net_onnx_importer *im, const net_onnx_node *nd, size_t i,
                                const net_onnx_value **out);
/* Constant weight input i of the given rank, else BASE_EUNSUPPORTED naming the node. */
base_status net_onnx_weight_input(const net_onnx_importer *im, const net_onnx_node *nd, size_t i,
                                  int rank, const net_onnx_value **out);
/* All entries of integer-list attribute name equal (absent: dflt) -> *v, 0..1024. */
base_status net_onnx_attr_uniform(const net_onnx_importer *im, const net_onnx_node *nd,
                                  const char *name, int64_t dflt, int64_t *v);
int64_t net_onnx_attr_int(const net_onnx_node *nd, const char *name, int64_t dflt);
/* Integer width of the optional zero-point input i (its type is the quantized width). */
unsigned net_onnx_zp_bits(const net_onnx_importer *im, const net_onnx_node *nd, size_t i,
                          unsigned dflt);
/* Shape C x H x W of a data value (a layer's output or the graph input). */
void net_onnx_value_chw(const net_onnx_importer *im, const net_onnx_value *v, int *c, int *h,
                        int *w);
/* Rank of the ONNX tensor layer `layer` (built so far; -1: the graph input) stands for: 2 after
 * a flatten or fc (N x C), 4 after a conv or pool (N x C x H x W); element-wise kinds keep
 * their first operand's. */
int net_onnx_layer_rank(const net_onnx_importer *im, int layer);
/* Integer width of a dtype; 0 for float types. */
unsigned net_onnx_int_bits(int dtype);
/* The ONNX shape of a value (docs/ONNX.md, "Shape inference"): an initializer's or folded
 * constant's dims; the graph input's N x C x H x W (or N x F) at the import's input shape; a
 * layer's N x C x H x W, or N x C after a flatten or fc. N is the import's batch (the given
 * shape's, else the model's fixed one, else 1). */
void net_onnx_value_shape(const net_onnx_importer *im, const net_onnx_value *v, int *n_dims,
                          int64_t dims[NET_TENSOR_DIMS_MAX]);
/* dims as "[1, 3, 224, 224]" into buf. */
void net_onnx_dims_text(const int64_t *dims, int n_dims, char *buf, size_t cap);

/* ---- Constant folding (net_onnx_fold.c) -------------------------------------------------- */
/* Most elements a folded tensor may have (a larger one is BASE_ERANGE). */
#define NET_FOLD_ELEMS_MAX (1L << 20)
/* Most inputs of a node the folder evaluates (Concat may take more: then it is not folded). */
#define NET_MAX_FOLD_INPUTS 16
/* 1 when the folder evaluates operator op on constant inputs. */
int net_onnx_fold_op(const char *op);
/* Evaluates node nd, every input of which is constant: ins[i] (NULL for an omitted optional
 * input; for Shape, input 0 may hold dims only, no data). *out is a new tensor (free with
 * net_tensor_free) named after the node's output. Errors name the node: BASE_EUNSUPPORTED (a
 * form or type not folded), BASE_ESHAPE (shapes that do not agree or broadcast), BASE_ERANGE
 * (an index, axis or size out of range, a division by zero, an integer overflow, a result over
 * NET_FOLD_ELEMS_MAX), BASE_EINVAL (a missing input or attribute), BASE_ENOMEM. */
base_status net_onnx_fold_eval(const char *path, const net_onnx_node *nd,
                               const net_tensor *const *ins, net_tensor **out);

/* Adds the lowered layer of node nd (named after it) and binds nd's first output to it; its
 * index into *layer (NULL: not wanted). The builder's errors. */
base_status net_onnx_emit(net_onnx_importer *im, const net_onnx_node *nd, net_onnx_lowered *lw,
                          int *layer);

/* ---- Decomposed hard activations (net_onnx_pattern.c) ------------------------------------ */
typedef struct net_onnx_patterns net_onnx_patterns;
base_status net_onnx_patterns_new(const net_onnx_graph *g, net_onnx_patterns **out);
void net_onnx_patterns_free(net_onnx_patterns *pat);
/* Runs before a node is lowered: *handled 1 when the node started, continued or completed a
 * hard-swish/hard-sigmoid pattern, 0 when it is lowered as usual (constant folding runs
 * first). BASE_EUNSUPPORTED naming the node for a partial pattern or
 * a Div or Mul by a scalar constant outside one. */
base_status net_onnx_pattern_node(net_onnx_importer *im, net_onnx_patterns *pat,
                                  const net_onnx_node *nd, int *handled);
/* After the last node: a graph output that is a pending pattern (BASE_EUNSUPPORTED unless a
 * complete hard-sigmoid, then made a layer). */
base_status net_onnx_pattern_finish(net_onnx_importer *im, net_onnx_patterns *pat);
/* 1 when tensor is a pattern's pending value (a step of a decomposed hard activation). */
int net_onnx_pattern_pending(net_onnx_patterns *pat, const char *tensor);

/* ---- The table --------------------------------------------------------------------------- */
typedef struct net_kind_row {
    int n_inputs; /* data operands: 1, 2 (YAML `inputs: [a, b]`), or 0: 2..NET_MAX_INPUTS */
    /* 0: all operands must have equal shapes (checked by the builder); 1: the shape rule
     * checks the operands itself (broadcast, concat, matmul). */
    int free_operands;
    const char *const *yaml_keys; /* keys a YAML layer of this kind takes */
    /* Reads the kind's YAML parameters into spec (NULL: none). */
    base_status (*yaml_read)(const cfg_node *m, net_layer_spec *spec);
    const char *const *onnx_ops; /* ONNX operators imported as this kind (NULL-terminated) */
    /* Lowers one such node (op is one of onnx_ops). */
    base_status (*onnx_lower)(net_onnx_importer *im, const net_onnx_node *nd,
                              net_onnx_lowered *out);
    /* Output shape (and window fields) of l from its input shape and spec; net holds the
     * layers so far (the producers of l->inputs, read with net_operand_shape). */
    base_status (*shape)(const net_network *net, net_layer *l, const net_layer_spec *spec,
                         const net_at *at);
} net_kind_row;

/* Shape of operand p of a layer (-1 = the network input). */
void net_operand_shape(const net_network *net, int p, int *c, int *h, int *w);

/* Row of kind k (k in NET_CONV .. NET_KIND_COUNT - 1), else NULL. */
const net_kind_row *net_kind_row_of(net_kind k);
/* The kind whose row imports ONNX operator op, or NET_KIND_COUNT. */
net_kind net_kind_of_onnx_op(const char *op);
/* The kind called name ("conv", ...), or NET_KIND_COUNT; lists the names into known. */
net_kind net_kind_by_name(const char *name, char *known, size_t cap);

/* The rows' functions of concat, resize and matmul (net_kind_tensor.c). */
#define NET_RESIZE_SCALE_MAX 64
extern const char *const net_keys_concat[], *const net_keys_resize[];
extern const char *const net_ops_concat[], *const net_ops_resize[];
base_status net_resize_yaml(const cfg_node *m, net_layer_spec *spec);
base_status net_concat_onnx(net_onnx_importer *im, const net_onnx_node *nd, net_onnx_lowered *out);
base_status net_resize_onnx(net_onnx_importer *im, const net_onnx_node *nd, net_onnx_lowered *out);
base_status net_matmul_onnx(net_onnx_importer *im, const net_onnx_node *nd, net_onnx_lowered *out);
base_status net_concat_shape(const net_network *net, net_layer *l, const net_layer_spec *s,
                             const net_at *at);
base_status net_resize_shape(const net_network *net, net_layer *l, const net_layer_spec *s,
                             const net_at *at);
base_status net_matmul_shape(const net_network *net, net_layer *l, const net_layer_spec *s,
                             const net_at *at);

/* Limits every source shares (YAML ranges, ONNX checks in the builder). */
#define NET_MAX_CHANNELS (1L << 20)
#define NET_MAX_SPATIAL  (1L << 16)
#define NET_MAX_KERNEL   1024L
/* A window's area (kh x kw: a global pool's is its input's), so that every product of it in
 * the planner and the executor stays within an int. */
#define NET_MAX_WINDOW (1L << 24)
/* A network's total MACs and parameters: below 2^56, so that BOPS (at most 16 x 16 bit
 * products per MAC) and model bits (at most 64 bits per parameter) fit 64 bits. */
#define NET_MAX_TOTAL ((UINT64_C(1) << 56) - 1)

/* *out = a * b; 0 (and *out untouched) when the product does not fit 64 bits. */
static inline int net_mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

/* Native bit configuration "onnx" from the widths a source gave each conv/fc (the rest is
 * completed as for a native file: residual default, propagated stored widths). */
base_status net_bitcfg_from_given(const net_network *net, const net_layer_bits *given,
                                  net_bitcfg **out);

#endif /* NET_IMPL_H */
