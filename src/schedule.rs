//! The polling policy, as plain arithmetic: the pace between polls (fixed, or planned from
//! what the task says), the backoff after a failure (exponential, full jitter, capped), the
//! server's `Retry-After` hint and the overall deadline.
//!
//! The adaptive pace forecasts when the task will complete, from `task_info.estimated_time`
//! and from how fast `progress` rises, and judges how sure that forecast is from how well the
//! observations agree. A line of progress that each new observation confirms gives a window of
//! a second or two, and the pace polls once, just after it; a line that observations beat, or
//! an estimate alone, gives a wide window, and the pace polls sparsely (never more than two
//! thirds of the time left before the window opens) and then every few seconds through it.
//! A task seen running at progress 0 may never show any: it is paced by how likely completion
//! is at each moment around its estimate, long pauses while it is unlikely and the shortest
//! just after the estimate.
//! Nothing here reads a clock or a random source: callers pass `now` and a random number, so
//! the same inputs always give the same delays and a simulator can run it in virtual time
//! (`bench/schedule_sim.rs`).

use crate::task::{Task, TaskStatus};

/// The documented polling advice, every 5 seconds: the adaptive pace's choice when the task
/// says nothing about its progress.
pub const DEFAULT_INTERVAL_MS: u64 = 5_000;
/// The adaptive pace's shortest pause.
pub const DEFAULT_MIN_INTERVAL_MS: u64 = 1_000;
/// The adaptive pace's longest pause.
pub const DEFAULT_MAX_INTERVAL_MS: u64 = 30_000;
/// The adaptive pace around the forecast completion.
pub const NEAR_INTERVAL_MS: u64 = 3000;
/// Transient failures tolerated in a row before a wait gives up.
pub const DEFAULT_MAX_RETRIES: u32 = 3;
/// How long one request may take.
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 30_000;
/// The first backoff ceiling after a failure; it doubles with each failure in a row.
pub const BACKOFF_BASE_MS: u64 = 500;
/// The largest backoff ceiling.
pub const BACKOFF_CAP_MS: u64 = 30_000;
/// The shortest pause after a failure, so that a retry is never immediate.
pub const BACKOFF_FLOOR_MS: u64 = 100;
/// The longest `Retry-After` the client honours; a longer hint is clamped to this.
pub const RETRY_AFTER_CAP_MS: u64 = 120_000;

/// How the pause between two polls of a running task is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pace {
    /// Always the same pause (the caller's `intervalMs`).
    Fixed(u64),
    /// Planned from the forecast completion, always within `min_ms..=max_ms`.
    Adaptive {
        /// Shortest pause.
        min_ms: u64,
        /// Longest pause.
        max_ms: u64,
    },
}

impl Default for Pace {
    fn default() -> Self {
        Pace::Adaptive {
            min_ms: DEFAULT_MIN_INTERVAL_MS,
            max_ms: DEFAULT_MAX_INTERVAL_MS,
        }
    }
}

/// How one wait polls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Pause between polls while the task runs.
    pub pace: Pace,
    /// Transient failures tolerated in a row.
    pub max_retries: u32,
    /// Overall deadline, from the start of the wait.
    pub timeout_ms: Option<u64>,
    /// Longest time one request may take.
    pub request_timeout_ms: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            pace: Pace::default(),
            max_retries: DEFAULT_MAX_RETRIES,
            timeout_ms: None,
            request_timeout_ms: DEFAULT_REQUEST_TIMEOUT_MS,
        }
    }
}

/// What a wait has learnt about when its task will complete. It serializes to a small
/// JSON-able value, so a durable scheduler (a Durable Object's alarm) can keep it between
/// requests: see [`plan`]. Fields added later default when absent, so a state stored by an
/// earlier version still reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Forecast {
    /// When this client first saw the task (its own clock) and the progress then.
    seen: Option<(f64, f64)>,
    /// Completion as `task_info.estimated_time` predicts it (ms since the epoch).
    estimate: Option<f64>,
    /// The first progress seen above zero: (time, progress).
    first: Option<(f64, f64)>,
    /// The latest rise in progress: (time, progress).
    last: Option<(f64, f64)>,
    /// The latest progress seen above zero, risen or not: (time, progress).
    #[serde(skip_serializing_if = "Option::is_none")]
    latest: Option<(f64, f64)>,
    /// How far progress ran ahead of the line the forecast had drawn, in points: the largest
    /// such lead, shrinking by a quarter at each observation that leads by less. `None` until
    /// an observation tested a line.
    #[serde(skip_serializing_if = "Option::is_none")]
    lead: Option<f64>,
    /// Whether the task was seen processing at progress 0: it may never show progress.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    silent: bool,
}

