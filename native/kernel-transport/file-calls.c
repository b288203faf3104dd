/*
 * System calls on files that Node does not offer, each run on libuv's thread pool and settling a promise on the
 * JavaScript thread: the local backend needs them to pass on what the kernel transport receives.
 *
 *   setTimes(path, atime, mtime, followSymlinks)  utimensat(2): times to the nanosecond, or one left as it is
 *                                                 (fs.utimes takes a double — about 0.25 µs — and sets both)
 *   fallocate(fd, mode, offset, length)           fallocate(2): preallocate, punch holes, zero ranges
 *   seek(fd, offset, whence)                      lseek(2) with SEEK_DATA / SEEK_HOLE; resolves with the offset
 *   copyRange(fdIn, offIn, fdOut, offOut, length) copy_file_range(2); resolves with the bytes copied
 *   exchange(pathA, pathB)                        renameat2(2) with RENAME_EXCHANGE: swaps two names atomically
 *
 * Each rejects with an Error whose `errno` is the negative errno.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <node_api.h>

#include "file-calls.h"

typedef enum { SET_TIMES, FALLOCATE, SEEK, COPY_RANGE, EXCHANGE } call_kind_t;

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  call_kind_t kind;
  int fd;
  int fd_out;
  int mode;
  int64_t offset;
  int64_t offset_out;
  int64_t length;
  char path[PATH_MAX];
  char path_out[PATH_MAX];
  struct timespec times[2];
  int64_t result;
  int error;
} file_call_t;

static void execute(napi_env env, void *data) {
  (void)env;
  file_call_t *call = data;
  int64_t result = 0;
  switch (call->kind) {
    case SET_TIMES:
      result = utimensat(AT_FDCWD, call->path, call->times, call->mode);
      break;
    case FALLOCATE:
      result = fallocate(call->fd, call->mode, (off_t)call->offset, (off_t)call->length);
      break;
    case SEEK:
      result = lseek(call->fd, (off_t)call->offset, call->mode);
      break;
    case EXCHANGE:
      result = renameat2(AT_FDCWD, call->path, AT_FDCWD, call->path_out, RENAME_EXCHANGE);
      break;
    case COPY_RANGE: {
      loff_t in = (loff_t)call->offset;
      loff_t out = (loff_t)call->offset_out;
      result = copy_file_range(call->fd, &in, call->fd_out, &out, (size_t)call->length, 0);
      break;
    }
  }
  call->error = result < 0 ? errno : 0;
  call->result = result;
}

static void complete(napi_env env, napi_status status, void *data) {
  file_call_t *call = data;
  if (status == napi_ok && call->error == 0) {
    napi_value value;
    napi_create_int64(env, call->result, &value);
    napi_resolve_deferred(env, call->deferred, value);
  } else {
    int error = call->error ? call->error : EIO;
    napi_value code, message, failure, number;
    char text[96];
    snprintf(text, sizeof(text), "%s", strerror(error));
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message);
    napi_create_string_utf8(env, "ESYSCALL", NAPI_AUTO_LENGTH, &code);
    napi_create_error(env, code, message, &failure);
    napi_create_int32(env, -error, &number);
    napi_set_named_property(env, failure, "errno", number);
    napi_reject_deferred(env, call->deferred, failure);
  }
  napi_delete_async_work(env, call->work);
  free(call);
}

static napi_value queue(napi_env env, file_call_t *call) {
  napi_value promise, name;
  napi_create_promise(env, &call->deferred, &promise);
  napi_create_string_utf8(env, "nestjs-fuse:file-call", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, call, &call->work);
  napi_queue_async_work(env, call->work);
  return promise;
}

static napi_value usage(napi_env env, file_call_t *call, const char *text) {
  free(call);
  napi_throw_type_error(env, NULL, text);
  return NULL;
}

/* A time from JavaScript: null or undefined leaves it as it is; otherwise [seconds, nanoseconds]. */
static int read_time(napi_env env, napi_value value, struct timespec *out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok) return -1;
  if (type == napi_null || type == napi_undefined) {
    out->tv_sec = 0;
    out->tv_nsec = UTIME_OMIT;
    return 0;
  }
  napi_value seconds, nanoseconds;
  int64_t s = 0;
  int64_t ns = 0;
  if (napi_get_element(env, value, 0, &seconds) != napi_ok || napi_get_element(env, value, 1, &nanoseconds) != napi_ok ||
      napi_get_value_int64(env, seconds, &s) != napi_ok || napi_get_value_int64(env, nanoseconds, &ns) != napi_ok || ns < 0 ||
      ns > 999999999) {
    return -1;
  }
  out->tv_sec = (time_t)s;
  out->tv_nsec = (long)ns;
  return 0;
}

