/* check_fmnist.c - the Fashion-MNIST pieces (fmnist/) on tiny synthetic data: IDX
 * parsing and its errors, the weights file and its errors, deterministic training, quantization
 * with the AP bit-exact against the reference, and the cascade's threshold logic. Nothing
 * here reads the real data set or trains for long. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "cli/cli.h"
#include "fmnist/fmnist.h"
#include "tech/tech.h"

Suite *fmnist_suite(void);

/* 1x8x8 input, the shape of networks/fmnist_cnn.yaml at a quarter of the size. */
static const char tiny_yaml[] = "name: tiny\n"
                                "input: {channels: 1, height: 8, width: 8}\n"
                                "layers:\n"
                                "  - {name: conv1, type: conv, out: 4, kernel: 3, pad: 1}\n"
                                "  - {name: relu1, type: relu}\n"
                                "  - {name: pool1, type: maxpool, kernel: 2}\n"
                                "  - {name: conv2, type: conv, out: 6, kernel: 3, pad: 1}\n"
                                "  - {name: relu2, type: relu}\n"
                                "  - {name: pool2, type: maxpool, kernel: 2}\n"
                                "  - {name: flatten, type: flatten}\n"
                                "  - {name: fc, type: fc, out: 3}\n";

static net_network *tiny_net(void)
{
    net_network *net = NULL;
    ck_assert_msg(net_load_string("tiny.yaml", tiny_yaml, strlen(tiny_yaml), &net) == BASE_OK, "%s",
                  base_last_error());
    return net;
}

/* n images of 8x8 in 3 classes: a bright 4x4 block top-left, centre or bottom-right over
 * seeded noise. */
static fmnist_dataset *tiny_data(size_t n, unsigned seed)
{
    fmnist_dataset *d = calloc(1, sizeof *d);
    d->n_images = n;
    d->h = d->w = 8;
    d->n_classes = 3;
    d->pixels = base_malloc(n * 64);
    d->labels = base_malloc(n);
    unsigned s = seed;
    for (size_t i = 0; i < n; i++) {
        unsigned cls = (unsigned)(i % 3), at = cls * 2;
        d->labels[i] = (uint8_t)cls;
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++) {
                s = s * 1103515245u + 12345u;
                unsigned v = (s >> 16) % 90u;
                if (y >= (int)at && y < (int)at + 4 && x >= (int)at && x < (int)at + 4)
                    v += 150u;
                d->pixels[i * 64 + (size_t)(y * 8 + x)] = (uint8_t)v;
            }
    }
    return d;
}

static void free_data(fmnist_dataset *d)
{
    base_free(d->pixels);
    base_free(d->labels);
    free(d);
}

/* ---- IDX ---------------------------------------------------------------------------------- */

static char img_path[64], lab_path[64];

static void put_be32(unsigned char *b, uint32_t v)
{
    b[0] = (unsigned char)(v >> 24);
    b[1] = (unsigned char)(v >> 16);
    b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}

/* Writes an IDX file (gzipped when gz) with the given magic and dims and `data_len` bytes of
 * data (value i at byte i). */
static void write_idx(const char *path, int gz, uint32_t magic, const uint32_t *dims,
                      unsigned n_dims, size_t data_len)
{
    unsigned char buf[512];
    size_t len = 4;
    put_be32(buf, magic);
    for (unsigned i = 0; i < n_dims; i++, len += 4)
        put_be32(buf + len, dims[i]);
    for (size_t i = 0; i < data_len; i++)
        buf[len++] = (unsigned char)(i % 3);
    if (gz) {
        gzFile g = gzopen(path, "wb");
        ck_assert_ptr_nonnull(g);
        ck_assert_int_eq(gzwrite(g, buf, (unsigned)len), (int)len);
        gzclose(g);
    } else {
        FILE *fp = fopen(path, "wb");
        ck_assert_ptr_nonnull(fp);
        fwrite(buf, 1, len, fp);
        fclose(fp);
    }
}

static void idx_setup(void)
{
    snprintf(img_path, sizeof img_path, "/tmp/apsim_fm_img_%ld.gz", (long)getpid());
    snprintf(lab_path, sizeof lab_path, "/tmp/apsim_fm_lab_%ld", (long)getpid());
}

static void idx_teardown(void)
{
    remove(img_path);
    remove(lab_path);
}

START_TEST(test_idx_load_gz_and_plain)
{
    uint32_t idims[3] = {5, 3, 4}, ldims[1] = {5};
    write_idx(img_path, 1, 0x803, idims, 3, 60);
    write_idx(lab_path, 0, 0x801, ldims, 1, 5);
    fmnist_dataset *d = NULL;
    ck_assert_msg(fmnist_dataset_load_idx(img_path, lab_path, &d) == BASE_OK, "%s",
                  base_last_error());
    ck_assert_uint_eq(d->n_images, 5);
    ck_assert_int_eq(d->h, 3);
    ck_assert_int_eq(d->w, 4);
    ck_assert_uint_eq(d->n_classes, 3);
    ck_assert_uint_eq(d->pixels[59], 59 % 3);
    ck_assert_uint_eq(d->labels[4], 4 % 3);
    fmnist_dataset_free(d);
    fmnist_dataset_free(NULL);
}
END_TEST

