"""The parameters every method of every step accepts, by step and method name.

This is the one list of method names: the spec validates against it, and each step
module's registry must hold exactly these keys (a contract test checks it).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["METHOD_PARAMS", "STEPS"]


class Params(BaseModel):
    """Base of every parameter set: unknown keys are errors, values are frozen, numbers are
    finite (NaN and infinity are refused with the key named)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class NoParams(Params):
    pass


# -- denominate ----------------------------------------------------------------
class DivideParams(Params):
    scale: float = Field(1.0, gt=0, description="multiply the ratio by this (e.g. 1e6 per million)")


# -- impute --------------------------------------------------------------------
class GroupStatParams(Params):
    by: str | None = Field(None, description="unit-group column; None = over all units")


class LatestParams(Params):
    window: int = Field(3, ge=1, le=50, description="look back at most this many years")


class PanelParams(Params):
    window: int | None = Field(
        None, ge=1, le=50,
        description="use observations at most this many years away (None: any year)")


class KnnParams(Params):
    k: int = Field(5, ge=1, le=100)


class IterativeParams(Params):
    max_iter: int = Field(10, ge=1, le=1000)
    seed: int = 0


class IntensityParams(Params):
    by: tuple[str, ...] = Field((), description="unit-group columns, narrowest cell first "
                                "(e.g. [region, income_group]); widened when a cell is small")
    per: str | None = Field(None, description="denominator code: impute value/denominator, "
                            "then scale back (None: impute the values)")
    min_group: int = Field(3, ge=1, le=1000, description="observed values a cell needs")
    cap_rank: int | None = Field(None, ge=2, le=100_000, description="no imputed value ranks "
                                 "better than this (e.g. 31: none in the top 30)")


# -- screen --------------------------------------------------------------------
class ScreenParams(Params):
    min_coverage: float = Field(0.65, ge=0, le=1, description="share of indicators present")
    include: tuple[str, ...] = Field((), description="units kept whatever their coverage")
    exclude: tuple[str, ...] = Field((), description="units removed whatever their coverage")
    on: Literal["denominated", "imputed"] = Field(
        "denominated",
        description="stage whose data availability is measured: 'denominated' (before "
                    "imputation, the JRC rule) or 'imputed' (as COINr's example build)")
    min_nonzero: float = Field(
        0.0, ge=0, le=1,
        description="share of a unit's available values that must be non-zero (COINr's "
                    "nonzero_thresh); 0 = no zero-share rule")


# -- treat ---------------------------------------------------------------------
#: Transformations of a whole column (see :data:`airank.treat.TRANSFORMS`).
Transform = Literal["log", "log_gap", "log_plain", "log_ct_orig", "log_ct_plus", "log_gii",
                    "boxcox"]


class TransformParams(Params):
    transform: Transform = Field("log", description="the transformation (see treat)")
    lam: float = Field(0.5, description="Box-Cox lambda (0 = log)")
    shift: bool = Field(True, description="Box-Cox: shift to min 1 first (COINr makepos)")


class JrcParams(Params):
    skew: float = Field(2.0, gt=0, description="|skewness| threshold")
    kurtosis: float = Field(3.5, gt=0, description="excess-kurtosis threshold")
    max_points: int = Field(5, ge=0, le=1000, description="most points winsorised")
    first: Literal["winsorise"] | Transform = Field(
        "winsorise", description="first treatment of a failing column (COINr f1)")
    fallback: Transform | Literal["none"] = Field(
        "log", description="second treatment if the first leaves it failing (COINr f2): "
        "'log' (COINr's log_CT, log(x - min + 0.01 range)), 'log_gap' (log(x - min + g), g "
        "the smallest positive gap above the minimum: scale-free, log(x + 1) for counts), "
        "another transformation or 'none'")
    lam: float = Field(0.5, description="Box-Cox lambda (0 = log)")
    shift: bool = Field(True, description="Box-Cox: shift to min 1 first (COINr makepos)")
    combine: bool = Field(
        False, description="apply the fallback to the first treatment's output instead of "
                           "the original column (COINr combine_treat)")


