/* check_net.c - networks: shipped networks against published MACs/parameters (torchvision,
 * pytorchcv, HAWQ-V3), shape inference and its errors, HAWQ-V3 / native / uniform bit
 * configurations against HAWQ's model_zoo.md BOPS and sizes, every loader error path. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "networks/net.h"
#include "networks/net_impl.h"

Suite *net_suite(void);

/* ---- helpers -------------------------------------------------------------------------- */
static net_network *load_net(const char *name)
{
    char path[4096];
    net_network *net = NULL;
    ck_assert_int_eq(net_find_builtin(name, path, sizeof path), BASE_OK);
    base_status st = net_load(path, &net);
    ck_assert_msg(st == BASE_OK, "%s", base_last_error());
    return net;
}

static net_network *net_ok(const char *text)
{
    net_network *net = NULL;
    base_status st = net_load_string("n.yaml", text, strlen(text), &net);
    ck_assert_msg(st == BASE_OK, "%s", base_last_error());
    return net;
}

static void net_fails(const char *text, base_status want, const char *msg)
{
    net_network *net = NULL;
    base_status st = net_load_string("n.yaml", text, strlen(text), &net);
    ck_assert_msg(st == want, "status %d, want %d: %s", st, want, base_last_error());
    ck_assert_ptr_null(net);
    ck_assert_str_eq(base_last_error(), msg);
}

static void bits_fails(const net_network *net, const char *text, base_status want, const char *msg)
{
    net_bitcfg *c = NULL;
    base_status st = net_bitcfg_load_string("b.yaml", text, strlen(text), net, &c);
    ck_assert_msg(st == want, "status %d, want %d: %s", st, want, base_last_error());
    ck_assert_ptr_null(c);
    ck_assert_str_eq(base_last_error(), msg);
}

static char *read_text(const char *path)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    char *buf = calloc(1, 1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    return buf;
}

/* The shipped uniform8 HAWQ file with the first `from` replaced by `to`. */
static char *hawq_edit(const char *from, const char *to)
{
    char *text = read_text("networks/hawq_v3/resnet18_uniform8.yaml");
    char *at = strstr(text, from);
    ck_assert_ptr_nonnull(at);
    char *out = calloc(1, strlen(text) + strlen(to) + 1);
    memcpy(out, text, (size_t)(at - text));
    strcat(out, to);
    strcat(out, at + strlen(from));
    free(text);
    return out;
}

static double rel_err(double got, double want)
{
    return fabs(got - want) / want;
}

static int idx(const net_network *net, const char *name)
{
    int i = net_find_layer(net, name);
    ck_assert_msg(i >= 0, "no layer %s", name);
    return i;
}

/* A small network exercising every layer kind. */
static const char small_net[] = "name: small\n"
                                "input: {channels: 3, height: 32, width: 32}\n"
                                "layers:\n"
                                "  - {name: c1, type: conv, out: 16, kernel: 3, pad: 1}\n"
                                "  - {name: r1, type: relu}\n"
                                "  - {name: dw, type: conv, out: 16, kernel: 3, pad: 1, groups: "
                                "16, bias: false}\n"
                                "  - {name: sum, type: add, inputs: [dw, r1]}\n"
                                "  - {name: mp, type: maxpool, kernel: 2}\n"
                                "  - {name: ap, type: avgpool, global: true}\n"
                                "  - {name: fl, type: flatten}\n"
                                "  - {name: fc, type: fc, out: 10}\n";

/* ---- networks: published figures ------------------------------------------------------ */
/* torchvision weight metadata (_ops GMAC, params) for AlexNet/VGG16 (0.714 is the 0.71 of its
 * docs table before rounding); pytorchcv / HAWQ-V3 for the ResNets (github.com/Zhen-Dong/HAWQ). */
static const struct {
    const char *name;
    double gmacs, mparams;
} published[] = {
    {"alexnet", 0.714, 61.1},
    {"vgg16", 15.47, 138.4},
    {"resnet18", 1.814, 11.7},
    {"resnet50", 3.858, 25.5},
};

START_TEST(test_net_published_macs_params)
{
    net_network *net = load_net(published[_i].name);
    ck_assert_str_eq(net->name, published[_i].name);
    double gmacs = (double)net->total_macs / 1e9, mparams = (double)net->total_params / 1e6;
    ck_assert_msg(rel_err(gmacs, published[_i].gmacs) < 0.005, "%s: %.4f GMAC vs %.4f", net->name,
                  gmacs, published[_i].gmacs);
    ck_assert_msg(rel_err(mparams, published[_i].mparams) < 0.005, "%s: %.4f M vs %.4f", net->name,
                  mparams, published[_i].mparams);
    net_free(net);
}
END_TEST

/* MobileNetV2 (networks/mobilenet_v2.yaml) against the paper (Sandler et al., CVPR 2018,
 * Table 4: 300 M multiply-adds, 3.4 M parameters) and torchvision's mobilenet_v2 weights table
 * (0.30 GFLOPS, 3,504,872 parameters). apsim folds each batch norm into its conv as one bias
 * per channel where torchvision counts BN's weight and bias (2 per channel): so computed
 * params + one per BN channel (every conv is followed by a BN) = torchvision's count. */
START_TEST(test_net_mobilenet_v2_published)
{
    net_network *net = load_net("mobilenet_v2");
    ck_assert_uint_eq(net->total_macs, 300774272u);
    ck_assert_uint_eq(net->total_params, 3487816u);
    ck_assert_msg(rel_err((double)net->total_macs / 1e6, 300.0) < 0.005, "%llu MACs",
                  (unsigned long long)net->total_macs);
    ck_assert_msg(rel_err((double)net->total_params / 1e6, 3.4) < 0.03, "%llu params",
                  (unsigned long long)net->total_params);
    uint64_t bn_channels = 0;
    size_t n_conv = 0, n_dw = 0, n_add = 0;
    for (size_t i = 0; i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        if (l->kind == NET_CONV) {
            bn_channels += (uint64_t)l->c_out;
            n_conv++;
            n_dw += l->groups > 1 && l->groups == l->c_in && l->c_in == l->c_out;
            ck_assert_int_eq(l->has_bias, 1);
        }
        n_add += l->kind == NET_ADD;
    }
    ck_assert_uint_eq(net->total_params + bn_channels, 3504872u);
    ck_assert_uint_eq(n_conv, 52); /* 1 + 17 blocks (2 or 3 convs) + 1: torchvision's */
    ck_assert_uint_eq(n_dw, 17);
    ck_assert_uint_eq(n_add, 10);
    /* The first block's depthwise 3x3 (groups 32) and a stride-2 one, by hand. */
    const net_layer *l = &net->layers[idx(net, "features.1.conv.0.0")];
    ck_assert_int_eq(l->groups, 32);
    ck_assert_uint_eq(l->macs, 32ull * 112 * 112 * 9);
    ck_assert_uint_eq(l->n_params, 32ull * 9 + 32);
    l = &net->layers[idx(net, "features.2.conv.1.0")];
    ck_assert_int_eq(l->stride, 2);
    ck_assert_int_eq(l->h_out, 56);
    ck_assert_uint_eq(l->macs, 96ull * 56 * 56 * 9);
    l = &net->layers[idx(net, "classifier.1")];
    ck_assert_int_eq(l->c_in, 1280);
    ck_assert_uint_eq(l->n_params, 1280ull * 1000 + 1000);
    ck_assert_int_eq(net->layers[idx(net, "features.18.0")].h_out, 7);
    net_free(net);
}
END_TEST

