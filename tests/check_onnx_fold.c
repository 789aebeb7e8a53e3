/* check_onnx_fold.c - symbolic input shapes, shape inference and constant folding in the ONNX
 * importer (networks/net_onnx_fold.c, net_onnx_import.c; docs/ONNX.md): every folded operator
 * against hand-computed results (semantics: onnx.ai/onnx/operators) and each of its error
 * paths, and the MobileNetV2-class model of tests/onnx_build.c imported with and without an
 * input shape, every layer's shape and MACs checked by hand. Part of the onnx suite. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "networks/net.h"
#include "networks/net_impl.h"
#include "tests/onnx_build.h"

TCase *onnx_fold_tcase(void);

/* ---- Folding one node ------------------------------------------------------------------- */
typedef struct fnode {
    net_onnx_node nd;
    char *in[20], *out[1];
    net_onnx_attr attrs[6];
} fnode;

static void fn_init(fnode *f, const char *op, size_t n_in)
{
    memset(f, 0, sizeof *f);
    f->nd.name = "n";
    f->nd.op_type = (char *)op;
    for (size_t i = 0; i < n_in; i++)
        f->in[i] = "i";
    f->nd.inputs = f->in;
    f->nd.n_inputs = n_in;
    f->out[0] = "o";
    f->nd.outputs = f->out;
    f->nd.n_outputs = 1;
    f->nd.attrs = f->attrs;
}

static net_onnx_attr *fn_attr(fnode *f, const char *name)
{
    net_onnx_attr *a = &f->attrs[f->nd.n_attrs++];
    a->name = (char *)name;
    return a;
}

static void fn_int(fnode *f, const char *name, int64_t v)
{
    net_onnx_attr *a = fn_attr(f, name);
    a->has_i = 1;
    a->i = v;
}

static void fn_ints(fnode *f, const char *name, size_t n, const int64_t *v)
{
    net_onnx_attr *a = fn_attr(f, name);
    a->n_ints = n;
    a->ints = (int64_t *)v;
}

/* A tensor on the heap: int64 (ival) or float (fval) values. */
static net_tensor *mk(int dtype, int n_dims, const int64_t *dims, const double *vals)
{
    net_tensor *t = calloc(1, sizeof *t);
    ck_assert_ptr_nonnull(t);
    t->name = strdup("t");
    t->dtype = (net_dtype)dtype;
    t->n_dims = n_dims;
    size_t n = 1;
    for (int i = 0; i < n_dims; i++)
        n *= (size_t)(t->dims[i] = dims[i]);
    t->n_elems = n;
    if (dtype == NET_DT_FLOAT || dtype == NET_DT_DOUBLE)
        t->fval = calloc(n ? n : 1, sizeof *t->fval);
    else
        t->ival = calloc(n ? n : 1, sizeof *t->ival);
    for (size_t i = 0; vals && i < n; i++)
        if (t->fval)
            t->fval[i] = vals[i];
        else
            t->ival[i] = (int64_t)vals[i];
    return t;
}

/* 1-D int64 / float tensors and scalars. */
static net_tensor *vi(size_t n, const double *v)
{
    int64_t d = (int64_t)n;
    return mk(NET_DT_INT64, 1, &d, v);
}

static net_tensor *si(double v)
{
    return mk(NET_DT_INT64, 0, NULL, &v);
}

static net_tensor *sf(double v)
{
    return mk(NET_DT_FLOAT, 0, NULL, &v);
}

/* Folds f on ins (freed after), expecting ok; returns the result (caller frees). */
static net_tensor *fold_ok(fnode *f, net_tensor **ins)
{
    net_tensor *out = NULL;
    base_status st = net_onnx_fold_eval("m.onnx", &f->nd, (const net_tensor *const *)ins, &out);
    ck_assert_msg(st == BASE_OK, "%s", base_last_error());
    for (size_t i = 0; i < f->nd.n_inputs; i++)
        net_tensor_free(ins[i]);
    ck_assert_str_eq(out->name, "o");
    return out;
}

/* Folds f on ins (freed after) expecting status want and a message containing msg. */
static void fold_fails(fnode *f, net_tensor **ins, base_status want, const char *msg)
{
    net_tensor *out = NULL;
    base_status st = net_onnx_fold_eval("m.onnx", &f->nd, (const net_tensor *const *)ins, &out);
    ck_assert_msg(st == want, "status %d, want %d: %s", st, want, base_last_error());
    ck_assert_ptr_null(out);
    ck_assert_msg(strstr(base_last_error(), msg) != NULL, "'%s' lacks '%s'", base_last_error(),
                  msg);
    ck_assert_msg(strstr(base_last_error(), "m.onnx: error: node 'n' (") != NULL, "%s",
                  base_last_error());
    for (size_t i = 0; i < f->nd.n_inputs; i++)
        net_tensor_free(ins[i]);
}

static void expect_ints(net_tensor *t, int n_dims, const int64_t *dims, const int64_t *vals)
{
    ck_assert_int_eq(t->n_dims, n_dims);
    ck_assert_ptr_nonnull(t->ival);
    for (int i = 0; i < n_dims; i++)
        ck_assert_int_eq(t->dims[i], dims[i]);
    for (size_t i = 0; i < t->n_elems; i++)
        ck_assert_int_eq(t->ival[i], vals[i]);
    net_tensor_free(t);
}