# -- normalise -----------------------------------------------------------------
#: Normalised values stay within +-1e9 (scores of larger magnitude overflow aggregation).
MAX_SCALE = 1e9


class MinMaxParams(Params):
    lower: float = Field(0.0, ge=-MAX_SCALE, le=MAX_SCALE)
    upper: float = Field(100.0, ge=-MAX_SCALE, le=MAX_SCALE)

    @model_validator(mode="after")
    def _order(self) -> MinMaxParams:
        if not self.lower < self.upper:
            raise ValueError(f"lower must be < upper. Got lower={self.lower}, upper={self.upper}.")
        return self


class ZScoreParams(Params):
    mean: float = Field(0.0, ge=-MAX_SCALE, le=MAX_SCALE)
    sd: float = Field(1.0, gt=0, le=MAX_SCALE)
    floor: float | None = Field(
        None, allow_inf_nan=False, ge=-MAX_SCALE, le=MAX_SCALE,
        description="scores below this are set to it (e.g. 1, so that a geometric mean "
                    "receives values > 0); None = no floor")


class ScaleParams(Params):
    scale: float = Field(100.0, gt=0, le=MAX_SCALE)


class BordaParams(Params):
    ties: Literal["min", "average", "max", "dense", "ordinal"] = Field(
        "min", description="how tied values are ranked")


class Dist2RefParams(Params):
    ref: str | None = Field(None, description="reference unit (None: the best value)")
    cap: bool = Field(False, description="cap scores at 1 (units beyond the reference)")


class TargetParams(Params):
    scale: float = Field(100.0, gt=0, le=MAX_SCALE)
    cap: bool = True


class GoalpostParams(Params):
    low: float | None = Field(None, description="worst-case goalpost in the indicator's units")
    high: float | None = Field(None, description="best-case goalpost in the indicator's units")
    scale: float = Field(100.0, gt=0, le=MAX_SCALE)
    trunc: bool = True

    @model_validator(mode="after")
    def _order(self) -> GoalpostParams:
        if self.low is not None and self.high is not None and self.low == self.high:
            raise ValueError(f"low and high must differ. Got {self.low} for both.")
        return self


# -- aggregate -----------------------------------------------------------------
class AggParams(Params):
    min_share: float = Field(
        0.0, ge=0, le=1,
        description="score missing if the present children carry less than this share of weight",
    )


class GeneralisedParams(AggParams):
    p: float = Field(2.0, ge=-100, le=100,
                     description="power: 1 arithmetic, 0 geometric, -1 harmonic")


METHOD_PARAMS: dict[str, dict[str, type[Params]]] = {
    "denominate": {"none": NoParams, "divide": DivideParams},
    "impute": {
        "none": NoParams,
        "mean": GroupStatParams,
        "median": GroupStatParams,
        "latest": LatestParams,
        "constant": PanelParams,
        "linear": PanelParams,
        "knn": KnnParams,
        "iterative": IterativeParams,
        "intensity": IntensityParams,
    },
    "screen": {"none": NoParams, "coverage": ScreenParams},
    "treat": {"none": NoParams, "jrc": JrcParams, "transform": TransformParams},
    "normalise": {
        "none": NoParams,
        "minmax": MinMaxParams,
        "zscore": ZScoreParams,
        "rank": NoParams,
        "prank": ScaleParams,
        "frontier": ScaleParams,
        "target": TargetParams,
        "goalposts": GoalpostParams,
        "borda": BordaParams,
        "dist2ref": Dist2RefParams,
        "fracmax": NoParams,
    },
    "aggregate": {
        "arithmetic": AggParams,
        "geometric": AggParams,
        "harmonic": AggParams,
        "generalised": GeneralisedParams,
        "copeland": AggParams,
    },
}

STEPS: tuple[str, ...] = tuple(METHOD_PARAMS)

DEFAULT_METHOD: dict[str, str] = {
    "denominate": "divide",
    "impute": "none",
    "screen": "coverage",
    "treat": "none",
    "normalise": "minmax",
    "aggregate": "arithmetic",
}
