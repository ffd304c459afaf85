//! Built-in HTTPS: a certificate given by the user, or a self-signed one made once and kept.

use crate::cli::ServeArgs;
use anyhow::Context;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the self-signed certificate lives, under the data dir.
pub fn self_signed_paths(data_dir: &Path) -> (PathBuf, PathBuf) {
    let dir = data_dir.join("tls");
    (dir.join("cert.pem"), dir.join("key.pem"))
}

/// The TLS settings `serve` should use, or `None` for plain HTTP.
pub async fn prepare(
    args: &ServeArgs,
    data_dir: &Path,
    addr: SocketAddr,
) -> anyhow::Result<Option<Arc<ServerConfig>>> {
    let (cert, key) = match (&args.tls_cert, &args.tls_key, args.tls_self_signed) {
        (Some(cert), Some(key), _) => (cert.clone(), key.clone()),
        (_, _, true) => {
            let (cert, key) = self_signed_paths(data_dir);
            if !(cert.exists() && key.exists()) {
                let names = certificate_names(addr, &args.tls_names);
                make_self_signed(&cert, &key, &names)?;
                tracing::info!(cert = %cert.display(), ?names, "made a self-signed certificate");
            }
            (cert, key)
        }
        _ => return Ok(None),
    };
    // ring is the one provider built in; install it before rustls needs a default.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = tokio::task::spawn_blocking(move || {
        server_config(&cert, &key).with_context(|| {
            format!(
                "reading the TLS certificate {} and key {} (PEM files)",
                cert.display(),
                key.display()
            )
        })
    })
    .await??;
    Ok(Some(Arc::new(config)))
}

/// The certificate chain and key from PEM files, offering HTTP/2 and HTTP/1.1 (ALPN).
fn server_config(cert: &Path, key: &Path) -> anyhow::Result<ServerConfig> {
    let chain = CertificateDer::pem_file_iter(cert)?.collect::<Result<Vec<_>, _>>()?;
    anyhow::ensure!(!chain.is_empty(), "no certificate in {}", cert.display());
    let key = PrivateKeyDer::from_pem_file(key)?;
    let mut config = ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// localhost, loopback, this machine's name, the listening address, and what the user added.
fn certificate_names(addr: SocketAddr, extra: &[String]) -> Vec<String> {
    let mut names = vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ];
    if let Some(host) = hostname() {
        names.push(format!("{host}.local"));
        names.push(host);
    }
    if !addr.ip().is_unspecified() {
        names.push(addr.ip().to_string());
    }
    names.extend(extra.iter().map(|n| n.trim().to_owned()));
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| !n.is_empty() && seen.insert(n.to_lowercase()));
    names
}

fn hostname() -> Option<String> {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

fn make_self_signed(cert_path: &Path, key_path: &Path, names: &[String]) -> anyhow::Result<()> {
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(names.to_vec())
            .context("making a self-signed certificate")?;
    let dir = cert_path.parent().expect("the certificate is in a folder");
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    write_private(key_path, signing_key.serialize_pem().as_bytes())?;
    std::fs::write(cert_path, cert.pem())
        .with_context(|| format!("writing {}", cert_path.display()))?;
    Ok(())
}

/// Writes a file only its owner can read.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cover_local_access_without_repeats() {
        let names = certificate_names(
            "192.168.1.5:3443".parse().unwrap(),
            &["movies.home".into(), "LOCALHOST".into(), " ".into()],
        );
        for want in [
            "localhost",
            "127.0.0.1",
            "::1",
            "192.168.1.5",
            "movies.home",
        ] {
            assert!(names.contains(&want.to_owned()), "{want} in {names:?}");
        }
        assert_eq!(
            names
                .iter()
                .filter(|n| n.eq_ignore_ascii_case("localhost"))
                .count(),
            1
        );
        assert!(!names.iter().any(|n| n.is_empty()));
        let wildcard = certificate_names("0.0.0.0:3443".parse().unwrap(), &[]);
        assert!(!wildcard.contains(&"0.0.0.0".to_owned()));
    }

    #[test]
    fn a_self_signed_certificate_is_made_with_a_private_key() {
        let dir = tempfile::TempDir::new().unwrap();
        let (cert, key) = self_signed_paths(dir.path());
        make_self_signed(&cert, &key, &["localhost".into()]).unwrap();
        assert!(
            std::fs::read_to_string(&cert)
                .unwrap()
                .starts_with("-----BEGIN CERTIFICATE-----")
        );
        assert!(
            std::fs::read_to_string(&key)
                .unwrap()
                .contains("PRIVATE KEY")
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "the key is private: {mode:o}");
        }
    }
}
