/* sim_impl.h - internal helpers shared by the sim/ sources (mapping pieces the functional path and
 * the tests reuse). Not part of the public interface. */
#ifndef SIM_IMPL_H
#define SIM_IMPL_H

#include "sim/sim.h"

/* Dyadic requantization (HAWQ-V3): an integer accumulator is scaled by b / 2^c and rounded.
 * With an m-bit multiplier b the scale's relative error is at most 2^-(m-1), so an o-bit
 * result is off by at most 2^(o-m) LSB: m = o + 1 keeps it within half an LSB. apsim uses
 * that width, capped at the widest AP multiply operand. */
#define SIM_REQUANT_SCALE_BITS_MAX 16u
unsigned sim_requant_scale_bits(unsigned to_bits);

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
                              unsigned a_width, unsigned a_bits, unsigned w_bits,
                              unsigned o_bits, uint64_t n_chunks, sim_candidate *c);
/* Adds the dyadic requantization from from_bits to to_bits (nothing when widening). */
sim_status sim_requant_program(sim_candidate *c, unsigned from_bits, unsigned to_bits);
/* 1 when layers i and j do identical AP work (same shape, kind and bits). */
int sim_layer_same_work(const net_network *net, const net_bitcfg *bits, size_t i, size_t j);

#endif /* SIM_IMPL_H */
