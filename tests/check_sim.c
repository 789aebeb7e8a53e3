/* check_sim.c - the system model: architecture loading, the mapping planner and the
 * evaluation at a technology and voltage (BF-IMNA findings that must follow from the pass
 * counts, voltage scaling, capacity errors). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base_json.h"
#include "cli/cli.h"
#include "exec/exec.h"
#include "study/study.h"
#include "tech/tech.h"
#include "tests/infer_check.h"

/* ---- Rivals on the AP's basis ------------------------------------------------------------ */

/* Stillmaker-Baas delay and energy fits of the 32, 20 and 16 nm nodes, copied by hand. */
static double d32(double v)
{
    return ((-1047 * v + 2982) * v - 2797) * v + 873.5;
}
static double d20(double v)
{
    return (34.63 * v - 66.37) * v + 41.15;
}
static double d16(double v)
{
    return (24.8 * v - 47.52) * v + 28.87;
}
static double e32(double v)
{
    return (0.8367 * v - 0.4341) * v + 0.1701;
}
static double e20(double v)
{
    return (0.373 * v - 0.1582) * v + 0.04104;
}
static double e16(double v)
{
    return (0.2958 * v - 0.1241) * v + 0.03024;
}

/* FPGA: the bitwise systolic array (Ultra96, 16 nm, 0.85 V) moved to 20 nm at 0.9 V: the
 * Kuon-Rose gap (delay 3.5, energy 14) then the fits' ratios. */
START_TEST(test_basis_fpga_by_hand)
{
    sim_accel_basis b;
    ck_assert_int_eq(sim_accel_basis_at("bitsys", 20, 0.9, 0, &b), BASE_OK);
    double lat = d20(0.9) / d16(0.85) / 3.5, en = e20(0.9) / e16(0.85) / 14;
    ck_assert_double_eq_tol(b.latency, lat, 1e-12 * lat);
    ck_assert_double_eq_tol(b.energy, en, 1e-12 * en);
    ck_assert_double_eq_tol(b.area, 0.21 / 0.19 / 35, 1e-12);
    ck_assert_ptr_nonnull(strstr(b.label, "fpga 16 nm 0.85 V / Kuon-Rose gap -> 20 nm 0.90 V"));
    /* PoTAcc at its own node and supply: the gap alone. */
    ck_assert_int_eq(sim_accel_basis_at("potacc", 28, 1.0, 0, &b), BASE_OK);
    ck_assert_double_eq_tol(b.latency, 1 / 3.5, 1e-12);
    ck_assert_double_eq_tol(b.energy, 1 / 14.0, 1e-12);
}
END_TEST

/* ASIC: Sparq (22 nm, supply unknown: the 22 nm nominal [est]) moved to 20 nm at 0.9 V; 22 nm
 * lies between the 32 and 20 nm fits, interpolated in log(node). */
START_TEST(test_basis_asic_by_hand)
{
    sim_accel_basis b;
    double w = log(32.0 / 22) / log(32.0 / 20), v22 = (1 - w) * 0.97 + w * 0.9;
    ck_assert_int_eq(sim_accel_basis_at("sparq", 20, 0.9, 0, &b), BASE_OK);
    ck_assert_double_eq_tol(b.from_vdd_v, v22, 1e-12);
    ck_assert_int_eq(b.vdd_est, 1);
    double d = (1 - w) * d32(v22) + w * d20(v22), e = (1 - w) * e32(v22) + w * e20(v22);
    ck_assert_double_eq_tol(b.latency, d20(0.9) / d, 1e-12);
    ck_assert_double_eq_tol(b.energy, e20(0.9) / e, 1e-12);
    ck_assert_double_eq(b.gap_delay, 1);
    ck_assert_ptr_nonnull(strstr(b.label, "[est]"));
    acc_cost c = {.latency_ns = 10, .energy_pj = 100, .n_macs = 7};
    sim_accel_basis_apply(&b, &c);
    ck_assert_double_eq_tol(c.latency_ns, 10 * b.latency, 1e-12);
    ck_assert_double_eq_tol(c.energy_pj, 100 * b.energy, 1e-12);
    ck_assert_uint_eq(c.n_macs, 7);
}
END_TEST

/* Native: factors of one; an unknown node (Ax-BxP) is assumed at the basis. */
START_TEST(test_basis_native_and_unknown_node)
{
    sim_accel_basis b;
    ck_assert_int_eq(sim_accel_basis_at("potacc", 7, 0.8, 1, &b), BASE_OK);
    ck_assert_double_eq(b.latency, 1);
    ck_assert_double_eq(b.energy, 1);
    ck_assert_str_eq(b.label, "native: fpga 28 nm 1.00 V");
    ck_assert_int_eq(sim_accel_basis_at("axbxp", 7, 0.8, 0, &b), BASE_OK);
    ck_assert_double_eq(b.latency, 1);
    ck_assert_double_eq(b.energy, 1);
    ck_assert_str_eq(b.label, "asic node unknown: assumed at 7 nm 0.80 V [est]");
    /* every registered rival has a platform record */
    for (size_t i = 0; i < acc_model_count(); i++) {
        const sim_accel_platform *p;
        ck_assert_int_eq(sim_accel_platform_of(acc_model_name(acc_model_at(i)), &p), BASE_OK);
        ck_assert_ptr_nonnull(strstr(p->source, "arXiv"));
    }
}
END_TEST

START_TEST(test_basis_errors)
{
    sim_accel_basis b;
    const sim_accel_platform *p;
    ck_assert_int_eq(sim_accel_platform_of("tpu", &p), BASE_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(base_last_error(), "no platform record for rival 'tpu'"));
    ck_assert_int_eq(sim_accel_basis_at("tpu", 28, 0.9, 0, &b), BASE_ENOTFOUND);
    ck_assert_int_eq(sim_accel_basis_at("sparq", 5, 0.9, 0, &b), BASE_ERANGE);
    ck_assert_ptr_nonnull(strstr(base_last_error(), "rival 'sparq' on 5 nm at 0.9 V: "));
    ck_assert_ptr_nonnull(strstr(base_last_error(), "outside the scaling fits"));
    /* native needs no fit, so it takes any node */
    ck_assert_int_eq(sim_accel_basis_at("sparq", 5, 0.9, 1, &b), BASE_OK);
    base_error_clear();
}
END_TEST

Suite *sim_suite(void);
base_status load_arch_text(const char *text, sim_arch *a);

static const char *const techs[] = {"sram", "reram", "fefet"};
static const char *const hawq[] = {"resnet18_uniform8", "resnet18_latency_0.75",
                                   "resnet18_latency_0.5", "resnet18_latency_0.25",
                                   "resnet18_uniform4"};

static net_network *load_net(const char *name)
{
    char path[1024];
    net_network *net = NULL;
    ck_assert_int_eq(net_find_builtin(name, path, sizeof path), BASE_OK);
    ck_assert_msg(net_load(path, &net) == BASE_OK, "%s", base_last_error());
    return net;
}

static sim_arch default_arch(void)
{
    sim_arch a;
    ck_assert_msg(sim_arch_find("bf_imna", &a) == BASE_OK, "%s", base_last_error());
    return a;
}

/* Runs net under bits spec on tech at vdd (0 = nominal). */
static sim_result *run(const net_network *net, const char *bits_spec, const char *tech_name,
                       double vdd_v, const sim_arch *arch)
{
    net_bitcfg *bits = NULL;
    tech_params *tech = NULL;
    sim_result *res = NULL;
    ck_assert_msg(net_bitcfg_resolve(bits_spec, net, &bits) == BASE_OK, "%s", base_last_error());
    ck_assert_msg(tech_open(tech_name, &tech) == BASE_OK, "%s", base_last_error());
    base_status st =
        sim_run(net, bits, arch, tech, vdd_v > 0 ? vdd_v : tech->vdd_nom_v.value, &res);
    ck_assert_msg(st == BASE_OK, "%s", base_last_error());
    /* The result borrows bits and tech; keep copies of the numbers and drop them. */
    res->bits = NULL;
    res->tech = NULL;
    net_bitcfg_free(bits);
    tech_params_free(tech);
    return res;
}

/* BF-IMNA: ResNet18 EDP orders INT8 > latency_0.75 > 0.5 > 0.25 > INT4 on every technology,
 * and INT4 latency is under half of INT8's. */
