# workerd config for tests/worker/run.sh: the example worker as `wrangler deploy --dry-run` bundled
# it (dist/index.js + the package's wasm under the hashed name Wrangler gave it; run.sh writes that
# name over WASM_MODULE), served with different settings, one socket each:
#   main      every setting (two page origins, SERVER_TOKEN, CALLBACK_SECRET), CREATES_PER_MINUTE
#             unset (the default 5), GET /tasks/:id polls at most every 250 ms, alarms every hour
#             (so they never fire during the suite: the route tests count GETs exactly),
#             ALLOWED_MODELS: two Seedance models and one the package does not check
#   twin      main's settings in another isolate, bound to main's Durable Objects (as two
#             isolates of one deployment are): the create limits must count across both
#   alarms    the package's default pace (no ALARM_* vars); GET /tasks/:id never polls; high limits
#   fast      alarms every 100–300 ms, stopped after 4 s; GET /tasks/:id never polls; high limits
#   limits    no CREATES_* vars: the defaults 5 per minute per address and 200 per day
#   turnstile main's settings plus TURNSTILE_SECRET and TURNSTILE_ACTION, verified by the fake server
#   (limits and turnstile: alarms every hour, as on main: their tasks' alarms would otherwise ask
#   EvoLink ~30 s after their creation, in the middle of tests that count every upstream request)
#   gateway   EVOLINK_BASE_URL with a secret path (the fake server under /gw-<secret>/), alarms
#             every hour: upstream failures must not show it
#   nokey     no EVOLINK_API_KEY
#   nocaller  neither ALLOWED_ORIGINS nor SERVER_TOKEN
# Secrets and the fake server's URLs come from the environment. Each service has its own Durable
# Object namespaces (TaskStore, CreateLimits), stored on disk (run.sh gives the directory with
# --directory-path do-storage=…): in-memory storage is dropped when workerd evicts an idle object,
# alarms and all, which a deployed Durable Object's is not. All may reach loopback.
# X-Forwarded-Proto is honoured so a test can make the worker see an https URL.
# compatibilityDate must equal the one in examples/worker/wrangler.toml (run.sh checks it).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .main),
    (name = "twin", worker = .twin),
    (name = "alarms", worker = .alarms),
    (name = "fast", worker = .fast),
    (name = "limits", worker = .limits),
    (name = "turnstile", worker = .turnstile),
    (name = "nokey", worker = .nokey),
    (name = "nocaller", worker = .nocaller),
    (name = "gateway", worker = .gateway),
    (name = "net", network = (allow = ["public", "private", "local"])),
    (name = "do-storage", disk = (path = "do-storage", writable = true)),
  ],
  sockets = [
    (name = "main", http = (forwardedProtoHeader = "x-forwarded-proto"), service = "main"),
    (name = "twin", http = (forwardedProtoHeader = "x-forwarded-proto"), service = "twin"),
    (name = "alarms", http = (forwardedProtoHeader = "x-forwarded-proto"), service = "alarms"),
    (name = "fast", http = (forwardedProtoHeader = "x-forwarded-proto"), service = "fast"),
    (name = "limits", http = (forwardedProtoHeader = "x-forwarded-proto"), service = "limits"),
    (name = "turnstile", http = (forwardedProtoHeader = "x-forwarded-proto"), service = "turnstile"),
    (name = "nokey", http = (forwardedProtoHeader = "x-forwarded-proto"), service = "nokey"),
    (name = "nocaller", http = (forwardedProtoHeader = "x-forwarded-proto"), service = "nocaller"),
    (name = "gateway", http = (forwardedProtoHeader = "x-forwarded-proto"), service = "gateway"),
  ],
);

const modules :List(Workerd.Worker.Module) = [
  (name = "index.js", esModule = embed "dist/index.js"),
  (name = "WASM_MODULE", wasm = embed "dist/WASM_MODULE"),
];

