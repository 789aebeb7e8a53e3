/* check_tech.c - technology tables and supply-voltage scaling (tech/tech.h) and their YAML
 * loader (tech/tech_load.c). Expected figures: the tech/ tables and the laws of docs/TECH.md (e.g.
 * delay x2.9 and energy x0.31 at 0.5 V against 0.9 V for SRAM). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tech/tech.h"

Suite *tech_suite(void);

/* A complete CMOS table, one key per line (line numbers are used by the error tests). */
static const char CMOS_TEXT[] = "name: t\n"                                             /* 1 */
                                "family: cmos\n"                                        /* 2 */
                                "node_nm: {value: 28, source: \"[est] n\"}\n"           /* 3 */
                                "vdd_nom_v: {value: 0.9, source: \"[est] v\"}\n"        /* 4 */
                                "vth_v: {value: 0.3, source: \"[est] v\"}\n"            /* 5 */
                                "alpha: {value: 1.5, source: \"[est] a\"}\n"            /* 6 */
                                "vdd_min_v: {value: 0.5, source: \"[est] v\"}\n"        /* 7 */
                                "vdd_max_v: {value: 1.0, source: \"[est] v\"}\n"        /* 8 */
                                "energy_exponent_k: {value: 2, source: \"[est] k\"}\n"  /* 9 */
                                "e_ml_fj: {value: 0.55, source: \"[est] e\"}\n"         /* 10 */
                                "e_sl_fj: {value: 0.29, source: \"[est] e\"}\n"         /* 11 */
                                "e_write_fj: {value: 0.8, source: \"[est] e\"}\n"       /* 12 */
                                "t_search_ns: {value: 0.5, source: \"[est] t\"}\n"      /* 13 */
                                "t_write_ns: {value: 0.5, source: \"[est] t\"}\n"       /* 14 */
                                "p_leak_nw: {value: 10, source: \"[est] p\"}\n"         /* 15 */
                                "cell_area_um2: {value: 0.37, source: \"[est] a\"}\n"   /* 16 */
                                "area_periph_factor: {value: 2, source: \"[est] a\"}\n" /* 17 */
                                "e_read_fj: {value: 0.84, source: \"[est] r\"}\n";      /* 18 */

/* A complete NVM table with a non-zero periphery share and an on-chip charge pump. */
static const char NVM_TEXT[] = "name: n\n"                                                /* 1 */
                               "family: nvm\n"                                            /* 2 */
                               "node_nm: {value: 28, source: \"[est] n\"}\n"              /* 3 */
                               "vdd_nom_v: {value: 0.9, source: \"[est] v\"}\n"           /* 4 */
                               "vth_v: {value: 0.3, source: \"[est] v\"}\n"               /* 5 */
                               "alpha: {value: 1.5, source: \"[est] a\"}\n"               /* 6 */
                               "vdd_min_v: {value: 0.6, source: \"[est] v\"}\n"           /* 7 */
                               "vdd_max_v: {value: 1.0, source: \"[est] v\"}\n"           /* 8 */
                               "energy_exponent_k: {value: 2, source: \"[est] k\"}\n"     /* 9 */
                               "e_ml_fj: {value: 0.26, source: \"[est] e\"}\n"            /* 10 */
                               "e_sl_fj: {value: 0.14, source: \"[est] e\"}\n"            /* 11 */
                               "e_switch_fj: {value: 1000, source: \"[pub] s\"}\n"        /* 12 */
                               "n_switch_per_bit: {value: 2, source: \"[pub] s\"}\n"      /* 13 */
                               "e_write_periph_fj: {value: 100, source: \"[est] p\"}\n"   /* 14 */
                               "n_write_phases: {value: 2, source: \"[pub] p\"}\n"        /* 15 */
                               "t_pulse_ns: {value: 10, source: \"[pub] p\"}\n"           /* 16 */
                               "t_write_periph_ns: {value: 1.5, source: \"[est] p\"}\n"   /* 17 */
                               "pump_efficiency: {value: 0.5, source: \"[est] p\"}\n"     /* 18 */
                               "t_search_ns: {value: 0.5, source: \"[est] t\"}\n"         /* 19 */
                               "p_leak_nw: {value: 1, source: \"[est] p\"}\n"             /* 20 */
                               "cell_area_f2: {value: 157, source: \"[pub] c\"}\n"        /* 21 */
                               "area_periph_factor: {value: 2.86, source: \"[est] a\"}\n" /* 22 */
                               "e_read_fj: {value: 0.4, source: \"[est] r\"}\n"           /* 23 */
                               "endurance_writes: {value: 1e6, source: \"[est] w\"}\n";   /* 24 */

/* text with the first occurrence of find replaced by repl, in one of two static buffers used
 * in turn, so edit(edit(...)) works. */
static const char *edit(const char *text, const char *find, const char *repl)
{
    static char bufs[2][8192];
    static int turn;
    char *buf = bufs[turn ^= 1];
    const char *at = strstr(text, find);
    ck_assert_msg(at != NULL, "test text lacks '%s'", find);
    size_t head = (size_t)(at - text);
    ck_assert_uint_lt(strlen(text) + strlen(repl), sizeof bufs[0]);
    memcpy(buf, text, head);
    strcpy(buf + head, repl);
    strcat(buf, at + strlen(find));
    return buf;
}

static tech_params *load_text(const char *text)
{
    tech_params *t = NULL;
    base_status st = tech_load_string("t.yaml", text, strlen(text), &t);
    ck_assert_msg(st == BASE_OK, "%s", base_last_error());
    ck_assert_ptr_nonnull(t);
    return t;
}

static void load_fails(const char *text, base_status want, const char *msg)
{
    tech_params *t = NULL;
    base_status st = tech_load_string("t.yaml", text, strlen(text), &t);
    ck_assert_msg(st == want, "status %d, want %d: %s", st, want, base_last_error());
    ck_assert_ptr_null(t);
    ck_assert_str_eq(base_last_error(), msg);
}

static tech_params *load_file(const char *path)
{
    tech_params *t = NULL;
    base_status st = tech_load(path, &t);
    ck_assert_msg(st == BASE_OK, "%s", base_last_error());
    return t;
}

static tech_at_vdd at(const tech_params *t, double vdd_v)
{
    tech_at_vdd a;
    base_status st = tech_scale(t, vdd_v, &a);
    ck_assert_msg(st == BASE_OK, "%s", base_last_error());
    return a;
}

static void assert_label(const tech_value *v)
{
    ck_assert_ptr_nonnull(v->source);
    ck_assert_msg(strncmp(v->source, "[pub] ", 6) == 0 || strncmp(v->source, "[model] ", 8) == 0 ||
                      strncmp(v->source, "[derived] ", 10) == 0 ||
                      strncmp(v->source, "[est] ", 6) == 0,
                  "bad source '%s'", v->source);
}

/* ---- shipped tables ------------------------------------------------------------------- */

START_TEST(test_table_sram_nominal_equals_file)
{
    tech_params *t = load_file("tech/sram.yaml");
    ck_assert_str_eq(t->name, "sram");
    ck_assert_int_eq(t->family, TECH_CMOS);
    ck_assert_str_eq(t->origin, "tech/sram.yaml");
    ck_assert_double_eq_tol(t->node_nm.value, 28, 1e-12);
    ck_assert_double_eq_tol(t->vdd_nom_v.value, 0.9, 1e-12);
    ck_assert_double_eq_tol(t->vth_v.value, 0.30, 1e-12);
    ck_assert_double_eq_tol(t->alpha.value, 1.5, 1e-12);
    ck_assert_double_eq_tol(t->vdd_min_v.value, 0.5, 1e-12);
    ck_assert_double_eq_tol(t->vdd_max_v.value, 1.0, 1e-12);
    ck_assert_double_eq_tol(t->energy_exponent_k.value, 2, 1e-12);
    /* The binary CAM: CACTI 7's figures without the TCAM x1.2 (energy) and x1.6 (area). */
    ck_assert_double_eq_tol(t->cell_area_f2.value, 292, 1e-12);
    ck_assert_double_eq_tol(tech_cell_area_um2(t), 292 * 0.028 * 0.028, 1e-12);
    ck_assert_double_eq_tol(t->area_periph_factor.value, 2.14, 1e-12);
    ck_assert_double_eq_tol(tech_cell_area_um2(t) * t->area_periph_factor.value, 0.49, 0.001);
    ck_assert_ptr_null(t->cell_area_um2.source);
    ck_assert_ptr_null(t->endurance_writes.source);
    ck_assert(strstr(t->e_ml_fj.source, "CACTI") != NULL);
    ck_assert(strstr(t->description, "binary CAM") != NULL);

    tech_at_vdd a = at(t, 0.9);
    ck_assert_double_eq_tol(a.e_ml_fj, 0.45, 1e-12);
    ck_assert_double_eq_tol(a.e_sl_fj, 0.24, 1e-12);
    ck_assert_double_eq_tol(a.e_read_fj, 0.69, 1e-12);
    ck_assert_double_eq_tol(a.e_write_fj, 0.69, 1e-12);
    ck_assert_double_eq(a.endurance_writes, 0);
    ck_assert_double_eq_tol(a.t_search_ns, 0.5, 1e-12);
    ck_assert_double_eq_tol(a.t_write_ns, 0.5, 1e-12);
    ck_assert_double_eq_tol(a.p_leak_nw, 10, 1e-12);
    ck_assert_double_eq_tol(a.e_write_device_fj, 0, 1e-12);
    ck_assert_str_eq(a.energy_law, "CV^2: E0*(V/V0)^k");
    ck_assert(strncmp(a.delay_law, "alpha-power law", 15) == 0);
    ck_assert(strncmp(a.write_law, "CMOS write", 10) == 0);
    ck_assert_ptr_nonnull(a.leak_law);
    for (int i = 0; i < TECH_N_PARAMS; i++) {
        const tech_value *v = tech_params_get(t, (tech_param_id)i);
        if (i != TECH_P_cell_area_um2 &&
            (tech_param_info_of((tech_param_id)i)->families & TECH_FOR_CMOS))
            assert_label(v);
    }
    tech_params_free(t);
}
END_TEST