START_TEST(test_run_hawq_edp_order)
{
    net_network *net = load_net("resnet18");
    sim_arch arch = default_arch();
    double edp[5], lat[5];
    for (int i = 0; i < 5; i++) {
        sim_result *r = run(net, hawq[i], techs[_i], 0, &arch);
        edp[i] = r->edp_pj_ns;
        lat[i] = r->latency_ns;
        sim_result_free(r);
    }
    for (int i = 0; i + 1 < 5; i++)
        ck_assert_msg(edp[i] > edp[i + 1], "%s: EDP of %s (%g) not above %s (%g)", techs[_i],
                      hawq[i], edp[i], hawq[i + 1], edp[i + 1]);
    ck_assert_msg(lat[4] < 0.5 * lat[0], "%s: INT4 latency %g not under half of INT8 %g", techs[_i],
                  lat[4], lat[0]);
    net_free(net);
}
END_TEST

/* SRAM: dynamic energy falls as V^2 (leakage aside); latency rises toward Vth. */
START_TEST(test_run_sram_voltage_scaling)
{
    net_network *net = load_net("resnet18");
    sim_arch arch = default_arch();
    static const double vdd[] = {1.0, 0.9, 0.8, 0.7, 0.6, 0.5};
    double prev_lat = 0;
    sim_result *nom = run(net, "int8", "sram", 0.9, &arch);
    for (size_t i = 0; i < sizeof vdd / sizeof vdd[0]; i++) {
        sim_result *r = run(net, "int8", "sram", vdd[i], &arch);
        double ratio = vdd[i] / 0.9, k2 = ratio * ratio; /* k = 2 in tech/sram.yaml */
        /* Every CMOS dynamic component (array, MAP access, bus, controller, wake-up) scales
         * as (V/V0)^k in each layer whose mapping stays the same (the least-EDP mapping may
         * move with V: leakage does not scale like the rest); the network's within 1%. */
        static const sim_component dyn_comps[] = {SIM_COMP_CAP_MATCHLINE, SIM_COMP_CAP_SEARCHLINE,
                                                  SIM_COMP_CAP_WRITE,     SIM_COMP_CAP_WAKEUP,
                                                  SIM_COMP_MAP_ACCESS,    SIM_COMP_BUS,
                                                  SIM_COMP_CONTROLLER};
        for (size_t c = 0; c < sizeof dyn_comps / sizeof dyn_comps[0]; c++) {
            double dyn = 0, dyn0 = 0;
            for (size_t l = 0; l < r->n_layers; l++) {
                const sim_layer_result *a = &r->layers[l], *b = &nom->layers[l];
                double x = a->by_component_pj[dyn_comps[c]], x0 = b->by_component_pj[dyn_comps[c]];
                if (a->chosen == b->chosen && a->dataflow == b->dataflow &&
                    a->placement == b->placement)
                    ck_assert_double_eq_tol(x, k2 * x0, 1e-9 * x0 + 1e-12);
                dyn += x;
                dyn0 += x0;
            }
            if (dyn0 > 0)
                ck_assert_double_eq_tol(dyn / dyn0, k2, 0.01 * k2);
        }
        ck_assert_msg(r->latency_ns > prev_lat, "latency does not rise as Vdd falls");
        prev_lat = r->latency_ns;
        sim_result_free(r);
    }
    /* Total energy per inference also falls, close to V^2 (leakage and the fixed bus share
     * make it slower): at 0.5 V it is below half of the nominal figure. */
    sim_result *low = run(net, "int8", "sram", 0.5, &arch);
    ck_assert(low->energy_pj < 0.6 * nom->energy_pj);
    ck_assert(low->latency_ns > 2.5 * nom->latency_ns); /* alpha law: x2.9 for the AP part */
    sim_result_free(low);
    sim_result_free(nom);
    net_free(net);
}
END_TEST

START_TEST(test_run_vdd_out_of_range)
{
    net_network *net = load_net("alexnet");
    sim_arch arch = default_arch();
    net_bitcfg *bits = NULL;
    tech_params *tech = NULL;
    sim_result *res = NULL;
    ck_assert_int_eq(net_bitcfg_uniform("int8", net, &bits), BASE_OK);
    ck_assert_int_eq(tech_open("reram", &tech), BASE_OK);
    ck_assert_int_eq(sim_run(net, bits, &arch, tech, 0.5, &res), BASE_ERANGE);
    ck_assert_ptr_null(res);
    ck_assert(strstr(base_last_error(), "reram") != NULL);
    ck_assert_int_eq(sim_run(net, bits, &arch, tech, 0.25, &res), BASE_ERANGE);
    tech_params_free(tech);
    net_bitcfg_free(bits);
    net_free(net);
}
END_TEST

/* Totals are the sums of the layers; EDP is energy x latency; the chosen candidate has the
 * least EDP of its layer. */
START_TEST(test_run_totals_consistent)
{
    net_network *net = load_net("resnet50");
    sim_arch arch = default_arch();
    sim_result *r = run(net, "w4a8", "fefet", 0.8, &arch);
    double lat = 0, e = 0;
    for (size_t i = 0; i < r->n_layers; i++) {
        const sim_layer_result *l = &r->layers[i];
        double by_comp = 0, by_phase = 0;
        for (int k = 0; k < SIM_COMP_COUNT; k++)
            by_comp += l->by_component_pj[k];
        for (int k = 0; k < SIM_PHASE_COUNT; k++)
            by_phase += l->by_phase_pj[k];
        ck_assert_double_eq_tol(l->energy_pj, by_comp, 1e-9 * l->energy_pj + 1e-9);
        ck_assert_double_eq_tol(l->energy_pj, by_phase, 1e-9 * l->energy_pj + 1e-9);
        lat += l->latency_ns;
        e += l->energy_pj;
    }
    ck_assert_double_eq_tol(r->latency_ns, lat, 1e-9 * lat);
    ck_assert_double_eq_tol(r->energy_pj, e, 1e-9 * e);
    ck_assert_double_eq_tol(r->edp_pj_ns, r->energy_pj * r->latency_ns, 1e-9 * r->edp_pj_ns);
    ck_assert_uint_eq(r->macs, net->total_macs);
    ck_assert(r->tops_per_w > 0 && r->area_mm2 > 0 && r->throughput_inf_s > 0);
    sim_result_free(r);
    net_free(net);
}
END_TEST

/* The planner's GEMM candidate: row layout, folds and an accumulator free of overflow. */
START_TEST(test_plan_gemm_candidate)
{
    sim_arch arch = default_arch();
    sim_candidate c;
    bool fits = false;
    /* 3x5-bit, K = 45: accumulator 4 + 5 + 6 = 15 bits (activations signed here). */
    ck_assert_int_eq(sim_gemm_candidate(&arch, 49, 7, 45, 4, 3, 5, 8, 4, &c, &fits), BASE_OK);
    ck_assert(fits);
    ck_assert_uint_eq(c.chunk_k, 12);
    ck_assert_uint_eq(c.acc_bits, 15);
    ck_assert_uint_eq(c.n_rows, 49u * 7u * 4u);
    ck_assert_uint_eq(c.n_folds, 1);
    /* operands 12 x 9, scratch 15, accumulator 15, carry, the tree's accumulator 15 */
    ck_assert_uint_eq(c.row_cols, 12u * 9u + 15u + 15u + 1u + 15u);
    ck_assert_uint_eq(c.n_slots, 12);
    /* A chunk too wide for 256 columns reuses operand slots: the counts stay those of 45
     * MACs per row, only the columns shrink. */
    sim_candidate wide;
    ck_assert_int_eq(sim_gemm_candidate(&arch, 49, 7, 45, 9, 8, 8, 8, 1, &wide, &fits), BASE_OK);
    ck_assert(fits);
    ck_assert_uint_eq(wide.chunk_k, 45);
    ck_assert_uint_eq(wide.n_slots, (256u - (23u + 23u + 1u)) / 17u);
    ck_assert_uint_le(wide.row_cols, 256);
    /* 16 x 16 bits over K = 4608 needs 16 + 16 + 13 = 45 accumulator bits. */
    ck_assert_int_eq(sim_gemm_candidate(&arch, 10, 10, 4608, 16, 16, 16, 8, 1, &c, &fits),
                     BASE_ECAPACITY);
    ck_assert(!fits);
    ck_assert(strstr(base_last_error(), "accumulator of 45 bits") != NULL);
    /* A row too narrow for one operand pair is no error: the candidate just does not fit,
     * and no message is recorded. */
    sim_arch narrow = arch;
    narrow.cap_cols = 40;
    base_error_clear();
    ck_assert_int_eq(sim_gemm_candidate(&narrow, 49, 7, 45, 9, 8, 8, 8, 1, &c, &fits), BASE_OK);
    ck_assert(!fits);
    ck_assert_str_eq(base_last_error(), "");
}
END_TEST

