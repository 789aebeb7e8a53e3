/* check_validation.c - regenerates docs/VALIDATION.md: each row is apsim's figure beside an
 * independent one (a hand calculation from the layout and the LUTs, or a published figure
 * with its source) and their ratio. The test fails when the committed document differs from
 * what the model now gives; rewrite it with
 *   CK_RUN_SUITE=validation APSIM_VALIDATION_WRITE=1 build/debug/check_apsim
 * and review the diff. The hand-worked layer must agree within 5%. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ap_core/ap.h"
#include "networks/net.h"
#include "sim/sim.h"
#include "tech/tech.h"

Suite *validation_suite(void);
void apu_validation_rows(FILE *fp); /* tests/check_apu.c: section 10 */

#define DOC "docs/VALIDATION.md"

typedef struct run_ctx {
    net_network *net;
    net_bitcfg *bits;
    tech_params *tech;
    sim_arch arch;
    sim_plan *plan;
    sim_result *res;
} run_ctx;

static void run_open(run_ctx *r, const char *bits, const char *tech, double vdd_v)
{
    char path[1024];
    memset(r, 0, sizeof *r);
    ck_assert_int_eq(net_find_builtin("resnet18", path, sizeof path), BASE_OK);
    ck_assert_msg(net_load(path, &r->net) == BASE_OK, "%s", base_last_error());
    ck_assert_msg(net_bitcfg_resolve(bits, r->net, &r->bits) == BASE_OK, "%s", base_last_error());
    ck_assert_msg(tech_open(tech, &r->tech) == BASE_OK, "%s", base_last_error());
    ck_assert_msg(sim_arch_find("bf_imna", &r->arch) == BASE_OK, "%s", base_last_error());
    ck_assert_msg(sim_plan_new(r->net, r->bits, &r->arch, &r->plan) == BASE_OK, "%s",
                  base_last_error());
    ck_assert_int_eq(sim_result_new(r->plan, &r->res), BASE_OK);
    double v = vdd_v > 0 ? vdd_v : r->tech->vdd_nom_v.value;
    ck_assert_msg(sim_plan_eval(r->plan, r->tech, v, r->res) == BASE_OK, "%s", base_last_error());
}

static void run_close(run_ctx *r)
{
    sim_result_free(r->res);
    sim_plan_free(r->plan);
    tech_params_free(r->tech);
    net_bitcfg_free(r->bits);
    net_free(r->net);
}

static unsigned seg_of(unsigned col, unsigned seg_cols)
{
    return col / seg_cols;
}

/* Distinct segments among four columns. */
static unsigned segs4(unsigned a, unsigned b, unsigned c, unsigned d, unsigned n, unsigned sc)
{
    unsigned s[4] = {seg_of(a, sc), seg_of(b, sc), seg_of(c, sc), seg_of(d, sc)}, k = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned j = 0;
        while (j < i && s[j] != s[i])
            j++;
        k += j == i;
    }
    return k;
}

/* The hand model of one signed MAC in slot s of lay, written from the LUTs as
 * docs/AP_MODEL.md gives them (not from ap_core's code): the multiply runs, for each weight
 * bit j, one copy pass (the sign extension, one column) and a + 1 bit positions of the
 * 4-pass add/sub table keyed on (a_i, p_{i+j}, carry) plus the guard w_j; the accumulate runs
 * the 4-pass add over the accumulator's bits keyed on (t_i, acc_i, carry). Adds the passes'
 * match-line segments and compared columns. */
static void hand_mac(const sim_gemm_layout *lay, uint64_t slot, unsigned sc, double *segs,
                     double *cols, double *passes)
{
    ap_field a = sim_gemm_act_field(lay, slot), w = sim_gemm_wt_field(lay, slot);
    unsigned p0 = lay->scratch.col, c = lay->carry, acc = lay->mac_acc.col;
    for (unsigned j = 0; j < w.width; j++) {
        *segs += 1;
        *cols += 1;
        *passes += 1;
        for (unsigned i = 0; i <= a.width; i++) {
            unsigned ai = i < a.width ? i : a.width - 1;
            *segs += 4.0 * segs4(a.col + ai, p0 + j + i, c, w.col + j, 4, sc);
            *cols += 16;
            *passes += 4;
        }
    }
    for (unsigned i = 0; i < lay->acc_bits; i++) {
        unsigned ti = i < lay->prod_bits ? i : lay->prod_bits - 1;
        *segs += 4.0 * segs4(p0 + ti, acc + i, c, c, 3, sc);
        *cols += 12;
        *passes += 4;
    }
}

/* Adds n passes comparing columns x, y, z (n_c of them) to a tally. */
typedef struct tally {
    double segs, cols, passes, planes_w;
} tally;

static void pass_n(tally *t, double n, unsigned n_c, unsigned x, unsigned y, unsigned z,
                   unsigned sc)
{
    t->segs += n * segs4(x, y, z, z, n_c, sc);
    t->cols += n * n_c;
    t->passes += n;
}

