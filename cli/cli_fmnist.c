/* cli_fmnist.c - `apsim fmnist train|eval|sweep`: trains the Fashion-MNIST CNN in C, measures
 * the test accuracy of its quantized versions with the integer reference, checks them bit for
 * bit on the AP and plots EDP against the measured accuracy (docs/FMNIST.md). Under MPI the
 * ranks share the images (the float and integer references by block, the AP check image i on
 * rank i % size) and rank 0 prints and writes what one rank would (docs/PARALLEL.md); every
 * step that can fail on one rank is followed by par_agree before the next collective. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "par/par.h"
#include "tech/tech.h"

#include "cli/cli_fmnist.h"

typedef struct fm_ctx {
    fm_opts o;
    net_network *net;
    fmnist_dataset *train, *test;
    fmnist_fmodel *fm;
    tech_params *tech;
    sim_arch arch;
    double float_acc_pct, train_s;
} fm_ctx;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static base_status load_set(const char *dir, const char *prefix, fmnist_dataset **out)
{
    char img[4096], lab[4096];
    snprintf(img, sizeof img, "%s/%s-images-idx3-ubyte.gz", dir, prefix);
    snprintf(lab, sizeof lab, "%s/%s-labels-idx1-ubyte.gz", dir, prefix);
    return fmnist_dataset_load_idx(img, lab, out);
}

/* Trains with the options and saves the weights. */
static base_status train(fm_ctx *c, const char *path, int verbose)
{
    fmnist_train_opts to;
    fmnist_train_opts_init(&to);
    to.n_epochs = (unsigned)c->o.epochs;
    to.n_train = (size_t)c->o.n_train;
    to.progress = par_rank() == 0 ? base_progress_stream() : NULL;
    double loss[64];
    base_status st = fmnist_fmodel_new(c->net, 42, &c->fm);
    double t0 = now_s();
    if (st == BASE_OK)
        st = fmnist_fmodel_train(c->fm, c->train, &to, loss);
    c->train_s = now_s() - t0;
    if (st == BASE_OK && verbose)
        for (unsigned e = 0; e < to.n_epochs; e++)
            printf("epoch %u: mean training loss %.4f\n", e + 1, loss[e]);
    char *slash = strrchr(path, '/');
    if (st == BASE_OK && slash) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
        st = base_mkdir_p(dir);
    }
    if (st == BASE_OK)
        st = fmnist_fmodel_save(c->fm, path);
    if (st == BASE_OK)
        printf("trained %u epochs on %zu images in %.1f s; weights: %s\n", to.n_epochs,
               to.n_train ? to.n_train : c->train->n_images, c->train_s, path);
    return st;
}

/* The network and both data sets: what every subcommand starts from. */
static base_status load_inputs(fm_ctx *c)
{
    base_status st = cli_load_network(c->o.net_arg, c->o.shape_arg, &c->net);
    if (st == BASE_OK)
        st = load_set(c->o.data_dir, "train", &c->train);
    if (st == BASE_OK)
        st = load_set(c->o.data_dir, "t10k", &c->test);
    return st;
}

/* The float model of path: trained (and saved there) by rank 0 when train_it or when the file
 * does not exist, read from the file by every other rank once rank 0 is done. */
static base_status get_weights(fm_ctx *c, const char *path, int train_it, int verbose)
{
    base_status st = BASE_OK;
    int trained = 0;
    struct stat sb; /* stat, not open: a FIFO must not block; loading refuses it */
    if (par_rank() == 0 && !train_it && stat(path, &sb) != 0 && errno == ENOENT) {
        train_it = 1;
        printf("weights: %s not found, training\n", path);
    }
    if (par_rank() == 0 && train_it) {
        st = train(c, path, verbose);
        trained = 1;
    }
    st = par_agree(st);
    if (st == BASE_OK && !trained) {
        st = fmnist_fmodel_load(c->net, path, &c->fm);
        if (st == BASE_OK)
            printf("weights: %s (cached)\n", path);
    }
    return par_agree(st);
}

/* Network, data, weights (trained and cached when absent), technology, architecture. */
static base_status resolve_bits(const net_network *net, const char *spec, net_bitcfg **out);

/* Loads what a measuring command needs. Everything given on the command line (the bit spec,
 * technology, architecture) is checked before the float model is trained or evaluated, so a
 * wrong argument stops at once. */