START_TEST(test_plan_capacity_error)
{
    net_network *net = load_net("vgg16");
    sim_arch arch = default_arch();
    net_bitcfg *bits = NULL;
    sim_plan *plan = NULL;
    ck_assert_int_eq(net_bitcfg_uniform("w16a16", net, &bits), BASE_OK);
    ck_assert_int_eq(sim_plan_new(net, bits, &arch, &plan), BASE_ECAPACITY);
    ck_assert_ptr_null(plan);
    ck_assert(strstr(base_last_error(), "networks/vgg16.yaml:") != NULL);
    net_bitcfg_free(bits);
    net_free(net);
}
END_TEST

/* An average-pooling window larger than a CAP's rows spans CAPs (its tree's last steps move
 * partial sums over the bus); one needing more CAPs than the architecture has is a capacity
 * error, not a crash. */
START_TEST(test_plan_pool_window_exceeds_cap)
{
    net_network *net = load_net("resnet18");
    sim_arch arch = default_arch();
    net_bitcfg *bits = NULL;
    sim_plan *plan = NULL;
    arch.cap_rows = 32; /* the 7x7 global pool needs 64 rows per output: 2 CAPs */
    ck_assert_int_eq(net_bitcfg_uniform("int8", net, &bits), BASE_OK);
    ck_assert_msg(sim_plan_new(net, bits, &arch, &plan) == BASE_OK, "%s", base_last_error());
    size_t li = net->n_layers - 3;
    ck_assert_str_eq(net->layers[li].name, "final_pool");
    const sim_candidate *c = &sim_plan_layer(plan, li)->cand[0];
    uint64_t outputs = (uint64_t)net->layers[li].c_out * arch.batch;
    ck_assert_uint_eq(c->n_rows, outputs * 64);
    ck_assert_uint_eq(c->n_cap_rounds, outputs * 2);
    ck_assert_uint_eq(c->n_folds, (outputs + arch.n_caps / 2 - 1) / (arch.n_caps / 2));
    /* one 14-bit partial sum (8 + ceil(log2 49)) per output crosses the bus */
    ck_assert(c->tree_bus_bits == (double)outputs * 14);
    sim_plan_free(plan);
    plan = NULL;
    arch.n_caps = 1;
    ck_assert_int_eq(sim_plan_new(net, bits, &arch, &plan), BASE_ECAPACITY);
    ck_assert_ptr_null(plan);
    ck_assert_msg(strstr(base_last_error(),
                         "layer 'final_pool': a 49-element pooling window needs 64 rows, 2 CAPs "
                         "of 32 rows, the architecture has 1") != NULL,
                  "%s", base_last_error());
    net_bitcfg_free(bits);
    net_free(net);
}
END_TEST

/* Concat, resize, deconv and matmul: a concat is a view when its output keeps its inputs'
 * width and a copy that requantizes otherwise; a nearest resize copies (loads and a read-out,
 * no compare); a bilinear resize, a deconv and a matmul are GEMMs (their plans equal their
 * counters in check_infer.c's tensor case); layers that differ only in the resize mode do not
 * share a plan. On the measured GSI chip concat and resize map, deconv and matmul are refused
 * naming layer and kind; the rivals see deconv and matmul as GEMMs of MACs x batch. */
START_TEST(test_plan_tensor_kinds)
{
    static const char yaml[] =
        "name: t\n"
        "input: {channels: 4, height: 4, width: 4}\n"
        "layers:\n"
        "  - {name: c, type: conv, out: 4, kernel: 3, pad: 1}\n"
        "  - {name: u, type: resize, scale: 2}\n"
        "  - {name: b, type: resize, scale: 2, mode: bilinear, input: c}\n"
        "  - {name: s, type: add, inputs: [u, b]}\n"
        "  - {name: v, type: concat, inputs: [u, b]}\n"
        "  - {name: k, type: concat, inputs: [s, u]}\n"
        "  - {name: d, type: deconv, out: 2, kernel: 2, stride: 2, input: c}\n"
        "  - {name: z, type: concat, inputs: [d, d]}\n"
        "  - {name: m, type: matmul, inputs: [z, z]}\n"
        "  - {name: q, type: conv, out: 2, kernel: 1}\n"
        "  - {name: w, type: conv, out: 2, kernel: 1, input: v}\n"
        "  - {name: o, type: conv, out: 2, kernel: 1, input: k}\n";
    net_network *net = NULL;
    net_bitcfg *bits = NULL;
    sim_plan *plan = NULL;
    ck_assert_msg(net_load_string("t.yaml", yaml, strlen(yaml), &net) == BASE_OK, "%s",
                  base_last_error());
    ck_assert_int_eq(net_bitcfg_uniform("int8", net, &bits), BASE_OK);
    sim_arch arch = default_arch();
    arch.batch = 2;
    ck_assert_msg(sim_plan_new(net, bits, &arch, &plan) == BASE_OK, "%s", base_last_error());
    const sim_layer_plan *u = sim_plan_layer(plan, 1), *b = sim_plan_layer(plan, 2);
    const sim_layer_plan *v = sim_plan_layer(plan, 4), *k = sim_plan_layer(plan, 5);
    const sim_layer_plan *d = sim_plan_layer(plan, 6), *z = sim_plan_layer(plan, 7);
    const sim_layer_plan *m = sim_plan_layer(plan, 8);
    /* u: 16 bits (it feeds the residual sum), stored as read: a copy without compares */
    ck_assert_uint_eq(u->bits.a_bits, 16);
    ck_assert_uint_eq(u->cand[0].n_rows, 2u * 4 * 8 * 8);
    ck_assert_uint_eq(u->cand[0].n_compares, 0);
    ck_assert_uint_eq(u->cand[0].work[SIM_PHASE_OPERAND_LOAD].n_plane_writes, 16); /* a load */
    ck_assert_uint_eq(u->cand[0].work[SIM_PHASE_TRANSFER].n_plane_reads, 16);      /* a read-out */
    /* b: 4 taps at sim_bilinear_w_bits(2) = 6 bits over every output */
    ck_assert_uint_eq(sim_bilinear_w_bits(2), 6);
    ck_assert_uint_eq(b->gemm_m * 1000 + b->gemm_n * 10 + b->gemm_k, 2u * 256 * 1000 + 14);
    ck_assert_uint_gt(b->cand[0].n_compares, 0);
    /* a concat multiplies each element by its input's scale multiplier (a + 1 bits) and
     * requantizes: z at 8 + 9 bits to 8; k and v read 16-bit inputs (stored so for the
     * residual sum): 16 + 16 bits to 8 */
    ck_assert_uint_eq(z->bits.a_bits * 100 + z->bits.o_bits, 808);
    ck_assert_uint_eq(z->cand[0].n_rows, 2u * 4 * 8 * 8);
    ck_assert_uint_eq(z->cand[0].work[SIM_PHASE_OPERAND_LOAD].n_plane_writes, 8 + 9);
    ck_assert_uint_gt(z->cand[0].work[SIM_PHASE_ELEMENTWISE].n_compares, 0);
    ck_assert_uint_gt(z->cand[0].work[SIM_PHASE_REQUANT].n_compares, 0);
    ck_assert_uint_eq(v->bits.a_bits * 100 + v->bits.o_bits, 1608);
    ck_assert_uint_eq(k->bits.a_bits * 100 + k->bits.o_bits, 1608);
    ck_assert_uint_gt(k->cand[0].n_compares, 0);
    ck_assert_uint_eq(k->cand[0].n_rows, 2u * 8 * 8 * 8);
    /* d: a stride-1 conv over the zero-inserted input: 8x8 outputs, K = 4 x 2 x 2 */
    ck_assert_uint_eq(d->gemm_m * 1000 + d->gemm_n * 100 + d->gemm_k, 128u * 1000 + 216);
    /* m: C x H rows of K, times N; the accumulator is a + a + log2 K */
    ck_assert_uint_eq(m->gemm_m * 1000 + m->gemm_n * 100 + m->gemm_k, 2u * 4 * 8 * 1000 + 808);
    ck_assert_uint_eq(m->cand[0].acc_bits, 2 * m->bits.a_bits + 3);
    ck_assert_int_eq(sim_layer_same_work(net, bits, 1, 2), 0);
    sim_plan_free(plan);
    bits->bits[7].a_bits = 20; /* operands past the AP's 16-bit multiply */
    ck_assert_int_eq(sim_plan_new(net, bits, &arch, &plan), BASE_ECAPACITY);
    ck_assert_str_eq(base_last_error(),
                     "t.yaml:11: error: layer 'z': concat operands of 20 bits exceed the AP's "
                     "16-bit multiply (an input stored wider for another consumer)");
    bits->bits[7].a_bits = 8;
    /* the rivals: deconv and matmul as GEMMs of MACs x batch */
    acc_layer acc[12];
    size_t n_acc = 0;
    ck_assert_int_eq(sim_accel_layers(net, bits, 2, acc, &n_acc), BASE_OK);
    ck_assert_uint_eq(n_acc, 6); /* c, d, m, q, w, o */
    ck_assert_uint_eq(acc[1].m * acc[1].n * acc[1].k, 2 * net->layers[6].macs);
    ck_assert_uint_eq(acc[2].m * acc[2].n * acc[2].k, 2 * net->layers[8].macs);
    /* the measured chip */
    ck_assert_int_eq(sim_arch_find("gsi_apu", &arch), BASE_OK);
    ck_assert_int_eq(sim_plan_new(net, bits, &arch, &plan), BASE_EUNSUPPORTED);
    ck_assert_str_eq(base_last_error(),
                     "t.yaml:10: error: layer 'd': layer kind 'deconv' has no mapping on "
                     "'gsi_apu'");
    net_bitcfg_free(bits);
    net_free(net);
    static const char gsi[] = "name: g\n"
                              "input: {channels: 4, height: 4, width: 4}\n"
                              "layers:\n"
                              "  - {name: c, type: conv, out: 4, kernel: 3, pad: 1}\n"
                              "  - {name: u, type: resize, scale: 2}\n"
                              "  - {name: b, type: resize, scale: 2, mode: bilinear, input: c}\n"
                              "  - {name: v, type: concat, inputs: [u, b]}\n"
                              "  - {name: o, type: conv, out: 2, kernel: 1}\n";
    ck_assert_int_eq(net_load_string("g.yaml", gsi, strlen(gsi), &net), BASE_OK);
    ck_assert_int_eq(net_bitcfg_uniform("int8", net, &bits), BASE_OK);
    ck_assert_msg(sim_plan_new(net, bits, &arch, &plan) == BASE_OK, "%s", base_last_error());
    ck_assert(sim_plan_layer(plan, 2)->cand[0].vec_cycles[SIM_PHASE_ELEMENTWISE] > 0);
    ck_assert(sim_plan_layer(plan, 1)->cand[0].vec_cycles[SIM_PHASE_OPERAND_LOAD] > 0);
    ck_assert(sim_plan_layer(plan, 3)->cand[0].vec_cycles[SIM_PHASE_ELEMENTWISE] > 0); /* scales */
    sim_plan_free(plan);
    net_bitcfg_free(bits);
    net_free(net);
}
END_TEST

