"""Words for enum values (reasons, outcomes, colours), marked for translation."""

from __future__ import annotations

from kiosk.domain.models import Colour, Outcome, Reason
from kiosk.ui.i18n import N_

REASONS: dict[Reason, str] = {
    Reason.CODE_RED: N_("Health code is red"),
    Reason.CODE_YELLOW: N_("Health code is yellow"),
    Reason.CODE_INVALID: N_("Health code is not valid"),
    Reason.CODE_UNVERIFIED: N_("Health code could not be checked online"),
    Reason.CODE_MISSING: N_("No health code"),
    Reason.FEVER_CONFIRMED: N_("Fever confirmed"),
    Reason.FEVER_REMEASURE: N_("Fever: measure again with a contact thermometer"),
    Reason.TEMPERATURE_LOW: N_("Temperature too low: measure again"),
    Reason.TEMPERATURE_BAD: N_("Temperature reading not usable: measure again"),
    Reason.TEMPERATURE_MISSING: N_("No temperature taken"),
    Reason.LOCKDOWN_NON_RESIDENT: N_("Lockdown: residents only"),
    Reason.KEY_GROUP: N_("Key group: health follow-up needed"),
    Reason.RISK_AREA: N_("Coming from a risk area"),
    Reason.AT_CAPACITY: N_("Full at the moment: please wait"),
    Reason.GUARD_OVERRIDE: N_("Let through by the guard"),
    Reason.NO_GUARD_ON_DUTY: N_("No guard signed in to confirm the code colour"),
    Reason.REFERRED_FEVER_CLINIC: N_("Referred to the fever clinic"),
    Reason.ATTESTED_MISMATCH: N_("The guard reported another colour than the verified code"),
    Reason.HOME_ISOLATION: N_("Under home isolation: please do not go out"),
}

OUTCOMES: dict[Outcome, str] = {
    Outcome.PASS: N_("PASS"),
    Outcome.DENY: N_("NO ENTRY"),
    Outcome.REVIEW: N_("PLEASE WAIT: CHECK NEEDED"),
}

COLOURS: dict[Colour, str] = {
    Colour.GREEN: N_("Green code"),
    Colour.YELLOW: N_("Yellow code"),
    Colour.RED: N_("Red code"),
    Colour.NONE: N_("No colour"),
}

# Temperature verdicts (kiosk.domain.temperature.Verdict values) -> what the guard reads
TEMPERATURE_STEPS: dict[str, str] = {
    "missing": N_("Type the temperature"),
    "normal": N_("Temperature normal"),
    "remeasure-bad": N_("That reading is not possible (30–45 °C). Measure again."),
    "remeasure-low": N_("Too low (cold forehead?). Measure again, e.g. on the wrist."),
    "remeasure-fever": N_("High temperature. Wait a moment, then measure with a contact thermometer."),
    "fever-confirmed": N_("Fever confirmed"),
}

# Daily report fields (kiosk.domain.report.DailyReport) in the order the admin reads them
REPORT_FIELDS: dict[str, str] = {
    "day": N_("Day"),
    "kind": N_("Report"),
    "entries_in": N_("Entries in"),
    "entries_out": N_("Entries out"),
    "residents": N_("Residents"),
    "visitors": N_("Visitors"),
    "staff": N_("Staff"),
    "unidentified": N_("Not identified"),
    "fevers_confirmed": N_("Confirmed fevers"),
    "codes_green": N_("Green codes"),
    "codes_yellow": N_("Yellow codes"),
    "codes_red": N_("Red codes"),
    "codes_none": N_("No colour"),
    "codes_unverified": N_("Codes checked later (offline)"),
    "key_group_people": N_("Key-group people"),
    "denials": N_("Denied"),
    "reviews": N_("Sent to review"),
    "reviews_open": N_("Reviews still open"),
    "overrides": N_("Guard overrides"),
    "overrides_of_denials": N_("Overrides of a denial"),
    "overrides_of_reviews": N_("Overrides of a review"),
}
# Key-person categories (kiosk.domain.report.KeyCategory)
KEY_CATEGORIES: dict[str, str] = {
    "risk-area": N_("From a risk area"),
    "inbound": N_("Inbound travellers"),
    "cold-chain": N_("Cold-chain workers"),
    "released": N_("Released from observation"),
    "home-isolation": N_("Home isolation"),
}
REPORT_KINDS: dict[str, str] = {"zero": N_("Zero report (nothing abnormal)"), "daily": N_("Daily report")}