/* shr_round(a -> d, shift) by hand: a copy pass per result bit that has a source, one for the
 * rounding bit, then the 2-pass half add over d keyed on (d_i, carry). */
static void hand_shr(tally *t, ap_field a, unsigned shift, ap_field d, unsigned c, unsigned sc)
{
    for (unsigned i = 0; i < d.width; i++)
        pass_n(t, 1, 1, i < a.width - shift ? a.col + shift + i : a.col + a.width - 1, 0, 0, sc);
    pass_n(t, 1, 1, a.col + shift - 1, 0, 0, sc);
    for (unsigned i = 0; i < d.width; i++)
        pass_n(t, 2, 2, d.col + i, c, c, sc);
}

/* Per row, after the MACs: the tree over n_chunks rows (a copy pass per accumulator bit, then
 * per step the accumulator's planes moved, one read and one write each, and the 4-pass add
 * keyed on (tmp_i, acc_i, carry)), the requantization (pre-shift to 16 bits, load the
 * multiplier, multiply, shift back with rounding; fields as exec_ap_requant places them) and
 * the read-out of the result's planes. A plane read is a one-column compare. */
static void hand_tail(const sim_gemm_layout *lay, uint64_t n_chunks, unsigned sc, tally *t)
{
    unsigned c = lay->carry, w = lay->acc_bits;
    ap_field res = lay->tree_acc;
    if (n_chunks > 1) {
        for (unsigned i = 0; i < w; i++)
            pass_n(t, 1, 1, lay->mac_acc.col + i, 0, 0, sc);
        for (uint64_t g = n_chunks; g > 1; g /= 2) {
            pass_n(t, w, 1, 0, 0, 0, sc); /* plane reads: one segment, one column each */
            t->planes_w += w;
            for (unsigned i = 0; i < w; i++)
                pass_n(t, 4, 3, lay->scratch.col + i, lay->tree_acc.col + i, c, sc);
        }
    }
    if (lay->o_bits < w) {
        unsigned m = sim_requant_scale_bits(lay->o_bits), col = lay->requant_col;
        if (res.width > SIM_REQUANT_SCALE_BITS_MAX) {
            ap_field pre = {col, SIM_REQUANT_SCALE_BITS_MAX};
            hand_shr(t, res, res.width - SIM_REQUANT_SCALE_BITS_MAX, pre, c, sc);
            col += SIM_REQUANT_SCALE_BITS_MAX;
            res = pre;
        }
        ap_field b = {col, m}, p = {col + m, res.width + m},
                 o = {col + 2 * m + res.width, lay->o_bits};
        t->planes_w += m;
        for (unsigned j = 0; j < m; j++) {
            pass_n(t, 1, 1, p.col + j + res.width - 1, 0, 0, sc);
            for (unsigned i = 0; i <= res.width; i++) {
                unsigned ai = i < res.width ? i : res.width - 1;
                t->segs += 4.0 * segs4(res.col + ai, p.col + j + i, c, b.col + j, 4, sc);
                t->cols += 16;
                t->passes += 4;
            }
        }
        hand_shr(t, p, p.width - lay->o_bits, o, c, sc);
        res = o;
    }
    pass_n(t, res.width, 1, 0, 0, 0, sc); /* read-out */
}

/* The ResNet18 layer worked by hand, at INT8 on SRAM at 0.9 V. */
#define HAND_LAYER "stage2.unit1.conv2"

/* Passes of the hand-worked layer's MAC and its hand array energy per MAC, quoted later. */
static double mac_passes, hand_pj_per_mac;