/* A layer kind without a planner row has no AP mapping: refused, naming the layer. */
START_TEST(test_plan_kind_without_row)
{
    net_network *net = load_net("resnet18");
    sim_arch arch = default_arch();
    net_bitcfg *bits = NULL;
    sim_plan *plan = NULL;
    ck_assert_int_eq(net_bitcfg_uniform("int8", net, &bits), BASE_OK);
    net->layers[1].kind = NET_INPUT; /* the one kind that never is a layer: no row */
    ck_assert_int_eq(sim_plan_new(net, bits, &arch, &plan), BASE_EUNSUPPORTED);
    ck_assert_ptr_null(plan);
    ck_assert_ptr_nonnull(strstr(base_last_error(), "has no AP mapping"));
    net_bitcfg_free(bits);
    net_free(net);
}
END_TEST

/* The table kinds' plans count their programs' ops: a 10-class softmax of 8-bit inputs
 * (groups of 16 rows: e = 8 exp bits, p = 7 fraction bits, a 12-bit sum) is the group max,
 * its broadcast, the subtraction, a 256-entry lookup into 15 bits, the padding clear (one
 * compare and one write), the group sum, its broadcast and a 15 / 12-bit division:
 * 136 + 33 + 32 + 256 + 1 + 200 + 49 + 1110 = 1817 compares. A sigmoid is one lookup: 256. */
START_TEST(test_plan_table_kinds_by_hand)
{
    static const char yaml[] = "name: t\n"
                               "input: {channels: 4, height: 1, width: 1}\n"
                               "layers:\n"
                               "  - {name: fc, type: fc, out: 10}\n"
                               "  - {name: s, type: sigmoid}\n"
                               "  - {name: fc2, type: fc, out: 10}\n"
                               "  - {name: p, type: softmax}\n";
    net_network *net = NULL;
    net_bitcfg *bits = NULL;
    sim_plan *plan = NULL;
    sim_arch arch = default_arch();
    ck_assert_int_eq(net_load_string("t.yaml", yaml, strlen(yaml), &net), BASE_OK);
    ck_assert_int_eq(net_bitcfg_uniform("int8", net, &bits), BASE_OK);
    ck_assert_msg(sim_plan_new(net, bits, &arch, &plan) == BASE_OK, "%s", base_last_error());
    static const struct {
        ap_op op;
        unsigned wa, wb, wacc;
        size_t rows;
        uint64_t passes;
    } ops[] = {{AP_OP_REDUCE_MAX_S, 8, 0, 0, 16, 136},
               {AP_OP_BROADCAST, 8, 0, 0, 16, 33},
               {AP_OP_SUB, 8, 0, 0, 1, 32},
               {AP_OP_LOOKUP, 8, 0, 15, 1, 256},
               {AP_OP_REDUCE_SUM_U, 8, 0, 12, 16, 200},
               {AP_OP_BROADCAST, 12, 0, 0, 16, 49},
               {AP_OP_DIVMOD_U, 15, 12, 0, 1, 1110}};
    uint64_t compares = 1, writes = 1, plane_writes = 8 + 1; /* the clear; x and the flag */
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        ap_cost c;
        ck_assert_int_eq(ap_op_cost(ops[i].op, ops[i].wa, ops[i].wb, ops[i].wacc, ops[i].rows, &c),
                         BASE_OK);
        ck_assert_uint_eq(c.n_compares, ops[i].passes);
        compares += c.n_compares;
        writes += c.n_writes;
        plane_writes += c.n_plane_writes;
    }
    const sim_candidate *sm = &sim_plan_layer(plan, 3)->cand[0];
    ck_assert_uint_eq(sm->n_compares, 1817);
    ck_assert_uint_eq(sm->n_compares, compares);
    ck_assert_uint_eq(sm->n_writes, writes);
    ck_assert_uint_eq(sm->n_plane_writes, plane_writes);
    ck_assert_uint_eq(sm->n_rows, 16);
    const sim_candidate *sg = &sim_plan_layer(plan, 1)->cand[0];
    ck_assert_uint_eq(sg->n_compares, 256);
    ck_assert_uint_eq(sg->n_rows, 10);
    sim_plan_free(plan);
    net_bitcfg_free(bits);
    net_free(net);
}
END_TEST

/* On the measured-table chip a sigmoid is one lookup per register over its 2^a entries; a
 * softmax has no mapping there, refused naming the layer and the kind. */