/* Malformed files: status and a message naming the file and the problem. */
START_TEST(test_idx_load_errors)
{
    static const struct {
        uint32_t img_magic, n, rows, lab_magic, n_lab;
        size_t img_bytes, lab_bytes;
        base_status st;
        const char *msg;
    } cases[] = {
        {0x803, 5, 3, 0x801, 5, 59, 5, BASE_EPARSE, "truncated"},
        {0x803, 5, 3, 0x801, 5, 60, 4, BASE_EPARSE, "truncated"},
        {0x803, 5, 3, 0x801, 5, 61, 5, BASE_EPARSE, "trailing"},
        {0x801, 5, 3, 0x801, 5, 60, 5, BASE_EPARSE, "not an IDX image"},
        {0x803, 5, 3, 0x803, 5, 60, 5, BASE_EPARSE, "not an IDX label"},
        {0x803, 5, 3, 0x801, 4, 60, 4, BASE_EPARSE, "4 labels for the 5 images"},
        {0x803, 5, 0, 0x801, 5, 0, 5, BASE_ERANGE, "unsupported sizes"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t idims[3] = {cases[i].n, cases[i].rows, 4}, ldims[1] = {cases[i].n_lab};
        write_idx(img_path, 1, cases[i].img_magic, idims, 3, cases[i].img_bytes);
        write_idx(lab_path, 0, cases[i].lab_magic, ldims, 1, cases[i].lab_bytes);
        fmnist_dataset *d = (fmnist_dataset *)1;
        ck_assert_int_eq(fmnist_dataset_load_idx(img_path, lab_path, &d), cases[i].st);
        ck_assert_ptr_null(d);
        ck_assert_msg(strstr(base_last_error(), cases[i].msg), "case %zu: %s", i,
                      base_last_error());
    }
    /* A header cut short, and a missing file. */
    FILE *fp = fopen(img_path, "wb");
    fwrite("\0\0\x08\x03\0\0", 1, 6, fp);
    fclose(fp);
    fmnist_dataset *d = NULL;
    ck_assert_int_eq(fmnist_dataset_load_idx(img_path, lab_path, &d), BASE_EPARSE);
    ck_assert_ptr_nonnull(strstr(base_last_error(), "IDX header"));
    ck_assert_int_eq(fmnist_dataset_load_idx("/nonexistent/x.gz", lab_path, &d), BASE_ENOTFOUND);
}
END_TEST

START_TEST(test_idx_load_out_of_memory)
{
    uint32_t idims[3] = {5, 3, 4}, ldims[1] = {5};
    write_idx(img_path, 1, 0x803, idims, 3, 60);
    write_idx(lab_path, 0, 0x801, ldims, 1, 5);
    for (long k = 1; k <= 3; k++) {
        fmnist_dataset *d = NULL;
        base_alloc_fail_after(k);
        base_status st = fmnist_dataset_load_idx(img_path, lab_path, &d);
        base_alloc_fail_reset();
        ck_assert_int_eq(st, BASE_ENOMEM);
        ck_assert_ptr_null(d);
    }
}
END_TEST

/* ---- Float model, training and the weights file -------------------------------------------- */

START_TEST(test_fmodel_new_rejects)
{
    static const char *const bad[] = {
        "name: b\ninput: {channels: 1, height: 4, width: 4}\nlayers:\n"
        "  - {name: p, type: avgpool, kernel: 2}\n  - {name: f, type: flatten}\n"
        "  - {name: fc, type: fc, out: 2}\n",
        "name: b\ninput: {channels: 1, height: 4, width: 4}\nlayers:\n"
        "  - {name: c, type: conv, out: 2, kernel: 1}\n  - {name: r, type: relu, input: input}\n"
        "  - {name: f, type: flatten}\n  - {name: fc, type: fc, out: 2}\n",
    };
    fmnist_fmodel *m = (fmnist_fmodel *)1;
    for (size_t i = 0; i < 2; i++) {
        net_network *net = NULL;
        ck_assert_msg(net_load_string("b.yaml", bad[i], strlen(bad[i]), &net) == BASE_OK, "%s",
                      base_last_error());
        ck_assert_int_eq(fmnist_fmodel_new(net, 3, &m), BASE_EUNSUPPORTED);
        ck_assert_ptr_null(m);
        net_free(net);
    }
    static const char rgb[] = "name: c\ninput: {channels: 3, height: 4, width: 4}\nlayers:\n"
                              "  - {name: f, type: flatten}\n  - {name: fc, type: fc, out: 2}\n";
    net_network *net = NULL;
    ck_assert_int_eq(net_load_string("c.yaml", rgb, strlen(rgb), &net), BASE_OK);
    ck_assert_int_eq(fmnist_fmodel_new(net, 3, &m), BASE_ESHAPE);
    net_free(net);
    net = tiny_net();
    for (long k = 1; k <= 6; k++) {
        base_alloc_fail_after(k);
        base_status st = fmnist_fmodel_new(net, 3, &m);
        base_alloc_fail_reset();
        ck_assert_int_eq(st, BASE_ENOMEM);
    }
    fmnist_fmodel_free(NULL);
    net_free(net);
}
END_TEST

static fmnist_fmodel *train_tiny(const net_network *net, const fmnist_dataset *d, double *loss)
{
    fmnist_fmodel *m = NULL;
    fmnist_train_opts o;
    fmnist_train_opts_init(&o);
    o.n_epochs = 3;
    o.batch = 8;
    o.lr = 0.01;
    o.seed = 7;
    ck_assert_int_eq(fmnist_fmodel_new(net, 11, &m), BASE_OK);
    ck_assert_msg(fmnist_fmodel_train(m, d, &o, loss) == BASE_OK, "%s", base_last_error());
    return m;
}

/* Loss falls, the accuracy rises, and a second run gives the same bytes. */
START_TEST(test_fmodel_train_deterministic)
{
    net_network *net = tiny_net();
    fmnist_dataset *d = tiny_data(96, 5);
    double loss0, acc0, loss1, acc1, l1[3], l2[3];
    fmnist_fmodel *init = NULL;
    ck_assert_int_eq(fmnist_fmodel_new(net, 11, &init), BASE_OK);
    ck_assert_int_eq(fmnist_fmodel_evaluate(init, d, d->n_images, &loss0, &acc0), BASE_OK);
    fmnist_fmodel *a = train_tiny(net, d, l1), *b = train_tiny(net, d, l2);
    ck_assert_double_lt(l1[2], l1[0]);
    ck_assert_int_eq(fmnist_fmodel_evaluate(a, d, d->n_images, &loss1, &acc1), BASE_OK);
    ck_assert_double_lt(loss1, loss0);
    ck_assert_double_gt(acc1, 90.0);
    for (size_t i = 0; i < net->n_layers; i++) {
        const net_layer *l = &net->layers[i];
        if (!a->weight[i])
            continue;
        size_t n = (size_t)l->c_out * (size_t)l->c_in * (size_t)(l->kh * l->kw);
        ck_assert_int_eq(memcmp(a->weight[i], b->weight[i], n * sizeof(float)), 0);
        ck_assert_int_eq(memcmp(a->bias[i], b->bias[i], (size_t)l->c_out * sizeof(float)), 0);
    }
    ck_assert_int_eq(memcmp(l1, l2, sizeof l1), 0);
    fmnist_fmodel_free(init);
    fmnist_fmodel_free(a);
    fmnist_fmodel_free(b);
    free_data(d);
    net_free(net);
}
END_TEST

START_TEST(test_fmodel_train_errors)
{
    net_network *net = tiny_net();
    fmnist_dataset *d = tiny_data(12, 5);
    fmnist_fmodel *m = NULL;
    fmnist_train_opts o;
    double loss, acc;
    ck_assert_int_eq(fmnist_fmodel_new(net, 1, &m), BASE_OK);
    fmnist_train_opts_init(&o);
    o.batch = 0;
    ck_assert_int_eq(fmnist_fmodel_train(m, d, &o, NULL), BASE_EINVAL);
    fmnist_train_opts_init(&o);
    o.n_epochs = 1;
    d->n_classes = 4; /* more labels than outputs */
    ck_assert_int_eq(fmnist_fmodel_train(m, d, &o, NULL), BASE_EINVAL);
    ck_assert_ptr_nonnull(strstr(base_last_error(), "3 outputs"));
    d->n_classes = 3;
    d->w = 7;
    ck_assert_int_eq(fmnist_fmodel_train(m, d, &o, NULL), BASE_EINVAL);
    ck_assert_int_eq(fmnist_fmodel_evaluate(m, d, 4, &loss, &acc), BASE_EINVAL);
    d->w = 8;
    ck_assert_int_eq(fmnist_fmodel_evaluate(m, d, 0, &loss, &acc), BASE_EINVAL);
    base_alloc_fail_after(1);
    ck_assert_int_eq(fmnist_fmodel_train(m, d, &o, NULL), BASE_ENOMEM);
    base_alloc_fail_after(3);
    ck_assert_int_eq(fmnist_fmodel_train(m, d, &o, NULL), BASE_ENOMEM);
    base_alloc_fail_after(1);
    ck_assert_int_eq(fmnist_fmodel_evaluate(m, d, 4, &loss, &acc), BASE_ENOMEM);
    base_alloc_fail_reset();
    fmnist_fmodel_free(m);
    free_data(d);
    net_free(net);
}
END_TEST

static char w_path[64];

static void w_setup(void)
{
    snprintf(w_path, sizeof w_path, "/tmp/apsim_fm_w_%ld.bin", (long)getpid());
}

static void w_teardown(void)
{
    remove(w_path);
}

/* Rewrites the weights file with bytes [off, off + n) replaced (n = 0: cut at off). */
static void patch_file(const char *path, long off, const void *bytes, size_t n)
{
    FILE *fp = fopen(path, "rb");
    static unsigned char buf[1 << 16];
    size_t len = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    if (n == 0)
        len = (size_t)off;
    else
        memcpy(buf + off, bytes, n);
    fp = fopen(path, "wb");
    fwrite(buf, 1, len, fp);
    fclose(fp);
}

START_TEST(test_weights_round_trip_and_errors)
{
    net_network *net = tiny_net();
    fmnist_fmodel *m = NULL, *back = NULL;
    ck_assert_int_eq(fmnist_fmodel_new(net, 9, &m), BASE_OK);
    m->bias[0][2] = 0.375f;
    ck_assert_int_eq(fmnist_fmodel_save(m, w_path), BASE_OK);
    ck_assert_msg(fmnist_fmodel_load(net, w_path, &back) == BASE_OK, "%s", base_last_error());
    ck_assert_int_eq(memcmp(m->weight[3], back->weight[3], 6 * 36 * sizeof(float)), 0);
    ck_assert_double_eq((double)back->bias[0][2], 0.375);
    fmnist_fmodel_free(back);
    /* Size: 16 header + 3 x 12 shapes + floats (4x9+4, 6x36+6, 3x24+3). */
    FILE *fp = fopen(w_path, "rb");
    fseek(fp, 0, SEEK_END);
    ck_assert_int_eq(ftell(fp), 16 + 36 + 4 * (40 + 222 + 75));
    fclose(fp);

    patch_file(w_path, 0, "XPSIMFW", 7);
    ck_assert_int_eq(fmnist_fmodel_load(net, w_path, &back), BASE_EPARSE);
    ck_assert_ptr_nonnull(strstr(base_last_error(), "bad magic"));
    ck_assert_int_eq(fmnist_fmodel_save(m, w_path), BASE_OK);
    patch_file(w_path, 8, "\x02", 1);
    ck_assert_int_eq(fmnist_fmodel_load(net, w_path, &back), BASE_EUNSUPPORTED);
    ck_assert_int_eq(fmnist_fmodel_save(m, w_path), BASE_OK);
    patch_file(w_path, 16, "\x05", 1); /* conv1 c_out 5 */
    ck_assert_int_eq(fmnist_fmodel_load(net, w_path, &back), BASE_ESHAPE);
    ck_assert_int_eq(fmnist_fmodel_save(m, w_path), BASE_OK);
    patch_file(w_path, 12, "\x02", 1); /* 2 layers with weights */
    ck_assert_int_eq(fmnist_fmodel_load(net, w_path, &back), BASE_ESHAPE);
    ck_assert_int_eq(fmnist_fmodel_save(m, w_path), BASE_OK);
    patch_file(w_path, 100, NULL, 0);
    ck_assert_int_eq(fmnist_fmodel_load(net, w_path, &back), BASE_EPARSE);
    ck_assert_ptr_nonnull(strstr(base_last_error(), "truncated"));
    patch_file(w_path, 10, NULL, 0);
    ck_assert_int_eq(fmnist_fmodel_load(net, w_path, &back), BASE_EPARSE);
    ck_assert_int_eq(fmnist_fmodel_save(m, w_path), BASE_OK);
    fp = fopen(w_path, "ab");
    fputc(7, fp);
    fclose(fp);
    ck_assert_int_eq(fmnist_fmodel_load(net, w_path, &back), BASE_EPARSE);
    ck_assert_ptr_nonnull(strstr(base_last_error(), "trailing"));
    ck_assert_int_eq(fmnist_fmodel_load(net, "/nonexistent/w.bin", &back), BASE_ENOTFOUND);
    ck_assert_int_eq(fmnist_fmodel_save(m, "/nonexistent/dir/w.bin"), BASE_EIO);
    ck_assert_ptr_null(back);
    fmnist_fmodel_free(m);
    net_free(net);
}
END_TEST

/* NaN and infinities in the weights file are rejected at load with the file's name. */
START_TEST(test_weights_reject_non_finite)
{
    net_network *net = tiny_net();
    fmnist_fmodel *m = NULL, *back = NULL;
    ck_assert_int_eq(fmnist_fmodel_new(net, 9, &m), BASE_OK);
    static const char *const bad[] = {"\x00\x00\xc0\x7f", "\x00\x00\x80\x7f",
                                      "\x00\x00\x80\xff"}; /* NaN, +Inf, -Inf */
    static const long at[] = {16 + 36, 16 + 36 + 4 * 40 + 8, 16 + 36 + 4 * (40 + 222 + 74)};
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(fmnist_fmodel_save(m, w_path), BASE_OK);
        patch_file(w_path, at[i], bad[i], 4);
        ck_assert_int_eq(fmnist_fmodel_load(net, w_path, &back), BASE_EPARSE);
        ck_assert_ptr_null(back);
        ck_assert_ptr_nonnull(strstr(base_last_error(), w_path));
        ck_assert_ptr_nonnull(strstr(base_last_error(), "not a finite number"));
    }
    fmnist_fmodel_free(m);
    net_free(net);
}
END_TEST

