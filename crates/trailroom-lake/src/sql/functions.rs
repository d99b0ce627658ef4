//! Trino's functions in SQLite: kept when SQLite has them under the same name and meaning,
//! renamed when only the name differs, rewritten when SQLite says it another way, or handed to
//! the lake's own functions (`lake_*`, [`crate::udf`]). Any other function is refused by name.

use sqlparser::ast::{
    DuplicateTreatment, Expr, Function, FunctionArg, FunctionArgExpr, FunctionArguments, Ident,
    ObjectName, ObjectNamePart,
};

use super::rewrite::parse_expr;
use crate::LakeError;

/// Functions SQLite has with Trino's meaning.
const NATIVE: &[&str] = &[
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "coalesce",
    "nullif",
    "lower",
    "upper",
    "length",
    "abs",
    "round",
    "trim",
    "ltrim",
    "rtrim",
    "substr",
    "concat",
    "json_extract",
    "json_array_length",
    "row_number",
    "rank",
    "dense_rank",
    "ntile",
    "lag",
    "lead",
    "first_value",
    "last_value",
    "nth_value",
    "percent_rank",
    "cume_dist",
];

/// Trino names whose SQLite (or lake) function takes the same arguments.
const RENAMED: &[(&str, &str)] = &[
    ("substring", "substr"),
    ("greatest", "max"),
    ("least", "min"),
    ("arbitrary", "min"),
    ("any_value", "min"),
    ("if", "iif"),
    ("strpos", "instr"),
    ("date_add", "lake_date_add"),
    ("date_diff", "lake_date_diff"),
    ("date_trunc", "lake_date_trunc"),
    ("from_iso8601_timestamp", "lake_timestamp"),
    ("to_iso8601", "lake_to_iso8601"),
    ("regexp_extract", "lake_regexp_extract"),
    ("regexp_replace", "lake_regexp_replace"),
    ("split_part", "lake_split_part"),
    ("date_format", "lake_date_format"),
];

/// The replacement of a function call, or `None` to keep it.
pub fn rewrite(expr: &mut Expr) -> Result<Option<Expr>, LakeError> {
    let Expr::Function(function) = expr else {
        return Ok(None);
    };
    let name = function.name.to_string().to_lowercase();
    if NATIVE.contains(&name.as_str()) {
        return Ok(None);
    }
    if let Some((_, to)) = RENAMED.iter().find(|(from, _)| *from == name) {
        function.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(*to))]);
        return Ok(None);
    }
    if name == "approx_distinct" {
        if let FunctionArguments::List(list) = &mut function.args {
            list.duplicate_treatment = Some(DuplicateTreatment::Distinct);
            list.args.truncate(1);
        }
        function.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new("count"))]);
        return Ok(None);
    }
    rewritten(&name, function).map(Some)
}

