//! Rule conditions compiled once, at rule load, from the CEL syntax tree into a tree of typed
//! Rust operations that read a node's `properties` JSON directly (no CEL value conversion per
//! node). It covers what the shipped rules use: field access, `has()`, comparisons, `==`/`!=`,
//! `in`, `!`/`&&`/`||`/`?:`, integer and double arithmetic, `size`, `startsWith`/`endsWith`/
//! `contains`/`matches`, the `exists`/`all`/`map`/`filter` macros, `related()` and
//! `exposed_to_internet()`. A condition using anything else does not compile here and its rule
//! stays on the `cel` interpreter (`RuleSet::interpreted_rules`).
//!
//! Semantics are cel 0.15's, not CEL's in general: JSON integers ≥ 0 are `uint`, negative ones
//! `int`, literals `int`; numbers compare across kinds but arithmetic does not; `==` between a
//! scalar and a list or map is `false`; `&&`/`||` and `exists`/`all` absorb an error on one side
//! when the other side decides. An evaluation ends in a verdict, in `Fault::Error` (the
//! interpreter would fail too: the caller asks it for the message, so reasons stay identical),
//! or in `Fault::Unsupported` (a runtime shape this form does not model, e.g. equality of two
//! lists: the caller asks the interpreter for the whole answer). Pure: no IO, no logging.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::rc::Rc;

use cel::common::ast::{CallExpr, ComprehensionExpr, Expr, LiteralValue, operators};
use cel::parser::Expression;

use super::evaluate::{ExposureAnswer, InternetExposure};
use crate::graph::TenantGraph;
use crate::model::{EdgeKind, Node};

/// Why a compiled evaluation gave no verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The interpreter fails on this input as well (missing field, wrong type, overflow, a
    /// non-boolean result, no exposure analysis…).
    Error,
    /// A runtime shape the compiled form does not model; only the interpreter can answer.
    Unsupported,
}

/// What one compiled condition reads besides its constants.
pub struct Subject<'data> {
    pub node: &'data Node,
    pub graph: &'data TenantGraph,
    pub exposure: &'data dyn InternetExposure,
}

/// A rule condition compiled to native operations.
#[derive(Debug)]
pub struct CompiledCondition {
    root: Op,
}

impl CompiledCondition {
    /// Compiles a parsed condition; `Err` names the first construct outside the compiled subset.
    /// `related_kinds` are the kinds the interpreter gives the rule's resource (`related()` of
    /// any other kind is left to the interpreter, whose answer then depends on sibling rules).
    pub fn compile(
        program: &cel::Program,
        related_kinds: &[EdgeKind],
    ) -> Result<CompiledCondition, String> {
        let mut compiler = Compiler {
            locals: Vec::new(),
            related_kinds,
        };
        Ok(CompiledCondition {
            root: compiler.compile(program.expression())?,
        })
    }

