//! The task model: [`Task`], [`TaskStatus`] and the failure codes a failed task carries.
//!
//! A task is read leniently with serde: only `status` must be a string; every other field is
//! optional, a field of the wrong type is treated as absent and progress is clamped to 0..=100.
//! [`Task`] holds the fields the client decides with; the object itself, unknown fields
//! included, stays with the caller (the parsed JavaScript object in wasm, where it is what
//! JavaScript receives).

use serde::{Deserialize, Deserializer};

use crate::loose::{Loose, MaybeObject};

/// A task's lifecycle state, as `status` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskStatus {
    /// Accepted, not started.
    Pending,
    /// Generating.
    Processing,
    /// Finished with results.
    Completed,
    /// Finished without results; see [`Task::error`].
    Failed,
    /// Cancelled before it finished.
    Cancelled,
    /// A status this client does not know yet; treated as still running.
    Other(String),
}

impl TaskStatus {
    /// Reads a `status` string. Any string is accepted.
    pub fn parse(s: &str) -> TaskStatus {
        match s {
            "pending" => TaskStatus::Pending,
            "processing" => TaskStatus::Processing,
            "completed" => TaskStatus::Completed,
            "failed" => TaskStatus::Failed,
            "cancelled" => TaskStatus::Cancelled,
            other => TaskStatus::Other(other.to_owned()),
        }
    }

    /// The status as the API spells it.
    pub fn as_str(&self) -> &str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::Processing => "processing",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
            TaskStatus::Cancelled => "cancelled",
            TaskStatus::Other(s) => s,
        }
    }

    /// True once the task can no longer change: completed, failed or cancelled.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            TaskStatus::Completed | TaskStatus::Failed | TaskStatus::Cancelled
        )
    }
}

/// What kind of failure a failed task reports, from its `error.code`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureKind {
    /// The input must change before a new task can succeed (`content_policy_violation`, …).
    InvalidInput,
    /// The task was cancelled (`status: "cancelled"` or `request_cancelled`).
    Cancelled,
    /// A server-side failure: the same request may succeed as a new task later.
    Transient,
    /// The task id is invalid or expired (`resource_not_found`).
    NotFound,
    /// A code this client does not know.
    Unknown,
}

impl FailureKind {
    /// Classifies a failed task's `error.code`.
    pub fn of_code(code: &str) -> FailureKind {
        match code {
            "content_policy_violation"
            | "invalid_parameters"
            | "image_processing_error"
            | "image_dimension_mismatch" => FailureKind::InvalidInput,
            "request_cancelled" | "cancelled" => FailureKind::Cancelled,
            "generation_failed_no_content"
            | "service_error"
            | "generation_timeout"
            | "resource_exhausted"
            | "quota_exceeded"
            | "service_unavailable"
            | "unknown_error"
            | "model_unavailable"
            | "upstream_error"
            | "rate_limited" => FailureKind::Transient,
            "resource_not_found" => FailureKind::NotFound,
            _ => FailureKind::Unknown,
        }
    }
}

/// The `error` object of a failed task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskError {
    /// `error.code`, e.g. `content_policy_violation` (an integer code is kept as its digits).
    pub code: Option<String>,
    /// `error.message`, for people.
    pub message: Option<String>,
}

/// One observation of a task, as `GET /v1/tasks/{id}` (or a callback) returned it.
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    /// `id`; empty when the server sent none.
    pub id: String,
    /// `status`.
    pub status: TaskStatus,
    /// `progress`, clamped to 0..=100 and rounded; `None` when absent or not a number.
    pub progress: Option<u8>,
    /// `task_info.estimated_time` in seconds, when present.
    pub estimated_time: Option<u32>,
    /// `error`, when present.
    pub error: Option<TaskError>,
    /// `created`, in Unix seconds, when present.
    pub created: Option<f64>,
    /// `model`, when present.
    pub model: Option<String>,
    /// `task_info.can_cancel`, when present.
    pub can_cancel: Option<bool>,
    /// `results`: the result URLs of a completed task (they expire 24 hours after generation).
    pub results: Vec<String>,
}

/// Why a JSON value is not a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotATask {
    /// The body is not a JSON object.
    NotAnObject,
    /// The object has no string `status`.
    NoStatus,
    /// The object nests lists deeper than [`crate::loose::MAX_DEPTH`].
    TooDeep,
}

impl NotATask {
    /// A sentence saying what was wrong.
    pub fn describe(self) -> &'static str {
        match self {
            NotATask::NotAnObject => "the body is not a JSON object",
            NotATask::NoStatus => "the object has no string \"status\"",
            NotATask::TooDeep => "the object nests lists more than 32 levels deep",
        }
    }
}

