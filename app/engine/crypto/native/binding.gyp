# The engine's own Node-API addons, for what node:crypto cannot do: ECDSA over a digest already
# computed (raw_ecdsa.cc; its sign and verify always hash the data again), PKCS#12 client
# certificate files (pkcs12.cc), and the DER of a certificate's subject name, its KeyUsage bits
# and what a CRL says of it (x509_name.cc; it gives names only as text, extended key usages only,
# and reads no CRL). OpenSSL's
# EVP, PKCS12 and X509 interface from Node's own headers; the symbols resolve from the node
# binary that loads them.
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
    },
    {
      "target_name": "x509_name",
      "sources": ["x509_name.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-Wall", "-Wextra"]
    }
  ]
}
