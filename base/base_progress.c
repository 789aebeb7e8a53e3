/* base_progress.c - a progress bar for long work (training, image-by-image AP runs, sweeps),
 * written only to a terminal: the numbers a command prints and the files it writes never
 * depend on it. The clock is the monotonic one, read only to pace the redraws and to say the
 * elapsed and remaining time. */
#include <time.h>
#include <unistd.h>

#include "base/base.h"

enum { BAR_WIDTH = 30 };

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void draw(base_progress *p, double now_s)
{
    if (p->total == 0) /* nothing known yet to draw */
        return;
    size_t fill = p->done * BAR_WIDTH / p->total;
    char bar[BAR_WIDTH + 1];
    for (size_t i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    double spent_s = now_s - p->start_s;
    fprintf(p->fp, "\r%s [%s] %zu/%zu %s, %.0f s", p->label, bar, p->done, p->total, p->unit,
            spent_s);
    if (p->done > 0 && p->done < p->total)
        fprintf(p->fp, ", ~%.0f s left  ",
                spent_s * (double)(p->total - p->done) / (double)p->done);
    else
        fputs("          ", p->fp);
    fflush(p->fp);
    p->drawn_s = now_s;
}

void base_progress_begin(base_progress *p, FILE *fp, const char *label, const char *unit,
                         size_t total)
{
    p->fp = fp;
    p->label = label;
    p->unit = unit;
    p->total = total;
    p->done = 0;
    p->start_s = p->drawn_s = fp ? mono_s() : 0.0;
    if (fp)
        draw(p, p->start_s);
}

void base_progress_update(base_progress *p, size_t done)
{
    if (!p || !p->fp)
        return;
    p->done = done < p->total ? done : p->total;
    double now_s = mono_s();
    if (now_s - p->drawn_s >= 0.1 || p->done == p->total)
        draw(p, now_s);
}

void base_progress_end(base_progress *p)
{
    if (!p || !p->fp)
        return;
    if (p->total > 0) {
        draw(p, mono_s());
        fputc('\n', p->fp);
        fflush(p->fp);
    }
    p->fp = NULL;
}

FILE *base_progress_stream(void)
{
    return isatty(STDERR_FILENO) ? stderr : NULL;
}