START_TEST(test_table_reram_nominal_equals_file)
{
    tech_params *t = load_file("tech/reram.yaml");
    ck_assert_int_eq(t->family, TECH_NVM);
    ck_assert_double_eq_tol(tech_cell_area_um2(t), 157 * 0.028 * 0.028, 1e-12);
    tech_at_vdd a = at(t, 0.9);
    ck_assert_double_eq_tol(a.e_ml_fj + a.e_sl_fj, 0.4, 1e-12);
    ck_assert_double_eq_tol(a.e_write_fj, 2000, 1e-9);
    ck_assert_double_eq_tol(a.e_write_device_fj, 2000, 1e-9);
    ck_assert_double_eq_tol(a.t_write_ns, 20, 1e-12);
    ck_assert_double_eq_tol(a.t_search_ns, 0.5, 1e-12);
    ck_assert_double_eq_tol(a.p_leak_nw, 1, 1e-12);
    ck_assert_double_eq_tol(t->search_scaled_fraction.value, 0.7, 1e-12);
    ck_assert_double_eq_tol(a.e_read_fj, 0.4, 1e-12); /* the compare energy per bit [est] */
    ck_assert_double_eq(t->endurance_writes.value, 1e6);
    ck_assert_double_eq(a.endurance_writes, 1e6);
    ck_assert(strncmp(t->endurance_writes.source, "[est] ", 6) == 0);
    ck_assert(strstr(t->endurance_writes.source, "Proc. IEEE 100(6), 2012") != NULL);
    ck_assert(strstr(a.write_law, "fixed by the device, not the logic Vdd") != NULL);
    ck_assert(strncmp(a.energy_law, "NVM search", 10) == 0);
    for (int i = 0; i < TECH_N_PARAMS; i++)
        if (i != TECH_P_cell_area_um2 &&
            (tech_param_info_of((tech_param_id)i)->families & TECH_FOR_NVM))
            assert_label(tech_params_get(t, (tech_param_id)i));
    tech_params_free(t);
}
END_TEST

START_TEST(test_table_fefet_nominal_equals_file)
{
    tech_params *t = load_file("tech/fefet.yaml");
    ck_assert_int_eq(t->family, TECH_NVM);
    ck_assert_double_eq_tol(t->cell_area_f2.value, 300, 1e-12);
    tech_at_vdd a = at(t, 0.9);
    ck_assert_double_eq_tol(a.e_ml_fj + a.e_sl_fj, 0.3, 1e-12);
    ck_assert_double_eq_tol(a.e_write_fj, 20, 1e-12);
    ck_assert_double_eq_tol(a.t_write_ns, 20, 1e-12);
    ck_assert_double_eq_tol(a.p_leak_nw, 1, 1e-12);
    ck_assert_double_eq_tol(a.e_read_fj, 0.3, 1e-12);
    ck_assert_double_eq(a.endurance_writes, 5e6);
    ck_assert(strncmp(t->endurance_writes.source, "[pub] ", 6) == 0);
    ck_assert(strstr(t->endurance_writes.source, "arXiv 2103.08806") != NULL);
    for (int i = 0; i < TECH_N_PARAMS; i++)
        if (i != TECH_P_cell_area_um2 &&
            (tech_param_info_of((tech_param_id)i)->families & TECH_FOR_NVM))
            assert_label(tech_params_get(t, (tech_param_id)i));
    tech_params_free(t);
}
END_TEST

START_TEST(test_table_defaults_are_labelled)
{
    tech_params *t = load_text(NVM_TEXT);
    ck_assert_double_eq_tol(t->leak_eta.value, 0.1, 1e-12);
    ck_assert_double_eq_tol(t->leak_n.value, 1.5, 1e-12);
    ck_assert_double_eq_tol(t->search_scaled_fraction.value, 0.7, 1e-12);
    ck_assert(strncmp(t->search_scaled_fraction.source, "[est] apsim default", 19) == 0);
    ck_assert_double_eq_tol(t->pump_efficiency.value, 0.5, 1e-12);
    ck_assert_double_eq_tol(tech_cell_area_um2(t), 157 * 0.028 * 0.028, 1e-12);
    tech_params_free(t);
    t = load_text(CMOS_TEXT);
    ck_assert_double_eq_tol(tech_cell_area_um2(t), 0.37, 1e-12);
    ck_assert_ptr_null(t->pump_efficiency.source); /* NVM-only rows stay unset for CMOS */
    tech_params_free(t);
}
END_TEST

START_TEST(test_table_sram_tcam_nominal_equals_file)
{
    tech_params *t = load_file("tech/sram_tcam.yaml");
    ck_assert_str_eq(t->name, "sram_tcam");
    ck_assert_int_eq(t->family, TECH_CMOS);
    ck_assert(strstr(t->description, "16T NOR TCAM") != NULL);
    /* The ternary cell: CACTI 7's binary figures x1.2 (energy) and x1.6 (cell area). */
    ck_assert_double_eq_tol(t->cell_area_f2.value, 470, 1e-12);
    ck_assert_double_eq_tol(t->area_periph_factor.value, 2.14, 1e-12);
    tech_at_vdd a = at(t, 0.9);
    ck_assert_double_eq_tol(a.e_ml_fj, 0.55, 1e-12);
    ck_assert_double_eq_tol(a.e_sl_fj, 0.29, 1e-12);
    ck_assert_double_eq_tol(a.e_write_fj, 0.8, 1e-12);
    ck_assert_double_eq_tol(a.e_read_fj, 0.84, 1e-12);
    ck_assert_double_eq_tol(a.t_search_ns, 0.5, 1e-12);
    ck_assert_double_eq_tol(a.p_leak_nw, 10, 1e-12);
    tech_params_free(t);
}
END_TEST

START_TEST(test_table_sram_lstp_derived_from_hp)
{
    tech_params *hp = load_file("tech/sram.yaml"), *t = load_file("tech/sram_lstp.yaml");
    ck_assert_str_eq(t->name, "sram_lstp");
    ck_assert_int_eq(t->family, TECH_CMOS);
    /* The same binary cell and voltage laws as the high-performance table. */
    static const tech_param_id same[] = {TECH_P_node_nm,
                                         TECH_P_vdd_nom_v,
                                         TECH_P_vth_v,
                                         TECH_P_alpha,
                                         TECH_P_vdd_min_v,
                                         TECH_P_vdd_max_v,
                                         TECH_P_leak_eta,
                                         TECH_P_leak_n,
                                         TECH_P_cell_area_f2,
                                         TECH_P_energy_exponent_k,
                                         TECH_P_area_periph_factor};
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++)
        ck_assert_double_eq(tech_params_get(t, same[i])->value,
                            tech_params_get(hp, same[i])->value);
    /* CACTI 7 at 45 nm: LSTP/HP search 2.13/1.82 fJ per bit, leakage 0.09/418 nW per bit. */
    double e_ratio = 2.13 / 1.82, l_ratio = 0.09 / 418;
    static const tech_param_id energies[] = {TECH_P_e_ml_fj, TECH_P_e_sl_fj, TECH_P_e_read_fj,
                                             TECH_P_e_write_fj};
    for (size_t i = 0; i < sizeof energies / sizeof energies[0]; i++) {
        double r = tech_params_get(t, energies[i])->value / tech_params_get(hp, energies[i])->value;
        ck_assert_msg(fabs(r - e_ratio) < 2e-3, "%s ratio %g", tech_param_info_of(energies[i])->key,
                      r);
        ck_assert(strstr(tech_params_get(t, energies[i])->source, "2.13/1.82") != NULL);
    }
    ck_assert_double_eq_tol(t->p_leak_nw.value, 173 * l_ratio, 5e-4);
    ck_assert(strstr(t->p_leak_nw.source, "173 nW/bit x LSTP/HP 0.09/418") != NULL);
    ck_assert(strncmp(t->e_ml_fj.source, "[derived] ", 10) == 0);
    ck_assert(strncmp(t->e_sl_fj.source, "[derived] ", 10) == 0);
    ck_assert(strncmp(t->p_leak_nw.source, "[derived] ", 10) == 0);
    /* Slower devices: an estimate of twice the HP compare latency. */
    ck_assert_double_eq_tol(t->t_search_ns.value, 2 * hp->t_search_ns.value, 1e-12);
    ck_assert_double_eq_tol(t->t_write_ns.value, 2 * hp->t_write_ns.value, 1e-12);
    ck_assert(strncmp(t->t_search_ns.source, "[est] 2 x the HP compare latency", 32) == 0);
    tech_at_vdd a = at(t, 0.9), b = at(hp, 0.9);
    ck_assert(a.p_leak_nw < b.p_leak_nw / 100);
    ck_assert(a.e_ml_fj > b.e_ml_fj);
    for (int i = 0; i < TECH_N_PARAMS; i++)
        if (i != TECH_P_cell_area_um2 &&
            (tech_param_info_of((tech_param_id)i)->families & TECH_FOR_CMOS))
            assert_label(tech_params_get(t, (tech_param_id)i));
    tech_params_free(hp);
    tech_params_free(t);
}
END_TEST

