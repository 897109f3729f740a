# tests/isolate: the worker as `wrangler deploy --dry-run` bundled it (dist/worker.js plus the
# package's wasm under the name Wrangler gave it: run.mjs writes it over WASM_MODULE, and the date
# over COMPATIBILITY_DATE), with one Durable Object namespace kept in memory. Outbound requests may
# reach loopback (the fake server). The socket's address is given on the command line.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "net", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", http = (), service = "main")],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "dist/worker.js"),
    (name = "WASM_MODULE", wasm = embed "dist/WASM_MODULE"),
  ],
  compatibilityDate = "COMPATIBILITY_DATE",
  bindings = [(name = "WAITER", durableObjectNamespace = "Waiter")],
  durableObjectNamespaces = [(className = "Waiter", uniqueKey = "isolate-Waiter")],
  durableObjectStorage = (inMemory = void),
  globalOutbound = "net",
);
