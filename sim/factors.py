"""Planning factors by aircraft type, each with its source: the defaults a scenario gets when it
does not state a value itself.

A type in a scenario is matched to a catalogue entry by its `model` (or, when it has none, its
id); an unknown type gets the generic factors. Every value filled in is recorded in the type's
`sources` with where it came from, so that scenario.resolved.yaml shows what was used and why.
The sources themselves are listed in docs/background/crew-availability-sources.md.
"""

from __future__ import annotations

from typing import Any

# Short names of the sources, cited in full in docs/background/crew-availability-sources.md.
AFMAN_FDP = "AFMAN 11-202V3 para 3.2 (max FDP 16 h basic, 24 h augmented), as quoted in study material"
AFMAN_REST = "AFMAN 11-202V3 para 3.1 (crew rest at least 12 h), as quoted in study material"
NO_RU_NORM = "no Russian military crew norm is published; the USAF value is used (assumption)"

# field -> (value, source) for any type not in the catalogue
GENERIC: dict[str, tuple[Any, str]] = {
    "crew_ratio": (1.0, "assumption: one crew per tail unless the scenario states spare crews"),
    "crew_duty_h": (16.0, AFMAN_FDP),
    "crew_augmented_duty_h": (24.0, AFMAN_FDP),
    "crew_augmented": (False, "assumption: basic crews; augmenting needs extra crew members aboard"),
    "crew_rest_h": (12.0, AFMAN_REST),
    "crew_report_h": (2.0, "assumption: report for pre-flight, briefing and loading supervision 2 h before "
                           "off-blocks (the FDP starts at report, AFMAN 11-202V3 para 3.2.1)"),
    "ute_h_per_day": (8.0, "assumption: one crew on a 16 h duty and 12 h rest cycle flies about 8 h a day"),
    "mc_rate": (0.75, "assumption: the USAF aim of 75-80% mission capable (Air & Space Forces, FY2023 data)"),
    "maintenance_every_h": (0.0, "none: scheduled maintenance is already inside the mission-capable rate "
                                 "(its downtime counts as not mission capable)"),
    "maintenance_h": (0.0, "none (see maintenance_every_h)"),
    "spots": (1.0, "assumption: one parking spot; state spots per type when sizes differ"),
}