/* --input-shape / input_shape: parsing, and a YAML network loaded at another resolution. */
START_TEST(test_net_input_shape)
{
    net_input_shape s;
    char text[96];
    ck_assert_int_eq(net_input_shape_parse("1x3x224x224", &s), BASE_OK);
    ck_assert_int_eq(s.n_dims, 4);
    ck_assert_int_eq(s.dims[3], 224);
    ck_assert_int_eq(net_input_shape_parse("3x160x128", &s), BASE_OK);
    ck_assert_int_eq(s.n_dims, 3);
    net_input_shape_format(&s, text, sizeof text);
    ck_assert_str_eq(text, "1x3x160x128");
    static const struct {
        const char *text;
        base_status st;
        const char *msg;
    } bad[] = {
        {"0x3x4x4", BASE_ERANGE,
         "error: input shape '0x3x4x4': dimension 0 is 0 (each must be >= 1)"},
        {"ax3", BASE_EINVAL,
         "error: input shape 'ax3': dimension 0 'a' is not a whole number (expected NxCxHxW or "
         "CxHxW, e.g. 1x3x224x224)"},
        {"3x224", BASE_EINVAL,
         "error: input shape '3x224': 2 dimensions (expected NxCxHxW or CxHxW, e.g. 1x3x224x224)"},
        {"1x3x224x224x1", BASE_EINVAL,
         "error: input shape '1x3x224x224x1': more than 4 dimensions (expected NxCxHxW or CxHxW, "
         "e.g. 1x3x224x224)"},
        {"1x3x99999999999999999999x4", BASE_ERANGE,
         "error: input shape '1x3x99999999999999999999x4': dimension 2 '99999999999999999999' "
         "exceeds 1048576"},
        {"1x3xx4", BASE_EINVAL,
         "error: input shape '1x3xx4': dimension 2 is empty (expected NxCxHxW or CxHxW, e.g. "
         "1x3x224x224)"},
        {"", BASE_EINVAL,
         "error: input shape '': dimension 0 is empty (expected NxCxHxW or CxHxW, e.g. "
         "1x3x224x224)"},
        {"1x-3x4x4", BASE_EINVAL,
         "error: input shape '1x-3x4x4': dimension 1 '-3' is not a whole number (expected "
         "NxCxHxW or CxHxW, e.g. 1x3x224x224)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(net_input_shape_parse(bad[i].text, &s), bad[i].st);
        ck_assert_int_eq(s.n_dims, 0);
        ck_assert_str_eq(base_last_error(), bad[i].msg);
    }
    /* A YAML network at another resolution: renamed, every shape follows; channels must agree. */
    char path[4096];
    net_network *net = NULL;
    net_load_opts opts = {0};
    ck_assert_int_eq(net_find_builtin("mobilenet_v2", path, sizeof path), BASE_OK);
    ck_assert_int_eq(net_input_shape_parse("1x3x160x160", &opts.input_shape), BASE_OK);
    ck_assert_msg(net_load_with(path, &opts, &net) == BASE_OK, "%s", base_last_error());
    ck_assert_str_eq(net->name, "mobilenet_v2@3x160x160");
    ck_assert_int_eq(net->h_in, 160);
    ck_assert_int_eq(net->layers[idx(net, "features.18.0")].h_out, 5);
    ck_assert_uint_eq(net->layers[idx(net, "features.0.0")].macs, 32ull * 80 * 80 * 27);
    net_free(net);
    ck_assert_int_eq(net_input_shape_parse("1x3x224", &opts.input_shape), BASE_OK); /* C x H x W */
    ck_assert_int_eq(net_load_with(path, &opts, &net), BASE_ESHAPE);
    ck_assert_ptr_null(net);
    ck_assert_msg(strstr(base_last_error(), ":13:8: error: input shape 1x1x3x224 gives 1 channels, "
                                            "network 'mobilenet_v2' takes 3 (only N, H and W may "
                                            "change)") != NULL,
                  "%s", base_last_error());
    ck_assert_int_eq(net_input_shape_parse("1x3x70000x4", &opts.input_shape), BASE_OK);
    ck_assert_int_eq(net_load_with(path, &opts, &net), BASE_ERANGE);
    ck_assert_msg(strstr(base_last_error(), "height and width must be at most 65536") != NULL, "%s",
                  base_last_error());
    /* A window that no longer fits at a small input is the builder's usual error. */
    ck_assert_int_eq(net_find_builtin("alexnet", path, sizeof path), BASE_OK);
    ck_assert_int_eq(net_input_shape_parse("3x8x8", &opts.input_shape), BASE_OK);
    ck_assert_int_eq(net_load_with(path, &opts, &net), BASE_ESHAPE);
    ck_assert_ptr_null(net);
    ck_assert_int_eq(net_find_builtin("mobilenet_v2", path, sizeof path), BASE_OK);
    /* A HAWQ scheme names the model: it still applies at another resolution. */
    net_bitcfg *cfg = NULL;
    ck_assert_int_eq(net_find_builtin("resnet18", path, sizeof path), BASE_OK);
    ck_assert_int_eq(net_input_shape_parse("3x112x112", &opts.input_shape), BASE_OK);
    ck_assert_int_eq(net_load_with(path, &opts, &net), BASE_OK);
    ck_assert_str_eq(net->name, "resnet18@3x112x112");
    ck_assert(net_model_is(net, "resnet18") && !net_model_is(net, "resnet18@3x112x112") &&
              !net_model_is(net, "resnet1"));
    ck_assert_msg(net_bitcfg_resolve("resnet18_latency_0.5", net, &cfg) == BASE_OK, "%s",
                  base_last_error());
    net_bitcfg_free(cfg);
    bits_fails(net, "network: vgg16\ndefault: {w: 8, a: 8}\n", BASE_EINVAL,
               "b.yaml:1:10: error: bit configuration is for network 'vgg16', network is "
               "'resnet18@3x112x112'");
    net_free(net);
    ck_assert_int_eq(net_find_builtin("mobilenet_v2", path, sizeof path), BASE_OK);
    /* No shape: net_load's network, name unchanged. */
    memset(&opts, 0, sizeof opts);
    ck_assert_int_eq(net_load_with(path, &opts, &net), BASE_OK);
    ck_assert_str_eq(net->name, "mobilenet_v2");
    ck_assert(net_model_is(net, "mobilenet_v2") && !net_model_is(net, "mobilenet"));
    net_free(net);
}
END_TEST

START_TEST(test_net_alexnet_shapes)
{
    net_network *net = load_net("alexnet");
    const net_layer *l = &net->layers[idx(net, "conv1")];
    ck_assert_int_eq(l->c_out, 64);
    ck_assert_int_eq(l->h_out, 55);
    ck_assert_int_eq(l->w_out, 55);
    l = &net->layers[idx(net, "pool5")];
    ck_assert_int_eq(l->h_out, 6);
    l = &net->layers[idx(net, "flatten")];
    ck_assert_int_eq(l->c_out, 9216);
    l = &net->layers[idx(net, "fc6")];
    ck_assert_uint_eq(l->n_params, 9216ull * 4096 + 4096);
    ck_assert_uint_eq(l->macs, 9216ull * 4096);
    net_free(net);
}
END_TEST

START_TEST(test_net_resnet50_v1_stride_on_first_1x1)
{
    net_network *net = load_net("resnet50");
    const net_layer *c1 = &net->layers[idx(net, "stage3.unit1.conv1")];
    const net_layer *c2 = &net->layers[idx(net, "stage3.unit1.conv2")];
    ck_assert_int_eq(c1->kh, 1);
    ck_assert_int_eq(c1->stride, 2);
    ck_assert_int_eq(c1->h_out, 14);
    ck_assert_int_eq(c2->stride, 1);
    const net_layer *add = &net->layers[idx(net, "stage1.unit1.add")];
    ck_assert_int_eq(add->inputs[1], idx(net, "stage1.unit1.identity_conv"));
    ck_assert_int_eq(add->c_out, 256);
    const net_layer *out = &net->layers[idx(net, "output")];
    ck_assert_int_eq(out->c_in, 2048);
    ck_assert_int_eq(net->layers[idx(net, "final_pool")].kh, 7);
    ck_assert_int_eq(net->layers[idx(net, "init_block.pool")].n_consumers, 2);
    net_free(net);
}
END_TEST

START_TEST(test_net_small_every_kind)
{
    net_network *net = net_ok(small_net);
    ck_assert_uint_eq(net->n_layers, 8);
    const net_layer *dw = &net->layers[2];
    ck_assert_uint_eq(dw->macs, 32ull * 32 * 16 * 9);
    ck_assert_uint_eq(dw->n_params, 16ull * 9);
    ck_assert_int_eq(net->layers[3].n_inputs, 2);
    ck_assert_int_eq(net->layers[3].inputs[1], 1);
    ck_assert_int_eq(net->layers[4].h_out, 16);
    ck_assert_int_eq(net->layers[4].stride, 2);
    ck_assert_int_eq(net->layers[5].h_out, 1);
    ck_assert_int_eq(net->layers[6].c_out, 16);
    ck_assert_uint_eq(net->layers[7].n_params, 170);
    ck_assert_str_eq(net_kind_name(net->layers[5].kind), "avgpool");
    ck_assert_str_eq(net_kind_name(NET_KIND_COUNT), "?");
    ck_assert_int_eq(net_kind_has_weights(NET_FC), 1);
    ck_assert_int_eq(net_kind_has_weights(NET_ADD), 0);
    ck_assert_int_eq(net_find_layer(net, "nope"), -1);
    net_free(net);
    net_free(NULL);
}
END_TEST

START_TEST(test_net_gemm_view)
{
    net_network *net = net_ok(small_net);
    uint64_t m, n, k;
    net_layer_gemm(&net->layers[0], 3, &m, &n, &k);
    ck_assert_uint_eq(m, 3ull * 32 * 32);
    ck_assert_uint_eq(n, 16);
    ck_assert_uint_eq(k, 27);
    ck_assert_uint_eq(m * n * k, 3 * net->layers[0].macs);
    net_layer_gemm(&net->layers[2], 2, &m, &n, &k); /* depthwise: 16 GEMMs of M x 1 x 9 */
    ck_assert_uint_eq(k, 9);
    ck_assert_uint_eq(m * n * k, 2 * net->layers[2].macs);
    net_layer_gemm(&net->layers[7], 5, &m, &n, &k);
    ck_assert_uint_eq(m, 5);
    ck_assert_uint_eq(n, 10);
    ck_assert_uint_eq(k, 16);
    net_layer_gemm(&net->layers[1], 5, &m, &n, &k);
    ck_assert_uint_eq(m + n + k, 0);
    net_free(net);
}
END_TEST

/* ---- networks: errors ----------------------------------------------------------------- */
#define HDR "name: t\ninput: {channels: 3, height: 8, width: 8}\nlayers:\n"

START_TEST(test_net_error_unknown_key)
{
    net_fails(HDR "  - {name: c, type: conv, out: 4, kernel: 3, strid: 2}\n", BASE_EKEY,
              "n.yaml:4:46: error: unknown key 'strid' in 'conv'");
    net_fails(HDR "  - {name: r, type: relu, kernel: 3}\n", BASE_EKEY,
              "n.yaml:4:27: error: unknown key 'kernel' in 'relu'");
    net_fails("name: t\ninput: {channels: 3, height: 8, width: 8}\nlayer: []\n", BASE_EKEY,
              "n.yaml:3:1: error: unknown key 'layer' in 'network'");
}
END_TEST

START_TEST(test_net_error_duplicate_and_missing)
{
    net_fails(HDR "  - {name: c, type: conv, out: 4, out: 5, kernel: 3}\n", BASE_EKEY,
              "n.yaml:4:35: error: duplicate key 'out' (first at line 4)");
    net_fails(HDR "  - {name: c, type: conv, kernel: 3}\n", BASE_EKEY,
              "n.yaml:4:5: error: missing key 'out' in 'conv'");
    net_fails(HDR "  - {name: r, type: relu}\n  - {name: r, type: relu}\n", BASE_EKEY,
              "n.yaml:5:12: error: duplicate layer name 'r' (first at line 4)");
    net_fails("name: t\nlayers: []\n", BASE_EKEY,
              "n.yaml:1:1: error: missing key 'input' in 'network'");
    net_fails(HDR "  - {name: input, type: relu}\n", BASE_EINVAL,
              "n.yaml:4:12: error: 'input' cannot be a layer name");
}
END_TEST

START_TEST(test_net_error_types_and_ranges)
{
    net_fails(HDR "  - {name: c, type: convolution}\n", BASE_EINVAL,
              "n.yaml:4:21: error: unknown layer type 'convolution' (conv, fc, maxpool, "
              "avgpool, relu, add, flatten, hardswish, hardsigmoid, sigmoid, mul, concat, "
              "resize, deconv, softmax, matmul)");
    net_fails(HDR "  - {name: c, type: conv, out: 0, kernel: 3}\n", BASE_ERANGE,
              "n.yaml:4:32: error: value 0 is outside 1..1048576");
    net_fails(HDR "  - {name: c, type: conv, out: 4, kernel: [3, 3, 3]}\n", BASE_ETYPE,
              "n.yaml:4:43: error: kernel must be one integer or [height, width]");
    net_fails("name: t\ninput: {channels: 3, height: 8, width: 8}\nlayers: []\n", BASE_ESHAPE,
              "n.yaml:3:9: error: network 't' has no layers");
}
END_TEST

START_TEST(test_net_error_shapes)
{
    net_fails(HDR "  - {name: c, type: conv, out: 4, kernel: 11}\n", BASE_ESHAPE,
              "n.yaml:4:5: error: layer 'c': window 11x11 (stride 1, pad 0) does not fit "
              "input 8x8");
    net_fails(HDR "  - {name: c, type: conv, out: 4, kernel: 3, groups: 2}\n", BASE_ESHAPE,
              "n.yaml:4:5: error: layer 'c': groups 2 must divide input channels 3 and output "
              "channels 4");
    net_fails(HDR "  - {name: f, type: fc, out: 10}\n", BASE_ESHAPE,
              "n.yaml:4:5: error: layer 'f': fc needs a flattened input, got 3x8x8 (add a "
              "flatten layer)");
    net_fails(HDR "  - {name: c, type: conv, out: 4, kernel: 3, pad: 1}\n"
                  "  - {name: s, type: add, inputs: [c, input]}\n",
              BASE_ESHAPE, "n.yaml:5:34: error: layer 's': add operands differ: 4x8x8 and 3x8x8");
    net_fails(HDR "  - {name: s, type: add, inputs: [input]}\n", BASE_ESHAPE,
              "n.yaml:4:34: error: layer 's': add takes exactly 2 inputs, got 1");
    net_fails(HDR "  - {name: p, type: maxpool, kernel: 2, pad: 2}\n", BASE_ESHAPE,
              "n.yaml:4:5: error: layer 'p': pool padding 2 exceeds half the window 2x2");
    net_fails(HDR "  - {name: p, type: avgpool, global: true, kernel: 2}\n", BASE_EINVAL,
              "n.yaml:4:5: error: layer 'p': a global pool takes no kernel, stride or pad");
    net_fails(HDR "  - {name: p, type: maxpool, kernel: [2, 1]}\n", BASE_EINVAL,
              "n.yaml:4:38: error: layer 'p': a non-square pool window 2x1 needs an explicit "
              "stride (the default stride is the square kernel)");
    net_fails("name: t\ninput: {channels: 1048576, height: 65536, width: 65536}\nlayers:\n"
              "  - {name: f, type: flatten}\n",
              BASE_ESHAPE,
              "n.yaml:4:5: error: layer 'f': flattened size 4503599627370496 is too "
              "large");
}
END_TEST

/* hardswish, hardsigmoid and mul (MobileNetV3's activations and squeeze-and-excite scale):
 * shapes pass through, no MACs or parameters; mul's second operand may be C x 1 x 1. */
START_TEST(test_net_mobile_kinds)
{
    net_network *net =
        net_ok(HDR "  - {name: c, type: conv, out: 4, kernel: 3, pad: 1}\n"
                   "  - {name: hs, type: hardswish}\n"
                   "  - {name: dw, type: conv, out: 4, kernel: 3, stride: 2, pad: 1, groups: 4}\n"
                   "  - {name: g, type: avgpool, global: true}\n"
                   "  - {name: e, type: conv, out: 4, kernel: 1}\n"
                   "  - {name: hsig, type: hardsigmoid}\n"
                   "  - {name: se, type: mul, inputs: [dw, hsig]}\n"
                   "  - {name: sq, type: mul, inputs: [se, dw]}\n");
    const net_layer *hs = &net->layers[idx(net, "hs")], *dw = &net->layers[idx(net, "dw")];
    ck_assert_int_eq(hs->kind, NET_HARDSWISH);
    ck_assert_int_eq(hs->c_out * 100 + hs->h_out * 10 + hs->w_out, 488);
    ck_assert_uint_eq(hs->macs + hs->n_params, 0);
    ck_assert_uint_eq(dw->macs, 4ull * 4 * 4 * 9); /* 4 channels, 4x4 outputs, a 3x3 window */
    ck_assert_uint_eq(dw->n_params, 4ull * 9 + 4);
    const net_layer *hsig = &net->layers[idx(net, "hsig")], *se = &net->layers[idx(net, "se")];
    ck_assert_str_eq(net_kind_name(hsig->kind), "hardsigmoid");
    ck_assert_int_eq(hsig->h_out * 10 + hsig->w_out, 11);
    ck_assert_str_eq(net_kind_name(se->kind), "mul");
    ck_assert_int_eq(se->n_inputs, 2);
    ck_assert_int_eq(se->inputs[1], idx(net, "hsig"));
    ck_assert_int_eq(se->c_out * 100 + se->h_out * 10 + se->w_out, 444);
    ck_assert_uint_eq(se->macs + se->n_params, 0);
    ck_assert_int_eq(net->layers[idx(net, "sq")].h_out, 4);
    ck_assert_int_eq(net_kind_has_weights(NET_MUL), 0);
    net_free(net);
}
END_TEST

START_TEST(test_net_mobile_kinds_errors)
{
    net_fails(HDR "  - {name: h, type: hardswish, kernel: 3}\n", BASE_EKEY,
              "n.yaml:4:32: error: unknown key 'kernel' in 'hardswish'");
    net_fails(HDR "  - {name: h, type: hardsigmoid, inputs: [input]}\n", BASE_EKEY,
              "n.yaml:4:34: error: unknown key 'inputs' in 'hardsigmoid'");
    net_fails(HDR "  - {name: h, type: hardsigmoid, input: ghost}\n", BASE_ENOTFOUND,
              "n.yaml:4:41: error: input 'ghost' names no earlier layer");
    net_fails(HDR "  - {name: m, type: mul, input: input}\n", BASE_EKEY,
              "n.yaml:4:26: error: unknown key 'input' in 'mul'");
    net_fails(HDR "  - {name: m, type: mul}\n", BASE_EKEY,
              "n.yaml:4:5: error: missing key 'inputs' in 'mul'");
    net_fails(HDR "  - {name: m, type: mul, inputs: [input]}\n", BASE_ESHAPE,
              "n.yaml:4:34: error: layer 'm': mul takes exactly 2 inputs, got 1");
    net_fails(HDR "  - {name: m, type: mul, inputs: [input, input, input]}\n", BASE_ESHAPE,
              "n.yaml:4:34: error: layer 'm': mul takes exactly 2 inputs, got 3");
    net_fails(HDR "  - {name: c, type: conv, out: 4, kernel: 3, pad: 1}\n"
                  "  - {name: m, type: mul, inputs: [input, c]}\n",
              BASE_ESHAPE,
              "n.yaml:5:34: error: layer 'm': mul operands 3x8x8 and 4x8x8: the second must "
              "have the first's shape or be 3x1x1 (broadcast per channel)");
    net_fails(HDR "  - {name: g, type: avgpool, global: true}\n"
                  "  - {name: m, type: mul, inputs: [g, input]}\n",
              BASE_ESHAPE,
              "n.yaml:5:34: error: layer 'm': mul operands 3x1x1 and 3x8x8: the second must "
              "have the first's shape or be 3x1x1 (broadcast per channel)");
    net_fails(HDR "  - {name: p, type: maxpool, kernel: 2}\n"
                  "  - {name: m, type: mul, inputs: [input, p]}\n",
              BASE_ESHAPE,
              "n.yaml:5:34: error: layer 'm': mul operands 3x8x8 and 3x4x4: the second must "
              "have the first's shape or be 3x1x1 (broadcast per channel)");
    net_fails(HDR "  - {name: m, type: mul, inputs: [input, ghost]}\n", BASE_ENOTFOUND,
              "n.yaml:4:42: error: input 'ghost' names no earlier layer");
}
END_TEST

START_TEST(test_net_error_inputs)
{
    net_fails(HDR "  - {name: r, type: relu, input: later}\n  - {name: later, type: relu}\n",
              BASE_ENOTFOUND, "n.yaml:4:34: error: input 'later' names no earlier layer");
    net_fails(HDR "  - {name: s, type: add, inputs: [input, ghost]}\n", BASE_ENOTFOUND,
              "n.yaml:4:42: error: input 'ghost' names no earlier layer");
}
END_TEST

START_TEST(test_net_error_files)
{
    net_network *net = (net_network *)1;
    ck_assert_int_eq(net_load("/nonexistent/net.yaml", &net), BASE_ENOTFOUND);
    ck_assert_ptr_null(net);
    ck_assert(strncmp(base_last_error(), "/nonexistent/net.yaml: error: cannot open", 41) == 0);
    char path[64];
    ck_assert_int_eq(net_find_builtin("resnet19", path, sizeof path), BASE_ENOTFOUND);
    ck_assert(strncmp(base_last_error(), "error: unknown network 'resnet19'", 33) == 0);
    ck_assert_int_eq(net_find_builtin("no/such.yaml", path, sizeof path), BASE_ENOTFOUND);
    ck_assert_str_eq(base_last_error(), "no/such.yaml: error: no such network file");
    ck_assert_int_eq(net_find_builtin("resnet18", path, sizeof path), BASE_OK);
    ck_assert_str_eq(path, "networks/resnet18.yaml");
    ck_assert_int_eq(net_find_builtin("networks/vgg16.yaml", path, sizeof path), BASE_OK);
    ck_assert_int_eq(net_find_builtin("resnet18", path, 8), BASE_ERANGE);
    ck_assert_int_eq(net_find_builtin("networks/vgg16.yaml", path, 8), BASE_ERANGE);
    ck_assert_str_eq(base_last_error(), "error: path for 'networks/vgg16.yaml' is too long");
    ck_assert_int_eq(net_find_builtin("res net", path, sizeof path), BASE_EINVAL);
    ck_assert(strncmp(base_last_error(), "error: invalid network name 'res net'", 37) == 0);
}
END_TEST

START_TEST(test_base_find_data_env)
{
    char path[4096];
    setenv("APSIM_DATA", "/nonexistent-apsim", 1);
    ck_assert_int_eq(base_find_data("networks/none.yaml", path, sizeof path), BASE_ENOTFOUND);
    ck_assert(strstr(base_last_error(), "$APSIM_DATA=/nonexistent-apsim") != NULL);
    setenv("APSIM_DATA", ".", 1);
    ck_assert_int_eq(base_find_data("networks/alexnet.yaml", path, sizeof path), BASE_OK);
    ck_assert_str_eq(path, "networks/alexnet.yaml");
    unsetenv("APSIM_DATA");
}
END_TEST

START_TEST(test_net_out_of_memory)
{
    for (long n = 1; n < 400; n++) {
        net_network *net = NULL;
        base_alloc_fail_after(n);
        base_status st = net_load_string("n.yaml", small_net, strlen(small_net), &net);
        base_alloc_fail_reset();
        if (st == BASE_OK) {
            net_free(net);
            return;
        }
        ck_assert_int_eq(st, BASE_ENOMEM);
        ck_assert_ptr_null(net);
    }
    ck_abort_msg("loading never succeeded");
}
END_TEST

/* ---- HAWQ-V3 configurations ----------------------------------------------------------- */
static const char *const hawq_files[] = {
    "networks/hawq_v3/resnet18_uniform8.yaml",    "networks/hawq_v3/resnet18_latency_0.75.yaml",
    "networks/hawq_v3/resnet18_latency_0.5.yaml", "networks/hawq_v3/resnet18_latency_0.25.yaml",
    "networks/hawq_v3/resnet18_uniform4.yaml",
};

START_TEST(test_bitcfg_hawq_published_bops_size)
{
    net_network *net = load_net("resnet18");
    net_bitcfg *c = NULL;
    base_status st = net_bitcfg_load(hawq_files[_i], net, &c);
    ck_assert_msg(st == BASE_OK, "%s", base_last_error());
    ck_assert_int_eq(c->format, NET_BITS_HAWQ);
    ck_assert(c->has_top1 && c->has_size_mb && c->has_bops_g);
    net_totals t;
    net_totals_compute(net, c, &t);
    double bops_g = (double)t.bops / 1e9;
    ck_assert_msg(rel_err(bops_g, c->bops_g) < 0.03, "%s: BOPS %.2f vs %.2f", c->scheme, bops_g,
                  c->bops_g);
    ck_assert_msg(rel_err(t.size_mib, c->size_mb) < 0.03, "%s: size %.3f vs %.3f", c->scheme,
                  t.size_mib, c->size_mb);
    ck_assert_uint_eq(c->input_bits, 8);
    net_bitcfg_free(c);
    net_free(net);
}
END_TEST

START_TEST(test_bitcfg_hawq_mapping)
{
    net_network *net = load_net("resnet18");
    net_bitcfg *c = NULL;
    ck_assert_int_eq(net_bitcfg_resolve("resnet18_latency_0.5", net, &c), BASE_OK);
    ck_assert_str_eq(c->scheme, "latency_0.5");
    ck_assert_str_eq(c->label, "Mixed Precision Medium Latency");
    ck_assert_double_eq_tol(c->top1_pct, 70.34, 1e-9);
    const net_layer_bits *b = c->bits;
    /* stage2.unit1: quant_act 8, convbn1 8, act1 4, convbn2 4, identity 8, int32 16 */
    const net_layer_bits *c1 = &b[idx(net, "stage2.unit1.conv1")];
    ck_assert_uint_eq(c1->w_bits, 8);
    ck_assert_uint_eq(c1->a_bits, 8);
    ck_assert_uint_eq(c1->o_bits, 4); /* requantized to conv2's quant_act1 */
    ck_assert_uint_eq(b[idx(net, "stage2.unit1.conv2")].w_bits, 4);
    ck_assert_uint_eq(b[idx(net, "stage2.unit1.conv2")].a_bits, 4);
    ck_assert_uint_eq(b[idx(net, "stage2.unit1.conv2")].o_bits, 16);
    ck_assert_uint_eq(b[idx(net, "stage2.unit1.identity_conv")].w_bits, 8);
    ck_assert_uint_eq(b[idx(net, "stage2.unit1.identity_conv")].a_bits, 8);
    ck_assert_uint_eq(b[idx(net, "stage2.unit1.add")].a_bits, 16);
    ck_assert_uint_eq(b[idx(net, "stage2.unit1.add")].o_bits, 16);
    /* stage2.unit1's output is both the residual of unit2 (16) and unit2.conv1's input. */
    ck_assert_uint_eq(b[idx(net, "stage2.unit1.relu")].o_bits, 16);
    ck_assert_uint_eq(b[idx(net, "stage3.unit2.conv1")].a_bits, 4);
    ck_assert_uint_eq(b[idx(net, "init_block.conv")].w_bits, 8);
    ck_assert_uint_eq(b[idx(net, "init_block.conv")].a_bits, 8);
    ck_assert_uint_eq(b[idx(net, "init_block.pool")].o_bits, 16);
    ck_assert_uint_eq(b[idx(net, "final_pool")].o_bits, 8);
    ck_assert_uint_eq(b[idx(net, "output")].w_bits, 8);
    ck_assert_uint_eq(b[idx(net, "output")].o_bits, NET_OUTPUT_BITS);
    ck_assert_uint_eq(b[idx(net, "stage1.unit1.relu")].w_bits, 0);
    net_bitcfg_free(c);
    net_free(net);
}
END_TEST

/* A ResNet50 scheme in HAWQ's bit_config.py layout: bottleneck keys quant_act2 and
 * quant_convbn3, quant_init_convbn, quant_identity_convbn in every stage's unit1. `inner`
 * sets conv2/conv3 bits and the unit conv1 weights; quant_act of each unit is `act`. */
static char *resnet50_hawq(const char *scheme, unsigned act, unsigned inner, double size_mb,
                           double bops_g)
{
    static const int units[4] = {3, 4, 6, 3};
    size_t cap = 1 << 16, len = 0;
    char *s = calloc(1, cap);
    len += (size_t)snprintf(s + len, cap - len,
                            "model: resnet50\nscheme: %s\nmodel_size_mb: %g\nbops_g: %g\n"
                            "bits:\n  quant_input: 8\n  quant_init_convbn: 8\n"
                            "  quant_act_int32: 16\n",
                            scheme, size_mb, bops_g);
    for (int st = 1; st <= 4; st++)
        for (int u = 1; u <= units[st - 1]; u++) {
            len += (size_t)snprintf(
                s + len, cap - len,
                "  stage%d.unit%d.quant_act: %u\n  stage%d.unit%d.quant_convbn1: %u\n"
                "  stage%d.unit%d.quant_act1: %u\n  stage%d.unit%d.quant_convbn2: %u\n"
                "  stage%d.unit%d.quant_act2: %u\n  stage%d.unit%d.quant_convbn3: %u\n",
                st, u, act, st, u, inner, st, u, inner, st, u, inner, st, u, inner, st, u, inner);
            if (u == 1)
                len += (size_t)snprintf(s + len, cap - len,
                                        "  stage%d.unit%d.quant_identity_convbn: %u\n", st, u, act);
            len += (size_t)snprintf(s + len, cap - len, "  stage%d.unit%d.quant_act_int32: 16\n",
                                    st, u);
        }
    snprintf(s + len, cap - len, "  quant_act_output: 8\n  quant_output: 8\n");
    return s;
}

START_TEST(test_bitcfg_hawq_resnet50)
{
    /* HAWQ model_zoo.md ResNet50: INT8 24.5 MB 247 G BOPS, INT4 13.1 MB 67 G BOPS. */
    static const struct {
        const char *scheme;
        unsigned bits;
        double size_mb, bops_g;
    } rows[] = {{"uniform8", 8, 24.5, 247}, {"uniform4", 4, 13.1, 67}};
    net_network *net = load_net("resnet50");
    for (size_t r = 0; r < 2; r++) {
        char *text = resnet50_hawq(rows[r].scheme, rows[r].bits, rows[r].bits, rows[r].size_mb,
                                   rows[r].bops_g);
        net_bitcfg *c = NULL;
        base_status st = net_bitcfg_load_string("r50.yaml", text, strlen(text), net, &c);
        ck_assert_msg(st == BASE_OK, "%s", base_last_error());
        net_totals t;
        net_totals_compute(net, c, &t);
        ck_assert_msg(rel_err((double)t.bops / 1e9, rows[r].bops_g) < 0.03, "%s BOPS %.2f",
                      rows[r].scheme, (double)t.bops / 1e9);
        ck_assert_msg(rel_err(t.size_mib, rows[r].size_mb) < 0.03, "%s size %.3f", rows[r].scheme,
                      t.size_mib);
        net_bitcfg_free(c);
        free(text);
    }
    /* Mixed: unit inputs at 8 bits, inner convs at 4; quant_act2 lands on conv3's input. */
    char *text = resnet50_hawq("mixed", 8, 4, 20, 100);
    net_bitcfg *c = NULL;
    ck_assert_int_eq(net_bitcfg_load_string("r50.yaml", text, strlen(text), net, &c), BASE_OK);
    ck_assert_uint_eq(c->bits[idx(net, "stage4.unit3.conv3")].a_bits, 4);
    ck_assert_uint_eq(c->bits[idx(net, "stage4.unit3.conv3")].w_bits, 4);
    ck_assert_uint_eq(c->bits[idx(net, "stage4.unit1.identity_conv")].w_bits, 8);
    ck_assert_uint_eq(c->bits[idx(net, "stage4.unit1.identity_conv")].a_bits, 8);
    ck_assert_uint_eq(c->bits[idx(net, "stage4.unit1.conv1")].a_bits, 8);
    ck_assert_uint_eq(c->bits[idx(net, "stage4.unit1.relu2")].o_bits, 4);
    ck_assert_uint_eq(c->bits[idx(net, "init_block.conv")].w_bits, 8);
    net_bitcfg_free(c);
    free(text);
    net_free(net);
}
END_TEST

START_TEST(test_bitcfg_hawq_errors)
{
    net_network *net = load_net("resnet18");
    char *t = hawq_edit("  stage2.unit1.quant_identity_convbn: 8\n", "");
    bits_fails(net, t, BASE_EKEY,
               "b.yaml:12:1: error: missing weight bits for layer 'stage2.unit1.identity_conv' "
               "(HAWQ key 'stage2.unit1.quant_identity_convbn')");
    free(t);
    t = hawq_edit("  quant_output: 8\n", "");
    bits_fails(net, t, BASE_EKEY,
               "b.yaml:12:1: error: missing weight bits for layer 'output' (HAWQ key "
               "'quant_output')");
    free(t);
    t = hawq_edit("  stage4.unit2.quant_act_int32: 16\n", "");
    bits_fails(net, t, BASE_EKEY,
               "b.yaml:12:1: error: missing residual bits for layer 'stage4.unit2.add' (HAWQ "
               "key 'stage4.unit2.quant_act_int32')");
    free(t);
    t = hawq_edit("speedup_vs_fp32: ", "speedup_vs_fp32: fast # ");
    bits_fails(net, t, BASE_ETYPE, "b.yaml:11:18: error: expected a number, found 'fast'");
    free(t);
    t = hawq_edit("quant_output: 8", "quant_output: 17");
    bits_fails(net, t, BASE_ERANGE, "b.yaml:60:17: error: value 17 is outside 1..16");
    free(t);
    t = hawq_edit("stage2.unit1.quant_identity_convbn: 8", "stage2.unit1.quant_identity_convbn: 0");
    bits_fails(net, t, BASE_ERANGE, "b.yaml:30:39: error: value 0 is outside 1..16");
    free(t);
    t = hawq_edit("stage2.unit1.quant_identity_convbn", "stage2.unit1.quant_identity_conv");
    bits_fails(net, t, BASE_EKEY,
               "b.yaml:30:3: error: unknown HAWQ module 'stage2.unit1.quant_identity_conv'");
    free(t);
    t = hawq_edit("  quant_output: 8\n", "  quant_output: 8\n  stage5.unit1.quant_act: 8\n");
    bits_fails(net, t, BASE_EKEY,
               "b.yaml:61:3: error: HAWQ module 'stage5.unit1.quant_act' matches no layer of "
               "network 'resnet18'");
    free(t);
    t = hawq_edit("  quant_output: 8\n", "  quant_output: 8\n  stage1.unit1.quant_act2: 8\n");
    bits_fails(net, t, BASE_EKEY,
               "b.yaml:61:3: error: HAWQ module 'stage1.unit1.quant_act2' matches no layer of "
               "network 'resnet18'");
    free(t);
    t = hawq_edit("  quant_output: 8\n", "  quant_output: 8\n  quant_output: 4\n");
    bits_fails(net, t, BASE_EKEY,
               "b.yaml:61:3: error: duplicate key 'quant_output' (first at "
               "line 60)");
    free(t);
    t = hawq_edit("model: resnet18", "model: resnet50");
    bits_fails(net, t, BASE_EINVAL,
               "b.yaml:5:8: error: bit configuration is for model 'resnet50', network is "
               "'resnet18'");
    free(t);
    t = hawq_edit("label:", "lable:");
    bits_fails(net, t, BASE_EKEY,
               "b.yaml:7:1: error: unknown key 'lable' in 'HAWQ bit configuration'");
    free(t);
    net_free(net);
}
END_TEST

/* ---- native and uniform configurations ------------------------------------------------ */
START_TEST(test_bitcfg_native)
{
    net_network *net = net_ok(small_net);
    static const char text[] = "name: mixed\nnetwork: small\ndefault: {w: 8, a: 8}\n"
                               "residual: 12\n"
                               "layers:\n  dw: {w: 2, a: 6}\n  fc: {w: 4}\n  mp: {o: 5}\n"
                               "top1_accuracy: 55.5\n";
    net_bitcfg *c = NULL;
    base_status st = net_bitcfg_load_string("b.yaml", text, sizeof text - 1, net, &c);
    ck_assert_msg(st == BASE_OK, "%s", base_last_error());
    ck_assert_int_eq(c->format, NET_BITS_NATIVE);
    ck_assert_str_eq(c->scheme, "mixed");
    ck_assert_uint_eq(c->bits[0].w_bits, 8);
    ck_assert_uint_eq(c->bits[0].o_bits, 12); /* r1 feeds the add (12) and dw (6) */
    ck_assert_uint_eq(c->bits[1].o_bits, 12);
    ck_assert_uint_eq(c->bits[2].w_bits, 2);
    ck_assert_uint_eq(c->bits[2].a_bits, 6);
    ck_assert_uint_eq(c->bits[2].o_bits, 12);
    ck_assert_uint_eq(c->bits[3].o_bits, 12);
    ck_assert_uint_eq(c->bits[4].a_bits, 12);
    ck_assert_uint_eq(c->bits[4].o_bits, 5);
    ck_assert_uint_eq(c->bits[5].a_bits, 5);
    ck_assert_uint_eq(c->bits[5].o_bits, 8); /* the fc's a_bits, through flatten */
    ck_assert_uint_eq(c->bits[7].w_bits, 4);
    ck_assert_uint_eq(c->bits[7].a_bits, 8);
    ck_assert_uint_eq(c->bits[7].o_bits, NET_OUTPUT_BITS);
    ck_assert_uint_eq(c->input_bits, 8);
    ck_assert(c->has_top1 && !c->has_bops_g && !c->has_size_mb);
    uint64_t bops = 0;
    for (size_t i = 0; i < net->n_layers; i++)
        bops += net_layer_bops(&net->layers[i], &c->bits[i]);
    net_totals tot;
    net_totals_compute(net, c, &tot);
    ck_assert_uint_eq(tot.bops, bops);
    ck_assert_uint_eq(tot.param_bits, 432 * 8 + 16 * 32 + 144 * 2 + 160 * 4 + 10 * 32);
    net_bitcfg_free(c);
    net_bitcfg_free(NULL);
    net_free(net);
}
END_TEST

START_TEST(test_bitcfg_native_errors)
{
    net_network *net = net_ok(small_net);
    bits_fails(net, "layers:\n  c1: {w: 8, a: 8}\n  dw: {w: 8, a: 8}\n", BASE_EKEY,
               "b.yaml:1:1: error: missing weight bits for layer 'fc' (list it under 'layers' "
               "or give a 'default')");
    bits_fails(net, "default: {w: 8}\n", BASE_EKEY,
               "b.yaml:1:1: error: missing activation bits for layer 'c1' (list it under "
               "'layers' or give a 'default')");
    bits_fails(net, "default: {w: 8, a: 8}\nlayers:\n  c2: {w: 4}\n", BASE_EKEY,
               "b.yaml:3:3: error: unknown layer 'c2' in network 'small'");
    bits_fails(net, "default: {w: 8, a: 8}\nlayers:\n  r1: {w: 4}\n", BASE_EKEY,
               "b.yaml:3:3: error: layer 'r1' is a relu: only 'o' applies (w and a are for "
               "conv and fc)");
    bits_fails(net, "default: {w: 8, a: 8}\nlayers:\n  c1: {w: 4, b: 3}\n", BASE_EKEY,
               "b.yaml:3:14: error: unknown key 'b' in 'layer bits'");
    bits_fails(net, "default: {w: 8, a: 8}\nlayers:\n  c1: {w: 4}\n  c1: {w: 2}\n", BASE_EKEY,
               "b.yaml:4:3: error: duplicate key 'c1' (first at line 3)");
    bits_fails(net, "default: {w: 0, a: 8}\n", BASE_ERANGE,
               "b.yaml:1:14: error: value 0 is outside 1..16");
    bits_fails(net, "default: {w: 8, a: 17}\n", BASE_ERANGE,
               "b.yaml:1:20: error: value 17 is outside 1..16");
    bits_fails(net, "default: {w: 8, a: 8}\nresidual: 32\n", BASE_ERANGE,
               "b.yaml:2:11: error: value 32 is outside 1..16");
    bits_fails(net, "defaults: {w: 8, a: 8}\n", BASE_EKEY,
               "b.yaml:1:1: error: unknown key 'defaults' in 'bit configuration'");
    bits_fails(net, "network: vgg16\ndefault: {w: 8, a: 8}\n", BASE_EINVAL,
               "b.yaml:1:10: error: bit configuration is for network 'vgg16', network is "
               "'small'");
    bits_fails(net, "- 8\n", BASE_ETYPE,
               "b.yaml:1:1: error: expected a mapping for 'bit configuration', found a "
               "sequence");
    net_bitcfg *c = (net_bitcfg *)1;
    ck_assert_int_eq(net_bitcfg_load("/nonexistent/bits.yaml", net, &c), BASE_ENOTFOUND);
    ck_assert_ptr_null(c);
    net_free(net);
}
END_TEST

static const char *const uniform_nets[] = {"alexnet", "vgg16", "resnet18", "resnet50",
                                           "mobilenet_v2"};

START_TEST(test_bitcfg_uniform_every_network)
{
    net_network *net = load_net(uniform_nets[_i]);
    static const struct {
        const char *spec;
        unsigned w, a;
    } specs[] = {{"int8", 8, 8}, {"int4", 4, 4}, {"w4a8", 4, 8}, {"w2a16r8", 2, 16}};
    for (size_t s = 0; s < 4; s++) {
        net_bitcfg *c = NULL;
        ck_assert_int_eq(net_bitcfg_resolve(specs[s].spec, net, &c), BASE_OK);
        ck_assert_int_eq(c->format, NET_BITS_UNIFORM);
        ck_assert_str_eq(c->scheme, specs[s].spec);
        net_totals t;
        net_totals_compute(net, c, &t);
        ck_assert_uint_eq(t.bops, t.macs * specs[s].w * specs[s].a);
        for (size_t i = 0; i < net->n_layers; i++) {
            const net_layer_bits *b = &c->bits[i];
            if (net_kind_has_weights(net->layers[i].kind)) {
                ck_assert_uint_eq(b->w_bits, specs[s].w);
                ck_assert_uint_eq(b->a_bits, specs[s].a);
            } else {
                ck_assert_uint_eq(b->w_bits, 0);
                ck_assert_uint_ne(b->a_bits, 0);
            }
            ck_assert_uint_ne(b->o_bits, 0);
            if (net->layers[i].kind == NET_ADD)
                ck_assert_uint_eq(b->o_bits, s == 3 ? 8 : NET_RESIDUAL_BITS_DEFAULT);
        }
        net_bitcfg_free(c);
    }
    net_free(net);
}
END_TEST

START_TEST(test_bitcfg_uniform_errors)
{
    net_network *net = net_ok(small_net);
    static const char *const bad[] = {"int0", "int17", "w4",     "w4a8x", "fp32",
                                      "w4a",  "int",   "w08a8r", "w100a8"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        net_bitcfg *c = (net_bitcfg *)1;
        ck_assert_int_eq(net_bitcfg_uniform(bad[i], net, &c), BASE_EINVAL);
        ck_assert_ptr_null(c);
    }
    ck_assert_str_eq(base_last_error(),
                     "error: bad uniform bit configuration 'w100a8' (expected int8, int4, intN "
                     "or wXaY, optional rZ residual suffix, widths 1..16)");
    net_bitcfg *c = NULL;
    ck_assert_int_eq(net_bitcfg_resolve("int3", net, &c), BASE_OK);
    ck_assert_uint_eq(c->bits[0].w_bits, 3);
    net_bitcfg_free(c);
    ck_assert_int_eq(net_bitcfg_resolve("bogus", net, &c), BASE_ENOTFOUND);
    ck_assert_ptr_null(c);
    ck_assert(strncmp(base_last_error(), "error: unknown bit configuration 'bogus'", 40) == 0);
    ck_assert_int_eq(net_bitcfg_resolve("no/such/bits.yaml", net, &c), BASE_ENOTFOUND);
    net_free(net);
}
END_TEST

START_TEST(test_bitcfg_out_of_memory)
{
    net_network *net = net_ok(small_net);
    static const char text[] = "default: {w: 8, a: 8}\nlayers:\n  dw: {w: 2}\nlabel: x\n";
    int done = 0;
    for (long n = 1; n < 200 && !done; n++) {
        net_bitcfg *c = NULL;
        base_alloc_fail_after(n);
        base_status st = net_bitcfg_load_string("b.yaml", text, sizeof text - 1, net, &c);
        base_alloc_fail_reset();
        if (st == BASE_OK) {
            net_bitcfg_free(c);
            done = 1;
        } else {
            ck_assert_int_eq(st, BASE_ENOMEM);
            ck_assert_ptr_null(c);
        }
    }
    ck_assert(done);
    for (long n = 1; n < 10; n++) {
        net_bitcfg *c = NULL;
        base_alloc_fail_after(n);
        base_status st = net_bitcfg_uniform("w4a8", net, &c);
        base_alloc_fail_reset();
        if (st == BASE_OK) {
            net_bitcfg_free(c);
            break;
        }
        ck_assert_int_eq(st, BASE_ENOMEM);
    }
    net_free(net);
}
END_TEST

/* ---- report --------------------------------------------------------------------------- */
static char *capture(const net_network *net, const net_bitcfg *c, int csv)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(fp);
    base_status st = csv ? net_report_write_csv(fp, net, c) : net_report_write_table(fp, net, c);
    ck_assert_int_eq(st, BASE_OK);
    fclose(fp);
    return buf;
}

