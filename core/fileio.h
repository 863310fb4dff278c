/* fileio: whole-file reads and crash-safe replacement.
 *
 * file_write_atomic is the commit point of every durable collector write:
 * data goes to a temporary file in the same directory, is fsynced, renamed
 * over the target and the directory is fsynced, so after a crash or power
 * loss the file holds either the old or the new content, never a mix. No shared state; two threads
 * must not write one path. */
#ifndef GPUMETER_FILEIO_H
#define GPUMETER_FILEIO_H

#include "strbuf.h"

#include <stdbool.h>
#include <stddef.h>

/* Appends the file's bytes to out. False with errno set on failure. */
bool file_read_all(const char *path, struct strbuf *out);
/* Reads a stream (stdin) to the end. */
bool file_read_stream(int fd, struct strbuf *out);
/* False with errno set; the target is untouched on failure. */
bool file_write_atomic(const char *path, const char *data, size_t len);
/* The same, writing over the file reuse (another name in the same
 * directory, which it consumes) instead of a new one when it exists: a file
 * that is no longer needed is recycled rather than deleted and created. */
bool file_write_atomic_reusing(const char *path, const char *data, size_t len, const char *reuse);
/* As file_write_atomic, the file its owner's alone (mode 0600) from the
 * moment it is created: never, not even between the rename and a chmod,
 * open to its group (a secret's file, or one whose readers refuse a file
 * others may read). */
bool file_write_atomic_private(const char *path, const char *data, size_t len);
/* Opens path (created, mode 0640, when missing) and takes an exclusive
 * flock(2) on it, waiting for it when wait: the descriptor, which holds the
 * lock until closed, or -1 with errno set (EWOULDBLOCK: another process
 * holds it and wait is false). Serialises processes that read, change and
 * replace one file. */
int file_lock(const char *path, bool wait);
/* Reads a secret's file (appended to out): opened once and judged by what
 * was opened (fstat), it must be a regular file that neither group nor
 * others may read or write, else false with the reason in err (the path
 * named, never a byte of its content). */
bool file_read_private(const char *path, struct strbuf *out, char *err, size_t cap);
/* mkdir -p for one or two levels; false with errno set. */
bool file_make_dir(const char *path);

#endif
