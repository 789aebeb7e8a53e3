/* net.h - CNN descriptions and per-layer bit configurations (the workload side of apsim).
 * Networks are YAML files (docs/NETWORKS.md); shapes, MACs and parameters are inferred layer
 * by layer with batch-norm folded into conv, as HAWQ-V3 does (Yao et al., ICML 2021). Bit
 * configurations come from HAWQ-V3's bit_config.py schemes, a native per-layer file or a
 * uniform shorthand; BOPS = MACs x w_bits x a_bits as in HAWQ-V3's model_zoo.md. */
#ifndef NET_H
#define NET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/base.h"

/* How a kind with weights is seen as a GEMM by the hardware models: a convolution (im2col over
 * a spatial window) or a fully connected layer; NET_GEMM_NONE for kinds without weights. */
typedef enum net_gemm_form { NET_GEMM_NONE, NET_GEMM_CONV, NET_GEMM_FC } net_gemm_form;

/* ---- Layer kinds. X(ENUM, "yaml name", GEMM form); the rest of each kind's row (inputs,
 * YAML keys and reader, ONNX operators and lowering, shape rule) is in net_kind.c. --------- */
#define NET_KIND_LIST(X)                                                                           \
    X(INPUT, "input", NET_GEMM_NONE)     /* the network input tensor (never stored as a layer) */  \
    X(CONV, "conv", NET_GEMM_CONV)       /* 2D convolution, batch-norm folded, optional groups */  \
    X(FC, "fc", NET_GEMM_FC)             /* fully connected on a flattened (C x 1 x 1) input */    \
    X(MAXPOOL, "maxpool", NET_GEMM_NONE) /* max pooling */                                         \
    X(AVGPOOL, "avgpool",                                                                          \
      NET_GEMM_NONE)               /* average pooling, global when the window is the whole map */  \
    X(RELU, "relu", NET_GEMM_NONE) /* element-wise max(x, 0) */                                    \
    X(ADD, "add", NET_GEMM_NONE)   /* element-wise sum of two equal-shaped tensors (residual) */   \
    X(FLATTEN, "flatten", NET_GEMM_NONE)         /* C x H x W -> (C*H*W) x 1 x 1 */                \
    X(HARDSWISH, "hardswish", NET_GEMM_NONE)     /* x * relu6(x + 3) / 6 (MobileNetV3) */          \
    X(HARDSIGMOID, "hardsigmoid", NET_GEMM_NONE) /* relu6(x + 3) / 6 */                            \
    X(SIGMOID, "sigmoid", NET_GEMM_NONE)         /* 1 / (1 + e^-x), a table on the AP */           \
    X(MUL, "mul", NET_GEMM_NONE) /* element-wise product; the second may be C x 1 x 1 (SE) */      \
    X(CONCAT, "concat", NET_GEMM_NONE)   /* 2..NET_MAX_INPUTS tensors stacked along channels */    \
    X(RESIZE, "resize", NET_GEMM_NONE)   /* upsampling by an integer factor, nearest/bilinear */   \
    X(DECONV, "deconv", NET_GEMM_CONV)   /* transposed convolution (ONNX ConvTranspose) */         \
    X(SOFTMAX, "softmax", NET_GEMM_NONE) /* softmax over channels, integer-only on the AP */       \
    X(MATMUL, "matmul", NET_GEMM_NONE)   /* a (C x H x K) times b (C x K x N): two activations */

typedef enum net_kind {
#define NET_KIND_ENUM(e, s, w) NET_##e,
    NET_KIND_LIST(NET_KIND_ENUM)
#undef NET_KIND_ENUM
        NET_KIND_COUNT
} net_kind;

/* YAML name of a kind ("conv", ...); "?" when out of range. */
const char *net_kind_name(net_kind kind);
/* 1 for kinds that carry weights (those with a GEMM form: CONV, FC). */
int net_kind_has_weights(net_kind kind);
/* The GEMM form of a kind (NET_GEMM_NONE out of range). */
net_gemm_form net_kind_gemm_form(net_kind kind);