static base_status setup(fm_ctx *c, int want_tech, const char *bits_spec)
{
    base_status st = par_agree(load_inputs(c));
    if (st != BASE_OK)
        return st;
    if (bits_spec) {
        net_bitcfg *bits = NULL;
        st = resolve_bits(c->net, bits_spec, &bits);
        net_bitcfg_free(bits);
    }
    if (st == BASE_OK && want_tech)
        st = tech_open(c->o.tech_arg, &c->tech);
    if (st == BASE_OK && want_tech)
        st = sim_arch_find(SIM_DEFAULT_ARCH, &c->arch);
    c->arch.batch = 1;
    st = par_agree(st);
    if (st == BASE_OK && !c->o.model) /* --model: the integer model of a file, no float weights */
        st = get_weights(c, c->o.weights, 0, 0);
    double loss;
    if (st == BASE_OK && !c->o.model)
        st = fmnist_fmodel_evaluate(c->fm, c->test, c->test->n_images, &loss, &c->float_acc_pct);
    if (st == BASE_OK && c->o.model)
        printf("model: %s (integer weights and scales of apsim export)\n", c->o.model);
    else if (st == BASE_OK)
        printf("float model: test accuracy %.2f%% (loss %.4f) on %zu images\n", c->float_acc_pct,
               loss, c->test->n_images);
    return par_agree(st);
}

static void fini(fm_ctx *c)
{
    fmnist_fmodel_free(c->fm);
    fmnist_dataset_free(c->train);
    fmnist_dataset_free(c->test);
    tech_params_free(c->tech);
    net_free(c->net);
}

/* A bit spec: one wXaY per conv/fc layer separated by commas, else what net_bitcfg_resolve
 * takes. */
static base_status resolve_bits(const net_network *net, const char *spec, net_bitcfg **out)
{
    if (!strchr(spec, ','))
        return net_bitcfg_resolve(spec, net, out);
    char text[4096], why[96];
    if (!cli_fmnist_bits_list_ok(spec, why, sizeof why))
        return BASE_ERROR(BASE_EINVAL, "--bits '%s': %s", spec, why);
    size_t len = (size_t)snprintf(text, sizeof text, "name: \"%s\"\nlayers:\n", spec);
    const char *p = spec;
    for (size_t i = 0; i < net->n_layers; i++) {
        if (!net_kind_has_weights(net->layers[i].kind))
            continue;
        unsigned w = 0, a = 0;
        int used = 0;
        if (sscanf(p, "w%ua%u%n", &w, &a, &used) != 2)
            return BASE_ERROR(BASE_EINVAL, "--bits '%s': expected wXaY for layer '%s'", spec,
                              net->layers[i].name);
        p += used;
        if (*p == ',')
            p++;
        len += (size_t)snprintf(text + len, sizeof text - len, "  %s: {w: %u, a: %u}\n",
                                net->layers[i].name, w, a);
        if (len >= sizeof text)
            return BASE_ERROR(BASE_ERANGE, "--bits '%s': too long", spec);
    }
    if (*p)
        return BASE_ERROR(BASE_EINVAL, "--bits '%s': more entries than conv/fc layers", spec);
    return net_bitcfg_load_string(spec, text, len, net, out);
}

/* One bit configuration measured: accuracy, margins, AP check and the plan's cost. */
typedef struct fm_point {
    const char *spec;
    char label[32];
    double acc_pct, margin_median, margin_mean, low_margin_pct, out_scale;
    size_t n_ap, n_ap_exact;
    double ap_s_per_image;
    double latency_ns, energy_pj, edp_js;
    int32_t *logits;    /* test set (owned) */
    int32_t *ap_logits; /* the first n_ap images on the AP (owned; --dump only) */
    /* Each design's own top-1 (FMNIST_AP: acc_pct) and, for the rivals, their accel model's
     * cost of the network under the same bits (rival_ok 0: the model cannot run them). */
    double design_acc[FMNIST_N_DESIGNS];
    int rival_ok[FMNIST_N_DESIGNS];
    int rivals_measured;
    double rival_edp_js[FMNIST_N_DESIGNS], rival_latency_ns[FMNIST_N_DESIGNS];
    double rival_energy_pj[FMNIST_N_DESIGNS];
} fm_point;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Top-1 (%) of design d under bits over the first n_test images; *same: its logits equal
 * ap_logits. */
