/* check_sweep.c - experiment files and sweeps (study/study_experiment.c, study_axes.c,
 * study_sweep.c, study_journal.c, study_write.c; docs/EXPERIMENTS.md): the
 * strict loader's error paths with their exact file:line:col, glob expansion, bit-config
 * labels, the Pareto front, stopping a sweep from its progress callback and resuming it from
 * its journal (outputs byte-identical to an uninterrupted run's), sharded runs played rank by
 * rank with par_simulate (shard journals, resuming with another rank count), and rivals (or
 * the AP) that cannot run a configuration recorded as such rather than failing the sweep. */
#define _XOPEN_SOURCE 700 /* nftw, to remove the scratch directory */
#include <check.h>
#include <ftw.h>
#include <glob.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "par/par.h"
#include "study/study.h"
#include "study/study_impl.h"

Suite *sweep_suite(void);

/* A scratch directory per process (Check forks each test). */
static char scratch_dir[64];

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void remove_scratch(void)
{
    if (scratch_dir[0])
        nftw(scratch_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh directory for this process (a PID-named one could hold an earlier run's files),
 * removed at exit. */
static const char *scratch(void)
{
    if (!scratch_dir[0]) {
        snprintf(scratch_dir, sizeof scratch_dir, "/tmp/apsim_sweep_XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(scratch_dir));
        atexit(remove_scratch);
    }
    return scratch_dir;
}

/* Writes text to <scratch>/<name> and returns the path (static buffer). */
static const char *write_file(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", scratch(), name);
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    fclose(fp);
    return path;
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    ck_assert_msg(fp != NULL, "cannot open %s", path);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, fp), (size_t)n);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

/* ---- Loader errors -------------------------------------------------------------------- */

typedef struct bad_case {
    const char *text;
    base_status status;
    const char *where; /* ":line:col: error: " */
    const char *msg;   /* a substring of the message */
} bad_case;

#define HEAD "name: t\nnetworks: [resnet18]\n" /* lines 1-2 */
static const bad_case BAD[] = {
    {HEAD "bits: [int8]\ntechnologies: [sram]\nnode_nm: [16, 5]\n", BASE_ERANGE, ":5:15: error: ",
     "technology 'sram' at 5 nm: technology node 5 nm is outside the scaling "
     "fits' 7..180 nm"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\nnode_nm: [16, 16]\n", BASE_EINVAL,
     ":5:15: error: ", "node 16 nm is listed twice"},
    {HEAD "bits: [int8]\ntechnologies: [sram_22nm_measured]\nnode_nm: [16]\n", BASE_EUNSUPPORTED,
     ":5:11: error: ", "cannot be moved to 16 nm"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\ntehc: 1\n", BASE_EKEY,
     ":5:1: error: ", "unknown key 'tehc' in 'experiment'"},
    {HEAD "bits: []\ntechnologies: [sram]\n", BASE_EINVAL, ":3:7: error: ", "'bits' is empty"},
    {HEAD "bits: [int8]\ntechnologies: [sram, tungsten]\n", BASE_ENOTFOUND,
     ":4:22: error: ", "unknown technology 'tungsten'"},
    {HEAD "bits: [int8, nosuch/cfg.yaml]\ntechnologies: [sram]\n", BASE_ENOTFOUND,
     ":3:14: error: ", "/nosuch/cfg.yaml: bit configuration file: no such file"},
    {HEAD "bits: [int8, \"nosuch/*.yaml\"]\ntechnologies: [sram]\n", BASE_ENOTFOUND,
     ":3:14: error: ", "/nosuch/*.yaml' matches no file"},
    {"name: t\nnetworks: [resnet19]\nbits: [int8]\ntechnologies: [sram]\n", BASE_ENOTFOUND,
     ":2:12: error: ", "resnet19"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\nbatch: [1, two]\n", BASE_ETYPE,
     ":5:12: error: ", "two"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\nbits: [int4]\n", BASE_EKEY,
     ":5:1: error: ", "duplicate key 'bits'"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\nvdd_v: [0.9, 2.5]\n", BASE_ERANGE,
     ":5:14: error: ", "no voltage of this entry"},
    {HEAD "bits: [int8]\ntechnologies: [sram, reram]\nvdd_v: [0.55]\n", BASE_ERANGE,
     ":5:8: error: ", "technology 'reram''s range 0.60..1.00 V"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\nvdd_v: [{from: 0.6, to: 0.9, stp: 0.1}]\n",
     BASE_EKEY, ":5:30: error: ", "unknown key 'stp' in 'vdd_v range'"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\naccelerators: [ap, tpu]\n", BASE_ENOTFOUND,
     ":5:20: error: ", "unknown accelerator 'tpu'"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\naccuracy: {int4: 68.45}\n", BASE_ENOTFOUND,
     ":5:12: error: ", "'int4' names no bit configuration"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\naccuracy: {int8: 171}\n", BASE_ERANGE,
     ":5:18: error: ", ""},
    {HEAD "bits: [int8]\ntechnologies: [sram]\nlayers_for: {technology: fefet}\n", BASE_ENOTFOUND,
     ":5:13: error: ", "layers_for matches no AP design point"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\nplots: [edp_acuracy]\n", BASE_EKEY,
     ":5:9: error: ", "unknown plots entry 'edp_acuracy'"},
    {"name: ../x\nnetworks: [resnet18]\nbits: [int8]\ntechnologies: [sram]\n", BASE_EINVAL,
     ":1:7: error: ", "experiment name '../x'"},
    {HEAD "bits: [int8, int8]\ntechnologies: [sram]\n", BASE_EINVAL,
     ":3:14: error: ", "listed twice"},
    {HEAD "bits: [int8]\n", BASE_EKEY, ":1:1: error: ", "missing key 'technologies'"},
    {HEAD "bits: [int8]\ntechnologies: sram\n", BASE_ETYPE, ":4:15: error: ", "technologies"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\npublished: nosuch.yaml\n", BASE_ENOTFOUND,
     ":5:12: error: ", "/nosuch.yaml' does not exist"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\nvdd_v: [{from: 0.9, to: 0.6, step: 0.1}]\n",
     BASE_ERANGE, ":5:9: error: ", "vdd_v range: 'to' is below 'from'"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\nvdd_v: [{from: 0.6, to: 0.9, step: 0}]\n",
     BASE_ERANGE, ":5:36: error: ", "value 0 is outside 0.001..1"},
    {"name: t\nnetworks: [resnet18, resnet18]\nbits: [int8]\ntechnologies: [sram]\n", BASE_EINVAL,
     ":2:22: error: ", "network 'resnet18' is listed twice"},
    {HEAD "bits: [int8]\ntechnologies: [sram, sram]\n", BASE_EINVAL,
     ":4:22: error: ", "technology 'sram' is listed twice"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\naccelerators: [ap, sparq, sparq]\n", BASE_EINVAL,
     ":5:27: error: ", "accelerator 'sparq' is listed twice"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\nbatch: [1, 1]\n", BASE_EINVAL,
     ":5:12: error: ", "batch 1 is listed twice"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\narch: nosuch_arch\n", BASE_ENOTFOUND,
     ":5:7: error: ", "unknown architecture 'nosuch_arch' (no sim/arch/nosuch_arch.yaml)"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\narch: gsi_apu\naccelerators: [ap, gsi_apu]\n",
     BASE_EINVAL, ":6:20: error: ", "accelerator 'gsi_apu' is listed twice"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\naccelerators: [ap, ap]\n", BASE_EINVAL,
     ":5:20: error: ", "accelerator 'ap' is listed twice"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\naccelerators: [ap, gsi_apu, gsi_apu]\n", BASE_EINVAL,
     ":5:29: error: ", "accelerator 'gsi_apu' is listed twice"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\naccelerators: [ap, bf_imna]\n", BASE_ENOTFOUND,
     ":5:20: error: ",
     "unknown accelerator 'bf_imna' (ap, sparq, potacc, bitsys, axbxp, or a "
     "measured chip's sim/arch preset)"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\nseries: [colour]\n", BASE_EKEY,
     ":5:10: error: ", "unknown series entry 'colour'"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\naccuracy: {vgg16: {int8: 70}}\n", BASE_ENOTFOUND,
     ":5:12: error: ", "accuracy: network 'vgg16' is not in 'networks'"},
    {HEAD "bits: [int8]\ntechnologies: [sram]\nlayers_for: {colour: red}\n", BASE_EKEY,
     ":5:14: error: ", "unknown key 'colour' in 'layers_for'"},
    {"name: t\nnetworks: [{network: resnet18, input_shape: 1x3x0x4}]\nbits: [int8]\n"
     "technologies: [sram]\n",
     BASE_ERANGE, ":2:45: error: ", "input_shape: input shape '1x3x0x4': dimension 2 is 0"},
    {"name: t\nnetworks: [{network: resnet18, input_shape: [3, 224]}]\nbits: [int8]\n"
     "technologies: [sram]\n",
     BASE_EINVAL,
     ":2:45: error: ", "input_shape has 2 entries (expected [N, C, H, W] or [C, H, W])"},
    {"name: t\nnetworks: [{network: resnet18, input_shape: [1, 3, 0, 4]}]\nbits: [int8]\n"
     "technologies: [sram]\n",
     BASE_ERANGE, ":2:52: error: ", "value 0 is outside 1..1048576"},
    {"name: t\nnetworks: [{network: resnet18, shape: 1x3x8x8}]\nbits: [int8]\n"
     "technologies: [sram]\n",
     BASE_EKEY, ":2:", "unknown key 'shape' in 'network entry'"},
    {"name: t\nnetworks: [{input_shape: 1x3x8x8}]\nbits: [int8]\ntechnologies: [sram]\n", BASE_EKEY,
     ":2:", "missing key 'network' in 'network entry'"},
    {"name: t\nnetworks: [resnet18, {network: resnet18, input_shape: 1x3x224x224}, "
     "{network: resnet18, input_shape: [3, 224, 224]}]\nbits: [int8]\ntechnologies: [sram]\n",
     BASE_EINVAL, ":2:", "network 'resnet18' is listed twice"},
};
enum { N_BAD = sizeof BAD / sizeof BAD[0] };

START_TEST(test_experiment_load_errors)
{
    const bad_case *c = &BAD[_i];
    const char *path = write_file("bad.yaml", c->text);
    char want[512];
    study_experiment *e = (study_experiment *)&e;
    base_status st = study_experiment_load(path, &e);
    ck_assert_ptr_null(e);
    ck_assert_msg(st == c->status, "case %d: status %s, want %s (%s)", _i, base_strerror(st),
                  base_strerror(c->status), base_last_error());
    snprintf(want, sizeof want, "%s%s", path, c->where);
    ck_assert_msg(strncmp(base_last_error(), want, strlen(want)) == 0,
                  "case %d: '%s' does not start with '%s'", _i, base_last_error(), want);
    ck_assert_msg(strstr(base_last_error(), c->msg) != NULL, "case %d: '%s' lacks '%s'", _i,
                  base_last_error(), c->msg);
}
END_TEST

/* layers_for with bits on an experiment of two networks picks the point of the named network
 * and bits (it once indexed the bits axis by network x bits, reading past it). */
START_TEST(test_layers_for_second_network)
{
    const char *path = write_file(
        "two_nets.yaml", "name: two_nets\nnetworks: [alexnet, resnet18]\nbits: [int8, int4]\n"
                         "technologies: [sram]\naccelerators: [ap]\n"
                         "layers_for: {network: resnet18, bits: int4}\n");
    study_experiment *e = NULL;
    ck_assert_msg(study_experiment_load(path, &e) == BASE_OK, "%s", base_last_error());
    ck_assert(e->has_layers);
    const study_point *p = &e->points[e->layers_point];
    ck_assert_str_eq(e->nets[p->net]->name, "resnet18");
    ck_assert_str_eq(e->bits[p->bits], "int4");
    study_experiment_free(e);
}
END_TEST

/* Errors inside a published table are reported at their position in that file. */
static const bad_case BAD_PUB[] = {
    {"systems: []\nextra: 1\n", BASE_EKEY,
     ":2:1: error: ", "unknown key 'extra' in 'published table'"},
    {"other: 1\n", BASE_EKEY, ":1:1: error: ", "unknown key 'other' in 'published table'"},
    {"systems:\n  - {name: x, gops_per_w: 1}\n", BASE_EKEY,
     ":2:5: error: ", "missing key 'source' in 'system'"},
    {"systems:\n  - {name: x, source: y, colour: 1}\n", BASE_EKEY,
     ":2:26: error: ", "unknown key 'colour' in 'system'"},
    {"systems:\n  - {name: x, source: y, gops_per_w: 1, node_nm: 3}\n", BASE_ERANGE,
     ":2:50: error: ", "value 3 is outside 7..180"},
    {"systems:\n  - {name: x, source: y}\n", BASE_EKEY,
     ":2:5: error: ", "system 'x' gives no figure (gops_per_w, gops_per_mm2 or relative)"},
};
enum { N_BAD_PUB = sizeof BAD_PUB / sizeof BAD_PUB[0] };

START_TEST(test_experiment_published_errors)
{
    const bad_case *c = &BAD_PUB[_i];
    char pub[256], text[512], want[512];
    snprintf(pub, sizeof pub, "%s", write_file("pub.yaml", c->text));
    snprintf(text, sizeof text, HEAD "bits: [int8]\ntechnologies: [sram]\npublished: %s\n", pub);
    study_experiment *e = (study_experiment *)&e;
    base_status st = study_experiment_load(write_file("withpub.yaml", text), &e);
    ck_assert_ptr_null(e);
    ck_assert_msg(st == c->status, "case %d: status %s (%s)", _i, base_strerror(st),
                  base_last_error());
    snprintf(want, sizeof want, "%s%s", pub, c->where);
    ck_assert_msg(strncmp(base_last_error(), want, strlen(want)) == 0,
                  "case %d: '%s' does not start with '%s'", _i, base_last_error(), want);
    ck_assert_msg(strstr(base_last_error(), c->msg) != NULL, "case %d: '%s' lacks '%s'", _i,
                  base_last_error(), c->msg);
}
END_TEST

START_TEST(test_experiment_load_missing_file)
{
    study_experiment *e = NULL;
    ck_assert_int_eq(study_experiment_load("/nonexistent/x.yaml", &e), BASE_ENOTFOUND);
    ck_assert_ptr_null(e);
}
END_TEST

START_TEST(test_experiment_load_out_of_memory)
{
    /* Every allocation failure on the way unwinds cleanly (ASan checks for leaks). */
    study_experiment *e = NULL;
    base_status st = BASE_ENOMEM;
    long n;
    for (n = 1; n < 100000 && st == BASE_ENOMEM; n += 7) {
        base_alloc_fail_after(n);
        st = study_experiment_load("tests/golden/golden_small.yaml", &e);
        base_alloc_fail_reset();
        if (st == BASE_ENOMEM)
            ck_assert_ptr_null(e);
    }
    ck_assert_int_eq(st, BASE_OK);
    study_experiment_free(e);
}
END_TEST

/* ---- Globs, points, labels ------------------------------------------------------------ */

/* Two input shapes of one network are two networks: two points per configuration. */
START_TEST(test_experiment_input_shapes)
{
    const char *path = write_file(
        "shapes.yaml", "name: t\nnetworks: [mobilenet_v2, {network: mobilenet_v2, input_shape: "
                       "1x3x160x160}, {network: mobilenet_v2, input_shape: [3, 96, 128]}]\n"
                       "bits: [int8]\ntechnologies: [sram]\n");
    study_experiment *e = NULL;
    ck_assert_msg(study_experiment_load(path, &e) == BASE_OK, "%s", base_last_error());
    ck_assert_uint_eq(study_experiment_n_points(e), 3);
    study_experiment_free(e);
    /* A shape the network cannot take: the error at the network file's input. */
    path = write_file("shapes.yaml", "name: t\nnetworks: [{network: resnet18, input_shape: "
                                     "1x1x224x224}]\nbits: [int8]\ntechnologies: [sram]\n");
    ck_assert_int_eq(study_experiment_load(path, &e), BASE_ESHAPE);
    ck_assert_ptr_null(e);
    ck_assert_str_eq(base_last_error(),
                     "networks/resnet18.yaml:6:8: error: input shape 1x1x224x224 "
                     "gives 1 channels, network 'resnet18' takes 3 (only N, H "
                     "and W may change)");
}
END_TEST

START_TEST(test_experiment_glob_expands_sorted)
{
    /* The pattern is absolute here: a relative one would be taken next to the experiment. */
    char cwd[1024], text[2048], want[1200];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    snprintf(text, sizeof text,
             HEAD "bits: [int8, \"%s/networks/hawq_v3/resnet18_latency_*.yaml\", int4]\n"
                  "technologies: [sram, reram]\nvdd_v: [nominal, 0.55, "
                  "{from: 0.8, to: 1.0, step: 0.1}]\naccelerators: [ap, sparq]\n",
             cwd);
    const char *path = write_file("glob.yaml", text);
    study_experiment *e = NULL;
    ck_assert_int_eq(study_experiment_load(path, &e), BASE_OK);
    ck_assert_uint_eq(study_experiment_n_bits(e), 5);
    ck_assert_str_eq(study_experiment_bits(e, 0), "int8");
    static const char *const lat[] = {"0.25", "0.5", "0.75"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(want, sizeof want, "%s/networks/hawq_v3/resnet18_latency_%s.yaml", cwd, lat[i]);
        ck_assert_str_eq(study_experiment_bits(e, i + 1), want);
    }
    ck_assert_str_eq(study_experiment_bits(e, 4), "int4");
    ck_assert_ptr_null(study_experiment_bits(e, 5));
    /* sram: 0.55, 0.8, 0.9, 1.0; reram (0.6-1.0): 0.8, 0.9, 1.0; sparq once per config. */
    ck_assert_uint_eq(study_experiment_n_points(e), 5 * (4 + 3 + 1));
    study_experiment_free(e);
}
END_TEST

/* Paths inside an experiment are relative to its directory, whatever the working directory:
 * a bit configuration in a subfolder, a glob, and a bare file name next to the experiment;
 * shipped names (resnet18, sram, int8) still come from the data directory. */
START_TEST(test_experiment_paths_next_to_it)
{
    char sub[512], text[4096], want[600];
    snprintf(sub, sizeof sub, "%s/cfgs", scratch());
    mkdir(sub, 0700);
    char *scheme = slurp("networks/hawq_v3/resnet18_uniform4.yaml");
    write_file("cfgs/mine_4.yaml", scheme);
    write_file("mine_8.yaml", scheme);
    base_free(scheme);
    snprintf(text, sizeof text,
             HEAD "bits: [cfgs/mine_4.yaml, \"cfgs/*_4.yaml\", mine_8.yaml]\n"
                  "technologies: [sram]\n");
    const char *path = write_file("near.yaml", text);
    study_experiment *e = NULL;
    ck_assert_int_eq(study_experiment_load(path, &e), BASE_EINVAL); /* listed twice, via glob */
    ck_assert_msg(strstr(base_last_error(), "near.yaml:3:") != NULL, "%s", base_last_error());
    /* accuracy keys and layers_for's bits written as paths are relative to it too. */
    path = write_file("near.yaml", HEAD "bits: [\"cfgs/*_4.yaml\", mine_8.yaml]\n"
                                        "technologies: [sram]\naccuracy: {cfgs/mine_4.yaml: 50}\n"
                                        "layers_for: {bits: cfgs/mine_4.yaml}\n");
    ck_assert_msg(study_experiment_load(path, &e) == BASE_OK, "%s", base_last_error());
    snprintf(want, sizeof want, "%s/cfgs/mine_4.yaml", scratch());
    ck_assert_str_eq(study_experiment_bits(e, 0), want);
    snprintf(want, sizeof want, "%s/mine_8.yaml", scratch());
    ck_assert_str_eq(study_experiment_bits(e, 1), want);
    study_experiment_free(e);
    /* A missing file is reported at the experiment's line and column, under its resolved name. */
    path = write_file("near.yaml", HEAD "bits: [int8]\ntechnologies: [sram]\n"
                                        "published: ../gone/pub.yaml\n");
    ck_assert_int_eq(study_experiment_load(path, &e), BASE_ENOTFOUND);
    snprintf(want, sizeof want, "%s/near.yaml:5:12: error: published table '%s/../gone/pub.yaml'",
             scratch(), scratch());
    ck_assert_msg(strncmp(base_last_error(), want, strlen(want)) == 0, "%s", base_last_error());
}
END_TEST

START_TEST(test_bits_label_names_fixed_precision)
{
    static const struct {
        const char *spec, *label;
    } cases[] = {{"int8", "INT8"},
                 {"int4", "INT4"},
                 {"w4a8", "W4A8"},
                 {"int6", "INT6"},
                 {"networks/hawq_v3/resnet18_uniform4.yaml", "INT4"},
                 {"networks/hawq_v3/resnet18_latency_0.5.yaml", "mixed"}};
    char path[4096], buf[16];
    net_network *net = NULL;
    ck_assert_int_eq(net_find_builtin("resnet18", path, sizeof path), BASE_OK);
    ck_assert_int_eq(net_load(path, &net), BASE_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        net_bitcfg *b = NULL;
        ck_assert_int_eq(net_bitcfg_resolve(cases[i].spec, net, &b), BASE_OK);
        ck_assert_str_eq(sim_bits_label(net, b, buf, sizeof buf), cases[i].label);
        net_bitcfg_free(b);
    }
    net_free(net);
}
END_TEST

/* ---- Pareto --------------------------------------------------------------------------- */

START_TEST(test_pareto_marks_front)
{
    /* (acc, edp): 71.5/9 front (best accuracy), 70.3/5 front, 70.3/6 dominated by 70.3/5,
     * 69/7 dominated, 68.4/2 front (least EDP), NaN accuracy never on the front, and a
     * duplicate of 68.4/2 (equal points do not dominate each other). */
    const double acc[] = {71.5, 70.3, 70.3, 69.0, 68.4, NAN, 68.4};
    const double edp[] = {9.0, 5.0, 6.0, 7.0, 2.0, 0.5, 2.0};
    const int want[] = {1, 1, 0, 0, 1, 0, 1};
    int on[7];
    study_pareto_mark(acc, edp, 7, on);
    for (int i = 0; i < 7; i++)
        ck_assert_msg(on[i] == want[i], "point %d: %d, want %d", i, on[i], want[i]);
}
END_TEST

/* ---- Sweeps --------------------------------------------------------------------------- */

/* A progress callback that stops the sweep once n new points are finished (n = 0: before the
 * first), as a kill would; it records the calls it saw. */
typedef struct stopper {
    size_t n_new, first, n_calls, last_done, last_total;
    int seen;
} stopper;

static bool stop_after(size_t done, size_t total, void *ctx)
{
    stopper *s = ctx;
    if (!s->seen)
        s->first = done;
    s->seen = 1;
    s->n_calls++;
    s->last_done = done;
    s->last_total = total;
    return done - s->first < s->n_new;
}

/* A run that stops after n new points into dir (BASE_ECANCELED, the journal left behind). */
static void run_stopped(const study_experiment *e, const char *dir, size_t n, study_sweep_stats *s)
{
    stopper stop = {.n_new = n};
    study_sweep_opts opts = {.results_dir = dir, .progress = stop_after, .progress_ctx = &stop};
    ck_assert_int_eq(study_sweep_run(e, &opts, s), BASE_ECANCELED);
    ck_assert_uint_eq(s->n_evaluated, n);
    ck_assert_uint_eq(stop.n_calls, n + 1);
}

/* 1 when <dir>/golden_small/<file> exists. */
static int small_has(const char *dir, const char *file)
{
    char path[512];
    snprintf(path, sizeof path, "%s/golden_small/%s", dir, file);
    return exists(path);
}

/* 1 when <a>/<name>/<file> and <b>/<name>/<file> hold the same bytes. */
static int same_file(const char *a, const char *b, const char *name, const char *file)
{
    char pa[512], pb[512];
    snprintf(pa, sizeof pa, "%s/%s/%s", a, name, file);
    snprintf(pb, sizeof pb, "%s/%s/%s", b, name, file);
    char *x = slurp(pa), *y = slurp(pb);
    int same = strcmp(x, y) == 0;
    free(x);
    free(y);
    return same;
}

START_TEST(test_sweep_resume_skips_journaled_points)
{
    char dir_a[256], dir_b[256];
    study_experiment *e = NULL;
    study_sweep_stats s;
    snprintf(dir_a, sizeof dir_a, "%s/resume_a", scratch());
    snprintf(dir_b, sizeof dir_b, "%s/resume_b", scratch());
    ck_assert_int_eq(study_experiment_load("tests/golden/golden_small.yaml", &e), BASE_OK);
    size_t n = study_experiment_n_points(e);
    ck_assert_uint_eq(n, 8);

    /* Stopped by the callback after 3 points: a journal, no outputs, a message saying so. */
    run_stopped(e, dir_a, 3, &s);
    ck_assert_ptr_nonnull(strstr(base_last_error(), "stopped by the caller after 3 new points"));
    ck_assert_ptr_nonnull(strstr(base_last_error(), "rerun to resume"));
    ck_assert(small_has(dir_a, ".journal.csv"));
    static const char *const outputs[] = {"points.csv", "front.csv", "summary.json", "plots.list",
                                          "layers.csv"};
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++)
        ck_assert_msg(!small_has(dir_a, outputs[i]), "%s written by a stopped sweep", outputs[i]);

    /* The rerun takes the 3 from the journal and evaluates the rest; progress starts at 3. */
    stopper watch = {.n_new = SIZE_MAX};
    study_sweep_opts go = {.results_dir = dir_a, .progress = stop_after, .progress_ctx = &watch};
    ck_assert_int_eq(study_sweep_run(e, &go, &s), BASE_OK);
    ck_assert_uint_eq(s.n_resumed, 3);
    ck_assert_uint_eq(s.n_evaluated, n - 3);
    ck_assert_uint_eq(watch.first, 3);
    ck_assert_uint_eq(watch.n_calls, n - 3 + 1);
    ck_assert_uint_eq(watch.last_done, n);
    ck_assert_uint_eq(watch.last_total, n);
    ck_assert(!small_has(dir_a, ".journal.csv"));

    /* Every output has the same bytes as an uninterrupted run's. */
    study_sweep_opts fresh = {.results_dir = dir_b};
    ck_assert_int_eq(study_sweep_run(e, &fresh, &s), BASE_OK);
    ck_assert_uint_eq(s.n_resumed, 0);
    ck_assert_uint_eq(s.n_evaluated, n);
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++)
        ck_assert_msg(same_file(dir_a, dir_b, "golden_small", outputs[i]),
                      "%s differs after resuming", outputs[i]);
    study_experiment_free(e);
}
END_TEST

/* ---- Sharded sweeps (docs/PARALLEL.md), each rank played in turn with par_simulate ------- */

static const char *const all_outputs[] = {"points.csv", "front.csv", "summary.json", "plots.list",
                                          "layers.csv"};

/* A run of golden_small into dir as rank of size; st is what it must return. */
static void play_rank(const study_experiment *e, const char *dir, int rank, int size,
                      base_status want, study_sweep_stats *s)
{
    study_sweep_opts opts = {.results_dir = dir};
    par_simulate(rank, size);
    base_status st = study_sweep_run(e, &opts, s);
    par_simulate(0, 1);
    ck_assert_msg(st == want, "rank %d of %d: %s", rank, size, base_last_error());
}

/* golden_small's outputs in dir equal those of a fresh run of one rank in fresh, and no
 * journal is left in dir. */
static void same_as_fresh(const study_experiment *e, const char *dir, const char *fresh)
{
    study_sweep_stats s;
    if (!small_has(fresh, "points.csv"))
        play_rank(e, fresh, 0, 1, BASE_OK, &s);
    for (size_t i = 0; i < sizeof all_outputs / sizeof all_outputs[0]; i++)
        ck_assert_msg(same_file(dir, fresh, "golden_small", all_outputs[i]), "%s differs",
                      all_outputs[i]);
    glob_t g;
    char pattern[512];
    snprintf(pattern, sizeof pattern, "%s/golden_small/.journal*", dir);
    ck_assert_int_eq(glob(pattern, 0, NULL, &g), GLOB_NOMATCH);
}

/* Two ranks: rank 1 writes only its shard journal; rank 0 then writes every output from both
 * journals, the same bytes as one rank, and removes the journals. */
START_TEST(test_sweep_sharded_same_bytes)
{
    char dir[256], fresh[256];
    study_experiment *e = NULL;
    study_sweep_stats s;
    snprintf(dir, sizeof dir, "%s/shard2", scratch());
    snprintf(fresh, sizeof fresh, "%s/shard_fresh", scratch());
    ck_assert_int_eq(study_experiment_load("tests/golden/golden_small.yaml", &e), BASE_OK);
    play_rank(e, dir, 1, 2, BASE_OK, &s);
    ck_assert(small_has(dir, ".journal.1.csv"));
    ck_assert(!small_has(dir, ".journal.csv"));
    for (size_t i = 0; i < sizeof all_outputs / sizeof all_outputs[0]; i++)
        ck_assert_msg(!small_has(dir, all_outputs[i]), "rank 1 wrote %s", all_outputs[i]);
    /* Units round-robin: the int8 AP plan (2 points), bitsys, sparq, the int4 AP plan, ... */
    ck_assert_uint_eq(s.n_evaluated, 4);
    ck_assert_uint_eq(s.n_plans, 1);
    play_rank(e, dir, 0, 2, BASE_OK, &s);
    ck_assert_uint_eq(s.n_resumed, 4);
    ck_assert_uint_eq(s.n_evaluated, 4);
    same_as_fresh(e, dir, fresh);
    study_experiment_free(e);
}
END_TEST

/* Rank 0 alone cannot finish: the points of the rank that never ran are in no journal, an
 * error naming the first, and nothing is written; the journal stays for a rerun. */
START_TEST(test_sweep_sharded_missing_rank)
{
    char dir[256];
    study_experiment *e = NULL;
    study_sweep_stats s;
    snprintf(dir, sizeof dir, "%s/shard_missing", scratch());
    ck_assert_int_eq(study_experiment_load("tests/golden/golden_small.yaml", &e), BASE_OK);
    play_rank(e, dir, 0, 2, BASE_EIO, &s);
    ck_assert_ptr_nonnull(strstr(base_last_error(), "design point 2 is in no sweep journal"));
    ck_assert(!small_has(dir, "points.csv"));
    ck_assert(small_has(dir, ".journal.0.csv"));
    study_experiment_free(e);
}
END_TEST

/* Interrupted shards of three ranks (rank 0 stopped after one point, rank 1 never ran, rank
 * 2's journal ending in a torn line) resume with one rank and, separately, with two: both
 * give the bytes of an uninterrupted run. */
START_TEST(test_sweep_shards_resume_other_count)
{
    char dir[256], fresh[256], path[512];
    study_experiment *e = NULL;
    study_sweep_stats s;
    snprintf(fresh, sizeof fresh, "%s/resume_fresh", scratch());
    ck_assert_int_eq(study_experiment_load("tests/golden/golden_small.yaml", &e), BASE_OK);
    for (int ranks = 1; ranks <= 2; ranks++) {
        snprintf(dir, sizeof dir, "%s/resume3_%d", scratch(), ranks);
        stopper stop = {.n_new = 1};
        study_sweep_opts opts = {.results_dir = dir, .progress = stop_after, .progress_ctx = &stop};
        par_simulate(0, 3);
        ck_assert_int_eq(study_sweep_run(e, &opts, &s), BASE_ECANCELED);
        par_simulate(0, 1);
        play_rank(e, dir, 2, 3, BASE_OK, &s);
        ck_assert_uint_eq(s.n_evaluated, 2); /* units 2 and 5: sparq at int8 and at int4 */
        snprintf(path, sizeof path, "%s/golden_small/.journal.2.csv", dir);
        FILE *fp = fopen(path, "a");
        ck_assert_ptr_nonnull(fp);
        fputs("3|0|1.5", fp); /* killed mid-write */
        fclose(fp);
        if (ranks == 2)
            play_rank(e, dir, 1, 2, BASE_OK, &s);
        play_rank(e, dir, 0, ranks, BASE_OK, &s);
        if (ranks == 1) {
            ck_assert_uint_eq(s.n_resumed, 3);
            ck_assert_uint_eq(s.n_evaluated, 5);
        }
        same_as_fresh(e, dir, fresh);
    }
    study_experiment_free(e);
}
END_TEST

/* A callback that stops at once evaluates nothing; one that stops after the last point still
 * leaves no output (only the journal), and the rerun writes them from the journal alone. */
START_TEST(test_sweep_stop_at_the_ends)
{
    char dir[256];
    study_experiment *e = NULL;
    study_sweep_stats s;
    snprintf(dir, sizeof dir, "%s/ends", scratch());
    ck_assert_int_eq(study_experiment_load("tests/golden/golden_small.yaml", &e), BASE_OK);
    size_t n = study_experiment_n_points(e);
    run_stopped(e, dir, 0, &s);
    ck_assert_uint_eq(s.n_plans, 0);
    ck_assert_int_eq(base_error_last()->status, BASE_ECANCELED);
    ck_assert(small_has(dir, ".journal.csv"));
    run_stopped(e, dir, n, &s);
    ck_assert_uint_eq(s.n_resumed, 0);
    ck_assert(!small_has(dir, "points.csv"));
    study_sweep_opts go = {.results_dir = dir};
    ck_assert_int_eq(study_sweep_run(e, &go, &s), BASE_OK);
    ck_assert_uint_eq(s.n_resumed, n);
    ck_assert_uint_eq(s.n_evaluated, 0);
    ck_assert(small_has(dir, "points.csv"));
    ck_assert(!small_has(dir, ".journal.csv"));
    study_experiment_free(e);
}
END_TEST

START_TEST(test_sweep_journal_of_other_file_ignored)
{
    char dir[256], path[512];
    study_experiment *e = NULL;
    study_sweep_stats s;
    snprintf(dir, sizeof dir, "%s/stale", scratch());
    snprintf(path, sizeof path, "%s/golden_small", dir);
    ck_assert_int_eq(base_mkdir_p(path), BASE_OK);
    snprintf(path, sizeof path, "%s/golden_small/.journal.csv", dir);
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    /* A journal from another version of the file (other hash), then a torn line. */
    fputs("# apsim sweep journal v1 0123456789abcdef 8\n0|0|1|1|1|1|1|1|1|1|1|1|1|1|\n2|0|1", fp);
    fclose(fp);
    ck_assert_int_eq(study_experiment_load("tests/golden/golden_small.yaml", &e), BASE_OK);
    study_sweep_opts go = {.results_dir = dir};
    ck_assert_int_eq(study_sweep_run(e, &go, &s), BASE_OK);
    ck_assert_uint_eq(s.n_resumed, 0);
    ck_assert_uint_eq(s.n_evaluated, 8);
    study_experiment_free(e);
}
END_TEST

/* The journal's header hashes every input file: editing a bit-configuration file the
 * experiment names makes an interrupted run's figures stale, so none is reused. */
START_TEST(test_sweep_journal_invalidated_by_input_change)
{
    char dir[256], bits[512], text[1024];
    study_experiment *e = NULL;
    study_sweep_stats s;
    snprintf(dir, sizeof dir, "%s/inputs", scratch());
    char *scheme = slurp("networks/hawq_v3/resnet18_uniform4.yaml");
    snprintf(bits, sizeof bits, "%s", write_file("u4.yaml", scheme));
    snprintf(text, sizeof text,
             "name: inputs\nnetworks: [resnet18]\nbits: [%s]\ntechnologies: [sram]\n"
             "vdd_v: [0.7, 0.8, nominal]\naccelerators: [ap]\n",
             bits);
    const char *xp = write_file("inputs.yaml", text);
    ck_assert_int_eq(study_experiment_load(xp, &e), BASE_OK);
    run_stopped(e, dir, 1, &s);
    study_experiment_free(e);
    /* Unchanged inputs: the journaled point is reused (and the run stops again). */
    ck_assert_int_eq(study_experiment_load(xp, &e), BASE_OK);
    run_stopped(e, dir, 1, &s);
    ck_assert_uint_eq(s.n_resumed, 1);
    study_experiment_free(e);
    /* The bit file changes (here only a comment; any byte counts): nothing is reused. */
    FILE *fp = fopen(bits, "a");
    ck_assert_ptr_nonnull(fp);
    fputs("# edited\n", fp);
    fclose(fp);
    ck_assert_int_eq(study_experiment_load(xp, &e), BASE_OK);
    study_sweep_opts go = {.results_dir = dir};
    ck_assert_int_eq(study_sweep_run(e, &go, &s), BASE_OK);
    ck_assert_uint_eq(s.n_resumed, 0);
    ck_assert_uint_eq(s.n_evaluated, 3);
    study_experiment_free(e);
    free(scheme);
}
END_TEST

/* A journal of the same inputs ending in a torn line: the whole lines are reused, the
 * fragment is cut off, and the next records start on lines of their own. */
START_TEST(test_sweep_journal_torn_line_truncated)
{
    char dir[256], path[512];
    study_experiment *e = NULL;
    study_sweep_stats s;
    snprintf(dir, sizeof dir, "%s/torn", scratch());
    snprintf(path, sizeof path, "%s/golden_small/.journal.csv", dir);
    ck_assert_int_eq(study_experiment_load("tests/golden/golden_small.yaml", &e), BASE_OK);
    run_stopped(e, dir, 3, &s);
    FILE *fp = fopen(path, "a");
    ck_assert_ptr_nonnull(fp);
    fputs("7|0|1.5", fp); /* killed mid-write */
    fclose(fp);
    run_stopped(e, dir, 2, &s);
    ck_assert_uint_eq(s.n_resumed, 3);
    char *j = slurp(path);
    ck_assert_ptr_null(strstr(j, "7|0|1.5"));
    size_t n_lines = 0;
    for (const char *c = j; *c; c++)
        n_lines += *c == '\n';
    ck_assert_uint_eq(n_lines, 1 + 5); /* header and five whole records */
    ck_assert(j[strlen(j) - 1] == '\n');
    free(j);
    study_sweep_opts go = {.results_dir = dir};
    ck_assert_int_eq(study_sweep_run(e, &go, &s), BASE_OK);
    ck_assert_uint_eq(s.n_resumed, 5);
    ck_assert_uint_eq(s.n_evaluated, 3);
    study_experiment_free(e);
}
END_TEST

/* A journal record whose text was changed (a flipped digit, another point's index, nan) fails
 * its checksum and is evaluated again: the outputs equal a fresh run's. */
START_TEST(test_sweep_journal_damaged_records_redone)
{
    char dir[256], fresh[256], path[512];
    study_experiment *e = NULL;
    study_sweep_stats s;
    snprintf(dir, sizeof dir, "%s/damaged", scratch());
    snprintf(fresh, sizeof fresh, "%s/damaged_fresh", scratch());
    snprintf(path, sizeof path, "%s/golden_small/.journal.csv", dir);
    ck_assert_int_eq(study_experiment_load("tests/golden/golden_small.yaml", &e), BASE_OK);
    run_stopped(e, dir, 4, &s);
    char *j = slurp(path);
    char *rec[5] = {j};
    for (int r = 1; r < 5; r++) {
        rec[r] = strchr(rec[r - 1], '\n');
        ck_assert_ptr_nonnull(rec[r]);
        rec[r]++;
    }
    char *fig = strchr(strchr(rec[1], '|') + 1, '|') + 1; /* record 1: a figure's first digit */
    *fig = *fig == '9' ? '8' : (char)(*fig + 1);
    rec[2][0] = rec[2][0] == '7' ? '6' : '7'; /* record 2: another point's index */
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fwrite(j, 1, (size_t)(rec[3] - j), fp);
    char *f3 = strchr(strchr(rec[3], '|') + 1, '|') + 1, *f3_end = strchr(f3, '|');
    fprintf(fp, "%.*snan%s", (int)(f3 - rec[3]), rec[3], f3_end); /* record 3: nan */
    fclose(fp);
    free(j);
    study_sweep_opts go = {.results_dir = dir}, gf = {.results_dir = fresh};
    ck_assert_int_eq(study_sweep_run(e, &go, &s), BASE_OK);
    ck_assert_uint_eq(s.n_resumed, 1); /* record 4 only */
    ck_assert_uint_eq(s.n_evaluated, 7);
    ck_assert_int_eq(study_sweep_run(e, &gf, &s), BASE_OK);
    ck_assert(same_file(dir, fresh, "golden_small", "points.csv"));
    study_experiment_free(e);
}
END_TEST

/* The journal's input hash is over file contents, not path spelling: the same experiment
 * named by an absolute path resumes the sweep begun with a relative one. */
START_TEST(test_sweep_resume_across_path_spellings)
{
    char dir[256], abs_path[4096];
    study_experiment *e = NULL, *e_abs = NULL;
    study_sweep_stats s;
    snprintf(dir, sizeof dir, "%s/spelling", scratch());
    ck_assert_ptr_nonnull(realpath("tests/golden/golden_small.yaml", abs_path));
    ck_assert_int_eq(study_experiment_load("tests/golden/golden_small.yaml", &e), BASE_OK);
    ck_assert_int_eq(study_experiment_load(abs_path, &e_abs), BASE_OK);
    run_stopped(e, dir, 3, &s);
    study_sweep_opts go = {.results_dir = dir};
    ck_assert_int_eq(study_sweep_run(e_abs, &go, &s), BASE_OK);
    ck_assert_uint_eq(s.n_resumed, 3);
    study_experiment_free(e);
    study_experiment_free(e_abs);
}
END_TEST

/* One sweep writes a results directory at a time: a second stops at once, naming why. */
START_TEST(test_sweep_results_dir_locked)
{
    char dir[256], out[512];
    study_experiment *e = NULL;
    study_sweep_stats s;
    snprintf(dir, sizeof dir, "%s/locked", scratch());
    snprintf(out, sizeof out, "%s/golden_small", dir);
    ck_assert_int_eq(base_mkdir_p(out), BASE_OK);
    ck_assert_int_eq(study_experiment_load("tests/golden/golden_small.yaml", &e), BASE_OK);
    int held = -1;
    ck_assert_int_eq(study_lock_take(out, &held), BASE_OK); /* "another sweep" */
    study_sweep_opts go = {.results_dir = dir};
    ck_assert_int_eq(study_sweep_run(e, &go, &s), BASE_EIO);
    ck_assert_msg(strstr(base_last_error(), "another apsim sweep is writing this results "
                                            "directory") != NULL,
                  "%s", base_last_error());
    study_lock_release(out, held);
    ck_assert_int_eq(study_sweep_run(e, &go, &s), BASE_OK);
    char lock[600];
    snprintf(lock, sizeof lock, "%s/.lock", out);
    ck_assert_int_ne(access(lock, F_OK), 0); /* released and removed */
    study_experiment_free(e);
}
END_TEST

/* A series name that fills its 199 characters: the next part is dropped, the name stays
 * terminated (it used to get a '/' written over its terminator). */
START_TEST(test_sweep_series_truncated_when_full)
{
    char dir[256], bits[512], text[1024], scheme_name[200], want[256], path[600];
    study_experiment *e = NULL;
    study_sweep_stats s;
    memset(scheme_name, 'x', 199);
    scheme_name[199] = '\0';
    char *scheme = slurp("networks/hawq_v3/resnet18_uniform4.yaml");
    char *line = strstr(scheme, "scheme: uniform4\n");
    ck_assert_ptr_nonnull(line);
    *line = '\0';
    snprintf(text, sizeof text, "scheme: %s\n", scheme_name);
    char *whole = malloc(strlen(scheme) + strlen(text) + strlen(line + 17) + 1);
    sprintf(whole, "%s%s%s", scheme, text, line + 17);
    snprintf(bits, sizeof bits, "%s", write_file("long.yaml", whole));
    snprintf(text, sizeof text,
             "name: longseries\nnetworks: [resnet18]\nbits: [%s]\ntechnologies: [sram]\n"
             "accelerators: [ap]\nseries: [bits, technology]\n",
             bits);
    ck_assert_int_eq(study_experiment_load(write_file("longseries.yaml", text), &e), BASE_OK);
    snprintf(dir, sizeof dir, "%s/longseries", scratch());
    study_sweep_opts go = {.results_dir = dir};
    ck_assert_int_eq(study_sweep_run(e, &go, &s), BASE_OK);
    snprintf(path, sizeof path, "%s/longseries/points.csv", dir);
    char *csv = slurp(path);
    snprintf(want, sizeof want, ",%s,", scheme_name); /* 199 characters, then the next field */
    ck_assert_msg(strstr(csv, want) != NULL, "%s", csv);
    free(csv);
    free(whole);
    free(scheme);
    study_experiment_free(e);
}
END_TEST

START_TEST(test_sweep_records_unsupported_points)
{
    /* 12-bit operands: bitsys multiplies at most 8 bits (unsupported) and the AP's
     * accumulator would exceed 32 bits (no-fit); Sparq runs them on its 16-bit path. */
    char dir[256], path[512];
    const char *file = write_file("unsup.yaml", HEAD "bits: [int12, int8]\n"
                                                     "technologies: [sram]\n"
                                                     "accelerators: [ap, bitsys, sparq]\n");
    study_experiment *e = NULL;
    study_sweep_stats s;
    snprintf(dir, sizeof dir, "%s/unsup", scratch());
    ck_assert_int_eq(study_experiment_load(file, &e), BASE_OK);
    study_sweep_opts go = {.results_dir = dir};
    ck_assert_int_eq(study_sweep_run(e, &go, &s), BASE_OK);
    ck_assert_uint_eq(s.n_points, 6);
    ck_assert_uint_eq(s.n_unsupported, 2);
    snprintf(path, sizeof path, "%s/t/points.csv", dir);
    char *csv = slurp(path);
    ck_assert_ptr_nonnull(strstr(csv, "\nt,resnet18,int12,INT12,ap,sram,28,0.900,1,no-fit,,,,,"));
    ck_assert_ptr_nonnull(strstr(csv, "\nt,resnet18,int12,INT12,bitsys,,,,1,unsupported,,"));
    ck_assert_ptr_nonnull(strstr(csv, "t,resnet18,int8,INT8,bitsys,,,,1,ok,"));
    /* A rival's accuracy is not modelled on ImageNet networks: no top-1, never HAWQ's. */
    ck_assert_ptr_nonnull(strstr(csv, "t,resnet18,int8,INT8,bitsys,,,,1,ok,,not modelled,"));
    free(csv);
    study_experiment_free(e);
}
END_TEST

/* A measured chip among the accelerators: one point per network, bits and batch, planned by
 * apsim on its table (a bit width beyond its 16-bit lanes is a no-fit), drawn at the
 * configuration's top-1 (it computes the same integers), its basis its own. */
START_TEST(test_sweep_measured_chip)
{
    char dir[256], path[512];
    const char *file = write_file("chip.yaml", HEAD "bits: [int8, w16a16]\n"
                                                    "technologies: [sram, fefet]\n"
                                                    "accuracy: {int8: 71.5}\n"
                                                    "accelerators: [ap, gsi_apu]\n");
    study_experiment *e = NULL;
    study_sweep_stats s;
    snprintf(dir, sizeof dir, "%s/chip", scratch());
    ck_assert_msg(study_experiment_load(file, &e) == BASE_OK, "%s", base_last_error());
    ck_assert_uint_eq(study_experiment_n_points(e), 2 * (2 + 1));
    study_sweep_opts go = {.results_dir = dir};
    ck_assert_int_eq(study_sweep_run(e, &go, &s), BASE_OK);
    ck_assert_uint_eq(s.n_nofit, 3);
    snprintf(path, sizeof path, "%s/t/points.csv", dir);
    char *csv = slurp(path);
    ck_assert_ptr_nonnull(strstr(csv, "\nt,resnet18,int8,INT8,gsi_apu,,28,,1,ok,71.50,config,"));
    ck_assert_ptr_nonnull(strstr(csv, "\nt,resnet18,w16a16,INT16,gsi_apu,,28,,1,no-fit,"));
    free(csv);
    /* the chip's basis is said once, in summary.json */
    snprintf(path, sizeof path, "%s/t/summary.json", dir);
    csv = slurp(path);
    ck_assert_ptr_nonnull(strstr(csv, "\"gsi_apu\": {\n      \"basis\": \"native TSMC 28 nm HPC+: "
                                      "measured op table and board power\""));
    free(csv);
    snprintf(path, sizeof path, "%s/t/plots.list", dir);
    char *plots = slurp(path);
    ck_assert_ptr_nonnull(strstr(plots, "gsi_apu: measured table and board power, native 28 nm"));
    free(plots);
    study_experiment_free(e);
    /* As the architecture: "ap" is then the chip, one point per network, bits and batch. */
    file = write_file("chip_arch.yaml", HEAD "bits: [int8]\n"
                                             "technologies: [sram, fefet]\n"
                                             "arch: gsi_apu\n");
    ck_assert_msg(study_experiment_load(file, &e) == BASE_OK, "%s", base_last_error());
    ck_assert_uint_eq(study_experiment_n_points(e), 1);
    ck_assert_int_eq(study_sweep_run(e, &go, &s), BASE_OK);
    snprintf(path, sizeof path, "%s/t/points.csv", dir);
    csv = slurp(path);
    ck_assert_ptr_nonnull(strstr(csv, "\nt,resnet18,int8,INT8,gsi_apu,,28,,1,ok,"));
    free(csv);
    study_experiment_free(e);
}
END_TEST

/* node_nm: every AP point on its table moved to its node (tech_params_at_node) with the
 * architecture moved along; the 28 nm point equals the table's own; rivals have no node. */
/* The columns of one points.csv row the front depends on (fields split at commas: no field of
 * points.csv holds one). */
typedef struct front_row {
    double top1, edp;
    int ok, pareto;
} front_row;

static size_t csv_column(const char *header, const char *name)
{
    size_t k = 0, n = strlen(name);
    for (const char *p = header; *p && *p != '\n'; k++) {
        if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\n'))
            return k;
        while (*p && *p != ',' && *p != '\n')
            p++;
        if (*p == ',')
            p++;
    }
    ck_abort_msg("no column %s", name);
    return 0;
}

/* Reads the rows of a points.csv or front.csv into rows (at most cap); returns their number. */
static size_t front_rows(const char *csv, front_row *rows, size_t cap)
{
    size_t c_top1 = csv_column(csv, "top1_pct"), c_edp = csv_column(csv, "edp_js"),
           c_status = csv_column(csv, "status"), c_pareto = csv_column(csv, "pareto"), n = 0;
    for (const char *line = strchr(csv, '\n'); line && line[1] && n < cap;
         line = strchr(line + 1, '\n')) {
        const char *f = line + 1;
        front_row r = {NAN, NAN, 0, 0};
        for (size_t k = 0; *f && *f != '\n'; k++) {
            size_t len = strcspn(f, ",\n");
            if (k == c_top1 && len)
                r.top1 = strtod(f, NULL);
            if (k == c_edp && len)
                r.edp = strtod(f, NULL);
            if (k == c_status)
                r.ok = strncmp(f, "ok,", 3) == 0;
            if (k == c_pareto) {
                ck_assert(strncmp(f, "true,", 5) == 0 || strncmp(f, "false,", 6) == 0);
                r.pareto = strncmp(f, "true,", 5) == 0;
            }
            f += len + (f[len] == ',');
        }
        rows[n++] = r;
    }
    return n;
}

/* pareto is true exactly on the front of the network and batch across technologies,
 * supplies, bits and accelerators (not per series); front.csv holds those rows by EDP. */
START_TEST(test_sweep_front_across_designs)
{
    char dir[256], path[512];
    const char *file = write_file("front.yaml", HEAD "bits: [int8, int4]\n"
                                                     "accuracy: {int8: 71.56, int4: 68.45}\n"
                                                     "technologies: [sram, fefet]\n"
                                                     "vdd_v: [0.8, nominal]\n"
                                                     "accelerators: [ap, bitsys]\n");
    study_experiment *e = NULL;
    snprintf(dir, sizeof dir, "%s/front_all", scratch());
    ck_assert_msg(study_experiment_load(file, &e) == BASE_OK, "%s", base_last_error());
    study_sweep_opts go = {.results_dir = dir};
    ck_assert_int_eq(study_sweep_run(e, &go, NULL), BASE_OK);
    study_experiment_free(e);
    front_row pts[64], front[64];
    snprintf(path, sizeof path, "%s/t/points.csv", dir);
    char *csv = slurp(path);
    size_t n = front_rows(csv, pts, 64), n_on = 0;
    free(csv);
    ck_assert_uint_ge(n, 8);
    for (size_t i = 0; i < n; i++) {
        int on = pts[i].ok && !isnan(pts[i].top1);
        for (size_t j = 0; j < n && on; j++)
            if (j != i && pts[j].ok && !isnan(pts[j].top1) && pts[j].top1 >= pts[i].top1 &&
                pts[j].edp <= pts[i].edp && (pts[j].top1 > pts[i].top1 || pts[j].edp < pts[i].edp))
                on = 0;
        ck_assert_int_eq(pts[i].pareto, on);
        n_on += (size_t)on;
    }
    snprintf(path, sizeof path, "%s/t/front.csv", dir);
    csv = slurp(path);
    size_t m = front_rows(csv, front, 64);
    free(csv);
    ck_assert_uint_eq(m, n_on);
    ck_assert_uint_ge(m, 2);
    for (size_t i = 0; i < m; i++) {
        ck_assert(front[i].pareto);
        if (i)
            ck_assert(front[i - 1].edp < front[i].edp && front[i - 1].top1 < front[i].top1);
    }
}
END_TEST

START_TEST(test_sweep_node_axis)
{
    char dir[256], path[512];
    const char *file = write_file("node.yaml", HEAD "bits: [int8]\n"
                                                    "technologies: [sram]\n"
                                                    "node_nm: [28, 7]\n"
                                                    "accelerators: [ap, bitsys]\n"
                                                    "plots: [node]\n");
    study_experiment *e = NULL;
    study_sweep_stats s;
    snprintf(dir, sizeof dir, "%s/node", scratch());
    ck_assert_int_eq(study_experiment_load(file, &e), BASE_OK);
    ck_assert_uint_eq(study_experiment_n_points(e), 3);
    study_sweep_opts go = {.results_dir = dir};
    ck_assert_int_eq(study_sweep_run(e, &go, &s), BASE_OK);
    ck_assert_uint_eq(s.n_plans, 2);
    snprintf(path, sizeof path, "%s/t/points.csv", dir);
    char *csv = slurp(path);
    ck_assert_ptr_nonnull(strstr(csv, "\nt,resnet18,int8,INT8,ap,sram@28nm,28,0.900,1,ok,"));
    ck_assert_ptr_nonnull(strstr(csv, "\nt,resnet18,int8,INT8,ap,sram@7nm,7,0.758,1,ok,"));
    ck_assert_ptr_nonnull(strstr(csv, "\nt,resnet18,int8,INT8,bitsys,,,,1,ok,"));
    free(csv);
    snprintf(path, sizeof path, "%s/t/plots.list", dir);
    char *list = slurp(path);
    ck_assert_ptr_nonnull(strstr(list, "node|points.csv|node|resnet18: energy per inference"));
    ck_assert_ptr_nonnull(strstr(list, "|ap/sram/28nm/0.90V ap/sram/7nm/0.76V\n"));
    free(list);
    /* The same points as the command line's run --node: the plan at 7 nm by hand. */
    sim_plan *plan = NULL;
    sim_result *res = NULL;
    tech_params *src = NULL, *t7 = NULL;
    net_network *net = NULL;
    net_bitcfg *bits = NULL;
    sim_arch arch;
    char npath[4096];
    ck_assert_int_eq(net_find_builtin("resnet18", npath, sizeof npath), BASE_OK);
    ck_assert_int_eq(net_load(npath, &net), BASE_OK);
    ck_assert_int_eq(net_bitcfg_resolve("int8", net, &bits), BASE_OK);
    ck_assert_int_eq(tech_open("sram", &src), BASE_OK);
    ck_assert_int_eq(tech_params_at_node(src, 7, &t7), BASE_OK);
    ck_assert_int_eq(sim_arch_find("bf_imna", &arch), BASE_OK);
    arch.node_nm = 7;
    ck_assert_int_eq(sim_plan_new(net, bits, &arch, &plan), BASE_OK);
    ck_assert_int_eq(sim_result_new(plan, &res), BASE_OK);
    ck_assert_int_eq(sim_plan_eval(plan, t7, t7->vdd_nom_v.value, res), BASE_OK);
    ck_assert_str_eq(res->map_tech->name, "sram_lstp@7nm");
    ck_assert(res->energy_pj < 0.2 * 25.1e9 && res->area_mm2 < 0.2 * 113.4);
    sim_result_free(res);
    sim_plan_free(plan);
    tech_params_free(t7);
    tech_params_free(src);
    net_bitcfg_free(bits);
    net_free(net);
    study_experiment_free(e);
}
END_TEST

/* layers_for names a point that cannot run (INT12: no-fit on the AP): no layers.csv, and the
 * stats say why so the command line can warn. */
START_TEST(test_sweep_layers_for_nofit_reported)
{
    char dir[256], path[512];
    const char *file = write_file("lnofit.yaml", HEAD "bits: [int12, int8]\n"
                                                      "technologies: [sram]\n"
                                                      "accelerators: [ap]\n"
                                                      "layers_for: {bits: int12}\n");
    study_experiment *e = NULL;
    study_sweep_stats s;
    snprintf(dir, sizeof dir, "%s/lnofit", scratch());
    ck_assert_int_eq(study_experiment_load(file, &e), BASE_OK);
    study_sweep_opts go = {.results_dir = dir};
    ck_assert_int_eq(study_sweep_run(e, &go, &s), BASE_OK);
    ck_assert_uint_eq(s.n_nofit, 1);
    ck_assert_ptr_nonnull(s.layers_skipped);
    ck_assert_str_eq(s.layers_skipped, "no-fit");
    snprintf(path, sizeof path, "%s/t/layers.csv", dir);
    ck_assert(!exists(path));
    snprintf(path, sizeof path, "%s/t/summary.json", dir);
    char *json = slurp(path);
    ck_assert_ptr_nonnull(strstr(json, "\"n_nofit\": 1,"));
    free(json);
    study_experiment_free(e);
}
END_TEST

/* Every file in experiments/ is a valid experiment (`apsim sweep` takes each); reference data
 * lives in reference/, which the efficiency experiment loads. */
START_TEST(test_every_shipped_experiment_loads)
{
    glob_t g;
    ck_assert_int_eq(glob("experiments/*.yaml", 0, NULL, &g), 0);
    ck_assert_uint_ge(g.gl_pathc, 5);
    for (size_t i = 0; i < g.gl_pathc; i++) {
        study_experiment *e = NULL;
        base_status st = study_experiment_load(g.gl_pathv[i], &e);
        ck_assert_msg(st == BASE_OK, "%s: %s", g.gl_pathv[i], base_last_error());
        study_experiment_free(e);
    }
    globfree(&g);
}
END_TEST

/* The efficiency table sets the AP's peak at PUMA's 32 nm beside PUMA's; a technology with
 * measured per-voltage points cannot move and is a noted row. */
START_TEST(test_sweep_peak_to_peak_rows)
{
    char dir[256], path[512], text[512];
    study_experiment *e = NULL;
    snprintf(dir, sizeof dir, "%s/eff", scratch());
    snprintf(
        text, sizeof text,
        "name: eff\nnetworks: [resnet18]\nbits: [int8]\ntechnologies: [sram, "
        "sram_22nm_measured]\naccelerators: [ap]\npublished: %s/reference/published_imc.yaml\n",
        getcwd(path, sizeof path));
    ck_assert_int_eq(study_experiment_load(write_file("eff.yaml", text), &e), BASE_OK);
    study_sweep_opts go = {.results_dir = dir};
    ck_assert_int_eq(study_sweep_run(e, &go, NULL), BASE_OK);
    snprintf(path, sizeof path, "%s/eff/efficiency.csv", dir);
    char *csv = slurp(path);
    ck_assert_ptr_nonnull(strstr(csv, "apsim peak,ap/sram@32nm,resnet18,int8,INT8,sram@32nm,"));
    ck_assert_ptr_nonnull(strstr(csv, "model peak at PUMA's 32 nm (Stillmaker-Baas)"));
    ck_assert_ptr_nonnull(strstr(csv, "ap/sram_22nm_measured@32nm"));
    ck_assert_ptr_nonnull(strstr(csv, "peak not moved to 32 nm"));
    free(csv);
    study_experiment_free(e);
}
END_TEST

START_TEST(test_sweep_writes_front_and_plot_list)
{
    char dir[256], path[512];
    study_experiment *e = NULL;
    snprintf(dir, sizeof dir, "%s/front", scratch());
    ck_assert_int_eq(study_experiment_load("tests/golden/golden_small.yaml", &e), BASE_OK);
    study_sweep_opts go = {.results_dir = dir};
    ck_assert_int_eq(study_sweep_run(e, &go, NULL), BASE_OK);
    snprintf(path, sizeof path, "%s/golden_small/plots.list", dir);
    char *list = slurp(path);
    ck_assert_str_eq(
        list, "edp_accuracy|points.csv|edp_accuracy|resnet18: EDP versus ImageNet "
              "top-1 accuracy (bf_imna_default, batch 1; rivals: conv/fc, moved to 28 nm 0.90 V "
              "of sram, FPGAs by Kuon-Rose)|ap/sram/0.70V "
              "ap/sram/0.90V bitsys sparq|front.csv\n"
              "layer_energy|layers.csv|layer_energy|resnet18, int4 on sram at 0.70 "
              "V, batch 1: energy per layer|-\n");
    free(list);
    snprintf(path, sizeof path, "%s/golden_small/front.csv", dir);
    char *front = slurp(path);
    /* INT4 (68.45) precedes INT8 (71.56) within each series. */
    char *i4 = strstr(front, "int4,INT4,ap,sram,28,0.700"),
         *i8 = strstr(front, "int8,INT8,ap,sram,28,0.700");
    ck_assert(i4 && i8 && i4 < i8);
    free(front);
    snprintf(path, sizeof path, "%s/golden_small/layers.csv", dir);
    ck_assert(exists(path));
    study_experiment_free(e);
}
END_TEST

Suite *sweep_suite(void)
{
    Suite *s = suite_create("sweep");
    TCase *tc = tcase_create("experiment");
    tcase_add_loop_test(tc, test_experiment_published_errors, 0, N_BAD_PUB);
    tcase_add_loop_test(tc, test_experiment_load_errors, 0, N_BAD);
    tcase_add_test(tc, test_layers_for_second_network);
    tcase_add_test(tc, test_experiment_load_missing_file);
    tcase_add_test(tc, test_experiment_load_out_of_memory);
    tcase_add_test(tc, test_experiment_glob_expands_sorted);
    tcase_add_test(tc, test_experiment_paths_next_to_it);
    tcase_add_test(tc, test_experiment_input_shapes);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    tc = tcase_create("bits_label");
    tcase_add_test(tc, test_bits_label_names_fixed_precision);
    suite_add_tcase(s, tc);
    tc = tcase_create("pareto");
    tcase_add_test(tc, test_pareto_marks_front);
    suite_add_tcase(s, tc);
    tc = tcase_create("sweep");
    tcase_add_test(tc, test_sweep_resume_skips_journaled_points);
    tcase_add_test(tc, test_sweep_stop_at_the_ends);
    tcase_add_test(tc, test_sweep_journal_of_other_file_ignored);
    tcase_add_test(tc, test_sweep_journal_invalidated_by_input_change);
    tcase_add_test(tc, test_sweep_journal_torn_line_truncated);
    tcase_add_test(tc, test_sweep_journal_damaged_records_redone);
    tcase_add_test(tc, test_sweep_resume_across_path_spellings);
    tcase_add_test(tc, test_sweep_results_dir_locked);
    tcase_add_test(tc, test_sweep_sharded_same_bytes);
    tcase_add_test(tc, test_sweep_sharded_missing_rank);
    tcase_add_test(tc, test_sweep_shards_resume_other_count);
    tcase_add_test(tc, test_sweep_series_truncated_when_full);
    tcase_add_test(tc, test_sweep_layers_for_nofit_reported);
    tcase_add_test(tc, test_sweep_records_unsupported_points);
    tcase_add_test(tc, test_sweep_node_axis);
    tcase_add_test(tc, test_sweep_front_across_designs);
    tcase_add_test(tc, test_sweep_measured_chip);
    tcase_add_test(tc, test_sweep_writes_front_and_plot_list);
    tcase_add_test(tc, test_every_shipped_experiment_loads);
    tcase_add_test(tc, test_sweep_peak_to_peak_rows);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}
