//! The operation table of a small hand-written service (Organizations, the tagging API): each
//! operation's wire name and whether its events are read-only. The large services' tables are
//! generated from their models (`trailroom-model`).

/// An operation found in an [`OperationTable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableOperation {
    name: &'static str,
    read_only: bool,
}

impl TableOperation {
    /// The wire name (`X-Amz-Target`'s operation, the event's `eventName`).
    pub fn name(self) -> &'static str {
        self.name
    }

    /// Whether the call changes nothing (`readOnly`).
    pub fn read_only(self) -> bool {
        self.read_only
    }
}

/// The operations a service answers: `(name, readOnly)`.
#[derive(Debug, Clone, Copy)]
pub struct OperationTable(&'static [(&'static str, bool)]);

impl OperationTable {
    /// A table of `(name, readOnly)` pairs.
    pub const fn new(operations: &'static [(&'static str, bool)]) -> Self {
        Self(operations)
    }

    /// The operation named `name` (exactly, as the wire spells it), if answered.
    pub fn find(self, name: &str) -> Option<TableOperation> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(name, read_only)| TableOperation {
                name,
                read_only: *read_only,
            })
    }

    /// Every operation, with whether it is read-only.
    pub fn all(self) -> impl Iterator<Item = (&'static str, bool)> {
        self.0.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: OperationTable = OperationTable::new(&[("GetThing", true), ("PutThing", false)]);

    #[test]
    fn found_by_exact_name() {
        let get = TABLE.find("GetThing").unwrap();
        assert_eq!((get.name(), get.read_only()), ("GetThing", true));
        assert!(!TABLE.find("PutThing").unwrap().read_only());
        assert_eq!(TABLE.find("getThing"), None);
        assert_eq!(TABLE.all().count(), 2);
    }
}
