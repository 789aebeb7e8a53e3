/* onnx_build.h - a small ONNX model writer for the tests (the generated protobuf-c bindings of
 * onnx.proto): graph inputs with fixed or symbolic dimensions, initializers, nodes with
 * attributes, and layer helpers (conv, activations, residual add, the PyTorch flatten shape
 * subgraph, gemm) that each add their weights and node and return the output's name. Used
 * by tests/check_onnx.c; onnx_build_mobilenet_class writes the MobileNetV2-class test model.
 * Operator forms follow onnx.ai/onnx/operators at the opset the builder is started with. */
#ifndef ONNX_BUILD_H
#define ONNX_BUILD_H

#include <stddef.h>
#include <stdint.h>

typedef struct onnx_build onnx_build;

/* A model of the given opset (11 or 13 matter for Unsqueeze/Squeeze) whose tensors are float.
 * Aborts the test on out of memory. */
onnx_build *ob_new(int opset);
void ob_free(onnx_build *b);
/* The graph input name of rank n: each dims[i] is a number ("3") or a dim_param ("N"), ""
 * leaves the dimension unset; n 0 with dims NULL declares no shape at all. */
void ob_input(onnx_build *b, const char *name, size_t n, const char *const *dims);
void ob_output(onnx_build *b, const char *name);

/* Initializers: int64 values, or float values (NULL: a deterministic ramp in [-0.5, 0.5)). */
void ob_init_i64(onnx_build *b, const char *name, size_t n_dims, const int64_t *dims,
                 const int64_t *vals);
void ob_init_f32(onnx_build *b, const char *name, size_t n_dims, const int64_t *dims,
                 const float *vals);

/* A node; inputs space-separated ("-" for an omitted optional input), one output. The
 * attribute calls add to the last node. */
void ob_node(onnx_build *b, const char *op, const char *name, const char *inputs, const char *out);
void ob_attr_int(onnx_build *b, const char *name, int64_t v);
void ob_attr_ints(onnx_build *b, const char *name, size_t n, const int64_t *v);
void ob_attr_float(onnx_build *b, const char *name, float v);
/* A tensor attribute (Constant's value, ConstantOfShape's value) of int64 or float data. */
void ob_attr_tensor_i64(onnx_build *b, const char *name, size_t n_dims, const int64_t *dims,
                        const int64_t *vals);
void ob_attr_tensor_f32(onnx_build *b, const char *name, size_t n_dims, const int64_t *dims,
                        const float *vals);

/* ---- Layers: each names its node, weights and output after name and returns the output -- */
/* Conv c_in -> c_out, k x k, stride, pad on every side, group, with a bias. */
const char *ob_conv(onnx_build *b, const char *name, const char *x, int c_in, int c_out, int k,
                    int stride, int pad, int group);
/* A one-input operator without attributes (Relu, HardSwish, HardSigmoid, Sigmoid,
 * GlobalAveragePool, ...). */
const char *ob_unary(onnx_build *b, const char *op, const char *name, const char *x);
/* Clip(x, lo, hi) with min and max as constant inputs (opset 11+): ReLU6 is lo 0, hi 6. */
const char *ob_clip(onnx_build *b, const char *name, const char *x, float lo, float hi);
/* A two-input element-wise operator (Add, Mul, ...). */
const char *ob_binary(onnx_build *b, const char *op, const char *name, const char *x,
                      const char *y);
/* PyTorch's x.view(x.size(0), -1) as exported: Shape -> Gather(0) -> Unsqueeze(0) ->
 * Concat([N], [-1]) -> Reshape. */
const char *ob_flatten_view(onnx_build *b, const char *name, const char *x);
/* Gemm (transB = 1) c_in -> c_out with a bias. */
const char *ob_gemm(onnx_build *b, const char *name, const char *x, int c_in, int c_out);

/* Hard-swish written out as exporters decompose it: x * Clip(x + 3, 0, 6) / 6 (Add, Clip, Mul,
 * Div with constant 3, 0, 6, 6). */
const char *ob_hardswish_decomposed(onnx_build *b, const char *name, const char *x);
/* Squeeze-and-excite on x (c channels): GlobalAveragePool -> 1x1 conv c -> c_mid -> Relu ->
 * 1x1 conv c_mid -> c -> HardSigmoid -> Mul(x, scale) (the scale broadcast over H x W).
 * Nodes name_pool, name_reduce, name_relu, name_expand, name_gate, name (the Mul). */
const char *ob_squeeze_excite(onnx_build *b, const char *name, const char *x, int c, int c_mid);

/* Serializes the model to path (aborts the test on failure). */
void ob_write(onnx_build *b, const char *path);

/* The MobileNetV2-class model: input x of N x 3 x H x W (dim_params "N", "H", "W"; fixed
 * 1 x 3 x 16 x 16 when fixed_input), a 3x3 stride-2 conv 3 -> 8 + ReLU6 (Clip 0..6), one
 * inverted residual block (1x1 expansion 8 -> 16 + Relu, 3x3 depthwise conv group 16 + Clip
 * 0..6, 1x1 projection 16 -> 8, residual Add), GlobalAveragePool, the flatten shape subgraph
 * and a Gemm 8 -> 10. Layer (node) names: stem, stem_act, expand, expand_act, dw, dw_act,
 * project, add, pool, flatten (the Reshape), fc. */
void onnx_build_mobilenet_class(const char *path, int fixed_input);

/* MobileNetV3-style variants of the same model (for kinds added after the base one imports):
 * the stem's activation as HardSwish (or decomposed), and a squeeze-excite (8 -> 4 -> 8, after
 * the projection, before the residual Add: nodes se_pool, se_reduce, se_relu, se_expand,
 * se_gate, se). All 0 is onnx_build_mobilenet_class. */
typedef struct onnx_mbc_opts {
    int fixed_input;    /* 1 x 3 x 16 x 16 instead of N x 3 x H x W */
    int hardswish;      /* 1: the stem's activation is a HardSwish node; 2: decomposed */
    int squeeze_excite; /* 1: the block has a squeeze-excite */
} onnx_mbc_opts;
void onnx_build_mobilenet_class_with(const char *path, const onnx_mbc_opts *opts);

#endif /* ONNX_BUILD_H */
