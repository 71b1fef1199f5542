//! Sign-ups recorded in groups. A burst of sign-ups used to cost six statements each, one
//! sign-up at a time; here one task per process takes whatever sign-ups are waiting (up to
//! [`GROUP`]) and records the new addresses among them with one insert, their confirmation
//! tokens with a second and their links with one read of the signing key, as the digest
//! records its sends. Addresses already known take the one-at-a-time path, whose conditional
//! updates keep a confirmation that lands in between.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use entity::{TokenPurpose, subscriber};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};
use tokio::sync::{Semaphore, mpsc};

use super::address::SubscriberEmail;
use super::emails::confirmation_email;
use super::links::{confirm_url, manage_links_many};
use super::{CONFIRMATION_TTL_HOURS, SIGN_UP_SLOT_WAIT, SubscriptionError, pending_row, record_sign_up};
use crate::mail::{Email, Mailer};
use crate::tokens;

/// Sign-ups waiting to be recorded, across the process; past it a sign-up waits up to
/// [`SIGN_UP_SLOT_WAIT`] for room, then answers [`SubscriptionError::Busy`] rather than queue
/// work without bound.
pub const MAX_SIGN_UPS_QUEUED: usize = 256;
/// Most sign-ups recorded together.
const GROUP: usize = 64;
/// Confirmation emails being sent at once; the recorder waits for one to finish past it, so
/// that a slow mail server fills the queue and slows sign-ups down instead of piling up sends.
const MAX_SENDING: usize = 256;

/// A checked sign-up, waiting to be recorded.
#[derive(Debug)]
pub(super) struct SignUp {
    pub(super) email: SubscriberEmail,
    /// The slugs followed (empty: every role).
    pub(super) roles: Vec<String>,
    /// Their titles, alphabetically, for the confirmation email.
    pub(super) titles: Vec<String>,
    pub(super) now: DateTime<Utc>,
}

/// The process's sign-up queue; its recorder ends once every handle is dropped and what was
/// queued is recorded and sent.
#[derive(Debug, Clone)]
pub struct SignUps {
    queue: mpsc::Sender<SignUp>,
}

impl SignUps {
    /// Starts the recorder (on the current Tokio runtime) over `db`, sending confirmations
    /// through `mailer` with links under `public_url` (no trailing slash).
    pub fn start(db: DatabaseConnection, mailer: Mailer, public_url: Arc<str>) -> Self {
        let (queue, waiting) = mpsc::channel(MAX_SIGN_UPS_QUEUED);
        tokio::spawn(record_until_closed(waiting, Recorder { db, mailer, public_url }));
        Self { queue }
    }

    /// Queues a checked sign-up, waiting up to [`SIGN_UP_SLOT_WAIT`] for room.
    pub(super) async fn enqueue(&self, sign_up: SignUp) -> Result<(), SubscriptionError> {
        self.queue.send_timeout(sign_up, SIGN_UP_SLOT_WAIT).await.map_err(|_| SubscriptionError::Busy)
    }
}

/// What the recorder works with.
struct Recorder {
    db: DatabaseConnection,
    mailer: Mailer,
    public_url: Arc<str>,
}

/// A confirmation a sign-up won the right to send.
struct Due {
    subscriber: subscriber::Model,
    /// `confirmation_sent_at` before this sign-up claimed it, restored if the send fails.
    previous_sent_at: Option<DateTime<Utc>>,
    titles: Vec<String>,
}

async fn record_until_closed(mut waiting: mpsc::Receiver<SignUp>, recorder: Recorder) {
    let recorder = Arc::new(recorder);
    let sending = Arc::new(Semaphore::new(MAX_SENDING));
    let mut group = Vec::with_capacity(GROUP);
    while waiting.recv_many(&mut group, GROUP).await > 0 {
        let now = group.iter().map(|s| s.now).max().unwrap_or_else(Utc::now);
        let due = recorder.record(std::mem::take(&mut group)).await;
        let emails = match recorder.confirmations(&due, now).await {
            Ok(emails) => emails,
            Err(error) => {
                tracing::error!(%error, count = due.len(), "confirmation emails not prepared");
                for due in &due {
                    recorder.release_claim(due).await;
                }
                continue;
            }
        };
        for (due, email) in due.into_iter().zip(emails) {
            let Ok(permit) = sending.clone().acquire_owned().await else { break };
            let recorder = recorder.clone();
            tokio::spawn(async move {
                let _permit = permit;
                recorder.send(&due, &email).await;
            });
        }
    }
    // Queued sign-ups are all recorded; wait for their emails before the database goes.
    let _all = sending.acquire_many(MAX_SENDING as u32).await;
}

impl Recorder {
    /// Records a group of sign-ups; returns the confirmations they won.
    async fn record(&self, group: Vec<SignUp>) -> Vec<Due> {
        // An address twice in one group: its later sign-ups go after, one at a time.
        let mut seen = HashSet::with_capacity(group.len());
        let (first, repeats): (Vec<SignUp>, Vec<SignUp>) =
            group.into_iter().partition(|s| seen.insert(s.email.identity()));
        let mut due = Vec::with_capacity(first.len());
        let known = match self.insert_new(first).await {
            Ok((inserted, known)) => {
                due.extend(inserted);
                known
            }
            Err((error, group)) => {
                tracing::warn!(%error, count = group.len(), "sign-ups not recorded together: one at a time");
                group
            }
        };
        for sign_up in known.into_iter().chain(repeats) {
            match record_sign_up(&self.db, &sign_up.email, &sign_up.roles, sign_up.now).await {
                Ok(Some((subscriber, previous_sent_at))) => {
                    due.push(Due { subscriber, previous_sent_at, titles: sign_up.titles });
                }
                Ok(None) => {}
                Err(error) => tracing::error!(%error, "sign-up not recorded"),
            }
        }
        due
    }

