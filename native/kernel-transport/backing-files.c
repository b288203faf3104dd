/*
 * FUSE passthrough (Linux 6.9+): the kernel serves an open file's reads, writes and mmap from a backing file of the
 * daemon's, never waking it. A backing file is registered with the connection by an ioctl on /dev/fuse (which needs
 * CAP_SYS_ADMIN) and named in OPEN replies by the id that returns.
 *
 *   backingOpen(deviceFd, fileFd)  reopens fileFd's file read-write (read-only when that is refused) without its
 *                                  O_APPEND, registers it, and returns [id, writable]; throws with `errno` on failure
 *   backingClose(deviceFd, id)     drops the registration: opens already using it keep the file
 *
 * The reopen matters: every passthrough open of one inode must name the same backing file, so it must allow whatever
 * a later open of the inode asks for, and O_APPEND on it would make every write append.
 *
 * linux/fuse.h before protocol 7.40 (Debian bookworm's) has no passthrough: the ioctls are defined here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <node_api.h>

#include "addon-errors.h"
#include "backing-files.h"

struct backing_map {
  int32_t fd;
  uint32_t flags;
  uint64_t padding;
};

#define DEV_IOC_MAGIC 229
#define DEV_IOC_BACKING_OPEN _IOW(DEV_IOC_MAGIC, 1, struct backing_map)
#define DEV_IOC_BACKING_CLOSE _IOW(DEV_IOC_MAGIC, 2, uint32_t)

static int get_int_args(napi_env env, napi_callback_info info, int32_t *first, int32_t *second) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_int32(env, argv[0], first) != napi_ok || napi_get_value_int32(env, argv[1], second) != napi_ok) return -1;
  return 0;
}

napi_value backing_files_open(napi_env env, napi_callback_info info) {
  int32_t device = -1, file = -1;
  if (get_int_args(env, info, &device, &file) != 0) return throw_errno(env, "backingOpen(deviceFd, fileFd)", EINVAL);

  char path[64];
  snprintf(path, sizeof(path), "/proc/self/fd/%d", file);
  int writable = 1;
  int backing = open(path, O_RDWR | O_CLOEXEC);
  if (backing < 0 && (errno == EACCES || errno == EPERM || errno == EROFS || errno == ETXTBSY)) {
    writable = 0;
    backing = open(path, O_RDONLY | O_CLOEXEC);
  }
  if (backing < 0) return throw_errno(env, "reopen of the backing file", errno);

  struct backing_map map = {.fd = backing, .flags = 0, .padding = 0};
  int id = ioctl(device, DEV_IOC_BACKING_OPEN, &map);
  int error = errno;
  close(backing);
  if (id < 0) return throw_errno(env, "FUSE_DEV_IOC_BACKING_OPEN", error);

  napi_value result, id_value, writable_value;
  napi_create_array_with_length(env, 2, &result);
  napi_create_int32(env, id, &id_value);
  napi_get_boolean(env, writable, &writable_value);
  napi_set_element(env, result, 0, id_value);
  napi_set_element(env, result, 1, writable_value);
  return result;
}

napi_value backing_files_close(napi_env env, napi_callback_info info) {
  int32_t device = -1, id = -1;
  if (get_int_args(env, info, &device, &id) != 0) return throw_errno(env, "backingClose(deviceFd, id)", EINVAL);
  uint32_t backing_id = (uint32_t)id;
  if (ioctl(device, DEV_IOC_BACKING_CLOSE, &backing_id) != 0) return throw_errno(env, "FUSE_DEV_IOC_BACKING_CLOSE", errno);
  return NULL;
}
