"""Serve a model that never calls TensorFlow without loading TensorFlow.

Rasa 3.6 imports TensorFlow (and Keras) whatever the pipeline: the default recipe imports every
built-in component, and DIET, TED and the response selector define Keras classes at import.
This project's pipeline calls none of them (sparse featurizers, a CRF, rules and its own
numpy/scikit-learn components), yet TensorFlow cost a worker about 360 MB resident (its private
heap and its shared libraries) and 1–2 s of start.

:class:`StubFinder` answers imports of TensorFlow and its companions with stand-in modules
whose attributes are stand-in classes: Rasa's modules import, define their Keras subclasses and
decorate with ``tf.function`` as before, and nothing computes with them. It is installed only
for a model whose every graph component is known not to call TensorFlow
(:func:`needs_tensorflow`, read from the model's own metadata); any other model, or
``HOTLINE_RASA_TENSORFLOW=1``, gets the real TensorFlow. A test parses the same messages with
and without it and compares every field.
"""

from __future__ import annotations

import abc
import importlib.abc
import importlib.machinery
import json
import sys
import tarfile
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# Packages stood in for: TensorFlow and what imports it or is imported only by it.
STUBBED = (
    "tensorflow",
    "tensorflow_addons",
    "tensorflow_hub",
    "tensorflow_text",
    "tensorflow_probability",
    "tensorflow_estimator",
    "tensorflow_io_gcs_filesystem",
    "keras",
    "tf_keras",
    "tensorboard",
    "jax",
    "jaxlib",
)

# Graph components that never call TensorFlow: Rasa's graph plumbing, sparse featurizers,
# tokenizers, the CRF, synonyms, regexes, fallback, rules and memoization, and this project's
# components (numpy and scikit-learn; nlu/components). Anything else (DIET, TED,
# ResponseSelector, UnexpecTED, the language-model and ConveRT featurizers, a third party's
# component) keeps the real TensorFlow.
TF_FREE = (
    "nlu.components.",
    "rasa.graph_components.",
    "rasa.core.policies.ensemble.",
    "rasa.core.policies.rule_policy.",
    "rasa.core.policies.memoization.",
    "rasa.nlu.classifiers.fallback_classifier.",
    "rasa.nlu.classifiers.regex_message_handler.",
    "rasa.nlu.classifiers.keyword_intent_classifier.",
    "rasa.nlu.classifiers.logistic_regression_classifier.",
    "rasa.nlu.extractors.crf_entity_extractor.",
    "rasa.nlu.extractors.entity_synonyms.",
    "rasa.nlu.extractors.regex_entity_extractor.",
    "rasa.nlu.featurizers.sparse_featurizer.",
    "rasa.nlu.tokenizers.whitespace_tokenizer.",
    "rasa.nlu.tokenizers.jieba_tokenizer.",
)

FORCE_ENV = "HOTLINE_RASA_TENSORFLOW"


class _StandInType(abc.ABCMeta):
    """Class attributes of a stand-in are stand-ins (``tf.keras.layers.Layer``)."""

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return stand_in(f"{cls.__qualname__}.{name}")


class StandIn(metaclass=_StandInType):
    """Takes any arguments, and every call or attribute gives another stand-in; empty and false
    wherever Rasa probes it at start-up (``tf.config.list_physical_devices("GPU")``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        del args, kwargs

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return StandIn()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return StandIn()

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __bool__(self) -> bool:
        return False


_classes: dict[str, type] = {}


def stand_in(qualname: str) -> type:
    """One class per dotted name, so a class may subclass two different stand-ins."""
    if qualname not in _classes:
        name = qualname.rsplit(".", 1)[-1]
        _classes[qualname] = _StandInType(
            name, (StandIn,), {"__qualname__": qualname, "__module__": "nlu.without_tensorflow"}
        )
    return _classes[qualname]


class StandInModule(types.ModuleType):
    """``tensorflow.keras``, ``from tensorflow.python.x import y``: attributes are stand-ins."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return stand_in(f"{self.__name__}.{name}")


class StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers imports of :data:`STUBBED` packages (and their submodules) with stand-ins."""

    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        """A stand-in package for a stubbed name; None lets the normal finders look."""
        if fullname.partition(".")[0] not in STUBBED:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        """An empty stand-in package: Rasa reads ``tf.__version__`` in a few places."""
        module = StandInModule(spec.name)
        module.__path__ = []
        module.__version__ = "2.12.0"  # type: ignore[attr-defined]
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the module is its attributes."""


def components(model: Path) -> set[str]:
    """The classes a packed model's graphs use (its metadata.json, the archive's last entry)."""
    with tarfile.open(model, "r:gz") as archive:
        for member in archive:
            if member.name.lstrip("/") == "metadata.json":
                file = archive.extractfile(member)
                if file is None:
                    break
                meta = json.load(file)
                return {
                    node["uses"]
                    for schema in ("train_schema", "predict_schema")
                    for node in meta.get(schema, {}).get("nodes", {}).values()
                }
    raise ValueError(f"{model}: no metadata.json")


def needs_tensorflow(model: Path | None, environ: dict[str, str]) -> bool:
    """True unless the model is a packed file whose every component is in :data:`TF_FREE`."""
    if environ.get(FORCE_ENV, "") not in ("", "0") or model is None or not model.is_file():
        return True
    try:
        used = components(model)
    except (OSError, ValueError, tarfile.TarError, json.JSONDecodeError):
        return True
    return not used or not all(name.startswith(TF_FREE) for name in used)


def install_for(model: Path | None, environ: dict[str, str]) -> bool:
    """Install the stand-ins when ``model`` needs no TensorFlow and it is not loaded already;
    whether they are in place."""
    loaded = sys.modules.get("tensorflow")
    if loaded is not None and not isinstance(loaded, StandInModule):
        return False  # this process chose the real one already (an evaluation script)
    if needs_tensorflow(model, environ):
        return False
    install()
    return True


def install() -> None:
    """Put :class:`StubFinder` first; refuses once the real TensorFlow has been imported."""
    loaded = sys.modules.get("tensorflow")
    if loaded is not None and not isinstance(loaded, StandInModule):
        raise RuntimeError("TensorFlow is already imported: install the stand-ins before Rasa")
    if not any(isinstance(finder, StubFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, StubFinder())
