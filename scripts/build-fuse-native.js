#!/usr/bin/env node
// Rebuilds fuse-native 2.2.6's native binding from its own source with two fixes, so the daemon gets what the kernel
// sent: utimens passes the modification time (upstream passes the access time twice, so `cp -p`, `rsync -t` and
// `tar x` lose mtimes), and create passes the open flags (upstream drops them). node-gyp-build loads build/Release
// before the bundled prebuild. Without a C toolchain the prebuild stays in use and the README's limits apply;
// NESTJS_FUSE_REQUIRE_PATCHED_BINARY=1 (set by scripts/test.sh) makes that an error instead.
'use strict';
const { execFile } = require('node:child_process');
const fs = require('node:fs/promises');
const path = require('node:path');
const { promisify } = require('node:util');

const run = promisify(execFile);
const root = path.resolve(__dirname, '..');
const pkgDir = path.join(root, 'node_modules', 'fuse-native');
const MARKER = path.join(pkgDir, 'build', 'Release', '.nestjs-fuse-patched');
const PATCH_ID = 'utimens-mtime+create-flags+owned-read-buffers+listed-attrs+absent-xattrs/5';

const PATCHES = [
  {
    name: 'utimens passes mtime',
    from: 'FUSE_UINT64_TO_INTS_ARGV(l->atime, 5)',
    to: 'FUSE_UINT64_TO_INTS_ARGV(l->mtime, 5)',
  },
  {
    name: 'create passes its flags (one more callback argument)',
    from: 'FUSE_METHOD(create, 2, 1,',
    to: 'FUSE_METHOD(create, 3, 1,',
  },
  {
    name: 'create passes its flags (the argument)',
    from: '  napi_create_uint32(env, l->mode, &(argv[3]));\n}, {\n  NAPI_ARGV_INT32(fd, 2)\n  if (fd != 0) {\n    l->info->fh = fd;\n  }\n})\n\nFUSE_METHOD_VOID(utimens',
    to: '  napi_create_uint32(env, l->mode, &(argv[3]));\n  napi_create_uint32(env, l->info != NULL ? l->info->flags : 0, &(argv[4]));\n}, {\n  NAPI_ARGV_INT32(fd, 2)\n  if (fd != 0) {\n    l->info->fh = fd;\n  }\n})\n\nFUSE_METHOD_VOID(utimens',
  },
  {
    name: 'read answers from memory the binding owns (the finalizer that frees a buffer lent past an error answer)',
    from: 'FUSE_METHOD(read, 6, 2,',
    to: `// nestjs-fuse: a read buffer still held by a handler when the read was answered with an error (a deadline) is freed
// when its ArrayBuffer is garbage-collected, never while the handler may still write to it.
static void fuse_native_free_lent_read_buffer (napi_env env, void *data, void *hint) {
  free(data);
}

FUSE_METHOD(read, 7, 2,`,
  },
  {
    name: 'read answers from memory the binding owns (the buffer is marked lendable; an error answer leaves it to JS)',
    from: '  FUSE_UINT64_TO_INTS_ARGV(l->offset, 6)\n}, {\n  if (IS_ARRAY_BUFFER_DETACH_SUPPORTED == 1) assert(napi_detach_arraybuffer(env, argv[3]) == napi_ok);\n})\n\nFUSE_METHOD(write',
    to: `  FUSE_UINT64_TO_INTS_ARGV(l->offset, 6)
  napi_get_boolean(env, true, &(argv[8]));
}, {
  if (res < 0) {
    // Leaked rather than freed if the finalizer cannot be attached: the handler may still be writing to it.
    napi_add_finalizer(env, argv[3], l->buf, fuse_native_free_lent_read_buffer, NULL, NULL);
    l->buf = NULL;
  } else if (IS_ARRAY_BUFFER_DETACH_SUPPORTED == 1) assert(napi_detach_arraybuffer(env, argv[3]) == napi_ok);
})

// nestjs-fuse: libfuse frees the buffer of a plain read as soon as the read returns, even while a handler that was
// answered early still writes to it. read_buf lets the binding own that memory: libfuse frees it after a successful
// answer, JavaScript's garbage collector after an error.
static int fuse_native_read_buf (const char *path, struct fuse_bufvec **bufp, size_t len, off_t offset, struct fuse_file_info *info) {
  struct fuse_bufvec *vec = malloc(sizeof(struct fuse_bufvec));
  char *mem = malloc(len > 0 ? len : 1);
  if (vec == NULL || mem == NULL) {
    free(vec);
    free(mem);
    return -ENOMEM;
  }
  int res = fuse_native_read(path, mem, len, offset, info);
  if (get_thread_locals()->buf != mem) {
    free(vec);
    return res < 0 ? res : -EIO;
  }
  if (res < 0) {
    free(vec);
    free(mem);
    return res;
  }
  struct fuse_bufvec answer = FUSE_BUFVEC_INIT(res);
  answer.buf[0].mem = mem;
  *vec = answer;
  *bufp = vec;
  return 0;
}

FUSE_METHOD(write`,
  },
  {
    name: 'read answers from memory the binding owns (registered as read_buf)',
    from: 'if (implemented[op_read]) ops.read = fuse_native_read;',
    to: 'if (implemented[op_read]) ops.read_buf = fuse_native_read_buf;',
  },
  {
    name: 'listed attributes answer lookups (the generation a readdir started in)',
    from: '  // Readdir\n  fuse_fill_dir_t readdir_filler;\n',
    to: '  // Readdir\n  fuse_fill_dir_t readdir_filler;\n  // The cache generation an op started in (readdir: listed attributes; getxattr: missing attributes)\n  uint32_t generation;\n',
  },
  {
    name: 'listed attributes answer lookups (every op that may change something empties the cache)',
    from: '  fuse_thread_locals_t *l = get_thread_locals();\\\n  l->op = op_##name;\\\n',
    to: '  fuse_thread_locals_t *l = get_thread_locals();\\\n  l->op = op_##name;\\\n  if (!fuse_native_op_changes_nothing(op_##name)) listed_attrs_forget_all();\\\n  if (!fuse_native_op_adds_no_xattr(op_##name)) absent_xattrs_forget_all();\\\n',
  },
  {
    name: 'listed attributes answer lookups (the cache)',
    from: 'FUSE_METHOD(statfs, 1, 1,',
    to: `// nestjs-fuse: the attributes a readdir returned answer the lookup of each listed name that follows it (what
// readdirplus does on newer FUSE versions), instead of one trip into JavaScript per name. JavaScript gives each
// listing a time to live (its own attribute cache's); an entry is used once; every op that may change anything
// empties the cache (a generation count), and a listing that overlapped such an op is not kept.
#define LISTED_ATTR_SLOTS 32768
#define LISTED_ATTR_PROBES 16

typedef struct {
  char *path;
  uint32_t hash;
  uint32_t generation;
  uint64_t expires_ms;
  struct stat st;
} listed_attr_t;

static listed_attr_t *listed_attrs = NULL;
static uint32_t listed_generation = 1;
static pthread_mutex_t listed_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t listed_now_ms () {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t) now.tv_sec * 1000 + (uint64_t) now.tv_nsec / 1000000;
}

static uint32_t listed_hash (const char *path) {
  uint32_t hash = 2166136261u;
  while (*path) {
    hash ^= (unsigned char) *path++;
    hash *= 16777619u;
  }
  return hash;
}

static uint32_t generation_of (uint32_t *counter) {
  pthread_mutex_lock(&listed_lock);
  uint32_t generation = *counter;
  pthread_mutex_unlock(&listed_lock);
  return generation;
}

static void next_generation (uint32_t *counter) {
  pthread_mutex_lock(&listed_lock);
  (*counter)++;
  pthread_mutex_unlock(&listed_lock);
}

static uint32_t listed_attrs_generation () {
  return generation_of(&listed_generation);
}

static void listed_attrs_forget_all () {
  next_generation(&listed_generation);
}

static int fuse_native_op_changes_nothing (uint32_t op) {
  return op == op_getattr || op == op_fgetattr || op == op_readdir || op == op_opendir || op == op_releasedir ||
    op == op_read || op == op_open || op == op_statfs || op == op_readlink || op == op_access ||
    op == op_getxattr || op == op_listxattr || op == op_init;
}

static void listed_attrs_put (uint32_t generation, const char *dir, const char *name, const struct stat *st, uint32_t ttl_ms) {
  size_t dir_length = strlen(dir);
  size_t name_length = strlen(name);
  char *path = malloc(dir_length + name_length + 2);
  if (path == NULL) return;
  memcpy(path, dir, dir_length);
  size_t at = dir_length;
  if (at == 0 || path[at - 1] != '/') path[at++] = '/';
  memcpy(path + at, name, name_length + 1);
  uint32_t hash = listed_hash(path);
  uint64_t now = listed_now_ms();

  pthread_mutex_lock(&listed_lock);
  if (listed_attrs == NULL) listed_attrs = calloc(LISTED_ATTR_SLOTS, sizeof(listed_attr_t));
  listed_attr_t *chosen = NULL;
  if (listed_attrs != NULL && generation == listed_generation) {
    for (uint32_t probe = 0; probe < LISTED_ATTR_PROBES; probe++) {
      listed_attr_t *slot = &listed_attrs[(hash + probe) & (LISTED_ATTR_SLOTS - 1)];
      int live = slot->path != NULL && slot->generation == listed_generation && slot->expires_ms > now;
      if (live && slot->hash == hash && strcmp(slot->path, path) == 0) {
        chosen = slot;
        break;
      }
      if (!live && chosen == NULL) chosen = slot;
    }
  }
  if (chosen != NULL) {
    free(chosen->path);
    chosen->path = path;
    chosen->hash = hash;
    chosen->generation = generation;
    chosen->expires_ms = now + ttl_ms;
    chosen->st = *st;
    path = NULL;
  }
  pthread_mutex_unlock(&listed_lock);
  free(path);
}

static int listed_attrs_take (const char *path, struct stat *st) {
  uint32_t hash = listed_hash(path);
  uint64_t now = listed_now_ms();
  int found = 0;
  pthread_mutex_lock(&listed_lock);
  for (uint32_t probe = 0; listed_attrs != NULL && probe < LISTED_ATTR_PROBES; probe++) {
    listed_attr_t *slot = &listed_attrs[(hash + probe) & (LISTED_ATTR_SLOTS - 1)];
    if (slot->path == NULL || slot->hash != hash || slot->generation != listed_generation || slot->expires_ms <= now) continue;
    if (strcmp(slot->path, path) != 0) continue;
    *st = slot->st;
    free(slot->path);
    slot->path = NULL;
    found = 1;
    break;
  }
  pthread_mutex_unlock(&listed_lock);
  return found;
}

// nestjs-fuse: the kernel asks for security.capability before every write() to a filesystem that has extended
// attributes (to drop it). An attribute JavaScript answered missing is remembered as missing for the module's
// attribute TTL, unless an op that could add one to a path (setxattr, chmod, chown, anything that makes a path name
// another file) starts first.
#define ABSENT_XATTR_SLOTS 1024

typedef struct {
  char *path;
  char *name;
  uint32_t hash;
  uint32_t generation;
  uint64_t expires_ms;
} absent_xattr_t;

static absent_xattr_t absent_xattrs[ABSENT_XATTR_SLOTS];
static uint32_t absent_generation = 1;

static int fuse_native_op_adds_no_xattr (uint32_t op) {
  return fuse_native_op_changes_nothing(op) || op == op_write || op == op_flush || op == op_fsync ||
    op == op_fsyncdir || op == op_release || op == op_truncate || op == op_ftruncate || op == op_utimens;
}

static uint32_t absent_xattrs_generation () {
  return generation_of(&absent_generation);
}

static void absent_xattrs_forget_all () {
  next_generation(&absent_generation);
}

static uint32_t absent_xattr_hash (const char *path, const char *name) {
  return listed_hash(path) * 31u + listed_hash(name);
}

static void absent_xattr_put (uint32_t generation, const char *path, const char *name, uint32_t ttl_ms) {
  char *path_copy = strdup(path);
  char *name_copy = strdup(name);
  uint32_t hash = absent_xattr_hash(path, name);
  pthread_mutex_lock(&listed_lock);
  if (path_copy != NULL && name_copy != NULL && generation == absent_generation) {
    absent_xattr_t *slot = &absent_xattrs[hash & (ABSENT_XATTR_SLOTS - 1)];
    free(slot->path);
    free(slot->name);
    slot->path = path_copy;
    slot->name = name_copy;
    slot->hash = hash;
    slot->generation = generation;
    slot->expires_ms = listed_now_ms() + ttl_ms;
    path_copy = name_copy = NULL;
  }
  pthread_mutex_unlock(&listed_lock);
  free(path_copy);
  free(name_copy);
}

static int absent_xattr_known (const char *path, const char *name) {
  uint32_t hash = absent_xattr_hash(path, name);
  pthread_mutex_lock(&listed_lock);
  absent_xattr_t *slot = &absent_xattrs[hash & (ABSENT_XATTR_SLOTS - 1)];
  int known = slot->path != NULL && slot->hash == hash && slot->generation == absent_generation &&
    slot->expires_ms > listed_now_ms() && strcmp(slot->path, path) == 0 && strcmp(slot->name, name) == 0;
  pthread_mutex_unlock(&listed_lock);
  return known;
}

FUSE_METHOD(statfs, 1, 1,`,
  },
  {
    name: 'listed attributes answer lookups (getattr looks there first)',
    from: 'FUSE_METHOD(getattr, 1, 1, (const char *path, struct stat *stat), {\n',
    to: 'FUSE_METHOD(getattr, 1, 1, (const char *path, struct stat *stat), {\n  if (listed_attrs_take(path, stat)) return 0;\n',
  },
  {
    name: 'listed attributes answer lookups (readdir takes a time to live and keeps complete attributes)',
    from: 'FUSE_METHOD(readdir, 1, 2, (const char *path, void *buf, fuse_fill_dir_t filler, off_t offset, struct fuse_file_info *info), {\n  l->buf = buf;\n',
    to: 'FUSE_METHOD(readdir, 1, 3, (const char *path, void *buf, fuse_fill_dir_t filler, off_t offset, struct fuse_file_info *info), {\n  l->generation = listed_attrs_generation();\n  l->buf = buf;\n',
  },
  {
    name: 'listed attributes answer lookups (readdir keeps what it lists)',
    from: '      populate_stat(stats_array, &st);\n',
    to: '      populate_stat(stats_array, &st);\n      // A link count of 0 marks an entry JavaScript knows only the type of.\n      if (listed_ttl_ms > 0 && st.st_nlink > 0 && strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {\n        listed_attrs_put(l->generation, l->path, name, &st, listed_ttl_ms);\n      }\n',
  },
  {
    name: 'listed attributes answer lookups (the time to live argument)',
    from: '}, {\n  uint32_t stats_length;\n',
    to: '}, {\n  uint32_t listed_ttl_ms = 0;\n  napi_get_value_uint32(env, argv[4], &listed_ttl_ms);\n  uint32_t stats_length;\n',
  },
  {
    name: 'missing attributes are remembered (getxattr looks there first, and notes the generation it started in)',
    from: 'FUSE_METHOD(getxattr, 4, 1, (const char *path, const char *name, char *value, size_t size), {\n',
    to: 'FUSE_METHOD(getxattr, 4, 2, (const char *path, const char *name, char *value, size_t size), {\n  if (absent_xattr_known(path, name)) return -ENODATA;\n  l->generation = absent_xattrs_generation();\n',
  },
  {
    name: 'missing attributes are remembered (for the time to live JavaScript passes with the answer)',
    from: '  napi_create_uint32(env, 0, &(argv[5]));\n}, {\n  if (IS_ARRAY_BUFFER_DETACH_SUPPORTED == 1) assert(napi_detach_arraybuffer(env, argv[2]) == napi_ok);\n})\n\n#endif',
    to: '  napi_create_uint32(env, 0, &(argv[5]));\n}, {\n  uint32_t absent_ttl_ms = 0;\n  napi_get_value_uint32(env, argv[3], &absent_ttl_ms);\n  if (res == -ENODATA && absent_ttl_ms > 0) absent_xattr_put(l->generation, l->path, l->name, absent_ttl_ms);\n  if (IS_ARRAY_BUFFER_DETACH_SUPPORTED == 1) assert(napi_detach_arraybuffer(env, argv[2]) == napi_ok);\n})\n\n#endif',
  },
];