/* ---- Networks ------------------------------------------------------------------------- */
/* Most operands a layer reads (a concat's inputs). */
#define NET_MAX_INPUTS 8

/* Resize modes. */
typedef enum net_resize_mode { NET_RESIZE_NEAREST, NET_RESIZE_BILINEAR } net_resize_mode;

typedef struct net_layer {
    char *name; /* stable identifier from the YAML file, unique in the network (owned) */
    net_kind kind;
    int n_inputs;               /* 1; 2 for ADD, MUL, MATMUL; 2..NET_MAX_INPUTS for CONCAT */
    int inputs[NET_MAX_INPUTS]; /* producer layer indices (always earlier layers); -1 = network
                                   input */
    int c_in, h_in, w_in;
    int c_out, h_out, w_out;
    int kh, kw, stride, pad, groups; /* conv and pools (groups = 1 otherwise) */
    int has_bias;                    /* conv/fc: a bias per output channel (BN folded) */
    int scale;                       /* resize: the integer upsampling factor (1 otherwise) */
    net_resize_mode mode;            /* resize */
    int out_pad;                     /* deconv: extra rows/columns at the bottom/right */
    uint64_t macs;                   /* multiply-accumulates for one image (conv/fc; 0 otherwise) */
    uint64_t n_params;               /* weights + biases */
    uint64_t n_weights;              /* weights only (n_params - biases) */
    int n_consumers;                 /* number of later layers that read this layer's output */
    long line;                       /* 1-based line of the layer in its YAML file (0 if unknown) */
} net_layer;

typedef struct net_network {
    char *name;           /* network name from the file (owned), "<name>@CxHxW" when loaded at
                             a given input shape (net_load_with) */
    size_t model_len;     /* 0, or the length of the file's own name within name (the model a
                             bit configuration or a rival's figures name: net_model_is) */
    char *path;           /* file it was loaded from (owned) */
    int c_in, h_in, w_in; /* input tensor of one image */
    size_t n_layers;
    net_layer *layers;   /* n_layers entries in topological (file) order (owned) */
    uint64_t total_macs; /* sums over all layers */
    uint64_t total_params;
    /* Bits the model file itself gives (ONNX quantization, net_onnx_bitcfg), owned; NULL when
     * it gives none. A conv/fc the file gives no integer widths (a float model) has w_bits or
     * a_bits 0 here: net_onnx_bitcfg refuses it. */
    struct net_bitcfg *native_bits;
} net_network;

/* Loads and checks a network YAML file (format in docs/NETWORKS.md). On success *out owns
 * the network; free with net_free. Errors (file:line:col messages): BASE_EIO (cannot read),
 * BASE_EPARSE, BASE_EKEY (unknown/duplicate/missing key), BASE_ETYPE, BASE_ERANGE,
 * BASE_ENOTFOUND (an input names no earlier layer), BASE_ESHAPE (shapes do not agree),
 * BASE_ENOMEM. *out is NULL on failure. */
base_status net_load(const char *path, net_network **out);
/* Same from a string; name is the file name used in messages. */
base_status net_load_string(const char *name, const char *text, size_t len, net_network **out);

/* ---- Input shapes (--input-shape, `input_shape:`; docs/ONNX.md, "Symbolic shapes") -------
 * The shape of the network input to load a network at: "NxCxHxW" or "CxHxW" (a string such
 * as "1x3x224x224", or a YAML sequence [1, 3, 224, 224]). It fills an ONNX model's symbolic
 * dimensions (dim_param or unset) and must agree with its fixed ones; a YAML network is
 * loaded at the given height and width in place of its `input:` (channels must agree). */
