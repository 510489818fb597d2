"""Product text in modules that must stay free of Flask: marked here, translated at the edge.

`N_("…")` marks a string for extraction (pybabel) without translating it. A sentence built
from parts is carried as a `Text`: a marked template with named placeholders plus its
parameters, never an f-string or a concatenation of translated fragments, so that a
translation may reorder the parts:

    Text(N_("{label}已享受至法定退休年龄"), label=Text(pool_label))

Parameters are plain values (numbers, codes, ISO dates: inserted as `str(value)`) or nested
`Text` / `Join` (a list read with a translatable separator). The view layer renders in the
caller's locale: `text.render(gettext)` translates the template and every nested text, then
fills the placeholders. Placeholders are filled by name only, in one pass (no format spec,
no attribute access; a value containing braces is inserted as is; an unknown placeholder is
left untouched), so templates that come from rule data are safe to render.
"""
import re
from datetime import date, datetime
from functools import lru_cache
from types import MappingProxyType

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_NO_PARAMS = {}  # shared by every Text without parameters; never written


def N_(text):
    return text


class Renderable:
    """Text that becomes a string only when rendered with a `translate` function."""
    __slots__ = ()

    def render(self, translate):  # pragma: no cover - abstract
        raise NotImplementedError

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __delattr__(self, name):
        raise AttributeError(f"{type(self).__name__} is immutable")


@lru_cache(maxsize=4096)
def _parse(template):
    """(((literal, name, placeholder), ...), tail) of a template, parsed once per string."""
    parts, start = [], 0
    for match in PLACEHOLDER.finditer(template):
        parts.append((template[start:match.start()], match.group(1), match.group(0)))
        start = match.end()
    return tuple(parts), template[start:]


def render_value(value, translate):
    """One parameter as text: nested texts are rendered, anything else is `str()`-ed."""
    if isinstance(value, Renderable):
        return value.render(translate)
    return value if isinstance(value, str) else str(value)


class Text(Renderable):
    """An immutable (template, params) pair: `Text(N_("…{name}…"), name=value)`."""
    __slots__ = ("template", "_params")

    def __init__(self, template, params=None, /, **more):
        if more:
            params = {**params, **more} if params else more
        object.__setattr__(self, "template", template)
        object.__setattr__(self, "_params", dict(params) if params else _NO_PARAMS)

    @property
    def params(self):
        """The parameters, read-only."""
        return MappingProxyType(self._params)

    def render(self, translate):
        template = self.template
        if template:  # gettext("") answers the catalog's header, not ""
            template = translate(template)
        params = self._params
        if not params or "{" not in template:
            return template
        parts, tail = _parse(template)
        out = []
        for literal, name, placeholder in parts:
            out.append(literal)
            value = params.get(name, placeholder)
            if type(value) is not str:
                value = value.render(translate) if isinstance(value, Renderable) else str(value)
            out.append(value)
        out.append(tail)
        return "".join(out)

    def __eq__(self, other):
        if type(other) is not Text:
            return NotImplemented
        return self.template == other.template and self._params == other._params

    def __hash__(self):
        return hash((self.template, tuple(sorted(self._params.items()))))

    def __repr__(self):
        if self._params:
            return f"Text({self.template!r}, {self._params!r})"
        return f"Text({self.template!r})"


class Join(Renderable):
    """Items read as one list, e.g. `Join(names, N_("、"))`; the separator is translated."""
    __slots__ = ("items", "separator")

    def __init__(self, items, separator):
        object.__setattr__(self, "items", tuple(items))
        object.__setattr__(self, "separator", separator)

    def render(self, translate):
        separator = translate(self.separator) if self.separator else self.separator
        return separator.join(render_value(item, translate) for item in self.items)

    def __eq__(self, other):
        if type(other) is not Join:
            return NotImplemented
        return self.items == other.items and self.separator == other.separator

    def __hash__(self):
        return hash((self.items, self.separator))

    def __repr__(self):
        return f"Join({list(self.items)!r}, {self.separator!r})"


_PLAIN = frozenset({str, int, float, bool, type(None), date, datetime})


def render_all(value, translate):
    """A copy of `value` (dicts, lists and tuples walked) with every Text rendered."""
    kind = type(value)
    if kind is dict:
        return {key: item if type(item) in _PLAIN else render_all(item, translate)
                for key, item in value.items()}
    if kind is list or kind is tuple:
        return [item if type(item) in _PLAIN else render_all(item, translate) for item in value]
    if isinstance(value, Renderable):
        return value.render(translate)
    if isinstance(value, dict):
        return {key: render_all(item, translate) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [render_all(item, translate) for item in value]
    return value


def fixed(text):
    """Chinese text whose form an outside protocol dictates (e.g. WeChat's date field
    `2019年10月1日`): deliberately not translated. The translation scanner accepts it."""
    return text
