/*
 * nestjs-fuse: what the patched fuse-native binding remembers for one mount, so some requests are answered without a
 * trip into JavaScript. Each mount owns one nestjs_fuse_caches_t (no process-wide state); libfuse's worker threads and
 * the JavaScript thread both use it, always under its mutex.
 *
 * Correctness rests on generations. An op that may change the filesystem bumps the generation when it starts and again
 * when JavaScript answers it. An op that observes (readdir, getxattr) notes the generation when it starts, and what it
 * learned is kept only if the generation is unchanged when JavaScript answers it: so no listing that overlapped a
 * change, even partly, is ever kept, and every kept answer is dropped by the next change.
 */
#ifndef NESTJS_FUSE_MOUNT_CACHES_H
#define NESTJS_FUSE_MOUNT_CACHES_H

#include <stdint.h>
#include <sys/stat.h>

/* What an op may do to what the caches hold. */
#define NESTJS_FUSE_CHANGES_ENTRIES 1u /* attributes, names or contents */
#define NESTJS_FUSE_CHANGES_XATTRS 2u  /* which extended attributes a path has */

typedef struct nestjs_fuse_caches nestjs_fuse_caches_t;

nestjs_fuse_caches_t *nestjs_fuse_caches_new(void);
void nestjs_fuse_caches_free(nestjs_fuse_caches_t *caches);

/* Called when an op with these effects starts, and again when JavaScript has answered it. */
void nestjs_fuse_caches_change(nestjs_fuse_caches_t *caches, uint32_t effects);

/* The generation an observing op starts in (pass it back when keeping what it learned). */
uint64_t nestjs_fuse_caches_listing_generation(nestjs_fuse_caches_t *caches);
uint64_t nestjs_fuse_caches_xattr_generation(nestjs_fuse_caches_t *caches);

/* The attributes a listing of `dir` returned for `name`, kept for ttl_ms unless a change came in between. */
void nestjs_fuse_caches_put_listed(nestjs_fuse_caches_t *caches, uint64_t generation, const char *dir, const char *name,
                                   const struct stat *st, uint32_t ttl_ms);
/* 1 and the attributes when a listing's answer for `path` is still good (each is used once); 0 otherwise. */
int nestjs_fuse_caches_take_listed(nestjs_fuse_caches_t *caches, const char *path, struct stat *st);

/* Extended attribute `name` of `path` was answered missing (ENODATA). */
void nestjs_fuse_caches_put_absent_xattr(nestjs_fuse_caches_t *caches, uint64_t generation, const char *path,
                                         const char *name, uint32_t ttl_ms);
int nestjs_fuse_caches_absent_xattr(nestjs_fuse_caches_t *caches, const char *path, const char *name);

#endif