struct cfg_node;
#define NET_SHAPE_DIM_MAX (1L << 20) /* largest dimension a shape may give */
typedef struct net_input_shape {
    int n_dims;      /* 0 = none given; 3 (C x H x W) or 4 (N x C x H x W) */
    int64_t dims[4]; /* n_dims entries, each 1..NET_SHAPE_DIM_MAX */
} net_input_shape;

/* Parses "NxCxHxW" or "CxHxW" (whole decimal numbers, no signs or spaces). BASE_EINVAL for
 * another count of dimensions or a non-number, BASE_ERANGE for 0 or a value above
 * NET_SHAPE_DIM_MAX; the message quotes text. */
base_status net_input_shape_parse(const char *text, net_input_shape *out);
/* From a YAML value: a string as above or a sequence of 3 or 4 integers (errors at file:line:col
 * of n, as net_input_shape_parse's). */
base_status net_input_shape_from_cfg(const struct cfg_node *n, net_input_shape *out);
/* The N x C x H x W form ("1x3x224x224"; N is 1 when only C x H x W was given). */
void net_input_shape_format(const net_input_shape *s, char *buf, size_t cap);

/* How to load a network; zero-initialized = as the file says (net_load). */
typedef struct net_load_opts {
    net_input_shape input_shape; /* n_dims 0: the file's own input shape */
} net_load_opts;

/* net_load with options (opts NULL = none). With an input shape the network is named
 * "<name>@<C>x<H>x<W>", so that two shapes of one file are two networks (sweep keys, outputs).
 * Errors as net_load's; BASE_ESHAPE when the shape conflicts with the file's (a fixed ONNX
 * dimension, a YAML network's channels) or the file's input is symbolic and no shape is
 * given. */
base_status net_load_with(const char *path, const net_load_opts *opts, net_network **out);
void net_free(net_network *net);

/* Index of the layer called name, or -1. */
int net_find_layer(const net_network *net, const char *name);
/* 1 when model is the network's own name (name without the "@CxHxW" of an input shape). */
int net_model_is(const net_network *net, const char *model);

/* ---- Building a network ------------------------------------------------------------------
 * The one way a network is made: the YAML loader (net_load.c) and the ONNX importer
 * (net_onnx_import.c) describe each layer as a net_layer_spec and the builder checks it and
 * infers its shape, MACs and parameters with its kind's rule (net_kind.c). */
typedef struct net_builder net_builder;

typedef struct net_layer_spec {
    net_kind kind;
    const char *name;             /* unique, not "" nor "input" (copied) */
    long line, col;               /* where the layer sits in its source, and where errors about
                                     it point (0 = unknown); line becomes net_layer.line */
    long inputs_line, inputs_col; /* where errors about its operands point (0 = line, col) */
    int n_inputs;                 /* the kind's: 1, 2 (add, mul, matmul), 2.. (concat) */
    int inputs[NET_MAX_INPUTS];   /* producers: earlier layer indices, -1 = network input */
    int64_t out;                  /* conv, fc: output channels */
    int64_t kh, kw, stride, pad;  /* conv, pools (window height, width; stride; padding) */
    int64_t groups;               /* conv */
    int has_bias;                 /* conv, fc */
    int global;                   /* pools: the window is the whole input map */
    int64_t scale;                /* resize */
    net_resize_mode mode;         /* resize */
    int64_t out_pad;              /* deconv */
} net_layer_spec;

/* Starts a network called name, read from path (both copied; path may be NULL and is the file
 * errors name), whose one-image input is c_in x h_in x w_in. BASE_EINVAL, BASE_ENOMEM. */
base_status net_builder_start(const char *name, const char *path, int c_in, int h_in, int w_in,
                              net_builder **out);
/* Appends a layer: checks its inputs and parameters and infers its output shape, MACs and
 * parameters. Errors at path:line:col of the spec: BASE_ESHAPE (shapes do not agree, a window
 * does not fit), BASE_ERANGE (a parameter out of range), BASE_EINVAL (kind, name or inputs),
 * BASE_EKEY (duplicate name), BASE_ENOMEM. On error the builder is as before the call. */