START_TEST(test_plan_table_kinds_measured_chip)
{
    static const char yaml[] = "name: t\n"
                               "input: {channels: 4, height: 1, width: 1}\n"
                               "layers:\n"
                               "  - {name: fc, type: fc, out: 10}\n"
                               "  - {name: s, type: sigmoid}\n"
                               "  - {name: fc2, type: fc, out: 10}\n";
    static const char with_softmax[] = "  - {name: p, type: softmax}\n";
    char text[512];
    net_network *net = NULL;
    net_bitcfg *bits = NULL;
    sim_plan *plan = NULL;
    sim_arch arch;
    ck_assert_int_eq(sim_arch_find("gsi_apu", &arch), BASE_OK);
    ck_assert_int_eq(net_load_string("t.yaml", yaml, strlen(yaml), &net), BASE_OK);
    ck_assert_int_eq(net_bitcfg_uniform("int8", net, &bits), BASE_OK);
    ck_assert_msg(sim_plan_new(net, bits, &arch, &plan) == BASE_OK, "%s", base_last_error());
    const sim_candidate *sg = &sim_plan_layer(plan, 1)->cand[0];
    /* lookup 629 + 7.151 x 256 cycles on one register, plus the register's load */
    ck_assert_double_gt(sg->vec_cycles[SIM_PHASE_ELEMENTWISE], 629 + 7.151 * 256 - 1e-6);
    ck_assert_double_lt(sg->vec_cycles[SIM_PHASE_ELEMENTWISE], 629 + 7.151 * 256 + 1e-6);
    sim_plan_free(plan);
    net_bitcfg_free(bits);
    net_free(net);
    snprintf(text, sizeof text, "%s%s", yaml, with_softmax);
    ck_assert_int_eq(net_load_string("t.yaml", text, strlen(text), &net), BASE_OK);
    ck_assert_int_eq(net_bitcfg_uniform("int8", net, &bits), BASE_OK);
    ck_assert_int_eq(sim_plan_new(net, bits, &arch, &plan), BASE_EUNSUPPORTED);
    ck_assert_str_eq(
        base_last_error(),
        "t.yaml:7: error: layer 'p': layer kind 'softmax' has no mapping on 'gsi_apu'");
    net_bitcfg_free(bits);
    net_free(net);
}
END_TEST

START_TEST(test_plan_out_of_memory)
{
    net_network *net = load_net("alexnet");
    sim_arch arch = default_arch();
    net_bitcfg *bits = NULL;
    ck_assert_int_eq(net_bitcfg_uniform("int4", net, &bits), BASE_OK);
    for (long n = 1; n < 8; n++) {
        sim_plan *plan = NULL;
        sim_result *res = NULL;
        base_alloc_fail_after(n);
        base_status st = sim_plan_new(net, bits, &arch, &plan);
        if (st == BASE_OK)
            st = sim_result_new(plan, &res);
        base_alloc_fail_reset();
        sim_result_free(res);
        sim_plan_free(plan);
        if (st == BASE_OK)
            break;
        ck_assert_int_eq(st, BASE_ENOMEM);
    }
    net_bitcfg_free(bits);
    net_free(net);
}
END_TEST

/* A fixed MAP too small for the network is a capacity error that says what it needs; an
 * unknown MAP technology is an error naming the MAP. */
START_TEST(test_plan_map_capacity_and_tech)
{
    net_network *net = load_net("resnet18");
    sim_arch arch = default_arch();
    net_bitcfg *bits = NULL;
    ck_assert_int_eq(net_bitcfg_uniform("int8", net, &bits), BASE_OK);
    sim_plan *plan = NULL;
    arch.map_auto = false;
    arch.n_maps = 2; /* 16 Mbit: ResNet18's 11.7 M weights at 8 bits do not fit */
    ck_assert_int_eq(sim_plan_new(net, bits, &arch, &plan), BASE_ECAPACITY);
    ck_assert_ptr_null(plan);
    ck_assert_msg(strstr(base_last_error(), "Mbit of MAP") != NULL &&
                      strstr(base_last_error(), "count: auto") != NULL,
                  "%s", base_last_error());
    arch.n_maps = 64;
    ck_assert_int_eq(sim_plan_new(net, bits, &arch, &plan), BASE_OK);
    sim_plan_free(plan);
    arch = default_arch();
    snprintf(arch.map_tech, sizeof arch.map_tech, "no_such_tech");
    ck_assert_int_ne(sim_plan_new(net, bits, &arch, &plan), BASE_OK);
    ck_assert_msg(strstr(base_last_error(), "MAP technology") != NULL, "%s", base_last_error());
    net_bitcfg_free(bits);
    net_free(net);
}
END_TEST

/* Outputs: summary.json carries every component, phase and area part; ert.csv one row per
 * action; NVM runs report a finite lifetime from the table's endurance; peak is at least the
 * achieved efficiency. */
START_TEST(test_run_breakdown_outputs)
{
    net_network *net = load_net("resnet18");
    sim_arch arch = default_arch();
    net_bitcfg *bits = NULL;
    tech_params *tech = NULL;
    sim_result *res = NULL;
    ck_assert_int_eq(net_bitcfg_uniform("int4", net, &bits), BASE_OK);
    ck_assert_int_eq(tech_open("reram", &tech), BASE_OK);
    ck_assert_int_eq(sim_run(net, bits, &arch, tech, 0.9, &res), BASE_OK);
    char *text = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&text, &len);
    ck_assert_int_eq(sim_result_write_json(fp, res), BASE_OK);
    fclose(fp);
    for (int k = 0; k < SIM_COMP_COUNT; k++)
        ck_assert_ptr_nonnull(strstr(text, sim_component_name((sim_component)k)));
    for (int k = 0; k < SIM_PHASE_COUNT; k++)
        ck_assert_ptr_nonnull(strstr(text, sim_phase_name((sim_phase)k)));
    for (int k = 0; k < SIM_AREA_COUNT; k++)
        ck_assert_ptr_nonnull(strstr(text, sim_area_name((sim_area_part)k)));
    ck_assert_ptr_nonnull(strstr(text, "\"energy_by_component_mj\""));
    ck_assert_ptr_nonnull(strstr(text, "\"lifetime_inferences\": "));
    free(text);
    fp = open_memstream(&text, &len);
    ck_assert_int_eq(sim_result_write_ert_csv(fp, res), BASE_OK);
    fclose(fp);
    sim_ert_row rows[SIM_ERT_MAX];
    size_t n = sim_result_ert(res, rows), lines = 0;
    for (const char *q = text; *q; q++)
        lines += *q == '\n';
    ck_assert_uint_eq(lines, n + 1);
    free(text);
    ck_assert(isfinite(res->wear.lifetime_inferences));
    ck_assert_double_eq_tol(res->wear.endurance_writes, tech->endurance_writes.value, 1e-9);
    ck_assert_double_eq_tol(res->wear.lifetime_inferences,
                            fmin(tech->endurance_writes.value / res->wear.cap_max,
                                 tech->endurance_writes.value / res->wear.map_max),
                            1e-9 * res->wear.lifetime_inferences);
    ck_assert(res->peak.tops_per_w >= res->tops_per_w);
    double area = 0;
    for (int k = 0; k < SIM_AREA_COUNT; k++)
        area += res->area_by_part_mm2[k];
    ck_assert_double_eq_tol(area, res->area_mm2, 1e-9 * area);
    sim_result_free(res);
    tech_params_free(tech);
    net_bitcfg_free(bits);
    net_free(net);
}
END_TEST

/* Match-line energy orders full > selective > pipelined; pipelining costs latency. (The
 * least-EDP mappings may differ between options, so other figures move a little too.) */
START_TEST(test_run_precharge_options)
{
    net_network *net = load_net("resnet18");
    sim_arch arch = default_arch();
    double ml[3], lat[3];
    for (int m = 0; m < 3; m++) {
        arch.ml_precharge = (sim_precharge)m;
        sim_result *r = run(net, "int4", "sram", 0.9, &arch);
        ml[m] = r->by_component_pj[SIM_COMP_CAP_MATCHLINE];
        lat[m] = r->latency_ns;
        sim_result_free(r);
    }
    ck_assert(ml[SIM_PRECHARGE_FULL] > ml[SIM_PRECHARGE_SELECTIVE]);
    ck_assert(ml[SIM_PRECHARGE_SELECTIVE] > ml[SIM_PRECHARGE_PIPELINED]);
    ck_assert(lat[SIM_PRECHARGE_PIPELINED] > lat[SIM_PRECHARGE_SELECTIVE]);
    net_free(net);
}
END_TEST

/* Writes text to a temporary file (build/test_arch.yaml) and loads it as an architecture;
 * tests/check_apu.c uses it too. */