START_TEST(test_report_csv_and_table)
{
    net_network *net = load_net("resnet18");
    net_bitcfg *c = NULL;
    ck_assert_int_eq(net_bitcfg_resolve("networks/hawq_v3/resnet18_uniform4.yaml", net, &c),
                     BASE_OK);
    char *csv = capture(net, c, 1);
    size_t lines = 0;
    for (const char *p = csv; *p; p++)
        lines += *p == '\n';
    ck_assert_uint_eq(lines, net->n_layers + 1);
    ck_assert(strncmp(csv, "layer,kind,inputs,c_in,", 23) == 0);
    ck_assert(strstr(csv, "\nstage2.unit1.add,add,stage2.unit1.conv2+stage2.unit1.identity_conv,"
                          "128,28,28,128,28,28,") != NULL);
    ck_assert(strstr(csv, "\ninit_block.conv,conv,input,3,224,224,64,112,112,7,7,2,3,1,118013952,"
                          "9472,8,8,16,7552892928,9664.0\n") != NULL);
    free(csv);
    char *table = capture(net, c, 0);
    ck_assert(strstr(table, "BOPS: 34.71 G (published 34 G, +2.1%)") != NULL);
    ck_assert(strstr(table, "published top-1 accuracy: 68.45%") != NULL);
    free(table);
    table = capture(net, NULL, 0);
    ck_assert(strstr(table, "total: 1.8141 GMAC, 11.6847 M parameters, FP32 size 44.57 MiB") !=
              NULL);
    free(table);
    net_bitcfg_free(c);
    net_free(net);
}
END_TEST

