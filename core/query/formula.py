"""Score-boosting formulas: the expression tree and its evaluation, with Qdrant's semantics.

An expression is built from constants, variables (``$score`` / ``$score[i]``: the score a
point got from prefetch ``i``, 0 when it was not there; any other string: a number in the
payload at that key), conditions (1 when the point matches, else 0), geo distances,
datetimes, arithmetic and decay functions. `defaults` give values for variables a point
lacks. Arithmetic is in double precision; a result that is not a finite number fails the
request, naming the expression, as Qdrant does (``div`` may give `by_zero_default`
instead).

`compile_formula` validates a formula once per request (variable names, decay
parameters, datetime constants) and returns a `CompiledFormula`, evaluated per point.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias, TypeGuard

from vectorizer.errors import BadRequest
from vectorizer.filters.ast import Condition, GeoPoint
from vectorizer.filters.evaluate import haversine_m, parse_datetime, values_at
from vectorizer.filters.field_index import canonical_uuid
from vectorizer.models import Payload, PointId
from vectorizer.payload import parse_path

# ----------------------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Constant:
    value: float


@dataclass(frozen=True)
class Variable:
    """``$score``, ``$score[i]``, or a payload key path."""

    name: str


@dataclass(frozen=True)
class ConditionExpr:
    """1 when the point matches `condition`, else 0."""

    condition: Condition


@dataclass(frozen=True)
class GeoDistance:
    """Meters from `origin` to the geo point at payload key `to`."""

    origin: GeoPoint
    to: str


@dataclass(frozen=True)
class DatetimeConst:
    """A datetime constant, as seconds since the epoch."""

    value: str


@dataclass(frozen=True)
class DatetimeKey:
    """The datetime at payload key `key`, as seconds since the epoch."""

    key: str


@dataclass(frozen=True)
class Mult:
    items: tuple[Expression, ...]


@dataclass(frozen=True)
class Sum:
    items: tuple[Expression, ...]


@dataclass(frozen=True)
class Neg:
    expr: Expression


@dataclass(frozen=True)
class Abs:
    expr: Expression


@dataclass(frozen=True)
class Div:
    left: Expression
    right: Expression
    by_zero_default: float | None = None


@dataclass(frozen=True)
class Sqrt:
    expr: Expression


@dataclass(frozen=True)
class Pow:
    base: Expression
    exponent: Expression


@dataclass(frozen=True)
class Exp:
    expr: Expression


@dataclass(frozen=True)
class Log10:
    expr: Expression


@dataclass(frozen=True)
class Ln:
    expr: Expression


DecayKind: TypeAlias = Literal["lin", "exp", "gauss"]

UNARY: dict[str, type[Neg | Abs | Sqrt | Exp | Log10 | Ln]] = {
    "neg": Neg,
    "abs": Abs,
    "sqrt": Sqrt,
    "exp": Exp,
    "log10": Log10,
    "ln": Ln,
}
"""The one-argument expressions by the name Qdrant's JSON and protobuf give them."""

DECAYS: dict[str, DecayKind] = {"lin_decay": "lin", "exp_decay": "exp", "gauss_decay": "gauss"}
"""The decay expressions by the name Qdrant's JSON and protobuf give them."""


@dataclass(frozen=True)
class Decay:
    """A decay of `x` away from `target` (default 0): 1 at the target, `midpoint`
    (default 0.5) at `scale` (default 1) away; linear, exponential or gaussian."""

    kind: DecayKind
    x: Expression
    target: Expression | None = None
    midpoint: float | None = None
    scale: float | None = None


Expression: TypeAlias = (
    Constant
    | Variable
    | ConditionExpr
    | GeoDistance
    | DatetimeConst
    | DatetimeKey
    | Mult
    | Sum
    | Neg
    | Abs
    | Div
    | Sqrt
    | Pow
    | Exp
    | Log10
    | Ln
    | Decay
)


# ----------------------------------------------------------------------------- variables


@dataclass(frozen=True)
class ScoreVar:
    """The score from prefetch `index`."""

    index: int


