/* fmnist_rival.c - the rivals' arithmetic on the Fashion-MNIST pipeline (docs/FMNIST.md,
 * "Each design's own accuracy"): PoTAcc's power-of-two weights (Saha, Haris, Cano, ICECS 2024,
 * arXiv 2409.20403; levels as defined by Li, Dong, Wang, APoT, ICLR 2020, arXiv 1909.13144)
 * and Ax-BxP's approximate blocked products (Elangovan, Jain, Raghunathan, arXiv 2011.13000).
 * Sparq and the bitwise systolic array compute exact sub-byte products: the AP's arithmetic. */
#include <stdlib.h>
#include <string.h>

#include "fmnist/fmnist.h"

const char *fmnist_design_name(fmnist_design d)
{
    static const char *const names[FMNIST_N_DESIGNS] = {"ap", "sparq", "potacc", "bitsys", "axbxp"};
    return (unsigned)d < FMNIST_N_DESIGNS ? names[d] : "?";
}

unsigned fmnist_pot_max_exp(unsigned w_bits)
{
    /* sign + (w_bits - 1)-bit exponent code, one code for zero: 2^(w_bits-1) - 1 magnitudes */
    return w_bits >= 2 && w_bits <= FMNIST_POT_MAX_BITS ? (1u << (w_bits - 1)) - 2 : 0;
}

int32_t fmnist_pot_round(double v, unsigned max_exp)
{
    double a = v < 0 ? -v : v;
    int32_t q = 0;
    if (a >= 0.5) {
        /* the nearest of 2^e, e = 0..max_exp: between 2^e and 2^(e+1) the midpoint is 1.5 x 2^e */
        unsigned e = 0;
        while (e < max_exp && a >= 1.5 * (double)(1u << e))
            e++;
        q = (int32_t)(1u << e);
    }
    return v < 0 ? -q : q;
}

int fmnist_axbxp_pair_kept(unsigned i, unsigned j)
{
    return i + j <= FMNIST_AXBXP_MAX_PAIR_SUM;
}

int64_t fmnist_axbxp_mul(int64_t a, unsigned a_bits, int64_t w, unsigned w_bits)
{
    const unsigned op = FMNIST_AXBXP_OPERAND_BITS, k = FMNIST_AXBXP_BLOCK_BITS, nb = op / k;
    const unsigned ma = a_bits - 1, mw = w_bits - 1; /* magnitude bits of the signed fields */
    if (a_bits < 2 || w_bits < 2 || ma > op || mw > op)
        return a * w; /* wider than an Ax-BxP operand: not modelled, exact */
    const uint64_t am = (uint64_t)(a < 0 ? -a : a) << (op - ma);
    const uint64_t wm = (uint64_t)(w < 0 ? -w : w) << (op - mw);
    const uint64_t full = (1u << op) - 1;
    uint64_t sum = 0;
    /* Activation block i times the weight's blocks j with (i, j) kept: with the rule
     * i + j <= S those are the weight's top S - i + 1 blocks, one masked product per i. */
    for (unsigned i = 0; i < nb; i++) {
        unsigned n = 0;
        while (n < nb && fmnist_axbxp_pair_kept(i, n))
            n++;
        if (n == 0)
            continue;
        uint64_t ablk = am & (((1u << k) - 1) << (op - k * (i + 1)));
        uint64_t wtop = wm & (full & ~((1u << (op - k * n)) - 1));
        sum += ablk * wtop;
    }
    /* Every kept term is a multiple of 2^(2 op - ma - mw) (the operands' low bits are zero). */
    int64_t mag = (int64_t)(sum >> (2 * op - ma - mw));
    return (a < 0) != (w < 0) ? -mag : mag;
}

base_status fmnist_design_bits(const net_network *net, const net_bitcfg *bits, fmnist_design d,
                               net_bitcfg **out)
{
    base_status st = net_bitcfg_copy(bits, out);
    if (st != BASE_OK || d != FMNIST_POTACC)
        return st;
    for (size_t i = 0; i < net->n_layers && i < (*out)->n_layers; i++) {
        net_layer_bits *b = &(*out)->bits[i];
        if (net_kind_has_weights(net->layers[i].kind) && b->w_bits <= FMNIST_POT_MAX_BITS)
            b->w_bits = fmnist_pot_max_exp(b->w_bits) + 2; /* holds +-2^max_exp */
    }
    return BASE_OK;
}
