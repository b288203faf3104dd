#ifndef NESTJS_FUSE_ADDON_ERRORS_H
#define NESTJS_FUSE_ADDON_ERRORS_H

#include <node_api.h>

/* Throws an Error "<what>: <strerror>" whose `code` is the errno and `errno` its negative; returns NULL. */
napi_value throw_errno(napi_env env, const char *what, int error);

#endif