/* ---- Quantization and the AP -------------------------------------------------------------- */

static const char *const q_specs[] = {"int8", "int4", "w2a8", "int2"};

/* A trained tiny model quantized under each spec: the AP's logits equal the reference's for
 * several images, and at 8 bits the integer model keeps the float model's answers. */
START_TEST(test_quantize_ap_bit_exact)
{
    net_network *net = tiny_net();
    fmnist_dataset *d = tiny_data(48, 5);
    double l[3];
    fmnist_fmodel *m = train_tiny(net, d, l);
    net_bitcfg *bits = NULL;
    exec_qmodel *qm = NULL;
    sim_plan *plan = NULL;
    sim_result *res = NULL;
    tech_params *tech = NULL;
    sim_arch arch;
    ck_assert_int_eq(sim_arch_find("bf_imna", &arch), BASE_OK);
    arch.batch = 1;
    ck_assert_int_eq(tech_open("sram", &tech), BASE_OK);
    ck_assert_int_eq(net_bitcfg_resolve(q_specs[_i], net, &bits), BASE_OK);
    ck_assert_msg(fmnist_quantize(m, bits, d, 24, &qm) == BASE_OK, "%s", base_last_error());
    ck_assert_double_eq_tol(qm->in_scale, fmnist_input_scale(bits->input_bits), 1e-15);
    ck_assert_int_eq(sim_plan_new(net, bits, &arch, &plan), BASE_OK);
    ck_assert_int_eq(sim_result_new(plan, &res), BASE_OK);
    ck_assert_int_eq(sim_plan_eval(plan, tech, tech->vdd_nom_v.value, res), BASE_OK);
    int32_t logits[48 * 3], in[64], ap[3];
    ck_assert_int_eq(fmnist_logits(qm, d, 48, logits), BASE_OK);
    size_t correct = 0;
    for (size_t i = 0; i < 48; i++) {
        size_t top;
        int64_t margin;
        fmnist_top(logits + 3 * i, 3, &top, &margin);
        correct += top == d->labels[i];
        ck_assert_int_ge(margin, 0);
    }
    if (_i == 0)
        ck_assert_uint_ge(correct, 44);
    for (size_t i = 0; i < 4; i++) {
        fmnist_input(d, i, 1, bits->input_bits, in);
        ck_assert_msg(exec_infer_ap(qm, plan, res, in, ap, NULL) == BASE_OK, "%s",
                      base_last_error());
        ck_assert_int_eq(memcmp(ap, logits + 3 * i, sizeof ap), 0);
    }
    sim_result_free(res);
    sim_plan_free(plan);
    exec_qmodel_free(qm);
    net_bitcfg_free(bits);
    tech_params_free(tech);
    fmnist_fmodel_free(m);
    free_data(d);
    net_free(net);
}
END_TEST