START_TEST(test_report_csv_quotes_names)
{
    net_network *net = net_ok(HDR "  - {name: \"a,b\", type: relu}\n"
                                  "  - {name: 'say \"hi\"', type: relu}\n"
                                  "  - {name: s, type: add, inputs: [\"a,b\", 'say \"hi\"']}\n");
    char *csv = capture(net, NULL, 1);
    ck_assert(strstr(csv, "\n\"a,b\",relu,input,3,") != NULL);
    ck_assert(strstr(csv, "\n\"say \"\"hi\"\"\",relu,\"a,b\",3,") != NULL);
    ck_assert(strstr(csv, "\ns,add,\"a,b+say \"\"hi\"\"\",3,") != NULL);
    free(csv);
    FILE *fp = fopen("/dev/null", "w");
    ck_assert_ptr_nonnull(fp);
    base_alloc_fail_after(1);
    ck_assert_int_eq(net_report_write_csv(fp, net, NULL), BASE_ENOMEM);
    base_alloc_fail_reset();
    fclose(fp);
    net_free(net);
}
END_TEST

/* ---- Concat, resize, deconv, matmul --------------------------------------------------------- */
START_TEST(test_net_tensor_kinds)
{
    net_network *net = net_ok(HDR "  - {name: p, type: maxpool, kernel: 2}\n"
                                  "  - {name: u, type: resize, scale: 2}\n"
                                  "  - {name: b, type: resize, scale: 3, mode: bilinear, "
                                  "input: p}\n"
                                  "  - {name: k, type: concat, inputs: [u, input, u]}\n"
                                  "  - {name: d, type: deconv, out: 6, kernel: 3, stride: 2, "
                                  "pad: 1, out_pad: 1, input: p}\n"
                                  "  - {name: g, type: deconv, out: 4, kernel: [2, 4], stride: 2, "
                                  "groups: 2, bias: false, input: d}\n"
                                  "  - {name: m, type: matmul, inputs: [u, input]}\n");
    const net_layer *u = &net->layers[1], *b = &net->layers[2], *k = &net->layers[3];
    ck_assert_int_eq(u->h_out * 100 + u->w_out, 808);
    ck_assert_int_eq(u->mode, NET_RESIZE_NEAREST);
    ck_assert_int_eq(b->h_out, 12);
    ck_assert_int_eq(b->scale, 3);
    ck_assert_int_eq(b->mode, NET_RESIZE_BILINEAR);
    ck_assert_int_eq(k->c_out, 9);
    ck_assert_int_eq(k->c_in, 9);
    ck_assert_int_eq(k->n_inputs, 3);
    ck_assert_int_eq(k->inputs[2], 1);
    ck_assert_uint_eq(k->macs + k->n_params + u->macs + b->macs, 0);
    /* deconv: (4 - 1) 2 - 2 + 3 + 1 = 8; each input pixel times the kernel */
    const net_layer *d = &net->layers[4], *g = &net->layers[5], *m = &net->layers[6];
    ck_assert_int_eq(d->h_out * 100 + d->w_out, 808);
    ck_assert_uint_eq(d->macs, 3ull * 9 * 6 * 16);
    ck_assert_uint_eq(d->n_params, 3ull * 6 * 9 + 6);
    ck_assert_int_eq(d->out_pad, 1);
    /* grouped, non-square: (8 - 1) 2 + 2 = 16 by (8 - 1) 2 + 4 = 18 */
    ck_assert_int_eq(g->h_out * 100 + g->w_out, 1618);
    ck_assert_uint_eq(g->macs, 6ull * 8 * (4 / 2) * 64);
    ck_assert_uint_eq(g->n_params, 6ull * (4 / 2) * 8);
    /* matmul: 3x8x8 (C x H x K) times 3x8x8 (C x K x N) */
    ck_assert_int_eq(m->c_out * 100 + m->h_out * 10 + m->w_out, 388);
    ck_assert_uint_eq(m->macs, 3ull * 8 * 8 * 8);
    ck_assert_uint_eq(m->n_params, 0);
    uint64_t gm, gn, gk;
    for (int i = 4; i <= 6; i++) { /* M N K = MACs x batch */
        net_layer_gemm(&net->layers[i], 3, &gm, &gn, &gk);
        ck_assert_uint_eq(gm * gn * gk, 3 * net->layers[i].macs);
    }
    net_layer_gemm(d, 1, &gm, &gn, &gk); /* scatter: input pixels x (c_out kh kw) x c_in */
    ck_assert_uint_eq(gm * 1000000 + gn * 1000 + gk, 16ull * 1000000 + 54 * 1000 + 3);
    net_layer_gemm(k, 1, &gm, &gn, &gk);
    ck_assert_uint_eq(gm + gn + gk, 0);
    net_free(net);
    /* A matmul or bilinear resize reads its operands at most at the conv/fc a_bits (its
     * accumulator must fit the AP), also as the network's 32-bit output. */
    net = net_ok(HDR "  - {name: a, type: conv, out: 2, kernel: 1}\n"
                     "  - {name: m, type: matmul, inputs: [a, a]}\n"
                     "  - {name: b, type: resize, scale: 2, mode: bilinear}\n");
    net_bitcfg *cfg = NULL;
    ck_assert_int_eq(net_bitcfg_uniform("w8a6", net, &cfg), BASE_OK);
    ck_assert_uint_eq(cfg->bits[0].o_bits, 6);
    ck_assert_uint_eq(cfg->bits[1].a_bits * 100 + cfg->bits[1].o_bits, 606);
    ck_assert_uint_eq(cfg->bits[2].a_bits * 100 + cfg->bits[2].o_bits, 632);
    net_bitcfg_free(cfg);
    net_free(net);
}
END_TEST