/// A stored forecast's pairs, in the order [`Forecast::from_stored`] takes them: `seen`,
/// `first`, `last`, `latest`.
#[cfg(target_arch = "wasm32")]
pub(crate) type StoredPairs = [Option<(f64, f64)>; 4];

/// Where the forecast puts completion and how sure it is.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Outlook {
    /// The expected completion (ms since the epoch).
    at: f64,
    /// How much earlier it may come (ms): the window is `at - early..=at + early`.
    early: f64,
    /// The pause to keep while completion may be happening (ms).
    pace: f64,
    /// Whether the window is narrow enough for one poll at its end (a line that held).
    sure: bool,
}

/// The pause (ms) for a task that runs without showing progress, `elapsed` ms after it was
/// first seen and `span` ms before its estimated completion: `√(2 / (SILENT_RATE · hazard))`
/// at the middle of the pause, for the log-logistic hazard `k·rᵏ / ((1 + rᵏ)·t)`,
/// `r = t / span`. Long while completion is unlikely, shortest a little after the estimate,
/// then slowly longer. Always within `min..=max`.
fn silent_pause(span: f64, elapsed: f64, min: f64, max: f64) -> f64 {
    let span = span.max(1_000.0);
    let pause_at = |t: f64| {
        let t = t.max(1.0);
        let rk = (t / span).powi(SILENT_SHAPE);
        // 2 · (t / 1000) · (1 + rᵏ) / (RATE · k · rᵏ) s², in ms².
        let squared = 2_000.0 * t * (1.0 + rk) / (SILENT_RATE * f64::from(SILENT_SHAPE) * rk);
        within(squared.sqrt(), min, max)
    };
    pause_at(elapsed + pause_at(elapsed) / 2.0)
}

/// Points by which progress is assumed to run ahead of a line no observation has tested yet.
const LEAD_UNTESTED: f64 = 1.0;
/// How much of the largest lead an observation that leads by less keeps.
const LEAD_DECAY: f64 = 0.75;
/// A stall: no rise for as long as progress takes to move this many times its slack.
const STALL_SLACKS: f64 = 2.0;
/// Far from completion, the window opens at most this share of the time left before it:
/// the first pause is at least a third of the time left.
const FAR_EARLY: f64 = 0.65;
/// With an estimate alone, the pace around it: this times the square root of the estimated
/// duration in seconds (1 s for 16 s, 2.5 s for 100 s), at most the near pace: a short task is
/// polled more often around its estimate.
const ESTIMATE_PACE: f64 = 0.25;
/// A task that runs without showing progress is paced by its estimate alone, as if completion
/// followed a log-logistic distribution around the estimated duration (from when the task was
/// first seen to the estimate) of this shape: three tasks in four complete within ±16 % of the
/// estimate, nineteen in twenty within ±35 %. An integer, so its power is a few multiplications
/// (no `powf` ships in the wasm).
const SILENT_SHAPE: i32 = 7;
/// What one request is worth in detection delay (per s²) for such a task: the pause between
/// polls is `√(2 / (SILENT_RATE · hazard))`, which spends requests where completion is likely
/// (the square-root rule for inspection times). At this rate the pause at the estimate is about
/// 0.3·√duration (2.4 s for 60 s, 7.5 s for 10 min), and the mean delay on the simulator's
/// population is that of the documented 5 s loop (`bench/schedule_sim.rs`, workload (c)).
const SILENT_RATE: f64 = 5.0;
/// Sure: the whole window is at most this wide on either side (ms) and this share of the
/// task's duration; then one poll at its end instead of polls through it.
const SURE_MS: f64 = 2_500.0;
const SURE_SHARE: f64 = 0.035;
/// Once overdue, the pace lengthens by this share of the time overdue.
const OVERDUE_STRETCH: f64 = 0.05;

