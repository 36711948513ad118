use super::kinds::text_enum;

text_enum! {
    /// What a user does at the table; decides what they may see and do.
    Role {
        Coordinator => "coordinator", "uitstroomcoördinator";
        Corporation => "corporation", "woningcorporatie";
        Provider => "provider", "zorgaanbieder";
        Municipality => "municipality", "gemeente";
        Admin => "admin", "beheerder";
    }
}

text_enum! {
    /// The kind of organisation a user belongs to.
    OrgKind {
        /// The table's own office: coordinators and admins.
        RegionOffice => "region_office", "uitstroomtafel";
        Corporation => "corporation", "woningcorporatie";
        Provider => "provider", "zorgaanbieder";
        Municipality => "municipality", "gemeente";
    }
}

impl Role {
    /// The only organisation kind a user with this role can belong to.
    pub fn org_kind(self) -> OrgKind {
        match self {
            Role::Coordinator | Role::Admin => OrgKind::RegionOffice,
            Role::Corporation => OrgKind::Corporation,
            Role::Provider => OrgKind::Provider,
            Role::Municipality => OrgKind::Municipality,
        }
    }
}
