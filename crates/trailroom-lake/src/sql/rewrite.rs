//! The rewrite from Trino's reading of the schema to SQLite's: tables, struct paths, map and
//! array subscripts, `UNNEST`, literals, casts and interval arithmetic, and truth: boolean
//! columns hold `'true'`/`'false'` (as Lake shows them), which SQLite would read as false, so a
//! value used as a condition (`WHERE readOnly`, `IF(readOnly, …)`, `NOT x`, `a AND b`) is
//! compared with true. Functions are in [`super::functions`].

use std::ops::ControlFlow;

use sqlparser::ast::{
    AccessExpr, BinaryOperator, CastKind, DataType, Expr, Ident, ObjectName, ObjectNamePart,
    Select, Subscript, TableAlias, TableFactor, UnaryOperator, Value, VisitorMut,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use super::scope::Scope;
use crate::LakeError;
use crate::schema::{self, ColumnKind};
use crate::udf::normalize_timestamp;

/// Rewrites one statement in place (see the module docs).
pub struct Rewriter<'a> {
    scope: Scope,
    resolve: &'a mut dyn FnMut(&str) -> Result<String, LakeError>,
    views: Vec<(String, String)>,
}

impl<'a> Rewriter<'a> {
    /// A rewriter for a statement whose names are `scope`.
    pub fn new(
        scope: Scope,
        resolve: &'a mut dyn FnMut(&str) -> Result<String, LakeError>,
    ) -> Self {
        Self {
            scope,
            resolve,
            views: Vec::new(),
        }
    }

    /// The stores read, as `(view name, store id)`.
    pub fn into_views(self) -> Vec<(String, String)> {
        self.views
    }

    fn store_view(&mut self, table: &str) -> Result<String, LakeError> {
        let id = (self.resolve)(table)?;
        let view = format!("eds_{}", id.replace('-', "_").to_lowercase());
        if !self.views.iter().any(|(v, _)| *v == view) {
            self.views.push((view.clone(), id));
        }
        Ok(view)
    }

    fn rewrite_table(&mut self, factor: &mut TableFactor) -> Result<(), LakeError> {
        match factor {
            TableFactor::Table {
                name, alias, args, ..
            } => {
                if args.is_some() {
                    return Err(invalid("Table functions are not supported."));
                }
                let written = unquoted(&name.to_string());
                if self.scope.ctes.contains(&written.to_lowercase()) {
                    return Ok(());
                }
                let view = self.store_view(&written)?;
                *name = ObjectName(vec![ObjectNamePart::Identifier(Ident::with_quote(
                    '"', view,
                ))]);
                if alias.is_none() {
                    *alias = Some(TableAlias {
                        explicit: true,
                        name: Ident::with_quote('"', written),
                        columns: Vec::new(),
                        at: None,
                    });
                }
            }
            TableFactor::UNNEST {
                alias, array_exprs, ..
            } => {
                let (Some(alias), [array]) = (alias.as_ref(), array_exprs.as_slice()) else {
                    return Err(invalid(
                        "UNNEST takes one array and an alias naming its element.",
                    ));
                };
                let sql = format!(
                    "SELECT 1 FROM json_each({array}) AS \"{}\"",
                    alias.name.value
                );
                *factor = parse_from_factor(&sql)?;
            }
            TableFactor::Derived { .. } | TableFactor::NestedJoin { .. } => {}
            other => return Err(invalid(&format!("Unsupported table expression: {other}"))),
        }
        Ok(())
    }

