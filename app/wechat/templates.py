"""Message kinds as data: which WeChat template each kind uses, its fields, page and SMS text.

Pure (no Flask, no database). The catalog is the versioned file data/templates.json; each
environment overrides the template ids (WECHAT_TEMPLATE_IDS) and SMS template codes
(SMS_TEMPLATE_CODES), both JSON objects {kind: id}. The file is checked when loaded, so
a bad catalog stops the app at start-up rather than a message in the worker.

Callers name values by the field's `name` ("item", "result", "decided_on"); the WeChat keys
(thing1, phrase2, ...) stay in the catalog, so a template swapped in the WeChat console
changes one file, not the areas that send.
"""
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from .fields import FIELD_TYPES, FieldValueError, render

CATALOG_FILE = Path(__file__).parent / "data" / "templates.json"
KEY_RE = re.compile(r"^([a-z_]+?)(\d+)$")
PAGE_RE = re.compile(r"^[A-Za-z0-9_\-/]{1,128}$")
SMS_VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
TEMPLATE_ID_RE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
PAGE_MAX = 512


class CatalogError(ValueError):
    """The catalog file or an override is inconsistent (raised at start-up)."""


class MessageDataError(ValueError):
    """Values that do not fit a kind. `code` is stable (push.*), `details` says where."""

    def __init__(self, code, details):
        super().__init__(code)
        self.code = code
        self.details = details


@dataclass(frozen=True)
class Field:
    name: str
    key: str
    type: str
    label: str
    required: bool = True
    default: str | None = None


@dataclass(frozen=True)
class MessageKind:
    name: str
    title: str
    template_id: str
    page: str | None
    fields: tuple
    sms_template_code: str
    sms_params: tuple
    sms_text: str

    def wechat_fields(self):
        """{key: type}, as WeChat (and the fake's /_control/templates) describe a template."""
        return {field.key: field.type for field in self.fields}


@dataclass(frozen=True)
class RenderedMessage:
    """What the outbox stores: WeChat `data`, the SMS parameters and the page with query."""
    data: dict
    sms_params: dict
    page: str | None


class Catalog:
    def __init__(self, version, kinds):
        self.version = version
        self.kinds = kinds  # name -> MessageKind

    def get(self, kind):
        return self.kinds.get(kind)

    def kinds_for_template(self, template_id):
        return [kind for kind in self.kinds.values() if kind.template_id == template_id]

    def template_ids(self):
        """Every configured template id, in catalog order, each once."""
        return list(dict.fromkeys(kind.template_id for kind in self.kinds.values()))

    def render(self, kind_name, values, page_query=None):
        """Check and shorten `values` for a kind; MessageDataError when they cannot fit."""
        kind = self.get(kind_name)
        if kind is None:
            raise MessageDataError("push.unknown_kind", {"kind": kind_name})
        if not isinstance(values, dict):
            raise MessageDataError("push.invalid_values", {"kind": kind_name})
        known = {field.name for field in kind.fields}
        unknown = sorted(str(name) for name in values if name not in known)
        if unknown:
            raise MessageDataError("push.unknown_field", {"kind": kind_name, "fields": unknown})
        missing = [f.name for f in kind.fields if f.required and _blank(values.get(f.name))]
        if missing:
            raise MessageDataError("push.missing_field", {"kind": kind_name, "fields": missing})
        data, by_name = {}, {}
        for field in kind.fields:
            value = values.get(field.name)
            try:
                text = field.default if _blank(value) else render(field.type, value)
            except FieldValueError as exc:
                raise MessageDataError("push.invalid_field", {
                    "kind": kind_name, "field": field.name, "reason": exc.reason}) from None
            data[field.key] = {"value": text}
            by_name[field.name] = text
        sms_params = {name: by_name[name] for name in kind.sms_params}
        return RenderedMessage(data=data, sms_params=sms_params,
                               page=_page(kind, page_query))


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def _page(kind, page_query):
    if not page_query:
        return kind.page
    if kind.page is None:
        raise MessageDataError("push.invalid_page_query", {"kind": kind.name})
    if not isinstance(page_query, dict) or not all(
            isinstance(k, str) and isinstance(v, (str, int)) and not isinstance(v, bool)
            for k, v in page_query.items()):
        raise MessageDataError("push.invalid_page_query", {"kind": kind.name})
    page = f"{kind.page}?{urlencode(page_query)}"
    if len(page) > PAGE_MAX:
        raise MessageDataError("push.invalid_page_query", {"kind": kind.name})
    return page