START_TEST(test_quantize_errors)
{
    net_network *net = tiny_net();
    fmnist_dataset *d = tiny_data(6, 5);
    fmnist_fmodel *m = NULL;
    net_bitcfg *bits = NULL;
    exec_qmodel *qm = NULL;
    int32_t logits[3];
    ck_assert_int_eq(fmnist_fmodel_new(net, 1, &m), BASE_OK);
    static const char *const bad[] = {"int1", "w9a8", "w8a12"};
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(net_bitcfg_resolve(bad[i], net, &bits), BASE_OK);
        ck_assert_int_eq(fmnist_quantize(m, bits, d, 6, &qm), BASE_ERANGE);
        ck_assert_ptr_null(qm);
        net_bitcfg_free(bits);
    }
    ck_assert_int_eq(net_bitcfg_resolve("int8", net, &bits), BASE_OK);
    ck_assert_int_eq(fmnist_quantize(m, bits, d, 0, &qm), BASE_EINVAL);
    for (long k = 1; k <= 3; k++) {
        base_alloc_fail_after(k);
        base_status st = fmnist_quantize(m, bits, d, 6, &qm);
        base_alloc_fail_reset();
        ck_assert_int_eq(st, BASE_ENOMEM);
        ck_assert_ptr_null(qm);
    }
    ck_assert_int_eq(fmnist_quantize(m, bits, d, 6, &qm), BASE_OK);
    ck_assert_int_eq(fmnist_logits(qm, d, 7, logits), BASE_EINVAL);
    base_alloc_fail_after(1);
    ck_assert_int_eq(fmnist_logits(qm, d, 1, logits), BASE_ENOMEM);
    base_alloc_fail_reset();
    exec_qmodel_free(qm);
    net_bitcfg_free(bits);
    fmnist_fmodel_free(m);
    free_data(d);
    net_free(net);
}
END_TEST