/* Every shipped table: its family, a read energy, and endurance for NVM only. */
static const struct {
    const char *path;
    tech_family family;
} shipped[] = {{"tech/sram.yaml", TECH_CMOS},      {"tech/sram_tcam.yaml", TECH_CMOS},
               {"tech/sram_lstp.yaml", TECH_CMOS}, {"tech/sram_22nm_measured.yaml", TECH_CMOS},
               {"tech/reram.yaml", TECH_NVM},      {"tech/fefet.yaml", TECH_NVM}};

START_TEST(test_table_shipped_families)
{
    tech_params *t = load_file(shipped[_i].path);
    ck_assert_int_eq(t->family, shipped[_i].family);
    tech_at_vdd a = at(t, t->vdd_nom_v.value);
    ck_assert(t->e_read_fj.value > 0);
    ck_assert_double_eq_tol(a.e_read_fj, t->e_read_fj.value, 1e-12);
    assert_label(&t->e_read_fj);
    if (shipped[_i].family == TECH_CMOS) {
        ck_assert_ptr_null(t->endurance_writes.source); /* unlimited: the table must not give it */
        ck_assert_double_eq(a.endurance_writes, 0);
    } else {
        assert_label(&t->endurance_writes);
        ck_assert(t->endurance_writes.value >= 1e6);
        ck_assert_double_eq(a.endurance_writes, t->endurance_writes.value);
        /* The read is the compare energy per bit [est]. */
        ck_assert_double_eq_tol(t->e_read_fj.value, t->e_ml_fj.value + t->e_sl_fj.value, 1e-12);
    }
    tech_params_free(t);
}
END_TEST

/* ---- voltage scaling ------------------------------------------------------------------ */

static const double sweep_v[] = {0.5, 0.55, 0.6, 0.7, 0.8, 0.9, 1.0};

START_TEST(test_scale_sram_energy_goes_as_v2)
{
    tech_params *t = load_file("tech/sram.yaml");
    double v = sweep_v[_i], r = (v / 0.9) * (v / 0.9);
    tech_at_vdd a = at(t, v);
    ck_assert_double_eq_tol(a.e_ml_fj, 0.45 * r, 1e-12);
    ck_assert_double_eq_tol(a.e_sl_fj, 0.24 * r, 1e-12);
    ck_assert_double_eq_tol(a.e_write_fj, 0.69 * r, 1e-12);
    ck_assert_double_eq_tol(a.e_read_fj, 0.69 * r, 1e-12);
    ck_assert_double_eq_tol(a.energy_scale, r, 1e-12);
    tech_params_free(t);
}
END_TEST

START_TEST(test_scale_sram_half_volt_figures)
{
    tech_params *t = load_file("tech/sram.yaml");
    tech_at_vdd lo = at(t, 0.5), hi = at(t, 0.9);
    /* The laws of docs/TECH.md: at 0.5 V the defaults give delay x2.9, energy x0.31. */
    double energy = lo.e_ml_fj / hi.e_ml_fj, delay = lo.t_search_ns / hi.t_search_ns;
    ck_assert_double_eq_tol(energy, (0.5 / 0.9) * (0.5 / 0.9), 1e-12);
    ck_assert_double_eq_tol(energy, 0.31, 0.005);
    ck_assert_double_eq_tol(delay, (0.5 / pow(0.2, 1.5)) / (0.9 / pow(0.6, 1.5)), 1e-12);
    ck_assert_double_eq_tol(delay, 2.9, 0.05);
    ck_assert_double_eq_tol(lo.t_write_ns / hi.t_write_ns, delay, 1e-12);
    tech_params_free(t);
}
END_TEST

START_TEST(test_scale_delay_rises_toward_vth)
{
    tech_params *t = load_file("tech/sram.yaml");
    double prev = 0;
    for (int mv = 1000; mv >= 500; mv -= 5) {
        tech_at_vdd a = at(t, mv / 1000.0);
        ck_assert_msg(a.t_search_ns > prev, "delay not rising at %d mV", mv);
        prev = a.t_search_ns;
    }
    /* The rise steepens toward Vth: the last 0.1 V costs more than the first. */
    double d_top = at(t, 0.9).t_search_ns - at(t, 1.0).t_search_ns;
    double d_bottom = at(t, 0.5).t_search_ns - at(t, 0.6).t_search_ns;
    ck_assert(d_bottom > 3 * d_top);
    tech_params_free(t);
}
END_TEST

START_TEST(test_scale_leakage_law)
{
    tech_params *t = load_file("tech/sram.yaml");
    tech_at_vdd a = at(t, 0.6);
    double want = 10 * (0.6 / 0.9) * exp(0.1 * (0.6 - 0.9) / (1.5 * 0.0259));
    ck_assert_double_eq_tol(a.p_leak_nw, want, 1e-9);
    ck_assert_double_eq_tol(a.leak_scale, want / 10, 1e-12);
    ck_assert(at(t, 0.5).p_leak_nw < at(t, 0.7).p_leak_nw);
    ck_assert(at(t, 1.0).p_leak_nw > 10);
    tech_params_free(t);
}
END_TEST

START_TEST(test_scale_nvm_write_fixed_by_device)
{
    tech_params *t = load_file("tech/reram.yaml");
    for (int mv = 600; mv <= 1000; mv += 50) {
        double v = mv / 1000.0;
        tech_at_vdd a = at(t, v);
        ck_assert_double_eq_tol(a.e_write_fj, 2000, 1e-9);
        ck_assert_double_eq_tol(a.t_write_ns, 20, 1e-12);
        double f = 0.7, s = f * (v / 0.9) * (v / 0.9) + (1 - f);
        ck_assert_double_eq_tol(a.e_ml_fj, 0.26 * s, 1e-12);
        ck_assert_double_eq_tol(a.e_sl_fj, 0.14 * s, 1e-12);
    }
    /* The NVM compare gains less from scaling than SRAM: 0.7 x 0.44 + 0.3 at 0.6 V. */
    ck_assert(at(t, 0.6).e_ml_fj / at(t, 0.9).e_ml_fj > (0.6 / 0.9) * (0.6 / 0.9));
    tech_params_free(t);
}
END_TEST

START_TEST(test_scale_nvm_periphery_share_scales)
{
    tech_params *t = load_text(NVM_TEXT);
    double v = 0.6, r = (v / 0.9) * (v / 0.9);
    double d = (0.6 / pow(0.3, 1.5)) / (0.9 / pow(0.6, 1.5));
    tech_at_vdd a = at(t, v);
    ck_assert_double_eq_tol(a.e_write_device_fj, 2 * 1000 / 0.5, 1e-9);
    ck_assert_double_eq_tol(a.e_write_periph_fj, 100 * r, 1e-9);
    ck_assert_double_eq_tol(a.e_write_fj, 4000 + 100 * r, 1e-9);
    ck_assert_double_eq_tol(a.t_write_device_ns, 20, 1e-12);
    ck_assert_double_eq_tol(a.t_write_periph_ns, 1.5 * d, 1e-12);
    ck_assert_double_eq_tol(a.t_write_ns, 20 + 1.5 * d, 1e-12);
    ck_assert_double_eq_tol(a.t_search_ns, 0.5 * d, 1e-12);
    tech_params_free(t);
}
END_TEST

/* The read energy at 0.7 V is (0.7/0.9)^k of nominal in both families: an NVM word read is
 * CMOS periphery at the logic supply, with no device part (unlike the NVM compare). */
START_TEST(test_scale_read_energy_both_families)
{
    static const char *const files[] = {"tech/sram.yaml", "tech/sram_lstp.yaml",
                                        "tech/sram_tcam.yaml", "tech/reram.yaml",
                                        "tech/fefet.yaml"};
    tech_params *t = _i < 5 ? load_file(files[_i]) : load_text(_i == 5 ? CMOS_TEXT : NVM_TEXT);
    double k = t->energy_exponent_k.value, e0 = t->e_read_fj.value;
    ck_assert_double_eq_tol(t->vdd_nom_v.value, 0.9, 1e-12);
    tech_at_vdd a = at(t, 0.7), nom = at(t, 0.9), hi = at(t, 1.0);
    double want = pow(0.7 / 0.9, k) * e0;
    ck_assert_msg(fabs(a.e_read_fj - want) <= 1e-9 * want, "%s: %g, want %g", t->name, a.e_read_fj,
                  want);
    ck_assert_double_eq_tol(nom.e_read_fj, e0, 1e-12);
    ck_assert_double_eq_tol(a.e_read_fj / nom.e_read_fj, a.energy_scale, 1e-12);
    if (t->family == TECH_NVM) /* the compare keeps its device share, the read does not */
        ck_assert(a.e_ml_fj / nom.e_ml_fj > a.e_read_fj / nom.e_read_fj);
    /* Endurance is the device's, whatever the logic supply. */
    ck_assert_double_eq(a.endurance_writes, hi.endurance_writes);
    ck_assert_double_eq(a.endurance_writes,
                        t->family == TECH_NVM ? t->endurance_writes.value : 0.0);
    tech_params_free(t);
}
END_TEST

START_TEST(test_scale_read_energy_22nm_k)
{
    tech_params *t = load_file("tech/sram_22nm_measured.yaml");
    double want = pow(0.75 / 0.8, 1.9) * 0.516;
    tech_at_vdd a = at(t, 0.75);
    ck_assert_msg(fabs(a.e_read_fj - want) <= 1e-9 * want, "%g, want %g", a.e_read_fj, want);
    tech_params_free(t);
}
END_TEST

/* ---- measured points (GSL) ------------------------------------------------------------ */

static const double wang_v[] = {0.7, 0.8, 0.9, 1.0, 1.1};
static const double wang_d[] = {1.513, 1.258, 1.124, 1.0, 0.912};

