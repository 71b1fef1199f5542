//! The weekly digest end to end: a real SMTP server, the demo data, both databases.
//! Exactly once under repeats, concurrency and crashes; retries and bounces; the email's
//! figures and one-click unsubscribe; catch-up on start; the admin API. The helpers are
//! shared with `faults`.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use entity::{DeliveryStatus, RunStatus, SubscriberStatus, delivery, digest_run, subscriber};
use jobs::Week;
use jobs::digest::{DigestContext, RetryPolicy};
use jobs::figures::{money, signed_pct, thousands};
use salarygraph_tests::{ReceivedEmail, SmtpBehaviour, TestApp, TestOptions, error_code};
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, QueryOrder, Set};
use serde_json::json;

const SEND: &str =
    "mutation($w: Date) { sendDigest(week: $w) { id week status recipients sent failed startedAt finishedAt } }";
const RUNS: &str = "query { digestRuns { week status recipients sent failed finishedAt } }";
const PREVIEW: &str = "query($w: Date, $r: [String!]) { digestPreview(week: $w, roles: $r) { subject text html } }";

pub(crate) async fn demo_app() -> TestApp {
    TestApp::spawn_with(TestOptions { demo: true, ..TestOptions::default() }).await
}

/// The demo's latest week: the last one that has ended.
pub(crate) fn demo_week() -> Week {
    Week::last_completed(Utc::now())
}

/// The Monday morning after `week`, when the schedule sends its digest.
pub(crate) fn monday_after(week: Week) -> DateTime<Utc> {
    week.next().monday().and_hms_opt(8, 0, 0).expect("time").and_utc()
}

/// The app's digest context with fast retries and a short claim timeout.
pub(crate) fn context(app: &TestApp) -> DigestContext {
    let mut ctx = api::weekly_job::digest_context(&app.state);
    ctx.settings.retry = RetryPolicy { attempts: 3, base_delay: Duration::from_millis(20) };
    ctx.settings.claim_timeout = Duration::from_secs(2);
    ctx.settings.batch_size = 4;
    ctx
}

