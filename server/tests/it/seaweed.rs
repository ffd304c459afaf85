//! A real SeaweedFS for the S3 bucket tests: `weed server` runs its master, volume server,
//! filer and S3 gateway in one process, on loopback ports of its own, with a data dir that
//! outlives a kill so a test can take the bucket away and bring it back.

use crate::support::free_port;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// The `weed` binary; scripts/test installs it into .tools/.
const WEED_ENV: &str = "OTT_TEST_WEED";

/// One SeaweedFS with one bucket, which only these credentials may use. Killed when dropped.
pub struct SeaweedFs {
    /// `http://127.0.0.1:PORT`, for path-style requests; any region name is accepted.
    pub endpoint: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub bucket: String,
    weed: PathBuf,
    dir: TempDir,
    ports: Ports,
    child: Option<Child>,
}

/// Every port is chosen here: weed's default gRPC port (HTTP + 10000) can be taken by another
/// test's server, or be past 65535.
struct Ports {
    master: u16,
    master_grpc: u16,
    volume: u16,
    volume_grpc: u16,
    filer: u16,
    filer_grpc: u16,
    s3: u16,
    s3_grpc: u16,
}

impl SeaweedFs {
    /// A running SeaweedFS whose bucket exists, or `None` (with a note) where no `weed` is
    /// configured; in CI a missing `weed` fails.
    pub fn start(bucket: &str) -> Option<SeaweedFs> {
        let weed = match std::env::var(WEED_ENV) {
            Ok(path) if !path.is_empty() => PathBuf::from(path),
            _ if std::env::var("CI").is_ok_and(|v| v == "true") => {
                panic!("S3 buckets need SeaweedFS: set {WEED_ENV} (scripts/test does)")
            }
            _ => {
                eprintln!("note: {WEED_ENV} not set; S3 buckets are not tested against SeaweedFS");
                return None;
            }
        };
        let dir = TempDir::new().unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        let (access_key_id, secret_access_key) =
            ("ott-test".to_owned(), "ott-test-secret".to_owned());
        // The only identity: with one configured, anonymous requests are refused.
        let identities = serde_json::json!({"identities": [{
            "name": "ott",
            "credentials": [{"accessKey": access_key_id, "secretKey": secret_access_key}],
            "actions": ["Admin", "Read", "List", "Tagging", "Write"],
        }]});
        std::fs::write(dir.path().join("s3.json"), identities.to_string()).unwrap();
        let ports = Ports {
            master: free_port(),
            master_grpc: free_port(),
            volume: free_port(),
            volume_grpc: free_port(),
            filer: free_port(),
            filer_grpc: free_port(),
            s3: free_port(),
            s3_grpc: free_port(),
        };
        let mut fs = SeaweedFs {
            endpoint: format!("http://127.0.0.1:{}", ports.s3),
            access_key_id,
            secret_access_key,
            bucket: bucket.to_owned(),
            weed,
            dir,
            ports,
            child: None,
        };
        fs.spawn();
        fs.ready();
        // A bucket is a directory under the filer's /buckets; made through the filer's HTTP
        // API, as an S3 CreateBucket would need a signed request.
        let made = http(fs.ports.filer, "POST", &format!("/buckets/{bucket}/"));
        assert!(
            matches!(made, Some((201, _))),
            "creating the bucket: {made:?}\n{}",
            fs.log()
        );
        Some(fs)
    }

    /// Kills the process (SIGKILL), so the bucket is unreachable until `resume`.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes the process (SIGSTOP): connections are still accepted, requests get no answer,
    /// as from a store that hangs. `thaw` lets it go on.
    pub fn freeze(&self) {
        self.signal("-STOP");
    }

    pub fn thaw(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("weed runs").id();
        let sent = std::process::Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill {signal} {pid}");
    }

    /// Starts it again on the same data and ports, and waits until it answers.
    pub fn resume(&mut self) {
        assert!(self.child.is_none(), "resume() without stop()");
        self.spawn();
        self.ready();
    }

