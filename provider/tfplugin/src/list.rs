//! List resources (protocol 6.10, `terraform query` in Terraform ≥ 1.14): a `list` block finds
//! the objects of a managed resource type that already exist, each named by its identity, so a
//! configuration can adopt them (`terraform query -generate-config-out=FILE` writes a resource and
//! an import block for each).

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::diag::{Diagnostic, Diagnostics};
use crate::provider::{Ctx, validate_typed};
use crate::schema::Schema;
use crate::value::{self, Type, Value};

/// One object a list resource found.
#[derive(Debug)]
pub struct Listed<M> {
    /// Its identity: the managed resource's identity attributes, as JSON.
    pub identity: serde_json::Value,
    /// How people name it (Terraform shows it beside the identity).
    pub display_name: String,
    /// Its full state, when Terraform asked for it (`include_resource`, or generating config).
    pub resource: Option<M>,
}

/// A list resource on typed models. It shares its type name with the managed resource whose
/// objects it lists, and that resource must have an identity.
#[async_trait]
pub trait ListResource: Send + Sync + 'static {
    const TYPE_NAME: &'static str;
    /// The `config` block of a `list` block.
    type Config: DeserializeOwned + Send + Sync;
    /// The managed resource's model, for `include_resource`.
    type Model: Serialize + Send + Sync;

    /// The schema of the `config` block.
    fn schema(&self) -> Schema;

    /// Checks a `config` block whose unknown parts arrive as absent.
    fn validate(&self, _config: &Self::Config) -> Diagnostics {
        Diagnostics::new()
    }

    /// At most `limit` objects. Warnings about what could not be looked at go in `diags`; an
    /// error fails the whole query.
    async fn list(
        &self,
        ctx: &Ctx,
        config: Self::Config,
        include_resource: bool,
        limit: usize,
        diags: &mut Diagnostics,
    ) -> Result<Vec<Listed<Self::Model>>, Diagnostics>;
}

/// A found object with its types erased: the resource state as a value of the resource's type.
#[derive(Debug)]
pub struct ListedValue {
    pub identity: serde_json::Value,
    pub display_name: String,
    pub resource: Option<Value>,
}

/// A list resource as the server holds it.
#[async_trait]
pub trait DynListResource: Send + Sync {
    fn type_name(&self) -> &str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value) -> Diagnostics;
    async fn list(
        &self,
        ctx: &Ctx,
        config: &Value,
        include_resource: bool,
        limit: usize,
        resource_type: &Type,
    ) -> (Vec<ListedValue>, Diagnostics);
}

#[async_trait]
impl<T: ListResource> DynListResource for T {
    fn type_name(&self) -> &str {
        T::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        ListResource::schema(self)
    }

    fn validate(&self, config: &Value) -> Diagnostics {
        validate_typed::<T::Config>(config, |c| ListResource::validate(self, c))
    }

    async fn list(
        &self,
        ctx: &Ctx,
        config: &Value,
        include_resource: bool,
        limit: usize,
        resource_type: &Type,
    ) -> (Vec<ListedValue>, Diagnostics) {
        let mut diags = Diagnostics::new();
        let config = match value::from_value::<T::Config>(config) {
            Ok(c) => c,
            Err(e) => return (Vec::new(), e.into()),
        };
        let found = match ListResource::list(self, ctx, config, include_resource, limit, &mut diags).await {
            Ok(found) => found,
            Err(e) => {
                diags.extend(e);
                return (Vec::new(), diags);
            }
        };
        let mut out = Vec::with_capacity(found.len());
        for item in found.into_iter().take(limit) {
            let resource = match item.resource.filter(|_| include_resource).map(|m| value::to_value(&m, resource_type))
            {
                Some(Ok(v)) => Some(v),
                Some(Err(e)) => {
                    diags.push(Diagnostic::error(
                        "Provider produced an invalid result",
                        format!(
                            "{} could not encode a listed object: {e}. This is a bug in the provider.",
                            T::TYPE_NAME
                        ),
                    ));
                    return (Vec::new(), diags);
                }
                None => None,
            };
            out.push(ListedValue { identity: item.identity, display_name: item.display_name, resource });
        }
        (out, diags)
    }
}