static base_status design_accuracy(fm_ctx *c, const net_bitcfg *bits, fmnist_design d,
                                   size_t n_test, const int32_t *ap_logits, double *acc, int *same)
{
    net_bitcfg *dbits = NULL;
    exec_qmodel *qm = NULL;
    const size_t n_out = exec_infer_out_elems(c->net);
    int32_t *lg = base_malloc(n_test * n_out * sizeof *lg);
    base_status st =
        lg ? fmnist_design_bits(c->net, bits, d, &dbits) : BASE_ERROR(BASE_ENOMEM, "out of memory");
    if (st == BASE_OK)
        st = fmnist_quantize_design(c->fm, bits, d, dbits, c->train, (size_t)c->o.n_calib, &qm);
    st = par_agree(st); /* fmnist_logits is collective */
    if (st == BASE_OK)
        st = fmnist_logits(qm, c->test, n_test, lg);
    if (st == BASE_OK) {
        size_t correct = 0;
        for (size_t i = 0; i < n_test; i++) {
            size_t top;
            int64_t m;
            fmnist_top(lg + i * n_out, n_out, &top, &m);
            correct += top == c->test->labels[i];
        }
        *acc = 100.0 * (double)correct / (double)n_test;
        *same = memcmp(lg, ap_logits, n_test * n_out * sizeof *lg) == 0;
    }
    exec_qmodel_free(qm);
    net_bitcfg_free(dbits);
    base_free(lg);
    return st;
}

/* The rivals' accuracies (Sparq and the bitwise array share one exact run, which must equal
 * the AP's logits) and their accel models' cost of the network under the same bits. */
static base_status measure_rivals(fm_ctx *c, const net_bitcfg *bits, size_t n_test, fm_point *pt)
{
    int same = 0;
    pt->design_acc[FMNIST_AP] = pt->acc_pct;
    pt->rivals_measured = 1;
    base_status st = design_accuracy(c, bits, FMNIST_SPARQ, n_test, pt->logits,
                                     &pt->design_acc[FMNIST_SPARQ], &same);
    if (st == BASE_OK && !same)
        st = BASE_ERROR(BASE_EINVAL, "%s: exact sub-byte logits differ from the AP's", pt->spec);
    pt->design_acc[FMNIST_BITSYS] = pt->design_acc[FMNIST_SPARQ];
    if (st == BASE_OK)
        st = design_accuracy(c, bits, FMNIST_POTACC, n_test, pt->logits,
                             &pt->design_acc[FMNIST_POTACC], &same);
    if (st == BASE_OK)
        st = design_accuracy(c, bits, FMNIST_AXBXP, n_test, pt->logits,
                             &pt->design_acc[FMNIST_AXBXP], &same);
    for (int d = FMNIST_SPARQ; st == BASE_OK && d < FMNIST_N_DESIGNS; d++) {
        sim_accel a;
        acc_cost cost;
        st = sim_accel_open(fmnist_design_name((fmnist_design)d), &a);
        if (st != BASE_OK)
            break;
        base_status rs = sim_accel_run(&a, c->net, bits, 1, &cost);
        sim_accel_close(&a);
        /* On the AP's basis: its technology's node and nominal supply (docs/ACCEL.md). */
        sim_accel_basis basis;
        if (rs == BASE_OK)
            rs = sim_accel_basis_of_tech(fmnist_design_name((fmnist_design)d), c->tech,
                                         c->tech->vdd_nom_v.value, 0, &basis);
        if (rs == BASE_OK)
            sim_accel_basis_apply(&basis, &cost);
        pt->rival_ok[d] = rs == BASE_OK;
        pt->rival_latency_ns[d] = rs == BASE_OK ? cost.latency_ns : (double)NAN;
        pt->rival_energy_pj[d] = rs == BASE_OK ? cost.energy_pj : (double)NAN;
        pt->rival_edp_js[d] =
            rs == BASE_OK ? cost.energy_pj * 1e-12 * cost.latency_ns * 1e-9 : (double)NAN;
        if (rs != BASE_OK && rs != BASE_EUNSUPPORTED)
            st = rs;
    }
    return st;
}

/* The AP check of the first n_ap test images (exec_infer_ap_fused, every op fused: the same
 * bits, faster, against the reference logits):
 * image i runs on rank i % size, the counts are summed over the ranks and the time per image
 * is the slowest rank's wall time over n_ap. Collective: every rank calls it, whatever st
 * (the status so far; the loop runs only when BASE_OK), and gets the agreed status. */