fn rewritten(name: &str, function: &Function) -> Result<Expr, LakeError> {
    let args = arguments(function)?;
    let arg = |i: usize| -> Result<&str, LakeError> {
        args.get(i).map(String::as_str).ok_or_else(|| {
            LakeError::InvalidStatement(format!("Function {name} needs more arguments."))
        })
    };
    let sql = match name {
        "now" | "current_timestamp" | "localtimestamp" => "lake_now()".to_owned(),
        "current_date" => "substr(lake_now(), 1, 10)".to_owned(),
        "count_if" => {
            let mut condition = super::rewrite::parse_expr(arg(0)?)?;
            super::rewrite::truth(&mut condition);
            format!("count(CASE WHEN {condition} THEN 1 END)")
        }
        "element_at" => element_at(&function_args(function), arg(0)?)?,
        "json_extract_scalar" => {
            let (json, path) = (arg(0)?, arg(1)?);
            format!(
                "CASE WHEN json_type({json}, {path}) IN ('object', 'array') THEN NULL \
                 ELSE json_extract({json}, {path}) END"
            )
        }
        "json_parse" | "json_format" | "try" => arg(0)?.to_owned(),
        "cardinality" => format!("(SELECT count(*) FROM json_each({}))", arg(0)?),
        "contains" => format!(
            "EXISTS (SELECT 1 FROM json_each({}) WHERE json_each.value = {})",
            arg(0)?,
            arg(1)?
        ),
        "map_keys" => format!("(SELECT json_group_array(key) FROM json_each({}))", arg(0)?),
        "map_values" => format!(
            "(SELECT json_group_array(value) FROM json_each({}))",
            arg(0)?
        ),
        "regexp_like" => format!("({} REGEXP {})", arg(0)?, arg(1)?),
        "starts_with" => format!("(instr({}, {}) = 1)", arg(0)?, arg(1)?),
        "date" => format!("substr(lake_timestamp({}), 1, 10)", arg(0)?),
        "year" => format!("CAST(strftime('%Y', {}) AS INTEGER)", arg(0)?),
        "month" => format!("CAST(strftime('%m', {}) AS INTEGER)", arg(0)?),
        "day" | "day_of_month" => format!("CAST(strftime('%d', {}) AS INTEGER)", arg(0)?),
        "hour" => format!("CAST(strftime('%H', {}) AS INTEGER)", arg(0)?),
        "minute" => format!("CAST(strftime('%M', {}) AS INTEGER)", arg(0)?),
        "second" => format!("CAST(strftime('%S', {}) AS INTEGER)", arg(0)?),
        // ISO days: Monday is 1, Sunday 7.
        "day_of_week" | "dow" => format!(
            "((CAST(strftime('%w', {}) AS INTEGER) + 6) % 7 + 1)",
            arg(0)?
        ),
        "day_of_year" | "doy" => format!("CAST(strftime('%j', {}) AS INTEGER)", arg(0)?),
        "quarter" => format!("((CAST(strftime('%m', {}) AS INTEGER) + 2) / 3)", arg(0)?),
        // From 0; a negative index counts from the end.
        "json_array_get" => {
            let (array, index) = (arg(0)?, arg(1)?);
            format!(
                "CASE WHEN ({index}) >= 0 THEN json_extract({array}, '$[' || ({index}) || ']') \
                 ELSE json_extract({array}, '$[#' || ({index}) || ']') END"
            )
        }
        // Trino's two-argument replace removes the search string.
        "replace" if args.len() == 2 => format!("replace({}, {}, '')", arg(0)?, arg(1)?),
        "replace" => format!("replace({}, {}, {})", arg(0)?, arg(1)?, arg(2)?),
        _ => {
            return Err(LakeError::InvalidStatement(format!(
                "Function {name} is not supported."
            )));
        }
    };
    if function.over.is_some() {
        return Err(LakeError::InvalidStatement(format!(
            "Function {name} cannot be used as a window function."
        )));
    }
    parse_expr(&sql)
}

/// The arguments as SQL text (already rewritten).
fn arguments(function: &Function) -> Result<Vec<String>, LakeError> {
    function_args(function)
        .iter()
        .map(|arg| match arg {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Ok(e.to_string()),
            other => Err(LakeError::InvalidStatement(format!(
                "Unsupported argument {other} to {}.",
                function.name
            ))),
        })
        .collect()
}

fn function_args(function: &Function) -> Vec<FunctionArg> {
    match &function.args {
        FunctionArguments::List(list) => list.args.clone(),
        _ => Vec::new(),
    }
}

/// `element_at(map, 'key')` or `element_at(array, n)` (from 1; negative from the end).
fn element_at(args: &[FunctionArg], container: &str) -> Result<String, LakeError> {
    let key = match args.get(1) {
        Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(e))) => e,
        _ => {
            return Err(LakeError::InvalidStatement(
                "Function element_at needs a map or array and a key.".to_owned(),
            ));
        }
    };
    let literal = match key {
        Expr::Value(v) => Some(&v.value),
        _ => None,
    };
    Ok(match literal {
        Some(sqlparser::ast::Value::Number(n, _)) => {
            let n: i64 = n
                .parse()
                .map_err(|_| LakeError::InvalidStatement(format!("Invalid index {n}.")))?;
            match n {
                n if n > 0 => format!("json_extract({container}, '$[{}]')", n - 1),
                n if n < 0 => format!("json_extract({container}, '$[#{n}]')"),
                _ => {
                    return Err(LakeError::InvalidStatement(
                        "SQL array indices start at 1".to_owned(),
                    ));
                }
            }
        }
        Some(sqlparser::ast::Value::SingleQuotedString(k)) => {
            let path = format!("$.\"{}\"", k.replace('"', "")).replace('\'', "''");
            format!("json_extract({container}, '{path}')")
        }
        _ => format!("json_extract({container}, '$.\"' || replace({key}, '\"', '') || '\"')",),
    })
}
