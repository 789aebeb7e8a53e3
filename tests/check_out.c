/* check_out.c - outputs that are never half-written (base/base_out.c): a set stays whole when
 * the disk fills at any byte or any rename fails; special targets are written in place; a
 * signal removes the temporaries; stale stages and temporaries of dead processes go. */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/base.h"

Suite *base_out_suite(void);

static char root[64];

static void setup(void)
{
    snprintf(root, sizeof root, "/tmp/apsim_out_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(root));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    ck_assert_int_eq(system(cmd), 0);
    base_io_fail_write_after(-1);
    base_io_fail_rename_after(-1);
}

static void put_file(const char *dir, const char *name, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *fp = fopen(p, "w");
    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    fclose(fp);
}

/* The file's text ("" when absent, "<dir>" for a directory) in a static buffer. */
static const char *text_of(const char *dir, const char *name)
{
    static char buf[4096];
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    buf[0] = '\0';
    FILE *fp = fopen(p, "r");
    if (fp) {
        size_t n = fread(buf, 1, sizeof buf - 1, fp);
        buf[n] = '\0';
        fclose(fp);
    }
    return buf;
}

/* Every entry of dir, sorted, joined by spaces. */
static const char *listing(const char *dir)
{
    static char buf[1024];
    char cmd[256];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | tr '\\n' ' '", dir);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = '\0';
    pclose(p);
    return buf;
}

static base_status write_text(FILE *fp, const void *ctx)
{
    fputs(ctx, fp);
    for (int i = 0; i < 200; i++)
        fprintf(fp, "%s line %d\n", (const char *)ctx, i);
    return base_write_status(fp);
}

static base_status write_refuses(FILE *fp, const void *ctx)
{
    (void)ctx;
    fputs("half", fp);
    return BASE_ERROR(BASE_EINVAL, "the model refused");
}

static const char *const old_text = "old\n";

/* A previous set: a.csv, b.csv, c.csv with old_text. */
static void previous_set(const char *dir)
{
    mkdir(dir, 0777);
    put_file(dir, "a.csv", old_text);
    put_file(dir, "b.csv", old_text);
    put_file(dir, "c.csv", old_text);
}

static void assert_previous_set(const char *dir)
{
    ck_assert_str_eq(text_of(dir, "a.csv"), old_text);
    ck_assert_str_eq(text_of(dir, "b.csv"), old_text);
    ck_assert_str_eq(text_of(dir, "c.csv"), old_text);
    ck_assert_str_eq(listing(dir), "a.csv b.csv c.csv ");
}

/* The new set: a.csv and b.csv rewritten, c.csv off (so removed by the commit). */
static const base_output new_set[] = {
    {"a.csv", write_text, 1}, {"b.csv", write_text, 1}, {"c.csv", write_text, 0}};

/* The disk fills after every possible byte count: each attempt fails naming the file and the
 * reason, and leaves the previous set as it was; with room for all, the whole new set. */
START_TEST(test_out_set_disk_full_at_any_byte)
{
    char dir[128];
    snprintf(dir, sizeof dir, "%s/set", root);
    previous_set(dir);
    long total = 2 * (long)(strlen("new") + 200 * strlen("new line 100\n"));
    int failures = 0;
    for (long budget = 0;; budget += 97) {
        base_io_fail_write_after(budget);
        base_status st = base_write_set(dir, new_set, 3, "new");
        base_io_fail_write_after(-1);
        if (st == BASE_OK) {
            ck_assert_int_ge(budget, total - 200);
            break;
        }
        failures++;
        ck_assert_int_eq(st, BASE_EIO);
        ck_assert_ptr_nonnull(
            strstr(base_last_error(), ".csv: error: cannot write: No space left"));
        assert_previous_set(dir);
    }
    ck_assert_int_gt(failures, 10);
    ck_assert_str_eq(listing(dir), "a.csv b.csv ");
    ck_assert_int_eq(strncmp(text_of(dir, "a.csv"), "newnew line 0\n", 14), 0);
}
END_TEST

/* Each rename of the commit fails in turn (the manifest's, then each file's): the previous
 * set comes back whole, the removed file included. */
START_TEST(test_out_set_rename_fails_at_any_step)
{
    char dir[128];
    snprintf(dir, sizeof dir, "%s/set", root);
    previous_set(dir);
    for (long k = 0; k < 3; k++) {
        base_io_fail_rename_after(k);
        ck_assert_int_eq(base_write_set(dir, new_set, 3, "new"), BASE_EIO);
        base_io_fail_rename_after(-1);
        ck_assert_ptr_nonnull(strstr(base_last_error(), "Input/output error"));
        assert_previous_set(dir);
    }
    base_io_fail_rename_after(3);
    ck_assert_int_eq(base_write_set(dir, new_set, 3, "new"), BASE_OK);
    ck_assert_str_eq(listing(dir), "a.csv b.csv ");
}
END_TEST

/* A writer's own error keeps its status and message; nothing of the set is left. */
START_TEST(test_out_set_writer_error_kept)
{
    char dir[128];
    snprintf(dir, sizeof dir, "%s/set", root);
    previous_set(dir);
    const base_output outs[] = {{"a.csv", write_text, 1}, {"b.csv", write_refuses, 1}};
    ck_assert_int_eq(base_write_set(dir, outs, 2, "new"), BASE_EINVAL);
    ck_assert_str_eq(base_last_error(), "error: the model refused");
    assert_previous_set(dir);
    snprintf(dir, sizeof dir, "%s/set/a.csv", root); /* a file where the directory goes */
    ck_assert_int_eq(base_write_set(dir, outs, 2, "new"), BASE_EIO);
    ck_assert_ptr_nonnull(strstr(base_last_error(), "cannot create directory: Not a directory"));
    snprintf(dir, sizeof dir, "%s/set", root);
    char in_dir[160];
    snprintf(in_dir, sizeof in_dir, "%s/d.csv", dir);
    mkdir(in_dir, 0777);
    const base_output in_the_way[] = {{"d.csv", write_text, 1}};
    ck_assert_int_eq(base_write_set(dir, in_the_way, 1, "new"), BASE_EIO);
    ck_assert_ptr_nonnull(strstr(
        base_last_error(), "d.csv: error: cannot write the output: a directory is in the way"));
}
END_TEST

/* A pid that no longer runs: a child that has been waited for. */
static pid_t dead_pid(void)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    return pid;
}

