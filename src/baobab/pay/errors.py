"""FSPIOP v1.1 error codes (API Definition v1.1.1, section 7.6) that the switch gives, and the
HTTP status each gets when it is answered synchronously (most travel in an error callback)."""

from __future__ import annotations

from typing import Any

# code -> (name as in the definition, HTTP status for a synchronous answer)
FSPIOP_ERRORS: dict[str, tuple[str, int]] = {
    "1000": ("Communication error", 503),
    "2001": ("Internal server error", 500),
    "3000": ("Generic client error", 400),
    "3001": ("Unacceptable version requested", 406),
    "3002": ("Unknown URI", 404),
    "3003": ("Add Party information error", 400),
    "3100": ("Generic validation error", 400),
    "3101": ("Malformed syntax", 400),
    "3102": ("Missing mandatory element", 400),
    "3103": ("Too many elements", 400),
    "3104": ("Too large payload", 413),
    "3105": ("Invalid signature", 400),
    "3106": ("Modified request", 400),
    "3200": ("Generic ID not found", 404),
    "3201": ("Destination FSP Error", 404),
    "3202": ("Payer FSP ID not found", 404),
    "3203": ("Payee FSP ID not found", 404),
    "3204": ("Party not found", 404),
    "3208": ("Transfer ID not found", 404),
    "3300": ("Generic expired error", 400),
    "3302": ("Quote expired", 400),
    "3303": ("Transfer expired", 400),
    "4000": ("Generic Payer error", 400),
    "4001": ("Payer FSP insufficient liquidity", 400),
    "4200": ("Payer limit error", 400),
    "4300": ("Payer permission error", 403),
    "4400": ("Generic Payer blocked error", 403),
    "5000": ("Generic Payee error", 400),
    "5100": ("Generic Payee rejection", 400),
    "5105": ("Payee transaction limit reached", 400),
    "5200": ("Payee limit error", 400),
    "5400": ("Generic Payee blocked error", 403),
}


class FspiopError(Exception):
    """A refusal by the switch, carrying its FSPIOP error code; changes nothing."""

    def __init__(self, code: str, description: str, **extension: Any) -> None:
        if code not in FSPIOP_ERRORS:
            raise ValueError(f"unknown FSPIOP error code {code}")
        super().__init__(f"{code} {FSPIOP_ERRORS[code][0]}: {description}")
        self.code, self.description, self.extension = code, description, extension

    @property
    def status(self) -> int:
        return FSPIOP_ERRORS[self.code][1]

    def information(self) -> dict[str, Any]:
        """The ErrorInformation object of an error callback or response."""
        info: dict[str, Any] = {"errorCode": self.code,
                                "errorDescription": f"{FSPIOP_ERRORS[self.code][0]} - {self.description}"[:128]}
        if self.extension:
            info["extensionList"] = {"extension": [{"key": k, "value": str(v)[:128]} for k, v in self.extension.items()]}
        return {"errorInformation": info}
