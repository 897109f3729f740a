//! Polling policies on simulated workloads, in virtual time: requests per task and how late
//! each policy learns that a task completed (detection delay). This client's adaptive pace runs
//! through the real poll loop (`Watch` over a virtual environment); the others are the fixed
//! paces other clients use, and the oracle that asks once, at the exact moment.
//!
//! Five workloads, side by side:
//! (a) tasks of 60–90 s whose progress rises steadily, `estimated_time` off by up to ±25 %;
//! (b) the population of earlier rounds: estimates 30 s–10 min, durations scattered around them,
//!     progress noisy and stepped, 20 % stalling then resuming;
//! (c) the same durations and estimates, and no progress until done;
//! (d) the same durations, and no hint at all;
//! (e) tasks of 3–20 s, estimate off by up to ±25 %, half with steady progress.
//!
//! The client's clock may differ from the server's (`created` is the server's): the adaptive
//! pace runs on every workload with the client's clock 3 days and 10 minutes behind and ahead,
//! and on a short task (2.5 s, `estimated_time` 3 s).
//!
//! `cargo run --release --example schedule_sim [-- TASKS SEED]` prints the tables and, with
//! `--json`, then the same figures as JSON on the last line (what `make bench` stores under
//! `bench/results/`).

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
    /// `task_info.estimated_time` while pending, if the task gives one.
    estimate_s: Option<f64>,
    queued: f64,
    done: f64,
    stall: Option<(f64, f64)>,
    step: f64,
    noise: Vec<f64>,
    /// Whether `progress` rises while processing (else it stays 0 until done).
    progress: bool,
}