START_TEST(test_net_tensor_kinds_errors)
{
    net_fails(HDR "  - {name: p, type: maxpool, kernel: 2}\n"
                  "  - {name: k, type: concat, inputs: [p, input]}\n",
              BASE_ESHAPE,
              "n.yaml:5:37: error: layer 'k': concat operands differ in height x width: 3x4x4 "
              "and 3x8x8");
    net_fails(HDR "  - {name: k, type: concat, inputs: [input]}\n", BASE_ESHAPE,
              "n.yaml:4:37: error: layer 'k': concat takes 2 to 8 inputs, got 1");
    net_fails(HDR "  - {name: k, type: concat, inputs: [input, input, input, input, input, "
                  "input, input, input, input]}\n",
              BASE_ESHAPE, "n.yaml:4:37: error: layer 'k': concat takes 2 to 8 inputs, got 9");
    net_fails(HDR "  - {name: k, type: concat, input: input}\n", BASE_EKEY,
              "n.yaml:4:29: error: unknown key 'input' in 'concat'");
    net_fails("name: t\ninput: {channels: 1048576, height: 1, width: 1}\nlayers:\n"
              "  - {name: k, type: concat, inputs: [input, input]}\n",
              BASE_ESHAPE,
              "n.yaml:4:5: error: layer 'k': 2097152 concatenated channels exceed 1048576");
    net_fails(HDR "  - {name: u, type: resize}\n", BASE_EKEY,
              "n.yaml:4:5: error: missing key 'scale' in 'resize'");
    net_fails(HDR "  - {name: u, type: resize, scale: 0}\n", BASE_ERANGE,
              "n.yaml:4:36: error: value 0 is outside 1..64");
    net_fails(HDR "  - {name: u, type: resize, scale: 2, mode: cubic}\n", BASE_EINVAL,
              "n.yaml:4:45: error: layer 'u': resize mode 'cubic' is not nearest or bilinear");
    net_fails(HDR "  - {name: u, type: resize, scale: 2, mode: [a]}\n", BASE_ETYPE,
              "n.yaml:4:45: error: expected a scalar, found a sequence");
    net_fails("name: t\ninput: {channels: 1, height: 40000, width: 1}\nlayers:\n"
              "  - {name: u, type: resize, scale: 2}\n",
              BASE_ESHAPE, "n.yaml:4:5: error: layer 'u': resized map 80000x2 exceeds 65536");
    net_fails(HDR "  - {name: d, type: deconv, out: 4, kernel: 3, stride: 2, out_pad: 2}\n",
              BASE_ERANGE, "n.yaml:4:5: error: layer 'd': out_pad 2 is outside 0..1");
    net_fails(HDR "  - {name: d, type: deconv, out: 4, kernel: 1, pad: 5}\n", BASE_ESHAPE,
              "n.yaml:4:5: error: layer 'd': deconv output -2x-2 is outside 1..65536");
    net_fails("name: t\ninput: {channels: 1, height: 40000, width: 1}\nlayers:\n"
              "  - {name: d, type: deconv, out: 1, kernel: 2, stride: 2}\n",
              BASE_ESHAPE,
              "n.yaml:4:5: error: layer 'd': deconv output 80000x2 is outside 1..65536");
    net_fails(HDR "  - {name: d, type: deconv, kernel: 3}\n", BASE_EKEY,
              "n.yaml:4:5: error: missing key 'out' in 'deconv'");
    net_fails(HDR "  - {name: d, type: deconv, out: 4, kernel: 3, groups: 2}\n", BASE_ESHAPE,
              "n.yaml:4:5: error: layer 'd': groups 2 must divide input channels 3 and output "
              "channels 4");
    net_fails(HDR "  - {name: m, type: matmul, inputs: [input]}\n", BASE_ESHAPE,
              "n.yaml:4:37: error: layer 'm': matmul takes exactly 2 inputs, got 1");
    net_fails(HDR "  - {name: p, type: maxpool, kernel: 2}\n"
                  "  - {name: m, type: matmul, inputs: [input, p]}\n",
              BASE_ESHAPE,
              "n.yaml:5:37: error: layer 'm': matmul operands 3x8x8 and 3x4x4 do not chain (a "
              "is C x H x K, b must be C x K x N)");
}
END_TEST