base_status load_arch_text(const char *text, sim_arch *a)
{
    const char *path = "build/test_arch.yaml";
    FILE *fp = fopen(path, "w");
    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    fclose(fp);
    base_status st = sim_arch_load(path, a);
    remove(path);
    return st;
}

static const char arch_ok[] =
    "name: t\n"
    "cap: {count: 4, rows: 64, cols: 128, ml_segment_cols: 16, ml_precharge: selective}\n"
    "map: {count: 2, rows: 1024, cols: 64, periphery_fj_per_bit: 20, "
    "tech: cap}\n"
    "interconnect: {bits_per_cycle: 512, clock_ghz: 1, "
    "energy_pj_per_bit: 0.1, broadcast_energy_pj_per_bit: 1}\n"
    "controller: {energy_pj_per_cycle: 1, area_fraction: 0.2}\n"
    "power_gating: {enabled: false, wake_energy_fj_per_bit: 0.5, "
    "wake_latency_ns: 10}\n"
    "batch: 2\n";

START_TEST(test_arch_load_ok)
{
    sim_arch a;
    ck_assert_msg(load_arch_text(arch_ok, &a) == BASE_OK, "%s", base_last_error());
    ck_assert_uint_eq(a.n_caps, 4);
    ck_assert_uint_eq(a.cap_cols, 128);
    ck_assert_uint_eq(a.batch, 2);
    ck_assert_double_eq_tol(a.bus_energy_pj_per_bit, 0.1, 1e-12);
    ck_assert_int_eq(sim_arch_find("no_such_arch", &a), BASE_ENOTFOUND);
    ck_assert(strstr(base_last_error(), "unknown architecture 'no_such_arch'") != NULL);
}
END_TEST