/* A dead process's committed stage is finished by the next writer, an uncommitted one is
 * removed; stale "<file>.tmp.<pid>" of the files written there go, others stay. */
START_TEST(test_out_stale_stages_and_temporaries)
{
    char dir[128], stage[192], name[64];
    snprintf(dir, sizeof dir, "%s/set", root);
    previous_set(dir);
    pid_t dead = dead_pid();
    snprintf(stage, sizeof stage, "%s/.apsim-out.%ld", dir, (long)dead);
    mkdir(stage, 0777);
    put_file(stage, "a.csv", "staged\n");
    put_file(stage, "manifest", "put a.csv\ndel c.csv\n");
    snprintf(name, sizeof name, "z.csv.tmp.%ld", (long)dead);
    put_file(dir, name, "partial");
    snprintf(name, sizeof name, "b.csv.tmp.%ld", (long)dead);
    put_file(dir, name, "partial");
    const base_output z[] = {{"z.csv", write_text, 1}};
    ck_assert_int_eq(base_write_set(dir, z, 1, "z"), BASE_OK);
    ck_assert_str_eq(text_of(dir, "a.csv"), "staged\n");
    ck_assert_str_eq(text_of(dir, "b.csv"), old_text);
    char want[128];
    snprintf(want, sizeof want, "a.csv b.csv b.csv.tmp.%ld z.csv ", (long)dead);
    ck_assert_str_eq(listing(dir), want);
    /* Not committed (no manifest): removed, the directory untouched. */
    mkdir(stage, 0777);
    put_file(stage, "z.csv", "staged\n");
    ck_assert_int_eq(base_write_set(dir, new_set, 3, "new"), BASE_OK);
    ck_assert_str_eq(listing(dir), "a.csv b.csv z.csv ");
    ck_assert_int_eq(strncmp(text_of(dir, "z.csv"), "zz line", 7), 0);
    /* One file: its own stale temporary goes. */
    char path[160];
    snprintf(name, sizeof name, "one.csv.tmp.%ld", (long)dead);
    put_file(dir, name, "partial");
    snprintf(path, sizeof path, "%s/one.csv", dir);
    ck_assert_int_eq(base_write_atomic(path, write_text, "one"), BASE_OK);
    ck_assert_str_eq(listing(dir), "a.csv b.csv one.csv z.csv ");
}
END_TEST

/* Special targets: a symlink keeps being a link (its file gets the output), /dev/null stays a
 * device, a FIFO is written through to its reader, a directory is refused. */
