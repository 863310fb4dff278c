/* dies: a death test for the unit tests. The objects are built with the
 * plain assert() (core/invariant.h), not cmocka's mock_assert, so a
 * violated precondition is shown by running the call in a forked child
 * and seeing it abort. Include after cmocka.h. */
#ifndef GPUMETER_TEST_DIES_H
#define GPUMETER_TEST_DIES_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Fails the test unless call() aborts (an assert firing) in a child;
 * what names the broken precondition for the failure message. */
static void dies(void (*call)(void), const char *what)
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* the assert's own message is expected: not on the test's output */
        if (!freopen("/dev/null", "w", stderr)) _exit(3);
        call();
        _exit(0); /* the precondition was not checked */
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
        fail_msg("%s: expected the call to abort on its assert, but it %s %d", what,
                 WIFSIGNALED(status) ? "died of signal" : "exited with",
                 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
}

#endif