base_status net_builder_add(net_builder *b, const net_layer_spec *spec);
/* Layers added so far; layer i (borrowed, valid until the next add); index of name or -1. */
size_t net_builder_count(const net_builder *b);
const net_layer *net_builder_layer(const net_builder *b, size_t i);
int net_builder_find(const net_builder *b, const char *name);
/* Bits the source gives layer i (ONNX quantization): weight and input widths, 0 for none.
 * Once any are set the finished network carries them as native_bits. */
void net_builder_set_bits(net_builder *b, size_t i, unsigned w_bits, unsigned a_bits);
/* Gives conv/fc layer i a bias (a folded bias add or batch norm): 1, or 0 when i is no conv/fc
 * (nothing to fold into). */
int net_builder_fold_bias(net_builder *b, int i);
/* Finishes the network into *out (consumer counts, totals, native_bits) and frees b, also on
 * failure. BASE_ESHAPE (no layers), BASE_ENOMEM; *out is NULL on failure. */
base_status net_builder_finish(net_builder *b, net_network **out);
/* Frees an unfinished builder; NULL is a no-op. */
void net_builder_free(net_builder *b);

/* Resolves a network argument with base_resolve: an existing file is returned as is, a value
 * written as a path that names no file is BASE_ENOTFOUND ("no such network file"), and a
 * shipped name such as "resnet18" becomes networks/<name>.yaml (BASE_ENOTFOUND "unknown
 * network", BASE_EINVAL for a malformed name). */
base_status net_find_builtin(const char *name, char *path_out, size_t cap);

/* GEMM view of a conv or FC layer (im2col): M = output pixels x batch, N = output channels,
 * K = input channels x kernel area / groups. A grouped conv is `groups` independent GEMMs of
 * M x (N / groups) x K each, side by side along N, so M * N * K = MACs x batch in every case.
 * A deconv is its scatter form (M = input pixels x batch, N = out x kernel area, K = input
 * channels / groups), a matmul C H x batch rows of K times N. Other kinds give 0, 0, 0. */
void net_layer_gemm(const net_layer *layer, unsigned batch, uint64_t *m, uint64_t *n, uint64_t *k);
/* Number of output elements of a layer for one image (c_out * h_out * w_out). */
uint64_t net_layer_out_elems(const net_layer *layer);

/* ---- Bit configurations --------------------------------------------------------------- */
typedef struct net_layer_bits {
    unsigned w_bits; /* weight bits; 0 for layers without weights */
    unsigned a_bits; /* bits of the layer's input activation(s) as it reads them */
    unsigned o_bits; /* bits of the output tensor as stored for its consumers: the widest
                        width any consumer needs (a conv/fc consumer requantizes to its
                        a_bits; a residual add needs its residual width); 32 for the
                        network's final output */
} net_layer_bits;

typedef enum net_bitcfg_format {
    NET_BITS_UNIFORM, /* shorthand such as int8, w4a8 */
    NET_BITS_NATIVE,  /* apsim per-layer file */
    NET_BITS_HAWQ     /* HAWQ-V3 bit_config.py scheme */
} net_bitcfg_format;

typedef struct net_bitcfg {
    char *name;   /* file name or shorthand (owned) */
    char *scheme; /* HAWQ scheme ("latency_0.5"), native name, or the shorthand (owned) */
    char *label;  /* free text label, or NULL (owned) */
    net_bitcfg_format format;
    unsigned input_bits;  /* bits of the network input tensor */
    size_t n_layers;      /* = net->n_layers of the network it was resolved against */
    net_layer_bits *bits; /* one per layer of the network (owned) */
    /* Published metrics carried with the config (HAWQ model_zoo.md), when present. */
    int has_top1;
    double top1_pct;
    int has_size_mb;
    double size_mb; /* as published (HAWQ prints MiB) */
    int has_bops_g;
    double bops_g;
} net_bitcfg;

