//! The one back-off of the core, and the retry policy built on it.
//!
//! Three retry loops used to compute their waits three ways (the client's exponential back-off in
//! milliseconds, the bulk engine's in microseconds, the clipboard's linear 200 ms / 300 ms). They now all call
//! [`backoff`]: exponential from a base, doubling per attempt, capped, with "equal jitter" (half fixed, half
//! random) so callers that failed together spread out but never come straight back. A server's wait
//! (`Retry-After`, §2.15) always wins over the computed one: [`rate_limit_wait`] for `429`s,
//! [`RetryPolicy::delay_for`] for everything else.

use std::time::Duration;

use rand::Rng;

use crate::error::Error;

/// Wait this long after a `429` without `Retry-After` (§2.15), capped by the caller's longest wait.
pub const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(30);

/// The wait before retry number `attempt` (counting from 1): `base × 2^(attempt − 1)`, capped at `cap`, of
/// which the first half is fixed and the second half random. Never longer than `cap`.
pub fn backoff(base: Duration, cap: Duration, attempt: u32) -> Duration {
    let exp = base
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(30))
        .min(cap);
    let half = exp / 2;
    let spread = u64::try_from((exp - half).as_nanos()).unwrap_or(u64::MAX);
    let jitter = rand::thread_rng().gen_range(0..=spread);
    (half + Duration::from_nanos(jitter)).min(cap)
}

/// The wait after a `429`: the server's `Retry-After` if it sent one, else `default`; never longer than `cap`,
/// so a bogus header cannot stall PAT Desk for hours.
pub fn rate_limit_wait(
    retry_after: Option<Duration>,
    default: Duration,
    cap: Duration,
) -> Duration {
    retry_after.unwrap_or(default).min(cap)
}

/// When and how often to retry transient failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, including the first.
    pub max_attempts: u32,
    /// The first back-off; it doubles per attempt.
    pub base_delay: Duration,
    /// No single wait is longer, not even a server's `Retry-After`.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// [`backoff`] with this policy's base and cap.
    pub fn backoff(&self, attempt: u32) -> Duration {
        backoff(self.base_delay, self.max_delay, attempt)
    }

    /// How long to wait before attempt `attempt + 1` (`attempt` counts from 1) after `error`: for a `429` the
    /// server's `Retry-After` (else [`DEFAULT_RATE_LIMIT_WAIT`]); otherwise the back-off, or the server's
    /// `Retry-After` when it asked for longer. Capped at `max_delay`.
    pub fn delay_for(&self, attempt: u32, error: &Error) -> Duration {
        if error.is_rate_limited() {
            return rate_limit_wait(error.retry_after(), DEFAULT_RATE_LIMIT_WAIT, self.max_delay);
        }
        self.backoff(attempt)
            .max(error.retry_after().unwrap_or_default())
            .min(self.max_delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn backoff_doubles_with_equal_jitter_and_is_capped() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(2);
        for _ in 0..200 {
            for (attempt, exp) in [(1, 100), (2, 200), (3, 400), (4, 800), (5, 1600)] {
                let d = backoff(base, cap, attempt);
                let exp = Duration::from_millis(exp);
                assert!(d >= exp / 2 && d <= exp, "attempt {attempt}: {d:?}");
            }
            for attempt in [6, 7, 40, u32::MAX] {
                let d = backoff(base, cap, attempt);
                assert!(d >= cap / 2 && d <= cap, "attempt {attempt}: {d:?}");
            }
        }
        assert_eq!(backoff(Duration::ZERO, cap, 3), Duration::ZERO);
        // Attempt 0 is read as the first.
        assert!(backoff(base, cap, 0) <= base);
    }

    #[test]
    fn delay_is_capped_and_honours_retry_after() {
        let p = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        };
        let limited = Error::from_code(ErrorCode::RateLimited)
            .with_retry_after(Some(Duration::from_secs(60)));
        assert_eq!(p.delay_for(1, &limited), Duration::from_secs(2));
        let limited = Error::from_code(ErrorCode::RateLimited)
            .with_retry_after(Some(Duration::from_millis(300)));
        assert_eq!(p.delay_for(1, &limited), Duration::from_millis(300));
        let no_header = Error::from_code(ErrorCode::RateLimited);
        assert_eq!(p.delay_for(1, &no_header), Duration::from_secs(2));
        let server = Error::from_code(ErrorCode::ServerError);
        for attempt in 1..10 {
            let d = p.delay_for(attempt, &server);
            assert!(d <= Duration::from_secs(2));
        }
        let d3 = p.delay_for(3, &server);
        assert!(d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400));
        // A 503 that asks for longer than the back-off is waited out, within the cap.
        let busy =
            Error::from_code(ErrorCode::ServerError).with_retry_after(Some(Duration::from_secs(1)));
        assert_eq!(p.delay_for(1, &busy), Duration::from_secs(1));
        let busy = busy.with_retry_after(Some(Duration::from_secs(9)));
        assert_eq!(p.delay_for(1, &busy), Duration::from_secs(2));
    }

    #[test]
    fn rate_limit_wait_prefers_the_server() {
        let cap = Duration::from_secs(300);
        let default = DEFAULT_RATE_LIMIT_WAIT;
        assert_eq!(
            rate_limit_wait(Some(Duration::from_secs(3)), default, cap),
            Duration::from_secs(3)
        );
        assert_eq!(rate_limit_wait(None, default, cap), default);
        assert_eq!(
            rate_limit_wait(Some(Duration::from_secs(3600)), default, cap),
            cap
        );
    }
}
