#include "mount-caches.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Open addressing, bounded probing: a full neighbourhood just means an entry is not kept (JavaScript answers). */
#define LISTED_SLOTS 32768u
#define LISTED_PROBES 16u
#define ABSENT_XATTR_SLOTS 1024u

typedef struct {
  char *path;
  uint32_t hash;
  uint64_t generation;
  uint64_t expires_ms;
  struct stat st;
} listed_entry_t;

typedef struct {
  char *path;
  char *name;
  uint32_t hash;
  uint64_t generation;
  uint64_t expires_ms;
} absent_xattr_entry_t;

struct nestjs_fuse_caches {
  pthread_mutex_t lock;
  uint64_t listing_generation;
  uint64_t xattr_generation;
  listed_entry_t *listed; /* LISTED_SLOTS entries, allocated by the first listing kept */
  absent_xattr_entry_t absent[ABSENT_XATTR_SLOTS];
};

static uint64_t now_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (uint64_t) now.tv_sec * 1000u + (uint64_t) now.tv_nsec / 1000000u;
}

static uint32_t hash_of(const char *text) {
  uint32_t hash = 2166136261u;
  while (*text) {
    hash ^= (unsigned char) *text++;
    hash *= 16777619u;
  }
  return hash;
}

nestjs_fuse_caches_t *nestjs_fuse_caches_new(void) {
  nestjs_fuse_caches_t *caches = calloc(1, sizeof(nestjs_fuse_caches_t));
  if (caches == NULL) return NULL;
  if (pthread_mutex_init(&caches->lock, NULL) != 0) {
    free(caches);
    return NULL;
  }
  caches->listing_generation = 1;
  caches->xattr_generation = 1;
  return caches;
}

void nestjs_fuse_caches_free(nestjs_fuse_caches_t *caches) {
  if (caches == NULL) return;
  if (caches->listed != NULL) {
    for (uint32_t i = 0; i < LISTED_SLOTS; i++) free(caches->listed[i].path);
    free(caches->listed);
  }
  for (uint32_t i = 0; i < ABSENT_XATTR_SLOTS; i++) {
    free(caches->absent[i].path);
    free(caches->absent[i].name);
  }
  pthread_mutex_destroy(&caches->lock);
  free(caches);
}

void nestjs_fuse_caches_change(nestjs_fuse_caches_t *caches, uint32_t effects) {
  if (caches == NULL || effects == 0) return;
  pthread_mutex_lock(&caches->lock);
  if (effects & NESTJS_FUSE_CHANGES_ENTRIES) caches->listing_generation++;
  if (effects & NESTJS_FUSE_CHANGES_XATTRS) caches->xattr_generation++;
  pthread_mutex_unlock(&caches->lock);
}

static uint64_t read_generation(nestjs_fuse_caches_t *caches, const uint64_t *counter) {
  pthread_mutex_lock(&caches->lock);
  uint64_t generation = *counter;
  pthread_mutex_unlock(&caches->lock);
  return generation;
}

uint64_t nestjs_fuse_caches_listing_generation(nestjs_fuse_caches_t *caches) {
  return caches == NULL ? 0 : read_generation(caches, &caches->listing_generation);
}

uint64_t nestjs_fuse_caches_xattr_generation(nestjs_fuse_caches_t *caches) {
  return caches == NULL ? 0 : read_generation(caches, &caches->xattr_generation);
}

static char *join_path(const char *dir, const char *name) {
  size_t dir_length = strlen(dir);
  size_t name_length = strlen(name);
  char *path = malloc(dir_length + name_length + 2);
  if (path == NULL) return NULL;
  memcpy(path, dir, dir_length);
  size_t at = dir_length;
  if (at == 0 || path[at - 1] != '/') path[at++] = '/';
  memcpy(path + at, name, name_length + 1);
  return path;
}

