"""One error body for every refusal the API gives (R32, R94): a list of errors, each naming the
field it is about (null when it is about the request as a whole) and saying the problem in words.

    {"errors": [{"field": "scheduled_for", "message": "the scheduled time is in the past"}]}

The services raise InputError (bad input: 400, or 404 for a record that does not exist) and
PermissionError (403); request bodies and parameters that do not parse are 422 with the field's
name; a missing or revoked token is 401; too many calls 429.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from catalog.errors import InputError


class ErrorItem(Schema):
    field: str | None
    message: str


class ErrorBody(Schema):
    errors: list[ErrorItem]


class ApiError(Exception):
    """A refusal the API words itself, naming a field when it knows which."""

    def __init__(self, status: int, message: str, *, field: str | None = None):
        super().__init__(message)
        self.status = status
        self.errors = [{"field": field, "message": message}]


def not_found(what: str) -> ApiError:
    return ApiError(404, f"no {what}")


def refused(message: str) -> ApiError:
    return ApiError(403, message)


# The status a response may carry an error body with, for the OpenAPI document of every operation.
ERROR_RESPONSES = {400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 422: ErrorBody, 429: ErrorBody}


def _loc_field(loc) -> str | None:
    """Pydantic's location of a problem, as the field name a caller sent: ("body", "payload",
    "scheduled_for") is scheduled_for, ("query", "start") is start."""
    parts = [str(p) for p in loc[1:] if p not in ("payload", "filters")] if loc else []
    return ".".join(parts) or None


def errors_install(api: NinjaAPI) -> None:
    def body(request, status: int, errors: list[dict], headers: dict | None = None):
        response = api.create_response(request, {"errors": errors}, status=status)
        for name, value in (headers or {}).items():
            response[name] = value
        return response

    @api.exception_handler(ApiError)
    def _api_error(request, exc: ApiError):
        return body(request, exc.status, exc.errors)

    @api.exception_handler(InputError)
    def _input_error(request, exc: InputError):
        message = str(exc)
        # R32: a record that does not exist reads "no job 7", "no course catalog ..."
        status = 404 if message.startswith("no ") else 400
        return body(request, status, [{"field": None, "message": message}])

    @api.exception_handler(PermissionError)
    def _permission_error(request, exc: PermissionError):
        return body(request, 403, [{"field": None, "message": str(exc)}])

    @api.exception_handler(PermissionDenied)
    def _permission_denied(request, exc: PermissionDenied):
        return body(request, 403, [{"field": None, "message": str(exc) or "Not allowed."}])

    @api.exception_handler(Http404)
    def _not_found(request, exc: Http404):
        return body(request, 404, [{"field": None, "message": str(exc) or "Not found."}])

    @api.exception_handler(ValidationError)
    def _validation(request, exc: ValidationError):
        errors = [{"field": _loc_field(e.get("loc")), "message": e.get("msg", "invalid")} for e in exc.errors]
        return body(request, 422, errors)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request, exc: AuthenticationError):
        message = "send a valid API token: Authorization: Bearer <token> (make one on your API tokens page)"
        return body(request, 401, [{"field": "Authorization", "message": message}], {"WWW-Authenticate": "Bearer"})

    @api.exception_handler(Throttled)
    def _throttled(request, exc: Throttled):
        wait = int(exc.wait) if exc.wait else 1
        message = f"too many requests with this token: try again in {wait} seconds"
        return body(request, 429, [{"field": None, "message": message}], {"Retry-After": str(wait)})

    @api.exception_handler(HttpError)
    def _http_error(request, exc: HttpError):
        return body(request, exc.status_code, [{"field": None, "message": str(exc)}])


def values_refusal(values: dict, call):
    """Run a service that takes a setup item's ``values``; its InputError names the field it is
    about in words ('Category: weight must be ...'), so the error body names that field too."""
    try:
        return call()
    except InputError as error:
        message = str(error)
        field = next((name for name in values if f'"{name}"' in message or f" {name} " in f" {message} "), None)
        if message.startswith("no "):
            raise
        raise ApiError(400, message, field=field) from None
