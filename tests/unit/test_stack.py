"""Several Rasa workers: each conversation always goes to the same one."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from hotline.adapters import classifier, rasa_client
from hotline.adapters.rasa_client import rasa_url_for
from hotline.adapters.stack import Stack, StackConfig, StackError, free_ports
from hotline.config import Settings
from hotline.domain.yamlconf import ConfigError


def test_workers_listen_on_consecutive_ports() -> None:
    settings = Settings.from_env(
        {"HOTLINE_RASA_URL": "http://127.0.0.1:6005", "HOTLINE_RASA_WORKERS": "3"}
    )
    assert settings.rasa_urls == [
        "http://127.0.0.1:6005",
        "http://127.0.0.1:6006",
        "http://127.0.0.1:6007",
    ]
    assert Settings.from_env({}).rasa_urls == ["http://127.0.0.1:5005"]


@pytest.mark.parametrize("workers", ["0", "17", "two"])
def test_a_bad_worker_count_is_refused(workers: str) -> None:
    with pytest.raises(ConfigError, match="HOTLINE_RASA_WORKERS"):
        Settings.from_env({"HOTLINE_RASA_WORKERS": workers})


def test_a_sender_sticks_to_one_worker_and_senders_spread() -> None:
    urls = ["http://a", "http://b"]
    assert {rasa_url_for("telegram:42", urls) for _ in range(10)} == {
        rasa_url_for("telegram:42", urls)
    }
    chosen = [rasa_url_for(f"telegram:{i}", urls) for i in range(1000)]
    assert 400 < chosen.count("http://a") < 600


def test_scratch_stacks_never_give_a_worker_port_to_the_action_server(tmp_path: Path) -> None:
    for _ in range(200):
        config = StackConfig.scratch(tmp_path, "sqlite://", rasa_workers=3)
        worker_ports = {config.rasa_port + i for i in range(3)}
        assert config.action_port not in worker_ports
        for port in [*worker_ports, config.action_port]:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", port))  # free when chosen


def test_a_failed_start_leaves_no_server_running(tmp_path: Path) -> None:
    config = StackConfig.scratch(tmp_path, f"sqlite:///{tmp_path / 'h.db'}")
    config.model = tmp_path / "missing.tar.gz"
    stack = Stack(config)
    with pytest.raises(StackError, match="没有找到对话模型"):
        stack.start(timeout=30)
    assert stack.actions is not None
    assert stack.actions.poll() is not None  # the action server was stopped, not leaked


def test_hotline_up_and_the_classifier_load_the_same_model(tmp_path: Path) -> None:
    model = tmp_path / "other.tar.gz"
    model.write_bytes(b"")
    settings = Settings.from_env(
        {
            "HOTLINE_NLU_MODEL": str(model),
            "HOTLINE_RASA_PYTHON": str(tmp_path / "python"),
            "HOTLINE_RASA_URL": "http://127.0.0.1:6005",
            "HOTLINE_RASA_WORKERS": "2",
            "HOTLINE_ACTION_SERVER_PORT": "6100",
            "HOTLINE_VAR_DIR": str(tmp_path / "var"),
        }
    )
    config = StackConfig.from_settings(settings)
    assert config.model == model == classifier.model_path(settings)
    assert config.rasa_python == tmp_path / "python" == classifier.rasa_python(settings)
    assert config.rasa_urls == ["http://127.0.0.1:6005", "http://127.0.0.1:6006"]
    assert config.action_port == 6100
    assert config.log_dir == tmp_path / "var" / "log"
    scratch = StackConfig.scratch(tmp_path, "sqlite://", settings=settings)
    assert scratch.model == model and scratch.rasa_python == tmp_path / "python"


def test_a_missing_configured_model_is_reported_by_its_name(tmp_path: Path) -> None:
    missing = tmp_path / "missing.tar.gz"
    settings = Settings.from_env({"HOTLINE_NLU_MODEL": str(missing)})
    assert classifier.model_path(settings) is None
    assert StackConfig.from_settings(settings).model == missing


@pytest.mark.parametrize("template", ["https://crm/{id}", "https://crm/{number", "https://{0}"])
def test_a_ticket_link_template_with_other_placeholders_is_refused(template: str) -> None:
    with pytest.raises(ConfigError, match="HOTLINE_TICKET_URL"):
        Settings.from_env({"HOTLINE_TICKET_URL": template})
    ok = Settings.from_env({"HOTLINE_TICKET_URL": "https://crm.example/tickets/{number}"})
    assert ok.ticket_url == "https://crm.example/tickets/{number}"


def test_one_rasa_client_says_unavailable_and_not_ready_the_same_way() -> None:
    from bot import citizen, console

    for module in (citizen, console):  # they catch the one exception, not one of their own
        assert getattr(module, "RasaUnavailable") is rasa_client.RasaUnavailable  # noqa: B009
    port, _ = free_ports(1)  # nobody listens there
    url = f"http://127.0.0.1:{port}"
    chat = rasa_client.RasaChat(url, "console:local", timeout=1.0, token="t")
    try:
        with pytest.raises(rasa_client.RasaUnavailable, match="ConnectError"):
            chat.send("你好")
    finally:
        chat.close()
    assert not rasa_client.rasa_ready(url, "t", timeout=1.0)


def test_replicas_share_postgresql_and_a_redis_lock_store(tmp_path: Path) -> None:
    """Issue 20: with both stores set, Rasa's endpoints name them; passwords stay out of it."""
    from hotline.adapters.stack import LOCK_PASSWORD, TRACKER_PASSWORD, write_endpoints

    settings = Settings.from_env(
        {
            "HOTLINE_TRACKER_STORE_URL": "postgresql://rasa:s3cret@db.internal:5433/tracker",
            "HOTLINE_LOCK_STORE_URL": "redis://:hush@cache.internal:6380/2",
            "HOTLINE_LOCK_LIFETIME": "15",
        }
    )
    config = StackConfig.from_settings(settings)
    config.workdir = tmp_path
    endpoints = write_endpoints(config).read_text()
    assert "dialect: postgresql" in endpoints and 'url: "db.internal"' in endpoints
    assert "port: 5433" in endpoints and 'db: "tracker"' in endpoints
    assert "lock_store:\n  type: nlu.lock_store.HotlineRedisLockStore" in endpoints
    assert "port: 6380" in endpoints
    assert "db: 2" in endpoints
    assert "s3cret" not in endpoints and "hush" not in endpoints
    env = Stack(config)._env()
    assert env[TRACKER_PASSWORD] == "s3cret" and env[LOCK_PASSWORD] == "hush"
    # A lock left by a killed replica frees in 15 s, not Rasa's 60 (a balancer's timeout).
    assert env["TICKET_LOCK_LIFETIME"] == "15"


def test_one_machine_keeps_sqlite_and_no_lock_store(tmp_path: Path) -> None:
    config = StackConfig.from_settings(Settings.from_env({}))
    config.workdir = tmp_path
    endpoints = write_endpoints_text(config)
    assert "dialect: sqlite" in endpoints and "lock_store" not in endpoints


def write_endpoints_text(config: StackConfig) -> str:
    from hotline.adapters.stack import write_endpoints

    return write_endpoints(config).read_text()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HOTLINE_TRACKER_STORE_URL", "sqlite:///var/tracker.db"),
        ("HOTLINE_LOCK_STORE_URL", "memcached://127.0.0.1"),
        ("HOTLINE_HEALTH_PORT", "70000"),
        ("HOTLINE_LOCK_LIFETIME", "600"),
    ],
)
def test_bad_scale_out_settings_are_refused_by_name(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})