/* tiny_yaml with each conv/fc bias on (1) or off (0). */
static net_network *tiny_net_bias(int conv1, int conv2, int fc)
{
    char text[1024];
    snprintf(text, sizeof text,
             "name: tinyb\n"
             "input: {channels: 1, height: 8, width: 8}\n"
             "layers:\n"
             "  - {name: conv1, type: conv, out: 4, kernel: 3, pad: 1, bias: %s}\n"
             "  - {name: relu1, type: relu}\n"
             "  - {name: pool1, type: maxpool, kernel: 2}\n"
             "  - {name: conv2, type: conv, out: 6, kernel: 3, pad: 1, bias: %s}\n"
             "  - {name: relu2, type: relu}\n"
             "  - {name: pool2, type: maxpool, kernel: 2}\n"
             "  - {name: flatten, type: flatten}\n"
             "  - {name: fc, type: fc, out: 3, bias: %s}\n",
             conv1 ? "true" : "false", conv2 ? "true" : "false", fc ? "true" : "false");
    net_network *net = NULL;
    ck_assert_msg(net_load_string("tinyb.yaml", text, strlen(text), &net) == BASE_OK, "%s",
                  base_last_error());
    return net;
}

/* A network without biases is still calibrated, and a bias after a bias-free layer is
 * scaled by its input's calibrated scale (input scale x weight scale). */
START_TEST(test_quantize_bias_free_layers)
{
    fmnist_dataset *d = tiny_data(12, 5);
    for (int variant = 0; variant < 2; variant++) {
        net_network *net = variant == 0 ? tiny_net_bias(0, 0, 0) : tiny_net_bias(0, 1, 1);
        fmnist_fmodel *m = NULL;
        net_bitcfg *bits = NULL;
        exec_qmodel *qm = NULL;
        ck_assert_int_eq(fmnist_fmodel_new(net, 3, &m), BASE_OK);
        for (size_t li = 0; li < net->n_layers; li++)
            for (int c = 0; m->bias[li] && c < net->layers[li].c_out; c++)
                m->bias[li][c] = 0.05f * (float)(c + 1);
        ck_assert_int_eq(net_bitcfg_resolve("int8", net, &bits), BASE_OK);
        ck_assert_msg(fmnist_quantize(m, bits, d, 12, &qm) == BASE_OK, "%s", base_last_error());
        /* conv1 narrows to 8 bits: its requantization was chosen, not left at the default. */
        ck_assert_int_ne(qm->layers[0].rq.scale_b, 1);
        ck_assert(qm->layers[0].out_scale != 1.0);
        ck_assert(isfinite(qm->layers[7].out_scale) && qm->layers[7].out_scale > 0.0);
        for (size_t li = 0; li < net->n_layers; li++) {
            if (!qm->layers[li].bias)
                continue;
            int src = net->layers[li].inputs[0];
            double s_acc = qm->layers[src].out_scale * qm->layers[li].w_scale;
            ck_assert(qm->layers[src].out_scale != 1.0);
            for (int c = 0; c < net->layers[li].c_out; c++)
                ck_assert_int_eq(qm->layers[li].bias[c],
                                 (int32_t)nearbyint((double)m->bias[li][c] / s_acc));
        }
        int32_t logits[12 * 3];
        ck_assert_int_eq(fmnist_logits(qm, d, 12, logits), BASE_OK);
        exec_qmodel_free(qm);
        net_bitcfg_free(bits);
        fmnist_fmodel_free(m);
        net_free(net);
    }
    free_data(d);
}
END_TEST

