/*
 * nestjs-fuse's kernel transport: the few system calls the FUSE protocol needs that Node has no API for. Everything
 * else — parsing requests, encoding replies, dispatch — is TypeScript (src/modules/fuse/kernel/).
 *
 * Requests are read on the JavaScript thread when libuv reports the device readable (uv_poll), a wake-up drains up to
 * MAX_REQUESTS_PER_WAKE requests, and replies are written on the same thread. A request is copied into a Buffer of its
 * own, except a large WRITE: that is read straight into one of the request-sized Buffers JavaScript lent the reader
 * (giveBuffer), which goes to JavaScript as it is and comes back once the write's handler is done — no allocation and
 * no copy per megabyte written. Notifications (the filesystem telling the
 * kernel to drop what it caches) are the one exception: the kernel may hold them until it gets the answer to a request
 * in flight, which the JavaScript thread must stay free to give, so each mount writes them from a thread of its own,
 * fed through a queue under a mutex. Each reader and notifier belongs to one mount; nothing is process-wide.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/uio.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

#include "addon-errors.h"
#include "backing-files.h"
#include "cached-reads.h"
#include "fd-passing.h"
#include "file-calls.h"
#include "service-notify.h"

#define MAX_REQUESTS_PER_WAKE 64
#define MAX_REPLY_PARTS 16
#define MAX_SPARE_BUFFERS 32
/* Requests up to this size are copied out, whatever they are: an allocation that small costs less than a lent buffer. */
#define COPY_LIMIT (64 * 1024)
#define FUSE_WRITE_OPCODE 16

/* One mount's request reader. Owned by the JavaScript external that wraps it; freed once both are done with it. */
typedef struct {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int fd;
  char *buffer;
  size_t buffer_size;
  /* Buffers lent by JavaScript, each at least buffer_size long: references, and their memory. */
  napi_ref spares[MAX_SPARE_BUFFERS];
  void *spare_data[MAX_SPARE_BUFFERS];
  uint32_t spare_count;
  int polling;    /* uv_poll is started */
  int closed;     /* uv_close was called */
  int finalized;  /* the JavaScript external is gone */
} device_reader_t;

static int get_string(napi_env env, napi_value value, char *out, size_t size) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, out, size, &length) != napi_ok) return -1;
  return length + 1 < size ? 0 : -1;
}

static napi_value make_int(napi_env env, int64_t number) {
  napi_value value;
  napi_create_int64(env, number, &value);
  return value;
}

/* openDevice(): a descriptor of /dev/fuse, non-blocking (requests are read when poll says they are there). */
static napi_value open_device(napi_env env, napi_callback_info info) {
  (void)info;
  int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return throw_errno(env, "open /dev/fuse", errno);
  return make_int(env, fd);
}

/* closeDevice(fd): closing the last descriptor of a connection aborts it; requests still pending fail ENOTCONN. */
static napi_value close_device(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) return throw_errno(env, "closeDevice(fd)", EINVAL);
  if (close(fd) != 0 && errno != EINTR) return throw_errno(env, "close /dev/fuse", errno);
  return NULL;
}

/* mount(source, target, fstype, flags, data): mount(2), which needs CAP_SYS_ADMIN. */
static napi_value mount_device(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  char source[1024], target[PATH_MAX], fstype[256], data[4096];
  int64_t flags = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 5 || get_string(env, argv[0], source, sizeof(source)) || get_string(env, argv[1], target, sizeof(target)) ||
      get_string(env, argv[2], fstype, sizeof(fstype)) || napi_get_value_int64(env, argv[3], &flags) != napi_ok ||
      get_string(env, argv[4], data, sizeof(data))) {
    return throw_errno(env, "mount(source, target, fstype, flags, data)", EINVAL);
  }
  if (mount(source, target, fstype, (unsigned long)flags, data) != 0) return throw_errno(env, "mount", errno);
  return NULL;
}

/* unmount(target, lazy): umount2(2); lazy detaches at once and lets open files finish. */
static napi_value unmount_device(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  char target[PATH_MAX];
  bool lazy = false;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || get_string(env, argv[0], target, sizeof(target)) || napi_get_value_bool(env, argv[1], &lazy) != napi_ok) {
    return throw_errno(env, "unmount(target, lazy)", EINVAL);
  }
  if (umount2(target, lazy ? MNT_DETACH : 0) != 0) return throw_errno(env, "umount2", errno);
  return NULL;
}

