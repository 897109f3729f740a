//! Polling policies on a simulated population of tasks, in virtual time: requests per task and
//! how late each policy learns that a task completed (detection delay). This client's adaptive
//! pace runs through the real poll loop (`Watch` over a virtual environment); the others are
//! the fixed paces other clients use, and the oracle that asks once, at the exact moment.
//!
//! The client's clock may differ from the server's (`created` is the server's): the adaptive
//! pace runs again with the client's clock 3 days and 10 minutes behind and ahead, on the whole
//! population and on a short task (2.5 s, `estimated_time` 3 s).
//!
//! `cargo run --release --example schedule_sim [-- TASKS SEED]` prints a table and, with
//! `--json`, the same figures as JSON (what `make bench` stores under `bench/results/`).

// A benchmark program: indexing its own fixed tables cannot go out of range.
#![allow(clippy::indexing_slicing)]

use std::cell::Cell;
use std::rc::Rc;

use evolink_tasks::poller::{Env, Watch};
use evolink_tasks::schedule::{Pace, Policy};
use evolink_tasks::{Error, Task};

/// A small deterministic generator (xorshift64*), so every run sees the same population.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.next().max(1e-12), self.next());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// The server's clock when a task is created, in ms since the epoch.
const CREATED_MS: f64 = 1_764_000_000_000.0;

/// One simulated task, all times in ms from its creation.
#[derive(Clone)]
struct SimTask {
    estimate_s: f64,
    queued: f64,
    done: f64,
    stall: Option<(f64, f64)>,
    step: f64,
    noise: Vec<f64>,
}

impl SimTask {
    fn new(rng: &mut Rng) -> SimTask {
        let estimate_s = (rng.range(30f64.ln(), 600f64.ln())).exp();
        let work = estimate_s * 1000.0 * (0.25 * rng.normal()).exp().clamp(0.5, 2.0);
        let queued = work * rng.range(0.0, 0.15);
        let stall = (rng.next() < 0.2).then(|| {
            (
                queued + (work - queued) * rng.range(0.3, 0.8),
                rng.range(10_000.0, 60_000.0),
            )
        });
        let done = work + stall.map_or(0.0, |(_, s)| s);
        let step = [1.0, 5.0, 10.0][(rng.next() * 3.0) as usize % 3];
        let noise = (0..64).map(|_| 3.0 * rng.normal()).collect();
        SimTask {
            estimate_s,
            queued,
            done,
            stall,
            step,
            noise,
        }
    }

    /// A task that stays pending until it completes at `done_ms`.
    fn short(done_ms: f64, estimate_s: f64) -> SimTask {
        SimTask {
            estimate_s,
            queued: done_ms,
            done: done_ms,
            stall: None,
            step: 1.0,
            noise: vec![0.0],
        }
    }

