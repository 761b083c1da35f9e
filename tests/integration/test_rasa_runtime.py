"""The Rasa-side speed-ups keep Rasa's behaviour: the lean tracker store (nlu/tracker_store.py)
loses and duplicates no event across saves, restarts and sessions; the compiled
action-response check (nlu/serve.py) accepts and rejects what Rasa's jsonschema does; kept-alive
action-server connections survive a restart of the action server."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from hotline.adapters import classifier
from tests.support.rasa_env import NEEDS_RASA_ENV, run_in_rasa

pytestmark = NEEDS_RASA_ENV

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def facts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    db = tmp_path_factory.mktemp("tracker") / "tracker.db"
    result = subprocess.run(
        [
            str(classifier.rasa_python()),
            str(ROOT / "tests" / "support" / "rasa_side_probe.py"),
            str(db),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PYTHONPATH": str(ROOT),
            "PATH": "/usr/bin:/bin",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        },
    )
    assert result.returncode == 0, result.stderr[-3000:]
    parsed: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return parsed


def test_conversation_survives_restart_without_loss_or_duplicates(facts: dict[str, Any]) -> None:
    assert facts["unknown"] is True
    assert facts["texts"] == ["路灯坏了", "幸福路88号"]
    assert facts["stage"] == {"draft": {"status": "collecting"}}
    assert facts["events_after_restart"] == 6
    # 6 events, one slot set by a store that had not seen the sender, 2 of a new session.
    assert facts["rows"] == 9
    assert facts["distinct_rows"] == 9
    assert facts["keys"] == ["citizen-1"]


def test_new_session_loads_only_its_own_events(facts: dict[str, Any]) -> None:
    assert facts["events_in_new_session"] == 2
    assert facts["events_all_sessions"] == 9


def test_long_session_loads_a_bounded_tracker_each_turn(facts: dict[str, Any]) -> None:
    """Issue 20: the work of a turn does not grow with the conversation (rows read and events
    replayed and sent to the action server stay bounded), and nothing of its state is lost."""
    loaded, in_tracker = facts["long_rows_loaded"], facts["long_events_in_tracker"]
    assert max(loaded[60:]) <= 40 + 12  # the tail and the session's opening
    assert max(in_tracker[60:]) <= 40 + 12 + 2  # plus the slots set before the tail
    assert max(loaded[60:]) <= 1.3 * loaded[8]  # turn 150 reads no more than turn 9
    assert facts["long_counted_turns"] == {"turns": facts["long_turns"]}  # slot carried on
    assert facts["long_district"] == "清江浦区"  # set once at turn 4, kept at turn 150
    assert facts["long_latest_text"] == "第149句"
    assert facts["long_last_user_texts"] == [f"第{n}句" for n in range(145, 150)]
    # every event stored exactly once, through a change of process at turn 100
    # (the opening: 3 rows; each turn: 5; the district once)
    assert facts["long_rows"] == facts["long_distinct_rows"] == 3 + 150 * 5 + 1
    assert facts["long_full_user_turns"] == 150


def test_the_crf_is_fitted_once_per_model_and_comes_back_the_same(facts: dict[str, Any]) -> None:
    """Issue 20: a Rasa worker's start no longer re-fits the CRF entity extractor when the fit
    of the same model is kept; the kept fit has the weights a fresh fit has."""
    assert facts["crf_fits_first_load"] == 1
    assert facts["crf_fits_second_load"] == 0
    assert facts["crf_same_weights"] is True and facts["crf_same_entities"] is True
    assert facts["crf_other_config_fits_again"] is True  # another configuration, another fit
    assert facts["crf_cache_files"] == [".pkl", ".pkl"]
    assert facts["crf_cache_modes"] == ["0o600"]


def test_sqlite_runs_in_wal_mode(facts: dict[str, Any]) -> None:
    assert facts["journal_mode"] == "wal"


def test_action_responses_checked_like_rasa(facts: dict[str, Any]) -> None:
    assert facts["good_accepted"] is True
    assert facts["bad_rejected"] == {
        "slot_without_value": "ValidationError",
        "unknown_event": "ValidationError",
        "no_event_name": "ValidationError",
        "responses_not_list": "ValidationError",
        "events_not_list": "ValidationError",
        "bad_confidence": "ValidationError",
    }


def test_event_types_resolve_as_before(facts: dict[str, Any]) -> None:
    assert facts["resolved"] == [True, True, True]
    assert facts["unknown_type"] == "ValueError"
    assert facts["unknown_with_default"] is True


def test_rule_matching_stops_early_and_chooses_the_same_rules(facts: dict[str, Any]) -> None:
    assert facts["rules_same"] == facts["rules_cases"] == 1500
    assert facts["rules_matched_somewhere"] > 50  # rules of 2+ states match, not only none


def test_the_encoder_maps_one_shared_table_and_encodes_the_same(facts: dict[str, Any]) -> None:
    assert facts["encoder_same"] is True
    assert facts["encoder_table"] == "memmap"  # not a 65 MB copy in every worker
    assert facts["encoder_files"] == [[".npy", "0o600"]]


def test_action_calls_share_a_connection_and_survive_a_restart(facts: dict[str, Any]) -> None:
    assert facts["echoes"] == [0, 1, 2, 3, 4, 5]
    assert facts["connections_first_server"] == 1  # one kept-alive connection, not five
    assert facts["connections_after_restart"] == 1


def test_component_models_survive_storage(facts: dict[str, Any]) -> None:
    assert facts["reloaded"] == ["noise", "street_light", "water_outage"]
    assert facts["reloaded_gap"] < 1e-5  # the parse's float32 tables score as sklearn does
    assert facts["reloaded_file"] == ["linear.joblib"]  # the name older models were saved under
    assert facts["never_trained"] is None


def test_a_worker_loads_rasa_and_tensorflow_without_jax() -> None:
    """nlu.serve keeps jax out of a Rasa worker (64 MB): Rasa and TensorFlow still load."""
    probe = (
        "import sys\n"
        "from nlu.serve import skip_jax\n"
        "skip_jax()\n"
        "import rasa.core.agent, tensorflow\n"
        "print(sorted(m for m in sys.modules if m.partition('.')[0] in ('jax', 'jaxlib')))\n"
        "print(tensorflow.constant([1, 2]).numpy().sum())\n"
    )
    result = run_in_rasa(probe)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split("\n")[:2] == ["[]", "3"]