/*
 * writeReply(fd, parts): one reply, written whole with writev(2). Returns 0, or a negative errno the caller may expect:
 * -ENOENT when the request was interrupted and the kernel no longer waits for it, -ENODEV after the unmount.
 */
static napi_value write_reply(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd = -1;
  uint32_t count = 0;
  struct iovec parts[MAX_REPLY_PARTS];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_array_length(env, argv[1], &count) != napi_ok ||
      count == 0 || count > MAX_REPLY_PARTS) {
    return throw_errno(env, "writeReply(fd, parts)", EINVAL);
  }
  size_t total = 0;
  for (uint32_t i = 0; i < count; i++) {
    napi_value part;
    void *data = NULL;
    size_t length = 0;
    napi_get_element(env, argv[1], i, &part);
    if (napi_get_buffer_info(env, part, &data, &length) != napi_ok) return throw_errno(env, "writeReply: each part must be a Buffer", EINVAL);
    parts[i].iov_base = data;
    parts[i].iov_len = length;
    total += length;
  }
  ssize_t written;
  do {
    written = writev(fd, parts, (int)count);
  } while (written < 0 && errno == EINTR);
  if (written < 0) return make_int(env, -errno);
  /* The device takes a reply whole or not at all. */
  if ((size_t)written != total) return make_int(env, -EIO);
  return make_int(env, 0);
}

static void on_closed(uv_handle_t *handle) {
  device_reader_t *reader = handle->data;
  reader->closed = 2;
  if (reader->finalized) {
    free(reader->buffer);
    free(reader);
  }
}

static void drop_spares(device_reader_t *reader) {
  while (reader->spare_count > 0) napi_delete_reference(reader->env, reader->spares[--reader->spare_count]);
}

static void stop_reader(device_reader_t *reader) {
  drop_spares(reader);
  if (reader->polling) {
    uv_poll_stop(&reader->poll);
    reader->polling = 0;
  }
  if (!reader->closed) {
    reader->closed = 1;
    if (reader->callback) {
      napi_delete_reference(reader->env, reader->callback);
      reader->callback = NULL;
    }
    if (reader->context) {
      napi_async_destroy(reader->env, reader->context);
      reader->context = NULL;
    }
    uv_close((uv_handle_t *)&reader->poll, on_closed);
  }
}

/*
 * Drains the device; the callback gets the requests all at once, callback(requests, endErrno) — each a Buffer of its
 * own, or [lentBuffer, length] for a large WRITE read into a lent Buffer — and endErrno is 0 while the mount lives,
 * ENODEV once it is gone (the reader stops).
 */
static void on_readable(uv_poll_t *poll, int status, int events) {
  (void)events;
  device_reader_t *reader = poll->data;
  napi_env env = reader->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value requests;
  napi_create_array(env, &requests);
  uint32_t count = 0;
  int end = 0;
  /* A poll error (POLLERR once the connection is gone) still reads, so the device's own errno (ENODEV) is reported. */
  while (!end && count < MAX_REQUESTS_PER_WAKE) {
    int lent = reader->spare_count > 0;
    char *target = lent ? reader->spare_data[reader->spare_count - 1] : reader->buffer;
    ssize_t length = read(reader->fd, target, reader->buffer_size);
    if (length < 0) {
      if (errno == EINTR || errno == ENOENT) continue; /* ENOENT: the request was interrupted before we read it */
      if (errno == EAGAIN) break;
      end = errno;
      break;
    }
    uint32_t opcode = 0;
    if (length >= 8) memcpy(&opcode, target + 4, sizeof(opcode));
    napi_value request;
    if (lent && opcode == FUSE_WRITE_OPCODE && length > COPY_LIMIT) {
      /* The lent Buffer itself, and its length: JavaScript reads the request from it and gives it back. */
      napi_ref spare = reader->spares[--reader->spare_count];
      napi_value pair[2];
      napi_get_reference_value(env, spare, &pair[0]);
      napi_delete_reference(env, spare);
      napi_create_uint32(env, (uint32_t)length, &pair[1]);
      napi_create_array_with_length(env, 2, &request);
      napi_set_element(env, request, 0, pair[0]);
      napi_set_element(env, request, 1, pair[1]);
    } else {
      void *copy;
      if (napi_create_buffer_copy(env, (size_t)length, target, &copy, &request) != napi_ok) {
        end = ENOMEM;
        break;
      }
    }
    napi_set_element(env, requests, count++, request);
  }
  if (!end && status < 0 && count == 0) end = -status;
  napi_value callback, global, argv[2], result;
  if (reader->callback && napi_get_reference_value(env, reader->callback, &callback) == napi_ok) {
    napi_get_global(env, &global);
    argv[0] = requests;
    napi_create_int32(env, end, &argv[1]);
    /* make_callback runs the microtasks the callback queues, as for any I/O callback. */
    napi_make_callback(env, reader->context, global, callback, 2, argv, &result);
  }
  if (end) stop_reader(reader);
  napi_close_handle_scope(env, scope);
}