/* Default width of residual sums (HAWQ-V3's quant_act_int32) for configs that do not say. */
#define NET_RESIDUAL_BITS_DEFAULT 16u
/* Width of the network's final output (integer accumulators of the last layer). */
#define NET_OUTPUT_BITS 32u

/* Loads a bit configuration file for net. The format is detected: a root with both `model:`
 * and `bits:` is a HAWQ-V3 scheme (HAWQ module names mapped to layers, see
 * docs/NETWORKS.md); anything else is the native per-layer format. Every conv/fc must get
 * weight and activation bits. Errors with file:line:col: BASE_EKEY (unknown key or layer
 * name, duplicate key, missing layer), BASE_ERANGE (bits outside 1..16), BASE_ETYPE,
 * BASE_EINVAL (model does not match net), BASE_EIO, BASE_EPARSE, BASE_ENOMEM. Free with
 * net_bitcfg_free; *out is NULL on failure. */
base_status net_bitcfg_load(const char *path, const net_network *net, net_bitcfg **out);
base_status net_bitcfg_load_string(const char *name, const char *text, size_t len,
                                   const net_network *net, net_bitcfg **out);
/* Uniform configuration from a shorthand: "int8" (= w8a8), "int4", "intN", "wXaY", with an
 * optional residual width suffix "rZ" (default NET_RESIDUAL_BITS_DEFAULT); all widths 1..16.
 * Every conv/fc gets the same bits. BASE_EINVAL for anything else. */
base_status net_bitcfg_uniform(const char *spec, const net_network *net, net_bitcfg **out);
/* Dispatcher: a shorthand, else an existing file, else a shipped HAWQ scheme
 * networks/hawq_v3/<spec>.yaml (found with base_find_data). */
base_status net_bitcfg_resolve(const char *spec_or_path, const net_network *net, net_bitcfg **out);
/* A deep copy of src into *out (free with net_bitcfg_free). BASE_ENOMEM. */
base_status net_bitcfg_copy(const net_bitcfg *src, net_bitcfg **out);
void net_bitcfg_free(net_bitcfg *cfg);

/* ---- Report --------------------------------------------------------------------------- */
/* BOPS of one layer: MACs x w_bits x a_bits (0 for layers without weights). */
uint64_t net_layer_bops(const net_layer *layer, const net_layer_bits *bits);
/* Storage of one layer's parameters in bits: weights at w_bits, biases at 32 bits. */
uint64_t net_layer_param_bits(const net_layer *layer, const net_layer_bits *bits);

typedef struct net_totals {
    uint64_t macs, n_params, bops;
    uint64_t param_bits; /* weights at their bits + 32-bit biases */
    double size_mib;     /* param_bits / 8 / 2^20 */
} net_totals;
/* Totals over the network; cfg may be NULL (then bops = 0 and size = 32-bit everything). */
void net_totals_compute(const net_network *net, const net_bitcfg *cfg, net_totals *out);

/* One CSV row per layer, header with units, C-locale integers. cfg may be NULL (bits
 * columns then read 0). BASE_EIO on a write error. */
base_status net_report_write_csv(FILE *fp, const net_network *net, const net_bitcfg *cfg);
/* Readable aligned table, totals, and the published metrics next to the computed ones. */
base_status net_report_write_table(FILE *fp, const net_network *net, const net_bitcfg *cfg);

/* ---- ONNX models (networks/net_onnx.c; docs/ONNX.md) ------------------------------------
 * Parsed with protobuf-c bindings generated at build time from Debian's onnx.proto. */
#define NET_TENSOR_DIMS_MAX 8

