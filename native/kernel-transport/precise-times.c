/*
 * Setting a file's times to the nanosecond, which Node cannot: fs.utimes takes seconds as a double, which holds a
 * present-day time only to about a quarter of a microsecond, and has no way to leave one of the two times as it is.
 * setTimes() runs utimensat(2) on libuv's thread pool and settles a promise on the JavaScript thread.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <node_api.h>

#include "precise-times.h"

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  char path[PATH_MAX];
  struct timespec times[2];
  int flags;
  int error;
} set_times_t;

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

static void execute(napi_env env, void *data) {
  (void)env;
  set_times_t *call = data;
  call->error = utimensat(AT_FDCWD, call->path, call->times, call->flags) == 0 ? 0 : errno;
}

static void complete(napi_env env, napi_status status, void *data) {
  set_times_t *call = data;
  if (status == napi_ok && call->error == 0) {
    napi_value undefined;
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, call->deferred, undefined);
  } else {
    int error = call->error ? call->error : EIO;
    napi_value code, message, failure, number;
    char text[64];
    snprintf(text, sizeof(text), "utimensat: %s", strerror(error));
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

/* setTimes(path, atime, mtime, followSymlinks): a promise; each time is [seconds, nanoseconds] or null to keep it. */
napi_value precise_times_set(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  set_times_t *call = calloc(1, sizeof(*call));
  size_t length = 0;
  bool follow = false;
  if (!call || argc < 4 || napi_get_value_string_utf8(env, argv[0], call->path, sizeof(call->path), &length) != napi_ok ||
      length + 1 >= sizeof(call->path) || read_time(env, argv[1], &call->times[0]) || read_time(env, argv[2], &call->times[1]) ||
      napi_get_value_bool(env, argv[3], &follow) != napi_ok) {
    free(call);
    napi_throw_type_error(env, NULL, "setTimes(path, [s, ns] | null, [s, ns] | null, followSymlinks)");
    return NULL;
  }
  call->flags = follow ? 0 : AT_SYMLINK_NOFOLLOW;
  napi_value promise, name;
  napi_create_promise(env, &call->deferred, &promise);
  napi_create_string_utf8(env, "nestjs-fuse:setTimes", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, call, &call->work);
  napi_queue_async_work(env, call->work);
  return promise;
}
