# The engine's own Node-API addons: ECDSA over a digest the caller already computed (raw_ecdsa.cc),
# which node:crypto cannot do (its sign and verify always hash the data again), and PKCS#12 client
# certificate files (pkcs12.cc), which node:crypto cannot read. OpenSSL's EVP and PKCS12
# interface from Node's own headers; the symbols resolve from the node binary that loads it.
# Build: npx node-gyp rebuild --directory app/engine/crypto/native
{
  "targets": [
    {
      "target_name": "raw_ecdsa",
      "sources": ["raw_ecdsa.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-Wall", "-Wextra"]
    },
    {
      "target_name": "pkcs12",
      "sources": ["pkcs12.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-Wall", "-Wextra"]
    }
  ]
}