static base_status ap_check(fm_ctx *c, const exec_qmodel *qm, const sim_plan *plan, sim_result *res,
                            size_t n_ap, fm_point *pt, base_status st)
{
    const size_t n_out = exec_infer_out_elems(c->net),
                 hw = (size_t)c->net->h_in * (size_t)c->net->w_in;
    int32_t *in = base_malloc(hw * sizeof *in), *ap = base_malloc(n_out * sizeof *ap);
    if (st == BASE_OK && (!in || !ap))
        st = BASE_ERROR(BASE_ENOMEM, "out of memory");
    uint64_t n[2] = {0, 0}; /* images run, bit-exact */
    double t0 = now_s();
    base_progress bar; /* rank 0's images, on a terminal */
    base_progress_begin(&bar, par_rank() == 0 && n_ap > 1 ? base_progress_stream() : NULL, "AP run",
                        "images", n_ap);
    for (size_t i = (size_t)par_rank(); st == BASE_OK && i < n_ap; i += (size_t)par_size()) {
        base_progress_update(&bar, i);
        fmnist_input(c->test, i, 1, qm->bits->input_bits, in);
        st = exec_infer_ap_fused(qm, plan, res, in, ap, NULL);
        if (st == BASE_OK && pt->ap_logits)
            memcpy(pt->ap_logits + i * n_out, ap, n_out * sizeof *ap);
        n[0]++;
        n[1] += st == BASE_OK && memcmp(ap, pt->logits + i * n_out, n_out * sizeof *ap) == 0;
    }
    base_progress_update(&bar, n_ap);
    base_progress_end(&bar);
    double wall_s = now_s() - t0;
    base_free(in);
    base_free(ap);
    base_status sum = par_sum_u64(n, 2);
    if (sum == BASE_OK)
        sum = par_max_double(&wall_s, 1);
    if (sum == BASE_OK && pt->ap_logits)
        sum = par_merge(pt->ap_logits, n_ap * n_out * sizeof *pt->ap_logits);
    pt->n_ap = (size_t)n[0];
    pt->n_ap_exact = (size_t)n[1];
    pt->ap_s_per_image = n_ap ? wall_s / (double)n_ap : 0.0;
    return par_agree(st != BASE_OK ? st : sum);
}

static base_status measure(fm_ctx *c, const char *spec, size_t n_test, size_t n_ap, fm_point *pt,
                           int keep_ap)
{
    net_bitcfg *bits = NULL;
    exec_qmodel *qm = NULL;
    sim_plan *plan = NULL;
    sim_result *res = NULL;
    double *margins = NULL;
    const size_t n_out = exec_infer_out_elems(c->net);
    memset(pt, 0, sizeof *pt);
    pt->spec = spec;
    base_status st = resolve_bits(c->net, spec, &bits);
    if (st == BASE_OK)
        st = c->o.model ? fmnist_quantize_onnx(c->net, bits, c->o.model, c->train,
                                               (size_t)c->o.n_calib, &qm)
                        : fmnist_quantize(c->fm, bits, c->train, (size_t)c->o.n_calib, &qm);
    if (st == BASE_OK) {
        pt->logits = base_malloc(n_test * n_out * sizeof *pt->logits);
        margins = base_malloc(n_test * sizeof *margins);
        if (keep_ap)
            pt->ap_logits = base_calloc(n_ap * n_out + 1, sizeof *pt->ap_logits);
        if (!pt->logits || !margins || (keep_ap && !pt->ap_logits))
            st = BASE_ERROR(BASE_ENOMEM, "out of memory");
    }
    st = par_agree(st); /* fmnist_logits is collective */
    if (st == BASE_OK)
        st = fmnist_logits(qm, c->test, n_test, pt->logits);
    if (st == BASE_OK) {
        size_t correct = 0, low = 0;
        pt->out_scale = qm->layers[c->net->n_layers - 1].out_scale;
        for (size_t i = 0; i < n_test; i++) {
            size_t top;
            int64_t m;
            fmnist_top(pt->logits + i * n_out, n_out, &top, &m);
            correct += top == c->test->labels[i];
            margins[i] = (double)m * pt->out_scale;
            pt->margin_mean += margins[i] / (double)n_test;
            low += margins[i] < 1.0;
        }
        qsort(margins, n_test, sizeof *margins, cmp_double);
        pt->margin_median = margins[n_test / 2];
        pt->acc_pct = 100.0 * (double)correct / (double)n_test;
        pt->low_margin_pct = 100.0 * (double)low / (double)n_test;
        sim_bits_label(c->net, bits, pt->label, sizeof pt->label);
    }
    if (st == BASE_OK)
        st = sim_plan_new(c->net, bits, &c->arch, &plan);
    if (st == BASE_OK)
        st = sim_result_new(plan, &res);
    if (st == BASE_OK)
        st = sim_plan_eval(plan, c->tech, c->tech->vdd_nom_v.value, res);
    if (st == BASE_OK) {
        pt->latency_ns = res->latency_ns;
        pt->energy_pj = res->energy_pj;
        pt->edp_js = res->edp_pj_ns * 1e-21;
    }
    st = par_agree(st); /* the rivals' accuracies are collective */
    if (st == BASE_OK && c->o.rivals)
        st = measure_rivals(c, bits, n_test, pt);
    st = ap_check(c, qm, plan, res, n_ap, pt, st);
    base_free(margins);
    sim_result_free(res);
    sim_plan_free(plan);
    exec_qmodel_free(qm);
    net_bitcfg_free(bits);
    return st;
}

