//! A throw-away certificate authority for the HTTPS tests: a CA made afresh for each test, and a certificate
//! it signed for `127.0.0.1` and `localhost`, ready for the simulator's [`patdesk_sim::SimOptions::tls`].
//! Nothing of it is trusted anywhere until a test points a client at [`TestCa::ca_pem`].

use patdesk_sim::SimTls;

/// A CA and the simulator's certificate signed by it.
pub struct TestCa {
    /// The CA certificate (PEM): what a client must trust.
    pub ca_pem: String,
    /// The simulator's certificate chain and key.
    pub server: SimTls,
}

/// Makes a new CA named "PAT Desk Test CA" and a server certificate for the loopback addresses.
pub fn test_ca() -> TestCa {
    test_ca_for(&["127.0.0.1".to_string(), "localhost".to_string()])
}

/// [`test_ca`] with a server certificate for `names` (host names or IP addresses), for a simulator that
/// listens elsewhere than loopback.
pub fn test_ca_for(names: &[String]) -> TestCa {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "PAT Desk Test CA");
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
    ];
    let ca_key = rcgen::KeyPair::generate().expect("CA key");
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
    let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);

    let mut params = rcgen::CertificateParams::new(names.to_vec()).expect("server params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "tfs.contoso.test");
    let key = rcgen::KeyPair::generate().expect("server key");
    let cert = params.signed_by(&key, &issuer).expect("server certificate");
    TestCa {
        ca_pem: ca_cert.pem(),
        server: SimTls {
            cert_chain_pem: format!("{}{}", cert.pem(), ca_cert.pem()),
            key_pem: key.serialize_pem(),
        },
    }
}
