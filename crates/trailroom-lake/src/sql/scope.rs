//! The names a statement defines, found before anything is rewritten (the select list comes
//! before `FROM` in the tree, so expressions cannot learn them on the way): `WITH` names, table
//! aliases, and the element names `UNNEST(x) AS t(e)` gives.

use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Query, TableFactor, Visitor};

use crate::LakeError;

/// What the statement names, lower-cased.
#[derive(Debug, Default)]
pub struct Scope {
    /// `WITH` names: tables that are not stores.
    pub ctes: HashSet<String>,
    /// Names that qualify columns: table aliases, store ids used without one, derived tables.
    pub qualifiers: HashSet<String>,
    /// `UNNEST` element names → (the `UNNEST` alias, the unnested column's name when it is one).
    pub elements: HashMap<String, (String, String)>,
}

impl Visitor for Scope {
    type Break = LakeError;

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<LakeError> {
        for cte in query.with.iter().flat_map(|w| &w.cte_tables) {
            self.ctes.insert(cte.alias.name.value.to_lowercase());
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<LakeError> {
        match factor {
            TableFactor::Table { name, alias, .. } => {
                let own = name.to_string().trim_matches('"').to_lowercase();
                let qualifier = alias.as_ref().map_or(own, |a| a.name.value.to_lowercase());
                self.qualifiers.insert(qualifier);
            }
            TableFactor::UNNEST {
                alias, array_exprs, ..
            } => {
                let Some(alias) = alias else {
                    return ControlFlow::Break(LakeError::InvalidStatement(
                        "UNNEST needs an alias naming its element, as in UNNEST(resources) AS t(r)."
                            .to_owned(),
                    ));
                };
                let table = alias.name.value.to_lowercase();
                let source = match array_exprs.first() {
                    Some(Expr::Identifier(ident)) => ident.value.to_lowercase(),
                    Some(Expr::CompoundIdentifier(parts)) => parts
                        .last()
                        .map(|p| p.value.to_lowercase())
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                for column in &alias.columns {
                    self.elements.insert(
                        column.name.value.to_lowercase(),
                        (table.clone(), source.clone()),
                    );
                }
                self.qualifiers.insert(table);
            }
            TableFactor::Derived {
                alias: Some(alias), ..
            } => {
                self.qualifiers.insert(alias.name.value.to_lowercase());
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}