START_TEST(test_fold_constant_shape_range)
{
    fnode f;
    net_tensor *ins[4] = {0};
    static const int64_t one = 1, d2[1] = {2}, d3[1] = {3}, d4[1] = {4};
    /* Constant: each value attribute form. */
    fn_init(&f, "Constant", 0);
    net_tensor *v = vi(2, (const double[]){5, -1});
    fn_attr(&f, "value")->t = v;
    expect_ints(fold_ok(&f, ins), 1, d2, (const int64_t[]){5, -1});
    net_tensor_free(v);
    fn_init(&f, "Constant", 0);
    fn_int(&f, "value_int", 7);
    expect_ints(fold_ok(&f, ins), 0, NULL, (const int64_t[]){7});
    fn_init(&f, "Constant", 0);
    fn_ints(&f, "value_ints", 3, (const int64_t[]){1, 2, 3});
    expect_ints(fold_ok(&f, ins), 1, d3, (const int64_t[]){1, 2, 3});
    fn_init(&f, "Constant", 0);
    net_onnx_attr *a = fn_attr(&f, "value_float");
    a->has_f = 1;
    a->f = 0.5;
    net_tensor *t = fold_ok(&f, ins);
    ck_assert(t->fval && t->fval[0] == 0.5 && t->dtype == NET_DT_FLOAT);
    net_tensor_free(t);
    fn_init(&f, "Constant", 0);
    a = fn_attr(&f, "value_floats");
    double fl[2] = {1.5, -2};
    a->floats = fl;
    a->n_floats = 2;
    t = fold_ok(&f, ins);
    ck_assert(t->fval[1] == -2 && t->n_elems == 2);
    net_tensor_free(t);
    fn_init(&f, "Constant", 0);
    fold_fails(&f, ins, BASE_EINVAL, "needs exactly one value attribute, has 0");
    fn_init(&f, "Constant", 0);
    fn_attr(&f, "sparse_value");
    fold_fails(&f, ins, BASE_EUNSUPPORTED, "attribute 'sparse_value' is not a value apsim folds");
    /* Shape with start/end (negative from the end, clamped). */
    static const int64_t dd[3] = {2, 3, 4};
    fn_init(&f, "Shape", 1);
    ins[0] = mk(NET_DT_FLOAT, 3, dd, NULL);
    expect_ints(fold_ok(&f, ins), 1, d3, dd);
    fn_init(&f, "Shape", 1);
    fn_int(&f, "start", 1);
    ins[0] = mk(NET_DT_FLOAT, 3, dd, NULL);
    expect_ints(fold_ok(&f, ins), 1, d2, dd + 1);
    fn_init(&f, "Shape", 1);
    fn_int(&f, "end", -1);
    fn_int(&f, "start", -9);
    ins[0] = mk(NET_DT_FLOAT, 3, dd, NULL);
    expect_ints(fold_ok(&f, ins), 1, d2, dd);
    fn_init(&f, "Shape", 1);
    ins[0] = NULL;
    fold_fails(&f, ins, BASE_EINVAL, "input 0 is missing");
    /* ConstantOfShape: a value, the default float 0, and the bound. */
    fn_init(&f, "ConstantOfShape", 1);
    net_tensor *seven = si(7);
    fn_attr(&f, "value")->t = seven;
    ins[0] = vi(2, (const double[]){2, 2});
    expect_ints(fold_ok(&f, ins), 2, (const int64_t[]){2, 2}, (const int64_t[]){7, 7, 7, 7});
    fn_init(&f, "ConstantOfShape", 1);
    ins[0] = vi(1, (const double[]){3});
    t = fold_ok(&f, ins);
    ck_assert(t->dtype == NET_DT_FLOAT && t->fval[2] == 0.0);
    net_tensor_free(t);
    fn_init(&f, "ConstantOfShape", 1);
    ins[0] = vi(2, (const double[]){1 << 20, 1 << 20});
    fold_fails(&f, ins, BASE_ERANGE, "the result would have more than 1048576 elements");
    fn_init(&f, "ConstantOfShape", 1);
    ins[0] = mk(NET_DT_FLOAT, 1, &one, NULL);
    fold_fails(&f, ins, BASE_EUNSUPPORTED, "the shape must be a 1-D integer tensor");
    fn_init(&f, "ConstantOfShape", 1);
    ins[0] = vi(9, (const double[]){1, 1, 1, 1, 1, 1, 1, 1, 1});
    fold_fails(&f, ins, BASE_ERANGE, "the shape has 9 dimensions (at most 8)");
    fn_init(&f, "ConstantOfShape", 1);
    fn_attr(&f, "value");
    ins[0] = vi(1, (const double[]){3});
    fold_fails(&f, ins, BASE_EINVAL, "value must be a one-element tensor");
    fn_init(&f, "ConstantOfShape", 1);
    ins[0] = vi(1, (const double[]){-3});
    fold_fails(&f, ins, BASE_ERANGE, "result dimension 0 is -3");
    net_tensor_free(seven);
    /* Range: integer and float; delta 0, mixed types, too long. */
    fn_init(&f, "Range", 3);
    ins[0] = si(0);
    ins[1] = si(10);
    ins[2] = si(3);
    expect_ints(fold_ok(&f, ins), 1, d4, (const int64_t[]){0, 3, 6, 9});
    fn_init(&f, "Range", 3);
    ins[0] = si(5);
    ins[1] = si(1);
    ins[2] = si(-2);
    expect_ints(fold_ok(&f, ins), 1, d2, (const int64_t[]){5, 3});
    fn_init(&f, "Range", 3);
    ins[0] = sf(0);
    ins[1] = sf(1);
    ins[2] = sf(0.25);
    t = fold_ok(&f, ins);
    ck_assert(t->n_elems == 4 && t->fval[3] == 0.75);
    net_tensor_free(t);
    fn_init(&f, "Range", 3);
    ins[0] = si(0);
    ins[1] = si(1);
    ins[2] = si(0);
    fold_fails(&f, ins, BASE_ERANGE, "delta is 0");
    fn_init(&f, "Range", 3);
    ins[0] = si(0);
    ins[1] = sf(1);
    ins[2] = si(1);
    fold_fails(&f, ins, BASE_EINVAL, "start, limit and delta must be scalars of one type");
    fn_init(&f, "Range", 3);
    ins[0] = si(0);
    ins[1] = si(1e15);
    ins[2] = si(1);
    fold_fails(&f, ins, BASE_ERANGE, "more than 1048576 elements");
    fn_init(&f, "Range", 2);
    ins[0] = si(0);
    ins[1] = si(1);
    fold_fails(&f, ins, BASE_EINVAL, "input 2 is missing");
    fn_init(&f, "Range", 3);
    ins[0] = si(0);
    ins[1] = si(0);
    ins[2] = si(1);
    ins[0]->ival[0] = INT64_MAX - 1;
    ins[1]->ival[0] = INT64_MAX;
    ins[2]->ival[0] = INT64_MAX;
    t = fold_ok(&f, ins); /* one element: start itself */
    ck_assert(t->n_elems == 1 && t->ival[0] == INT64_MAX - 1);
    net_tensor_free(t);
    fn_init(&f, "Range", 3); /* the full int64 span in 3 steps: exact at the ends */
    ins[0] = si(0);
    ins[1] = si(0);
    ins[2] = si(0);
    ins[0]->ival[0] = INT64_MIN;
    ins[1]->ival[0] = INT64_MAX;
    ins[2]->ival[0] = INT64_MAX;
    expect_ints(fold_ok(&f, ins), 1, d3, (const int64_t[]){INT64_MIN, -1, INT64_MAX - 1});
    fn_init(&f, "Range", 3); /* delta INT64_MIN: |delta| = 2^63 */
    ins[0] = si(0);
    ins[1] = si(0);
    ins[2] = si(0);
    ins[1]->ival[0] = INT64_MIN;
    ins[2]->ival[0] = INT64_MIN;
    expect_ints(fold_ok(&f, ins), 1, &one, (const int64_t[]){0});
    fn_init(&f, "Range", 3);
    ins[0] = sf(0);
    ins[1] = sf(1);
    ins[2] = sf(0);
    fold_fails(&f, ins, BASE_ERANGE, "delta is 0");
    /* A float Constant tensor and a float ConstantOfShape value. */
    fn_init(&f, "Constant", 0);
    v = mk(NET_DT_FLOAT, 1, &one, (const double[]){0.25});
    fn_attr(&f, "value")->t = v;
    t = fold_ok(&f, ins);
    ck_assert(t->fval[0] == 0.25 && t->n_dims == 1);
    net_tensor_free(t);
    fn_init(&f, "ConstantOfShape", 1);
    fn_attr(&f, "value")->t = v;
    ins[0] = vi(1, (const double[]){2});
    t = fold_ok(&f, ins);
    ck_assert(t->fval[1] == 0.25 && t->dtype == NET_DT_FLOAT);
    net_tensor_free(t);
    net_tensor_free(v);
}
END_TEST