/* ONNX TensorProto data types apsim reads (values from onnx.proto). */
typedef enum net_dtype {
    NET_DT_FLOAT = 1,
    NET_DT_UINT8 = 2,
    NET_DT_INT8 = 3,
    NET_DT_UINT16 = 4,
    NET_DT_INT16 = 5,
    NET_DT_INT32 = 6,
    NET_DT_INT64 = 7,
    NET_DT_BOOL = 9,
    NET_DT_DOUBLE = 11,
    NET_DT_UINT32 = 12,
    NET_DT_UINT64 = 13
} net_dtype;

/* A decoded tensor: integer types in ival, float/double in fval (the other is NULL). */
typedef struct net_tensor {
    char *name; /* owned, "" when unnamed */
    net_dtype dtype;
    int n_dims;
    int64_t dims[NET_TENSOR_DIMS_MAX];
    size_t n_elems;
    int64_t *ival;
    double *fval;
} net_tensor;

/* "uint8", "float", ... ("?" for others); 1 for integer types; bit width of integer types. */
const char *net_dtype_name(int dtype);
int net_dtype_is_int(int dtype);
unsigned net_dtype_bits(int dtype);
/* Reads a serialized TensorProto file (ONNX test data input_N.pb / output_N.pb). BASE_EIO,
 * BASE_EPARSE (malformed protobuf, data length not matching dims), BASE_EUNSUPPORTED (a data
 * type apsim does not read, external data), BASE_ERANGE (dims), BASE_ENOMEM. */
base_status net_tensor_load(const char *path, net_tensor **out);
void net_tensor_free(net_tensor *t);

typedef struct net_onnx_attr {
    char *name;
    int has_i, has_f;
    int64_t i;
    double f;
    size_t n_ints;
    int64_t *ints;
    char *s; /* string value (owned), NULL when none */
    size_t n_floats;
    double *floats;       /* float-list value (owned) */
    struct net_tensor *t; /* tensor value (a Constant's `value`; owned), NULL when none */
} net_onnx_attr;

typedef struct net_onnx_node {
    char *name; /* node name, or its first output when unnamed (owned) */
    char *op_type;
    size_t n_inputs, n_outputs;
    char **inputs; /* "" for an omitted optional input */
    char **outputs;
    size_t n_attrs;
    net_onnx_attr *attrs;
} net_onnx_node;

/* The graph of a model: nodes in file order, decoded initializers, graph input names (those
 * that are not initializers) with their shapes when declared, and graph output names. */
typedef struct net_onnx_graph {
    char *path;
    size_t n_nodes;
    net_onnx_node *nodes;
    size_t n_inits;
    net_tensor *inits;
    size_t n_inputs;
    char **inputs;
    int *input_dtypes;
    int *input_n_dims;                          /* -1 when the shape is not declared */
    int64_t (*input_dims)[NET_TENSOR_DIMS_MAX]; /* -1 for a symbolic dimension */
    size_t n_outputs;
    char **outputs;
} net_onnx_graph;

/* Parses model.onnx. BASE_EIO, BASE_EPARSE (malformed or truncated protobuf, no graph),
 * BASE_EUNSUPPORTED, BASE_ERANGE, BASE_ENOMEM; *out NULL on failure. */
base_status net_onnx_graph_load(const char *path, net_onnx_graph **out);
void net_onnx_graph_free(net_onnx_graph *g);
/* Initializer called name, or NULL. */
const net_tensor *net_onnx_find_init(const net_onnx_graph *g, const char *name);
/* Attribute called name, or NULL. */
const net_onnx_attr *net_onnx_attr_find(const net_onnx_node *node, const char *name);