async function main() {
  const version = JSON.parse(await fs.readFile(path.join(pkgDir, 'package.json'), 'utf8')).version;
  if (version !== '2.2.6') throw new Error(`expected fuse-native 2.2.6, found ${version}: review the patches first`);
  if ((await fs.readFile(MARKER, 'utf8').catch(() => '')) === PATCH_ID) return log('patched binding already built');

  const sourcePath = path.join(pkgDir, 'fuse-native.c');
  const originalPath = `${sourcePath}.orig`;
  const original = await fs.readFile(originalPath, 'utf8').catch(() => fs.readFile(sourcePath, 'utf8'));
  await fs.writeFile(originalPath, original);
  let patched = original;
  for (const patch of PATCHES) {
    const count = patched.split(patch.from).length - 1;
    if (count !== 1) throw new Error(`patch "${patch.name}" matches ${count} places instead of 1`);
    patched = patched.replace(patch.from, patch.to);
  }
  await fs.writeFile(sourcePath, patched);

  const npmRoot = (await run('npm', ['root', '-g'])).stdout.trim();
  const nodeGyp = path.join(npmRoot, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  const args = [nodeGyp, 'rebuild'];
  // Build against the running Node's own headers when it has them (no download needed).
  const prefix = path.dirname(path.dirname(process.execPath));
  if (await fs.access(path.join(prefix, 'include', 'node', 'node_api.h')).then(() => true, () => false)) args.push(`--nodedir=${prefix}`);
  log('building the patched fuse-native binding');
  await run(process.execPath, args, { cwd: pkgDir, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 });
  await run(process.execPath, ['-e', "require('fuse-native')"], { cwd: root, timeout: 30_000 });
  await fs.writeFile(MARKER, PATCH_ID);
  log('patched binding built');
}

function log(message) {
  process.stdout.write(`build-fuse-native: ${message}\n`);
}

main().catch(async (error) => {
  await fs.rm(path.join(pkgDir, 'build'), { recursive: true, force: true });
  const message = `build-fuse-native: could not build the patched binding (${String(error.stderr || error.message).trim().split('\n').slice(-3).join(' | ')})`;
  if (process.env.NESTJS_FUSE_REQUIRE_PATCHED_BINARY === '1') {
    process.stderr.write(`${message}\n`);
    process.exit(1);
  }
  process.stderr.write(`${message}; using fuse-native's prebuilt binary (see "Known limitations" in the README)\n`);
});
