"""Run the `rasa` command line with schema validation compiled once instead of on every call.

    python -m nlu.serve run --model models/hotline.tar.gz --enable-api ...

Rasa 3.6 checks every action-server response with ``jsonschema.validate(result, schema)``,
which re-validates the schema itself against its meta-schema and builds a new validator each
time: under load that was 55 % of the Rasa process's CPU (py-spy, bench/load.py). Here the
schema is compiled once (fastjsonschema) and each response is still validated against it; an
invalid response is re-checked by jsonschema so the error Rasa reports is unchanged.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import fastjsonschema
import jsonschema

_original_validate = jsonschema.validate
_compiled: dict[str, Any] = {}


def validate(instance: Any, schema: Any, *args: Any, **kwargs: Any) -> None:
    """Drop-in for ``jsonschema.validate`` with the compiled schema cached by its content."""
    try:
        key = json.dumps(schema, sort_keys=True)
    except (TypeError, ValueError):
        _original_validate(instance, schema, *args, **kwargs)
        return
    check = _compiled.get(key)
    if check is None:
        jsonschema.validators.validator_for(schema).check_schema(schema)
        check = _compiled[key] = fastjsonschema.compile(schema)
    try:
        check(instance)
    except fastjsonschema.JsonSchemaException:
        _original_validate(instance, schema, *args, **kwargs)  # raises Rasa's usual error
        raise


def main() -> None:
    jsonschema.validate = validate
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