pub(crate) async fn add_subscriber(
    app: &TestApp,
    email: &str,
    status: SubscriberStatus,
    roles: &[&str],
) -> subscriber::Model {
    let now = Utc::now();
    subscriber::ActiveModel {
        email: Set(email.to_owned()),
        status: Set(status),
        roles: Set(roles.iter().map(|r| (*r).to_owned()).collect::<Vec<_>>().into()),
        confirmation_sent_at: Set(None),
        confirmed_at: Set((status == SubscriberStatus::Confirmed).then_some(now)),
        unsubscribed_at: Set(None),
        permanent_failures: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("insert subscriber")
}

pub(crate) async fn confirmed(app: &TestApp, count: usize) -> Vec<subscriber::Model> {
    let mut out = Vec::new();
    for i in 0..count {
        out.push(add_subscriber(app, &format!("reader{i}@example.com"), SubscriberStatus::Confirmed, &[]).await);
    }
    out
}

/// Digest emails the app's SMTP server received, by envelope recipient.
pub(crate) fn digests_by_recipient(app: &TestApp) -> HashMap<String, Vec<ReceivedEmail>> {
    by_recipient(app.emails())
}

/// The digest emails among `emails`, by envelope recipient.
fn by_recipient(emails: Vec<ReceivedEmail>) -> HashMap<String, Vec<ReceivedEmail>> {
    let mut out: HashMap<String, Vec<ReceivedEmail>> = HashMap::new();
    for email in emails {
        if email.header("Message-ID").is_some_and(|id| id.starts_with("<digest-")) {
            for to in &email.to {
                out.entry(to.clone()).or_default().push(email.clone());
            }
        }
    }
    out
}

pub(crate) fn assert_one_each(app: &TestApp, expected: &[&subscriber::Model]) {
    assert_one_each_in(app.emails(), expected);
}

/// Exactly one digest among `emails` for each of `expected`, and none for anyone else.
pub(crate) fn assert_one_each_in(emails: Vec<ReceivedEmail>, expected: &[&subscriber::Model]) {
    let received = by_recipient(emails);
    let mut counts: Vec<(String, usize)> = received.iter().map(|(to, e)| (to.clone(), e.len())).collect();
    counts.sort();
    let mut wanted: Vec<(String, usize)> = expected.iter().map(|s| (s.email.clone(), 1)).collect();
    wanted.sort();
    assert_eq!(counts, wanted);
}

async fn reload(app: &TestApp, id: i32) -> subscriber::Model {
    subscriber::Entity::find_by_id(id).one(&app.db).await.expect("query").expect("subscriber")
}

pub(crate) async fn deliveries(app: &TestApp) -> Vec<delivery::Model> {
    delivery::Entity::find().order_by_asc(delivery::Column::SubscriberId).all(&app.db).await.expect("deliveries")
}

async fn wait_until_done(app: &TestApp) -> serde_json::Value {
    for _ in 0..200 {
        let response = app.gql_as_admin(RUNS, json!({})).await;
        if response["data"]["digestRuns"][0]["status"] == "DONE" {
            return response;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the digest run never finished: {}", app.gql_as_admin(RUNS, json!({})).await);
}

#[tokio::test]
async fn send_digest_twice_sends_one_email_per_confirmed_subscriber() {
    let app = demo_app().await;
    let readers = confirmed(&app, 3).await;
    add_subscriber(&app, "pending@example.com", SubscriberStatus::Pending, &[]).await;
    add_subscriber(&app, "gone@example.com", SubscriberStatus::Unsubscribed, &[]).await;
    let week = demo_week().to_string();

    let first = app.gql_as_admin(SEND, json!({ "w": week })).await;
    assert_eq!(first["data"]["sendDigest"]["week"], week.as_str(), "{first}");
    assert_eq!(first["data"]["sendDigest"]["recipients"], 3, "{first}");
    let again = app.gql_as_admin(SEND, json!({ "w": week })).await;
    assert_eq!(again["data"]["sendDigest"]["id"], first["data"]["sendDigest"]["id"], "one run per week: {again}");
    let runs = wait_until_done(&app).await;
    // A third start after the run finished changes nothing either.
    jobs::digest::run_weekly_digest(&context(&app), demo_week(), monday_after(demo_week())).await.expect("run");

    assert_one_each(&app, &readers.iter().collect::<Vec<_>>());
    let run = &runs["data"]["digestRuns"][0];
    assert_eq!(
        (run["week"].as_str(), run["status"].as_str(), &run["recipients"], &run["sent"], &run["failed"]),
        (Some(week.as_str()), Some("DONE"), &json!(3), &json!(3), &json!(0))
    );
    assert!(run["finishedAt"].is_string(), "{run}");
    assert_eq!(app.gql_as_admin(RUNS, json!({})).await["data"]["digestRuns"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn two_runners_at_once_send_each_email_once() {
    let app = demo_app().await;
    let readers = confirmed(&app, 12).await;
    let (week, now) = (demo_week(), monday_after(demo_week()));
    let (a, b) = (context(&app), context(&app));
    let first = tokio::spawn(async move { jobs::digest::run_weekly_digest(&a, week, now).await });
    let second = tokio::spawn(async move { jobs::digest::run_weekly_digest(&b, week, now).await });
    let (first, second) = (first.await.expect("task").expect("run"), second.await.expect("task").expect("run"));

    assert_eq!(u8::from(first.created) + u8::from(second.created), 1, "exactly one runner creates the run");
    assert_eq!(first.delivered.sent + second.delivered.sent, 12, "{:?} {:?}", first.delivered, second.delivered);
    assert_eq!((first.run.status, first.run.sent), (RunStatus::Done, 12));
    assert_eq!(second.run.status, RunStatus::Done);
    assert_one_each(&app, &readers.iter().collect::<Vec<_>>());
    let rows = deliveries(&app).await;
    assert_eq!(rows.len(), 12);
    assert!(rows.iter().all(|d| d.status == DeliveryStatus::Sent && d.attempts == 1), "{rows:#?}");
    assert!(rows.iter().all(|d| d.message_id == jobs::digest::message_id(week, d.subscriber_id)), "{rows:#?}");
}

#[tokio::test]
async fn a_delivery_left_in_doubt_by_a_crash_is_resent_as_the_same_message() {
    let app = demo_app().await;
    let readers = confirmed(&app, 4).await;
    let (week, now) = (demo_week(), monday_after(demo_week()));
    let ctx = context(&app);
    jobs::digest::run_weekly_digest(&ctx, week, now).await.expect("first run");
    // The crash: SMTP took reader 2's email, then the process died before recording it.
    let doubt = deliveries(&app).await.into_iter().find(|d| d.subscriber_id == readers[2].id).expect("row");
    let mut row = doubt.clone().into_active_model();
    row.status = Set(DeliveryStatus::Sending);
    row.sent_at = Set(None);
    row.claimed_at = Set(Some(Utc::now() - TimeDelta::minutes(30)));
    row.update(&app.db).await.expect("crash state");
    let run = digest_run::Entity::find().one(&app.db).await.expect("run").expect("a run");
    let mut run = run.into_active_model();
    run.status = Set(RunStatus::Sending);
    run.finished_at = Set(None);
    run.update(&app.db).await.expect("crash state");

    let resumed = jobs::digest::run_weekly_digest(&ctx, week, now).await.expect("run after the crash");

    assert_eq!((resumed.created, resumed.delivered.sent, resumed.run.status), (false, 1, RunStatus::Done));
    let received = digests_by_recipient(&app);
    for reader in &readers {
        let expected = if reader.id == readers[2].id { 2 } else { 1 };
        assert_eq!(received[&reader.email].len(), expected, "{}", reader.email);
    }
    let ids: Vec<Option<String>> = received[&readers[2].email].iter().map(|e| e.header("Message-ID")).collect();
    let fixed = format!("<digest-{week}-{}@salarygraph>", readers[2].id);
    assert_eq!(ids, vec![Some(fixed.clone()), Some(fixed.clone())]);
    assert_eq!(doubt.message_id, fixed);
    let rows = deliveries(&app).await;
    assert!(rows.iter().all(|d| d.status == DeliveryStatus::Sent), "{rows:#?}");
    assert_eq!(rows.iter().find(|d| d.subscriber_id == readers[2].id).map(|d| d.attempts), Some(2));
}

#[tokio::test]
async fn a_temporary_refusal_is_retried_and_a_permanent_one_spares_the_others() {
    let app = demo_app().await;
    let readers = confirmed(&app, 4).await;
    let (flaky, refused) = (&readers[1], &readers[2]);
    app.smtp.as_ref().expect("smtp").set_behaviour(SmtpBehaviour {
        refuse: HashMap::from([(flaky.email.clone(), (451, 2)), (refused.email.clone(), (550, u32::MAX))]),
    });

    let summary =
        jobs::digest::run_weekly_digest(&context(&app), demo_week(), monday_after(demo_week())).await.expect("run");

    assert_eq!((summary.run.status, summary.run.sent, summary.run.failed), (RunStatus::Done, 3, 1));
    assert_one_each(&app, &[&readers[0], flaky, &readers[3]]);
    let rows: HashMap<i32, delivery::Model> =
        deliveries(&app).await.into_iter().map(|d| (d.subscriber_id, d)).collect();
    assert_eq!((rows[&flaky.id].status, rows[&flaky.id].attempts), (DeliveryStatus::Sent, 3));
    assert_eq!(rows[&refused.id].status, DeliveryStatus::Failed);
    assert!(rows[&refused.id].last_error.as_deref().is_some_and(|e| e.contains("550")), "{:?}", rows[&refused.id]);
    let after = reload(&app, refused.id).await;
    assert_eq!((after.status, after.permanent_failures), (SubscriberStatus::Confirmed, 1));
}

#[tokio::test]
async fn a_third_permanent_failure_in_a_row_bounces_the_subscriber() {
    let app = demo_app().await;
    let readers = confirmed(&app, 2).await;
    let mut failing = readers[0].clone().into_active_model();
    failing.permanent_failures = Set(2);
    failing.update(&app.db).await.expect("two earlier failures");
    let mut recovered = readers[1].clone().into_active_model();
    recovered.permanent_failures = Set(2);
    recovered.update(&app.db).await.expect("two earlier failures");
    app.smtp
        .as_ref()
        .expect("smtp")
        .set_behaviour(SmtpBehaviour { refuse: HashMap::from([(readers[0].email.clone(), (550, u32::MAX))]) });

    jobs::digest::run_weekly_digest(&context(&app), demo_week(), monday_after(demo_week())).await.expect("run");

    let (bounced, fine) = (reload(&app, readers[0].id).await, reload(&app, readers[1].id).await);
    assert_eq!((bounced.status, bounced.permanent_failures), (SubscriberStatus::Bounced, 3));
    assert_eq!((fine.status, fine.permanent_failures), (SubscriberStatus::Confirmed, 0), "a success resets the count");
}

#[tokio::test]
async fn whoever_leaves_after_the_run_started_gets_nothing() {
    let app = demo_app().await;
    let readers = confirmed(&app, 3).await;
    let (week, now) = (demo_week(), monday_after(demo_week()));
    let started = jobs::digest::start(&app.db, week, now).await.expect("start");
    assert_eq!(started.run.recipients, 3);
    jobs::subscriptions::unsubscribe(
        &app.db,
        &jobs::tokens::issue(&app.db, readers[1].id, entity::TokenPurpose::Manage, None, Utc::now()).await.expect("t"),
        Utc::now(),
    )
    .await
    .expect("unsubscribe");

    let (run, counts) = jobs::digest::deliver_run(&context(&app), started.run).await.expect("deliver");

    assert_eq!((counts.sent, counts.skipped, run.sent, run.failed, run.status), (2, 1, 2, 0, RunStatus::Done));
    assert_one_each(&app, &[&readers[0], &readers[2]]);
    let skipped = deliveries(&app).await.into_iter().find(|d| d.subscriber_id == readers[1].id).expect("row");
    assert_eq!(skipped.status, DeliveryStatus::Skipped);
}

#[tokio::test]
async fn the_email_carries_the_weeks_figures_and_a_one_click_unsubscribe_that_works() {
    let app = demo_app().await;
    let reader =
        add_subscriber(&app, "ann@example.com", SubscriberStatus::Confirmed, &["llm-engineer", "data-scientist"]).await;
    let week = demo_week();
    jobs::digest::run_weekly_digest(&context(&app), week, monday_after(week)).await.expect("run");

    let email = digests_by_recipient(&app).remove(&reader.email).expect("an email").remove(0);
    let figures = jobs::digest::WeekFigures::load(&app.db, week).await.expect("figures");
    let followed = figures.followed(&reader.roles);
    assert_eq!(followed.len(), 2);
    let headline = followed
        .iter()
        .filter_map(|r| r.median_change_pct.map(|c| (r, c)))
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
        .expect("a move");
    let median = money(i64::from(headline.0.median_salary.expect("median")));
    let subject = email.header("Subject").expect("subject");
    assert!(subject.starts_with(&format!("AI salaries, week of {}: ", week.monday().format("%b %-d"))), "{subject}");
    assert!(
        subject.ends_with(&format!("{} median {median} ({})", headline.0.title, signed_pct(headline.1))),
        "{subject}"
    );
    // Checked against the stored snapshots, not the digest's own figures.
    let snapshots = jobs::catalog::snapshots_of_week(&app.db, week).await.expect("snapshots");
    let previous = jobs::catalog::snapshots_of_week(&app.db, week.previous()).await.expect("snapshots");
    let (text, html) = (email.part("text/plain").expect("text"), email.part("text/html").expect("html"));
    for role in &followed {
        let role_id = jobs::roles::find_by_slug(&app.db, &role.slug).await.expect("q").expect("role").id;
        let now = snapshots.iter().find(|s| s.role_id == role_id).expect("snapshot");
        let before = previous.iter().find(|s| s.role_id == role_id).expect("previous snapshot");
        let change = jobs::figures::trend(&[before.clone(), now.clone()])[1].median_change_pct.expect("change");
        let open_change = now.open_positions - before.open_positions;
        let expected = [
            role.title.clone(),
            money(i64::from(now.median_salary.expect("median"))),
            signed_pct(change),
            money(i64::from(now.p75_salary.expect("p75"))),
            thousands(i64::from(now.open_positions)),
            if open_change >= 0 {
                format!("+{}", thousands(open_change.into()))
            } else {
                thousands(open_change.into())
            },
            now.top_skills[0].skill.clone(),
        ];
        for figure in expected {
            assert!(text.contains(&figure), "{figure} not in the text part:\n{text}");
            assert!(html.contains(&figure), "{figure} not in the HTML part:\n{html}");
        }
        // The median over the demo's weeks, in words in both parts and as a chart in the HTML.
        let mut history: Vec<_> = jobs::catalog::recent_snapshots(&app.db, &[role_id], 12)
            .await
            .expect("history")
            .remove(&role_id)
            .unwrap_or_default()
            .into_iter()
            .filter(|s| s.week <= week.monday())
            .filter_map(|s| s.median_salary)
            .collect();
        history.drain(..history.len().saturating_sub(12));
        assert!(history.len() >= 3, "the demo has weeks of history");
        let words = format!(
            "Median, last {} weeks: {} to {}",
            history.len(),
            money(i64::from(history[0])),
            money(i64::from(history[history.len() - 1]))
        );
        assert!(text.contains(&words) && html.contains(&words), "{words}:\n{text}");
        let cid = format!("trend-{}@salarygraph", role.slug);
        assert!(html.contains(&format!("src=\"cid:{cid}\"")), "{html}");
        let (mime, image) = email.inline(&cid).expect("the chart is attached inline");
        assert_eq!(mime, "image/png");
        assert!(image.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG (its signature)");
    }
    let total = thousands(jobs::catalog::total_open_positions(&snapshots));
    assert!(text.contains(&total) && html.contains(&total), "market total {total}");
    assert!(!text.contains("AI Architect\n"), "an unfollowed role is not listed:\n{text}");

    assert_eq!(email.header("List-Unsubscribe-Post").as_deref(), Some("List-Unsubscribe=One-Click"));
    assert!(email.header("List-Id").is_some_and(|id| id.contains('<')));
    let link = email.header("List-Unsubscribe").expect("List-Unsubscribe");
    let url = link.trim_start_matches('<').trim_end_matches('>');
    assert!(url.starts_with(&format!("{}/unsubscribe?token=", app.base_url)), "{link}");
    assert!(text.contains(url) && html.contains(url), "the footer carries the same link");
    let response = app
        .client
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status().as_u16(), 200);
    let after = reload(&app, reader.id).await;
    assert_eq!(after.status, SubscriberStatus::Unsubscribed);
}

#[tokio::test]
async fn a_missed_schedule_is_caught_up_once_on_start() {
    let app = demo_app().await;
    let readers = confirmed(&app, 2).await;
    let schedule =
        jobs::schedule::Schedule::new(&app.config.digest_schedule, app.config.digest_timezone).expect("schedule");
    let now = Utc::now();
    let week = Week::last_completed(schedule.last_fire_at_or_before(now).expect("a past time"));
    api::weekly_job::catch_up(&app.state, &schedule, now).await;
    api::weekly_job::catch_up(&app.state, &schedule, now).await;

    assert_one_each(&app, &readers.iter().collect::<Vec<_>>());
    let runs = digest_run::Entity::find().all(&app.db).await.expect("runs");
    assert_eq!(runs.len(), 1);
    assert_eq!((runs[0].week, runs[0].status, runs[0].sent), (week.monday(), RunStatus::Done, 2));
}

#[tokio::test]
async fn admins_preview_a_digest_without_sending_it() {
    let app = demo_app().await;
    confirmed(&app, 1).await;
    let week = demo_week().to_string();
    let preview = app.gql_as_admin(PREVIEW, json!({ "w": week, "r": ["llm-engineer"] })).await;
    let digest = &preview["data"]["digestPreview"];
    assert!(digest["subject"].as_str().is_some_and(|s| s.starts_with("AI salaries, week of ")), "{preview}");
    assert!(digest["text"].as_str().is_some_and(|t| t.contains("LLM Engineer")), "{preview}");
    assert!(digest["html"].as_str().is_some_and(|h| h.contains("LLM Engineer")), "{preview}");
    assert!(app.emails().is_empty(), "a preview sends nothing");
    assert!(digest_run::Entity::find().all(&app.db).await.expect("runs").is_empty());

    let unknown = app.gql_as_admin(PREVIEW, json!({ "w": week, "r": ["no-such-role"] })).await;
    assert_eq!(error_code(&unknown), Some("BAD_USER_INPUT"), "{unknown}");
    assert_eq!(error_code(&app.gql(PREVIEW, json!({ "w": week })).await), Some("UNAUTHORIZED"));
    assert_eq!(error_code(&app.gql(SEND, json!({ "w": week })).await), Some("UNAUTHORIZED"));
    assert_eq!(error_code(&app.gql(RUNS, json!({})).await), Some("UNAUTHORIZED"));
    let current = Week::containing(Utc::now().date_naive()).to_string();
    let unfinished = app.gql_as_admin(SEND, json!({ "w": current })).await;
    assert_eq!(error_code(&unfinished), Some("BAD_USER_INPUT"), "{unfinished}");
}