static void hand_layer(FILE *fp, double *ratio_out)
{
    run_ctx r;
    run_open(&r, "int8", "sram", 0.9);
    size_t li = 0;
    while (li < r.net->n_layers && strcmp(r.net->layers[li].name, HAND_LAYER) != 0)
        li++;
    ck_assert_uint_lt(li, r.net->n_layers);
    const sim_layer_plan *lp = sim_plan_layer(r.plan, li);
    const sim_layer_result *lr = &r.res->layers[li];
    const sim_candidate *c = &lp->cand[lr->chosen];
    unsigned aw = sim_act_width(r.net, li, lp->bits.a_bits), sc = r.arch.ml_segment_cols;
    sim_gemm_layout lay;
    ck_assert(sim_gemm_layout_make(aw, lp->bits.w_bits, c->acc_bits, lp->bits.o_bits, c->n_chunks,
                                   c->chunk_k, r.arch.cap_cols, &lay));
    sim_gemm_layout_place(&lay, lr->placement);
    /* Per row: chunk_k MACs spread over the slots. */
    double segs = 0, cols = 0, passes = 0;
    for (uint64_t s = 0; s < lay.n_slots; s++) {
        double uses = (double)((c->chunk_k - s + lay.n_slots - 1) / lay.n_slots);
        double sg = 0, cl = 0, ps = 0;
        hand_mac(&lay, s, sc, &sg, &cl, &ps);
        segs += uses * sg;
        cols += uses * cl;
        passes += uses * ps;
    }
    double k = (double)c->chunk_k;
    ap_cost mc;
    ck_assert_int_eq(ap_op_cost(AP_OP_MAC_S, aw, lp->bits.w_bits, c->acc_bits, 1, &mc), BASE_OK);
    /* The tree, requantization and read-out, spread over the row's MACs. */
    tally tail = {0, 0, 0, 0};
    hand_tail(&lay, c->n_chunks, sc, &tail);
    ap_cost tree, pre, mul, post;
    unsigned m = sim_requant_scale_bits(lp->bits.o_bits), x = SIM_REQUANT_SCALE_BITS_MAX;
    ck_assert_int_eq(
        ap_op_cost(AP_OP_REDUCE_SUM_S, c->acc_bits, 0, c->acc_bits, (size_t)c->n_chunks, &tree),
        BASE_OK);
    ck_assert_int_eq(ap_op_cost(AP_OP_SHR_ROUND_S, c->acc_bits, c->acc_bits - x, x, 1, &pre),
                     BASE_OK);
    ck_assert_int_eq(ap_op_cost(AP_OP_MUL_S, x, m, 0, 1, &mul), BASE_OK);
    ck_assert_int_eq(
        ap_op_cost(AP_OP_SHR_ROUND_S, x + m, x + m - lp->bits.o_bits, lp->bits.o_bits, 1, &post),
        BASE_OK);
    double tail_written = (c->n_chunks > 1 ? tree.written_cells_per_row : 0) +
                          pre.written_cells_per_row + mul.written_cells_per_row +
                          post.written_cells_per_row + tail.planes_w + c->acc_bits;
    const tech_at_vdd *t = &r.res->at;
    double e_seg_fj = sc * t->e_ml_fj;
    double ml = segs / k * e_seg_fj * 1e-3, sl = cols / k * t->e_sl_fj * 1e-3;
    double loads = (double)(aw + lp->bits.w_bits);
    double wr = (mc.written_cells_per_row + loads) * t->e_write_fj * 1e-3;
    double ml_t = tail.segs / k * e_seg_fj * 1e-3, sl_t = tail.cols / k * t->e_sl_fj * 1e-3;
    double wr_t = tail_written / k * t->e_write_fj * 1e-3;
    double hand = ml + sl + wr + ml_t + sl_t + wr_t;
    double macs = (double)r.net->layers[li].macs;
    double model =
        (lr->by_component_pj[SIM_COMP_CAP_MATCHLINE] +
         lr->by_component_pj[SIM_COMP_CAP_SEARCHLINE] + lr->by_component_pj[SIM_COMP_CAP_WRITE]) /
        macs;
    double total = lr->energy_pj / macs;
    *ratio_out = model / hand;
    mac_passes = passes / k;
    hand_pj_per_mac = hand;
    fprintf(fp,
            "## 1. One layer by hand: ResNet18 `%s`, INT8, SRAM (binary CAM) at 0.9 V\n\n"
            "The layer is a 3x3 conv, %u -> %u channels at %ux%u: a GEMM of M = %llu, N = %llu, "
            "K = %llu (%.0f MACs). apsim maps it with %llu rows per output, %llu K elements per "
            "row, %llu operand slots, `%s` placement and `%s` dataflow.\n\n"
            "From first principles (the LUTs of docs/AP_MODEL.md, the row layout of "
            "`sim_gemm_layout`, a %u-column match-line segment):\n\n"
            "- the signed MAC of a %u-bit activation (unsigned 8 bits plus a zero sign bit) by an "
            "%u-bit weight into a %u-bit accumulator runs, per weight bit j, 1 copy pass and "
            "%u x 4 add/sub passes keyed on (a_i, p_{i+j}, carry, w_j), then %u x 4 add passes "
            "keyed on (t_i, acc_i, carry): **%.0f passes, %.0f compared columns** per MAC;\n"
            "- the columns each pass compares lie in **%.2f match-line segments** on average "
            "(enumerated over every pass and slot with the layout's column numbers), so a MAC "
            "precharges %.1f segments x %u cells;\n"
            "- writes: %.1f cells per MAC (the expectation of docs/AP_MODEL.md section 4) plus "
            "%.0f operand cells loaded.\n\n"
            "With the SRAM table at 0.9 V (match line %.3f fJ per cell, search line %.3f fJ, "
            "write %.3f fJ per cell):\n\n"
            "| term | hand (pJ per MAC) |\n|---|---|\n"
            "| match line: %.1f segments x %.2f fJ | %.4f |\n"
            "| search line: %.0f columns x %.3f fJ | %.4f |\n"
            "| writes: %.1f cells x %.3f fJ | %.4f |\n"
            "| tree, requantization, read-out: %.0f passes per row over %llu MACs (match line, "
            "search line, %.0f written cells) | %.4f |\n"
            "| **array** | **%.4f** |\n\n"
            "| figure | apsim | hand | ratio |\n|---|---|---|---|\n"
            "| array energy per MAC (match line + search line + write), pJ | %.4f | %.4f | "
            "%.3f |\n\n"
            "The tail after the MACs: the tree over %llu rows per output (the accumulator "
            "copied, then per step its planes moved and added), the requantization (pre-shift "
            "to 16 bits, a 16 x %u multiply, the rounding shift to %u bits) and the read-out. "
            "The whole layer (with leakage, controller, MAP and interconnect) costs %.3f pJ per "
            "MAC.\n\n",
            HAND_LAYER, r.net->layers[li].c_in, r.net->layers[li].c_out, r.net->layers[li].h_out,
            r.net->layers[li].w_out, (unsigned long long)lp->gemm_m, (unsigned long long)lp->gemm_n,
            (unsigned long long)lp->gemm_k, macs, (unsigned long long)c->n_chunks,
            (unsigned long long)c->chunk_k, (unsigned long long)c->n_slots,
            sim_placement_name(lr->placement), sim_dataflow_name(lr->dataflow), sc, aw,
            lp->bits.w_bits, c->acc_bits, aw + 1, c->acc_bits, passes / k, cols / k, segs / passes,
            segs / k, sc, mc.written_cells_per_row, loads, t->e_ml_fj, t->e_sl_fj, t->e_write_fj,
            segs / k, e_seg_fj, ml, cols / k, t->e_sl_fj, sl, mc.written_cells_per_row + loads,
            t->e_write_fj, wr, tail.passes, (unsigned long long)c->chunk_k, tail_written,
            ml_t + sl_t + wr_t, hand, model, hand, *ratio_out, (unsigned long long)c->n_chunks, m,
            lp->bits.o_bits, total);
    run_close(&r);
}

