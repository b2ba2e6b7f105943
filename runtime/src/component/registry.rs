//! Component names mapped to builders.
//!
//! The controller asks the registry for a name and gets back the schema to
//! decode the block against and the function that builds the component.
//! Nothing else in the runtime knows which components exist, so another
//! crate adds its components by registering them before the controller
//! starts.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use alloy_analysis::catalogue::{self, Body, Stability};

use super::{Arguments, Component, ComponentError, Context};

/// Builds a component from its context and first arguments.
pub type BuildFn =
    dyn Fn(Context, Arguments) -> Result<Arc<dyn Component>, ComponentError> + Send + Sync;

/// One component the runtime can run.
#[derive(Clone)]
pub struct Registration {
    name: String,
    stability: Stability,
    community: bool,
    schema: Body,
    build: Arc<BuildFn>,
}

impl Registration {
    /// A component the catalogue describes: its schema, stability and
    /// community flag come from there, so `alloy check` and `alloy run`
    /// agree on what the block may contain.
    pub fn from_catalogue(
        name: &str,
        build: impl Fn(Context, Arguments) -> Result<Arc<dyn Component>, ComponentError>
            + Send
            + Sync
            + 'static,
    ) -> Result<Registration, RegistryError> {
        let component =
            catalogue::component(name).ok_or_else(|| RegistryError::NotInCatalogue(name.into()))?;
        Ok(Registration {
            name: name.to_owned(),
            stability: component.stability.unwrap_or(Stability::Experimental),
            community: component.community,
            schema: component.body(),
            build: Arc::new(build),
        })
    }

    /// A component the catalogue does not know (test components, or
    /// components newer than the catalogue), with its own schema.
    pub fn custom(
        name: &str,
        stability: Stability,
        community: bool,
        schema: Body,
        build: impl Fn(Context, Arguments) -> Result<Arc<dyn Component>, ComponentError>
            + Send
            + Sync
            + 'static,
    ) -> Registration {
        Registration {
            name: name.to_owned(),
            stability,
            community,
            schema,
            build: Arc::new(build),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn stability(&self) -> Stability {
        self.stability
    }

    pub fn community(&self) -> bool {
        self.community
    }

    pub fn schema(&self) -> &Body {
        &self.schema
    }

    pub fn build(
        &self,
        context: Context,
        args: Arguments,
    ) -> Result<Arc<dyn Component>, ComponentError> {
        (self.build)(context, args)
    }
}

impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field("name", &self.name)
            .field("stability", &self.stability)
            .field("community", &self.community)
            .finish_non_exhaustive()
    }
}

/// Why a registration was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistryError {
    /// [`Registration::from_catalogue`] with a name the catalogue lacks.
    NotInCatalogue(String),
    /// The name is registered already.
    Duplicate(String),
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::NotInCatalogue(name) => {
                write!(f, "component {name:?} is not in the catalogue")
            }
            RegistryError::Duplicate(name) => write!(f, "component {name:?} is already registered"),
        }
    }
}

impl std::error::Error for RegistryError {}

/// Why a component name cannot be used, in upstream's words where upstream
/// has them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LookupError {
    /// Neither registered nor in the catalogue.
    Unknown(String),
    /// Upstream has it (the catalogue describes it) but this runtime does
    /// not implement it yet.
    NotImplemented(String),
    BelowStability {
        name: String,
        stability: Stability,
        minimum: Stability,
    },
    CommunityDisabled(String),
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupError::Unknown(name) => {
                write!(f, "cannot find the definition of component name {name:?}")
            }
            LookupError::NotImplemented(name) => write!(
                f,
                "component {name:?} is not implemented by this runtime yet (alloy check validates \
                 it, alloy run cannot run it)"
            ),
            LookupError::BelowStability {
                name,
                stability,
                minimum,
            } => write!(
                f,
                "{}",
                stability_error(&format!("component {name:?}"), *stability, *minimum)
            ),
            LookupError::CommunityDisabled(name) => write!(
                f,
                "the component {name:?} is a community component. Use the \
                 --feature.community-components.enabled command-line flag to enable community \
                 components"
            ),
        }
    }
}

impl std::error::Error for LookupError {}

/// Upstream's `featuregate.CheckAllowed` message.
pub(crate) fn stability_error(feature: &str, stability: Stability, minimum: Stability) -> String {
    format!(
        "{feature} is at stability level {:?}, which is below the minimum allowed stability \
         level {:?}. Use --stability.level command-line flag to enable {:?} features",
        stability.as_str(),
        minimum.as_str(),
        stability.as_str()
    )
}

/// The components this runtime can run.
#[derive(Clone, Default, Debug)]
pub struct Registry {
    components: BTreeMap<String, Registration>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Registry {
        Registry::default()
    }

    /// The components implemented in this crate (`local.file` and the
    /// `otelcol.*` components backed by `alloy-otelcol`).
    pub fn with_builtin() -> Registry {
        let mut registry = Registry::new();
        crate::components::register_builtin(&mut registry);
        registry
    }

    pub fn register(&mut self, registration: Registration) -> Result<(), RegistryError> {
        if self.components.contains_key(&registration.name) {
            return Err(RegistryError::Duplicate(registration.name));
        }
        self.components
            .insert(registration.name.clone(), registration);
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&Registration> {
        self.components.get(name)
    }

    /// Registered names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.components.keys().map(String::as_str)
    }

    /// Finds `name` and checks it may run under the given settings.
    pub fn lookup(
        &self,
        name: &str,
        minimum: Stability,
        community_enabled: bool,
    ) -> Result<&Registration, LookupError> {
        let Some(registration) = self.get(name) else {
            return Err(if catalogue::component(name).is_some() {
                LookupError::NotImplemented(name.to_owned())
            } else {
                LookupError::Unknown(name.to_owned())
            });
        };
        if registration.community {
            if !community_enabled {
                return Err(LookupError::CommunityDisabled(name.to_owned()));
            }
        } else if registration.stability < minimum {
            return Err(LookupError::BelowStability {
                name: name.to_owned(),
                stability: registration.stability,
                minimum,
            });
        }
        Ok(registration)
    }
}