START_TEST(test_interp_reproduces_measured_points)
{
    tech_params *t = load_file("tech/sram_22nm_measured.yaml");
    ck_assert_uint_eq(t->points.n_points, 5);
    ck_assert_ptr_null(t->points.energy_scale);
    for (size_t i = 0; i < 5; i++) {
        tech_at_vdd a = at(t, wang_v[i]);
        ck_assert_double_eq_tol(a.t_search_ns, 0.34 * wang_d[i] / 1.258, 1e-12);
        ck_assert_double_eq_tol(a.delay_scale, wang_d[i] / 1.258, 1e-12);
        ck_assert_double_eq_tol(a.t_write_ns, 0.34 * wang_d[i] / 1.258, 1e-12);
        /* Energy has no points in this table: the law with k = 1.9. */
        ck_assert_double_eq_tol(a.energy_scale, pow(wang_v[i] / 0.8, 1.9), 1e-12);
        ck_assert_str_eq(a.delay_law, "measured delay points, GSL steffen interpolation");
        ck_assert_str_eq(a.energy_law, "CV^2: E0*(V/V0)^k");
    }
    tech_params_free(t);
}
END_TEST

START_TEST(test_interp_monotone_between_points)
{
    tech_params *t = load_file("tech/sram_22nm_measured.yaml");
    double prev = INFINITY;
    for (int mv = 700; mv <= 1100; mv += 2) {
        double d = at(t, mv / 1000.0).delay_scale;
        ck_assert_msg(d < prev, "delay not falling at %d mV", mv);
        prev = d;
        size_t k = (size_t)((mv - 700) / 100); /* the interval containing mv */
        if (k < 4) {
            ck_assert(d <= wang_d[k] / 1.258 + 1e-12);
            ck_assert(d >= wang_d[k + 1] / 1.258 - 1e-12);
        }
    }
    tech_params_free(t);
}
END_TEST

static const char ENERGY_POINTS[] = "points:\n"
                                    "  energy_source: \"[pub] m\"\n"
                                    "  rows:\n"
                                    "    - {vdd_v: 0.5, energy_scale: 0.30}\n"
                                    "    - {vdd_v: 0.7, energy_scale: 0.62}\n"
                                    "    - {vdd_v: 0.9, energy_scale: 1.0}\n"
                                    "    - {vdd_v: 1.0, energy_scale: 1.25}\n";

START_TEST(test_interp_energy_points_cmos_and_nvm)
{
    char text[4096];
    snprintf(text, sizeof text, "%s%s", CMOS_TEXT, ENERGY_POINTS);
    tech_params *t = load_text(text);
    tech_at_vdd a = at(t, 0.7);
    ck_assert_double_eq_tol(a.e_ml_fj, 0.55 * 0.62, 1e-12);
    ck_assert_double_eq_tol(a.e_write_fj, 0.8 * 0.62, 1e-12);
    ck_assert_double_eq_tol(a.e_read_fj, 0.84 * 0.62, 1e-12);
    ck_assert_str_eq(a.energy_law, "measured energy points, GSL steffen interpolation");
    ck_assert(strncmp(a.delay_law, "alpha-power", 11) == 0);
    double e6 = at(t, 0.6).energy_scale;
    ck_assert(e6 > 0.30 && e6 < 0.62);
    tech_params_free(t);

    snprintf(text, sizeof text, "%s%s", NVM_TEXT,
             edit(ENERGY_POINTS, "0.5, energy", "0.6, energy"));
    t = load_text(text);
    a = at(t, 0.7);
    ck_assert_double_eq_tol(a.e_ml_fj, 0.26 * (0.7 * 0.62 + 0.3), 1e-12);
    ck_assert_double_eq_tol(a.e_write_periph_fj, 100 * 0.62, 1e-9);
    ck_assert_double_eq_tol(a.e_read_fj, 0.4 * 0.62, 1e-12); /* all of it scales */
    ck_assert(strncmp(a.energy_law, "NVM search: E0*(f*s(V) + 1-f)", 29) == 0);
    ck_assert_str_eq(a.periph_law, "measured energy points, GSL steffen interpolation");
    tech_params_free(t);
}
END_TEST

START_TEST(test_interp_two_points_linear)
{
    char text[4096];
    snprintf(text, sizeof text, "%s%s", NVM_TEXT,
             "points:\n  delay_source: \"[pub] m\"\n  energy_source: \"[pub] m\"\n  rows:\n"
             "    - {vdd_v: 0.6, delay_scale: 3.0, energy_scale: 0.5}\n"
             "    - {vdd_v: 1.0, delay_scale: 1.0, energy_scale: 1.5}\n");
    tech_params *t = load_text(text);
    /* Linear through (0.6, 3) and (1.0, 1): 1.5 at 0.9 V, so scale(0.8) = 2 / 1.5. */
    tech_at_vdd a = at(t, 0.8);
    ck_assert_double_eq_tol(a.delay_scale, 2.0 / 1.5, 1e-12);
    ck_assert_double_eq_tol(a.energy_scale, 1.0 / 1.25, 1e-12);
    ck_assert_str_eq(a.delay_law, "measured delay points, GSL linear interpolation");
    ck_assert(strstr(a.energy_law, "GSL linear") != NULL);
    ck_assert_double_eq_tol(a.t_write_device_ns, 20, 1e-12);
    tech_params_free(t);
}
END_TEST

/* ---- tech_scale errors ---------------------------------------------------------------- */

START_TEST(test_scale_rejects_bad_vdd)
{
    tech_params *t = load_file("tech/sram.yaml");
    tech_at_vdd a;
    ck_assert_int_eq(tech_scale(t, 0.25, &a), BASE_ERANGE);
    ck_assert_str_eq(base_last_error(),
                     "error: technology 'sram': Vdd 0.25 V is at or below Vth 0.3 V (valid "
                     "range 0.5..1 V)");
    ck_assert_int_eq(tech_scale(t, 0.3, &a), BASE_ERANGE);
    ck_assert_int_eq(tech_scale(t, 0.45, &a), BASE_ERANGE);
    ck_assert_str_eq(base_last_error(),
                     "error: technology 'sram': Vdd 0.45 V is outside the valid range 0.5..1 V");
    ck_assert_int_eq(tech_scale(t, 1.2, &a), BASE_ERANGE);
    ck_assert_str_eq(base_last_error(),
                     "error: technology 'sram': Vdd 1.2 V is outside the valid range 0.5..1 V");
    ck_assert_int_eq(tech_scale(t, NAN, &a), BASE_ERANGE);
    ck_assert_str_eq(base_last_error(), "error: technology 'sram': Vdd is not a finite number");
    tech_params_free(t);

    t = load_file("tech/reram.yaml");
    ck_assert_int_eq(tech_scale(t, 0.55, &a), BASE_ERANGE);
    ck_assert_str_eq(base_last_error(),
                     "error: technology 'reram': Vdd 0.55 V is outside the valid range 0.6..1 V");
    tech_params_free(t);
}
END_TEST

START_TEST(test_scale_requires_validation)
{
    tech_params *t = NULL;
    ck_assert_int_eq(tech_params_new("raw", &t), BASE_OK);
    tech_at_vdd a;
    ck_assert_int_eq(tech_scale(t, 0.9, &a), BASE_EINVAL);
    ck_assert_str_eq(base_last_error(), "error: technology 'raw' has not been validated");
    ck_assert_int_eq(tech_params_validate(t, NULL), BASE_EKEY);
    ck_assert_str_eq(base_last_error(), "error: technology 'raw': missing required value node_nm "
                                        "(technology node)");
    tech_params_free(t);
    tech_params_free(NULL);
}
END_TEST

/* ---- C API ---------------------------------------------------------------------------- */

START_TEST(test_api_set_checks_range_and_source)
{
    tech_params *t = NULL;
    ck_assert_int_eq(tech_params_new("", &t), BASE_EINVAL);
    ck_assert_ptr_null(t);
    ck_assert_int_eq(tech_params_new("api", &t), BASE_OK);
    ck_assert_int_eq(tech_params_set(t, TECH_P_e_ml_fj, -0.5, "[pub] x"), BASE_ERANGE);
    ck_assert_str_eq(base_last_error(), "error: technology 'api': e_ml_fj = -0.5 fJ is outside "
                                        "0..1e+06");
    ck_assert_int_eq(tech_params_set(t, TECH_P_alpha, 2.5, "[pub] x"), BASE_ERANGE);
    ck_assert_str_eq(base_last_error(), "error: technology 'api': alpha = 2.5 is outside 1..2");
    ck_assert_int_eq(tech_params_set(t, TECH_P_e_ml_fj, 0.5, "CACTI"), BASE_EINVAL);
    ck_assert_int_eq(tech_params_set(t, TECH_P_e_ml_fj, 0.5, "[pub]  "), BASE_EINVAL);
    ck_assert_int_eq(tech_params_set(t, TECH_P_e_ml_fj, 0.5, NULL), BASE_EINVAL);
    ck_assert_int_eq(tech_params_set(t, TECH_N_PARAMS, 0.5, "[pub] x"), BASE_EINVAL);
    ck_assert_int_eq(tech_params_set(t, TECH_P_e_ml_fj, 0.5, "[model] CACTI"), BASE_OK);
    ck_assert_int_eq(tech_params_set(t, TECH_P_e_ml_fj, 0.6, "[derived] CACTI x 1.2"), BASE_OK);
    ck_assert_double_eq_tol(tech_params_get(t, TECH_P_e_ml_fj)->value, 0.6, 1e-12);
    ck_assert_str_eq(tech_params_get(t, TECH_P_e_ml_fj)->source, "[derived] CACTI x 1.2");
    ck_assert_ptr_null(tech_params_get(t, TECH_N_PARAMS));
    ck_assert_int_eq(tech_params_set_description(t, "d"), BASE_OK);
    ck_assert_int_eq(tech_params_set_origin(t, NULL), BASE_OK);
    ck_assert_str_eq(t->description, "d");
    double v[] = {0.5, 1.0}, s[] = {0.5, 1.0};
    ck_assert_int_eq(tech_params_set_points(t, 1, v, s, "[pub] m", NULL, NULL), BASE_EINVAL);
    ck_assert_int_eq(tech_params_set_points(t, 2, v, NULL, NULL, NULL, NULL), BASE_EINVAL);
    ck_assert_int_eq(tech_params_set_points(t, 2, v, s, "m", NULL, NULL), BASE_EINVAL);
    ck_assert_int_eq(tech_params_set_points(t, 2, v, NULL, NULL, s, ""), BASE_EINVAL);
    ck_assert_int_eq(tech_params_set_points(t, 2, v, s, "[pub] m", s, "[pub] m"), BASE_OK);
    ck_assert_int_eq(tech_params_set_points(t, 2, v, NULL, NULL, s, "[pub] m"), BASE_OK);
    ck_assert_ptr_null(t->points.energy_scale);
    tech_params_free(t);
}
END_TEST