    /// The verdict (`true` = violation) or why there is none.
    pub fn evaluate(&self, subject: &Subject<'_>) -> Result<bool, Fault> {
        let mut locals = Vec::new();
        match eval(&self.root, subject, &mut locals)? {
            Value::Bool(verdict) => Ok(verdict),
            _ => Err(Fault::Error),
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Comparison {
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
}

#[derive(Debug, Clone, Copy)]
enum Arithmetic {
    Add,
    Subtract,
    Multiply,
    Divide,
    Remainder,
}

#[derive(Debug, Clone, Copy)]
enum StringTest {
    StartsWith,
    EndsWith,
    Contains,
}

#[derive(Debug)]
enum Constant {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Double(f64),
    String(Box<str>),
}

/// One compiled operation.
#[derive(Debug)]
enum Op {
    Constant(Constant),
    List(Vec<Op>),
    Resource,
    /// A comprehension variable, by nesting depth.
    Local(usize),
    Select(Box<Op>, Box<str>),
    Has(Box<Op>, Box<str>),
    Not(Box<Op>),
    And(Box<Op>, Box<Op>),
    Or(Box<Op>, Box<Op>),
    Conditional(Box<Op>, Box<Op>, Box<Op>),
    Equals(Box<Op>, Box<Op>),
    NotEquals(Box<Op>, Box<Op>),
    Compare(Comparison, Box<Op>, Box<Op>),
    In(Box<Op>, Box<Op>),
    Arithmetic(Arithmetic, Box<Op>, Box<Op>),
    Negate(Box<Op>),
    Size(Box<Op>),
    StringTest(StringTest, Box<Op>, Box<Op>),
    /// `matches` with a literal pattern; `None` when the pattern is not a valid regex (an error
    /// for every string, as in the interpreter).
    Matches(Box<Op>, Option<regex::Regex>),
    /// Comprehensions bind their variable at `slot`, their nesting depth.
    Exists {
        range: Box<Op>,
        slot: usize,
        predicate: Box<Op>,
    },
    All {
        range: Box<Op>,
        slot: usize,
        predicate: Box<Op>,
    },
    /// `map` (with an optional filter) and `filter` (whose transform is the variable itself).
    Map {
        range: Box<Op>,
        slot: usize,
        filter: Option<Box<Op>>,
        transform: Box<Op>,
    },
    Related(EdgeKind),
    Exposed(i64, Box<str>),
    /// Always an evaluation error (e.g. `related()` of an unknown edge kind).
    Fail,
}

struct Compiler<'kinds> {
    locals: Vec<String>,
    related_kinds: &'kinds [EdgeKind],
}

fn boxed(op: Op) -> Box<Op> {
    Box::new(op)
}

fn literal_string(expression: &Expression) -> Option<&str> {
    match &expression.expr {
        Expr::Literal(LiteralValue::String(text)) => Some(text.inner()),
        _ => None,
    }
}

fn literal_int(expression: &Expression) -> Option<i64> {
    match &expression.expr {
        Expr::Literal(LiteralValue::Int(number)) => Some(*number.inner()),
        _ => None,
    }
}

fn is_ident(expression: &Expression, name: &str) -> bool {
    matches!(&expression.expr, Expr::Ident(ident) if ident == name)
}

impl Compiler<'_> {
    fn compile(&mut self, expression: &Expression) -> Result<Op, String> {
        match &expression.expr {
            Expr::Literal(literal) => Ok(Op::Constant(match literal {
                LiteralValue::Null => Constant::Null,
                LiteralValue::Boolean(value) => Constant::Bool(*value.inner()),
                LiteralValue::Int(value) => Constant::Int(*value.inner()),
                LiteralValue::UInt(value) => Constant::UInt(*value.inner()),
                LiteralValue::Double(value) => Constant::Double(*value.inner()),
                LiteralValue::String(value) => Constant::String(value.inner().into()),
                LiteralValue::Bytes(_) => return Err("bytes literals".into()),
            })),
            Expr::Ident(name) => {
                if let Some(depth) = self.locals.iter().rposition(|local| local == name) {
                    Ok(Op::Local(depth))
                } else if name == "resource" {
                    Ok(Op::Resource)
                } else {
                    Err(format!("identifier `{name}`"))
                }
            }
            Expr::Select(select) => {
                let operand = boxed(self.compile(&select.operand)?);
                let field: Box<str> = select.field.as_str().into();
                Ok(if select.test {
                    Op::Has(operand, field)
                } else {
                    Op::Select(operand, field)
                })
            }
            Expr::List(list) => {
                if !list.optional_indices.is_empty() {
                    return Err("optional list elements".into());
                }
                Ok(Op::List(
                    list.elements
                        .iter()
                        .map(|element| self.compile(element))
                        .collect::<Result<_, _>>()?,
                ))
            }
            Expr::Call(call) => self.compile_call(call),
            Expr::Comprehension(comprehension) => self.compile_comprehension(comprehension),
            Expr::Map(_) => Err("map literals".into()),
            Expr::Struct(_) => Err("struct literals".into()),
            Expr::Unspecified => Err("an unspecified expression".into()),
        }
    }

    fn binary(&mut self, call: &CallExpr) -> Result<(Box<Op>, Box<Op>), String> {
        Ok((
            boxed(self.compile(&call.args[0])?),
            boxed(self.compile(&call.args[1])?),
        ))
    }

    fn compile_call(&mut self, call: &CallExpr) -> Result<Op, String> {
        let name = call.func_name.as_str();
        match (&call.target, call.args.len()) {
            (None, 3) if name == operators::CONDITIONAL => Ok(Op::Conditional(
                boxed(self.compile(&call.args[0])?),
                boxed(self.compile(&call.args[1])?),
                boxed(self.compile(&call.args[2])?),
            )),
            (None, 2) => {
                let binary = |compiler: &mut Self| compiler.binary(call);
                match name {
                    operators::LOGICAL_AND => binary(self).map(|(a, b)| Op::And(a, b)),
                    operators::LOGICAL_OR => binary(self).map(|(a, b)| Op::Or(a, b)),
                    operators::EQUALS => binary(self).map(|(a, b)| Op::Equals(a, b)),
                    operators::NOT_EQUALS => binary(self).map(|(a, b)| Op::NotEquals(a, b)),
                    operators::LESS => {
                        binary(self).map(|(a, b)| Op::Compare(Comparison::Less, a, b))
                    }
                    operators::LESS_EQUALS => {
                        binary(self).map(|(a, b)| Op::Compare(Comparison::LessOrEqual, a, b))
                    }
                    operators::GREATER => {
                        binary(self).map(|(a, b)| Op::Compare(Comparison::Greater, a, b))
                    }
                    operators::GREATER_EQUALS => {
                        binary(self).map(|(a, b)| Op::Compare(Comparison::GreaterOrEqual, a, b))
                    }
                    operators::IN => binary(self).map(|(a, b)| Op::In(a, b)),
                    operators::ADD => {
                        binary(self).map(|(a, b)| Op::Arithmetic(Arithmetic::Add, a, b))
                    }
                    operators::SUBSTRACT => {
                        binary(self).map(|(a, b)| Op::Arithmetic(Arithmetic::Subtract, a, b))
                    }
                    operators::MULTIPLY => {
                        binary(self).map(|(a, b)| Op::Arithmetic(Arithmetic::Multiply, a, b))
                    }
                    operators::DIVIDE => {
                        binary(self).map(|(a, b)| Op::Arithmetic(Arithmetic::Divide, a, b))
                    }
                    operators::MODULO => {
                        binary(self).map(|(a, b)| Op::Arithmetic(Arithmetic::Remainder, a, b))
                    }
                    "startsWith" | "endsWith" | "contains" | "matches" => {
                        self.string_function(name, &call.args[0], &call.args[1])
                    }
                    "exposed_to_internet" => {
                        match (literal_int(&call.args[0]), literal_string(&call.args[1])) {
                            (Some(port), Some(protocol)) => Ok(Op::Exposed(port, protocol.into())),
                            _ => Err("exposed_to_internet() without literal arguments".into()),
                        }
                    }
                    _ => Err(format!("function `{name}` with two arguments")),
                }
            }
            (None, 1) => match name {
                operators::LOGICAL_NOT => Ok(Op::Not(boxed(self.compile(&call.args[0])?))),
                operators::NEGATE => Ok(Op::Negate(boxed(self.compile(&call.args[0])?))),
                "size" => Ok(Op::Size(boxed(self.compile(&call.args[0])?))),
                "related" => {
                    let Some(kind_name) = literal_string(&call.args[0]) else {
                        return Err("related() without a literal edge kind".into());
                    };
                    match EdgeKind::parse(kind_name) {
                        Err(_) => Ok(Op::Fail),
                        Ok(kind) if self.related_kinds.contains(&kind) => Ok(Op::Related(kind)),
                        Ok(_) => Err(format!("related('{kind_name}') the loader did not see")),
                    }
                }
                _ => Err(format!("function `{name}` with one argument")),
            },
            (Some(target), 0) if name == "size" => Ok(Op::Size(boxed(self.compile(target)?))),
            (Some(target), 1)
                if matches!(name, "startsWith" | "endsWith" | "contains" | "matches") =>
            {
                self.string_function(name, target, &call.args[0])
            }
            _ => Err(format!("call of `{name}`")),
        }
    }

    fn string_function(
        &mut self,
        name: &str,
        receiver: &Expression,
        argument: &Expression,
    ) -> Result<Op, String> {
        let receiver = boxed(self.compile(receiver)?);
        if name == "matches" {
            let Some(pattern) = literal_string(argument) else {
                return Err("matches() with a pattern that is not a literal".into());
            };
            return Ok(Op::Matches(receiver, regex::Regex::new(pattern).ok()));
        }
        let test = match name {
            "startsWith" => StringTest::StartsWith,
            "endsWith" => StringTest::EndsWith,
            _ => StringTest::Contains,
        };
        Ok(Op::StringTest(
            test,
            receiver,
            boxed(self.compile(argument)?),
        ))
    }

    /// Recognises the macro expansions of cel 0.15 (`parser/macros.rs`) by their shape.
    fn compile_comprehension(&mut self, comprehension: &ComprehensionExpr) -> Result<Op, String> {
        if comprehension.iter_var2.is_some() {
            return Err("two-variable comprehensions".into());
        }
        let accu = comprehension.accu_var.as_str();
        if !is_ident(&comprehension.result, accu) {
            return Err("a comprehension that is not a standard macro".into());
        }
        let range = boxed(self.compile(&comprehension.iter_range)?);
        let Expr::Call(step) = &comprehension.loop_step.expr else {
            return Err("a comprehension that is not a standard macro".into());
        };
        let folds = |operator: &str| {
            step.target.is_none()
                && step.func_name == operator
                && step.args.len() == 2
                && is_ident(&step.args[0], accu)
        };
        let appends = |call: &CallExpr| -> Option<Expression> {
            match call.args.as_slice() {
                [
                    accumulator,
                    Expression {
                        expr: Expr::List(list),
                        ..
                    },
                ] if call.func_name == operators::ADD
                    && is_ident(accumulator, accu)
                    && list.elements.len() == 1
                    && list.optional_indices.is_empty() =>
                {
                    Some(list.elements[0].clone())
                }
                _ => None,
            }
        };
        let initial = &comprehension.accu_init.expr;
        let slot = self.locals.len();
        self.locals.push(comprehension.iter_var.clone());
        let compiled = match initial {
            Expr::Literal(LiteralValue::Boolean(start)) => {
                if !*start.inner() && folds(operators::LOGICAL_OR) {
                    self.compile(&step.args[1]).map(|predicate| Op::Exists {
                        range,
                        slot,
                        predicate: boxed(predicate),
                    })
                } else if *start.inner() && folds(operators::LOGICAL_AND) {
                    self.compile(&step.args[1]).map(|predicate| Op::All {
                        range,
                        slot,
                        predicate: boxed(predicate),
                    })
                } else {
                    Err("a comprehension that is not a standard macro".into())
                }
            }
            Expr::List(list)
                if list.elements.is_empty()
                    && matches!(comprehension.loop_cond.expr, Expr::Literal(_)) =>
            {
                if let Some(transform) = appends(step) {
                    self.compile(&transform).map(|transform| Op::Map {
                        range,
                        slot,
                        filter: None,
                        transform: boxed(transform),
                    })
                } else if step.func_name == operators::CONDITIONAL
                    && step.args.len() == 3
                    && is_ident(&step.args[2], accu)
                {
                    match &step.args[1].expr {
                        Expr::Call(append) => match appends(append) {
                            Some(transform) => self.compile(&step.args[0]).and_then(|filter| {
                                Ok(Op::Map {
                                    range,
                                    slot,
                                    filter: Some(boxed(filter)),
                                    transform: boxed(self.compile(&transform)?),
                                })
                            }),
                            None => Err("a comprehension that is not a standard macro".into()),
                        },
                        _ => Err("a comprehension that is not a standard macro".into()),
                    }
                } else {
                    Err("a comprehension that is not a standard macro".into())
                }
            }
            _ => Err("a comprehension that is not a standard macro".into()),
        };
        self.locals.pop();
        compiled
    }
}

/// A value during a compiled evaluation, borrowing the node data and the compiled constants.
#[derive(Debug, Clone)]
enum Value<'data> {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Double(f64),
    String(&'data str),
    Array(&'data [serde_json::Value]),
    Object(&'data serde_json::Map<String, serde_json::Value>),
    Tags(&'data BTreeMap<String, String>),
    /// A node as CEL sees it: `{id, type, name, region, account, tags, properties}`.
    Node(&'data Node),
    List(Rc<Vec<Value<'data>>>),
}

impl<'data> Value<'data> {
    /// What `cel::to_value` makes of JSON: serde_json hands positive integers over as `u64`.
    fn from_json(json: &'data serde_json::Value) -> Value<'data> {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(value) => Value::Bool(*value),
            serde_json::Value::Number(number) => {
                if let Some(value) = number.as_u64() {
                    Value::UInt(value)
                } else if let Some(value) = number.as_i64() {
                    Value::Int(value)
                } else {
                    Value::Double(number.as_f64().unwrap_or(f64::NAN))
                }
            }
            serde_json::Value::String(text) => Value::String(text),
            serde_json::Value::Array(items) => Value::Array(items),
            serde_json::Value::Object(fields) => Value::Object(fields),
        }
    }

    fn is_compound(&self) -> bool {
        matches!(
            self,
            Value::Array(_) | Value::Object(_) | Value::Tags(_) | Value::Node(_) | Value::List(_)
        )
    }

    /// The elements of a list value; `None` for anything else.
    fn list_items(&self) -> Option<Vec<Value<'data>>> {
        match self {
            Value::Array(items) => Some(items.iter().map(Value::from_json).collect()),
            Value::List(items) => Some(items.as_ref().clone()),
            _ => None,
        }
    }
}

fn constant<'data>(constant: &'data Constant) -> Value<'data> {
    match constant {
        Constant::Null => Value::Null,
        Constant::Bool(value) => Value::Bool(*value),
        Constant::Int(value) => Value::Int(*value),
        Constant::UInt(value) => Value::UInt(*value),
        Constant::Double(value) => Value::Double(*value),
        Constant::String(value) => Value::String(value),
    }
}

/// cel 0.15's ordering of two values (`Comparer`): numbers across kinds, strings, booleans;
/// anything else, and NaN, cannot be compared.
fn compare(left: &Value<'_>, right: &Value<'_>) -> Result<Ordering, Fault> {
    let ordering = match (left, right) {
        (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
        (Value::UInt(a), Value::UInt(b)) => Some(a.cmp(b)),
        (Value::Int(a), Value::UInt(b)) => {
            Some(u64::try_from(*a).map_or(Ordering::Less, |a| a.cmp(b)))
        }
        (Value::UInt(a), Value::Int(b)) => {
            Some(i64::try_from(*a).map_or(Ordering::Greater, |a| a.cmp(b)))
        }
        (Value::Double(a), Value::Double(b)) => a.partial_cmp(b),
        (Value::Int(a), Value::Double(b)) => (*a as f64).partial_cmp(b),
        (Value::UInt(a), Value::Double(b)) => (*a as f64).partial_cmp(b),
        (Value::Double(a), Value::Int(b)) => a.partial_cmp(&(*b as f64)),
        (Value::Double(a), Value::UInt(b)) => a.partial_cmp(&(*b as f64)),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    };
    ordering.ok_or(Fault::Error)
}

/// cel 0.15's `==`: never an error between values; a scalar equals nothing compound.
fn equals(left: &Value<'_>, right: &Value<'_>) -> Result<bool, Fault> {
    match (left, right) {
        (Value::Null, Value::Null) => Ok(true),
        (Value::Bool(a), Value::Bool(b)) => Ok(a == b),
        (Value::String(a), Value::String(b)) => Ok(a == b),
        (
            Value::Int(_) | Value::UInt(_) | Value::Double(_),
            Value::Int(_) | Value::UInt(_) | Value::Double(_),
        ) => Ok(compare(left, right) == Ok(Ordering::Equal)),
        _ if left.is_compound() && right.is_compound() => Err(Fault::Unsupported),
        _ => Ok(false),
    }
}

fn as_bool(value: Result<Value<'_>, Fault>) -> Result<bool, Fault> {
    match value? {
        Value::Bool(value) => Ok(value),
        _ => Err(Fault::Error),
    }
}

fn select<'data>(operand: Value<'data>, field: &str) -> Result<Value<'data>, Fault> {
    match operand {
        Value::Object(fields) => fields.get(field).map(Value::from_json).ok_or(Fault::Error),
        Value::Tags(tags) => tags
            .get(field)
            .map(|value| Value::String(value))
            .ok_or(Fault::Error),
        Value::Node(node) => match field {
            "id" => Ok(Value::String(node.id.as_str())),
            "type" => Ok(Value::String(node.node_type.as_str())),
            "name" => Ok(Value::String(&node.name)),
            "region" => Ok(Value::String(&node.region)),
            "account" => Ok(Value::String(&node.account)),
            "tags" => Ok(Value::Tags(&node.tags)),
            "properties" => Ok(Value::from_json(&node.properties)),
            // Present on the resource only when a rule of its type calls related().
            "__related" => Err(Fault::Unsupported),
            _ => Err(Fault::Error),
        },
        _ => Err(Fault::Error),
    }
}

fn has(operand: Value<'_>, field: &str) -> Result<bool, Fault> {
    match operand {
        Value::Object(fields) => Ok(fields.contains_key(field)),
        Value::Tags(tags) => Ok(tags.contains_key(field)),
        Value::Node(_) => match field {
            "id" | "type" | "name" | "region" | "account" | "tags" | "properties" => Ok(true),
            "__related" => Err(Fault::Unsupported),
            _ => Ok(false),
        },
        _ => Err(Fault::Error),
    }
}

fn arithmetic<'data>(
    operation: Arithmetic,
    left: Value<'data>,
    right: Value<'data>,
) -> Result<Value<'data>, Fault> {
    use Arithmetic::*;
    let result = match (operation, &left, &right) {
        (Add, Value::Int(a), Value::Int(b)) => a.checked_add(*b).map(Value::Int),
        (Subtract, Value::Int(a), Value::Int(b)) => a.checked_sub(*b).map(Value::Int),
        (Multiply, Value::Int(a), Value::Int(b)) => a.checked_mul(*b).map(Value::Int),
        (Divide, Value::Int(a), Value::Int(b)) => a.checked_div(*b).map(Value::Int),
        (Remainder, Value::Int(a), Value::Int(b)) => a.checked_rem(*b).map(Value::Int),
        (Add, Value::UInt(a), Value::UInt(b)) => a.checked_add(*b).map(Value::UInt),
        (Subtract, Value::UInt(a), Value::UInt(b)) => a.checked_sub(*b).map(Value::UInt),
        (Multiply, Value::UInt(a), Value::UInt(b)) => a.checked_mul(*b).map(Value::UInt),
        (Divide, Value::UInt(a), Value::UInt(b)) => a.checked_div(*b).map(Value::UInt),
        (Remainder, Value::UInt(a), Value::UInt(b)) => a.checked_rem(*b).map(Value::UInt),
        (Add, Value::Double(a), Value::Double(b)) => Some(Value::Double(a + b)),
        (Subtract, Value::Double(a), Value::Double(b)) => Some(Value::Double(a - b)),
        (Multiply, Value::Double(a), Value::Double(b)) => Some(Value::Double(a * b)),
        (Divide, Value::Double(a), Value::Double(b)) => Some(Value::Double(a / b)),
        // String and list concatenation build new values: left to the interpreter.
        (Add, Value::String(_) | Value::Array(_) | Value::List(_), _) => {
            return Err(Fault::Unsupported);
        }
        _ => None,
    };
    // Overflow, division or remainder by zero, and mixed kinds are errors in cel 0.15.
    result.ok_or(Fault::Error)
}

