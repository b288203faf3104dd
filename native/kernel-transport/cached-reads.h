#ifndef NESTJS_FUSE_CACHED_READS_H
#define NESTJS_FUSE_CACHED_READS_H

#include <node_api.h>

napi_value cached_reads_read(napi_env env, napi_callback_info info);

#endif
