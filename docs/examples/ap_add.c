/* ap_add.c - the smallest program on the AP core library (docs/LIBRARY.md): two vectors of
 * 8-bit numbers loaded into an associative-processor array, added in place by the AP's
 * bit-serial add (ap_add), read back and compared with plain C. Prints one line and exits 0
 * when every row agrees, 1 otherwise. Build it against an installed apsim with
 *   cc ap_add.c $(pkg-config --cflags --libs apsim-ap)
 * (make check builds it against the in-tree library). */
#include <stdint.h>
#include <stdio.h>

#include "ap_core/ap.h"

#define N_ROWS 1000u
#define WIDTH  8u

int main(void)
{
    /* Columns: a in 0..7, b in 8..15, the carry in 16. */
    const ap_field a = {0, WIDTH}, b = {WIDTH, WIDTH};
    const unsigned carry_col = 2 * WIDTH;
    static uint32_t va[N_ROWS], vb[N_ROWS], sum[N_ROWS];
    for (uint32_t r = 0; r < N_ROWS; r++) {
        va[r] = (r * 37u + 11u) & 0xffu;
        vb[r] = (r * 101u + 7u) & 0xffu;
    }
    ap_array *arr = NULL;
    base_status st = ap_array_new(N_ROWS, carry_col + 1, &arr);
    if (st == BASE_OK)
        st = ap_array_field_load(arr, a, va, N_ROWS);
    if (st == BASE_OK)
        st = ap_array_field_load(arr, b, vb, N_ROWS);
    if (st == BASE_OK)
        st = ap_add(arr, a, b, carry_col); /* b := a + b (mod 2^8), in every row at once */
    if (st == BASE_OK)
        st = ap_array_field_store(arr, b, sum, N_ROWS);
    if (st != BASE_OK) {
        fprintf(stderr, "ap_add: %s\n", base_last_error());
        ap_array_free(arr);
        return 1;
    }
    size_t wrong = 0;
    for (uint32_t r = 0; r < N_ROWS; r++)
        wrong += sum[r] != ((va[r] + vb[r]) & 0xffu);
    ap_counters c;
    ap_array_counters(arr, &c);
    ap_array_free(arr);
    printf("ap_add: %u rows of %u-bit a + b: %zu wrong, %llu compares, %llu writes\n", N_ROWS,
           WIDTH, wrong, (unsigned long long)c.n_compares, (unsigned long long)c.n_writes);
    return wrong == 0 ? 0 : 1;
}
