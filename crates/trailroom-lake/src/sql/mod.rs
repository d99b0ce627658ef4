//! CloudTrail Lake's SQL (Trino's `SELECT`) translated to SQLite over the lake's tables.
//!
//! The statement is pre-lexed ([`prelex`]: bare store ids quoted), parsed with `sqlparser`,
//! checked (one `SELECT`, every table an event data store the caller may read or a `WITH` name),
//! then rewritten ([`rewrite`]): each store becomes the temporary view of its projection
//! ([`crate::schema::projection`]), struct paths and map subscripts read the JSON of nested
//! columns, `UNNEST` becomes `json_each`, and Trino's functions become SQLite's or the lake's
//! own ([`functions`], implemented in [`crate::udf`]). Unnamed result columns are named as Trino
//! names them: a column by its name, anything else `_col<N>`.

mod functions;
pub mod prelex;
mod rewrite;
mod scope;

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Ident, SelectItem, SetExpr, Statement, Visit, VisitMut};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use crate::LakeError;

/// A translated statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Translation {
    /// The SQLite statement.
    pub sql: String,
    /// The event data stores it reads, as `(view name, store id)`, each once.
    pub views: Vec<(String, String)>,
}

/// Translates `statement`; `resolve` maps a table name to the id of the store it names (or
/// refuses it: unknown, inactive, not the caller's).
pub fn translate(
    statement: &str,
    resolve: &mut dyn FnMut(&str) -> Result<String, LakeError>,
) -> Result<Translation, LakeError> {
    let quoted = prelex::quote_table_ids(statement);
    let mut statements = Parser::parse_sql(&GenericDialect {}, &quoted)
        .map_err(|e| LakeError::InvalidStatement(parse_message(&e.to_string())))?;
    let mut query = match (statements.len(), statements.pop()) {
        (1, Some(Statement::Query(query))) => query,
        (1, Some(_)) => {
            return Err(invalid("Only SELECT statements are supported."));
        }
        _ => return Err(invalid("Provide exactly one SELECT statement.")),
    };
    let mut found = scope::Scope::default();
    if let ControlFlow::Break(err) = Visit::visit(&*query, &mut found) {
        return Err(err);
    }
    name_result_columns(&mut query.body);
    let mut rewriter = rewrite::Rewriter::new(found, resolve);
    if let ControlFlow::Break(err) = VisitMut::visit(&mut *query, &mut rewriter) {
        return Err(err);
    }
    Ok(Translation {
        sql: query.to_string(),
        views: rewriter.into_views(),
    })
}

/// The table names `statement` reads that are not its own `WITH` names (none when it does not
/// parse): the stores a StartQuery asks permission for.
pub fn table_names(statement: &str) -> Vec<String> {
    let quoted = prelex::quote_table_ids(statement);
    let Ok(statements) = Parser::parse_sql(&GenericDialect {}, &quoted) else {
        return Vec::new();
    };
    let mut found = scope::Scope::default();
    let mut names = Vec::new();
    for statement in &statements {
        let _ = Visit::visit(statement, &mut found);
        let _ = sqlparser::ast::visit_relations(statement, |relation| {
            let name = relation.to_string().trim_matches('"').to_owned();
            if !found.ctes.contains(&name.to_lowercase()) && !names.contains(&name) {
                names.push(name);
            }
            ControlFlow::<()>::Continue(())
        });
    }
    names
}

fn invalid(message: &str) -> LakeError {
    LakeError::InvalidStatement(message.to_owned())
}

fn parse_message(error: &str) -> String {
    let detail = error.strip_prefix("sql parser error: ").unwrap_or(error);
    format!("Query statement is not valid SQL: {detail}")
}

/// Gives every unnamed item of the result's select list the name Trino gives it.
fn name_result_columns(body: &mut SetExpr) {
    match body {
        SetExpr::Select(select) => {
            for (index, item) in select.projection.iter_mut().enumerate() {
                if let SelectItem::UnnamedExpr(expr) = item {
                    let alias = match expr {
                        Expr::Identifier(ident) => ident.value.clone(),
                        Expr::CompoundIdentifier(parts) => {
                            parts.last().map(|p| p.value.clone()).unwrap_or_default()
                        }
                        _ => format!("_col{index}"),
                    };
                    *item = SelectItem::ExprWithAlias {
                        expr: expr.clone(),
                        alias: Ident::with_quote('"', alias),
                    };
                }
            }
        }
        SetExpr::SetOperation { left, .. } => name_result_columns(left),
        SetExpr::Query(query) => name_result_columns(&mut query.body),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
