"""A small validator that walks botocore's service model (the same JSON the AWS CLI and SDKs use).

It checks what `aws ecs register-task-definition --cli-input-json` would reject before any request is
sent, plus what the server would reject for enums: types, required members, enum values, unknown keys,
list/string length bounds. It returns every problem it finds as "path: message" strings.
"""
from __future__ import annotations

import botocore.session


def input_shape(service: str, operation: str):
    model = botocore.session.get_session().get_service_model(service)
    return model.operation_model(operation).input_shape


def validate(value, shape, path: str = "$") -> list[str]:
    errors: list[str] = []
    _walk(value, shape, path, errors)
    return errors


def _walk(value, shape, path, errors):
    t = shape.type_name
    if t == "structure":
        if not isinstance(value, dict):
            errors.append(f"{path}: expected an object ({shape.name}), got {type(value).__name__}")
            return
        members = shape.members
        for key in value:
            if key not in members:
                errors.append(f"{path}: unknown key {key!r} (not a member of {shape.name})")
        for req in shape.required_members:
            if req not in value:
                errors.append(f"{path}: missing required member {req!r} of {shape.name}")
        for key, item in value.items():
            if key in members:
                _walk(item, members[key], f"{path}.{key}", errors)
    elif t == "list":
        if not isinstance(value, list):
            errors.append(f"{path}: expected a list, got {type(value).__name__}")
            return
        _bounds(len(value), shape, path, errors, "items")
        for i, item in enumerate(value):
            _walk(item, shape.member, f"{path}[{i}]", errors)
    elif t == "map":
        if not isinstance(value, dict):
            errors.append(f"{path}: expected a map, got {type(value).__name__}")
            return
        for k, v in value.items():
            _walk(k, shape.key, f"{path}<key {k!r}>", errors)
            _walk(v, shape.value, f"{path}[{k!r}]", errors)
    elif t == "string":
        if not isinstance(value, str):
            errors.append(f"{path}: expected a string, got {type(value).__name__} {value!r}")
            return
        if shape.enum and value not in shape.enum:
            errors.append(f"{path}: {value!r} is not one of {sorted(shape.enum)}")
        _bounds(len(value), shape, path, errors, "characters")
    elif t in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(f"{path}: expected an integer, got {type(value).__name__} {value!r}")
            return
        _bounds(value, shape, path, errors, None)
    elif t in ("float", "double"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.append(f"{path}: expected a number, got {type(value).__name__} {value!r}")
    elif t == "boolean":
        if not isinstance(value, bool):
            errors.append(f"{path}: expected a boolean, got {type(value).__name__} {value!r}")
    elif t == "timestamp":
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            errors.append(f"{path}: expected a timestamp, got {type(value).__name__}")
    elif t == "blob":
        if not isinstance(value, (str, bytes)):
            errors.append(f"{path}: expected a blob, got {type(value).__name__}")
    else:
        errors.append(f"{path}: shape type {t!r} not supported by this validator")


def _bounds(n, shape, path, errors, unit):
    meta = shape.metadata
    lo, hi = meta.get("min"), meta.get("max")
    what = f"{n} {unit}" if unit else f"value {n}"
    if lo is not None and n < lo:
        errors.append(f"{path}: {what} is below the minimum {lo}")
    if hi is not None and n > hi:
        errors.append(f"{path}: {what} is above the maximum {hi}")