/* The AP images: --ap N, or every test image with --ap all. */
static size_t ap_count(const fm_ctx *c, size_t n_test)
{
    return c->o.n_ap < 0 ? n_test : (size_t)c->o.n_ap;
}

/* --ap against the test images actually loaded (--test absent: the whole set). */
static int check_n_ap(const fm_ctx *c, size_t n_test)
{
    if (ap_count(c, n_test) <= n_test)
        return 1;
    fprintf(stderr, "apsim fmnist: error: --ap %.0f exceeds the %zu test images\n", c->o.n_ap,
            n_test);
    return 0;
}

static int cmd_train(fm_ctx *c)
{
    char weights[4200];
    if (c->o.out_dir)
        snprintf(weights, sizeof weights, "%s/weights.bin", c->o.out_dir);
    else
        snprintf(weights, sizeof weights, "%s", c->o.weights);
    base_status st = par_agree(load_inputs(c));
    if (st == BASE_OK)
        st = get_weights(c, weights, 1, 1);
    double loss = 0, acc = 0;
    if (st == BASE_OK)
        st = fmnist_fmodel_evaluate(c->fm, c->test, c->test->n_images, &loss, &acc);
    if (st == BASE_OK)
        printf("float model: test accuracy %.2f%% (loss %.4f) on %zu images\n", acc, loss,
               c->test->n_images);
    if (st != BASE_OK) {
        if (par_rank() == 0)
            fprintf(stderr, "apsim fmnist train: %s\n", base_last_error());
        return cli_exit_code(st);
    }
    return 0;
}

static void print_point(const fm_point *p)
{
    printf("%-18s %-6s acc %6.2f%%  margin median %6.3f mean %6.3f  <1: %5.1f%%  AP %zu/%zu "
           "bit-exact (%.3f s/image)  EDP %.4e J*s\n",
           p->spec, p->label, p->acc_pct, p->margin_median, p->margin_mean, p->low_margin_pct,
           p->n_ap_exact, p->n_ap, p->ap_s_per_image, p->edp_js);
    if (!p->rivals_measured)
        return;
    printf("%-18s own top-1:", "");
    for (int d = FMNIST_SPARQ; d < FMNIST_N_DESIGNS; d++)
        printf(" %s %6.2f%%", fmnist_design_name((fmnist_design)d), p->design_acc[d]);
    printf("\n");
}

/* Test images to run: --test N when it asks for fewer than the set holds, else all. */
static size_t test_count(const fm_ctx *c)
{
    size_t n_test = c->test ? c->test->n_images : 0;
    if (c->o.n_test > 0 && (size_t)c->o.n_test < n_test)
        n_test = (size_t)c->o.n_test;
    return n_test;
}

/* --dump FILE (docs/FMNIST.md), little-endian: "APSIMLG" NUL, u32 version 1, u32 images,
 * u32 classes, u32 AP images; the labels (u8 each); the reference logits (int32, images x
 * classes); the AP's logits of the first AP images. */
typedef struct fm_dump {
    const fm_ctx *c;
    const fm_point *pt;
    size_t n_test;
} fm_dump;

static void put_u32(FILE *fp, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        fputc((int)((v >> (8 * i)) & 0xff), fp);
}

static base_status write_dump(FILE *fp, const void *ctx)
{
    const fm_dump *d = ctx;
    const size_t n_out = exec_infer_out_elems(d->c->net);
    fwrite("APSIMLG", 1, 8, fp);
    put_u32(fp, 1);
    put_u32(fp, (uint32_t)d->n_test);
    put_u32(fp, (uint32_t)n_out);
    put_u32(fp, (uint32_t)d->pt->n_ap);
    fwrite(d->c->test->labels, 1, d->n_test, fp);
    for (size_t i = 0; i < d->n_test * n_out; i++)
        put_u32(fp, (uint32_t)d->pt->logits[i]);
    for (size_t i = 0; i < d->pt->n_ap * n_out; i++)
        put_u32(fp, (uint32_t)d->pt->ap_logits[i]);
    return ferror(fp) ? BASE_ERROR(BASE_EIO, "%s: write error", d->c->o.dump) : BASE_OK;
}

