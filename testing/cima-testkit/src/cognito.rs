//! Real Cognito tokens from the local AWS: a user pool, an app client, a confirmed user, and a
//! USER_PASSWORD_AUTH sign-in, made through moto's Cognito API with the seeding tool's `call`
//! (the way the crate makes every other out-of-band AWS call). moto signs the tokens RS256 and
//! serves the key set at `<endpoint>/<pool id>/.well-known/jwks.json`, so [`crate::HttpApi`]'s
//! authorizer verifies them as API Gateway verifies Cognito's.
//!
//! ```no_run
//! use cima_testkit::{LocalAws, UserPoolSpec};
//! # fn main() -> cima_testkit::Result<()> {
//! let aws = LocalAws::start()?;
//! let pool = aws.create_user_pool(&UserPoolSpec::named("cima-console"))?;
//! aws.create_user(&pool, "oncall", "Corr3ct-Horse!", &[("email", "oncall@example.com")])?;
//! let tokens = aws.sign_in(&pool, "oncall", "Corr3ct-Horse!")?;
//! assert!(!tokens.id_token.is_empty());
//! # Ok(()) }
//! ```

use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::http_api::JwtAuthorizer;
use crate::localaws::{LocalAws, REGION};

/// What [`LocalAws::create_user_pool`] makes: a pool and one public app client.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserPoolSpec {
    pub name: String,
    /// The app client's callback URLs; with any, the client allows the authorization code flow
    /// (scopes `openid email profile`) as the console's client does.
    pub callback_urls: Vec<String>,
    pub logout_urls: Vec<String>,
}

impl UserPoolSpec {
    /// A pool called `name` whose client signs in by password only.
    pub fn named(name: &str) -> UserPoolSpec {
        UserPoolSpec { name: name.to_owned(), ..UserPoolSpec::default() }
    }
}

/// A user pool on the local AWS and its first app client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserPool {
    pub id: String,
    pub client_id: String,
    /// The local AWS endpoint that serves it.
    pub endpoint: String,
}

impl UserPool {
    /// `iss` of its tokens, as a real pool's.
    pub fn issuer(&self) -> String {
        format!("https://cognito-idp.{REGION}.amazonaws.com/{}", self.id)
    }

    /// Where the local AWS serves the pool's key set.
    pub fn jwks_url(&self) -> String {
        format!("{}/{}/.well-known/jwks.json", self.endpoint, self.id)
    }

    /// The JWT authorizer an HTTP API in front of this pool's client has.
    pub fn authorizer(&self) -> JwtAuthorizer {
        JwtAuthorizer { issuer: self.issuer(), audience: vec![self.client_id.clone()], jwks_url: self.jwks_url() }
    }
}

/// A confirmed user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CognitoUser {
    pub username: String,
    /// The `sub` of the user's tokens.
    pub sub: String,
}

/// What a sign-in returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CognitoTokens {
    pub id_token: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: u64,
}

impl LocalAws {
    /// Creates a user pool and a public app client (no secret; USER_PASSWORD_AUTH and refresh
    /// allowed; the code flow too when `spec` has callback URLs).
    pub fn create_user_pool(&self, spec: &UserPoolSpec) -> Result<UserPool> {
        let created = self.cognito("create_user_pool", &json!({"PoolName": spec.name}))?;
        let id = string_at(&created, &["UserPool", "Id"], "create_user_pool")?;
        let mut pool = UserPool { id, client_id: String::new(), endpoint: self.endpoint().to_owned() };
        pool.client_id = self.create_app_client(&pool, &format!("{}-client", spec.name), spec)?;
        Ok(pool)
    }

    /// Another public app client in `pool` (another audience); returns its id.
    pub fn create_app_client(&self, pool: &UserPool, name: &str, spec: &UserPoolSpec) -> Result<String> {
        let mut params = json!({
            "UserPoolId": pool.id,
            "ClientName": name,
            "GenerateSecret": false,
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        });
        if !spec.callback_urls.is_empty() {
            params["CallbackURLs"] = json!(spec.callback_urls);
            params["LogoutURLs"] = json!(spec.logout_urls);
            params["AllowedOAuthFlows"] = json!(["code"]);
            params["AllowedOAuthScopes"] = json!(["openid", "email", "profile"]);
            params["AllowedOAuthFlowsUserPoolClient"] = json!(true);
            params["SupportedIdentityProviders"] = json!(["COGNITO"]);
        }
        let created = self.cognito("create_user_pool_client", &params)?;
        string_at(&created, &["UserPoolClient", "ClientId"], "create_user_pool_client")
    }