    /// Inserts the addresses not yet known in one statement, each PENDING with its
    /// confirmation due now and claimed (the row says so from its first write); returns them,
    /// and the sign-ups of addresses that were known (or signed up by another process in
    /// between). On failure, gives the group back.
    async fn insert_new(&self, group: Vec<SignUp>) -> Result<(Vec<Due>, Vec<SignUp>), (DbErr, Vec<SignUp>)> {
        if group.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        let rows = group.iter().map(|s| pending_row(&s.email, &s.roles, s.now));
        // No conflict target: the unique index is on lower(email), and any address already
        // there is simply left out of what comes back.
        let inserted = subscriber::Entity::insert_many(rows)
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .exec_with_returning(&self.db)
            .await;
        let inserted = match inserted {
            Ok(inserted) => inserted,
            Err(error) => return Err((error, group)),
        };
        // A row holds its address exactly as this group wrote it, and no two sign-ups here
        // share an identity, so the address as written finds its sign-up.
        let mut by_address: std::collections::HashMap<String, subscriber::Model> =
            inserted.into_iter().map(|m| (m.email.clone(), m)).collect();
        let mut due = Vec::with_capacity(by_address.len());
        let mut known = Vec::new();
        for sign_up in group {
            match by_address.remove(sign_up.email.as_str()) {
                Some(subscriber) => due.push(Due { subscriber, previous_sent_at: None, titles: sign_up.titles }),
                None => known.push(sign_up),
            }
        }
        Ok((due, known))
    }

    /// The confirmation emails of `due`, in order: one insert for their tokens, one read of
    /// the signing key for their links.
    async fn confirmations(
        &self,
        due: &[Due],
        now: DateTime<Utc>,
    ) -> Result<Vec<Email>, Box<dyn std::error::Error + Send + Sync>> {
        let ids: Vec<i32> = due.iter().map(|d| d.subscriber.id).collect();
        let expires_at = now + TimeDelta::hours(CONFIRMATION_TTL_HOURS);
        let tokens = tokens::issue_many(&self.db, &ids, TokenPurpose::Confirm, Some(expires_at), now).await?;
        let links = manage_links_many(&self.db, &ids, &self.public_url, now).await?;
        let mut emails = Vec::with_capacity(due.len());
        for ((due, token), links) in due.iter().zip(&tokens).zip(&links) {
            let url = confirm_url(&self.public_url, token);
            emails.push(confirmation_email(&due.subscriber.email, &url, &due.titles, links)?);
        }
        Ok(emails)
    }

    /// Sends one confirmation; a failed send frees the address to ask again at once.
    async fn send(&self, due: &Due, email: &Email) {
        match self.mailer.send(email).await {
            Ok(()) => tracing::info!(subscriber_id = due.subscriber.id, "confirmation email sent"),
            Err(error) => {
                tracing::warn!(subscriber_id = due.subscriber.id, %error, "confirmation email not sent");
                self.release_claim(due).await;
            }
        }
    }

    /// Gives back the claim on sending a confirmation, so that the address need not wait out
    /// the resend interval for an email it never got.
    async fn release_claim(&self, due: &Due) {
        let released = subscriber::Entity::update_many()
            .col_expr(subscriber::Column::ConfirmationSentAt, Expr::value(due.previous_sent_at))
            .filter(subscriber::Column::Id.eq(due.subscriber.id))
            .exec(&self.db)
            .await;
        if let Err(error) = released {
            tracing::error!(subscriber_id = due.subscriber.id, %error, "confirmation claim not released");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign_up(n: usize) -> SignUp {
        let email = SubscriberEmail::parse(&format!("reader{n}@example.com")).expect("an address");
        SignUp { email, roles: Vec::new(), titles: Vec::new(), now: Utc::now() }
    }

    #[tokio::test]
    async fn a_full_queue_answers_busy_after_the_wait_and_keeps_what_it_holds() {
        // No recorder drains this queue: it stays full once filled.
        let (queue, mut waiting) = mpsc::channel(MAX_SIGN_UPS_QUEUED);
        let sign_ups = SignUps { queue };
        for n in 0..MAX_SIGN_UPS_QUEUED {
            sign_ups.enqueue(sign_up(n)).await.expect("room in the queue");
        }
        let started = std::time::Instant::now();
        let refused = sign_ups.enqueue(sign_up(MAX_SIGN_UPS_QUEUED)).await;
        assert!(matches!(refused, Err(SubscriptionError::Busy)), "{refused:?}");
        assert!(started.elapsed() >= SIGN_UP_SLOT_WAIT, "waited for room first");
        // The queued sign-ups are all still there, in order; one taken makes room again.
        let first = waiting.recv().await.expect("queued");
        assert_eq!(first.email.as_str(), "reader0@example.com");
        sign_ups.enqueue(sign_up(MAX_SIGN_UPS_QUEUED)).await.expect("room again");
        assert_eq!(waiting.len(), MAX_SIGN_UPS_QUEUED);
    }
}
