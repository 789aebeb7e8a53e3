/* suites.h - the one list of Check suites; tests/check_main.c runs them all.
 * Add a line per module: X(<module>_suite). */
#define APSIM_SUITES(X)                                                                            \
    X(base_suite)                                                                                  \
    X(base_out_suite)                                                                              \
    X(par_suite)                                                                                   \
    X(cfg_suite)                                                                                   \
    X(ap_suite)                                                                                    \
    X(net_suite)                                                                                   \
    X(tech_suite)                                                                                  \
    X(accel_suite)                                                                                 \
    X(sim_suite)                                                                                   \
    X(apu_suite)                                                                                   \
    X(sweep_suite)                                                                                 \
    X(dynamic_suite)                                                                               \
    X(infer_suite)                                                                                 \
    X(onnx_suite)                                                                                  \
    X(fmnist_suite)                                                                                \
    X(export_suite)                                                                                \
    X(validation_suite)                                                                            \
    X(cli_suite)                                                                                   \
    X(fuzz_suite)
