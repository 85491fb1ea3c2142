//! Work over many accounts with at most `limit` in flight, every account's outcome kept: one
//! failing account never hides the others.

use futures::StreamExt as _;

/// Runs `f` for each account concurrently (at most `limit` at once) and returns every outcome in
/// the accounts' order.
pub async fn for_each_account<T, E, F, Fut>(accounts: &[String], limit: usize, f: F) -> Vec<(String, Result<T, E>)>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let mut out: Vec<(usize, String, Result<T, E>)> = futures::stream::iter(accounts.iter().cloned().enumerate())
        .map(|(i, account)| {
            let fut = f(account.clone());
            async move { (i, account, fut.await) }
        })
        .buffer_unordered(limit.max(1))
        .collect()
        .await;
    out.sort_by_key(|(i, _, _)| *i);
    out.into_iter().map(|(_, a, r)| (a, r)).collect()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn bounded_ordered_and_failures_kept() {
        let accounts: Vec<String> = (0..20).map(|i| format!("{i:012}")).collect();
        let in_flight = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let out = for_each_account(&accounts, 3, |a| {
            let (in_flight, peak) = (&in_flight, &peak);
            async move {
                let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                tokio::task::yield_now().await;
                in_flight.fetch_sub(1, Ordering::SeqCst);
                if a.ends_with('7') { Err(format!("{a} failed")) } else { Ok(a.len()) }
            }
        })
        .await;
        assert_eq!(out.len(), 20);
        assert!(peak.load(Ordering::SeqCst) <= 3);
        assert_eq!(out.iter().map(|(a, _)| a.clone()).collect::<Vec<_>>(), accounts);
        let failed: Vec<&String> = out.iter().filter(|(_, r)| r.is_err()).map(|(a, _)| a).collect();
        assert_eq!(failed, ["000000000007", "000000000017"]);
    }
}