    fn rewrite_expr(&mut self, expr: &mut Expr) -> Result<(), LakeError> {
        let replacement = match &*expr {
            Expr::Identifier(ident) => self.element(ident).map(|(table, _)| {
                Expr::CompoundIdentifier(vec![Ident::with_quote('"', table), Ident::new("value")])
            }),
            Expr::CompoundIdentifier(parts) => self.compound(parts)?,
            Expr::CompoundFieldAccess { root, access_chain } => {
                Some(subscripts(root, access_chain)?)
            }
            Expr::Function(_) => {
                let replaced = super::functions::rewrite(expr)?;
                if let (None, Expr::Function(function)) = (&replaced, &mut *expr)
                    && function.name.to_string() == "iif"
                    && let sqlparser::ast::FunctionArguments::List(list) = &mut function.args
                    && let Some(sqlparser::ast::FunctionArg::Unnamed(
                        sqlparser::ast::FunctionArgExpr::Expr(condition),
                    )) = list.args.first_mut()
                {
                    truth(condition);
                }
                replaced
            }
            Expr::BinaryOp {
                left,
                op: BinaryOperator::And | BinaryOperator::Or,
                right,
            } => {
                let (mut left, mut right) = (left.clone(), right.clone());
                truth(&mut left);
                truth(&mut right);
                let Expr::BinaryOp { op, .. } = &*expr else {
                    unreachable!()
                };
                Some(Expr::BinaryOp {
                    left,
                    op: op.clone(),
                    right,
                })
            }
            Expr::UnaryOp {
                op: UnaryOperator::Not,
                expr: inner,
            } => {
                let mut inner = inner.clone();
                truth(&mut inner);
                Some(Expr::UnaryOp {
                    op: UnaryOperator::Not,
                    expr: inner,
                })
            }
            Expr::Case {
                operand: None,
                conditions,
                else_result,
                case_token,
                end_token,
            } => {
                let mut conditions = conditions.clone();
                for when in &mut conditions {
                    truth(&mut when.condition);
                }
                Some(Expr::Case {
                    operand: None,
                    conditions,
                    else_result: else_result.clone(),
                    case_token: case_token.clone(),
                    end_token: end_token.clone(),
                })
            }
            Expr::Value(v) => match &v.value {
                Value::Boolean(b) => Some(string_literal(if *b { "true" } else { "false" })),
                _ => None,
            },
            Expr::TypedString(typed) => Some(typed_string(&typed.data_type, &typed.value.value)?),
            Expr::Cast {
                kind,
                expr: inner,
                data_type,
                ..
            } => Some(cast(kind, inner, data_type)?),
            Expr::BinaryOp { left, op, right } => binary(left, op, right)?,
            Expr::Between {
                expr: e,
                low,
                high,
                negated,
            } if is_event_time(e) => Some(Expr::Between {
                expr: e.clone(),
                negated: *negated,
                low: Box::new(time_literal(low).unwrap_or_else(|| (**low).clone())),
                high: Box::new(time_literal(high).unwrap_or_else(|| (**high).clone())),
            }),
            Expr::Lambda(_) => return Err(invalid("Lambda expressions are not supported.")),
            _ => None,
        };
        if let Some(new) = replacement {
            *expr = new;
        }
        Ok(())
    }

    /// The `UNNEST` alias and source column of an element name.
    fn element(&self, ident: &Ident) -> Option<(String, String)> {
        self.scope
            .elements
            .get(&ident.value.to_lowercase())
            .cloned()
    }

    /// `a.b.c`: a qualified column, a struct path, or both.
    fn compound(&self, parts: &[Ident]) -> Result<Option<Expr>, LakeError> {
        let Some(first) = parts.first() else {
            return Ok(None);
        };
        if let Some((table, source)) = self.element(first) {
            let base = format!("\"{table}\".value");
            return Ok(Some(json_path(&base, &source, &parts[1..])?));
        }
        let qualified = self.scope.qualifiers.contains(&first.value.to_lowercase());
        let (qualifier, rest) = match qualified && parts.len() > 1 {
            true => (Some(first), &parts[1..]),
            false => (None, parts),
        };
        if rest.len() < 2 {
            return Ok(None);
        }
        let column = &rest[0];
        let base = match qualifier {
            Some(q) => format!("{q}.{column}"),
            None => column.to_string(),
        };
        if let Some(c) = schema::column(&column.value)
            && c.kind != ColumnKind::Nested
        {
            return Err(invalid(&format!(
                "Column {} has no field {}.",
                c.name, rest[1].value
            )));
        }
        Ok(Some(json_path(&base, &column.value, &rest[1..])?))
    }
}

