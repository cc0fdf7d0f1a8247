# The Linux data-plane addon (Node-API): the TUN device (tun.cc, its offload mode in
# tun-offload.cc), the batched UDP socket of the NAT-T leg (udp.cc) and rtnetlink requests for
# the network configuration (netlink.cc), ESP sealed and opened on OpenSSL's EVP interface
# (esp-sa.cc, bound in esp.cc): Node's own OpenSSL headers, the symbols resolve from the node
# binary that loads the addon. datapath.cc joins them into the tunnel's loop without JavaScript.
# Other platforms build nothing: openTun() reports them as not supported before it ever loads
# the addon.
# Build: npx node-gyp rebuild --directory app/dataplane/tun/native
{
  "targets": [
    {
      "target_name": "tun",
      "conditions": [
        [
          "OS=='linux'",
          {
            "sources": ["tun.cc", "tun-offload.cc", "udp.cc", "netlink.cc", "esp.cc", "esp-sa.cc", "esp-evp-baseline.cc", "datapath.cc"],
            "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
            "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
            "cflags_cc": ["-Wall", "-Wextra"],
          },
          { "type": "none" },
        ]
      ],
    }
  ]
}
