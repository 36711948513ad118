//! Who may do what. The whole access policy is in this file: `allow` says which roles
//! may use a capability, and the `*_scope` functions say which rows a role sees.

use super::Error;
use crate::domain::Role;
use crate::store::clients::ClientScope;
use crate::store::contingents::ContingentScope;
use crate::store::dwellings::DwellingScope;

/// The authenticated user behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i32,
    pub username: String,
    pub role: Role,
    pub organisation_id: i32,
    pub organisation_name: String,
    pub region_id: i32,
    /// For a municipality's users: their municipality's CBS code.
    pub municipality: Option<String>,
    /// The address the request came from, for the audit log.
    pub address: Option<String>,
}

impl<'a> From<&'a Caller> for crate::store::audit::Actor<'a> {
    fn from(c: &'a Caller) -> Self {
        crate::store::audit::Actor { user_id: Some(c.user_id), address: c.address.as_deref() }
    }
}

/// A thing a caller may try to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    ReadDwellings,
    WriteDwellings,
    ReadClients,
    WriteClients,
    ReadContingents,
    WriteContingents,
    ReadRegister,
    WriteOrganisations,
    ReadAudit,
    ReadOutbox,
    RunRounds,
    ReadRounds,
    ReadProposals,
    ReviewProposals,
    OfferDwellings,
    AnswerOffers,
    ReadFollowUps,
    RecordFollowUps,
    ReadMonitor,
    ReadFairness,
}

/// The roles that hold a capability.
pub fn allowed_roles(cap: Capability) -> &'static [Role] {
    use Capability::*;
    use Role::*;
    match cap {
        ReadDwellings => &[Coordinator, Corporation, Municipality],
        WriteDwellings => &[Corporation],
        // Admins run the system, not the table: they never see client records.
        ReadClients => &[Coordinator, Provider, Municipality],
        WriteClients => &[Provider],
        ReadContingents => &[Coordinator, Admin, Corporation, Municipality],
        WriteContingents => &[Coordinator, Admin],
        ReadRegister => &[Coordinator, Admin, Corporation, Provider, Municipality],
        WriteOrganisations => &[Admin],
        ReadAudit => &[Admin],
        ReadOutbox => &[Admin],
        RunRounds => &[Coordinator],
        // A round's proposals and explanations name clients (pseudonymously): the table's
        // coordinators only, until the review workflow discloses them per party.
        ReadRounds => &[Coordinator],
        // Each sees proposals in its own scope; a corporation only from approval on.
        ReadProposals => &[Coordinator, Corporation, Provider],
        ReviewProposals => &[Coordinator],
        OfferDwellings => &[Corporation],
        AnswerOffers => &[Provider],
        ReadFollowUps => &[Coordinator, Provider],
        RecordFollowUps => &[Provider],
        // Figures, never a client: the municipality sees its own municipality's.
        ReadMonitor => &[Coordinator, Municipality],
        ReadFairness => &[Coordinator],
    }
}

impl Caller {
    pub fn allow(&self, cap: Capability) -> Result<(), Error> {
        if allowed_roles(cap).contains(&self.role) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!("de rol {} mag dit niet", self.role.label())))
        }
    }

    pub fn dwelling_scope(&self) -> Result<DwellingScope, Error> {
        self.allow(Capability::ReadDwellings)?;
        Ok(match self.role {
            Role::Corporation => DwellingScope::Corporation(self.organisation_id),
            Role::Municipality => DwellingScope::Municipality { region_id: self.region_id, code: self.own_municipality()? },
            _ => DwellingScope::Region(self.region_id),
        })
    }

    pub fn client_scope(&self) -> Result<ClientScope, Error> {
        self.allow(Capability::ReadClients)?;
        Ok(match self.role {
            Role::Provider => ClientScope::Provider(self.organisation_id),
            Role::Municipality => ClientScope::Binding { region_id: self.region_id, code: self.own_municipality()? },
            _ => ClientScope::Region(self.region_id),
        })
    }

    pub fn contingent_scope(&self) -> Result<ContingentScope, Error> {
        self.allow(Capability::ReadContingents)?;
        Ok(match self.role {
            Role::Corporation => ContingentScope::Corporation(self.organisation_id),
            Role::Municipality => ContingentScope::Municipality { region_id: self.region_id, code: self.own_municipality()? },
            _ => ContingentScope::Region(self.region_id),
        })
    }

    fn own_municipality(&self) -> Result<String, Error> {
        self.municipality.clone().ok_or_else(|| Error::Forbidden("deze gebruiker hoort bij geen gemeente".into()))
    }
}
