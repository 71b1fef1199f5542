//! Stopping cleanly: the digest stops at a recipient boundary, and shutdown waits for it.

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

/// Longest wait for requests in flight, then for a running digest, when stopping.
pub const GRACE: Duration = Duration::from_secs(20);

/// Tracks the background jobs (the weekly digest, the job-board fetch) and tells them to stop.
#[derive(Debug, Default)]
pub struct Shutdown {
    stop: CancellationToken,
    running: TaskTracker,
}

impl Shutdown {
    /// The token a job checks between recipients; cancelled by [`Shutdown::stop_jobs`].
    pub fn signal(&self) -> CancellationToken {
        self.stop.clone()
    }

    /// Runs a job so that [`Shutdown::stop_jobs`] waits for it.
    pub async fn track<F: Future>(&self, job: F) -> F::Output {
        self.running.track_future(job).await
    }

    /// Tells the jobs to stop and waits up to `grace` for them; `false` if some did not end.
    pub async fn stop_jobs(&self, grace: Duration) -> bool {
        self.stop.cancel();
        // Closed, the tracker's `wait` ends once no job runs (a job tracked later still is).
        self.running.close();
        tokio::time::timeout(grace, self.running.wait()).await.is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stopping_raises_the_signal_and_waits_for_tracked_jobs() {
        let shutdown = std::sync::Arc::new(Shutdown::default());
        let signal = shutdown.signal();
        let job = {
            let (shutdown, signal) = (shutdown.clone(), signal.clone());
            tokio::spawn(async move {
                shutdown
                    .track(async {
                        while !signal.is_cancelled() {
                            tokio::time::sleep(Duration::from_millis(5)).await;
                        }
                        // Work at the boundary still runs before shutdown goes on.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        "stopped at a boundary"
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!signal.is_cancelled());
        assert!(shutdown.stop_jobs(Duration::from_secs(5)).await);
        assert!(job.is_finished(), "stop_jobs returned before the job ended");
        assert_eq!(job.await.expect("job"), "stopped at a boundary");
    }

    #[tokio::test]
    async fn a_job_that_does_not_stop_is_not_waited_for_beyond_the_grace() {
        let shutdown = std::sync::Arc::new(Shutdown::default());
        let stuck = shutdown.clone();
        tokio::spawn(async move { stuck.track(std::future::pending::<()>()).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!shutdown.stop_jobs(Duration::from_millis(50)).await);
    }
}