static int cmd_eval(fm_ctx *c)
{
    fm_point pt;
    memset(&pt, 0, sizeof pt);
    base_status st = setup(c, 1, c->o.bits_arg);
    size_t n_test = test_count(c);
    if (st == BASE_OK && !check_n_ap(c, n_test))
        return 2;
    if (st == BASE_OK)
        st = measure(c, c->o.bits_arg, n_test, ap_count(c, n_test), &pt, c->o.dump != NULL);
    if (st == BASE_OK) {
        printf("test images: %zu\n", n_test);
        print_point(&pt);
    }
    fm_dump dump = {c, &pt, n_test};
    if (st == BASE_OK && c->o.dump && par_rank() == 0)
        st = base_write_atomic(c->o.dump, write_dump, &dump);
    st = par_agree(st);
    if (st == BASE_OK && c->o.dump)
        printf("wrote %s\n", c->o.dump);
    base_free(pt.logits);
    base_free(pt.ap_logits);
    if (st == BASE_OK && pt.n_ap_exact != pt.n_ap) {
        if (par_rank() == 0)
            fprintf(stderr, "apsim fmnist eval: error: AP output differs from the reference\n");
        return 1;
    }
    if (st != BASE_OK) {
        if (par_rank() == 0)
            fprintf(stderr, "apsim fmnist eval: %s\n", base_last_error());
        return cli_exit_code(st);
    }
    return 0;
}

/* The sweep's bit configurations: uniform, first/last at 8 bits with narrower middles, and
 * weight/activation splits. */
static const char *const sweep_specs[] = {
    "int8",           "int6",           "int5",           "int4",           "int3",
    "int2",           "w4a8",           "w8a4",           "w2a8",           "w8a8,w6a6,w8a8",
    "w8a8,w4a4,w8a8", "w8a8,w4a8,w8a8", "w8a8,w3a4,w8a8", "w8a8,w2a4,w8a8", "w8a8,w2a8,w8a8",
    "w8a8,w4a4,w4a4", "w4a4,w4a4,w8a8", "w6a6,w4a4,w6a6",
};
enum { N_SPECS = sizeof sweep_specs / sizeof sweep_specs[0] };

/* Cascades: (low, high) indices into sweep_specs, and the thresholds on the real margin. */
static const int cascades[][2] = {{3, 0}, {4, 0}, {10, 0}};

/* The plot series of cascade ci, e.g. "int4->int8" (commas become '/': CSV and gnuplot). */
static const char *cascade_name(size_t ci, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s->%s", sweep_specs[cascades[ci][0]], sweep_specs[cascades[ci][1]]);
    for (char *c = buf; *c; c++)
        if (*c == ',')
            *c = '/';
    return buf;
}
static const double thresholds[] = {0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 1e9};

typedef struct sweep_out {
    const fm_ctx *c;
    const fm_point *pts;
    size_t n_test;
} sweep_out;

static const char *mark_of(const fm_point *p)
{
    return strcmp(p->spec, "int8") == 0 ? "INT8" : strcmp(p->spec, "int4") == 0 ? "INT4" : "";
}

/* ",v" with prec decimals (exponent form when sci), or "," alone when v is NaN (not known). */
static void csv_num(FILE *fp, int prec, int sci, double v)
{
    fputc(',', fp);
    if (!isnan(v))
        fprintf(fp, sci ? "%.*e" : "%.*f", prec, v);
}

static base_status write_configs(FILE *fp, const void *ctx)
{
    const sweep_out *s = ctx;
    fprintf(fp, "bits,label,mark,top1_pct,float_top1_pct,margin_median,margin_mean,"
                "margin_below_1_pct,ap_images,ap_bitexact,latency_ms,energy_mj,"
                "edp_js,technology,top1_sparq_pct,top1_potacc_pct,top1_bitsys_pct,"
                "top1_axbxp_pct\n");
    for (size_t i = 0; i < N_SPECS; i++) {
        const fm_point *p = &s->pts[i];
        fprintf(fp, "%s,%s,%s,%.2f,%.2f,%.4f,%.4f,%.2f,%zu,%s,%.6e,%.6e,%.6e,%s", base_csv(p->spec),
                base_csv(p->label), base_csv(mark_of(p)), p->acc_pct, s->c->float_acc_pct,
                p->margin_median, p->margin_mean, p->low_margin_pct, p->n_ap,
                !p->n_ap                   ? ""
                : p->n_ap_exact == p->n_ap ? "true"
                                           : "false",
                p->latency_ns * 1e-6, p->energy_pj * 1e-9, p->edp_js, base_csv(s->c->o.tech_arg));
        for (int d = FMNIST_SPARQ; d < FMNIST_N_DESIGNS; d++)
            csv_num(fp, 2, 0, p->design_acc[d]);
        fprintf(fp, "\n");
    }
    return base_write_status(fp);
}