fn eval<'data>(
    op: &'data Op,
    subject: &Subject<'data>,
    locals: &mut Vec<Value<'data>>,
) -> Result<Value<'data>, Fault> {
    match op {
        Op::Constant(value) => Ok(constant(value)),
        Op::List(elements) => {
            let mut items = Vec::with_capacity(elements.len());
            for element in elements {
                items.push(eval(element, subject, locals)?);
            }
            Ok(Value::List(Rc::new(items)))
        }
        Op::Resource => Ok(Value::Node(subject.node)),
        Op::Local(depth) => locals.get(*depth).cloned().ok_or(Fault::Unsupported),
        Op::Select(operand, field) => select(eval(operand, subject, locals)?, field),
        Op::Has(operand, field) => has(eval(operand, subject, locals)?, field).map(Value::Bool),
        Op::Not(operand) => match eval(operand, subject, locals)? {
            Value::Bool(value) => Ok(Value::Bool(!value)),
            _ => Err(Fault::Error),
        },
        // cel 0.15: the left side decides alone when it can; otherwise an error of the right
        // side wins, then a right side that decides alone, then the left side's error.
        Op::Or(left, right) => {
            let left = as_bool(eval(left, subject, locals));
            if left == Err(Fault::Unsupported) {
                return Err(Fault::Unsupported);
            }
            if left == Ok(true) {
                return Ok(Value::Bool(true));
            }
            match (left, eval(right, subject, locals)?) {
                (_, Value::Bool(true)) => Ok(Value::Bool(true)),
                (Ok(false), Value::Bool(false)) => Ok(Value::Bool(false)),
                _ => Err(Fault::Error),
            }
        }
        Op::And(left, right) => {
            let left = as_bool(eval(left, subject, locals));
            if left == Err(Fault::Unsupported) {
                return Err(Fault::Unsupported);
            }
            if left == Ok(false) {
                return Ok(Value::Bool(false));
            }
            match (left, eval(right, subject, locals)?) {
                (_, Value::Bool(false)) => Ok(Value::Bool(false)),
                (Ok(true), Value::Bool(true)) => Ok(Value::Bool(true)),
                _ => Err(Fault::Error),
            }
        }
        Op::Conditional(condition, then, otherwise) => {
            if as_bool(eval(condition, subject, locals))? {
                eval(then, subject, locals)
            } else {
                eval(otherwise, subject, locals)
            }
        }
        Op::Equals(left, right) => {
            let left = eval(left, subject, locals)?;
            let right = eval(right, subject, locals)?;
            equals(&left, &right).map(Value::Bool)
        }
        Op::NotEquals(left, right) => {
            let left = eval(left, subject, locals)?;
            let right = eval(right, subject, locals)?;
            equals(&left, &right).map(|equal| Value::Bool(!equal))
        }
        Op::Compare(comparison, left, right) => {
            let left = eval(left, subject, locals)?;
            let right = eval(right, subject, locals)?;
            let ordering = compare(&left, &right)?;
            Ok(Value::Bool(match comparison {
                Comparison::Less => ordering == Ordering::Less,
                Comparison::LessOrEqual => ordering != Ordering::Greater,
                Comparison::Greater => ordering == Ordering::Greater,
                Comparison::GreaterOrEqual => ordering != Ordering::Less,
            }))
        }
        Op::In(needle, haystack) => {
            let needle = eval(needle, subject, locals)?;
            match eval(haystack, subject, locals)? {
                Value::Array(items) => {
                    for item in items {
                        if equals(&needle, &Value::from_json(item))? {
                            return Ok(Value::Bool(true));
                        }
                    }
                    Ok(Value::Bool(false))
                }
                Value::List(items) => {
                    for item in items.iter() {
                        if equals(&needle, item)? {
                            return Ok(Value::Bool(true));
                        }
                    }
                    Ok(Value::Bool(false))
                }
                // Key lookups with cel's numeric key fallbacks: left to the interpreter.
                Value::Object(_) | Value::Tags(_) | Value::Node(_) | Value::String(_) => {
                    Err(Fault::Unsupported)
                }
                _ => Err(Fault::Error),
            }
        }
        Op::Arithmetic(operation, left, right) => {
            let left = eval(left, subject, locals)?;
            let right = eval(right, subject, locals)?;
            arithmetic(*operation, left, right)
        }
        Op::Negate(operand) => match eval(operand, subject, locals)? {
            Value::Int(value) => value.checked_neg().map(Value::Int).ok_or(Fault::Error),
            Value::Double(value) => Ok(Value::Double(-value)),
            _ => Err(Fault::Error),
        },
        Op::Size(operand) => {
            let size = match eval(operand, subject, locals)? {
                Value::String(text) => text.chars().count(),
                Value::Array(items) => items.len(),
                Value::List(items) => items.len(),
                Value::Object(fields) => fields.len(),
                Value::Tags(tags) => tags.len(),
                Value::Node(_) => return Err(Fault::Unsupported),
                _ => return Err(Fault::Error),
            };
            Ok(Value::Int(size as i64))
        }
        Op::StringTest(test, receiver, argument) => {
            let argument = eval(argument, subject, locals)?;
            let receiver = eval(receiver, subject, locals)?;
            match (receiver, argument) {
                (Value::String(text), Value::String(needle)) => Ok(Value::Bool(match test {
                    StringTest::StartsWith => text.starts_with(needle),
                    StringTest::EndsWith => text.ends_with(needle),
                    StringTest::Contains => text.contains(needle),
                })),
                _ => Err(Fault::Error),
            }
        }
        Op::Matches(receiver, pattern) => match (eval(receiver, subject, locals)?, pattern) {
            (Value::String(text), Some(pattern)) => Ok(Value::Bool(pattern.is_match(text))),
            _ => Err(Fault::Error),
        },
        Op::Exists {
            range,
            slot,
            predicate,
        } => fold(range, *slot, predicate, subject, locals, true).map(Value::Bool),
        Op::All {
            range,
            slot,
            predicate,
        } => fold(range, *slot, predicate, subject, locals, false).map(Value::Bool),
        Op::Map {
            range,
            slot,
            filter,
            transform,
        } => {
            let items = match eval(range, subject, locals)? {
                value @ (Value::Array(_) | Value::List(_)) => {
                    value.list_items().unwrap_or_default()
                }
                // Map iteration order is the interpreter's hash order: not reproduced here.
                Value::Object(_) | Value::Tags(_) | Value::Node(_) => {
                    return Err(Fault::Unsupported);
                }
                _ => return Err(Fault::Error),
            };
            let mut results = Vec::with_capacity(items.len());
            for item in items {
                locals.truncate(*slot);
                locals.push(item);
                if let Some(filter) = filter
                    && !as_bool(eval(filter, subject, locals))?
                {
                    continue;
                }
                results.push(eval(transform, subject, locals)?);
            }
            Ok(Value::List(Rc::new(results)))
        }
        Op::Related(kind) => Ok(Value::List(Rc::new(
            subject
                .graph
                .related(&subject.node.id, *kind)
                .into_iter()
                .map(|neighbour| Value::Node(neighbour.node))
                .collect(),
        ))),
        Op::Exposed(port, protocol) => {
            let port = u16::try_from(*port).map_err(|_| Fault::Error)?;
            match subject
                .exposure
                .is_exposed(&subject.node.id, port, protocol)
            {
                ExposureAnswer::Exposed { .. } => Ok(Value::Bool(true)),
                ExposureAnswer::NotExposed => Ok(Value::Bool(false)),
                ExposureAnswer::Unknown => Err(Fault::Error),
            }
        }
        Op::Fail => Err(Fault::Error),
    }
}