def _parse_overrides(raw, what):
    if not raw:
        return {}
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw)
    except ValueError:
        raise CatalogError(f"{what} is not JSON") from None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise CatalogError(f"{what} must be a JSON object {{kind: id}}")
    return value


def _field(kind, spec):
    field = Field(name=spec["name"], key=spec["key"], type=spec["type"], label=spec["label"],
                  required=spec.get("required", True), default=spec.get("default"))
    match = KEY_RE.match(field.key)
    if field.type not in FIELD_TYPES or not match or match.group(1) != field.type:
        raise CatalogError(f"{kind}: field {field.name} has bad key/type {field.key}/{field.type}")
    if not field.required:
        if field.default is None:
            raise CatalogError(f"{kind}: optional field {field.name} needs a default")
        try:
            if render(field.type, field.default) != field.default:
                raise FieldValueError("default would be shortened")
        except FieldValueError as exc:
            raise CatalogError(f"{kind}: default of {field.name} is invalid ({exc})") from None
    return field


def _kind(name, spec, template_ids, sms_codes):
    fields = tuple(_field(name, f) for f in spec["fields"])
    names = [f.name for f in fields]
    if len(set(names)) != len(names) or len({f.key for f in fields}) != len(fields):
        raise CatalogError(f"{name}: duplicate field names or keys")
    sms = spec["sms"]
    params = tuple(sms["params"])
    if set(params) - set(names) or set(SMS_VAR_RE.findall(sms["text"])) != set(params):
        raise CatalogError(f"{name}: SMS params must be field names used in the SMS text")
    page = spec.get("page")
    if page is not None and not PAGE_RE.match(page):
        raise CatalogError(f"{name}: page must be a mini-program path without query")
    template_id = template_ids.get(name, spec["template_id"])
    if not TEMPLATE_ID_RE.match(template_id):
        raise CatalogError(f"{name}: template id {template_id!r} is malformed")
    return MessageKind(name=name, title=spec["title"], template_id=template_id, page=page,
                       fields=fields, sms_template_code=sms_codes.get(name, sms["template_code"]),
                       sms_params=params, sms_text=sms["text"])


def load_catalog(path=CATALOG_FILE, template_ids=None, sms_codes=None):
    """Read and check the catalog; apply per-environment template ids and SMS codes."""
    with open(path, encoding="utf-8") as handle:
        raw = json.load(handle)
    template_ids = _parse_overrides(template_ids, "WECHAT_TEMPLATE_IDS")
    sms_codes = _parse_overrides(sms_codes, "SMS_TEMPLATE_CODES")
    unknown = (set(template_ids) | set(sms_codes)) - set(raw["kinds"])
    if unknown:
        raise CatalogError(f"overrides name unknown kinds: {sorted(unknown)}")
    kinds = {name: _kind(name, spec, template_ids, sms_codes)
             for name, spec in raw["kinds"].items()}
    by_template = {}
    for kind in kinds.values():
        by_template.setdefault(kind.template_id, set()).add(tuple(sorted(
            kind.wechat_fields().items())))
    if any(len(shapes) > 1 for shapes in by_template.values()):
        raise CatalogError("kinds sharing a template id must use the same fields")
    return Catalog(raw["version"], kinds)
