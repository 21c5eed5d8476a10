"""One error body for every refusal the API gives (R32, R94): a list of errors, each naming the
field it is about (null when it is about the request as a whole) and saying the problem in words.

    {"errors": [{"field": "scheduled_for", "message": "the scheduled time is in the past"}]}

The services raise InputError (bad input: 400, or 404 for a record that does not exist),
LockedError (a lock refuses the change whatever the caller's rights, R3, R4, R22: 403, in the
page's words) and PermissionError (403); request bodies and parameters that do not parse are 422
with the field's name; a missing or revoked token is 401; too many calls 429.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from catalog.errors import InputError, LockedError
from catalog.setup_types import COURSE_ATTRIBUTES, MASTER
from exchange.formats import CHILDREN, type_fields


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


def form_refusal(form, fields: dict[str, str] | None = None) -> ApiError:
    """A page's form that refused the body (the API validates with the page's own form where the
    page has one), each error naming its field by the body's name for it (``fields``: the form's
    name -> the body's, where they differ)."""
    error = ApiError(400, "")
    error.errors = [
        {"field": None if name == "__all__" else (fields or {}).get(name, name), "message": str(message)}
        for name, messages in form.errors.items()
        for message in messages
    ]
    return error


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

    @api.exception_handler(LockedError)
    def _locked(request, exc: LockedError):
        return body(request, 403, [{"field": None, "message": str(exc)}])

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


def _field_in(text: str, names: dict[str, str]) -> str | None:
    """The field whose words ``text`` begins with: ``names`` maps a field's words as the services
    write them ("drop lowest") to its name in the body ("drop_lowest"); the longest words first,
    so "weight categories" is not taken for "weight"."""
    for words in sorted(names, key=len, reverse=True):
        if text == words or text.startswith((f"{words} ", f"{words}:", f"{words},")):
            return names[words]
    return None


def refused_field(message: str, values: dict, *, names: dict[str, str], label: str = "", key: str | None = None):
    """The field of a sent body a service's refusal is about, from its words: an unknown field as
    it was sent ('unknown field "colour"'), a field after the label the services put before it
    ("category weight: ...", "credits of course E000 is locked"), or the key (``key``) when the
    owner already holds an item with it. None when the refusal is about the request as a whole."""
    for name in values:
        if f'field "{name}"' in message or f'attribute "{name}"' in message:
            return str(name)
    text = message
    if label:
        if not message.startswith(label):
            return key if key and " already has " in message else None
        text = message[len(label) :].lstrip(" :")
    return _field_in(text, names) or (key if key and " already has " in message else None)


def setup_field_names(setup_type, level: str) -> tuple[dict[str, str], str | None]:
    """How the services' messages name each field of a setup type at a level (``names`` of
    ``refused_field``), and the body name of its first key field. A composite's children are
    named one at a time in messages ("composite grade child 1 weight")."""
    names, key = {}, None
    for form in type_fields(setup_type, level):
        names[form.field.replace("_", " ")] = form.json
        if form.kind == CHILDREN:
            names["child"] = form.json
        if form.is_key and key is None:
            key = form.json
    return names, key


def values_refusal(values: dict, call, *, setup_type=None, level: str = MASTER):
    """Run a service that takes a setup item's ``values``; its InputError names the field it is
    about in words ('category weight: ...'), so the error body names that field too. A lock's
    refusal is a 403 with the service's words (and the field, where it names one); a record that
    does not exist stays a 404."""
    try:
        return call()
    except InputError as error:
        message = str(error)
        if message.startswith("no "):
            raise
        if setup_type is not None:
            names, key = setup_field_names(setup_type, level)
            field = refused_field(message, values, names=names, label=setup_type.label, key=key)
        else:
            field = refused_field(message, values, names={str(n).replace("_", " "): str(n) for n in values})
        raise ApiError(403 if isinstance(error, LockedError) else 400, message, field=field) from None


def attributes_refusal(values: dict, call):
    """Run a service that changes a master's or a course's attributes, naming the attribute its
    refusal is about ("credits: ...", "credits of course E000 is locked ..."); a lock's is a 403."""
    try:
        return call()
    except InputError as error:
        message = str(error)
        names = {name.replace("_", " "): name for name in COURSE_ATTRIBUTES}
        field = refused_field(message, values, names=names)
        raise ApiError(403 if isinstance(error, LockedError) else 400, message, field=field) from None
