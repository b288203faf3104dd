/*
 * Reads that never wait on storage, made on the JavaScript thread.
 *
 *   readCached(fd, buffer, position)  preadv2(2) with RWF_NOWAIT: copies what the page cache holds of the range, from
 *                                     its start, and returns the bytes copied (fewer than asked at the end of the file
 *                                     or where the cache has a gap); a negative errno otherwise — -EAGAIN when the
 *                                     first page is not cached, -EOPNOTSUPP where the filesystem cannot tell
 *
 * A read through libuv's thread pool wakes two threads, which costs more than copying a cached megabyte: the local
 * backend tries this first and sends only what it could not copy to the thread pool.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <sys/uio.h>

#include <node_api.h>

#include "addon-errors.h"
#include "cached-reads.h"

napi_value cached_reads_read(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd = -1;
  int64_t position = 0;
  struct iovec part = {NULL, 0};
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || napi_get_value_int32(env, argv[0], &fd) != napi_ok ||
      napi_get_buffer_info(env, argv[1], &part.iov_base, &part.iov_len) != napi_ok ||
      napi_get_value_int64(env, argv[2], &position) != napi_ok || position < 0) {
    return throw_errno(env, "readCached(fd, buffer, position)", EINVAL);
  }
  ssize_t result;
  do {
    result = preadv2(fd, &part, 1, (off_t)position, RWF_NOWAIT);
  } while (result < 0 && errno == EINTR);
  napi_value value;
  napi_create_int64(env, result < 0 ? -errno : (int64_t)result, &value);
  return value;
}
