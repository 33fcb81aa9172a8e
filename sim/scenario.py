"""The scenario model: typed, immutable, validated with file:line:column problems.

This module is the pydantic model (types and ranges, one field at a time) and the translation of
its errors into located problems. `sim.loading` is the one way in: it reads the file (safe YAML
and `extends`, sim.yamlsrc), builds this model and runs the cross-checks of sim.checks.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Annotated, Any, Literal, NamedTuple

from pydantic import (
    AfterValidator,
    AllowInfNan,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    Strict,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from sim.dispatch import DEFAULT_RULE, DispatchRule
from sim.errors import Problem, ScenarioError
from sim.factors import fill_type_defaults
from sim.tables import CONTROL
from sim.timeparse import parse_duration_h, parse_hours, parse_time, parse_utc_offset
from sim.vocabulary import PHASES, Phase, format_time
from sim.yamlsrc import Loc, LocDict, kind_of, locate

if TYPE_CHECKING:
    import numpy as np

# ------------------------------------------------------------------ field types


def _time_out(value: datetime | timedelta) -> str:
    if isinstance(value, timedelta):
        hours = value.total_seconds() / 3600.0
        return f"+{hours:g}h"
    return value.isoformat(timespec="minutes")


Time = Annotated[
    datetime | timedelta,
    BeforeValidator(parse_time),
    PlainSerializer(_time_out, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "description": "ISO 8601 time with a UTC offset (2022-01-06T12:00+06:00) or an offset from start (+36h); "
                           "years 1900 to 2200, offsets at most 100 years",
            "examples": ["2022-01-06T12:00+06:00", "+36h"],
        }
    ),
]


def _absolute_time(value: Any) -> datetime:
    when = parse_time(value)
    if isinstance(when, timedelta):
        raise ValueError("start must be an absolute time like '2022-01-06T00:00+06:00', not an offset")
    return when


AbsoluteTime = Annotated[  # a datetime with a UTC offset once validated
    datetime,
    BeforeValidator(_absolute_time),
    PlainSerializer(_time_out, return_type=str),
    WithJsonSchema({"type": "string", "description": "ISO 8601 time with a UTC offset, in the years 1900 to 2200",
                    "examples": ["2022-01-06T00:00+06:00"]}),
]
Hours = Annotated[
    float,
    BeforeValidator(parse_duration_h),
    WithJsonSchema(
        {"anyOf": [{"type": "number"}, {"type": "string"}],
         "description": "hours, or a duration like '1h30m', '30d'; at most 100 years"}
    ),
]
Int = Annotated[int, Strict()]  # no true/false or 5.5 where a count is meant
Num = Annotated[float, Strict(), AllowInfNan(False)]  # numbers (ints accepted), never true/false or nan
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@\-]*$")]
NAME_MAX, NOTE_MAX = 200, 2000  # characters of a name or label, and of a note or description


def _checked_text(value: str, limit: int, allowed: str = "") -> str:
    """`value` if it is text fit to show and print: at most `limit` characters, no control character
    (C0, DEL, C1) or bidirectional override other than those in `allowed`, and not only spaces."""
    if len(value) > limit:
        raise ValueError(f"is too long ({len(value)} characters; at most {limit})")
    bad = next((m.group() for m in CONTROL.finditer(value) if m.group() not in allowed), None)
    if bad is not None:
        raise ValueError(f"holds U+{ord(bad):04X} at character {value.index(bad) + 1}: control characters and "
                         "bidirectional overrides are not allowed in text")
    if value and not value.strip():
        raise ValueError("must not be only spaces")
    return value


def _label(value: str) -> str:
    """A name or label: one line of at most NAME_MAX characters (see _checked_text)."""
    return _checked_text(value, NAME_MAX)


def _note(value: str) -> str:
    """A note or description: at most NOTE_MAX characters; line breaks and tabs allowed (see _checked_text)."""
    return _checked_text(value, NOTE_MAX, "\n\t")


Label = Annotated[str, AfterValidator(_label), Field(json_schema_extra={"maxLength": NAME_MAX})]
Note = Annotated[str, AfterValidator(_note), Field(json_schema_extra={"maxLength": NOTE_MAX})]


def _offset_hours(tz_or_time: timezone | datetime) -> float:
    """The UTC offset of a time zone or an aware time, in hours."""
    offset = tz_or_time.utcoffset(None) if isinstance(tz_or_time, timezone) else tz_or_time.utcoffset()
    assert offset is not None, "times are validated to carry a UTC offset"
    return offset.total_seconds() / 3600.0


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# ------------------------------------------------------------------ sections


class Rules(_Model):
    """The pacing rules of the engine; each is on unless a scenario turns it off (see docs/model.md)."""

    crews: bool = Field(True, description="Crew duty periods, rest and crew changes.")
    utilisation: bool = Field(True, description="Daily utilisation (UTE): flying hours per tail per day.")
    availability: bool = Field(True, description="Mission-capable rate and scheduled maintenance.")
    planning_loads: bool = Field(True, description="Pack to planning seats and payload times the load factor "
                                                    "(off: pack to the maxima).")
    parking: bool = Field(True, description="Working spots (MOG) booked for every ground task, and departure "
                                            "slots (off: aprons are unlimited).")


class RoadFactors(_Model):
    """How road legs move: convoy speed, march day, serials (sources: docs/background/surface-movement-sources.md)."""

    convoy_kmh: Num = Field(40.0, gt=0, le=120, description="Convoy speed, km/h (FM 11-43: 40 km/h on two-lane roads; "
                                                            "tracked or mixed columns are slower).")
    march_h_per_day: Hours = Field(10.0, gt=0, le=24, description="Hours on the road per day (FM 4-01.011: a one-day "
                                                                  "road march of 400 miles is about 10 h).")
    serial_vehicles: Int = Field(40, ge=1, le=10000, description="Most vehicles in one serial (a serial is 2 march "
                                                                 "units of at most 20: FHWA guide app. B, FM 55-65; a "
                                                                 "leg without vehicles moves its troops as one serial, "
                                                                 "assumption).")
    serial_gap_h: Hours = Field(1 / 6, ge=0, le=24, description="Time between the departures of two serials on a "
                                                                "route, hours (assumption: 10 min; FM 17-33's 3 min is "
                                                                "a tactical minimum).")
    serials_per_day: Int | None = Field(None, ge=1, le=1000, description="Most serials that may start on one route per "
                                                                         "day (unset: no limit).")
    circuity: Num = Field(1.3, ge=1, le=5, description="Road km per great-circle km when a leg states no km "
                                                       "(assumption).")


class RailFactors(_Model):
    """How rail legs move: trains, railheads and speed (sources: docs/background/surface-movement-sources.md)."""

    train_troops: Int = Field(400, ge=0, le=5000, description="People one train carries (8 passenger cars, about 400 "
                                                              "people, on a 2022 echelon (press); partly an "
                                                              "assumption).")
    train_vehicles: Int = Field(70, ge=0, le=500, description="Vehicles one train carries on flat cars (35 flat cars x "
                                                              "2; a US rail office averages about 76 pieces a train).")
    train_cargo_t: Num = Field(800.0, ge=0, le=10000, description="Palletised cargo one train carries, tonnes "
                                                                  "(assumption: about 20 cars of 40 t).")
    load_h: Hours = Field(6.0, ge=0, le=72, description="Time to load a train at a railhead, hours (assumption: "
                                                        "chaining and inspection take several times longer than "
                                                        "unloading).")
    unload_h: Hours = Field(2.0, ge=0, le=72, description="Time to unload a train at a railhead, hours (266 pieces in "
                                                          "about 4 h (army.mil) is 1.1 h for 70 vehicles, plus "
                                                          "switching).")
    block_kmh: Num = Field(20.0, gt=0, le=200, description="Average (block) speed of a military train, km/h (a German "
                                                           "planning speed of 20 km/h; TR0603 plans 16 km/h on damaged "
                                                           "single track).")
    circuity: Num = Field(1.3, ge=1, le=5, description="Rail km per great-circle km when a leg states no km "
                                                       "(assumption).")


class Planning(_Model):
    """Planning factors; each default is labelled with its source or as an assumption."""

    troop_mass_t: Num = Field(
        0.12, gt=0, le=0.5,
        description="Mass of one soldier with personal kit and weapon, tonnes (assumption: 80 kg body + 40 kg kit).",
    )
    flight_allowance_h: Hours = Field(
        0.5, ge=0, le=5,
        description="Added to every leg for climb, descent and approach, hours (assumption; AFPAM 10-1403 plans with "
                    "block speeds that include it).",
    )
    taxi_h: Hours = Field(0.1, ge=0, le=2, description="Taxi time at each end of a leg, hours (assumption).")
    refuel_h: Hours = Field(
        1.5, ge=0, le=24, description="Ground time for an en-route refuelling stop, hours (assumption)."
    )
    cargo_floor_m_per_t: Num = Field(
        0.5, ge=0, le=10,
        description="Floor length taken by palletised cargo, metres per tonne (assumption: a 463L pallet is 2.24 m "
                    "long and carries about 4.5 t).",
    )
    load_factor: Num = Field(
        1.0, gt=0, le=1,
        description="Share of each type's planning seats, payload and floor a load may use, for lines that do not "
                    "set their own (1.0: the planning load, itself below the maximum, is the expected average).",
    )
    rules: Rules = Field(default_factory=Rules, description="Pacing rules, all on unless turned off here.")
    transfer_h: Hours = Field(
        3.0, ge=0, le=24 * 14,
        description="Time from arriving by one leg to being ready for the next at a node, hours, where the node does "
                    "not set its own (AMC passengers report 2 h 20 min to 3 h 20 min before departure; the same for "
                    "vehicles is an assumption).",
    )
    in_theatre: Literal["destination", "debarkation"] = Field(
        "destination",
        description="Milestone that counts a person in theatre: arrival at the final destination, or at the end of the "
                    "last air leg (the airfield of debarkation). A withdrawal counts out at the same boundary.",
    )
    road: RoadFactors = Field(default_factory=RoadFactors, description="Road march factors.")
    rail: RailFactors = Field(default_factory=RailFactors, description="Rail movement factors.")
    dispatch: DispatchRule = Field(
        DEFAULT_RULE,
        description="Dispatch rule: which pending load goes to which idle aircraft. 'soonest-delivery': loads in "
                    "priority, deadline, ready order, each to the aircraft that delivers it soonest counting its "
                    "flight home; 'earliest-deadline-first': loads by deadline first, then the same; "
                    "'first-come-first-served': loads in the order they were released, each to the first idle "
                    "aircraft that can carry it, in fleet order (see docs/model.md, Dispatch).",
    )


class Closure(_Model):
    """A window when an airfield is closed to take-offs and landings."""

    start: Time = Field(alias="from", description="Start of the closure.")
    end: Time = Field(alias="to", description="End of the closure.")
    reason: Note = Field("", description="Why it is closed (free text).")


class Throughput(_Model):
    """What a node can receive and process per day (reception, screening, onward movement)."""

    troops_per_day: Num | None = Field(None, gt=0, le=1_000_000, description="People processed per day (unset: no "
                                                                             "limit).")
    vehicles_per_day: Num | None = Field(None, gt=0, le=100_000, description="Vehicles processed per day (unset: no "
                                                                             "limit).")


class Staging(_Model):
    """How many may wait at a node at once, from arrival until they move on (or, at the end, are received)."""

    troops: Int | None = Field(None, ge=1, le=1_000_000, description="People waiting at once (unset: no limit).")
    vehicles: Int | None = Field(None, ge=1, le=100_000, description="Vehicles waiting at once (unset: no limit).")


class Railhead(_Model):
    """A place where trains are loaded and unloaded."""

    trains_per_day: Num = Field(gt=0, le=200, description="Trains the railhead can load (and start) per day.")


class _Node(_Model):
    """What places and airfields share: coordinates and what they can handle."""

    id: Id = Field(description="Short name used in references, e.g. 'almaty'.")
    name: Label = Field("", description="Display name.")
    lat: Num = Field(ge=-90, le=90, description="Latitude, degrees north.")
    lon: Num = Field(ge=-180, le=180, description="Longitude, degrees east.")
    throughput: Throughput | None = Field(None, description="People and vehicles it can process per day (unset: no "
                                                            "limit).")
    staging: Staging | None = Field(None, description="People and vehicles that may wait there at once (unset: no "
                                                      "limit).")
    transfer_h: Hours | None = Field(
        None, ge=0, le=24 * 14,
        description="Time from arriving by one leg to being ready for the next, hours (default: planning.transfer_h).")
    railhead: Railhead | None = Field(None, description="Set when trains load and unload here.")
    note: Note = Field("", description="Source or remark (free text).")


class Place(_Node):
    """A named point that is not an airfield: garrison, railhead, assembly area, final destination."""

    kind: Label = Field("", description="What it is (free text: garrison, railhead, camp...).")


class Airfield(_Node):
    """An airfield: a place with aprons (MOG), operating hours and closures."""

    icao: Label = Field("", description="ICAO code, if any.")
    mog: Int = Field(ge=1, le=1000, description="Maximum (working) aircraft on the ground at once.")
    hours: str = Field("always", description="Operating hours for take-offs and landings: 'always' or local "
                                             "'HH:MM-HH:MM'.")
    utc_offset: str | None = Field(None, description="Local time offset for `hours`, e.g. '+06:00' (default: the "
                                                     "offset of `start`).")
    closed: list[Closure] = Field(default_factory=list, description="Windows when the airfield is closed.")
    departures_per_day: Int | None = Field(None, ge=1, le=10000, description="Most take-offs per local day, e.g. a "
                                                                            "slot allocation (default: no cap).")

    # parsed once, after validation: the engine and the checks read these, never the text
    _window: tuple[float, float] | None = PrivateAttr(None)
    _offset_h: float | None = PrivateAttr(None)

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: str) -> str:
        parse_hours(v)  # the error, located at the field
        return v

    @field_validator("utc_offset")
    @classmethod
    def _offset(cls, v: str | None) -> str | None:
        if v is not None:
            parse_utc_offset(v)
        return v

    def model_post_init(self, context: Any, /) -> None:
        """Parse `hours` and `utc_offset` once, after validation (read through `window` and `offset_h`)."""
        self._window = parse_hours(self.hours)
        if self.utc_offset is not None:
            self._offset_h = _offset_hours(parse_utc_offset(self.utc_offset))

    @property
    def window(self) -> tuple[float, float] | None:
        """Daily opening window in local hours (start, end), None when always open."""
        return self._window

    @property
    def offset_h(self) -> float | None:
        """Its stated UTC offset in hours (None: the offset of the scenario's start)."""
        return self._offset_h


CATALOGUE_NOTE = " Default: from the type's planning factors (sim/factors.py), recorded in `sources`."


class AircraftType(_Model):
    """An aircraft type and its planning factors (payload, seats, speed, ground times, crews)."""

    id: Id = Field(description="Short name, e.g. 'il-76md'.")
    name: Label = Field("", description="Display name.")
    model: str = Field("", description="Catalogue entry for default planning factors (il-76md, an-124, c-17); "
                                        "default: the id when it names one.")
    seats: Int = Field(ge=0, le=1000, description="Planning seats: troops carried on a planned sortie.")
    payload_t: Num = Field(gt=0, le=300, description="Planning payload per sortie, tonnes (below the maximum).")
    max_seats: Int | None = Field(None, ge=0, le=1000, description="Maximum seats (used when planning loads are off)."
                                                                   + CATALOGUE_NOTE)
    max_payload_t: Num | None = Field(None, gt=0, le=300, description="Maximum payload, tonnes (used when planning "
                                                                      "loads are off)." + CATALOGUE_NOTE)
    floor_m: Num = Field(gt=0, le=100, description="Usable cargo floor length, metres.")
    hold_width_m: Num | None = Field(None, gt=0, le=20, description="Cargo hold (door) width, metres; unset: not "
                                                                    "checked." + CATALOGUE_NOTE)
    hold_height_m: Num | None = Field(None, gt=0, le=20, description="Cargo hold (door) height, metres; unset: not "
                                                                     "checked." + CATALOGUE_NOTE)
    cruise_kmh: Num = Field(ge=100, le=1200, description="Cruise (block) speed, km/h.")
    range_km: Num = Field(ge=100, le=20000, description="Range at planning payload, km.")
    load_h: Hours = Field(ge=0, le=48, description="Ground time to load, hours.")
    unload_h: Hours = Field(ge=0, le=48, description="Ground time to unload, hours.")
    spots: Num | None = Field(None, gt=0, le=20, description="Parking spots (MOG units) one aircraft takes."
                                                             + CATALOGUE_NOTE)
    crew_ratio: Num | None = Field(None, ge=1, le=10, description="Crews per tail (more than 1: spare crews)."
                                                                  + CATALOGUE_NOTE)
    crew_duty_h: Hours | None = Field(None, gt=0, le=48, description="Maximum crew duty period (FDP) of a basic crew, "
                                                                     "hours, from report to final engine shutdown."
                                                                     + CATALOGUE_NOTE)
    crew_augmented_duty_h: Hours | None = Field(None, gt=0, le=48, description="Maximum duty period of an augmented "
                                                                               "crew, hours." + CATALOGUE_NOTE)
    crew_augmented: bool | None = Field(None, description="Fly augmented crews (longer duty period)." + CATALOGUE_NOTE)
    crew_rest_h: Hours | None = Field(None, ge=0, le=72, description="Minimum crew rest between duty periods, hours."
                                                                     + CATALOGUE_NOTE)
    crew_report_h: Hours | None = Field(None, ge=0, le=12, description="Duty starts this long before the first "
                                                                       "off-blocks, hours." + CATALOGUE_NOTE)
    ute_h_per_day: Hours | None = Field(None, gt=0, le=24, description="Planning utilisation: flying hours per tail "
                                                                       "per day." + CATALOGUE_NOTE)
    mc_rate: Num | None = Field(None, gt=0, le=1, description="Mission-capable rate: share of tails available for "
                                                              "tasking." + CATALOGUE_NOTE)
    maintenance_every_h: Hours | None = Field(None, ge=0, le=10000, description="Scheduled maintenance every this many "
                                                                                "flying hours (0: none)."
                                                                                + CATALOGUE_NOTE)
    maintenance_h: Hours | None = Field(None, ge=0, le=24 * 60, description="Hours on the ground at the home base for "
                                                                            "each scheduled maintenance."
                                                                            + CATALOGUE_NOTE)
    sources: dict[str, str] = Field(default_factory=dict, description="Where each planning factor came from (filled in "
                                                                      "by sim).")
    note: Note = Field("", description="Source or remark (free text).")

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        return fill_type_defaults(data)

    def duty_h(self) -> float:
        """The duty period its crews fly to (basic or augmented)."""
        duty = self.crew_augmented_duty_h if self.crew_augmented else self.crew_duty_h
        assert duty is not None, "filled from the type catalogue by _defaults"
        return float(duty)


class CrewStage(_Model):
    """Crews of a fleet positioned at an airfield before the move starts."""

    airfield: Id = Field(description="Airfield id where the crews wait.")
    crews: Int = Field(ge=1, le=10000, description="Number of the fleet's crews staged there.")


class Fleet(_Model):
    """Tails of one aircraft type at a home base, with their crews."""

    id: Id = Field("", description="Fleet name used by movement lines' `fleets` (default '<type>@<base>').")
    type: Id = Field(description="Aircraft type id.")
    count: Int = Field(ge=1, le=10000, description="Number of tails.")
    base: Id = Field(description="Home airfield id; idle tails return here.")
    available: Time | None = Field(None, description="Time the tails are available (default: start).")
    crew_ratio: Num | None = Field(None, ge=1, le=10,
                                   description="Crews per tail for this fleet (default: the type's).")
    crew_augmented: bool | None = Field(None, description="Augmented crews for this fleet (default: the type's).")
    ute_h_per_day: Hours | None = Field(None, gt=0, le=24, description="Flying hours per tail per day for this fleet "
                                                                       "(default: the type's).")
    mc_rate: Num | None = Field(None, gt=0, le=1, description="Mission-capable rate for this fleet (default: the "
                                                              "type's).")
    crew_stage: list[CrewStage] = Field(
        default_factory=list,
        description="Spare crews positioned at airfields (taken from the fleet's crews beyond one per tail).")
    note: Note = Field("", description="Source or remark (free text).")


class Equipment(_Model):
    """A vehicle type: its size and mass, and the crew that travels with it."""

    id: Id = Field(description="Vehicle type, e.g. 'bmd-2'.")
    name: Label = Field("", description="Display name.")
    mass_t: Num = Field(gt=0, le=300, description="Mass, tonnes.")
    length_m: Num = Field(gt=0, le=60, description="Length, metres.")
    width_m: Num | None = Field(None, gt=0, le=20, description="Width, metres (checked against the hold; unset: not "
                                                               "checked).")
    height_m: Num | None = Field(None, gt=0, le=20, description="Height, metres (checked against the hold; unset: not "
                                                                "checked).")
    crew: Int = Field(0, ge=0, le=50, description="Crew who ride with the vehicle (counted among the troops).")
    note: Note = Field("", description="Source or remark (free text).")


Counts = dict[Id, Annotated[Int, Field(ge=0, le=100000)]]


class ReleaseWindow(_Model):
    """When a line may be released (made ready to move), for `sim plan optimise`: from .. to, local times."""

    start: Time = Field(alias="from", description="Earliest release (ready time) the planner may choose.")
    end: Time = Field(alias="to", description="Latest release the planner may choose (at or after `from`).")



class PhaseWindows(_Model):
    """A contingent's release windows, one per phase (each optional)."""

    deploy: ReleaseWindow | None = Field(None, description="Window for its deploy lines.")
    withdraw: ReleaseWindow | None = Field(None, description="Window for its withdraw lines.")


class Contingent(_Model):
    """A national contingent: its troops, vehicles and cargo, and its home base."""

    id: Id = Field(description="Short name, e.g. 'ru'.")
    nation: Label = Field(min_length=1, description="Nation (used to group charts).")
    troops: Int = Field(ge=0, le=1_000_000, description="Personnel.")
    equipment: Counts = Field(default_factory=dict, description="Vehicles by equipment id.")
    cargo_t: Num = Field(0.0, ge=0, le=1_000_000, description="Palletised cargo, tonnes.")
    home: Id = Field(description="Home airfield id.")
    release_window: PhaseWindows | None = Field(None, description="When its lines may be released, per phase, for "
                                                                  "`sim plan optimise` (a line's own window wins).")
    note: Note = Field("", description="Source or remark (free text).")


class Leg(_Model):
    """One leg of a movement line's journey, from place to place by one mode."""

    mode: Literal["air", "road", "rail"] = Field(description="air, road or rail.")
    origin: Id = Field(alias="from", description="Place or airfield id it starts from (an airfield for air legs).")
    destination: Id = Field(alias="to", description="Place or airfield id it ends at (an airfield for air legs).")
    km: Num | None = Field(None, gt=0, le=20000, description="Road or rail distance, km (default: great circle times "
                                                               "the mode's circuity).")
    deadline: Time | None = Field(None, description="Everything must have arrived at `to` by then (a milestone: "
                                                     "at the port of embarkation by, at the destination by).")
    fleets: list[Id] | None = Field(None, description="Fleets allowed to fly this leg (air; default: the line's).")
    load_factor: Num | None = Field(None, gt=0, le=1, description="Share of the planning load its sorties use (air; "
                                                                  "default: the line's).")
    convoy_kmh: Num | None = Field(None, gt=0, le=120, description="Convoy speed, km/h (road; default planning.road).")
    march_h_per_day: Hours | None = Field(None, gt=0, le=24, description="Hours on the road per day (road; default "
                                                                         "planning.road).")
    serial_vehicles: Int | None = Field(None, ge=1, le=10000, description="Most vehicles in one serial (road; default "
                                                                          "planning.road).")
    serial_gap_h: Hours | None = Field(None, ge=0, le=24, description="Time between serials, hours (road; default "
                                                                      "planning.road).")
    serials_per_day: Int | None = Field(None, ge=1, le=1000, description="Most serials starting on this route per day "
                                                                         "(road; default planning.road).")
    note: Note = Field("", description="Source or remark (free text).")


class Inflow(_Model):
    """The force arriving at the first node of a line over days rather than all at its ready time."""

    start: Time = Field(alias="from", description="When the first day's arrivals are there.")
    troops_per_day: Num | None = Field(None, gt=0, le=1_000_000, description="People arriving per day; vehicles and "
                                                                             "cargo arrive in the same proportion.")
    share_per_day: Num | None = Field(None, gt=0, le=1, description="Share of the line arriving per day (instead of "
                                                                    "troops_per_day).")

    @model_validator(mode="after")
    def _one(self) -> Inflow:
        if (self.troops_per_day is None) == (self.share_per_day is None):
            raise ValueError("give exactly one of troops_per_day or share_per_day")
        return self


class Movement(_Model):
    """A movement line (like a TPFDD line): what moves, from where to where, when it is ready and its deadline."""

    id: Id = Field("", description="Line id (default '<contingent>-<phase>-<n>').")
    contingent: Id = Field(description="Contingent id.")
    phase: Phase = Field(description="deploy (into theatre) or withdraw (out of it).")
    mode: Literal["air", "road", "rail"] = Field("air", description="air, road or rail, for a line of one leg "
                                                                     "(a line with `legs` takes its modes from them).")
    origin: Id = Field(alias="from", description="Origin place or airfield id (with `legs`: the first leg's).")
    destination: Id = Field(alias="to", description="Final destination id (with `legs`: the last leg's).")
    legs: list[Leg] | None = Field(None, min_length=1, max_length=20,
                                   description="The journey as a chain of legs (default: one leg from `from` to `to` "
                                               "by `mode`).")
    after: list[Id] | None = Field(None, description="Lines that must have closed before this one is released "
                                                     "(default for a withdrawal: every deploy line of its contingent).")
    after_lag_h: Hours = Field(0.0, ge=0, le=24 * 60, description="Time after the last of `after` closes before "
                                                                  "release, hours.")
    inflow: Inflow | None = Field(None, description="Arrival at the first node over days (instead of all at `ready`).")
    troops: Int | None = Field(None, ge=0, le=1_000_000, description="Troops moved (default: all, when no part is "
                                                                     "stated).")
    equipment: Counts | None = Field(None, description="Vehicles moved by id (default: all, when no part is stated).")
    cargo_t: Num | None = Field(None, ge=0, le=1_000_000, description="Cargo moved, tonnes (default: all, when no part "
                                                                      "is stated).")
    ready: Time = Field(description="Ready to move (ready time; with `inflow`, default its `from`).")
    release_window: ReleaseWindow | None = Field(None, description="When it may be released, for `sim plan "
                                                                   "optimise` (default: its contingent's for the "
                                                                   "phase; the simulator uses `ready`).")
    earliest: Time | None = Field(None, description="Earliest arrival at destination.")
    deadline: Time = Field(description="Latest arrival at destination.")
    priority: Int = Field(1, ge=1, le=99,
                          description="1 is most urgent; ties go by earliest deadline, then ready time.")
    fleets: list[Id] | None = Field(None, description="Fleets allowed to fly this line (default: any).")
    load_factor: Num | None = Field(None, gt=0, le=1, description="Share of the planning load its sorties use "
                                                                  "(default: planning.load_factor).")
    road_km: Num | None = Field(None, gt=0, le=20000, description="Road or rail distance, km (road and rail lines; "
                                                                  "default: great circle times the mode's circuity).")
    convoy_kmh: Num | None = Field(None, gt=0, le=120, description="Convoy speed, km/h (road lines; default "
                                                                   "planning.road).")
    march_h_per_day: Hours | None = Field(None, gt=0, le=24, description="Hours on the road per day (road lines; "
                                                                         "default planning.road).")
    note: Note = Field("", description="Source or remark (free text).")

    @model_validator(mode="before")
    @classmethod
    def _from_legs(cls, data: Any) -> Any:
        """With `legs`, `from` and `to` default to the journey's ends, and `ready` to the inflow's start."""
        if not isinstance(data, dict):
            return data
        legs, inflow = data.get("legs"), data.get("inflow")
        filled = {}
        if isinstance(legs, list) and legs and all(isinstance(x, dict) for x in legs):
            filled = {"from": legs[0].get("from"), "to": legs[-1].get("to")}
        if isinstance(inflow, dict) and "from" in inflow:
            filled["ready"] = inflow["from"]
        missing = {k: v for k, v in filled.items() if k not in data and v is not None}
        return {**data, **missing} if missing else data

    def journey(self) -> tuple[Leg, ...]:
        """The legs of the line: its `legs`, or one leg from `from` to `to` by `mode`."""
        if self.legs:
            return tuple(self.legs)
        cached = self.__dict__.get("_journey")
        if cached is None:
            cached = (Leg.model_validate({
                "mode": self.mode, "from": self.origin, "to": self.destination, "km": self.road_km,
                "fleets": self.fleets, "load_factor": self.load_factor, "convoy_kmh": self.convoy_kmh,
                "march_h_per_day": self.march_h_per_day}),)
            self.__dict__["_journey"] = cached
        return cached

    def modes(self) -> str:
        """The modes of its legs joined by '+', e.g. 'road+air+road'."""
        return "+".join(leg.mode for leg in self.journey())

    def whole(self) -> bool:
        """True when the line states no part: it moves the whole contingent."""
        return self.troops is None and self.equipment is None and self.cargo_t is None


# ------------------------------------------------------------------ uncertainty

P90_Z = 1.2815515655446004  # standard normal 90th percentile


class Lognormal(_Model):
    """Lognormal from its median and 90th percentile (hours)."""

    median_h: Hours = Field(gt=0, le=24 * 60, description="Median, hours.")
    p90_h: Hours = Field(gt=0, le=24 * 60, description="90th percentile, hours (at least the median).")

    @model_validator(mode="after")
    def _order(self) -> Lognormal:
        if self.p90_h < self.median_h:
            raise ValueError(f"p90_h ({self.p90_h:g} h) is below median_h ({self.median_h:g} h); "
                             "the 90th percentile must be at least the median")
        return self


class Triangular(_Model):
    """Triangular distribution (hours)."""

    min_h: Hours = Field(ge=0, le=24 * 60, description="Minimum, hours.")
    mode_h: Hours = Field(ge=0, le=24 * 60, description="Most likely value, hours.")
    max_h: Hours = Field(ge=0, le=24 * 60, description="Maximum, hours.")

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not self.min_h <= self.mode_h <= self.max_h:
            raise ValueError(f"needs min_h <= mode_h <= max_h, got {self.min_h:g}, {self.mode_h:g}, {self.max_h:g}")
        return self


class Dist(_Model):
    """A duration drawn at random: exactly one of lognormal, triangular or fixed_h."""

    lognormal: Lognormal | None = Field(None, description="Lognormal from median_h and p90_h.")
    triangular: Triangular | None = Field(None, description="Triangular from min_h, mode_h, max_h.")
    fixed_h: Hours | None = Field(None, ge=0, le=24 * 60, description="A fixed duration, hours.")

    @model_validator(mode="after")
    def _one(self) -> Dist:
        given = [k for k in ("lognormal", "triangular", "fixed_h") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of lognormal: {median_h, p90_h}, triangular: {min_h, mode_h, max_h} "
                             f"or fixed_h (got {', '.join(given) or 'none'})")
        return self

    def sample(self, rng: np.random.Generator) -> float:
        """One draw in hours from a numpy Generator."""
        if self.lognormal is not None:
            mu = math.log(self.lognormal.median_h)
            sigma = (math.log(self.lognormal.p90_h) - mu) / P90_Z
            return float(rng.lognormal(mu, sigma)) if sigma > 0 else self.lognormal.median_h
        if self.triangular is not None:
            t = self.triangular
            return float(rng.triangular(t.min_h, t.mode_h, t.max_h)) if t.max_h > t.min_h else t.min_h
        assert self.fixed_h is not None, "exactly one of the three is set (_one)"
        return float(self.fixed_h)


class DelayRule(_Model):
    """A departure delay added to every take-off that matches (all, a type, an airfield, or both)."""

    aircraft: Id | None = Field(None, description="Aircraft type it applies to (default: all).")
    airfield: Id | None = Field(None, description="Departure airfield it applies to (default: all).")
    delay: Dist = Field(description="The delay drawn for each matching departure.")
    note: Note = Field("", description="Source or remark (free text).")


class BreakdownRule(_Model):
    """A chance per sortie that the aircraft is found unserviceable before loading; its load waits for another."""

    aircraft: Id | None = Field(None, description="Aircraft type it applies to (default: all).")
    probability: Num = Field(ge=0, le=1, description="Probability per sortie.")
    repair: Dist = Field(description="Time to repair, hours; the aircraft is then free again where it stands.")
    note: Note = Field("", description="Source or remark (free text).")


class WeatherRule(_Model):
    """Random weather closures of an airfield: a Poisson process of closures with random durations."""

    airfield: Id = Field(description="Airfield id.")
    rate_per_day: Num = Field(gt=0, le=24, description="Mean number of closures starting per day.")
    duration: Dist = Field(description="Length of each closure, hours.")
    note: Note = Field("", description="Source or remark (free text).")


class RoadRule(_Model):
    """Variability of convoy speed: each convoy's speed is multiplied by a lognormal factor of mean 1."""

    line: Id | None = Field(None, description="Road line it applies to (default: all road lines).")
    speed_cv: Num = Field(ge=0, le=1, description="Coefficient of variation of the speed factor.")
    note: Note = Field("", description="Source or remark (free text).")


class AvailabilityRule(_Model):
    """Draw each tail's mission-capable status day by day (probability: its mc_rate) instead of a fixed count."""

    aircraft: Id | None = Field(None, description="Aircraft type it applies to (default: all).")
    note: Note = Field("", description="Source or remark (free text).")


class Uncertainty(_Model):
    """Random delays, breakdowns, weather and road speeds; absent means a deterministic run."""

    delays: list[DelayRule] = Field(default_factory=list, description="Departure delays.")
    breakdowns: list[BreakdownRule] = Field(default_factory=list, description="Breakdowns before loading.")
    weather: list[WeatherRule] = Field(default_factory=list, description="Random weather closures per airfield.")
    road: list[RoadRule] = Field(default_factory=list, description="Convoy speed variability.")
    availability: list[AvailabilityRule] = Field(default_factory=list, description="Daily random mission-capable "
                                                                                   "status.")

    def active(self) -> bool:
        """Whether any rule is given: delays, breakdowns, weather, road or availability."""
        return bool(self.delays or self.breakdowns or self.weather or self.road or self.availability)


class LineParts(NamedTuple):
    """What a movement line moves: troops, vehicles by equipment id (none zero), cargo in tonnes."""

    troops: int
    equipment: dict[str, int]
    cargo_t: float


class TableFile(_Model):
    """A table that list items are read from, one a row: a CSV file, or a sheet of an XLSX workbook.

    How the cells are read: docs/how-to/spreadsheets.md and sim.movetable."""

    path: str = Field(min_length=1, description="The .csv or .xlsx file, relative to the scenario file.")
    sheet: str | None = Field(None, min_length=1, description="Sheet of an .xlsx workbook (default: `Movements` for "
                                                              "movements_file, `Contingents` for contingents_file).")


class ReportOptions(_Model):
    """How report.html presents the run (nothing here changes the results)."""

    banner: Label = Field("", max_length=200, description="A classification or exercise banner, e.g. 'EXERCISE "
                                                         "EXERCISE EXERCISE', shown at the top and bottom of the "
                                                         "report on screen and of every printed page; at most 200 "
                                                         "characters ('': none).")


class Scenario(_Model):
    """A force movement: airfields, aircraft, fleet, equipment, contingents and movement lines."""

    name: Label = Field(min_length=1, description="Scenario name.")
    description: Note = Field("", description="What the scenario shows or asks.")
    start: AbsoluteTime = Field(description="Clock origin: an ISO 8601 time with UTC offset.")
    horizon: Hours = Field(720.0, gt=0, le=366 * 24, description="Stop after this long and report what is left "
                                                                 "(default 30d).")
    seed: Int = Field(0, ge=0, le=2**63 - 1, description="Random seed (used by uncertainty).")
    planning: Planning = Field(default_factory=Planning, description="Planning factors.")
    airfields: list[Airfield] = Field(min_length=1, description="Airfields.")
    places: list[Place] = Field(default_factory=list, description="Places that are not airfields: garrisons, "
                                                                  "railheads, assembly areas, final destinations.")
    aircraft: list[AircraftType] = Field(default_factory=list, description="Aircraft types.")
    fleet: list[Fleet] = Field(default_factory=list, description="Tails by type and base.")
    equipment: list[Equipment] = Field(default_factory=list, description="Vehicle catalogue.")
    contingents: list[Contingent] = Field(min_length=1, description="National contingents; required unless "
                                                                    "`contingents_file` gives them.")
    contingents_file: TableFile | str | None = Field(
        None, exclude=True,
        description="Contingents from a table, added after `contingents`, like `movements_file` (sheet `Contingents`).")
    movements: list[Movement] = Field(min_length=1, description="Movement lines (TPFDD-like); required unless "
                                                                "`movements_file` gives them.")
    movements_file: TableFile | str | None = Field(
        None, exclude=True,
        description="Movement lines from a table, one a row, added after `movements` (if any): a .csv file, or an "
                    ".xlsx workbook's `Movements` sheet (`{path: book.xlsx, sheet: Moves}` for another); the header "
                    "row names the fields. Read when the file is loaded.")
    uncertainty: Uncertainty | None = Field(None, description="Random delays, breakdowns, weather (optional).")
    report: ReportOptions = Field(default_factory=ReportOptions, description="How report.html presents the run: "
                                                                             "a classification or exercise banner.")

    @model_validator(mode="before")
    @classmethod
    def _default_ids(cls, data: Any) -> Any:
        fill_default_ids(data)
        return data

    # -------------------------------------------------------------- helpers

    def hours_of(self, t: datetime | timedelta | None, default: float = 0.0) -> float:
        """A scenario time (absolute, or an offset like +36h) as hours since start; `default` for None."""
        if t is None:
            return default
        if isinstance(t, timedelta):
            return t.total_seconds() / 3600.0
        return (t - self.start).total_seconds() / 3600.0

    def to_datetime(self, hours: float) -> datetime:
        """The wall-clock time of a model time, in the start's UTC offset."""
        return self.start + timedelta(hours=hours)

    def iso(self, hours: float | None) -> str:
        """A model time as ISO 8601 ('' when None, NaN or infinity)."""
        return format_time(self.start, hours)

    def short(self, hours: float | None, missing: str = "-") -> str:
        """A model time as '09 Jan 16:24' (`missing` when None, NaN or infinity)."""
        return format_time(self.start, hours, "short", missing)

    def airfield(self, aid: str) -> Airfield:
        """An airfield by id."""
        return self._index("airfields")[aid]

    def place(self, pid: str) -> Airfield | Place:
        """An airfield or a place by id."""
        return self._index("airfields").get(pid) or self._index("places")[pid]

    def nodes(self) -> list[Airfield | Place]:
        """Every airfield, then every place (the nodes of the movement network)."""
        return [*self.airfields, *self.places]

    def aircraft_type(self, tid: str) -> AircraftType:
        """An aircraft type by id."""
        return self._index("aircraft")[tid]

    def contingent(self, cid: str) -> Contingent:
        """A contingent by id."""
        return self._index("contingents")[cid]

    def release_window(self, m: Movement) -> tuple[float, float] | None:
        """A line's release window in model hours: its own, else its contingent's for its phase (None: none)."""
        w = m.release_window
        if w is None:
            c = self._index("contingents").get(m.contingent)
            w = getattr(c.release_window, m.phase, None) if c is not None and c.release_window else None
        return None if w is None else (self.hours_of(w.start), self.hours_of(w.end))

    def equipment_item(self, eid: str) -> Equipment:
        """A vehicle type of the equipment catalogue by id."""
        return self._index("equipment")[eid]

    def _index(self, name: str) -> dict[str, Any]:
        cache = self.__dict__.setdefault("_cache", {})
        if name not in cache:
            cache[name] = {x.id: x for x in getattr(self, name)}
        return cache[name]

    def utc_offset(self, airfield: Airfield) -> float:
        """The airfield's local offset from UTC in hours."""
        return self.start_offset_h() if airfield.offset_h is None else airfield.offset_h

    def start_offset_h(self) -> float:
        """The UTC offset of the start, in hours (validation guarantees `start` has one)."""
        return _offset_hours(self.start)

    def phases(self) -> list[str]:
        """The phases its movement lines use, in order."""
        return [p for p in PHASES if any(m.phase == p for m in self.movements)]

    def line_parts(self, m: Movement) -> LineParts:
        """What a line moves; a line with no stated part moves its whole contingent."""
        if m.whole():
            c = self.contingent(m.contingent)
            return LineParts(c.troops, {k: n for k, n in c.equipment.items() if n}, c.cargo_t)
        return LineParts(m.troops or 0, {k: n for k, n in (m.equipment or {}).items() if n}, m.cargo_t or 0.0)

    def resolved(self) -> dict:
        """Every field, defaults filled in, as plain data for scenario.resolved.yaml."""
        return self.model_dump(mode="json", by_alias=True)

    def resolved_yaml(self) -> str:
        """scenario.resolved.yaml's text: a comment line, then `resolved()` as YAML."""
        import yaml

        return ("# The scenario as the engine saw it: extends merged, every default filled in.\n"
                + yaml.safe_dump(self.resolved(), sort_keys=False, allow_unicode=True, width=110))


# ------------------------------------------------------------------ loading


def fill_default_ids(data: Any) -> None:
    """Give fleets ('<type>@<base>') and movement lines ('<contingent>-<phase>-<n>') their default ids."""
    if not isinstance(data, dict):
        return
    fleet = data.get("fleet")
    for item in fleet if isinstance(fleet, list) else []:
        if isinstance(item, dict) and "id" not in item and isinstance(item.get("type"), str) \
                and isinstance(item.get("base"), str):
            item["id"] = f"{item['type']}@{item['base']}"
            if isinstance(item, LocDict):
                item.defaulted = ("id",)
    counter: dict[tuple, int] = {}
    movements = data.get("movements")
    for item in movements if isinstance(movements, list) else []:
        if isinstance(item, dict) and "id" not in item and "remove" not in item \
                and isinstance(item.get("contingent"), str) and isinstance(item.get("phase"), str):
            key = (item["contingent"], item["phase"])
            counter[key] = counter.get(key, 0) + 1
            item["id"] = f"{key[0]}-{key[1]}-{counter[key]}"


def from_located(raw: LocDict, file: str) -> Scenario:
    """Build the model from located data, translating pydantic errors into located problems."""
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        problems = [_problem_from_pydantic(err, raw, file) for err in exc.errors()]
        # a misspelt required key gives "missing X" and "unknown key ...; did you mean 'X'?": keep the second
        suggested = {(p.path.rsplit(".", 1)[0], p.message.rsplit("did you mean ", 1)[1].strip("'?"))
                     for p in problems if "did you mean" in p.message and p.message.startswith("unknown key")}
        problems = [p for p in problems
                    if not (p.message.startswith("required field")
                            and (p.path.rsplit(".", 1)[0], p.path.rsplit(".", 1)[-1]) in suggested)]
        raise ScenarioError(_misspelt_ids(problems, raw)) from None


def _misspelt_ids(problems: list[Problem], raw: Any) -> list[Problem]:
    """An item a child scenario adds with an id that nearly matches one of its parent's (LocDict.near_id), and
    that lacks required fields, was most likely meant to change that one: its missing fields become one
    problem that says so."""
    keyed = [(p, _added_near_item(raw, p)) for p in problems]
    groups: dict[tuple[str, int], list[Problem]] = {}
    for p, key in keyed:
        if key is not None:
            groups.setdefault(key, []).append(p)
    out: list[Problem] = []
    for p, key in keyed:
        if key is None:
            out.append(p)
        elif key in groups:  # the item's first missing field: all of them, said once
            out.append(_misspelt(raw[key[0]][key[1]], key, groups.pop(key)))
    return out


_ITEM_FIELD = re.compile(r"([a-z_]+)\[(\d+)\]\.(\w+)")


def _added_near_item(raw: Any, p: Problem) -> tuple[str, int] | None:
    """(list, index) of the item a missing-field problem is about, if a child scenario added it with an id
    that nearly matches its parent's."""
    m = _ITEM_FIELD.fullmatch(p.path)
    if m is None or not p.message.startswith("required field") or not isinstance(raw, dict):
        return None
    items, k = raw.get(m.group(1)), int(m.group(2))
    if not isinstance(items, list) or k >= len(items) or getattr(items[k], "near_id", None) is None:
        return None
    return m.group(1), k


def _misspelt(item: Any, key: tuple[str, int], missing: list[Problem]) -> Problem:
    fields = ", ".join(repr(p.path.rsplit(".", 1)[-1]) for p in missing)
    first = missing[0]
    return Problem(first.file, first.line, first.column, f"{key[0]}[{key[1]}].id",
                   f"{item['id']!r} is not an id in the parent scenario's {key[0]}, so this entry is read as a new "
                   f"one, and a new one needs {fields}; did you mean {item.near_id!r}?")


def path_str(loc: tuple) -> str:
    """A location as written in messages: movements[3].deadline."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _model_for(loc: tuple) -> type[BaseModel] | None:
    """The model class that owns the last key of a location path (for 'allowed keys' lists)."""
    model: Any = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if model is None or not hasattr(model, "model_fields"):
            return None
        model = _field_model(model, part)
    return model


def _field_model(model: type[BaseModel], key: str) -> type[BaseModel] | None:
    """The model class of a model's field `key` (as written: its alias), or of a member of its union; None
    when the field is not a model or there is no such field."""
    field = next((f for n, f in model.model_fields.items() if (f.alias or n) == key), None)
    if field is None:
        return None
    ann = field.annotation
    args = getattr(ann, "__args__", ())
    return next((a for a in (ann, *args) if isinstance(a, type) and issubclass(a, BaseModel)), None)


def _allowed_keys(model: type[BaseModel]) -> list[str]:
    """The keys a model takes, as written in a file (aliases where set)."""
    return [f.alias or n for n, f in model.model_fields.items()]


def _bool_hint(value: Any) -> str:
    """A hint for a value YAML read as true/false where text or a number was meant."""
    if isinstance(value, bool):
        return " (YAML reads yes/no/on/off/true/false as true/false; put text in quotes, e.g. 'NO')"
    return ""


def _raw_value(raw: Any, loc: tuple) -> Any:
    """The value at `loc` as written in the file (None when there is none)."""
    node = raw
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
                isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            node = node[part]
        else:
            return None
    return node


def did_you_mean(word: str, options: list[str]) -> str:
    """"; did you mean 'x'?" for the closest of `options`, or '' when none is close."""
    match = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    return f"; did you mean {match[0]!r}?" if match else ""


def _range_message(kind: str, ctx: dict, written: Any, value: Any, loc: tuple) -> str:
    """'x is out of range; must be at least N' (with days for long durations, and what a load factor is)."""
    op = {"greater_than": "greater than", "greater_than_equal": "at least",
          "less_than": "less than", "less_than_equal": "at most"}[kind]
    bound = next(iter(ctx.values()), "?")
    shown = written if isinstance(written, str) else value
    shown_bound = (int(bound) if bound == int(bound) else bound) if isinstance(bound, (int, float)) else bound
    msg = f"{shown!r} is out of range; must be {op} {shown_bound}"
    if isinstance(written, str) and isinstance(bound, (int, float)) and bound >= 48:
        msg += f" h ({bound / 24:g}d)"
    if loc and loc[-1] == "load_factor":
        msg += " (the share of the planning load each sortie uses: above 0, at most 1)"
    return msg


_RANGE_KINDS = ("greater_than", "greater_than_equal", "less_than", "less_than_equal")


def _problem_from_pydantic(err: ErrorDetails, raw: LocDict, file: str) -> Problem:
    """One pydantic validation error as a located problem, its message in the terms of the YAML file."""
    loc, key_problem = _data_loc(err["loc"])
    where = locate(raw, loc) or Loc(file, 0, 0)
    if key_problem and err["type"] == "string_pattern_mismatch":
        msg = f"key {err.get('input')!r}: ids may use only letters, digits, '-', '_', '.' and '@'"
    else:
        msg = _error_message(err, raw, loc)
    return Problem(*where, path_str(loc), msg)


def _data_loc(loc: tuple[int | str, ...]) -> tuple[tuple[int | str, ...], bool]:
    """pydantic's loc with only the keys and indices of the data (it adds tagged-union and validator
    names, and '[key]' for a mapping's key), and whether the error is about a key."""
    kept = tuple(p for p in loc if isinstance(p, int) or not str(p).startswith("function-"))
    return tuple(p for p in kept if p != "[key]"), "[key]" in kept


def _error_message(err: ErrorDetails, raw: LocDict, loc: tuple) -> str:
    """The message of a pydantic error about the value at `loc`."""
    kind, value = err["type"], err.get("input")
    if kind == "extra_forbidden":
        return _unknown_key_message(loc)
    if kind == "missing":
        return f"required field {loc[-1]!r} is missing"
    if kind in _RANGE_KINDS:
        return _range_message(kind, err.get("ctx", {}), _raw_value(raw, loc), value, loc)
    msg = _type_message(kind, value)
    if msg is None:
        msg = _text_message(err)
    return msg


def _unknown_key_message(loc: tuple) -> str:
    """'unknown key 'x' (allowed: ...); did you mean ...?'."""
    model = _model_for(loc)
    allowed = _allowed_keys(model) if model else []
    msg = f"unknown key {loc[-1]!r}"
    if allowed:
        msg += f" (allowed: {', '.join(allowed)})" + did_you_mean(loc[-1], allowed)
    return msg


def _type_message(kind: str, value: Any) -> str | None:
    """The message of an error about the kind of a value (a number, text, a list, a mapping), or None."""
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"expected a whole number, got {value!r}" + _bool_hint(value)
    if kind in ("float_parsing", "float_type"):
        return f"expected a number, got {value!r}" + _bool_hint(value)
    if kind == "finite_number":
        return f"must be a finite number, not {value!r}"
    if kind == "string_type":
        return f"expected text, got {kind_of(value)}" + _bool_hint(value)
    if kind == "list_type":
        if value is None:
            return "is empty (nothing after the key); add at least one '- ...' item"
        return f"expected a list (YAML '- item' lines), got {kind_of(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping of keys, got {value!r}"
    return None


def _text_message(err: ErrorDetails) -> str:
    """The message of an error about an allowed value, an id, a length or a validator's check (or pydantic's own)."""
    kind, value = err["type"], err.get("input")
    if kind == "literal_error":
        return _literal_message(value, err.get("ctx", {}))
    if kind == "string_pattern_mismatch":
        return f"id {value!r} may use only letters, digits, '-', '_', '.' and '@'"
    if kind == "too_short":
        return f"must not be empty (got {value!r})"
    if kind == "string_too_long":
        return f"is too long ({len(str(value))} characters)"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    return f"{err['msg']} (got {kind_of(value)})"


def _literal_message(value: Any, ctx: dict[str, Any]) -> str:
    """'x' is not allowed; use one of 'a', 'b' or 'c'; did you mean 'a'?"""
    options = [s.strip(" '") for s in str(ctx.get("expected", "")).replace(" or ", ",").split(",")]
    return f"{value!r} is not allowed; use one of {ctx.get('expected')}" + did_you_mean(str(value), options)


def json_schema(variant: bool = False) -> dict:
    """JSON Schema of the scenario format, generated from the model (for editors).

    With variant=True, the schema of a file that `extends` another: nothing is required (the parent
    has it) and items with an id may carry `remove: true`.
    """
    schema = Scenario.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "sim scenario (a file that extends another)" if variant else "sim scenario"
    props = schema.setdefault("properties", {})
    props["extends"] = {"type": "string",
                        "description": "Parent scenario file (relative path) whose values this file overrides."}
    for section in ("contingents", "movements"):  # or from a table
        schema["required"] = [k for k in schema.get("required", []) if k != section]
        schema.setdefault("allOf", []).append({"anyOf": [{"required": [section]}, {"required": [f"{section}_file"]}]})
    if variant:
        schema.pop("allOf")
        schema["required"] = ["extends"]
        for node in _walk(schema):
            if isinstance(node, dict) and "properties" in node:
                if node is not schema:
                    node.pop("required", None)
                if "id" in node["properties"]:
                    node["properties"]["remove"] = {"type": "boolean", "description": "Drop this item from the parent."}
    return schema


def _walk(node: Any) -> Iterator[Any]:
    """Every dict, list and value in a JSON tree, depth first."""
    yield node
    if isinstance(node, dict):
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)