impl SimTask {
    /// One task of the population of earlier rounds (workload b).
    fn population(rng: &mut Rng) -> SimTask {
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
            estimate_s: Some(estimate_s),
            queued,
            done,
            stall,
            step,
            noise,
            progress: true,
        }
    }

    /// A task of `lo_s..hi_s` seconds whose estimate is off by up to ±25 % and whose progress
    /// rises steadily (whole points) after a short queue, if `progress`.
    fn steady(rng: &mut Rng, lo_s: f64, hi_s: f64, progress: bool) -> SimTask {
        let done = rng.range(lo_s, hi_s) * 1000.0;
        let estimate_s = (done / 1000.0 * rng.range(0.75, 1.25)).round().max(1.0);
        SimTask {
            estimate_s: Some(estimate_s),
            queued: done * rng.range(0.0, 0.05),
            done,
            stall: None,
            step: 1.0,
            noise: vec![0.0],
            progress,
        }
    }

    /// A task that stays pending until it completes at `done_ms`.
    fn short(done_ms: f64, estimate_s: f64) -> SimTask {
        SimTask {
            estimate_s: Some(estimate_s),
            queued: done_ms,
            done: done_ms,
            stall: None,
            step: 1.0,
            noise: vec![0.0],
            progress: true,
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
            return match self.estimate_s {
                Some(e) => format!(
                    r#"{{"id":"t","created":{created},"status":"pending","progress":0,"task_info":{{"estimated_time":{}}}}}"#,
                    e.round()
                ),
                None => format!(r#"{{"id":"t","created":{created},"status":"pending"}}"#),
            };
        }
        if !self.progress {
            return format!(
                r#"{{"id":"t","created":{created},"status":"processing","progress":0}}"#
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

/// The standard normal distribution function (Abramowitz and Stegun 7.1.26, error < 1.5e-7).
fn phi(x: f64) -> f64 {
    let z = x.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * z);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erfc = poly * (-z * z).exp();
    if x >= 0.0 {
        1.0 - erfc / 2.0
    } else {
        erfc / 2.0
    }
}

/// The grid of the bound's schedules (ms), and its pauses' bounds: the client's defaults.
const GRID_MS: f64 = 250.0;
const BOUND_MIN: usize = 4; // 1 s
const BOUND_MAX: usize = 120; // 30 s

/// The schedule that, knowing how the population's completion times are distributed for an
/// estimate (`SimTask::population`: the work scattered log-normally around it, 20 % stalling
/// 10–60 s), minimises requests + `rate` · detection delay in expectation, with pauses of
/// 1–30 s on a 250 ms grid (dynamic programming over the poll times). Returns the poll times
/// (ms from creation), the first at 0.
fn best_schedule(estimate_s: f64, rate: f64) -> Vec<f64> {
    let e = estimate_s * 1000.0;
    let end = 2.0 * e + 60_000.0 + 2.0 * GRID_MS;
    let n = (end / GRID_MS) as usize + 1;
    let work = |t: f64| {
        if t < 0.5 * e {
            0.0
        } else if t >= 2.0 * e {
            1.0
        } else {
            phi((t / e).ln() / 0.25)
        }
    };
    // F(t) = 0.8 G(t) + 0.2 · mean of G(t − s) for s uniform in 10–60 s, through C = ∫G.
    let g: Vec<f64> = (0..n).map(|i| work(i as f64 * GRID_MS)).collect();
    let mut c = vec![0.0; n + 1];
    for i in 0..n {
        c[i + 1] = c[i] + g[i];
    }
    let integral = |i: isize| if i <= 0 { 0.0 } else { c[(i as usize).min(n)] };
    let (s10, s60) = ((10_000.0 / GRID_MS) as isize, (60_000.0 / GRID_MS) as isize);
    let f: Vec<f64> = (0..n as isize)
        .map(|i| {
            let stalled = (integral(i - s10) - integral(i - s60)) / (s60 - s10) as f64;
            0.8 * g[i as usize] + 0.2 * stalled
        })
        .collect();
    // M(i) = E[T · 1{T ≤ t_i}], with each bin's mass at its midpoint.
    let mut m = vec![0.0; n];
    for i in 1..n {
        m[i] = m[i - 1] + (f[i] - f[i - 1]) * (i as f64 - 0.5) * GRID_MS;
    }
    let mut value = vec![0.0; n];
    let mut next = vec![n - 1; n];
    for i in (0..n - 1).rev() {
        let survive = 1.0 - f[i];
        if survive <= 1e-12 {
            continue;
        }
        let mut best = f64::INFINITY;
        for j in (i + BOUND_MIN)..=(i + BOUND_MAX).min(n - 1) {
            let t = j as f64 * GRID_MS;
            let delay = t * (f[j] - f[i]) - (m[j] - m[i]);
            let cost = survive + rate * delay / 1000.0 + (1.0 - f[j]) * value[j];
            if cost < best {
                best = cost;
                next[i] = j;
            }
        }
        value[i] = best / survive;
    }
    let mut polls = vec![0.0];
    let mut i = 0;
    while i < n - 1 {
        i = next[i];
        polls.push(i as f64 * GRID_MS);
    }
    polls
}

/// Workload (c) polled by `best_schedule` at the rate whose mean delay is `delay_s`: the fewest
/// requests any schedule within the client's 1–30 s pauses can make at that delay.
fn bound(tasks: &[SimTask], delay_s: f64) -> Row {
    let run = |rate: f64| {
        let runs: Vec<(usize, f64)> = tasks
            .iter()
            .map(|task| {
                let polls = best_schedule(task.estimate_s.unwrap_or(1.0), rate);
                let k = polls
                    .partition_point(|&t| t < task.done)
                    .min(polls.len() - 1);
                (k + 1, polls[k] - task.done)
            })
            .collect();
        summarise(&runs)
    };
    // The mean delay falls as the rate rises: bisect the rate for the delay asked.
    let (mut lo, mut hi): (f64, f64) = (2.0, 16.0);
    for _ in 0..8 {
        let mid = (lo * hi).sqrt();
        if run(mid).mean_delay > delay_s {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    run(hi)
}

#[derive(Clone, Copy)]
struct Row {
    requests: f64,
    mean_delay: f64,
    p95_delay: f64,
}

fn summarise(runs: &[(usize, f64)]) -> Row {
    let mut delays: Vec<f64> = runs.iter().map(|r| r.1 / 1000.0).collect();
    delays.sort_by(f64::total_cmp);
    let n = runs.len() as f64;
    Row {
        requests: runs.iter().map(|r| r.0 as f64).sum::<f64>() / n,
        mean_delay: delays.iter().sum::<f64>() / n,
        p95_delay: delays[((delays.len() as f64 * 0.95) as usize).min(delays.len() - 1)],
    }
}

/// One workload: its tasks, the adaptive pace at each clock skew, fixed 5 s, and its target.
struct Workload {
    key: &'static str,
    name: &'static str,
    target: &'static str,
    /// The adaptive pace at each skew of `SKEWS`.
    adaptive: Vec<Row>,
    fixed5: Row,
    /// Other fixed paces, for the population only.
    others: Vec<(&'static str, Row)>,
    pass: bool,
}

const DAY: f64 = 86_400_000.0;
const MINUTE: f64 = 60_000.0;
const SKEWS: [(&str, f64); 5] = [
    ("3 days behind", -3.0 * DAY),
    ("10 min behind", -10.0 * MINUTE),
    ("on time", 0.0),
    ("10 min ahead", 10.0 * MINUTE),
    ("3 days ahead", 3.0 * DAY),
];

fn workload(
    key: &'static str,
    name: &'static str,
    target: &'static str,
    tasks: &[SimTask],
    meets: impl Fn(&Row, &Row) -> bool,
) -> Workload {
    let fixed5 = summarise(
        &tasks
            .iter()
            .map(|t| run_client(t, Pace::Fixed(5_000), 0.0))
            .collect::<Vec<_>>(),
    );
    let adaptive: Vec<Row> = SKEWS
        .iter()
        .map(|&(_, skew)| {
            summarise(
                &tasks
                    .iter()
                    .map(|t| run_client(t, Pace::default(), skew))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    let pass = adaptive.iter().all(|r| meets(r, &fixed5));
    Workload {
        key,
        name,
        target,
        adaptive,
        fixed5,
        others: Vec::new(),
        pass,
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
    let population: Vec<SimTask> = (0..count).map(|_| SimTask::population(&mut rng)).collect();
    let mut rng = Rng(seed ^ 0xA5A5_5A5A);
    let steady: Vec<SimTask> = (0..count)
        .map(|_| SimTask::steady(&mut rng, 60.0, 90.0, true))
        .collect();
    let silent: Vec<SimTask> = population
        .iter()
        .map(|t| SimTask {
            progress: false,
            ..t.clone()
        })
        .collect();
    let blind: Vec<SimTask> = population
        .iter()
        .map(|t| SimTask {
            estimate_s: None,
            progress: false,
            ..t.clone()
        })
        .collect();
    let short: Vec<SimTask> = (0..count)
        .map(|i| SimTask::steady(&mut rng, 3.0, 20.0, i % 2 == 0))
        .collect();

    let mut workloads = vec![
        workload(
            "a",
            "(a) 60–90 s, steady progress, estimate ±25 %",
            "≤ 5 requests per task, mean delay ≤ 1.5 s",
            &steady,
            |r, _| r.requests <= 5.0 && r.mean_delay <= 1.5,
        ),
        workload(
            "b",
            "(b) 30 s–10 min, noisy stepped progress, 20 % stall",
            "≤ 0.3× the requests of fixed 5 s, mean delay ≤ 1.82 s",
            &population,
            |r, f| r.requests <= 0.3 * f.requests && r.mean_delay <= 1.82,
        ),
        workload(
            "c",
            "(c) as (b), an estimate and no progress until done",
            "≤ 0.4× the requests of fixed 5 s, mean delay ≤ fixed 5 s",
            &silent,
            |r, f| r.requests <= 0.4 * f.requests && r.mean_delay <= f.mean_delay,
        ),
        workload(
            "d",
            "(d) as (b), no hint at all",
            "the documented 5 s: the requests and delays of fixed 5 s",
            &blind,
            |r, f| {
                (r.requests - f.requests).abs() < 1e-9 && (r.mean_delay - f.mean_delay).abs() < 1e-9
            },
        ),
        workload(
            "e",
            "(e) 3–20 s, estimate ±25 %, half with steady progress",
            "mean delay ≤ 1 s",
            &short,
            |r, _| r.mean_delay <= 1.0,
        ),
    ];
    let mut jitter = Rng(seed ^ 0x9E37_79B9);
    workloads[1].others = vec![
        (
            "fixed 6 s ± 1.5 s (Runway SDK)",
            summarise(
                &population
                    .iter()
                    .map(|t| run_loop(t, || jitter.range(4_500.0, 7_500.0)))
                    .collect::<Vec<_>>(),
            ),
        ),
        (
            "fixed 0.5 s (Replicate, fal)",
            summarise(
                &population
                    .iter()
                    .map(|t| run_client(t, Pace::Fixed(500), 0.0))
                    .collect::<Vec<_>>(),
            ),
        ),
    ];

    let fixed5_delay = workloads[2].fixed5.mean_delay;
    workloads[2].others = vec![(
        "the best schedule knowing the distribution, pauses 1–30 s (bound)",
        bound(&silent, fixed5_delay),
    )];

    let short_task = SimTask::short(2_500.0, 3.0);
    let short_delays: Vec<f64> = SKEWS
        .iter()
        .map(|&(_, skew)| run_client(&short_task, Pace::default(), skew).1 / 1000.0)
        .collect();
    let mut targets: Vec<(String, bool)> = workloads
        .iter()
        .map(|w| {
            (
                format!("({}) {}, at every clock skew", w.key, w.target),
                w.pass,
            )
        })
        .collect();
    targets.push((
        "(b) p95 delay < 5 s (an earlier round's target), at every clock skew".into(),
        workloads[1].adaptive.iter().all(|r| r.p95_delay < 5.0),
    ));
    targets.push((
        "a 2.5 s task (estimate 3 s) seen within 4 s, at every clock skew".into(),
        short_delays.iter().all(|d| *d < 4.0),
    ));

    println!("Polling policies on {count} simulated tasks per workload (seed {seed}), the adaptive pace on the client's clock (on time)\n");
    println!("| workload | policy | requests / task | × fixed 5 s | mean detection delay | p95 detection delay |");
    println!("|---|---|---:|---:|---:|---:|");
    for w in &workloads {
        let ours = &w.adaptive[2];
        let mut rows = vec![
            ("**evolink-tasks adaptive (default)**", *ours),
            ("fixed 5 s (EvoLink docs)", w.fixed5),
        ];
        rows.extend(w.others.iter().copied());
        rows.push((
            "oracle (one request at completion)",
            Row {
                requests: 1.0,
                mean_delay: 0.0,
                p95_delay: 0.0,
            },
        ));
        for (i, (policy, r)) in rows.iter().enumerate() {
            println!(
                "| {} | {policy} | {:.1} | {:.2}× | {:.2} s | {:.2} s |",
                if i == 0 { w.name } else { "" },
                r.requests,
                r.requests / w.fixed5.requests,
                r.mean_delay,
                r.p95_delay
            );
        }
    }
    println!("\nThe adaptive pace with the client's clock off the server's (`created` is the server's): requests / task, mean and p95 delay\n");
    print!("| workload |");
    for (name, _) in SKEWS {
        print!(" {name} |");
    }
    println!("\n|---|{}", "---:|".repeat(SKEWS.len()));
    for w in &workloads {
        print!("| ({}) |", w.key);
        for r in &w.adaptive {
            print!(
                " {:.1} · {:.2} s · {:.2} s |",
                r.requests, r.mean_delay, r.p95_delay
            );
        }
        println!();
    }
    print!("| 2.5 s task (estimate 3 s) seen after |");
    for d in &short_delays {
        print!(" {d:.2} s |");
    }
    println!("\n");
    for (target, ok) in &targets {
        println!("{} {target}", if *ok { "PASS" } else { "FAIL" });
    }
    if json {
        let row = |r: &Row| {
            format!(
                r#""requests_per_task":{:.2},"mean_delay_s":{:.3},"p95_delay_s":{:.3}"#,
                r.requests, r.mean_delay, r.p95_delay
            )
        };
        let loads: Vec<String> = workloads
            .iter()
            .map(|w| {
                let skews: Vec<String> = SKEWS
                    .iter()
                    .zip(&w.adaptive)
                    .map(|((name, _), r)| format!(r#"{{"client_clock":"{name}",{}}}"#, row(r)))
                    .collect();
                let others: Vec<String> = w
                    .others
                    .iter()
                    .map(|(name, r)| format!(r#"{{"policy":"{name}",{}}}"#, row(r)))
                    .collect();
                format!(
                    r#"{{"workload":"{}","name":"{}","adaptive":[{}],"fixed_5s":{{{}}},"others":[{}],"oracle":{{"requests_per_task":1,"mean_delay_s":0,"p95_delay_s":0}}}}"#,
                    w.key,
                    w.name,
                    skews.join(","),
                    row(&w.fixed5),
                    others.join(",")
                )
            })
            .collect();
        let checks: Vec<String> = targets
            .iter()
            .map(|(t, ok)| format!(r#"{{"target":"{t}","pass":{ok}}}"#))
            .collect();
        let shorts: Vec<String> = SKEWS
            .iter()
            .zip(&short_delays)
            .map(|((name, _), d)| format!(r#"{{"client_clock":"{name}","delay_s":{d:.3}}}"#))
            .collect();
        println!(
            r#"{{"tasks":{count},"seed":{seed},"workloads":[{}],"short_task":[{}],"targets":[{}]}}"#,
            loads.join(","),
            shorts.join(","),
            checks.join(",")
        );
    }
}
