"""Reading a rule document from YAML or JSON text, remembering the line of every value.

Dates and booleans-that-look-like-words are not guessed by the parser: only the YAML core
scalars (null, bool, int, float, str) come out, everything else stays a string, so the JSON
and YAML forms of one document are the same data. Duplicate keys are refused, since PyYAML
would silently keep the last one. Messages are app.core.i18n.Text (rendered by the HTTP
layer in the reader's language).
"""
import yaml

from app.core.i18n import N_, Text

try:  # the C parser when available; both only build plain nodes here
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

_STRICT_BOOLS = {"true": True, "True": True, "TRUE": True,
                 "false": False, "False": False, "FALSE": False}
_NULLS = {"null", "Null", "NULL", "~", ""}


class SourceError(ValueError):
    """The text is not a readable document: one issue with its path and line."""

    def __init__(self, path, line, code, message):
        super().__init__(code)
        self.issue = {"path": path, "line": line, "code": code, "message": message}


def pointer(parent, key):
    """JSON Pointer (RFC 6901) of a child."""
    return f"{parent}/{str(key).replace('~', '~0').replace('/', '~1')}"


def _scalar(node):
    text = node.value
    if node.style:  # quoted: always a string
        return text
    if node.tag.endswith(":null") or text in _NULLS:
        return None
    if node.tag.endswith(":bool"):
        # YAML 1.1 also reads yes/no/on/off as booleans; a rule document must say true/false.
        return _STRICT_BOOLS.get(text, text)
    if node.tag.endswith(":int"):
        try:
            return int(text, 10)
        except ValueError:
            return text
    if node.tag.endswith(":float"):
        try:
            return float(text)
        except ValueError:
            return text
    return text


def _build(node, path, lines, seen):
    lines[path] = node.start_mark.line + 1
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        # An alias reuses a node: refusing them keeps a small text from expanding into a
        # huge document ("billion laughs").
        if id(node) in seen:
            raise SourceError(path, lines[path], "rules.alias_not_allowed",
                              Text(N_("不支持锚点和别名引用")))
        seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        result = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise SourceError(path, key_node.start_mark.line + 1, "rules.bad_key",
                                  Text(N_("键必须是文字")))
            key = key_node.value
            child = pointer(path, key)
            if key in result:
                raise SourceError(child, key_node.start_mark.line + 1, "rules.duplicate_key",
                                  Text(N_("重复的键“{key}”"), key=key))
            result[key] = _build(value_node, child, lines, seen)
            lines[child] = key_node.start_mark.line + 1
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, pointer(path, index), lines, seen)
                for index, item in enumerate(node.value)]
    return _scalar(node)


def load_source(text):
    """Parse YAML (or JSON, a subset) text -> (document, {json_pointer: line})."""
    try:
        root = yaml.compose(text, Loader=_Loader)
        if root is None:
            raise SourceError("", 1, "rules.empty", Text(N_("文档为空")))
        lines = {}
        return _build(root, "", lines, set()), lines
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SourceError("", mark.line + 1 if mark else None, "rules.unreadable",
                          Text(N_("文档无法解析：{problem}"),
                               problem=str(getattr(exc, "problem", None) or exc)))
    except RecursionError:
        raise SourceError("", None, "rules.too_deep", Text(N_("文档嵌套层数过多")))


def load_file(path):
    with open(path, encoding="utf-8") as handle:
        return load_source(handle.read())
