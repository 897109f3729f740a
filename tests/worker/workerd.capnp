# workerd config for tests/worker/run.sh: the example worker, bundled as Wrangler would
# (dist/worker.mjs + the package's wasm as a separate `wasm` module), served twice:
#   socket "do":     with the TASKS Durable Object binding (class TaskStore, in-memory storage)
#   socket "memory": without it, so the worker falls back to its in-memory Map; it also has a
#                    poll interval of 250 ms and one allowed CORS origin
# Both read EVOLINK_API_KEY and EVOLINK_BASE_URL (the fake server) from the environment and may
# reach loopback. X-Forwarded-Proto is honoured so a test can make the worker see an https URL.
# The socket addresses are given on the command line (--socket-addr do=… --socket-addr memory=…).
# compatibilityDate must equal the one in examples/worker/wrangler.toml (run.sh checks it).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "with-do", worker = .withDurableObject),
    (name = "memory", worker = .memoryOnly),
    (name = "net", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [
    (name = "do", http = (forwardedProtoHeader = "x-forwarded-proto"), service = "with-do"),
    (name = "memory", http = (forwardedProtoHeader = "x-forwarded-proto"), service = "memory"),
  ],
);

const modules :List(Workerd.Worker.Module) = [
  (name = "worker.mjs", esModule = embed "dist/worker.mjs"),
  (name = "evolink_tasks.wasm", wasm = embed "node_modules/evolink-tasks/evolink_tasks.wasm"),
];

const withDurableObject :Workerd.Worker = (
  modules = .modules,
  compatibilityDate = "2025-09-01",
  bindings = [
    (name = "EVOLINK_API_KEY", fromEnvironment = "EVOLINK_API_KEY"),
    (name = "EVOLINK_BASE_URL", fromEnvironment = "EVOLINK_BASE_URL"),
    (name = "MIN_POLL_INTERVAL_MS", text = "0"),
    (name = "TASKS", durableObjectNamespace = "TaskStore"),
  ],
  durableObjectNamespaces = [
    (className = "TaskStore", uniqueKey = "evolink-tasks-worker-TaskStore", enableSql = true),
  ],
  durableObjectStorage = (inMemory = void),
  globalOutbound = "net",
);

const memoryOnly :Workerd.Worker = (
  modules = .modules,
  compatibilityDate = "2025-09-01",
  bindings = [
    (name = "EVOLINK_API_KEY", fromEnvironment = "EVOLINK_API_KEY"),
    (name = "EVOLINK_BASE_URL", fromEnvironment = "EVOLINK_BASE_URL"),
    (name = "MIN_POLL_INTERVAL_MS", text = "250"),
    (name = "ALLOWED_ORIGIN", text = "https://app.example"),
  ],
  globalOutbound = "net",
);