START_TEST(test_arch_load_errors)
{
    static const struct {
        const char *find, *replace;
        base_status status;
        const char *msg;
    } cases[] = {
        {"batch: 2", "batch: 2\nbatchh: 3", BASE_EKEY,
         "build/test_arch.yaml:8:1: error: unknown key 'batchh' in 'architecture'"},
        {"ml_precharge: selective", "ml_precharge: sometimes", BASE_EINVAL,
         "ml_precharge 'sometimes' is not full, selective or pipelined"},
        {"count: 2,", "count: two,", BASE_ETYPE,
         "build/test_arch.yaml:3:14: error: expected an integer, found 'two'"},
        {"tech: cap", "tech: ''", BASE_ERANGE,
         "build/test_arch.yaml:3:71: error: map tech must be 1..63 characters"},
        {"enabled: false", "enabled: maybe", BASE_ETYPE,
         "build/test_arch.yaml:6:25: error: expected true or false, found 'maybe'"},
        {"wake_latency_ns: 10", "wake_latency_ns: -1", BASE_ERANGE, "build/test_arch.yaml:6:"},
        {"broadcast_energy_pj_per_bit: 1", "", BASE_EKEY,
         "missing key 'broadcast_energy_pj_per_bit' in 'interconnect'"},
        {"rows: 64, ", "", BASE_EKEY,
         "build/test_arch.yaml:2:6: error: missing key 'rows' in 'cap'"},
        {"cols: 128", "cols: 12x", BASE_ETYPE,
         "build/test_arch.yaml:2:33: error: expected an integer, found '12x'"},
        {"ml_segment_cols: 16", "ml_segment_cols: 200", BASE_ERANGE,
         "build/test_arch.yaml:2:55: error: ml_segment_cols (200) exceeds cols (128)"},
        {"batch: 2", "batch: 0", BASE_ERANGE,
         "build/test_arch.yaml:7:8: error: value 0 is outside 1..1048576"},
        {"name: t", "name: t\nname: u", BASE_EKEY,
         "build/test_arch.yaml:2:1: error: duplicate key 'name' (first at line 1)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1024];
        const char *at = strstr(arch_ok, cases[i].find);
        ck_assert_ptr_nonnull(at);
        snprintf(text, sizeof text, "%.*s%s%s", (int)(at - arch_ok), arch_ok, cases[i].replace,
                 at + strlen(cases[i].find));
        sim_arch a;
        ck_assert_int_eq(load_arch_text(text, &a), cases[i].status);
        ck_assert_msg(strstr(base_last_error(), cases[i].msg) == base_last_error() ||
                          (cases[i].msg[0] != 'b' && strstr(base_last_error(), cases[i].msg)),
                      "case %zu: %s", i, base_last_error());
    }
}
END_TEST

/* A small conv with odd sizes and bits 3 (unsigned activations) and 5 (signed weights),
 * executed bit by bit on ap_core with the planner's mapping, for several chunkings. */
START_TEST(test_func_conv_matches_reference_and_plan)
{
    /* Rows per output, and row widths: 4096 columns hold every operand of a chunk; 64
     * and 80 columns force rows to reload 3 or 4 operand slots (the requantization reuses
     * them). */
    static const uint64_t chunkings[] = {1, 2, 4, 8, 32, 1, 4};
    static const unsigned widths[] = {4096, 4096, 4096, 4096, 4096, 64, 80};
    const uint64_t n_chunks = chunkings[_i];
    enum { CI = 3, H = 7, W = 5, CO = 4, KH = 3, KW = 3 };
    int32_t act[CI * H * W], wt[CO * CI * KH * KW];
    uint32_t seed = 12345u;
    for (size_t i = 0; i < sizeof act / sizeof act[0]; i++) {
        seed = seed * 1103515245u + 12345u;
        act[i] = (int32_t)((seed >> 16) % 8u); /* unsigned 3-bit */
    }
    for (size_t i = 0; i < sizeof wt / sizeof wt[0]; i++) {
        seed = seed * 1103515245u + 12345u;
        wt[i] = (int32_t)((seed >> 16) % 32u) - 16; /* signed 5-bit */
    }
    exec_qconv q = {.c_in = CI,
                    .h_in = H,
                    .w_in = W,
                    .c_out = CO,
                    .kh = KH,
                    .kw = KW,
                    .stride = 2,
                    .pad = 1,
                    .a_bits = 3,
                    .w_bits = 5,
                    .o_bits = 6,
                    .cap_cols = widths[_i],
                    .act_unsigned = 1,
                    .act = act,
                    .weight = wt,
                    .scale_b = 45};
    uint64_t m, n, k;
    int ho, wo;
    exec_qconv_gemm(&q, &m, &n, &k, &ho, &wo);
    ck_assert_uint_eq(m, 4u * 3u);
    ck_assert_uint_eq(k, 27);
    int32_t ref[CO * 4 * 3], got[CO * 4 * 3];
    sim_candidate plan;
    ap_counters group, total;
    ck_assert_int_eq(exec_qconv_reference(&q, ref), BASE_OK);
    ck_assert_msg(exec_qconv_on_ap(&q, n_chunks, got, &plan, &group, &total) == BASE_OK, "%s",
                  base_last_error());
    for (size_t i = 0; i < m * n; i++)
        ck_assert_int_eq(got[i], ref[i]);
    /* Every group of rows runs the plan's per-fold program: the same cycle counts. */
    ck_assert_uint_eq(group.n_compares, plan.n_compares);
    ck_assert_uint_eq(group.n_writes, plan.n_writes);
    ck_assert_uint_eq(group.n_plane_writes, plan.n_plane_writes);
    ck_assert_uint_eq(group.n_plane_reads, plan.n_plane_reads);
    ck_assert_uint_eq(plan.n_passes, plan.n_compares);
    ck_assert_uint_le(plan.row_cols, widths[_i]);
    if (widths[_i] < 4096)
        ck_assert_uint_lt(plan.n_slots, plan.chunk_k);
    /* Cells scale with the rows used. */
    ck_assert_uint_eq(plan.n_rows, m * n * n_chunks);
    /* Compared cells and match-line segments (the grouped placement, which this path runs)
     * equal the planner's trace; the trace counts a plane read as a one-column compare. */
    uint64_t cmp_cols = 0;
    double segs = 0;
    for (int ph = 0; ph < SIM_PHASE_COUNT; ph++) {
        cmp_cols += plan.work[ph].compared_cols - plan.work[ph].n_plane_reads;
        segs += plan.work[ph].ml_segments[SIM_PLACE_GROUPED] - (double)plan.work[ph].n_plane_reads;
    }
    ck_assert_uint_eq(total.n_compared_cells, plan.n_rows * cmp_cols);
    ck_assert_uint_eq(total.n_ml_segments, (uint64_t)((double)plan.n_rows * segs));
    ck_assert_uint_eq(total.n_plane_writes, m * n * plan.n_plane_writes);
    /* Written cells depend on the data; the plan's figure is the expectation for uniform
     * operands and a uniformly random accumulator (docs/AP_MODEL.md). Real accumulators start
     * at zero and hold small sums in a wide field, so fewer bits flip: measured 0.76, 0.76,
     * 0.76, 0.71 and 0.64 of the model for 1, 2, 4, 8 and 32 rows per output (the tree's
     * share grows). The model over-states write energy by that much (docs/SIM_MODEL.md);
     * the bounds pin the bias so a change in either side shows. */
    double per_row = 0;
    for (int ph = 0; ph < SIM_PHASE_COUNT; ph++)
        per_row += plan.work[ph].written_cells + plan.work[ph].driven_cells -
                   (double)plan.work[ph].n_plane_writes;
    double expect = (double)plan.n_rows * per_row;
    double ratio = (double)total.n_written_cells / expect;
    ck_assert_msg(ratio > 0.55 && ratio < 0.85, "written cells %llu vs expected %.0f",
                  (unsigned long long)total.n_written_cells, expect);
}
END_TEST

/* The row programs of hardswish, hardsigmoid and mul (sim_act_ops) against plain C: every
 * 6-bit x with every three in 1 .. 16 (t clamps at 0 and six), every pair of 5-bit operands. */
START_TEST(test_act_ops_exhaustive)
{
    static const net_kind kinds[] = {NET_HARDSWISH, NET_HARDSIGMOID, NET_MUL};
    const net_kind kind = kinds[_i];
    const unsigned a = kind == NET_MUL ? 5 : 6;
    const size_t n = kind == NET_MUL ? 32 * 32 : 64 * 16;
    sim_act_fields f;
    sim_act_layout(kind, a, &f);
    ap_array *arr = NULL;
    ck_assert_int_eq(ap_array_new(n, f.cols, &arr), BASE_OK);
    uint32_t *x = calloc(n, sizeof *x), *y = calloc(n, sizeof *y), *t = calloc(n, sizeof *t),
             *c3 = calloc(n, sizeof *c3), *c6 = calloc(n, sizeof *c6), *out = calloc(n, 4);
    int64_t *want = calloc(n, sizeof *want);
    const uint32_t am = (1u << a) - 1, wm = (1u << (a + 1)) - 1;
    for (size_t r = 0; r < n; r++) {
        int64_t xv = kind == NET_MUL ? (int64_t)(r % 32) - 16 : (int64_t)(r % 64) - 32;
        int64_t yv = (int64_t)(r / 32) - 16, three = (int64_t)(r / 64) + 1, tv = xv + three;
        tv = tv < 0 ? 0 : tv > 2 * three ? 2 * three : tv;
        x[r] = (uint32_t)xv & am;
        y[r] = (uint32_t)yv & am;
        t[r] = (uint32_t)xv & wm;
        c3[r] = (uint32_t)three & wm;
        c6[r] = (uint32_t)(2 * three) & wm;
        want[r] = kind == NET_MUL ? xv * yv : kind == NET_HARDSWISH ? xv * tv : tv;
    }
    if (f.x.width)
        ck_assert_int_eq(ap_array_field_load(arr, f.x, x, n), BASE_OK);
    if (f.y.width)
        ck_assert_int_eq(ap_array_field_load(arr, f.y, y, n), BASE_OK);
    if (f.t.width) {
        ck_assert_int_eq(ap_array_field_load(arr, f.t, t, n), BASE_OK);
        ck_assert_int_eq(ap_array_field_load(arr, f.three, c3, n), BASE_OK);
        ck_assert_int_eq(ap_array_field_load(arr, f.six, c6, n), BASE_OK);
        ck_assert_int_eq(ap_array_field_load(arr, f.top, c6, n), BASE_OK);
    }
    ck_assert_int_eq(sim_act_ops(arr, kind, &f), BASE_OK);
    ck_assert_uint_eq(f.result.width, sim_act_result_bits(kind, a));
    ck_assert_int_eq(ap_array_field_store(arr, f.result, out, n), BASE_OK);
    for (size_t r = 0; r < n; r++) {
        uint64_t m = (1ull << f.result.width) - 1, u = out[r] & m;
        int64_t got = (u >> (f.result.width - 1)) & 1 ? (int64_t)(u | ~m) : (int64_t)u;
        ck_assert_msg(got == want[r], "%s row %zu: AP %lld, C %lld", net_kind_name(kind), r,
                      (long long)got, (long long)want[r]);
    }
    ap_array_free(arr);
    free(x);
    free(y);
    free(t);
    free(c3);
    free(c6);
    free(out);
    free(want);
}
END_TEST

/* A network with one layer of each new kind (and a depthwise conv) between convs: the plan's
 * counts equal the counters of bit-exact execution, and outputs equal the reference. */
static void check_plan_vs_run_caps(const char *yaml, const char *spec, unsigned n_caps)
{
    net_network *net = NULL;
    sim_arch arch;
    ck_assert_msg(net_load_string("act.yaml", yaml, strlen(yaml), &net) == BASE_OK, "%s",
                  base_last_error());
    ck_assert_int_eq(sim_arch_find("bf_imna", &arch), BASE_OK);
    arch.n_caps = n_caps;
    arch.cap_rows = 64; /* several folds, a partial last one */
    arch.batch = 1;
    exec_infer_stats st;
    ic_check_bit_exact(net, spec, &arch, 99, false, &st);
    ck_assert_uint_eq(st.n_macs, net->total_macs);
    net_free(net);
}

static void check_plan_vs_run(const char *yaml, const char *spec)
{
    check_plan_vs_run_caps(yaml, spec, 2);
}

/* 12x16 global average and max pools on 64-row CAPs: each output's 192 elements take a group
 * of 256 rows (64 of them padding) spanning 4 CAPs (2 outputs a fold over 8 CAPs, 3 channels:
 * a partial last fold; the max pool's 192 x a-bit im2col row is too wide, so it takes the max
 * tree); the plan equals the counters and the outputs the reference. */
START_TEST(test_pool_spanning_caps_plan_equals_counters)
{
    static const char *const yamls[] = {
        "name: bigpool\ninput: {channels: 2, height: 12, width: 16}\nlayers:\n"
        "  - {name: c, type: conv, out: 3, kernel: 3, pad: 1}\n"
        "  - {name: g, type: avgpool, global: true}\n"
        "  - {name: f, type: flatten}\n"
        "  - {name: d, type: fc, out: 4}\n",
        "name: bigmax\ninput: {channels: 2, height: 12, width: 16}\nlayers:\n"
        "  - {name: c, type: conv, out: 3, kernel: 3, pad: 1}\n"
        "  - {name: g, type: maxpool, global: true}\n"
        "  - {name: f, type: flatten}\n"
        "  - {name: d, type: fc, out: 4}\n"};
    check_plan_vs_run_caps(yamls[_i / 2], _i % 2 ? "w4a5" : "int8", 8);
}
END_TEST

/* A hard activation reading 16-bit inputs needs 17-bit operands: the planner says so. */
START_TEST(test_act_plan_too_wide)
{
    static const char yaml[] = "name: wide\ninput: {channels: 2, height: 4, width: 4}\nlayers:\n"
                               "  - {name: c, type: conv, out: 3, kernel: 1}\n"
                               "  - {name: h, type: hardswish}\n"
                               "  - {name: d, type: conv, out: 3, kernel: 1}\n";
    net_network *net = NULL;
    net_bitcfg *bits = NULL;
    sim_plan *plan = NULL;
    sim_arch arch;
    ck_assert_int_eq(net_load_string("wide.yaml", yaml, strlen(yaml), &net), BASE_OK);
    ck_assert_int_eq(net_bitcfg_uniform("w8a16", net, &bits), BASE_OK);
    ck_assert_int_eq(sim_arch_find("bf_imna", &arch), BASE_OK);
    ck_assert_int_eq(sim_plan_new(net, bits, &arch, &plan), BASE_ECAPACITY);
    ck_assert_ptr_nonnull(strstr(base_last_error(), "layer 'h': hardswish reads 16-bit inputs"));
    ck_assert_ptr_nonnull(strstr(base_last_error(), "at most 16 bits"));
    net_bitcfg_free(bits);
    net_free(net);
}
END_TEST

START_TEST(test_act_plan_equals_counters)
{
    static const char *const yamls[] = {
        "name: hs\ninput: {channels: 2, height: 5, width: 5}\nlayers:\n"
        "  - {name: c, type: conv, out: 3, kernel: 3, pad: 1}\n"
        "  - {name: h, type: hardswish}\n"
        "  - {name: d, type: conv, out: 3, kernel: 3, pad: 1, groups: 3}\n",
        "name: hsig\ninput: {channels: 2, height: 5, width: 5}\nlayers:\n"
        "  - {name: c, type: conv, out: 3, kernel: 3, pad: 1}\n"
        "  - {name: h, type: hardsigmoid}\n"
        "  - {name: d, type: conv, out: 6, kernel: 1, groups: 3}\n",
        "name: mul\ninput: {channels: 2, height: 5, width: 5}\nlayers:\n"
        "  - {name: a, type: conv, out: 3, kernel: 3, pad: 1}\n"
        "  - {name: b, type: conv, input: input, out: 3, kernel: 1}\n"
        "  - {name: m, type: mul, inputs: [a, b]}\n"
        "  - {name: d, type: conv, out: 3, kernel: 1}\n",
        "name: se\ninput: {channels: 2, height: 5, width: 5}\nlayers:\n"
        "  - {name: a, type: conv, out: 3, kernel: 3, pad: 1}\n"
        "  - {name: g, type: avgpool, global: true}\n"
        "  - {name: b, type: conv, out: 3, kernel: 1}\n"
        "  - {name: m, type: mul, inputs: [a, b]}\n"
        "  - {name: d, type: conv, out: 3, kernel: 1}\n"};
    check_plan_vs_run(yamls[_i / 2], _i % 2 ? "w4a5" : "int8");
}
END_TEST

START_TEST(test_io_json_str_escapes)
{
    char buf[512] = {0};
    FILE *fp = fmemopen(buf, sizeof buf - 1, "w");
    ck_assert_ptr_nonnull(fp);
    json_t *doc = base_json_doc("m1");
    base_json_put(doc, "s", base_json_text("a\"b\\c\td\ne"));
    base_json_put(doc, "nan", base_json_num((double)NAN));
    base_json_put(doc, "x", base_json_num(1.5e-9));
    ck_assert_int_eq(base_json_write(fp, doc), BASE_OK);
    fclose(fp);
    ck_assert_str_eq(buf,
                     "{\n  \"tool\": {\n    \"name\": \"apsim\",\n    \"version\": \"" APSIM_VERSION
                     "\",\n    \"model\": \"m1\"\n  },\n  \"s\": \"a\\\"b\\\\c\\td\\ne\",\n"
                     "  \"nan\": null,\n  \"x\": 1.5e-9\n}\n");
    /* a failed put is reported by the write */
    base_json_put(NULL, "k", json_null());
    ck_assert_int_eq(base_json_write(stdout, json_object()), BASE_ENOMEM);
    base_error_clear();
}
END_TEST

/* Command-line numbers are decimal: --vdd 0x1p-1 is not 0.5 V. */
START_TEST(test_io_parse_double_decimal_only)
{
    double v = 0;
    ck_assert_int_eq(cli_parse_double("--vdd", "0.5", 0.05, 10, &v), BASE_OK);
    ck_assert_double_eq(v, 0.5);
    static const char *const bad[] = {"0x1p-1", "inf", "nan", "5e", " 0.5", "0.5V", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_int_eq(cli_parse_double("--vdd", bad[i], 0.05, 10, &v), BASE_EINVAL);
    ck_assert_double_eq(v, 0.5);
}
END_TEST

START_TEST(test_io_parse_ulong)
{
    unsigned long v = 7;
    ck_assert_int_eq(cli_parse_ulong("--batch", "64", 1, 65536, &v), BASE_OK);
    ck_assert_uint_eq(v, 64);
    static const char *const bad[] = {"2.5", "-3", "+3", "", "0", "70000", "12x", " 5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_int_eq(cli_parse_ulong("--batch", bad[i], 1, 65536, &v), BASE_EINVAL);
    ck_assert_str_eq(base_last_error(),
                     "error: --batch: expected a whole number in 1..65536, found ' 5'");
}
END_TEST

static base_status write_ok(FILE *fp, const void *ctx)
{
    fputs((const char *)ctx, fp);
    return BASE_OK;
}

static base_status write_fails(FILE *fp, const void *ctx)
{
    (void)fp;
    (void)ctx;
    return BASE_ERROR(BASE_EINVAL, "writer failed");
}

/* A set is written whole or not at all: a failing writer leaves no file of the set. */
START_TEST(test_io_write_set_all_or_nothing)
{
    const char *dir = "build/test_write_set";
    const base_output good[] = {{"a.txt", write_ok, 1}, {"b.txt", write_ok, 0}};
    const base_output bad[] = {{"c.txt", write_ok, 1}, {"d.txt", write_fails, 1}};
    ck_assert_int_eq(base_write_set(dir, good, 2, "text"), BASE_OK);
    FILE *fp = fopen("build/test_write_set/a.txt", "r");
    ck_assert_ptr_nonnull(fp);
    fclose(fp);
    ck_assert_ptr_null(fopen("build/test_write_set/b.txt", "r"));
    ck_assert_int_eq(base_write_set(dir, bad, 2, "text"), BASE_EINVAL);
    ck_assert_ptr_null(fopen("build/test_write_set/c.txt", "r"));
    ck_assert_ptr_null(fopen("build/test_write_set/d.txt", "r"));
    remove("build/test_write_set/a.txt");
}
END_TEST

Suite *sim_suite(void)
{
    Suite *s = suite_create("sim");
    TCase *tc = tcase_create("run");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_run_hawq_edp_order, 0, 3);
    tcase_add_test(tc, test_run_sram_voltage_scaling);
    tcase_add_test(tc, test_run_vdd_out_of_range);
    tcase_add_test(tc, test_run_totals_consistent);
    suite_add_tcase(s, tc);
    tc = tcase_create("plan");
    tcase_add_test(tc, test_plan_gemm_candidate);
    tcase_add_test(tc, test_plan_capacity_error);
    tcase_add_test(tc, test_plan_out_of_memory);
    tcase_add_test(tc, test_plan_pool_window_exceeds_cap);
    tcase_add_loop_test(tc, test_pool_spanning_caps_plan_equals_counters, 0, 4);
    tcase_add_test(tc, test_plan_kind_without_row);
    tcase_add_test(tc, test_plan_tensor_kinds);
    tcase_add_test(tc, test_plan_table_kinds_by_hand);
    tcase_add_test(tc, test_plan_table_kinds_measured_chip);
    tcase_add_test(tc, test_plan_map_capacity_and_tech);
    tcase_add_test(tc, test_run_breakdown_outputs);
    tcase_add_test(tc, test_run_precharge_options);
    suite_add_tcase(s, tc);
    tc = tcase_create("func");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_func_conv_matches_reference_and_plan, 0, 7);
    tcase_add_loop_test(tc, test_act_ops_exhaustive, 0, 3);
    tcase_add_loop_test(tc, test_act_plan_equals_counters, 0, 8);
    tcase_add_test(tc, test_act_plan_too_wide);
    suite_add_tcase(s, tc);
    tc = tcase_create("io");
    tcase_add_test(tc, test_io_json_str_escapes);
    tcase_add_test(tc, test_io_parse_ulong);
    tcase_add_test(tc, test_io_parse_double_decimal_only);
    tcase_add_test(tc, test_io_write_set_all_or_nothing);
    suite_add_tcase(s, tc);
    tc = tcase_create("basis");
    tcase_add_test(tc, test_basis_fpga_by_hand);
    tcase_add_test(tc, test_basis_asic_by_hand);
    tcase_add_test(tc, test_basis_native_and_unknown_node);
    tcase_add_test(tc, test_basis_errors);
    suite_add_tcase(s, tc);
    tc = tcase_create("arch");
    tcase_add_test(tc, test_arch_load_ok);
    tcase_add_test(tc, test_arch_load_errors);
    suite_add_tcase(s, tc);
    return s;
}
