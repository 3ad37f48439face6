//! The client side of NTLM (sspi, pure Rust) for a typed user name and password: the NEGOTIATE message, then
//! the AUTHENTICATE message computed from the server's CHALLENGE and the person's password (the
//! [`super::handshake::Handshake`] the transport drives). The password never leaves this machine; only the
//! proof computed from it does.

use sspi::{
    AuthIdentity, AuthIdentityBuffers, BufferType, ClientRequestFlags, CredentialUse,
    DataRepresentation, Ntlm, SecurityBuffer, Sspi, SspiImpl, Username,
};

use crate::error::{Error, ErrorCode};
use crate::secret::Sensitive;

/// One handshake's client state.
pub struct NtlmClient {
    ntlm: Ntlm,
    credentials: Option<AuthIdentityBuffers>,
}

fn failed(e: impl std::fmt::Display) -> Error {
    Error::new(
        ErrorCode::SignInFailed,
        "PAT Desk could not complete the Windows sign-in with this server. Try again, or sign in with a personal access token.",
    )
    .with_raw(format!("ntlm: {e}"))
}

impl NtlmClient {
    /// `user` is `DOMAIN\user`, `user@domain` or a bare user name.
    pub fn new(user: &str, password: &Sensitive<String>) -> Result<NtlmClient, Error> {
        let username = Username::parse(user.trim()).map_err(|e| {
            Error::new(
                ErrorCode::WrongPassword,
                "Type your user name as DOMAIN\\user or user@domain.",
            )
            .with_raw(e.to_string())
        })?;
        let identity = AuthIdentity {
            username,
            password: password.expose().clone().into(),
        };
        let mut ntlm = Ntlm::new();
        let credentials = ntlm
            .acquire_credentials_handle()
            .with_credential_use(CredentialUse::Outbound)
            .with_auth_data(&identity)
            .execute(&mut ntlm)
            .map_err(failed)?
            .credentials_handle;
        Ok(NtlmClient { ntlm, credentials })
    }

    fn step(&mut self, input: Option<&[u8]>) -> Result<Vec<u8>, Error> {
        let mut output = vec![SecurityBuffer::new(Vec::new(), BufferType::Token)];
        let mut input_buffers = input
            .map(|i| vec![SecurityBuffer::new(i.to_vec(), BufferType::Token)])
            .unwrap_or_default();
        let mut builder = self
            .ntlm
            .initialize_security_context()
            .with_credentials_handle(&mut self.credentials)
            .with_context_requirements(ClientRequestFlags::ALLOCATE_MEMORY)
            .with_target_data_representation(DataRepresentation::Native)
            .with_output(&mut output);
        if input.is_some() {
            builder = builder.with_input(&mut input_buffers);
        }
        self.ntlm
            .initialize_security_context_impl(&mut builder)
            .map_err(failed)?
            .resolve_to_result()
            .map_err(failed)?;
        Ok(std::mem::take(&mut output[0].buffer))
    }
}

impl super::handshake::Handshake for NtlmClient {
    /// The NEGOTIATE (type 1) message.
    fn first_token(&mut self) -> Result<Vec<u8>, Error> {
        self.step(None)
    }

    /// The AUTHENTICATE (type 3) message answering the server's CHALLENGE (type 2).
    fn next_token(&mut self, challenge: &[u8]) -> Result<Vec<u8>, Error> {
        self.step(Some(challenge))
    }
}