static void cascade_at(const sweep_out *s, size_t ci, size_t ti, fmnist_cascade_point *cp,
                       double *lat, double *en)
{
    const fm_point *lo = &s->pts[cascades[ci][0]], *hi = &s->pts[cascades[ci][1]];
    fmnist_cascade(lo->logits, lo->out_scale, hi->logits, s->c->test->labels, s->n_test,
                   exec_infer_out_elems(s->c->net), thresholds[ti], cp);
    double f = (double)cp->n_rerun / (double)cp->n_inputs;
    *lat = lo->latency_ns + f * hi->latency_ns;
    *en = lo->energy_pj + f * hi->energy_pj;
}

static base_status write_cascade(FILE *fp, const void *ctx)
{
    const sweep_out *s = ctx;
    char name[96];
    fprintf(fp, "series,low,high,threshold,rerun_pct,top1_pct,latency_ms,energy_mj,edp_js\n");
    for (size_t ci = 0; ci < sizeof cascades / sizeof cascades[0]; ci++)
        for (size_t ti = 0; ti < sizeof thresholds / sizeof thresholds[0]; ti++) {
            fmnist_cascade_point cp;
            double lat, en;
            cascade_at(s, ci, ti, &cp, &lat, &en);
            fprintf(fp, "%s,%s,%s,%g,%.2f,%.2f,%.6e,%.6e,%.6e\n",
                    base_csv(cascade_name(ci, name, sizeof name)),
                    base_csv(s->pts[cascades[ci][0]].spec), base_csv(s->pts[cascades[ci][1]].spec),
                    cp.threshold, 100.0 * (double)cp.n_rerun / (double)cp.n_inputs,
                    100.0 * (double)cp.n_correct / (double)cp.n_inputs, lat * 1e-6, en * 1e-9,
                    en * 1e-12 * lat * 1e-9);
        }
    return base_write_status(fp);
}

/* One row of points.csv, in the sweep's column names: latency and energy per inference. */
static void point_row(FILE *fp, const sweep_out *s, const char *series, const char *accel,
                      const char *bits, const char *mark, double threshold, double top1,
                      double lat_ns, double en_pj)
{
    fprintf(fp, "%s,%s,%s,%s,%s", base_csv(series), base_csv(s->c->net->name), base_csv(accel),
            base_csv(bits), base_csv(mark));
    fputc(',', fp);
    if (!isnan(threshold))
        fprintf(fp, "%g", threshold);
    csv_num(fp, 2, 0, top1);
    fprintf(fp, ",%.6e,%.6e,%.6e\n", lat_ns * 1e-6, en_pj * 1e-9, en_pj * 1e-12 * lat_ns * 1e-9);
}

/* The plot's data: static configs, rivals and cascades in one file (docs/OUTPUTS.md). */
static base_status write_points(FILE *fp, const void *ctx)
{
    const sweep_out *s = ctx;
    char name[96], bits[64];
    double nan = (double)NAN;
    fprintf(fp, "series,network,accelerator,bits,mark,threshold,top1_pct,latency_ms,energy_mj,"
                "edp_js\n");
    for (size_t i = 0; i < N_SPECS; i++)
        point_row(fp, s, "static", "ap", s->pts[i].spec, mark_of(&s->pts[i]), nan,
                  s->pts[i].acc_pct, s->pts[i].latency_ns, s->pts[i].energy_pj);
    /* Each rival at its own measured accuracy and its accel model's cost. */
    for (int d = FMNIST_SPARQ; s->c->o.rivals && d < FMNIST_N_DESIGNS; d++)
        for (size_t i = 0; i < N_SPECS; i++)
            if (s->pts[i].rival_ok[d])
                point_row(fp, s, fmnist_design_name((fmnist_design)d),
                          fmnist_design_name((fmnist_design)d), s->pts[i].spec, "", nan,
                          s->pts[i].design_acc[d], s->pts[i].rival_latency_ns[d],
                          s->pts[i].rival_energy_pj[d]);
    for (size_t ci = 0; ci < sizeof cascades / sizeof cascades[0]; ci++)
        for (size_t ti = 0; ti < sizeof thresholds / sizeof thresholds[0]; ti++) {
            fmnist_cascade_point cp;
            double lat, en;
            cascade_at(s, ci, ti, &cp, &lat, &en);
            snprintf(bits, sizeof bits, "%s>%s", s->pts[cascades[ci][0]].spec,
                     s->pts[cascades[ci][1]].spec);
            point_row(fp, s, cascade_name(ci, name, sizeof name), "ap", bits, "", cp.threshold,
                      100.0 * (double)cp.n_correct / (double)cp.n_inputs, lat, en);
        }
    return base_write_status(fp);
}