static void finalize_reader(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  device_reader_t *reader = data;
  reader->finalized = 1;
  if (reader->closed == 2) {
    free(reader->buffer);
    free(reader);
  } else {
    stop_reader(reader);
  }
}

/* startReader(fd, bufferSize, callback): an external that reads the device until stopReader or the unmount. */
static napi_value start_reader(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  int32_t fd = -1;
  uint32_t buffer_size = 0;
  napi_valuetype type;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 3 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_uint32(env, argv[1], &buffer_size) != napi_ok ||
      napi_typeof(env, argv[2], &type) != napi_ok || type != napi_function || buffer_size < 8192) {
    return throw_errno(env, "startReader(fd, bufferSize >= 8192, callback)", EINVAL);
  }
  uv_loop_t *loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return throw_errno(env, "startReader: no event loop", EINVAL);
  device_reader_t *reader = calloc(1, sizeof(*reader));
  char *buffer = malloc(buffer_size);
  if (!reader || !buffer) {
    free(reader);
    free(buffer);
    return throw_errno(env, "startReader", ENOMEM);
  }
  reader->env = env;
  reader->fd = fd;
  reader->buffer = buffer;
  reader->buffer_size = buffer_size;
  napi_value resource_name;
  napi_create_string_utf8(env, "nestjs-fuse:device", NAPI_AUTO_LENGTH, &resource_name);
  int error = uv_poll_init(loop, &reader->poll, fd);
  if (error == 0) {
    reader->poll.data = reader;
    error = uv_poll_start(&reader->poll, UV_READABLE, on_readable);
    if (error != 0) {
      reader->closed = 1;
      reader->finalized = 1;
      uv_close((uv_handle_t *)&reader->poll, on_closed);
    }
  } else {
    free(buffer);
    free(reader);
  }
  if (error != 0) return throw_errno(env, "uv_poll on /dev/fuse", -error);
  reader->polling = 1;
  napi_create_reference(env, argv[2], 1, &reader->callback);
  napi_async_init(env, NULL, resource_name, &reader->context);
  napi_value external;
  napi_create_external(env, reader, finalize_reader, NULL, &external);
  return external;
}

/* Reads the (external, Buffer) arguments shared by giveBuffer and notify; the Buffer's value too when `value` is set. */
static bool get_external_and_buffer(napi_env env, napi_callback_info info, void **external, void **bytes, size_t *length, napi_value *value) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_external(env, argv[0], external) != napi_ok || napi_get_buffer_info(env, argv[1], bytes, length) != napi_ok) {
    return false;
  }
  if (value) *value = argv[1];
  return true;
}

/*
 * giveBuffer(reader, buffer): lends the reader a Buffer of at least its request size to read a large WRITE into.
 * Returns false when the reader is stopped or holds as many as it keeps (the Buffer is then not used).
 */
