"""Rasa's CRF features for a token window, built without re-formatting every key per token.

``CRFEntityExtractor._create_features_for_token`` formats ``f"{prefix}:{feature}"`` for every
feature of every token in the window (feature names are ``str`` enums, whose ``__format__``
goes through ``enum``): on a 1,000-character letter that was 150,000 formatting calls and a
third of the CRF's time. :func:`crf_tokens_to_features` builds the same dicts (same keys, same
values, same order) from keys formatted once per window position.
:func:`install` puts it in place of Rasa's classmethod; ``nlu.components`` installs it, so
training, serving and ``nlu.classify`` all use it. ``tests/unit/test_crf_features.py`` checks
it against Rasa's own, with and without tag features, on several window configurations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa.nlu.extractors.crf_entity_extractor import (
    CONFIG_FEATURES,
    CRFEntityExtractor,
    CRFEntityExtractorOptions,
    CRFToken,
)

_ORIGINAL = CRFEntityExtractor.__dict__["_crf_tokens_to_features"]


def crf_tokens_to_features(
    cls: type[CRFEntityExtractor],
    crf_tokens: list[CRFToken],
    config: dict[str, Any],
    include_tag_features: bool = False,
) -> list[dict[str, Any]]:
    """Rasa's ``_crf_tokens_to_features``, with each window position's keys formatted once."""
    configured = config[CONFIG_FEATURES]
    half = len(configured) // 2
    extra = [CRFEntityExtractorOptions.ENTITY] if include_tag_features else []
    plan: list[list[tuple[str, bool, Callable[[CRFToken], Any]]]] = [
        [
            (
                f"{position}:{feature}",
                feature == CRFEntityExtractorOptions.PATTERN,
                cls.function_dict[feature],
            )
            for feature in [*configured[position + half], *extra]
        ]
        for position in range(-half, half + 1)
    ]
    count = len(crf_tokens)
    sentence: list[dict[str, Any]] = []
    for index in range(count):
        features: dict[str, Any] = {}
        for position in range(-half, half + 1):
            at = index + position
            if at >= count:
                features["EOS"] = True
            elif at < 0:
                features["BOS"] = True
            else:
                token = crf_tokens[at]
                for key, is_pattern, value_of in plan[position + half]:
                    if is_pattern:
                        for name, matched in value_of(token).items():
                            features[f"{key}:{name}"] = matched
                    else:
                        features[key] = value_of(token)
        sentence.append(features)
    return sentence


def rasa_crf_tokens_to_features(
    crf_tokens: list[CRFToken], config: dict[str, Any], include_tag_features: bool = False
) -> list[dict[str, Any]]:
    """Rasa's own implementation, kept for the equivalence test."""
    result: list[dict[str, Any]] = _ORIGINAL.__func__(
        CRFEntityExtractor, crf_tokens, config, include_tag_features
    )
    return result


def install() -> None:
    """Use :func:`crf_tokens_to_features` for every CRFEntityExtractor in this process."""
    CRFEntityExtractor._crf_tokens_to_features = classmethod(crf_tokens_to_features)  # type: ignore[method-assign,assignment]