/* ---- Table kinds: sigmoid and softmax ---------------------------------------------------- */
START_TEST(test_net_table_kinds)
{
    /* Shapes pass through, no MACs or parameters; unknown keys are errors. */
    net_network *net = net_ok(HDR "  - {name: c, type: conv, out: 6, kernel: 3, pad: 1}\n"
                                  "  - {name: s, type: sigmoid}\n"
                                  "  - {name: p, type: softmax}\n"
                                  "  - {name: f, type: flatten}\n"
                                  "  - {name: fc, type: fc, out: 5}\n"
                                  "  - {name: q, type: softmax}\n");
    for (size_t i = 1; i <= 5; i += 1) {
        const net_layer *l = &net->layers[i];
        if (l->kind != NET_SIGMOID && l->kind != NET_SOFTMAX)
            continue;
        ck_assert_int_eq(l->c_out, l->c_in);
        ck_assert_int_eq(l->h_out, l->h_in);
        ck_assert_int_eq(l->w_out, l->w_in);
        ck_assert_uint_eq(l->macs, 0);
        ck_assert_uint_eq(l->n_params, 0);
    }
    ck_assert_int_eq(net->layers[2].c_out, 6);
    ck_assert_int_eq(net->layers[2].h_out, 8);
    ck_assert_int_eq(net->layers[5].c_out, 5);
    /* The table kinds read their input at their own a_bits (their producer requantizes to
     * it), the widest conv/fc a_bits by default; the final softmax stores 32 bits. */
    net_bitcfg *bits = NULL;
    ck_assert_int_eq(net_bitcfg_uniform("w4a6", net, &bits), BASE_OK);
    ck_assert_uint_eq(bits->bits[1].a_bits, 6);
    ck_assert_uint_eq(bits->bits[0].o_bits, 6);
    ck_assert_uint_eq(bits->bits[5].a_bits, 6);
    ck_assert_uint_eq(bits->bits[4].o_bits, 6);
    ck_assert_uint_eq(bits->bits[5].o_bits, NET_OUTPUT_BITS);
    net_bitcfg_free(bits);
    net_free(net);
    net_fails(HDR "  - {name: s, type: sigmoid, kernel: 3}\n", BASE_EKEY,
              "n.yaml:4:30: error: unknown key 'kernel' in 'sigmoid'");
    net_fails(HDR "  - {name: s, type: softmax, axis: 1}\n", BASE_EKEY,
              "n.yaml:4:30: error: unknown key 'axis' in 'softmax'");
}
END_TEST