START_TEST(test_api_lookup_and_names)
{
    ck_assert_int_eq(tech_param_lookup("e_sl_fj"), TECH_P_e_sl_fj);
    ck_assert_int_eq(tech_param_lookup("e_sl"), TECH_N_PARAMS);
    ck_assert_int_eq(tech_param_lookup("e_read_fj"), TECH_P_e_read_fj);
    ck_assert_str_eq(tech_param_info_of(TECH_P_e_read_fj)->unit, "fJ");
    ck_assert_int_eq(tech_param_info_of(TECH_P_e_read_fj)->families, TECH_FOR_ALL);
    ck_assert_int_eq(tech_param_lookup("endurance_writes"), TECH_P_endurance_writes);
    ck_assert_str_eq(tech_param_info_of(TECH_P_endurance_writes)->unit, "");
    ck_assert_int_eq(tech_param_info_of(TECH_P_endurance_writes)->families, TECH_FOR_NVM);
    ck_assert_int_eq(tech_param_info_of(TECH_P_endurance_writes)->presence, TECH_REQUIRED);
    ck_assert_str_eq(tech_param_info_of(TECH_P_t_pulse_ns)->unit, "ns");
    ck_assert_ptr_null(tech_param_info_of(TECH_N_PARAMS));
    ck_assert_str_eq(tech_family_name(TECH_NVM), "nvm");
    ck_assert_ptr_null(tech_family_name((tech_family)7));
    tech_family f = TECH_CMOS;
    ck_assert_int_eq(tech_family_parse("nvm", &f), BASE_OK);
    ck_assert_int_eq(f, TECH_NVM);
    ck_assert_int_eq(tech_family_parse("NVM", &f), BASE_EINVAL);
    tech_params *t = load_text(CMOS_TEXT);
    ck_assert_double_eq_tol(tech_vdd_floor_v(t), 0.45, 1e-12);
    t->family = (tech_family)7;
    tech_param_id bad = TECH_P_alpha;
    ck_assert_int_eq(tech_params_validate(t, &bad), BASE_EINVAL);
    ck_assert_int_eq(bad, TECH_N_PARAMS);
    tech_params_free(t);
}
END_TEST

START_TEST(test_api_out_of_memory)
{
    for (long n = 1; n < 400; n++) {
        tech_params *t = NULL;
        base_alloc_fail_after(n);
        base_status st = tech_open("sram_22nm_measured", &t);
        base_alloc_fail_reset();
        if (st == BASE_OK) {
            ck_assert_int_eq(at(t, 0.75).delay_law != NULL, 1);
            tech_params_free(t);
            return;
        }
        ck_assert_msg(st == BASE_ENOMEM, "n=%ld: %s", n, base_last_error());
        ck_assert_ptr_null(t);
    }
    ck_abort_msg("loading never succeeded");
}
END_TEST

/* ---- YAML errors ---------------------------------------------------------------------- */

START_TEST(test_load_missing_required_key)
{
    load_fails(edit(CMOS_TEXT, "vth_v: {value: 0.3, source: \"[est] v\"}\n", ""), BASE_EKEY,
               "t.yaml:1:1: error: technology 't': missing required value vth_v (threshold "
               "voltage of the alpha-power delay law)");
    load_fails(edit(CMOS_TEXT, "name: t\n", ""), BASE_EKEY,
               "t.yaml:1:1: error: missing key 'name' in 'technology'");
    load_fails(edit(CMOS_TEXT, "{value: 0.3, source: \"[est] v\"}", "{value: 0.3}"), BASE_EKEY,
               "t.yaml:5:8: error: missing key 'source' in 'vth_v'");
    load_fails(edit(NVM_TEXT, "t_pulse_ns: {value: 10, source: \"[pub] p\"}\n", ""), BASE_EKEY,
               "t.yaml:1:1: error: technology 'n': missing required value t_pulse_ns (NVM "
               "write pulse per phase (fixed by the device))");
}
END_TEST

START_TEST(test_load_unknown_and_duplicate_key)
{
    char text[4096];
    snprintf(text, sizeof text, "%s%s", CMOS_TEXT, "e_ml_jf: {value: 1, source: \"[est] x\"}\n");
    load_fails(text, BASE_EKEY, "t.yaml:19:1: error: unknown key 'e_ml_jf' in 'technology'");
    snprintf(text, sizeof text, "%s%s", CMOS_TEXT, "e_sl_fj: {value: 1, source: \"[est] x\"}\n");
    load_fails(text, BASE_EKEY, "t.yaml:19:1: error: duplicate key 'e_sl_fj' (first at line 11)");
    load_fails(edit(CMOS_TEXT, "{value: 0.3, source", "{value: 0.3, sorce"), BASE_EKEY,
               "t.yaml:5:21: error: unknown key 'sorce' in 'vth_v'");
}
END_TEST

START_TEST(test_load_wrong_type)
{
    load_fails(edit(CMOS_TEXT, "{value: 0.55,", "{value: 0.55x,"), BASE_ETYPE,
               "t.yaml:10:18: error: expected a number, found '0.55x'");
    load_fails(edit(CMOS_TEXT, "e_ml_fj: {value: 0.55, source: \"[est] e\"}", "e_ml_fj: 0.55"),
               BASE_ETYPE, "t.yaml:10:10: error: expected a mapping for 'e_ml_fj', found a scalar");
    load_fails(edit(CMOS_TEXT, "source: \"[est] t\"}", "source: [a]}"), BASE_ETYPE,
               "t.yaml:13:35: error: expected a scalar, found a sequence");
    load_fails(edit(CMOS_TEXT, "name: t", "name: [t]"), BASE_ETYPE,
               "t.yaml:1:7: error: expected a scalar, found a sequence");
    load_fails(edit(CMOS_TEXT, "name: t", "- t"), BASE_EPARSE,
               "t.yaml:2:1: error: did not find expected '-' indicator while parsing a block "
               "collection");
}
END_TEST

START_TEST(test_load_non_physical_values)
{
    load_fails(edit(CMOS_TEXT, "{value: 0.55,", "{value: -0.55,"), BASE_ERANGE,
               "t.yaml:10:18: error: technology 't': e_ml_fj = -0.55 fJ is outside 0..1e+06");
    load_fails(edit(CMOS_TEXT, "{value: 10,", "{value: -1,"), BASE_ERANGE,
               "t.yaml:15:20: error: technology 't': p_leak_nw = -1 nW is outside 0..1e+06");
    load_fails(
        edit(CMOS_TEXT, "{value: 0.5, source: \"[est] t\"}", "{value: 0, source: \"[est] t\"}"),
        BASE_ERANGE,
        "t.yaml:13:22: error: technology 't': t_search_ns = 0 ns is outside "
        "1e-06..1e+06");
    load_fails(edit(edit(CMOS_TEXT, "{value: 0.55,", "{value: 0,"), "{value: 0.29,", "{value: 0,"),
               BASE_ERANGE,
               "t.yaml:10:10: error: technology 't': compare energy e_ml_fj + "
               "e_sl_fj is zero");
    load_fails(edit(CMOS_TEXT, "{value: 0.8,", "{value: 0,"), BASE_ERANGE,
               "t.yaml:12:13: error: technology 't': e_write_fj must be positive");
    load_fails(edit(edit(NVM_TEXT, "{value: 1000,", "{value: 0,"), "{value: 100,", "{value: 0,"),
               BASE_ERANGE,
               "t.yaml:12:14: error: technology 'n': NVM write energy e_switch_fj x "
               "n_switch_per_bit + e_write_periph_fj is zero");
    load_fails(edit(NVM_TEXT, "n_write_phases: {value: 2,", "n_write_phases: {value: 2.5,"),
               BASE_ERANGE,
               "t.yaml:15:17: error: technology 'n': n_write_phases 2.5 must be a "
               "whole number");
    load_fails(edit(CMOS_TEXT, "source: \"[est] e\"}\ne_sl", "source: \"CACTI\"}\ne_sl"),
               BASE_EINVAL,
               "t.yaml:10:32: error: technology 't': source of e_ml_fj must start with [pub], "
               "[model], [derived] or [est] followed by a citation, found 'CACTI'");
    load_fails(edit(CMOS_TEXT, "family: cmos", "family: sram"), BASE_EINVAL,
               "t.yaml:2:9: error: unknown technology family 'sram' (expected cmos or nvm)");
    load_fails(edit(CMOS_TEXT, "name: t", "name: ''"), BASE_EINVAL,
               "t.yaml:1:7: error: a technology needs a non-empty name");
}
END_TEST

