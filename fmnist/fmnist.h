/* fmnist.h - the Fashion-MNIST pipeline: IDX data, a float CNN trained in plain C, its weights
 * file, and per-layer quantization into an exec quantized model (docs/FMNIST.md). */
#ifndef FMNIST_H
#define FMNIST_H

#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "exec/exec.h"
#include "networks/net.h"

/* ---- Fashion-MNIST: data, float training, quantization (fmnist/, docs/FMNIST.md) ----
 * IDX files (gzipped or plain) of the Debian package dataset-fashion-mnist, a float CNN trained
 * deterministically in plain C (Adam, He init from a seeded generator, seeded data order, one
 * thread), its weights file, and per-layer quantization into a exec_qmodel (symmetric
 * per-layer weights, calibrated activations, HAWQ-V3 dyadic requantization). */
typedef struct fmnist_dataset {
    size_t n_images;
    int h, w;           /* one grey channel */
    uint8_t *pixels;    /* n_images x h x w, 0..255 (owned) */
    uint8_t *labels;    /* n_images, 0..n_classes-1 (owned) */
    unsigned n_classes; /* 1 + the largest label */
} fmnist_dataset;

/* Loads an IDX image file (magic 0x00000803, n x rows x cols bytes) and its IDX label file
 * (0x00000801); either may be gzipped (zlib). BASE_EIO (cannot open or read), BASE_EPARSE (bad
 * magic, truncated data, trailing bytes, counts that disagree), BASE_ERANGE (sizes), BASE_ENOMEM.
 * Free with fmnist_dataset_free; *out is NULL on failure. */
base_status fmnist_dataset_load_idx(const char *images_path, const char *labels_path,
                                    fmnist_dataset **out);
void fmnist_dataset_free(fmnist_dataset *d);

/* A float model of a network made of conv (groups 1), fc, relu, maxpool and flatten layers,
 * each reading the previous one. Weights per layer [oc][c][ky][kx] as in exec_qlayer. */
typedef struct fmnist_fmodel {
    const net_network *net; /* borrowed */
    float **weight;         /* per layer: c_out x K, NULL without weights (owned) */
    float **bias;           /* per layer: c_out, NULL without bias (owned) */
} fmnist_fmodel;

/* He-initialised weights (normal, std sqrt(2 / K), from a splitmix64 stream seeded with seed),
 * zero biases. BASE_EUNSUPPORTED (another kind, groups, a branch), BASE_ESHAPE (network input
 * not one channel), BASE_ENOMEM. Free with fmnist_fmodel_free. */
base_status fmnist_fmodel_new(const net_network *net, uint64_t seed, fmnist_fmodel **out);
void fmnist_fmodel_free(fmnist_fmodel *m);

typedef struct fmnist_train_opts {
    unsigned n_epochs;
    size_t batch;   /* images per Adam step */
    double lr;      /* Adam step size */
    size_t n_train; /* first n_train images of the set (0: all) */
    uint64_t seed;  /* data order: a seeded permutation per epoch */
    FILE *progress; /* NULL, or where a bar of the batches goes (base_progress) */
} fmnist_train_opts;

/* Defaults: 3 epochs, batch 32, lr 0.002, all images, seed 1, no progress bar. */
void fmnist_train_opts_init(fmnist_train_opts *o);
/* Trains m on d with softmax cross-entropy; epoch_loss (n_epochs entries, may be NULL) gets
 * each epoch's mean training loss. The same inputs give the same bytes. BASE_EINVAL (options,
 * a label the output cannot hold, image size), BASE_ENOMEM. */
base_status fmnist_fmodel_train(fmnist_fmodel *m, const fmnist_dataset *d,
                                const fmnist_train_opts *o, double *epoch_loss);
/* Mean cross-entropy and top-1 accuracy (%) of the float model over the first n images.
 * Collective under MPI (par/): every rank calls it with the same arguments, runs its block of
 * the images, and gets the figures of all n, the same bytes as one rank computes. */
