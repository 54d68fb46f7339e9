"""Helpers to read the CloudFormation template offline: a YAML loader for the short-form intrinsic
tags, a resolver for the intrinsics the template uses (Ref, Fn::Sub, Fn::GetAtt, Fn::Join, and Fn::If
with the template's Conditions evaluated for the given parameters; AWS::NoValue drops the key or item),
and the conversion of CloudFormation's PascalCase ECS/IAM properties to the API's camelCase JSON."""
from __future__ import annotations

import re

import yaml


class CfnLoader(yaml.SafeLoader):
    pass


def _tag(name):
    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if name == "Fn::GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}
    return construct


for _short in ("Ref", "Sub", "GetAtt", "Join", "If", "Select", "Split", "Equals", "Not", "And", "Or",
               "FindInMap", "ImportValue", "Base64", "Cidr", "GetAZs", "Condition"):
    CfnLoader.add_constructor("!" + _short, _tag(_short if _short in ("Ref", "Condition") else "Fn::" + _short))


def load_template(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=CfnLoader)  # noqa: S506 - SafeLoader subclass


_NO_VALUE = object()   # what Ref AWS::NoValue resolves to before the enclosing key or item is dropped


class Resolver:
    """Resolves intrinsics against given parameter values and per-resource attribute tables."""

    def __init__(self, template, params: dict, pseudo: dict, refs: dict, attrs: dict):
        self.template = template
        self.values = {}
        for name, spec in template.get("Parameters", {}).items():
            if name in params:
                self.values[name] = params[name]
            elif "Default" in spec:
                self.values[name] = spec["Default"]
        self.values.update(pseudo)
        self.refs = refs        # logical id -> value of Ref
        self.attrs = attrs      # "Logical.Attr" -> value
        self.conditions = {name: self._condition(expr) for name, expr in template.get("Conditions", {}).items()}

    def _condition(self, node) -> bool:
        (k, v), = node.items()
        if k == "Condition":
            return self._condition(self.template["Conditions"][v])
        if k == "Fn::Equals":
            a, b = (self.resolve(x) for x in v)
            return str(a) == str(b)
        if k == "Fn::Not":
            return not self._condition(v[0])
        if k == "Fn::And":
            return all(self._condition(x) for x in v)
        if k == "Fn::Or":
            return any(self._condition(x) for x in v)
        raise NotImplementedError(f"condition function {k} is not supported by the test resolver")

    def active(self, logical: str) -> bool:
        """Whether the resource with this logical id exists for these parameter values."""
        cond = self.template["Resources"][logical].get("Condition")
        return cond is None or self.conditions[cond]

    def ref(self, name):
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in self.values:
            return self.values[name]
        if name in self.refs:
            return self.refs[name]
        raise KeyError(f"Ref {name!r} has no value in this test's resolution table")

    def getatt(self, logical, attr):
        key = f"{logical}.{attr}"
        if key not in self.attrs:
            raise KeyError(f"Fn::GetAtt {key!r} has no value in this test's resolution table")
        return self.attrs[key]

    def resolve(self, node):
        if isinstance(node, list):
            return [r for r in (self.resolve(n) for n in node) if r is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (k, v), = node.items()
            if k == "Ref":
                return self.ref(v)
            if k == "Fn::If":
                name, when_true, when_false = v
                return self.resolve(when_true if self.conditions[name] else when_false)
            if k == "Fn::Join" and isinstance(v[1], dict):   # a list parameter joined
                return v[0].join(str(i) for i in self.resolve(v[1]))
            if k == "Fn::GetAtt":
                return self.getatt(*v)
            if k == "Fn::Join":
                sep, items = v
                return sep.join(str(self.resolve(i)) for i in items)
            if k == "Fn::Sub":
                text, extra = (v, {}) if isinstance(v, str) else (v[0], {a: self.resolve(b) for a, b in v[1].items()})
                return self._sub(text, extra)
            if k.startswith("Fn::") or k == "Condition":
                raise NotImplementedError(f"intrinsic {k} is not supported by the test resolver")
        return {k: r for k, r in ((k, self.resolve(v)) for k, v in node.items()) if r is not _NO_VALUE}

    def _sub(self, text, extra):
        def repl(m):
            name = m.group(1)
            if name in extra:
                return str(extra[name])
            if "." in name and not name.startswith("AWS::"):
                return str(self.getatt(*name.split(".", 1)))
            return str(self.ref(name))
        return re.sub(r"\$\{([^}!]+)\}", repl, text)


# Maps whose keys are user data, not property names: keep them as they are.
_OPAQUE_MAPS = {"Options", "DockerLabels", "SecretOptions"}


def to_api_json(node, key=None):
    """CloudFormation ECS TaskDefinition properties -> RegisterTaskDefinition request JSON."""
    if isinstance(node, list):
        return [to_api_json(n) for n in node]
    if isinstance(node, dict):
        if key in _OPAQUE_MAPS:
            return dict(node)
        return {k[:1].lower() + k[1:]: to_api_json(v, k) for k, v in node.items()}
    return node


def specialize(template: dict, params: dict) -> dict:
    """The template as CloudFormation sees it for these parameter values: every Fn::If decided, AWS::NoValue
    dropped, resources and outputs whose condition is false removed, parameter defaults set to the values;
    every other intrinsic is left as it is. Scanners that cannot follow conditions (checkov skips a policy
    whose statements use Fn::If) then check exactly what one deployment would create."""
    decider = Resolver(template, params=params, pseudo={}, refs={}, attrs={})

    def decide(node):
        if isinstance(node, list):
            return [d for d in (decide(n) for n in node) if d is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (k, v), = node.items()
            if k == "Fn::If":
                return decide(v[1] if decider.conditions[v[0]] else v[2])
            if k == "Ref" and v == "AWS::NoValue":
                return _NO_VALUE
        return {k: d for k, d in ((k, decide(v)) for k, v in node.items()) if d is not _NO_VALUE}

    out = {k: v for k, v in template.items() if k not in ("Conditions", "Rules", "Resources", "Outputs")}
    out["Parameters"] = {name: {**spec, **({"Default": params[name]} if name in params else {})}
                         for name, spec in template.get("Parameters", {}).items()}
    for section in ("Resources", "Outputs"):
        kept = {}
        for name, body in template.get(section, {}).items():
            cond = body.get("Condition")
            if cond is None or decider.conditions[cond]:
                kept[name] = decide({k: v for k, v in body.items() if k != "Condition"})
        out[section] = kept
    return out
