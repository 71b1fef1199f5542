//! Read queries over snapshots shared by the API, the digest and the CLI. They read
//! snapshots only, never postings, so dashboards stay fast whatever the posting count.

use std::collections::HashMap;

use entity::{role, snapshot};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::figures::{self, pct1};
use crate::week::Week;

/// The latest week that has any snapshot.
pub async fn latest_week(db: &impl ConnectionTrait) -> Result<Option<Week>, DbErr> {
    let week: Option<Option<chrono::NaiveDate>> = snapshot::Entity::find()
        .select_only()
        .column_as(snapshot::Column::Week.max(), "week")
        .into_tuple()
        .one(db)
        .await?;
    Ok(week.flatten().map(Week::containing))
}

/// The latest week in which every one of `role_ids` has a snapshot.
pub async fn latest_common_week(db: &impl ConnectionTrait, role_ids: &[i32]) -> Result<Option<Week>, DbErr> {
    let rows: Vec<(i32, chrono::NaiveDate)> = snapshot::Entity::find()
        .select_only()
        .columns([snapshot::Column::RoleId, snapshot::Column::Week])
        .filter(snapshot::Column::RoleId.is_in(role_ids.iter().copied()))
        .order_by_desc(snapshot::Column::Week)
        .into_tuple()
        .all(db)
        .await?;
    let mut by_week: Vec<(chrono::NaiveDate, Vec<i32>)> = Vec::new();
    for (role_id, week) in rows {
        match by_week.last_mut() {
            Some((w, roles)) if *w == week => roles.push(role_id),
            _ => by_week.push((week, vec![role_id])),
        }
    }
    Ok(by_week
        .into_iter()
        .find(|(_, roles)| role_ids.iter().all(|r| roles.contains(r)))
        .map(|(week, _)| Week::containing(week)))
}

/// Every snapshot of one week.
pub async fn snapshots_of_week(db: &impl ConnectionTrait, week: Week) -> Result<Vec<snapshot::Model>, DbErr> {
    snapshot::Entity::find()
        .filter(snapshot::Column::Week.eq(week.monday()))
        .order_by_asc(snapshot::Column::RoleId)
        .all(db)
        .await
}

/// The snapshots of these roles in one week, by role.
pub async fn snapshots_in_week(
    db: &impl ConnectionTrait,
    role_ids: &[i32],
    week: Week,
) -> Result<HashMap<i32, snapshot::Model>, DbErr> {
    Ok(snapshot::Entity::find()
        .filter(snapshot::Column::RoleId.is_in(role_ids.iter().copied()))
        .filter(snapshot::Column::Week.eq(week.monday()))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.role_id, s))
        .collect())
}

/// Each of these roles' latest snapshot.
pub async fn latest_snapshots(
    db: &impl ConnectionTrait,
    role_ids: &[i32],
) -> Result<HashMap<i32, snapshot::Model>, DbErr> {
    // Two statements whatever the number of roles: latest week per role, then the rows.
    let latest: Vec<(i32, Option<chrono::NaiveDate>)> = snapshot::Entity::find()
        .select_only()
        .column(snapshot::Column::RoleId)
        .column_as(snapshot::Column::Week.max(), "week")
        .filter(snapshot::Column::RoleId.is_in(role_ids.iter().copied()))
        .group_by(snapshot::Column::RoleId)
        .into_tuple()
        .all(db)
        .await?;
    let weeks: HashMap<i32, chrono::NaiveDate> =
        latest.into_iter().filter_map(|(role, week)| week.map(|w| (role, w))).collect();
    if weeks.is_empty() {
        return Ok(HashMap::new());
    }
    let distinct: Vec<chrono::NaiveDate> = {
        let mut w: Vec<_> = weeks.values().copied().collect();
        w.sort();
        w.dedup();
        w
    };
    Ok(snapshot::Entity::find()
        .filter(snapshot::Column::RoleId.is_in(weeks.keys().copied()))
        .filter(snapshot::Column::Week.is_in(distinct))
        .all(db)
        .await?
        .into_iter()
        .filter(|s| weeks.get(&s.role_id) == Some(&s.week))
        .map(|s| (s.role_id, s))
        .collect())
}

/// Each of these roles' last `weeks` snapshots, oldest first.
pub async fn recent_snapshots(
    db: &impl ConnectionTrait,
    role_ids: &[i32],
    weeks: usize,
) -> Result<HashMap<i32, Vec<snapshot::Model>>, DbErr> {
    recent_snapshots_until(db, role_ids, weeks, None).await
}