impl Forecast {
    /// A forecast from its stored fields, each as serde reads it (for a reader other than
    /// serde: the wasm reads a stored state from JavaScript values itself, see
    /// `web::convert::forecast`).
    #[cfg(target_arch = "wasm32")]
    pub(crate) fn from_stored(
        [seen, first, last, latest]: StoredPairs,
        estimate: Option<f64>,
        lead: Option<f64>,
        silent: bool,
    ) -> Forecast {
        Forecast {
            seen,
            estimate,
            first,
            last,
            latest,
            lead,
            silent,
        }
    }

    /// The stored fields, as [`Forecast::from_stored`] takes them (for a writer other than
    /// serde: the wasm writes a state as JavaScript values itself).
    #[cfg(target_arch = "wasm32")]
    pub(crate) fn stored(&self) -> (StoredPairs, Option<f64>, Option<f64>, bool) {
        (
            [self.seen, self.first, self.last, self.latest],
            self.estimate,
            self.lead,
            self.silent,
        )
    }

    /// Takes one observation of the task made at `now` (ms since the epoch).
    pub fn observe(&mut self, task: &Task, now: f64) {
        // Timed from when this client first saw the task, on its own clock, and from the
        // progress the server reported then; never from `created`, which is the server's clock:
        // a client whose clock is off (or a task created long ago) would be judged overdue.
        let (seen_at, seen_progress) = *self
            .seen
            .get_or_insert((now, f64::from(task.progress.unwrap_or(0))));
        if let Some(seconds) = task.estimated_time {
            let left = f64::from(seconds) * 1000.0 * (1.0 - seen_progress / 100.0);
            let estimate = seen_at + left;
            self.estimate = Some(self.estimate.map_or(estimate, |e: f64| e.min(estimate)));
        }
        if task.status == TaskStatus::Processing && task.progress.unwrap_or(0) == 0 {
            self.silent = true;
        }
        let progress = match (task.progress, &task.status) {
            (Some(p), TaskStatus::Processing | TaskStatus::Other(_)) if p > 0 => p as f64,
            _ => return,
        };
        // How far this observation runs ahead of the line drawn so far: the test of the line.
        if let Some((per_ms, (t, p))) = self.line() {
            let lead = (progress - (p + per_ms * (now - t)).min(100.0)).max(0.0);
            self.lead = Some(lead.max(self.lead.unwrap_or(0.0) * LEAD_DECAY));
        }
        match self.last {
            // A large fall means the task started over: forget what was learnt.
            Some((_, last)) if progress + 20.0 < last => {
                self.first = Some((now, progress));
                self.last = self.first;
                self.lead = None;
            }
            Some((_, last)) if progress <= last => {}
            _ => {
                self.first.get_or_insert((now, progress));
                self.last = Some((now, progress));
            }
        }
        self.latest = Some((now, progress));
    }

    /// The rate at which progress rose (points per ms) and the latest observation to draw the
    /// line from, once progress has risen.
    fn line(&self) -> Option<(f64, (f64, f64))> {
        let ((t0, p0), (t1, p1)) = (self.first?, self.last?);
        if p1 <= p0 || t1 <= t0 {
            return None;
        }
        let per_ms = (p1 - p0) / (t1 - t0);
        // Drawn from the latest rise, unless progress has not risen for longer than noise
        // explains (a stall): then from now, as if progress resumed as the latest observation.
        let from = match self.latest {
            Some((t, _)) if per_ms * (t - t1) > STALL_SLACKS * self.slack() => (t, p1),
            _ => (t1, p1),
        };
        Some((per_ms, from))
    }

    /// Points by which progress may be off the line: how far it ran ahead before, and its grain.
    fn slack(&self) -> f64 {
        self.lead.unwrap_or(LEAD_UNTESTED) + self.grain()
    }

    /// Points of granularity the progress seems to move in: 10 or 5 when every value seen is a
    /// multiple of it, else 1.
    fn grain(&self) -> f64 {
        let points = [self.first, self.last, self.latest];
        // Progress is a whole number 0..=100: an integer remainder (a float one would ship fmod).
        let all = |g: u32| points.iter().flatten().all(|(_, p)| *p as u32 % g == 0);
        if all(10) {
            10.0
        } else if all(5) {
            5.0
        } else {
            1.0
        }
    }