/// `exists` (`any` = true) and `all` (`any` = false) as cel 0.15 folds them: the deciding value
/// (`true` for exists, `false` for all) wins over errors of other elements; otherwise an error
/// of any element is the result.
fn fold<'data>(
    range: &'data Op,
    slot: usize,
    predicate: &'data Op,
    subject: &Subject<'data>,
    locals: &mut Vec<Value<'data>>,
    any: bool,
) -> Result<bool, Fault> {
    let range = eval(range, subject, locals)?;
    let mut pending_error = false;
    // Every binding goes to the comprehension's own slot, whatever an inner comprehension that
    // failed half-way left above it.
    let mut step = |item: Value<'data>, locals: &mut Vec<Value<'data>>| -> Result<bool, Fault> {
        locals.truncate(slot);
        locals.push(item);
        match as_bool(eval(predicate, subject, locals)) {
            Ok(value) if value == any => Ok(true),
            Ok(_) => Ok(false),
            Err(Fault::Error) => {
                pending_error = true;
                Ok(false)
            }
            Err(Fault::Unsupported) => Err(Fault::Unsupported),
        }
    };
    let decided = match range {
        Value::Array(items) => {
            let mut decided = false;
            for item in items {
                if step(Value::from_json(item), locals)? {
                    decided = true;
                    break;
                }
            }
            decided
        }
        Value::List(items) => {
            let mut decided = false;
            for item in items.iter() {
                if step(item.clone(), locals)? {
                    decided = true;
                    break;
                }
            }
            decided
        }
        Value::Object(fields) => {
            let mut decided = false;
            for key in fields.keys() {
                if step(Value::String(key), locals)? {
                    decided = true;
                    break;
                }
            }
            decided
        }
        Value::Tags(_) | Value::Node(_) => return Err(Fault::Unsupported),
        _ => return Err(Fault::Error),
    };
    if decided {
        Ok(any)
    } else if pending_error {
        Err(Fault::Error)
    } else {
        Ok(!any)
    }
}