    /// A confirmed user with a permanent `password` (AdminCreateUser without a message, then
    /// AdminSetUserPassword), with extra `attributes` such as `("email", …)`.
    pub fn create_user(
        &self,
        pool: &UserPool,
        username: &str,
        password: &str,
        attributes: &[(&str, &str)],
    ) -> Result<CognitoUser> {
        let attributes: Vec<Value> = attributes.iter().map(|(k, v)| json!({"Name": k, "Value": v})).collect();
        let created = self.cognito(
            "admin_create_user",
            &json!({"UserPoolId": pool.id, "Username": username, "MessageAction": "SUPPRESS",
                    "UserAttributes": attributes}),
        )?;
        let sub = created["User"]["Attributes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["Name"] == "sub")
            .and_then(|a| a["Value"].as_str())
            .map(str::to_owned)
            .ok_or_else(|| unexpected("admin_create_user", &created))?;
        self.cognito(
            "admin_set_user_password",
            &json!({"UserPoolId": pool.id, "Username": username, "Password": password, "Permanent": true}),
        )?;
        Ok(CognitoUser { username: username.to_owned(), sub })
    }

    /// Signs in with the pool's first client (InitiateAuth, USER_PASSWORD_AUTH).
    pub fn sign_in(&self, pool: &UserPool, username: &str, password: &str) -> Result<CognitoTokens> {
        self.sign_in_with_client(&pool.client_id, username, password)
    }

    /// Signs in through the app client `client_id`: its tokens name that client.
    pub fn sign_in_with_client(&self, client_id: &str, username: &str, password: &str) -> Result<CognitoTokens> {
        let answer = self.cognito(
            "initiate_auth",
            &json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client_id,
                    "AuthParameters": {"USERNAME": username, "PASSWORD": password}}),
        )?;
        let result = &answer["AuthenticationResult"];
        let token = |name: &str| result[name].as_str().map(str::to_owned);
        match (token("IdToken"), token("AccessToken")) {
            (Some(id_token), Some(access_token)) => Ok(CognitoTokens {
                id_token,
                access_token,
                refresh_token: token("RefreshToken"),
                expires_in: result["ExpiresIn"].as_u64().unwrap_or_default(),
            }),
            // A challenge (e.g. NEW_PASSWORD_REQUIRED) instead of tokens.
            _ => Err(unexpected("initiate_auth", &answer)),
        }
    }

    /// One Cognito call through the seeding tool.
    fn cognito(&self, operation: &str, params: &Value) -> Result<Value> {
        self.call("cognito-idp", operation, params, None)
    }
}

fn string_at(value: &Value, path: &[&str], operation: &str) -> Result<String> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| unexpected(operation, value))
}

fn unexpected(operation: &str, answer: &Value) -> Error {
    Error::Aws {
        service: "cognito-idp".into(),
        operation: operation.into(),
        code: "UnexpectedAnswer".into(),
        message: answer.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_names_its_issuer_key_set_and_authorizer() {
        let pool =
            UserPool { id: "us-east-1_abc".into(), client_id: "c1".into(), endpoint: "http://127.0.0.1:5000".into() };
        assert_eq!(pool.issuer(), "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc");
        assert_eq!(pool.jwks_url(), "http://127.0.0.1:5000/us-east-1_abc/.well-known/jwks.json");
        assert_eq!(pool.authorizer().audience, ["c1"]);
    }

    #[test]
    fn answers_are_read_strictly() {
        let answer = json!({"UserPool": {"Id": "p"}});
        assert_eq!(string_at(&answer, &["UserPool", "Id"], "op").expect("id"), "p");
        let err = string_at(&answer, &["UserPool", "Name"], "create_user_pool").expect_err("missing");
        assert!(err.to_string().contains("create_user_pool: UnexpectedAnswer"), "{err}");
    }
}