    /// The body `GET /v1/tasks/{id}` returns at time `t`.
    fn body(&self, t: f64, polls: usize) -> String {
        let created = CREATED_MS / 1000.0;
        if t >= self.done {
            return format!(
                r#"{{"id":"t","created":{created},"status":"completed","progress":100}}"#
            );
        }
        if t < self.queued {
            return format!(
                r#"{{"id":"t","created":{created},"status":"pending","progress":0,"task_info":{{"estimated_time":{}}}}}"#,
                self.estimate_s.round()
            );
        }
        let busy = match self.stall {
            Some((at, len)) if t >= at + len => t - len,
            Some((at, _)) if t >= at => at,
            _ => t,
        } - self.queued;
        let work = self.done - self.stall.map_or(0.0, |(_, s)| s) - self.queued;
        let noisy = 100.0 * busy / work + self.noise[polls % self.noise.len()];
        let progress = ((noisy / self.step).floor() * self.step).clamp(0.0, 99.0);
        format!(r#"{{"id":"t","created":{created},"status":"processing","progress":{progress}}}"#)
    }
}

/// A virtual clock and a server answering from a `SimTask`. `now` counts from the task's
/// creation; the client's clock reads `CREATED_MS + skew + now`.
#[derive(Clone)]
struct Sim {
    task: Rc<SimTask>,
    now: Rc<Cell<f64>>,
    skew: f64,
    requests: Rc<Cell<usize>>,
}

impl Env for Sim {
    fn now_ms(&self) -> f64 {
        CREATED_MS + self.skew + self.now.get()
    }
    fn random(&self) -> f64 {
        0.5
    }
    async fn fetch_task(&self, _: &str, _: u64) -> Result<Task, Error> {
        self.requests.set(self.requests.get() + 1);
        let body = self.task.body(self.now.get(), self.requests.get());
        Task::from_json(&body).map_err(|_| Error::Network("bad body".into()))
    }
    async fn sleep(&self, ms: u64) {
        self.now.set(self.now.get() + ms as f64);
    }
}

/// Runs the real poll loop with `pace` on one task, the client's clock `skew` ms ahead of the
/// server's: (requests, detection delay in ms).
fn run_client(task: &SimTask, pace: Pace, skew: f64) -> (usize, f64) {
    let sim = Sim {
        task: Rc::new(task.clone()),
        now: Rc::new(Cell::new(0.0)),
        skew,
        requests: Rc::new(Cell::new(0)),
    };
    let policy = Policy {
        pace,
        ..Policy::default()
    };
    let mut watch = Watch::new(sim.clone(), "t".into(), policy);
    pollster::block_on(async { while let Some(Ok(_)) = watch.next().await {} });
    (sim.requests.get(), sim.now.get() - task.done)
}

/// A loop that waits `pause()` between polls: (requests, detection delay in ms).
fn run_loop(task: &SimTask, mut pause: impl FnMut() -> f64) -> (usize, f64) {
    let (mut t, mut requests) = (0.0, 1);
    while t < task.done {
        t += pause();
        requests += 1;
    }
    (requests, t - task.done)
}

struct Row {
    name: &'static str,
    requests: f64,
    mean_delay: f64,
    p95_delay: f64,
}

fn summarise(name: &'static str, runs: &[(usize, f64)]) -> Row {
    let mut delays: Vec<f64> = runs.iter().map(|r| r.1 / 1000.0).collect();
    delays.sort_by(f64::total_cmp);
    let n = runs.len() as f64;
    Row {
        name,
        requests: runs.iter().map(|r| r.0 as f64).sum::<f64>() / n,
        mean_delay: delays.iter().sum::<f64>() / n,
        p95_delay: delays[((delays.len() as f64 * 0.95) as usize).min(delays.len() - 1)],
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let json = std::env::args().any(|a| a == "--json");
    let count: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(2_000);
    let seed: u64 = args
        .get(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20_261_129);
    let mut rng = Rng(seed.max(1));
    let tasks: Vec<SimTask> = (0..count).map(|_| SimTask::new(&mut rng)).collect();

    let mut jitter = Rng(seed ^ 0x9E37_79B9);
    let rows = [
        summarise(
            "evolink-tasks adaptive (default)",
            &tasks
                .iter()
                .map(|t| run_client(t, Pace::default(), 0.0))
                .collect::<Vec<_>>(),
        ),
        summarise(
            "fixed 5 s (EvoLink docs)",
            &tasks
                .iter()
                .map(|t| run_client(t, Pace::Fixed(5_000), 0.0))
                .collect::<Vec<_>>(),
        ),
        summarise(
            "fixed 6 s ± 1.5 s (Runway SDK)",
            &tasks
                .iter()
                .map(|t| run_loop(t, || jitter.range(4_500.0, 7_500.0)))
                .collect::<Vec<_>>(),
        ),
        summarise(
            "fixed 0.5 s (Replicate, fal)",
            &tasks
                .iter()
                .map(|t| run_client(t, Pace::Fixed(500), 0.0))
                .collect::<Vec<_>>(),
        ),
        summarise(
            "oracle (one request at completion)",
            &tasks.iter().map(|_| (1, 0.0)).collect::<Vec<_>>(),
        ),
    ];

    const DAY: f64 = 86_400_000.0;
    const MINUTE: f64 = 60_000.0;
    let skews = [
        ("3 days behind", -3.0 * DAY),
        ("10 min behind", -10.0 * MINUTE),
        ("on time", 0.0),
        ("10 min ahead", 10.0 * MINUTE),
        ("3 days ahead", 3.0 * DAY),
    ];
    let short = SimTask::short(2_500.0, 3.0);
    let skewed: Vec<(&str, Row, f64)> = skews
        .iter()
        .map(|&(name, skew)| {
            let runs: Vec<_> = tasks
                .iter()
                .map(|t| run_client(t, Pace::default(), skew))
                .collect();
            let short_delay = run_client(&short, Pace::default(), skew).1 / 1000.0;
            (name, summarise("adaptive", &runs), short_delay)
        })
        .collect();

    let (ours, docs) = (&rows[0], &rows[1]);
    let targets = [
        (
            "requests ≤ half of fixed 5 s",
            ours.requests <= docs.requests / 2.0,
        ),
        (
            "mean detection delay ≤ fixed 5 s",
            ours.mean_delay <= docs.mean_delay,
        ),
        ("p95 detection delay < 5 s", ours.p95_delay < 5.0),
        (
            "at every clock skew: p95 < 5 s, and a 2.5 s task seen within 4 s",
            skewed
                .iter()
                .all(|(_, r, short)| r.p95_delay < 5.0 && *short < 4.0),
        ),
    ];
    if json {
        let rows: Vec<String> = rows
            .iter()
            .map(|r| format!(r#"{{"policy":"{}","requests_per_task":{:.2},"mean_delay_s":{:.3},"p95_delay_s":{:.3}}}"#, r.name, r.requests, r.mean_delay, r.p95_delay))
            .collect();
        let checks: Vec<String> = targets
            .iter()
            .map(|(t, ok)| format!(r#"{{"target":"{t}","pass":{ok}}}"#))
            .collect();
        let skew_rows: Vec<String> = skewed
            .iter()
            .map(|(name, r, short)| format!(r#"{{"client_clock":"{name}","requests_per_task":{:.2},"mean_delay_s":{:.3},"p95_delay_s":{:.3},"short_task_delay_s":{short:.3}}}"#, r.requests, r.mean_delay, r.p95_delay))
            .collect();
        println!(
            r#"{{"tasks":{count},"seed":{seed},"policies":[{}],"clock_skew":[{}],"targets":[{}]}}"#,
            rows.join(","),
            skew_rows.join(","),
            checks.join(",")
        );
        return;
    }
    println!("Polling policies on {count} simulated tasks (seed {seed}; estimates 30 s–10 min, 20 % stall)\n");
    println!("| policy | requests / task | mean detection delay | p95 detection delay |");
    println!("|---|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {:.1} | {:.2} s | {:.2} s |",
            r.name, r.requests, r.mean_delay, r.p95_delay
        );
    }
    println!("\nThe adaptive pace with the client's clock off the server's (`created` is the server's):\n");
    println!("| client clock | requests / task | mean detection delay | p95 detection delay | 2.5 s task (estimate 3 s) seen after |");
    println!("|---|---:|---:|---:|---:|");
    for (name, r, short) in &skewed {
        println!(
            "| {name} | {:.1} | {:.2} s | {:.2} s | {short:.2} s |",
            r.requests, r.mean_delay, r.p95_delay
        );
    }
    println!();
    for (target, ok) in targets {
        println!("{} {target}", if ok { "PASS" } else { "FAIL" });
    }
}