static base_status write_plots(FILE *fp, const void *ctx)
{
    const sweep_out *s = ctx;
    char name[96];
    char title[1024];
    snprintf(title, sizeof title,
             "Fashion-MNIST CNN on the AP (%s): EDP vs measured top-1 (rivals moved to %g nm "
             "%.2f V, FPGAs by Kuon-Rose)",
             s->c->o.tech_arg, s->c->tech->node_nm.value, s->c->tech->vdd_nom_v.value);
    fputs("fmnist|points.csv|fmnist_edp_accuracy|", fp);
    study_plots_field(fp, title, false);
    fputs("|static", fp);
    for (size_t ci = 0; ci < sizeof cascades / sizeof cascades[0]; ci++)
        fprintf(fp, " %s", cascade_name(ci, name, sizeof name));
    for (int d = FMNIST_SPARQ; s->c->o.rivals && d < FMNIST_N_DESIGNS; d++)
        fprintf(fp, " %s", fmnist_design_name((fmnist_design)d));
    fprintf(fp, "\n");
    return base_write_status(fp);
}

static int cmd_sweep(fm_ctx *c)
{
    fm_point pts[N_SPECS];
    memset(pts, 0, sizeof pts);
    const char *dir = c->o.out_dir ? c->o.out_dir : "results/fmnist";
    base_status st = setup(c, 1, NULL);
    size_t n_test = test_count(c);
    if (st == BASE_OK && !check_n_ap(c, n_test))
        return 2;
    for (size_t i = 0; st == BASE_OK && i < N_SPECS; i++) {
        st = measure(c, sweep_specs[i], n_test, ap_count(c, n_test), &pts[i], 0);
        if (st == BASE_OK)
            print_point(&pts[i]);
        if (st == BASE_OK && pts[i].n_ap_exact != pts[i].n_ap)
            st =
                BASE_ERROR(BASE_EINVAL, "%s: AP output differs from the reference", sweep_specs[i]);
    }
    sweep_out so = {c, pts, n_test};
    const base_output outs[] = {{"configs.csv", write_configs, 1},
                                {"cascade.csv", write_cascade, 1},
                                {"points.csv", write_points, 1},
                                {"plots.list", write_plots, 1}};
    if (st == BASE_OK && par_rank() == 0)
        st = base_write_set(dir, outs, sizeof outs / sizeof outs[0], &so);
    st = par_agree(st); /* rank 0's writing */
    if (st == BASE_OK)
        printf("wrote %s/{configs,cascade,points}.csv and plots.list\n", dir);
    for (size_t i = 0; i < N_SPECS; i++)
        base_free(pts[i].logits);
    if (st != BASE_OK) {
        if (par_rank() == 0)
            fprintf(stderr, "apsim fmnist sweep: %s\n", base_last_error());
        return cli_exit_code(st);
    }
    return 0;
}
int cli_fmnist(int argc, char **argv)
{
    fm_ctx c;
    size_t sub = 0;
    memset(&c, 0, sizeof c);
    int rc = cli_fmnist_parse(argc, argv, &c.o, &sub);
    if (rc >= 0)
        return rc;
    /* --quiet: rank 0's normal output goes where the other ranks' goes. */
    if (c.o.quiet && !freopen("/dev/null", "w", stdout)) {
        fprintf(stderr, "apsim fmnist: error: cannot silence the standard output\n");
        return 1;
    }
    c.o.rivals = !c.o.model; /* the rivals quantize the float weights themselves */
    if (sub == 0)
        rc = cmd_train(&c);
    else if (sub == 1)
        rc = cmd_eval(&c);
    else
        rc = cmd_sweep(&c);
    fini(&c);
    return rc;
}