/* CACTI 7 (github.com/HewlettPackard/cacti), pure CAM 1024 x 64, ITRS-HP: search energy per
 * bit 0.92 fJ at 32 nm and 0.69 fJ at 28 nm. */
#define CACTI_32_OVER_28 (0.92 / 0.69)

/* Network-level figures and peak efficiency against PUMA. */
static void network_rows(FILE *fp)
{
    run_ctx r;
    run_open(&r, "int8", "sram", 0.9);
    const sim_result *s = r.res;
    double macs = (double)s->macs;
    double array = s->by_component_pj[SIM_COMP_CAP_MATCHLINE] +
                   s->by_component_pj[SIM_COMP_CAP_SEARCHLINE] +
                   s->by_component_pj[SIM_COMP_CAP_WRITE];
    fprintf(fp,
            "## 2. ResNet18 INT8 on SRAM at 0.9 V, every joule named\n\n"
            "%.3f mJ per inference = %.3f pJ per MAC, of which the array (match line, search "
            "line, write) %.3f pJ. By component (pJ per MAC):\n\n| component | pJ per MAC | "
            "share |\n|---|---|---|\n",
            s->energy_pj * 1e-9, s->energy_pj / macs, array / macs);
    for (int k = 0; k < SIM_COMP_COUNT; k++)
        fprintf(fp, "| %s | %.4f | %.1f%% |\n", sim_component_name((sim_component)k),
                s->by_component_pj[k] / macs, 100.0 * s->by_component_pj[k] / s->energy_pj);
    double net_ratio = array / macs / hand_pj_per_mac;
    fprintf(fp,
            "\n| figure | apsim | hand (section 1) | ratio |\n|---|---|---|---|\n"
            "| array energy per MAC over the whole network, pJ | %.4f | %.4f | %.3f |\n\n"
            "The layers differ in K-chunk, accumulator width and tail, so the network's figure "
            "sits within a few percent of the hand-worked layer's.\n",
            array / macs, hand_pj_per_mac, net_ratio);
    ck_assert_msg(fabs(net_ratio - 1.0) < 0.05, "network array energy per MAC off by %.1f%%",
                  100.0 * (net_ratio - 1.0));
    fprintf(fp,
            "\nThe match line dominates: with %u-column segments a MAC pass compares columns of "
            "three or four fields (activation, weight, product, carry) that rarely share a "
            "segment. Narrower segments cut it in proportion, at the cost of more segment "
            "control (not modelled).\n\n",
            r.arch.ml_segment_cols);
    fprintf(fp,
            "## 3. Peak against PUMA\n\n"
            "| figure | apsim | published | ratio | basis |\n|---|---|---|---|---|\n"
            "| peak TOPS/W (every row running the MAC programs) | %.4f | 0.837 | %.3f | PUMA "
            "(Ankit et al., ASPLOS 2019, abstract): 837 GOPS/s/W, 32 nm, 16-bit; apsim 28 nm, "
            "INT8 |\n"
            "| achieved TOPS/W (ResNet18 INT8, batch 1) | %.4f | 0.837 | %.3f | as above; "
            "PUMA's figure is a chip peak |\n"
            "| peak GOPS/s/mm2 | %.3f | 577 | %.4f | PUMA 577 GOPS/s/mm2 (same source) |\n"
            "| peak TOPS/W moved to PUMA's 32 nm | %.4f | 0.837 | %.3f | apsim's array energy "
            "x %.3f, CACTI 7's pure-CAM search energy per bit at 32 nm over 28 nm (0.92 / 0.69 "
            "fJ, ITRS-HP; github.com/HewlettPackard/cacti); the rest of the peak scaled alike |\n\n"
            "PUMA's figure is for 16-bit operands; an AP INT16 MAC needs about four times the "
            "passes of INT8 and a 32-bit accumulator that ResNet's K does not fit, so the INT8 "
            "peak is the closest like-for-like apsim can state.\n\n"
            "BF-IMNA claims about 20%% higher energy efficiency than PUMA-class accelerators. "
            "apsim's AP is %.1fx below PUMA's peak per watt: a bit-serial INT8 MAC takes %.0f "
            "compare-and-write passes, each precharging several match-line segments in every "
            "row, where a crossbar does the MAC in analog. The gap is apsim's model, not tuned "
            "away: it would close only with much narrower segments or far cheaper match lines "
            "than CACTI gives.\n\n",
            s->peak.tops_per_w, s->peak.tops_per_w / 0.837, s->tops_per_w, s->tops_per_w / 0.837,
            s->peak.gops_per_mm2, s->peak.gops_per_mm2 / 577.0,
            s->peak.tops_per_w / CACTI_32_OVER_28, s->peak.tops_per_w / CACTI_32_OVER_28 / 0.837,
            CACTI_32_OVER_28, 0.837 / s->peak.tops_per_w, mac_passes);
    run_close(&r);
}