#[cfg(test)]
mod tests {
    //! Each compiled construct against hand-written expectations and against the interpreter
    //! (`evaluate_interpreted`), whose statuses and reasons `evaluate` must reproduce exactly.

    use std::sync::Arc;

    use serde_json::json;

    use super::*;
    use crate::model::{NodeId, NodeType};
    use crate::rules::{NoExposureAnalysis, RuleSet, RuleStatus, evaluate, evaluate_interpreted};

    fn rule_set(condition: &str) -> RuleSet {
        let source = format!(
            r#"[[rule]]
id = "test.rule"
version = 1
title = "test"
severity = "low"
resource = "aws.ec2.security_group"
description = "test"
remediation = {{ text = "test" }}
condition = '''{condition}'''
reason = "{{id}} violates"
"#
        );
        RuleSet::from_sources([("test.toml".to_string(), source)]).expect("the rule loads")
    }

    /// The compiled outcome and the interpreter's status for `condition` on a security group
    /// with `properties`; also checks that the engine's results equal the interpreter's.
    fn judge(condition: &str, properties: serde_json::Value) -> (Result<bool, Fault>, RuleStatus) {
        let rules = rule_set(condition);
        let rule = &rules.rules()[0];
        let compiled = rule
            .compiled
            .as_ref()
            .unwrap_or_else(|construct| panic!("`{condition}` did not compile: {construct}"));
        let node = Node {
            id: NodeId::aws("us-east-1", NodeType::SecurityGroup, "sg-1"),
            node_type: NodeType::SecurityGroup,
            provider: "aws".into(),
            region: "us-east-1".into(),
            account: "1".into(),
            name: "web".into(),
            tags: BTreeMap::from([("team".to_string(), "blue".to_string())]),
            properties,
        };
        let graph = TenantGraph::build(vec![node.clone()], Vec::new());
        let outcome = compiled.evaluate(&Subject {
            node: &node,
            graph: &graph,
            exposure: &NoExposureAnalysis,
        });
        let interpreted = evaluate_interpreted(&rules, &graph, Arc::new(NoExposureAnalysis));
        let engine = evaluate(&rules, &graph, Arc::new(NoExposureAnalysis));
        assert_eq!(
            engine, interpreted,
            "`{condition}`: engine and interpreter differ"
        );
        (outcome, interpreted.results[0].status)
    }