impl VisitorMut for Rewriter<'_> {
    type Break = LakeError;

    /// A store joined to another relation is read through a subquery SQLite cannot flatten,
    /// so it can index it for the join (a flattened store's columns are expressions over
    /// `lake_event`, which SQLite never indexes on the fly: the join would be quadratic).
    fn post_visit_select(&mut self, select: &mut Select) -> ControlFlow<LakeError> {
        for condition in [&mut select.selection, &mut select.having]
            .into_iter()
            .flatten()
        {
            truth(condition);
        }
        for join in select.from.iter_mut().flat_map(|t| t.joins.iter_mut()) {
            if let TableFactor::Table { name, alias, .. } = &join.relation
                && name.to_string().starts_with("\"eds_")
            {
                let alias = alias
                    .as_ref()
                    .map(|a| a.name.to_string())
                    .unwrap_or_default();
                let sql = format!("SELECT 1 FROM (SELECT * FROM {name} LIMIT -1) AS {alias}");
                match parse_from_factor(&sql) {
                    Ok(factor) => join.relation = factor,
                    Err(e) => return ControlFlow::Break(e),
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<LakeError> {
        match self.rewrite_table(factor) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => ControlFlow::Break(e),
        }
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<LakeError> {
        match self.rewrite_expr(expr) {
            Ok(()) => ControlFlow::Continue(()),
            Err(e) => ControlFlow::Break(e),
        }
    }
}

/// Whether `expr` is a condition SQLite evaluates as Trino would: a comparison, a logical
/// operation, a test. Anything else (a column, a function's value, a literal) may be one of the
/// `'true'`/`'false'` strings.
fn is_condition(expr: &Expr) -> bool {
    match expr {
        Expr::Nested(inner) => is_condition(inner),
        Expr::BinaryOp { op, .. } => !matches!(
            op,
            BinaryOperator::Plus
                | BinaryOperator::Minus
                | BinaryOperator::Multiply
                | BinaryOperator::Divide
                | BinaryOperator::Modulo
                | BinaryOperator::StringConcat
        ),
        Expr::UnaryOp { op, .. } => matches!(op, UnaryOperator::Not),
        Expr::IsNull(_)
        | Expr::IsNotNull(_)
        | Expr::IsTrue(_)
        | Expr::IsFalse(_)
        | Expr::IsNotTrue(_)
        | Expr::IsNotFalse(_)
        | Expr::IsDistinctFrom(..)
        | Expr::IsNotDistinctFrom(..)
        | Expr::In { .. }
        | Expr::Between { .. }
        | Expr::Like { .. }
        | Expr::ILike { .. }
        | Expr::SimilarTo { .. }
        | Expr::RLike { .. }
        | Expr::Exists { .. } => true,
        _ => false,
    }
}

/// Makes a value used as a condition true exactly when it is true (`'true'` or a non-zero
/// number), false when false, null when null.
pub(super) fn truth(expr: &mut Expr) {
    if is_condition(expr) {
        return;
    }
    if let Ok(tested) = parse_expr(&format!("(({expr}) IN ('true', 1))")) {
        *expr = tested;
    }
}

fn invalid(message: &str) -> LakeError {
    LakeError::InvalidStatement(message.to_owned())
}

fn unquoted(name: &str) -> String {
    name.trim_matches(|c| c == '"' || c == '`').to_owned()
}

/// Parses an SQLite expression built from already rewritten parts.
pub(super) fn parse_expr(sql: &str) -> Result<Expr, LakeError> {
    Parser::new(&GenericDialect {})
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| LakeError::InvalidStatement(format!("Cannot translate {sql}: {e}")))
}

fn parse_from_factor(sql: &str) -> Result<TableFactor, LakeError> {
    let statements = Parser::parse_sql(&GenericDialect {}, sql)
        .map_err(|e| LakeError::InvalidStatement(format!("Cannot translate {sql}: {e}")))?;
    if let Some(sqlparser::ast::Statement::Query(query)) = statements.into_iter().next()
        && let sqlparser::ast::SetExpr::Select(select) = *query.body
        && let Some(from) = select.from.into_iter().next()
    {
        return Ok(from.relation);
    }
    Err(invalid("Cannot translate UNNEST."))
}

/// An SQL string literal.
pub(super) fn string_literal(text: &str) -> Expr {
    Expr::value(Value::SingleQuotedString(text.to_owned()))
}

/// A JSON path quoting each key: `$."userIdentity"."arn"`.
fn quoted_path(keys: &[String]) -> String {
    let mut path = String::from("$");
    for key in keys {
        path.push_str(&format!(".\"{}\"", key.replace('"', "")));
    }
    path
}

/// `json_extract(base, path)` for struct fields `fields` of the column `column`.
fn json_path(base: &str, column: &str, fields: &[Ident]) -> Result<Expr, LakeError> {
    if fields.is_empty() {
        return parse_expr(base);
    }
    let keys: Vec<String> = fields
        .iter()
        .map(|f| schema::record_key(column, &f.value))
        .collect();
    let path = quoted_path(&keys).replace('\'', "''");
    parse_expr(&format!("json_extract({base}, '{path}')"))
}

/// `m['key']`, `a[1]` (Trino arrays count from 1) and `.field` after a subscript.
fn subscripts(root: &Expr, chain: &[AccessExpr]) -> Result<Expr, LakeError> {
    let column = match root {
        Expr::Identifier(i) => i.value.clone(),
        Expr::CompoundIdentifier(parts) => {
            parts.last().map(|p| p.value.clone()).unwrap_or_default()
        }
        _ => String::new(),
    };
    let mut path = String::from("$");
    for access in chain {
        match access {
            AccessExpr::Dot(Expr::Identifier(field)) => {
                path.push_str(&format!(
                    ".\"{}\"",
                    schema::record_key(&column, &field.value)
                ));
            }
            AccessExpr::Subscript(Subscript::Index { index }) => match index {
                Expr::Value(v) => match &v.value {
                    Value::SingleQuotedString(key) => {
                        path.push_str(&format!(".\"{}\"", key.replace('"', "")))
                    }
                    Value::Number(n, _) => {
                        let n: i64 = n
                            .parse()
                            .map_err(|_| invalid(&format!("Invalid array index {n}.")))?;
                        if n < 1 {
                            return Err(invalid("Array indexes start at 1."));
                        }
                        path.push_str(&format!("[{}]", n - 1));
                    }
                    other => return Err(invalid(&format!("Invalid subscript {other}."))),
                },
                other => {
                    return Err(invalid(&format!(
                        "Subscripts must be literals; {other} is not."
                    )));
                }
            },
            other => return Err(invalid(&format!("Unsupported field access {other}."))),
        }
    }
    let path = path.replace('\'', "''");
    parse_expr(&format!("json_extract({root}, '{path}')"))
}

fn typed_string(data_type: &DataType, value: &Value) -> Result<Expr, LakeError> {
    let text = value
        .clone()
        .into_string()
        .ok_or_else(|| invalid(&format!("Invalid literal {value}.")))?;
    match data_type {
        DataType::Timestamp(..) | DataType::Datetime(_) => {
            let normal = normalize_timestamp(&text)
                .ok_or_else(|| invalid(&format!("Value cannot be cast to timestamp: {text}")))?;
            Ok(string_literal(&normal))
        }
        DataType::Date => Ok(string_literal(&text)),
        other => Err(invalid(&format!("Unsupported literal type {other}."))),
    }
}

fn cast(kind: &CastKind, inner: &Expr, data_type: &DataType) -> Result<Expr, LakeError> {
    if matches!(kind, CastKind::DoubleColon) {
        return Err(invalid("Use CAST(x AS type); :: is not Trino syntax."));
    }
    let target = data_type.to_string().to_lowercase();
    let base = target.split('(').next().unwrap_or_default().trim();
    let sql = match base {
        "varchar" | "char" | "string" | "text" | "character varying" => {
            format!("CAST({inner} AS TEXT)")
        }
        "bigint" | "int" | "integer" | "smallint" | "tinyint" => {
            format!("CAST({inner} AS INTEGER)")
        }
        "double" | "real" | "float" | "decimal" | "numeric" => format!("CAST({inner} AS REAL)"),
        "timestamp" => format!("lake_timestamp({inner})"),
        "date" => format!("substr(lake_timestamp({inner}), 1, 10)"),
        "boolean" => format!(
            "CASE lower(CAST({inner} AS TEXT)) WHEN 'true' THEN 'true' WHEN '1' THEN 'true' \
             WHEN 'false' THEN 'false' WHEN '0' THEN 'false' END"
        ),
        "json" => format!("{inner}"),
        _ => return Err(invalid(&format!("Unsupported cast to {data_type}."))),
    };
    parse_expr(&sql)
}

/// Whether `expr` is the `eventTime` column.
fn is_event_time(expr: &Expr) -> bool {
    match expr {
        Expr::Identifier(i) => i.value.eq_ignore_ascii_case("eventtime"),
        Expr::CompoundIdentifier(parts) => parts
            .last()
            .is_some_and(|p| p.value.eq_ignore_ascii_case("eventtime")),
        _ => false,
    }
}

/// A string literal compared with `eventTime`, in the column's own form.
fn time_literal(expr: &Expr) -> Option<Expr> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(text) => {
                normalize_timestamp(text).map(|t| string_literal(&t))
            }
            _ => None,
        },
        _ => None,
    }
}