/* The three precharge options on ResNet18 INT8, SRAM, 0.9 V. */
static void precharge_rows(FILE *fp)
{
    static const char *const names[] = {"selective", "full", "pipelined"};
    double ml[3], total[3], lat[3], edp[3];
    for (int m = 0; m < 3; m++) {
        run_ctx r;
        run_open(&r, "int8", "sram", 0.9);
        sim_arch a = r.arch;
        a.ml_precharge = (sim_precharge)m;
        sim_result *res = NULL;
        ck_assert_int_eq(sim_run(r.net, r.bits, &a, r.tech, 0.9, &res), BASE_OK);
        ml[m] = res->by_component_pj[SIM_COMP_CAP_MATCHLINE] * 1e-9;
        total[m] = res->energy_pj * 1e-9;
        lat[m] = res->latency_ns * 1e-6;
        edp[m] = res->edp_pj_ns * 1e-21;
        sim_result_free(res);
        run_close(&r);
    }
    fprintf(fp,
            "## 4. Match-line precharge options (`cap.ml_precharge`), ResNet18 INT8, SRAM, "
            "0.9 V\n\n"
            "| option | match line (mJ) | total (mJ) | latency (ms) | EDP (J*s) | total against "
            "full |\n|---|---|---|---|---|---|\n");
    for (int m = 0; m < 3; m++)
        fprintf(fp, "| %s | %.3f | %.3f | %.4f | %.3e | %.2f |\n", names[m], ml[m], total[m],
                lat[m], edp[m], total[m] / total[1]);
    fprintf(fp,
            "\nPublished: the pipelined hierarchical search of Pagiamtzis and Sheikholeslami "
            "(IEEE JSSC 39(9), 2004; a 1024 x 144 ternary CAM, 0.18 um) draws 60%% less power "
            "than a nonpipelined, nonhierarchical CAM, i.e. 0.40 of it. apsim's pipelined option "
            "draws %.2f of full precharge and selective %.2f: an AP pass compares 1-4 columns, "
            "so skipping unused segments already saves most of the line, where a lookup CAM "
            "compares all 144. Pipelining costs latency here (one search time per segment stage, "
            "since a pass needs its tags before the next), so the default stays selective.\n\n",
            total[2] / total[1], total[0] / total[1]);
}

/* Sensitivity to the segment width: the estimate the match-line energy stands on. */
static void segment_rows(FILE *fp)
{
    static const unsigned widths[] = {4, 8, 16, 32, 64, 256};
    fprintf(fp, "Sensitivity to `cap.ml_segment_cols` (an estimate, 16 by default), selective "
                "precharge:\n\n| segment columns | match line (mJ) | total (mJ) | pJ per MAC |\n"
                "|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++) {
        run_ctx r;
        run_open(&r, "int8", "sram", 0.9);
        sim_arch a = r.arch;
        a.ml_segment_cols = widths[i];
        sim_result *res = NULL;
        ck_assert_int_eq(sim_run(r.net, r.bits, &a, r.tech, 0.9, &res), BASE_OK);
        fprintf(fp, "| %u | %.3f | %.3f | %.3f |\n", widths[i],
                res->by_component_pj[SIM_COMP_CAP_MATCHLINE] * 1e-9, res->energy_pj * 1e-9,
                res->energy_pj / (double)res->macs);
        sim_result_free(res);
        run_close(&r);
    }
    fputc('\n', fp);
}