    fn violating(condition: &str, properties: serde_json::Value) {
        assert_eq!(
            judge(condition, properties.clone()),
            (Ok(true), RuleStatus::Fail),
            "`{condition}` on {properties}"
        );
    }

    fn compliant(condition: &str, properties: serde_json::Value) {
        assert_eq!(
            judge(condition, properties.clone()),
            (Ok(false), RuleStatus::Pass),
            "`{condition}` on {properties}"
        );
    }

    fn error(condition: &str, properties: serde_json::Value) {
        assert_eq!(
            judge(condition, properties.clone()),
            (Err(Fault::Error), RuleStatus::Error),
            "`{condition}` on {properties}"
        );
    }

    #[test]
    fn field_access_reads_the_node_and_its_properties() {
        violating("resource.properties.port == 22", json!({"port": 22}));
        compliant("resource.properties.port == 22", json!({"port": 23}));
        violating(
            "resource.properties.rule.port == 22",
            json!({"rule": {"port": 22}}),
        );
        violating(
            "resource.name == 'web' && resource.region == 'us-east-1'",
            json!({}),
        );
        violating("resource.type == 'aws.ec2.security_group'", json!({}));
        violating(
            "resource.id.endsWith(':sg-1') && resource.account == '1'",
            json!({}),
        );
        violating("resource.tags.team == 'blue'", json!({}));
    }