/* Runs `apsim fmnist argv...` with stderr caught into err (cap bytes, NUL-ended). */
static int cli_fmnist_caught(int argc, const char *const *argv, char *err, size_t cap)
{
    FILE *tmp = tmpfile();
    ck_assert_ptr_nonnull(tmp);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_ge(dup2(fileno(tmp), STDERR_FILENO), 0);
    int rc = cli_fmnist(argc, (char **)(uintptr_t)argv);
    fflush(stderr);
    ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
    close(saved);
    rewind(tmp);
    size_t n = fread(err, 1, cap - 1, tmp);
    err[n] = '\0';
    fclose(tmp);
    return rc;
}

/* Option checks that need no data: they reject before anything is loaded (exit 2), with an
 * error naming what is wrong. */
START_TEST(test_cli_option_checks)
{
    static const char *const cases[][8] = {
        {"eval", "--bits", "int8", "--ap", "5", "--test", "2", NULL},
        {"sweep", "--ap", "11", "--test", "10", NULL},
        {"eval", "--bits", "w8a8,w4a4,w8a8,", NULL},
        {"eval", "--bits", ",w8a8,w4a4,w8a8", NULL},
        {"eval", "--bits", "w8a8,,w4a4", NULL},
        {"eval", "--bits", "w8a8,w4a4\",x: 1", NULL},
        {"eval", "--bits", "w8a8,w4a4 ,w8a8", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int argc = 0;
        while (cases[i][argc])
            argc++;
        char err[4096];
        ck_assert_int_eq(cli_fmnist_caught(argc, cases[i], err, sizeof err), 2);
        ck_assert_msg(strncmp(err, "apsim fmnist: error: ", 21) == 0, "%s", err);
    }
}
END_TEST

START_TEST(test_input_scale)
{
    fmnist_dataset d = {0};
    uint8_t px[3] = {0, 128, 255}, lab[1] = {0};
    int32_t out[3];
    d.n_images = 1;
    d.h = 1;
    d.w = 3;
    d.pixels = px;
    d.labels = lab;
    fmnist_input(&d, 0, 1, 8, out);
    ck_assert_int_eq(out[0], -127);
    ck_assert_int_eq(out[1], 0);
    ck_assert_int_eq(out[2], 127);
    fmnist_input(&d, 0, 1, 2, out);
    ck_assert_int_eq(out[0], -1);
    ck_assert_int_eq(out[2], 1);
    ck_assert_double_eq_tol(fmnist_input_scale(4), 1.0 / 7.0, 1e-15);
}
END_TEST

/* ---- Top-1, margins and the cascade ------------------------------------------------------- */

START_TEST(test_top_margin)
{
    const int32_t a[4] = {3, 9, -2, 7}, b[3] = {5, 5, 1};
    size_t top;
    int64_t m;
    fmnist_top(a, 4, &top, &m);
    ck_assert_uint_eq(top, 1);
    ck_assert_int_eq(m, 2);
    fmnist_top(b, 3, &top, &m); /* a tie: the first wins, margin 0 */
    ck_assert_uint_eq(top, 0);
    ck_assert_int_eq(m, 0);
}
END_TEST

/* Low-precision answers with margins 1, 6, 3, 10 LSB (scale 0.5: 0.5, 3, 1.5, 5); the high
 * config corrects inputs 0 and 2. Thresholds pick which are re-run. */
START_TEST(test_cascade_threshold)
{
    const int32_t lo[4 * 2] = {1, 0, 6, 0, 0, 3, 0, 10};
    const int32_t hi[4 * 2] = {0, 4, 9, 0, 5, 0, 0, 1};
    const uint8_t labels[4] = {1, 0, 0, 1};
    static const struct {
        double thr;
        size_t n_rerun, n_correct;
    } cases[] = {{0.0, 0, 2}, {0.5, 0, 2}, {0.75, 1, 3}, {2.0, 2, 4}, {4.0, 3, 4}, {100.0, 4, 4}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fmnist_cascade_point cp;
        fmnist_cascade(lo, 0.5, hi, labels, 4, 2, cases[i].thr, &cp);
        ck_assert_double_eq(cp.threshold, cases[i].thr);
        ck_assert_uint_eq(cp.n_inputs, 4);
        ck_assert_uint_eq(cp.n_rerun, cases[i].n_rerun);
        ck_assert_uint_eq(cp.n_correct, cases[i].n_correct);
    }
}
END_TEST

/* ---- Each design's own arithmetic (fmnist_rival.c) ---------------------------------------- */

/* PoTAcc's levels: 2, 3, 4 bits give exponents up to 0, 2, 6; rounding to the nearest of 0 and
 * +-2^e (midpoints 0.5 and 1.5 x 2^e), clamped at 2^max_exp, sign kept. */
START_TEST(test_pot_round_table)
{
    ck_assert_uint_eq(fmnist_pot_max_exp(2), 0);
    ck_assert_uint_eq(fmnist_pot_max_exp(3), 2);
    ck_assert_uint_eq(fmnist_pot_max_exp(4), 6);
    ck_assert_uint_eq(fmnist_pot_max_exp(5), 0);
    static const struct {
        double v;
        unsigned max_exp;
        int32_t q;
    } t[] = {{0.0, 6, 0},   {0.49, 6, 0},  {0.5, 6, 1},   {1.49, 6, 1},  {1.5, 6, 2},
             {2.9, 6, 2},   {3.0, 6, 4},   {5.99, 6, 4},  {6.0, 6, 8},   {47.9, 6, 32},
             {48.0, 6, 64}, {1000, 6, 64}, {-0.7, 6, -1}, {-3.2, 6, -4}, {-1000, 6, -64},
             {3.0, 2, 4},   {9.0, 2, 4},   {2.0, 2, 2},   {5.0, 0, 1},   {-0.6, 0, -1},
             {0.3, 0, 0}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        ck_assert_msg(fmnist_pot_round(t[i].v, t[i].max_exp) == t[i].q, "%g (max 2^%u): %d not %d",
                      t[i].v, t[i].max_exp, fmnist_pot_round(t[i].v, t[i].max_exp), t[i].q);
}
END_TEST

/* The Ax-BxP product straight from its definition: every pair (i, j) of 2-bit blocks kept by
 * the rule, shifted into place, summed and shifted back. */
static int64_t axbxp_by_pairs(int64_t a, unsigned a_bits, int64_t w, unsigned w_bits)
{
    unsigned ma = a_bits - 1, mw = w_bits - 1;
    uint64_t am = (uint64_t)llabs(a) << (8 - ma), wm = (uint64_t)llabs(w) << (8 - mw), sum = 0;
    for (unsigned i = 0; i < 4; i++)
        for (unsigned j = 0; j < 4; j++)
            if (i + j <= 3)
                sum += (((am >> (6 - 2 * i)) & 3) * ((wm >> (6 - 2 * j)) & 3))
                       << (12 - 2 * (i + j));
    int64_t m = (int64_t)(sum >> (16 - ma - mw));
    return (a < 0) != (w < 0) ? -m : m;
}

/* Hand example: a = 255 (unsigned 8-bit activation, a 9-bit field) is blocks 3,3,3,3; w = 127
 * (8 bits, magnitude 7 bits, shifted left by 1 to 254) is blocks 3,3,3,2. The dropped pairs
 * (1,3) (2,2) (3,1) weigh 16: 6 + 9 + 9; (2,3) (3,2) weigh 4: 6 + 9; (3,3) weighs 1: 6; in all
 * 16 x 24 + 4 x 15 + 6 = 450, so the product is (255 x 254 - 450) / 2 = 32160, not 32385. */
START_TEST(test_axbxp_products)
{
    ck_assert_int_eq(fmnist_axbxp_mul(255, 9, 127, 8), 32160);
    ck_assert_int_eq(fmnist_axbxp_mul(-255, 9, 127, 8), -32160);
    ck_assert_int_eq(fmnist_axbxp_mul(127, 9, 127, 8), 15904);
    ck_assert_int_eq(fmnist_axbxp_mul(-100, 8, 77, 8), -7680);
    ck_assert_int_eq(fmnist_axbxp_mul(200, 9, -93, 8), -18560);
    /* Up to two blocks per operand (magnitudes of at most 4 bits) every pair is kept: exact. */
    ck_assert_int_eq(fmnist_axbxp_mul(15, 5, 7, 4), 105);
    for (unsigned ab = 2; ab <= 9; ab++)
        for (unsigned wb = 2; wb <= 8; wb++)
            for (int64_t a = -((1 << (ab - 1)) - 1); a < (1 << (ab - 1)); a += 3)
                for (int64_t w = -((1 << (wb - 1)) - 1); w < (1 << (wb - 1)); w++) {
                    int64_t p = fmnist_axbxp_mul(a, ab, w, wb);
                    ck_assert_int_eq(p, axbxp_by_pairs(a, ab, w, wb));
                    if (ab <= 5 && wb <= 5)
                        ck_assert_int_eq(p, a * w);
                    ck_assert_int_le(llabs(p), llabs(a * w));
                }
    /* Wider than an 8-bit magnitude: exact. */
    ck_assert_int_eq(fmnist_axbxp_mul(1000, 12, 3, 4), 3000);
    ck_assert_str_eq(fmnist_design_name(FMNIST_AXBXP), "axbxp");
    ck_assert_str_eq(fmnist_design_name(FMNIST_N_DESIGNS), "?");
}
END_TEST

/* The tiny trained model under each design: Sparq and the bitwise array give the AP's logits
 * bit for bit; PoTAcc's power-of-two weights change them at w4 (weights widened to 8-bit
 * integers +-2^e) but not at w8 (int8 multipliers); Ax-BxP's products change them at int8 and
 * not at int4 (magnitudes of two blocks are exact); its model refuses the AP. */
START_TEST(test_design_accuracy_small)
{
    net_network *net = tiny_net();
    fmnist_dataset *d = tiny_data(48, 5);
    double l[3];
    fmnist_fmodel *m = train_tiny(net, d, l);
    static const struct {
        const char *spec;
        fmnist_design design;
        int same;
    } cases[] = {{"int8", FMNIST_SPARQ, 1},  {"int4", FMNIST_BITSYS, 1}, {"w2a8", FMNIST_SPARQ, 1},
                 {"int4", FMNIST_POTACC, 0}, {"w4a8", FMNIST_POTACC, 0}, {"int8", FMNIST_POTACC, 1},
                 {"w2a8", FMNIST_POTACC, 1}, {"int8", FMNIST_AXBXP, 0},  {"int4", FMNIST_AXBXP, 1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        net_bitcfg *bits = NULL, *dbits = NULL;
        exec_qmodel *qa = NULL, *qd = NULL;
        int32_t la[48 * 3], ld[48 * 3];
        ck_assert_int_eq(net_bitcfg_resolve(cases[c].spec, net, &bits), BASE_OK);
        ck_assert_int_eq(fmnist_quantize(m, bits, d, 24, &qa), BASE_OK);
        ck_assert_int_eq(fmnist_design_bits(net, bits, cases[c].design, &dbits), BASE_OK);
        ck_assert_msg(fmnist_quantize_design(m, bits, cases[c].design, dbits, d, 24, &qd) ==
                          BASE_OK,
                      "%s", base_last_error());
        ck_assert_int_eq(fmnist_logits(qa, d, 48, la), BASE_OK);
        ck_assert_int_eq(fmnist_logits(qd, d, 48, ld), BASE_OK);
        ck_assert_msg((memcmp(la, ld, sizeof la) == 0) == cases[c].same, "%s on %s", cases[c].spec,
                      fmnist_design_name(cases[c].design));
        size_t correct = 0;
        for (size_t i = 0; i < 48; i++) {
            size_t top;
            int64_t margin;
            fmnist_top(ld + 3 * i, 3, &top, &margin);
            correct += top == d->labels[i];
        }
        ck_assert_uint_ge(correct, 30); /* a working classifier, not noise */
        if (cases[c].design == FMNIST_POTACC && !cases[c].same) {
            unsigned e = fmnist_pot_max_exp(4);
            ck_assert_uint_eq(dbits->bits[0].w_bits, e + 2);
            for (size_t j = 0; j < 36; j++) { /* conv1: 4 x 9 weights, 0 or +-2^k */
                int32_t v = qd->layers[0].weight[j], a = v < 0 ? -v : v;
                ck_assert_msg(a == 0 || ((a & (a - 1)) == 0 && a <= (1 << e)), "weight %d", v);
            }
        }
        if (cases[c].design == FMNIST_AXBXP) {
            sim_plan *plan = NULL;
            sim_result *res = NULL;
            sim_arch arch;
            tech_params *tech = NULL;
            int32_t in[64], ap[3];
            ck_assert_int_eq(sim_arch_find("bf_imna", &arch), BASE_OK);
            arch.batch = 1;
            ck_assert_int_eq(tech_open("sram", &tech), BASE_OK);
            ck_assert_int_eq(sim_plan_new(net, bits, &arch, &plan), BASE_OK);
            ck_assert_int_eq(sim_result_new(plan, &res), BASE_OK);
            ck_assert_int_eq(sim_plan_eval(plan, tech, tech->vdd_nom_v.value, res), BASE_OK);
            fmnist_input(d, 0, 1, bits->input_bits, in);
            ck_assert_int_eq(exec_infer_ap(qd, plan, res, in, ap, NULL), BASE_EINVAL);
            sim_result_free(res);
            sim_plan_free(plan);
            tech_params_free(tech);
        }
        exec_qmodel_free(qa);
        exec_qmodel_free(qd);
        net_bitcfg_free(dbits);
        net_bitcfg_free(bits);
    }
    fmnist_fmodel_free(m);
    free_data(d);
    net_free(net);
}
END_TEST

Suite *fmnist_suite(void)
{
    Suite *s = suite_create("fmnist");
    TCase *tc = tcase_create("idx");
    tcase_add_checked_fixture(tc, idx_setup, idx_teardown);
    tcase_add_test(tc, test_idx_load_gz_and_plain);
    tcase_add_test(tc, test_idx_load_errors);
    tcase_add_test(tc, test_idx_load_out_of_memory);
    suite_add_tcase(s, tc);
    tc = tcase_create("fmodel");
    tcase_add_checked_fixture(tc, w_setup, w_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_fmodel_new_rejects);
    tcase_add_test(tc, test_fmodel_train_deterministic);
    tcase_add_test(tc, test_fmodel_train_errors);
    tcase_add_test(tc, test_weights_round_trip_and_errors);
    tcase_add_test(tc, test_weights_reject_non_finite);
    suite_add_tcase(s, tc);
    tc = tcase_create("quantize");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_quantize_ap_bit_exact, 0, 4);
    tcase_add_test(tc, test_quantize_errors);
    tcase_add_test(tc, test_quantize_bias_free_layers);
    tcase_add_test(tc, test_cli_option_checks);
    tcase_add_test(tc, test_input_scale);
    suite_add_tcase(s, tc);
    tc = tcase_create("designs");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_pot_round_table);
    tcase_add_test(tc, test_axbxp_products);
    tcase_add_test(tc, test_design_accuracy_small);
    suite_add_tcase(s, tc);
    tc = tcase_create("cascade");
    tcase_add_test(tc, test_top_margin);
    tcase_add_test(tc, test_cascade_threshold);
    suite_add_tcase(s, tc);
    return s;
}
