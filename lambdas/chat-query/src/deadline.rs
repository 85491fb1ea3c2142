//! The fan-out's deadline: API Gateway gives up on an integration after 29 s, so accounts that
//! have not answered by then are reported late rather than losing everyone's answer.

/// Reads every account, `concurrency` at a time, giving up at `deadline` on those not done (and
/// those still queued): each is [`crate::reads::AccountError::TimedOut`] after `budget`, the others
/// answer as they are.
pub async fn read_until<F, Fut>(
    accounts: &[String],
    concurrency: usize,
    deadline: tokio::time::Instant,
    budget: std::time::Duration,
    read: F,
) -> Vec<(String, Result<crate::reads::AccountOutcome, crate::reads::AccountError>)>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<crate::reads::AccountOutcome, crate::reads::AccountError>>,
{
    cima_core::fanout::for_each_account(accounts, concurrency, |account| {
        let read = read(account);
        async move {
            tokio::time::timeout_at(deadline, read).await.unwrap_or(Err(crate::reads::AccountError::TimedOut(budget)))
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::reads::{AccountError, AccountOutcome};

    /// On tokio's paused clock: no real waiting, and the deadline is exact.
    #[tokio::test(start_paused = true)]
    async fn accounts_late_at_the_deadline_are_reported_and_the_others_answer() {
        let accounts: Vec<String> = ["fast", "slow", "queued"].map(String::from).to_vec();
        let budget = Duration::from_secs(20);
        let start = tokio::time::Instant::now();
        let outcomes = read_until(&accounts, 2, start + budget, budget, |account| async move {
            match account.as_str() {
                "fast" => Ok(AccountOutcome::default()),
                // One that never answers, and one whose turn comes after it would have.
                "slow" => std::future::pending().await,
                _ => {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    Ok(AccountOutcome::default())
                }
            }
        })
        .await;
        assert_eq!(start.elapsed(), budget, "the answer comes at the deadline, not later");
        let names: Vec<&str> = outcomes.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(names, ["fast", "slow", "queued"], "in the accounts' order");
        assert!(outcomes[0].1.is_ok());
        for (account, outcome) in &outcomes[1..] {
            match outcome {
                Err(e @ AccountError::TimedOut(d)) => {
                    assert_eq!(*d, budget);
                    assert!(e.to_string().starts_with("no answer within 20 s"), "{account}: {e}");
                }
                other => panic!("{account}: {other:?}"),
            }
        }
    }
}