    #[test]
    fn field_access_errors_like_the_interpreter() {
        // Missing key, a field of null, of a list, of a string, of the node.
        error("resource.properties.port == 22", json!({}));
        error("resource.properties.rule.port == 22", json!({"rule": null}));
        error("resource.properties.rule.port == 22", json!({"rule": [1]}));
        error(
            "resource.properties.rule.port == 22",
            json!({"rule": "text"}),
        );
        error("resource.nothing == 1", json!({}));
        error("resource.tags.owner == 'x'", json!({}));
        // A condition that is not a boolean.
        error("resource.properties.port", json!({"port": 22}));
        error("resource.properties.port", json!({"port": null}));
    }

    #[test]
    fn has_tests_presence_and_errors_on_non_maps() {
        violating("has(resource.properties.cidr)", json!({"cidr": null}));
        compliant("has(resource.properties.cidr)", json!({}));
        violating(
            "has(resource.tags.team) && !has(resource.tags.owner)",
            json!({}),
        );
        violating("has(resource.properties)", json!({}));
        error("has(resource.properties.rule.cidr)", json!({"rule": null}));
        error(
            "has(resource.properties.rule.cidr)",
            json!({"rule": [1, 2]}),
        );
        error("has(resource.properties.rule.cidr)", json!({}));
    }

    #[test]
    fn equality_is_numeric_across_kinds_and_false_across_types() {
        // JSON 22 is a uint, the literal an int; -1 is an int; 1.5 a double.
        violating("resource.properties.a == 22", json!({"a": 22}));
        violating("resource.properties.a == 22.0", json!({"a": 22}));
        violating("resource.properties.a == -1", json!({"a": -1}));
        violating("resource.properties.a != 22", json!({"a": "22"}));
        compliant("resource.properties.a == null", json!({"a": 0}));
        violating("resource.properties.a == null", json!({"a": null}));
        compliant("resource.properties.a == 'x'", json!({"a": ["x"]}));
        compliant("resource.properties.a == true", json!({"a": 1}));
        error("resource.properties.a == null", json!({}));
    }

    #[test]
    fn comparisons_order_numbers_and_strings_and_error_otherwise() {
        violating(
            "resource.properties.a <= 22 && resource.properties.b >= 22",
            json!({"a": 0, "b": 1024}),
        );
        violating("resource.properties.a < 0", json!({"a": -5}));
        violating("resource.properties.a > 1", json!({"a": 1.5}));
        violating("resource.properties.a < 'b'", json!({"a": "a"}));
        compliant(
            "resource.properties.a > 18446744073709551615.0",
            json!({"a": 1}),
        );
        error("resource.properties.a <= 22", json!({"a": null}));
        error("resource.properties.a <= 22", json!({"a": "22"}));
        error("resource.properties.a <= 22", json!({"a": [22]}));
        error("resource.properties.a < true", json!({"a": 1}));
    }

    #[test]
    fn in_searches_lists_and_errors_on_non_containers() {
        violating(
            "'0.0.0.0/0' in resource.properties.ranges",
            json!({"ranges": ["10.0.0.0/8", "0.0.0.0/0"]}),
        );
        compliant(
            "'0.0.0.0/0' in resource.properties.ranges",
            json!({"ranges": []}),
        );
        compliant(
            "'0.0.0.0/0' in resource.properties.ranges",
            json!({"ranges": [{"cidr": "0.0.0.0/0"}]}),
        );
        violating(
            "resource.properties.port in [22, 3389]",
            json!({"port": 3389}),
        );
        error(
            "'0.0.0.0/0' in resource.properties.ranges",
            json!({"ranges": null}),
        );
        error("'0.0.0.0/0' in resource.properties.ranges", json!({}));
        error("1 in resource.properties.ranges", json!({"ranges": 1}));
    }

    #[test]
    fn logic_absorbs_an_error_only_where_the_other_side_decides() {
        violating("resource.properties.missing || true", json!({}));
        violating("true || resource.properties.missing", json!({}));
        compliant("resource.properties.missing && false", json!({}));
        compliant("false && resource.properties.missing", json!({}));
        error("resource.properties.missing && true", json!({}));
        error("false || resource.properties.missing", json!({}));
        error("resource.properties.text || false", json!({"text": "x"}));
        violating("resource.properties.text || true", json!({"text": "x"}));
        error("!resource.properties.text", json!({"text": "x"}));
        violating("!resource.properties.flag", json!({"flag": false}));
        error("!resource.properties.flag", json!({"flag": null}));
        violating(
            "resource.properties.flag ? true : resource.properties.missing",
            json!({"flag": true}),
        );
        error(
            "resource.properties.flag ? true : false",
            json!({"flag": 1}),
        );
    }

    #[test]
    fn exists_and_all_fold_errors_like_the_interpreter() {
        violating(
            "resource.properties.xs.exists(x, x > 2)",
            json!({"xs": [1, "a", 3]}),
        );
        error(
            "resource.properties.xs.exists(x, x > 2)",
            json!({"xs": [1, "a"]}),
        );
        compliant("resource.properties.xs.exists(x, x > 2)", json!({"xs": []}));
        compliant(
            "resource.properties.xs.all(x, x > 0)",
            json!({"xs": [1, "a", 0]}),
        );
        error(
            "resource.properties.xs.all(x, x > 0)",
            json!({"xs": [1, "a"]}),
        );
        violating("resource.properties.xs.all(x, x > 0)", json!({"xs": []}));
        error("resource.properties.xs.exists(x, x)", json!({"xs": [1]}));
        error(
            "resource.properties.xs.exists(x, x > 2)",
            json!({"xs": null}),
        );
        error("resource.properties.xs.exists(x, x > 2)", json!({"xs": 3}));
        violating(
            "resource.properties.o.exists(k, k == 'b')",
            json!({"o": {"a": 1, "b": 2}}),
        );
        // Nested comprehensions see their own and the outer variable.
        violating(
            "resource.properties.rs.exists(r, [22, 80].exists(p, r.from <= p && r.to >= p))",
            json!({"rs": [{"from": 20, "to": 23}]}),
        );
        compliant(
            "resource.properties.rs.exists(r, [22, 80].exists(p, r.from <= p && r.to >= p))",
            json!({"rs": [{"from": 100, "to": 200}]}),
        );
    }