/// The members of a task object the client reads; all others are skipped.
#[derive(Default, Deserialize)]
#[serde(default)]
struct Fields {
    id: Option<Loose>,
    status: Option<Loose>,
    progress: Option<Loose>,
    created: Option<Loose>,
    model: Option<Loose>,
    results: Option<Loose>,
    task_info: MaybeObject<Info>,
    error: MaybeObject<ErrorFields>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct Info {
    estimated_time: Option<Loose>,
    can_cancel: Option<Loose>,
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct ErrorFields {
    code: Option<Loose>,
    message: Option<Loose>,
}

fn seconds(v: Option<&Loose>) -> Option<u32> {
    let n = v?.as_f64()?;
    (n >= 0.0).then(|| n.min(u32::MAX as f64).round() as u32)
}

fn text(v: Option<&Loose>) -> Option<String> {
    v.and_then(Loose::as_str).map(str::to_owned)
}

impl Task {
    /// Reads a task from any serde deserializer: `serde_json` text or value, or a JavaScript
    /// value through serde-wasm-bindgen.
    pub fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Task, NotATask> {
        // Reading any value fails only past the depth limit (see `loose`).
        let fields = MaybeObject::<Fields>::deserialize(d)
            .map_err(|_| NotATask::TooDeep)?
            .object()
            .ok_or(NotATask::NotAnObject)?;
        Task::from_fields(fields)
    }

    /// Reads a task from a value the caller knows is an object (a JavaScript object through
    /// serde-wasm-bindgen): only the members the client reads are looked up, not every member
    /// the object has. Any other value goes through [`Task::read`] (here it reads as
    /// [`NotATask::TooDeep`], the one way an object can fail).
    pub fn read_object<'de, D: Deserializer<'de>>(d: D) -> Result<Task, NotATask> {
        Task::from_fields(Fields::deserialize(d).map_err(|_| NotATask::TooDeep)?)
    }

    /// Reads a task from JSON text (natively, with `serde_json`).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_json(text: &str) -> Result<Task, NotATask> {
        // Through a `Value`, so that a repeated member keeps its last value, as `JSON.parse` does.
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|_| NotATask::NotAnObject)?;
        Task::read(value)
    }