    /// Where completion is expected and how sure the forecast is, judged from how well the
    /// observations agree: a line of progress that held (each new observation close to it)
    /// narrows the window to a point or two of progress; an untested line, a line that was
    /// beaten, or an estimate alone keep it wide.
    fn outlook(&self, now: f64) -> Option<Outlook> {
        if let Some((per_ms, (t, p))) = self.line() {
            let ((_, p0), (_, p1)) = (self.first?, self.last?);
            // Progress is read as whole grains: it is likely half a grain further than shown.
            let half = self.grain().min(1.0) / 2.0;
            let at = t + (100.0 - p - half) / per_ms;
            let slack = self.slack() - half;
            // Unsure of where progress is now (slack points) and of the rate (slack points over
            // the points it was measured on).
            let left = (at - now).max(0.0);
            let early = (slack / per_ms + left * slack / (p1 - p0)).min(left * FAR_EARLY);
            let span = at - self.seen.map_or(at, |s| s.0);
            return Some(Outlook {
                at,
                early,
                pace: early,
                sure: early <= SURE_MS.min(span * SURE_SHARE),
            });
        }
        let at = self.estimate?;
        let (seen_at, _) = self.seen?;
        let left = (at - now).max(0.0);
        let span = (at - seen_at).max(0.0);
        Some(Outlook {
            at,
            early: left * FAR_EARLY,
            pace: ESTIMATE_PACE * (span / 1000.0).sqrt() * 1000.0,
            sure: false,
        })
    }

    /// Milliseconds until the forecast completion (negative when overdue), if there is one:
    /// from the rate at which progress rose when it has risen, else from the estimate.
    pub fn remaining_ms(&self, now: f64) -> Option<f64> {
        self.outlook(now).map(|o| o.at - now)
    }

    /// The adaptive pause, always within `min_ms..=max_ms`: when the forecast is sure, one
    /// poll just after the completion it predicts; else up to the earliest time completion is
    /// plausible, then every so often (a few seconds, longer for longer tasks), slowly
    /// lengthening once overdue. With no hint, the documented 5 s.
    pub fn pause_ms(&self, now: f64, min_ms: u64, max_ms: u64) -> u64 {
        let (min, max) = (min_ms as f64, (max_ms.max(min_ms)) as f64);
        if let (true, None, Some(at), Some((seen_at, _))) =
            (self.silent, self.first, self.estimate, self.seen)
        {
            return silent_pause(at - seen_at, now - seen_at, min, max) as u64;
        }
        let pause = match self.outlook(now) {
            None => DEFAULT_INTERVAL_MS as f64,
            Some(o) => {
                let pace = within(o.pace, min, within(NEAR_INTERVAL_MS as f64, min, max));
                let start = o.at - o.early;
                let late = now - o.at;
                if o.sure && late < 0.0 {
                    o.at + o.early - now
                } else if start - now > pace {
                    start - now
                } else if late > 0.0 {
                    pace + late * OVERDUE_STRETCH
                } else {
                    pace
                }
            }
        };
        within(pause, min, max) as u64
    }
}

/// One step of the adaptive pace for a scheduler that keeps no wait in memory: takes the
/// observation `task` made at `now` into `forecast` and returns the pause before the next poll
/// within `min_ms..=max_ms`, or `None` once the task has ended.
pub fn plan(
    forecast: &mut Forecast,
    task: &Task,
    now: f64,
    min_ms: u64,
    max_ms: u64,
) -> Option<u64> {
    if task.status.is_terminal() {
        return None;
    }
    forecast.observe(task, now);
    Some(forecast.pause_ms(now, min_ms, max_ms))
}

/// `x` limited to `lo..=hi` (`hi` wins if they cross). Unlike `f64::clamp` it cannot panic,
/// so no panic message (and no float formatting) ships in the wasm.
pub(crate) fn within(x: f64, lo: f64, hi: f64) -> f64 {
    x.max(lo).min(hi)
}

/// The pause before retrying after `failures` transient failures in a row (1 for the first):
/// a uniformly random point below `min(cap, base · 2^(failures−1))`, never below the floor.
/// `random` is in `[0, 1)`.
pub fn backoff_ms(failures: u32, random: f64) -> u64 {
    let shift = failures.saturating_sub(1).min(16);
    let ceiling = BACKOFF_BASE_MS
        .saturating_mul(1 << shift)
        .min(BACKOFF_CAP_MS);
    let random = if random.is_finite() {
        within(random, 0.0, 1.0)
    } else {
        0.5
    };
    ((ceiling as f64 * random) as u64).max(BACKOFF_FLOOR_MS)
}

