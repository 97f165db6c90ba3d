{
  "targets": [
    {
      "target_name": "mask_keys",
      "sources": ["mask_keys.c"],
      "cflags": ["-O2", "-std=c11", "-Wall", "-Wextra"]
    }
  ]
}
