"""Helpers to read the CloudFormation template offline: a YAML loader for the short-form intrinsic
tags, a resolver for the intrinsics the template uses (Ref, Fn::Sub, Fn::GetAtt, Fn::Join), and the
conversion of CloudFormation's PascalCase ECS/IAM properties to the API's camelCase JSON."""
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

    def ref(self, name):
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
            return [self.resolve(n) for n in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (k, v), = node.items()
            if k == "Ref":
                return self.ref(v)
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
        return {k: self.resolve(v) for k, v in node.items()}

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
