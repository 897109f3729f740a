# The workerd config of run.mjs's workerd check: the bundled worker plus the package's wasm as a
# `wasm` module; BASE from the environment; outbound requests may reach loopback.
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
    (name = "worker.mjs", esModule = embed "dist/worker.mjs"),
    (name = "evolink_tasks.wasm", wasm = embed "node_modules/evolink-tasks/evolink_tasks.wasm"),
  ],
  compatibilityDate = "2025-09-01",
  bindings = [(name = "BASE", fromEnvironment = "BASE")],
  globalOutbound = "net",
);
