//! TLS for the test SMTP servers: a self-signed certificate for `localhost` and 127.0.0.1,
//! made when first asked for (no key is committed), and a front that speaks implicit TLS
//! (`smtps://`) before a plain server.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::x509::extension::{BasicConstraints, ExtendedKeyUsage, SubjectAlternativeName};
use openssl::x509::{X509, X509NameBuilder};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A self-signed server certificate and its key, as PEM files.
#[derive(Debug, Clone)]
pub struct TestCertificate {
    /// The certificate: what `SMTP_CA_FILE` points at to trust the server.
    pub cert_path: PathBuf,
    /// The private key.
    pub key_path: PathBuf,
}

/// The process's test certificate (made once: a P-256 key, valid for two days).
pub fn certificate() -> &'static TestCertificate {
    static CERTIFICATE: OnceLock<TestCertificate> = OnceLock::new();
    CERTIFICATE.get_or_init(|| make_certificate().expect("make a test certificate"))
}

fn make_certificate() -> Result<TestCertificate, openssl::error::ErrorStack> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    let key = PKey::from_ec_key(EcKey::generate(&group)?)?;
    let mut name = X509NameBuilder::new()?;
    name.append_entry_by_text("CN", "localhost")?;
    let name = name.build();
    let mut builder = X509::builder()?;
    builder.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(64, MsbOption::MAYBE_ZERO, false)?;
    let serial = serial.to_asn1_integer()?;
    builder.set_serial_number(&serial)?;
    builder.set_subject_name(&name)?;
    builder.set_issuer_name(&name)?;
    builder.set_pubkey(&key)?;
    let an_hour_ago = chrono::Utc::now().timestamp() - 3_600;
    let (not_before, not_after) = (Asn1Time::from_unix(an_hour_ago)?, Asn1Time::days_from_now(2)?);
    builder.set_not_before(&not_before)?;
    builder.set_not_after(&not_after)?;
    let names =
        SubjectAlternativeName::new().dns("localhost").ip("127.0.0.1").build(&builder.x509v3_context(None, None))?;
    builder.append_extension(names)?;
    builder.append_extension(BasicConstraints::new().build()?)?;
    builder.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
    builder.sign(&key, MessageDigest::sha256())?;
    let certificate = builder.build();
    let dir = std::env::temp_dir().join(format!("salarygraph-tls-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("certificate folder");
    let cert_path = dir.join("smtp-cert.pem");
    let key_path = dir.join("smtp-key.pem");
    std::fs::write(&cert_path, certificate.to_pem()?).expect("write certificate");
    std::fs::write(&key_path, key.private_key_to_pem_pkcs8()?).expect("write key");
    Ok(TestCertificate { cert_path, key_path })
}

/// Listens on a free loopback port and relays each connection, after a TLS handshake with
/// the test certificate, to the plain server at `backend`: an `smtps://` server. Returns
/// its port.
pub async fn implicit_tls_front(backend: SocketAddr) -> u16 {
    let certificate = certificate();
    let chain = vec![CertificateDer::from_pem_file(&certificate.cert_path).expect("certificate")];
    let key = PrivateKeyDer::from_pem_file(&certificate.key_path).expect("key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server certificate");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else { return };
                let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await else { return };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    port
}
