/* fileio: whole-file reads and atomic replacement (see fileio.h). */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

bool file_read_stream(int fd, struct strbuf *out)
{
    char buf[65536];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        if (n == 0) return true;
        sb_append(out, buf, (size_t)n);
    }
}

bool file_read_private(const char *path, struct strbuf *out, char *err, size_t cap)
{
    /* without waiting, so a FIFO put in its place cannot hang the reader */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        int saved = errno;
        if (fd >= 0) close(fd);
        snprintf(err, cap, "cannot read %s: %s", path, strerror(saved));
        return false;
    }
    bool ok = false;
    if (!S_ISREG(st.st_mode))
        snprintf(err, cap, "%s is not a regular file", path);
    else if (st.st_mode & 077)
        snprintf(err, cap, "%s may be %s by others (mode %04o); chmod 600 it", path,
                 st.st_mode & 022 ? "written" : "read", (unsigned)(st.st_mode & 07777));
    else if (!(ok = file_read_stream(fd, out)))
        snprintf(err, cap, "cannot read %s: %s", path, strerror(errno));
    close(fd);
    return ok;
}

bool file_read_all(const char *path, struct strbuf *out)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = file_read_stream(fd, out);
    int saved = errno;
    close(fd);
    errno = saved;
    return ok;
}

static bool write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

static bool sync_dir_of(const char *path)
{
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = fsync(fd) == 0;
    close(fd);
    return ok;
}

/* mode: the new file's (0640), or 0600 forced even on a temporary file a
 * crash left behind with another. */
static bool write_atomic(const char *path, const char *data, size_t len, const char *reuse,
                         mode_t mode)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) {
        errno = ENAMETOOLONG;
        return false;
    }
    /* An old file's blocks are overwritten in place (no allocation to sync,
     * nothing to free), then cut to length; without one, a new file. */
    int fd = reuse ? open(reuse, O_WRONLY | O_CLOEXEC) : -1;
    if (fd >= 0)
        snprintf(tmp, sizeof tmp, "%s", reuse);
    else
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return false;
    bool ok = (mode == 0640 || fchmod(fd, mode) == 0) && write_all(fd, data, len) &&
              ftruncate(fd, (off_t)len) == 0 && fsync(fd) == 0;
    int saved = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        unlink(tmp);
        errno = saved;
        return false;
    }
    return sync_dir_of(path);
}

bool file_write_atomic(const char *path, const char *data, size_t len)
{
    return write_atomic(path, data, len, NULL, 0640);
}

bool file_write_atomic_reusing(const char *path, const char *data, size_t len, const char *reuse)
{
    return write_atomic(path, data, len, reuse, 0640);
}

bool file_write_atomic_private(const char *path, const char *data, size_t len)
{
    return write_atomic(path, data, len, NULL, 0600);
}

int file_lock(const char *path, bool wait)
{
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) return -1;
    int r;
    while ((r = flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB))) != 0 && errno == EINTR)
        ;
    if (r != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

bool file_make_dir(const char *path)
{
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    for (char *p = copy + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(copy, 0750) != 0 && errno != EEXIST) return false;
        *p = '/';
    }
    return mkdir(copy, 0750) == 0 || errno == EEXIST;
}
