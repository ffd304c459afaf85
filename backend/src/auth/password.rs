//! Password hashing with argon2id (the crate's defaults follow the OWASP recommendation), and
//! the gate every hash and check passes through.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Semaphore;

/// How long a login, registration or password check waits for its turn before the server
/// answers that it is busy.
pub const HASH_WAIT: Duration = Duration::from_secs(10);

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every core was busy hashing for longer than the gate's wait.
    #[error("busy")]
    Busy,
    #[error("{0}")]
    Failed(String),
}

/// Each argon2 computation takes tens of milliseconds of one core and 19 MiB of memory, so a
/// flood of logins or registrations could take all of both. At most `permits` run at once
/// (one per core by default); the others wait their turn, up to a bound.
pub struct Hashing {
    permits: Arc<Semaphore>,
    wait: Duration,
    computed: AtomicU64,
}

impl Hashing {
    pub fn new(permits: usize, wait: Duration) -> Hashing {
        Hashing {
            permits: Arc::new(Semaphore::new(permits.max(1))),
            wait,
            computed: AtomicU64::new(0),
        }
    }

    /// One computation per core of this machine at a time, waiting up to [`HASH_WAIT`].
    pub fn per_core() -> Hashing {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Hashing::new(cores, HASH_WAIT)
    }

    /// How many hashes and checks this gate has let through (tests use it to see that a
    /// refused request did not hash).
    pub fn computed(&self) -> u64 {
        self.computed.load(Ordering::Relaxed)
    }

    /// Runs `work` on a blocking thread once a permit is free. The permit travels with the
    /// work, so a caller that gives up (a closed connection) does not free it early.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| HashError::Busy)?
            .map_err(|e| HashError::Failed(e.to_string()))?;
        self.computed.fetch_add(1, Ordering::Relaxed);
        tokio::task::spawn_blocking(move || {
            let out = work();
            drop(permit);
            out
        })
        .await
        .map_err(|e| HashError::Failed(e.to_string()))
    }

    /// [`hash`], in turn.
    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let password = password.to_owned();
        self.run(move || hash(&password))
            .await?
            .map_err(|e| HashError::Failed(e.to_string()))
    }

    /// [`verify`] against `phc`, or [`verify_dummy`] when there is none (an unknown user), in
    /// turn.
    pub async fn verify(&self, password: &str, phc: Option<String>) -> Result<bool, HashError> {
        let password = password.to_owned();
        self.run(move || match phc {
            Some(phc) => verify(&password, &phc),
            None => {
                verify_dummy(&password);
                false
            }
        })
        .await
    }
}

/// Hashes a password into a PHC string (`$argon2id$v=19$...`). CPU-heavy: call it through
/// [`Hashing`].
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// True when `password` matches `phc`. A malformed stored hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends the same time as a real check, so an unknown username cannot be told apart from a
/// wrong password by timing.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let phc = DUMMY.get_or_init(|| hash("not a real password").expect("hashing works"));
    let _ = verify(password, phc);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_password() {
        let phc = hash("correct horse battery staple").unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify("correct horse battery staple", &phc));
        assert!(!verify("correct horse battery stapler", &phc));
        assert!(!verify("anything", "not a phc string"));
    }

    #[test]
    fn the_same_password_gets_a_different_salt_each_time() {
        assert_ne!(
            hash("same password").unwrap(),
            hash("same password").unwrap()
        );
    }

    #[tokio::test]
    async fn the_gate_counts_and_lets_through_up_to_its_permits() {
        let gate = Hashing::new(2, Duration::from_secs(5));
        let phc = gate.hash("a password").await.unwrap();
        assert!(gate.verify("a password", Some(phc)).await.unwrap());
        assert!(!gate.verify("a password", None).await.unwrap());
        assert_eq!(gate.computed(), 3);
    }

    #[tokio::test]
    async fn a_caller_waits_its_turn_and_gives_up_after_the_bound() {
        let gate = Arc::new(Hashing::new(1, Duration::from_millis(200)));
        // Hold the only permit with a slow piece of work.
        let busy = {
            let gate = gate.clone();
            tokio::spawn(async move {
                gate.run(|| std::thread::sleep(Duration::from_millis(600)))
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(matches!(gate.hash("too late").await, Err(HashError::Busy)));
        busy.await.unwrap().unwrap();
        // Free again: the next one goes through.
        assert!(gate.hash("in time").await.is_ok());
        assert_eq!(gate.computed(), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn no_more_than_the_permits_run_at_once_and_the_others_queue() {
        use std::sync::atomic::AtomicUsize;
        let gate = Arc::new(Hashing::new(2, Duration::from_secs(30)));
        let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (gate, now, most) = (gate.clone(), now.clone(), most.clone());
                tokio::spawn(async move {
                    gate.run(move || {
                        let running = now.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(running, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(30));
                        now.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().expect("every waiter gets its turn");
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
        assert_eq!(gate.computed(), 8);
    }
}