START_TEST(test_out_special_targets)
{
    char path[160], target[160], fifo[160];
    snprintf(target, sizeof target, "%s/target.csv", root);
    snprintf(path, sizeof path, "%s/link.csv", root);
    put_file(root, "target.csv", "old");
    ck_assert_int_eq(symlink("target.csv", path), 0);
    ck_assert_int_eq(base_write_atomic(path, write_text, "x"), BASE_OK);
    struct stat sb;
    ck_assert_int_eq(lstat(path, &sb), 0);
    ck_assert(S_ISLNK(sb.st_mode));
    ck_assert_int_eq(strncmp(text_of(root, "target.csv"), "xx line 0", 9), 0);
    snprintf(path, sizeof path, "%s/dangling.csv", root);
    ck_assert_int_eq(symlink("made.csv", path), 0);
    ck_assert_int_eq(base_write_atomic(path, write_text, "y"), BASE_OK);
    ck_assert_int_eq(lstat(path, &sb), 0);
    ck_assert(S_ISLNK(sb.st_mode));
    ck_assert_int_eq(strncmp(text_of(root, "made.csv"), "yy line 0", 9), 0);

    ck_assert_int_eq(base_write_atomic("/dev/null", write_text, "z"), BASE_OK);
    ck_assert_int_eq(stat("/dev/null", &sb), 0);
    ck_assert(S_ISCHR(sb.st_mode));
    if (access("/dev/full", W_OK) == 0) {
        ck_assert_int_eq(base_write_atomic("/dev/full", write_text, "z"), BASE_EIO);
        ck_assert_str_eq(base_last_error(),
                         "/dev/full: error: cannot write: No space left on device");
    }

    snprintf(fifo, sizeof fifo, "%s/pipe.csv", root);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    pid_t reader = fork();
    ck_assert_int_ge(reader, 0);
    if (reader == 0) { /* copies the FIFO into got.csv */
        char got[160], buf[4096];
        snprintf(got, sizeof got, "%s/got.csv", root);
        int in = open(fifo, O_RDONLY), out = open(got, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        ssize_t n;
        while ((n = read(in, buf, sizeof buf)) > 0)
            if (write(out, buf, (size_t)n) != n)
                _exit(1);
        _exit(0);
    }
    ck_assert_int_eq(base_write_atomic(fifo, write_text, "f"), BASE_OK);
    int status = 0;
    waitpid(reader, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_int_eq(stat(fifo, &sb), 0);
    ck_assert(S_ISFIFO(sb.st_mode));
    ck_assert_int_eq(strncmp(text_of(root, "got.csv"), "ff line 0", 9), 0);

    ck_assert_int_eq(base_write_atomic(root, write_text, "d"), BASE_EINVAL);
    ck_assert_ptr_nonnull(strstr(base_last_error(), "is a directory; name the output file"));
}
END_TEST

/* A writer that is stopped by a signal half-way. */
static base_status write_then_stop(FILE *fp, const void *ctx)
{
    fputs("half", fp);
    fflush(fp);
    raise(*(const int *)ctx);
    return BASE_OK;
}

/* SIGTERM or SIGINT in the middle of a set: the stage and its files go, a message says so,
 * the process dies of the signal; the previous set is as it was. */
START_TEST(test_out_signal_removes_temporaries)
{
    static const int sigs[] = {SIGTERM, SIGINT, SIGHUP};
    int sig = sigs[_i];
    char dir[128], err[160];
    snprintf(dir, sizeof dir, "%s/set", root);
    snprintf(err, sizeof err, "%s/stderr.txt", root);
    previous_set(dir);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (!freopen(err, "w", stderr))
            _exit(1);
        signal(sig, SIG_DFL); /* under nohup SIGHUP comes ignored, and stays so by design */
        base_signals_install("apsim");
        const base_output outs[] = {{"a.csv", write_text, 1}, {"b.csv", write_then_stop, 1}};
        base_write_set(dir, outs, 2, &sig);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    ck_assert(WIFSIGNALED(status));
    ck_assert_int_eq(WTERMSIG(status), sig);
    assert_previous_set(dir);
    char want[160];
    snprintf(want, sizeof want,
             "apsim: stopped by %s; temporary files removed: 3; earlier outputs are as they were\n",
             sig == SIGTERM  ? "SIGTERM"
             : sig == SIGINT ? "SIGINT"
                             : "SIGHUP");
    ck_assert_str_eq(text_of(root, "stderr.txt"), want);
}
END_TEST

Suite *base_out_suite(void)
{
    Suite *s = suite_create("out");
    TCase *tc = tcase_create("out");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_out_set_disk_full_at_any_byte);
    tcase_add_test(tc, test_out_set_rename_fails_at_any_step);
    tcase_add_test(tc, test_out_set_writer_error_kept);
    tcase_add_test(tc, test_out_stale_stages_and_temporaries);
    tcase_add_test(tc, test_out_special_targets);
    tcase_add_loop_test(tc, test_out_signal_removes_temporaries, 0, 3);
    suite_add_tcase(s, tc);
    return s;
}