static napi_value give_buffer(napi_env env, napi_callback_info info) {
  void *data = NULL;
  void *bytes = NULL;
  size_t length = 0;
  napi_value buffer;
  if (!get_external_and_buffer(env, info, &data, &bytes, &length, &buffer)) return throw_errno(env, "giveBuffer(reader, buffer)", EINVAL);
  device_reader_t *reader = data;
  if (length < reader->buffer_size) return throw_errno(env, "giveBuffer: the buffer is smaller than a request", EINVAL);
  bool kept = !reader->closed && reader->spare_count < MAX_SPARE_BUFFERS;
  if (kept) {
    napi_create_reference(env, buffer, 1, &reader->spares[reader->spare_count]);
    reader->spare_data[reader->spare_count++] = bytes;
  }
  napi_value result;
  napi_get_boolean(env, kept, &result);
  return result;
}

/* stopReader(reader): no more requests are read; safe to call more than once. */
static napi_value stop_reader_js(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok) return throw_errno(env, "stopReader(reader)", EINVAL);
  stop_reader(data);
  return NULL;
}

/* One notification waiting for the notifier thread: a whole message (header and body), as the device takes it. */
typedef struct notice {
  struct notice *next;
  size_t length;
  char bytes[];
} notice_t;

/*
 * One mount's notifier. `lock` guards the queue, `stopping` and `refs`. The struct is shared by the JavaScript external
 * and the thread, and freed by whichever lets go of it last: stopping never waits for the thread, which may be held by
 * the kernel until a request is answered, and answering it is the JavaScript thread's job.
 */
typedef struct {
  int fd;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t ready;
  notice_t *head;
  notice_t *tail;
  int stopping;
  int refs;
} notifier_t;

static void release_notifier(notifier_t *notifier) {
  pthread_mutex_lock(&notifier->lock);
  int last = --notifier->refs == 0;
  pthread_mutex_unlock(&notifier->lock);
  if (!last) return;
  pthread_mutex_destroy(&notifier->lock);
  pthread_cond_destroy(&notifier->ready);
  free(notifier);
}

static void *notifier_main(void *arg) {
  notifier_t *notifier = arg;
  pthread_mutex_lock(&notifier->lock);
  for (;;) {
    while (!notifier->head && !notifier->stopping) pthread_cond_wait(&notifier->ready, &notifier->lock);
    notice_t *notice = notifier->head;
    if (!notice) break;
    notifier->head = notice->next;
    if (!notifier->head) notifier->tail = NULL;
    pthread_mutex_unlock(&notifier->lock);
    /* ENOENT: the kernel does not hold that inode or name, so there is nothing to drop. Other errors mean the mount is
       going away; either way nobody waits for the outcome. */
    ssize_t written;
    do {
      written = write(notifier->fd, notice->bytes, notice->length);
    } while (written < 0 && errno == EINTR);
    free(notice);
    pthread_mutex_lock(&notifier->lock);
  }
  pthread_mutex_unlock(&notifier->lock);
  close(notifier->fd);
  release_notifier(notifier);
  return NULL;
}

/* Stops taking notifications and drops those not written yet; the thread ends after the one it may be writing. */
static void stop_notifier(notifier_t *notifier) {
  pthread_mutex_lock(&notifier->lock);
  if (!notifier->stopping) {
    notifier->stopping = 1;
    while (notifier->head) {
      notice_t *next = notifier->head->next;
      free(notifier->head);
      notifier->head = next;
    }
    notifier->tail = NULL;
    pthread_cond_signal(&notifier->ready);
  }
  pthread_mutex_unlock(&notifier->lock);
}

static void finalize_notifier(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  stop_notifier(data);
  release_notifier(data);
}

/* startNotifier(fd): an external whose thread writes the notifications given to notify(). */
static napi_value start_notifier(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd = -1;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) return throw_errno(env, "startNotifier(fd)", EINVAL);
  notifier_t *notifier = calloc(1, sizeof(*notifier));
  if (!notifier) return throw_errno(env, "startNotifier", ENOMEM);
  /* The thread's own descriptor of the connection: the mount's may be closed (and its number reused) while the thread
     is still writing. */
  notifier->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (notifier->fd < 0) {
    int error = errno;
    free(notifier);
    return throw_errno(env, "startNotifier: dup", error);
  }
  notifier->refs = 2;
  pthread_mutex_init(&notifier->lock, NULL);
  pthread_cond_init(&notifier->ready, NULL);
  int error = pthread_create(&notifier->thread, NULL, notifier_main, notifier);
  if (error == 0) pthread_detach(notifier->thread);
  if (error != 0) {
    close(notifier->fd);
    pthread_mutex_destroy(&notifier->lock);
    pthread_cond_destroy(&notifier->ready);
    free(notifier);
    return throw_errno(env, "startNotifier: pthread_create", error);
  }
  napi_value external;
  napi_create_external(env, notifier, finalize_notifier, NULL, &external);
  return external;
}