START_TEST(test_load_voltage_order)
{
    load_fails(edit(CMOS_TEXT, "vdd_min_v: {value: 0.5,", "vdd_min_v: {value: 0.4,"), BASE_ERANGE,
               "t.yaml:7:12: error: technology 't': vdd_min_v 0.4 V is below the hard floor "
               "0.45 V = max(vth_v + 0.15 V, 0.45 V) with vth_v 0.3 V");
    load_fails(edit(CMOS_TEXT, "vth_v: {value: 0.3,", "vth_v: {value: 0.4,"), BASE_ERANGE,
               "t.yaml:7:12: error: technology 't': vdd_min_v 0.5 V is below the hard floor "
               "0.55 V = max(vth_v + 0.15 V, 0.45 V) with vth_v 0.4 V");
    load_fails(edit(CMOS_TEXT, "vdd_nom_v: {value: 0.9,", "vdd_nom_v: {value: 1.1,"), BASE_ERANGE,
               "t.yaml:4:12: error: technology 't': vdd_nom_v 1.1 V lies outside "
               "vdd_min_v..vdd_max_v 0.5..1 V");
}
END_TEST

START_TEST(test_load_family_and_area_keys)
{
    char text[4096];
    snprintf(text, sizeof text, "%s%s", NVM_TEXT, "e_write_fj: {value: 1, source: \"[est] x\"}\n");
    load_fails(text, BASE_EKEY,
               "t.yaml:25:13: error: technology 'n': e_write_fj applies only to family cmos, "
               "not nvm");
    snprintf(text, sizeof text, "%s%s", CMOS_TEXT, "t_pulse_ns: {value: 1, source: \"[est] x\"}\n");
    load_fails(text, BASE_EKEY,
               "t.yaml:19:13: error: technology 't': t_pulse_ns applies only to family nvm, "
               "not cmos");
    snprintf(text, sizeof text, "%s%s", CMOS_TEXT,
             "cell_area_f2: {value: 300, source: \"[est] x\"}\n");
    load_fails(text, BASE_EKEY,
               "t.yaml:19:15: error: technology 't': give exactly one of cell_area_um2 and "
               "cell_area_f2 (both given)");
    load_fails(edit(CMOS_TEXT, "cell_area_um2: {value: 0.37, source: \"[est] a\"}\n", ""),
               BASE_EKEY,
               "t.yaml:1:1: error: technology 't': give exactly one of cell_area_um2 and "
               "cell_area_f2 (neither given)");
}
END_TEST

START_TEST(test_load_read_energy_errors)
{
    const char *line = "e_read_fj: {value: 0.84, source: \"[est] r\"}\n";
    load_fails(edit(CMOS_TEXT, line, ""), BASE_EKEY,
               "t.yaml:1:1: error: technology 't': missing required value e_read_fj (energy per "
               "bit read by a word access (1D/memory use of the array))");
    load_fails(edit(NVM_TEXT, "e_read_fj: {value: 0.4, source: \"[est] r\"}\n", ""), BASE_EKEY,
               "t.yaml:1:1: error: technology 'n': missing required value e_read_fj (energy per "
               "bit read by a word access (1D/memory use of the array))");
    load_fails(edit(CMOS_TEXT, "{value: 0.84,", "{value: -1,"), BASE_ERANGE,
               "t.yaml:18:20: error: technology 't': e_read_fj = -1 fJ is outside 0..1e+06");
    load_fails(edit(CMOS_TEXT, "{value: 0.84,", "{value: 2e6,"), BASE_ERANGE,
               "t.yaml:18:20: error: technology 't': e_read_fj = 2e+06 fJ is outside 0..1e+06");
    load_fails(edit(CMOS_TEXT, "{value: 0.84,", "{value: 0,"), BASE_ERANGE,
               "t.yaml:18:12: error: technology 't': e_read_fj must be positive");
    load_fails(edit(NVM_TEXT, "e_read_fj: {value: 0.4,", "e_read_fj: {value: 0,"), BASE_ERANGE,
               "t.yaml:23:12: error: technology 'n': e_read_fj must be positive");
    load_fails(edit(CMOS_TEXT, "{value: 0.84,", "{value: much,"), BASE_ETYPE,
               "t.yaml:18:20: error: expected a number, found 'much'");
    load_fails(edit(CMOS_TEXT, "\"[est] r\"", "\"CACTI\""), BASE_EINVAL,
               "t.yaml:18:34: error: technology 't': source of e_read_fj must start with [pub], "
               "[model], [derived] or [est] followed by a citation, found 'CACTI'");
    /* Zero read energy through the C API names the row at fault. */
    tech_params *t = load_text(CMOS_TEXT);
    ck_assert_int_eq(tech_params_set(t, TECH_P_e_read_fj, 0, "[est] zero"), BASE_OK);
    tech_param_id bad = TECH_N_PARAMS;
    ck_assert_int_eq(tech_params_validate(t, &bad), BASE_ERANGE);
    ck_assert_int_eq(bad, TECH_P_e_read_fj);
    ck_assert_str_eq(base_last_error(), "error: technology 't': e_read_fj must be positive");
    tech_params_free(t);
}
END_TEST

START_TEST(test_load_endurance_errors)
{
    char text[4096];
    snprintf(text, sizeof text, "%s%s", CMOS_TEXT,
             "endurance_writes: {value: 1e6, source: \"[est] x\"}\n");
    load_fails(text, BASE_EKEY,
               "t.yaml:19:19: error: technology 't': endurance_writes applies only to family "
               "nvm, not cmos");
    load_fails(edit(NVM_TEXT, "endurance_writes: {value: 1e6, source: \"[est] w\"}\n", ""),
               BASE_EKEY,
               "t.yaml:1:1: error: technology 'n': missing required value endurance_writes "
               "(device write endurance, write cycles per cell before wear-out)");
    load_fails(edit(NVM_TEXT, "{value: 1e6,", "{value: 0.5,"), BASE_ERANGE,
               "t.yaml:24:27: error: technology 'n': endurance_writes = 0.5 is outside 1..1e+20");
    load_fails(edit(NVM_TEXT, "{value: 1e6,", "{value: 1e21,"), BASE_ERANGE,
               "t.yaml:24:27: error: technology 'n': endurance_writes = 1e+21 is outside "
               "1..1e+20");
    load_fails(edit(NVM_TEXT, "{value: 1e6,", "{value: many,"), BASE_ETYPE,
               "t.yaml:24:27: error: expected a number, found 'many'");
    load_fails(edit(NVM_TEXT, "\"[est] w\"", "\"[est]\""), BASE_EINVAL,
               "t.yaml:24:40: error: technology 'n': source of endurance_writes must start with "
               "[pub], [model], [derived] or [est] followed by a citation, found '[est]'");
    /* The C API: a CMOS table given an endurance is refused at validation, naming the row. */
    tech_params *t = load_text(CMOS_TEXT);
    ck_assert_int_eq(tech_params_set(t, TECH_P_endurance_writes, 1e9, "[est] x"), BASE_OK);
    tech_param_id bad = TECH_N_PARAMS;
    ck_assert_int_eq(tech_params_validate(t, &bad), BASE_EKEY);
    ck_assert_int_eq(bad, TECH_P_endurance_writes);
    tech_params_free(t);
}
END_TEST

/* Appends a points block (rows given) that declares a delay column to CMOS_TEXT. */
static const char *with_points(const char *block)
{
    static char text[4096];
    snprintf(text, sizeof text, "%spoints:\n%s", CMOS_TEXT, block);
    return text;
}

START_TEST(test_load_points_errors)
{
    const char *src = "  delay_source: \"[pub] m\"\n  rows:\n";
    char b[1024];
    snprintf(b, sizeof b, "%s%s", src,
             "    - {vdd_v: 0.5, delay_scale: 3}\n    - {vdd_v: 0.9, delay_scale: 1}\n"
             "    - {vdd_v: 0.8, delay_scale: 1.2}\n");
    load_fails(with_points(b), BASE_ERANGE,
               "t.yaml:20:3: error: technology 't': measured points must have strictly "
               "increasing vdd_v (point 3: 0.8 V)");
    snprintf(b, sizeof b, "%s%s", src,
             "    - {vdd_v: 0.5, delay_scale: 3}\n    - {vdd_v: 0.95, delay_scale: 1}\n");
    load_fails(with_points(b), BASE_ERANGE,
               "t.yaml:20:3: error: technology 't': measured points span 0.5..0.95 V but must "
               "cover the valid range 0.5..1 V");
    snprintf(b, sizeof b, "%s%s", src,
             "    - {vdd_v: 0.5, delay_scale: 3}\n    - {vdd_v: 1.0, delay_scale: -1}\n");
    load_fails(with_points(b), BASE_ERANGE,
               "t.yaml:20:3: error: technology 't': measured point 2 has delay_scale -1; scales "
               "must be positive");
    snprintf(b, sizeof b, "%s%s", src,
             "    - {vdd_v: 0.5, delay_scale: 3}\n    - {vdd_v: 1.0, energy_scale: 1}\n");
    load_fails(with_points(b), BASE_EKEY,
               "t.yaml:23:34: error: energy_scale in points rows needs points.energy_source");
    snprintf(b, sizeof b, "%s%s", src, "    - {vdd_v: 0.5, delay_scale: 3}\n    - {vdd_v: 1.0}\n");
    load_fails(with_points(b), BASE_EKEY,
               "t.yaml:23:7: error: missing key 'delay_scale' in "
               "'points row'");
    snprintf(b, sizeof b, "%s%s", src, "    - {vdd_v: 0.5, delay_scale: 3}\n");
    load_fails(with_points(b), BASE_ERANGE,
               "t.yaml:22:5: error: points.rows has 1 rows; give "
               "2..1000");
    load_fails(with_points("  rows: []\n"), BASE_EKEY,
               "t.yaml:20:3: error: points need energy_source or delay_source");
    load_fails(with_points("  delay_source: \"[pub] m\"\n  rows: 3\n"), BASE_ETYPE,
               "t.yaml:21:9: error: expected a sequence for 'points.rows', found a scalar");
    snprintf(b, sizeof b, "%s%s", src,
             "    - {vdd_v: 0.5, delay_scale: 3}\n    - {vdd_v: 1.0, delay_scal: 1}\n");
    load_fails(with_points(b), BASE_EKEY,
               "t.yaml:23:20: error: unknown key 'delay_scal' in "
               "'points row'");
    snprintf(b, sizeof b, "%s%s", "  delay_source: \"m\"\n  rows:\n",
             "    - {vdd_v: 0.5, delay_scale: 3}\n    - {vdd_v: 1.0, delay_scale: 1}\n");
    load_fails(with_points(b), BASE_EINVAL,
               "t.yaml:20:3: error: technology 't': source of points delay_scale must start "
               "with [pub], [model], [derived] or [est] followed by a citation, found 'm'");
    snprintf(b, sizeof b, "%s%s", src,
             "    - {vdd_v: 0.5, delay_scale: 3}\n    - {vdd_v: x, delay_scale: 1}\n");
    load_fails(with_points(b), BASE_ETYPE, "t.yaml:23:15: error: expected a number, found 'x'");
}
END_TEST

