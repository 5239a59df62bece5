"""`sync.server_url` obeys the same https rule as `kiosk provision --server`, checked at start."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config
from sync.provision import ProvisionError, check_server_url

URLS = [
    ("http://central.example.org", "refusing plain http"),
    ("http://10.0.0.5:8080", "refusing plain http"),
    ("ftp://central.example.org", "must be an http(s) URL"),
    ("central.example.org", "must be an http(s) URL"),
    ("https://central.example.org/?x=1", "without ?query"),
    ("https://central.example.org", None),
    ("http://127.0.0.1:8080", None),
    ("http://localhost:8080/", None),
    ("http://[::1]:8080", None),
]


@pytest.mark.parametrize(("url", "problem"), URLS)
def test_the_setting_is_checked_at_start(url: str, problem: str | None) -> None:
    if problem is None:
        assert load_config(env={"KIOSK_SYNC_SERVER_URL": url})["sync.server_url"] == url
        return
    with pytest.raises(ConfigError) as err:
        load_config(env={"KIOSK_SYNC_SERVER_URL": url})
    assert err.value.key == "sync.server_url" and problem in err.value.reason
    assert "KIOSK_SYNC_SERVER_URL" in err.value.source


@pytest.mark.parametrize(("url", "problem"), URLS)
def test_provisioning_and_the_setting_share_one_rule(url: str, problem: str | None) -> None:
    if problem is None:
        assert check_server_url(url) == url.rstrip("/")
    else:
        with pytest.raises(ProvisionError, match=problem.replace("?", r"\?").replace("(", r"\(").replace(")", r"\)")):
            check_server_url(url)


def test_the_file_is_checked_too(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text('[sync]\nserver_url = "http://central.example.org:8080"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path, env={})
    assert err.value.source == str(path) and "use https" in err.value.reason


def test_empty_means_the_provisioned_url() -> None:
    assert load_config(env={})["sync.server_url"] == ""
