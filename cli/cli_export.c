/* cli_export.c - `apsim export`: the Fashion-MNIST CNN (or another chain network with trained
 * weights), quantized and calibrated as `apsim fmnist eval` does (fmnist/fmnist_quant.c),
 * written as a QOperator ONNX model any ONNX runtime runs (exec/exec_export.c,
 * networks/net_onnx_write.c; docs/ONNX.md, "Export"). Under MPI every rank quantizes (the
 * calibration is collective, docs/PARALLEL.md) and rank 0 writes the file. */
#include <string.h>

#include "cli/cli.h"
#include "par/par.h"

#define EX_DATA_DIR "/usr/share/datasets/fashion-mnist"
#define EX_WEIGHTS  "results/fmnist/weights.bin"

typedef struct ex_opts {
    const char *net_arg, *bits_arg, *weights, *data_dir, *out;
} ex_opts;

static int usage_to(FILE *fp)
{
    fprintf(fp, "usage: apsim export -o FILE.onnx [--bits SPEC] [--net N] [--weights FILE]\n"
                "                    [--data DIR]\n"
                "  writes the quantized network as a QOperator ONNX model (docs/ONNX.md)\n"
                "  --bits: a uniform spec or bit file, widths up to 8 bits (default int8)\n"
                "  --net: built-in network or YAML file (default fmnist_cnn)\n"
                "  --weights: float weights of `apsim fmnist train` (default " EX_WEIGHTS ")\n"
                "  --data: the Fashion-MNIST IDX files; the first 1,000 training images\n"
                "  calibrate the activations, as in `apsim fmnist eval`\n");
    return fp == stdout ? 0 : 2;
}

static int parse(int argc, char **argv, ex_opts *o)
{
    static const char *const names[] = {"-o", "--bits", "--net", "--weights", "--data", NULL};
    const char **slots[] = {&o->out, &o->bits_arg, &o->net_arg, &o->weights, &o->data_dir};
    for (int i = 0; i < argc; i++) {
        int hit = 0;
        for (size_t k = 0; names[k] && !hit; k++)
            if (strcmp(argv[i], names[k]) == 0 && i + 1 < argc) {
                *slots[k] = argv[++i];
                hit = 1;
            }
        if (!hit) {
            fprintf(stderr, "apsim export: error: unexpected argument '%s'\n", argv[i]);
            return 0;
        }
    }
    if (!o->out) {
        fprintf(stderr, "apsim export: error: -o FILE is required\n");
        return 0;
    }
    return 1;
}

/* What needs no weights or data: the network, the bits, and whether they export. */
static base_status check_exportable(const net_network *net, const net_bitcfg *bits)
{
    exec_qmodel *qm = NULL;
    base_status st = exec_qmodel_new(net, bits, &qm);
    if (st == BASE_OK)
        st = exec_qmodel_export_check(qm);
    exec_qmodel_free(qm);
    return st;
}

/* Float weights, calibration images, quantization, the ONNX file. */
static base_status quantize_and_write(const ex_opts *o, const net_network *net,
                                      const net_bitcfg *bits)
{
    fmnist_fmodel *fm = NULL;
    fmnist_dataset *train = NULL;
    exec_qmodel *qm = NULL;
    char img[4096], lab[4096];
    snprintf(img, sizeof img, "%s/train-images-idx3-ubyte.gz", o->data_dir);
    snprintf(lab, sizeof lab, "%s/train-labels-idx1-ubyte.gz", o->data_dir);
    base_status st = fmnist_fmodel_load(net, o->weights, &fm);
    if (st == BASE_EIO && par_rank() == 0)
        fprintf(stderr, "apsim export: note: train the weights first: apsim fmnist train\n");
    if (st == BASE_OK)
        st = fmnist_dataset_load_idx(img, lab, &train);
    st = par_agree(st); /* the quantization is collective */
    if (st == BASE_OK)
        st = fmnist_quantize(fm, bits, train, FMNIST_N_CALIB, &qm);
    if (st == BASE_OK && par_rank() == 0)
        st = exec_qmodel_export_onnx(qm, o->out);
    st = par_agree(st);
    exec_qmodel_free(qm);
    fmnist_dataset_free(train);
    fmnist_fmodel_free(fm);
    return st;
}

int cli_export(int argc, char **argv)
{
    if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0))
        return usage_to(stdout);
    ex_opts o = {"fmnist_cnn", "int8", EX_WEIGHTS, EX_DATA_DIR, NULL};
    if (!parse(argc, argv, &o))
        return usage_to(stderr);
    char path[4096];
    net_network *net = NULL;
    net_bitcfg *bits = NULL;
    base_status st = net_find_builtin(o.net_arg, path, sizeof path);
    if (st == BASE_OK)
        st = net_load(path, &net);
    if (st == BASE_OK)
        st = net_bitcfg_resolve(o.bits_arg, net, &bits);
    if (st == BASE_OK)
        st = check_exportable(net, bits);
    if (st == BASE_OK)
        st = quantize_and_write(&o, net, bits);
    if (st == BASE_OK)
        printf("wrote %s: %s at %s, %zu layers (QOperator ONNX, opset 13)\n", o.out, net->name,
               bits->name, net->n_layers);
    else if (par_rank() == 0)
        fprintf(stderr, "apsim export: %s\n", base_last_error());
    net_bitcfg_free(bits);
    net_free(net);
    return st == BASE_OK ? 0 : cli_exit_code(st);
}