/// Each of these roles' last `weeks` snapshots up to week `until` (all when `None`), oldest first.
pub async fn recent_snapshots_until(
    db: &impl ConnectionTrait,
    role_ids: &[i32],
    weeks: usize,
    until: Option<Week>,
) -> Result<HashMap<i32, Vec<snapshot::Model>>, DbErr> {
    let mut query = snapshot::Entity::find().filter(snapshot::Column::RoleId.is_in(role_ids.iter().copied()));
    if let Some(until) = until {
        query = query.filter(snapshot::Column::Week.lte(until.monday()));
    }
    let rows = query.order_by_asc(snapshot::Column::RoleId).order_by_desc(snapshot::Column::Week).all(db).await?;
    let mut out: HashMap<i32, Vec<snapshot::Model>> = HashMap::new();
    for row in rows {
        let list = out.entry(row.role_id).or_default();
        if list.len() < weeks {
            list.push(row);
        }
    }
    for list in out.values_mut() {
        list.reverse();
    }
    Ok(out)
}

/// Sum of open positions over all roles' snapshots of a week.
pub fn total_open_positions(snapshots: &[snapshot::Model]) -> i64 {
    snapshots.iter().map(|s| i64::from(s.open_positions)).sum()
}

/// One role's part of the market.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleShare {
    /// The role.
    pub role_id: i32,
    /// Its open positions.
    pub open_positions: i32,
    /// Its share of all listings, one decimal.
    pub share_pct: f64,
}

/// The market as a whole in one week.
#[derive(Debug, Clone, PartialEq)]
pub struct Market {
    /// The week (none when there is no data at all).
    pub week: Option<Week>,
    /// Open positions over all roles.
    pub total_open_positions: i64,
    /// Each role's share, largest first.
    pub roles: Vec<RoleShare>,
    /// Skills over all roles' top lists, by postings.
    pub top_skills: Vec<snapshot::SkillShare>,
}

/// The market of `week`, or of the latest week with data.
pub async fn market(db: &impl ConnectionTrait, week: Option<Week>) -> Result<Market, DbErr> {
    let week = match week {
        Some(w) => Some(w),
        None => latest_week(db).await?,
    };
    let Some(week) = week else {
        return Ok(Market { week: None, total_open_positions: 0, roles: Vec::new(), top_skills: Vec::new() });
    };
    let snapshots = snapshots_of_week(db, week).await?;
    Ok(market_of(Some(week), &snapshots))
}

/// The market figures of a week's snapshots.
pub fn market_of(week: Option<Week>, snapshots: &[snapshot::Model]) -> Market {
    let total = total_open_positions(snapshots);
    // In a week with no open listing no role has a share, so the market lists none.
    let mut roles: Vec<RoleShare> = snapshots
        .iter()
        .filter_map(|s| {
            let share_pct = figures::share_of_listings(i64::from(s.open_positions), total)?;
            Some(RoleShare { role_id: s.role_id, open_positions: s.open_positions, share_pct })
        })
        .collect();
    roles.sort_by(|a, b| b.open_positions.cmp(&a.open_positions).then(a.role_id.cmp(&b.role_id)));
    // Counts of skills across roles; imported snapshots carry no counts and add none.
    let mut counts: HashMap<String, (String, i64)> = HashMap::new();
    for skill in snapshots.iter().flat_map(|s| s.top_skills.iter()) {
        let entry = counts.entry(entity::skill::skill_key(&skill.skill)).or_insert((skill.skill.clone(), 0));
        entry.1 += i64::from(skill.postings);
    }
    let top_skills =
        figures::rank_by_count(counts.into_values().filter(|(_, c)| *c > 0).collect(), figures::TOP_SKILLS)
            .into_iter()
            .map(|(skill, postings)| snapshot::SkillShare {
                skill,
                postings: postings as i32,
                pct: pct1(postings, total),
            })
            .collect();
    Market { week, total_open_positions: total, roles, top_skills }
}

/// Roles by id.
pub async fn roles_by_id(db: &impl ConnectionTrait, ids: &[i32]) -> Result<HashMap<i32, role::Model>, DbErr> {
    Ok(role::Entity::find()
        .filter(role::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect())
}

/// Roles by slug (unknown slugs are absent).
pub async fn roles_by_slug(db: &impl ConnectionTrait, slugs: &[&str]) -> Result<Vec<role::Model>, DbErr> {
    role::Entity::find().filter(role::Column::Slug.is_in(slugs.iter().copied())).all(db).await
}