/// Reads a `Retry-After` value, either delay-seconds or an HTTP date, into milliseconds from
/// `now_unix_ms`, clamped to `0..=RETRY_AFTER_CAP_MS`. `None` when it is neither form.
pub fn retry_after_ms(value: &str, now_unix_ms: f64) -> Option<u64> {
    let ms = retry_after_hint_ms(value, now_unix_ms)?;
    Some(ms.min(RETRY_AFTER_CAP_MS))
}

/// The server's `Retry-After` hint in milliseconds from `now_unix_ms`, as it stands (not capped
/// to a wait; a date in the past is 0), at most 2^53 − 1 so that JavaScript reads it as the
/// number it is. `None` when it is neither delay-seconds nor an HTTP date.
pub fn retry_after_hint_ms(value: &str, now_unix_ms: f64) -> Option<u64> {
    let value = value.trim_ascii();
    let ms = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        value
            .parse::<u64>()
            .unwrap_or(u64::MAX)
            .saturating_mul(1000) as f64
    } else {
        http_date_unix_ms(value)? - now_unix_ms
    };
    Some(ms.clamp(0.0, MAX_SAFE_INTEGER) as u64)
}

/// JavaScript's `Number.MAX_SAFE_INTEGER`.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the HTTP date format servers send.
fn http_date_unix_ms(value: &str) -> Option<f64> {
    let (_, rest) = value.split_once(',')?;
    let rest = rest.strip_prefix(' ')?;
    let mut parts = rest.split(' ');
    let number = |digits: &str| {
        let all_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
        all_digits.then(|| digits.parse::<i64>().ok()).flatten()
    };
    let day = number(parts.next()?)?;
    let month_name = parts.next()?;
    let month = MONTHS.iter().position(|m| *m == month_name)? as i64 + 1;
    let year = number(parts.next()?)?;
    let mut clock = parts.next()?.split(':').map(number);
    let (h, m, s) = (clock.next()??, clock.next()??, clock.next()??);
    if parts.next() != Some("GMT") || parts.next().is_some() || clock.next().is_some() {
        return None;
    }
    if !(1..=31).contains(&day)
        || !(0..=9999).contains(&year)
        || !(0..24).contains(&h)
        || !(0..60).contains(&m)
        || !(0..61).contains(&s)
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 86_400 + h * 3_600 + m * 60 + s) * 1_000) as f64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_full_jitter() {
        assert_eq!(backoff_ms(1, 0.999_999), 499);
        assert_eq!(backoff_ms(2, 0.999_999), 999);
        assert_eq!(backoff_ms(3, 0.5), 1_000);
        assert_eq!(backoff_ms(40, 0.999_999), 29_999);
        assert_eq!(backoff_ms(1, 0.0), BACKOFF_FLOOR_MS);
        assert_eq!(backoff_ms(5, f64::NAN), 4_000);
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = 784_111_777_000.0; // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(retry_after_ms("3", now), Some(3_000));
        assert_eq!(retry_after_ms(" 0 ", now), Some(0));
        assert_eq!(
            retry_after_ms("Sun, 06 Nov 1994 08:49:39 GMT", now),
            Some(2_000)
        );
        assert_eq!(
            retry_after_ms("Sun, 06 Nov 1994 08:49:30 GMT", now),
            Some(0)
        );
        assert_eq!(
            retry_after_ms("99999999999999999999", now),
            Some(RETRY_AFTER_CAP_MS)
        );
        // The hint as it stands stays a number JavaScript holds exactly.
        for huge in ["9007199254741", "99999999999999999999"] {
            assert_eq!(retry_after_hint_ms(huge, now), Some(9_007_199_254_740_991));
        }
        assert_eq!(
            retry_after_hint_ms("9007199254740", now),
            Some(9_007_199_254_740_000)
        );
        assert_eq!(
            retry_after_ms("Tue, 01 Jan 2030 00:00:00 GMT", now),
            Some(RETRY_AFTER_CAP_MS)
        );
        for bad in [
            "",
            "-1",
            "1.5",
            "soon",
            "Sun, 06 Nov 1994 08:49:39 PST",
            "Sun, 32 Nov 1994 08:49:39 GMT",
            "Sun, +6 Nov 1994 08:49:39 GMT",
            "Sun, 06 Nov 1994 08:-1:39 GMT",
            "Sun, 06 Nov 99999999999999 08:49:39 GMT",
        ] {
            assert_eq!(retry_after_ms(bad, now), None, "{bad}");
        }
    }

    fn task(text: &str) -> Task {
        Task::from_json(text).expect("task")
    }

    #[test]
    fn the_estimate_plans_sparse_polls_then_the_near_pace() {
        let mut f = Forecast::default();
        // First seen at t = 5 s with a 165 s estimate (`created`, the server's clock, is ignored).
        f.observe(
            &task(r#"{"status":"pending","created":0,"task_info":{"estimated_time":165}}"#),
            5_000.0,
        );
        assert_eq!(f.remaining_ms(5_000.0), Some(165_000.0));
        assert_eq!(
            f.pause_ms(5_000.0, 1_000, 30_000),
            30_000,
            "far off: capped at the maximum"
        );
        assert_eq!(
            f.pause_ms(100_000.0, 1_000, 30_000),
            24_500,
            "a third of the 70 s left"
        );
        assert_eq!(
            f.pause_ms(167_000.0, 1_000, 30_000),
            NEAR_INTERVAL_MS,
            "close: the near pace (an estimate alone is never sure)"
        );
        assert_eq!(
            f.pause_ms(230_000.0, 1_000, 30_000),
            6_000,
            "a minute overdue: slowly longer"
        );
    }

    #[test]
    fn a_task_running_without_progress_is_paced_by_how_likely_completion_is() {
        let mut f = Forecast::default();
        f.observe(
            &task(r#"{"status":"pending","progress":0,"task_info":{"estimated_time":100}}"#),
            0.0,
        );
        f.observe(&task(r#"{"status":"processing","progress":0}"#), 10_000.0);
        let pause = |t: f64| f.pause_ms(t, 1_000, 30_000);
        assert_eq!(
            pause(10_000.0),
            30_000,
            "completion unlikely: the longest pause"
        );
        // About 0.3·√100 s around the estimate (the square-root rule at SILENT_RATE).
        assert!(
            (2_600..=3_600).contains(&pause(100_000.0)),
            "{}",
            pause(100_000.0)
        );
        assert!(
            pause(70_000.0) > pause(100_000.0),
            "closing in on the estimate"
        );
        assert!(
            pause(200_000.0) > pause(100_000.0),
            "long overdue: slowly longer"
        );
        assert!(
            pause(200_000.0) < 10_000,
            "and still far under the longest pause"
        );
        // A task still pending may yet show progress: the far approach, as before.
        let mut pending = Forecast::default();
        pending.observe(
            &task(r#"{"status":"pending","progress":0,"task_info":{"estimated_time":100}}"#),
            0.0,
        );
        assert_eq!(pending.pause_ms(70_000.0, 1_000, 30_000), 10_500);
        // Pauses stay within the caller's bounds, and the state round-trips as JSON.
        assert_eq!(f.pause_ms(100_000.0, 5_000, 8_000), 5_000);
        assert_eq!(f.pause_ms(10_000.0, 1_000, 2_000), 2_000);
        let stored = serde_json::to_string(&f).expect("json");
        assert!(stored.contains(r#""silent":true"#), "{stored}");
        let back: Forecast = serde_json::from_str(&stored).expect("state");
        assert_eq!(back, f);
    }

    #[test]
    fn the_estimate_left_shrinks_with_the_progress_first_seen() {
        let mut f = Forecast::default();
        f.observe(
            &task(r#"{"status":"processing","progress":75,"task_info":{"estimated_time":100}}"#),
            0.0,
        );
        assert_eq!(
            f.remaining_ms(0.0),
            Some(25_000.0),
            "a quarter of 100 s left"
        );
    }

    /// A task that completes `duration_ms` after creation, with `estimated_time` seconds, seen
    /// by a client whose clock is `skew_ms` ahead of the server's: the delay between completion
    /// and the poll that sees it.
    fn detection_delay(duration_ms: f64, estimated_time: u32, skew_ms: f64) -> f64 {
        use crate::poller::{Poller, Step};
        const CREATED: f64 = 1_764_000_000_000.0; // the server's clock at creation
        let mut now = CREATED + skew_ms; // the client's clock then
        let mut poller = Poller::new(Policy::default(), now);
        loop {
            match poller.after_wait(now, 0.0) {
                Step::Fetch { .. } => {}
                other => panic!("expected a fetch, got {other:?}"),
            }
            let server_now = now - skew_ms - CREATED;
            let status = if server_now >= duration_ms {
                "completed"
            } else {
                "pending"
            };
            let body = format!(
                r#"{{"id":"t","status":"{status}","created":1764000000,"task_info":{{"estimated_time":{estimated_time}}}}}"#
            );
            let reaction = poller.on_response(Ok(task(&body)), now, 0.5);
            match reaction.next {
                Step::Done => return server_now - duration_ms,
                Step::Wait(ms) => now += ms as f64,
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn the_pace_does_not_trust_the_clients_clock() {
        const DAY: f64 = 86_400_000.0;
        const MINUTE: f64 = 60_000.0;
        for skew in [-3.0 * DAY, -10.0 * MINUTE, 0.0, 10.0 * MINUTE, 3.0 * DAY] {
            let delay = detection_delay(2_500.0, 3, skew);
            assert!(delay < 4_000.0, "skew {skew} ms: seen {delay} ms late");
        }
    }

    #[test]
    fn rising_progress_overrides_the_estimate() {
        let mut f = Forecast::default();
        f.observe(
            &task(r#"{"status":"pending","created":0,"task_info":{"estimated_time":600}}"#),
            0.0,
        );
        f.observe(&task(r#"{"status":"processing","progress":10}"#), 10_000.0);
        f.observe(&task(r#"{"status":"processing","progress":8}"#), 15_000.0); // noise: ignored
        f.observe(&task(r#"{"status":"processing","progress":30}"#), 30_000.0);
        // 20 points in 20 s: the 70 left take 70 s from t = 30 s, less the half point that
        // progress shown in whole points is likely past what it shows.
        assert_eq!(f.remaining_ms(30_000.0), Some(69_500.0));
        assert_eq!(f.remaining_ms(40_000.0), Some(59_500.0));
        // A restart from a low progress forgets the rate.
        f.observe(&task(r#"{"status":"processing","progress":5}"#), 50_000.0);
        assert_eq!(
            f.remaining_ms(50_000.0),
            Some(550_000.0),
            "back to the estimate"
        );
    }

    /// Polls a task through the real poll loop: pending until `queued_ms`, then progress rising
    /// from 0 to 100 at `done_ms`, shown by `shown` (the true progress to the one reported),
    /// with `estimated_time` `estimate_s`. Returns the poll times (ms from creation) and the
    /// detection delay.
    fn run(
        queued_ms: f64,
        done_ms: f64,
        estimate_s: u32,
        shown: impl Fn(f64, usize) -> f64,
    ) -> (Vec<f64>, f64) {
        use crate::poller::{Poller, Step};
        const START: f64 = 1_764_000_000_000.0;
        let mut poller = Poller::new(Policy::default(), START);
        let (mut now, mut polls) = (START, Vec::new());
        loop {
            assert!(matches!(poller.after_wait(now, 0.0), Step::Fetch { .. }));
            let t = now - START;
            polls.push(t);
            let body = if t >= done_ms {
                r#"{"id":"t","status":"completed","progress":100}"#.to_owned()
            } else if t < queued_ms {
                format!(
                    r#"{{"id":"t","status":"pending","progress":0,"task_info":{{"estimated_time":{estimate_s}}}}}"#
                )
            } else {
                let truth = 100.0 * (t - queued_ms) / (done_ms - queued_ms);
                let p = within(shown(truth, polls.len()), 0.0, 99.0);
                format!(r#"{{"id":"t","status":"processing","progress":{p}}}"#)
            };
            match poller.on_response(Ok(task(&body)), now, 0.5).next {
                Step::Done => return (polls, t - done_ms),
                Step::Wait(ms) => now += ms as f64,
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn steady_progress_lands_a_poll_just_after_the_predicted_completion() {
        // 60–90 s tasks, estimates 25 % off either way, progress in whole points.
        for (done_s, estimate_s) in [(60.0, 75), (75.0, 56), (90.0, 112), (82.0, 82)] {
            let done = done_s * 1000.0;
            let (polls, delay) = run(1_000.0, done, estimate_s, |truth, _| truth.floor());
            assert!(
                polls.len() <= 5,
                "{done_s} s, estimate {estimate_s} s: {polls:?}"
            );
            assert!(
                (0.0..2_000.0).contains(&delay),
                "{done_s} s, estimate {estimate_s} s: seen {delay} ms late"
            );
        }
    }

    #[test]
    fn a_line_that_held_is_sure_and_one_that_was_beaten_is_not() {
        let steady = |points: &[(f64, f64)]| {
            let mut f = Forecast::default();
            f.observe(
                &task(r#"{"status":"pending","progress":0,"task_info":{"estimated_time":80}}"#),
                0.0,
            );
            for &(t, p) in points {
                let body = format!(r#"{{"status":"processing","progress":{p}}}"#);
                f.observe(&task(&body), t);
            }
            f
        };
        // One point a second, seen on the line three times: completion at 99 s, within a second.
        let held = steady(&[(20_000.0, 21.0), (50_000.0, 51.0), (80_000.0, 81.0)]);
        let o = held.outlook(80_000.0).expect("outlook");
        assert!(o.sure && o.early < 1_500.0, "{o:?}");
        let pause = held.pause_ms(80_000.0, 1_000, 30_000) as f64;
        assert!(
            (19_000.0..20_500.0).contains(&pause),
            "one poll just after completion: {pause}"
        );
        // The same line, then an observation far ahead of it: the window opens wide and the
        // next poll comes before the completion that observation suggests.
        let beaten = steady(&[(20_000.0, 21.0), (50_000.0, 51.0), (60_000.0, 76.0)]);
        let o = beaten.outlook(60_000.0).expect("outlook");
        assert!(!o.sure && o.early > 10_000.0, "{o:?}");
        let pause = beaten.pause_ms(60_000.0, 1_000, 30_000) as f64;
        let rate_of_last_leg = 25.0 / 10_000.0;
        assert!(
            pause < 25.0 / rate_of_last_leg,
            "before the earliest plausible completion: {pause}"
        );
    }

    #[test]
    fn noisy_progress_keeps_the_forecast_unsure() {
        // Progress off by up to ±6 points at random: the line keeps being beaten, so the
        // forecast never claims a narrow window, and completion is still seen promptly.
        let noise = [5.0, -6.0, 3.0, -2.0, 6.0, -4.0, 1.0, -5.0, 4.0, 0.0];
        let (polls, delay) = run(2_000.0, 120_000.0, 120, |truth, i| {
            (truth + noise[i % noise.len()]).floor()
        });
        assert!((0.0..5_000.0).contains(&delay), "seen {delay} ms late");
        assert!(polls.len() > 5, "more polls than a steady task: {polls:?}");
    }

    #[test]
    fn a_stall_moves_the_forecast_later_instead_of_polling_through_it() {
        let mut f = Forecast::default();
        for (t, p) in [(10_000.0, 10.0), (20_000.0, 20.0), (30_000.0, 30.0)] {
            let body = format!(r#"{{"status":"processing","progress":{p}}}"#);
            f.observe(&task(&body), t);
        }
        // Stuck at 30 for 40 s: completion is at least 70 s after now, as if it resumed now.
        f.observe(&task(r#"{"status":"processing","progress":30}"#), 70_000.0);
        let left = f.remaining_ms(70_000.0).expect("forecast");
        assert!(left >= 69_000.0, "{left}");
        assert!(f.pause_ms(70_000.0, 1_000, 30_000) > NEAR_INTERVAL_MS);
    }

    #[test]
    fn a_state_stored_by_an_earlier_version_still_reads() {
        // What `planPoll` returned before the forecast judged its confidence.
        let old = r#"{"seen":[0,0],"estimate":60000,"first":[10000,10],"last":[30000,30]}"#;
        let f: Forecast = serde_json::from_str(old).expect("old state");
        assert_eq!(f.remaining_ms(30_000.0), Some(69_500.0));
        let round = serde_json::to_string(&f).expect("json");
        assert!(
            !round.contains("latest") && !round.contains("lead"),
            "no new field until there is something to keep: {round}"
        );
    }

    #[test]
    fn without_any_hint_the_pace_is_the_documented_one_within_bounds() {
        let f = Forecast::default();
        assert_eq!(f.pause_ms(0.0, 1_000, 30_000), DEFAULT_INTERVAL_MS);
        assert_eq!(f.pause_ms(0.0, 8_000, 30_000), 8_000);
        assert_eq!(f.pause_ms(0.0, 1_000, 2_000), 2_000);
        assert_eq!(
            f.pause_ms(0.0, 9_000, 2_000),
            9_000,
            "a maximum below the minimum is lifted to it"
        );
    }

    #[test]
    fn civil_days_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2026, 11, 29), 20_786);
    }
}