    /// The bytes of object `key` of the bucket, read through the filer (neither through S3 nor
    /// through the server under test); `None` when there is no such object.
    pub async fn object(&self, key: &str) -> Option<Vec<u8>> {
        let url = format!(
            "http://127.0.0.1:{}/buckets/{}/{key}",
            self.ports.filer, self.bucket
        );
        let res = reqwest::get(&url)
            .await
            .unwrap_or_else(|e| panic!("read {url}: {e}"));
        match res.status().as_u16() {
            404 => None,
            200 => Some(res.bytes().await.unwrap().to_vec()),
            other => panic!(
                "read {url}: {other}: {}",
                res.text().await.unwrap_or_default()
            ),
        }
    }

    /// Everything weed has logged, across restarts.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("weed.log")).unwrap_or_default()
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("weed.log"))
            .unwrap();
        let p = &self.ports;
        let dir = self.dir.path();
        let child = Command::new(&self.weed)
            // weed reads a security.toml from its working dir: none here.
            .current_dir(dir)
            // With these set weed adds an admin identity of theirs.
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            // Otherwise glog also writes log files into /tmp.
            .arg("-logtostderr")
            .arg("server")
            .arg(format!("-dir={}", dir.join("data").display()))
            .args(["-ip=127.0.0.1", "-ip.bind=127.0.0.1"])
            // A lone master elects itself at once; otherwise it waits ~1.5 s for peers, and a
            // volume server that registers too early retries only 5 s later.
            .arg("-master.peers=none")
            .arg(format!("-master.port={}", p.master))
            .arg(format!("-master.port.grpc={}", p.master_grpc))
            .arg("-master.telemetry=false")
            // A bucket's first write makes up to 7 volumes: small ones, and few, for tests side
            // by side (it still holds 7 x 32 MB per bucket).
            .args(["-master.volumeSizeLimitMB=32", "-volume.max=8"])
            .arg(format!("-volume.port={}", p.volume))
            .arg(format!("-volume.port.grpc={}", p.volume_grpc))
            .arg("-filer")
            .arg(format!("-filer.port={}", p.filer))
            .arg(format!("-filer.port.grpc={}", p.filer_grpc))
            .arg("-s3")
            .arg(format!("-s3.port={}", p.s3))
            .arg(format!("-s3.port.grpc={}", p.s3_grpc))
            // Catalog servers on fixed ports by default; not needed.
            .args(["-s3.port.iceberg=0", "-s3.port.lance=0"])
            // As on S3, a write to a missing bucket fails rather than creating it.
            .arg("-s3.autoCreateBucket=false")
            .arg(format!("-s3.config={}", dir.join("s3.json").display()))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", self.weed.display()));
        self.child = Some(child);
    }

    /// Waits until S3 answers (refusing an anonymous request) and the volume server has joined
    /// the master: S3 answers before that, but cannot read or write objects.
    fn ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let volume = format!("\"Url\":\"127.0.0.1:{}\"", self.ports.volume);
        loop {
            let exited = self.child.as_mut().unwrap().try_wait().unwrap();
            assert!(exited.is_none(), "weed exited ({exited:?}): {}", self.log());
            let refused = matches!(http(self.ports.s3, "GET", "/"),
                Some((403, body)) if body.contains("<Code>AccessDenied</Code>"));
            let joined = matches!(http(self.ports.master, "GET", "/dir/status"),
                Some((200, body)) if body.contains(&volume));
            if refused && joined {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "SeaweedFS did not come up within 30 s (S3 refusing anonymous requests: \
                 {refused}, volume server joined: {joined}): {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SeaweedFs {
    fn drop(&mut self) {
        self.stop();
        // weed puts its local sockets in /tmp whatever its dir, and leaves them behind.
        let p = &self.ports;
        for name in [
            format!("master-grpc-{}", p.master_grpc),
            format!("volume-grpc-{}", p.volume_grpc),
            format!("filer-grpc-{}", p.filer_grpc),
            format!("s3-grpc-{}", p.s3_grpc),
            format!("filer-{}", p.filer),
            format!("s3-{}", p.s3),
        ] {
            let _ = std::fs::remove_file(Path::new("/tmp").join(format!("seaweedfs-{name}.sock")));
        }
    }
}

/// One bodiless HTTP/1.1 request to 127.0.0.1:`port`: the status and body, or `None` when
/// nothing answers (yet).
fn http(port: u16, method: &str, path: &str) -> Option<(u16, String)> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).ok()?;
    let reply = String::from_utf8_lossy(&reply);
    let (head, body) = reply.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, body.to_owned()))
}