/* Imports an ONNX model as a network (net_load dispatches here for *.onnx): Conv,
 * ConvInteger, QLinearConv, Gemm, MatMul, MatMulInteger, QLinearMatMul, Relu, Clip (min 0),
 * MaxPool, AveragePool, GlobalAveragePool, Add, Flatten, Reshape (a flatten), HardSwish,
 * HardSigmoid, Mul, and the decomposed hard-swish/hard-sigmoid patterns; a constant Add
 * or a BatchNormalization after a conv/fc sets its bias, and
 * QuantizeLinear/DequantizeLinear/Identity/Dropout/Cast pass through. Nodes whose inputs are
 * all constant (shape subgraphs: Shape, Gather, Slice, Concat, Unsqueeze, ...) are folded
 * first (docs/ONNX.md, "Constant folding"). Layer names are node names (or first outputs).
 * BASE_EUNSUPPORTED names an unsupported operator and its node; BASE_ESHAPE when weights and
 * inferred shapes disagree or the input has symbolic dimensions (give a shape:
 * net_onnx_load_shape); BASE_ERANGE for a folded tensor out of bounds; parse errors as above. */
base_status net_onnx_load(const char *path, net_network **out);
/* Same at the given input shape (NULL or n_dims 0: the model's own, which must then be fixed
 * apart from the batch). */
base_status net_onnx_load_shape(const char *path, const net_input_shape *shape, net_network **out);
/* Per-layer bits derived from the model's quantization (QDQ or QOperator): w_bits from the
 * integer type of each conv/fc weight, a_bits from the integer type of its input activation,
 * read by the one import net_onnx_load made (a copy of net->native_bits). BASE_EINVAL when a
 * conv/fc has no integer weights or input (a float model) or net is no ONNX model.
 * net_bitcfg_resolve takes the spec "onnx" for this. */
base_status net_onnx_bitcfg(const net_network *net, net_bitcfg **out);

/* ---- Quantized ONNX export (networks/net_onnx_write.c; docs/ONNX.md "Export") -----------
 * A plain description of a quantized chain network that exec/ fills from its integer model
 * (exec_qmodel_export): signed integer tensors of at most 8 bits with zero point 0, one real
 * scale per tensor. Written as QOperator ONNX (opset 13): QuantizeLinear of the float input,
 * QLinearConv per requantizing conv (int8 in, int8 weights, int32 bias, int8 out), Clip(0, max)
 * per relu, MaxPool, Flatten, and a last fc as MatMulInteger + Add (its int32 accumulators)
 * followed by DequantizeLinear to float logits (output 0; the int32 accumulators: output 1). */
typedef enum net_qx_op {
    NET_QX_CONV,
    NET_QX_RELU,
    NET_QX_MAXPOOL,
    NET_QX_FLATTEN,
    NET_QX_FC
} net_qx_op;

typedef struct net_qx_layer {
    net_qx_op op;
    const char *name;        /* node name (borrowed) */
    int c_in, c_out;         /* conv/fc channels (fc: c_in = K) */
    int kh, kw, stride, pad; /* conv/maxpool window */
    const int32_t *weight;   /* conv/fc: c_out x K, [oc][c][ky][kx], each in -128..127 */
    const int32_t *bias;     /* conv/fc: c_out int32, or NULL */
    float w_scale;           /* conv/fc: real value of one weight LSB */
    float y_scale;           /* conv: real value of one output LSB; fc: of one accumulator LSB */
    int relu_max;            /* relu: Clip's max, the top of its width (1..127) */
} net_qx_layer;

typedef struct net_qexport {
    const char *name;     /* graph name */
    int c_in, h_in, w_in; /* one image; the graph input is float 1 x C x H x W */
    float in_scale;       /* QuantizeLinear's scale of the input */
    size_t n_layers;
    const net_qx_layer *layers;
} net_qexport;

/* Writes q as an ONNX model to path, atomically. BASE_EINVAL (an empty or malformed
 * description: a weight outside int8, a fc that is not last, a last layer that is not a fc,
 * a scale that is not positive), BASE_EIO (path not writable), BASE_ENOMEM. */
base_status net_onnx_export(const net_qexport *q, const char *path);

#endif /* NET_H */