const main :Workerd.Worker = (
  modules = .modules,
  compatibilityDate = "2025-09-01",
  bindings = [
    (name = "EVOLINK_API_KEY", fromEnvironment = "EVOLINK_API_KEY"),
    (name = "EVOLINK_BASE_URL", fromEnvironment = "EVOLINK_BASE_URL"),
    (name = "SERVER_TOKEN", fromEnvironment = "SERVER_TOKEN"),
    (name = "CALLBACK_SECRET", fromEnvironment = "CALLBACK_SECRET"),
    (name = "ALLOWED_ORIGINS", text = "https://app.example, https://other.example"),
    (name = "CREATES_PER_DAY", text = "100000"),
    (name = "MIN_POLL_INTERVAL_MS", text = "250"),
    (name = "ALARM_MIN_INTERVAL_MS", text = "3600000"),
    (name = "ALARM_MAX_INTERVAL_MS", text = "3600000"),
    (name = "ALLOWED_MODELS", text = "seedance-2.0-text-to-video, seedance-2.0-fast-text-to-video, acme-video-1"),
    (name = "TASKS", durableObjectNamespace = "TaskStore"),
    (name = "LIMITS", durableObjectNamespace = "CreateLimits"),
  ],
  durableObjectNamespaces = [
    (className = "TaskStore", uniqueKey = "main-TaskStore", enableSql = true),
    (className = "CreateLimits", uniqueKey = "main-CreateLimits", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "do-storage"),
  globalOutbound = "net",
);

const twin :Workerd.Worker = (
  modules = .modules,
  compatibilityDate = "2025-09-01",
  bindings = [
    (name = "EVOLINK_API_KEY", fromEnvironment = "EVOLINK_API_KEY"),
    (name = "EVOLINK_BASE_URL", fromEnvironment = "EVOLINK_BASE_URL"),
    (name = "SERVER_TOKEN", fromEnvironment = "SERVER_TOKEN"),
    (name = "CALLBACK_SECRET", fromEnvironment = "CALLBACK_SECRET"),
    (name = "ALLOWED_ORIGINS", text = "https://app.example, https://other.example"),
    (name = "CREATES_PER_DAY", text = "100000"),
    (name = "MIN_POLL_INTERVAL_MS", text = "250"),
    (name = "ALARM_MIN_INTERVAL_MS", text = "3600000"),
    (name = "ALARM_MAX_INTERVAL_MS", text = "3600000"),
    (name = "ALLOWED_MODELS", text = "seedance-2.0-text-to-video, seedance-2.0-fast-text-to-video, acme-video-1"),
    (name = "TASKS", durableObjectNamespace = (serviceName = "main", className = "TaskStore")),
    (name = "LIMITS", durableObjectNamespace = (serviceName = "main", className = "CreateLimits")),
  ],
  globalOutbound = "net",
);

const alarms :Workerd.Worker = (
  modules = .modules,
  compatibilityDate = "2025-09-01",
  bindings = [
    (name = "EVOLINK_API_KEY", fromEnvironment = "EVOLINK_API_KEY"),
    (name = "EVOLINK_BASE_URL", fromEnvironment = "EVOLINK_BASE_URL"),
    (name = "SERVER_TOKEN", fromEnvironment = "SERVER_TOKEN"),
    (name = "CALLBACK_SECRET", fromEnvironment = "CALLBACK_SECRET"),
    (name = "CREATES_PER_MINUTE", text = "100000"),
    (name = "CREATES_PER_DAY", text = "100000"),
    (name = "MIN_POLL_INTERVAL_MS", text = "86400000"),
    (name = "TASKS", durableObjectNamespace = "TaskStore"),
    (name = "LIMITS", durableObjectNamespace = "CreateLimits"),
  ],
  durableObjectNamespaces = [
    (className = "TaskStore", uniqueKey = "alarms-TaskStore", enableSql = true),
    (className = "CreateLimits", uniqueKey = "alarms-CreateLimits", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "do-storage"),
  globalOutbound = "net",
);

const fast :Workerd.Worker = (
  modules = .modules,
  compatibilityDate = "2025-09-01",
  bindings = [
    (name = "EVOLINK_API_KEY", fromEnvironment = "EVOLINK_API_KEY"),
    (name = "EVOLINK_BASE_URL", fromEnvironment = "EVOLINK_BASE_URL"),
    (name = "SERVER_TOKEN", fromEnvironment = "SERVER_TOKEN"),
    (name = "CALLBACK_SECRET", fromEnvironment = "CALLBACK_SECRET"),
    (name = "CREATES_PER_MINUTE", text = "100000"),
    (name = "CREATES_PER_DAY", text = "100000"),
    (name = "MIN_POLL_INTERVAL_MS", text = "86400000"),
    (name = "ALARM_MIN_INTERVAL_MS", text = "100"),
    (name = "ALARM_MAX_INTERVAL_MS", text = "300"),
    (name = "ALARM_MAX_AGE_MS", text = "4000"),
    (name = "TASKS", durableObjectNamespace = "TaskStore"),
    (name = "LIMITS", durableObjectNamespace = "CreateLimits"),
  ],
  durableObjectNamespaces = [
    (className = "TaskStore", uniqueKey = "fast-TaskStore", enableSql = true),
    (className = "CreateLimits", uniqueKey = "fast-CreateLimits", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "do-storage"),
  globalOutbound = "net",
);

const limits :Workerd.Worker = (
  modules = .modules,
  compatibilityDate = "2025-09-01",
  bindings = [
    (name = "EVOLINK_API_KEY", fromEnvironment = "EVOLINK_API_KEY"),
    (name = "EVOLINK_BASE_URL", fromEnvironment = "EVOLINK_BASE_URL"),
    (name = "SERVER_TOKEN", fromEnvironment = "SERVER_TOKEN"),
    (name = "ALARM_MIN_INTERVAL_MS", text = "3600000"),
    (name = "ALARM_MAX_INTERVAL_MS", text = "3600000"),
    (name = "TASKS", durableObjectNamespace = "TaskStore"),
    (name = "LIMITS", durableObjectNamespace = "CreateLimits"),
  ],
  durableObjectNamespaces = [
    (className = "TaskStore", uniqueKey = "limits-TaskStore", enableSql = true),
    (className = "CreateLimits", uniqueKey = "limits-CreateLimits", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "do-storage"),
  globalOutbound = "net",
);

const turnstile :Workerd.Worker = (
  modules = .modules,
  compatibilityDate = "2025-09-01",
  bindings = [
    (name = "EVOLINK_API_KEY", fromEnvironment = "EVOLINK_API_KEY"),
    (name = "EVOLINK_BASE_URL", fromEnvironment = "EVOLINK_BASE_URL"),
    (name = "SERVER_TOKEN", fromEnvironment = "SERVER_TOKEN"),
    (name = "ALLOWED_ORIGINS", text = "https://app.example"),
    (name = "CREATES_PER_MINUTE", text = "100000"),
    (name = "TURNSTILE_SECRET", text = "turnstile-secret-for-tests"),
    (name = "TURNSTILE_VERIFY_URL", fromEnvironment = "TURNSTILE_VERIFY_URL"),
    (name = "TURNSTILE_ACTION", text = "create-task"),
    (name = "ALARM_MIN_INTERVAL_MS", text = "3600000"),
    (name = "ALARM_MAX_INTERVAL_MS", text = "3600000"),
    (name = "TASKS", durableObjectNamespace = "TaskStore"),
    (name = "LIMITS", durableObjectNamespace = "CreateLimits"),
  ],
  durableObjectNamespaces = [
    (className = "TaskStore", uniqueKey = "turnstile-TaskStore", enableSql = true),
    (className = "CreateLimits", uniqueKey = "turnstile-CreateLimits", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "do-storage"),
  globalOutbound = "net",
);

const nokey :Workerd.Worker = (
  modules = .modules,
  compatibilityDate = "2025-09-01",
  bindings = [
    (name = "EVOLINK_BASE_URL", fromEnvironment = "EVOLINK_BASE_URL"),
    (name = "SERVER_TOKEN", fromEnvironment = "SERVER_TOKEN"),
    (name = "ALLOWED_ORIGINS", text = "https://app.example"),
    (name = "TASKS", durableObjectNamespace = "TaskStore"),
    (name = "LIMITS", durableObjectNamespace = "CreateLimits"),
  ],
  durableObjectNamespaces = [
    (className = "TaskStore", uniqueKey = "nokey-TaskStore", enableSql = true),
    (className = "CreateLimits", uniqueKey = "nokey-CreateLimits", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "do-storage"),
  globalOutbound = "net",
);

const nocaller :Workerd.Worker = (
  modules = .modules,
  compatibilityDate = "2025-09-01",
  bindings = [
    (name = "EVOLINK_API_KEY", fromEnvironment = "EVOLINK_API_KEY"),
    (name = "EVOLINK_BASE_URL", fromEnvironment = "EVOLINK_BASE_URL"),
    (name = "ALLOWED_ORIGINS", text = ""),
    (name = "TASKS", durableObjectNamespace = "TaskStore"),
    (name = "LIMITS", durableObjectNamespace = "CreateLimits"),
  ],
  durableObjectNamespaces = [
    (className = "TaskStore", uniqueKey = "nocaller-TaskStore", enableSql = true),
    (className = "CreateLimits", uniqueKey = "nocaller-CreateLimits", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "do-storage"),
  globalOutbound = "net",
);

const gateway :Workerd.Worker = (
  modules = .modules,
  compatibilityDate = "2025-09-01",
  bindings = [
    (name = "EVOLINK_API_KEY", fromEnvironment = "EVOLINK_API_KEY"),
    (name = "EVOLINK_BASE_URL", fromEnvironment = "EVOLINK_GATEWAY_URL"),
    (name = "SERVER_TOKEN", fromEnvironment = "SERVER_TOKEN"),
    (name = "CREATES_PER_MINUTE", text = "100000"),
    (name = "MIN_POLL_INTERVAL_MS", text = "0"),
    (name = "ALARM_MIN_INTERVAL_MS", text = "3600000"),
    (name = "ALARM_MAX_INTERVAL_MS", text = "3600000"),
    (name = "TASKS", durableObjectNamespace = "TaskStore"),
    (name = "LIMITS", durableObjectNamespace = "CreateLimits"),
  ],
  durableObjectNamespaces = [
    (className = "TaskStore", uniqueKey = "gateway-TaskStore", enableSql = true),
    (className = "CreateLimits", uniqueKey = "gateway-CreateLimits", enableSql = true),
  ],
  durableObjectStorage = (localDisk = "do-storage"),
  globalOutbound = "net",
);