START_TEST(test_fold_gather_slice_concat)
{
    fnode f;
    net_tensor *ins[6] = {0};
    static const int64_t d23[2] = {2, 3}, d3[1] = {3}, d21[2] = {2, 1}, d2[1] = {2}, d5[1] = {5};
    const double m[6] = {1, 2, 3, 4, 5, 6};
    /* Gather axis 0 with a scalar index, axis 1 with a negative index list. */
    fn_init(&f, "Gather", 2);
    ins[0] = mk(NET_DT_INT64, 2, d23, m);
    ins[1] = si(1);
    expect_ints(fold_ok(&f, ins), 1, d3, (const int64_t[]){4, 5, 6});
    fn_init(&f, "Gather", 2);
    fn_int(&f, "axis", 1);
    ins[0] = mk(NET_DT_INT64, 2, d23, m);
    ins[1] = vi(1, (const double[]){-1});
    expect_ints(fold_ok(&f, ins), 2, d21, (const int64_t[]){3, 6});
    fn_init(&f, "Gather", 2);
    ins[0] = mk(NET_DT_FLOAT, 2, d23, m);
    ins[1] = vi(2, (const double[]){1, 0});
    net_tensor *t = fold_ok(&f, ins);
    ck_assert(t->fval[0] == 4 && t->fval[5] == 3);
    net_tensor_free(t);
    fn_init(&f, "Gather", 2);
    ins[0] = mk(NET_DT_INT64, 2, d23, m);
    ins[1] = si(2);
    fold_fails(&f, ins, BASE_ERANGE, "index 2 is outside -2..1");
    fn_init(&f, "Gather", 2);
    fn_int(&f, "axis", 2);
    ins[0] = mk(NET_DT_INT64, 2, d23, m);
    ins[1] = si(0);
    fold_fails(&f, ins, BASE_ERANGE, "axis 2 is outside -2..1");
    fn_init(&f, "Gather", 2);
    ins[0] = mk(NET_DT_INT64, 2, d23, m);
    ins[1] = sf(0);
    fold_fails(&f, ins, BASE_EUNSUPPORTED, "indices must be integers");
    fn_init(&f, "Gather", 2);
    ins[0] = si(4);
    ins[1] = si(0);
    fold_fails(&f, ins, BASE_ESHAPE, "data must have at least one dimension");
    static const int64_t ones8[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    fn_init(&f, "Gather", 2); /* rank 8 data, rank 2 indices: a rank-9 result */
    ins[0] = mk(NET_DT_INT64, 8, ones8, NULL);
    ins[1] = mk(NET_DT_INT64, 2, d21, NULL);
    fold_fails(&f, ins, BASE_ERANGE, "the result has 9 dimensions (at most 8)");
    fn_init(&f, "Gather", 2);
    ins[0] = mk(NET_DT_INT64, 2, d23, NULL);
    net_tensor *dims_only = ins[0];
    free(dims_only->ival);
    dims_only->ival = NULL; /* a shape without data (Shape's input): not a constant */
    ins[1] = si(0);
    fold_fails(&f, ins, BASE_EUNSUPPORTED, "input 0 'i' has no constant value");
    /* Slice (opset 10+: inputs) with a step, a negative step, and the opset-1 attribute form. */
    const double r[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    fn_init(&f, "Slice", 5);
    ins[0] = vi(10, r);
    ins[1] = vi(1, (const double[]){2});
    ins[2] = vi(1, (const double[]){8});
    ins[3] = vi(1, (const double[]){0});
    ins[4] = vi(1, (const double[]){3});
    expect_ints(fold_ok(&f, ins), 1, d2, (const int64_t[]){2, 5});
    fn_init(&f, "Slice", 5);
    ins[0] = vi(10, r);
    ins[1] = vi(1, (const double[]){-1});
    ins[2] = vi(1, (const double[]){-1e12});
    ins[3] = NULL; /* omitted axes */
    ins[4] = vi(1, (const double[]){-2});
    expect_ints(fold_ok(&f, ins), 1, d5, (const int64_t[]){9, 7, 5, 3, 1});
    fn_init(&f, "Slice", 1);
    fn_ints(&f, "starts", 1, (const int64_t[]){1});
    fn_ints(&f, "ends", 1, (const int64_t[]){INT64_MAX});
    fn_ints(&f, "axes", 1, (const int64_t[]){-1});
    ins[0] = mk(NET_DT_INT64, 2, d23, m);
    expect_ints(fold_ok(&f, ins), 2, (const int64_t[]){2, 2}, (const int64_t[]){2, 3, 5, 6});
    fn_init(&f, "Slice", 5);
    ins[0] = vi(10, r);
    ins[1] = vi(1, (const double[]){0});
    ins[2] = vi(1, (const double[]){5});
    ins[3] = NULL;
    ins[4] = vi(1, (const double[]){0});
    fold_fails(&f, ins, BASE_ERANGE, "step 0 on axis 0");
    fn_init(&f, "Slice", 4);
    ins[0] = mk(NET_DT_INT64, 2, d23, m);
    ins[1] = vi(2, (const double[]){0, 0});
    ins[2] = vi(2, (const double[]){1, 1});
    ins[3] = vi(2, (const double[]){1, -1});
    fold_fails(&f, ins, BASE_EINVAL, "axis 1 is sliced twice");
    fn_init(&f, "Slice", 3);
    ins[0] = vi(10, r);
    ins[1] = vi(2, (const double[]){0, 0});
    ins[2] = vi(1, (const double[]){1});
    fold_fails(&f, ins, BASE_EINVAL, "starts, ends (and axes, steps) must be given, of one length");
    fn_init(&f, "Slice", 3);
    ins[0] = vi(10, r);
    ins[1] = mk(NET_DT_FLOAT, 1, (const int64_t[]){1}, NULL);
    ins[2] = vi(1, (const double[]){1});
    fold_fails(&f, ins, BASE_EUNSUPPORTED, "starts must be a 1-D integer tensor");
    fn_init(&f, "Slice", 4);
    ins[0] = vi(10, r);
    ins[1] = vi(1, (const double[]){0});
    ins[2] = vi(1, (const double[]){1});
    ins[3] = vi(1, (const double[]){3});
    fold_fails(&f, ins, BASE_ERANGE, "axis 3 is outside -1..0");
    /* Concat: two 1-D integer pieces (the [N, -1] target), mismatches, no axis. */
    fn_init(&f, "Concat", 2);
    fn_int(&f, "axis", 0);
    ins[0] = vi(1, (const double[]){1});
    ins[1] = vi(1, (const double[]){-1});
    expect_ints(fold_ok(&f, ins), 1, d2, (const int64_t[]){1, -1});
    fn_init(&f, "Concat", 2);
    fn_int(&f, "axis", -1);
    ins[0] = mk(NET_DT_INT64, 2, d23, m);
    ins[1] = mk(NET_DT_INT64, 2, d21, m);
    expect_ints(fold_ok(&f, ins), 2, (const int64_t[]){2, 4},
                (const int64_t[]){1, 2, 3, 1, 4, 5, 6, 2});
    fn_init(&f, "Concat", 2);
    fn_int(&f, "axis", 0);
    ins[0] = vi(1, (const double[]){1});
    ins[1] = mk(NET_DT_FLOAT, 1, (const int64_t[]){1}, NULL);
    fold_fails(&f, ins, BASE_ESHAPE,
               "input 1 float [1] does not concatenate with int64 [1] on axis 0");
    fn_init(&f, "Concat", 2);
    ins[0] = vi(1, (const double[]){1});
    ins[1] = vi(1, (const double[]){1});
    fold_fails(&f, ins, BASE_EINVAL, "needs the axis attribute");
    fn_init(&f, "Concat", 2);
    fn_int(&f, "axis", 0);
    ins[0] = vi(1, (const double[]){1});
    ins[1] = NULL;
    fold_fails(&f, ins, BASE_EINVAL, "input 1 is missing");
}
END_TEST

START_TEST(test_fold_cast_squeeze_reshape)
{
    fnode f;
    net_tensor *ins[3] = {0};
    static const int64_t one = 1, d3[1] = {3}, d131[3] = {1, 3, 1}, d23[2] = {2, 3};
    /* Cast: float -> int64 truncates, int64 -> uint8 / int8 wraps, -> float rounds to float. */
    fn_init(&f, "Cast", 1);
    fn_int(&f, "to", NET_DT_INT64);
    ins[0] = mk(NET_DT_FLOAT, 1, d3, (const double[]){2.7, -2.7, 0});
    expect_ints(fold_ok(&f, ins), 1, d3, (const int64_t[]){2, -2, 0});
    fn_init(&f, "Cast", 1);
    fn_int(&f, "to", NET_DT_UINT8);
    ins[0] = vi(3, (const double[]){300, -1, 5});
    expect_ints(fold_ok(&f, ins), 1, d3, (const int64_t[]){44, 255, 5});
    fn_init(&f, "Cast", 1);
    fn_int(&f, "to", NET_DT_INT8);
    ins[0] = vi(3, (const double[]){200, -129, 5});
    expect_ints(fold_ok(&f, ins), 1, d3, (const int64_t[]){-56, 127, 5});
    fn_init(&f, "Cast", 1);
    fn_int(&f, "to", NET_DT_BOOL);
    ins[0] = mk(NET_DT_FLOAT, 1, d3, (const double[]){0.5, 0, -3});
    expect_ints(fold_ok(&f, ins), 1, d3, (const int64_t[]){1, 0, 1});
    fn_init(&f, "Cast", 1);
    fn_int(&f, "to", NET_DT_FLOAT);
    ins[0] = vi(1, (const double[]){16777217});
    net_tensor *t = fold_ok(&f, ins);
    ck_assert(t->fval[0] == 16777216.0); /* float has 24 significant bits */
    net_tensor_free(t);
    fn_init(&f, "Cast", 1);
    fn_int(&f, "to", 8);
    ins[0] = vi(1, (const double[]){1});
    fold_fails(&f, ins, BASE_EUNSUPPORTED, "cast to data type 8");
    fn_init(&f, "Cast", 1);
    fn_int(&f, "to", NET_DT_INT32);
    ins[0] = mk(NET_DT_FLOAT, 1, &one, (const double[]){1e30});
    fold_fails(&f, ins, BASE_ERANGE, "value 1e+30 does not fit int32");
    /* Unsqueeze: axes as input (opset 13) and as attribute (opset 11). */
    fn_init(&f, "Unsqueeze", 2);
    ins[0] = si(4);
    ins[1] = vi(1, (const double[]){0});
    expect_ints(fold_ok(&f, ins), 1, &one, (const int64_t[]){4});
    fn_init(&f, "Unsqueeze", 1);
    fn_ints(&f, "axes", 2, (const int64_t[]){0, -1});
    ins[0] = vi(3, (const double[]){1, 2, 3});
    expect_ints(fold_ok(&f, ins), 3, d131, (const int64_t[]){1, 2, 3});
    fn_init(&f, "Unsqueeze", 1);
    ins[0] = si(4);
    fold_fails(&f, ins, BASE_EINVAL, "needs axes");
    fn_init(&f, "Unsqueeze", 1);
    fn_ints(&f, "axes", 2, (const int64_t[]){0, 0});
    ins[0] = si(4);
    fold_fails(&f, ins, BASE_EINVAL, "axis 0 is given twice");
    fn_init(&f, "Unsqueeze", 1);
    fn_ints(&f, "axes", 1, (const int64_t[]){0});
    ins[0] = mk(NET_DT_INT64, 8, (const int64_t[]){1, 1, 1, 1, 1, 1, 1, 1}, NULL);
    fold_fails(&f, ins, BASE_ERANGE, "the result has 9 dimensions (at most 8)");
    fn_init(&f, "Unsqueeze", 1);
    fn_ints(&f, "axes", 1, (const int64_t[]){3});
    ins[0] = si(4);
    fold_fails(&f, ins, BASE_ERANGE, "axis 3 is outside -1..0");
    fn_init(&f, "Unsqueeze", 2);
    ins[0] = si(4);
    ins[1] = mk(NET_DT_INT64, 2, (const int64_t[]){1, 1}, NULL);
    fold_fails(&f, ins, BASE_EUNSUPPORTED, "axes must be a 1-D integer tensor");
    static const int64_t nine[9] = {0, 1, 2, 3, 4, 5, 6, 7, 8};
    fn_init(&f, "Unsqueeze", 2);
    ins[0] = si(4);
    ins[1] = vi(9, (const double[]){0, 1, 2, 3, 4, 5, 6, 7, 8});
    fold_fails(&f, ins, BASE_ERANGE, "9 axes");
    fn_init(&f, "Squeeze", 1);
    fn_ints(&f, "axes", 9, nine);
    ins[0] = si(4);
    fold_fails(&f, ins, BASE_ERANGE, "9 axes");
    /* Squeeze: every 1 when no axes; a named axis must be 1. */
    fn_init(&f, "Squeeze", 1);
    ins[0] = mk(NET_DT_INT64, 3, d131, (const double[]){7, 8, 9});
    expect_ints(fold_ok(&f, ins), 1, d3, (const int64_t[]){7, 8, 9});
    fn_init(&f, "Squeeze", 2);
    ins[0] = mk(NET_DT_INT64, 3, d131, (const double[]){7, 8, 9});
    ins[1] = vi(1, (const double[]){-1});
    expect_ints(fold_ok(&f, ins), 2, (const int64_t[]){1, 3}, (const int64_t[]){7, 8, 9});
    fn_init(&f, "Squeeze", 1);
    fn_ints(&f, "axes", 1, (const int64_t[]){1});
    ins[0] = mk(NET_DT_INT64, 3, d131, NULL);
    fold_fails(&f, ins, BASE_ESHAPE, "axis 1 has extent 3, not 1");
    /* Reshape of a constant: 0 copies, -1 infers; mismatches and bad entries. */
    fn_init(&f, "Reshape", 2);
    ins[0] = mk(NET_DT_INT64, 2, d23, (const double[]){1, 2, 3, 4, 5, 6});
    ins[1] = vi(2, (const double[]){3, -1});
    expect_ints(fold_ok(&f, ins), 2, (const int64_t[]){3, 2}, (const int64_t[]){1, 2, 3, 4, 5, 6});
    fn_init(&f, "Reshape", 2);
    ins[0] = mk(NET_DT_INT64, 2, d23, NULL);
    ins[1] = vi(2, (const double[]){0, -1});
    expect_ints(fold_ok(&f, ins), 2, d23, (const int64_t[]){0, 0, 0, 0, 0, 0});
    fn_init(&f, "Reshape", 2);
    ins[0] = mk(NET_DT_INT64, 2, d23, NULL);
    ins[1] = vi(2, (const double[]){4, -1});
    fold_fails(&f, ins, BASE_ESHAPE, "cannot reshape [2, 3] to [4, -1]");
    fn_init(&f, "Reshape", 2);
    ins[0] = mk(NET_DT_INT64, 2, d23, NULL);
    ins[1] = vi(2, (const double[]){5, 1});
    fold_fails(&f, ins, BASE_ESHAPE, "cannot reshape [2, 3] to [5, 1]");
    fn_init(&f, "Reshape", 2);
    ins[0] = mk(NET_DT_INT64, 2, d23, NULL);
    ins[1] = vi(2, (const double[]){-1, -1});
    fold_fails(&f, ins, BASE_ESHAPE, "shape entry 1 is -1");
    fn_init(&f, "Reshape", 2);
    ins[0] = vi(3, NULL);
    ins[1] = vi(2, (const double[]){3, 0});
    fold_fails(&f, ins, BASE_ESHAPE, "shape entry 1 is 0 but the input has 1 dimensions");
    fn_init(&f, "Reshape", 2);
    ins[0] = vi(3, NULL);
    ins[1] = vi(9, (const double[]){1, 1, 1, 1, 1, 1, 1, 1, 3});
    fold_fails(&f, ins, BASE_ERANGE, "the shape has 9 dimensions");
    fn_init(&f, "Reshape", 2);
    ins[0] = vi(3, NULL);
    ins[1] = vi(3, (const double[]){1e12, 1e12, 1e12});
    fold_fails(&f, ins, BASE_ESHAPE, "cannot reshape [3] to");
}
END_TEST

START_TEST(test_fold_arithmetic)
{
    fnode f;
    net_tensor *ins[2] = {0};
    static const int64_t d21[2] = {2, 1}, d3[1] = {3}, d23[2] = {2, 3}, d2[1] = {2};
    /* numpy broadcasting: [2, 1] + [3] -> [2, 3]. */
    fn_init(&f, "Add", 2);
    ins[0] = mk(NET_DT_INT64, 2, d21, (const double[]){10, 20});
    ins[1] = vi(3, (const double[]){1, 2, 3});
    expect_ints(fold_ok(&f, ins), 2, d23, (const int64_t[]){11, 12, 13, 21, 22, 23});
    fn_init(&f, "Sub", 2);
    ins[0] = vi(3, (const double[]){1, 2, 3});
    ins[1] = si(1);
    expect_ints(fold_ok(&f, ins), 1, d3, (const int64_t[]){0, 1, 2});
    fn_init(&f, "Mul", 2);
    ins[0] = si(-4);
    ins[1] = vi(2, (const double[]){3, 5});
    expect_ints(fold_ok(&f, ins), 1, d2, (const int64_t[]){-12, -20});
    /* Integer Div truncates toward zero (C, onnxruntime). */
    fn_init(&f, "Div", 2);
    ins[0] = vi(3, (const double[]){-7, 7, 6});
    ins[1] = si(2);
    expect_ints(fold_ok(&f, ins), 1, d3, (const int64_t[]){-3, 3, 3});
    fn_init(&f, "Div", 2);
    ins[0] = mk(NET_DT_FLOAT, 1, d2, (const double[]){1, -3});
    ins[1] = sf(2);
    net_tensor *t = fold_ok(&f, ins);
    ck_assert(t->fval[0] == 0.5 && t->fval[1] == -1.5);
    net_tensor_free(t);
    fn_init(&f, "Div", 2);
    ins[0] = si(1);
    ins[1] = si(0);
    fold_fails(&f, ins, BASE_ERANGE, "1 / 0 overflows or divides by zero");
    fn_init(&f, "Div", 2);
    ins[0] = si(0);
    ins[0]->ival[0] = INT64_MIN;
    ins[1] = si(-1);
    fold_fails(&f, ins, BASE_ERANGE, "overflows or divides by zero");
    fn_init(&f, "Mul", 2);
    ins[0] = si(4e18);
    ins[1] = si(4);
    fold_fails(&f, ins, BASE_ERANGE, "4000000000000000000 * 4 overflows");
    fn_init(&f, "Add", 2);
    ins[0] = si(0);
    ins[0]->ival[0] = INT64_MAX;
    ins[1] = si(1);
    fold_fails(&f, ins, BASE_ERANGE, "overflows");
    fn_init(&f, "Sub", 2);
    ins[0] = si(0);
    ins[0]->ival[0] = INT64_MIN;
    ins[1] = si(1);
    fold_fails(&f, ins, BASE_ERANGE, "overflows");
    fn_init(&f, "Add", 2);
    ins[0] = vi(2, NULL);
    ins[1] = vi(3, NULL);
    fold_fails(&f, ins, BASE_ESHAPE, "shapes [2] and [3] do not broadcast");
    fn_init(&f, "Add", 2);
    ins[0] = si(1);
    ins[1] = sf(1);
    fold_fails(&f, ins, BASE_EINVAL, "operands are int64 and float (ONNX needs one type)");
    fn_init(&f, "Add", 1);
    ins[0] = si(1);
    fold_fails(&f, ins, BASE_EINVAL, "input 1 is missing");
    /* Floor, Ceil, Sqrt on floats; integers refused. */
    const char *ops[3] = {"Floor", "Ceil", "Sqrt"};
    const double want[3] = {2, 3, 1.5};
    for (int k = 0; k < 3; k++) {
        fn_init(&f, ops[k], 1);
        ins[0] = sf(k == 2 ? 2.25 : 2.5);
        t = fold_ok(&f, ins);
        ck_assert(t->fval[0] == want[k]);
        net_tensor_free(t);
        fn_init(&f, ops[k], 1);
        ins[0] = si(2);
        fold_fails(&f, ins, BASE_EUNSUPPORTED, "takes a float input, not int64");
    }
    ck_assert(net_onnx_fold_op("Gather") && !net_onnx_fold_op("Conv"));
    fn_init(&f, "Conv", 0);
    fold_fails(&f, ins, BASE_EUNSUPPORTED, "not an operator apsim folds");
}
END_TEST

/* ---- The MobileNetV2-class model with symbolic dims ------------------------------------- */
static const char *tmp_path(const char *tag)
{
    static char path[256];
    snprintf(path, sizeof path, "/tmp/apsim_check_fold_%ld_%s.onnx", (long)getpid(), tag);
    return path;
}

static base_status load_at(const char *path, const char *shape, net_network **net)
{
    *net = NULL;
    net_load_opts opts = {0};
    if (shape)
        ck_assert_int_eq(net_input_shape_parse(shape, &opts.input_shape), BASE_OK);
    return net_load_with(path, &opts, net);
}

/* Every layer of the model at H x W (multiples of 2) against hand numbers. */
static void check_mobilenet_class(const net_network *net, int h)
{
    static const struct {
        const char *name;
        net_kind kind;
        int c, groups;
    } want[] = {
        {"stem", NET_CONV, 8, 1},        {"stem_act", NET_RELU, 8, 1}, {"expand", NET_CONV, 16, 1},
        {"expand_act", NET_RELU, 16, 1}, {"dw", NET_CONV, 16, 16},     {"dw_act", NET_RELU, 16, 1},
        {"project", NET_CONV, 8, 1},     {"add", NET_ADD, 8, 1},       {"pool", NET_AVGPOOL, 8, 1},
        {"flatten", NET_FLATTEN, 8, 1},  {"fc", NET_FC, 10, 1},
    };
    const uint64_t px = (uint64_t)(h / 2) * (uint64_t)(h / 2); /* after the stride-2 stem */
    const uint64_t macs[] = {px * 8 * 27, 0, px * 16 * 8, 0, px * 16 * 9, 0,
                             px * 8 * 16, 0, 0,           0, 80};
    const uint64_t params[] = {8 * 27 + 8, 0, 16 * 8 + 16, 0, 16 * 9 + 16, 0,
                               8 * 16 + 8, 0, 0,           0, 10 * 8 + 10};
    ck_assert_uint_eq(net->n_layers, sizeof want / sizeof want[0]);
    ck_assert_int_eq(net->c_in, 3);
    ck_assert_int_eq(net->h_in, h);
    uint64_t total = 0;
    for (size_t i = 0; i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        int sp = i < 8 ? h / 2 : 1;
        ck_assert_str_eq(l->name, want[i].name);
        ck_assert_int_eq(l->kind, want[i].kind);
        ck_assert_int_eq(l->c_out, want[i].c);
        ck_assert_int_eq(l->h_out, sp);
        ck_assert_int_eq(l->w_out, sp);
        ck_assert_int_eq(l->groups, want[i].groups);
        ck_assert_uint_eq(l->macs, macs[i]);
        ck_assert_uint_eq(l->n_params, params[i]);
        total += macs[i];
    }
    ck_assert_uint_eq(net->total_macs, total);
    ck_assert_int_eq(net->layers[7].inputs[1], 1); /* the residual reads the stem's output */
}

START_TEST(test_onnx_symbolic_mobilenet_class)
{
    const char *path = tmp_path("mbv2");
    net_network *net = NULL;
    onnx_build_mobilenet_class(path, 0);
    /* Without a shape: the error says what to give. */
    ck_assert_int_eq(net_load(path, &net), BASE_ESHAPE);
    ck_assert_ptr_null(net);
    ck_assert_msg(strstr(base_last_error(),
                         "error: graph input 'x' has symbolic dimensions [?, 3, ?, ?]: give its "
                         "shape with --input-shape (e.g. 1x3x224x224)") != NULL,
                  "%s", base_last_error());
    /* With it: every layer, at two resolutions; the network is named after the shape. */
    ck_assert_msg(load_at(path, "1x3x16x16", &net) == BASE_OK, "%s", base_last_error());
    check_mobilenet_class(net, 16);
    ck_assert_msg(strstr(net->name, "@3x16x16") != NULL, "%s", net->name);
    net_free(net);
    ck_assert_msg(load_at(path, "3x32x32", &net) == BASE_OK, "%s", base_last_error());
    check_mobilenet_class(net, 32);
    net_free(net);
    /* A batch of 4: the folded Shape -> Gather gives N = 4, still a flatten. */
    ck_assert_msg(load_at(path, "4x3x16x16", &net) == BASE_OK, "%s", base_last_error());
    check_mobilenet_class(net, 16);
    net_free(net);
    /* A fixed dimension that disagrees. */
    ck_assert_int_eq(load_at(path, "1x4x16x16", &net), BASE_ESHAPE);
    ck_assert_msg(strstr(base_last_error(), "graph input 'x': dimension 1 (C) is 3 in the model, "
                                            "the input shape 1x4x16x16 gives 4") != NULL,
                  "%s", base_last_error());
    ck_assert_int_eq(load_at(path, "1x3x224", &net), BASE_ESHAPE); /* C x H x W: C = 1 */
    ck_assert_msg(strstr(base_last_error(), "dimension 1 (C) is 3 in the model") != NULL, "%s",
                  base_last_error());
    ck_assert_int_eq(load_at(path, "1x3x70000x8", &net), BASE_ESHAPE);
    ck_assert_msg(strstr(base_last_error(), "has no usable fixed shape") != NULL, "%s",
                  base_last_error());
    /* The fixed-shape model: its own shape, a matching one, and a conflicting H. */
    onnx_build_mobilenet_class(path, 1);
    ck_assert_msg(net_load(path, &net) == BASE_OK, "%s", base_last_error());
    check_mobilenet_class(net, 16);
    net_free(net);
    ck_assert_msg(load_at(path, "1x3x16x16", &net) == BASE_OK, "%s", base_last_error());
    net_free(net);
    ck_assert_int_eq(load_at(path, "1x3x32x32", &net), BASE_ESHAPE);
    ck_assert_msg(strstr(base_last_error(), "dimension 2 (H) is 16 in the model, the input shape "
                                            "1x3x32x32 gives 32") != NULL,
                  "%s", base_last_error());
    ck_assert_int_eq(load_at(path, "2x3x16x16", &net), BASE_ESHAPE);
    ck_assert_msg(strstr(base_last_error(), "dimension 0 (N) is 1") != NULL, "%s",
                  base_last_error());
    unlink(path);
}
END_TEST

/* Importer-level folding: a Reshape target that is no flatten, one that is the input's own
 * shape, a non-constant input to a fold-only operator, a bound, an undeclared input shape. */
START_TEST(test_onnx_fold_in_graph)
{
    const char *path = tmp_path("graph");
    static const char *const sym[4] = {"N", "3", "H", "W"};
    static const int64_t one = 1, three = 3;
    net_network *net = NULL;
    /* [N, 3, -1] is no flatten: named with both shapes. */
    onnx_build *b = ob_new(11);
    ob_input(b, "x", 4, sym);
    const char *t = ob_conv(b, "c", "x", 3, 4, 3, 1, 1, 1);
    ob_node(b, "Shape", "s", t, "s_out");
    ob_node(b, "Constant", "k", "", "k_out");
    ob_attr_tensor_i64(b, "value", 1, &one, &three);
    ob_node(b, "Constant", "m", "", "m_out");
    ob_attr_tensor_i64(b, "value", 1, &one, (const int64_t[]){-1});
    ob_node(b, "Slice", "sl", "s_out", "n_out"); /* opset 11 attribute form: [N] */
    ob_attr_ints(b, "starts", 1, (const int64_t[]){0});
    ob_attr_ints(b, "ends", 1, &one);
    ob_node(b, "Cast", "cast", "k_out", "k2");
    ob_attr_int(b, "to", NET_DT_INT64);
    ob_node(b, "Concat", "cat", "n_out k2 m_out", "target");
    ob_attr_int(b, "axis", 0);
    ob_node(b, "Reshape", "rs", "c_out target", "y");
    ob_output(b, "y");
    ob_write(b, path);
    ob_free(b);
    ck_assert_int_eq(load_at(path, "2x3x8x8", &net), BASE_EUNSUPPORTED);
    ck_assert_msg(strstr(base_last_error(), "node 'rs' (Reshape): target [2, 3, -1] of the "
                                            "[2, 4, 8, 8] input is no flatten [N, C*H*W]") != NULL,
                  "%s", base_last_error());
    /* Reshape to its own shape (Shape of the input as the target): no layer. */
    b = ob_new(13);
    ob_input(b, "x", 4, sym);
    t = ob_conv(b, "c", "x", 3, 4, 3, 1, 1, 1);
    ob_node(b, "Shape", "s", t, "s_out");
    ob_node(b, "Reshape", "rs", "c_out s_out", "r_out");
    ob_node(b, "Relu", "r", "r_out", "y");
    ob_output(b, "y");
    ob_write(b, path);
    ob_free(b);
    ck_assert_msg(load_at(path, "1x3x8x8", &net) == BASE_OK, "%s", base_last_error());
    ck_assert_uint_eq(net->n_layers, 2);
    ck_assert_int_eq(net->layers[1].inputs[0], 0);
    net_free(net);
    /* Shape of the graph input itself, sliced with an omitted axes input: [N, 3, H, W]. */
    b = ob_new(13);
    ob_input(b, "x", 4, sym);
    ob_node(b, "Shape", "s", "x", "s_out");
    ob_init_i64(b, "st", 1, &one, (const int64_t[]){0});
    ob_init_i64(b, "en", 1, &one, (const int64_t[]){4});
    ob_init_i64(b, "sp", 1, &one, &one);
    ob_node(b, "Slice", "sl", "s_out st en - sp", "target");
    ob_node(b, "Reshape", "rs", "x target", "r_out");
    ob_node(b, "Relu", "r", "r_out", "y");
    ob_output(b, "y");
    ob_write(b, path);
    ob_free(b);
    ck_assert_msg(load_at(path, "2x3x5x7", &net) == BASE_OK, "%s", base_last_error());
    ck_assert_uint_eq(net->n_layers, 1);
    ck_assert_int_eq(net->layers[0].inputs[0], -1);
    ck_assert_int_eq(net->layers[0].w_out, 7);
    net_free(net);
    /* A rank-2 (N x F) input takes N x F x 1 x 1 only. */
    static const char *const nf[2] = {"N", "8"};
    b = ob_new(13);
    ob_input(b, "x", 2, nf);
    ob_gemm(b, "fc", "x", 8, 4);
    ob_output(b, "fc_out");
    ob_write(b, path);
    ob_free(b);
    ck_assert_msg(load_at(path, "3x8x1x1", &net) == BASE_OK, "%s", base_last_error());
    ck_assert_int_eq(net->c_in, 8);
    ck_assert_uint_eq(net->layers[0].macs, 32);
    net_free(net);
    ck_assert_int_eq(load_at(path, "1x8x2x2", &net), BASE_ESHAPE);
    ck_assert_msg(strstr(base_last_error(), "graph input 'x' is N x F: the input shape 1x8x2x2 "
                                            "must be N x F x 1 x 1") != NULL,
                  "%s", base_last_error());
    /* Gather of an activation: a fold-only operator on a non-constant. */
    b = ob_new(13);
    ob_input(b, "x", 4, sym);
    ob_init_i64(b, "i0", 0, NULL, (const int64_t[]){0});
    ob_node(b, "Gather", "g", "x i0", "y");
    ob_output(b, "y");
    ob_write(b, path);
    ob_free(b);
    ck_assert_int_eq(load_at(path, "1x3x8x8", &net), BASE_EUNSUPPORTED);
    ck_assert_msg(strstr(base_last_error(), "node 'g' (Gather): an input is no constant (apsim "
                                            "folds Gather only on constants and has no layer "
                                            "for it)") != NULL,
                  "%s", base_last_error());
    /* A huge ConstantOfShape is a range error, not an allocation. */
    b = ob_new(13);
    ob_input(b, "x", 4, sym);
    ob_init_i64(b, "big", 1, (const int64_t[]){2}, (const int64_t[]){1 << 30, 1 << 30});
    ob_node(b, "ConstantOfShape", "cos", "big", "z");
    ob_node(b, "Relu", "r", "x", "y");
    ob_output(b, "y");
    ob_write(b, path);
    ob_free(b);
    ck_assert_int_eq(load_at(path, "1x3x8x8", &net), BASE_ERANGE);
    ck_assert_msg(strstr(base_last_error(), "node 'cos' (ConstantOfShape): result dimension 0 is "
                                            "1073741824") != NULL,
                  "%s", base_last_error());
    /* An input that names nothing; more inputs than the folder takes. */
    b = ob_new(13);
    ob_input(b, "x", 4, sym);
    ob_node(b, "Shape", "s", "nowhere", "y");
    ob_output(b, "y");
    ob_write(b, path);
    ob_free(b);
    ck_assert_int_eq(load_at(path, "1x3x8x8", &net), BASE_ESHAPE);
    ck_assert_msg(
        strstr(base_last_error(), "node 's' (Shape): input 0 'nowhere' is not produced") != NULL,
        "%s", base_last_error());
    b = ob_new(13);
    ob_input(b, "x", 4, sym);
    ob_init_i64(b, "one", 1, &one, &one);
    ob_node(b, "Concat", "cat",
            "one one one one one one one one one one one one one one one one one", "y");
    ob_attr_int(b, "axis", 0);
    ob_output(b, "y");
    ob_write(b, path);
    ob_free(b);
    ck_assert_int_eq(load_at(path, "1x3x8x8", &net), BASE_ERANGE);
    ck_assert_msg(strstr(base_last_error(), "node 'cat' (Concat): 17 inputs (apsim folds at most "
                                            "16)") != NULL,
                  "%s", base_last_error());
    /* An input with no declared shape takes the given one whole; without it, the error. */
    static const char *const none[1] = {""};
    b = ob_new(13);
    ob_input(b, "x", 0, NULL);
    ob_node(b, "Relu", "r", "x", "y");
    ob_output(b, "y");
    ob_write(b, path);
    ob_free(b);
    ck_assert_int_eq(load_at(path, NULL, &net), BASE_ESHAPE);
    ck_assert_msg(strstr(base_last_error(), "the graph input's shape is not declared: give it "
                                            "with --input-shape") != NULL,
                  "%s", base_last_error());
    ck_assert_msg(load_at(path, "2x5x6x7", &net) == BASE_OK, "%s", base_last_error());
    ck_assert_int_eq(net->c_in, 5);
    ck_assert_int_eq(net->w_in, 7);
    net_free(net);
    /* Rank 0 (declared, empty) and an unset dimension of rank 1 are refused. */
    b = ob_new(13);
    ob_input(b, "x", 0, none);
    ob_node(b, "Relu", "r", "x", "y");
    ob_output(b, "y");
    ob_write(b, path);
    ob_free(b);
    ck_assert_int_eq(load_at(path, "1x3x8x8", &net), BASE_EUNSUPPORTED);
    ck_assert_msg(strstr(base_last_error(), "graph input 'x' has 0 dimensions") != NULL, "%s",
                  base_last_error());
    unlink(path);
}
END_TEST

/* The MobileNetV3-style variants write the nodes they say, in order (their import is for the
 * kinds HardSwish, HardSigmoid and Mul to check). */
START_TEST(test_onnx_mobilenet_class_variants_written)
{
    const char *path = tmp_path("v3");
    static const struct {
        onnx_mbc_opts o;
        size_t n_nodes;
        const char *ops; /* op types of nodes 1.. (after the stem conv), up to the Add */
    } cases[] = {
        {{0, 1, 0}, 16, "HardSwish Conv Relu Conv Clip Conv Add"},
        {{0, 2, 0}, 19, "Add Clip Mul Div Conv Relu Conv Clip Conv Add"},
        {{1, 0, 1},
         22,
         "Clip Conv Relu Conv Clip Conv GlobalAveragePool Conv Relu Conv "
         "HardSigmoid Mul Add"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        onnx_build_mobilenet_class_with(path, &cases[k].o);
        net_onnx_graph *g = NULL;
        ck_assert_int_eq(net_onnx_graph_load(path, &g), BASE_OK);
        ck_assert_uint_eq(g->n_nodes, cases[k].n_nodes);
        ck_assert_int_eq(g->input_dims[0][2], cases[k].o.fixed_input ? 16 : -1);
        char ops[256] = "";
        for (size_t i = 1; i < g->n_nodes && strcmp(g->nodes[i - 1].name, "add") != 0; i++)
            snprintf(ops + strlen(ops), sizeof ops - strlen(ops), "%s%s", i > 1 ? " " : "",
                     g->nodes[i].op_type);
        ck_assert_str_eq(ops, cases[k].ops);
        if (cases[k].o.squeeze_excite) /* the gate multiplies the projection's output */
            for (size_t i = 0; i < g->n_nodes; i++)
                if (!strcmp(g->nodes[i].name, "se"))
                    ck_assert_str_eq(g->nodes[i].inputs[0], "project_out");
        net_onnx_graph_free(g);
    }
    unlink(path);
}
END_TEST

/* tests/data/onnx_mobilenet_class.onnx and onnx_mobilenet_v3_class.onnx (the golden CLI tests'
 * models: the base one, and the variant with a decomposed hard-swish and squeeze-and-excite)
 * are what the builder writes, byte for byte; APSIM_REGEN_DATA=1 rewrites them. */
START_TEST(test_onnx_mobilenet_class_data_file)
{
    static const char *const data_files[] = {"tests/data/onnx_mobilenet_class.onnx",
                                             "tests/data/onnx_mobilenet_v3_class.onnx"};
    static const onnx_mbc_opts variants[] = {{0, 0, 0}, {0, 2, 1}};
    const char *data = data_files[_i], *path = tmp_path("data");
    const char *regen = getenv("APSIM_REGEN_DATA");
    onnx_build_mobilenet_class_with(regen && !strcmp(regen, "1") ? data : path, &variants[_i]);
    FILE *a = fopen(data, "rb"), *b = fopen(path, "rb");
    ck_assert_ptr_nonnull(a);
    if (b) {
        int ca, cb;
        do {
            ca = fgetc(a);
            cb = fgetc(b);
        } while (ca == cb && ca != EOF);
        ck_assert_msg(ca == cb, "%s differs from the builder's model: APSIM_REGEN_DATA=1", data);
        fclose(b);
        unlink(path);
    }
    fclose(a);
}
END_TEST

/* Every allocation failure while loading the symbolic model at a shape (graph, folding,
 * layers, the renamed network) is BASE_ENOMEM with nothing leaked. */
START_TEST(test_onnx_fold_out_of_memory)
{
    net_load_opts opts = {0};
    ck_assert_int_eq(net_input_shape_parse("1x3x16x16", &opts.input_shape), BASE_OK);
    for (long n = 1; n < 20000; n++) {
        net_network *net = NULL;
        base_alloc_fail_after(n);
        base_status st = net_load_with("tests/data/onnx_mobilenet_class.onnx", &opts, &net);
        base_alloc_fail_reset();
        if (st == BASE_OK) {
            ck_assert_int_gt(n, 20);
            ck_assert_uint_eq(net->n_layers, 11);
            net_free(net);
            return;
        }
        ck_assert_msg(st == BASE_ENOMEM, "n %ld: %s", n, base_last_error());
        ck_assert_ptr_null(net);
    }
    ck_abort_msg("loading never succeeded");
}
END_TEST

TCase *onnx_fold_tcase(void)
{
    TCase *tc = tcase_create("fold");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_fold_constant_shape_range);
    tcase_add_test(tc, test_fold_gather_slice_concat);
    tcase_add_test(tc, test_fold_cast_squeeze_reshape);
    tcase_add_test(tc, test_fold_arithmetic);
    tcase_add_test(tc, test_onnx_symbolic_mobilenet_class);
    tcase_add_test(tc, test_onnx_fold_in_graph);
    tcase_add_loop_test(tc, test_onnx_mobilenet_class_data_file, 0, 2);
    tcase_add_test(tc, test_onnx_mobilenet_class_variants_written);
    tcase_add_test(tc, test_onnx_fold_out_of_memory);
    return tc;
}
