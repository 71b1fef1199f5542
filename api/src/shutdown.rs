//! Stopping cleanly: the digest stops at a recipient boundary, and shutdown waits for it.

use std::future::Future;
use std::time::Duration;

use jobs::digest::StopSignal;
use tokio::sync::{RwLock, watch};

/// Longest wait for requests in flight, then for a running digest, when stopping.
pub const GRACE: Duration = Duration::from_secs(20);

/// Tracks the background jobs (the weekly digest) and tells them to stop.
#[derive(Debug)]
pub struct Shutdown {
    raise: watch::Sender<bool>,
    signal: StopSignal,
    // Each running job holds a read guard; stopping takes the write guard, i.e. waits for all.
    running: RwLock<()>,
}

impl Default for Shutdown {
    fn default() -> Self {
        let (raise, signal) = StopSignal::new();
        Self { raise, signal, running: RwLock::new(()) }
    }
}

impl Shutdown {
    /// The signal a job checks between recipients.
    pub fn signal(&self) -> StopSignal {
        self.signal.clone()
    }

    /// Runs a job so that [`Shutdown::stop_jobs`] waits for it.
    pub async fn track<F: Future>(&self, job: F) -> F::Output {
        let _running = self.running.read().await;
        job.await
    }

    /// Tells the jobs to stop and waits up to `grace` for them; `false` if some did not end.
    pub async fn stop_jobs(&self, grace: Duration) -> bool {
        self.raise.send_replace(true);
        tokio::time::timeout(grace, self.running.write()).await.is_ok()
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
                        while !signal.is_stopping() {
                            tokio::time::sleep(Duration::from_millis(5)).await;
                        }
                        "stopped at a boundary"
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!signal.is_stopping());
        assert!(shutdown.stop_jobs(Duration::from_secs(5)).await);
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