/* ---- finding tables ------------------------------------------------------------------- */

START_TEST(test_find_by_name_and_path)
{
    char *p = NULL;
    ck_assert_int_eq(tech_find("fefet", &p), BASE_OK);
    ck_assert_str_eq(p, "tech/fefet.yaml");
    base_free(p);
    ck_assert_int_eq(tech_find("tech/reram.yaml", &p), BASE_OK);
    ck_assert_str_eq(p, "tech/reram.yaml");
    base_free(p);
    ck_assert_int_eq(tech_find("nowhere/x.yaml", &p), BASE_ENOTFOUND);
    ck_assert_ptr_null(p);
    ck_assert_str_eq(base_last_error(),
                     "error: technology file 'nowhere/x.yaml' not found or not readable");
    ck_assert_int_eq(tech_find("bad name", &p), BASE_EINVAL);
    ck_assert_int_eq(tech_find("", &p), BASE_EINVAL);
    ck_assert_str_eq(base_last_error(), "error: invalid technology name '' (use letters, digits, "
                                        "'.', '_' and '-', or a path to a .yaml file)");
    ck_assert_int_eq(tech_find("tech", &p), BASE_ENOTFOUND); /* ./tech is a directory */
    ck_assert_int_eq(tech_find("tech/", &p), BASE_ENOTFOUND);
    ck_assert_int_eq(tech_find("Makefile", &p), BASE_OK); /* an existing file is a path */
    ck_assert_str_eq(p, "Makefile");
    base_free(p);
    char longname[600];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    ck_assert_int_eq(tech_find(longname, &p), BASE_ERANGE);
    ck_assert_ptr_null(p);
    ck_assert(strncmp(base_last_error(), "error: technology name 'aaa", 27) == 0);
    tech_params *t = NULL;
    ck_assert_int_eq(tech_open("sram", &t), BASE_OK);
    ck_assert_str_eq(t->origin, "tech/sram.yaml");
    tech_params_free(t);
    ck_assert_int_eq(tech_load("/nonexistent/t.yaml", &t), BASE_ENOTFOUND);
    ck_assert_ptr_null(t);
}
END_TEST

START_TEST(test_print_csv_out_of_memory)
{
    tech_params *t = load_file("tech/reram.yaml");
    FILE *fp = tmpfile();
    ck_assert_ptr_nonnull(fp);
    tech_at_vdd a = at(t, 0.6);
    base_alloc_fail_after(1);
    ck_assert_int_eq(tech_print_csv(fp, t, &a), BASE_ENOMEM);
    base_alloc_fail_reset();
    fclose(fp);
    tech_params_free(t);
}
END_TEST

START_TEST(test_find_unknown_technology)
{
    const char *old = getenv("APSIM_DATA");
    char *saved = old ? strdup(old) : NULL;
    unsetenv("APSIM_DATA");
    char *p = NULL;
    ck_assert_int_eq(tech_find("sramm", &p), BASE_ENOTFOUND);
    ck_assert_str_eq(base_last_error(), "error: unknown technology 'sramm': no tech/sramm.yaml in "
                                        "$APSIM_DATA (unset) or .");
    tech_params *t = NULL;
    ck_assert_int_eq(tech_open("sramm", &t), BASE_ENOTFOUND);
    ck_assert_ptr_null(t);
    if (saved)
        setenv("APSIM_DATA", saved, 1);
    free(saved);
}
END_TEST

START_TEST(test_find_in_apsim_data)
{
    char dir[] = "/tmp/apsim_tech_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char sub[64], file[96];
    snprintf(sub, sizeof sub, "%s/tech", dir);
    snprintf(file, sizeof file, "%s/mine.yaml", sub);
    ck_assert_int_eq(mkdir(sub, 0700), 0);
    FILE *fp = fopen(file, "w");
    ck_assert_ptr_nonnull(fp);
    fputs(edit(CMOS_TEXT, "name: t", "name: mine"), fp);
    fclose(fp);
    const char *old = getenv("APSIM_DATA");
    char *saved = old ? strdup(old) : NULL;
    setenv("APSIM_DATA", dir, 1);
    tech_params *t = NULL;
    base_status st = tech_open("mine", &t);
    if (saved)
        setenv("APSIM_DATA", saved, 1);
    else
        unsetenv("APSIM_DATA");
    free(saved);
    unlink(file);
    rmdir(sub);
    rmdir(dir);
    ck_assert_msg(st == BASE_OK, "%s", base_last_error());
    ck_assert_str_eq(t->name, "mine");
    ck_assert(strstr(t->origin, "/tech/mine.yaml") != NULL);
    tech_params_free(t);
}
END_TEST

/* ---- printing ------------------------------------------------------------------------- */