# catalogue entries: only what differs from GENERIC
CATALOGUE: dict[str, dict[str, tuple[Any, str]]] = {
    "il-76md": {
        "crew_duty_h": (16.0, NO_RU_NORM + "; " + AFMAN_FDP),
        "crew_rest_h": (12.0, NO_RU_NORM + "; " + AFMAN_REST),
        "crew_ratio": (1.0, "assumption: no Russian figure for crews per Il-76 is published"),
        "ute_h_per_day": (8.0, "Russian civil limit for Il-76 crews, 8 h flight time a day (consultant.ru, "
                               "'Predelnye normy poletnogo vremeni', Table 1; no longer in force)"),
        "mc_rate": (0.75, "assumption: the USAF 75-80% aim; the Indian Air Force's Il-76MD averaged 38% "
                          "(CAG of India, 2010-2016), a pessimistic bound"),
        "max_payload_t": (48.0, "Il-76MD maximum payload 48 t (open sources, docs/background/csto-2022-sources.md)"),
        "max_seats": (145, "Il-76MD seated troops 145 (126 paratroopers; 225 with a second deck)"),
        "hold_width_m": (3.46, "Il-76 hold 24.5 x 3.46 x 3.4 m (open sources; see crew-availability-sources.md)"),
        "hold_height_m": (3.4, "Il-76 hold 24.5 x 3.46 x 3.4 m (open sources; see crew-availability-sources.md)"),
        "spots": (1.0, "the reference size: one spot is one Il-76"),
    },
    "an-124": {
        "crew_duty_h": (16.0, NO_RU_NORM + "; " + AFMAN_FDP),
        "crew_rest_h": (12.0, NO_RU_NORM + "; " + AFMAN_REST),
        "crew_ratio": (1.0, "assumption: no Russian figure for crews per An-124 is published"),
        "ute_h_per_day": (8.0, "assumption: as the Il-76 (the An-124 is not in the civil table's excerpt)"),
        "mc_rate": (0.5, "assumption: the C-5M, the closest US analogue, was available less than half the time "
                         "in FY2023 (Air & Space Forces)"),
        "max_payload_t": (120.0, "An-124 military maximum payload 120 t (open sources)"),
        "hold_width_m": (6.4, "An-124 hold 36.5 x 6.4 x 4.4 m (Volga-Dnepr via Air Cargo News)"),
        "hold_height_m": (4.4, "An-124 hold 36.5 x 6.4 x 4.4 m (Volga-Dnepr via Air Cargo News)"),
        "spots": (2.0, "assumption: footprint 69.1 x 73.3 m against the Il-76's 46.6 x 50.5 m is 2.15 Il-76"),
    },
    "c-17": {
        "crew_ratio": (3.0, "assumption from GAO LCD-79-411 (1979): 3 crews per strategic airlifter judged adequate"),
        "crew_augmented": (False, "assumption: basic crews"),
        "ute_h_per_day": (12.0, "assumption: 10-14 h a day surge UTE for strategic airlifters (AFPAM 10-1403 "
                                "table not verified)"),
        "mc_rate": (0.80, "assumption: between the USAF 75-80% aim and the 85% of 2006 (Air & Space Forces)"),
        "max_payload_t": (74.8, "C-17 maximum payload 164,900 lb (Boeing figures)"),
        "max_seats": (102, "C-17: 54 sidewall + 48 centreline seats (Boeing figures)"),
        "hold_width_m": (5.48, "C-17 hold 26.82 x 5.48 x 3.76 m (USAF fact sheet, not verified here)"),
        "hold_height_m": (3.76, "C-17 hold 26.82 x 5.48 x 3.76 m (USAF fact sheet, not verified here)"),
        "spots": (1.2, "assumption: footprint 53 x 51.75 m is 1.17 Il-76"),
    },
}

FIELDS = (*tuple(GENERIC), "max_payload_t", "max_seats", "hold_width_m", "hold_height_m")


def entry_for(type_data: dict) -> tuple[str, dict[str, tuple[Any, str]]]:
    """The catalogue key and factors for a type's raw data ('' and GENERIC when unknown)."""
    key = str(type_data.get("model") or type_data.get("id") or "").lower()
    return (key, {**GENERIC, **CATALOGUE[key]}) if key in CATALOGUE else ("", dict(GENERIC))


def fill_type_defaults(data: Any) -> Any:
    """Fill the planning factors a type's raw data leaves out, and say where each came from.

    Maxima missing from the catalogue default to the planning values (`payload_t`, `seats`); hold
    width and height stay unset (not checked) when nothing is known.
    """
    if not isinstance(data, dict):
        return data
    out = dict(data)
    sources = dict(out.get("sources") or {}) if isinstance(out.get("sources"), dict) else {}
    key, factors = entry_for(out)
    for name in FIELDS:
        if name in out and out[name] is not None:
            # a value the file states: "scenario", unless it is the catalogue's own value carried over
            # from a resolved file (scenario.resolved.yaml run again keeps its sources)
            if not (name in sources and out[name] == _default_value(name, factors, out)):
                sources[name] = "scenario"
            continue
        if name in factors:
            value, why = factors[name]
            out[name] = value
            sources[name] = f"{key}: {why}" if key else f"generic: {why}"
        elif name in ("max_payload_t", "max_seats"):
            planned = "payload_t" if name == "max_payload_t" else "seats"
            if planned in out:
                out[name] = out[planned]
                sources[name] = f"equal to {planned} (no maximum stated or known)"
    out["sources"] = sources
    return out


def _default_value(name: str, factors: dict[str, tuple[Any, str]], data: dict) -> Any:
    """The value the catalogue (or the planning value, for a maximum) would give a field."""
    if name in factors:
        return factors[name][0]
    planned = {"max_payload_t": "payload_t", "max_seats": "seats"}.get(name)
    return data.get(planned) if planned else None
