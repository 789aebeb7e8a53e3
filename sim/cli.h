/* cli.h - internal: the subcommand handlers of the apsim command (sim/cli_*.c), each taking
 * the arguments after its name and returning the process exit status (0, 1 run failure,
 * 2 usage or input error). Registered in the commands[] table of sim/apsim.c. */
#ifndef SIM_CLI_H
#define SIM_CLI_H

/* apsim net <network> [--bits <spec|file>] [--csv <out.csv>] [--quiet] */
int sim_cli_net(int argc, char **argv);

/* apsim run <network> [--bits] [--tech] [--vdd] [--arch] [--batch] [--out DIR] [--quiet] */
int sim_cli_run(int argc, char **argv);

/* apsim dynamic <schedule.yaml> [--out DIR] [--quiet] */
int sim_cli_dynamic(int argc, char **argv);
/* apsim sweep <experiment.yaml> [--results DIR] [--quiet] */
int sim_cli_sweep(int argc, char **argv);

/* apsim compare <network> [--bits] [--tech] [--vdd] [--arch] [--batch] [--csv FILE] */
int sim_cli_compare(int argc, char **argv);
/* apsim conformance: ONNX integer node tests on the AP (cli_conformance.c). */
int sim_cli_conformance(int argc, char **argv);

#endif /* SIM_CLI_H */