/* Per-bit cell figures against published CAMs. */
static void cell_rows(FILE *fp)
{
    static const struct {
        const char *tech, *what, *source;
        double published_fj;
    } rows[] = {
        {"sram", "binary XOR CAM, 28 nm bulk", "JLPEA 10(4):35, 2020", 0.41},
        {"sram", "ternary CAM, 0.18 um, 1.8 V, 1024x144 (pipelined hierarchical search)",
         "Pagiamtzis and Sheikholeslami, IEEE JSSC 2006", 2.89},
        {"sram", "selective match-line energizer CAM, 90 nm post-layout", "arXiv 1406.7662", 0.115},
        {"sram_tcam", "ternary CAM, 0.18 um, 1.8 V, 1024x144",
         "Pagiamtzis and Sheikholeslami, IEEE JSSC 2006", 2.89},
        {"reram", "capacitive RRAM TCAM, 0.18 um (match / miss 1.71 / 4.69)", "arXiv 2401.09207",
         1.71},
        {"reram", "Eva-CAM 2T2R TCAM 64x64, 22 nm (45 nm: 0.78)",
         "github.com/eva-cam/EvaCAM, ReRAM-2T2R_TCAM.cell", 0.29},
        {"fefet", "2FeFET-1T TCAM, 45 nm PTM", "DATE 2021", 0.195},
        {"fefet", "Eva-CAM 2FeFET TCAM 64x64, 22 nm (45 nm: 0.57)",
         "github.com/eva-cam/EvaCAM, 2FeFET_TCAM.cell", 0.22},
    };
    fprintf(fp, "## 5. Search energy per bit against published CAMs\n\n"
                "apsim's figure is its table's compare energy per bit of an unsegmented word "
                "search (match line + search line) at the table's nominal Vdd and node; the "
                "published ones are at their own node and supply, so a ratio far from 1 at "
                "another node is expected (energy scales roughly with node x Vdd^2).\n\n"
                "| apsim table | fJ/bit | published | fJ/bit | ratio | source |\n"
                "|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        tech_params *t = NULL;
        ck_assert_int_eq(tech_open(rows[i].tech, &t), BASE_OK);
        double e = t->e_ml_fj.value + t->e_sl_fj.value;
        fprintf(fp, "| %s (%g nm, %g V) | %.3f | %s | %.3f | %.2f | %s |\n", rows[i].tech,
                t->node_nm.value, t->vdd_nom_v.value, e, rows[i].what, rows[i].published_fj,
                e / rows[i].published_fj, rows[i].source);
        tech_params_free(t);
    }
    fputc('\n', fp);
}

/* Pass counts per bit against the UCI FPGA associative processor's RTL. */
static void pass_rows(FILE *fp)
{
    static const struct {
        ap_op op;
        double rtl;
    } rows[] = {{AP_OP_ADD, 4}, {AP_OP_SUB, 4}, {AP_OP_NEG, 3}};
    fprintf(fp, "## 6. Pass counts against the FPGA associative processor\n\n"
                "| op | apsim passes per bit (16 bits) | RTL | ratio | source |\n"
                "|---|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        ap_cost c;
        ck_assert_int_eq(ap_op_cost(rows[i].op, 16, 0, 0, 1, &c), BASE_OK);
        double per_bit = (double)c.n_passes / 16.0;
        ck_assert_double_eq_tol(per_bit, rows[i].rtl, 1e-12);
        fprintf(fp,
                "| %s | %.0f | %.0f | %.2f | github.com/hongzhengTian/Associative-Processor-on-"
                "FPGA, AP_ctrl.v |\n",
                ap_op_name(rows[i].op), per_bit, rows[i].rtl, per_bit / rows[i].rtl);
    }
    fputc('\n', fp);
}

