/* fuzz_targets.c - the inputs apsim reads, each as a function of arbitrary bytes (see
 * fuzz_targets.h): network YAML, bit configuration (against ResNet18), technology table,
 * architecture, experiment, dynamic schedule and ONNX model. Loaders that take only a path
 * get the bytes through a private temporary file. */
#include "tests/fuzz_targets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "networks/net.h"
#include "sim/sim.h"
#include "study/study.h"
#include "tech/tech.h"

/* The bytes as a file with the given suffix (a fixed per-process name, rewritten each call);
 * NULL when it cannot be written. */
static const char *as_file(const uint8_t *data, size_t size, const char *suffix)
{
    static char path[96];
    snprintf(path, sizeof path, "/tmp/apsim_fuzz_%ld%s", (long)getpid(), suffix);
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return NULL;
    int ok = fwrite(data, 1, size, fp) == size;
    ok = fclose(fp) == 0 && ok;
    return ok ? path : NULL;
}

static void fuzz_network(const uint8_t *data, size_t size)
{
    net_network *net = NULL;
    if (net_load_string("fuzz.yaml", (const char *)data, size, &net) == BASE_OK)
        net_free(net);
}

static void fuzz_bits(const uint8_t *data, size_t size)
{
    static net_network *net;
    char path[4096];
    if (!net && (net_find_builtin("resnet18", path, sizeof path) != BASE_OK ||
                 net_load(path, &net) != BASE_OK))
        abort(); /* the shipped network must load */
    net_bitcfg *cfg = NULL;
    if (net_bitcfg_load_string("fuzz.yaml", (const char *)data, size, net, &cfg) == BASE_OK)
        net_bitcfg_free(cfg);
}

static void fuzz_tech(const uint8_t *data, size_t size)
{
    tech_params *t = NULL;
    if (tech_load_string("fuzz.yaml", (const char *)data, size, &t) == BASE_OK)
        tech_params_free(t);
}

static void fuzz_arch(const uint8_t *data, size_t size)
{
    const char *path = as_file(data, size, ".yaml");
    sim_arch arch;
    if (path)
        (void)sim_arch_load(path, &arch);
}

static void fuzz_experiment(const uint8_t *data, size_t size)
{
    const char *path = as_file(data, size, ".yaml");
    study_experiment *e = NULL;
    if (path && study_experiment_load(path, &e) == BASE_OK)
        study_experiment_free(e);
}

static void fuzz_schedule(const uint8_t *data, size_t size)
{
    study_dyn_schedule *s = NULL;
    if (study_dyn_load_string("fuzz.yaml", (const char *)data, size, &s) == BASE_OK)
        study_dyn_free(s);
}

static void fuzz_onnx(const uint8_t *data, size_t size)
{
    const char *path = as_file(data, size, ".onnx");
    net_network *net = NULL;
    if (path && net_onnx_load(path, &net) == BASE_OK)
        net_free(net);
}

const fuzz_target fuzz_targets[] = {
    {"network", fuzz_network, "networks/*.yaml"},
    {"bits", fuzz_bits, "networks/hawq_v3/resnet18_*.yaml"},
    {"tech", fuzz_tech, "tech/*.yaml"},
    {"arch", fuzz_arch, "sim/arch/*.yaml"},
    {"experiment", fuzz_experiment, "experiments/*.yaml tests/golden/golden_small.yaml"},
    {"schedule", fuzz_schedule, "experiments/dynamic/*.yaml tests/golden/dynamic_small.yaml"},
    {"onnx", fuzz_onnx, "models/*.onnx tests/data/*.onnx"},
};
const size_t fuzz_n_targets = sizeof fuzz_targets / sizeof fuzz_targets[0];

const fuzz_target *fuzz_target_find(const char *name)
{
    for (size_t i = 0; i < fuzz_n_targets; i++)
        if (strcmp(fuzz_targets[i].name, name) == 0)
            return &fuzz_targets[i];
    return NULL;
}