base_status fmnist_fmodel_evaluate(const fmnist_fmodel *m, const fmnist_dataset *d, size_t n,
                                   double *loss, double *acc_pct);

/* Weights file (docs/FMNIST.md): "APSIMFW" NUL, u32 version 1, u32 layers with weights, per
 * such layer u32 c_out, u32 K, u32 has_bias, then per layer c_out x K float32 weights and
 * c_out float32 biases; all little-endian. Written atomically. BASE_EIO. */
base_status fmnist_fmodel_save(const fmnist_fmodel *m, const char *path);
/* Loads a weights file for net. BASE_EIO (cannot open), BASE_EPARSE (bad magic, truncated,
 * trailing bytes), BASE_EUNSUPPORTED (version), BASE_ESHAPE (shapes differ from net's),
 * BASE_ENOMEM, and fmnist_fmodel_new's errors. */
base_status fmnist_fmodel_load(const net_network *net, const char *path, fmnist_fmodel **out);

/* Calibration images of `apsim fmnist` and `apsim export`: the first 1,000 training images. */
#define FMNIST_N_CALIB 1000

/* Real value of one input LSB at input_bits: pixels p map to x = 2p/255 - 1 in [-1, 1] and
 * x / scale is rounded to a signed input_bits integer. */
double fmnist_input_scale(unsigned input_bits);
/* Quantized inputs of images [first, first + n) of d (h x w int32 each). */
void fmnist_input(const fmnist_dataset *d, size_t first, size_t n, unsigned input_bits,
                  int32_t *out);
/* Quantizes m under bits (every conv/fc w and a in 2..8, else BASE_ERANGE): weights symmetric
 * per layer with the clipping of least squared error, biases at the accumulator's scale,
 * requantizations calibrated on the first n_calib images of calib (exec_qmodel_calibrate).
 * Collective under MPI: every rank calibrates on its block of those images and the ranks
 * agree on every layer's range (exec_qmodel_calibrate_shared), so all get the model one rank
 * gets alone. Free with exec_qmodel_free; bits must outlive the model. BASE_ENOMEM,
 * BASE_EINVAL. */
base_status fmnist_quantize(const fmnist_fmodel *m, const net_bitcfg *bits,
                            const fmnist_dataset *calib, size_t n_calib, exec_qmodel **out);
/* The model of `apsim export` read back from its ONNX file (exec_qmodel_load_onnx): its
 * integer weights and biases, requantizations calibrated on the first n_calib images of calib
 * as fmnist_quantize does (collective under MPI), and every multiplier checked against the
 * file's scales (exec_qmodel_check_onnx): the same model as fmnist_quantize of the weights it
 * was exported from, without them. bits must be the export's. Errors of those functions,
 * BASE_EINVAL (another input scale), BASE_ENOMEM. */
base_status fmnist_quantize_onnx(const net_network *net, const net_bitcfg *bits, const char *path,
                                 const fmnist_dataset *calib, size_t n_calib, exec_qmodel **out);
/* ---- Each design's own arithmetic (fmnist_rival.c, docs/FMNIST.md) ----
 * The AP and the rivals of accel/ on the same float model: Sparq and the bitwise systolic
 * array multiply exact sub-byte integers (the AP's result by construction); PoTAcc rounds
 * weights of up to FMNIST_POT_MAX_BITS bits to signed powers of two (wider weights run on its
 * int8 multipliers: uniform); Ax-BxP keeps only the block products (i, j) with
 * i + j <= FMNIST_AXBXP_MAX_PAIR_SUM of 8-bit operands split into 2-bit blocks. */
typedef enum fmnist_design {
    FMNIST_AP,
    FMNIST_SPARQ,
    FMNIST_POTACC,
    FMNIST_BITSYS,
    FMNIST_AXBXP,
    FMNIST_N_DESIGNS
} fmnist_design;
/* "ap", "sparq", "potacc", "bitsys", "axbxp" (the accel model names); "?" out of range. */
const char *fmnist_design_name(fmnist_design d);

