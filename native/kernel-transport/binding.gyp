{
  "targets": [
    {
      "target_name": "fuse_device",
      "sources": ["fuse-device.c", "file-calls.c", "fd-passing.c", "backing-files.c", "cached-reads.c", "addon-errors.c", "service-notify.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