static int read_int(napi_env env, napi_value value, int64_t *out) {
  return napi_get_value_int64(env, value, out) == napi_ok ? 0 : -1;
}

napi_value file_calls_set_times(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  file_call_t *call = calloc(1, sizeof(*call));
  size_t length = 0;
  bool follow = false;
  if (!call || argc < 4 || napi_get_value_string_utf8(env, argv[0], call->path, sizeof(call->path), &length) != napi_ok ||
      length + 1 >= sizeof(call->path) || read_time(env, argv[1], &call->times[0]) || read_time(env, argv[2], &call->times[1]) ||
      napi_get_value_bool(env, argv[3], &follow) != napi_ok) {
    return usage(env, call, "setTimes(path, [s, ns] | null, [s, ns] | null, followSymlinks)");
  }
  call->kind = SET_TIMES;
  call->mode = follow ? 0 : AT_SYMLINK_NOFOLLOW;
  return queue(env, call);
}

/* The call's first `count` arguments as integers; -1 when there are fewer or one is not a number. */
static int read_ints(napi_env env, napi_callback_info info, size_t count, int64_t *out) {
  size_t argc = 5;
  napi_value argv[5];
  if (count > 5 || napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < count) return -1;
  for (size_t i = 0; i < count; i++) {
    if (read_int(env, argv[i], &out[i])) return -1;
  }
  return 0;
}

static file_call_t *new_call(napi_env env, napi_callback_info info, call_kind_t kind, size_t count, int64_t *args) {
  file_call_t *call = calloc(1, sizeof(*call));
  if (call && read_ints(env, info, count, args) == 0) {
    call->kind = kind;
    return call;
  }
  free(call);
  return NULL;
}

napi_value file_calls_fallocate(napi_env env, napi_callback_info info) {
  int64_t a[4];
  file_call_t *call = new_call(env, info, FALLOCATE, 4, a);
  if (!call) return usage(env, NULL, "fallocate(fd, mode, offset, length)");
  call->fd = (int)a[0];
  call->mode = (int)a[1];
  call->offset = a[2];
  call->length = a[3];
  return queue(env, call);
}

napi_value file_calls_seek(napi_env env, napi_callback_info info) {
  int64_t a[3];
  file_call_t *call = new_call(env, info, SEEK, 3, a);
  if (!call) return usage(env, NULL, "seek(fd, offset, whence)");
  call->fd = (int)a[0];
  call->offset = a[1];
  call->mode = (int)a[2];
  return queue(env, call);
}

napi_value file_calls_copy_range(napi_env env, napi_callback_info info) {
  int64_t a[5];
  file_call_t *call = new_call(env, info, COPY_RANGE, 5, a);
  if (!call) return usage(env, NULL, "copyRange(fdIn, offsetIn, fdOut, offsetOut, length)");
  call->fd = (int)a[0];
  call->offset = a[1];
  call->fd_out = (int)a[2];
  call->offset_out = a[3];
  call->length = a[4];
  return queue(env, call);
}

napi_value file_calls_exchange(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  size_t length = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  file_call_t *call = calloc(1, sizeof(*call));
  if (!call || argc < 2 || napi_get_value_string_utf8(env, argv[0], call->path, sizeof(call->path), &length) != napi_ok ||
      length + 1 >= sizeof(call->path) || napi_get_value_string_utf8(env, argv[1], call->path_out, sizeof(call->path_out), &length) != napi_ok ||
      length + 1 >= sizeof(call->path_out)) {
    return usage(env, call, "exchange(pathA, pathB)");
  }
  call->kind = EXCHANGE;
  return queue(env, call);
}