/* ---- The kind table and the builder ------------------------------------------------------- */
START_TEST(test_net_kind_table_complete)
{
    ck_assert_ptr_null(net_kind_row_of(NET_INPUT));
    ck_assert_ptr_null(net_kind_row_of(NET_KIND_COUNT));
    /* The GEMM form: what the rival models see, and what "has weights" means. */
    ck_assert_int_eq(net_kind_gemm_form(NET_CONV), NET_GEMM_CONV);
    ck_assert_int_eq(net_kind_gemm_form(NET_FC), NET_GEMM_FC);
    ck_assert_int_eq(net_kind_gemm_form(NET_RELU), NET_GEMM_NONE);
    ck_assert_int_eq(net_kind_gemm_form(NET_KIND_COUNT), NET_GEMM_NONE);
    for (int k = 0; k < NET_KIND_COUNT; k++)
        ck_assert_int_eq(net_kind_has_weights((net_kind)k),
                         net_kind_gemm_form((net_kind)k) != NET_GEMM_NONE);
    for (int k = NET_CONV; k < NET_KIND_COUNT; k++) {
        const net_kind_row *row = net_kind_row_of((net_kind)k);
        ck_assert_msg(row && row->shape && row->yaml_keys && !row->onnx_ops == !row->onnx_lower,
                      "kind %s has an incomplete row", net_kind_name((net_kind)k));
        /* A kind may have no ONNX import; one that has owns its first operator. */
        if (row->onnx_ops)
            ck_assert_int_eq(net_kind_of_onnx_op(row->onnx_ops[0]), k);
        char known[512];
        ck_assert_int_eq(net_kind_by_name(net_kind_name((net_kind)k), known, sizeof known), k);
    }
    char known[256];
    ck_assert_int_eq(net_kind_by_name("lstm", known, sizeof known), NET_KIND_COUNT);
    ck_assert_str_eq(known, "conv, fc, maxpool, avgpool, relu, add, flatten, hardswish, "
                            "hardsigmoid, sigmoid, mul, concat, resize, deconv, softmax, matmul");
    ck_assert_int_eq(net_kind_of_onnx_op("LSTM"), NET_KIND_COUNT);
    ck_assert_int_eq(net_kind_of_onnx_op("Softmax"), NET_SOFTMAX);
    ck_assert_int_eq(net_kind_of_onnx_op("Sigmoid"), NET_SIGMOID);
    /* MatMul is fc's operator; the fc lowering hands a MatMul of two activations to matmul
     * (check_onnx.c), so matmul's row names none. */
    ck_assert_int_eq(net_kind_of_onnx_op("MatMul"), NET_FC);
    ck_assert_ptr_null(net_kind_row_of(NET_MATMUL)->onnx_ops);
    ck_assert_int_eq(net_kind_of_onnx_op("ConvTranspose"), NET_DECONV);
    ck_assert_int_eq(net_kind_of_onnx_op("Upsample"), NET_RESIZE);
    ck_assert_int_eq(net_kind_of_onnx_op("GlobalAveragePool"), NET_AVGPOOL);
}
END_TEST

static net_layer_spec spec_of(net_kind kind, const char *name, int in)
{
    net_layer_spec s = {.kind = kind, .name = name, .line = 7, .col = 3, .n_inputs = 1};
    s.inputs[0] = in;
    s.inputs[1] = -1;
    s.kh = s.kw = s.stride = s.groups = 1;
    return s;
}

static void add_fails(net_builder *b, const net_layer_spec *s, base_status want, const char *msg)
{
    size_t n = net_builder_count(b);
    ck_assert_int_eq(net_builder_add(b, s), want);
    ck_assert_msg(strcmp(base_last_error(), msg) == 0, "%s", base_last_error());
    ck_assert_uint_eq(net_builder_count(b), n);
}

START_TEST(test_net_builder_builds_and_checks)
{
    net_builder *b = NULL;
    ck_assert_int_eq(net_builder_start("t", "t.src", 0, 4, 4, &b), BASE_EINVAL);
    ck_assert_ptr_null(b);
    ck_assert_int_eq(net_builder_start("t", "t.src", 2, 4, 4, &b), BASE_OK);
    net_layer_spec c = spec_of(NET_CONV, "c", -1);
    c.out = 4;
    c.kh = c.kw = 3;
    c.pad = 1;
    ck_assert_msg(net_builder_add(b, &c) == BASE_OK, "%s", base_last_error());
    add_fails(b, &c, BASE_EKEY, "t.src:7:3: error: duplicate layer name 'c'");
    net_layer_spec bad = spec_of(NET_INPUT, "x", 0);
    add_fails(b, &bad, BASE_EINVAL, "t.src:7:3: error: layer 'x': no kind 0");
    bad = spec_of(NET_RELU, "input", 0);
    add_fails(b, &bad, BASE_EINVAL, "t.src:7:3: error: 'input' cannot be a layer name");
    bad = spec_of(NET_RELU, "r", 1);
    add_fails(b, &bad, BASE_EINVAL, "t.src:7:3: error: layer 'r': input 0 names no earlier layer");
    bad.n_inputs = 2;
    add_fails(b, &bad, BASE_EINVAL, "t.src:7:3: error: layer 'r': relu takes 1 inputs, got 2");
    bad = c;
    bad.name = "c2";
    bad.stride = 0;
    add_fails(b, &bad, BASE_ERANGE, "t.src:7:3: error: layer 'c2': stride 0 is outside 1..1024");
    bad.stride = 1;
    bad.groups = 3;
    add_fails(b, &bad, BASE_ESHAPE,
              "t.src:7:3: error: layer 'c2': groups 3 must divide input channels 2 and output "
              "channels 4");
    bad.groups = 1;
    bad.kh = 9;
    add_fails(b, &bad, BASE_ESHAPE,
              "t.src:7:3: error: layer 'c2': window 9x3 (stride 1, pad 1) does not fit input 4x4");
    bad = spec_of(NET_FC, "f", 0);
    bad.out = 10;
    add_fails(b, &bad, BASE_ESHAPE,
              "t.src:7:3: error: layer 'f': fc needs a flattened input, got 4x4x4 (add a flatten "
              "layer)");
    bad = spec_of(NET_ADD, "s", 0);
    bad.n_inputs = 2;
    bad.inputs_line = 9;
    bad.inputs_col = 5;
    add_fails(b, &bad, BASE_ESHAPE,
              "t.src:9:5: error: layer 's': add operands differ: 4x4x4 and 2x4x4");
    bad.inputs[1] = 0;
    ck_assert_int_eq(net_builder_add(b, &bad), BASE_OK);
    net_layer_spec p = spec_of(NET_AVGPOOL, "gap", 1);
    p.global = 1;
    ck_assert_int_eq(net_builder_add(b, &p), BASE_OK);
    net_layer_spec f = spec_of(NET_FLATTEN, "flat", 2);
    ck_assert_int_eq(net_builder_add(b, &f), BASE_OK);
    net_layer_spec fc = spec_of(NET_FC, "fc", 3);
    fc.out = 10;
    ck_assert_int_eq(net_builder_add(b, &fc), BASE_OK);
    ck_assert_int_eq(net_builder_fold_bias(b, 4), 1);
    ck_assert_int_eq(net_builder_fold_bias(b, 4), 1); /* once only */
    ck_assert_int_eq(net_builder_fold_bias(b, 1), 0);
    ck_assert_int_eq(net_builder_fold_bias(b, -1), 0);
    ck_assert_int_eq(net_builder_find(b, "flat"), 3);
    ck_assert_int_eq(net_builder_layer(b, 2)->kh, 4);
    ck_assert_ptr_null(net_builder_layer(b, 5));
    net_builder_set_bits(b, 0, 4, 8);
    net_builder_set_bits(b, 4, 8, 6);
    net_builder_set_bits(b, 9, 8, 6); /* out of range: ignored */
    net_network *net = NULL;
    ck_assert_int_eq(net_builder_finish(b, &net), BASE_OK);
    ck_assert_uint_eq(net->n_layers, 5);
    ck_assert_int_eq(net->layers[0].n_consumers, 2);
    ck_assert_uint_eq(net->layers[4].n_params, 40u + 10u);
    ck_assert_uint_eq(net->total_params, 4u * 18u + 50u); /* conv without bias */
    ck_assert_uint_eq(net->total_macs, 16u * 4u * 18u + 40u);
    ck_assert_int_eq(net->layers[0].line, 7);
    ck_assert_ptr_nonnull(net->native_bits);
    net_bitcfg *cfg = NULL;
    ck_assert_int_eq(net_bitcfg_resolve("onnx", net, &cfg), BASE_OK);
    ck_assert_uint_eq(cfg->bits[0].w_bits, 4);
    ck_assert_uint_eq(cfg->bits[4].a_bits, 6);
    ck_assert_uint_eq(cfg->bits[1].o_bits, NET_RESIDUAL_BITS_DEFAULT);
    ck_assert_uint_eq(cfg->input_bits, 8);
    ck_assert_str_eq(cfg->scheme, "onnx");
    net_bitcfg *copy = NULL;
    ck_assert_int_eq(net_bitcfg_copy(cfg, &copy), BASE_OK);
    ck_assert_mem_eq(copy->bits, cfg->bits, 5 * sizeof *cfg->bits);
    net_bitcfg_free(copy);
    net_bitcfg_free(cfg);
    net_free(net);
    /* No layers; no path and no native bits. */
    ck_assert_int_eq(net_builder_start("e", NULL, 1, 1, 1, &b), BASE_OK);
    ck_assert_int_eq(net_builder_finish(b, &net), BASE_ESHAPE);
    ck_assert_ptr_null(net);
    ck_assert_str_eq(base_last_error(), "error: network 'e' has no layers");
    ck_assert_int_eq(net_builder_start("e", NULL, 1, 1, 1, &b), BASE_OK);
    net_layer_spec r = spec_of(NET_RELU, "r", -1);
    ck_assert_int_eq(net_builder_add(b, &r), BASE_OK);
    ck_assert_int_eq(net_builder_finish(b, &net), BASE_OK);
    ck_assert_int_eq(net_bitcfg_resolve("onnx", net, &cfg), BASE_EINVAL);
    ck_assert_str_eq(base_last_error(),
                     "error: bits 'onnx': the network was not loaded from a file");
    net_free(net);
    net = load_net("alexnet");
    ck_assert_int_eq(net_bitcfg_resolve("onnx", net, &cfg), BASE_EINVAL);
    ck_assert_str_eq(base_last_error(),
                     "error: bits 'onnx' needs an ONNX model, not 'networks/alexnet.yaml'");
    net_free(net);
    net_builder_free(NULL);
}
END_TEST

