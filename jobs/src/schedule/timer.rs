//! Wakes a recurring job on its schedule. The fire time is computed by [`Schedule`]
//! (croner + chrono-tz, DST-correct); tokio-cron-scheduler holds a one-shot job for that
//! instant, which re-arms itself for the next one after running.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

use super::cron::Schedule;

/// The work done at each scheduled time, given that time.
pub type WeeklyTask = Arc<dyn Fn(DateTime<Utc>) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// Starts a scheduler that runs `task` at every time of `schedule` from now on.
pub async fn start(schedule: Schedule, task: WeeklyTask) -> Result<JobScheduler, JobSchedulerError> {
    let scheduler = JobScheduler::new().await?;
    arm(scheduler.clone(), schedule, task).await?;
    scheduler.start().await?;
    Ok(scheduler)
}

fn arm(
    scheduler: JobScheduler,
    schedule: Schedule,
    task: WeeklyTask,
) -> Pin<Box<dyn Future<Output = Result<(), JobSchedulerError>> + Send>> {
    Box::pin(async move {
        let now = Utc::now();
        let Some(next) = schedule.next_after(now) else {
            tracing::warn!("the digest schedule has no future time: the weekly job will not run");
            return Ok(());
        };
        let wait = (next - now).to_std().unwrap_or_default();
        tracing::info!(next_run = %next, "weekly job scheduled");
        let job = Job::new_one_shot_async(wait, move |_id, scheduler| {
            let (schedule, task) = (schedule.clone(), task.clone());
            Box::pin(async move {
                task(next).await;
                if let Err(error) = arm(scheduler, schedule, task).await {
                    tracing::error!(%error, "could not schedule the next weekly run");
                }
            })
        })?;
        scheduler.add(job).await?;
        Ok(())
    })
}