def parse_variable(name: str) -> ScoreVar | str:
    """A variable name: a `ScoreVar` for ``$score`` / ``$score[i]``, else the payload key."""
    if name.startswith("$"):
        rest = name[1:]
        if rest == "score":
            return ScoreVar(0)
        if rest.startswith("score[") and rest.endswith("]") and rest[6:-1].isdigit():
            return ScoreVar(int(rest[6:-1]))
        if rest.split("[", 1)[0].split(".", 1)[0] == "score":
            raise BadRequest(f"Wrong input: Invalid reserved variable: {name}")
        raise BadRequest(f"Wrong input: Invalid reserved word: {name}")
    try:
        parse_path(name)
    except BadRequest:
        raise BadRequest(f"Wrong input: Invalid payload variable: {name}") from None
    return name


# ----------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class PointContext:
    """What a formula reads of one point: its id, payload, the scores each prefetch gave
    (by point id) and whether it matches each of the formula's conditions."""

    id: PointId
    payload: Payload
    scores: list[Mapping[PointId, float]]
    matches: list[bool]


Evaluator = Callable[[PointContext], float]


def _num(value: float) -> str:
    """A number as Rust prints an f64 (``1`` for 1.0, ``inf``, ``NaN``)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)


def _non_finite(expression: str) -> BadRequest:
    return BadRequest(f"Wrong input: The expression {expression} produced a non-finite number")


def _variable_error(key: str, expected: str, description: str) -> BadRequest:
    return BadRequest(
        f"Wrong input: Expected {expected} value for {key} in the payload and/or in the "
        f"formula defaults. Error: {description}"
    )


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _sqrt(value: float) -> float:
    return math.sqrt(value) if value >= 0 else math.nan


def _exp(value: float) -> float:
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf


def _log10(value: float) -> float:
    return math.log10(value) if value > 0 else -math.inf if value == 0 else math.nan


def _ln(value: float) -> float:
    return math.log(value) if value > 0 else -math.inf if value == 0 else math.nan


_FUNCTIONS: dict[type, tuple[str, Callable[[float], float]]] = {
    Sqrt: ("√{}", _sqrt),
    Exp: ("exp({})", _exp),
    Log10: ("log10({})", _log10),
    Ln: ("ln({})", _ln),
}
"""The functions that can leave the finite numbers: how an error names them, and them."""


def _geo_point(value: Any) -> bool:
    return isinstance(value, dict) and _is_number(value.get("lon")) and _is_number(value.get("lat"))


def _datetime_string(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        parse_datetime(value)
    except ValueError:
        return False
    return True


_INDEXED: dict[str, Callable[[Any], bool]] = {
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": _is_number,
    "keyword": lambda v: isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "geo": _geo_point,
    "datetime": _datetime_string,
    "uuid": lambda v: canonical_uuid(v) is not None,
}
"""Per payload index type, the values such an index holds. A formula reads a variable
whose key has one of these indexes from the index, as Qdrant does: only those values
(a `null` or a value of another type is no value there, so the default applies). A
full-text index holds no values to read: the payload is read then."""


class CompiledFormula:
    """A formula validated for one request; `score(point)` evaluates it for one point.

    `conditions` lists the conditions it uses: the caller tells, per point, which match.
    `indexed` gives the payload index type of the keys that have one (see `_INDEXED`).
    """

    def __init__(
        self,
        expression: Expression,
        defaults: Mapping[str, Any],
        indexed: Mapping[str, str] | None = None,
    ) -> None:
        self.conditions: list[Condition] = []
        self._held = {
            key: _INDEXED[kind] for key, kind in (indexed or {}).items() if kind in _INDEXED
        }
        self._score_defaults: dict[int, Any] = {}
        self._payload_defaults: dict[str, Any] = {}
        for name, value in defaults.items():
            var = parse_variable(name)
            if isinstance(var, ScoreVar):
                self._score_defaults[var.index] = value
            else:
                self._payload_defaults[var] = value
        self._root = self._compile(expression)

    def score(self, point: PointContext) -> float:
        """The formula's value for the point, as the f32 score Qdrant returns."""
        value = self._root(point)
        if not math.isfinite(value) or abs(value) > 3.4028234663852886e38:
            raise _non_finite(f"{_num(value)} as f32")
        return value

    # ------------------------------------------------------------------ values

    def _payload_value(self, key: str, point: PointContext) -> Any:
        """The value at `key` (one value, or a list of several), else its default, else None."""
        values = values_at(point.payload, key)
        held = self._held.get(key)
        if held is not None:
            values = [v for v in values if held(v)]
        if len(values) == 1:
            return values[0]
        if values:
            return values
        value = self._payload_defaults.get(key)
        if isinstance(value, list):
            return None if not value else value[0] if len(value) == 1 else value
        return value

    def _number_at(self, key: str, point: PointContext) -> float:
        value = self._payload_value(key, point)
        if value is None:
            raise _variable_error(key, "number", "No value found in a payload nor defaults")
        if not _is_number(value):
            raise _variable_error(key, "number", "Value is not a number")
        return float(value)

    def _score_var(self, index: int, point: PointContext) -> float:
        if index < len(point.scores):
            found = point.scores[index].get(point.id)
            if found is not None:
                return float(found)
        default = self._score_defaults.get(index)
        return float(default) if _is_number(default) else 0.0

    # ------------------------------------------------------------------ compiling

    def _compile(self, expr: Expression) -> Evaluator:
        if isinstance(expr, Constant):
            value = float(expr.value)
            return lambda _p: value
        if isinstance(expr, Variable):
            var = parse_variable(expr.name)
            if isinstance(var, ScoreVar):
                index = var.index
                return lambda p: self._score_var(index, p)
            key = var
            return lambda p: self._number_at(key, p)
        if isinstance(expr, ConditionExpr):
            self.conditions.append(expr.condition)
            at = len(self.conditions) - 1
            return lambda p: 1.0 if p.matches[at] else 0.0
        if isinstance(expr, GeoDistance):
            return self._geo_distance(expr)
        if isinstance(expr, DatetimeConst):
            try:
                stamp = parse_datetime(expr.value).timestamp()
            except ValueError as exc:
                raise BadRequest(f"Wrong input: datetime: {exc}") from None
            return lambda _p: stamp
        if isinstance(expr, DatetimeKey):
            return self._datetime_key(expr.key)
        if isinstance(expr, Mult | Sum):
            return self._fold(expr)
        if isinstance(expr, Neg | Abs | Sqrt | Exp | Log10 | Ln):
            return self._unary(expr)
        if isinstance(expr, Div):
            return self._div(expr)
        if isinstance(expr, Pow):
            return self._pow(expr)
        if isinstance(expr, Decay):
            return self._decay(expr)
        raise BadRequest(f"Wrong input: unknown formula expression {expr!r}")

    def _geo_distance(self, expr: GeoDistance) -> Evaluator:
        origin, key = expr.origin, expr.to
        parse_variable(key)

        def evaluate(p: PointContext) -> float:
            value = self._payload_value(key, p)
            if value is None:
                raise _variable_error(key, "geo point", "No value found in a payload nor defaults")
            lon, lat = (value.get("lon"), value.get("lat")) if isinstance(value, dict) else (0, 0)
            if not (isinstance(value, dict) and _is_number(lon) and _is_number(lat)):
                raise _variable_error(key, "geo point", "Value is not a geo point")
            return haversine_m(origin.lon, origin.lat, float(lon), float(lat))

        return evaluate

    def _datetime_key(self, key: str) -> Evaluator:
        parse_variable(key)

        def evaluate(p: PointContext) -> float:
            value = self._payload_value(key, p)
            if value is None:
                raise _variable_error(key, "datetime", "No value found in a payload nor defaults")
            if not isinstance(value, str):
                raise _variable_error(key, "datetime", "value is not a string")
            try:
                moment: dt.datetime = parse_datetime(value)
            except ValueError as exc:
                raise _variable_error(key, "datetime", str(exc)) from None
            return moment.timestamp()

        return evaluate

    def _fold(self, expr: Mult | Sum) -> Evaluator:
        parts = [self._compile(e) for e in expr.items]
        if isinstance(expr, Sum):
            return lambda p: sum((part(p) for part in parts), 0.0)

        def product(p: PointContext) -> float:
            result = 1.0
            for part in parts:
                value = part(p)
                if value == 0.0:
                    return 0.0  # Qdrant stops at a zero factor
                result *= value
            return result

        return product

    def _unary(self, expr: Neg | Abs | Sqrt | Exp | Log10 | Ln) -> Evaluator:
        inner = self._compile(expr.expr)
        if isinstance(expr, Neg):
            return lambda p: -inner(p)
        if isinstance(expr, Abs):
            return lambda p: abs(inner(p))
        name, fn = _FUNCTIONS[type(expr)]

        def evaluate(p: PointContext) -> float:
            value = inner(p)
            result = fn(value)
            if not math.isfinite(result):
                raise _non_finite(f"{name.format(_num(value))} = {_num(result)}")
            return result

        return evaluate

    def _div(self, expr: Div) -> Evaluator:
        left, right, default = (
            self._compile(expr.left),
            self._compile(expr.right),
            expr.by_zero_default,
        )

        def evaluate(p: PointContext) -> float:
            numerator = left(p)
            if numerator == 0.0:
                return 0.0  # Qdrant does not evaluate the denominator then
            denominator = right(p)
            if denominator == 0.0 and default is not None:
                return float(default)
            if denominator == 0.0:
                result = math.copysign(math.inf, numerator) if numerator == numerator else math.nan
            else:
                result = numerator / denominator
            if not math.isfinite(result):
                raise _non_finite(f"{_num(numerator)}/{_num(denominator)} = {_num(result)}")
            return result

        return evaluate

    def _pow(self, expr: Pow) -> Evaluator:
        base_of, exponent_of = self._compile(expr.base), self._compile(expr.exponent)

        def evaluate(p: PointContext) -> float:
            base, exponent = base_of(p), exponent_of(p)
            try:
                result = math.pow(base, exponent)
            except OverflowError:
                result = math.inf
            except ValueError:  # a negative base to a fractional power, or 0 to a negative
                result = math.inf if base == 0 else math.nan
            if not math.isfinite(result):
                raise _non_finite(f"{_num(base)}^{_num(exponent)} = {_num(result)}")
            return result

        return evaluate

    def _decay(self, expr: Decay) -> Evaluator:
        lam = decay_lambda(expr.kind, expr.midpoint, expr.scale)
        x_of = self._compile(expr.x)
        target_of = self._compile(expr.target) if expr.target is not None else None
        kind = expr.kind

        def evaluate(p: PointContext) -> float:
            x = x_of(p)
            target = target_of(p) if target_of is not None else 0.0
            if kind == "lin":
                return max(0.0, -lam * abs(x - target) + 1.0)
            if kind == "exp":
                return math.exp(lam * abs(x - target))
            return math.exp(lam * (x - target) ** 2)

        return evaluate


def decay_lambda(kind: DecayKind, midpoint: float | None, scale: float | None) -> float:
    """The constant of a decay function, after Qdrant's checks of its parameters."""
    mid = 0.5 if midpoint is None else float(midpoint)
    width = 1.0 if scale is None else float(scale)
    if kind == "lin":
        if not 0.0 <= mid <= 1.0:
            raise BadRequest(
                f"Wrong input: Linear decay midpoint should be in the range [0.0, 1.0], "
                f"got {_num(mid)}."
            )
    elif not 0.0 < mid < 1.0:
        raise BadRequest(
            f"Wrong input: Decay midpoint should be in the range (0.0, 1.0), got {_num(mid)}."
        )
    if width <= 0.0:
        raise BadRequest(
            f"Wrong input: Decay scale should be non-zero positive, got {_num(width)}."
        )
    if kind == "lin":
        return (1.0 - mid) / width
    if kind == "exp":
        return math.log(mid) / width
    return math.log(mid) / (width * width)