/* Every allocation failure in the builder is BASE_ENOMEM and leaks nothing. */
START_TEST(test_net_builder_out_of_memory)
{
    for (long n = 1; n < 100; n++) {
        net_builder *b = NULL;
        net_network *net = NULL;
        base_alloc_fail_after(n);
        base_status st = net_builder_start("m", "m.src", 1, 2, 2, &b);
        net_layer_spec r = spec_of(NET_CONV, "c", -1);
        r.out = 2;
        if (st == BASE_OK)
            st = net_builder_add(b, &r);
        if (st == BASE_OK) {
            net_builder_set_bits(b, 0, 8, 8);
            st = net_builder_finish(b, &net);
            b = NULL;
        }
        base_alloc_fail_reset();
        net_builder_free(b);
        if (st == BASE_OK) {
            net_free(net);
            return;
        }
        ck_assert_int_eq(st, BASE_ENOMEM);
        ck_assert_ptr_null(net);
    }
    ck_abort_msg("never succeeded");
}
END_TEST

/* Counts that would not fit: a window larger than NET_MAX_WINDOW (a global pool over a huge
 * map: its area overflowed an int in the planner), a layer's weights or MACs past 2^56 (they
 * wrapped modulo 2^64), and a network's total past 2^56 at the layer that crosses it. */
START_TEST(test_counts_checked)
{
    static const char *const pool = "name: n\ninput: {channels: 1, height: %d, width: %d}\n"
                                    "layers:\n  - {name: g, type: avgpool, global: true}\n";
    char text[512];
    static const int too_big[] = {65536, 46341, 4097};
    for (size_t i = 0; i < sizeof too_big / sizeof too_big[0]; i++) {
        snprintf(text, sizeof text, pool, too_big[i], too_big[i]);
        net_network *net = NULL;
        ck_assert_int_eq(net_load_string("n.yaml", text, strlen(text), &net), BASE_ERANGE);
        char want[160];
        snprintf(want, sizeof want,
                 "layer 'g': window %dx%d (%llu elements) is larger than 16777216", too_big[i],
                 too_big[i], (unsigned long long)too_big[i] * (unsigned long long)too_big[i]);
        ck_assert_msg(strstr(base_last_error(), want) != NULL, "%s", base_last_error());
    }
    snprintf(text, sizeof text, pool, 4096, 4096);
    net_network *ok = net_ok(text);
    net_free(ok);

    net_fails("name: n\ninput: {channels: 1048576, height: 1024, width: 1024}\nlayers:\n"
              "  - {name: huge, type: conv, out: 1048576, kernel: 1024}\n",
              BASE_ERANGE,
              "n.yaml:4:5: error: layer 'huge': its MACs or parameters reach 2^56, more than a "
              "network may have");
    net_fails("name: n\ninput: {channels: 1048576, height: 128, width: 256}\nlayers:\n"
              "  - {name: c1, type: conv, out: 1048576, kernel: 1}\n"
              "  - {name: c2, type: conv, out: 1048576, kernel: 1}\n",
              BASE_ERANGE,
              "n.yaml:5: error: layer 'c2': the network's MACs or parameters reach 2^56 here, more "
              "than a "
              "network may have");
}
END_TEST

/* A long chain loads through the builder's name index: every input found by name (past
 * several index doublings), and a duplicate name at the end still refused. */
START_TEST(test_many_layers_by_name)
{
    enum { N = 5000 };
    size_t cap = 128 + (size_t)N * 48, len = 0;
    char *text = malloc(cap);
    ck_assert_ptr_nonnull(text);
    len += (size_t)snprintf(text + len, cap - len,
                            "name: n\ninput: {channels: 1, height: 4, width: 4}\nlayers:\n"
                            "  - {name: l0, type: relu}\n");
    for (int i = 1; i < N; i++)
        len += (size_t)snprintf(text + len, cap - len, "  - {name: l%d, type: relu, input: l%d}\n",
                                i, i / 2);
    net_network *net = NULL;
    base_status st = net_load_string("n.yaml", text, len, &net);
    ck_assert_msg(st == BASE_OK, "%s", base_last_error());
    ck_assert_uint_eq(net->n_layers, N);
    for (int i = 1; i < N; i += 97)
        ck_assert_int_eq(net->layers[i].inputs[0], i / 2);
    ck_assert_int_eq(net_find_layer(net, "l4999"), N - 1);
    net_free(net);
    len += (size_t)snprintf(text + len, cap - len, "  - {name: l17, type: relu}\n");
    ck_assert_int_eq(net_load_string("n.yaml", text, len, &net), BASE_EKEY);
    ck_assert_msg(strstr(base_last_error(), "duplicate layer name 'l17'") != NULL, "%s",
                  base_last_error());
    free(text);
}
END_TEST

Suite *net_suite(void)
{
    Suite *s = suite_create("net");
    TCase *tc = tcase_create("net_load");
    tcase_add_loop_test(tc, test_net_published_macs_params, 0, 4);
    tcase_add_test(tc, test_net_alexnet_shapes);
    tcase_add_test(tc, test_net_mobilenet_v2_published);
    tcase_add_test(tc, test_net_input_shape);
    tcase_add_test(tc, test_net_resnet50_v1_stride_on_first_1x1);
    tcase_add_test(tc, test_net_small_every_kind);
    tcase_add_test(tc, test_net_gemm_view);
    tcase_add_test(tc, test_net_error_unknown_key);
    tcase_add_test(tc, test_net_error_duplicate_and_missing);
    tcase_add_test(tc, test_net_error_types_and_ranges);
    tcase_add_test(tc, test_net_error_shapes);
    tcase_add_test(tc, test_net_error_inputs);
    tcase_add_test(tc, test_net_mobile_kinds);
    tcase_add_test(tc, test_net_mobile_kinds_errors);
    tcase_add_test(tc, test_net_error_files);
    tcase_add_test(tc, test_base_find_data_env);
    tcase_add_test(tc, test_net_out_of_memory);
    tcase_add_test(tc, test_net_kind_table_complete);
    tcase_add_test(tc, test_net_tensor_kinds);
    tcase_add_test(tc, test_net_tensor_kinds_errors);
    tcase_add_test(tc, test_net_table_kinds);
    tcase_add_test(tc, test_net_builder_builds_and_checks);
    tcase_add_test(tc, test_net_builder_out_of_memory);
    suite_add_tcase(s, tc);
    tc = tcase_create("net_bitcfg");
    tcase_add_loop_test(tc, test_bitcfg_hawq_published_bops_size, 0, 5);
    tcase_add_test(tc, test_bitcfg_hawq_mapping);
    tcase_add_test(tc, test_bitcfg_hawq_resnet50);
    tcase_add_test(tc, test_bitcfg_hawq_errors);
    tcase_add_test(tc, test_bitcfg_native);
    tcase_add_test(tc, test_bitcfg_native_errors);
    tcase_add_loop_test(tc, test_bitcfg_uniform_every_network, 0,
                        (int)(sizeof uniform_nets / sizeof uniform_nets[0]));
    tcase_add_test(tc, test_bitcfg_uniform_errors);
    tcase_add_test(tc, test_bitcfg_out_of_memory);
    suite_add_tcase(s, tc);
    tc = tcase_create("net_report");
    tcase_add_test(tc, test_report_csv_and_table);
    tcase_add_test(tc, test_report_csv_quotes_names);
    tcase_add_test(tc, test_counts_checked);
    tcase_add_test(tc, test_many_layers_by_name);
    suite_add_tcase(s, tc);
    return s;
}