/* notify(notifier, message): queues a copy of one whole notification; false once the notifier is stopped. */
static napi_value notify(napi_env env, napi_callback_info info) {
  void *data = NULL;
  void *bytes = NULL;
  size_t length = 0;
  if (!get_external_and_buffer(env, info, &data, &bytes, &length, NULL)) return throw_errno(env, "notify(notifier, message)", EINVAL);
  notifier_t *notifier = data;
  notice_t *notice = malloc(sizeof(*notice) + length);
  if (!notice) return throw_errno(env, "notify", ENOMEM);
  notice->next = NULL;
  notice->length = length;
  memcpy(notice->bytes, bytes, length);
  bool queued = false;
  pthread_mutex_lock(&notifier->lock);
  if (!notifier->stopping) {
    if (notifier->tail) notifier->tail->next = notice;
    else notifier->head = notice;
    notifier->tail = notice;
    queued = true;
    pthread_cond_signal(&notifier->ready);
  }
  pthread_mutex_unlock(&notifier->lock);
  if (!queued) free(notice);
  napi_value result;
  napi_get_boolean(env, queued, &result);
  return result;
}

/* stopNotifier(notifier) */
static napi_value stop_notifier_js(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_external(env, argv[0], &data) != napi_ok) return throw_errno(env, "stopNotifier(notifier)", EINVAL);
  stop_notifier(data);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"openDevice", NULL, open_device, NULL, NULL, NULL, napi_default, NULL},
      {"closeDevice", NULL, close_device, NULL, NULL, NULL, napi_default, NULL},
      {"mount", NULL, mount_device, NULL, NULL, NULL, napi_default, NULL},
      {"unmount", NULL, unmount_device, NULL, NULL, NULL, napi_default, NULL},
      {"writeReply", NULL, write_reply, NULL, NULL, NULL, napi_default, NULL},
      {"startReader", NULL, start_reader, NULL, NULL, NULL, napi_default, NULL},
      {"stopReader", NULL, stop_reader_js, NULL, NULL, NULL, napi_default, NULL},
      {"giveBuffer", NULL, give_buffer, NULL, NULL, NULL, napi_default, NULL},
      {"startNotifier", NULL, start_notifier, NULL, NULL, NULL, napi_default, NULL},
      {"notify", NULL, notify, NULL, NULL, NULL, napi_default, NULL},
      {"stopNotifier", NULL, stop_notifier_js, NULL, NULL, NULL, napi_default, NULL},
      {"setTimes", NULL, file_calls_set_times, NULL, NULL, NULL, napi_default, NULL},
      {"fallocate", NULL, file_calls_fallocate, NULL, NULL, NULL, napi_default, NULL},
      {"seek", NULL, file_calls_seek, NULL, NULL, NULL, napi_default, NULL},
      {"copyRange", NULL, file_calls_copy_range, NULL, NULL, NULL, napi_default, NULL},
      {"exchange", NULL, file_calls_exchange, NULL, NULL, NULL, napi_default, NULL},
      {"readCached", NULL, cached_reads_read, NULL, NULL, NULL, napi_default, NULL},
      {"backingOpen", NULL, backing_files_open, NULL, NULL, NULL, napi_default, NULL},
      {"backingClose", NULL, backing_files_close, NULL, NULL, NULL, napi_default, NULL},
      {"socketPair", NULL, fd_passing_socket_pair, NULL, NULL, NULL, napi_default, NULL},
      {"receiveDescriptor", NULL, fd_passing_receive, NULL, NULL, NULL, napi_default, NULL},
      {"notifyService", NULL, service_notify, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(properties) / sizeof(properties[0]), properties);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