/* BF-IMNA's EDP order on every technology at three voltages, and energy against batch. */
static void order_rows(FILE *fp)
{
    static const char *const techs[] = {"sram", "sram_tcam", "reram", "fefet"};
    static const char *const cfgs[] = {"resnet18_uniform8", "resnet18_latency_0.75",
                                       "resnet18_latency_0.5", "resnet18_latency_0.25",
                                       "resnet18_uniform4"};
    fprintf(fp, "## 7. BF-IMNA's EDP order, INT8 > latency 0.75 > 0.5 > 0.25 > INT4\n\n"
                "ResNet18 under the HAWQ-V3 configurations, EDP in J*s; reported, never tuned.\n\n"
                "| technology | Vdd | INT8 | lat 0.75 | lat 0.5 | lat 0.25 | INT4 | order holds |\n"
                "|---|---|---|---|---|---|---|---|\n");
    for (size_t t = 0; t < sizeof techs / sizeof techs[0]; t++) {
        tech_params *tp = NULL;
        ck_assert_int_eq(tech_open(techs[t], &tp), BASE_OK);
        double v0 = tp->vdd_nom_v.value, lo = tp->vdd_min_v.value, hi = tp->vdd_max_v.value;
        tech_params_free(tp);
        double vdd[3] = {lo + 0.1, v0, hi};
        for (int k = 0; k < 3; k++) {
            double edp[5];
            for (int c = 0; c < 5; c++) {
                run_ctx r;
                run_open(&r, cfgs[c], techs[t], vdd[k]);
                edp[c] = r.res->edp_pj_ns * 1e-21;
                run_close(&r);
            }
            int holds = 1;
            for (int c = 0; c + 1 < 5; c++)
                holds &= edp[c] > edp[c + 1];
            fprintf(fp, "| %s | %.2f | %.3e | %.3e | %.3e | %.3e | %.3e | %s |\n", techs[t], vdd[k],
                    edp[0], edp[1], edp[2], edp[3], edp[4], holds ? "yes" : "**no**");
        }
    }
    fprintf(fp, "\n## 8. Energy per inference against batch (ResNet18, nominal Vdd)\n\n"
                "| technology | bits | batch 1 (mJ) | batch 64 (mJ per inference) | ratio | "
                "what the run says |\n|---|---|---|---|---|---|\n");
    for (size_t t = 0; t < sizeof techs / sizeof techs[0]; t++) {
        for (int b = 0; b < 2; b++) {
            run_ctx r1;
            const char *bits = b ? "int4" : "int8";
            run_open(&r1, bits, techs[t], 0);
            sim_arch a64 = r1.arch;
            a64.batch = 64;
            sim_result *res64 = NULL;
            ck_assert_msg(sim_run(r1.net, r1.bits, &a64, r1.tech, r1.tech->vdd_nom_v.value,
                                  &res64) == BASE_OK,
                          "%s", base_last_error());
            double e1 = r1.res->energy_pj * 1e-9, e64 = res64->energy_pj * 1e-9 / 64;
            fprintf(fp, "| %s | %s | %.3f | %.3f | %.3f | %s |\n", techs[t], bits, e1, e64,
                    e64 / e1, res64->note[0] ? res64->note : "non-increasing");
            /* The promise: non-increasing, or the run names the cause. */
            ck_assert(e64 <= e1 * (1 + 1e-6) || res64->note[0]);
            sim_result_free(res64);
            run_close(&r1);
        }
    }
    fputc('\n', fp);
}

/* One op on a one-row array of the SRAM AP at vdd: energy (pJ) and time (ns) per element,
 * the array's passes only (match-line segments, search lines, written cells, from the
 * array's own counters) plus the controller's share of a 1024-row CAP. */
typedef struct op_figures {
    double array_pj, ctrl_pj, ns;
    uint64_t passes;
} op_figures;

static void sram_op(ap_op op, double vdd, op_figures *out)
{
    tech_params *t = NULL;
    sim_arch a;
    tech_at_vdd at;
    ck_assert_int_eq(tech_open("sram", &t), BASE_OK);
    ck_assert_int_eq(sim_arch_find("bf_imna", &a), BASE_OK);
    ck_assert_int_eq(tech_scale(t, vdd, &at), BASE_OK);
    ap_array *arr = NULL;
    ck_assert_int_eq(ap_array_new(1, 64, &arr), BASE_OK);
    ap_array_set_ml_segment_cols(arr, a.ml_segment_cols);
    ap_field x = {0, 8}, y = {8, 8}, p = {16, 16};
    const uint32_t one = 0xa5, two = 0x3c;
    ck_assert_int_eq(ap_array_field_load(arr, x, &one, 1), BASE_OK);
    ck_assert_int_eq(ap_array_field_load(arr, y, &two, 1), BASE_OK);
    ap_counters before, c;
    ap_array_counters(arr, &before);
    base_status st = op == AP_OP_ADD ? ap_add(arr, x, y, 32) : ap_mul(arr, x, y, p, 32, false);
    ck_assert_int_eq(st, BASE_OK);
    ap_array_counters(arr, &c);
    ap_cost k;
    ck_assert_int_eq(ap_op_cost(op, 8, op == AP_OP_ADD ? 0 : 8, 0, 1, &k), BASE_OK);
    double segs = (double)(c.n_ml_segments - before.n_ml_segments);
    double cols = (double)(c.n_compared_cells - before.n_compared_cells);
    out->array_pj = 1e-3 * (segs * a.ml_segment_cols * at.e_ml_fj + cols * at.e_sl_fj +
                            k.written_cells_per_row * at.e_write_fj);
    double cycles = (double)(k.n_compares + k.n_writes);
    out->ctrl_pj = cycles * a.ctrl_energy_pj_per_cycle * at.energy_scale / a.cap_rows;
    out->ns = (double)k.n_compares * at.t_search_ns + (double)k.n_writes * at.t_write_ns;
    out->passes = k.n_passes;
    ap_array_free(arr);
    tech_params_free(t);
}

