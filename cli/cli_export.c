/* cli_export.c - `apsim export`: the Fashion-MNIST CNN (or another chain network with trained
 * weights), quantized and calibrated as `apsim fmnist eval` does (fmnist/fmnist_quant.c),
 * written as a QOperator ONNX model any ONNX runtime runs (exec/exec_export.c,
 * networks/net_onnx_write.c; docs/ONNX.md, "Export"). Under MPI every rank quantizes (the
 * calibration is collective, docs/PARALLEL.md) and rank 0 writes the file. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "par/par.h"

#define EX_DATA_DIR "/usr/share/datasets/fashion-mnist"
#define EX_WEIGHTS  "results/fmnist/weights.bin"

typedef struct ex_opts {
    const char *net_arg, *bits_arg, *weights, *data_dir, *out, *quiet;
} ex_opts;

static const cli_opt ex_opts_table[] = {
    {"out", 'o', "FILE.onnx", "the ONNX model to write (required); '-': standard output",
     offsetof(ex_opts, out)},
    {"bits", 0, "SPEC", "a uniform spec or bit file, widths up to 8 bits (default int8)",
     offsetof(ex_opts, bits_arg)},
    {"net", 0, "N", "built-in network or YAML file (default fmnist_cnn)",
     offsetof(ex_opts, net_arg)},
    {"weights", 0, "FILE", "float weights of `apsim fmnist train` (default " EX_WEIGHTS ")",
     offsetof(ex_opts, weights)},
    {"data", 0, "DIR",
     "the Fashion-MNIST IDX files; the first 1,000 training images\n"
     "calibrate the activations, as in `apsim fmnist eval`",
     offsetof(ex_opts, data_dir)},
    {"quiet", 'q', NULL, "print nothing on success", offsetof(ex_opts, quiet)},
};

const cli_cmd cli_cmd_export = {
    "export",
    "",
    0,
    0,
    "write a quantized network as a QOperator ONNX model (docs/ONNX.md)",
    NULL,
    ex_opts_table,
    sizeof ex_opts_table / sizeof ex_opts_table[0],
    NULL,
};

static int parse(int argc, char **argv, ex_opts *o)
{
    const char *pos[1];
    size_t n_pos;
    int rc = cli_opt_parse(&cli_cmd_export, argc, argv, o, pos, &n_pos);
    if (rc < 0 && !o->out) {
        fprintf(stderr, "apsim export: error: -o/--out FILE.onnx is required\n");
        return 2;
    }
    return rc;
}

/* Copies the file at path to stdout ("-o -"). */
static base_status copy_to_stdout(const char *path)
{
    FILE *in = fopen(path, "rb");
    char buf[65536];
    size_t n;
    if (!in)
        return BASE_ERROR(BASE_EIO, "%s: cannot read back the export", path);
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, stdout) != n)
            break;
    errno = 0;
    int bad_in = ferror(in), bad = ferror(stdout) || fflush(stdout) != 0;
    fclose(in);
    if (bad_in)
        return BASE_ERROR(BASE_EIO, "%s: cannot read back the export", path);
    return bad ? BASE_ERROR(BASE_EIO, "cannot write the standard output: %s",
                            errno ? strerror(errno) : "write error")
               : BASE_OK;
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
    if (st == BASE_ENOTFOUND && par_rank() == 0)
        fprintf(stderr, "apsim export: note: train the weights first: apsim fmnist train\n");
    if (st == BASE_OK)
        st = fmnist_dataset_load_idx(img, lab, &train);
    st = par_agree(st); /* the quantization is collective */
    if (st == BASE_OK)
        st = fmnist_quantize(fm, bits, train, FMNIST_N_CALIB, &qm);
    char tmp[4200] = "";
    if (st == BASE_OK && par_rank() == 0 && cli_out_is_stdout(o->out)) {
        /* The writer goes through a file; "-" copies it to stdout. */
        const char *tmpdir = getenv("TMPDIR");
        snprintf(tmp, sizeof tmp, "%s/apsim-export-%ld.onnx", tmpdir && *tmpdir ? tmpdir : "/tmp",
                 (long)getpid());
        st = exec_qmodel_export_onnx(qm, tmp);
        if (st == BASE_OK)
            st = copy_to_stdout(tmp);
        remove(tmp);
    } else if (st == BASE_OK && par_rank() == 0) {
        st = exec_qmodel_export_onnx(qm, o->out);
    }
    st = par_agree(st);
    exec_qmodel_free(qm);
    fmnist_dataset_free(train);
    fmnist_fmodel_free(fm);
    return st;
}

int cli_export(int argc, char **argv)
{
    ex_opts o = {"fmnist_cnn", "int8", EX_WEIGHTS, EX_DATA_DIR, NULL, NULL};
    int early = parse(argc, argv, &o);
    if (early >= 0)
        return early;
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
    if (st == BASE_OK && !o.quiet && !cli_out_is_stdout(o.out))
        printf("wrote %s: %s at %s, %zu layers (QOperator ONNX, opset 13)\n", o.out, net->name,
               bits->name, net->n_layers);
    else if (par_rank() == 0)
        fprintf(stderr, "apsim export: %s\n", base_last_error());
    net_bitcfg_free(bits);
    net_free(net);
    return st == BASE_OK ? 0 : cli_exit_code(st);
}