    #[test]
    fn map_and_filter_build_lists() {
        // JSON 2 is a uint: `x * 2` (uint times int) is an error, `x * 2u` is not.
        violating(
            "resource.properties.xs.map(x, x * 2u).exists(y, y == 4)",
            json!({"xs": [1, 2]}),
        );
        error(
            "resource.properties.xs.map(x, x * 2).exists(y, y == 4)",
            json!({"xs": [1, 2]}),
        );
        violating(
            "size(resource.properties.xs.filter(x, x > 1)) == 2",
            json!({"xs": [1, 2, 3]}),
        );
        violating(
            "resource.properties.xs.map(x, x > 1, x).all(y, y > 1)",
            json!({"xs": [1, 2, 3]}),
        );
        error(
            "size(resource.properties.xs.filter(x, x > 1)) == 2",
            json!({"xs": [1, "a", 3]}),
        );
        error(
            "size(resource.properties.xs.map(x, x.port)) == 1",
            json!({"xs": [{}]}),
        );
    }

    #[test]
    fn size_counts_lists_maps_and_characters() {
        violating("size(resource.properties.s) == 5", json!({"s": "héllo"}));
        violating("resource.properties.xs.size() == 2", json!({"xs": [1, 2]}));
        violating(
            "size(resource.properties.o) == 1 && size(resource.tags) == 1",
            json!({"o": {"a": 1}}),
        );
        error("size(resource.properties.s) == 0", json!({"s": null}));
        error("size(resource.properties.s) == 0", json!({"s": 3}));
    }

    #[test]
    fn string_functions_need_strings() {
        violating(
            "resource.properties.k.endsWith('alias/aws/ebs')",
            json!({"k": "arn:alias/aws/ebs"}),
        );
        violating(
            "resource.properties.k.startsWith('arn:')",
            json!({"k": "arn:x"}),
        );
        violating(
            "resource.properties.k.contains('aws')",
            json!({"k": "arn:aws:x"}),
        );
        compliant(
            "resource.properties.k.contains('gcp')",
            json!({"k": "arn:aws:x"}),
        );
        error("resource.properties.k.endsWith('x')", json!({"k": null}));
        error(
            "resource.properties.k.endsWith(resource.properties.n)",
            json!({"k": "x", "n": 1}),
        );
        violating(
            "resource.properties.cidr.matches('/([0-9]|1[0-5])$')",
            json!({"cidr": "10.0.0.0/8"}),
        );
        compliant(
            "resource.properties.cidr.matches('/([0-9]|1[0-5])$')",
            json!({"cidr": "10.0.0.0/16"}),
        );
        error(
            "resource.properties.cidr.matches('(')",
            json!({"cidr": "x"}),
        );
        error("resource.properties.cidr.matches('x')", json!({"cidr": 8}));
    }

    #[test]
    fn arithmetic_is_checked_and_strictly_typed() {
        violating(
            "resource.properties.to - resource.properties.from > 100",
            json!({"from": 1000, "to": 2000}),
        );
        // uint underflow, uint minus int: errors in cel 0.15.
        error(
            "resource.properties.to - resource.properties.from > 100",
            json!({"from": 2000, "to": 1000}),
        );
        error(
            "resource.properties.to - resource.properties.from > 100",
            json!({"from": -1, "to": 5}),
        );
        error("resource.properties.a / 0 == 1", json!({"a": -4}));
        error("resource.properties.a % 0 == 1", json!({"a": -4}));
        error("resource.properties.a + 1 == 2", json!({"a": 1}));
        violating("resource.properties.a + 1 == 0", json!({"a": -1}));
        violating("resource.properties.d / 0.0 > 1.0", json!({"d": 1.5}));
        error("resource.properties.d % 2.0 == 1.0", json!({"d": 1.5}));
        error("-resource.properties.a == 1", json!({"a": 1}));
        violating("-resource.properties.a == 1", json!({"a": -1}));
        error("resource.properties.a * 2 == 1", json!({"a": null}));
    }

    #[test]
    fn graph_functions_error_without_an_answer() {
        error("exposed_to_internet(22, 'tcp')", json!({}));
        error("exposed_to_internet(70000, 'tcp')", json!({}));
        error("related('no_such_kind').exists(n, true)", json!({}));
        compliant("related('member_of').exists(n, true)", json!({}));
    }

    #[test]
    fn shapes_the_compiled_form_does_not_model_go_to_the_interpreter() {
        for (condition, properties, status) in [
            (
                "resource.properties.a == resource.properties.b",
                json!({"a": [1], "b": [1]}),
                RuleStatus::Fail,
            ),
            (
                "resource.properties.a + resource.properties.b == 'xy'",
                json!({"a": "x", "b": "y"}),
                RuleStatus::Fail,
            ),
            (
                "'a' in resource.properties.o",
                json!({"o": {"a": 1}}),
                RuleStatus::Fail,
            ),
        ] {
            assert_eq!(
                judge(condition, properties),
                (Err(Fault::Unsupported), status),
                "`{condition}`"
            );
        }
    }

    #[test]
    fn constructs_outside_the_subset_do_not_compile() {
        for condition in [
            "resource.properties.xs.exists_one(x, x == 1)",
            "{'a': 1}.a == 1",
            "somewhere.x == 1",
            "resource.properties.xs[0] == 1",
            "resource.properties.k.matches(resource.properties.pattern)",
            "exposed_to_internet(resource.properties.port, 'tcp')",
            "int(resource.properties.a) == 1",
        ] {
            let rules = rule_set(condition);
            assert_eq!(rules.interpreted_rules().len(), 1, "`{condition}` compiled");
        }
    }
}
