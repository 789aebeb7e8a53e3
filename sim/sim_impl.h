/* sim_impl.h - internal helpers shared by the sim/ sources (mapping pieces the functional path and
 * the tests reuse). Not part of the public interface. */
#ifndef SIM_IMPL_H
#define SIM_IMPL_H

#include "ap_core/ap.h"
#include "sim/sim.h"

/* Dyadic requantization (HAWQ-V3): an integer accumulator is scaled by b / 2^c and rounded.
 * With an m-bit multiplier b the scale's relative error is at most 2^-(m-1), so an o-bit
 * result is off by at most 2^(o-m) LSB: m = o + 1 keeps it within half an LSB. apsim uses
 * that width, capped at the widest AP multiply operand. */
#define SIM_REQUANT_SCALE_BITS_MAX 16u
unsigned sim_requant_scale_bits(unsigned to_bits);
/* Row columns the requantization from from_bits to to_bits needs (0 when widening). */
unsigned sim_requant_cols(unsigned from_bits, unsigned to_bits);

/* Smallest n with 2^n >= x (0 for x <= 1). */
unsigned sim_ceil_log2(uint64_t x);

/* ---- Small arithmetic shared by sim_func.c, sim_infer.c and sim_fmnist.c (sim_infer.c) -- */

/* v wrapped to a signed bits-bit value (two's complement), as an AP field reads back. */
int64_t sim_wrap_signed(int64_t v, unsigned bits);
/* round(v / 2^shift), half up, as ap_shr_round does before wrapping (shift >= 1). */
int64_t sim_shr_round(int64_t v, unsigned shift);
/* splitmix64: one step of the seeded generator of synthetic data and initial weights. */
uint64_t sim_splitmix64(uint64_t *state);
/* Reduction length K of a conv/fc layer: c_in x kh x kw. */
uint64_t sim_layer_k(const net_layer *l);
/* The next width-bit field of a row layout at *col (advanced past it). */
ap_field sim_take_field(unsigned *col, unsigned width);
/* The AP requantization program: field src (src.width bits) to o bits with rq, its fields
 * taken from *col (sim_requant_cols(src.width, o) columns); vals is a rows-long buffer. The
 * same steps sim_requant_program counts and sim_requant_apply computes. */
sim_status sim_ap_requant(ap_array *arr, uint32_t *vals, size_t rows, const sim_requant *rq,
                          ap_field src, unsigned o, unsigned *col, unsigned carry,
                          ap_field *result);

/* 1 when layer's (first) input is non-negative (produced by a ReLU, possibly through pools
 * or a flatten): such activations are unsigned and enter the signed AP multiply with one
 * extra (zero) bit. */
int sim_input_nonneg(const net_network *net, size_t layer);
/* Width at which a layer's activations enter the signed multiply: a_bits, +1 if unsigned. */
unsigned sim_act_width(const net_network *net, size_t layer, unsigned a_bits);

/* The GEMM mapping with n_chunks rows per output (a power of two): fills c, or returns
 * SIM_ECAPACITY (without a message, unless the accumulator exceeds 32 bits) when it does
 * not fit a CAP row. */
sim_status sim_gemm_candidate(const sim_arch *arch, uint64_t m, uint64_t n, uint64_t k,
                              unsigned a_width, unsigned a_bits, unsigned w_bits, unsigned o_bits,
                              uint64_t n_chunks, sim_candidate *c);
/* Adds the dyadic requantization from from_bits to to_bits (nothing when widening). */
sim_status sim_requant_program(sim_candidate *c, unsigned from_bits, unsigned to_bits);
/* 1 when layers i and j do identical AP work (same shape, kind and bits). */
int sim_layer_same_work(const net_network *net, const net_bitcfg *bits, size_t i, size_t j);

/* Calibration hook: called in layer order, before layer li (one with a bias) runs, with the
 * real value of one LSB of its accumulator (its input's calibrated scale x w_scale), so the
 * caller can set the layer's integer bias at that scale. */
typedef void (*sim_bias_fn)(sim_qmodel *qm, size_t li, double s_acc, void *ctx);
/* sim_qmodel_calibrate in one pass that also sets the biases through bias_fn (NULL: none). */
sim_status sim_qmodel_calibrate_biases(sim_qmodel *qm, const int32_t *input, size_t n_images,
                                       sim_bias_fn bias_fn, void *ctx);

/* ---- Functional execution of one conv layer on ap_core (sim_func.c) ---------------------
 * A quantized conv (groups 1): activations a_bits (unsigned when act_unsigned, else signed),
 * signed w_bits weights, output requantized to o_bits with the m-bit multiplier scale_b
 * (m = sim_requant_scale_bits(o_bits)). Layouts: act[c][y][x], weight[oc][c][ky][kx]. */
typedef struct sim_qconv {
    int c_in, h_in, w_in, c_out, kh, kw, stride, pad;
    unsigned a_bits, w_bits, o_bits;
    int act_unsigned;
    const int32_t *act;
    const int32_t *weight;
    int32_t scale_b;
    unsigned cap_cols; /* row width for the mapping (0: 4096, room for every operand) */
} sim_qconv;

sim_status sim_qconv_check(const sim_qconv *q);
/* GEMM view and output size of q. */
void sim_qconv_gemm(const sim_qconv *q, uint64_t *m, uint64_t *n, uint64_t *k, int *h_out,
                    int *w_out);
/* Plain-C integer reference: out[oc][y][x] (c_out x h_out x w_out). */
sim_status sim_qconv_reference(const sim_qconv *q, int32_t *out);
/* The same on ap_core with n_chunks rows per output; *plan receives the planner's candidate
 * for the layer (its per-fold counts are what one group of rows costs), *per_group the
 * counters of the first output's rows and *total the counters summed over all outputs. */
sim_status sim_qconv_on_ap(const sim_qconv *q, uint64_t n_chunks, int32_t *out, sim_candidate *plan,
                           ap_counters *per_group, ap_counters *total);

#endif /* SIM_IMPL_H */