/* PoTAcc: weights of w_bits <= FMNIST_POT_MAX_BITS are a sign and a (w_bits - 1)-bit exponent
 * code with one code for zero: levels 0, +-alpha 2^-e for e = 0..fmnist_pot_max_exp(w_bits)
 * (= 2^(w_bits-1) - 2: 0, 2, 6 for 2, 3, 4 bits; 0 above FMNIST_POT_MAX_BITS). */
#define FMNIST_POT_MAX_BITS 4
unsigned fmnist_pot_max_exp(unsigned w_bits);
/* v (in units of the smallest level alpha 2^-max_exp) rounded to the nearest of 0 and
 * +-2^e, e = 0..max_exp: 0 below 0.5, 2^e up to 1.5 x 2^e, 2^max_exp above (sign kept). */
int32_t fmnist_pot_round(double v, unsigned max_exp);

/* Ax-BxP: operands are sign and magnitude; a signed b-bit field's (b-1)-bit magnitude sits at
 * the top of an 8-bit operand (shifted left by 8 - (b - 1)), split into four 2-bit blocks,
 * block 0 the most significant; the product keeps the block products (i, j) of
 * fmnist_axbxp_pair_kept, each shifted into place, and is shifted back. Magnitudes above 8
 * bits are multiplied exactly. The same pair set as accel/axbxp.yaml's `default`. */
#define FMNIST_AXBXP_OPERAND_BITS 8
#define FMNIST_AXBXP_BLOCK_BITS   2
#define FMNIST_AXBXP_MAX_PAIR_SUM 3
int fmnist_axbxp_pair_kept(unsigned i, unsigned j);
int64_t fmnist_axbxp_mul(int64_t a, unsigned a_bits, int64_t w, unsigned w_bits);

/* The bit configuration design d runs for bits: a copy, with PoTAcc's power-of-two weight
 * layers widened to fmnist_pot_max_exp + 2 bits (the integers +-2^max_exp). Free with
 * net_bitcfg_free after the model that borrows it. BASE_ENOMEM. */
base_status fmnist_design_bits(const net_network *net, const net_bitcfg *bits, fmnist_design d,
                               net_bitcfg **out);
/* fmnist_quantize under design d: dbits from fmnist_design_bits(bits, d) (borrowed by the
 * model); PoTAcc's power-of-two weights (scale chosen as for uniform weights), Ax-BxP's
 * product in exec_qmodel.mul (calibration included); the others as fmnist_quantize. */
base_status fmnist_quantize_design(const fmnist_fmodel *m, const net_bitcfg *bits,
                                   fmnist_design design, const net_bitcfg *dbits,
                                   const fmnist_dataset *calib, size_t n_calib, exec_qmodel **out);

/* Integer logits (exec_infer_reference) of the first n images of d: n x out_elems.
 * Collective under MPI (par/), as fmnist_fmodel_evaluate: each rank runs its block of the
 * images and every rank gets all n x out_elems logits. */
base_status fmnist_logits(const exec_qmodel *qm, const fmnist_dataset *d, size_t n,
                          int32_t *logits);
/* Index of the largest logit (the first on ties) and the margin to the second largest. */
void fmnist_top(const int32_t *logits, size_t n_classes, size_t *top1, int64_t *margin);

/* The cascade with real confidences: every input runs at the low config; those whose top-1
 * margin times lo_scale (a real logit difference) is below threshold are re-run at the high
 * config, whose answer replaces the low one. */
typedef struct fmnist_cascade_point {
    double threshold;
    size_t n_inputs, n_rerun, n_correct;
} fmnist_cascade_point;
void fmnist_cascade(const int32_t *lo, double lo_scale, const int32_t *hi, const uint8_t *labels,
                    size_t n, size_t n_classes, double threshold, fmnist_cascade_point *out);

#endif /* FMNIST_H */