/* Measured compute-in-SRAM silicon. */
static void silicon_rows(FILE *fp)
{
    /* CRAM (Wang et al., IEEE JSSC 2019, 28 nm): 5.27 TOPS/W 8-bit add, 0.56 TOPS/W 8-bit
     * multiply at 0.6 V: pJ per op = 1 / (TOPS/W). */
    static const struct {
        ap_op op;
        const char *name;
        double tops_w;
    } cram[] = {{AP_OP_ADD, "8-bit add", 5.27}, {AP_OP_MUL_U, "8-bit multiply", 0.56}};
    fprintf(fp, "## 9. Measured compute-in-SRAM silicon\n\n"
                "apsim's SRAM AP (28 nm binary CAM table, 16-column segments, selective "
                "precharge) running one op in every row: energy per element from the array's own "
                "counters (match-line segments, search lines, written cells) plus the "
                "controller's share of a 1,024-row CAP; time per op for all rows at once. CRAM "
                "(Wang et al., IEEE JSSC 2019; 28 nm compute SRAM) computes on the bit lines "
                "(two word lines at once, bit-serial), where the AP compares and writes: 4 passes "
                "per bit for an add.\n\n"
                "| op | Vdd | apsim passes | apsim ns per op | apsim pJ per element (array + "
                "controller) | CRAM pJ per op (0.6 V) | ratio |\n|---|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof cram / sizeof cram[0]; i++)
        for (int v = 0; v < 2; v++) {
            double vdd = v ? 0.9 : 0.6;
            op_figures f;
            sram_op(cram[i].op, vdd, &f);
            double cram_pj = 1.0 / cram[i].tops_w;
            fprintf(fp, "| %s | %.1f V | %llu | %.2f | %.3f (%.3f + %.4f) | %.3f | %.1f |\n",
                    cram[i].name, vdd, (unsigned long long)f.passes, f.ns, f.array_pj + f.ctrl_pj,
                    f.array_pj, f.ctrl_pj, cram_pj, (f.array_pj + f.ctrl_pj) / cram_pj);
        }
    tech_params *t = NULL;
    ck_assert_int_eq(tech_open("sram", &t), BASE_OK);
    tech_at_vdd one;
    ck_assert_int_eq(tech_scale(t, 1.0, &one), BASE_OK);
    double e1 = one.e_ml_fj + one.e_sl_fj;
    fprintf(fp,
            "\nThe AP spends most of an add's energy on match lines: each of its 4 x 8 passes "
            "precharges the segments of three columns in every row, where CRAM discharges two "
            "bit lines per bit. At 0.6 V the gap is the cost of computing by search.\n\n"
            "| search energy per bit | apsim (sram at 1.0 V) | measured | ratio | source |\n"
            "|---|---|---|---|---|\n"
            "| 64 x 64 push-rule 6T BCAM, 28 nm FDSOI, 1 V, 370 MHz | %.3f fJ | 0.6 fJ | %.2f | "
            "Jeloka et al., IEEE JSSC 2016 |\n\n"
            "apsim's figure is CACTI 7's per-bit search energy of a 1,024 x 64 CAM (match line and "
            "search line) at 1.0 V; the measured macro is a 64 x 64 array whose short search "
            "lines and push-rule cell cost less per bit.\n\n",
            e1, e1 / 0.6);
    tech_params_free(t);
}

START_TEST(test_validation_document)
{
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    ck_assert_ptr_nonnull(fp);
    fprintf(fp, "# Validation\n\n"
                "Each row: apsim's figure, an independent one (a hand calculation or a published "
                "figure with its source) and their ratio. Generated by "
                "tests/check_validation.c, which fails when this file is stale; regenerate with "
                "`CK_RUN_SUITE=validation APSIM_VALIDATION_WRITE=1 build/debug/check_apsim` "
                "and review the diff. Nothing here is tuned to match.\n\n");
    double ratio = 0;
    hand_layer(fp, &ratio);
    network_rows(fp);
    precharge_rows(fp);
    segment_rows(fp);
    cell_rows(fp);
    pass_rows(fp);
    order_rows(fp);
    silicon_rows(fp);
    apu_validation_rows(fp);
    fclose(fp);
    ck_assert_msg(fabs(ratio - 1.0) < 0.05, "hand-worked layer off by %.1f%%",
                  100.0 * (ratio - 1.0));
    const char *write = getenv("APSIM_VALIDATION_WRITE");
    if (write && !strcmp(write, "1")) {
        FILE *out = fopen(DOC, "w");
        ck_assert_ptr_nonnull(out);
        fwrite(text, 1, len, out);
        ck_assert_int_eq(fclose(out), 0);
    } else {
        FILE *in = fopen(DOC, "r");
        ck_assert_msg(in != NULL, "%s missing: regenerate it (see its head)", DOC);
        char *old = calloc(len + 2, 1);
        size_t got = fread(old, 1, len + 1, in);
        fclose(in);
        ck_assert_msg(got == len && memcmp(old, text, len) == 0,
                      "%s is stale: regenerate it (see the head of tests/check_validation.c)", DOC);
        free(old);
    }
    free(text);
}
END_TEST

Suite *validation_suite(void)
{
    Suite *s = suite_create("validation");
    TCase *tc = tcase_create("document");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_validation_document);
    suite_add_tcase(s, tc);
    return s;
}
