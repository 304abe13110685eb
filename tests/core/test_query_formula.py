"""Score-boosting formulas: every expression kind, defaults, and Qdrant's errors."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from vectorizer.errors import BadRequest
from vectorizer.filters.ast import GeoPoint, MatchValue
from vectorizer.query.formula import (
    Abs,
    CompiledFormula,
    ConditionExpr,
    Constant,
    DatetimeConst,
    DatetimeKey,
    Decay,
    Div,
    Exp,
    Expression,
    GeoDistance,
    Ln,
    Log10,
    Mult,
    Neg,
    PointContext,
    Pow,
    ScoreVar,
    Sqrt,
    Sum,
    Variable,
    decay_lambda,
    parse_variable,
)

PAYLOAD = {
    "price": 12.5,
    "count": 3,
    "one": [4.0],
    "many": [1, 2],
    "name": "x",
    "geo": {"lon": 13.4050, "lat": 52.5200},
    "when": "2024-01-02T00:00:00Z",
}


def point(
    payload: dict[str, Any] | None = None,
    scores: list[dict[Any, float]] | None = None,
    matches: list[bool] | None = None,
) -> PointContext:
    return PointContext(
        id=7,
        payload=PAYLOAD if payload is None else payload,
        scores=scores if scores is not None else [{7: 0.5}, {7: 2.0}, {8: 9.0}],
        matches=matches or [],
    )


def value(expr: Expression, defaults: dict[str, Any] | None = None, **kw: Any) -> float:
    return CompiledFormula(expr, defaults or {}).score(point(**kw))


def test_constants_and_score_variables() -> None:
    assert value(Constant(3.25)) == 3.25
    assert value(Variable("$score")) == 0.5
    assert value(Variable("$score[0]")) == 0.5
    assert value(Variable("$score[1]")) == 2.0
    assert value(Variable("$score[2]")) == 0.0  # not in that prefetch: 0
    assert value(Variable("$score[9]")) == 0.0  # no such prefetch: 0
    assert value(Variable("$score[2]"), {"$score[2]": 1.5}) == 1.5
    assert value(Variable("$score"), {"$score[0]": 4.0}) == 0.5  # found: no default


def test_payload_variables_and_defaults() -> None:
    assert value(Variable("price")) == 12.5
    assert value(Variable("count")) == 3.0
    assert value(Variable("one")) == 4.0  # a one-value array is that value
    assert value(Variable("missing"), {"missing": 2.0}) == 2.0
    assert value(Variable("missing"), {"missing": [6.0]}) == 6.0
    with pytest.raises(BadRequest) as missing:
        value(Variable("missing"))
    assert missing.value.message == (
        "Wrong input: Expected number value for missing in the payload and/or in the formula "
        "defaults. Error: No value found in a payload nor defaults"
    )
    for key in ("many", "name"):
        with pytest.raises(BadRequest, match=f"number value for {key} .*Value is not a number"):
            value(Variable(key))


def test_variable_names() -> None:
    assert parse_variable("$score") == ScoreVar(0)
    assert parse_variable("$score[3]") == ScoreVar(3)
    assert parse_variable("a.b[0]") == "a.b[0]"
    with pytest.raises(BadRequest, match=r"Invalid reserved variable: \$score\.x"):
        parse_variable("$score.x")
    with pytest.raises(BadRequest, match=r"Invalid reserved word: \$other"):
        parse_variable("$other")
    with pytest.raises(BadRequest, match=r"Invalid payload variable: a\.\.b"):
        parse_variable("a..b")
    with pytest.raises(BadRequest, match="Invalid reserved word"):
        CompiledFormula(Constant(1.0), {"$nope": 1})


def test_conditions_are_one_or_zero() -> None:
    cond = ConditionExpr(MatchValue("name", "x"))
    formula = CompiledFormula(Sum((cond, Mult((Constant(2.0), cond)))), {})
    assert formula.conditions == [MatchValue("name", "x"), MatchValue("name", "x")]
    assert formula.score(point(matches=[True, True])) == 3.0
    assert formula.score(point(matches=[False, True])) == 2.0
    assert formula.score(point(matches=[False, False])) == 0.0


def test_arithmetic() -> None:
    assert value(Sum((Constant(1.0), Variable("price"), Neg(Constant(0.5))))) == 13.0
    assert value(Sum(())) == 0.0
    assert value(Mult((Constant(2.0), Variable("count")))) == 6.0
    assert value(Abs(Constant(-2.0))) == 2.0
    assert value(Div(Constant(3.0), Constant(4.0))) == 0.75
    assert value(Sqrt(Constant(9.0))) == 3.0
    assert value(Pow(Constant(2.0), Constant(10.0))) == 1024.0
    assert value(Pow(Constant(-2.0), Constant(3.0))) == -8.0
    assert value(Exp(Constant(1.0))) == pytest.approx(math.e)
    assert value(Log10(Constant(1000.0))) == pytest.approx(3.0)
    assert value(Ln(Constant(math.e))) == pytest.approx(1.0)


def test_shortcuts_skip_what_cannot_matter() -> None:
    failing = Variable("missing")
    assert value(Mult((Constant(0.0), failing))) == 0.0  # stops at a zero factor
    assert value(Div(Constant(0.0), failing)) == 0.0  # a zero numerator
    with pytest.raises(BadRequest):
        value(Mult((Constant(1.0), failing)))


def test_division_by_zero() -> None:
    assert value(Div(Constant(1.0), Constant(0.0), by_zero_default=-1.0)) == -1.0
    with pytest.raises(BadRequest) as caught:
        value(Div(Constant(1.0), Constant(0.0)))
    assert caught.value.message == (
        "Wrong input: The expression 1/0 = inf produced a non-finite number"
    )


@pytest.mark.parametrize(
    ("expr", "shown"),
    [
        (Sqrt(Constant(-4.0)), "√-4 = NaN"),
        (Ln(Constant(0.0)), "ln(0) = -inf"),
        (Log10(Constant(-1.0)), "log10(-1) = NaN"),
        (Exp(Constant(1000.0)), "exp(1000) = inf"),
        (Pow(Constant(-8.0), Constant(0.5)), "-8^0.5 = NaN"),
        (Pow(Constant(10.0), Constant(400.0)), "10^400 = inf"),
    ],
)
def test_non_finite_results_fail_naming_the_expression(expr: Expression, shown: str) -> None:
    with pytest.raises(BadRequest) as caught:
        value(expr)
    assert (
        caught.value.message == f"Wrong input: The expression {shown} produced a non-finite number"
    )


def test_a_result_beyond_float32_fails() -> None:
    with pytest.raises(BadRequest, match="non-finite"):
        value(Pow(Constant(10.0), Constant(39.0)))


def test_geo_distance_in_meters() -> None:
    berlin_to_paris = value(GeoDistance(GeoPoint(lon=2.3522, lat=48.8566), "geo"))
    assert berlin_to_paris == pytest.approx(877_460, rel=2e-3)
    assert value(GeoDistance(GeoPoint(lon=13.4050, lat=52.5200), "geo")) == pytest.approx(0.0)
    with pytest.raises(BadRequest, match="Expected geo point value for name"):
        value(GeoDistance(GeoPoint(lon=0, lat=0), "name"))
    far = value(GeoDistance(GeoPoint(lon=0, lat=0), "nowhere"), {"nowhere": {"lon": 0, "lat": 1}})
    assert far == pytest.approx(111_195, rel=1e-3)


def test_datetimes_are_seconds_since_the_epoch() -> None:
    when = dt.datetime(2024, 1, 2, tzinfo=dt.UTC).timestamp()
    assert value(DatetimeKey("when")) == when
    assert value(DatetimeConst("2024-01-02T00:00:00Z")) == when
    assert value(DatetimeConst("2024-01-02")) == when
    with pytest.raises(BadRequest):
        CompiledFormula(DatetimeConst("yesterday"), {})
    with pytest.raises(BadRequest, match="Expected datetime value for name"):
        value(DatetimeKey("name"))
    with pytest.raises(BadRequest, match="Expected datetime value for price"):
        value(DatetimeKey("price"))


@pytest.mark.parametrize("kind", ["lin", "exp", "gauss"])
def test_decays_are_one_at_the_target_and_midpoint_at_scale(kind: Any) -> None:
    at_target = Decay(kind, Constant(5.0), target=Constant(5.0), midpoint=0.3, scale=2.0)
    assert value(at_target) == pytest.approx(1.0)
    for x in (3.0, 7.0):
        at_scale = Decay(kind, Constant(x), target=Constant(5.0), midpoint=0.3, scale=2.0)
        assert value(at_scale) == pytest.approx(0.3)
    default = Decay(kind, Constant(1.0))  # target 0, midpoint 0.5, scale 1
    assert value(default) == pytest.approx(0.5)


def test_decay_shapes() -> None:
    assert value(Decay("lin", Constant(10.0), midpoint=0.5, scale=1.0)) == 0.0  # floored at 0
    assert value(Decay("exp", Constant(2.0))) == pytest.approx(0.25)
    assert value(Decay("gauss", Constant(2.0))) == pytest.approx(0.5**4)


def test_decay_parameters_are_checked() -> None:
    assert decay_lambda("lin", 1.0, 2.0) == 0.0  # a linear midpoint may be 0 or 1
    with pytest.raises(BadRequest, match=r"Linear decay midpoint should be in the range \[0.0"):
        decay_lambda("lin", 1.5, None)
    with pytest.raises(BadRequest, match=r"Decay midpoint should be in the range \(0.0, 1.0\)"):
        decay_lambda("exp", 1.0, None)
    with pytest.raises(BadRequest, match="Decay scale should be non-zero positive, got 0"):
        decay_lambda("gauss", None, 0.0)
    with pytest.raises(BadRequest, match="Decay scale"):
        CompiledFormula(Decay("exp", Constant(1.0), scale=-1.0), {})