static char *print_to_string(const tech_params *t, double vdd)
{
    static char buf[8192];
    FILE *fp = tmpfile();
    ck_assert_ptr_nonnull(fp);
    tech_at_vdd a = at(t, vdd);
    ck_assert_int_eq(tech_print_csv(fp, t, &a), BASE_OK);
    rewind(fp);
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

START_TEST(test_print_csv_names_law_and_source)
{
    tech_params *t = load_file("tech/sram.yaml");
    const char *s = print_to_string(t, 0.5);
    ck_assert(strncmp(s, "technology,vdd_v,quantity,value,unit,law,source,law_sources\n", 60) == 0);
    ck_assert(strstr(s, "sram,0.5000,e_ml_fj,0.138889,fJ,CV^2: E0*(V/V0)^k,\"[model] CACTI 7, "
                        "github.com/HewlettPackard/cacti, pure CAM 1024x64 ITRS-HP 360 K: 28 nm "
                        "binary CAM match line 0.45 fJ per bit\",\""
                        "energy_exponent_k: [derived] k = 2: CACTI 7, github.com/HewlettPackard/"
                        "cacti, pure CAM 1024x64 ITRS-HP 360 K: device-flavour energy ratios match "
                        "V^2 within ~5%\"\n") != NULL);
    /* The law constants behind a figure are listed with their sources. */
    ck_assert(strstr(s, "\"vth_v: [est] Vth of the 28 nm alpha-power law (Sakurai and Newton, "
                        "IEEE JSSC 25(2), 1990) | alpha: [derived] alpha-power law") != NULL);
    ck_assert(
        strstr(s, ",\"leak_eta: [est] DIBL coefficient eta ~ 0.1 of the subthreshold law of Roy et "
                  "al., Proc. IEEE 91(2), 2003 | leak_n: ") != NULL);
    ck_assert(strstr(s, "sram,0.5000,t_search_ns,1.44338,ns,alpha-power law") != NULL);
    ck_assert(strstr(s, "sram,0.5000,e_read_fj,0.212963,fJ,CV^2: E0*(V/V0)^k,\"[est] the search "
                        "energy per bit") != NULL);
    ck_assert(strstr(s, "endurance_writes") == NULL); /* unlimited for CMOS: no row */
    tech_params_free(t);
    t = load_file("tech/reram.yaml");
    s = print_to_string(t, 0.6);
    ck_assert(strstr(s, "reram,0.6000,e_write_device_fj,2000,fJ,fixed by the device") != NULL);
    ck_assert(strstr(s, "t_write_ns,20,ns,\"NVM write: device part") != NULL);
    ck_assert(strstr(s, "e_write_periph_fj,0,fJ,CV^2: E0*(V/V0)^k,") != NULL);
    ck_assert(strstr(s, "search_scaled_fraction: [") != NULL);
    ck_assert(strstr(s, "pump_efficiency: [") != NULL);
    ck_assert(strstr(s, "reram,0.6000,e_read_fj,0.177778,fJ,CV^2: E0*(V/V0)^k,") != NULL);
    ck_assert(strstr(s,
                     "reram,0.6000,endurance_writes,1e+06,writes,\"fixed by the device, not "
                     "the logic Vdd\",\"[est] the low end of published metal-oxide RRAM") != NULL);
    tech_params_free(t);
    t = load_file("tech/sram_22nm_measured.yaml");
    s = print_to_string(t, 0.7);
    ck_assert(strstr(s, "\"measured delay points, GSL steffen interpolation\",\"[model] CACTI 7, "
                        "github.com/HewlettPackard/cacti, pure CAM 1024x64 ITRS-HP 360 K: 22 nm "
                        "search delay 0.34 ns | [pub] delay ratios at 0.7-1.1 V of Wang et al.") !=
              NULL);
    tech_params_free(t);
}
END_TEST

/* ---- nodes (tech_node.c): Stillmaker and Baas (Integration 58, 2017) fits as transcribed
 * in github.com/wromaszkan/nodeScale ---------------------------------------------------- */

/* Published fits of 32 and 20 nm: energy e2 V^2 + e1 V + e0, delay a3 V^3 + ... + a0. */
static double e32(double v)
{
    return 0.8367 * v * v - 0.4341 * v + 0.1701;
}
static double e20(double v)
{
    return 0.373 * v * v - 0.1582 * v + 0.04104;
}
static double d32(double v)
{
    return ((-1047 * v + 2982) * v - 2797) * v + 873.5;
}
static double d20(double v)
{
    return (34.63 * v - 66.37) * v + 41.15;
}

START_TEST(test_node_factors_by_hand)
{
    /* 32 nm at its nominal 0.97 V to 20 nm at its nominal 0.9 V. */
    tech_node_factors_t f;
    ck_assert_int_eq(tech_node_factors(32, 0.97, 20, 0.9, &f), BASE_OK);
    ck_assert_double_eq_tol(f.energy, e20(0.9) / e32(0.97), 1e-12);
    ck_assert_double_eq_tol(f.energy, 0.20079 / 0.53627, 1e-4); /* 0.3744 */
    ck_assert_double_eq_tol(f.delay, d20(0.9) / d32(0.97), 1e-12);
    ck_assert_double_eq_tol(f.area, 0.21 / 0.46, 1e-12);
    double v;
    ck_assert_int_eq(tech_node_vdd(20, &v), BASE_OK);
    ck_assert_double_eq_tol(v, 0.9, 1e-12);
    ck_assert_int_eq(tech_node_vdd(7, &v), BASE_OK);
    ck_assert_double_eq_tol(v, 0.8, 1e-12);
}
END_TEST

START_TEST(test_node_28nm_interpolated_in_log_node)
{
    /* 28 nm lies between the 32 and 20 nm fits: weight w = ln(32/28) / ln(32/20). */
    double w = log(32.0 / 28.0) / log(32.0 / 20.0), v;
    ck_assert_int_eq(tech_node_vdd(28, &v), BASE_OK);
    ck_assert_double_eq_tol(v, (1 - w) * 0.97 + w * 0.9, 1e-12);
    ck_assert_double_eq_tol(v, 0.9501, 1e-4);
    tech_node_factors_t f;
    ck_assert_int_eq(tech_node_factors(28, 0.9, 32, 0.9, &f), BASE_OK);
    ck_assert_double_eq_tol(f.energy, e32(0.9) / ((1 - w) * e32(0.9) + w * e20(0.9)), 1e-12);
    ck_assert_double_eq_tol(f.area, 0.46 / ((1 - w) * 0.46 + w * 0.21), 1e-12);
}
END_TEST

START_TEST(test_node_moves_sram_table)
{
    tech_params *src = load_file("tech/sram.yaml"), *t = NULL;
    ck_assert_int_eq(tech_params_at_node(src, 7, &t), BASE_OK);
    ck_assert_str_eq(t->name, "sram@7nm");
    double v28, v7;
    ck_assert_int_eq(tech_node_vdd(28, &v28), BASE_OK);
    ck_assert_int_eq(tech_node_vdd(7, &v7), BASE_OK);
    double v1 = 0.9 * v7 / v28; /* the supply in proportion to the nodes' nominal supplies */
    ck_assert_double_eq_tol(t->vdd_nom_v.value, v1, 1e-12);
    ck_assert_double_eq_tol(t->node_nm.value, 7, 1e-12);
    tech_node_factors_t f;
    ck_assert_int_eq(tech_node_factors(28, 0.9, 7, v1, &f), BASE_OK);
    ck_assert_double_eq_tol(t->e_ml_fj.value, src->e_ml_fj.value * f.energy, 1e-9);
    ck_assert_double_eq_tol(t->t_search_ns.value, src->t_search_ns.value * f.delay, 1e-12);
    ck_assert_double_eq_tol(t->p_leak_nw.value, src->p_leak_nw.value * f.power, 1e-9);
    ck_assert_double_eq_tol(tech_cell_area_um2(t), tech_cell_area_um2(src) * f.area, 1e-12);
    ck_assert(f.energy < 0.2 && f.delay < 0.4 && f.area < 0.2);
    ck_assert_ptr_nonnull(strstr(t->e_ml_fj.source, "Stillmaker and Baas"));
    tech_params_free(t);
    tech_params_free(src);
}
END_TEST

START_TEST(test_node_nvm_keeps_device_writes)
{
    tech_params *src = load_file("tech/reram.yaml"), *t = NULL;
    ck_assert_int_eq(tech_params_at_node(src, 16, &t), BASE_OK);
    ck_assert_double_eq(t->e_switch_fj.value, src->e_switch_fj.value);
    ck_assert_double_eq(t->t_pulse_ns.value, src->t_pulse_ns.value);
    ck_assert_str_eq(t->e_switch_fj.source, src->e_switch_fj.source);
    ck_assert(t->t_search_ns.value < src->t_search_ns.value);
    tech_params_free(t);
    tech_params_free(src);
}
END_TEST

START_TEST(test_node_errors)
{
    tech_params *src = load_file("tech/sram.yaml"), *t = NULL;
    ck_assert_int_eq(tech_params_at_node(src, 5, &t), BASE_ERANGE);
    ck_assert_ptr_null(t);
    ck_assert_str_eq(base_last_error(), "error: technology 'sram' at 5 nm: technology node 5 nm "
                                        "is outside the scaling fits' 7..180 nm");
    ck_assert_int_eq(tech_params_at_node(src, 200, &t), BASE_ERANGE);
    ck_assert_str_eq(base_last_error(), "error: technology 'sram' at 200 nm: technology node "
                                        "200 nm is outside the scaling fits' 7..180 nm");
    tech_params_free(src);
    ck_assert_int_eq(tech_open("sram_22nm_measured", &src), BASE_OK);
    ck_assert_int_eq(tech_params_at_node(src, 16, &t), BASE_EUNSUPPORTED);
    ck_assert_ptr_null(t);
    ck_assert_str_eq(base_last_error(),
                     "error: technology 'sram_22nm_measured' has measured per-voltage points, "
                     "which belong to its own node: it cannot be moved to 16 nm");
    tech_params_free(src);
}
END_TEST

Suite *tech_suite(void)
{
    Suite *s = suite_create("tech");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, test_table_sram_nominal_equals_file);
    tcase_add_test(tc, test_table_reram_nominal_equals_file);
    tcase_add_test(tc, test_table_fefet_nominal_equals_file);
    tcase_add_test(tc, test_table_defaults_are_labelled);
    tcase_add_test(tc, test_table_sram_tcam_nominal_equals_file);
    tcase_add_test(tc, test_table_sram_lstp_derived_from_hp);
    tcase_add_loop_test(tc, test_table_shipped_families, 0,
                        (int)(sizeof shipped / sizeof shipped[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("scale");
    tcase_add_loop_test(tc, test_scale_sram_energy_goes_as_v2, 0,
                        (int)(sizeof sweep_v / sizeof sweep_v[0]));
    tcase_add_test(tc, test_scale_sram_half_volt_figures);
    tcase_add_test(tc, test_scale_delay_rises_toward_vth);
    tcase_add_test(tc, test_scale_leakage_law);
    tcase_add_test(tc, test_scale_nvm_write_fixed_by_device);
    tcase_add_test(tc, test_scale_nvm_periphery_share_scales);
    tcase_add_test(tc, test_scale_rejects_bad_vdd);
    tcase_add_test(tc, test_scale_requires_validation);
    tcase_add_loop_test(tc, test_scale_read_energy_both_families, 0, 7);
    tcase_add_test(tc, test_scale_read_energy_22nm_k);
    suite_add_tcase(s, tc);

    tc = tcase_create("interp");
    tcase_add_test(tc, test_interp_reproduces_measured_points);
    tcase_add_test(tc, test_interp_monotone_between_points);
    tcase_add_test(tc, test_interp_energy_points_cmos_and_nvm);
    tcase_add_test(tc, test_interp_two_points_linear);
    suite_add_tcase(s, tc);

    tc = tcase_create("api");
    tcase_add_test(tc, test_api_set_checks_range_and_source);
    tcase_add_test(tc, test_api_lookup_and_names);
    tcase_add_test(tc, test_api_out_of_memory);
    suite_add_tcase(s, tc);

    tc = tcase_create("load");
    tcase_add_test(tc, test_load_missing_required_key);
    tcase_add_test(tc, test_load_unknown_and_duplicate_key);
    tcase_add_test(tc, test_load_wrong_type);
    tcase_add_test(tc, test_load_non_physical_values);
    tcase_add_test(tc, test_load_voltage_order);
    tcase_add_test(tc, test_load_family_and_area_keys);
    tcase_add_test(tc, test_load_points_errors);
    tcase_add_test(tc, test_load_read_energy_errors);
    tcase_add_test(tc, test_load_endurance_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("find");
    tcase_add_test(tc, test_find_by_name_and_path);
    tcase_add_test(tc, test_find_unknown_technology);
    tcase_add_test(tc, test_print_csv_out_of_memory);
    tcase_add_test(tc, test_find_in_apsim_data);
    tcase_add_test(tc, test_print_csv_names_law_and_source);
    tcase_add_test(tc, test_node_factors_by_hand);
    tcase_add_test(tc, test_node_28nm_interpolated_in_log_node);
    tcase_add_test(tc, test_node_moves_sram_table);
    tcase_add_test(tc, test_node_nvm_keeps_device_writes);
    tcase_add_test(tc, test_node_errors);
    suite_add_tcase(s, tc);
    return s;
}