    fn from_fields(raw: Fields) -> Result<Task, NotATask> {
        let status = raw
            .status
            .as_ref()
            .and_then(Loose::as_str)
            .map(TaskStatus::parse)
            .ok_or(NotATask::NoStatus)?;
        let info = raw.task_info.object().unwrap_or_default();
        let results = match raw.results {
            Some(Loose::List(items)) => items
                .iter()
                .filter_map(Loose::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        };
        Ok(Task {
            id: text(raw.id.as_ref()).unwrap_or_default(),
            status,
            progress: raw
                .progress
                .as_ref()
                .and_then(Loose::as_f64)
                .filter(|p| !p.is_nan())
                .map(|p| p.clamp(0.0, 100.0).round() as u8),
            estimated_time: seconds(info.estimated_time.as_ref()),
            error: raw.error.object().map(|e| TaskError {
                code: e
                    .code
                    .as_ref()
                    .and_then(Loose::code)
                    .filter(|c| !c.trim().is_empty()),
                message: text(e.message.as_ref()),
            }),
            created: raw.created.as_ref().and_then(Loose::as_f64),
            model: text(raw.model.as_ref()),
            can_cancel: info.can_cancel.as_ref().and_then(Loose::as_bool),
            results,
        })
    }

    /// The failure code of a failed or cancelled task: `error.code`, or `cancelled` for a
    /// cancelled task without one, or `task_failed` for a failed task without one.
    pub fn failure_code(&self) -> String {
        match (&self.error, &self.status) {
            (
                Some(TaskError {
                    code: Some(code), ..
                }),
                _,
            ) => code.clone(),
            (_, TaskStatus::Cancelled) => "cancelled".to_owned(),
            _ => "task_failed".to_owned(),
        }
    }

    /// What kind of failure this is, for a failed or cancelled task.
    pub fn failure_kind(&self) -> FailureKind {
        FailureKind::of_code(&self.failure_code())
    }

    /// `results`: the result URLs of a completed task (they expire 24 hours after generation).
    pub fn results(&self) -> &[String] {
        &self.results
    }

    /// True when status or progress differ from `other`: what counts as a change to report.
    pub fn differs_from(&self, other: &Task) -> bool {
        self.status != other.status || self.progress != other.progress
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn task(text: &str) -> Result<Task, NotATask> {
        Task::from_json(text)
    }

    #[test]
    fn reads_a_documented_task_and_skips_unknown_fields() {
        let t = task(
            r#"{"id":"task-unified-1756817821-4x3rx6ny","object":"video.generation.task",
                "created":1756817821,"model":"seedance-2.0-text-to-video","status":"processing",
                "progress":65,"task_info":{"can_cancel":true,"estimated_time":165},
                "x_new_field":{"kept":true}}"#,
        )
        .expect("a task");
        assert_eq!(t.id, "task-unified-1756817821-4x3rx6ny");
        assert_eq!(t.status, TaskStatus::Processing);
        assert_eq!(t.progress, Some(65));
        assert_eq!(t.estimated_time, Some(165));
        assert_eq!(t.can_cancel, Some(true));
        assert_eq!(t.model.as_deref(), Some("seedance-2.0-text-to-video"));
        assert_eq!(t.created, Some(1_756_817_821.0));
    }

    #[test]
    fn tolerates_wrong_types_and_out_of_range_progress() {
        let t = task(r#"{"status":"pending","id":7,"progress":250,"task_info":"x","error":3}"#)
            .expect("a task");
        assert_eq!(
            (t.id.as_str(), t.progress, t.estimated_time),
            ("", Some(100), None)
        );
        assert_eq!(t.error, None);
        assert_eq!(
            task(r#"{"status":"x","progress":-4.6}"#).map(|t| t.progress),
            Ok(Some(0))
        );
        assert_eq!(
            task(r#"{"status":"x","progress":"50"}"#).map(|t| t.progress),
            Ok(None)
        );
    }

    #[test]
    fn reading_an_object_by_its_members_agrees_with_reading_any_value() {
        for text in [
            r#"{"id":"t","status":"processing","progress":65,"task_info":{"estimated_time":9},"x":[1]}"#,
            r#"{"status":"failed","error":{"code":500,"message":"m"},"results":["a",2]}"#,
            r#"{"status":"pending","task_info":"x","error":3,"progress":"50"}"#,
            r#"{"hello":"world"}"#,
        ] {
            let value: serde_json::Value = serde_json::from_str(text).expect("JSON");
            assert_eq!(Task::read_object(&value), Task::read(&value), "{text}");
        }
    }

    #[test]
    fn needs_an_object_with_a_string_status() {
        assert_eq!(task("[]"), Err(NotATask::NotAnObject));
        assert_eq!(
            task("{\"status\":\"x\"} trailing"),
            Err(NotATask::NotAnObject)
        );
        assert_eq!(task(r#"{"hello":"world"}"#), Err(NotATask::NoStatus));
        let deep = format!(
            r#"{{"status":"completed","results":{}{}}}"#,
            "[".repeat(40),
            "]".repeat(40)
        );
        assert_eq!(task(&deep), Err(NotATask::TooDeep));
        let value: serde_json::Value = serde_json::from_str(&deep).expect("JSON");
        assert_eq!(Task::read_object(&value), Err(NotATask::TooDeep));
        assert_eq!(task(r#"{"status":5}"#), Err(NotATask::NoStatus));
    }

    #[test]
    fn unknown_statuses_are_kept_and_not_terminal() {
        let t = task(r#"{"status":"queued_for_review"}"#).expect("a task");
        assert_eq!(t.status, TaskStatus::Other("queued_for_review".into()));
        assert_eq!(t.status.as_str(), "queued_for_review");
        assert!(!t.status.is_terminal());
    }

    #[test]
    fn failure_codes_cover_both_cancel_forms_and_integer_codes() {
        let failed = task(r#"{"status":"failed","error":{"code":"request_cancelled"}}"#);
        assert_eq!(failed.map(|t| t.failure_kind()), Ok(FailureKind::Cancelled));
        let cancelled = task(r#"{"status":"cancelled"}"#).expect("a task");
        assert_eq!(cancelled.failure_code(), "cancelled");
        assert_eq!(cancelled.failure_kind(), FailureKind::Cancelled);
        let numeric = task(r#"{"status":"failed","error":{"code":500,"message":"m"}}"#);
        assert_eq!(numeric.map(|t| t.failure_code()), Ok("500".to_owned()));
        let bare = task(r#"{"status":"failed"}"#).expect("a task");
        assert_eq!(bare.failure_code(), "task_failed");
        assert_eq!(
            FailureKind::of_code("content_policy_violation"),
            FailureKind::InvalidInput
        );
        assert_eq!(
            FailureKind::of_code("generation_timeout"),
            FailureKind::Transient
        );
    }

    #[test]
    fn results_are_read_from_the_results_array() {
        let t = task(r#"{"status":"completed","results":["https://a/v.mp4",3,"https://b"]}"#);
        assert_eq!(
            t.map(|t| t.results().join(" ")),
            Ok("https://a/v.mp4 https://b".into())
        );
    }
}