fn binary(left: &Expr, op: &BinaryOperator, right: &Expr) -> Result<Option<Expr>, LakeError> {
    use BinaryOperator::{Eq, Gt, GtEq, Lt, LtEq, Minus, NotEq, Plus};
    match (op, right) {
        (Plus | Minus, Expr::Interval(interval)) => {
            let unit = interval
                .leading_field
                .as_ref()
                .map(|f| f.to_string().to_lowercase())
                .unwrap_or_else(|| "day".to_owned());
            let amount = match &*interval.value {
                Expr::Value(v) => v
                    .value
                    .clone()
                    .into_string()
                    .unwrap_or_else(|| v.to_string()),
                other => other.to_string(),
            };
            let amount: i64 = amount
                .trim()
                .parse()
                .map_err(|_| invalid(&format!("Invalid interval value {amount}.")))?;
            let signed = if matches!(op, Minus) { -amount } else { amount };
            Ok(Some(parse_expr(&format!(
                "lake_date_add('{unit}', {signed}, {left})"
            ))?))
        }
        (Eq | NotEq | Gt | GtEq | Lt | LtEq, _) if is_event_time(left) => Ok(time_literal(right)
            .map(|lit| Expr::BinaryOp {
                left: Box::new(left.clone()),
                op: op.clone(),
                right: Box::new(lit),
            })),
        (Eq | NotEq | Gt | GtEq | Lt | LtEq, _) if is_event_time(right) => Ok(time_literal(left)
            .map(|lit| Expr::BinaryOp {
                left: Box::new(lit),
                op: op.clone(),
                right: Box::new(right.clone()),
            })),
        _ => Ok(None),
    }
}