void nestjs_fuse_caches_put_listed(nestjs_fuse_caches_t *caches, uint64_t generation, const char *dir, const char *name,
                                   const struct stat *st, uint32_t ttl_ms) {
  if (caches == NULL || ttl_ms == 0) return;
  char *path = join_path(dir, name);
  if (path == NULL) return;
  uint32_t hash = hash_of(path);
  uint64_t now = now_ms();

  pthread_mutex_lock(&caches->lock);
  if (caches->listed == NULL && generation == caches->listing_generation) {
    caches->listed = calloc(LISTED_SLOTS, sizeof(listed_entry_t));
  }
  listed_entry_t *chosen = NULL;
  if (caches->listed != NULL && generation == caches->listing_generation) {
    for (uint32_t probe = 0; probe < LISTED_PROBES; probe++) {
      listed_entry_t *slot = &caches->listed[(hash + probe) & (LISTED_SLOTS - 1)];
      int live = slot->path != NULL && slot->generation == caches->listing_generation && slot->expires_ms > now;
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
  pthread_mutex_unlock(&caches->lock);
  free(path);
}

int nestjs_fuse_caches_take_listed(nestjs_fuse_caches_t *caches, const char *path, struct stat *st) {
  if (caches == NULL || path == NULL) return 0;
  uint32_t hash = hash_of(path);
  uint64_t now = now_ms();
  int found = 0;
  pthread_mutex_lock(&caches->lock);
  for (uint32_t probe = 0; caches->listed != NULL && probe < LISTED_PROBES; probe++) {
    listed_entry_t *slot = &caches->listed[(hash + probe) & (LISTED_SLOTS - 1)];
    if (slot->path == NULL || slot->hash != hash) continue;
    if (slot->generation != caches->listing_generation || slot->expires_ms <= now) continue;
    if (strcmp(slot->path, path) != 0) continue;
    *st = slot->st;
    free(slot->path);
    slot->path = NULL;
    found = 1;
    break;
  }
  pthread_mutex_unlock(&caches->lock);
  return found;
}

static uint32_t absent_hash(const char *path, const char *name) {
  return hash_of(path) * 31u + hash_of(name);
}

void nestjs_fuse_caches_put_absent_xattr(nestjs_fuse_caches_t *caches, uint64_t generation, const char *path,
                                         const char *name, uint32_t ttl_ms) {
  if (caches == NULL || path == NULL || name == NULL || ttl_ms == 0) return;
  char *path_copy = strdup(path);
  char *name_copy = strdup(name);
  uint32_t hash = absent_hash(path, name);
  pthread_mutex_lock(&caches->lock);
  if (path_copy != NULL && name_copy != NULL && generation == caches->xattr_generation) {
    absent_xattr_entry_t *slot = &caches->absent[hash & (ABSENT_XATTR_SLOTS - 1)];
    free(slot->path);
    free(slot->name);
    slot->path = path_copy;
    slot->name = name_copy;
    slot->hash = hash;
    slot->generation = generation;
    slot->expires_ms = now_ms() + ttl_ms;
    path_copy = name_copy = NULL;
  }
  pthread_mutex_unlock(&caches->lock);
  free(path_copy);
  free(name_copy);
}

int nestjs_fuse_caches_absent_xattr(nestjs_fuse_caches_t *caches, const char *path, const char *name) {
  if (caches == NULL || path == NULL || name == NULL) return 0;
  uint32_t hash = absent_hash(path, name);
  uint64_t now = now_ms();
  pthread_mutex_lock(&caches->lock);
  absent_xattr_entry_t *slot = &caches->absent[hash & (ABSENT_XATTR_SLOTS - 1)];
  int known = slot->path != NULL && slot->hash == hash && slot->generation == caches->xattr_generation &&
              slot->expires_ms > now && strcmp(slot->path, path) == 0 && strcmp(slot->name, name) == 0;
  pthread_mutex_unlock(&caches->lock);
  return known;
}
