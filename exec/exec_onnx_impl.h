/* exec_onnx_impl.h - private to exec/: one ONNX node test case as the conformance runner
 * (exec_onnx.c) and the integer operators on the AP (exec_onnx_int.c) see it, and the helpers
 * both use: numpy broadcasting (data placement, C) and the AP's operand widths. */
#ifndef EXEC_ONNX_IMPL_H
#define EXEC_ONNX_IMPL_H

#include "ap_core/ap.h"
#include "exec/exec.h"
#include "networks/net.h"

#define MAX_IO 9 /* QLinearConv has the most inputs */

typedef struct tcase {
    const net_onnx_graph *g;
    const net_onnx_node *nd;
    const net_tensor *in[MAX_IO]; /* node inputs (NULL when omitted) */
    const net_tensor *want;       /* expected output 0 */
    int64_t *got;                 /* computed output 0 (want->n_elems) */
    const char *where;            /* the data set directory, for error messages */
    char *why;
    size_t cap;
    ap_counters ap; /* what the case's AP programs did, over all its data sets */
} tcase;

/* Adds arr's counters (arr may be NULL) to tc->ap. */
void onx_count(tcase *tc, const ap_array *arr);

/* The reason of a SKIP or FAIL, printf-style, into tc->why. */
void onx_say(tcase *tc, const char *fmt, ...);
/* Index into t of output element flat, under numpy multidirectional broadcasting. */
size_t onx_bcast_index(const net_tensor *t, const net_tensor *outt, size_t flat);
/* BASE_ESHAPE (naming the input) unless t broadcasts to outt. */
base_status onx_bcast_check(const tcase *tc, const net_tensor *t, const net_tensor *outt);
/* 1 with the width and signedness of an integer type the AP's operand fields hold; 0 with the
 * reason said (float, bool or too wide). */
int onx_operand_width(tcase *tc, int dtype, unsigned *w, int *is_signed);
/* The low w bits (1..64); v sign-extended from w bits when is_signed. */
uint64_t onx_low_bits(unsigned w);
int64_t onx_sext(uint64_t v, unsigned w, int is_signed);

/* The integer operators of exec_onnx_int.c. */
typedef enum onx_int_op {
    ONX_BITSHIFT,
    ONX_MOD,
    ONX_DIV,
    ONX_EQUAL,
    ONX_AND,
    ONX_OR,
    ONX_XOR,
    ONX_NOT,
    ONX_WHERE
} onx_int_op;
/* Runs tc's node (inputs integer or bool, checked by the caller) on the AP: PASS with tc->got
 * filled, SKIP with the reason, or an error for a malformed node (BASE_EPARSE: attribute;
 * BASE_ESHAPE: shapes). */
base_status exec_onnx_run_int(tcase *tc, onx_int_op op, exec_conf_result *res);

#endif /* EXEC_ONNX_IMPL_H */
